//! A jointly built free trade zone (docs/source-essay.md §6: "work together to build a free
//! trade zone"): simpler customs, approvals and investment rules lower the costs of firms
//! in the zone cities.

use super::doc::{KindDoc, Mechanism, Param};
use super::{Dose, Kind, Levers, cells, check_cities, check_range, check_sectors, names};
use crate::region::Region;

pub(super) const DOC: KindDoc = KindDoc {
    name: "free_trade_zone",
    essay: "6",
    summary: "lower costs for firms in the zone cities",
    mechanisms: &[Mechanism::CostOrSubsidy],
    params: &[
        Param {
            name: "cities",
            unit: "city names",
            about: "cities with a zone [M: Tianjin's pilot zone dates from 2015]",
        },
        Param {
            name: "sectors",
            unit: "sector names",
            about: "sectors covered (empty = all)",
        },
        Param {
            name: "cost_reduction",
            unit: "fraction of value added",
            about: "costs saved by firms in the zone [A]",
        },
    ],
    example: include_str!("../../scenarios/free_trade_zone.toml"),
};

policy_table! {
    pub struct FreeTradeZone {
        /// Cities with a zone.
        #[serde(default = "default_cities")]
        pub cities: Vec<String>,
        /// Sectors covered (empty = all).
        #[serde(default)]
        pub sectors: Vec<String>,
        /// Costs saved by firms in the zone, fraction of value added [A].
        #[serde(default = "default_reduction")]
        pub cost_reduction: f64,
    }
}

fn default_cities() -> Vec<String> {
    names(&["Tianjin"])
}
fn default_reduction() -> f64 {
    0.03
}

impl Kind for FreeTradeZone {
    fn apply(&self, dose: &Dose, l: &mut Levers) {
        for (c, s) in cells(dose.region, &self.cities, &self.sectors) {
            l.add_firm_bonus(c, s, self.cost_reduction * dose.intensity);
        }
    }

    fn validate(&self, key: &str, region: &Region, p: &mut Vec<String>) {
        check_cities(key, "cities", &self.cities, region, p);
        check_sectors(key, &self.sectors, region, p);
        check_range(key, "cost_reduction", self.cost_reduction, 0.0, 1.0, p);
    }
}

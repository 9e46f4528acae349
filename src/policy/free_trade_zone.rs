//! A jointly built free trade zone (docs/source-essay.md §6: "work together to build a free
//! trade zone"): simpler customs, approvals and investment rules lower the costs of firms
//! in the zone cities.

use super::doc::{KindDoc, Mechanism};
use super::{Dose, Kind, Levers, cells, check_cities, check_sectors};
use crate::region::Region;

pub(super) const DOC: KindDoc = KindDoc {
    name: "free_trade_zone",
    essay: "6",
    summary: "lower costs for firms in the zone cities",
    mechanisms: &[Mechanism::CostOrSubsidy],
    example: include_str!("../../scenarios/free_trade_zone.toml"),
};

policy_table! {
    pub struct FreeTradeZone {
        /// Cities with a zone.
        pub cities: Vec<String>,
        /// Sectors covered (empty = all).
        pub sectors: Vec<String>,
        /// Costs saved by firms in the zone, fraction of value added.
        pub cost_reduction: f64,
    }
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
    }
}

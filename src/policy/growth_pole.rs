//! A growth pole (docs/source-essay.md §1, §2: "strengthen Shijiazhuang's pivotal
//! position"): investment in a hub raises the productivity of its firms and the amenity of
//! living there, so the region becomes multi-polar rather than centred on Beijing and
//! Tianjin.

use super::doc::{KindDoc, Mechanism, Param};
use super::{Dose, Kind, Levers, cells, check_cities, check_range, check_sectors, city_set, names};
use crate::region::Region;

pub(super) const DOC: KindDoc = KindDoc {
    name: "growth_pole",
    essay: "1, 2",
    summary: "strengthens a hub city (Shijiazhuang): investment raising firms' productivity and residents' amenity",
    mechanisms: &[Mechanism::Productivity, Mechanism::Amenity],
    params: &[
        Param {
            name: "cities",
            unit: "city names",
            about: "the hubs strengthened (essay: Shijiazhuang)",
        },
        Param {
            name: "sectors",
            unit: "sector names",
            about: "sectors whose productivity rises (empty = all)",
        },
        Param {
            name: "productivity_gain",
            unit: "fraction",
            about: "rise in the productivity of firms in the hub [A]",
        },
        Param {
            name: "amenity",
            unit: "logit units",
            about: "added to residents' utility of living in the hub [A]",
        },
    ],
    example: include_str!("../../scenarios/growth_pole.toml"),
};

policy_table! {
    pub struct GrowthPole {
        /// The hubs (docs/source-essay.md §1: Shijiazhuang).
        #[serde(default = "default_cities")]
        pub cities: Vec<String>,
        /// Sectors whose productivity rises (empty = all).
        #[serde(default)]
        pub sectors: Vec<String>,
        /// Rise in firms' productivity, a fraction (0.05 = 5%) [A].
        #[serde(default = "default_gain")]
        pub productivity_gain: f64,
        /// Added to residents' utility of living in the hub, logit units [A].
        #[serde(default = "default_amenity")]
        pub amenity: f64,
    }
}

fn default_cities() -> Vec<String> {
    names(&["Shijiazhuang"])
}
fn default_gain() -> f64 {
    0.05
}
fn default_amenity() -> f64 {
    0.1
}

impl Kind for GrowthPole {
    fn apply(&self, dose: &Dose, l: &mut Levers) {
        let factor = 1.0 + self.productivity_gain * dose.intensity;
        for (c, s) in cells(dose.region, &self.cities, &self.sectors) {
            l.scale_productivity(c, s, factor);
        }
        for c in city_set(dose.region, &self.cities) {
            l.add_amenity(c, self.amenity * dose.intensity);
        }
    }

    fn validate(&self, key: &str, region: &Region, p: &mut Vec<String>) {
        check_cities(key, "cities", &self.cities, region, p);
        check_sectors(key, &self.sectors, region, p);
        check_range(
            key,
            "productivity_gain",
            self.productivity_gain,
            -0.5,
            2.0,
            p,
        );
        check_range(key, "amenity", self.amenity, -5.0, 5.0, p);
    }
}

//! A growth pole (docs/source-essay.md §1, §2: "strengthen Shijiazhuang's pivotal
//! position"): investment in a hub raises the productivity of its firms and the amenity of
//! living there, so the region becomes multi-polar rather than centred on Beijing and
//! Tianjin.

use super::doc::{KindDoc, Mechanism};
use super::{Dose, Kind, Levers, cells, check_cities, check_sectors, city_set};
use crate::region::Region;

pub(super) const DOC: KindDoc = KindDoc {
    name: "growth_pole",
    essay: "1, 2",
    summary: "strengthens a hub city (Shijiazhuang): investment raising firms' productivity and residents' amenity",
    mechanisms: &[Mechanism::Productivity, Mechanism::Amenity],
    example: include_str!("../../scenarios/growth_pole.toml"),
};

policy_table! {
    pub struct GrowthPole {
        /// The hubs (docs/source-essay.md §1: Shijiazhuang).
        pub cities: Vec<String>,
        /// Sectors whose productivity rises (empty = all).
        pub sectors: Vec<String>,
        /// Rise in firms' productivity, a fraction (0.05 = 5%).
        pub productivity_gain: f64,
        /// Added to residents' utility of living in the hub, logit units.
        pub amenity: f64,
    }
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
    }
}

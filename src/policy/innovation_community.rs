//! Collaborative innovation communities (docs/source-essay.md §2): laboratories, platforms
//! and new R&D institutions in target cities raise the productivity of tech sectors year by
//! year, plus a spillover from the capital's "innovative highland" that decays with
//! distance. The gain accumulates while the policy is in force and, like every lever,
//! lapses when it ends (extend `end` to keep it).

use super::doc::{KindDoc, Mechanism};
use super::{Dose, Kind, Levers, cells, check_cities, check_sectors};
use crate::math::Det;
use crate::region::Region;

pub(super) const DOC: KindDoc = KindDoc {
    name: "innovation_community",
    essay: "2",
    summary: "R&D platforms: yearly productivity growth of tech sectors in target cities, plus a spillover from the capital decaying with distance",
    mechanisms: &[Mechanism::Productivity],
    example: include_str!("../../scenarios/innovation_community.toml"),
};

policy_table! {
    pub struct InnovationCommunity {
        /// Cities hosting the platforms (docs/source-essay.md §2: investment focused on Shijiazhuang).
        pub cities: Vec<String>,
        /// Sectors that gain (empty = all).
        pub sectors: Vec<String>,
        /// Yearly productivity growth from the platforms, fraction a year.
        pub productivity_growth: f64,
        /// Extra yearly growth at the capital's door, fraction a year.
        pub spillover_growth: f64,
        /// Distance over which the spillover falls to 1/e, km.
        pub spillover_decay_km: f64,
    }
}

impl Kind for InnovationCommunity {
    fn apply(&self, dose: &Dose, l: &mut Levers) {
        let r = dose.region;
        for (c, s) in cells(r, &self.cities, &self.sectors) {
            let km = r.distance(r.capital, c);
            let rate = self.productivity_growth
                + self.spillover_growth * (-km / self.spillover_decay_km).dexp();
            l.scale_productivity(c, s, (1.0 + rate).dpow(dose.exposure));
        }
    }

    fn validate(&self, key: &str, region: &Region, p: &mut Vec<String>) {
        check_cities(key, "cities", &self.cities, region, p);
        check_sectors(key, &self.sectors, region, p);
    }
}

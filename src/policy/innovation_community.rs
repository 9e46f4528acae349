//! Collaborative innovation communities (docs/source-essay.md §2): laboratories, platforms
//! and new R&D institutions in target cities raise the productivity of tech sectors year by
//! year, plus a spillover from the capital's "innovative highland" that decays with
//! distance. The gain accumulates while the policy is in force and, like every lever,
//! lapses when it ends (extend `end` to keep it).

use super::doc::{KindDoc, Mechanism, Param};
use super::{Dose, Kind, Levers, cells, check_cities, check_range, check_sectors, names};
use crate::math::Det;
use crate::region::Region;

pub(super) const DOC: KindDoc = KindDoc {
    name: "innovation_community",
    essay: "2",
    summary: "R&D platforms: yearly productivity growth of tech sectors in target cities, plus a spillover from the capital decaying with distance",
    mechanisms: &[Mechanism::Productivity],
    params: &[
        Param {
            name: "cities",
            unit: "city names",
            about: "cities hosting the platforms (essay: focus on Shijiazhuang)",
        },
        Param {
            name: "sectors",
            unit: "sector names",
            about: "sectors that gain (essay: AI, new energy, new materials, R&D; empty = all)",
        },
        Param {
            name: "productivity_growth",
            unit: "fraction/year",
            about: "yearly productivity growth from the platforms [A]",
        },
        Param {
            name: "spillover_growth",
            unit: "fraction/year",
            about: "extra yearly growth next to the capital, decaying with distance [A]",
        },
        Param {
            name: "spillover_decay_km",
            unit: "km",
            about: "distance over which the spillover falls to 1/e [A]",
        },
    ],
    example: include_str!("../../scenarios/innovation_community.toml"),
};

policy_table! {
    pub struct InnovationCommunity {
        /// Cities hosting the platforms (docs/source-essay.md §2: investment focused on
        /// Shijiazhuang).
        #[serde(default = "default_cities")]
        pub cities: Vec<String>,
        /// Sectors that gain (empty = all).
        #[serde(default = "default_sectors")]
        pub sectors: Vec<String>,
        /// Yearly productivity growth from the platforms, fraction a year [A].
        #[serde(default = "default_growth")]
        pub productivity_growth: f64,
        /// Extra yearly growth at the capital's door, fraction a year [A].
        #[serde(default = "default_spillover")]
        pub spillover_growth: f64,
        /// Distance over which the spillover falls to 1/e, km [A].
        #[serde(default = "default_decay")]
        pub spillover_decay_km: f64,
    }
}

fn default_cities() -> Vec<String> {
    names(&["Shijiazhuang"])
}
fn default_sectors() -> Vec<String> {
    names(&["tech_rnd", "high_end_manufacturing", "biomedicine"])
}
fn default_growth() -> f64 {
    0.01
}
fn default_spillover() -> f64 {
    0.01
}
fn default_decay() -> f64 {
    150.0
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
        check_range(
            key,
            "productivity_growth",
            self.productivity_growth,
            -0.2,
            0.5,
            p,
        );
        check_range(key, "spillover_growth", self.spillover_growth, 0.0, 0.5, p);
        check_range(
            key,
            "spillover_decay_km",
            self.spillover_decay_km,
            1.0,
            1e5,
            p,
        );
    }
}

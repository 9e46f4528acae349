//! Beijing's relief of non-capital functions (docs/source-essay.md §1, §3;
//! docs/model.md §8.2): targeted sectors in the target cities face a higher relocation
//! hazard, an extra cost of staying and no new entry; optional receiving places get a
//! bonus. Pushed moves are government-directed.

use super::doc::{KindDoc, Mechanism, Param};
use super::{
    Claim, Dose, Kind, Levers, cells, check_cities, check_range, check_sectors, check_unit,
    city_set, sector_set,
};
use crate::region::Region;

pub(super) const DOC: KindDoc = KindDoc {
    name: "non_capital_relief",
    essay: "1, 3",
    summary: "Beijing sheds non-capital functions: targeted sectors are pushed out, pay to stay and may not enter",
    mechanisms: &[
        Mechanism::HazardPush,
        Mechanism::CostOrSubsidy,
        Mechanism::EntryBan,
    ],
    params: &[
        Param {
            name: "cities",
            unit: "city names",
            about: "cities shedding functions",
        },
        Param {
            name: "sectors",
            unit: "sector names",
            about: "targeted sectors (docs/facts.md §2.2: manufacturing, markets and logistics)",
        },
        Param {
            name: "hazard_multiplier",
            unit: "x, >= 1",
            about: "multiplier on the yearly move hazard of targeted firms [A]",
        },
        Param {
            name: "extra_cost",
            unit: "fraction of value added",
            about: "cost of staying [A]",
        },
        Param {
            name: "ban_entry",
            unit: "bool",
            about: "no new targeted firms in the target cities",
        },
        Param {
            name: "close_share",
            unit: "0-1",
            about: "pushed firms that find nowhere better and close [A]",
        },
        Param {
            name: "receiving_cities",
            unit: "city names",
            about: "designated receiving places (empty = none)",
        },
        Param {
            name: "receiving_bonus",
            unit: "fraction of value added",
            about: "bonus for targeted sectors there [A]",
        },
    ],
    example: include_str!("../../scenarios/non_capital_relief.toml"),
};

policy_table! {
    pub struct NonCapitalRelief {
        /// Cities shedding functions.
        #[serde(default = "default_cities")]
        pub cities: Vec<String>,
        /// Targeted sectors (docs/facts.md §2.2: general manufacturing, markets and
        /// logistics).
        #[serde(default = "default_sectors")]
        pub sectors: Vec<String>,
        /// Multiplier on the yearly move hazard of targeted firms [A].
        #[serde(default = "default_hazard")]
        pub hazard_multiplier: f64,
        /// Extra cost of staying, as a fraction of value added [A].
        #[serde(default = "default_cost")]
        pub extra_cost: f64,
        /// Ban new entry of targeted sectors in the target cities.
        #[serde(default = "yes")]
        pub ban_entry: bool,
        /// Share of pushed firms that close rather than stay when no destination suits [A].
        #[serde(default = "default_close")]
        pub close_share: f64,
        /// Designated receiving places (empty = none).
        #[serde(default)]
        pub receiving_cities: Vec<String>,
        /// Bonus for targeted sectors in receiving places, fraction of value added [A].
        #[serde(default)]
        pub receiving_bonus: f64,
    }
}

fn default_cities() -> Vec<String> {
    vec!["Beijing".into()]
}
fn default_sectors() -> Vec<String> {
    [
        "manufacturing_general",
        "heavy_industry",
        "wholesale_logistics",
    ]
    .map(String::from)
    .to_vec()
}
fn default_hazard() -> f64 {
    3.0
}
fn default_cost() -> f64 {
    0.05
}
fn default_close() -> f64 {
    0.3
}
fn yes() -> bool {
    true
}

impl Kind for NonCapitalRelief {
    fn apply(&self, dose: &Dose, l: &mut Levers) {
        let (region, intensity, cause) = (dose.region, dose.intensity, dose.cause);
        let sectors = sector_set(region, &self.sectors);
        for c in city_set(region, &self.cities) {
            for &s in &sectors {
                let m = 1.0 + (self.hazard_multiplier - 1.0) * intensity;
                l.push_hazard(c, s, m, cause, true, self.close_share);
                l.add_firm_bonus(c, s, -self.extra_cost * intensity);
                if self.ban_entry {
                    l.ban_entry(c, s);
                }
            }
        }
        if !self.receiving_cities.is_empty() {
            for c in city_set(region, &self.receiving_cities) {
                for &s in &sectors {
                    l.add_firm_bonus(c, s, self.receiving_bonus * intensity);
                }
            }
        }
    }

    fn validate(&self, key: &str, region: &Region, p: &mut Vec<String>) {
        check_cities(key, "cities", &self.cities, region, p);
        check_cities(key, "receiving_cities", &self.receiving_cities, region, p);
        check_sectors(key, &self.sectors, region, p);
        check_range(
            key,
            "hazard_multiplier",
            self.hazard_multiplier,
            1.0,
            1000.0,
            p,
        );
        check_range(key, "extra_cost", self.extra_cost, 0.0, 1.0, p);
        check_range(key, "receiving_bonus", self.receiving_bonus, 0.0, 1.0, p);
        check_unit(key, "close_share", self.close_share, p);
    }

    fn claims(&self, region: &Region) -> Vec<Claim> {
        if !self.ban_entry {
            return Vec::new();
        }
        cells(region, &self.cities, &self.sectors)
            .map(|(city, sector)| Claim::Ban { city, sector })
            .collect()
    }
}

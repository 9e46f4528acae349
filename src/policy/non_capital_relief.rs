//! Beijing's relief of non-capital functions (essay sections 1 and 3): targeted sectors in
//! the target cities face a higher relocation hazard, an extra cost of staying and no new
//! entry; optional receiving places get a bonus. Pushed moves are government-directed.

use serde::{Deserialize, Serialize};

use super::{
    Levers, Window, check_cities, check_nonneg, check_sectors, check_unit, city_set, sector_set,
};
use crate::region::Region;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NonCapitalRelief {
    /// First and last year in force (inclusive).
    pub start: i32,
    pub end: i32,
    /// Years over which the policy ramps in linearly (0 = full strength at once).
    #[serde(default)]
    pub ramp_years: u32,
    /// Cities shedding functions.
    #[serde(default = "default_cities")]
    pub cities: Vec<String>,
    /// Targeted sectors (facts.md 2.2: general manufacturing, markets and logistics).
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

impl NonCapitalRelief {
    pub fn window(&self) -> Window {
        Window {
            start: self.start,
            end: self.end,
            ramp_years: self.ramp_years,
        }
    }

    pub fn apply(&self, region: &Region, intensity: f64, cause: u8, l: &mut Levers) {
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

    pub fn validate(&self, key: &str, region: &Region, p: &mut Vec<String>) {
        check_cities(key, "cities", &self.cities, region, p);
        check_cities(key, "receiving_cities", &self.receiving_cities, region, p);
        check_sectors(key, &self.sectors, region, p);
        if !(self.hazard_multiplier.is_finite()
            && self.hazard_multiplier >= 1.0
            && self.hazard_multiplier <= 1000.0)
        {
            p.push(format!(
                "{key}.hazard_multiplier = {}: must be in [1, 1000]",
                self.hazard_multiplier
            ));
        }
        check_nonneg(key, "extra_cost", self.extra_cost, p);
        check_nonneg(key, "receiving_bonus", self.receiving_bonus, p);
        check_unit(key, "close_share", self.close_share, p);
    }
}

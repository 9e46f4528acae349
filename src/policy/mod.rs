//! Policies: what a scenario switches on, and the small set of mechanisms they act through.
//!
//! Each policy kind lives in its own file and only writes into [`Levers`], the per-step
//! table of mechanisms (hazard pushes, cost and subsidy terms, entry bans, barrier and
//! amenity changes, fiscal rules). The engine reads levers and never a policy, so adding
//! a kind does not touch the step. Overlapping policies combine by fixed rules: hazard
//! multipliers multiply, cost/subsidy and amenity terms add, discounts add up to 95%,
//! bans and hukou grants are "any", barrier scales multiply.

mod interest_compensation;
mod non_capital_relief;
mod xiongan_incentives;

pub use interest_compensation::InterestCompensation;
pub use non_capital_relief::NonCapitalRelief;
pub use xiongan_incentives::XionganIncentives;

use serde::{Deserialize, Serialize};

use crate::region::Region;

/// One `[[policy]]` table of a scenario, tagged by `kind`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PolicySpec {
    NonCapitalRelief(NonCapitalRelief),
    XionganIncentives(XionganIncentives),
    InterestCompensation(InterestCompensation),
}

/// When a policy acts, and how strongly in a given year (ramp-in).
#[derive(Clone, Copy, Debug)]
pub struct Window {
    pub start: i32,
    pub end: i32,
    pub ramp_years: u32,
}

impl Window {
    /// 0 outside the window; rises linearly over `ramp_years`, then 1.
    pub fn intensity(&self, year: i32) -> f64 {
        if year < self.start || year > self.end {
            return 0.0;
        }
        if self.ramp_years == 0 {
            return 1.0;
        }
        (f64::from(year - self.start + 1) / f64::from(self.ramp_years)).min(1.0)
    }

    fn validate(&self, key: &str, first: i32, last: i32, p: &mut Vec<String>) {
        if self.start > self.end {
            p.push(format!(
                "{key}: start = {} is after end = {}",
                self.start, self.end
            ));
        }
        if self.start < first || self.end > last {
            p.push(format!(
                "{key}: window {}..={} lies outside the simulated years {first}..={last}",
                self.start, self.end
            ));
        }
    }
}

impl PolicySpec {
    pub fn kind(&self) -> &'static str {
        match self {
            PolicySpec::NonCapitalRelief(_) => "non_capital_relief",
            PolicySpec::XionganIncentives(_) => "xiongan_incentives",
            PolicySpec::InterestCompensation(_) => "interest_compensation",
        }
    }

    pub fn window(&self) -> Window {
        match self {
            PolicySpec::NonCapitalRelief(p) => p.window(),
            PolicySpec::XionganIncentives(p) => p.window(),
            PolicySpec::InterestCompensation(p) => p.window(),
        }
    }

    /// Writes this policy's mechanisms for `year` into `levers`. `cause` is the policy's
    /// position in the scenario plus one, recorded on the events it causes.
    pub fn apply(&self, region: &Region, year: i32, cause: u8, levers: &mut Levers) {
        let intensity = self.window().intensity(year);
        if intensity <= 0.0 {
            return;
        }
        match self {
            PolicySpec::NonCapitalRelief(p) => p.apply(region, intensity, cause, levers),
            PolicySpec::XionganIncentives(p) => p.apply(region, intensity, cause, levers),
            PolicySpec::InterestCompensation(p) => p.apply(region, intensity, cause, levers),
        }
    }

    pub fn validate(
        &self,
        index: usize,
        region: &Region,
        first: i32,
        last: i32,
        p: &mut Vec<String>,
    ) {
        let key = format!("policy[{index}] ({})", self.kind());
        self.window().validate(&key, first, last, p);
        match self {
            PolicySpec::NonCapitalRelief(x) => x.validate(&key, region, p),
            PolicySpec::XionganIncentives(x) => x.validate(&key, region, p),
            PolicySpec::InterestCompensation(x) => x.validate(&key, region, p),
        }
    }
}

/// Reports unknown city names with the list of valid ones.
pub(crate) fn check_cities(
    key: &str,
    field: &str,
    names: &[String],
    region: &Region,
    p: &mut Vec<String>,
) {
    for n in names {
        if region.city_index(n).is_none() {
            p.push(format!(
                "{key}.{field}: unknown city {n:?}; valid cities: {}",
                region.city_names().join(", ")
            ));
        }
    }
}

pub(crate) fn check_sectors(key: &str, names: &[String], region: &Region, p: &mut Vec<String>) {
    for n in names {
        if region.sector_index(n).is_none() {
            p.push(format!(
                "{key}.sectors: unknown sector {n:?}; valid sectors: {}",
                region.sector_names().join(", ")
            ));
        }
    }
}

pub(crate) fn check_unit(key: &str, field: &str, v: f64, p: &mut Vec<String>) {
    if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
        p.push(format!("{key}.{field} = {v}: must be in [0, 1]"));
    }
}

pub(crate) fn check_nonneg(key: &str, field: &str, v: f64, p: &mut Vec<String>) {
    if !(v.is_finite() && v >= 0.0) {
        p.push(format!("{key}.{field} = {v}: must be a finite number >= 0"));
    }
}

/// City indices for names (all cities when the list is empty). Names are validated first.
pub(crate) fn city_set(region: &Region, names: &[String]) -> Vec<usize> {
    if names.is_empty() {
        return (0..region.n_cities()).collect();
    }
    names.iter().filter_map(|n| region.city_index(n)).collect()
}

/// Sector indices for names (all sectors when the list is empty).
pub(crate) fn sector_set(region: &Region, names: &[String]) -> Vec<usize> {
    if names.is_empty() {
        return (0..region.n_sectors()).collect();
    }
    names
        .iter()
        .filter_map(|n| region.sector_index(n))
        .collect()
}

/// The tax-sharing rule of interest compensation, as the fiscal pass applies it.
#[derive(Clone, Debug, PartialEq)]
pub struct TaxSharing {
    pub cause: u8,
    pub origins: Vec<usize>,
    pub destinations: Vec<usize>,
    pub sectors: Vec<usize>,
    pub origin_share: f64,
    pub years: u8,
    pub extension_years: u8,
    pub min_annual_tax_yuan: f64,
    pub three_tax_rate: f64,
}

/// The mechanisms in force in one step. Per (city, sector) tables are row-major
/// `[city * n_sectors + sector]`; per-city tables are indexed by city.
#[derive(Clone, Debug)]
pub struct Levers {
    pub n_sectors: usize,
    /// Multiplies the yearly move hazard of firms located here.
    pub hazard_multiplier: Vec<f64>,
    /// The policy (index + 1) with the largest push here; 0 for none.
    pub push_cause: Vec<u8>,
    /// Moves pushed here are led by the origin's government (eligible for tax sharing).
    pub directed: Vec<bool>,
    /// Share of pushed firms that, choosing to stay, close instead.
    pub close_share: Vec<f64>,
    /// Subsidy minus extra cost as a fraction of value added, for firms located here.
    pub firm_bonus: Vec<f64>,
    /// Fraction off the land/housing cost firms pay here.
    pub land_discount: Vec<f64>,
    /// Years of tax holiday granted to firms that move or enter here.
    pub tax_holiday_years: Vec<u8>,
    /// No new entry here.
    pub entry_ban: Vec<bool>,
    /// Yearly probability that an eligible firm here is led to move by its government.
    pub directed_hazard: Vec<f64>,
    /// Multiplies the chance that an origin government blocks a directed move of a large
    /// taxpayer (interest compensation lowers it).
    pub resistance_multiplier: Vec<f64>,
    /// Added to residents' utility of living here (logit units).
    pub amenity: Vec<f64>,
    /// Public-services level this city is lifted toward (0 = no target).
    pub public_services_target: Vec<f64>,
    /// Multiplies the hukou barrier of living here without its hukou.
    pub hukou_barrier_scale: Vec<f64>,
    /// Movers into this city receive its hukou.
    pub hukou_grant: Vec<bool>,
    /// Tax-sharing rules in force.
    pub tax_sharing: Vec<TaxSharing>,
}

impl Levers {
    /// No policy: every mechanism neutral.
    pub fn neutral(n_cities: usize, n_sectors: usize) -> Levers {
        let cs = n_cities * n_sectors;
        Levers {
            n_sectors,
            hazard_multiplier: vec![1.0; cs],
            push_cause: vec![0; cs],
            directed: vec![false; cs],
            close_share: vec![0.0; cs],
            firm_bonus: vec![0.0; cs],
            land_discount: vec![0.0; cs],
            tax_holiday_years: vec![0; cs],
            entry_ban: vec![false; cs],
            directed_hazard: vec![0.0; cs],
            resistance_multiplier: vec![1.0; n_cities],
            amenity: vec![0.0; n_cities],
            public_services_target: vec![0.0; n_cities],
            hukou_barrier_scale: vec![1.0; n_cities],
            hukou_grant: vec![false; n_cities],
            tax_sharing: Vec::new(),
        }
    }

    #[inline]
    pub fn cs(&self, city: usize, sector: usize) -> usize {
        city * self.n_sectors + sector
    }

    /// Mechanism: a hazard push. Multipliers multiply; the largest push names the cause.
    pub fn push_hazard(
        &mut self,
        c: usize,
        s: usize,
        multiplier: f64,
        cause: u8,
        directed: bool,
        close_share: f64,
    ) {
        let i = self.cs(c, s);
        if multiplier > 1.0 && (self.push_cause[i] == 0 || multiplier >= self.hazard_multiplier[i])
        {
            self.push_cause[i] = cause;
        }
        self.hazard_multiplier[i] *= multiplier;
        self.directed[i] |= directed;
        self.close_share[i] = self.close_share[i].max(close_share);
    }

    /// Mechanism: a cost (negative) or subsidy (positive) term, fraction of value added.
    pub fn add_firm_bonus(&mut self, c: usize, s: usize, fraction: f64) {
        let i = self.cs(c, s);
        self.firm_bonus[i] += fraction;
    }

    /// Mechanism: a land/housing cost discount for firms.
    pub fn discount_land(&mut self, c: usize, s: usize, fraction: f64) {
        let i = self.cs(c, s);
        self.land_discount[i] = (self.land_discount[i] + fraction).min(0.95);
    }

    /// Mechanism: a fiscal rule granting a tax holiday to arriving firms (longest wins).
    pub fn grant_tax_holiday(&mut self, c: usize, s: usize, years: u8) {
        let i = self.cs(c, s);
        self.tax_holiday_years[i] = self.tax_holiday_years[i].max(years);
    }

    /// Mechanism: an entry ban.
    pub fn ban_entry(&mut self, c: usize, s: usize) {
        let i = self.cs(c, s);
        self.entry_ban[i] = true;
    }

    /// Mechanism: a government-led move hazard for eligible firms (probabilities combine
    /// as independent chances).
    pub fn add_directed_hazard(&mut self, c: usize, s: usize, p: f64) {
        let i = self.cs(c, s);
        self.directed_hazard[i] = 1.0 - (1.0 - self.directed_hazard[i]) * (1.0 - p);
    }

    /// Mechanism: an amenity change for residents.
    pub fn add_amenity(&mut self, c: usize, utility: f64) {
        self.amenity[c] += utility;
    }

    /// Mechanism: lift public services toward a level (highest target wins).
    pub fn lift_public_services(&mut self, c: usize, target: f64) {
        self.public_services_target[c] = self.public_services_target[c].max(target);
    }

    /// Mechanism: a barrier change (hukou barrier scaled; grant hukou to movers).
    pub fn scale_hukou_barrier(&mut self, c: usize, factor: f64, grant: bool) {
        self.hukou_barrier_scale[c] *= factor;
        self.hukou_grant[c] |= grant;
    }
}

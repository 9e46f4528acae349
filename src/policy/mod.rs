//! Policies: what a scenario switches on, and the small set of mechanisms they act through.
//!
//! Each policy kind lives in its own file and only writes into [`Levers`], the per-step
//! table of mechanisms (hazard pushes, cost and subsidy terms, entry bans, capacity caps,
//! barrier changes, fiscal rules, productivity and amenity changes). The engine reads
//! levers and never a policy, so adding a kind does not touch the step.
//!
//! Overlapping policies combine by fixed rules:
//! - multipliers multiply: hazard, productivity, hukou barrier, migration cost and rate,
//!   capacity, an origin's resistance;
//! - additive terms add: cost and subsidy terms, amenity, land discounts (up to 95%),
//!   fiscal transfers (each rule pays on its own); directed-move chances combine as
//!   independent chances;
//! - the strongest wins: public-services targets and tax holidays take the highest,
//!   capacity caps the lowest, close shares the highest;
//! - "any" holds: entry bans, hukou grants, directed pushes.
//!
//! Settings that no rule can reconcile are validation errors naming both policies (see
//! `conflicts.rs`): two different capacity caps on one city in overlapping years, and a
//! sector steered into a city where another policy bans its entry.

/// Declares a kind's `[[policy]]` table: the window fields every kind has (`start`,
/// `end`, `ramp_years`), the derives every table needs, and its [`Table`] link to its
/// window and to the `DOC` of its module.
///
/// A table is read by filling in every key it leaves out from the parameter registry
/// (`crate::params`), then reading all of them strictly (unknown keys are refused): the
/// defaults are written in the registry alone, so the defaults documented are the ones a
/// scenario gets.
macro_rules! policy_table {
    (
        $(#[$meta:meta])*
        pub struct $name:ident { $($(#[$fmeta:meta])* pub $field:ident: $ty:ty,)* }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, serde::Serialize, serde::Deserialize, PartialEq)]
        #[serde(try_from = "toml::Table")]
        pub struct $name {
            /// First year in force.
            pub start: i32,
            /// Last year in force (inclusive).
            pub end: i32,
            /// Years to reach full strength, rising linearly (0 = at once).
            pub ramp_years: u32,
            $($(#[$fmeta])* pub $field: $ty,)*
        }

        /// The table with every key present.
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Complete {
            start: i32,
            end: i32,
            ramp_years: u32,
            $($field: $ty,)*
        }

        impl TryFrom<toml::Table> for $name {
            /// The message alone: the reader of the whole file places it.
            type Error = String;

            fn try_from(mut table: toml::Table) -> Result<Self, Self::Error> {
                $crate::params::fill_defaults(DOC.name, &mut table);
                let c: Complete = toml::Value::Table(table)
                    .try_into()
                    .map_err(|e: toml::de::Error| e.message().to_string())?;
                Ok($name {
                    start: c.start,
                    end: c.end,
                    ramp_years: c.ramp_years,
                    $($field: c.$field,)*
                })
            }
        }

        impl $crate::policy::Table for $name {
            fn window(&self) -> $crate::policy::Window {
                $crate::policy::Window {
                    start: self.start,
                    end: self.end,
                    ramp_years: self.ramp_years,
                }
            }

            fn doc(&self) -> &'static $crate::policy::doc::KindDoc {
                &DOC
            }
        }
    };
}

mod coastal_belt;
mod conflicts;
mod development_intensity_control;
pub mod doc;
mod ecological_cogovernance;
mod factor_mobility;
mod free_trade_zone;
mod growth_pole;
mod industrial_gradient;
mod innovation_community;
mod interest_compensation;
mod levers;
mod non_capital_relief;
mod public_service_equalization;
mod rural_micro_centers;
mod xiongan_incentives;

pub use coastal_belt::CoastalBelt;
pub use development_intensity_control::DevelopmentIntensityControl;
pub use ecological_cogovernance::EcologicalCogovernance;
pub use factor_mobility::FactorMobility;
pub use free_trade_zone::FreeTradeZone;
pub use growth_pole::GrowthPole;
pub use industrial_gradient::IndustrialGradient;
pub use innovation_community::InnovationCommunity;
pub use interest_compensation::InterestCompensation;
pub use levers::{Levers, TaxSharing, Transfer};
pub use non_capital_relief::NonCapitalRelief;
pub use public_service_equalization::PublicServiceEqualization;
pub use rural_micro_centers::RuralMicroCenters;
pub use xiongan_incentives::XionganIncentives;

use serde::{Deserialize, Serialize};

use crate::region::Region;
use doc::KindDoc;

/// One `[[policy]]` table of a scenario, tagged by `kind`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PolicySpec {
    NonCapitalRelief(NonCapitalRelief),
    XionganIncentives(XionganIncentives),
    InterestCompensation(InterestCompensation),
    GrowthPole(GrowthPole),
    CoastalBelt(CoastalBelt),
    InnovationCommunity(InnovationCommunity),
    IndustrialGradient(IndustrialGradient),
    PublicServiceEqualization(PublicServiceEqualization),
    RuralMicroCenters(RuralMicroCenters),
    EcologicalCogovernance(EcologicalCogovernance),
    DevelopmentIntensityControl(DevelopmentIntensityControl),
    FactorMobility(FactorMobility),
    FreeTradeZone(FreeTradeZone),
}

/// Every kind's description, in the order `relocsim policies` lists them.
pub static KINDS: [&KindDoc; 13] = [
    &non_capital_relief::DOC,
    &xiongan_incentives::DOC,
    &interest_compensation::DOC,
    &growth_pole::DOC,
    &coastal_belt::DOC,
    &innovation_community::DOC,
    &industrial_gradient::DOC,
    &public_service_equalization::DOC,
    &rural_micro_centers::DOC,
    &ecological_cogovernance::DOC,
    &development_intensity_control::DOC,
    &factor_mobility::DOC,
    &free_trade_zone::DOC,
];

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
        // In i64: years are validated, but a window built in code need not be.
        let years_in = i64::from(year) - i64::from(self.start) + 1;
        (years_in as f64 / f64::from(self.ramp_years)).min(1.0)
    }

    /// Full-strength years in force up to and including `year`: how long a policy whose
    /// effect accumulates has been working.
    pub fn exposure(&self, year: i32) -> f64 {
        (self.start..=year.min(self.end))
            .map(|y| self.intensity(y))
            .sum()
    }

    /// Whether two windows share a year.
    pub fn overlaps(&self, other: &Window) -> bool {
        self.start <= other.end && other.start <= self.end
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

/// What a kind sees when it writes its levers for one year.
pub struct Dose<'a> {
    pub region: &'a Region,
    /// Strength this year, 0 to 1 (ramp-in).
    pub intensity: f64,
    /// See [`Window::exposure`].
    pub exposure: f64,
    /// The policy's position in the scenario plus one, recorded on the events it causes.
    pub cause: u8,
}

/// A setting another policy may contradict (checked in `conflicts.rs`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Claim {
    /// A capacity cap on a city, persons.
    Cap { city: usize, persons: f64 },
    /// No new firms of a sector in a city.
    Ban { city: usize, sector: usize },
    /// A sector steered into a city.
    Designate { city: usize, sector: usize },
}

/// What [`policy_table!`] gives every kind's table.
pub(crate) trait Table {
    fn window(&self) -> Window;
    fn doc(&self) -> &'static KindDoc;
}

/// What each kind implements; [`PolicySpec`] dispatches to it.
pub(crate) trait Kind: Table {
    /// Writes this policy's mechanisms for one year in force.
    fn apply(&self, dose: &Dose, levers: &mut Levers);
    /// Reports every problem of this table (the window is checked by the caller).
    fn validate(&self, key: &str, region: &Region, p: &mut Vec<String>);
    /// Settings another policy could contradict.
    fn claims(&self, _region: &Region) -> Vec<Claim> {
        Vec::new()
    }
}

impl PolicySpec {
    fn as_kind(&self) -> &dyn Kind {
        match self {
            PolicySpec::NonCapitalRelief(p) => p,
            PolicySpec::XionganIncentives(p) => p,
            PolicySpec::InterestCompensation(p) => p,
            PolicySpec::GrowthPole(p) => p,
            PolicySpec::CoastalBelt(p) => p,
            PolicySpec::InnovationCommunity(p) => p,
            PolicySpec::IndustrialGradient(p) => p,
            PolicySpec::PublicServiceEqualization(p) => p,
            PolicySpec::RuralMicroCenters(p) => p,
            PolicySpec::EcologicalCogovernance(p) => p,
            PolicySpec::DevelopmentIntensityControl(p) => p,
            PolicySpec::FactorMobility(p) => p,
            PolicySpec::FreeTradeZone(p) => p,
        }
    }

    pub fn kind(&self) -> &'static str {
        self.as_kind().doc().name
    }

    pub fn window(&self) -> Window {
        self.as_kind().window()
    }

    pub(crate) fn claims(&self, region: &Region) -> Vec<Claim> {
        self.as_kind().claims(region)
    }

    /// Writes this policy's mechanisms for `year` into `levers`. `cause` is the policy's
    /// position in the scenario plus one, recorded on the events it causes.
    pub fn apply(&self, region: &Region, year: i32, cause: u8, levers: &mut Levers) {
        let window = self.window();
        let intensity = window.intensity(year);
        if intensity <= 0.0 {
            return;
        }
        let dose = Dose {
            region,
            intensity,
            exposure: window.exposure(year),
            cause,
        };
        self.as_kind().apply(&dose, levers);
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
        self.as_kind().validate(&key, region, p);
        self.validate_numbers(&key, p);
    }

    /// Every number of the table against its range in the registry. Integers are
    /// checked with the file's shape, before the table is read.
    fn validate_numbers(&self, key: &str, p: &mut Vec<String>) {
        let table = toml::Table::try_from(self).expect("a policy serialises to a table");
        for param in crate::params::of_kind(self.kind()) {
            if let Some(v) = table.get(param.field()).and_then(toml::Value::as_float) {
                param.check(&format!("{key}.{}", param.field()), v, p);
            }
        }
    }
}

/// Reports every pair of policies whose settings contradict each other; `numbers` holds
/// each policy's index in its file (some may have been left out as unreadable).
pub fn validate_combination(
    policies: &[PolicySpec],
    numbers: &[usize],
    region: &Region,
    p: &mut Vec<String>,
) {
    conflicts::check(policies, numbers, region, p);
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
            let valid = region.city_names();
            p.push(format!(
                "{key}.{field}: unknown city {n:?}; {}",
                crate::text::suggest(n, valid.iter().map(|c| c.as_ref()))
            ));
        }
    }
}

pub(crate) fn check_sectors(key: &str, names: &[String], region: &Region, p: &mut Vec<String>) {
    for n in names {
        if region.sector_index(n).is_none() {
            let valid = region.sector_names();
            p.push(format!(
                "{key}.sectors: unknown sector {n:?}; {}",
                crate::text::suggest(n, valid.iter().map(|c| c.as_ref()))
            ));
        }
    }
}

/// City indices for names (all cities when the list is empty). Names are validated first.
pub(crate) fn city_set(region: &Region, names: &[String]) -> Vec<usize> {
    if names.is_empty() {
        return (0..region.n_cities()).collect();
    }
    listed_cities(region, names)
}

/// City indices for names, none when the list is empty.
pub(crate) fn listed_cities(region: &Region, names: &[String]) -> Vec<usize> {
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

/// Every (city, sector) pair of the named cities and sectors (empty lists = all).
pub(crate) fn cells(
    region: &Region,
    cities: &[String],
    sectors: &[String],
) -> impl Iterator<Item = (usize, usize)> {
    let sectors = sector_set(region, sectors);
    city_set(region, cities)
        .into_iter()
        .flat_map(move |c| sectors.clone().into_iter().map(move |s| (c, s)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::Det;

    /// Levers of `[[policy]]` tables in force in `year`.
    fn levers(tables: &str, year: i32) -> (Region, Levers) {
        #[derive(Deserialize)]
        struct Tables {
            policy: Vec<PolicySpec>,
        }
        let region = Region::embedded();
        let t: Tables = toml::from_str(tables).expect("test tables parse");
        let mut l = Levers::neutral(region.n_cities(), region.n_sectors());
        for (i, p) in t.policy.iter().enumerate() {
            p.apply(&region, year, (i + 1) as u8, &mut l);
        }
        (region, l)
    }

    #[test]
    fn overlapping_policies_combine_by_the_documented_rules() {
        let (r, l) = levers(
            r#"
            [[policy]]
            kind = "growth_pole"
            start = 2020
            end = 2035
            productivity_gain = 0.1
            amenity = 0.2
            [[policy]]
            kind = "growth_pole"
            start = 2020
            end = 2035
            productivity_gain = 0.2
            amenity = 0.1
            [[policy]]
            kind = "free_trade_zone"
            start = 2020
            end = 2035
            cities = ["Shijiazhuang"]
            cost_reduction = 0.03
            [[policy]]
            kind = "industrial_gradient"
            start = 2020
            end = 2035
            cities = ["Shijiazhuang"]
            sectors = ["biomedicine"]
            subsidy = 0.05
            [[policy]]
            kind = "rural_micro_centers"
            start = 2020
            end = 2035
            cities = ["Beijing"]
            capacity_increase = 0.1
            [[policy]]
            kind = "development_intensity_control"
            start = 2020
            end = 2035
            "#,
            2025,
        );
        let sjz = r.city_index("Shijiazhuang").unwrap();
        let bio = l.cs(sjz, r.sector_index("biomedicine").unwrap());
        assert!(
            (l.productivity[bio] - 1.1 * 1.2).abs() < 1e-12,
            "multipliers multiply"
        );
        assert!((l.amenity[sjz] - 0.3).abs() < 1e-12, "amenities add");
        assert!((l.firm_bonus[bio] - 0.08).abs() < 1e-12, "subsidies add");
        let bj = r.city_index("Beijing").unwrap();
        let base = r.city(bj).capacity as f64;
        assert_eq!(
            l.capacity(bj, base),
            23e6,
            "the cap holds over the addition"
        );
        assert!((l.capacity_multiplier[bj] - 1.1).abs() < 1e-12);
    }

    #[test]
    fn a_ramped_policy_phases_in_and_accumulates_exposure() {
        let w = Window {
            start: 2020,
            end: 2030,
            ramp_years: 2,
        };
        assert_eq!(w.intensity(2019), 0.0);
        assert_eq!(w.intensity(2020), 0.5);
        assert_eq!(w.exposure(2019), 0.0);
        assert_eq!(w.exposure(2021), 1.5);
        // After the end, exposure stops growing (and the policy is out of force).
        assert_eq!(w.exposure(2035), 10.5);
        assert_eq!(w.intensity(2031), 0.0);
        let (r, l) = levers(
            "[[policy]]\nkind = \"development_intensity_control\"\nstart = 2020\nend = 2035\n\
             ramp_years = 4\ncaps = { Beijing = 21000000 }\n",
            2021,
        );
        let bj = r.city_index("Beijing").unwrap();
        assert_eq!(l.capacity(bj, 23e6), 22e6, "half way from 23 to 21 million");
    }

    /// Iterates each kind's serialised table, so a field without a registry entry, or an
    /// entry without a field, fails here.
    #[test]
    fn every_parameter_of_every_kind_has_exactly_one_registry_entry() {
        for k in KINDS {
            let mut table = doc::defaults(k.name);
            assert_eq!(table.remove("kind").unwrap().as_str(), Some(k.name));
            let mut fields: Vec<String> = table.keys().cloned().collect();
            fields.extend(["start".to_string(), "end".to_string()]);
            for f in &fields {
                let entries: Vec<_> = crate::params::of_kind(k.name)
                    .filter(|p| p.field() == f)
                    .collect();
                assert_eq!(entries.len(), 1, "{}.{f}", k.name);
                assert_eq!(entries[0].default.to_toml().as_ref(), table.get(f));
            }
            assert_eq!(crate::params::of_kind(k.name).count(), fields.len());
        }
        for p in crate::params::all() {
            let kind = p.kind().unwrap_or(crate::params::ANY_KIND);
            assert!(
                kind == crate::params::ANY_KIND || doc::find(kind).is_some(),
                "{}",
                p.name
            );
        }
    }

    #[test]
    fn a_table_gets_the_registry_defaults_and_keeps_its_own_values() {
        let (r, l) = levers(
            "[[policy]]\nkind = \"growth_pole\"\nstart = 2020\nend = 2035\namenity = 0.3\n",
            2025,
        );
        let sjz = r.city_index("Shijiazhuang").unwrap();
        assert!((l.amenity[sjz] - 0.3).abs() < 1e-12);
        let gain = crate::params::number("policy.growth_pole.productivity_gain");
        let cell = l.cs(sjz, 0);
        assert!((l.productivity[cell] - (1.0 + gain)).abs() < 1e-12);
    }

    #[test]
    fn a_table_that_cannot_be_read_says_why_once() {
        let e = toml::from_str::<PolicySpec>("kind = \"growth_pole\"\nend = 2030\n").unwrap_err();
        assert_eq!(e.message(), "missing field `start`");
        let e = toml::from_str::<PolicySpec>(
            "kind = \"growth_pole\"\nstart = 2020\nend = 2030\namenty = 1.0\n",
        )
        .unwrap_err();
        assert!(e.message().starts_with("unknown field `amenty`"), "{e}");
    }

    #[test]
    fn neutral_levers_change_nothing() {
        let r = Region::embedded();
        let l = Levers::neutral(r.n_cities(), r.n_sectors());
        for c in 0..r.n_cities() {
            let base = r.city(c).capacity as f64;
            assert_eq!(l.capacity(c, base).to_bits(), base.to_bits());
        }
        assert!(l.productivity.iter().all(|&p| p == 1.0 && p.dln() == 0.0));
        assert!(l.transfers.is_empty());
    }
}

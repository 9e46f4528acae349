//! Scenarios: what a user writes in TOML, checked and resolved against a region.
//!
//! A scenario names the years, seed, scale, behavioural parameters (all with documented
//! defaults), trends and policies. A run's `manifest.toml` is itself a valid scenario:
//! its `[manifest]` table is ignored here, so a published run can be run again as is.

pub mod json_schema;
pub mod scaffold;
pub mod validate;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::params;
use crate::policy::PolicySpec;
use crate::region::{self, Region};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Run {
    /// Names the output directory; letters, digits, '-', '_' and '.' only.
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_start")]
    pub start_year: i32,
    #[serde(default = "default_end")]
    pub end_year: i32,
    #[serde(default = "default_seed")]
    pub seed: u64,
    #[serde(default)]
    pub replicate: u32,
    /// Agents per real person and per real firm.
    #[serde(default = "default_scale")]
    pub scale: f64,
    /// Region file, relative to the scenario file; absent means the embedded Jing-Jin-Ji
    /// (or the inline `[region]` table, as in a manifest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

fn default_start() -> i32 {
    2020
}
fn default_end() -> i32 {
    2035
}
fn default_seed() -> u64 {
    20200101
}
fn default_scale() -> f64 {
    0.01
}

/// A table of numeric parameters whose defaults are the registry's: field `f` of the
/// `[t]` table defaults to `params` entry `t.f`. Meanings, units, ranges and sources are
/// written there only (`src/params/behaviour.rs`, or `relocsim params`).
macro_rules! parameter_table {
    ($(#[$meta:meta])* pub struct $name:ident in $table:literal { $($field:ident,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
        #[serde(default, deny_unknown_fields)]
        pub struct $name {
            $(pub $field: f64,)*
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    $($field: params::number(concat!($table, ".", stringify!($field))),)*
                }
            }
        }
    };
}

parameter_table! {
    /// Behavioural parameters: the `[behaviour]` table.
    pub struct Behaviour in "behaviour" {
        firm_size_tail,
        firm_size_max_ratio,
        max_firm_share,
        productivity_sigma,
        cost_pressure,
        size_hazard_elasticity,
        age_hazard_elasticity,
        exit_productivity_elasticity,
        firm_beta_agglomeration,
        firm_beta_market,
        firm_beta_land,
        firm_beta_wage,
        firm_beta_tax,
        firm_beta_subsidy,
        firm_beta_port,
        firm_moving_cost,
        branch_rate,
        branch_share,
        follow_probability,
        commute_range_km,
        separation_rate,
        frictional_unemployment,
        migration_rate,
        job_seeker_migration_rate,
        beta_income,
        distance_income_ratio,
        beta_public_services,
        beta_housing,
        hukou_barrier,
        housing_elasticity,
        capacity_stiffness,
        wage_elasticity,
        market_decay_km,
        public_service_adjustment,
        origin_resistance,
        retirement_rate,
        border_cost,
        border_exit_share,
    }
}

parameter_table! {
    /// Modelled trends, the `[trends]` table: firm growth and the size of the firms it
    /// adds (calibrated defaults), and the productivity trend (5.9% a year by default),
    /// which grows output only (docs/model.md §7.15).
    pub struct Trends in "trends" {
        firm_growth,
        growth_entrant_size,
        productivity_growth,
    }
}

/// The migration levers the start's resident constants are fitted at: the registry
/// defaults unless given (docs/model.md §5.4). A `[behaviour]` lever that differs from its
/// reference acts as a change from the start (halving the hukou barrier draws people);
/// one equal to it describes the world the start is a steady state of. A calibration
/// sets both for each candidate, and a sweep drawing from a posterior both for each
/// replicate, because a candidate is a hypothesis about that world, not a change to it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hukou_barrier: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_income_ratio: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migration_rate: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_seeker_migration_rate: Option<f64>,
}

impl Reference {
    /// The `[behaviour]` fields a `[reference]` table may give.
    pub const LEVERS: [&'static str; 4] = [
        "hukou_barrier",
        "distance_income_ratio",
        "migration_rate",
        "job_seeker_migration_rate",
    ];

    /// `reference.X` for the key `behaviour.X` of a lever: what a calibration candidate
    /// or a posterior draw sets beside it.
    pub fn key_for(key: &str) -> Option<String> {
        let field = key.strip_prefix("behaviour.")?;
        Self::LEVERS
            .contains(&field)
            .then(|| format!("reference.{field}"))
    }

    /// Every lever given: as set, else the registry's default.
    pub fn resolved(r: &Reference) -> Reference {
        let b = r.apply(&Behaviour::default());
        Reference {
            hukou_barrier: Some(b.hukou_barrier),
            distance_income_ratio: Some(b.distance_income_ratio),
            migration_rate: Some(b.migration_rate),
            job_seeker_migration_rate: Some(b.job_seeker_migration_rate),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.values().iter().all(|(_, v)| v.is_none())
    }

    fn values(&self) -> [(&'static str, Option<f64>); 4] {
        [
            (Self::LEVERS[0], self.hukou_barrier),
            (Self::LEVERS[1], self.distance_income_ratio),
            (Self::LEVERS[2], self.migration_rate),
            (Self::LEVERS[3], self.job_seeker_migration_rate),
        ]
    }

    /// `b` with its levers at this reference: as given, else the registry's defaults.
    pub fn apply(&self, b: &Behaviour) -> Behaviour {
        let d = Behaviour::default();
        Behaviour {
            hukou_barrier: self.hukou_barrier.unwrap_or(d.hukou_barrier),
            distance_income_ratio: self
                .distance_income_ratio
                .unwrap_or(d.distance_income_ratio),
            migration_rate: self.migration_rate.unwrap_or(d.migration_rate),
            job_seeker_migration_rate: self
                .job_seeker_migration_rate
                .unwrap_or(d.job_seeker_migration_rate),
            ..b.clone()
        }
    }

    /// Each given lever against the range of its `[behaviour]` parameter.
    fn validate(&self, p: &mut Vec<String>) {
        for (field, v) in self.values() {
            let (Some(v), Some(param)) = (v, params::find(&format!("behaviour.{field}"))) else {
                continue;
            };
            param.check(&format!("reference.{field}"), v, p);
        }
        // The rest of China's movers are scaled by the migration rate over its reference.
        if self.migration_rate == Some(0.0) {
            p.push(
                "reference.migration_rate = 0: above 0 (the migration rate is scaled against it)"
                    .into(),
            );
        }
    }
}

/// The whole scenario file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub scenario: Run,
    #[serde(default)]
    pub behaviour: Behaviour,
    #[serde(default)]
    pub trends: Trends,
    #[serde(default, skip_serializing_if = "Reference::is_empty")]
    pub reference: Reference,
    #[serde(default, rename = "policy")]
    pub policies: Vec<PolicySpec>,
    /// The region written out in full; manifests carry it so a run replays anywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<region::RegionSpec>,
    /// Present when the file is a run's manifest; ignored as input.
    #[serde(default, skip_serializing)]
    pub manifest: Option<toml::Value>,
}

/// A scenario checked against its region, ready to run.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub scenario: Scenario,
    pub region: Region,
    /// Where the region came from: `embedded:...`, the file path, or `inline`.
    pub region_source: String,
}

impl Resolved {
    /// Years simulated after the start (at most [`MAX_YEARS`] once validated).
    pub fn steps(&self) -> u32 {
        let run = &self.scenario.scenario;
        let span = i64::from(run.end_year) - i64::from(run.start_year);
        u32::try_from(span).unwrap_or(0)
    }

    pub fn year_of(&self, step: u32) -> i32 {
        self.scenario.scenario.start_year + step as i32
    }

    /// The scenario as a manifest records it: the region inline instead of a path, so
    /// the file runs again anywhere.
    pub fn self_contained(&self) -> Scenario {
        let mut s = self.scenario.clone();
        // The levers the start was fitted at, written out, so that a build with other
        // defaults replays the same world.
        s.reference = Reference::resolved(&s.reference);
        s.scenario.region = None;
        s.region = Some(self.region.spec.clone());
        s
    }
}

impl Scenario {
    pub fn from_toml(text: &str, file: &str) -> Result<Scenario> {
        toml::from_str(text).map_err(|e| Error::Parse {
            file: file.to_string(),
            message: e.to_string(),
        })
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a scenario always serialises")
    }
}

/// Reads a scenario file and its region, reporting every problem with its place.
pub fn load(path: &Path) -> Result<Resolved> {
    let text = crate::input::read_text(path)?;
    let base = path.parent().unwrap_or(Path::new("."));
    parse(&text, &path.display().to_string(), base)
}

/// A scenario from its text; `file` names it in messages and region paths are relative
/// to `base`. Every problem is reported in one pass: the keys, types and integer ranges
/// first, then, on what is left of the file, the checks of meaning.
pub fn parse(text: &str, file: &str, base: &Path) -> Result<Resolved> {
    let mut checked = validate::scan_scenario(text, file);
    let Some(scenario) = checked.deserialize::<Scenario>() else {
        return Err(checked.into_error());
    };
    let numbers = checked.policy_numbers();
    match region_of(&scenario, file, base).and_then(|r| at_start(&scenario, r, file)) {
        Ok((region, region_source)) => {
            for p in validate(&scenario, &region, &numbers) {
                checked.add(&p);
            }
            if checked.is_clean() {
                return Ok(Resolved {
                    scenario,
                    region,
                    region_source,
                });
            }
        }
        Err(Error::Invalid { file: f, problems }) => {
            if f == file {
                problems.iter().for_each(|p| checked.add(p));
            } else if checked.is_clean() {
                return Err(Error::Invalid { file: f, problems });
            } else {
                problems.iter().for_each(|p| checked.add_foreign(&f, p));
            }
        }
        Err(e) => return Err(e),
    }
    Err(checked.into_error())
}

/// Loads the region a scenario names (relative paths from `base`) and validates both.
pub fn resolve(scenario: Scenario, file: &str, base: &Path) -> Result<Resolved> {
    let (region, region_source) = at_start(&scenario, region_of(&scenario, file, base)?, file)?;
    let numbers: Vec<usize> = (0..scenario.policies.len()).collect();
    let problems = validate(&scenario, &region, &numbers);
    if !problems.is_empty() {
        return Err(Error::Invalid {
            file: file.to_string(),
            problems,
        });
    }
    Ok(Resolved {
        scenario,
        region,
        region_source,
    })
}

/// The region in the state of the scenario's first year, which must be one of its base
/// years: a run starts from observed figures, never from another year's relabelled.
fn at_start(
    scenario: &Scenario,
    (region, source): (Region, String),
    file: &str,
) -> Result<(Region, String)> {
    let year = scenario.scenario.start_year;
    match region.at_year(year) {
        Some(r) => Ok((r, source)),
        None => {
            let years: Vec<String> = region.base_years().iter().map(|y| y.to_string()).collect();
            Err(Error::Invalid {
                file: file.to_string(),
                problems: vec![format!(
                    "scenario.start_year = {year}: region {:?} has a state for {} only; start in one of these years (its base years)",
                    region.spec.name,
                    years.join(" and ")
                )],
            })
        }
    }
}

/// The region a scenario runs in, and where it came from.
fn region_of(scenario: &Scenario, file: &str, base: &Path) -> Result<(Region, String)> {
    match (&scenario.scenario.region, &scenario.region) {
        (Some(p), Some(_)) => Err(Error::Invalid {
            file: file.to_string(),
            problems: vec![format!(
                "scenario.region = {p:?} and a [region] table are both given: keep one"
            )],
        }),
        (None, Some(spec)) => {
            let region = Region::checked(spec.clone(), &format!("{file} [region]"))?;
            Ok((region, "inline".to_string()))
        }
        (None, None) => Ok((Region::embedded(), region::EMBEDDED_NAME.to_string())),
        (Some(p), None) => {
            let path: PathBuf = base.join(p);
            let text = crate::input::read_text(&path).map_err(|e| {
                let why = match e {
                    Error::Unreadable { reason, .. } => reason,
                    other => other.to_string(),
                };
                Error::Invalid {
                    file: file.to_string(),
                    problems: vec![format!(
                        "scenario.region = {p:?}: cannot read {}: {why}",
                        path.display()
                    )],
                }
            })?;
            let source = path.display().to_string();
            Ok((
                crate::scenario::validate::region_file(&text, &source)?,
                source,
            ))
        }
    }
}

/// Scales above 1 (more agents than real people) are allowed for stress tests.
pub const MAX_SCALE: f64 = 100.0;

/// First and last year a scenario or a policy window may name (kept with the policy
/// window's range in the registry).
pub use crate::params::{FIRST_YEAR, LAST_YEAR};

/// Most simulated years in one run.
pub const MAX_YEARS: i32 = 500;

/// What a scenario name may hold besides ASCII letters, digits and `.` (which it may
/// not start with): the one statement of the rule, for the check and the JSON Schema.
pub const NAME_MARKS: &str = "_-";

/// [`NAME_MARKS`]'s rule as a JSON Schema pattern (`-` last in each class).
pub fn name_pattern() -> String {
    format!("^[A-Za-z0-9{NAME_MARKS}][A-Za-z0-9.{NAME_MARKS}]*$")
}

/// Longest scenario, sweep or variant name: a run's files are named by a scenario and a
/// variant name with suffixes (`S__V__r4294967295.txt`), and must fit the 255 bytes a
/// file name may have.
pub const MAX_NAME_LEN: usize = 100;

fn validate(s: &Scenario, region: &Region, numbers: &[usize]) -> Vec<String> {
    let mut p = Vec::new();
    let r = &s.scenario;
    validate_name(&r.name, &mut p);
    validate_years(r, &mut p);
    if r.seed > i64::MAX as u64 {
        p.push(validate::out_of_range("scenario.seed", r.seed, 0, i64::MAX));
    }
    validate_scale(r.scale, region, &mut p);
    validate_parameters(s, &mut p);
    for (pol, &i) in s.policies.iter().zip(numbers) {
        pol.validate(i, region, r.start_year, r.end_year, &mut p);
    }
    crate::policy::validate_combination(&s.policies, numbers, region, &mut p);
    p
}

fn validate_name(name: &str, p: &mut Vec<String>) {
    if name.is_empty()
        || name.starts_with('.')
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || NAME_MARKS.contains(c))
    {
        p.push(format!(
            "scenario.name = {name:?}: use letters, digits, '-', '_' and '.', not starting with '.' (it names the output directory)"
        ));
    }
    if name.len() > MAX_NAME_LEN {
        p.push(format!(
            "scenario.name: {} characters; at most {MAX_NAME_LEN} (it names files, with suffixes)",
            name.len()
        ));
    }
}

fn validate_years(r: &Run, p: &mut Vec<String>) {
    for (key, year) in [("start_year", r.start_year), ("end_year", r.end_year)] {
        if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
            let key = format!("scenario.{key}");
            p.push(validate::out_of_range(&key, year, FIRST_YEAR, LAST_YEAR));
        }
    }
    let span = i64::from(r.end_year) - i64::from(r.start_year);
    if !(1..=i64::from(MAX_YEARS)).contains(&span) {
        p.push(format!(
            "scenario.end_year = {}: must be after start_year = {} and at most {MAX_YEARS} years later",
            r.end_year, r.start_year
        ));
    }
}

/// Firm and person agents a scale gives in a region, rounded as the engine rounds.
fn agents(region: &Region, scale: f64) -> (u64, u64) {
    let cities = &region.spec.cities;
    let sum = |f: fn(&crate::region::City) -> u64| {
        cities
            .iter()
            .map(|c| crate::region::agents_at(f(c), scale))
            .fold(0u64, u64::saturating_add)
    };
    (sum(|c| c.firms), sum(|c| c.population))
}

/// The smallest scale giving at least one firm agent and one person agent per city and
/// sector, rounded up to two significant digits.
pub fn smallest_scale(region: &Region) -> f64 {
    let cells = (region.n_cities() * region.n_sectors()) as u64;
    let enough = |s: f64| {
        let (f, p) = agents(region, s);
        f >= cells && p >= cells
    };
    let (mut lo, mut hi) = (0.0, MAX_SCALE);
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if enough(mid) { hi = mid } else { lo = mid }
    }
    // Through text, so that the result prints as the two digits it has.
    let exponent = hi.log10().floor() as i32 - 1;
    let digits = (hi / 10f64.powi(exponent)).ceil();
    let rounded: f64 = format!("{digits}e{exponent}").parse().unwrap_or(hi);
    if enough(rounded) { rounded } else { hi }
}

fn validate_scale(scale: f64, region: &Region, p: &mut Vec<String>) {
    if !(scale.is_finite() && scale > 0.0 && scale <= MAX_SCALE) {
        p.push(format!(
            "scenario.scale = {scale}: must be in (0, {MAX_SCALE}] (1 = one agent per real person and firm)"
        ));
        return;
    }
    let cells = (region.n_cities() * region.n_sectors()) as u64;
    let (firms, persons) = agents(region, scale);
    if firms < cells || persons < cells {
        p.push(format!(
            "scenario.scale = {}: gives {firms} firm agents and {persons} person agents, fewer than the {cells} cities x sectors of the region; the smallest valid scale here is {}",
            validate::number(scale),
            validate::number(smallest_scale(region))
        ));
    }
}

/// Each `[behaviour]` and `[trends]` parameter against its range in the registry.
fn validate_parameters(s: &Scenario, p: &mut Vec<String>) {
    for (table, values) in parameter_values(s) {
        for param in params::of_table(&table) {
            let v = values[param.field()]
                .as_float()
                .expect("parameters are floats");
            param.check(param.name, v, p);
        }
    }
    s.reference.validate(p);
}

/// The `[behaviour]` and `[trends]` tables of `s` as TOML, by table name.
fn parameter_values(s: &Scenario) -> toml::Table {
    toml::Table::try_from(ParameterTables {
        behaviour: &s.behaviour,
        trends: &s.trends,
    })
    .expect("parameters serialise")
}

#[derive(Serialize)]
struct ParameterTables<'a> {
    behaviour: &'a Behaviour,
    trends: &'a Trends,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Iterates the serialised defaults, so a new field without an entry (or an entry
    /// left after its field went) fails here.
    #[test]
    fn every_behaviour_and_trend_field_has_exactly_one_registry_entry() {
        let s: Scenario = toml::from_str("[scenario]\nname = \"x\"\n").unwrap();
        let mut fields = Vec::new();
        for (table, values) in parameter_values(&s) {
            for (field, v) in values.as_table().unwrap() {
                let name = format!("{table}.{field}");
                let entries: Vec<_> = params::all().filter(|p| p.name == name).collect();
                assert_eq!(entries.len(), 1, "{name}");
                assert_eq!(entries[0].default.to_toml().as_ref(), Some(v), "{name}");
                fields.push(name);
            }
        }
        let registered: Vec<&str> = ["behaviour", "trends"]
            .iter()
            .flat_map(|t| params::of_table(t))
            .map(|p| p.name)
            .collect();
        assert_eq!(fields.len(), registered.len(), "{registered:?}");
    }

    #[test]
    fn a_reference_is_checked_and_written_out_whole() {
        let mut p = Vec::new();
        let s: Scenario = toml::from_str(
            "[scenario]\nname = \"x\"\n[reference]\nmigration_rate = 0.0\nhukou_barrier = 30.0\n",
        )
        .unwrap();
        validate_parameters(&s, &mut p);
        assert!(
            p.iter()
                .any(|x| x.contains("reference.migration_rate = 0: above 0")),
            "{p:?}"
        );
        assert!(
            p.iter().any(|x| x.contains("reference.hukou_barrier")),
            "{p:?}"
        );
        // A manifest names every lever the start was fitted at, defaults included.
        let given = Reference {
            hukou_barrier: Some(2.0),
            ..Reference::default()
        };
        let whole = Reference::resolved(&given);
        let d = Behaviour::default();
        assert_eq!(whole.hukou_barrier, Some(2.0));
        assert_eq!(whole.migration_rate, Some(d.migration_rate));
        assert_eq!(
            whole.job_seeker_migration_rate,
            Some(d.job_seeker_migration_rate)
        );
        assert_eq!(whole.distance_income_ratio, Some(d.distance_income_ratio));
    }

    #[test]
    fn the_defaults_lie_in_their_ranges() {
        let mut p = Vec::new();
        let s: Scenario = toml::from_str("[scenario]\nname = \"x\"\n").unwrap();
        validate_parameters(&s, &mut p);
        assert!(p.is_empty(), "{p:?}");
    }

    #[test]
    fn the_smallest_scale_is_the_boundary() {
        let r = Region::embedded();
        let s = smallest_scale(&r);
        let mut p = Vec::new();
        validate_scale(s, &r, &mut p);
        assert!(p.is_empty(), "{s}: {p:?}");
        validate_scale(s * 0.9, &r, &mut p);
        assert_eq!(p.len(), 1, "{s}");
        let expected = format!("the smallest valid scale here is {}", validate::number(s));
        assert!(p[0].contains(&expected), "{}", p[0]);
    }
}

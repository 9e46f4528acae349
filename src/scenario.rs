//! Scenarios: what a user writes in TOML, checked and resolved against a region.
//!
//! A scenario names the years, seed, scale, behavioural parameters (all with documented
//! defaults), trends and policies. A run's `manifest.toml` is itself a valid scenario:
//! its `[manifest]` table is ignored here, so a published run can be run again as is.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::policy::PolicySpec;
use crate::region::{self, Region};
use crate::validate;

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

/// Behavioural parameters. Units: utilities are in logit units (a Gumbel shock has scale
/// 1); rates are per year. Sources: docs/facts.md §4 where given, else [A] assumption;
/// each parameter's use and source in docs/model.md §10.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Behaviour {
    /// [A] Pareto tail index of firm size (near 1: Zipf-like, a few very large firms).
    pub firm_size_tail: f64,
    /// [A] largest firm relative to the smallest in a (city, sector) cell.
    pub firm_size_max_ratio: f64,
    /// [A] sigma of log productivity.
    pub productivity_sigma: f64,
    /// [A] hazard multiplier per unit rise of the housing/land index over its start.
    pub cost_pressure: f64,
    /// [A] elasticity of the move hazard to firm size (docs/facts.md §4.2: size lowers it).
    pub size_hazard_elasticity: f64,
    /// [A] elasticity of the move hazard to 1 + age in years (age lowers it).
    pub age_hazard_elasticity: f64,
    /// [A] elasticity of the exit hazard to productivity (exit falls with productivity).
    pub exit_productivity_elasticity: f64,
    /// [A] weight of log same-sector employment, times the sector's agglomeration.
    pub firm_beta_agglomeration: f64,
    /// [A] weight of log market potential (tradable sectors) or log residents per firm
    /// of the sector (local-demand sectors).
    pub firm_beta_market: f64,
    /// [A] weight of log land/housing cost, times the sector's land intensity.
    pub firm_beta_land: f64,
    /// [A] weight of log wage cost.
    pub firm_beta_wage: f64,
    /// [A] weight of the effective tax rate (a fraction of value added).
    pub firm_beta_tax: f64,
    /// [A] weight of a subsidy or extra cost expressed as a fraction of value added.
    pub firm_beta_subsidy: f64,
    /// [A] weight of being a port city, times the sector's port affinity.
    pub firm_beta_port: f64,
    /// [A] moving cost per unit of ln(1 + km / 10).
    pub firm_moving_cost: f64,
    /// [A] share of a moved firm's workers who move with it.
    pub follow_probability: f64,
    /// [A] workers of a moved firm within this distance keep the job and commute, km.
    pub commute_range_km: f64,
    /// [A] yearly probability that a worker leaves a job (churn).
    pub separation_rate: f64,
    /// [A] yearly share of employed residents who reconsider where they live.
    pub migration_rate: f64,
    /// [A] yearly probability that a job seeker without a job looks in other cities.
    pub job_seeker_migration_rate: f64,
    /// Migration elasticity to real income; docs/facts.md §4.3: about 1.5 [M].
    pub beta_income: f64,
    /// Income-distance elasticity: 10% further needs 15% more income; docs/facts.md §4.3
    /// [V].
    pub distance_income_ratio: f64,
    /// [A] weight of log public services.
    pub beta_public_services: f64,
    /// [A] weight of log housing cost.
    pub beta_housing: f64,
    /// [A] utility cost of living where one holds no hukou (docs/facts.md §4.4: "large").
    pub hukou_barrier: f64,
    /// [A] elasticity of housing cost to population relative to the start.
    pub housing_elasticity: f64,
    /// [A] how steeply housing cost rises once population passes capacity.
    pub capacity_stiffness: f64,
    /// [A] elasticity of wages to labour demand over supply.
    pub wage_elasticity: f64,
    /// [A] distance decay of market potential, km.
    pub market_decay_km: f64,
    /// [A] share of the gap to the spending-implied level that public services close
    /// each year (spending raises services with a lag).
    pub public_service_adjustment: f64,
    /// [A] chance that an origin government blocks a directed move it leads reluctantly
    /// (it loses the tax); interest compensation lowers it.
    pub origin_resistance: f64,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            firm_size_tail: 1.1,
            firm_size_max_ratio: 500.0,
            productivity_sigma: 0.3,
            cost_pressure: 1.0,
            size_hazard_elasticity: -0.1,
            age_hazard_elasticity: -0.1,
            exit_productivity_elasticity: -1.0,
            firm_beta_agglomeration: 1.0,
            firm_beta_market: 1.0,
            firm_beta_land: 1.0,
            firm_beta_wage: 1.0,
            firm_beta_tax: 5.0,
            firm_beta_subsidy: 5.0,
            firm_beta_port: 0.5,
            firm_moving_cost: 0.5,
            follow_probability: 0.5,
            commute_range_km: 80.0,
            separation_rate: 0.05,
            migration_rate: 0.02,
            job_seeker_migration_rate: 0.3,
            beta_income: 1.5,
            distance_income_ratio: 1.5,
            beta_public_services: 1.0,
            beta_housing: 0.5,
            hukou_barrier: 1.5,
            housing_elasticity: 1.0,
            capacity_stiffness: 5.0,
            wage_elasticity: 0.5,
            market_decay_km: 100.0,
            public_service_adjustment: 0.2,
            origin_resistance: 0.4,
        }
    }
}

/// Modelled trends: the only source of drift in a baseline. Zero by default, so a
/// baseline with no policy stays at its calibrated start up to noise.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Trends {
    /// Yearly growth of firm entry over exits (0.01 = 1% more firms a year).
    pub firm_growth: f64,
    /// Yearly growth of productivity in every firm.
    pub productivity_growth: f64,
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
    match region_of(&scenario, file, base) {
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
    let (region, region_source) = region_of(&scenario, file, base)?;
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
            Ok((crate::validate::region_file(&text, &source)?, source))
        }
    }
}

/// Scales above 1 (more agents than real people) are allowed for stress tests.
pub const MAX_SCALE: f64 = 100.0;

/// First and last year a scenario or a policy window may name: wide enough for any
/// study, narrow enough that arithmetic on years cannot overflow.
pub const FIRST_YEAR: i32 = 1900;
pub const LAST_YEAR: i32 = 2500;

/// Most simulated years in one run.
pub const MAX_YEARS: i32 = 500;

/// Longest scenario, sweep or variant name: a run's files are named by a scenario and a
/// variant name with suffixes (`S__V__r4294967295.txt`), and must fit the 255 bytes a
/// file name may have.
pub const MAX_NAME_LEN: usize = 100;

/// The valid range of a `[behaviour]` or `[trends]` parameter, and why it stops there.
#[derive(Clone, Copy, Debug)]
pub struct ParameterRange {
    pub key: &'static str,
    pub min: f64,
    pub max: f64,
    pub why: &'static str,
}

const fn range(key: &'static str, min: f64, max: f64, why: &'static str) -> ParameterRange {
    ParameterRange { key, min, max, why }
}

const PROBABILITY: &str = "a yearly probability or share";
const WEIGHT: &str = "a logit weight; beyond it one term drowns all others";
const ELASTICITY: &str = "an elasticity; beyond it one firm's hazard spans orders of magnitude";
const PER_VALUE_ADDED: &str = "a logit weight per fraction of value added";

/// Every behavioural and trend parameter with its valid range: wide enough for
/// sensitivity analysis, narrow enough that no value in it gives NaN, infinities or
/// explosive growth (`tests/parameter_ranges.rs` runs each at both ends).
#[rustfmt::skip]
pub const PARAMETER_RANGES: [ParameterRange; 33] = [
    range("behaviour.firm_size_tail", 0.2, 5.0, "a Pareto tail index; near 0 sizes overflow"),
    range("behaviour.firm_size_max_ratio", 2.0, 1e5, "largest over smallest firm; at 1 the size mean is 0/0"),
    range("behaviour.productivity_sigma", 0.01, 2.0, "sigma of log productivity; above 2 productivities span ten orders of magnitude"),
    range("behaviour.cost_pressure", 0.0, 20.0, "a hazard multiplier; below 0 hazards turn negative"),
    range("behaviour.size_hazard_elasticity", -3.0, 3.0, ELASTICITY),
    range("behaviour.age_hazard_elasticity", -3.0, 3.0, ELASTICITY),
    range("behaviour.exit_productivity_elasticity", -5.0, 5.0, ELASTICITY),
    range("behaviour.firm_beta_agglomeration", -20.0, 20.0, WEIGHT),
    range("behaviour.firm_beta_market", 0.0, 20.0, WEIGHT),
    range("behaviour.firm_beta_land", 0.0, 20.0, WEIGHT),
    range("behaviour.firm_beta_wage", 0.0, 20.0, WEIGHT),
    range("behaviour.firm_beta_tax", 0.0, 100.0, PER_VALUE_ADDED),
    range("behaviour.firm_beta_subsidy", 0.0, 100.0, PER_VALUE_ADDED),
    range("behaviour.firm_beta_port", 0.0, 20.0, WEIGHT),
    range("behaviour.firm_moving_cost", 0.0, 20.0, "a cost in logit units; below 0 moving pays for itself"),
    range("behaviour.follow_probability", 0.0, 1.0, PROBABILITY),
    range("behaviour.commute_range_km", 0.0, 20_000.0, "a distance; 20,000 km is half the Earth's circumference"),
    range("behaviour.separation_rate", 0.0, 1.0, PROBABILITY),
    range("behaviour.migration_rate", 0.0, 1.0, PROBABILITY),
    range("behaviour.job_seeker_migration_rate", 0.0, 1.0, PROBABILITY),
    range("behaviour.beta_income", 0.0, 20.0, WEIGHT),
    range("behaviour.distance_income_ratio", 0.0, 20.0, "an elasticity of needed income to distance"),
    range("behaviour.beta_public_services", 0.0, 20.0, WEIGHT),
    range("behaviour.beta_housing", 0.0, 20.0, WEIGHT),
    range("behaviour.hukou_barrier", 0.0, 20.0, "a utility cost in logit units"),
    range("behaviour.housing_elasticity", 0.0, 10.0, "an elasticity of housing cost to population"),
    range("behaviour.capacity_stiffness", 0.0, 50.0, "an exponent on crowding; steeper makes any crowding prohibitive"),
    range("behaviour.wage_elasticity", 0.0, 5.0, "an elasticity of wages to labour demand"),
    range("behaviour.market_decay_km", 1.0, 20_000.0, "a distance; near 0 market potential divides by it"),
    range("behaviour.public_service_adjustment", 0.0, 1.0, PROBABILITY),
    range("behaviour.origin_resistance", 0.0, 1.0, PROBABILITY),
    range("trends.firm_growth", -0.2, 0.2, "a yearly growth rate; beyond 20% a year firms explode or vanish"),
    range("trends.productivity_growth", -0.2, 0.2, "a yearly growth rate; beyond 20% a year productivity explodes or vanishes"),
];

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
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
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

/// Each `[behaviour]` and `[trends]` parameter against [`PARAMETER_RANGES`].
fn validate_parameters(s: &Scenario, p: &mut Vec<String>) {
    let values = toml::Table::try_from(ParameterTables {
        behaviour: &s.behaviour,
        trends: &s.trends,
    })
    .expect("parameters serialise");
    for r in PARAMETER_RANGES {
        let (table, key) = r.key.split_once('.').expect("a table and a key");
        let v = values[table][key]
            .as_float()
            .expect("parameters are floats");
        if !(v.is_finite() && (r.min..=r.max).contains(&v)) {
            let n = validate::number;
            let problem = validate::out_of_range(r.key, n(v), n(r.min), n(r.max));
            p.push(format!("{problem} ({})", r.why));
        }
    }
}

#[derive(Serialize)]
struct ParameterTables<'a> {
    behaviour: &'a Behaviour,
    trends: &'a Trends,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parameter_has_one_range() {
        let all = toml::Table::try_from(ParameterTables {
            behaviour: &Behaviour::default(),
            trends: &Trends::default(),
        })
        .unwrap();
        let mut keys: Vec<String> = all
            .iter()
            .flat_map(|(t, v)| {
                v.as_table()
                    .unwrap()
                    .keys()
                    .map(move |k| format!("{t}.{k}"))
            })
            .collect();
        let mut ranged: Vec<String> = PARAMETER_RANGES.iter().map(|r| r.key.to_string()).collect();
        keys.sort();
        ranged.sort();
        assert_eq!(keys, ranged);
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

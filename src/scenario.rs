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
/// 1); rates are per year. Sources: facts.md section 4 where given, else [A] assumption.
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
    /// [A] elasticity of the move hazard to firm size (facts.md 4: size lowers it).
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
    /// Migration elasticity to real income; facts.md 4: about 1.5 [M].
    pub beta_income: f64,
    /// Income-distance elasticity: 10% further needs 15% more income; facts.md 4 [V].
    pub distance_income_ratio: f64,
    /// [A] weight of log public services.
    pub beta_public_services: f64,
    /// [A] weight of log housing cost.
    pub beta_housing: f64,
    /// [A] utility cost of living where one holds no hukou (facts.md 4: "large").
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
    pub fn steps(&self) -> u32 {
        (self.scenario.scenario.end_year - self.scenario.scenario.start_year) as u32
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
/// to `base`.
pub fn parse(text: &str, file: &str, base: &Path) -> Result<Resolved> {
    let problems = validate::check_scenario(text, file);
    if !problems.is_empty() {
        return Err(Error::Invalid {
            file: file.to_string(),
            problems,
        });
    }
    let scenario = Scenario::from_toml(text, file)?;
    resolve(scenario, file, base).map_err(|e| e.located(text, file))
}

/// Loads the region a scenario names (relative paths from `base`) and validates both.
pub fn resolve(scenario: Scenario, file: &str, base: &Path) -> Result<Resolved> {
    let (region, region_source) = match (&scenario.scenario.region, &scenario.region) {
        (Some(p), Some(_)) => {
            return Err(Error::Invalid {
                file: file.to_string(),
                problems: vec![format!(
                    "scenario.region = {p:?} and a [region] table are both given: keep one"
                )],
            });
        }
        (None, Some(spec)) => {
            let region = Region::checked(spec.clone(), &format!("{file} [region]"))?;
            (region, "inline".to_string())
        }
        (None, None) => (Region::embedded(), region::EMBEDDED_NAME.to_string()),
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
            (Region::from_toml(&text, &source)?, source)
        }
    };
    let problems = validate(&scenario, &region);
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

/// Scales above 1 (more agents than real people) are allowed for stress tests.
pub const MAX_SCALE: f64 = 100.0;

fn validate(s: &Scenario, region: &Region) -> Vec<String> {
    let mut p = Vec::new();
    let r = &s.scenario;
    if r.name.is_empty()
        || r.name.starts_with('.')
        || !r
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        p.push(format!(
            "scenario.name = {:?}: use letters, digits, '-', '_' and '.', not starting with '.' (it names the output directory)",
            r.name
        ));
    }
    if r.end_year <= r.start_year || r.end_year - r.start_year > 500 {
        p.push(format!(
            "scenario.end_year = {}: must be after start_year = {} and at most 500 years later",
            r.end_year, r.start_year
        ));
    }
    if !(r.scale.is_finite() && r.scale > 0.0 && r.scale <= MAX_SCALE) {
        p.push(format!(
            "scenario.scale = {}: must be in (0, {MAX_SCALE}] (1 = one agent per real person and firm)",
            r.scale
        ));
    }
    validate_behaviour(&s.behaviour, &mut p);
    for (i, pol) in s.policies.iter().enumerate() {
        pol.validate(i, region, r.start_year, r.end_year, &mut p);
    }
    crate::policy::validate_combination(&s.policies, region, &mut p);
    p
}

fn validate_behaviour(b: &Behaviour, p: &mut Vec<String>) {
    let probs = [
        ("follow_probability", b.follow_probability),
        ("separation_rate", b.separation_rate),
        ("migration_rate", b.migration_rate),
        ("job_seeker_migration_rate", b.job_seeker_migration_rate),
        ("public_service_adjustment", b.public_service_adjustment),
        ("origin_resistance", b.origin_resistance),
    ];
    for (k, v) in probs {
        if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
            p.push(format!("behaviour.{k} = {v}: a rate must be in [0, 1]"));
        }
    }
    let positive = [
        ("market_decay_km", b.market_decay_km),
        ("firm_size_tail", b.firm_size_tail),
        ("firm_size_max_ratio", b.firm_size_max_ratio),
        ("productivity_sigma", b.productivity_sigma),
    ];
    for (k, v) in positive {
        if !(v.is_finite() && v > 0.0) {
            p.push(format!("behaviour.{k} = {v}: must be a positive number"));
        }
    }
    let finite = [
        ("cost_pressure", b.cost_pressure),
        ("size_hazard_elasticity", b.size_hazard_elasticity),
        ("age_hazard_elasticity", b.age_hazard_elasticity),
        (
            "exit_productivity_elasticity",
            b.exit_productivity_elasticity,
        ),
        ("firm_beta_agglomeration", b.firm_beta_agglomeration),
        ("firm_beta_market", b.firm_beta_market),
        ("firm_beta_land", b.firm_beta_land),
        ("firm_beta_wage", b.firm_beta_wage),
        ("firm_beta_tax", b.firm_beta_tax),
        ("firm_beta_subsidy", b.firm_beta_subsidy),
        ("firm_beta_port", b.firm_beta_port),
        ("firm_moving_cost", b.firm_moving_cost),
        ("commute_range_km", b.commute_range_km),
        ("beta_income", b.beta_income),
        ("distance_income_ratio", b.distance_income_ratio),
        ("beta_public_services", b.beta_public_services),
        ("beta_housing", b.beta_housing),
        ("hukou_barrier", b.hukou_barrier),
        ("housing_elasticity", b.housing_elasticity),
        ("capacity_stiffness", b.capacity_stiffness),
        ("wage_elasticity", b.wage_elasticity),
    ];
    for (k, v) in finite {
        if !v.is_finite() || v.abs() > 1e6 {
            p.push(format!("behaviour.{k} = {v}: must be a finite number"));
        }
    }
}

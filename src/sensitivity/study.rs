//! A sensitivity study file (`relocsim sensitivity SA.toml`): the scenarios it runs,
//! the registry parameters it varies with their ranges, the outputs it explains (a
//! quantity of one scenario, or a policy effect: the paired difference between a
//! scenario and its baseline under common random numbers), and the method with its
//! sizes. Checked as every hand-written file is: all problems at once, each with
//! FILE:LINE:COLUMN and the valid names.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{Range, morris, sobol};
use crate::error::{Error, Result};
use crate::params::{self, DefaultValue, Param};
use crate::scenario::validate::{Checked, scan_sensitivity, suggest};
use crate::targets::{Target, quantity_problems};

/// A study file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyFile {
    pub sensitivity: Settings,
    #[serde(rename = "parameter", default)]
    pub parameters: Vec<ParameterSpec>,
    #[serde(rename = "output", default)]
    pub outputs: Vec<OutputSpec>,
}

/// The `[sensitivity]` table.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub name: String,
    /// Scenario files, relative to the study file; outputs name them by `scenario.name`.
    pub scenarios: Vec<String>,
    /// `morris` (screening) or `sobol` (variance shares).
    pub method: String,
    /// Seed of the design, the runs and the bootstrap.
    pub seed: u64,
    /// Agents per real person and firm of every run.
    pub scale: f64,
    /// Runs per design point (different seeds); 2 or more measure the noise.
    #[serde(default = "one")]
    pub replicates: u32,
    /// Bootstrap resamples of the intervals.
    #[serde(default = "thousand")]
    pub resamples: u32,
    /// Morris: trajectories (r).
    pub trajectories: Option<u32>,
    /// Morris: grid levels (p, even); 4 by default.
    pub levels: Option<u32>,
    /// Sobol: base samples (N, a power of two); N(k + 2) points.
    pub samples: Option<u32>,
}

fn one() -> u32 {
    1
}

fn thousand() -> u32 {
    1000
}

/// A parameter the study varies: a registry name and its range.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterSpec {
    pub name: String,
    pub min: f64,
    pub max: f64,
}

/// An output: a quantity (as a targets file names it) of `scenario`, minus the same
/// quantity of `baseline` in the run with the same replicate when one is given.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    pub name: String,
    pub scenario: String,
    #[serde(default)]
    pub baseline: Option<String>,
    pub quantity: String,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub sector: Option<String>,
    #[serde(default)]
    pub from: Option<Vec<String>>,
    #[serde(default)]
    pub cause: Option<String>,
    #[serde(default)]
    pub year: Option<i32>,
    #[serde(default)]
    pub years: Option<Vec<i32>>,
}

impl OutputSpec {
    /// The quantity as a target, for the machinery that reads it from a run.
    pub fn target(&self) -> Target {
        Target {
            id: self.name.clone(),
            quantity: self.quantity.clone(),
            city: self.city.clone(),
            sector: self.sector.clone(),
            from: self.from.clone(),
            cause: self.cause.clone(),
            year: self.year,
            years: self.years.clone(),
            observed: Some(0.0),
            min: None,
            max: None,
            tag: "M".into(),
            tolerance: 1.0,
            weight: None,
            source: String::new(),
            note: None,
        }
    }

    /// "population of Beijing, 2035: non_capital_relief - baseline".
    pub fn describe(&self) -> String {
        let what = self.target().describe();
        match &self.baseline {
            Some(b) => format!("{what}: effect of {} (minus {b})", self.scenario),
            None => format!("{what} in {}", self.scenario),
        }
    }
}

/// The method with its sizes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Method {
    Morris { trajectories: usize, levels: usize },
    Sobol { samples: usize },
}

/// A design in the unit cube, for either method.
pub enum Design {
    Morris(morris::Design),
    Sobol(sobol::Design),
}

impl Design {
    pub fn points(&self) -> &[Vec<f64>] {
        match self {
            Design::Morris(d) => &d.points,
            Design::Sobol(d) => &d.points,
        }
    }
}

/// A scenario of the study.
#[derive(Clone, Debug)]
pub struct StudyScenario {
    /// `scenario.name`.
    pub name: String,
    pub path: PathBuf,
    /// The kind of each `[[policy]]` table, in order.
    pub policies: Vec<String>,
    /// Agents of a run at the study's scale, and its steps (for the time estimate).
    pub agents: f64,
    pub steps: u32,
    pub start_year: i32,
    pub end_year: i32,
    /// Its region: the outputs' places and sectors are checked against it.
    pub region: crate::region::RegionSpec,
}

/// A study file, read and checked.
pub struct Study {
    pub file: PathBuf,
    pub spec: StudyFile,
    pub method: Method,
    pub scenarios: Vec<StudyScenario>,
    pub params: Vec<&'static Param>,
}

impl Study {
    /// Reads and checks `path`: every problem at once, each with its place.
    pub fn load(path: &Path) -> Result<Study> {
        let text = crate::input::read_text(path)?;
        let file = path.display().to_string();
        let base = path.parent().unwrap_or(Path::new("."));
        let mut checked = scan_sensitivity(&text, &file);
        let Some(spec) = checked.deserialize::<StudyFile>() else {
            return Err(checked.into_error());
        };
        let mut problems = Vec::new();
        let scenarios = load_scenarios(&spec.sensitivity, base, &mut problems, &mut checked);
        let method = method(&spec.sensitivity, &mut problems);
        let params = parameter_problems(&spec, &scenarios, &mut problems);
        problems.extend(output_problems(&spec, &scenarios));
        problems.extend(settings_problems(&spec, method.as_ref(), params.len()));
        if !checked.is_clean() || !problems.is_empty() {
            problems.iter().for_each(|p| checked.add(p));
            return Err(checked.into_error());
        }
        Ok(Study {
            file: path.to_path_buf(),
            spec,
            method: method.expect("no problem left it unset"),
            scenarios,
            params,
        })
    }

    /// The design's points in the unit cube (the same for the same file, byte for byte).
    pub fn design(&self) -> Design {
        let k = self.params.len();
        let seed = self.spec.sensitivity.seed;
        match self.method {
            Method::Morris {
                trajectories,
                levels,
            } => Design::Morris(
                morris::design(trajectories, k, levels, seed).expect("sizes were checked"),
            ),
            Method::Sobol { samples } => {
                Design::Sobol(sobol::design(samples, k).expect("sizes were checked"))
            }
        }
    }

    /// Design points: r(k + 1) for Morris, N(k + 2) for Sobol.
    pub fn points(&self) -> usize {
        let k = self.params.len();
        match self.method {
            Method::Morris { trajectories, .. } => trajectories * (k + 1),
            Method::Sobol { samples } => samples * (k + 2),
        }
    }

    /// The scenarios the outputs read, in the order of the file.
    pub fn used_scenarios(&self) -> Vec<&StudyScenario> {
        let outs = &self.spec.outputs;
        (self.scenarios.iter())
            .filter(|s| {
                outs.iter()
                    .any(|o| o.scenario == s.name || o.baseline.as_ref() == Some(&s.name))
            })
            .collect()
    }

    /// The value of parameter `i` at `u` in [0, 1]: integers rounded.
    pub fn value(&self, i: usize, u: f64) -> toml::Value {
        let p = &self.spec.parameters[i];
        let x = Range {
            min: p.min,
            max: p.max,
        }
        .at(u);
        match self.params[i].default {
            DefaultValue::Integer(_) => toml::Value::Integer(x.round() as i64),
            _ => toml::Value::Float(x),
        }
    }
}

/// Reads each scenario file: its name, policy kinds and size. A scenario that does not
/// load is reported with its own file's messages.
fn load_scenarios(
    s: &Settings,
    base: &Path,
    problems: &mut Vec<String>,
    checked: &mut Checked<'_>,
) -> Vec<StudyScenario> {
    if s.scenarios.is_empty() {
        problems.push(
            "sensitivity.scenarios is empty: name the scenario files the outputs read".into(),
        );
    }
    let mut out: Vec<StudyScenario> = Vec::new();
    for (i, f) in s.scenarios.iter().enumerate() {
        let path = base.join(f);
        let resolved = match crate::scenario::load(&path) {
            Ok(r) => r,
            Err(Error::Invalid { file, problems: ps }) => {
                ps.iter().for_each(|p| checked.add_foreign(&file, p));
                continue;
            }
            Err(e) => {
                problems.push(format!("sensitivity.scenarios[{i}] = {f:?}: {e}"));
                continue;
            }
        };
        let sc = &resolved.scenario;
        let name = sc.scenario.name.clone();
        if out.iter().any(|o| o.name == name) {
            problems.push(format!(
                "sensitivity.scenarios[{i}] = {f:?}: another scenario of the study is named {name:?}"
            ));
        }
        let cities = &resolved.region.spec.cities;
        let real: f64 = cities.iter().map(|c| (c.population + c.firms) as f64).sum();
        out.push(StudyScenario {
            name,
            path: path.canonicalize().unwrap_or(path),
            policies: sc.policies.iter().map(|p| p.kind().to_string()).collect(),
            agents: real * s.scale,
            steps: resolved.steps(),
            start_year: sc.scenario.start_year,
            end_year: sc.scenario.end_year,
            region: resolved.region.spec.clone(),
        });
    }
    out
}

fn method(s: &Settings, problems: &mut Vec<String>) -> Option<Method> {
    match s.method.as_str() {
        "morris" => Some(Method::Morris {
            trajectories: s.trajectories.unwrap_or(0) as usize,
            levels: s.levels.unwrap_or(4) as usize,
        }),
        "sobol" => Some(Method::Sobol {
            samples: s.samples.unwrap_or(0) as usize,
        }),
        m => {
            problems.push(format!(
                "sensitivity.method = {m:?}: \"morris\" (elementary effects, for screening) or \"sobol\" (first-order and total indices)"
            ));
            None
        }
    }
}

/// The sizes the method needs, and no size of the other method.
fn settings_problems(spec: &StudyFile, method: Option<&Method>, k: usize) -> Vec<String> {
    let s = &spec.sensitivity;
    let mut out = Vec::new();
    if !(s.scale > 0.0 && s.scale <= 1.0) {
        out.push(format!("sensitivity.scale = {}: between 0 and 1", s.scale));
    }
    let foreign = |key: &str, given: bool, method: &str, takes: &str| {
        given.then(|| {
            format!("sensitivity.{key}: not a setting of method = {method:?}, which takes {takes}")
        })
    };
    match method {
        Some(Method::Morris { .. }) => {
            if s.trajectories.is_none() {
                out.push("sensitivity.trajectories: missing; method = \"morris\" needs the number of trajectories r (10 to 50 is usual)".into());
            }
            if let Some(p) = s.levels
                && !p.is_multiple_of(2)
            {
                out.push(format!(
                    "sensitivity.levels = {p}: an even number of levels (4 is usual)"
                ));
            }
            out.extend(foreign("samples", s.samples.is_some(), "morris", "trajectories and levels"));
        }
        Some(Method::Sobol { .. }) => match s.samples {
            None => out.push("sensitivity.samples: missing; method = \"sobol\" needs N, a power of two (N(k + 2) runs per replicate)".into()),
            Some(n) if !n.is_power_of_two() => out.push(format!(
                "sensitivity.samples = {n}: a power of two (the Sobol sequence is balanced in blocks of powers of two), as {}",
                n.next_power_of_two()
            )),
            Some(_) if k > sobol::MAX_PARAMETERS => out.push(format!(
                "parameter: {k} parameters; method = \"sobol\" takes at most {}",
                sobol::MAX_PARAMETERS
            )),
            Some(_) => {}
        },
        None => {}
    }
    if matches!(method, Some(Method::Sobol { .. })) {
        for (key, given) in [
            ("trajectories", s.trajectories.is_some()),
            ("levels", s.levels.is_some()),
        ] {
            out.extend(foreign(key, given, "sobol", "samples"));
        }
    }
    out
}

/// The registry's parameters the study names, with the problems of each: an unknown
/// name (with the nearest), a switch or list (not a number), a policy kind no scenario
/// has, an empty or reversed range, a range outside the registry's.
fn parameter_problems(
    spec: &StudyFile,
    scenarios: &[StudyScenario],
    problems: &mut Vec<String>,
) -> Vec<&'static Param> {
    if spec.parameters.is_empty() {
        problems.push(
            "parameter: no parameter to vary; add [[parameter]] tables with name, min and max"
                .into(),
        );
    }
    let valid: Vec<&str> = params::all()
        .filter(|p| p.kind() != Some(params::ANY_KIND) && numeric(p))
        .map(|p| p.name)
        .collect();
    let mut found = Vec::new();
    for (i, p) in spec.parameters.iter().enumerate() {
        let at = format!("parameter[{i}]");
        let Some(param) = params::find(&p.name).filter(|q| q.kind() != Some(params::ANY_KIND))
        else {
            problems.push(format!(
                "{at}.name = {:?}: not a parameter of the registry; {} (`relocsim params` lists them)",
                p.name,
                suggest(&p.name, valid.iter().copied())
            ));
            continue;
        };
        if !numeric(param) {
            problems.push(format!(
                "{at}.name = {:?}: a {}, not a number; a sensitivity study varies numbers",
                p.name, param.unit
            ));
        }
        if let Some(kind) = param.kind()
            && !scenarios
                .iter()
                .any(|s| s.policies.iter().any(|k| k == kind))
        {
            problems.push(format!(
                "{at}.name = {:?}: no scenario of the study has a policy of kind {kind}",
                p.name
            ));
        }
        if spec.parameters[..i].iter().any(|q| q.name == p.name) {
            problems.push(format!("{at}.name = {:?}: named twice", p.name));
        }
        if !(p.min.is_finite() && p.max.is_finite() && p.min < p.max) {
            problems.push(format!(
                "{at}.min = {}: the range is empty or reversed (max = {}); give min below max",
                p.min, p.max
            ));
        } else {
            param.check(&format!("{at}.min"), p.min, problems);
            param.check(&format!("{at}.max"), p.max, problems);
        }
        found.push(param);
    }
    found
}

fn numeric(p: &Param) -> bool {
    matches!(
        p.default,
        DefaultValue::Number(_) | DefaultValue::Integer(_)
    )
}

/// Names, scenarios, quantities and years of the outputs.
fn output_problems(spec: &StudyFile, scenarios: &[StudyScenario]) -> Vec<String> {
    let mut out = Vec::new();
    if spec.outputs.is_empty() {
        out.push("output: no output to explain; add [[output]] tables".into());
    }
    let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
    let embedded = crate::region::Region::embedded();
    let region = scenarios.first().map_or(&embedded.spec, |s| &s.region);
    for (i, o) in spec.outputs.iter().enumerate() {
        let at = format!("output[{i}]");
        if !crate::batch::overrides::safe_name(&o.name).eq(&o.name) || o.name.is_empty() {
            out.push(format!(
                "{at}.name = {:?}: use letters, digits, '-', '_' and '.' (it names files)",
                o.name
            ));
        }
        if spec.outputs[..i].iter().any(|q| q.name == o.name) {
            out.push(format!(
                "{at}.name = {:?}: another output has this name",
                o.name
            ));
        }
        let mut years = Vec::new();
        for (key, name) in [
            ("scenario", Some(&o.scenario)),
            ("baseline", o.baseline.as_ref()),
        ] {
            let Some(name) = name else { continue };
            match scenarios.iter().find(|s| &s.name == name) {
                Some(s) => years.push(s),
                None if !names.is_empty() => out.push(format!(
                    "{at}.{key} = {name:?}: no scenario of the study has this name; {}",
                    suggest(name, names.iter().copied())
                )),
                None => {}
            }
        }
        if o.baseline.as_ref() == Some(&o.scenario) {
            out.push(format!(
                "{at}.baseline = {:?}: the scenario itself; an effect needs another scenario",
                o.scenario
            ));
        }
        let t = o.target();
        out.extend(quantity_problems(&t, &at, region));
        out.extend(year_problems(&t, &at, &years));
    }
    out
}

/// An output's years must lie within the runs of its scenarios (a flow's first year
/// after the start: the start year holds a state only).
fn year_problems(t: &Target, at: &str, scenarios: &[&StudyScenario]) -> Vec<String> {
    let (a, b) = t.span();
    let key = if t.years.is_some() { "years" } else { "year" };
    let flow = t.years.is_some();
    scenarios
        .iter()
        .filter(|s| a != 0 && (a < s.start_year + i32::from(flow) || b > s.end_year))
        .map(|s| {
            let first = s.start_year + i32::from(flow);
            format!(
                "{at}.{key}: {a}-{b} lies outside the years scenario {} reports ({first}-{})",
                s.name, s.end_year
            )
        })
        .take(1)
        .collect()
}

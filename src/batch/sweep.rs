//! The sweep file: which scenarios to run, which overrides apply to all of them, which
//! variants (parameter axes and explicit override sets) to cross them with, and how many
//! replicates. Loading checks every scenario and variant against the same rules a
//! scenario file meets, before anything runs, and reports every problem at once with
//! the sweep file and the key.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::{Table, Value};

use super::overrides::{self, Override};
use super::plan::Plan;
use super::posterior::{self, Posterior};
use crate::error::{Error, Result};
use crate::scenario::validate;
use crate::scenario::{self, MAX_NAME_LEN, Resolved, Scenario};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepFile {
    sweep: SweepTable,
    #[serde(default)]
    set: Table,
    #[serde(default, rename = "axis")]
    axes: Vec<AxisSpec>,
    #[serde(default, rename = "variant")]
    variants: Vec<VariantSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepTable {
    name: Option<String>,
    scenarios: Vec<ScenarioEntry>,
    #[serde(default = "one")]
    replicates: u32,
    baseline: Option<String>,
    /// A calibration's posterior.parquet: each replicate draws its parameters from it.
    posterior: Option<String>,
    /// With `[[variant]]` tables, also run every scenario unmodified (variant
    /// `default`), the run each variant is read against.
    #[serde(default = "yes")]
    include_default: bool,
}

fn yes() -> bool {
    true
}

/// A scenario file, or a table with the file and overrides for that scenario alone.
#[derive(Deserialize)]
#[serde(untagged)]
enum ScenarioEntry {
    File(String),
    WithSet {
        file: String,
        #[serde(default)]
        set: Table,
    },
}

impl ScenarioEntry {
    fn file(&self) -> &str {
        match self {
            ScenarioEntry::File(f) | ScenarioEntry::WithSet { file: f, .. } => f,
        }
    }

    fn set(&self) -> Option<&Table> {
        match self {
            ScenarioEntry::File(_) => None,
            ScenarioEntry::WithSet { set, .. } => Some(set),
        }
    }
}

fn one() -> u32 {
    1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AxisSpec {
    key: String,
    values: Vec<Value>,
    #[serde(default)]
    scenarios: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VariantSpec {
    name: String,
    #[serde(default)]
    set: Table,
    #[serde(default)]
    scenarios: Vec<String>,
}

/// A scenario file of the sweep, kept as TOML so that overrides apply to the text's
/// structure before the scenario is checked.
#[derive(Clone, Debug)]
pub struct BaseScenario {
    /// `scenario.name`: the `scenario=` partition.
    pub name: String,
    pub path: PathBuf,
    doc: Table,
}

/// One set of overrides, named for its `variant=` partition.
#[derive(Clone, Debug)]
pub struct Variant {
    pub name: String,
    pub overrides: Vec<Override>,
}

/// A loaded and checked sweep. Its name, replicates and baseline are in its
/// [`Plan`].
#[derive(Clone, Debug)]
pub struct Sweep {
    pub file: PathBuf,
    pub scenarios: Vec<BaseScenario>,
    /// `[set]` and the scenario entries' own `set`, applied before a variant's overrides.
    pub common: Vec<Override>,
    pub variants: Vec<Variant>,
    /// Steps and seed of each (scenario, variant), at `s * variants + v`.
    checked: Vec<(u32, u64)>,
    /// Parameter sets the replicates draw from (`[sweep] posterior`).
    pub posterior: Option<Posterior>,
    plan: Plan,
}

impl Sweep {
    /// Reads and checks a sweep file and every scenario it names.
    pub fn load(path: &Path) -> Result<Sweep> {
        let text = crate::input::read_text(path)?;
        let base = path.parent().unwrap_or(Path::new("."));
        Sweep::parse(&text, &path.display().to_string(), base)
    }

    /// A sweep from its text; `file` names it in messages and scenario paths are
    /// relative to `base`. Its size is checked first, before anything is built; then
    /// every problem is reported at once, located in the sweep file where it can be.
    pub fn parse(text: &str, file: &str, base: &Path) -> Result<Sweep> {
        let mut checked = validate::scan_sweep(text, file);
        let Some(spec) = checked.deserialize::<SweepFile>() else {
            return Err(checked.into_error());
        };
        if let Some(problem) = too_large(&spec) {
            checked.add(&problem);
            return Err(checked.into_error());
        }
        let mut problems = Vec::new();
        let mut sweep = Sweep::build(&spec, file, base, &mut problems);
        if problems.is_empty() && checked.is_clean() {
            sweep.check(&mut problems);
        }
        problems.iter().for_each(|p| checked.add(p));
        if checked.is_clean() {
            Ok(sweep)
        } else {
            Err(checked.into_error())
        }
    }

    /// Scenarios, variants and plan of a sweep file, with the problems found on the way.
    fn build(spec: &SweepFile, file: &str, base: &Path, problems: &mut Vec<String>) -> Sweep {
        let scenarios = load_scenarios(&spec.sweep.scenarios, base, problems);
        let names: Vec<String> = scenarios.iter().map(|s| s.name.clone()).collect();
        let path = Path::new(file);
        check_header(spec, path, &names, problems);
        let combinations = build_combinations(spec, &names, problems);
        let (variants, combinations) = variants_of(&combinations, &names, problems);
        let common = common_overrides(spec, &scenarios);
        let posterior = (spec.sweep.posterior.as_ref()).and_then(|given| {
            let path = posterior::resolve_path(given, base);
            Posterior::load(&path, given, "sweep.posterior")
                .map_err(|e| problems.push(brief(&e)))
                .ok()
        });
        let plan = Plan {
            name: spec.sweep.name.clone().unwrap_or_else(|| stem(path)),
            file: file.to_string(),
            replicates: spec.sweep.replicates,
            baseline: spec.sweep.baseline.clone(),
            scenarios: names,
            variants: variants.iter().map(|v| v.name.clone()).collect(),
            tasks: 0,
            combinations,
            posterior: posterior.as_ref().map(|p| p.info.clone()),
            cells: Vec::new(),
        };
        Sweep {
            file: path.to_path_buf(),
            scenarios,
            common,
            variants,
            checked: Vec::new(),
            posterior,
            plan: plan
                .index()
                .expect("combinations made here index the variants"),
        }
    }

    /// The scenario of one run: overrides applied, `scenario.replicate` set, checked.
    pub fn resolve(&self, scenario: usize, variant: usize, replicate: u32) -> Result<Resolved> {
        let v = &self.variants[variant];
        let label = format!(
            "{} (scenario {}, variant {})",
            self.file.display(),
            self.scenarios[scenario].name,
            v.name
        );
        // A posterior draw first: what the file sets explicitly overrides it.
        let drawn = (self.posterior.as_ref()).map_or_else(Vec::new, |p| p.overrides(replicate));
        let all = drawn.iter().chain(&self.common).chain(&v.overrides);
        self.resolve_with(scenario, all, replicate, &label)
    }

    /// The sweep's tasks: each scenario's variants x replicates.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The seed of the runs of a scenario and variant.
    pub fn seed(&self, scenario: usize, variant: usize) -> u64 {
        self.checked[scenario * self.variants.len() + variant].1
    }

    /// Steps of the runs of a scenario and variant (for progress bars).
    pub fn steps(&self, scenario: usize, variant: usize) -> u32 {
        self.checked[scenario * self.variants.len() + variant].0
    }

    /// Runs that cannot share random numbers: runs pair with the baseline's only where
    /// seeds agree (`crate::stats::PairKey`).
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(p) = self.posterior.as_ref().filter(|p| !p.skipped.is_empty()) {
            out.push(format!(
                "sweep.posterior: {} left out: a policy's parameters were fitted to the calibration scenario's policies and are not drawn",
                p.skipped.join(", ")
            ));
        }
        let mut seeds: Vec<Vec<u64>> = vec![Vec::new(); self.variants.len()];
        for &(s, v) in self.plan.cells() {
            seeds[v].push(self.seed(s, v));
        }
        for (v, seeds) in seeds.iter().enumerate() {
            if seeds.windows(2).any(|w| w[0] != w[1]) {
                out.push(format!(
                    "variant {}: the scenarios have different seeds ({seeds:?}), so runs of different seeds share no random numbers and do not pair: a difference from a baseline of another seed is a difference of means, without an interval",
                    self.variants[v].name
                ));
            }
        }
        out
    }

    fn resolve_with<'a>(
        &self,
        scenario: usize,
        overrides: impl Iterator<Item = &'a Override>,
        replicate: u32,
        label: &str,
    ) -> Result<Resolved> {
        let parsed = self.parse_with(scenario, overrides, replicate, label)?;
        let path = &self.scenarios[scenario].path;
        scenario::resolve(parsed, label, path.parent().unwrap_or(Path::new(".")))
    }

    /// The scenario file with the overrides applied, parsed but not yet checked.
    fn parse_with<'a>(
        &self,
        scenario: usize,
        overrides: impl Iterator<Item = &'a Override>,
        replicate: u32,
        label: &str,
    ) -> Result<Scenario> {
        let base = &self.scenarios[scenario];
        let mut doc = base.doc.clone();
        for o in overrides.filter(|o| o.applies_to(&base.name)) {
            overrides::check_key(&doc, &o.key)
                .and_then(|()| overrides::apply(&mut doc, &o.key, &o.value))
                .map_err(|m| Error::Invalid {
                    file: label.to_string(),
                    problems: vec![format!("`{}`: {m}", o.key)],
                })?;
        }
        if let Some(Value::Table(run)) = doc.get_mut("scenario") {
            run.insert("replicate".into(), Value::Integer(i64::from(replicate)));
        }
        let problems = validate::check_scenario_table(&doc);
        if !problems.is_empty() {
            return Err(Error::Invalid {
                file: label.to_string(),
                problems,
            });
        }
        Value::Table(doc)
            .try_into()
            .map_err(|e: toml::de::Error| Error::Parse {
                file: label.to_string(),
                message: e.to_string(),
            })
    }

    /// Checks each override alone against the scenario's structure (so a path that
    /// names nothing, an unknown key or a wrong type is reported with its key), then each
    /// scenario and variant whole (ranges, windows, names: these messages name their
    /// key themselves, and may depend on several overrides together). Records steps and
    /// seeds.
    fn check(&mut self, problems: &mut Vec<String>) {
        let nv = self.variants.len();
        self.checked = vec![(0, 0); self.scenarios.len() * nv];
        let mut keys: Vec<KeyProblem> = Vec::new();
        let bad: Vec<Vec<Override>> = (0..self.scenarios.len())
            .map(|s| self.check_keys(s, &mut keys))
            .collect();
        problems.extend(keys.iter().map(KeyProblem::render));
        let cells = self.plan.cells().to_vec();
        for (s, bad) in bad.iter().enumerate() {
            let mut failures: Vec<(String, Vec<String>)> = Vec::new();
            let mut runs: Vec<([u8; 32], usize)> = Vec::new();
            for &(_, v) in cells.iter().filter(|c| c.0 == s) {
                let variant = &self.variants[v];
                let mut all = self.common.iter().chain(&variant.overrides);
                if all.any(|o| bad.contains(o)) {
                    continue;
                }
                match self.resolve(s, v, 0) {
                    Ok(r) => {
                        self.checked[s * nv + v] = (r.steps(), r.scenario.scenario.seed);
                        runs.push((fingerprint(&r), v));
                    }
                    Err(e) => group(&mut failures, brief(&e), &variant.name),
                }
            }
            let name = &self.scenarios[s].name;
            for (message, variants) in failures {
                let which = listed("variant", &variants);
                problems.push(format!("scenario {name}, {which}: {message}"));
            }
            problems.extend(self.duplicates(s, runs));
        }
    }

    /// Variants of scenario `s` that resolve to the same scenario: their runs would
    /// be the same runs under other names, and pair with nothing new.
    fn duplicates(&self, s: usize, mut runs: Vec<([u8; 32], usize)>) -> Vec<String> {
        runs.sort();
        let mut same: Vec<Vec<usize>> = Vec::new();
        for group in runs.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1) {
            same.push(group.iter().map(|&(_, v)| v).collect());
        }
        same.sort();
        let scenario = &self.scenarios[s].name;
        same.iter()
            .map(|vs| {
                let ids: Vec<String> = (vs.iter())
                    .map(|&v| format!("{scenario}__{}__r0", self.variants[v].name))
                    .collect();
                let names: Vec<String> = vs.iter().map(|&v| self.variants[v].name.clone()).collect();
                let default = if names.iter().any(|n| n == "default") {
                    " (`include_default = false` in [sweep] drops `default`)"
                } else {
                    ""
                };
                format!(
                    "{} would be the same run, and so would their other replicates: {} give scenario {scenario} the same settings; drop all but one{default}, or give them values that differ",
                    listed("run", &ids),
                    listed("variant", &names),
                )
            })
            .collect()
    }

    /// The overrides that do not fit scenario `s` on their own.
    fn check_keys(&self, s: usize, found: &mut Vec<KeyProblem>) -> Vec<Override> {
        let name = &self.scenarios[s].name;
        let mut bad = Vec::new();
        for o in self.distinct_overrides() {
            if !o.applies_to(name) {
                continue;
            }
            if let Err(e) = self.parse_with(s, std::iter::once(o), 0, "") {
                let prefix = format!("`{}`: ", o.key);
                let message = brief(&e).trim_start_matches(&prefix).to_string();
                let same = |p: &&mut KeyProblem| {
                    p.source == o.source && p.key == o.key && p.message == message
                };
                match found.iter_mut().find(same) {
                    Some(p) => {
                        push_new(&mut p.values, o.value.to_string());
                        push_new(&mut p.scenarios, name.clone());
                    }
                    None => found.push(KeyProblem {
                        source: o.source.clone(),
                        key: o.key.clone(),
                        message,
                        values: vec![o.value.to_string()],
                        scenarios: vec![name.clone()],
                    }),
                }
                bad.push(o.clone());
            }
        }
        bad
    }

    /// Every override once, in file order, however many variants share it.
    fn distinct_overrides(&self) -> Vec<&Override> {
        let mut out: Vec<&Override> = Vec::new();
        let all = self
            .common
            .iter()
            .chain(self.variants.iter().flat_map(|v| &v.overrides));
        for o in all {
            if !out.contains(&o) {
                out.push(o);
            }
        }
        out
    }
}

/// An error's message without the file label (the caller names the sweep file).
fn brief(e: &Error) -> String {
    match e {
        Error::Invalid { problems, .. } => problems.join("; "),
        Error::Parse { message, .. } => message.trim().replace('\n', " "),
        other => other.to_string(),
    }
}

/// The SHA-256 of a resolved scenario's text: equal for runs that would be the same.
fn fingerprint(r: &Resolved) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(r.scenario.to_toml().as_bytes()).into()
}

/// One override refused for the same reason, with every value and scenario it was
/// refused for, so a bad axis is reported once and not once per run.
struct KeyProblem {
    source: String,
    key: String,
    message: String,
    values: Vec<String>,
    scenarios: Vec<String>,
}

impl KeyProblem {
    fn render(&self) -> String {
        format!(
            "{} `{}` = {} ({}): {}",
            self.source,
            self.key,
            self.values.join(", "),
            listed("scenario", &self.scenarios),
            self.message
        )
    }
}

fn push_new(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Adds `name` to the names failing with `message`.
fn group(failures: &mut Vec<(String, Vec<String>)>, message: String, name: &str) {
    match failures.iter_mut().find(|(m, _)| *m == message) {
        Some((_, names)) => names.push(name.to_string()),
        None => failures.push((message, vec![name.to_string()])),
    }
}

/// `variant a`, `variants a, b and c`, `variants a, b, c and 7 more`.
fn listed(what: &str, names: &[String]) -> String {
    match names {
        [one] => format!("{what} {one}"),
        [first @ .., last] if names.len() <= 3 => {
            format!("{what}s {} and {last}", first.join(", "))
        }
        _ => format!(
            "{what}s {} and {} more",
            names[..3].join(", "),
            names.len() - 3
        ),
    }
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sweep".into())
}

/// Letters, digits, `-`, `_`, `.` and `+`, not starting with `.` or `_` (which dataset
/// readers skip as hidden).
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(['.', '_'])
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.+".contains(c))
}

/// `[set]` for every scenario, then each scenario entry's own `set`.
fn common_overrides(spec: &SweepFile, scenarios: &[BaseScenario]) -> Vec<Override> {
    let all = overrides::flatten(&spec.set)
        .into_iter()
        .map(|(key, value)| (key, value, "[set]".to_string(), Vec::new()));
    let own = spec
        .sweep
        .scenarios
        .iter()
        .zip(scenarios)
        .flat_map(|(entry, s)| {
            let set = entry.set().map(overrides::flatten).unwrap_or_default();
            let source = format!("sweep.scenarios {:?} set", entry.file());
            set.into_iter()
                .map(move |(k, v)| (k, v, source.clone(), vec![s.name.clone()]))
        });
    all.chain(own)
        .map(|(key, value, source, only)| Override {
            key,
            value,
            source,
            only,
        })
        .collect()
}

fn load_scenarios(
    entries: &[ScenarioEntry],
    base: &Path,
    problems: &mut Vec<String>,
) -> Vec<BaseScenario> {
    let mut out: Vec<BaseScenario> = Vec::new();
    for entry in entries {
        let p = entry.file();
        let path = base.join(p);
        match load_one(&path) {
            Ok(s) if out.iter().any(|o| o.name == s.name) => problems.push(format!(
                "sweep.scenarios: {p:?} is named {:?} like an earlier scenario; scenario names must differ (they name the scenario= directories)",
                s.name
            )),
            Ok(s) => out.push(s),
            Err(e) => problems.push(format!("sweep.scenarios: {p:?}: {e}")),
        }
    }
    out
}

fn load_one(path: &Path) -> Result<BaseScenario> {
    let text = crate::input::read_text(path)?;
    let file = path.display().to_string();
    let resolved = scenario::parse(&text, &file, path.parent().unwrap_or(Path::new(".")))?;
    let doc: Table = toml::from_str(&text).map_err(|e| Error::Parse {
        file: file.clone(),
        message: e.to_string(),
    })?;
    Ok(BaseScenario {
        name: resolved.scenario.scenario.name,
        path: path.to_path_buf(),
        doc,
    })
}

/// The most runs a sweep may have. Its variants and plan are built in memory (about a
/// kilobyte a run) and each run is a simulation: beyond this a sweep is a mistake or
/// several sweeps.
pub const MAX_RUNS: u64 = 1_000_000;

/// Scenarios x variants x replicates, if above [`MAX_RUNS`]: counted from the file
/// before any variant is built.
fn too_large(spec: &SweepFile) -> Option<String> {
    let explicit = spec.variants.len().max(1) as u128;
    let variants = spec
        .axes
        .iter()
        .try_fold(explicit, |n, a| n.checked_mul(a.values.len() as u128));
    let scenarios = spec.sweep.scenarios.len() as u128;
    let replicates = u128::from(spec.sweep.replicates);
    let runs = variants
        .and_then(|v| v.checked_mul(scenarios))
        .and_then(|r| r.checked_mul(replicates));
    if runs.is_some_and(|r| r <= u128::from(MAX_RUNS)) {
        return None;
    }
    let count = |n: Option<u128>| n.map_or("more than 10^38".into(), |n| n.to_string());
    Some(format!(
        "sweep: {scenarios} scenario(s) x {} variant(s) x {replicates} replicate(s) = {} runs; a sweep may have at most {MAX_RUNS} runs: split it into smaller sweeps",
        count(variants),
        count(runs)
    ))
}

fn check_header(spec: &SweepFile, path: &Path, names: &[String], problems: &mut Vec<String>) {
    let sw = &spec.sweep;
    if sw.scenarios.is_empty() {
        problems.push("sweep.scenarios is empty: name at least one scenario file".into());
    }
    if sw.replicates == 0 {
        problems.push("sweep.replicates = 0: give at least 1".into());
    }
    let name = sw.name.clone().unwrap_or_else(|| stem(path));
    if !valid_name(&name) {
        problems.push(format!(
            "sweep.name = {name:?}: use letters, digits, '-', '_', '.' and '+', not starting with '.' or '_'"
        ));
    }
    if name.len() > MAX_NAME_LEN {
        problems.push(format!(
            "sweep.name: {} characters; at most {MAX_NAME_LEN} (it names the output directory and its files)",
            name.len()
        ));
    }
    if let Some(b) = &sw.baseline {
        check_names("sweep.baseline", std::slice::from_ref(b), names, problems);
    }
}

/// Names a sweep refers to must be among its scenarios.
fn check_names(what: &str, given: &[String], names: &[String], problems: &mut Vec<String>) {
    for g in given {
        if !names.contains(g) {
            problems.push(format!(
                "{what}: {g:?} is not a scenario of this sweep; its scenarios are {}",
                names.join(", ")
            ));
        }
    }
}

/// One `[[variant]]` table or one axis value: a part of the variant names, with its
/// overrides and the scenarios it reaches (every one when `only` is empty).
#[derive(Clone, Debug)]
struct Part {
    name: String,
    only: Vec<String>,
    overrides: Vec<Override>,
}

impl Part {
    fn reaches(&self, scenario: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|s| s == scenario)
    }
}

/// The unmodified combination (no parts; unless `include_default = false`) and the
/// explicit variants, crossed with the product of the axes.
fn build_combinations(
    spec: &SweepFile,
    names: &[String],
    problems: &mut Vec<String>,
) -> Vec<Vec<Part>> {
    let mut out: Vec<Vec<Part>> = vec![Vec::new()];
    if !spec.variants.is_empty() {
        let explicit = (spec.variants.iter().enumerate())
            .map(|(i, v)| vec![explicit_variant(i, v, names, problems)]);
        if !spec.sweep.include_default {
            out.clear();
        }
        out.extend(explicit);
    }
    for (i, axis) in spec.axes.iter().enumerate() {
        let label = axis_label(&spec.axes, i);
        let points = axis_points(axis, i, &label, names, problems);
        out = out
            .iter()
            .flat_map(|c| points.iter().map(move |p| extend(c, p)))
            .collect();
    }
    let full: Vec<Variant> = out.iter().map(|c| variant(c.iter())).collect();
    let before = problems.len();
    check_variant_names(&full, problems);
    if problems.len() > before {
        // Reduced names would only repeat the problem.
        out.clear();
    }
    out
}

/// The variant of the parts given: their names joined by `__` (`default` for none)
/// and their overrides in order.
fn variant<'a>(parts: impl Iterator<Item = &'a Part> + Clone) -> Variant {
    let names: Vec<&str> = parts.clone().map(|p| p.name.as_str()).collect();
    Variant {
        name: if names.is_empty() {
            "default".into()
        } else {
            names.join("__")
        },
        overrides: parts.flat_map(|p| p.overrides.iter().cloned()).collect(),
    }
}

/// The variants the scenarios run. In each combination a scenario runs the variant of
/// the parts that reach it. Where every part reaches it, that is the combination's own
/// variant; where some do not, it runs the same settings as a variant it already runs
/// if there is one (its own variants first, then those missing the fewest parts), else
/// the variant of the parts that reach it, once. The variants in order of first
/// appearance, and each scenario's variant of each combination unless that is always
/// the combination itself.
fn variants_of(
    combinations: &[Vec<Part>],
    names: &[String],
    problems: &mut Vec<String>,
) -> (Vec<Variant>, Option<Vec<Vec<usize>>>) {
    let mut known = Known::default();
    let mut rows = vec![vec![usize::MAX; combinations.len()]; names.len()];
    for (c, parts) in combinations.iter().enumerate() {
        for (s, scenario) in names.iter().enumerate() {
            if parts.iter().all(|p| p.reaches(scenario)) {
                rows[s][c] = known.add(s, variant(parts.iter()), true);
            }
        }
    }
    for (s, scenario) in names.iter().enumerate() {
        let missing = |c: usize| {
            combinations[c]
                .iter()
                .filter(|p| !p.reaches(scenario))
                .count()
        };
        let mut reduced: Vec<usize> = (0..combinations.len())
            .filter(|&c| missing(c) > 0)
            .collect();
        reduced.sort_by_key(|&c| (missing(c), c));
        for c in reduced {
            let parts = combinations[c].iter().filter(|p| p.reaches(scenario));
            rows[s][c] = known.add(s, variant(parts), false);
        }
    }
    for name in known.clashes {
        problems.push(format!(
            "variant {name:?} stands for different overrides in different scenarios (a scenario's variant is named after the [[variant]] table and axis values that reach it): rename a [[variant]] table"
        ));
    }
    let same = |row: &Vec<usize>| row.iter().enumerate().all(|(c, &v)| c == v);
    let combinations = (!rows.iter().all(same)).then_some(rows);
    (known.variants, combinations)
}

/// The variants found so far, found by name and by each scenario's settings.
#[derive(Default)]
struct Known {
    variants: Vec<Variant>,
    // Only find variants: their order is the Vec's.
    by_name: std::collections::HashMap<String, usize>,
    by_settings: std::collections::HashMap<(usize, Vec<(String, String)>), usize>,
    clashes: Vec<String>,
}

impl Known {
    /// The index of variant `v` of scenario `s`. A combination's own variant is found by
    /// name only (two with the same settings are duplicates, refused later); a reduced
    /// one by its settings first.
    fn add(&mut self, s: usize, v: Variant, own: bool) -> usize {
        let settings = (
            s,
            (v.overrides.iter())
                .map(|o| (o.key.clone(), o.value.to_string()))
                .collect::<Vec<_>>(),
        );
        if !own && let Some(&i) = self.by_settings.get(&settings) {
            return i;
        }
        let i = match self.by_name.get(&v.name) {
            Some(&i) => {
                if self.variants[i].overrides != v.overrides {
                    push_new(&mut self.clashes, v.name);
                }
                i
            }
            None => {
                self.by_name.insert(v.name.clone(), self.variants.len());
                self.variants.push(v);
                self.variants.len() - 1
            }
        };
        self.by_settings.entry(settings).or_insert(i);
        i
    }
}

/// Variant names name directories and, with a scenario name, files: they must differ
/// and be short enough.
fn check_variant_names(variants: &[Variant], problems: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    for v in variants {
        if !seen.insert(v.name.as_str()) {
            problems.push(format!(
                "two variants are named {:?}: give the [[variant]] tables or the axis values distinct names",
                v.name
            ));
        }
    }
    let long: Vec<&Variant> = variants
        .iter()
        .filter(|v| v.name.len() > MAX_NAME_LEN)
        .collect();
    if let Some(first) = long.first() {
        problems.push(format!(
            "{} variant name(s) longer than {MAX_NAME_LEN} characters, e.g. {:?} ({} characters): they name files; shorten the [[variant]] names, axis keys or values",
            long.len(),
            first.name,
            first.name.len()
        ));
    }
}

fn extend(parts: &[Part], part: &Part) -> Vec<Part> {
    let mut out = parts.to_vec();
    out.push(part.clone());
    out
}

/// The `i`th `[[variant]]` table. Messages name it by its key path, `variant[i]`, so
/// they are located in the sweep file.
fn explicit_variant(
    i: usize,
    v: &VariantSpec,
    names: &[String],
    problems: &mut Vec<String>,
) -> Part {
    if !valid_name(&v.name) {
        problems.push(format!(
            "variant[{i}].name = {:?}: use letters, digits, '-', '_', '.' and '+', not starting with '.' or '_'",
            v.name
        ));
    }
    let source = format!("variant[{i}] ({:?})", v.name);
    check_names(
        &format!("{source}.scenarios"),
        &v.scenarios,
        names,
        problems,
    );
    let overrides = overrides::flatten(&v.set)
        .into_iter()
        .map(|(key, value)| Override {
            key,
            value,
            source: source.clone(),
            only: v.scenarios.clone(),
        })
        .collect();
    Part {
        name: v.name.clone(),
        only: v.scenarios.clone(),
        overrides,
    }
}

/// An axis is named in variant names by its key's last part, or its whole key where
/// two axes share a last part.
fn axis_label(axes: &[AxisSpec], i: usize) -> String {
    let last = |k: &str| k.rsplit('.').next().unwrap_or(k).to_string();
    let mine = last(&axes[i].key);
    let shared = axes
        .iter()
        .enumerate()
        .any(|(j, a)| j != i && last(&a.key) == mine);
    overrides::safe_name(if shared { &axes[i].key } else { &mine })
}

/// The variant-name parts and overrides of the `i`th axis (`axis[i]` in messages).
fn axis_points(
    axis: &AxisSpec,
    i: usize,
    label: &str,
    names: &[String],
    problems: &mut Vec<String>,
) -> Vec<Part> {
    let source = format!("axis[{i}]");
    if axis.values.is_empty() {
        problems.push(format!("{source} `{}`: values is empty", axis.key));
    }
    check_names(
        &format!("{source}.scenarios"),
        &axis.scenarios,
        names,
        problems,
    );
    let mut points = Vec::new();
    for value in &axis.values {
        let Some(v) = overrides::value_label(value) else {
            problems.push(format!(
                "{source} `{}`: a table value cannot name a variant; use a [[variant]] table",
                axis.key
            ));
            continue;
        };
        let o = Override {
            key: axis.key.clone(),
            value: value.clone(),
            source: source.clone(),
            only: axis.scenarios.clone(),
        };
        points.push(Part {
            name: format!("{label}-{v}"),
            only: axis.scenarios.clone(),
            overrides: vec![o],
        });
    }
    points
}

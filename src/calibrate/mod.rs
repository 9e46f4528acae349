//! Calibration against a targets file (`relocsim calibrate`): approximate Bayesian
//! computation by sequential Monte Carlo (population Monte Carlo, Beaumont et al. 2009),
//! with the parameters free that the calibration file names from the registry, each
//! with its bounds and a prior: uniform between them, or normal truncated to them.
//!
//! Each generation is a sweep (`crate::batch`): one variant per particle, the same
//! replicates for every particle (so candidates share their random numbers: common
//! random numbers), run with `--jobs` here; a generation whose runs exist already is
//! skipped, so an interrupted calibration resumes where it stopped. A particle's
//! distance is the weighted mean squared standardised distance (`targets::fit`) of the
//! replicates' mean over the fit window's targets; the held-out years are reported
//! apart and never used.
//!
//! No maintained Rust crate implements ABC-SMC (the reference implementation, pyABC,
//! is Python), so the loop is written here (`abc`); the runs go through the sweep
//! machinery, and the statistics through `crate::stats`.

pub mod abc;

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::scenario::validate::{Checked, scan_calibration};

/// A calibration file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalibrationFile {
    pub calibration: Settings,
    #[serde(rename = "parameter", default)]
    pub parameters: Vec<Parameter>,
}

/// The `[calibration]` table.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub name: String,
    /// The scenario whose parameters are fitted, relative to the file.
    pub scenario: PathBuf,
    /// The targets file, relative to the file.
    pub targets: PathBuf,
    /// Agents per real person and firm of every run.
    pub scale: f64,
    /// Replicates per particle (common to all particles).
    pub replicates: u32,
    /// Seed of the runs and of the particles' draws.
    pub seed: u64,
    /// Particles proposed per generation.
    pub particles: u32,
    pub generations: u32,
    /// Share of a generation's particles accepted (its distance quantile becomes the
    /// tolerance); 0.5 by default.
    #[serde(default = "half")]
    pub acceptance: f64,
}

fn half() -> f64 {
    0.5
}

/// A free parameter: its registry name, bounds, and prior: uniform between the bounds,
/// or, with `prior_mean` and `prior_sd`, normal truncated to them.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    pub name: String,
    pub min: f64,
    pub max: f64,
    #[serde(default)]
    pub prior_mean: Option<f64>,
    #[serde(default)]
    pub prior_sd: Option<f64>,
}

impl Parameter {
    /// The prior as the sampler uses it.
    pub fn prior(&self) -> abc::Prior {
        abc::Prior {
            lo: self.min,
            hi: self.max,
            normal: self.prior_mean.zip(self.prior_sd),
        }
    }

    /// The prior in words, for the calibrated fragment.
    pub fn prior_text(&self) -> String {
        match (self.prior_mean, self.prior_sd) {
            (Some(m), Some(sd)) => format!("normal({m}, {sd}) on {} to {}", self.min, self.max),
            _ => format!("uniform on {} to {}", self.min, self.max),
        }
    }
}

/// A calibration file, read and checked, with its paths resolved.
pub struct Calibration {
    pub file: PathBuf,
    pub spec: CalibrationFile,
    pub scenario: PathBuf,
    pub targets: crate::targets::TargetFile,
}

impl Calibration {
    /// Reads and checks `path`: every problem at once, each with its place.
    pub fn load(path: &Path) -> Result<Calibration> {
        let text = crate::input::read_text(path)?;
        let file = path.display().to_string();
        let base = path.parent().unwrap_or(Path::new("."));
        let mut checked = scan_calibration(&text, &file);
        let Some(spec) = checked.deserialize::<CalibrationFile>() else {
            return Err(checked.into_error());
        };
        let scenario = base.join(&spec.calibration.scenario);
        let problems = problems(&spec, &scenario);
        if !checked.is_clean() || !problems.is_empty() {
            problems.iter().for_each(|p| checked.add(p));
            return Err(checked.into_error());
        }
        let resolved = crate::scenario::load(&scenario)?;
        let targets_path = base.join(&spec.calibration.targets);
        let targets = crate::targets::TargetFile::load(&targets_path, &resolved.region.spec)?;
        if !targets
            .list
            .iter()
            .any(|t| targets.in_fit_window(t) && t.weight() > 0.0)
        {
            return Err(located(
                checked,
                "calibration.targets: the targets file has no target with a weight above 0 in \
                 its fit window; calibration fits to those only",
            ));
        }
        Ok(Calibration {
            file: path.to_path_buf(),
            spec,
            scenario,
            targets,
        })
    }
}

fn located(mut checked: Checked<'_>, problem: &str) -> Error {
    checked.add(problem);
    checked.into_error()
}

/// Problems of meaning: parameters unknown to the registry (with the nearest name),
/// bounds in the wrong order, sizes that leave nothing to fit.
fn problems(spec: &CalibrationFile, scenario: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let s = &spec.calibration;
    if spec.parameters.is_empty() {
        out.push("parameter: no free parameter; add [[parameter]] tables".into());
    }
    let doc: toml::Table = crate::input::read_text(scenario)
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or_default();
    for (i, p) in spec.parameters.iter().enumerate() {
        let table = p.name.split('.').next().unwrap_or("");
        if !["behaviour", "trends", "policy"].contains(&table) {
            out.push(format!(
                "parameter[{i}].name = {:?}: not a parameter; name one of the registry \
                 (behaviour.*, trends.* or policy.N.*; `relocsim params` lists them)",
                p.name
            ));
        } else if let Err(e) = crate::batch::overrides::check_key(&doc, &p.name) {
            out.push(format!("parameter[{i}].name = {:?}: {e}", p.name));
        }
        if !(p.min < p.max && p.min.is_finite() && p.max.is_finite()) {
            out.push(format!(
                "parameter[{i}].min = {}: not below max = {}; give the bounds in order",
                p.min, p.max
            ));
        }
        match (p.prior_mean, p.prior_sd) {
            (None, None) => {}
            (Some(m), Some(sd)) if m.is_finite() && sd > 0.0 && sd.is_finite() => {}
            (Some(_), Some(sd)) => out.push(format!(
                "parameter[{i}].prior_sd = {sd}: a positive number (and prior_mean a finite one)"
            )),
            _ => out.push(format!(
                "parameter[{i}].prior_mean: give prior_mean and prior_sd together (a normal prior), or neither (uniform)"
            )),
        }
        if spec.parameters[..i].iter().any(|q| q.name == p.name) {
            out.push(format!("parameter[{i}].name = {:?}: named twice", p.name));
        }
    }
    if !(s.scale > 0.0 && s.scale <= 1.0) {
        out.push(format!("calibration.scale = {}: between 0 and 1", s.scale));
    }
    for (key, v, least) in [
        ("replicates", s.replicates, 1),
        ("particles", s.particles, 4),
        ("generations", s.generations, 1),
    ] {
        if v < least {
            out.push(format!("calibration.{key} = {v}: at least {least}"));
        }
    }
    if !(s.acceptance > 0.0 && s.acceptance < 1.0) {
        out.push(format!(
            "calibration.acceptance = {}: a share strictly between 0 and 1",
            s.acceptance
        ));
    }
    out
}

/// The file that marks a directory as a calibration's, naming its calibration file.
pub const MARKER: &str = ".relocsim-calibration";

/// Prepares `out` for the calibration of `file`: a new or empty directory, or one an
/// earlier run of a calibration left (it resumes); anything else is refused, so that a
/// calibration never writes into a directory it did not make.
pub fn prepare_dir(out: &Path, file: &Path) -> Result<()> {
    let refuse = |reason: String| Error::OutputRefused {
        path: out.to_path_buf(),
        reason,
    };
    if out.exists() {
        let marked = out.join(MARKER).is_file();
        let empty = std::fs::read_dir(out)
            .map_err(|e| Error::io(out, e))?
            .next()
            .is_none();
        if !marked && !empty {
            return Err(refuse(
                "holds files that no relocsim calibration wrote; choose another --out".into(),
            ));
        }
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let marker = out.join(MARKER);
    std::fs::write(&marker, format!("{}\n", file.display())).map_err(|e| Error::io(&marker, e))
}

/// Writes what a calibration found into `out`: posterior.parquet (the last generation's
/// accepted particles with their weights), particles.csv (every particle evaluated),
/// convergence.csv and its chart (convergence.svg and .png), calibrated.toml (the posterior mean as a fragment a scenario can
/// take), and fit_before.md and fit_after.md (the scenario as given, and with the
/// posterior mean). Returns the files written.
pub fn write_outcome(c: &Calibration, o: &abc::Outcome, out: &Path) -> Result<Vec<PathBuf>> {
    let names: Vec<&str> = c.spec.parameters.iter().map(|p| p.name.as_str()).collect();
    let mut files = Vec::new();
    let mut put = |name: &str, bytes: Vec<u8>| -> Result<()> {
        let path = out.join(name);
        std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
        files.push(path);
        Ok(())
    };
    let mut csv = format!(
        "generation,particle,{},distance,accepted,weight\n",
        names.join(",")
    );
    for p in &o.particles {
        let theta: Vec<String> = p.theta.iter().map(|x| x.to_string()).collect();
        csv += &format!(
            "{},{},{},{},{},{}\n",
            p.generation,
            p.index,
            theta.join(","),
            p.distance,
            p.accepted,
            p.weight
        );
    }
    put("particles.csv", csv.into_bytes())?;
    let mut conv =
        String::from("generation,tolerance,best,median,accepted,effective_sample_size\n");
    for s in &o.steps {
        conv += &format!(
            "{},{},{},{},{},{}\n",
            s.generation, s.epsilon, s.best, s.median, s.accepted, s.ess
        );
    }
    put("convergence.csv", conv.into_bytes())?;
    let line = |f: fn(&abc::Step) -> f64| -> Vec<(f64, f64)> {
        o.steps
            .iter()
            .map(|s| (f64::from(s.generation), f(s)))
            .collect()
    };
    let (svg, png) = crate::report::line_chart(
        &format!("Convergence of {}", c.spec.calibration.name),
        "generation",
        "weighted mean squared distance",
        &[
            ("tolerance", line(|s| s.epsilon)),
            ("median", line(|s| s.median)),
            ("best", line(|s| s.best)),
        ],
    )?;
    put("convergence.svg", svg.into_bytes())?;
    put("convergence.png", png)?;
    put("posterior.parquet", posterior_parquet(o, &names)?)?;
    put("calibrated.toml", fragment(c, o).into_bytes())?;
    let (before, after) = abc::fit_report(c, o);
    put("fit_before.md", before.into_bytes())?;
    put("fit_after.md", after.into_bytes())?;
    Ok(files)
}

/// The posterior mean as TOML tables a scenario can take, with the spread as comments.
pub fn fragment(c: &Calibration, o: &abc::Outcome) -> String {
    let s = &c.spec.calibration;
    let mut t = format!(
        "# Calibrated by `relocsim calibrate` ({}), seed {}, scale {}, {} replicates,\n\
         # {} particles x {} generations ({} runs): the weighted mean of the last\n\
         # generation's accepted particles, with its standard deviation.\n",
        c.file.display(),
        s.seed,
        s.scale,
        s.replicates,
        s.particles,
        s.generations,
        o.runs
    );
    let mean = |i: usize| o.posterior_mean[i];
    for table in ["behaviour", "trends"] {
        let of_table: Vec<(usize, &str)> = (c.spec.parameters.iter().enumerate())
            .filter_map(|(i, p)| Some((i, p.name.strip_prefix(table)?.strip_prefix('.')?)))
            .collect();
        if of_table.is_empty() {
            continue;
        }
        t += &format!("\n[{table}]\n");
        for (i, key) in of_table {
            let p = &c.spec.parameters[i];
            let (m, sd) = (mean(i), o.posterior_sd[i]);
            t += &format!("{key} = {m:?}  # sd {sd:.3e}, prior {}\n", p.prior_text());
        }
    }
    // The levers fitted describe the world the start is a steady state of, not a change
    // to it (docs/model.md §5.4).
    let levers: Vec<(usize, String)> = (c.spec.parameters.iter().enumerate())
        .filter_map(|(i, p)| Some((i, crate::scenario::Reference::key_for(&p.name)?)))
        .collect();
    if !levers.is_empty() {
        t += "\n[reference]\n";
        for (i, key) in levers {
            let field = key.trim_start_matches("reference.");
            t += &format!("{field} = {:?}\n", mean(i));
        }
    }
    for (i, p) in c.spec.parameters.iter().enumerate() {
        if p.name.starts_with("policy.") {
            t += &format!(
                "# {} = {:?} (sd {:.3e}): set it in the policy table\n",
                p.name,
                mean(i),
                o.posterior_sd[i]
            );
        }
    }
    t
}

fn posterior_parquet(o: &abc::Outcome, names: &[&str]) -> Result<Vec<u8>> {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Float64Array, RecordBatch, UInt32Array};
    use arrow_schema::{DataType, Field, Schema};
    let last: Vec<&abc::Particle> = o
        .particles
        .iter()
        .filter(|p| p.accepted)
        .filter(|p| Some(p.generation) == o.particles.iter().map(|q| q.generation).max())
        .collect();
    let mut fields = vec![
        Field::new("generation", DataType::UInt32, false),
        Field::new("particle", DataType::UInt32, false),
        Field::new("weight", DataType::Float64, false),
        Field::new("distance", DataType::Float64, false),
    ];
    fields.extend(
        names
            .iter()
            .map(|n| Field::new(*n, DataType::Float64, false)),
    );
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(UInt32Array::from_iter_values(
            last.iter().map(|p| p.generation),
        )),
        Arc::new(UInt32Array::from_iter_values(last.iter().map(|p| p.index))),
        Arc::new(Float64Array::from_iter_values(
            last.iter().map(|p| p.weight),
        )),
        Arc::new(Float64Array::from_iter_values(
            last.iter().map(|p| p.distance),
        )),
    ];
    for k in 0..names.len() {
        cols.push(Arc::new(Float64Array::from_iter_values(
            last.iter().map(|p| p.theta[k]),
        )));
    }
    let batch =
        RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).map_err(|e| Error::Output {
            file: "posterior.parquet".into(),
            message: e.to_string(),
        })?;
    crate::output::parquet_bytes("posterior.parquet", &batch)
}

//! Global sensitivity analysis: which assumptions a result depends
//! on. Two methods, as SALib names them: Morris elementary effects for screening
//! ([`morris`]) and Sobol first-order and total indices from a Saltelli design
//! ([`sobol`]). Both separate the design (the points to run, from a seed) from the
//! analysis (indices from the outputs at those points), so the runs can go through the
//! sweep machinery in between, and both are pure: no I/O, and the same seed gives the
//! same design and the same bootstrap intervals, byte for byte.

pub mod morris;
pub mod results;
pub mod runs;
pub mod sobol;
pub mod study;

use crate::rng::{Purpose, RunKey};

/// A parameter's range: the unit interval of the design is mapped onto it linearly.
#[derive(Clone, Debug, PartialEq)]
pub struct Range {
    pub min: f64,
    pub max: f64,
}

impl Range {
    /// The value at `u` in [0, 1].
    pub fn at(&self, u: f64) -> f64 {
        self.min + u * (self.max - self.min)
    }
}

/// An estimate with its bootstrap interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub lower: f64,
    pub upper: f64,
}

/// `resamples` resamples (with replacement) of `n` rows, each from its own keyed stream,
/// so an interval depends on the seed and nothing else.
pub(crate) fn bootstrap_rows(seed: u64, resamples: u32, n: usize) -> Vec<Vec<usize>> {
    (0..resamples)
        .map(|r| {
            let mut st = RunKey::new(seed, 0).stream(r, 0, Purpose::SensitivityBootstrap);
            (0..n)
                .map(|_| ((st.uniform() * n as f64) as usize).min(n - 1))
                .collect()
        })
        .collect()
}

/// The 95% percentile interval of bootstrap draws around `value` (crate::stats rules).
pub(crate) fn interval(value: f64, draws: &[f64]) -> Estimate {
    if draws.is_empty() {
        return Estimate {
            value,
            lower: f64::NAN,
            upper: f64::NAN,
        };
    }
    let mut sorted = draws.to_vec();
    sorted.sort_by(f64::total_cmp);
    Estimate {
        value,
        lower: crate::stats::quantile(&sorted, 0.025),
        upper: crate::stats::quantile(&sorted, 0.975),
    }
}

/// The file that marks a directory as a sensitivity study's: the study file's path and
/// the SHA-256 of its text.
pub const MARKER: &str = ".relocsim-sensitivity";

/// Prepares `out` for the study of `file`: a new or empty directory, or one an earlier
/// run of the same study file left, which it resumes. When the file's text changed
/// since, the sweeps rerun what it changed (their runs are checked against the
/// scenarios they now resolve to) and the results are replaced: said on stderr, not
/// silently. A directory of other files, or of another study file, is refused, so a
/// study never writes into a directory it did not make. Returns whether the text
/// changed.
pub fn prepare_dir(out: &std::path::Path, file: &std::path::Path) -> crate::Result<bool> {
    use crate::error::Error;
    let text = crate::input::read_text(file)?;
    let path = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    let mark = format!(
        "{}\nsha256 {}\n",
        path.display(),
        crate::digest::sha256_bytes(text.as_bytes())
    );
    let refuse = |reason: String| Error::OutputRefused {
        path: out.to_path_buf(),
        reason,
    };
    let marker = out.join(MARKER);
    let mut changed = false;
    if out.exists() {
        let empty = (std::fs::read_dir(out).map_err(|e| Error::io(out, e))?)
            .next()
            .is_none();
        match std::fs::read_to_string(&marker) {
            Ok(found) if found == mark => return Ok(false),
            Ok(found) if found.lines().next() == mark.lines().next() => changed = true,
            Ok(found) => {
                return Err(refuse(format!(
                    "holds the study of {}, another file; choose another --out",
                    found.lines().next().unwrap_or("another file")
                )));
            }
            Err(_) if !empty => {
                return Err(refuse(
                    "holds files that no relocsim sensitivity study wrote; choose another --out"
                        .into(),
                ));
            }
            Err(_) => {}
        }
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    std::fs::write(&marker, mark).map_err(|e| Error::io(&marker, e))?;
    Ok(changed)
}

/// Runs a study's `plans` (of its `design`) into the backend's directory and analyses
/// them: each output's result, and the runs it took.
pub fn execute(
    study: &study::Study,
    design: &study::Design,
    plans: &[runs::ScenarioPlan],
    opts: &crate::batch::Backend,
    on: &runs::Progress,
) -> crate::Result<(Vec<results::OutputResult>, usize)> {
    let count = runs::run_count(plans, study.spec.sensitivity.replicates);
    let values = runs::run(study, design, plans, opts, on)?;
    let out = (study.spec.outputs.iter().enumerate())
        .zip(&values)
        .map(|((o, spec), v)| {
            let indices = runs::analyze(study, design, &spec.name, &v.means());
            results::OutputResult::new(study, o, v, indices)
        })
        .collect();
    Ok((out, count))
}

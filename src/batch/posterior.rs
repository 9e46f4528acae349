//! Parameter uncertainty in sweeps: `[sweep] posterior = FILE` names the posterior.parquet
//! of a calibration (`relocsim calibrate`), and each replicate runs with a parameter set
//! drawn from it by weight. The draw is keyed by the replicate alone, so every scenario
//! and variant of replicate r runs with the same set: differences from the baseline
//! stay paired, and their spread over replicates then holds parameter uncertainty as
//! well as the model's own noise.
//!
//! Only the model's parameters are drawn (`behaviour.*` and `trends.*`): a policy's
//! parameters (`policy.N.*`) were fitted to the calibration scenario's N-th policy and
//! mean nothing for another scenario's, so they are left out and named.

use std::path::{Path, PathBuf};

use arrow_array::{Array, Float64Array};
use serde::{Deserialize, Serialize};
use toml::Value;

use super::overrides::Override;
use crate::error::{Error, Result};
use crate::output::read::{batches, column};
use crate::rng::{Purpose, RunKey, choose_weighted};

/// Columns of posterior.parquet that are not parameters.
const BOOKKEEPING: [&str; 4] = ["generation", "particle", "weight", "distance"];

/// What a plan records of the posterior its replicates drew from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PosteriorInfo {
    /// As the sweep file gives it.
    pub file: String,
    /// SHA-256 of the file when the sweep was loaded.
    pub sha256: String,
    /// Parameters drawn, in the file's column order.
    pub parameters: Vec<String>,
    /// Parameter sets (particles) in the file.
    pub particles: usize,
}

/// A posterior sample: particles with their weights.
#[derive(Clone, Debug)]
pub struct Posterior {
    pub info: PosteriorInfo,
    /// `policy.*` columns left out.
    pub skipped: Vec<String>,
    weights: Vec<f64>,
    /// `values[particle][parameter]`.
    values: Vec<Vec<f64>>,
}

impl Posterior {
    /// Reads `path` (given as `given` in the sweep file); `what` names the setting in
    /// messages.
    pub fn load(path: &Path, given: &str, what: &str) -> Result<Posterior> {
        let bad = |m: String| Error::Invalid {
            file: path.display().to_string(),
            problems: vec![format!("{what} = {given:?}: {m}")],
        };
        let batches = batches(path).map_err(|e| bad(unreadable(e)))?;
        let Some((_, first)) = batches.first() else {
            return Err(bad("the file holds no particles".into()));
        };
        let schema = first.schema();
        let names: Vec<String> = (schema.fields().iter())
            .map(|f| f.name().clone())
            .filter(|n| !BOOKKEEPING.contains(&n.as_str()))
            .collect();
        let (drawn, skipped): (Vec<String>, Vec<String>) = names
            .into_iter()
            .partition(|n| n.starts_with("behaviour.") || n.starts_with("trends."));
        if drawn.is_empty() {
            return Err(bad(format!(
                "no behaviour.* or trends.* column to draw (columns: {}); is it a calibration's posterior.parquet?",
                schema
                    .fields()
                    .iter()
                    .map(|f| f.name().as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let mut weights = Vec::new();
        let mut values = Vec::new();
        for (_, b) in &batches {
            let weight = float_column(b, "weight").map_err(&bad)?;
            let cols: Vec<&Float64Array> = (drawn.iter())
                .map(|n| float_column(b, n))
                .collect::<std::result::Result<_, _>>()
                .map_err(&bad)?;
            for i in 0..b.num_rows() {
                weights.push(weight.value(i));
                values.push(cols.iter().map(|c| c.value(i)).collect::<Vec<f64>>());
            }
        }
        check_sample(&weights, &values, &drawn).map_err(&bad)?;
        let sha256 = crate::digest::sha256_file(path)?;
        Ok(Posterior {
            info: PosteriorInfo {
                file: given.to_string(),
                sha256,
                parameters: drawn,
                particles: weights.len(),
            },
            skipped,
            weights,
            values,
        })
    }

    /// The particle replicate `replicate` runs with.
    pub fn draw(&self, replicate: u32) -> usize {
        let u = RunKey::new(0, replicate)
            .stream(0, 0, Purpose::PosteriorDraw)
            .uniform();
        choose_weighted(&self.weights, u)
    }

    /// The overrides of replicate `replicate`: its particle's parameters.
    pub fn overrides(&self, replicate: u32) -> Vec<Override> {
        let p = self.draw(replicate);
        (self.info.parameters.iter().zip(&self.values[p]))
            .flat_map(|(key, &v)| {
                let reference = crate::scenario::Reference::key_for(key);
                std::iter::once(key.clone())
                    .chain(reference)
                    .map(move |k| (k, v))
            })
            .map(|(key, v)| Override {
                key,
                value: Value::Float(v),
                source: format!("sweep.posterior (particle {p})"),
                only: Vec::new(),
            })
            .collect()
    }
}

/// Weights finite, not negative and not all zero; values finite.
fn check_sample(
    weights: &[f64],
    values: &[Vec<f64>],
    names: &[String],
) -> std::result::Result<(), String> {
    if weights.is_empty() {
        return Err("the file holds no particles".into());
    }
    if let Some((i, w)) = weights
        .iter()
        .enumerate()
        .find(|(_, w)| !w.is_finite() || **w < 0.0)
    {
        return Err(format!(
            "particle {i} has weight {w}: weights are finite and not negative"
        ));
    }
    if weights.iter().all(|&w| w == 0.0) {
        return Err("every weight is 0".into());
    }
    for (i, row) in values.iter().enumerate() {
        if let Some((k, v)) = row.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(format!(
                "particle {i}: {} = {v}, not a finite number",
                names[k]
            ));
        }
    }
    Ok(())
}

/// Why [`batches`] could not read the file, worded for the sweep file's setting.
fn unreadable(e: Error) -> String {
    match e {
        Error::Io { error, .. } => format!("cannot open it: {error}"),
        Error::Read { message, .. } => format!("not a Parquet file: {message}"),
        other => other.to_string(),
    }
}

/// A float64 column without nulls ([`column`] finds it; the nulls are checked here, as
/// a posterior is not a file relocsim wrote for this run).
fn float_column<'a>(
    b: &'a arrow_array::RecordBatch,
    name: &str,
) -> std::result::Result<&'a Float64Array, String> {
    column::<Float64Array>(b, name, Path::new(""))
        .ok()
        .filter(|a| a.null_count() == 0)
        .ok_or_else(|| format!("column {name:?} is missing, or not float64 without nulls"))
}

/// The posterior file's path: relative paths are taken from the sweep file's directory.
pub fn resolve_path(given: &str, base: &Path) -> PathBuf {
    let p = Path::new(given);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

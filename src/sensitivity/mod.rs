//! Global sensitivity analysis: which assumptions a result depends
//! on. Two methods, as SALib names them: Morris elementary effects for screening
//! ([`morris`]) and Sobol first-order and total indices from a Saltelli design
//! ([`sobol`]). Both separate the design (the points to run, from a seed) from the
//! analysis (indices from the outputs at those points), so the runs can go through the
//! sweep machinery in between, and both are pure: no I/O, and the same seed gives the
//! same design and the same bootstrap intervals, byte for byte.

pub mod morris;
pub mod sobol;

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

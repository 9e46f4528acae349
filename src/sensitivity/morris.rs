//! Morris elementary effects, for screening many parameters at little cost: r
//! trajectories of k + 1 points on a grid of p levels, each step changing one parameter
//! by Δ = p / (2(p - 1)) in an order drawn for the trajectory. Per parameter: μ* (the
//! mean absolute effect: how much it matters), μ (the mean: its direction) and σ (the
//! spread: interactions or non-linearity), with a bootstrap interval for μ*.

use super::{Estimate, bootstrap_rows, interval};
use crate::rng::{Purpose, RunKey};
use crate::stats::{mean, sd};

/// The points of a Morris design in the unit cube: `r` trajectories of k + 1 rows, one
/// after another, and for each trajectory the parameter each step changed.
#[derive(Clone, Debug, PartialEq)]
pub struct Design {
    pub k: usize,
    pub points: Vec<Vec<f64>>,
    /// `order[t][s]`: the parameter that step s of trajectory t changed.
    pub order: Vec<Vec<usize>>,
}

/// The design of `r` trajectories for `k` parameters on `p` levels (p even, at least 2),
/// drawn from `seed`.
pub fn design(r: usize, k: usize, p: usize, seed: u64) -> Result<Design, String> {
    if p < 2 || !p.is_multiple_of(2) {
        return Err(format!(
            "levels = {p}: an even number of levels, at least 2 (4 is usual)"
        ));
    }
    if r == 0 || k == 0 {
        return Err(format!(
            "{r} trajectories of {k} parameters: at least one of each"
        ));
    }
    let step = delta(p);
    let top = (p - 1) as f64;
    let (mut points, mut order) = (Vec::new(), Vec::new());
    for t in 0..r {
        let mut st = RunKey::new(seed, 0).stream(t as u32, 0, Purpose::SensitivityDesign);
        let mut x: Vec<f64> = (0..k)
            .map(|_| ((st.uniform() * p as f64) as usize).min(p - 1) as f64 / top)
            .collect();
        // A random order of the parameters (Fisher-Yates on the keyed stream).
        let mut perm: Vec<usize> = (0..k).collect();
        for i in (1..k).rev() {
            let j = ((st.uniform() * (i + 1) as f64) as usize).min(i);
            perm.swap(i, j);
        }
        points.push(x.clone());
        for &i in &perm {
            // Up where the grid has room, else down: both are a step of Δ.
            x[i] = if x[i] + step <= 1.0 + 1e-12 {
                x[i] + step
            } else {
                x[i] - step
            };
            points.push(x.clone());
        }
        order.push(perm);
    }
    Ok(Design { k, points, order })
}

/// Δ on a grid of `p` levels.
pub fn delta(p: usize) -> f64 {
    p as f64 / (2.0 * (p - 1) as f64)
}

/// One parameter's statistics.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Effects {
    pub mu_star: Estimate,
    pub mu: f64,
    pub sigma: f64,
}

/// The statistics of every parameter from the outputs `y` at the points of `d` (in its
/// order), in units of output per unit of the [0, 1] range (multiply by nothing: the
/// ranges are the design's unit), with a 95% bootstrap interval for μ* over
/// `resamples` resamples of the trajectories drawn from `seed`.
pub fn analyze(d: &Design, y: &[f64], seed: u64, resamples: u32) -> Vec<Effects> {
    let k = d.k;
    assert_eq!(y.len(), d.points.len(), "one output per design point");
    let r = d.order.len();
    // effects[i][t]: the elementary effect of parameter i in trajectory t.
    let mut effects = vec![vec![0.0; r]; k];
    for (t, perm) in d.order.iter().enumerate() {
        let base = t * (k + 1);
        for (s, &i) in perm.iter().enumerate() {
            let (a, b) = (base + s, base + s + 1);
            let dx = d.points[b][i] - d.points[a][i];
            effects[i][t] = (y[b] - y[a]) / dx;
        }
    }
    let boot = bootstrap_rows(seed, resamples, r);
    effects
        .iter()
        .map(|e| {
            let abs_mean =
                |rows: &[usize]| mean(&rows.iter().map(|&t| e[t].abs()).collect::<Vec<_>>());
            let all: Vec<usize> = (0..r).collect();
            let draws: Vec<f64> = boot.iter().map(|rows| abs_mean(rows)).collect();
            Effects {
                mu_star: interval(abs_mean(&all), &draws),
                mu: mean(e),
                sigma: sd(e).unwrap_or(0.0),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trajectories_step_one_parameter_at_a_time_by_delta_on_the_grid() {
        let d = design(5, 4, 4, 9).unwrap();
        assert_eq!(d.points.len(), 5 * 5);
        let step = delta(4);
        for (t, perm) in d.order.iter().enumerate() {
            let mut sorted = perm.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, vec![0, 1, 2, 3]);
            for (s, &i) in perm.iter().enumerate() {
                let (a, b) = (&d.points[t * 5 + s], &d.points[t * 5 + s + 1]);
                for j in 0..4 {
                    let diff = (b[j] - a[j]).abs();
                    let want = if j == i { step } else { 0.0 };
                    assert!((diff - want).abs() < 1e-12, "trajectory {t}, step {s}");
                }
                assert!(b.iter().all(|u| (-1e-12..=1.0 + 1e-12).contains(u)));
            }
        }
        assert!(design(5, 4, 3, 9).is_err());
        assert_eq!(design(5, 4, 4, 9), design(5, 4, 4, 9));
        assert_ne!(design(5, 4, 4, 9), design(5, 4, 4, 10));
    }
}

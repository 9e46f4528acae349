//! Sobol indices: first-order (S1, the share of an output's variance that one parameter
//! explains alone) and total (ST, its share with every interaction it takes part in),
//! from a Saltelli design on a Sobol low-discrepancy sequence (Joe-Kuo direction
//! numbers, the `sobol` crate) with the estimators of Saltelli et al. (2010) for S1 and
//! Jansen (1999) for ST, and bootstrap intervals (Efron's percentile method) from a
//! keyed stream.

use ::sobol::Sobol;
use ::sobol::params::JoeKuoD6;

use super::{Estimate, bootstrap_rows, interval};
use crate::stats::{mean, sd};

/// The points of a Saltelli design in the unit cube, N(k + 2) of them in blocks of N:
/// the matrix A, the matrix B, then for each parameter i the matrix AB_i (A with its
/// column i taken from B). A and B are the two halves of the first N points of a
/// 2k-dimensional Sobol sequence, the origin included: a prefix of a power of two keeps
/// the sequence's balance.
#[derive(Clone, Debug, PartialEq)]
pub struct Design {
    /// Rows of each block: a power of two, which keeps the sequence balanced.
    pub n: usize,
    /// Parameters.
    pub k: usize,
    pub points: Vec<Vec<f64>>,
}

/// Most parameters a design takes: the direction numbers cover 1,000 dimensions, and A
/// and B take two each.
pub const MAX_PARAMETERS: usize = 500;

/// The design of `n` base rows for `k` parameters; `n` must be a power of two.
pub fn design(n: usize, k: usize) -> Result<Design, String> {
    if !n.is_power_of_two() {
        return Err(format!(
            "N = {n}: a power of two (the Sobol sequence is balanced in blocks of powers of two), as {}",
            n.max(2).next_power_of_two()
        ));
    }
    if k == 0 || k > MAX_PARAMETERS {
        return Err(format!("{k} parameters: between 1 and {MAX_PARAMETERS}"));
    }
    let params = JoeKuoD6::standard();
    let rows: Vec<Vec<f64>> = Sobol::<f64>::new(2 * k, &params).take(n).collect();
    let a: Vec<Vec<f64>> = rows.iter().map(|r| r[..k].to_vec()).collect();
    let b: Vec<Vec<f64>> = rows.iter().map(|r| r[k..].to_vec()).collect();
    let mut points = a.clone();
    points.extend(b.iter().cloned());
    for i in 0..k {
        points.extend(a.iter().zip(&b).map(|(ra, rb)| {
            let mut r = ra.clone();
            r[i] = rb[i];
            r
        }));
    }
    Ok(Design { n, k, points })
}

/// One parameter's indices.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Indices {
    pub first: Estimate,
    pub total: Estimate,
}

/// The indices of every parameter from the outputs `y` at the points of a design of
/// `n` rows and `k` parameters (in the design's order), with 95% bootstrap intervals
/// over `resamples` resamples of the rows drawn from `seed`.
pub fn analyze(n: usize, k: usize, y: &[f64], seed: u64, resamples: u32) -> Vec<Indices> {
    assert_eq!(y.len(), n * (k + 2), "one output per design point");
    let block = |b: usize| &y[b * n..(b + 1) * n];
    let (fa, fb) = (block(0), block(1));
    let all: Vec<usize> = (0..n).collect();
    let boot = bootstrap_rows(seed, resamples, n);
    (0..k)
        .map(|i| {
            let fab = block(2 + i);
            let at = |rows: &[usize]| indices_at(rows, fa, fb, fab);
            let (s1, st) = at(&all);
            let draws: Vec<(f64, f64)> = boot.iter().map(|rows| at(rows)).collect();
            let pick = |f: fn(&(f64, f64)) -> f64| -> Vec<f64> { draws.iter().map(f).collect() };
            Indices {
                first: interval(s1, &pick(|d| d.0)),
                total: interval(st, &pick(|d| d.1)),
            }
        })
        .collect()
}

/// (S1, ST) of one parameter over the rows `rows` (with repeats, for a resample).
fn indices_at(rows: &[usize], fa: &[f64], fb: &[f64], fab: &[f64]) -> (f64, f64) {
    let pick = |f: &[f64]| -> Vec<f64> { rows.iter().map(|&j| f[j]).collect() };
    let (a, b, ab) = (pick(fa), pick(fb), pick(fab));
    let both: Vec<f64> = a.iter().chain(&b).copied().collect();
    let v = sd(&both).map_or(0.0, |s| s * s);
    if v <= 0.0 {
        return (0.0, 0.0);
    }
    let first: Vec<f64> = (0..rows.len()).map(|j| b[j] * (ab[j] - a[j])).collect();
    let total: Vec<f64> = (0..rows.len())
        .map(|j| (a[j] - ab[j]) * (a[j] - ab[j]) / 2.0)
        .collect();
    (mean(&first) / v, mean(&total) / v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_design_has_its_blocks_and_refuses_bad_sizes() {
        let d = design(8, 3).unwrap();
        assert_eq!(d.points.len(), 8 * 5);
        // AB_1 is A with column 1 from B.
        for j in 0..8 {
            let (a, b, ab1) = (&d.points[j], &d.points[8 + j], &d.points[3 * 8 + j]);
            assert_eq!((ab1[0], ab1[1], ab1[2]), (a[0], b[1], a[2]));
        }
        assert!(d.points.iter().flatten().all(|u| (0.0..1.0).contains(u)));
        assert!(design(6, 3).unwrap_err().contains("as 8"));
        assert!(design(8, 0).is_err());
    }
}

//! Statistics over replicate runs, defined once for the sweep summary (`batch`) and the
//! scenario comparison (`report`), so that the two never disagree about a mean, an
//! interval or which runs are compared with which.
//!
//! The rules are fixed so that the same runs give the same bytes on every machine: sums
//! in the order given, sample standard deviation (n - 1), quantiles by linear
//! interpolation between order statistics (Hyndman and Fan type 7, the default of R and
//! NumPy), and two-sided 95% Student-t intervals of the mean.

/// Mean, spread and quantiles of one indicator over replicates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Describe {
    pub n: usize,
    pub mean: f64,
    /// None for a single value.
    pub sd: Option<f64>,
    pub p05: f64,
    pub p50: f64,
    pub p95: f64,
}

/// Summarises `values` (at least one), taken in the order given.
pub fn describe(values: &[f64]) -> Describe {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    Describe {
        n: values.len(),
        mean: mean(values),
        sd: sd(values),
        p05: quantile(&sorted, 0.05),
        p50: quantile(&sorted, 0.5),
        p95: quantile(&sorted, 0.95),
    }
}

pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Sample standard deviation; None below two values.
pub fn sd(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let m = mean(values);
    let ss: f64 = values.iter().map(|x| (x - m) * (x - m)).sum();
    Some((ss / (values.len() - 1) as f64).sqrt())
}

/// Type 7 quantile of sorted values: h = (n - 1) p, then linear interpolation between
/// the order statistics either side of h.
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// A mean over `n` values with its spread and the half-width of its 95% interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub n: usize,
    pub mean: f64,
    /// None below two values.
    pub sd: Option<f64>,
    /// None below two values: one value says nothing about the spread.
    pub half_width: Option<f64>,
}

impl Estimate {
    /// The interval's ends, where there is one.
    pub fn interval(&self) -> Option<(f64, f64)> {
        self.half_width.map(|h| (self.mean - h, self.mean + h))
    }

    pub fn lo(&self) -> Option<f64> {
        self.interval().map(|(lo, _)| lo)
    }

    pub fn hi(&self) -> Option<f64> {
        self.interval().map(|(_, hi)| hi)
    }

    /// The estimate of `(x - shift) * k`: the mean moves and scales, the spread and the
    /// interval scale by |k| (a change of unit, or a change relative to a base).
    pub fn rescaled(self, shift: f64, k: f64) -> Estimate {
        Estimate {
            mean: (self.mean - shift) * k,
            sd: self.sd.map(|s| s * k.abs()),
            half_width: self.half_width.map(|h| h * k.abs()),
            ..self
        }
    }
}

/// mean +- t_{0.975, n-1} * sd / sqrt(n) over `values` (at least one), in their order.
pub fn estimate(values: &[f64]) -> Estimate {
    let n = values.len();
    let s = sd(values);
    Estimate {
        n,
        mean: mean(values),
        sd: s,
        half_width: s.map(|s| t975(n - 1) * s / (n as f64).sqrt()),
    }
}

/// Student's t 0.975 quantiles for 1 to 30 degrees of freedom, to four decimals.
const T975: [f64; 30] = [
    12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281, 2.2010,
    2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687,
    2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
];

/// The 0.975 quantile of Student's t with `df` >= 1 degrees of freedom: the table up to
/// 30, beyond it the Cornish-Fisher expansion in 1/df around the normal quantile to the
/// fourth order, within 1e-7 of the exact value there and tending to it as df grows.
pub fn t975(df: usize) -> f64 {
    assert!(df >= 1, "t975 needs at least one degree of freedom");
    if df <= T975.len() {
        return T975[df - 1];
    }
    let z = 1.959_963_984_540_054_f64;
    let v = df as f64;
    let (z3, z5, z7, z9) = (z.powi(3), z.powi(5), z.powi(7), z.powi(9));
    z + (z3 + z) / (4.0 * v)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v.powi(3))
        + (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z) / (92_160.0 * v.powi(4))
}

/// What pairs a run of a scenario with a run of its baseline: the same seed and the same
/// replicate number.
///
/// Every random draw of a run is a function of (seed, replicate, step, agent, purpose)
/// (`rng`), so two runs with the same seed and replicate are driven by the same random
/// numbers wherever their agents agree: common random numbers. Their difference holds
/// the policy's effect and little of the noise, and the spread of such differences is
/// the spread of the effect. Pairing by replicate number alone would pair runs of
/// different seeds, which share no draws, and present the noise of two independent runs
/// as a paired comparison; so runs whose seeds differ do not pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PairKey {
    pub seed: u64,
    pub replicate: u32,
}

/// A scenario minus its baseline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Difference {
    /// Runs paired by [`PairKey`]; 0 when none pair.
    pub pairs: usize,
    /// Over the paired differences where there are any; else the difference of the two
    /// means, with `n` 0 and no spread or interval (two groups of runs that share no
    /// random numbers say nothing here about the spread of the effect).
    pub estimate: Estimate,
}

/// The values of `policy` minus those of `base` with the same [`PairKey`], in the order
/// of `policy` (each key at most once per side).
pub fn paired(policy: &[(PairKey, f64)], base: &[(PairKey, f64)]) -> Vec<f64> {
    policy
        .iter()
        .filter_map(|(k, x)| base.iter().find(|(kb, _)| kb == k).map(|(_, y)| x - y))
        .collect()
}

/// The one rule by which a scenario is compared with its baseline: over the paired runs
/// when any pair, else the difference of the means. Both sides hold at least one value.
pub fn difference(policy: &[(PairKey, f64)], base: &[(PairKey, f64)]) -> Difference {
    let diffs = paired(policy, base);
    if !diffs.is_empty() {
        return Difference {
            pairs: diffs.len(),
            estimate: estimate(&diffs),
        };
    }
    let values = |side: &[(PairKey, f64)]| side.iter().map(|(_, v)| *v).collect::<Vec<f64>>();
    Difference {
        pairs: 0,
        estimate: Estimate {
            n: 0,
            mean: mean(&values(policy)) - mean(&values(base)),
            sd: None,
            half_width: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u64, replicate: u32) -> PairKey {
        PairKey { seed, replicate }
    }

    #[test]
    fn quantiles_follow_type_7() {
        let v = [1.0, 2.0, 3.0, 4.0];
        // numpy.quantile([1, 2, 3, 4], [0.05, 0.5, 0.95]) = 1.15, 2.5, 3.85
        assert!((quantile(&v, 0.05) - 1.15).abs() < 1e-12);
        assert!((quantile(&v, 0.5) - 2.5).abs() < 1e-12);
        assert!((quantile(&v, 0.95) - 3.85).abs() < 1e-12);
        assert_eq!(quantile(&[7.0], 0.95), 7.0);
    }

    #[test]
    fn describe_uses_the_sample_sd() {
        let d = describe(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!(d.mean, 5.0);
        assert!((d.sd.unwrap() - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        assert_eq!(describe(&[3.0]).sd, None);
    }

    #[test]
    fn t_quantiles_match_published_values() {
        // Exact values (R: qt(0.975, df)) to the table's four decimals; df = infinity is
        // the normal quantile 1.959964.
        for (df, t) in [
            (1, 12.7062),
            (2, 4.3027),
            (5, 2.5706),
            (10, 2.2281),
            (30, 2.0423),
        ] {
            assert!((t975(df) - t).abs() < 5e-5, "df {df}: {}", t975(df));
        }
        assert!((t975(usize::MAX) - 1.959_964).abs() < 1e-6);
        // Either side of the table's end, and further out: qt(0.975, 31, 40, 60, 120).
        for (df, t) in [
            (31, 2.039_513),
            (40, 2.021_075),
            (60, 2.000_298),
            (120, 1.979_930),
        ] {
            assert!((t975(df) - t).abs() < 1e-6, "df {df}: {}", t975(df));
        }
    }

    #[test]
    fn t_quantiles_fall_with_the_degrees_of_freedom() {
        let t: Vec<f64> = (1..200).map(t975).collect();
        assert!(t.windows(2).all(|w| w[1] < w[0]));
    }

    #[test]
    fn intervals_are_t_intervals_of_the_mean() {
        let e = estimate(&[1.0, 2.0, 3.0]);
        assert_eq!((e.mean, e.sd), (2.0, Some(1.0)));
        // sd 1, n 3: 4.3027 / sqrt(3)
        assert!((e.half_width.unwrap() - 4.3027 / 3f64.sqrt()).abs() < 1e-12);
        assert_eq!(e.lo(), Some(2.0 - e.half_width.unwrap()));
        assert_eq!(estimate(&[5.0]).half_width, None);
    }

    #[test]
    fn runs_pair_by_seed_and_replicate() {
        let policy = [(key(1, 0), 10.0), (key(1, 1), 12.0), (key(2, 0), 20.0)];
        let base = [(key(1, 1), 2.0), (key(1, 0), 1.0), (key(3, 0), 5.0)];
        assert_eq!(paired(&policy, &base), [9.0, 10.0]);
        let d = difference(&policy, &base);
        assert_eq!(d.pairs, 2);
        assert_eq!(d.estimate, estimate(&[9.0, 10.0]));
    }

    #[test]
    fn runs_of_other_seeds_do_not_pair() {
        let policy = [(key(1, 0), 10.0), (key(1, 1), 14.0)];
        let base = [(key(2, 0), 1.0), (key(2, 1), 3.0)];
        let d = difference(&policy, &base);
        assert_eq!(d.pairs, 0);
        assert_eq!(d.estimate.mean, 12.0 - 2.0);
        assert_eq!((d.estimate.n, d.estimate.half_width), (0, None));
    }
}

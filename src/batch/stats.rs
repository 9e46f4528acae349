//! Statistics over replicates, with fixed rules so that a summary is the same bytes
//! wherever it is computed: sums in replicate order, sample standard deviation (n - 1),
//! quantiles by linear interpolation between order statistics (Hyndman and Fan type 7,
//! the default of R and NumPy), and Student-t intervals for paired differences.

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

/// Mean of paired differences with its two-sided 95% Student-t interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    pub n: usize,
    pub mean: f64,
    pub sd: Option<f64>,
    /// None below two pairs: one pair says nothing about the spread.
    pub lo: Option<f64>,
    pub hi: Option<f64>,
}

pub fn interval95(diffs: &[f64]) -> Interval {
    let m = mean(diffs);
    let s = sd(diffs);
    let half = s.map(|s| t975(diffs.len() - 1) * s / (diffs.len() as f64).sqrt());
    Interval {
        n: diffs.len(),
        mean: m,
        sd: s,
        lo: half.map(|h| m - h),
        hi: half.map(|h| m + h),
    }
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom (df >= 1): tabulated
/// to four decimals up to 30, beyond that the Cornish-Fisher expansion in 1/df, which
/// agrees with the exact value to four decimals there.
pub fn t975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281, 2.2010,
        2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739,
        2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
    ];
    if (1..=30).contains(&df) {
        return TABLE[df - 1];
    }
    let z: f64 = 1.959_963_984_540_054;
    let n = df.max(1) as f64;
    let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
    z + (z3 + z) / (4.0 * n)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * n * n)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * n * n * n)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn t_quantiles_join_the_table_smoothly() {
        assert!((t975(30) - 2.0423).abs() < 1e-4);
        // scipy.stats.t.ppf(0.975, 31) = 2.0395, (0.975, 120) = 1.9799
        assert!((t975(31) - 2.0395).abs() < 1e-4);
        assert!((t975(120) - 1.9799).abs() < 1e-4);
        let i = interval95(&[1.0, 2.0, 3.0]);
        assert!((i.hi.unwrap() - (2.0 + 4.3027 / 3f64.sqrt())).abs() < 1e-12);
    }
}

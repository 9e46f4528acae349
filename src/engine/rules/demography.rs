//! Firm demography: the size and productivity distributions firms are drawn from at the
//! start and at entry, and the size an entrant takes. Entrants replace exits sector by
//! sector (plus the trend's growth), each inheriting the relative size of the firm that
//! left, so total jobs follow the growth path.

use crate::math::Det;

/// A truncated Pareto weight in [1, firm_size_max_ratio] from a uniform draw `u`, by the
/// inverse CDF: (1 − u · (1 − max^−tail))^(−1 / tail), with tail = firm_size_tail.
/// Firm sizes in a (city, sector) cell are proportional to these weights.
#[inline]
pub(crate) fn pareto_weight(u: f64, tail: f64, max_ratio: f64) -> f64 {
    let tmax = max_ratio.dpow(-tail);
    (1.0 - u * (1.0 - tmax)).dpow(-1.0 / tail)
}

/// Jobs a new branch takes over from a parent of `target` jobs: `share` of them,
/// rounded, at least one and leaving the parent at least one.
#[inline]
pub(crate) fn branch_size(target: u32, share: f64) -> u32 {
    ((f64::from(target) * share).round() as u32).clamp(1, target.saturating_sub(1).max(1))
}

/// Mean of [`pareto_weight`], to scale entrant sizes to a cell's mean.
pub(crate) fn pareto_mean(tail: f64, max_ratio: f64) -> f64 {
    if (tail - 1.0).abs() < 1e-9 {
        return max_ratio.dln() / (1.0 - 1.0 / max_ratio);
    }
    tail / (tail - 1.0) * (1.0 - max_ratio.dpow(1.0 - tail)) / (1.0 - max_ratio.dpow(-tail))
}

/// Lognormal productivity with mean 1 from a standard normal draw `z`:
/// exp(productivity_sigma · z − productivity_sigma² / 2).
#[inline]
pub(crate) fn productivity(z: f64, sigma: f64) -> f32 {
    (sigma * z - sigma * sigma / 2.0).dexp() as f32
}

/// The slot an exit leaves for an entrant: the firm's target size relative to the mean of
/// its (city, sector) cell.
#[inline]
pub(crate) fn exit_slot(target: u32, cell_mean_size: f64) -> f64 {
    f64::from(target) / cell_mean_size
}

/// An entrant's target size in the cell it chose: the cell's mean times the relative
/// size it inherits from an exit's slot, or, for an entrant of the growth trend, its
/// Pareto `weight` over the mean weight; rounded, and at least one job.
#[inline]
pub(crate) fn entrant_target(
    cell_mean_size: f64,
    slot: Option<f64>,
    weight: f64,
    mean: f64,
) -> u32 {
    let relative = slot.unwrap_or(weight / mean);
    (cell_mean_size * relative).round().max(1.0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_branch_takes_its_share_and_leaves_the_parent_a_job() {
        assert_eq!(branch_size(100, 0.2), 20);
        assert_eq!(branch_size(2, 0.9), 1);
        assert_eq!(branch_size(3, 0.01), 1);
    }

    #[test]
    fn pareto_mean_matches_samples() {
        let n = 200_000;
        let mean: f64 = (0..n)
            .map(|i| pareto_weight((i as f64 + 0.5) / n as f64, 1.1, 2000.0))
            .sum::<f64>()
            / n as f64;
        let m = pareto_mean(1.1, 2000.0);
        assert!((mean / m - 1.0).abs() < 0.01, "{mean} vs {m}");
        assert_eq!(pareto_weight(0.0, 1.1, 2000.0), 1.0);
        assert!((pareto_weight(1.0, 1.1, 2000.0) - 2000.0).abs() < 1e-6);
    }

    #[test]
    fn productivity_has_mean_one() {
        let n = 100_000;
        let mean: f64 = (0..n)
            .map(|i| {
                let z = crate::rng::RunKey::new(5, 0)
                    .stream(0, i, crate::rng::Purpose::InitFirm)
                    .normal();
                f64::from(productivity(z, 0.3))
            })
            .sum::<f64>()
            / n as f64;
        assert!((mean - 1.0).abs() < 0.01, "{mean}");
    }

    /// A firm of 30 leaves a cell of mean 10; its entrant goes to a cell of mean 4 and is
    /// three times as large there.
    #[test]
    fn an_entrant_takes_the_relative_size_of_the_exit_it_replaces() {
        let slot = exit_slot(30, 10.0);
        assert_eq!(entrant_target(4.0, Some(slot), 99.0, 1.0), 12);
        assert_eq!(entrant_target(4.0, None, 3.0, 2.0), 6);
        assert_eq!(entrant_target(0.1, None, 1.0, 1.0), 1, "at least one job");
    }
}

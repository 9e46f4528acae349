//! Memory: an estimate of what a run will hold, checked against every limit on this
//! process before anything is allocated, so a too-large scale is refused with the limit
//! that binds and the largest scale that fits, instead of dying in a failed allocation.

mod estimate;
pub mod limits;

pub use estimate::{Estimate, FirmPath, Usage, estimate, estimate_bytes, firm_agents_at_start};
pub use limits::{Limit, Source};

use crate::error::{Error, Result};
use crate::scenario::Resolved;

/// The bytes this process may still take under its tightest limit; None where no limit
/// can be read.
pub fn available_bytes() -> Option<f64> {
    limits::limits()
        .into_iter()
        .map(|l| l.bytes)
        .min_by(f64::total_cmp)
}

/// Refuses `usage.runs` runs of `resolved` at once if their estimate exceeds what any
/// limit leaves.
pub fn check(resolved: &Resolved, usage: &Usage) -> Result<()> {
    refusal(&estimate(resolved, usage), &limits::limits(), usage.runs).map_or(Ok(()), Err)
}

/// The refusal of a run of estimate `e` under `limits`, naming the limit left shortest;
/// None when every limit leaves enough.
pub fn refusal(e: &Estimate, limits: &[Limit], runs: usize) -> Option<Error> {
    let (limit, needed) = limits
        .iter()
        .map(|l| (l, needed_under(e, l.source)))
        .min_by(|(a, na), (b, nb)| (a.bytes - na).total_cmp(&(b.bytes - nb)))?;
    if needed <= limit.bytes {
        return None;
    }
    let max_scale = limits
        .iter()
        .map(|l| largest_scale(e, l))
        .fold(f64::INFINITY, f64::min);
    Some(Error::Resources {
        scale: e.scale,
        runs,
        needed_bytes: needed,
        available_bytes: limit.bytes,
        limit: limit.source.describe(),
        max_scale,
    })
}

/// RLIMIT_AS counts address space, every other limit resident memory.
fn needed_under(e: &Estimate, source: Source) -> f64 {
    match source {
        Source::RlimitAs => e.address_space(),
        _ => e.resident(),
    }
}

/// The scale at which the estimate just meets `limit` (zero if not even the parts that
/// do not grow with the scale fit).
fn largest_scale(e: &Estimate, limit: &Limit) -> f64 {
    let (fixed, scaled) = match limit.source {
        Source::RlimitAs => (
            e.resident_fixed + e.virtual_fixed,
            e.resident_scaled + e.virtual_scaled,
        ),
        _ => (e.resident_fixed, e.resident_scaled),
    };
    if scaled <= 0.0 {
        return f64::INFINITY;
    }
    (e.scale * (limit.bytes - fixed) / scaled).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

    fn e() -> Estimate {
        Estimate {
            scale: 1.0,
            resident_fixed: 0.5 * GIB,
            resident_scaled: 2.0 * GIB,
            virtual_fixed: 1.0 * GIB,
            virtual_scaled: 0.5 * GIB,
        }
    }

    fn limit(source: Source, gib: f64) -> Limit {
        Limit {
            source,
            bytes: gib * GIB,
        }
    }

    #[test]
    fn a_run_within_every_limit_is_not_refused() {
        let ls = [
            limit(Source::MemAvailable, 3.0),
            limit(Source::RlimitAs, 4.5),
        ];
        assert!(refusal(&e(), &ls, 1).is_none());
        assert!(refusal(&e(), &[], 1).is_none());
    }

    #[test]
    fn the_limit_left_shortest_is_named_with_the_scale_that_fits_all() {
        // Resident 2.5 GiB, address space 4 GiB: RLIMIT_AS at 3.5 is short by 0.5,
        // the cgroup at 2.25 by 0.25.
        let ls = [
            limit(Source::MemAvailable, 20.0),
            limit(Source::CgroupV2, 2.25),
            limit(Source::RlimitAs, 3.5),
        ];
        let Some(Error::Resources {
            limit,
            needed_bytes,
            available_bytes,
            max_scale,
            ..
        }) = refusal(&e(), &ls, 1)
        else {
            panic!("refused")
        };
        assert_eq!(limit, Source::RlimitAs.describe());
        assert_eq!((needed_bytes, available_bytes), (4.0 * GIB, 3.5 * GIB));
        // cgroup: (2.25 - 0.5) / 2 = 0.875; RLIMIT_AS: (3.5 - 1.5) / 2.5 = 0.8.
        assert!((max_scale - 0.8).abs() < 1e-12, "{max_scale}");
    }

    #[test]
    fn the_message_names_the_limit_and_the_largest_scale() {
        let err = refusal(&e(), &[limit(Source::Slurm, 1.0)], 1).expect("refused");
        let msg = err.to_string();
        assert!(msg.contains("Slurm") && msg.contains("largest scale that fits is about 0.250"));
        assert!(err.is_input_error());
    }
}

//! The frame of the passes in which every person draws (jobs, natural change,
//! migration, dependents): coarse bytes of two-stage draws computed a block at a time,
//! and prefetching of the random firm each person reads; and the stochastic rounding
//! of expected counts. Mechanics only; no rule lives here.

use crate::rng::{Stream, StreamKey, coarse_draws};

/// Agents per block of coarse bytes computed together ([`coarse_draws`]): small enough
/// for them to stay in the L1 cache.
pub(crate) const BLOCK: usize = 2048;

/// Calls `f(at, bytes)` for each block of up to [`BLOCK`] of the `len` agents from `off`
/// on (a multiple of 8), `at` being the block's start relative to `off` and `bytes` its
/// agents' coarse bytes of two-stage draws ([`coarse_draws`]) of `key`.
#[inline]
pub(crate) fn with_coarse_draws(
    key: StreamKey,
    off: usize,
    len: usize,
    mut f: impl FnMut(usize, &[u8]),
) {
    let mut bytes = [0u8; BLOCK];
    for at in (0..len).step_by(BLOCK) {
        let bytes = &mut bytes[..BLOCK.min(len - at)];
        coarse_draws(key, (off + at) as u64, bytes);
        f(at, bytes);
    }
}

/// Asks the CPU to start loading `v[i]`: the jobs pass reads the outlook of a random
/// firm per person, and at scale 1 that table is larger than the cache.
#[inline(always)]
pub(crate) fn prefetch<T>(v: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(x) = v.get(i) {
        // SAFETY: prefetching is a hint; the pointer is to an element of `v`.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                (x as *const T).cast(),
            )
        };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (v, i);
}

/// `x` rounded down or up with one uniform draw from `st`, up with probability equal to
/// its fraction, so that its mean is `x` (entrants of a trend, births, arrivals).
pub(crate) fn stochastic_round(x: f64, st: &mut Stream) -> u64 {
    let fl = x.floor();
    fl as u64 + u64::from(st.uniform() < x - fl)
}

//! The frame of the passes in which every person draws (jobs, migration, dependents):
//! first draws computed a block at a time, and prefetching of the random firm each
//! person reads; and the stochastic rounding of expected counts. Mechanics only; no
//! rule lives here.

use crate::rng::{Stream, StreamKey};

/// Agents per block of first draws computed together ([`StreamKey::first_draws`]): small
/// enough for the draws to stay in the L1 cache.
const BLOCK: usize = 2048;

/// Calls `f(at, draws)` for each block of up to [`BLOCK`] of the `len` agents from `off`
/// on, `at` being the block's start relative to `off` and `draws` its agents' first
/// draws of `key`.
#[inline]
pub(crate) fn with_draws(key: StreamKey, off: usize, len: usize, mut f: impl FnMut(usize, &[u64])) {
    let mut draws = [0u64; BLOCK];
    for at in (0..len).step_by(BLOCK) {
        let draws = &mut draws[..BLOCK.min(len - at)];
        key.first_draws((off + at) as u64, draws);
        f(at, draws);
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

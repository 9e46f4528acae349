//! Finding the few persons whose coarse byte leaves a decision open, in the passes in
//! which every person draws (natural change, migration, dependants).
//!
//! Each such pass gives a coarse byte ([`crate::rng::coarse_draws`]) a limit that
//! depends only on the person's group (skill, and whether they hold a job) and city:
//! a person whose byte is not below it is settled without reading anything more. The
//! pass over every person is then the cost of the pass, and in scalar code it costs
//! several cycles a person (three columns read, a table looked up, a compaction).
//! Where the city codes fit a 16-entry shuffle table (the region has at most 16 cities,
//! and [`NOWHERE`] has its high bit set, which a byte shuffle maps to 0) and every limit
//! fits a byte, 16 persons are tested at once with SSSE3 byte shuffles; elsewhere a
//! scalar loop gives the same persons. Mechanics only; the limits come from the rules.

use crate::agents::{DEPENDENT, NO_FIRM, NOWHERE};

/// Groups: `skill * 2 + employed`, skills LOW, HIGH and DEPENDENT.
const GROUPS: usize = 6;

/// Coarse-byte limits by group and city code.
pub(crate) struct OpenLimits {
    /// `[group][city code]`, 0 for codes without a city.
    full: Box<[[u16; 256]; GROUPS]>,
    /// The same as bytes by the low four bits of the code, where that is exact.
    narrow: Option<[[u8; 16]; GROUPS]>,
}

impl OpenLimits {
    /// Limits `limit(skill, employed, city)` for the cities `0..n_cities`; 0 elsewhere.
    pub(crate) fn new(n_cities: usize, limit: impl Fn(u8, bool, u8) -> u16) -> OpenLimits {
        let mut full = Box::new([[0u16; 256]; GROUPS]);
        for (g, row) in full.iter_mut().enumerate() {
            let (skill, employed) = ((g / 2) as u8, g % 2 == 1);
            for (c, x) in row.iter_mut().enumerate().take(n_cities.min(256)) {
                *x = limit(skill, employed, c as u8);
            }
        }
        let fits = n_cities <= 16 && full.iter().flatten().all(|&x| x <= 255);
        let narrow = fits.then(|| {
            let mut t = [[0u8; 16]; GROUPS];
            for (row, full) in t.iter_mut().zip(full.iter()) {
                for (x, &y) in row.iter_mut().zip(full.iter()) {
                    *x = y as u8;
                }
            }
            t
        });
        OpenLimits { full, narrow }
    }

    #[inline]
    fn limit(&self, skill: u8, employer: u32, city: u8) -> u16 {
        let g = usize::from(skill) * 2 + usize::from(employer != NO_FIRM);
        self.full.get(g).map_or(0, |row| row[usize::from(city)])
    }

    /// Calls `f(i)`, in order, for each `i` with `bytes[i]` below the limit of person
    /// `i` of the columns (all of the same length as `bytes`).
    #[inline]
    pub(crate) fn for_each_open(
        &self,
        bytes: &[u8],
        skill: &[u8],
        employer: &[u32],
        city: &[u8],
        mut f: impl FnMut(usize),
    ) {
        let n = bytes.len();
        let (skill, employer, city) = (&skill[..n], &employer[..n], &city[..n]);
        for at in (0..n).step_by(64) {
            let end = n.min(at + 64);
            let mut mask = self.mask(
                &bytes[at..end],
                &skill[at..end],
                &employer[at..end],
                &city[at..end],
            );
            while mask != 0 {
                f(at + mask.trailing_zeros() as usize);
                mask &= mask - 1;
            }
        }
    }

    /// Bit `j` set where person `j` (of up to 64) is open.
    #[inline]
    fn mask(&self, bytes: &[u8], skill: &[u8], employer: &[u32], city: &[u8]) -> u64 {
        #[cfg(target_arch = "x86_64")]
        if let Some(t) = &self.narrow
            && bytes.len() == 64
            && std::arch::is_x86_feature_detected!("ssse3")
        {
            // SAFETY: the CPU has SSSE3; every slice holds 64 elements.
            return unsafe { simd::mask64(t, bytes, skill, employer, city) };
        }
        self.mask_scalar(bytes, skill, employer, city)
    }

    fn mask_scalar(&self, bytes: &[u8], skill: &[u8], employer: &[u32], city: &[u8]) -> u64 {
        let mut mask = 0;
        for (j, (((&b, &k), &e), &c)) in bytes.iter().zip(skill).zip(employer).zip(city).enumerate()
        {
            mask |= u64::from(u16::from(b) < self.limit(k, e, c)) << j;
        }
        mask
    }
}

#[cfg(target_arch = "x86_64")]
mod simd {
    use std::arch::x86_64::*;

    use super::GROUPS;

    /// [`super::OpenLimits::mask`] of 64 persons, 16 at a time.
    #[target_feature(enable = "ssse3")]
    pub(super) unsafe fn mask64(
        t: &[[u8; 16]; GROUPS],
        bytes: &[u8],
        skill: &[u8],
        employer: &[u32],
        city: &[u8],
    ) -> u64 {
        let mut mask = 0u64;
        for q in 0..4 {
            // SAFETY (all loads): the caller passes 64 elements; each load reads 16
            // bytes of them, unaligned.
            let load8 = |s: &[u8]| unsafe { _mm_loadu_si128(s.as_ptr().add(16 * q).cast()) };
            let load32 =
                |r: usize| unsafe { _mm_loadu_si128(employer.as_ptr().add(16 * q + 4 * r).cast()) };
            let (b, k, c) = (load8(bytes), load8(skill), load8(city));
            let none = _mm_set1_epi32(-1);
            let jobless = _mm_packs_epi16(
                _mm_packs_epi32(
                    _mm_cmpeq_epi32(load32(0), none),
                    _mm_cmpeq_epi32(load32(1), none),
                ),
                _mm_packs_epi32(
                    _mm_cmpeq_epi32(load32(2), none),
                    _mm_cmpeq_epi32(load32(3), none),
                ),
            );
            let mut limit = _mm_setzero_si128();
            for s in 0..3 {
                let is = _mm_cmpeq_epi8(k, _mm_set1_epi8(s as i8));
                // SAFETY: each table row is 16 bytes.
                let row = |g: usize| unsafe { _mm_loadu_si128(t[g].as_ptr().cast()) };
                let with_job = _mm_and_si128(
                    _mm_shuffle_epi8(row(2 * s + 1), c),
                    _mm_andnot_si128(jobless, is),
                );
                let without =
                    _mm_and_si128(_mm_shuffle_epi8(row(2 * s), c), _mm_and_si128(jobless, is));
                limit = _mm_or_si128(limit, _mm_or_si128(with_job, without));
            }
            // b < limit exactly where limit - b (saturating) is not 0.
            let settled = _mm_cmpeq_epi8(_mm_subs_epu8(limit, b), _mm_setzero_si128());
            let open = !(_mm_movemask_epi8(settled) as u32) & 0xFFFF;
            mask |= u64::from(open) << (16 * q);
        }
        mask
    }
}

/// Skill codes the groups cover (anything else, and none exists, is never open), and
/// the high bit of [`NOWHERE`], which a byte shuffle maps to 0.
const _: () = assert!(DEPENDENT == 2 && NOWHERE & 0x80 != 0);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, RunKey};

    #[test]
    fn the_vector_and_scalar_tests_open_the_same_persons() {
        let key = RunKey::new(11, 0).purpose_key(1, Purpose::InitPerson);
        let n = 64 * 200 + 37;
        let word = |i: usize| key.stream(i as u64).next_u64();
        let bytes: Vec<u8> = (0..n).map(|i| word(i) as u8).collect();
        let skill: Vec<u8> = (0..n).map(|i| (word(i) >> 8) as u8 % 3).collect();
        let city: Vec<u8> = (0..n)
            .map(|i| match (word(i) >> 16) as u8 % 16 {
                15 => NOWHERE,
                c => c,
            })
            .collect();
        let employer: Vec<u32> = (0..n)
            .map(|i| {
                if word(i) >> 40 & 1 == 0 {
                    NO_FIRM
                } else {
                    (word(i) >> 41) as u32
                }
            })
            .collect();
        let limits = OpenLimits::new(15, |k, e, c| {
            u16::from(k) * 40 + u16::from(e) * 17 + u16::from(c) * 3
        });
        assert!(limits.narrow.is_some());
        let mut got = Vec::new();
        limits.for_each_open(&bytes, &skill, &employer, &city, |i| got.push(i));
        let expected: Vec<usize> = (0..n)
            .filter(|&i| {
                let c = city[i];
                let l = if c == NOWHERE {
                    0
                } else {
                    u16::from(skill[i]) * 40
                        + u16::from(employer[i] != NO_FIRM) * 17
                        + u16::from(c) * 3
                };
                u16::from(bytes[i]) < l
            })
            .collect();
        assert_eq!(got, expected);
        assert!(expected.len() > n / 10, "the test opens enough persons");
        // Limits beyond a byte, or more than 16 cities, take the scalar path.
        assert!(OpenLimits::new(15, |_, _, _| 256).narrow.is_none());
        assert!(OpenLimits::new(17, |_, _, _| 1).narrow.is_none());
        let all = OpenLimits::new(15, |_, _, _| 256);
        let mut every = 0;
        all.for_each_open(&bytes, &skill, &employer, &city, |_| every += 1);
        assert_eq!(every, city.iter().filter(|&&c| c != NOWHERE).count());
    }
}

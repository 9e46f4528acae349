//! Counter-based random streams.
//!
//! Every draw is a pure function of (seed, replicate, step, agent, purpose), so results do
//! not depend on how work is split across threads, and two scenarios run with the same
//! seed give an agent the same draws wherever its state agrees (common random numbers).
//! The generator is a keyed SplitMix64, written out here because its keying is the
//! design (no crate offers it) and because the hot passes compute streams' first words in
//! SIMD lanes. A [`Stream`] implements rand_core's `RngCore`, and distributions come from
//! rand and rand_distr (their versions pinned by Cargo.lock and named in [`ALGORITHM`];
//! the golden test guards the bytes). Only the Bernoulli trial stays written out: some
//! passes draw it as an integer threshold on a stream's first word, which must agree
//! with [`Stream::bernoulli`] bit for bit, and the passes in which every person draws
//! but few are chosen draw it in two stages ([`two_stage`]): a coarse byte, eight agents
//! to a hash, and the agent's own stream only where the byte leaves the trial open.

use rand::Rng;
use rand_core::RngCore;
use rand_distr::{Distribution, Gumbel, StandardNormal};

/// Named in the manifest so a reader knows exactly how numbers were drawn.
pub const ALGORITHM: &str = "splitmix64-keyed-v3: run = mix(mix(seed + G) ^ replicate * G); \
purpose key = mix(mix(run ^ step * G) ^ purpose * C2); stream state = mix(purpose key ^ agent * C1); \
draws = splitmix64 from the state (mix = splitmix64 finaliser, G = 0x9E3779B97F4A7C15); \
uniform f64 = rand 0.9 StandardUniform (53 high bits); bernoulli(p) = uniform < p; \
two-stage draws (natural change, job changes, reconsidering migrants, dependants) = \
byte (agent mod 8) of the first draw of stream agent / 8 of a coarse purpose * 2^53 + \
(first draw of the agent's stream >> 11), a 61-bit integer; their bernoulli(p) = draw < ceil(p 2^61); \
integers below n = rand 0.9 random_range; normal = rand_distr 0.5 StandardNormal (ziggurat); \
Gumbel = rand_distr 0.5 Gumbel(0, 1)";

/// What a draw is for. Distinct purposes give independent streams for the same agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    InitFirm = 1,
    InitPerson = 2,
    FirmHazard = 3,
    FirmChoice = 4,
    FirmExit = 5,
    FirmEntry = 6,
    WorkerFollow = 7,
    Separation = 8,
    Hiring = 9,
    /// The decision to reconsider and the destination, one stream (11 is retired).
    Migration = 10,
    Rationing = 12,
    Dependents = 13,
    /// Which firm followers find housing in a city at its capacity.
    FollowerHousing = 14,
    /// A person's death, retirement or entry into the labour force, and its skill.
    Demography = 15,
    /// A city's births of the year (keyed by city) and each newborn's hukou (by row).
    Births = 16,
    /// Arrivals from outside the region, keyed by (skill, city).
    Arrivals = 17,
    /// The size weight of a firm agent at the start.
    FirmSize = 18,
    /// Whether a firm opens a branch this step, and where.
    Branch = 19,
    /// The coarse byte of a person's two-stage natural-change draw ([`two_stage`]),
    /// keyed by the person's id / 8; the fine part is the person's `Demography` stream.
    DemographyCoarse = 20,
    /// The coarse byte of a person's two-stage job-change draw, keyed by id / 8; the
    /// fine part is the person's `WorkerFollow` stream.
    WorkerFollowCoarse = 21,
    /// The coarse byte of a person's two-stage draw of whether to follow the movers
    /// as a dependent, keyed by id / 8; the fine part is the `Dependents` stream.
    DependentsCoarse = 22,
    /// The coarse byte of a person's two-stage draw of whether to reconsider where to
    /// live, keyed by id / 8; the fine part is the `Migration` stream.
    MigrationCoarse = 23,
    /// A calibration's particles: drawn from the prior, resampled and perturbed (keyed
    /// by generation and particle).
    Calibration = 24,
    /// The posterior particle a sweep's replicate runs with (keyed by the replicate
    /// alone, so every scenario of a replicate draws the same).
    PosteriorDraw = 25,
    /// A Morris design's trajectories (keyed by trajectory).
    SensitivityDesign = 26,
    /// Bootstrap resamples of a sensitivity analysis (keyed by resample).
    SensitivityBootstrap = 27,
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

#[inline]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed and replicate of a run; combined with step, agent and purpose for each stream.
#[derive(Clone, Copy, Debug)]
pub struct RunKey {
    base: u64,
}

impl RunKey {
    pub fn new(seed: u64, replicate: u32) -> Self {
        let base = mix(mix(seed.wrapping_add(GOLDEN)) ^ u64::from(replicate).wrapping_mul(GOLDEN));
        RunKey { base }
    }

    /// The key of every agent's stream for one purpose in one step: hoisted out of loops
    /// over agents, so each agent's stream then costs one mix.
    #[inline]
    pub fn purpose_key(&self, step: u32, purpose: Purpose) -> StreamKey {
        let k = mix(self.base ^ u64::from(step).wrapping_mul(GOLDEN));
        StreamKey(mix(k ^ (purpose as u64).wrapping_mul(0xA076_1D64_78BD_642F)))
    }

    /// The stream for one agent's decision of one purpose in one step.
    #[inline]
    pub fn stream(&self, step: u32, agent: u64, purpose: Purpose) -> Stream {
        self.purpose_key(step, purpose).stream(agent)
    }
}

/// Streams of one purpose in one step, by agent.
#[derive(Clone, Copy, Debug)]
pub struct StreamKey(u64);

impl StreamKey {
    #[inline]
    pub fn stream(&self, agent: u64) -> Stream {
        Stream {
            state: mix(self.0 ^ agent.wrapping_mul(0xD6E8_FEB8_6659_FD93)),
        }
    }

    /// The first draw of the streams of agents `first..first + out.len()`: the numbers
    /// `self.stream(a).next_u64()` gives, for a pass in which every agent draws. Integer
    /// arithmetic gives the same bits in SIMD lanes as in scalar code, so where the CPU
    /// has AVX-512 or AVX2 (checked at run time) they are used: hashing is most of the
    /// cost of such passes.
    pub fn first_draws(&self, first: u64, out: &mut [u64]) {
        #[cfg(target_arch = "x86_64")]
        {
            if has_avx512() {
                // SAFETY: the CPU has the features the function is compiled for.
                return unsafe { first_draws_avx512(self.0, first, out) };
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: as above.
                return unsafe { first_draws_avx2(self.0, first, out) };
            }
        }
        first_draws_any(self.0, first, out);
    }
}

/// The scalar definition itself, inlined into each variant for the compiler to vectorise.
#[inline(always)]
fn first_draws_body(key: u64, first: u64, out: &mut [u64]) {
    let key = StreamKey(key);
    for (i, o) in out.iter_mut().enumerate() {
        *o = key.stream(first.wrapping_add(i as u64)).next_u64();
    }
}

fn first_draws_any(key: u64, first: u64, out: &mut [u64]) {
    first_draws_body(key, first, out);
}

/// The features [`first_draws_avx512`] is compiled for (the check is cached by std).
#[cfg(target_arch = "x86_64")]
fn has_avx512() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512dq")
        && std::arch::is_x86_feature_detected!("avx512vl")
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl")]
fn first_draws_avx512(key: u64, first: u64, out: &mut [u64]) {
    first_draws_body(key, first, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn first_draws_avx2(key: u64, first: u64, out: &mut [u64]) {
    first_draws_body(key, first, out);
}

/// The coarse bytes of two-stage draws ([`two_stage`]) of agents `first..first +
/// out.len()`, `first` a multiple of 8: byte `a % 8` (little-endian) of the first draw
/// of stream `a / 8`. One hash serves eight agents, so a pass in which every agent
/// draws but few are chosen hashes an eighth as often.
pub fn coarse_draws(key: StreamKey, first: u64, out: &mut [u8]) {
    assert_eq!(first % 8, 0, "coarse draws start at a word boundary");
    let mut words = [0u64; 256];
    for (i, part) in out.chunks_mut(8 * words.len()).enumerate() {
        let words = &mut words[..part.len().div_ceil(8)];
        key.first_draws(first / 8 + (i * 256) as u64, words);
        for (bytes, w) in part.chunks_mut(8).zip(words.iter()) {
            bytes.copy_from_slice(&w.to_le_bytes()[..bytes.len()]);
        }
    }
}

/// A uniform integer below 2^61 drawn in two stages: its top 8 bits are the agent's
/// coarse byte ([`coarse_draws`]), the rest the top 53 bits of `fine`, the first word of
/// the agent's own stream. Compared with [`threshold61`], it is a Bernoulli trial whose
/// fine part is only drawn where the coarse byte leaves the outcome open
/// ([`coarse_limit`]).
#[inline]
pub fn two_stage(coarse: u8, fine: u64) -> u64 {
    (u64::from(coarse) << 53) | (fine >> 11)
}

/// Whether the [`two_stage`] draw of coarse byte `coarse` and fine word `fine()` is
/// below `threshold`, calling `fine` only where the byte leaves it open: for the one
/// byte whose range holds the threshold. For a probability of 5%, one agent in 256
/// hashes their own stream instead of one in twenty.
#[inline]
pub fn two_stage_below(coarse: u8, threshold: u64, fine: impl FnOnce() -> u64) -> bool {
    let low = u64::from(coarse) << 53;
    if low + (1 << 53) <= threshold {
        true
    } else if low >= threshold {
        false
    } else {
        two_stage(coarse, fine()) < threshold
    }
}

/// The threshold a [`two_stage`] draw is below with probability `p` (0 for NaN or
/// p <= 0; every draw for p >= 1).
pub fn threshold61(p: f64) -> u64 {
    if p.is_nan() || p <= 0.0 {
        return 0;
    }
    (p.min(1.0) * (1u64 << 61) as f64).ceil() as u64
}

/// The coarse bytes below which a [`two_stage`] draw can be below `threshold` (all
/// others are above it whatever the fine part): ceil(threshold / 2^53), at most 256.
#[inline]
pub fn coarse_limit(threshold: u64) -> u16 {
    threshold.div_ceil(1 << 53).min(256) as u16
}

/// A [`two_stage`] draw as a uniform number in [0, 1): its top 53 bits.
#[inline]
pub fn two_stage_uniform(draw: u64) -> f64 {
    (draw >> 8) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A draw as a uniform number in [0, 1) with 53 bits: [`Stream::uniform`] of one draw.
#[inline]
pub fn to_uniform(draw: u64) -> f64 {
    (draw >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A short sequence of draws (SplitMix64).
#[derive(Clone, Debug)]
pub struct Stream {
    state: u64,
}

impl Stream {
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix(self.state)
    }

    /// Uniform in [0, 1) with 53 bits (rand's `StandardUniform`; [`to_uniform`] of
    /// the next word).
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        self.random()
    }

    /// True with probability `p` (below 0 never, above 1 always). Written out rather
    /// than rand's `Bernoulli`, which compares a 64-bit integer: the hot passes draw this
    /// trial as [`bernoulli_threshold`] on the stream's first word and must agree.
    #[inline]
    pub fn bernoulli(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// Standard Gumbel: the taste shock that turns argmax into a multinomial logit draw.
    #[inline]
    pub fn gumbel(&mut self) -> f64 {
        Gumbel::new(0.0, 1.0)
            .expect("scale 1 is positive")
            .sample(self)
    }

    /// Standard normal.
    #[inline]
    pub fn normal(&mut self) -> f64 {
        self.sample(StandardNormal)
    }

    /// Uniform integer in [0, n); 0 for n = 0.
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        self.random_range(0..n)
    }
}

/// The stream as a generator for rand's and rand_distr's distributions.
impl RngCore for Stream {
    #[inline]
    fn next_u32(&mut self) -> u32 {
        (Stream::next_u64(self) >> 32) as u32
    }

    #[inline]
    fn next_u64(&mut self) -> u64 {
        Stream::next_u64(self)
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        rand_core::impls::fill_bytes_via_next(self, dst)
    }
}

/// The same trial as [`Stream::bernoulli`] on the stream word `draw`, with
/// `threshold = bernoulli_threshold(p)`, in integers: for a probability that is stored
/// per firm and read per worker.
#[inline]
pub fn draw_below(draw: u64, threshold: u64) -> bool {
    (draw >> 11) < threshold
}

/// `uniform() < p` is `k * 2^-53 < p` for the integer `k = next_u64() >> 11`, and the
/// product is exact, so it holds exactly when `k < ceil(p * 2^53)`. Probabilities above
/// 1 are capped at 2 so every threshold fits below 2^55 (callers keep the top bits as
/// markers); NaN gives 0, like a comparison with NaN.
pub fn bernoulli_threshold(p: f64) -> u64 {
    if p.is_nan() || p <= 0.0 {
        return 0;
    }
    (p.min(2.0) * (1u64 << 53) as f64).ceil() as u64
}

/// Draws an index from unnormalised weights; the last positive weight absorbs rounding.
pub fn choose_weighted(weights: &[f64], u: f64) -> usize {
    let total: f64 = weights.iter().sum();
    let mut target = u * total;
    let mut last = 0;
    for (i, &w) in weights.iter().enumerate() {
        if w > 0.0 {
            last = i;
            if target < w {
                return i;
            }
            target -= w;
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_pure_functions_of_their_key() {
        let k = RunKey::new(7, 0);
        let a: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(k.stream(3, 99, Purpose::FirmChoice), |s, _| {
                Some(s.next_u64())
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(k.stream(3, 99, Purpose::FirmChoice), |s, _| {
                Some(s.next_u64())
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(
            k.stream(3, 99, Purpose::FirmChoice).next_u64(),
            k.stream(3, 99, Purpose::FirmHazard).next_u64()
        );
        assert_ne!(
            k.stream(3, 99, Purpose::FirmChoice).next_u64(),
            k.stream(4, 99, Purpose::FirmChoice).next_u64()
        );
        assert_ne!(
            RunKey::new(7, 1)
                .stream(3, 99, Purpose::FirmChoice)
                .next_u64(),
            k.stream(3, 99, Purpose::FirmChoice).next_u64()
        );
    }

    #[test]
    fn uniform_mean_and_gumbel_mean_are_right() {
        let k = RunKey::new(1, 0);
        let n = 200_000;
        let (mut su, mut sg) = (0.0, 0.0);
        for i in 0..n {
            let mut s = k.stream(0, i, Purpose::Migration);
            su += s.uniform();
            sg += s.gumbel();
        }
        assert!((su / n as f64 - 0.5).abs() < 0.005);
        // Euler-Mascheroni constant
        assert!((sg / n as f64 - 0.5772).abs() < 0.01);
    }

    #[test]
    fn integer_bernoulli_draws_as_the_float_one() {
        let k = RunKey::new(3, 0).purpose_key(1, Purpose::Separation);
        let edges = [
            0.0,
            1e-300,
            0.05,
            0.3,
            1.0 / 3.0,
            0.5,
            0.999_999,
            1.0,
            1.5,
            7.0,
        ];
        for i in 0..200_000u64 {
            let p = if i < 10 {
                edges[i as usize]
            } else {
                k.stream(i).uniform()
            };
            let t = bernoulli_threshold(p);
            for agent in [i, i + 1_000_000] {
                assert_eq!(
                    k.stream(agent).bernoulli(p),
                    draw_below(k.stream(agent).next_u64(), t),
                    "p = {p}, agent {agent}"
                );
            }
        }
        // The boundary itself: k = ceil(p 2^53) - 1 draws true, k = ceil(p 2^53) false.
        let p = 0.3;
        let t = bernoulli_threshold(p);
        assert!(((t - 1) as f64) / ((1u64 << 53) as f64) < p);
        assert!((t as f64) / ((1u64 << 53) as f64) >= p);
        assert_eq!(bernoulli_threshold(f64::NAN), 0);
    }

    #[test]
    fn first_draws_are_the_streams_first_numbers() {
        let k = RunKey::new(9, 2).purpose_key(4, Purpose::Migration);
        // An odd length and offset exercise the SIMD loops' remainders.
        let mut out = vec![0; 1003];
        k.first_draws(70_001, &mut out);
        let mut any = vec![0; 1003];
        first_draws_any(k.0, 70_001, &mut any);
        // Each SIMD variant this CPU has, whichever one `first_draws` picked.
        let mut avx2 = any.clone();
        let mut avx512 = any.clone();
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY (both): called only where the CPU has the features.
            if std::arch::is_x86_feature_detected!("avx2") {
                unsafe { first_draws_avx2(k.0, 70_001, &mut avx2) };
            }
            if has_avx512() {
                unsafe { first_draws_avx512(k.0, 70_001, &mut avx512) };
            }
        }
        for i in 0..out.len() {
            let expected = k.stream(70_001 + i as u64).next_u64();
            let got = (out[i], any[i], avx2[i], avx512[i]);
            assert_eq!(
                got,
                (expected, expected, expected, expected),
                "agent {}",
                70_001 + i
            );
        }
    }

    #[test]
    fn coarse_bytes_are_the_bytes_of_every_eighth_stream() {
        let k = RunKey::new(4, 0).purpose_key(6, Purpose::DemographyCoarse);
        // Longer than the word buffer, and a length that is not a multiple of 8.
        let mut out = vec![0u8; 8 * 300 + 5];
        coarse_draws(k, 8 * 1000, &mut out);
        for (i, &b) in out.iter().enumerate() {
            let word = k.stream(1000 + (i / 8) as u64).next_u64();
            assert_eq!(b, word.to_le_bytes()[i % 8], "agent {}", 8000 + i);
        }
    }

    #[test]
    fn two_stage_draws_are_uniform_trials_and_the_coarse_limit_is_tight() {
        let (coarse, fine) = (
            RunKey::new(8, 1).purpose_key(3, Purpose::DemographyCoarse),
            RunKey::new(8, 1).purpose_key(3, Purpose::Demography),
        );
        let n = 400_000u64;
        let mut bytes = vec![0u8; n as usize];
        coarse_draws(coarse, 0, &mut bytes);
        for p in [0.0, 0.004, 0.031, 0.25, 0.7, 1.0] {
            let t = threshold61(p);
            let limit = coarse_limit(t);
            let mut hits = 0u64;
            for (a, &b) in bytes.iter().enumerate() {
                let word = fine.stream(a as u64).next_u64();
                let below = two_stage(b, word) < t;
                let mut drawn = false;
                let lazily = two_stage_below(b, t, || {
                    drawn = true;
                    word
                });
                assert_eq!(lazily, below, "p = {p}, agent {a}");
                // Only the byte that holds the threshold needs the fine word.
                assert_eq!(drawn, u64::from(b) == t >> 53 && !t.is_multiple_of(1 << 53));
                // The coarse byte alone settles every draw at or above the limit.
                assert!(!below || u16::from(b) < limit, "p = {p}, agent {a}");
                hits += u64::from(below);
            }
            let sd = (n as f64 * p * (1.0 - p)).sqrt();
            assert!(
                (hits as f64 - n as f64 * p).abs() <= 5.0 * sd + 1e-9,
                "p = {p}: {hits}"
            );
        }
        // Edges: the limit admits exactly the bytes that can fall below.
        assert_eq!(coarse_limit(threshold61(1.0 / 256.0)), 1);
        assert_eq!(coarse_limit(threshold61(1.0 / 256.0) + 1), 2);
        assert_eq!(coarse_limit(threshold61(1.0)), 256);
        assert_eq!(threshold61(f64::NAN), 0);
        assert_eq!(two_stage(255, u64::MAX), (1u64 << 61) - 1);
    }

    #[test]
    fn uniform_is_the_first_word_as_the_simd_passes_read_it() {
        let k = RunKey::new(5, 1).purpose_key(2, Purpose::Hiring);
        for agent in 0..10_000 {
            let word = k.stream(agent).next_u64();
            assert_eq!(k.stream(agent).uniform(), to_uniform(word));
        }
    }

    #[test]
    fn normal_and_integer_draws_have_their_distribution() {
        let k = RunKey::new(2, 0);
        let n = 200_000;
        let (mut m1, mut m2) = (0.0, 0.0);
        let mut counts = [0u32; 30];
        for i in 0..n {
            let mut s = k.stream(0, i, Purpose::InitFirm);
            let z = s.normal();
            m1 += z;
            m2 += z * z;
            counts[s.below(30) as usize] += 1;
        }
        let (mean, var) = (m1 / n as f64, m2 / n as f64 - (m1 / n as f64).powi(2));
        assert!(
            mean.abs() < 0.01 && (var - 1.0).abs() < 0.01,
            "{mean} {var}"
        );
        let expected = n as f64 / 30.0;
        assert!(
            counts
                .iter()
                .all(|&c| (f64::from(c) - expected).abs() < 0.05 * expected)
        );
        assert_eq!(k.stream(0, 1, Purpose::InitFirm).below(0), 0);
    }

    #[test]
    fn choose_weighted_respects_zero_weights() {
        assert_eq!(choose_weighted(&[0.0, 1.0, 0.0], 0.99), 1);
        assert_eq!(choose_weighted(&[1.0, 1.0], 0.75), 1);
        assert_eq!(choose_weighted(&[1.0, 1.0], 0.25), 0);
    }
}

//! The sensitivity estimators against functions whose indices are known analytically:
//! the Ishigami function and Sobol's G function for Sobol indices, a linear function and
//! a function that ignores a parameter for Morris. Tolerances and N are stated with each
//! test; the designs and bootstrap intervals are reproducible from their seeds.

use relocsim::math::Det;
use relocsim::sensitivity::{Range, morris, sobol};

const PI: f64 = std::f64::consts::PI;

/// Ishigami (a = 7, b = 0.1) on [-π, π]^3.
fn ishigami(x: &[f64]) -> f64 {
    let v: Vec<f64> = x
        .iter()
        .map(|&u| Range { min: -PI, max: PI }.at(u))
        .collect();
    v[0].dsin() + 7.0 * v[1].dsin().powi(2) + 0.1 * v[2].powi(4) * v[0].dsin()
}

/// Sobol's G function on [0, 1]^k.
fn g_function(x: &[f64], a: &[f64]) -> f64 {
    x.iter()
        .zip(a)
        .map(|(&u, &ai)| ((4.0 * u - 2.0).abs() + ai) / (1.0 + ai))
        .product()
}

fn run(d: &[Vec<f64>], f: impl Fn(&[f64]) -> f64) -> Vec<f64> {
    d.iter().map(|x| f(x)).collect()
}

/// Analytic Ishigami indices (a = 7, b = 0.1): S1 = (0.3139, 0.4424, 0),
/// ST = (0.5576, 0.4424, 0.2437). At N = 2^14 (81,920 evaluations) every estimate lies
/// within 0.02 of them and every 95% interval covers the truth or lies within 0.01 of it.
#[test]
fn sobol_indices_of_the_ishigami_function() {
    let (n, k) = (1 << 14, 3);
    let d = sobol::design(n, k).unwrap();
    let y = run(&d.points, ishigami);
    let got = sobol::analyze(n, k, &y, 7, 200);
    let s1 = [0.3139, 0.4424, 0.0];
    let st = [0.5576, 0.4424, 0.2437];
    for i in 0..k {
        for (what, est, truth) in [("S1", got[i].first, s1[i]), ("ST", got[i].total, st[i])] {
            assert!(
                (est.value - truth).abs() < 0.02,
                "x{}: {what} {} against {truth}",
                i + 1,
                est.value
            );
            assert!(
                est.lower - 0.01 <= truth && truth <= est.upper + 0.01,
                "x{}: {what} interval [{}, {}] against {truth}",
                i + 1,
                est.lower,
                est.upper
            );
        }
    }
}

/// Sobol's G function with a = (0, 1, 4.5, 9, 99, 99, 99, 99): V_i = 1 / (3 (1 + a_i)^2),
/// S1_i = V_i / V and ST_i = V_i Π_{j≠i} (1 + V_j) / V, V = Π (1 + V_i) - 1. At N = 2^13
/// (81,920 evaluations) every estimate lies within 0.03 of them.
#[test]
fn sobol_indices_of_the_g_function() {
    let a = [0.0, 1.0, 4.5, 9.0, 99.0, 99.0, 99.0, 99.0];
    let k = a.len();
    let vi: Vec<f64> = a
        .iter()
        .map(|ai| 1.0 / (3.0 * (1.0 + ai) * (1.0 + ai)))
        .collect();
    let v = vi.iter().map(|x| 1.0 + x).product::<f64>() - 1.0;
    let n = 1 << 13;
    let d = sobol::design(n, k).unwrap();
    let y = run(&d.points, |x| g_function(x, &a));
    let got = sobol::analyze(n, k, &y, 7, 100);
    for i in 0..k {
        let others: f64 = (0..k).filter(|&j| j != i).map(|j| 1.0 + vi[j]).product();
        let (s1, st) = (vi[i] / v, vi[i] * others / v);
        assert!(
            (got[i].first.value - s1).abs() < 0.03,
            "x{}: S1 {} against {s1}",
            i + 1,
            got[i].first.value
        );
        assert!(
            (got[i].total.value - st).abs() < 0.03,
            "x{}: ST {} against {st}",
            i + 1,
            got[i].total.value
        );
    }
    // The ranking a study reads: x1 first, the four with a = 99 last.
    assert!(got[0].total.value > got[1].total.value);
    assert!(got[1].total.value > got[2].total.value);
    assert!((4..k).all(|i| got[i].total.value < 0.01));
}

/// The same seed gives the same intervals, bit for bit; another seed other intervals.
#[test]
fn bootstrap_intervals_are_reproducible_from_their_seed() {
    let (n, k) = (256, 3);
    let d = sobol::design(n, k).unwrap();
    let y = run(&d.points, ishigami);
    let bits = |seed: u64| -> Vec<u64> {
        sobol::analyze(n, k, &y, seed, 50)
            .iter()
            .flat_map(|x| [x.first.lower, x.first.upper, x.total.lower, x.total.upper])
            .map(f64::to_bits)
            .collect()
    };
    assert_eq!(bits(1), bits(1));
    assert_ne!(bits(1), bits(2));
    assert_eq!(sobol::design(n, k), sobol::design(n, k));
}

/// For a linear function every elementary effect is its coefficient: μ = μ* = c_i (up to
/// the sign of c_i for μ*), σ = 0; a parameter the function ignores has μ* = 0.
#[test]
fn morris_effects_of_a_linear_function_are_its_coefficients() {
    let c = [3.0, -2.0, 0.5, 0.0];
    let d = morris::design(20, c.len(), 4, 11).unwrap();
    let y = run(&d.points, |x| x.iter().zip(&c).map(|(u, ci)| u * ci).sum());
    let got = morris::analyze(&d, &y, 11, 100);
    for (i, ci) in c.iter().enumerate() {
        assert!((got[i].mu - ci).abs() < 1e-9, "x{}: μ {}", i + 1, got[i].mu);
        assert!((got[i].mu_star.value - ci.abs()).abs() < 1e-9);
        assert!(got[i].sigma < 1e-9, "x{}: σ {}", i + 1, got[i].sigma);
    }
}

/// Screening the Ishigami function (r = 50, p = 4): x3 acts only with x1, so its σ is of
/// the order of its μ*, and x1 and x2 matter more than x3 does.
#[test]
fn morris_screens_the_ishigami_function() {
    let d = morris::design(50, 3, 4, 5).unwrap();
    let y = run(&d.points, ishigami);
    let got = morris::analyze(&d, &y, 5, 100);
    assert!(got[0].mu_star.value > got[2].mu_star.value);
    assert!(got[1].mu_star.value > got[2].mu_star.value);
    assert!(got[2].sigma > 0.5 * got[2].mu_star.value);
    // x2 enters through sin², even about 0: its mean effect is near 0, its μ* is not.
    assert!(got[1].mu.abs() < 0.5 * got[1].mu_star.value);
    for e in &got {
        assert!(e.mu_star.lower <= e.mu_star.value && e.mu_star.value <= e.mu_star.upper);
    }
}

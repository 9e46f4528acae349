//! Multinomial-logit choice, the form of every location choice in the model (firms that
//! move or enter, migrants): an agent takes the alternative of highest utility plus an
//! independent standard Gumbel shock, so alternative d is chosen with probability
//! exp(v_d) / Σ_k exp(v_k).

use crate::math::Det;

/// The logit choice probabilities P(d) = exp(v_d) / Σ_k exp(v_k) of utilities `v`, into
/// `out`; utilities are shifted by their maximum first, so large ones cannot overflow.
pub(crate) fn softmax_into(v: &[f64], out: &mut [f64]) {
    let mx = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for (o, x) in out.iter_mut().zip(v) {
        *o = (x - mx).dexp();
        sum += *o;
    }
    out.iter_mut().for_each(|o| *o /= sum);
}

/// One logit draw: argmax over the allowed alternatives d < n of `utility(d) + ε_d`, with
/// ε_d from `shock` (standard Gumbel). A shock is drawn for every alternative, allowed
/// or not, so what one alternative draws does not depend on which others are allowed.
/// None when nothing is allowed.
#[inline]
pub(crate) fn gumbel_argmax(
    n: usize,
    utility: impl Fn(usize) -> f64,
    allowed: impl Fn(usize) -> bool,
    mut shock: impl FnMut() -> f64,
) -> Option<usize> {
    let mut best = None;
    let mut best_v = f64::NEG_INFINITY;
    for d in 0..n {
        let g = shock();
        if !allowed(d) {
            continue;
        }
        let v = utility(d) + g;
        if v > best_v {
            best_v = v;
            best = Some(d);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rules::tiny::{CAPITAL, INLAND, PORT};
    use crate::rng::{Purpose, RunKey};

    #[test]
    fn probabilities_follow_utility_differences_and_survive_huge_utilities() {
        let mut p = [0.0; 3];
        softmax_into(&[0.0, 2.0_f64.dln(), f64::NEG_INFINITY], &mut p);
        assert!((p[0] - 1.0 / 3.0).abs() < 1e-12 && (p[1] - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(p[2], 0.0);
        softmax_into(&[1000.0, 1000.0, 0.0], &mut p);
        assert!((p[0] - 0.5).abs() < 1e-12);
    }

    /// Over three cities the Gumbel draw picks each with its logit probability, and never
    /// one that is not allowed.
    #[test]
    fn gumbel_draws_match_the_logit_probabilities() {
        let v = [0.5, 0.0, -1.0];
        let mut want = [0.0; 3];
        softmax_into(&v, &mut want);
        let key = RunKey::new(1, 0);
        let mut count = [0u32; 3];
        let draws = 60_000;
        for i in 0..draws {
            let mut st = key.stream(0, i, Purpose::FirmChoice);
            let d = gumbel_argmax(3, |d| v[d], |_| true, || st.gumbel()).unwrap();
            count[d] += 1;
        }
        for d in [CAPITAL, PORT, INLAND] {
            let got = f64::from(count[d]) / draws as f64;
            assert!(
                (got - want[d]).abs() < 0.01,
                "city {d}: {got} vs {}",
                want[d]
            );
        }
        let mut st = key.stream(0, 0, Purpose::FirmChoice);
        let only = gumbel_argmax(3, |d| v[d], |d| d == INLAND, || st.gumbel());
        assert_eq!(only, Some(INLAND));
        assert_eq!(gumbel_argmax(3, |d| v[d], |_| false, || 0.0), None);
    }
}

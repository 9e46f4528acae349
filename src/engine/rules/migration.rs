//! Migration: who reconsiders where to live, and where they go. A resident who
//! reconsiders chooses among all cities (staying included) by logit on
//!
//! ```text
//! U(d | c, h) = asc_k,d + place_value_k(d) − move_cost(c → d, h)
//! ```
//!
//! for skill k, origin c and hukou h; the constants come from calibration.

use crate::math::Det;
use crate::scenario::Behaviour;

/// The yearly probability that a resident of the labour force reconsiders where to live:
/// migration_rate if employed, job_seeker_migration_rate if not, times the
/// migration_rate_multiplier (a lever) of the city of residence.
#[inline]
pub(crate) fn reconsider_probability(b: &Behaviour, employed: bool, multiplier: f64) -> f64 {
    let base = if employed {
        b.migration_rate
    } else {
        b.job_seeker_migration_rate
    };
    base * multiplier
}

/// What living in a city is worth to a resident of one skill, before the constant:
///
/// ```text
/// beta_income · ln(wage_k · max(1 − unemployment, 0.001))
///   + beta_public_services · ln(services) − beta_housing · ln(housing) + amenity
/// ```
///
/// with the expected wage discounted by the chance of finding work, and amenity a lever.
#[inline]
pub(crate) fn place_value(
    b: &Behaviour,
    wage: f64,
    unemployment: f64,
    services: f64,
    housing: f64,
    amenity: f64,
) -> f64 {
    let employment_chance = (1.0 - unemployment).max(1e-3);
    b.beta_income * (wage * employment_chance).dln() + b.beta_public_services * services.dln()
        - b.beta_housing * housing.dln()
        + amenity
}

/// Utility a migrant gives up to move `km` into a city, with or without its hukou:
///
/// ```text
/// distance_income_ratio · beta_income · ln(1 + km / 10) · migration_cost_scale
///   + hukou_barrier · hukou_barrier_scale      (only without the destination's hukou)
/// ```
///
/// The distance term is 0 for staying (km = 0); the scales are the destination's levers.
#[inline]
pub(crate) fn move_cost(
    b: &Behaviour,
    km: f64,
    cost_scale: f64,
    without_hukou: bool,
    barrier_scale: f64,
) -> f64 {
    let distance = if km == 0.0 {
        0.0
    } else {
        b.distance_income_ratio * b.beta_income * (1.0 + km / 10.0).dln() * cost_scale
    };
    let barrier = if without_hukou {
        b.hukou_barrier * barrier_scale
    } else {
        0.0
    };
    distance + barrier
}

/// A resident's hukou after moving to `destination`: the destination's where a policy
/// grants hukou to movers there (the hukou_grant lever), else unchanged. Firm followers
/// and migrants alike.
#[inline]
pub(crate) fn hukou_after_move(hukou: u8, destination: u8, granted: bool) -> u8 {
    if granted { destination } else { hukou }
}

/// The utility of a destination: asc + place value − move cost (see the module).
#[inline]
pub(crate) fn destination_utility(asc: f64, place_value: f64, move_cost: f64) -> f64 {
    asc + place_value - move_cost
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rules::logit::softmax_into;
    use crate::engine::rules::tiny::{self, CAPITAL, INLAND, PORT};

    #[test]
    fn job_seekers_reconsider_more_and_levers_scale_both() {
        let b = Behaviour::default();
        assert_eq!(reconsider_probability(&b, true, 1.0), b.migration_rate);
        assert_eq!(
            reconsider_probability(&b, false, 2.0),
            2.0 * b.job_seeker_migration_rate
        );
    }

    #[test]
    fn movers_receive_the_hukou_only_where_it_is_granted() {
        let (port, inland) = (PORT as u8, INLAND as u8);
        assert_eq!(hukou_after_move(inland, port, true), port);
        assert_eq!(hukou_after_move(inland, port, false), inland);
        assert_eq!(hukou_after_move(crate::agents::OUTSIDE, port, true), port);
    }

    #[test]
    fn income_services_and_cheap_housing_attract() {
        let b = Behaviour::default();
        let v = |wage, unemployment, services, housing| {
            place_value(&b, wage, unemployment, services, housing, 0.0)
        };
        let base = v(100.0, 0.05, 1.0, 1.0);
        assert!(v(200.0, 0.05, 1.0, 1.0) > base && v(100.0, 0.05, 2.0, 1.0) > base);
        assert!(v(100.0, 0.05, 1.0, 2.0) < base && v(100.0, 0.5, 1.0, 1.0) < base);
        // Full unemployment is floored, not a log of zero.
        assert!(v(100.0, 1.0, 1.0, 1.0).is_finite());
        assert_eq!(place_value(&b, 100.0, 0.05, 1.0, 1.0, 0.3), base + 0.3);
    }

    /// From the capital, the nearer port beats the farther inland city when both are worth
    /// the same, and a hukou of the port pulls harder still.
    #[test]
    fn distance_and_the_hukou_barrier_keep_migrants_near_and_registered() {
        let (r, b) = (tiny::region(), Behaviour::default());
        let cost = |d: usize, without| move_cost(&b, r.distance(CAPITAL, d), 1.0, without, 1.0);
        assert_eq!(cost(CAPITAL, false), 0.0);
        assert_eq!(cost(CAPITAL, true), b.hukou_barrier);
        assert!(0.0 < cost(PORT, false) && cost(PORT, false) < cost(INLAND, false));
        let choose = |hukou: usize| {
            let mut p = [0.0; 3];
            let v: Vec<f64> = [CAPITAL, PORT, INLAND]
                .map(|d| destination_utility(0.0, 0.0, cost(d, d != hukou)))
                .to_vec();
            softmax_into(&v, &mut p);
            p
        };
        let outsider = choose(usize::MAX);
        assert!(outsider[CAPITAL] > outsider[PORT] && outsider[PORT] > outsider[INLAND]);
        assert!(choose(PORT)[PORT] > outsider[PORT]);
        assert_eq!(
            move_cost(&b, 50.0, 0.0, false, 1.0),
            0.0,
            "a lever can waive it"
        );
    }
}

//! Relocation and exit: the yearly chance that a firm considers a move, why it does
//! (the market, a policy push, its government leading it), what happens when a pushed
//! firm finds nowhere better or its origin resists, and the chance that it closes.

use crate::math::Det;
use crate::scenario::Behaviour;

/// How the relocation hazard scales with size: (max(target, 1) / sector_mean_size) ^
/// size_hazard_elasticity, with target the employees the firm wants and the mean over
/// the sector's firms at the start.
#[inline]
pub(crate) fn size_factor(b: &Behaviour, target: u32, sector_mean_size: f64) -> f64 {
    let size = f64::from(target.max(1)) / sector_mean_size;
    size.dpow(b.size_hazard_elasticity)
}

/// How the relocation hazard scales with age: (1 + age in years) ^ age_hazard_elasticity.
#[inline]
pub(crate) fn age_factor(b: &Behaviour, age: u16) -> f64 {
    (1.0 + f64::from(age)).dpow(b.age_hazard_elasticity)
}

/// The yearly probability that a firm considers a move, before policy pushes:
///
/// ```text
/// h0 = min(1, relocation_hazard_s · size_factor · age_factor
///             · (1 + cost_pressure · max(0, housing / housing_at_start − 1)))
/// ```
///
/// with relocation_hazard_s the sector's base hazard from the region file and housing
/// the cost index of the firm's city (its value in the region file at the start).
#[inline]
pub(crate) fn relocation_hazard(
    b: &Behaviour,
    sector_hazard: f64,
    size_factor: f64,
    age_factor: f64,
    housing: f64,
    housing_at_start: f64,
) -> f64 {
    let pressure = (housing / housing_at_start - 1.0).max(0.0);
    let h = sector_hazard * size_factor * age_factor * (1.0 + b.cost_pressure * pressure);
    h.min(1.0)
}

/// Why a firm considers a move this year, if it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Consideration {
    Stays,
    /// The market hazard alone.
    Market,
    /// A policy's push (hazard_multiplier above 1 where the firm is).
    Pushed,
    /// Its government leads it to move (directed_hazard where the firm is).
    Directed,
}

/// What a uniform draw `u` makes of a firm with market hazard `h0`: with
/// h = min(1, h0 · hazard_multiplier) and dh = directed_hazard,
///
/// ```text
/// u < h0                    Market
/// h0 ≤ u < h                Pushed
/// h ≤ u < h + dh · (1 − h)  Directed   (only if a tax-sharing rule covers the firm)
/// otherwise                 Stays
/// ```
#[inline]
pub(crate) fn consideration(
    u: f64,
    h0: f64,
    hazard_multiplier: f64,
    directed_hazard: f64,
) -> Consideration {
    let h = (h0 * hazard_multiplier).min(1.0);
    if u < h0 {
        Consideration::Market
    } else if u < h {
        Consideration::Pushed
    } else if u < h + directed_hazard * (1.0 - h) {
        Consideration::Directed
    } else {
        Consideration::Stays
    }
}

/// The chance that a firm that considered a move and found no better place closes
/// instead: close_share where a policy pushed it (a lever), 0 after a market move.
#[inline]
pub(crate) fn closing_probability(pushed: bool, close_share: f64) -> f64 {
    if pushed { close_share } else { 0.0 }
}

/// The chance that the origin government blocks a move it leads (it loses the tax):
/// origin_resistance · resistance_multiplier of the origin (interest compensation
/// lowers it); 0 for a move the firm chose itself.
#[inline]
pub(crate) fn blocking_probability(
    b: &Behaviour,
    directed: bool,
    resistance_multiplier: f64,
) -> f64 {
    if directed {
        b.origin_resistance * resistance_multiplier
    } else {
        0.0
    }
}

/// The yearly probability that a firm closes: min(1, exit_rate_s · productivity ^
/// exit_productivity_elasticity), with productivity the firm's times any policy change
/// where it is.
#[inline]
pub(crate) fn exit_probability(b: &Behaviour, exit_rate: f64, productivity: f64) -> f64 {
    (exit_rate * productivity.dpow(b.exit_productivity_elasticity)).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rules::tiny::{self, CAPITAL, FACTORY};

    #[test]
    fn small_young_firms_in_dear_cities_consider_moving_more() {
        let (r, b) = (tiny::region(), Behaviour::default());
        let base = r.sector(FACTORY).relocation_hazard;
        let start = r.city(CAPITAL).housing_index;
        let h = |target, age, housing| {
            let (size, age) = (size_factor(&b, target, 20.0), age_factor(&b, age));
            relocation_hazard(&b, base, size, age, housing, start)
        };
        assert!(
            (h(20, 0, start) - base).abs() < 1e-15,
            "a mean-sized newcomer"
        );
        assert!(h(5, 0, start) > h(200, 0, start));
        assert!(h(20, 0, start) > h(20, 30, start));
        let dearer = start * 1.5;
        assert!((h(20, 0, dearer) - base * (1.0 + b.cost_pressure * 0.5)).abs() < 1e-15);
        assert_eq!(
            h(20, 0, 0.5 * start),
            base,
            "cheaper housing does not hold firms"
        );
        assert_eq!(size_factor(&b, 0, 20.0), size_factor(&b, 1, 20.0));
        assert_eq!(relocation_hazard(&b, 0.9, 1.0, 1.0, 1e9, 1.0), 1.0);
    }

    #[test]
    fn the_draw_splits_into_market_push_and_directed_bands() {
        let c = |u| consideration(u, 0.1, 3.0, 0.5);
        assert_eq!(c(0.05), Consideration::Market);
        assert_eq!(c(0.2), Consideration::Pushed);
        // h = 0.3; directed up to 0.3 + 0.5 * 0.7 = 0.65.
        assert_eq!(c(0.6), Consideration::Directed);
        assert_eq!(c(0.7), Consideration::Stays);
        assert_eq!(consideration(0.05, 0.1, 1.0, 0.0), Consideration::Market);
        assert_eq!(consideration(0.15, 0.1, 1.0, 0.0), Consideration::Stays);
    }

    #[test]
    fn only_pushed_firms_close_and_only_led_moves_are_blocked() {
        let b = Behaviour::default();
        assert_eq!(closing_probability(true, 0.3), 0.3);
        assert_eq!(closing_probability(false, 0.3), 0.0);
        assert_eq!(
            blocking_probability(&b, true, 0.5),
            b.origin_resistance * 0.5
        );
        assert_eq!(blocking_probability(&b, false, 0.5), 0.0);
    }

    #[test]
    fn productive_firms_close_less() {
        let (r, b) = (tiny::region(), Behaviour::default());
        let rate = r.sector(FACTORY).exit_rate;
        assert_eq!(exit_probability(&b, rate, 1.0), rate);
        assert!(exit_probability(&b, rate, 2.0) < rate);
        assert_eq!(exit_probability(&b, 0.5, 0.01), 1.0);
    }
}

//! Natural change of the population (docs/model.md §7.16): who dies, who leaves the
//! labour force, who joins it, and the hukou of a newborn. There is no age structure
//! [A]: every resident faces the city's death rate, and the flows between the labour
//! force and dependants keep each city's labour-force share near the region's.

use crate::agents::{HIGH, LOW, OUTSIDE};

/// What natural change does to one resident this year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    Stays,
    Dies,
    /// Leaves the labour force (and any job) for the dependants.
    Retires,
    /// Joins the labour force from the dependants, as a job seeker.
    Enters,
}

/// The fate of a resident from one draw, seen through `below` (whether the draw is below
/// a threshold), and the city's thresholds ([`crate::rng::threshold61`] of the death
/// rate, of death + retirement and of death + entry): death first, then the move between
/// the labour force and dependants.
#[inline]
pub(crate) fn fate(
    dependent: bool,
    mut below: impl FnMut(u64) -> bool,
    die: u64,
    retire: u64,
    enter: u64,
) -> Fate {
    if below(die) {
        Fate::Dies
    } else if !dependent && below(retire) {
        Fate::Retires
    } else if dependent && below(enter) {
        Fate::Enters
    } else {
        Fate::Stays
    }
}

/// The yearly probability that a dependant joins the labour force such that the city's
/// expected labour force after deaths, retirements and births is `share` of its expected
/// residents: e = (share (n (1 − d) + b n) − lf (1 − d − r)) / ((n − lf)(1 − d)), kept in
/// [0, 1]. `n` residents, `lf` in the labour force, `b` and `d` birth and death rates,
/// `r` the retirement rate. A city with too large a labour force (after an inflow of
/// workers) gets no entrants and relaxes at the retirement rate.
pub(crate) fn entry_probability(share: f64, n: f64, lf: f64, b: f64, d: f64, r: f64) -> f64 {
    let dependants = (n - lf) * (1.0 - d);
    if dependants <= 0.0 {
        return 0.0;
    }
    let wanted = share * n * (1.0 - d + b);
    ((wanted - lf * (1.0 - d - r).max(0.0)) / dependants).clamp(0.0, 1.0)
}

/// The skill of a resident joining the labour force, from a uniform draw: high with the
/// city's high-skill share [A].
#[inline]
pub(crate) fn entrant_skill(u: f64, high_skill_share: f64) -> u8 {
    if u < high_skill_share { HIGH } else { LOW }
}

/// A newborn's hukou from a uniform draw: outside the region with the city's share of
/// residents without local hukou, else the city's [A: children register where their
/// parents do, and the parents are a random draw of the residents].
#[inline]
pub(crate) fn newborn_hukou(city: u8, u: f64, non_hukou_share: f64) -> u8 {
    if u < non_hukou_share { OUTSIDE } else { city }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::threshold61 as t;

    /// Whether the draw of a uniform `p` is below a threshold.
    fn u(p: f64) -> impl FnMut(u64) -> bool {
        move |threshold| t(p) < threshold
    }

    #[test]
    fn death_comes_first_and_only_the_right_group_moves_between_labour_force_and_dependants() {
        let (die, retire, enter) = (t(0.01), t(0.035), t(0.05));
        assert_eq!(fate(false, u(0.005), die, retire, enter), Fate::Dies);
        assert_eq!(fate(true, u(0.005), die, retire, enter), Fate::Dies);
        assert_eq!(fate(false, u(0.02), die, retire, enter), Fate::Retires);
        assert_eq!(fate(true, u(0.02), die, retire, enter), Fate::Enters);
        assert_eq!(fate(false, u(0.04), die, retire, enter), Fate::Stays);
        assert_eq!(fate(true, u(0.04), die, retire, enter), Fate::Enters);
        assert_eq!(fate(true, u(0.06), die, retire, enter), Fate::Stays);
    }

    #[test]
    fn entry_keeps_the_labour_force_share_in_expectation() {
        let (share, n, b, d, r) = (0.55, 1000.0, 0.008, 0.006, 0.025);
        let lf = 550.0;
        let e = entry_probability(share, n, lf, b, d, r);
        let lf_after = lf * (1.0 - d - r) + e * (n - lf) * (1.0 - d);
        let n_after = n * (1.0 - d + b);
        assert!(
            (lf_after / n_after - share).abs() < 1e-12,
            "{lf_after} / {n_after}"
        );
        // Too many workers: nobody enters; too few: more enter.
        assert_eq!(entry_probability(share, n, 800.0, b, d, r), 0.0);
        assert!(entry_probability(share, n, 400.0, b, d, r) > e);
        assert_eq!(entry_probability(share, 10.0, 10.0, b, d, r), 0.0);
    }

    #[test]
    fn newborns_and_entrants_follow_the_city_shares() {
        assert_eq!(newborn_hukou(3, 0.1, 0.3), OUTSIDE);
        assert_eq!(newborn_hukou(3, 0.5, 0.3), 3);
        assert_eq!(entrant_skill(0.1, 0.3), HIGH);
        assert_eq!(entrant_skill(0.5, 0.3), LOW);
    }
}

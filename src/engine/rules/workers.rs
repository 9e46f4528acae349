//! What happens to a job when its firm moves, exits or sheds staff: churn, following the
//! firm, commuting to it, or quitting. Workers of an exiting firm all lose the job.

use crate::scenario::Behaviour;

/// The yearly probability that a worker of a firm that neither moved nor exited leaves
/// the job: churn plus the share of staff the firm has beyond its target,
///
/// ```text
/// separation_rate + max(0, (employees − target) / employees)   (0 excess without staff)
/// ```
#[inline]
pub(crate) fn separation_probability(b: &Behaviour, employees: u32, target: u32) -> f64 {
    let (emp, target) = (f64::from(employees), f64::from(target));
    let excess = if emp > 0.0 {
        ((emp - target) / emp).max(0.0)
    } else {
        0.0
    };
    b.separation_rate + excess
}

/// Whether a job `km` away from home can be kept by commuting: km ≤ commute_range_km.
#[inline]
pub(crate) fn within_commute(b: &Behaviour, km: f64) -> bool {
    km <= b.commute_range_km
}

/// What a worker does with a job whose firm moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JobResponse {
    /// Moves to the firm's new city and keeps the job.
    Follow,
    /// Stays home and keeps the job, commuting.
    Commute,
    /// Stays home and looks for another job.
    Quit,
}

/// A worker of a firm that moved: one who lives where the firm went keeps the job;
/// otherwise the worker follows with probability follow_probability (`follow_draw` gives
/// the uniform draw, taken only then), else commutes if the firm's new city is within
/// commute_range_km of home (`km`), else quits.
#[inline]
pub(crate) fn moved_firm_worker(
    b: &Behaviour,
    lives_there: bool,
    km: f64,
    follow_draw: impl FnOnce() -> f64,
) -> JobResponse {
    if lives_there || follow_draw() < b.follow_probability {
        JobResponse::Follow
    } else if within_commute(b, km) {
        JobResponse::Commute
    } else {
        JobResponse::Quit
    }
}

/// A follower who finds no housing at the firm's new city (it is at capacity) stays
/// home: it commutes if the firm is within commute_range_km (`km`), else quits.
#[inline]
pub(crate) fn follower_without_housing(b: &Behaviour, km: f64) -> JobResponse {
    if within_commute(b, km) {
        JobResponse::Commute
    } else {
        JobResponse::Quit
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rules::tiny::{self, CAPITAL, INLAND, PORT};

    #[test]
    fn churn_rises_with_staff_beyond_the_target() {
        let b = Behaviour::default();
        assert_eq!(separation_probability(&b, 10, 10), b.separation_rate);
        assert_eq!(separation_probability(&b, 10, 20), b.separation_rate);
        assert_eq!(separation_probability(&b, 10, 5), b.separation_rate + 0.5);
        assert_eq!(separation_probability(&b, 0, 5), b.separation_rate);
    }

    /// The capital's firm moves to the port (about 110 km) or inland (about 160 km), with
    /// a commuting range of 130 km.
    #[test]
    fn workers_follow_commute_or_quit_by_draw_and_distance() {
        let r = tiny::region();
        let b = Behaviour {
            commute_range_km: 130.0,
            follow_probability: 0.5,
            ..Behaviour::default()
        };
        let to = |d: usize, u: f64| moved_firm_worker(&b, false, r.distance(CAPITAL, d), || u);
        assert_eq!(to(PORT, 0.2), JobResponse::Follow);
        assert_eq!(to(PORT, 0.7), JobResponse::Commute);
        assert_eq!(to(INLAND, 0.7), JobResponse::Quit);
        let there = moved_firm_worker(&b, true, 0.0, || unreachable!("no draw"));
        assert_eq!(there, JobResponse::Follow);
        let no_room = |d| follower_without_housing(&b, r.distance(CAPITAL, d));
        assert_eq!(no_room(PORT), JobResponse::Commute);
        assert_eq!(no_room(INLAND), JobResponse::Quit);
    }
}

//! Hiring: who looks for a job, how many a firm takes on, and in which order firms and
//! job seekers meet. Both sides of a city's labour market are ordered by a lottery, so
//! no id order privileges anyone: a firm with vacancies hires the next seekers of its
//! city, in their lottery order, until it is full.

use std::ops::Range;

use crate::agents::{DEPENDENT, NO_FIRM};

/// A resident looks for a job when in the labour force (not a dependent) and without one.
#[inline]
pub(crate) fn is_job_seeker(employer: u32, skill: u8) -> bool {
    employer == NO_FIRM && skill != DEPENDENT
}

/// Positions a firm fills this year: target − employees for a live firm below its
/// target, else none (firms above target shed staff through separations).
#[inline]
pub(crate) fn open_positions(alive: bool, target: u32, employees: u32) -> u32 {
    if alive && target > employees {
        target - employees
    } else {
        0
    }
}

/// Seekers of a city who can take a job this year: all but `frictional` × its
/// `labour_force` (rounded to the nearest), the last in lottery order. Search takes
/// time, so that many stay between jobs however many positions are open: a floor under
/// unemployment when jobs grow faster than the labour force. Below the start's rate the
/// floor does not bind at the start, whose unemployed outnumber the churn's vacancies.
#[inline]
pub(crate) fn available_seekers(seekers: usize, labour_force: u64, frictional: f64) -> usize {
    let between_jobs = (labour_force as f64 * frictional).round() as usize;
    seekers.saturating_sub(between_jobs)
}

/// A place in a hiring lottery, lower first: the uniform lottery draw, ties broken by
/// id, as one integer (draw in the high bits) so that order cannot depend on threads.
#[inline]
pub(crate) fn priority(draw: u64, id: u32) -> u128 {
    (u128::from(draw) << 32) | u128::from(id)
}

/// The matching within one city: firms in priority order, with `open` positions each,
/// take the next of `seekers` (in priority order) until each is full; once the seekers
/// run out, no later firm hires. Calls `hired(firm rank, seeker ranks)` for every firm
/// that got its turn, including the one that got the last seekers or none.
pub(crate) fn match_in_order(
    open: impl IntoIterator<Item = u32>,
    seekers: usize,
    mut hired: impl FnMut(usize, Range<usize>),
) {
    let mut next = 0;
    for (rank, want) in open.into_iter().enumerate() {
        let taken = (want as usize).min(seekers - next);
        hired(rank, next..next + taken);
        next += taken;
        if taken < want as usize {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::{HIGH, LOW};

    #[test]
    fn seekers_are_the_labour_force_without_a_job() {
        assert!(is_job_seeker(NO_FIRM, LOW) && is_job_seeker(NO_FIRM, HIGH));
        assert!(!is_job_seeker(3, LOW));
        assert!(!is_job_seeker(NO_FIRM, DEPENDENT));
    }

    #[test]
    fn only_live_firms_below_target_open_positions() {
        assert_eq!(open_positions(true, 10, 7), 3);
        assert_eq!(open_positions(true, 10, 12), 0);
        assert_eq!(open_positions(false, 10, 0), 0);
    }

    #[test]
    fn a_share_of_seekers_can_take_a_job() {
        assert_eq!(available_seekers(100, 1000, 0.0), 100);
        assert_eq!(available_seekers(100, 1000, 0.03), 70);
        assert_eq!(available_seekers(20, 1000, 0.03), 0);
        assert_eq!(available_seekers(0, 1000, 0.03), 0);
    }

    #[test]
    fn the_draw_orders_first_and_the_id_breaks_ties() {
        assert!(priority(1, 900) < priority(2, 1));
        assert!(priority(5, 1) < priority(5, 2));
        assert!(priority(u64::MAX, u32::MAX) > priority(u64::MAX - 1, u32::MAX));
    }

    /// Three cities' markets: short of seekers, exactly enough, more than enough.
    #[test]
    fn firms_take_seekers_in_order_until_they_run_out() {
        let matched = |open: &[u32], seekers| {
            let mut got = Vec::new();
            match_in_order(open.iter().copied(), seekers, |f, s| got.push((f, s)));
            got
        };
        assert_eq!(matched(&[2, 3, 1], 4), vec![(0, 0..2), (1, 2..4)]);
        assert_eq!(matched(&[2, 2], 4), vec![(0, 0..2), (1, 2..4)]);
        assert_eq!(matched(&[1, 1], 5), vec![(0, 0..1), (1, 1..2)]);
        assert_eq!(matched(&[2, 1], 2), vec![(0, 0..2), (1, 2..2)]);
    }
}

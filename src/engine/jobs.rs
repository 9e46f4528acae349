//! The jobs pass, pass 4a of the step (docs/model.md §7.8). Exits release their workers,
//! workers of moved firms follow, commute or quit, and everyone else may leave a job
//! (churn); the rules are in `rules/workers.rs` and `rules/housing.rs`. Hiring (pass 4b) is
//! in `hiring.rs`.

use rayon::prelude::*;

use super::apply::{Change, by_chunk, targets};
use super::draws::{prefetch, with_draws};
use super::migration::{household_sizes, room_in};
use super::rules::housing::admitted;
use super::rules::migration::hukou_after_move;
use super::rules::workers::{self, JobResponse};
use super::{CHUNK, Model};
use crate::agents::NO_FIRM;
use crate::engine::record::Flows;
use crate::rng::{Purpose, StreamKey, bernoulli_threshold, draw_below};

/// A person's new residence and job after the jobs pass, with the firm they left.
#[derive(Clone)]
struct JobChange {
    person: u32,
    city: u8,
    work_city: u8,
    employer: u32,
    /// The firm whose head count falls, or [`NO_FIRM`] (none, or it exited).
    left: u32,
    /// Where that firm is.
    left_city: u8,
    /// The sector of the firm of the job held or left.
    sector: u8,
}

/// A firm's state as its workers see it in the jobs pass, one word per firm so the pass
/// over every employed person reads one firm array: the separation probability
/// ([`workers::separation_probability`]) as a [`bernoulli_threshold`], [`GONE`] (a
/// threshold every draw is below: all quit), or [`MOVED`] this step.
const GONE: u64 = 1 << 60;
const MOVED: u64 = u64::MAX;
const _: () = assert!(GONE > u64::MAX >> 11, "every draw is below GONE and MOVED");

/// One word per firm and, last, a word for the unemployed (0: no draw is below it).
fn worker_outlook(m: &Model) -> Vec<u64> {
    let fi = &m.firms;
    let step = m.step;
    (0..fi.len() + 1)
        .into_par_iter()
        .with_min_len(CHUNK / 4)
        .map(|f| {
            if f == fi.len() {
                return 0;
            }
            if !fi.alive()[f] {
                return GONE;
            }
            if u32::from(fi.moved_step()[f]) == step {
                return MOVED;
            }
            let (emp, target) = (fi.employees()[f], fi.target()[f]);
            bernoulli_threshold(workers::separation_probability(&m.behaviour, emp, target))
        })
        .collect()
}

/// Pass 4a: exits release workers, moved firms take followers and commuters, churn.
pub(crate) fn jobs(m: &mut Model, flows: &mut Flows) {
    let outlook = worker_outlook(m);
    let mut changes: Vec<Vec<JobChange>> = {
        let m: &Model = m;
        m.persons
            .employer()
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(ci, employers)| {
                // An abandoned step is dropped whole: skipping chunks is enough.
                if m.abandon.is_set() {
                    return Vec::new();
                }
                job_changes(m, &outlook, ci * CHUNK, employers)
            })
            .collect()
    };
    house_followers(m, &mut changes);
    apply_job_changes(m, &changes, flows);
}

/// Applies job changes (per chunk of persons, in id order) chunk by chunk in parallel;
/// the head counts of the firms left fall.
fn apply_job_changes(m: &mut Model, parts: &[Vec<JobChange>], flows: &mut Flows) {
    let levers = &m.levers;
    let parts: Vec<&[JobChange]> = parts.iter().map(Vec::as_slice).collect();
    by_chunk(targets!(m), &parts, flows, |chunk, ch| {
        let i = chunk.at(ch.person as usize);
        if ch.left != NO_FIRM {
            // Where the firm is, as seen when the change was decided (it may have
            // exited since: then `left` is NO_FIRM and no count falls).
            chunk
                .tally
                .head_count_in(ch.left_city as usize, ch.sector, -1);
            chunk.firms.employees_less_one(ch.left as usize);
        }
        chunk.change(i, |chunk| {
            if ch.city != chunk.city[i] {
                let key = (chunk.city[i], ch.city, Some(ch.sector));
                Model::add_flow(&mut chunk.flows, key, 0, 0, 1);
                let granted = levers.hukou_grant[ch.city as usize];
                chunk.hukou[i] = hukou_after_move(chunk.hukou[i], ch.city, granted);
            }
            (chunk.city[i], chunk.work_city[i]) = (ch.city, ch.work_city);
            chunk.employer[i] = ch.employer;
        });
    });
}

impl Change for JobChange {
    #[inline]
    fn person(&self) -> usize {
        self.person as usize
    }
}

/// Followers of moved firms need housing too. Where their households would pass a city's
/// capacity, those beyond it (by keyed lottery) keep the job and commute if they can,
/// else quit and stay where they live.
fn house_followers(m: &Model, changes: &mut [Vec<JobChange>]) {
    let household = household_sizes(m);
    let home = |ch: &JobChange| m.persons.city()[ch.person as usize];
    let mut arrivals: Vec<Vec<(usize, usize)>> = vec![Vec::new(); m.region.n_cities()];
    for (ci, part) in changes.iter().enumerate() {
        for (j, ch) in part.iter().enumerate() {
            if ch.city != home(ch) {
                arrivals[ch.city as usize].push((ci, j));
            }
        }
    }
    let size = |ch: &JobChange| household[home(ch) as usize];
    for (d, list) in arrivals.iter_mut().enumerate() {
        let room = room_in(m, d, m.cities.counts.population[d] as f64);
        if list
            .iter()
            .map(|&(ci, j)| size(&changes[ci][j]))
            .sum::<f64>()
            <= room
        {
            continue;
        }
        list.sort_by_cached_key(|&(ci, j)| {
            let person = u64::from(changes[ci][j].person);
            let mut st = m.key.stream(m.step, person, Purpose::FollowerHousing);
            (st.next_u64(), person)
        });
        let fit = admitted(list.iter().map(|&(ci, j)| size(&changes[ci][j])), room);
        for &(ci, j) in &list[fit..] {
            stay_behind(m, &mut changes[ci][j]);
        }
    }
}

/// A follower without housing at the firm's new place commutes there or quits.
fn stay_behind(m: &Model, ch: &mut JobChange) {
    let home = m.persons.city()[ch.person as usize];
    let km = m.region.distance(home as usize, ch.work_city as usize);
    if workers::follower_without_housing(&m.behaviour, km) == JobResponse::Quit {
        ch.left = ch.employer;
        ch.left_city = ch.work_city;
        ch.employer = NO_FIRM;
        ch.work_city = home;
    }
    ch.city = home;
}

/// Job changes of the persons from `off` on with these employers, in id order. Every
/// person draws, employed or not, and the unemployed read the last outlook word, which
/// no draw is below: with ~45% of persons unemployed or dependent in random order, a
/// branch on employment would mispredict far more often than the draw costs. The one
/// branch left is on the draw (rarely taken): [`MOVED`] and [`GONE`] are above every
/// draw.
fn job_changes(m: &Model, outlook: &[u64], off: usize, employers: &[u32]) -> Vec<JobChange> {
    let key = m.key.purpose_key(m.step, Purpose::WorkerFollow);
    let mut out = Vec::new();
    with_draws(key, off, employers.len(), |at, draws| {
        for (i, (&e, &draw)) in employers[at..].iter().zip(draws).enumerate() {
            if let Some(&ahead) = employers.get(at + i + 24) {
                prefetch(outlook, (ahead as usize).min(outlook.len() - 1));
            }
            let o = outlook[(e as usize).min(outlook.len() - 1)];
            if draw_below(draw, o) {
                out.push(job_change(m, key, off + at + i, e, o));
            }
        }
    });
    out
}

/// What happens to the job of person `pi`, employed by `e` whose outlook is `o`, given
/// that the person quits or the firm moved.
fn job_change(m: &Model, key: StreamKey, pi: usize, e: u32, o: u64) -> JobChange {
    let f = e as usize;
    let fi = &m.firms;
    let (home, d, sector) = (m.persons.city()[pi], fi.city()[f], fi.sector()[f]);
    let change = |city: u8, work_city: u8, employer: u32, left: u32| JobChange {
        person: pi as u32,
        city,
        work_city,
        employer,
        left,
        left_city: d,
        sector,
    };
    // An exited firm's head count no longer counts anywhere.
    let quit = change(home, home, NO_FIRM, if o == GONE { NO_FIRM } else { e });
    if o != MOVED {
        return quit;
    }
    let km = m.region.distance(home as usize, d as usize);
    let follow = || key.stream(pi as u64).uniform();
    match workers::moved_firm_worker(&m.behaviour, home == d, km, follow) {
        JobResponse::Follow => change(d, d, e, NO_FIRM),
        JobResponse::Commute => change(home, d, e, NO_FIRM),
        JobResponse::Quit => quit,
    }
}

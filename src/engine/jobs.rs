//! The jobs pass, pass 4a of the step (docs/model.md §7.8). Exits release their workers,
//! workers of moved firms follow, commute or quit, and everyone else may leave a job
//! (churn); the rules are in `rules/workers.rs` and `rules/housing.rs`. Hiring (pass 4b) is
//! in `hiring.rs`.

use rayon::prelude::*;

use super::apply::{Change, by_chunk, targets};
use super::draws::{BLOCK, prefetch, with_coarse_draws};
use super::migration::{household_sizes, room_in};
use super::rules::housing::admitted;
use super::rules::migration::hukou_after_move;
use super::rules::workers::{self, JobResponse};
use super::{CHUNK, Model};
use crate::agents::NO_FIRM;
use crate::engine::record::Flows;
use crate::rng::{Purpose, StreamKey, coarse_limit, threshold61, two_stage_below};

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

/// A firm's state as its workers see it in the jobs pass: the separation probability
/// ([`workers::separation_probability`]) as a [`threshold61`], [`GONE`] (above every
/// draw: all quit), or [`MOVED`] this step.
const GONE: u64 = 1 << 62;
const MOVED: u64 = u64::MAX;
const _: () = assert!(
    GONE >= 1 << 61,
    "every two-stage draw is below GONE and MOVED"
);

/// The outlook of every firm, and last a word for the unemployed (0: no draw is below
/// it); beside it, one narrow [`coarse_limit`] per word, the only table the pass over
/// every person reads (a quarter of the bytes, so at scale 0.1 it stays in the cache).
struct Outlook {
    threshold: Vec<u64>,
    coarse: Vec<u16>,
}

fn worker_outlook(m: &Model) -> Outlook {
    let fi = &m.firms;
    let step = m.step;
    let threshold: Vec<u64> = (0..fi.len() + 1)
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
            threshold61(workers::separation_probability(&m.behaviour, emp, target))
        })
        .collect();
    let coarse = threshold.iter().map(|&t| coarse_limit(t)).collect();
    Outlook { threshold, coarse }
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
/// person draws in two stages ([`two_stage`]): a coarse byte, eight to a hash, read
/// against the narrow table; the few whose byte may be below their firm's threshold
/// (about one employed person in ten) are listed without a branch, then decided with
/// their firm's rows prefetched, hashing their own stream only where the byte holds the
/// threshold ([`two_stage_below`]). The unemployed read the last word, which no byte is
/// below: with ~45% of persons unemployed or dependent in random order, a branch on
/// employment would mispredict far more often than the read costs. [`MOVED`] and
/// [`GONE`] admit every byte and are above every draw.
fn job_changes(m: &Model, outlook: &Outlook, off: usize, employers: &[u32]) -> Vec<JobChange> {
    let coarse_key = m.key.purpose_key(m.step, Purpose::WorkerFollowCoarse);
    let key = m.key.purpose_key(m.step, Purpose::WorkerFollow);
    let (coarse, last) = (&outlook.coarse, outlook.coarse.len() - 1);
    let firm = |i: usize| (employers[i] as usize).min(last);
    let mut out = Vec::new();
    with_coarse_draws(coarse_key, off, employers.len(), |at, bytes| {
        let mut open = [0u16; BLOCK];
        let mut len = 0;
        for (i, &b) in bytes.iter().enumerate() {
            if let Some(&ahead) = employers.get(at + i + 24) {
                prefetch(coarse, (ahead as usize).min(last));
            }
            open[len] = i as u16;
            len += usize::from(u16::from(b) < coarse[firm(at + i)]);
        }
        for (j, &i) in open[..len].iter().enumerate() {
            if let Some(&ahead) = open[..len].get(j + 8) {
                let f = firm(at + usize::from(ahead));
                prefetch(&outlook.threshold, f);
                prefetch(m.firms.city(), f);
                prefetch(m.firms.sector(), f);
            }
            let (i, f) = (at + usize::from(i), firm(at + usize::from(i)));
            let (pi, o) = (off + i, outlook.threshold[f]);
            if two_stage_below(bytes[i - at], o, || key.stream(pi as u64).next_u64()) {
                out.push(job_change(m, key, pi, employers[i], o));
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

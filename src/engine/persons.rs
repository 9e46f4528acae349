//! Jobs and migration, passes 4a and 5 of the step; see
//! docs/model.md §7.8, §7.10, §7.11 and §7.12. Workers of a moved firm follow, commute or
//! look for a job (hiring, pass 4b, is in `hiring.rs`); residents and job seekers choose
//! where to live by multinomial logit with a hukou barrier; dependents move with the
//! workers of their city.

use crate::math::Det;

use std::sync::atomic::Ordering;

use rayon::prelude::*;

use super::tally::{PersonKey, Tally};
use super::{CHUNK, Model, as_atomic};
use crate::agents::{DEPENDENT, NO_FIRM, OUTSIDE};
use crate::engine::record::Flows;
use crate::rng::{Purpose, StreamKey, bernoulli_threshold, draw_below, to_uniform};

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

/// Agents per block of first draws computed together ([`StreamKey::first_draws`]): small
/// enough for the draws to stay in the L1 cache.
const BLOCK: usize = 2048;

/// A firm's state as its workers see it in the jobs pass, one word per firm so the pass
/// over every employed person reads one firm array: the separation probability as a
/// [`bernoulli_threshold`], [`GONE`] (a threshold every draw is below: all quit), or
/// [`MOVED`] this step.
const GONE: u64 = 1 << 60;
const MOVED: u64 = u64::MAX;

fn worker_outlook(m: &Model) -> Vec<u64> {
    let fi = &m.firms;
    let step = m.step;
    (0..fi.len())
        .into_par_iter()
        .with_min_len(CHUNK / 4)
        .map(|f| {
            if !fi.alive[f] {
                return GONE;
            }
            if u32::from(fi.moved_step[f]) == step {
                return MOVED;
            }
            let (emp, target) = (f64::from(fi.employees[f]), f64::from(fi.target[f]));
            let excess = if emp > 0.0 {
                ((emp - target) / emp).max(0.0)
            } else {
                0.0
            };
            bernoulli_threshold(m.behaviour.separation_rate + excess)
        })
        .collect()
}

/// Pass 4a: exits release workers, moved firms take followers and commuters, churn.
pub(crate) fn jobs(m: &mut Model, flows: &mut Flows) {
    let outlook = worker_outlook(m);
    let mut changes: Vec<Vec<JobChange>> = {
        let m: &Model = m;
        m.persons
            .employer
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

/// Applies job changes (per chunk of persons, in id order) chunk by chunk in parallel:
/// each person is written by the task owning its chunk; flows, counts and the head
/// counts of the firms left are integer sums.
fn apply_job_changes(m: &mut Model, parts: &[Vec<JobChange>], flows: &mut Flows) {
    let (n, ns) = (m.region.n_cities(), m.region.n_sectors());
    let (levers, p) = (&m.levers, &mut m.persons);
    let employees = as_atomic(&mut m.firms.employees);
    let results: Vec<(Tally, Flows)> = p
        .city
        .par_chunks_mut(CHUNK)
        .zip(p.work_city.par_chunks_mut(CHUNK))
        .zip(p.employer.par_chunks_mut(CHUNK))
        .zip(p.hukou.par_chunks_mut(CHUNK))
        .zip(p.skill.par_chunks(CHUNK))
        .zip(parts)
        .enumerate()
        .map(|(ci, (((((city, work), employer), hukou), skill), part))| {
            let mut t = Tally::zero(n, ns);
            let mut fl = Flows::new();
            for ch in part {
                let i = ch.person as usize - ci * CHUNK;
                let before = PersonKey::new(city[i], skill[i], employer[i], work[i]);
                t.change_person(before, before.with(ch.city, ch.work_city, ch.employer));
                if ch.city != city[i] {
                    Model::add_flow(&mut fl, (city[i], ch.city, Some(ch.sector)), 0, 0, 1);
                    if levers.hukou_grant[ch.city as usize] {
                        hukou[i] = ch.city;
                    }
                }
                (city[i], work[i], employer[i]) = (ch.city, ch.work_city, ch.employer);
                if ch.left != NO_FIRM {
                    t.head_count_in(ch.left_city as usize, ch.sector, -1);
                    employees[ch.left as usize].fetch_sub(1, Ordering::Relaxed);
                }
            }
            (t, fl)
        })
        .collect();
    for (t, fl) in results {
        m.tally = std::mem::take(&mut m.tally).plus(t);
        for (k, v) in fl {
            Model::add_flow(flows, k, v.firms, v.jobs, v.persons);
        }
    }
}

/// Followers of moved firms need housing too. Where their households would pass a city's
/// capacity, those beyond it (by keyed lottery) keep the job and commute if they can,
/// else quit and stay where they live.
fn house_followers(m: &Model, changes: &mut [Vec<JobChange>]) {
    let n = m.region.n_cities();
    let household = household_sizes(m);
    let mut arrivals: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    for (ci, part) in changes.iter().enumerate() {
        for (j, ch) in part.iter().enumerate() {
            if ch.city != m.persons.city[ch.person as usize] {
                arrivals[ch.city as usize].push((ci, j));
            }
        }
    }
    let size = |ch: &JobChange| household[m.persons.city[ch.person as usize] as usize];
    for (d, list) in arrivals.iter_mut().enumerate() {
        let capacity = m.levers.capacity(d, m.region.city(d).capacity as f64);
        let room = (capacity * m.scale).floor() - m.cities.counts.population[d] as f64;
        if list
            .iter()
            .map(|&(ci, j)| size(&changes[ci][j]))
            .sum::<f64>()
            <= room
        {
            continue;
        }
        let key = m.key;
        list.sort_by_cached_key(|&(ci, j)| {
            let person = u64::from(changes[ci][j].person);
            let draw = key
                .stream(m.step, person, Purpose::FollowerHousing)
                .next_u64();
            (draw, person)
        });
        let mut used = 0.0;
        for &(ci, j) in list.iter() {
            used += size(&changes[ci][j]);
            if used > room {
                stay_behind(m, &mut changes[ci][j]);
            }
        }
    }
}

/// A follower without housing at the firm's new place commutes there or quits.
fn stay_behind(m: &Model, ch: &mut JobChange) {
    let home = m.persons.city[ch.person as usize];
    if m.region.distance(home as usize, ch.work_city as usize) > m.behaviour.commute_range_km {
        ch.left = ch.employer;
        ch.left_city = ch.work_city;
        ch.employer = NO_FIRM;
        ch.work_city = home;
    }
    ch.city = home;
}

/// Job changes of the persons from `off` on with these employers, in id order. Every
/// person draws, employed or not, and the outlook read for the unemployed is masked
/// afterwards: with ~45% of persons unemployed or dependent in random order, a branch
/// per person would mispredict far more often than the draw costs.
fn job_changes(m: &Model, outlook: &[u64], off: usize, employers: &[u32]) -> Vec<JobChange> {
    let key = m.key.purpose_key(m.step, Purpose::WorkerFollow);
    let mut out = Vec::new();
    with_draws(key, off, employers.len(), |at, draws| {
        for (i, (&e, &draw)) in employers[at..].iter().zip(draws).enumerate() {
            if let Some(&ahead) = employers.get(at + i + 24) {
                prefetch(outlook, ahead as usize);
            }
            let employed = e != NO_FIRM;
            let o = outlook[if employed { e as usize } else { 0 }];
            if employed & (draw_below(draw, o) | (o == MOVED)) {
                out.push(job_change(m, key, off + at + i, e, o));
            }
        }
    });
    out
}

/// Calls `f(at, draws)` for each block of up to [`BLOCK`] of the `len` agents from `off`
/// on, `at` being the block's start relative to `off` and `draws` its agents' first
/// draws of `key`: the frame of every pass in which all persons draw.
fn with_draws(key: StreamKey, off: usize, len: usize, mut f: impl FnMut(usize, &[u64])) {
    let mut draws = [0u64; BLOCK];
    for at in (0..len).step_by(BLOCK) {
        let draws = &mut draws[..BLOCK.min(len - at)];
        key.first_draws((off + at) as u64, draws);
        f(at, draws);
    }
}

/// What happens to the job of person `pi`, employed by `e` whose outlook is `o`, given
/// that the person quits or the firm moved.
fn job_change(m: &Model, key: StreamKey, pi: usize, e: u32, o: u64) -> JobChange {
    let f = e as usize;
    let fi = &m.firms;
    let city = m.persons.city[pi];
    let quit = JobChange {
        person: pi as u32,
        city,
        work_city: city,
        employer: NO_FIRM,
        // An exited firm's head count no longer counts anywhere.
        left: if o == GONE { NO_FIRM } else { e },
        left_city: fi.city[f],
        sector: fi.sector[f],
    };
    if o != MOVED {
        return quit;
    }
    let d = fi.city[f];
    let keep = |c: u8, w: u8| JobChange {
        person: pi as u32,
        city: c,
        work_city: w,
        employer: e,
        left: NO_FIRM,
        left_city: d,
        sector: fi.sector[f],
    };
    if city == d
        || key
            .stream(pi as u64)
            .bernoulli(m.behaviour.follow_probability)
    {
        return keep(d, d);
    }
    if m.region.distance(city as usize, d as usize) <= m.behaviour.commute_range_km {
        return keep(city, d);
    }
    quit
}

/// Per-city parts of a resident's utility (everything except the constant, the distance
/// cost and the hukou barrier), for skill `k` in city `d`.
pub(crate) fn place_value(m: &Model, k: usize, d: usize) -> f64 {
    let b = &m.behaviour;
    let cs = &m.cities;
    let employment_chance = (1.0 - cs.unemployment(d)).max(1e-3);
    b.beta_income * (cs.wage[k][d] * employment_chance).dln()
        + b.beta_public_services * cs.services[d].dln()
        - b.beta_housing * cs.housing[d].dln()
        + m.levers.amenity[d]
}

/// Utility terms a migrant pays to move from `c` to `d` holding hukou `h`.
pub(crate) fn move_cost(m: &Model, c: usize, d: usize, h: u8) -> f64 {
    let b = &m.behaviour;
    let distance = if c == d {
        0.0
    } else {
        b.distance_income_ratio
            * b.beta_income
            * (1.0 + m.region.distance(c, d) / 10.0).dln()
            * m.levers.migration_cost_scale[d]
    };
    let barrier = if h as usize == d {
        0.0
    } else {
        b.hukou_barrier * m.levers.hukou_barrier_scale[d]
    };
    distance + barrier
}

/// Pass 5: migration decisions in parallel, applied in id order with a capacity lottery;
/// then dependents follow the labour-force flows of their city.
pub(crate) fn migrate(m: &mut Model, flows: &mut Flows) {
    let n = m.region.n_cities();
    let step = m.step;
    let table = MoveTable::new(m);
    let key = m.key.purpose_key(step, Purpose::Migration);
    let moves: Vec<(u32, u8)> = {
        let m: &Model = m;
        let rates = MigrationRates::new(m);
        let parts: Vec<Vec<(u32, u8)>> = (0..m.persons.len().div_ceil(CHUNK))
            .into_par_iter()
            .map(|ci| {
                if m.abandon.is_set() {
                    return Vec::new();
                }
                migration_choices(m, &table, &rates, key, ci * CHUNK)
            })
            .collect();
        parts.concat()
    };
    let accepted = ration(m, &moves, flows);
    let mut worker_flow = vec![0u64; n * n];
    for (pi, d) in accepted {
        let pi = pi as usize;
        let before = PersonKey::of(&m.persons, pi);
        let c = m.persons.city[pi];
        let e = m.persons.employer[pi];
        if e != NO_FIRM
            && m.region
                .distance(d as usize, m.persons.work_city[pi] as usize)
                > m.behaviour.commute_range_km
        {
            m.tally.head_count(&m.firms, e as usize, -1);
            m.firms.employees[e as usize] -= 1;
            m.persons.employer[pi] = NO_FIRM;
        }
        if m.persons.employer[pi] == NO_FIRM {
            m.persons.work_city[pi] = d;
        }
        relocate(m, pi, d, flows);
        m.tally.change_person(before, PersonKey::of(&m.persons, pi));
        worker_flow[c as usize * n + d as usize] += 1;
    }
    dependents_follow(m, &worker_flow_with_followers(m, flows, worker_flow), flows);
}

fn worker_flow_with_followers(m: &Model, flows: &Flows, mut w: Vec<u64>) -> Vec<u64> {
    let n = m.region.n_cities();
    for (&(o, d, s), v) in flows.iter() {
        if s.is_some() && o != d {
            w[o as usize * n + d as usize] += v.persons;
        }
    }
    w
}

fn relocate(m: &mut Model, pi: usize, d: u8, flows: &mut Flows) {
    let c = m.persons.city[pi];
    Model::add_flow(flows, (c, d, None), 0, 0, 1);
    m.persons.city[pi] = d;
    if m.levers.hukou_grant[d as usize] {
        m.persons.hukou[pi] = d;
    }
}

/// Where a migrant goes: cumulative multinomial-logit probabilities over destinations for
/// every (skill, origin, hukou) group, built once a step so a mover needs one uniform
/// draw instead of a Gumbel shock per city.
pub(crate) struct MoveTable {
    n: usize,
    /// `[((skill * n + origin) * (n + 1) + hukou group) * n + destination]`; the hukou
    /// group is the hukou city, or n for a hukou outside the region.
    cdf: Vec<f64>,
}

impl MoveTable {
    pub(crate) fn new(m: &Model) -> MoveTable {
        let n = m.region.n_cities();
        let mut cdf = Vec::with_capacity(2 * n * (n + 1) * n);
        let mut v = vec![0.0; n];
        let mut p = vec![0.0; n];
        for k in 0..2 {
            let value: Vec<f64> = (0..n)
                .map(|d| m.calibration.person_asc[k * n + d] + place_value(m, k, d))
                .collect();
            for c in 0..n {
                for g in 0..=n {
                    let h = if g == n { OUTSIDE } else { g as u8 };
                    for d in 0..n {
                        v[d] = value[d] - move_cost(m, c, d, h);
                    }
                    super::softmax_into(&v, &mut p);
                    let mut acc = 0.0;
                    cdf.extend(p.iter().map(|x| {
                        acc += x;
                        acc
                    }));
                }
            }
        }
        MoveTable { n, cdf }
    }

    fn draw(&self, skill: usize, origin: usize, hukou: u8, u: f64) -> usize {
        let n = self.n;
        let g = if hukou == OUTSIDE { n } else { hukou as usize };
        let row = &self.cdf[((skill * n + origin) * (n + 1) + g) * n..][..n];
        row.iter().position(|&x| u < x).unwrap_or(n - 1)
    }
}

/// The yearly chance that a resident reconsiders where to live, as
/// [`bernoulli_threshold`]s by employment (index 1: employed) and city.
struct MigrationRates([Vec<u64>; 2]);

impl MigrationRates {
    fn new(m: &Model) -> MigrationRates {
        let b = &m.behaviour;
        let by_city = |base: f64| {
            let mult = &m.levers.migration_rate_multiplier;
            mult.iter()
                .map(|&x| bernoulli_threshold(base * x))
                .collect()
        };
        MigrationRates([
            by_city(b.job_seeker_migration_rate),
            by_city(b.migration_rate),
        ])
    }
}

/// Migration decisions of the persons in the chunk starting at `off`, in id order.
/// Dependents draw too and are masked afterwards, as in [`job_changes`].
fn migration_choices(
    m: &Model,
    table: &MoveTable,
    rates: &MigrationRates,
    key: StreamKey,
    off: usize,
) -> Vec<(u32, u8)> {
    let p = &m.persons;
    let end = (off + CHUNK).min(p.len());
    let (skills, employers, cities) =
        (&p.skill[off..end], &p.employer[off..end], &p.city[off..end]);
    let mut out = Vec::new();
    with_draws(key, off, end - off, |at, draws| {
        let rest = employers[at..].iter().zip(&cities[at..]).zip(draws);
        for (i, (&k, ((&e, &c), &draw))) in skills[at..].iter().zip(rest).enumerate() {
            let threshold = rates.0[usize::from(e != NO_FIRM)][c as usize];
            if draw_below(draw, threshold) & (k != DEPENDENT) {
                let pi = off + at + i;
                let mut st = key.stream(pi as u64);
                st.next_u64();
                let d = table.draw(k as usize, c as usize, p.hukou[pi], st.uniform());
                if d != c as usize {
                    out.push((pi as u32, d as u8));
                }
            }
        }
    });
    out
}

/// Persons a labour-force mover from each city brings on average: itself and the
/// dependents that follow it (see [`dependents_follow`]).
fn household_sizes(m: &Model) -> Vec<f64> {
    (0..m.region.n_cities())
        .map(|c| {
            let lf = (m.cities.counts.labour_force[0][c] + m.cities.counts.labour_force[1][c])
                .max(1) as f64;
            m.cities.counts.population[c] as f64 / lf
        })
        .collect()
}

/// Expected residents of each city once this step's firm followers and their households
/// have moved (they arrive in the jobs pass, before migration).
fn residents_after_followers(m: &Model, flows: &Flows, household: &[f64]) -> Vec<f64> {
    let mut r: Vec<f64> = m
        .cities
        .counts
        .population
        .iter()
        .map(|&p| p as f64)
        .collect();
    for (&(o, d, s), v) in flows.iter() {
        if s.is_some() && o != d {
            r[d as usize] += v.persons as f64 * household[o as usize];
            r[o as usize] -= v.persons as f64 * household[o as usize];
        }
    }
    r
}

/// Arrivals beyond a city's housing capacity (with any policy change or cap) are refused
/// by a keyed lottery. Room is counted in households: each admitted mover's dependents
/// follow it, and firm followers have taken their room already.
fn ration(m: &Model, moves: &[(u32, u8)], flows: &Flows) -> Vec<(u32, u8)> {
    let n = m.region.n_cities();
    let household = household_sizes(m);
    let mut departures = vec![0.0; n];
    let mut arrivals: Vec<Vec<(u64, u32)>> = vec![Vec::new(); n];
    for &(pi, d) in moves {
        departures[m.persons.city[pi as usize] as usize] += 1.0;
        let prio = m
            .key
            .stream(m.step, u64::from(pi), Purpose::Rationing)
            .next_u64();
        arrivals[d as usize].push((prio, pi));
    }
    let present = residents_after_followers(m, flows, &household);
    let size = |pi: u32| household[m.persons.city[pi as usize] as usize];
    let mut accepted = Vec::with_capacity(moves.len());
    for d in 0..n {
        let capacity = m.levers.capacity(d, m.region.city(d).capacity as f64);
        let cap = (capacity * m.scale).floor();
        let room = cap - (present[d] - departures[d] * household[d]);
        let list = &mut arrivals[d];
        if list.iter().map(|&(_, pi)| size(pi)).sum::<f64>() > room {
            list.sort_unstable();
            let mut used = 0.0;
            let fit = list
                .iter()
                .take_while(|&&(_, pi)| {
                    used += size(pi);
                    used <= room
                })
                .count();
            list.truncate(fit);
        }
        accepted.extend(list.iter().map(|&(_, pi)| (pi, d as u8)));
    }
    accepted.sort_unstable();
    accepted
}

/// Each dependent in `o` moves to `d` with probability (labour-force movers o->d) /
/// (labour force of o): households move together without storing household links.
fn dependents_follow(m: &mut Model, worker_flow: &[u64], flows: &mut Flows) {
    let n = m.region.n_cities();
    let step = m.step;
    let rows: Vec<FollowRow> = (0..n)
        .map(|o| {
            let lf =
                (m.cities.counts.labour_force[0][o] + m.cities.counts.labour_force[1][o]).max(1);
            FollowRow::new(&worker_flow[o * n..(o + 1) * n], lf as f64)
        })
        .collect();
    let key = m.key.purpose_key(step, Purpose::Dependents);
    let moves: Vec<(u32, u8)> = {
        let p = &m.persons;
        let parts: Vec<Vec<(u32, u8)>> = p
            .skill
            .par_chunks(CHUNK)
            .zip(p.city.par_chunks(CHUNK))
            .enumerate()
            .map(|(ci, (skills, cities))| {
                let off = ci * CHUNK;
                let mut out = Vec::new();
                if m.abandon.is_set() {
                    return out;
                }
                with_draws(key, off, skills.len(), |at, draws| {
                    let rest = cities[at..].iter().zip(draws);
                    for (i, (&k, (&o, &draw))) in skills[at..].iter().zip(rest).enumerate() {
                        let row = &rows[o as usize];
                        let u = to_uniform(draw);
                        if (k == DEPENDENT) & row.may_draw(u)
                            && let Some(d) = row.draw(u)
                        {
                            out.push(((off + at + i) as u32, d));
                        }
                    }
                });
                out
            })
            .collect();
        parts.concat()
    };
    for (pi, d) in moves {
        let pi = pi as usize;
        let before = PersonKey::of(&m.persons, pi);
        relocate(m, pi, d, flows);
        m.persons.work_city[pi] = d;
        m.tally.change_person(before, PersonKey::of(&m.persons, pi));
    }
    debug_assert!(
        m.persons
            .hukou
            .iter()
            .all(|&h| h == OUTSIDE || (h as usize) < n)
    );
}

/// One origin's labour-force movers by destination, as f64 once per step rather than per
/// dependent. The draw is the walk `u -= w` over destinations; `reach` (the sum plus a
/// margin far above that walk's rounding error) lets most dependents skip the walk with
/// one comparison and the same result.
struct FollowRow {
    weights: Vec<f64>,
    lf: f64,
    reach: f64,
}

impl FollowRow {
    fn new(row: &[u64], lf: f64) -> FollowRow {
        let weights: Vec<f64> = row.iter().map(|&w| w as f64).collect();
        let total: u64 = row.iter().sum();
        let reach = if total == 0 {
            -1.0
        } else {
            total as f64 + 1e-3
        };
        FollowRow { weights, lf, reach }
    }

    /// False where [`FollowRow::draw`] surely gives `None`: one comparison, no branch.
    #[inline]
    fn may_draw(&self, uniform: f64) -> bool {
        uniform * self.lf < self.reach
    }

    #[inline]
    fn draw(&self, uniform: f64) -> Option<u8> {
        if self.reach < 0.0 {
            return None;
        }
        let mut u = uniform * self.lf;
        for (d, &w) in self.weights.iter().enumerate() {
            if u < w {
                return Some(d as u8);
            }
            u -= w;
        }
        None
    }
}

/// Asks the CPU to start loading `v[i]`: the jobs pass reads the outlook of a random
/// firm per person, and at scale 1 that table is larger than the cache.
#[inline(always)]
fn prefetch<T>(v: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(x) = v.get(i) {
        // SAFETY: prefetching is a hint; the pointer is to an element of `v`.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                (x as *const T).cast(),
            )
        };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (v, i);
}

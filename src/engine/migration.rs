//! The migration pass, pass 5 of the step (docs/model.md §7.10, §7.11). Residents of the
//! labour force reconsider where to live and choose by multinomial logit with a hukou
//! barrier; arrivals beyond a city's housing capacity are refused by lottery. The rules are
//! in `rules/migration.rs` and `rules/housing.rs`; dependents follow in `dependents.rs`.

use rayon::prelude::*;

use super::draws::with_draws;
use super::rules::housing::{admitted, household_size, housing_room};
use super::rules::{logit, migration as rule, workers};
use super::tally::PersonKey;
use super::{CHUNK, Model};
use crate::agents::{DEPENDENT, NO_FIRM, OUTSIDE};
use crate::engine::record::Flows;
use crate::rng::{Purpose, StreamKey, bernoulli_threshold, draw_below};

/// [`rule::place_value`] of city `d` for a resident of skill `k`, now.
pub(crate) fn place_value(m: &Model, k: usize, d: usize) -> f64 {
    let cs = &m.cities;
    let (wage, unemployment) = (cs.wage[k][d], cs.unemployment(d));
    rule::place_value(
        &m.behaviour,
        wage,
        unemployment,
        cs.services[d],
        cs.housing[d],
        m.levers.amenity[d],
    )
}

/// [`rule::move_cost`] of moving from `c` to `d` holding hukou `h`, now.
pub(crate) fn move_cost(m: &Model, c: usize, d: usize, h: u8) -> f64 {
    let l = &m.levers;
    let without_hukou = h as usize != d;
    let (cost_scale, barrier_scale) = (l.migration_cost_scale[d], l.hukou_barrier_scale[d]);
    rule::move_cost(
        &m.behaviour,
        m.region.distance(c, d),
        cost_scale,
        without_hukou,
        barrier_scale,
    )
}

/// Pass 5: migration decisions in parallel, applied in id order with a capacity lottery.
/// Returns the labour-force movers of the step (migrants and firm followers) per
/// (origin, destination), row-major, for the dependents to follow.
pub(crate) fn migrate(m: &mut Model, flows: &mut Flows) -> Vec<u64> {
    let table = MoveTable::new(m);
    let key = m.key.purpose_key(m.step, Purpose::Migration);
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
    apply_migration(m, &accepted, flows)
}

/// Moves the accepted migrants in id order; one whose job is now beyond commuting range
/// quits it. Returns the migrants per (origin, destination).
fn apply_migration(m: &mut Model, accepted: &[(u32, u8)], flows: &mut Flows) -> Vec<u64> {
    let n = m.region.n_cities();
    let mut worker_flow = vec![0u64; n * n];
    for &(pi, d) in accepted {
        let pi = pi as usize;
        let before = PersonKey::of(&m.persons, pi);
        let (c, e, work) = (
            m.persons.city()[pi],
            m.persons.employer()[pi],
            m.persons.work_city()[pi],
        );
        let km = m.region.distance(d as usize, work as usize);
        if e != NO_FIRM && !workers::within_commute(&m.behaviour, km) {
            m.tally.head_count(&m.firms, e as usize, -1);
            m.firms.employees_mut()[e as usize] -= 1;
            m.persons.employer_mut()[pi] = NO_FIRM;
        }
        if m.persons.employer()[pi] == NO_FIRM {
            m.persons.work_city_mut()[pi] = d;
        }
        relocate(m, pi, d, flows);
        m.tally.change_person(before, PersonKey::of(&m.persons, pi));
        worker_flow[c as usize * n + d as usize] += 1;
    }
    worker_flow
}

/// Person `pi` comes to live in `d`, receiving its hukou where a policy grants it.
pub(crate) fn relocate(m: &mut Model, pi: usize, d: u8, flows: &mut Flows) {
    let c = m.persons.city()[pi];
    Model::add_flow(flows, (c, d, None), 0, 0, 1);
    m.persons.city_mut()[pi] = d;
    let granted = m.levers.hukou_grant[d as usize];
    let hukou = &mut m.persons.hukou_mut()[pi];
    *hukou = rule::hukou_after_move(*hukou, d, granted);
}

/// Where a migrant goes: cumulative multinomial-logit probabilities over destinations for
/// every (skill, origin, hukou) group, built once a step from the rules so a mover needs
/// one uniform draw instead of a Gumbel shock per city.
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
            let asc = &m.calibration.person_asc[k * n..(k + 1) * n];
            let place: Vec<f64> = (0..n).map(|d| place_value(m, k, d)).collect();
            for c in 0..n {
                for g in 0..=n {
                    let h = if g == n { OUTSIDE } else { g as u8 };
                    for d in 0..n {
                        v[d] = rule::destination_utility(asc[d], place[d], move_cost(m, c, d, h));
                    }
                    logit::softmax_into(&v, &mut p);
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

/// [`rule::reconsider_probability`] as [`bernoulli_threshold`]s by employment (index 1:
/// employed) and city.
/// Thresholds per city code, with 0 (no draw is below it) for codes beyond the cities,
/// so that rows of persons gone from the region (`NOWHERE`) never move, without a branch.
struct MigrationRates([Vec<u64>; 2]);

impl MigrationRates {
    fn new(m: &Model) -> MigrationRates {
        let by_city = |employed: bool| {
            let mult = &m.levers.migration_rate_multiplier;
            let mut t: Vec<u64> = mult
                .iter()
                .map(|&x| {
                    bernoulli_threshold(rule::reconsider_probability(&m.behaviour, employed, x))
                })
                .collect();
            t.resize(usize::from(u8::MAX) + 1, 0);
            t
        };
        MigrationRates([by_city(false), by_city(true)])
    }
}

/// Migration decisions of the persons in the chunk starting at `off`, in id order.
/// Dependents draw too and are masked afterwards, as in the jobs pass.
fn migration_choices(
    m: &Model,
    table: &MoveTable,
    rates: &MigrationRates,
    key: StreamKey,
    off: usize,
) -> Vec<(u32, u8)> {
    let p = &m.persons;
    let end = (off + CHUNK).min(p.len());
    let (skills, employers, cities) = (
        &p.skill()[off..end],
        &p.employer()[off..end],
        &p.city()[off..end],
    );
    let mut out = Vec::new();
    with_draws(key, off, end - off, |at, draws| {
        let rest = employers[at..].iter().zip(&cities[at..]).zip(draws);
        for (i, (&k, ((&e, &c), &draw))) in skills[at..].iter().zip(rest).enumerate() {
            let threshold = rates.0[usize::from(e != NO_FIRM)][c as usize];
            if draw_below(draw, threshold) & (k != DEPENDENT) {
                let pi = off + at + i;
                let mut st = key.stream(pi as u64);
                st.next_u64();
                let d = table.draw(k as usize, c as usize, p.hukou()[pi], st.uniform());
                if d != c as usize {
                    out.push((pi as u32, d as u8));
                }
            }
        }
    });
    out
}

/// [`household_size`] of every city, from the counts at the start of the step.
pub(crate) fn household_sizes(m: &Model) -> Vec<f64> {
    let counts = &m.cities.counts;
    (0..m.region.n_cities())
        .map(|c| {
            let lf = counts.labour_force[0][c] + counts.labour_force[1][c];
            household_size(counts.population[c], lf)
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
        departures[m.persons.city()[pi as usize] as usize] += 1.0;
        let mut st = m.key.stream(m.step, u64::from(pi), Purpose::Rationing);
        arrivals[d as usize].push((st.next_u64(), pi));
    }
    let present = residents_after_followers(m, flows, &household);
    let size = |pi: u32| household[m.persons.city()[pi as usize] as usize];
    let mut accepted = Vec::with_capacity(moves.len());
    for (d, list) in arrivals.iter_mut().enumerate() {
        let capacity = m.levers.capacity(d, m.region.city(d).capacity as f64);
        let room = housing_room(capacity, m.scale, present[d] - departures[d] * household[d]);
        if list.iter().map(|&(_, pi)| size(pi)).sum::<f64>() > room {
            list.sort_unstable();
            list.truncate(admitted(list.iter().map(|&(_, pi)| size(pi)), room));
        }
        accepted.extend(list.iter().map(|&(_, pi)| (pi, d as u8)));
    }
    accepted.sort_unstable();
    accepted
}

//! The migration pass, pass 5 of the step (docs/model.md §7.10, §7.11). Residents of the
//! labour force reconsider where to live and choose by multinomial logit with a hukou
//! barrier, among the cities and the rest of China (the outside option, location `n`);
//! arrivals beyond a city's housing capacity are refused by lottery. People of the rest
//! of China choose the same way, staying outside included, and those who choose a city
//! arrive with their households. The rules are in `rules/migration.rs` and
//! `rules/housing.rs`; dependents follow in `dependents.rs`.

use rayon::prelude::*;

use super::apply::{Chunk, admit, by_chunk, split_by_chunk, targets};
use super::draws::{stochastic_round, with_coarse_draws};
use super::open::OpenLimits;
use super::rules::housing::{admitted, household_size, housing_room};
use super::rules::{logit, migration as rule, workers};
use super::{CHUNK, Model};
use crate::agents::{DEPENDENT, HIGH, LOW, NO_FIRM, OUTSIDE};
use crate::engine::record::Flows;
use crate::rng::{Purpose, coarse_limit, threshold61, two_stage_below};
use crate::scenario::Behaviour;

/// [`rule::place_value`] of city `d` for a resident of skill `k`, now; 0 for the rest of
/// China (`d` = n), whose worth is all in its constant.
pub(crate) fn place_value(m: &Model, k: usize, d: usize) -> f64 {
    if d == m.region.n_cities() {
        return 0.0;
    }
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

/// [`rule::move_cost`] under parameters `b` of moving from location `c` to `d` holding
/// hukou `h`, now; location n is the rest of China. Within the region the cost is the
/// distance's, with the destination's levers; across the border it is `border_cost`,
/// which no policy changes: the migration-cost lever scales the distance term of moves
/// within the region (integration lowers the cost of moving between its cities, not of
/// coming from elsewhere in China); the destination's hukou barrier lever applies to
/// every migrant, its regional barrier lever to holders of a hukou of the region.
/// Living in the rest of China costs the barrier to a holder of a hukou of the region
/// [A].
pub(crate) fn move_cost(m: &Model, b: &Behaviour, c: usize, d: usize, h: u8) -> f64 {
    let (n, l) = (m.region.n_cities(), &m.levers);
    let (without_hukou, barrier_scale) = if d == n {
        (h != OUTSIDE, 1.0)
    } else {
        let regional = if h == OUTSIDE {
            1.0
        } else {
            l.regional_barrier_scale[d]
        };
        (h as usize != d, l.hukou_barrier_scale[d] * regional)
    };
    if c == n || d == n {
        let crossing = if c == d { 0.0 } else { b.border_cost };
        return crossing + rule::move_cost(b, 0.0, 1.0, without_hukou, barrier_scale);
    }
    let km = m.region.distance(c, d);
    rule::move_cost(
        b,
        km,
        l.migration_cost_scale[d],
        without_hukou,
        barrier_scale,
    )
}

/// People of the rest of China of skill `k` who reconsider where to live this year, in
/// agents: the pool fitted at the start (docs/model.md §5.4), scaled by `migration_rate`
/// against the reference value it was fitted at.
pub(crate) fn pool_movers(m: &Model, b: &Behaviour, k: usize) -> f64 {
    m.calibration.border_pool[k] * b.migration_rate / m.reference.migration_rate
}

/// Pass 5: migration decisions in parallel, applied in id order with a capacity lottery.
/// Returns the labour-force movers of the step (migrants and firm followers) per
/// (origin, destination), row-major, for the dependents to follow.
pub(crate) fn migrate(m: &mut Model, table: &MoveTable, flows: &mut Flows) -> Vec<u64> {
    let moves: Vec<(u32, u8)> = {
        let m: &Model = m;
        let rates = MigrationRates::new(m);
        let parts: Vec<Vec<(u32, u8)>> = (0..m.persons.len().div_ceil(CHUNK))
            .into_par_iter()
            .map(|ci| {
                if m.abandon.is_set() {
                    return Vec::new();
                }
                migration_choices(m, table, &rates, ci * CHUNK)
            })
            .collect();
        parts.concat()
    };
    let accepted = ration(m, &moves, flows);
    apply_migration(m, &accepted, flows)
}

/// Moves the accepted migrants in id order; one whose job is now beyond commuting range
/// quits it, one who leaves the region leaves it. Returns the migrants per (origin,
/// destination), row-major over the n + 1 locations.
fn apply_migration(m: &mut Model, accepted: &[(u32, u8)], flows: &mut Flows) -> Vec<u64> {
    let n = m.region.n_cities();
    let mut worker_flow = vec![0u64; n * (n + 1)];
    for &(pi, d) in accepted {
        let c = m.persons.city()[pi as usize];
        worker_flow[c as usize * (n + 1) + d as usize] += 1;
    }
    let parts = split_by_chunk(accepted, m.persons.len());
    let (region, behaviour, levers) = (&m.region, &m.behaviour, &m.levers);
    by_chunk(targets!(m), &parts, flows, |ch, &(pi, d)| {
        let i = ch.at(pi as usize);
        ch.change(i, |ch| {
            if d as usize == n {
                leave_region(ch, i);
                return;
            }
            let km = region.distance(d as usize, ch.work_city[i] as usize);
            if !workers::within_commute(behaviour, km) {
                ch.leave_job(i);
            }
            if ch.employer[i] == NO_FIRM {
                ch.work_city[i] = d;
            }
            ch.relocate(i, d, levers.hukou_grant[d as usize]);
        });
    });
    worker_flow
}

/// The person at `i` leaves for the rest of China, leaving any job; the row is freed.
/// Call inside [`Chunk::change`].
pub(crate) fn leave_region(ch: &mut Chunk<'_>, i: usize) {
    let c = ch.free_row(i);
    ch.vital.departures[c as usize] += 1;
}

/// Where a migrant goes: cumulative multinomial-logit probabilities over the n + 1
/// locations (the cities and the rest of China) for every (skill, origin, hukou) group,
/// origins including the rest of China, built once a step from the rules so a mover
/// needs one uniform draw instead of a Gumbel shock per location.
pub(crate) struct MoveTable {
    n: usize,
    /// `[((skill * (n + 1) + origin) * (n + 1) + hukou group) * (n + 1) + destination]`;
    /// the hukou group is the hukou city, or n for a hukou outside the region.
    cdf: Vec<f64>,
}

impl MoveTable {
    pub(crate) fn new(m: &Model) -> MoveTable {
        let n = m.region.n_cities();
        let l = n + 1;
        let mut cdf = Vec::with_capacity(2 * l * l * l);
        let mut v = vec![0.0; l];
        let mut p = vec![0.0; l];
        for k in 0..2 {
            let asc = &m.calibration.person_asc[k * l..(k + 1) * l];
            let place: Vec<f64> = (0..l).map(|d| place_value(m, k, d)).collect();
            for c in 0..l {
                for g in 0..l {
                    let h = if g == n { OUTSIDE } else { g as u8 };
                    for d in 0..l {
                        let cost = move_cost(m, &m.behaviour, c, d, h);
                        v[d] = rule::destination_utility(asc[d], place[d], cost);
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

    fn row(&self, skill: usize, origin: usize, hukou: u8) -> &[f64] {
        let l = self.n + 1;
        let g = if hukou == OUTSIDE {
            self.n
        } else {
            hukou as usize
        };
        &self.cdf[((skill * l + origin) * l + g) * l..][..l]
    }

    /// The location (n: the rest of China) a uniform draw `u` picks.
    fn draw(&self, skill: usize, origin: usize, hukou: u8, u: f64) -> usize {
        let row = self.row(skill, origin, hukou);
        row.iter().position(|&x| u < x).unwrap_or(self.n)
    }

    /// The probability that a person of the rest of China of skill `k` who reconsiders
    /// moves to city `d`.
    fn chosen_from_outside(&self, k: usize, d: usize) -> f64 {
        let row = self.row(k, self.n, OUTSIDE);
        row[d] - if d == 0 { 0.0 } else { row[d - 1] }
    }
}

/// Thresholds ([`threshold61`]) per (skill, employed, city code), with 0 (no draw is
/// below it) for dependants and for codes beyond the cities, so that neither they nor
/// rows of persons gone from the region (`NOWHERE`) move; and their [`coarse_limit`]s.
struct MigrationRates {
    threshold: Vec<u64>,
    open: OpenLimits,
}

impl MigrationRates {
    fn new(m: &Model) -> MigrationRates {
        let mut threshold = vec![0u64; 4 * 2 * 256];
        for k in [LOW, HIGH] {
            for employed in [false, true] {
                let mult = &m.levers.migration_rate_multiplier;
                for (c, &x) in mult.iter().enumerate() {
                    let p = rule::reconsider_probability(&m.behaviour, employed, x);
                    threshold[Self::index(k, employed, c as u8)] = threshold61(p);
                }
            }
        }
        let open = OpenLimits::new(m.region.n_cities(), |k, employed, c| {
            coarse_limit(threshold[Self::index(k, employed, c)])
        });
        MigrationRates { threshold, open }
    }

    #[inline]
    fn index(skill: u8, employed: bool, city: u8) -> usize {
        ((usize::from(skill & 3) << 1) | usize::from(employed)) << 8 | usize::from(city)
    }
}

/// Migration decisions of the persons in the chunk starting at `off`, in id order.
/// Every person draws whether to reconsider in two stages ([`two_stage_below`]): a
/// coarse byte, eight to a hash, against their group's limit ([`OpenLimits`]); those
/// whose byte leaves it open are decided, hashing their own stream only where the byte
/// holds their threshold; its second word draws the destination.
fn migration_choices(
    m: &Model,
    table: &MoveTable,
    rates: &MigrationRates,
    off: usize,
) -> Vec<(u32, u8)> {
    let coarse = m.key.purpose_key(m.step, Purpose::MigrationCoarse);
    let key = m.key.purpose_key(m.step, Purpose::Migration);
    let p = &m.persons;
    let end = (off + CHUNK).min(p.len());
    let (skills, employers, cities) = (
        &p.skill()[off..end],
        &p.employer()[off..end],
        &p.city()[off..end],
    );
    let mut out = Vec::new();
    with_coarse_draws(coarse, off, end - off, |at, bytes| {
        let (k, e, c) = (&skills[at..], &employers[at..], &cities[at..]);
        rates.open.for_each_open(bytes, k, e, c, |j| {
            let (i, b) = (at + j, bytes[j]);
            let (k, c, pi) = (skills[i], cities[i], off + i);
            let t = rates.threshold[MigrationRates::index(k, employers[i] != NO_FIRM, c)];
            let mut st = key.stream(pi as u64);
            if two_stage_below(b, t, || st.clone().next_u64()) {
                // The destination takes the stream's second word, as without the trial.
                st.next_u64();
                let d = table.draw(k as usize, c as usize, p.hukou()[pi], st.uniform());
                if d != c as usize {
                    out.push((pi as u32, d as u8));
                }
            }
        });
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
    let mut accepted = Vec::with_capacity(moves.len());
    for &(pi, d) in moves {
        departures[m.persons.city()[pi as usize] as usize] += 1.0;
        if d as usize == n {
            // Leaving the region needs no room in it.
            accepted.push((pi, d));
            continue;
        }
        let mut st = m.key.stream(m.step, u64::from(pi), Purpose::Rationing);
        arrivals[d as usize].push((st.next_u64(), pi));
    }
    let present = residents_after_followers(m, flows, &household);
    let size = |pi: u32| household[m.persons.city()[pi as usize] as usize];
    for (d, list) in arrivals.iter_mut().enumerate() {
        let room = room_in(m, d, present[d] - departures[d] * household[d]);
        if list.iter().map(|&(_, pi)| size(pi)).sum::<f64>() > room {
            list.sort_unstable();
            list.truncate(admitted(list.iter().map(|&(_, pi)| size(pi)), room));
        }
        accepted.extend(list.iter().map(|&(_, pi)| (pi, d as u8)));
    }
    accepted.sort_unstable();
    accepted
}

/// Arrivals from the rest of China, after the region's own moves: per skill and city,
/// the pool's reconsidering people times the probability they choose the city,
/// stochastically rounded with one draw each, within the housing room left. Each
/// arrival brings the dependants of a household of the region's mean size (rounded
/// with a draw per city) and registers outside the region, or where a policy grants
/// hukou to movers. They join in free rows (id order), as job seekers.
pub(crate) fn arrive(m: &mut Model, table: &MoveTable) {
    let n = m.region.n_cities();
    let counts = &m.cities.counts;
    let lf: u64 = (0..n)
        .map(|c| counts.labour_force[0][c] + counts.labour_force[1][c])
        .sum();
    let pop: u64 = counts.population.iter().sum();
    let dependants_per_worker = household_size(pop, lf) - 1.0;
    let mut people: Vec<(u8, u8)> = Vec::new();
    for d in 0..n {
        let room = arrival_room(m, d);
        let mut workers = [0u64; 2];
        for (k, w) in workers.iter_mut().enumerate() {
            let expected = pool_movers(m, &m.behaviour, k) * table.chosen_from_outside(k, d);
            let key = (k * n + d) as u64;
            *w = round_arrivals(m, key, expected);
        }
        let total = workers[0] + workers[1];
        let fit = ((room / (1.0 + dependants_per_worker)).floor().max(0.0) as u64).min(total);
        // Fewer fit than come: both skills in proportion, high skill rounded down.
        let high = (workers[1] * fit).checked_div(total).unwrap_or(0);
        let key = (2 * n + d) as u64;
        let deps = round_arrivals(m, key, fit as f64 * dependants_per_worker);
        people.extend(std::iter::repeat_n((d as u8, HIGH), high as usize));
        people.extend(std::iter::repeat_n((d as u8, LOW), (fit - high) as usize));
        people.extend(std::iter::repeat_n((d as u8, DEPENDENT), deps as usize));
    }
    place_arrivals(m, &people);
}

/// Residents city `d` may still take, in persons.
fn arrival_room(m: &Model, d: usize) -> f64 {
    room_in(m, d, m.tally.population[d] as f64).max(0.0)
}

/// [`housing_room`] of city `d` with `residents`, under its capacity with any policy
/// change or cap.
pub(crate) fn room_in(m: &Model, d: usize, residents: f64) -> f64 {
    let capacity = m.levers.capacity(d, m.region.city(d).capacity as f64);
    housing_room(capacity, m.scale, residents)
}

/// `x` rounded with the draw keyed by `key` for arrivals.
fn round_arrivals(m: &Model, key: u64, x: f64) -> u64 {
    stochastic_round(x, &mut m.key.stream(m.step, key, Purpose::Arrivals))
}

fn place_arrivals(m: &mut Model, people: &[(u8, u8)]) {
    let levers = &m.levers;
    let hukou =
        |_: usize, d: u8| rule::hukou_after_move(OUTSIDE, d, levers.hukou_grant[d as usize]);
    admit(targets!(m), people, hukou, |v| &mut v.arrivals);
}

//! Natural change, pass 4c of the step (docs/model.md §7.16): residents die, the labour
//! force ages out (retires) and dependants age into it, and children are born. The
//! rules are in `rules/vital.rs`; this file applies them to every person, reproducibly.
//!
//! A person who dies keeps their row with city [`NOWHERE`](crate::agents::NOWHERE), so ids and random streams
//! stay stable; births (and arrivals from outside the region, `migration.rs`) fill
//! such rows in id order before the table grows (`apply::admit`).

use rayon::prelude::*;

use super::apply::{admit, by_chunk, targets};
use super::draws::{stochastic_round, with_coarse_draws};
use super::open::OpenLimits;
use super::rules::vital::{self, Fate};
use super::{CHUNK, Model};
use crate::agents::DEPENDENT;
use crate::engine::record::Flows;
use crate::rng::{Purpose, coarse_limit, threshold61, two_stage_below};

/// People entering, leaving or changing in one step, per city, in agents.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Vital {
    pub births: Vec<u64>,
    pub deaths: Vec<u64>,
    /// Arrivals from outside the region (labour force and dependants).
    pub arrivals: Vec<u64>,
    /// Departures to outside the region.
    pub departures: Vec<u64>,
}

impl Vital {
    pub fn zero(n: usize) -> Vital {
        Vital {
            births: vec![0; n],
            deaths: vec![0; n],
            arrivals: vec![0; n],
            departures: vec![0; n],
        }
    }

    pub(crate) fn add(&mut self, o: &Vital) {
        let add = |a: &mut Vec<u64>, b: &Vec<u64>| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        add(&mut self.births, &o.births);
        add(&mut self.deaths, &o.deaths);
        add(&mut self.arrivals, &o.arrivals);
        add(&mut self.departures, &o.departures);
    }
}

/// The thresholds ([`threshold61`]) one city's residents draw against this year.
#[derive(Clone, Copy, Default)]
struct CityThresholds {
    die: u64,
    retire: u64,
    enter: u64,
}

/// Thresholds per city code, all 0 for codes beyond the cities, so that rows of persons
/// gone from the region ([`NOWHERE`](crate::agents::NOWHERE)) never draw a fate, without a branch; and the
/// expected births per city.
fn thresholds(m: &Model) -> (Box<[CityThresholds; 256]>, Vec<f64>) {
    let (year, counts) = (m.year(), &m.cities.counts);
    let share = m.region.spec.labour.labour_force_share;
    let mut births = Vec::new();
    let mut table = Box::new([CityThresholds::default(); 256]);
    let cities = (0..m.region.n_cities()).map(|c| {
        let (b, d) = m.region.vital_rates(&m.region.city(c).province, year);
        let n = counts.population[c] as f64;
        let lf = (counts.labour_force[0][c] + counts.labour_force[1][c]) as f64;
        let r = m.behaviour.retirement_rate;
        let e = vital::entry_probability(share, n, lf, b, d, r);
        births.push(b * n);
        let (die, retire, enter) = (
            threshold61(d),
            threshold61((d + r).min(1.0)),
            threshold61((d + e).min(1.0)),
        );
        CityThresholds { die, retire, enter }
    });
    for (t, c) in table.iter_mut().zip(cities) {
        *t = c;
    }
    (table, births)
}

/// Pass 4c: deaths, retirements, entries into the labour force, then births.
pub(crate) fn natural_change(m: &mut Model) {
    let (limits, expected_births) = thresholds(m);
    let open = OpenLimits::new(m.region.n_cities(), |k, _, c| {
        let t = &limits[usize::from(c)];
        coarse_limit(t.die.max(if k == DEPENDENT { t.enter } else { t.retire }))
    });
    let parts: Vec<Vec<(u32, Fate)>> = (0..m.persons.len().div_ceil(CHUNK))
        .into_par_iter()
        .map(|ci| fates(m, &limits, &open, ci * CHUNK))
        .collect();
    apply_fates(m, &parts);
    let births = born(m, &expected_births);
    place_births(m, &births);
}

/// The fates other than staying of the persons of the chunk from `off` on, in id
/// order. Every resident draws in two stages ([`two_stage`](crate::rng::two_stage)): a
/// coarse byte, eight to a hash; the few (about one in twenty) whose byte is below
/// their group's limit in `open` are decided, hashing their own stream only where the
/// byte holds a threshold ([`two_stage_below`]).
fn fates(
    m: &Model,
    limits: &[CityThresholds; 256],
    open: &OpenLimits,
    off: usize,
) -> Vec<(u32, Fate)> {
    let p = &m.persons;
    let end = (off + CHUNK).min(p.len());
    let (city, skill, employer) = (
        &p.city()[off..end],
        &p.skill()[off..end],
        &p.employer()[off..end],
    );
    let coarse = m.key.purpose_key(m.step, Purpose::DemographyCoarse);
    let fine = m.key.purpose_key(m.step, Purpose::Demography);
    let mut out = Vec::new();
    with_coarse_draws(coarse, off, city.len(), |at, bytes| {
        let (k, e, c) = (&skill[at..], &employer[at..], &city[at..]);
        open.for_each_open(bytes, k, e, c, |j| {
            let (i, b) = (at + j, bytes[j]);
            let t = &limits[city[i] as usize];
            let pi = off + i;
            let mut word = None;
            let below = |threshold| {
                two_stage_below(b, threshold, || {
                    *word.get_or_insert_with(|| fine.stream(pi as u64).next_u64())
                })
            };
            let fate = vital::fate(skill[i] == DEPENDENT, below, t.die, t.retire, t.enter);
            if fate != Fate::Stays {
                out.push((pi as u32, fate));
            }
        });
    });
    out
}

/// Applies deaths, retirements and entries, chunk by chunk.
fn apply_fates(m: &mut Model, parts: &[Vec<(u32, Fate)>]) {
    let (key, step, region) = (m.key, m.step, &m.region);
    let parts: Vec<&[(u32, Fate)]> = parts.iter().map(Vec::as_slice).collect();
    by_chunk(targets!(m), &parts, &mut Flows::new(), |ch, &(pi, fate)| {
        let i = ch.at(pi as usize);
        ch.change(i, |ch| match fate {
            Fate::Dies => {
                let c = ch.free_row(i);
                ch.vital.deaths[c as usize] += 1;
            }
            Fate::Retires => {
                ch.leave_job(i);
                ch.skill[i] = DEPENDENT;
            }
            Fate::Enters => {
                let mut s = key.stream(step, u64::from(pi), Purpose::Demography);
                s.next_u64();
                let high = region.city(ch.city[i] as usize).high_skill_share;
                ch.skill[i] = vital::entrant_skill(s.uniform(), high);
            }
            Fate::Stays => {}
        });
    });
}

/// Births per city this year: the expected number, stochastically rounded with one
/// draw per city.
fn born(m: &Model, expected: &[f64]) -> Vec<u64> {
    expected
        .iter()
        .enumerate()
        .map(|(c, &x)| stochastic_round(x, &mut m.key.stream(m.step, c as u64, Purpose::Births)))
        .collect()
}

/// Newborns, city by city, as dependants in free rows (id order), then new rows; each
/// holds its city's hukou unless, as for that share of its residents, it is registered
/// outside the region.
fn place_births(m: &mut Model, births: &[u64]) {
    let people: Vec<(u8, u8)> = (births.iter().enumerate())
        .flat_map(|(c, &k)| std::iter::repeat_n((c as u8, DEPENDENT), k as usize))
        .collect();
    let (key, step, region) = (m.key, m.step, &m.region);
    let hukou = |row: usize, c: u8| {
        let u = key.stream(step, row as u64, Purpose::Births).uniform();
        vital::newborn_hukou(c, u, region.city(c as usize).non_hukou_share)
    };
    admit(targets!(m), &people, hukou, |v| &mut v.births);
}

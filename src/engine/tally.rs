//! City counts kept up to date as agents change, so the end of a step costs work in
//! proportion to the agents that changed, not a pass over all of them.
//!
//! Every change to a person's city, job or work city, and every firm entry, exit, move
//! or change of head count goes through [`Tally`]. Passes within a step read the counts
//! of the step's start ([`super::CityState`]); the tally is published there at the end
//! of the step. [`Tally::count`] recounts from the agents: used at the start, after a
//! checkpoint is read, and in debug builds after every step to check the running tally.

use rayon::prelude::*;

use super::CHUNK;
use crate::agents::{DEPENDENT, Firms, NO_FIRM, NOWHERE, Persons};
use crate::region::Region;

/// The part of a person the counts depend on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PersonKey {
    city: u8,
    skill: u8,
    employed: bool,
    work_city: u8,
}

impl PersonKey {
    #[inline]
    pub(crate) fn new(city: u8, skill: u8, employer: u32, work_city: u8) -> PersonKey {
        PersonKey {
            city,
            skill,
            employed: employer != NO_FIRM,
            work_city,
        }
    }

    #[inline]
    pub(crate) fn of(p: &Persons, i: usize) -> PersonKey {
        PersonKey {
            city: p.city()[i],
            skill: p.skill()[i],
            employed: p.employer()[i] != NO_FIRM,
            work_city: p.work_city()[i],
        }
    }
}

/// Integer counts per city (and per city x sector, row-major), in agents.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    n_sectors: usize,
    pub population: Vec<u64>,
    /// Labour force by skill (low, high), residents.
    pub labour_force: [Vec<u64>; 2],
    /// Employed residents by skill.
    pub employed: [Vec<u64>; 2],
    /// Residents working in another city.
    pub commuters_out: Vec<u64>,
    /// Jobs located here, by the residents' work city.
    pub jobs: Vec<u64>,
    /// Live firms, as sums of weights ([`crate::agents::FULL_WEIGHT`] per whole agent).
    pub firms: Vec<u64>,
    pub firms_cs: Vec<u64>,
    /// Head count of live firms.
    pub employment_cs: Vec<u64>,
    /// Labour demand (firm targets) by skill, in thousandths of a job so sums are exact.
    pub demand_units: [Vec<u64>; 2],
}

impl Tally {
    pub(crate) fn zero(n: usize, ns: usize) -> Tally {
        Tally {
            n_sectors: ns,
            population: vec![0; n],
            labour_force: [vec![0; n], vec![0; n]],
            employed: [vec![0; n], vec![0; n]],
            commuters_out: vec![0; n],
            jobs: vec![0; n],
            firms: vec![0; n],
            firms_cs: vec![0; n * ns],
            employment_cs: vec![0; n * ns],
            demand_units: [vec![0; n], vec![0; n]],
        }
    }

    /// Cities and sectors counted.
    pub(crate) fn dims(&self) -> (usize, usize) {
        (self.population.len(), self.n_sectors)
    }

    /// Counts everything from the agents: integer sums over fixed chunks, so the result
    /// is the same for any split of the work.
    pub fn count(region: &Region, firms: &Firms, persons: &Persons) -> Tally {
        let (n, ns) = (region.n_cities(), region.n_sectors());
        let people = (0..persons.len().div_ceil(CHUNK))
            .into_par_iter()
            .map(|ci| {
                let mut t = Tally::zero(n, ns);
                for i in ci * CHUNK..((ci + 1) * CHUNK).min(persons.len()) {
                    t.add_person(PersonKey::of(persons, i));
                }
                t
            })
            .reduce(|| Tally::zero(n, ns), Tally::plus);
        let businesses = (0..firms.len().div_ceil(CHUNK))
            .into_par_iter()
            .map(|ci| {
                let mut t = Tally::zero(n, ns);
                for f in ci * CHUNK..((ci + 1) * CHUNK).min(firms.len()) {
                    t.add_firm(region, firms, f);
                }
                t
            })
            .reduce(|| Tally::zero(n, ns), Tally::plus);
        people.plus(businesses)
    }

    /// Sums two tallies; either may be a change (with removals as wrapped negatives).
    pub(crate) fn plus(mut self, o: Tally) -> Tally {
        let add = |a: &mut Vec<u64>, b: &Vec<u64>| {
            a.iter_mut()
                .zip(b)
                .for_each(|(x, y)| *x = x.wrapping_add(*y))
        };
        add(&mut self.population, &o.population);
        for k in 0..2 {
            add(&mut self.labour_force[k], &o.labour_force[k]);
            add(&mut self.employed[k], &o.employed[k]);
            add(&mut self.demand_units[k], &o.demand_units[k]);
        }
        add(&mut self.commuters_out, &o.commuters_out);
        add(&mut self.jobs, &o.jobs);
        add(&mut self.firms, &o.firms);
        add(&mut self.firms_cs, &o.firms_cs);
        add(&mut self.employment_cs, &o.employment_cs);
        self
    }

    /// Adds (`sign` 1) or removes (`sign` -1, as wrapping addition) one person's counts.
    #[inline]
    fn person(&mut self, p: PersonKey, sign: u64) {
        if p.city == NOWHERE {
            return;
        }
        let c = p.city as usize;
        self.population[c] = self.population[c].wrapping_add(sign);
        if p.skill == DEPENDENT {
            return;
        }
        let k = p.skill as usize;
        self.labour_force[k][c] = self.labour_force[k][c].wrapping_add(sign);
        if p.employed {
            let w = p.work_city as usize;
            self.employed[k][c] = self.employed[k][c].wrapping_add(sign);
            self.jobs[w] = self.jobs[w].wrapping_add(sign);
            if w != c {
                self.commuters_out[c] = self.commuters_out[c].wrapping_add(sign);
            }
        }
    }

    #[inline]
    fn add_person(&mut self, p: PersonKey) {
        self.person(p, 1);
    }

    /// A person changed from `before` to `after`.
    #[inline]
    pub(crate) fn change_person(&mut self, before: PersonKey, after: PersonKey) {
        if before != after {
            self.person(before, u64::MAX);
            self.person(after, 1);
        }
    }

    /// A job seeker of skill `k` living in `home` was hired for a job in `work`.
    #[inline]
    pub(crate) fn hired(&mut self, home: usize, work: usize, k: u8) {
        self.employed[k as usize][home] += 1;
        self.jobs[work] += 1;
        if work != home {
            self.commuters_out[home] += 1;
        }
    }

    /// Adds (`sign` 1) or removes (-1) firm `f` as it is now, if it is alive.
    fn firm(&mut self, region: &Region, firms: &Firms, f: usize, sign: u64) {
        if !firms.alive()[f] {
            return;
        }
        let (c, s) = (firms.city()[f] as usize, firms.sector()[f] as usize);
        let cs = c * self.n_sectors + s;
        let times = |x: u64| x.wrapping_mul(sign);
        let weight = times(u64::from(firms.weight()[f]));
        self.firms[c] = self.firms[c].wrapping_add(weight);
        self.firms_cs[cs] = self.firms_cs[cs].wrapping_add(weight);
        self.employment_cs[cs] =
            self.employment_cs[cs].wrapping_add(times(u64::from(firms.employees()[f])));
        let t = u64::from(firms.target()[f]) * 1000;
        let high = (t as f64 * region.sector(s).high_skill_share).round() as u64;
        self.demand_units[1][c] = self.demand_units[1][c].wrapping_add(times(high));
        self.demand_units[0][c] = self.demand_units[0][c].wrapping_add(times(t - high));
    }

    /// Counts firm `f` (after it entered, or after a move).
    pub(crate) fn add_firm(&mut self, region: &Region, firms: &Firms, f: usize) {
        self.firm(region, firms, f, 1);
    }

    /// Uncounts firm `f` (before it exits or moves).
    pub(crate) fn remove_firm(&mut self, region: &Region, firms: &Firms, f: usize) {
        self.firm(region, firms, f, u64::MAX);
    }

    /// The head count of a live firm in city `c` and sector `s` changes by `delta`.
    #[inline]
    pub(crate) fn head_count_in(&mut self, c: usize, s: u8, delta: i64) {
        let cs = c * self.n_sectors + s as usize;
        self.employment_cs[cs] = self.employment_cs[cs].wrapping_add_signed(delta);
    }

    /// Firm `f`'s head count is about to change by `delta`.
    #[inline]
    pub(crate) fn head_count(&mut self, firms: &Firms, f: usize, delta: i64) {
        if firms.alive()[f] {
            let cs = firms.city()[f] as usize * self.n_sectors + firms.sector()[f] as usize;
            self.employment_cs[cs] = self.employment_cs[cs].wrapping_add_signed(delta);
        }
    }
}

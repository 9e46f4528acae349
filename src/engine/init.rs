//! The initial population: persons and firms per city and sector at the chosen scale,
//! matching the region's figures of the start year (docs/model.md §2.6).

use rayon::prelude::*;

use super::rules::demography::{pareto_weight, productivity};
use super::{Abandon, CHUNK};
use crate::agents::{DEPENDENT, Firms, HIGH, LOW, OUTSIDE, Persons};
use crate::region::Region;
use crate::rng::{Purpose, RunKey, to_uniform};
use crate::scenario::Behaviour;

/// Rounds `weights * total` to integers that sum to `total` (largest remainder; ties by
/// index), so cell counts add up exactly to their totals.
pub(crate) fn apportion(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    if total == 0 || sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights.iter().map(|w| w / sum * total as f64).collect();
    let mut out: Vec<u64> = exact.iter().map(|x| x.floor() as u64).collect();
    let mut left = total - out.iter().sum::<u64>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &i in order.iter().cycle() {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out
}

/// Persons of one city at the start: residents, labour force, high skill, employed.
struct CityCounts {
    first: usize,
    n: usize,
    lf: usize,
    high: usize,
    employed: u64,
}

impl CityCounts {
    /// The skill of the city's resident of this rank: high skill first, then low, then
    /// dependents.
    fn skill_of(&self, rank: usize) -> u8 {
        if rank < self.high {
            HIGH
        } else if rank < self.lf {
            LOW
        } else {
            DEPENDENT
        }
    }
}

fn city_counts(region: &Region, scale: f64) -> Vec<CityCounts> {
    let l = &region.spec.labour;
    let mut first = 0;
    region
        .spec
        .cities
        .iter()
        .map(|city| {
            let n = crate::region::agents_at(city.population, scale) as usize;
            let lf = (n as f64 * l.labour_force_share).round() as usize;
            let counts = CityCounts {
                first,
                n,
                lf,
                high: (lf as f64 * city.high_skill_share).round() as usize,
                employed: (lf as f64 * (1.0 - l.unemployment_rate)).round() as u64,
            };
            first += n;
            counts
        })
        .collect()
}

/// Residents of every city, in city order, high skill first, then low, then dependents;
/// filled in parallel (each person's hukou draw is keyed by its id).
fn populate_persons(
    region: &Region,
    key: RunKey,
    counts: &[CityCounts],
    abandon: &Abandon,
) -> Persons {
    let total: usize = counts.iter().map(|c| c.n).sum();
    let mut p = Persons::with_len(total);
    let draws = key.purpose_key(0, Purpose::InitPerson);
    let cols = p.columns_mut();
    let slices = cols
        .city
        .par_chunks_mut(CHUNK)
        .zip(cols.hukou.par_chunks_mut(CHUNK))
        .zip(cols.skill.par_chunks_mut(CHUNK));
    let slices = slices.zip(cols.work_city.par_chunks_mut(CHUNK));
    slices
        .enumerate()
        .for_each(|(ci, (((city, hukou), skill), work))| {
            // An abandoned initialisation is dropped whole.
            if abandon.is_set() {
                return;
            }
            let off = ci * CHUNK;
            let mut c = counts.partition_point(|k| k.first <= off) - 1;
            let mut first = vec![0u64; city.len()];
            draws.first_draws(off as u64, &mut first);
            for i in 0..city.len() {
                let id = off + i;
                while id >= counts[c].first + counts[c].n {
                    c += 1;
                }
                // The stream's first draw as a Bernoulli trial (`Stream::bernoulli`).
                let outside = to_uniform(first[i]) < region.city(c).non_hukou_share;
                city[i] = c as u8;
                work[i] = c as u8;
                hukou[i] = if outside { OUTSIDE } else { c as u8 };
                skill[i] = counts[c].skill_of(id - counts[c].first);
            }
        });
    p
}

pub fn populate(
    region: &Region,
    b: &Behaviour,
    key: RunKey,
    scale: f64,
    abandon: &Abandon,
) -> (Firms, Persons) {
    let counts = city_counts(region, scale);
    let mut persons = populate_persons(region, key, &counts, abandon);
    let mut firms = Firms::default();
    for (c, k) in counts.iter().enumerate() {
        let city = region.city(c);
        let employment = apportion(k.employed, &city.employment_shares);
        let firm_weights: Vec<f64> = city
            .employment_shares
            .iter()
            .zip(&region.spec.sectors)
            .map(|(sh, s)| sh / s.relative_firm_size)
            .collect();
        let real_firms = apportion(crate::region::agents_at(city.firms, scale), &firm_weights);
        // Workers are the first `employed` labour-force persons of the city, high skill
        // first; hiring is skill-blind, so the order only fixes who starts employed.
        let mut next_worker = k.first;
        for s in 0..region.n_sectors() {
            // Filling the firms is serial and long at large scales.
            if abandon.is_set() {
                return (firms, persons);
            }
            let cell = Cell {
                city: c,
                sector: s,
                jobs: employment[s],
                firms: real_firms[s],
                largest: largest_firm(b, k.employed),
            };
            for (f, target) in found_firms(&mut firms, b, key, cell) {
                persons.employer_mut()[next_worker..next_worker + target].fill(f);
                next_worker += target;
            }
        }
        debug_assert!(next_worker - k.first == k.employed as usize);
    }
    debug_assert!(persons.columns_agree() && firms.columns_agree());
    (firms, persons)
}

/// A (city, sector) cell at the start: its jobs and its firms in the data, in agents,
/// and the most jobs one firm agent of the city may hold.
#[derive(Clone, Copy)]
struct Cell {
    city: usize,
    sector: usize,
    jobs: u64,
    firms: u64,
    largest: u64,
}

/// The most jobs one firm agent may hold in a city with `jobs` jobs (agents):
/// `max_firm_share` of them, at least one. At small scales a firm agent stands for many
/// firms; without the cap one agent of a Pareto tail held a tenth of a small city's
/// jobs and moved them in one lump.
pub(crate) fn largest_firm(b: &Behaviour, jobs: u64) -> u64 {
    ((jobs as f64 * b.max_firm_share).floor() as u64).max(1)
}

/// [`apportion`] with no share above `cap`: shares that would pass it are fixed at it and
/// the rest is apportioned again among the others, until none passes (or, where the
/// total cannot fit under the cap, as evenly as the total allows).
pub(crate) fn apportion_capped(total: u64, weights: &[f64], cap: u64) -> Vec<u64> {
    let n = weights.len() as u64;
    if n == 0 || total >= n * cap {
        return apportion(total, &vec![1.0; weights.len()]);
    }
    let mut fixed = vec![false; weights.len()];
    loop {
        let held = fixed.iter().filter(|&&f| f).count() as u64 * cap;
        let free: Vec<f64> = (weights.iter().zip(&fixed))
            .map(|(&w, &f)| if f { 0.0 } else { w })
            .collect();
        let mut out = apportion(total - held, &free);
        let mut changed = false;
        for (i, x) in out.iter_mut().enumerate() {
            if fixed[i] {
                *x = cap;
            } else if *x > cap {
                fixed[i] = true;
                changed = true;
            }
        }
        if !changed {
            return out;
        }
    }
}

/// Appends the firms of `cell`, fully staffed, and returns each one's id and size. A
/// cell with jobs has at least one firm and no more firms than jobs; sizes are
/// Pareto-weighted shares of the jobs beyond one per firm.
fn found_firms(firms: &mut Firms, b: &Behaviour, key: RunKey, cell: Cell) -> Vec<(u32, usize)> {
    let nf = if cell.jobs > 0 { cell.firms.max(1) } else { 0 };
    let nf = nf.min(cell.jobs);
    let weights: Vec<f64> = (0..nf)
        .map(|j| {
            let id = (firms.len() + j as usize) as u64;
            let mut st = key.stream(0, id, Purpose::FirmSize);
            pareto_weight(st.uniform(), b.firm_size_tail, b.firm_size_max_ratio)
        })
        .collect();
    // Every firm keeps at least one job: give each one, spread the rest by weight, none
    // above the city's largest firm.
    let rest = apportion_capped(cell.jobs - nf, &weights, cell.largest.saturating_sub(1));
    let mut founded = Vec::with_capacity(rest.len());
    for r in rest {
        let id = firms.len() as u64;
        let mut st = key.stream(0, id, Purpose::InitFirm);
        let prod = productivity(st.normal(), b.productivity_sigma);
        let age = st.below(30) as u16;
        let target = (r + 1) as u32;
        let (c, s) = (cell.city as u8, cell.sector as u8);
        let f = firms.push(id, s, c, target, prod, age);
        firms.employees_mut()[f as usize] = target;
        founded.push((f, target as usize));
    }
    founded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_keeps_the_total() {
        let v = apportion(10, &[1.0, 1.0, 1.0]);
        assert_eq!(v.iter().sum::<u64>(), 10);
        assert_eq!(v, vec![4, 3, 3]);
        assert_eq!(apportion(0, &[1.0]), vec![0]);
    }

    #[test]
    fn a_capped_apportionment_spreads_what_passes_the_cap() {
        let v = apportion_capped(100, &[50.0, 1.0, 1.0, 1.0, 1.0], 40);
        assert_eq!(v.iter().sum::<u64>(), 100);
        assert_eq!(v[0], 40);
        assert!(v.iter().all(|&x| x <= 40), "{v:?}");
        // More than the cap allows: as even as it gets.
        assert_eq!(apportion_capped(10, &[9.0, 1.0], 2), vec![5, 5]);
        assert_eq!(apportion_capped(0, &[1.0, 1.0], 0), vec![0, 0]);
    }
}

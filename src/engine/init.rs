//! The initial population: persons and firms per city and sector at the chosen scale,
//! matching the region's figures of the start year (docs/model.md §2.6).

use rayon::prelude::*;

use super::rules::demography::{pareto_weight, productivity};
use super::{Abandon, CHUNK};
use crate::agents::{DEPENDENT, FULL_WEIGHT, Firms, HIGH, LOW, OUTSIDE, Persons};
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
    let largest = largest_firm(b, counts.iter().map(|k| k.employed));
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
                largest,
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

/// The most jobs one firm agent may hold, given the jobs (agents) of each city:
/// `max_firm_share` of those of the city with the fewest (among cities with any), at
/// least one. One cap for every city, so a firm agent that moves or enters anywhere
/// stays within that share of its city's jobs. At small scales a firm agent stands for
/// many firms; without the cap one agent of a Pareto tail held a tenth of a small
/// city's jobs and moved them in one lump. Larger firms are split into pieces that
/// share their weight (`firms::pieces`).
pub(crate) fn largest_firm(b: &Behaviour, jobs_by_city: impl IntoIterator<Item = u64>) -> u64 {
    let fewest = jobs_by_city
        .into_iter()
        .filter(|&j| j > 0)
        .min()
        .unwrap_or(1);
    ((fewest as f64 * b.max_firm_share).floor() as u64).max(1)
}

/// Appends the firms of `cell`, fully staffed, and returns each agent's id and size. A
/// cell with jobs has at least one firm and no more firms than jobs; sizes are
/// Pareto-weighted shares of the jobs beyond one per firm, and a firm above the cell's
/// largest is split into agents that share its weight, productivity and age.
fn found_firms(firms: &mut Firms, b: &Behaviour, key: RunKey, cell: Cell) -> Vec<(u32, usize)> {
    let nf = if cell.jobs > 0 { cell.firms.max(1) } else { 0 };
    let nf = nf.min(cell.jobs);
    let first = firms.len();
    let weights: Vec<f64> = (0..nf)
        .map(|j| {
            let mut st = key.stream(0, first as u64 + j, Purpose::FirmSize);
            pareto_weight(st.uniform(), b.firm_size_tail, b.firm_size_max_ratio)
        })
        .collect();
    // Every firm keeps at least one job: give each one, spread the rest by weight.
    let rest = apportion(cell.jobs - nf, &weights);
    let mut founded = Vec::with_capacity(rest.len());
    for (j, r) in rest.into_iter().enumerate() {
        // The firm's draws are keyed by its place among the cell's firms (the first
        // id of the cell plus its rank), drawn once for all its pieces.
        let mut st = key.stream(0, (first + j) as u64, Purpose::InitFirm);
        let prod = productivity(st.normal(), b.productivity_sigma);
        let age = st.below(30) as u16;
        let (c, s) = (cell.city as u8, cell.sector as u8);
        let target = (r + 1) as u32;
        for (t, w) in crate::engine::firms::pieces(target, FULL_WEIGHT, cell.largest as u32) {
            let id = firms.len() as u64;
            let f = firms.push(id, s, c, t, prod, age);
            firms.weight_mut()[f as usize] = w;
            firms.employees_mut()[f as usize] = t;
            founded.push((f, t as usize));
        }
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
}

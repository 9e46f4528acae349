//! Start in equilibrium (docs/model.md §5.4): alternative-specific constants per (sector,
//! city) for firms and per (skill, city) for persons are solved so that, with no policy,
//! the 2020 distribution is a steady state in expectation. The solver is the usual
//! share-matching contraction: raise a city's constant by log(observed / predicted)
//! until expected inflows equal expected outflows everywhere.

use crate::math::Det;

use rayon::prelude::*;

use super::firms::{FirmChoice, HazardTables, base_hazard, exit_probability};
use super::migration::{move_cost, place_value};
use super::rules::logit::softmax_into;
use super::rules::migration::{destination_utility, reconsider_probability};
use super::{Calibration, Model, init};
use crate::agents::{DEPENDENT, NO_FIRM, OUTSIDE, firm_agents};
use crate::scenario::Behaviour;

/// Where stayers dominate (a high hukou barrier, a strong taste for public services) the
/// contraction is slow: the valid parameter ranges need up to some tens of thousands of
/// iterations. A run that converges sooner stops sooner, with the same constants.
const MAX_ITERATIONS: usize = 200_000;
const TOLERANCE: f64 = 1e-10;

/// Fills `m.calibration`: mean sizes first (hazards depend on them), then constants.
pub(crate) fn calibrate(m: &mut Model) {
    let (cell_mean_size, sector_mean_size) = mean_sizes(m);
    m.calibration = Calibration {
        firm_asc: vec![],
        entry_asc: vec![],
        person_asc: vec![],
        border_pool: [0.0; 2],
        cell_mean_size,
        sector_mean_size,
        // As the population was built: the cities' jobs at the start.
        largest_firm: init::largest_firm(&m.behaviour, m.tally.jobs.iter().copied()) as u32,
    };
    (m.calibration.firm_asc, m.calibration.entry_asc) = firm_constants(m);
    m.calibration.person_asc = person_constants(m);
}

/// Mean target sizes per whole agent (a split firm's pieces count by their weight), by
/// cell and by sector.
fn mean_sizes(m: &Model) -> (Vec<f64>, Vec<f64>) {
    let (n, ns) = (m.region.n_cities(), m.region.n_sectors());
    let mut cell = vec![(0u64, 0u64); n * ns];
    let mut sector = vec![(0u64, 0u64); ns];
    for f in 0..m.firms.len() {
        let (c, s) = (m.firms.city()[f] as usize, m.firms.sector()[f] as usize);
        let (t, w) = (
            u64::from(m.firms.target()[f]),
            u64::from(m.firms.weight()[f]),
        );
        cell[c * ns + s].0 += t;
        cell[c * ns + s].1 += w;
        sector[s].0 += t;
        sector[s].1 += w;
    }
    let mean = |(t, w): (u64, u64)| (w > 0).then(|| t as f64 / firm_agents(w));
    let sector_mean: Vec<f64> = sector.iter().map(|&x| mean(x).unwrap_or(1.0)).collect();
    let cell_mean = (cell.iter().enumerate())
        .map(|(i, &x)| mean(x).unwrap_or(sector_mean[i % ns]))
        .collect();
    (cell_mean, sector_mean)
}

/// Firm constants balance expected *jobs* per (sector, city): movers keep their size,
/// entrants take a size relative to their destination cell, and cells differ in mean
/// size, so balancing firm counts alone would let jobs (and people) drift. Moves and
/// entry are balanced separately (their own constants): workers follow moved firms but
/// not exits and entries, so only a balance of moves on their own keeps people still.
/// Returns (move constants, entry constants).
fn firm_constants(m: &Model) -> (Vec<f64>, Vec<f64>) {
    let (n, ns) = (m.region.n_cities(), m.region.n_sectors());
    let mut jobs = vec![0.0; n * ns];
    let mut moving = vec![0.0; n * ns];
    let mut exiting = vec![0.0; n * ns];
    let mut exits = vec![0.0; ns];
    let tables = HazardTables::new(m);
    for f in 0..m.firms.len() {
        let (c, s) = (m.firms.city()[f] as usize, m.firms.sector()[f] as usize);
        let size = f64::from(m.firms.target()[f]);
        let exit = exit_probability(m, f);
        jobs[s * n + c] += size;
        moving[s * n + c] += base_hazard(m, &tables, f) * size;
        exiting[s * n + c] += exit * size;
        // An entrant replacing this firm takes its size relative to the cell mean (see
        // `firms::enter`), so count exits in units of the cell's mean size.
        let relative = size / m.calibration.cell_mean_size[c * ns + s];
        exits[s] += exit * relative;
    }
    let choice = FirmChoice::new(m, &[]);
    let mut asc = vec![0.0; ns * n];
    let mut entry_asc = vec![0.0; ns * n];
    for (s, &entrants) in exits.iter().enumerate() {
        let r = s * n..(s + 1) * n;
        let entrant_size: Vec<f64> = (0..n)
            .map(|d| m.calibration.cell_mean_size[d * ns + s])
            .collect();
        let flows = FirmFlows {
            jobs: &jobs[r.clone()],
            moving: &moving[r.clone()],
            exiting: &exiting[r.clone()],
            entrants,
            entrant_size: &entrant_size,
        };
        // Steady state: what flows into each city equals what leaves it. Matching the
        // flows themselves (not the stocks they change) converges in a few iterations.
        let moves = solve(flows.moving, |a: &[f64]| flows.moved_in(&choice, s, a));
        let entry = solve(flows.exiting, |a: &[f64]| flows.entered(&choice, s, a));
        asc[r.clone()].copy_from_slice(&moves);
        entry_asc[r].copy_from_slice(&entry);
    }
    (asc, entry_asc)
}

/// Expected jobs of one sector by city, and how they flow in one step.
struct FirmFlows<'a> {
    jobs: &'a [f64],
    /// Jobs in firms that consider a move (hazard-weighted).
    moving: &'a [f64],
    /// Jobs in firms that exit (hazard-weighted).
    exiting: &'a [f64],
    /// Expected entrants (one per exit), weighted by the relative size they inherit.
    entrants: f64,
    /// Expected size of an entrant in each city.
    entrant_size: &'a [f64],
}

impl FirmFlows<'_> {
    /// Expected jobs arriving in each city with firms that consider a move (staying
    /// included, so a city keeps what does not leave).
    fn moved_in(&self, choice: &FirmChoice, s: usize, asc: &[f64]) -> Vec<f64> {
        let n = self.jobs.len();
        let mut next = vec![0.0; n];
        let mut v = vec![0.0; n];
        let mut p = vec![0.0; n];
        for c in 0..n {
            if self.moving[c] <= 0.0 {
                continue;
            }
            for d in 0..n {
                v[d] = asc[d] + choice.utility(s, Some(c), d);
            }
            softmax_into(&v, &mut p);
            for d in 0..n {
                next[d] += self.moving[c] * p[d];
            }
        }
        next
    }

    /// Expected jobs of entrants in each city.
    fn entered(&self, choice: &FirmChoice, s: usize, asc: &[f64]) -> Vec<f64> {
        let n = self.jobs.len();
        let mut next = vec![0.0; n];
        let mut v = vec![0.0; n];
        let mut p = vec![0.0; n];
        for d in 0..n {
            v[d] = asc[d] + choice.utility(s, None, d);
        }
        softmax_into(&v, &mut p);
        for d in 0..n {
            next[d] += self.entrants * p[d] * self.entrant_size[d];
        }
        next
    }
}

/// The contraction: constants move by log(target / predicted) until they agree.
fn solve(target: &[f64], predict: impl Fn(&[f64]) -> Vec<f64>) -> Vec<f64> {
    let (asc, converged) = solve_checked(target, predict);
    debug_assert!(converged, "calibration did not converge");
    asc
}

/// [`solve`], also saying whether the flows balanced to the tolerance.
fn solve_checked(target: &[f64], predict: impl Fn(&[f64]) -> Vec<f64>) -> (Vec<f64>, bool) {
    let n = target.len();
    let mut asc = vec![0.0; n];
    for _ in 0..MAX_ITERATIONS {
        let pred = predict(&asc);
        let mut worst: f64 = 0.0;
        for d in 0..n {
            if target[d] <= 0.0 {
                asc[d] = -50.0;
                continue;
            }
            let step = (target[d] / pred[d].max(1e-300)).dln();
            worst = worst.max(step.abs());
            asc[d] += step;
        }
        if worst < TOLERANCE {
            return (anchored(asc), true);
        }
    }
    // Not converged: the flows cannot balance (a city with outflow but no way in).
    // The constants reached are the best available; the drift test would show it.
    (anchored(asc), false)
}

/// Constants are identified up to a shift: anchor the mean at zero for readability.
fn anchored(asc: Vec<f64>) -> Vec<f64> {
    let live: Vec<f64> = asc.iter().cloned().filter(|a| *a > -50.0).collect();
    let mean = live.iter().sum::<f64>() / live.len().max(1) as f64;
    asc.iter()
        .map(|a| if *a > -50.0 { a - mean } else { *a })
        .collect()
}

/// Labour-force residents counted by (skill, employed or seeking) and (city, hukou group):
/// `[skill * 2 + seeking][city * (n + 1) + group]`, integer counts over fixed chunks.
fn labour_groups(m: &Model) -> Vec<Vec<u64>> {
    let n = m.region.n_cities();
    let groups = n + 1;
    let p = &m.persons;
    (0..p.len())
        .into_par_iter()
        .with_min_len(super::CHUNK)
        .fold(
            || vec![vec![0u64; n * groups]; 4],
            |mut acc, pi| {
                let k = p.skill()[pi];
                if k != DEPENDENT {
                    let g = if p.hukou()[pi] == OUTSIDE {
                        n
                    } else {
                        p.hukou()[pi] as usize
                    };
                    let seeking = usize::from(p.employer()[pi] == NO_FIRM);
                    acc[k as usize * 2 + seeking][p.city()[pi] as usize * groups + g] += 1;
                }
                acc
            },
        )
        .reduce(
            || vec![vec![0u64; n * groups]; 4],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    x.iter_mut().zip(y).for_each(|(u, v)| *u += v);
                }
                a
            },
        )
}

/// Person constants per skill over the n cities and the rest of China (location n),
/// and the people of the rest of China who reconsider each year, fitted together under
/// the reference parameters (no policy acts at the start): labour-force residents
/// grouped by (city, hukou) reconsider at their rates (employed or seeking);
/// `border_exit_share` of them choose the rest of China; and as many arrive from it as
/// leave, while every city's arrivals equal its departures.
fn person_constants(m: &mut Model) -> Vec<f64> {
    let n = m.region.n_cities();
    let l = n + 1;
    let groups = n + 1; // hukou: a city, or outside the region
    let counts = labour_groups(m);
    let b = m.reference.clone();
    let rate = |employed| reconsider_probability(&b, employed, 1.0);
    let mut asc = vec![0.0; 2 * l];
    for k in 0..2 {
        let (employed, seeking) = (&counts[k * 2], &counts[k * 2 + 1]);
        let mut movers: Vec<f64> = (0..n * groups)
            .map(|i| employed[i] as f64 * rate(true) + seeking[i] as f64 * rate(false))
            .collect();
        movers.resize(l * groups, 0.0);
        let place: Vec<f64> = (0..l).map(|d| place_value(m, k, d)).collect();
        let (sol, pool) = solve_border(m, &b, &movers, &place);
        asc[k * l..(k + 1) * l].copy_from_slice(&sol);
        m.calibration.border_pool[k] = pool;
    }
    asc
}

/// The contraction of [`solve`] with the border: the outside constant moves towards
/// the exit share, the pool to the size whose arrivals equal the exits, and each city's
/// constant towards its balance. Returns the constants and the pool.
fn solve_border(m: &Model, b: &Behaviour, movers: &[f64], place: &[f64]) -> (Vec<f64>, f64) {
    let l = place.len();
    let n = l - 1;
    let leaving: Vec<f64> = (0..n)
        .map(|c| movers[c * l..(c + 1) * l].iter().sum())
        .collect();
    let wanted_out = b.border_exit_share * leaving.iter().sum::<f64>();
    let mut asc = vec![0.0; l];
    let mut pool = wanted_out;
    if wanted_out <= 0.0 {
        asc[n] = -50.0;
        let sol = solve(&leaving, |a: &[f64]| {
            let mut full = a.to_vec();
            full.push(-50.0);
            arrivals(m, b, movers, place, &full)[..n].to_vec()
        });
        return ([sol, vec![-50.0]].concat(), 0.0);
    }
    let mut p = vec![0.0; l];
    for _ in 0..MAX_ITERATIONS {
        let arrived = arrivals(m, b, movers, place, &asc);
        pool_choice(m, b, place, &asc, &mut p);
        let out = arrived[n];
        let mut worst = (wanted_out / out.max(1e-300)).dln();
        asc[n] += worst;
        worst = worst.abs();
        for d in 0..n {
            let step = (leaving[d] / (arrived[d] + pool * p[d]).max(1e-300)).dln();
            worst = worst.max(step.abs());
            asc[d] += step;
        }
        let next = out / (1.0 - p[n]).max(1e-300);
        worst = worst.max((next / pool).dln().abs());
        pool = next;
        if worst < TOLERANCE {
            break;
        }
    }
    (anchored(asc), pool)
}

/// The choice probabilities of a person of the rest of China (origin n, hukou outside).
fn pool_choice(m: &Model, b: &Behaviour, place: &[f64], asc: &[f64], p: &mut [f64]) {
    let n = place.len() - 1;
    let v: Vec<f64> = (0..=n)
        .map(|d| destination_utility(asc[d], place[d], move_cost(m, b, n, d, OUTSIDE)))
        .collect();
    softmax_into(&v, p);
}

/// Expected movers arriving in each location, given `movers` per (origin, hukou group)
/// of one skill, that skill's place values and constants `asc`.
fn arrivals(m: &Model, b: &Behaviour, movers: &[f64], place: &[f64], asc: &[f64]) -> Vec<f64> {
    let l = place.len();
    let mut next = vec![0.0; l];
    let mut v = vec![0.0; l];
    let mut p = vec![0.0; l];
    for c in 0..l {
        for g in 0..l {
            let mv = movers[c * l + g];
            if mv <= 0.0 {
                continue;
            }
            let h = if g == l - 1 { OUTSIDE } else { g as u8 };
            for d in 0..l {
                v[d] = destination_utility(asc[d], place[d], move_cost(m, b, c, d, h));
            }
            softmax_into(&v, &mut p);
            for d in 0..l {
                next[d] += mv * p[d];
            }
        }
    }
    next
}

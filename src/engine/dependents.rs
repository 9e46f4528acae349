//! Dependents follow the labour-force movers of their city (docs/model.md §7.12, end of
//! pass 5), so households move together without the model storing household links. The
//! rule is `rules/dependents.rs`; this file draws for every dependent in parallel.

use rayon::prelude::*;

use super::apply::{by_chunk, targets};
use super::draws::with_coarse_draws;
use super::migration::leave_region;
use super::open::OpenLimits;
use super::rules::dependents::dependent_destination;
use super::{CHUNK, Model};
use crate::agents::{DEPENDENT, OUTSIDE};
use crate::engine::record::Flows;
use crate::rng::{Purpose, coarse_limit, threshold61, two_stage, two_stage_uniform};

/// Each dependent moves as [`dependent_destination`] draws, given `migrants` (per
/// origin and destination, row-major) and this step's firm followers in `flows`.
pub(crate) fn follow(m: &mut Model, migrants: Vec<u64>, flows: &mut Flows) {
    let n = m.region.n_cities();
    let movers = with_followers(m, flows, migrants);
    // One row per city code, so that rows of persons gone from the region (city
    // `NOWHERE`) read a row that never draws instead of branching.
    let l = n + 1;
    let none = vec![0; l];
    let rows: Vec<FollowRow> = (0..=usize::from(u8::MAX))
        .map(|o| {
            if o >= n {
                return FollowRow::new(&none, 1.0);
            }
            let counts = &m.cities.counts;
            let lf = (counts.labour_force[0][o] + counts.labour_force[1][o]).max(1);
            FollowRow::new(&movers[o * l..(o + 1) * l], lf as f64)
        })
        .collect();
    // Only dependants follow; rows of persons gone from the region (city `NOWHERE`)
    // have no limit.
    let open = OpenLimits::new(n, |k, _, c| {
        if k == DEPENDENT {
            coarse_limit(rows[usize::from(c)].reach_threshold())
        } else {
            0
        }
    });
    let chosen = choices(m, &rows, &open);
    let parts: Vec<&[(u32, u8)]> = chosen.iter().map(Vec::as_slice).collect();
    let levers = &m.levers;
    by_chunk(targets!(m), &parts, flows, |ch, &(pi, d)| {
        let i = ch.at(pi as usize);
        ch.change(i, |ch| {
            if usize::from(d) == n {
                leave_region(ch, i);
            } else {
                ch.relocate(i, d, levers.hukou_grant[d as usize]);
                ch.work_city[i] = d;
            }
        });
    });
    debug_assert!(
        m.persons
            .hukou()
            .iter()
            .all(|&h| h == OUTSIDE || (h as usize) < n)
    );
}

/// Labour-force movers per (origin, destination) over the n + 1 locations (the rest of
/// China last): the migrants plus the firm followers who changed city.
fn with_followers(m: &Model, flows: &Flows, mut movers: Vec<u64>) -> Vec<u64> {
    let l = m.region.n_cities() + 1;
    for (&(o, d, s), v) in flows.iter() {
        if s.is_some() && o != d {
            movers[o as usize * l + d as usize] += v.persons;
        }
    }
    movers
}

/// The dependents who move and where, per chunk in id order, decided in parallel.
/// Every person draws in two stages ([`two_stage`]): a coarse byte, eight to a hash;
/// the few whose byte is below their limit in `open` (that of their city's movers'
/// reach for a dependant, 0 in the labour force) draw their own stream for the rest of
/// their uniform.
fn choices(m: &Model, rows: &[FollowRow], open: &OpenLimits) -> Vec<Vec<(u32, u8)>> {
    let coarse = m.key.purpose_key(m.step, Purpose::DependentsCoarse);
    let key = m.key.purpose_key(m.step, Purpose::Dependents);
    let p = &m.persons;
    let parts: Vec<Vec<(u32, u8)>> = p
        .skill()
        .par_chunks(CHUNK)
        .zip(p.city().par_chunks(CHUNK))
        .zip(p.employer().par_chunks(CHUNK))
        .enumerate()
        .map(|(ci, ((skills, cities), employers))| {
            let off = ci * CHUNK;
            let mut out = Vec::new();
            if m.abandon.is_set() {
                return out;
            }
            with_coarse_draws(coarse, off, skills.len(), |at, bytes| {
                let (k, e, c) = (&skills[at..], &employers[at..], &cities[at..]);
                open.for_each_open(bytes, k, e, c, |j| {
                    let (i, b) = (at + j, bytes[j]);
                    let u = two_stage(b, key.stream((off + i) as u64).next_u64());
                    if let Some(d) = rows[cities[i] as usize].draw(two_stage_uniform(u)) {
                        out.push(((off + i) as u32, d));
                    }
                });
            });
            out
        })
        .collect();
    parts
}

/// One origin's labour-force movers by destination, as f64 once per step rather than per
/// dependent. The rule's draw walks `u · lf` down the destinations; `reach` (the sum
/// plus a margin far above that walk's rounding error) lets most dependents skip the
/// walk with one comparison and the same result.
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

    /// A threshold for a person's [`two_stage`] draw below which every draw lies for
    /// which [`FollowRow::draw`] may give a destination (with a margin over the
    /// rounding of `reach / lf`): one integer comparison skips the rest.
    fn reach_threshold(&self) -> u64 {
        threshold61(self.reach / self.lf * (1.0 + 1e-9))
    }

    #[inline]
    fn draw(&self, uniform: f64) -> Option<u8> {
        if self.reach < 0.0 {
            return None;
        }
        dependent_destination(uniform, &self.weights, self.lf).map(|d| d as u8)
    }
}

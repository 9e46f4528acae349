//! Hiring, pass 4b of the step (docs/model.md §7.9). Firms with vacancies hire local job
//! seekers; vacancies left where seekers ran out are then filled by seekers of cities
//! within commuting range, who commute. Both sides are ordered by a keyed lottery
//! (integer tickets), so no id order privileges anyone and the thread count cannot
//! matter. The rules (who seeks, how many a firm takes, the order, the matching) are in
//! `rules/hiring.rs`.

use std::sync::atomic::Ordering;

use rayon::prelude::*;

use super::draws::BLOCK;
use super::open::OpenLimits;
use super::rules::hiring::{
    available_seekers, is_job_seeker, match_in_order, open_positions, priority,
};
use super::rules::workers::within_commute;
use super::tally::Tally;
use super::{CHUNK, Model, as_atomic};
use crate::agents::{FirmsMut, NO_FIRM};
use crate::rng::{Purpose, StreamKey};

/// A place in a hiring lottery: the [`priority`] of (draw, id), then a note for the
/// holder (a seeker's skill, a firm's open positions) in the low bits, so integer order
/// is the priority order.
#[inline]
fn ticket(draw: u64, id: u32, note: u32) -> u128 {
    (priority(draw, id) << 32) | u128::from(note)
}

fn ticket_id(t: u128) -> u32 {
    (t >> 32) as u32
}

fn ticket_note(t: u128) -> u32 {
    t as u32
}

/// Lottery tickets of the labour-force residents without a job, per chunk of persons
/// and city (`[chunk][city]`), each list in id order.
fn job_seekers(m: &Model, key: StreamKey) -> Vec<Vec<Vec<u128>>> {
    let n = m.region.n_cities();
    let p = &m.persons;
    let seeking = OpenLimits::new(n, |k, employed, _| {
        u16::from(is_job_seeker(if employed { 0 } else { NO_FIRM }, k))
    });
    p.employer()
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(ci, employers)| {
            let off = ci * CHUNK;
            let mut out = vec![Vec::new(); n];
            if m.abandon.is_set() {
                return out;
            }
            let (skills, cities) = (&p.skill()[off..], &p.city()[off..]);
            // Seekers are ~10% of persons in random order: they are found 16 at a
            // time, as the persons whose byte 0 is below their group's limit of 1.
            let zeros = [0u8; BLOCK];
            for at in (0..employers.len()).step_by(BLOCK) {
                let block = &employers[at..employers.len().min(at + BLOCK)];
                let (k, c) = (&skills[at..], &cities[at..]);
                seeking.for_each_open(&zeros[..block.len()], k, block, c, |j| {
                    let i = at + j;
                    let pi = (off + i) as u32;
                    let draw = key.stream(u64::from(pi)).next_u64();
                    out[cities[i] as usize].push(ticket(draw, pi, u32::from(skills[i])));
                });
            }
            out
        })
        .collect()
}

/// Tickets of the firms with vacancies per city in lottery order, noting each firm's
/// open positions, and the open positions per city.
fn vacancies(m: &Model, key: StreamKey) -> (Vec<Vec<u128>>, Vec<u64>) {
    let n = m.region.n_cities();
    let fi = &m.firms;
    let open = |f: usize| open_positions(fi.alive()[f], fi.target()[f], fi.employees()[f]);
    let hiring: Vec<u32> = (0..fi.len() as u32)
        .into_par_iter()
        .with_min_len(CHUNK / 4)
        .filter(|&f| open(f as usize) > 0)
        .collect();
    let mut tickets: Vec<Vec<u128>> = vec![Vec::new(); n];
    let mut slots = vec![0u64; n];
    for &f in &hiring {
        let (c, fu) = (fi.city()[f as usize] as usize, f as usize);
        let draw = key.stream(fi.rng_key()[fu]).next_u64();
        tickets[c].push(ticket(draw, f, open(fu)));
        slots[c] += u64::from(open(fu));
    }
    tickets.par_iter_mut().for_each(sort_tickets);
    (tickets, slots)
}

/// The first `k` tickets in lottery order of all the tickets in `parts`: only as many
/// seekers as there are open positions can be hired, so the rest need not be ordered,
/// nor even gathered. The tickets' top bits are a uniform draw, so a pass that counts
/// them in about len/2 buckets by those bits finds the buckets that hold the first
/// `k`; only their tickets are placed, and each bucket (a few tickets) sorted: linear
/// time, where a comparison sort of the ~10^6 tickets of a step was a sixth of the
/// engine's time. Tickets are distinct (they hold the id), so the order is the same as
/// any sort's.
fn lottery_prefix(parts: &[&[u128]], k: usize) -> Vec<u128> {
    const SMALL: usize = 1 << 10;
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let k = k.min(len);
    if k == 0 {
        return Vec::new();
    }
    if len <= SMALL {
        let mut all = parts.concat();
        all.sort_unstable();
        all.truncate(k);
        return all;
    }
    let bits = len.ilog2() - 1;
    let bucket = |t: u128| (t >> (128 - bits)) as usize;
    let mut start = vec![0usize; (1 << bits) + 1];
    for &t in parts.iter().flat_map(|p| p.iter()) {
        start[bucket(t) + 1] += 1;
    }
    for b in 0..1 << bits {
        start[b + 1] += start[b];
    }
    // Buckets below `cut` hold the first k tickets (and a few more).
    let cut = start.partition_point(|&s| s < k);
    let bounds = start[..=cut].to_vec();
    let mut sorted = vec![0u128; start[cut]];
    for &t in parts.iter().flat_map(|p| p.iter()) {
        let b = bucket(t);
        if b < cut {
            sorted[start[b]] = t;
            start[b] += 1;
        }
    }
    for w in bounds.windows(2) {
        sorted[w[0]..w[1]].sort_unstable();
    }
    sorted.truncate(k);
    sorted
}

/// All of `tickets` in lottery order ([`lottery_prefix`]).
fn sort_tickets(tickets: &mut Vec<u128>) {
    *tickets = lottery_prefix(&[tickets], tickets.len());
}

/// A hire: person, firm, and the city of the job (the firm's).
type Hire = (u32, u32, u8);

/// What one city's local round leaves: its hires, their counts, and the firms still
/// short of staff with their open positions, in lottery order.
type LocalRound = (Vec<Hire>, Tally, Vec<(u32, u32)>);

/// Pass 4b: every firm with vacancies, in lottery order, takes the next seekers of its
/// city in lottery order until it is full or they run out; then seekers of nearby cities
/// fill what is left ([`commute_hires`]).
pub(crate) fn hire(m: &mut Model) {
    let key = m.key.purpose_key(m.step, Purpose::Hiring);
    let (vacancies, slots) = vacancies(m, key);
    let all_seekers = job_seekers(m, key);
    let in_city = |c: usize| -> Vec<&[u128]> { all_seekers.iter().map(|p| &p[c][..]).collect() };
    let available: Vec<u64> = (0..slots.len())
        .map(|c| {
            let seekers: usize = in_city(c).iter().map(|p| p.len()).sum();
            let labour_force = m.tally.labour_force[0][c] + m.tally.labour_force[1][c];
            let floor = m.behaviour.frictional_unemployment;
            available_seekers(seekers, labour_force, floor) as u64
        })
        .collect();
    let left: Vec<u64> = (0..slots.len())
        .map(|c| slots[c].saturating_sub(available[c]))
        .collect();
    let wanted = commuting_demand(m, &left);
    let seekers: Vec<Vec<u128>> = (0..slots.len())
        .into_par_iter()
        .map(|c| {
            let k = (slots[c] + wanted[c]).min(available[c]);
            lottery_prefix(&in_city(c), k as usize)
        })
        .collect();
    let (n, ns) = (m.region.n_cities(), m.region.n_sectors());
    let FirmsMut {
        employees, sector, ..
    } = m.firms.columns_mut();
    let (employees, sector) = (as_atomic(employees), &*sector);
    let per_city: Vec<LocalRound> = vacancies
        .par_iter()
        .zip(&seekers)
        .enumerate()
        .map(|(c, (firms, seekers))| {
            let (mut hires, mut t, mut open_left) = (Vec::new(), Tally::zero(n, ns), Vec::new());
            let open = firms.iter().map(|&firm| ticket_note(firm));
            let local = seekers.len().min(slots[c] as usize);
            let mut last = 0;
            match_in_order(open, local, |rank, taken| {
                let f = ticket_id(firms[rank]);
                for &s in &seekers[taken.clone()] {
                    hires.push((ticket_id(s), f, c as u8));
                    t.hired(c, c, ticket_note(s) as u8);
                }
                t.head_count_in(c, sector[f as usize], taken.len() as i64);
                employees[f as usize].fetch_add(taken.len() as u32, Ordering::Relaxed);
                let short = ticket_note(firms[rank]) - taken.len() as u32;
                if short > 0 {
                    open_left.push((f, short));
                }
                last = rank + 1;
            });
            open_left.extend(
                firms[last..]
                    .iter()
                    .map(|&t| (ticket_id(t), ticket_note(t))),
            );
            (hires, t, open_left)
        })
        .collect();
    let mut hires = Vec::with_capacity(n + 1);
    let mut open_left = Vec::with_capacity(n);
    for (h, t, o) in per_city {
        hires.push(h);
        m.tally = std::mem::take(&mut m.tally).plus(t);
        open_left.push(o);
    }
    let mut commuting = Vec::new();
    commute_hires(m, &seekers, &slots, open_left, &mut commuting);
    hires.push(commuting);
    employ(m, hires);
}

/// Positions each city's seekers may fill by commuting: the vacancies that its own
/// seekers cannot fill in every other city within `commute_range_km`.
fn commuting_demand(m: &Model, left: &[u64]) -> Vec<u64> {
    let mut wanted = vec![0; m.region.n_cities()];
    for (d, &open) in left.iter().enumerate() {
        for c in commuter_homes(m, d) {
            wanted[c] += open;
        }
    }
    wanted
}

/// The other cities from which a job in `d` is within commuting range, nearest first
/// (ties by index).
fn commuter_homes(m: &Model, d: usize) -> Vec<usize> {
    let km = |c: usize| m.region.distance(c, d);
    let mut homes: Vec<usize> = (0..m.region.n_cities())
        .filter(|&c| c != d && within_commute(&m.behaviour, km(c)))
        .collect();
    homes.sort_by(|&a, &b| km(a).total_cmp(&km(b)).then(a.cmp(&b)));
    homes
}

/// Vacancies left where local seekers ran out, city by city in index order, go to the
/// seekers still without a job in cities within commuting range, nearest city first
/// (ties by index), each city's seekers in their lottery order; firms in their lottery
/// order. A seeker hired so commutes and keeps their home.
fn commute_hires(
    m: &mut Model,
    seekers: &[Vec<u128>],
    slots: &[u64],
    open_left: Vec<Vec<(u32, u32)>>,
    hires: &mut Vec<Hire>,
) {
    let n = m.region.n_cities();
    let mut next: Vec<usize> = (0..n)
        .map(|c| (slots[c] as usize).min(seekers[c].len()))
        .collect();
    for (d, firms) in open_left.into_iter().enumerate() {
        if firms.is_empty() {
            continue;
        }
        let mut homes = commuter_homes(m, d).into_iter().peekable();
        'firms: for (f, mut open) in firms {
            while open > 0 {
                let Some(&c) = homes.peek() else { break 'firms };
                let Some(&s) = seekers[c].get(next[c]) else {
                    homes.next();
                    continue;
                };
                next[c] += 1;
                open -= 1;
                hires.push((ticket_id(s), f, d as u8));
                m.tally.hired(c, d, ticket_note(s) as u8);
                m.tally.head_count(&m.firms, f as usize, 1);
                m.firms.employees_mut()[f as usize] += 1;
            }
        }
    }
}

/// Writes hires (person, firm, work city) chunk by chunk in parallel. Each list (a
/// city's local round, the commuters) is first split by chunk, in parallel: in lottery
/// order every write would be a cache miss.
fn employ(m: &mut Model, lists: Vec<Vec<Hire>>) {
    let chunks = m.persons.len().div_ceil(CHUNK);
    let by_chunk: Vec<Vec<Vec<Hire>>> = lists
        .into_par_iter()
        .map(|list| {
            let mut parts = vec![Vec::new(); chunks];
            for h in list {
                parts[h.0 as usize / CHUNK].push(h);
            }
            parts
        })
        .collect();
    let p = m.persons.columns_mut();
    p.employer
        .par_chunks_mut(CHUNK)
        .zip(p.work_city.par_chunks_mut(CHUNK))
        .enumerate()
        .for_each(|(ci, (employer, work))| {
            for &(pi, f, w) in by_chunk.iter().flat_map(|parts| &parts[ci]) {
                let i = pi as usize - ci * CHUNK;
                employer[i] = f;
                work[i] = w;
            }
        });
}

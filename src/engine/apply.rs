//! Applying decided changes to persons, chunk by chunk in parallel (docs/model.md §3).
//!
//! The passes decide in parallel and list their changes in id order; this file applies
//! them. Each chunk of [`CHUNK`] persons is written only by the task that owns it, and
//! everything a change touches outside its own row is an integer sum: the chunk's
//! counts ([`Tally`], [`Vital`], flows), merged afterwards, and firms' head counts, as
//! atomics. So the result is the same for any number of threads, and the step costs
//! no serial pass over its changes (natural change alone changes ~4% of persons a
//! year).

use std::sync::atomic::{AtomicU32, Ordering};

use rayon::prelude::*;

use super::demography::Vital;
use super::draws::prefetch;
use super::rules::migration::hukou_after_move;
use super::tally::{PersonKey, Tally};
use super::{CHUNK, Model, as_atomic};
use crate::agents::{DEPENDENT, Firms, NO_FIRM, NOWHERE, Persons};
use crate::engine::record::Flows;

/// Firms as a chunk's task sees them: where they are, and their head counts.
pub(crate) struct FirmView<'a> {
    alive: &'a [bool],
    city: &'a [u8],
    sector: &'a [u8],
    employees: &'a [AtomicU32],
}

impl FirmView<'_> {
    /// Firm `f` loses an employee whose departure its cell's count already knows.
    #[inline]
    pub fn employees_less_one(&self, f: usize) {
        self.employees[f].fetch_sub(1, Ordering::Relaxed);
    }

    /// Head count of firm `f` changes by `delta` (its own count and, if it is alive,
    /// its cell's in `t`).
    #[inline]
    pub fn head_count(&self, t: &mut Tally, f: usize, delta: i32) {
        if self.alive[f] {
            t.head_count_in(self.city[f] as usize, self.sector[f], delta.into());
        }
        self.employees[f].fetch_add(delta as u32, Ordering::Relaxed);
    }
}

/// One chunk of persons, writable, with the chunk's own counts.
pub(crate) struct Chunk<'a> {
    off: usize,
    pub city: &'a mut [u8],
    pub hukou: &'a mut [u8],
    pub skill: &'a mut [u8],
    pub employer: &'a mut [u32],
    pub work_city: &'a mut [u8],
    pub tally: Tally,
    pub flows: Flows,
    pub vital: Vital,
    pub firms: &'a FirmView<'a>,
}

impl Chunk<'_> {
    /// The position in the chunk of person `pi`.
    #[inline]
    pub fn at(&self, pi: usize) -> usize {
        pi - self.off
    }

    #[inline]
    fn key(&self, i: usize) -> PersonKey {
        PersonKey::new(
            self.city[i],
            self.skill[i],
            self.employer[i],
            self.work_city[i],
        )
    }

    /// Applies `change` to the person at position `i`, keeping the counts current.
    #[inline]
    pub fn change(&mut self, i: usize, change: impl FnOnce(&mut Self)) {
        let before = self.key(i);
        change(self);
        let after = self.key(i);
        self.tally.change_person(before, after);
    }

    /// The person at `i` leaves any job (and works where they live).
    #[inline]
    pub fn leave_job(&mut self, i: usize) {
        let e = self.employer[i];
        if e != NO_FIRM {
            self.firms.head_count(&mut self.tally, e as usize, -1);
            (self.employer[i], self.work_city[i]) = (NO_FIRM, self.city[i]);
        }
    }

    /// The person at `i` is no longer in the region (died or left): the job is left
    /// and the row freed for a birth or an arrival. Returns the city they lived in.
    /// Call inside [`Chunk::change`].
    pub fn free_row(&mut self, i: usize) -> u8 {
        let c = self.city[i];
        self.leave_job(i);
        (self.city[i], self.work_city[i], self.skill[i]) = (NOWHERE, NOWHERE, DEPENDENT);
        c
    }

    /// The person at `i` comes to live in `d`, receiving its hukou where `granted`;
    /// counted in the flows as a move without a sector.
    pub fn relocate(&mut self, i: usize, d: u8, granted: bool) {
        Model::add_flow(&mut self.flows, (self.city[i], d, None), 0, 0, 1);
        self.city[i] = d;
        self.hukou[i] = hukou_after_move(self.hukou[i], d, granted);
    }
}

/// The model's parts a pass of changes writes.
pub(crate) struct Targets<'m> {
    pub persons: &'m mut Persons,
    pub firms: &'m mut Firms,
    pub tally: &'m mut Tally,
    pub vital: &'m mut Vital,
}

/// The [`Targets`] of a model, borrowed field by field so that the rest of the model
/// (region, parameters, levers) stays readable by the changes.
macro_rules! targets {
    ($m:expr) => {
        $crate::engine::apply::Targets {
            persons: &mut $m.persons,
            firms: &mut $m.firms,
            tally: &mut $m.tally,
            vital: &mut $m.vital,
        }
    };
}
pub(crate) use targets;

/// A change to one person, identified by its first field.
pub(crate) trait Change {
    fn person(&self) -> usize;
}

impl<X> Change for (u32, X) {
    #[inline]
    fn person(&self) -> usize {
        self.0 as usize
    }
}

impl<X> Change for (usize, X) {
    #[inline]
    fn person(&self) -> usize {
        self.0
    }
}

/// How many changes ahead a task asks for the rows it will write: changes are a few
/// percent of persons, so each row is a cache miss unless loaded in advance.
const AHEAD: usize = 16;

/// Calls `apply(chunk, item)` for every item of `parts[ci]` (the changes of chunk `ci`,
/// for persons in that chunk) in parallel over chunks, then merges the chunks' counts
/// in chunk order and adds their flows to `flows`.
pub(crate) fn by_chunk<T: Change + Sync>(
    t: Targets<'_>,
    parts: &[&[T]],
    flows: &mut Flows,
    apply: impl Fn(&mut Chunk<'_>, &T) + Sync,
) {
    let (n, ns) = t.tally.dims();
    let fm = t.firms.columns_mut();
    let view = FirmView {
        alive: fm.alive,
        city: fm.city,
        sector: fm.sector,
        employees: as_atomic(fm.employees),
    };
    let p = t.persons.columns_mut();
    let done: Vec<(Tally, Flows, Vital)> = p
        .city
        .par_chunks_mut(CHUNK)
        .zip(p.hukou.par_chunks_mut(CHUNK))
        .zip(p.skill.par_chunks_mut(CHUNK))
        .zip(p.employer.par_chunks_mut(CHUNK))
        .zip(p.work_city.par_chunks_mut(CHUNK))
        .zip(parts)
        .enumerate()
        .map(
            |(ci, (((((city, hukou), skill), employer), work_city), part))| {
                let mut chunk = Chunk {
                    off: ci * CHUNK,
                    city,
                    hukou,
                    skill,
                    employer,
                    work_city,
                    tally: Tally::zero(n, ns),
                    flows: Flows::new(),
                    vital: Vital::zero(n),
                    firms: &view,
                };
                for (j, item) in part.iter().enumerate() {
                    if let Some(ahead) = part.get(j + AHEAD) {
                        let i = ahead.person() - chunk.off;
                        prefetch(chunk.employer, i);
                        prefetch(chunk.city, i);
                        prefetch(chunk.skill, i);
                        prefetch(chunk.work_city, i);
                    }
                    apply(&mut chunk, item);
                }
                (chunk.tally, chunk.flows, chunk.vital)
            },
        )
        .collect();
    for (tally, fl, vital) in done {
        *t.tally = std::mem::take(t.tally).plus(tally);
        t.vital.add(&vital);
        for (k, v) in fl {
            Model::add_flow(flows, k, v.firms, v.jobs, v.persons);
        }
    }
}

/// `items`, sorted by the person each concerns, split into the changes of each chunk of
/// a table of `len` persons.
pub(crate) fn split_by_chunk<T: Change>(items: &[T], len: usize) -> Vec<&[T]> {
    let mut rest = items;
    (0..len.div_ceil(CHUNK))
        .map(|ci| {
            let end = rest.partition_point(|x| x.person() < (ci + 1) * CHUNK);
            let (head, tail) = rest.split_at(end);
            rest = tail;
            head
        })
        .collect()
}

/// Persons joining the region (born, or arrived from outside it): each `(city, skill)`
/// of `people` takes a free row ([`free_rows`]) and lives in `city` without a job,
/// registered where `hukou(row, city)` says, and is counted in the [`Vital`] column
/// `count` picks. The mirror of [`Chunk::free_row`].
pub(crate) fn admit(
    t: Targets<'_>,
    people: &[(u8, u8)],
    hukou: impl Fn(usize, u8) -> u8 + Sync,
    count: impl Fn(&mut Vital) -> &mut Vec<u64> + Sync,
) {
    let rows = free_rows(t.persons, people.len());
    let placed: Vec<(usize, (u8, u8))> = rows.into_iter().zip(people.iter().copied()).collect();
    let parts = split_by_chunk(&placed, t.persons.len());
    by_chunk(t, &parts, &mut Flows::new(), |ch, &(row, (c, k))| {
        let (i, h) = (ch.at(row), hukou(row, c));
        ch.change(i, |ch| {
            (ch.city[i], ch.work_city[i], ch.skill[i]) = (c, c, k);
            (ch.employer[i], ch.hukou[i]) = (NO_FIRM, h);
        });
        count(&mut ch.vital)[c as usize] += 1;
    });
}

/// The first (up to) `k` rows of `city` whose city is [`NOWHERE`], as ids from `off`.
/// Such rows are few: eight cities are tested at once as a word (a byte of `!word` is
/// zero where a byte of the word is `NOWHERE`), and only words holding one are opened.
fn nowhere_in(city: &[u8], off: usize, k: usize) -> Vec<usize> {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    const _: () = assert!(NOWHERE == 0xFF);
    let mut out = Vec::new();
    let words = city.chunks_exact(8);
    let tail = words.remainder().len();
    for (w, bytes) in words.enumerate() {
        let v = !u64::from_le_bytes(bytes.try_into().expect("eight bytes"));
        if v.wrapping_sub(ONES) & !v & HIGHS != 0 {
            let at = w * 8;
            out.extend(
                (at..at + 8)
                    .filter(|&j| city[j] == NOWHERE)
                    .map(|j| off + j),
            );
            if out.len() >= k {
                out.truncate(k);
                return out;
            }
        }
    }
    let at = city.len() - tail;
    out.extend(
        (at..city.len())
            .filter(|&j| city[j] == NOWHERE)
            .map(|j| off + j),
    );
    out.truncate(k);
    out
}

/// `k` rows for persons joining the region: rows of those who left it, in id order,
/// then new rows at the end (as [`NOWHERE`] until filled).
pub(crate) fn free_rows(persons: &mut Persons, k: usize) -> Vec<usize> {
    let mut rows: Vec<usize> = persons
        .city()
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(ci, city)| nowhere_in(city, ci * CHUNK, k))
        .flatten()
        .collect();
    rows.truncate(k);
    while rows.len() < k {
        rows.push(persons.len());
        persons.push(NOWHERE, NOWHERE, DEPENDENT);
    }
    rows
}

//! What the state read from a checkpoint must satisfy before a run continues from it:
//! every code and index within the model's dimensions and the head counts consistent,
//! so that even a file with correct checksums but foreign or crafted contents cannot
//! make a later step panic or compute from values the engine never produces.
//!
//! These are the invariants the engine keeps at every step boundary (see `agents.rs`
//! and the passes in `engine/`): an employed person works where the employer is, and an
//! exited firm has no one left working for it.

use rayon::prelude::*;

use crate::agents::{DEPENDENT, FULL_WEIGHT, NEVER, NO_FIRM, NOWHERE, OUTSIDE};
use crate::engine::Model;

/// The first problem found, naming the agent or city it is about. `born` is the number
/// of firms the run starts with.
pub(super) fn check(m: &Model, born: usize) -> Result<(), String> {
    if m.step > m.steps {
        return Err(format!(
            "step {} is past the run's {} steps",
            m.step, m.steps
        ));
    }
    if m.firms.len() < born {
        return Err(format!(
            "{} firms, fewer than the {born} the run starts with",
            m.firms.len()
        ));
    }
    first_problem("firm", m.firms.len(), |f| firm_problem(m, f, born))?;
    first_problem("person", m.persons.len(), |i| person_problem(m, i))?;
    head_counts(m)?;
    cities(m)
}

fn first_problem(
    what: &str,
    n: usize,
    problem: impl Fn(usize) -> Option<&'static str> + Sync,
) -> Result<(), String> {
    match (0..n)
        .into_par_iter()
        .find_map_first(|i| Some((i, problem(i)?)))
    {
        Some((i, p)) => Err(format!("{what} {i}: {p}")),
        None => Ok(()),
    }
}

fn firm_problem(m: &Model, f: usize, born: usize) -> Option<&'static str> {
    let fi = &m.firms;
    let city = |c: u8| usize::from(c) < m.region.n_cities();
    let checks = [
        (
            f >= born || fi.rng_key()[f] == f as u64,
            "not a firm this run starts with",
        ),
        (
            usize::from(fi.sector()[f]) < m.region.n_sectors(),
            "sector code out of range",
        ),
        (
            city(fi.city()[f]) && city(fi.origin()[f]),
            "city code out of range",
        ),
        (
            fi.share_to()[f] == OUTSIDE || city(fi.share_to()[f]),
            "tax-sharing city out of range",
        ),
        (
            fi.moved_step()[f] == NEVER || u32::from(fi.moved_step()[f]) <= m.step,
            "moved after the checkpoint's step",
        ),
        (
            fi.productivity()[f].is_finite() && fi.productivity()[f] >= 0.0,
            "productivity not a finite non-negative number",
        ),
        (
            (0.0..=1.0).contains(&fi.share_fraction()[f]) && fi.share_cap_left()[f].is_finite(),
            "tax sharing not a fraction with a finite cap",
        ),
        (
            (1..=FULL_WEIGHT).contains(&fi.weight()[f]),
            "weight not between 1 and a whole agent's",
        ),
    ];
    checks.iter().find(|c| !c.0).map(|c| c.1)
}

fn person_problem(m: &Model, i: usize) -> Option<&'static str> {
    let p = &m.persons;
    let city = |c: u8| usize::from(c) < m.region.n_cities();
    if p.city()[i] == NOWHERE {
        let gone =
            p.work_city()[i] == NOWHERE && p.skill()[i] == DEPENDENT && p.employer()[i] == NO_FIRM;
        return (!gone).then_some("a person gone from the region with a job or skill");
    }
    if !city(p.city()[i]) || !city(p.work_city()[i]) {
        return Some("city code out of range");
    }
    if p.hukou()[i] != OUTSIDE && !city(p.hukou()[i]) {
        return Some("hukou city out of range");
    }
    if p.skill()[i] > DEPENDENT {
        return Some("skill code out of range");
    }
    job_problem(m, i)
}

fn job_problem(m: &Model, i: usize) -> Option<&'static str> {
    let p = &m.persons;
    let e = p.employer()[i];
    if e == NO_FIRM {
        return (p.work_city()[i] != p.city()[i]).then_some("works away from home without a job");
    }
    let f = e as usize;
    if p.skill()[i] == DEPENDENT {
        return Some("a dependent with a job");
    }
    if f >= m.firms.len() {
        return Some("employer out of range");
    }
    if !m.firms.alive()[f] {
        return Some("works for a firm that exited");
    }
    (p.work_city()[i] != m.firms.city()[f]).then_some("works away from the employer's city")
}

/// Every live firm's head count is the number of persons it employs (the jobs pass
/// takes one off for every person who leaves, so a count too low would underflow). An
/// exited firm keeps the count it had, for its exit event, and employs no one.
fn head_counts(m: &Model) -> Result<(), String> {
    let mut count = vec![0u64; m.firms.len()];
    for &e in m.persons.employer() {
        if e != NO_FIRM {
            count[e as usize] += 1;
        }
    }
    let fi = &m.firms;
    let wrong =
        (0..count.len()).find(|&f| fi.alive()[f] && u64::from(fi.employees()[f]) != count[f]);
    match wrong {
        Some(f) => Err(format!(
            "firm {f}: head count {} but {} persons work there",
            m.firms.employees()[f],
            count[f]
        )),
        None => Ok(()),
    }
}

fn cities(m: &Model) -> Result<(), String> {
    let c = &m.cities;
    let columns = [
        ("services", &c.services),
        ("revenue", &c.revenue),
        ("shared_in", &c.shared_in),
        ("pollution", &c.pollution),
        ("output_cs", &c.output_cs),
    ];
    for (name, v) in columns {
        if let Some(i) = v.iter().position(|x| !x.is_finite()) {
            return Err(format!("city {name} [{i}]: not a finite number"));
        }
    }
    if !m.cumulative.shared_tax_yuan.is_finite() {
        return Err("cumulative shared tax: not a finite number".into());
    }
    Ok(())
}

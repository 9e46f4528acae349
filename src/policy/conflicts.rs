//! Contradictions between policies that no combination rule can honestly resolve.
//!
//! Most overlapping settings combine (subsidies add, multipliers multiply, the lowest cap
//! holds). Two settings are refused instead, because whichever one the model kept, the
//! scenario would not say what its author meant: two different capacity caps on one city
//! in overlapping years, and a sector steered into a city where another policy bans its
//! entry. Every such pair is reported with both policies' indices.

use super::{Claim, PolicySpec};
use crate::region::Region;

/// Pushes one problem for every contradicting pair of claims of overlapping policies;
/// `numbers` are the policies' indices in their file.
pub(super) fn check(
    policies: &[PolicySpec],
    numbers: &[usize],
    region: &Region,
    p: &mut Vec<String>,
) {
    let claims: Vec<Vec<Claim>> = policies.iter().map(|x| x.claims(region)).collect();
    for (i, a) in policies.iter().enumerate() {
        for (j, b) in policies.iter().enumerate().skip(i + 1) {
            let (wa, wb) = (a.window(), b.window());
            if !wa.overlaps(&wb) {
                continue;
            }
            let years = format!("{}-{}", wa.start.max(wb.start), wa.end.min(wb.end));
            let who = |k: usize, x: &PolicySpec| format!("policy[{}] ({})", numbers[k], x.kind());
            let (na, nb) = (who(i, a), who(j, b));
            for ca in &claims[i] {
                for cb in &claims[j] {
                    if let Some(why) = contradiction(region, ca, cb, &na, &nb) {
                        p.push(format!("{why} in overlapping years {years}"));
                    }
                }
            }
        }
    }
}

/// What is contradictory about two claims of policies named `na` and `nb`, if anything.
fn contradiction(region: &Region, a: &Claim, b: &Claim, na: &str, nb: &str) -> Option<String> {
    let city = |c: usize| region.city(c).name.as_str();
    let sector = |s: usize| region.sector(s).name.as_str();
    match (*a, *b) {
        (
            Claim::Cap {
                city: x,
                persons: pa,
            },
            Claim::Cap {
                city: y,
                persons: pb,
            },
        ) if x == y && pa != pb => Some(format!(
            "{na} and {nb} set different capacity caps on {} ({pa} and {pb} persons)",
            city(x)
        )),
        (Claim::Ban { city: x, sector: s }, Claim::Designate { city: y, sector: t })
            if x == y && s == t =>
        {
            Some(format!(
                "{na} bans entry of {} in {} while {nb} steers it there",
                sector(s),
                city(x)
            ))
        }
        (Claim::Designate { .. }, Claim::Ban { .. }) => contradiction(region, b, a, nb, na),
        _ => None,
    }
}

//! Public finance and the environment: output, tax where firms are, interest-compensation
//! sharing between origin and destination, fiscal transfers, pollution: pass 6 of the step,
//! docs/model.md §7.13, §7.14 and §7.15.

use super::Model;
use super::firms::{real_firms, value_added_yuan};
use crate::agents::OUTSIDE;
use crate::engine::record::Event;

/// Computes output, revenue, shared tax and pollution from the firms, then advances the
/// holiday and sharing clocks. Sums run in firm-id order, so they are reproducible.
pub(crate) fn account(m: &mut Model, _events: &mut Vec<Event>) {
    let n = m.region.n_cities();
    let ns = m.region.n_sectors();
    let mut books = collect_tax(m);
    if m.step > 0 {
        advance_clocks(m);
    }
    let transfers = transfers(m, &books.revenue);
    for (r, t) in books.revenue.iter_mut().zip(&transfers) {
        *r += t;
    }
    m.cumulative.shared_tax_yuan += books.shared_total;
    let output_cs = books.output_cs;
    // Pollution follows activity, output net of the productivity trend: growth every
    // firm shares is taken to come with a matching fall in emissions per yuan [A]
    // (docs/model.md §7.14).
    let activity = 1.0 / m.productivity_trend;
    m.cities.pollution = (0..n)
        .map(|c| {
            (0..ns)
                .map(|s| output_cs[c * ns + s] * m.region.sector(s).pollution_intensity)
                .sum::<f64>()
                * activity
        })
        .collect();
    m.cities.output_cs = output_cs;
    m.cities.revenue = books.revenue;
    m.cities.shared_in = books.shared_in;
    m.cities.transfers = transfers;
}

/// A year's output and tax: output per (city, sector) in billion yuan, revenue and
/// shares received per city in yuan, and the total shared.
struct Books {
    output_cs: Vec<f64>,
    revenue: Vec<f64>,
    shared_in: Vec<f64>,
    shared_total: f64,
}

/// Output and tax of every live firm; a firm under a sharing rule pays the origin its
/// share up to the cap, which runs down.
fn collect_tax(m: &mut Model) -> Books {
    let (n, ns) = (m.region.n_cities(), m.region.n_sectors());
    let tax_rate = m.region.spec.labour.tax_rate;
    let mut b = Books {
        output_cs: vec![0.0; n * ns],
        revenue: vec![0.0; n],
        shared_in: vec![0.0; n],
        shared_total: 0.0,
    };
    for f in 0..m.firms.len() {
        if !m.firms.alive()[f] {
            continue;
        }
        let (c, s) = (m.firms.city()[f] as usize, m.firms.sector()[f] as usize);
        let va = value_added_yuan(m, f);
        // Real firms the agent stands for: whole agents 1 / scale, pieces less.
        let per_agent = real_firms(m, f);
        b.output_cs[c * ns + s] += va * per_agent / 1e9;
        if m.firms.holiday_left()[f] > 0 {
            continue;
        }
        let tax = va * tax_rate * per_agent;
        let fi = m.firms.columns_mut();
        let to = fi.share_to[f];
        if to != OUTSIDE {
            let share = (tax * f64::from(fi.share_fraction[f]))
                .min(f64::from(fi.share_cap_left[f]) * per_agent);
            b.shared_in[to as usize] += share;
            b.revenue[to as usize] += share;
            b.revenue[c] += tax - share;
            b.shared_total += share;
            fi.share_cap_left[f] -= (share / per_agent) as f32;
        } else {
            b.revenue[c] += tax;
        }
    }
    b
}

/// Net transfer per city, yuan: each rule pays its recipients per resident; donors pay
/// the total in proportion to their tax revenue, and at most all of it (recipients then
/// get proportionally less). Rules without donors are paid from outside the region.
fn transfers(m: &Model, revenue: &[f64]) -> Vec<f64> {
    let mut net = vec![0.0; revenue.len()];
    for rule in &m.levers.transfers {
        let level = if rule.grows_with_output {
            m.productivity_trend
        } else {
            1.0
        };
        let due: Vec<(usize, f64)> = rule
            .to
            .iter()
            .map(|&(c, per_head)| {
                let residents = m.cities.counts.population[c] as f64 / m.scale;
                (c, per_head * level * residents)
            })
            .collect();
        let total: f64 = due.iter().map(|d| d.1).sum();
        let funds: f64 = rule.from.iter().map(|&c| revenue[c].max(0.0)).sum();
        let paid = if rule.from.is_empty() {
            total
        } else {
            total.min(funds)
        };
        if total <= 0.0 || paid <= 0.0 {
            continue;
        }
        for (c, amount) in due {
            net[c] += amount * paid / total;
        }
        for &c in &rule.from {
            net[c] -= paid * revenue[c].max(0.0) / funds;
        }
    }
    net
}

/// A year passes: holidays run down; sharing runs its term, is extended once if the cap
/// was not reached, and ends at the cap (docs/facts.md §2.3).
fn advance_clocks(m: &mut Model) {
    let fi = m.firms.columns_mut();
    for f in 0..fi.alive.len() {
        if !fi.alive[f] {
            continue;
        }
        fi.age[f] = fi.age[f].saturating_add(1);
        fi.holiday_left[f] = fi.holiday_left[f].saturating_sub(1);
        if fi.share_to[f] == OUTSIDE {
            continue;
        }
        fi.share_years_left[f] = fi.share_years_left[f].saturating_sub(1);
        if fi.share_cap_left[f] <= 0.0 {
            fi.share_to[f] = OUTSIDE;
        } else if fi.share_years_left[f] == 0 {
            if fi.share_extension_left[f] > 0 {
                fi.share_years_left[f] = fi.share_extension_left[f];
                fi.share_extension_left[f] = 0;
            } else {
                fi.share_to[f] = OUTSIDE;
            }
        }
    }
}

//! Firm relocation (a hazard, then a multinomial-logit choice over all locations with
//! staying included), closure and entry: passes 2 and 3 of the step; see
//! docs/model.md §7.3, §7.4, §7.5, §7.6 and §7.7.

use crate::math::Det;
use rayon::prelude::*;

use super::init::{pareto_mean, pareto_weight, productivity};
use super::{CHUNK, Model};
use crate::engine::record::{Event, EventKind, Flows};
use crate::policy::TaxSharing;
use crate::rng::{Purpose, Stream, StreamKey};

/// Where the model would put a firm of sector `s`, before the Gumbel shock: the location
/// value of every city, and the moving cost between cities.
pub(crate) struct FirmChoice {
    n: usize,
    /// `[s * n + d]`: asc + location value.
    value: Vec<f64>,
    /// `[c * n + d]`: moving cost, 0 on the diagonal.
    moving: Vec<f64>,
}

impl FirmChoice {
    /// With `asc` empty the constants are taken as zero (calibration adds its own).
    pub(crate) fn new(m: &Model, asc: &[f64]) -> FirmChoice {
        let n = m.region.n_cities();
        let ns = m.region.n_sectors();
        let mut value = vec![0.0; ns * n];
        for s in 0..ns {
            for d in 0..n {
                let a = if asc.is_empty() { 0.0 } else { asc[s * n + d] };
                value[s * n + d] = a + location_value(m, s, d);
            }
        }
        let mut moving = vec![0.0; n * n];
        for c in 0..n {
            for d in 0..n {
                if c != d {
                    moving[c * n + d] =
                        m.behaviour.firm_moving_cost * (1.0 + m.region.distance(c, d) / 10.0).dln();
                }
            }
        }
        FirmChoice { n, value, moving }
    }

    #[inline]
    pub(crate) fn utility(&self, s: usize, from: Option<usize>, d: usize) -> f64 {
        let v = self.value[s * self.n + d];
        match from {
            Some(c) => v - self.moving[c * self.n + d],
            None => v,
        }
    }

    /// Multinomial-logit draw: the best utility plus Gumbel shock among allowed cities.
    pub(crate) fn draw(
        &self,
        s: usize,
        from: Option<usize>,
        allowed: impl Fn(usize) -> bool,
        st: &mut Stream,
    ) -> Option<usize> {
        let mut best = None;
        let mut best_v = f64::NEG_INFINITY;
        for d in 0..self.n {
            let g = st.gumbel();
            if !allowed(d) {
                continue;
            }
            let v = self.utility(s, from, d) + g;
            if v > best_v {
                best_v = v;
                best = Some(d);
            }
        }
        best
    }
}

/// Everything in a firm's location utility that depends on the place, in logit units.
fn location_value(m: &Model, s: usize, d: usize) -> f64 {
    let b = &m.behaviour;
    let sec = m.region.sector(s);
    let cs = &m.cities;
    let l = &m.levers;
    let i = l.cs(d, s);
    let employment = cs.counts.employment_cs.get(i).copied().unwrap_or(0) as f64 / m.scale;
    let agglomeration = b.firm_beta_agglomeration * sec.agglomeration * (1.0 + employment).dln();
    let market = if sec.tradable {
        b.firm_beta_market * (cs.market[d] / m.scale).dln()
    } else {
        let firms = cs.counts.firms_cs.get(i).copied().unwrap_or(0) as f64;
        b.firm_beta_market * ((cs.counts.population[d] as f64 + 1.0) / (firms + 1.0)).dln()
    };
    let land =
        -b.firm_beta_land * sec.land_intensity * (cs.housing[d] * (1.0 - l.land_discount[i])).dln();
    let hs = sec.high_skill_share;
    let wage = -b.firm_beta_wage * ((1.0 - hs) * cs.wage[0][d].dln() + hs * cs.wage[1][d].dln());
    let tax_rate = m.region.spec.labour.tax_rate;
    // A holiday is worth its years over a ten-year horizon [A].
    let holiday = b.firm_beta_tax * tax_rate * f64::from(l.tax_holiday_years[i]) / 10.0;
    let port = if m.region.city(d).port {
        b.firm_beta_port * sec.port_affinity
    } else {
        0.0
    };
    let tie = -sec.capital_tie * m.region.distance(d, m.region.capital) / 100.0;
    // A productivity gain raises value added like a subsidy of the same (log) share.
    let productivity = b.firm_beta_subsidy * l.productivity[i].dln();
    agglomeration
        + market
        + land
        + wage
        + holiday
        + b.firm_beta_subsidy * l.firm_bonus[i]
        + port
        + tie
        + productivity
}

/// Powers in the relocation hazard, memoised for the sizes and ages most firms have:
/// each entry is the very `dpow` the hazard would compute, so results do not change.
pub(crate) struct HazardTables {
    /// `[s][target]`: (target / sector mean size)^size elasticity.
    size: Vec<Vec<f64>>,
    /// `[age]`: (1 + age)^age elasticity.
    age: Vec<f64>,
}

const MEMO: usize = 1024;

impl HazardTables {
    pub(crate) fn new(m: &Model) -> HazardTables {
        let b = &m.behaviour;
        let size = (0..m.region.n_sectors())
            .map(|s| (0..MEMO as u32).map(|t| size_power(m, s, t)).collect())
            .collect();
        let age = (0..MEMO as u16)
            .map(|a| (1.0 + f64::from(a)).dpow(b.age_hazard_elasticity))
            .collect();
        HazardTables { size, age }
    }

    #[inline]
    fn size(&self, m: &Model, s: usize, target: u32) -> f64 {
        match self.size[s].get(target as usize) {
            Some(&x) => x,
            None => size_power(m, s, target),
        }
    }

    #[inline]
    fn age(&self, m: &Model, age: u16) -> f64 {
        match self.age.get(usize::from(age)) {
            Some(&x) => x,
            None => (1.0 + f64::from(age)).dpow(m.behaviour.age_hazard_elasticity),
        }
    }
}

fn size_power(m: &Model, s: usize, target: u32) -> f64 {
    let size = f64::from(target.max(1)) / m.calibration.sector_mean_size[s];
    size.dpow(m.behaviour.size_hazard_elasticity)
}

/// The yearly probability that firm `f` considers a move, before policy pushes.
pub(crate) fn base_hazard(m: &Model, tables: &HazardTables, f: usize) -> f64 {
    let b = &m.behaviour;
    let fi = &m.firms;
    let (c, s) = (fi.city[f] as usize, fi.sector[f] as usize);
    let pressure = (m.cities.housing[c] / m.region.city(c).housing_index - 1.0).max(0.0);
    let h = m.region.sector(s).relocation_hazard
        * tables.size(m, s, fi.target[f])
        * tables.age(m, fi.age[f])
        * (1.0 + b.cost_pressure * pressure);
    h.min(1.0)
}

/// Productivity of firm `f` with the policy change where it is.
fn effective_productivity(m: &Model, f: usize) -> f64 {
    let (c, s) = (m.firms.city[f] as usize, m.firms.sector[f] as usize);
    f64::from(m.firms.productivity[f]) * m.levers.productivity[m.levers.cs(c, s)]
}

pub(crate) fn exit_probability(m: &Model, f: usize) -> f64 {
    let s = m.firms.sector[f] as usize;
    let p = effective_productivity(m, f);
    (m.region.sector(s).exit_rate * p.dpow(m.behaviour.exit_productivity_elasticity)).min(1.0)
}

/// Yearly value added of one real firm, yuan.
pub(crate) fn value_added_yuan(m: &Model, f: usize) -> f64 {
    let fi = &m.firms;
    let (c, s) = (fi.city[f] as usize, fi.sector[f] as usize);
    f64::from(fi.employees[f])
        * m.cities.va_per_worker[c]
        * m.region.sector(s).output_per_worker
        * effective_productivity(m, f)
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Decision {
    Stay,
    Exit { cause: u8 },
    Move { to: u8, cause: u8, directed: bool },
    Blocked,
}

/// The tax-sharing rule covering a directed move of firm `f` from `c` to `d`, if the firm
/// is eligible (docs/facts.md §2.3).
fn sharing_rule(m: &Model, f: usize, c: usize, d: Option<usize>) -> Option<&TaxSharing> {
    let s = m.firms.sector[f] as usize;
    m.levers.tax_sharing.iter().find(|r| {
        r.origins.contains(&c)
            && d.is_none_or(|d| r.destinations.contains(&d))
            && r.sectors.contains(&s)
            && value_added_yuan(m, f) * r.three_tax_rate >= r.min_annual_tax_yuan
    })
}

/// The keys of a step's firm streams, hoisted out of the loop over firms.
struct FirmKeys {
    exit: StreamKey,
    hazard: StreamKey,
    choice: StreamKey,
}

fn decide(m: &Model, choice: &FirmChoice, t: &HazardTables, k: &FirmKeys, f: usize) -> Decision {
    let fi = &m.firms;
    if !fi.alive[f] {
        return Decision::Stay;
    }
    let (c, s) = (fi.city[f] as usize, fi.sector[f] as usize);
    let i = m.levers.cs(c, s);
    if k.exit
        .stream(fi.rng_key[f])
        .bernoulli(exit_probability(m, f))
    {
        return Decision::Exit { cause: 0 };
    }
    let h0 = base_hazard(m, t, f);
    let h = (h0 * m.levers.hazard_multiplier[i]).min(1.0);
    let dh = m.levers.directed_hazard[i];
    let u = k.hazard.stream(fi.rng_key[f]).uniform();
    let mut st = k.choice.stream(fi.rng_key[f]);
    let (cause, directed, led) = if u < h0 {
        (0, false, None)
    } else if u < h {
        (m.levers.push_cause[i], m.levers.directed[i], None)
    } else if u < h + dh * (1.0 - h) {
        match sharing_rule(m, f, c, None) {
            Some(rule) => (rule.cause, true, Some(rule)),
            None => return Decision::Stay,
        }
    } else {
        return Decision::Stay;
    };
    let to = match led {
        Some(rule) => choice.draw(s, Some(c), |d| rule.destinations.contains(&d), &mut st),
        None => choice.draw(s, Some(c), |_| true, &mut st),
    };
    let to = match to {
        Some(d) if d != c => d,
        _ => {
            let pushed = cause != 0;
            return if pushed && st.bernoulli(m.levers.close_share[i]) {
                Decision::Exit { cause }
            } else {
                Decision::Stay
            };
        }
    };
    if directed && st.bernoulli(m.behaviour.origin_resistance * m.levers.resistance_multiplier[c]) {
        return Decision::Blocked;
    }
    Decision::Move {
        to: to as u8,
        cause,
        directed,
    }
}

/// Pass 2: decisions in parallel, applied in firm-id order.
pub(crate) fn relocate_and_exit(m: &mut Model, flows: &mut Flows, events: &mut Vec<Event>) {
    let choice = FirmChoice::new(m, &m.calibration.firm_asc);
    let tables = HazardTables::new(m);
    let keys = FirmKeys {
        exit: m.key.purpose_key(m.step, Purpose::FirmExit),
        hazard: m.key.purpose_key(m.step, Purpose::FirmHazard),
        choice: m.key.purpose_key(m.step, Purpose::FirmChoice),
    };
    let decisions: Vec<Decision> = (0..m.firms.len())
        .into_par_iter()
        .with_min_len(CHUNK / 16)
        .map(|f| decide(m, &choice, &tables, &keys, f))
        .collect();
    let step = m.step;
    for (f, d) in decisions.into_iter().enumerate() {
        match d {
            Decision::Stay => {}
            Decision::Blocked => m.cumulative.directed_blocked += 1,
            Decision::Exit { cause } => {
                m.tally.remove_firm(&m.region, &m.firms, f);
                m.firms.alive[f] = false;
                events.push(Event {
                    firm: f as u32,
                    sector: m.firms.sector[f],
                    employees: m.firms.employees[f],
                    origin: Some(m.firms.city[f]),
                    destination: None,
                    kind: EventKind::Exit,
                    cause,
                    directed: false,
                });
            }
            Decision::Move {
                to,
                cause,
                directed,
            } => apply_move(m, f, to as usize, cause, directed, step, flows, events),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn apply_move(
    m: &mut Model,
    f: usize,
    d: usize,
    cause: u8,
    directed: bool,
    step: u32,
    flows: &mut Flows,
    events: &mut Vec<Event>,
) {
    let c = m.firms.city[f] as usize;
    let s = m.firms.sector[f];
    let employees = m.firms.employees[f];
    let rule = if directed {
        sharing_rule(m, f, c, Some(d)).cloned()
    } else {
        None
    };
    if let Some(rule) = rule {
        let tax = value_added_yuan(m, f) * m.region.spec.labour.tax_rate;
        let fi = &mut m.firms;
        fi.share_to[f] = c as u8;
        fi.share_fraction[f] = rule.origin_share as f32;
        fi.share_years_left[f] = rule.years;
        fi.share_extension_left[f] = rule.extension_years;
        // Cap: the firm's tax over the three years before the move (steady tax assumed).
        fi.share_cap_left[f] = (3.0 * tax) as f32;
    }
    m.tally.remove_firm(&m.region, &m.firms, f);
    let fi = &mut m.firms;
    fi.origin[f] = c as u8;
    fi.city[f] = d as u8;
    fi.moved_step[f] = step as u16;
    fi.holiday_left[f] = m.levers.tax_holiday_years[m.levers.cs(d, s as usize)];
    m.tally.add_firm(&m.region, &m.firms, f);
    if directed {
        m.cumulative.directed_moves += 1;
    }
    if c == m.region.capital {
        m.cumulative.firms_out_of_capital += 1;
        m.cumulative.jobs_out_of_capital += u64::from(employees);
    }
    Model::add_flow(
        flows,
        (c as u8, d as u8, Some(s)),
        1,
        u64::from(employees),
        0,
    );
    events.push(Event {
        firm: f as u32,
        sector: s,
        employees,
        origin: Some(c as u8),
        destination: Some(d as u8),
        kind: EventKind::Move,
        cause,
        directed,
    });
}

/// Pass 3: entrants replace exits in each sector, taking over the exited firms' sizes
/// so total jobs follow the growth path; the trend adds entrants of a typical size.
/// Entrants choose a location with the same utility as movers, without a moving cost.
pub(crate) fn enter(m: &mut Model, events: &mut Vec<Event>) {
    let ns = m.region.n_sectors();
    // An exit leaves a slot: the firm's size relative to its cell's mean, so an entrant
    // elsewhere is as large relative to its own cell and jobs balance in expectation.
    let mut slots: Vec<Vec<Option<f64>>> = vec![Vec::new(); ns];
    for e in events.iter().filter(|e| e.kind == EventKind::Exit) {
        let f = e.firm as usize;
        let cell = m.firms.city[f] as usize * ns + e.sector as usize;
        slots[e.sector as usize].push(Some(
            f64::from(m.firms.target[f]) / m.calibration.cell_mean_size[cell],
        ));
    }
    let mut alive = vec![0u64; ns];
    for f in 0..m.firms.len() {
        if m.firms.alive[f] {
            alive[m.firms.sector[f] as usize] += 1;
        }
    }
    let choice = FirmChoice::new(m, &m.calibration.entry_asc);
    let b = m.behaviour.clone();
    let mean_w = pareto_mean(b.firm_size_tail, b.firm_size_max_ratio);
    for s in 0..ns {
        let mut st = m.key.stream(m.step, s as u64, Purpose::FirmEntry);
        let growth = m.trends.firm_growth * alive[s] as f64;
        let extra = stochastic_round(growth.abs(), &mut st) as usize;
        let slots = &mut slots[s];
        if growth >= 0.0 {
            slots.extend(std::iter::repeat_n(None, extra));
        } else {
            slots.truncate(slots.len().saturating_sub(extra));
        }
        for (k, slot) in slots.iter().enumerate() {
            // Unique over the run: entry step, sector and rank within the sector.
            let agent = (1u64 << 63) | (u64::from(m.step) << 40) | ((s as u64) << 28) | k as u64;
            let mut st = m.key.stream(m.step, agent, Purpose::FirmEntry);
            let banned = |d: usize| m.levers.entry_ban[d * ns + s];
            let Some(d) = choice.draw(s, None, |d| !banned(d), &mut st) else {
                continue;
            };
            let w = pareto_weight(st.uniform(), b.firm_size_tail, b.firm_size_max_ratio);
            let relative = slot.unwrap_or(w / mean_w);
            let target = (m.calibration.cell_mean_size[d * ns + s] * relative)
                .round()
                .max(1.0) as u32;
            let prod = productivity(st.normal(), b.productivity_sigma);
            let f = m.firms.push(agent, s as u8, d as u8, target, prod, 0);
            m.firms.holiday_left[f as usize] = m.levers.tax_holiday_years[d * ns + s];
            m.tally.add_firm(&m.region, &m.firms, f as usize);
            events.push(Event {
                firm: f,
                sector: s as u8,
                employees: 0,
                origin: None,
                destination: Some(d as u8),
                kind: EventKind::Entry,
                cause: 0,
                directed: false,
            });
        }
    }
}

/// Rounds up with probability equal to the fraction, so expectations are kept.
pub(crate) fn stochastic_round(x: f64, st: &mut Stream) -> u64 {
    let fl = x.floor();
    fl as u64 + u64::from(st.uniform() < x - fl)
}

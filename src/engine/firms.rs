//! Firm relocation (a hazard, then a multinomial-logit choice over all locations with
//! staying included), closure and entry: passes 2 and 3 of the step; see
//! docs/model.md §7.3, §7.4, §7.5, §7.6 and §7.7. The rules are in `rules/location.rs`,
//! `rules/hazards.rs` and `rules/demography.rs`; this file gathers their inputs, builds
//! the per-step tables from them and applies decisions.

use rayon::prelude::*;

use super::draws::stochastic_round;
use super::rules::demography::{entrant_target, exit_slot, pareto_mean, pareto_weight};
use super::rules::hazards::{self, Consideration};
use super::rules::location::{Site, firm_moving_cost, location_value};
use super::rules::{demography, logit};
use super::{CHUNK, Model};
use crate::agents::FULL_WEIGHT;
use crate::engine::record::{Event, EventKind, Flows};
use crate::policy::TaxSharing;
use crate::rng::{Purpose, Stream, StreamKey, bernoulli_threshold, draw_below};

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
                let sector = m.region.sector(s);
                value[s * n + d] = a + location_value(&m.behaviour, sector, &site(m, s, d));
            }
        }
        let mut moving = vec![0.0; n * n];
        for c in 0..n {
            for d in (0..n).filter(|&d| d != c) {
                moving[c * n + d] = firm_moving_cost(&m.behaviour, m.region.distance(c, d));
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
        logit::gumbel_argmax(
            self.n,
            |d| self.utility(s, from, d),
            allowed,
            || st.gumbel(),
        )
    }
}

/// City `d` as a firm of sector `s` sees it at the start of the step.
fn site(m: &Model, s: usize, d: usize) -> Site {
    let (cs, l) = (&m.cities, &m.levers);
    let i = l.cs(d, s);
    let count = |v: &[u64]| v.get(i).copied().unwrap_or(0) as f64;
    Site {
        sector_jobs: count(&cs.counts.employment_cs) / m.scale,
        market: cs.market[d] / m.scale,
        residents: cs.counts.population[d] as f64,
        sector_firms: count(&cs.counts.firms_cs) / f64::from(FULL_WEIGHT),
        housing: cs.housing[d],
        land_discount: l.land_discount[i],
        wage: [cs.wage[0][d], cs.wage[1][d]],
        tax_rate: m.region.spec.labour.tax_rate,
        holiday_years: l.tax_holiday_years[i],
        firm_bonus: l.firm_bonus[i],
        productivity: l.productivity[i],
        port: m.region.city(d).port,
        km_to_capital: m.region.distance(d, m.region.capital),
    }
}

/// The size and age factors of the relocation hazard, memoised for the sizes and ages
/// most firms have: each entry is the rule's own value, so results do not change.
pub(crate) struct HazardTables {
    /// `[s][target]`: [`hazards::size_factor`].
    size: Vec<Vec<f64>>,
    /// `[age]`: [`hazards::age_factor`].
    age: Vec<f64>,
}

const MEMO: usize = 1024;

impl HazardTables {
    pub(crate) fn new(m: &Model) -> HazardTables {
        let size = (0..m.region.n_sectors())
            .map(|s| (0..MEMO as u32).map(|t| size_factor(m, s, t)).collect())
            .collect();
        let age = (0..MEMO as u16)
            .map(|a| hazards::age_factor(&m.behaviour, a))
            .collect();
        HazardTables { size, age }
    }

    #[inline]
    fn size(&self, m: &Model, s: usize, target: u32) -> f64 {
        match self.size[s].get(target as usize) {
            Some(&x) => x,
            None => size_factor(m, s, target),
        }
    }

    #[inline]
    fn age(&self, m: &Model, age: u16) -> f64 {
        match self.age.get(usize::from(age)) {
            Some(&x) => x,
            None => hazards::age_factor(&m.behaviour, age),
        }
    }
}

fn size_factor(m: &Model, s: usize, target: u32) -> f64 {
    hazards::size_factor(&m.behaviour, target, m.calibration.sector_mean_size[s])
}

/// The size of the real firms a firm agent stands for, in jobs of agents: its target
/// over its weight, so that the pieces of a split firm keep their firm's size.
#[inline]
pub(crate) fn represented_size(target: u32, weight: u32) -> u32 {
    let size = u64::from(target) * u64::from(FULL_WEIGHT) / u64::from(weight.max(1));
    size.min(u64::from(u32::MAX)) as u32
}

/// The yearly probability that firm `f` considers a move, before policy pushes.
pub(crate) fn base_hazard(m: &Model, tables: &HazardTables, f: usize) -> f64 {
    let fi = &m.firms;
    let (c, s) = (fi.city()[f] as usize, fi.sector()[f] as usize);
    hazards::relocation_hazard(
        &m.behaviour,
        m.region.sector(s).relocation_hazard,
        tables.size(m, s, represented_size(fi.target()[f], fi.weight()[f])),
        tables.age(m, fi.age()[f]),
        m.cities.housing[c],
        m.region.city(c).housing_index,
    )
}

/// Productivity of firm `f` with the policy change where it is.
fn effective_productivity(m: &Model, f: usize) -> f64 {
    let (c, s) = (m.firms.city()[f] as usize, m.firms.sector()[f] as usize);
    f64::from(m.firms.productivity()[f]) * m.levers.productivity[m.levers.cs(c, s)]
}

pub(crate) fn exit_probability(m: &Model, f: usize) -> f64 {
    let exit_rate = m.region.sector(m.firms.sector()[f] as usize).exit_rate;
    hazards::exit_probability(&m.behaviour, exit_rate, effective_productivity(m, f))
}

/// Real firms agent `f` stands for: 1 / scale for a whole agent, less for a piece.
#[inline]
pub(crate) fn real_firms(m: &Model, f: usize) -> f64 {
    crate::agents::firm_agents(u64::from(m.firms.weight()[f])) / m.scale
}

/// Yearly value added of one of the real firms agent `f` stands for, yuan of the start
/// year: its own productivity times the region's trend. A piece of a split firm holds
/// its share of the firm's workers, so the firm's are its own over its weight.
pub(crate) fn value_added_yuan(m: &Model, f: usize) -> f64 {
    let fi = &m.firms;
    let (c, s) = (fi.city()[f] as usize, fi.sector()[f] as usize);
    let whole = f64::from(FULL_WEIGHT) / f64::from(fi.weight()[f]);
    f64::from(fi.employees()[f])
        * whole
        * m.cities.va_per_worker[c]
        * m.region.sector(s).output_per_worker
        * effective_productivity(m, f)
        * m.productivity_trend
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
    let s = m.firms.sector()[f] as usize;
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

/// Why a firm considers a move: the policy that caused it (0: the market), whether its
/// government leads it, and the tax-sharing rule that restricts where it may go.
type Motive<'a> = (u8, bool, Option<&'a TaxSharing>);

fn decide(m: &Model, choice: &FirmChoice, t: &HazardTables, k: &FirmKeys, f: usize) -> Decision {
    let fi = &m.firms;
    if !fi.alive()[f] {
        return Decision::Stay;
    }
    let key = fi.rng_key()[f];
    if k.exit.stream(key).bernoulli(exit_probability(m, f)) {
        return Decision::Exit { cause: 0 };
    }
    let (c, s) = (fi.city()[f] as usize, fi.sector()[f] as usize);
    let (l, i) = (&m.levers, m.levers.cs(c, s));
    let u = k.hazard.stream(key).uniform();
    let h0 = base_hazard(m, t, f);
    let motive: Motive =
        match hazards::consideration(u, h0, l.hazard_multiplier[i], l.directed_hazard[i]) {
            Consideration::Stays => return Decision::Stay,
            Consideration::Market => (0, false, None),
            Consideration::Pushed => (l.push_cause[i], l.directed[i], None),
            Consideration::Directed => match sharing_rule(m, f, c, None) {
                Some(rule) => (rule.cause, true, Some(rule)),
                None => return Decision::Stay,
            },
        };
    choose_move(m, choice, f, motive, &mut k.choice.stream(key))
}

/// Where firm `f`, considering a move for `motive`, goes: the logit choice among the
/// cities it may go to; staying may end in closure (a pushed firm), a led move in the
/// origin blocking it.
fn choose_move(
    m: &Model,
    choice: &FirmChoice,
    f: usize,
    motive: Motive,
    st: &mut Stream,
) -> Decision {
    let (c, s) = (m.firms.city()[f] as usize, m.firms.sector()[f] as usize);
    let (l, i) = (&m.levers, m.levers.cs(c, s));
    let (cause, directed, led) = motive;
    let to = match led {
        Some(rule) => choice.draw(s, Some(c), |d| rule.destinations.contains(&d), st),
        None => choice.draw(s, Some(c), |_| true, st),
    };
    let Some(to) = to.filter(|&d| d != c) else {
        let close = hazards::closing_probability(cause != 0, l.close_share[i]);
        return match st.bernoulli(close) {
            true => Decision::Exit { cause },
            false => Decision::Stay,
        };
    };
    let block = hazards::blocking_probability(&m.behaviour, directed, l.resistance_multiplier[c]);
    if st.bernoulli(block) {
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
    for (f, d) in decisions.into_iter().enumerate() {
        match d {
            Decision::Stay => {}
            Decision::Blocked => {
                m.cumulative.directed_blocked += u64::from(m.firms.weight()[f]);
            }
            Decision::Exit { cause } => exit(m, f, cause, events),
            Decision::Move {
                to,
                cause,
                directed,
            } => {
                apply_move(m, f, to as usize, directed);
                record_move(m, f, cause, directed, flows, events);
            }
        }
    }
}

fn exit(m: &mut Model, f: usize, cause: u8, events: &mut Vec<Event>) {
    m.tally.remove_firm(&m.region, &m.firms, f);
    m.firms.alive_mut()[f] = false;
    events.push(Event {
        firm: f as u32,
        sector: m.firms.sector()[f],
        employees: m.firms.employees()[f],
        origin: Some(m.firms.city()[f]),
        destination: None,
        kind: EventKind::Exit,
        cause,
        directed: false,
        weight: m.firms.weight()[f],
    });
}

/// Moves firm `f` to `d`, with tax sharing for an eligible directed move and the holiday
/// granted where it arrives.
fn apply_move(m: &mut Model, f: usize, d: usize, directed: bool) {
    let c = m.firms.city()[f] as usize;
    let s = m.firms.sector()[f] as usize;
    if directed {
        start_sharing(m, f, c, d);
    }
    m.tally.remove_firm(&m.region, &m.firms, f);
    let holiday = m.levers.tax_holiday_years[m.levers.cs(d, s)];
    let fi = m.firms.columns_mut();
    fi.origin[f] = c as u8;
    fi.city[f] = d as u8;
    fi.moved_step[f] = m.step as u16;
    fi.holiday_left[f] = holiday;
    m.tally.add_firm(&m.region, &m.firms, f);
}

/// The origin `c` of a directed move to `d` starts receiving a share of the firm's tax,
/// if a rule covers the move.
fn start_sharing(m: &mut Model, f: usize, c: usize, d: usize) {
    let Some(rule) = sharing_rule(m, f, c, Some(d)).cloned() else {
        return;
    };
    let tax = value_added_yuan(m, f) * m.region.spec.labour.tax_rate;
    let fi = m.firms.columns_mut();
    fi.share_to[f] = c as u8;
    fi.share_fraction[f] = rule.origin_share as f32;
    fi.share_years_left[f] = rule.years;
    fi.share_extension_left[f] = rule.extension_years;
    // Cap: the firm's tax over the three years before the move (steady tax assumed).
    fi.share_cap_left[f] = (3.0 * tax) as f32;
}

/// Counts the move of firm `f` (now at its destination) and reports it.
fn record_move(
    m: &mut Model,
    f: usize,
    cause: u8,
    directed: bool,
    flows: &mut Flows,
    events: &mut Vec<Event>,
) {
    let fi = &m.firms;
    let (c, d, s, employees, weight) = (
        fi.origin()[f],
        fi.city()[f],
        fi.sector()[f],
        fi.employees()[f],
        fi.weight()[f],
    );
    if directed {
        m.cumulative.directed_moves += u64::from(weight);
    }
    if usize::from(c) == m.region.capital {
        m.cumulative.firms_out_of_capital += u64::from(weight);
        m.cumulative.jobs_out_of_capital += u64::from(employees);
    }
    Model::add_flow(
        flows,
        (c, d, Some(s)),
        u64::from(weight),
        u64::from(employees),
        0,
    );
    events.push(Event {
        firm: f as u32,
        sector: s,
        employees,
        origin: Some(c),
        destination: Some(d),
        kind: EventKind::Move,
        cause,
        directed,
        weight,
    });
}

/// An entrant's place: the relative size and the weight of the exit it replaces, or
/// none for an entrant of the growth trend (a whole agent of typical size).
type Slot = Option<(f64, u32)>;

/// Pass 3: entrants replace exits in each sector, taking over the exited firms' sizes
/// and weights so total jobs and firms follow the growth path; the trend adds entrants
/// of a typical size. Entrants choose a location with the same utility as movers,
/// without a moving cost.
pub(crate) fn enter(m: &mut Model, events: &mut Vec<Event>) {
    let mut slots = exit_slots(m, events);
    let alive = alive_by_sector(m);
    let b = &m.behaviour;
    let entry = Entry {
        choice: FirmChoice::new(m, &m.calibration.entry_asc),
        mean_weight: pareto_mean(b.firm_size_tail, b.firm_size_max_ratio),
    };
    for (s, slots) in slots.iter_mut().enumerate() {
        let mut st = m.key.stream(m.step, s as u64, Purpose::FirmEntry);
        let growth = m.trends.firm_growth * alive[s];
        let extra = stochastic_round(growth.abs(), &mut st) as usize;
        if growth >= 0.0 {
            slots.extend(std::iter::repeat_n(None, extra));
        } else {
            drop_slots(slots, extra as u64 * u64::from(FULL_WEIGHT));
        }
        for (k, &slot) in slots.iter().enumerate() {
            enter_one(m, &entry, s, k, slot, events);
        }
    }
}

/// Shrinking: drops the last slots until `weight` (whole agents are FULL_WEIGHT) is
/// gone or none is left, so firms shrink by as many real firms as the trend asks
/// whether the exits were whole agents or pieces.
fn drop_slots(slots: &mut Vec<Slot>, weight: u64) {
    let mut dropped = 0u64;
    while dropped < weight {
        let Some(slot) = slots.pop() else { break };
        dropped += u64::from(slot.map_or(FULL_WEIGHT, |s| s.1));
    }
}

/// The slots exits left this step, per sector: each exited firm's size relative to its
/// cell's mean, so an entrant elsewhere is as large relative to its own cell and jobs
/// balance in expectation, and its weight, so firms balance too.
fn exit_slots(m: &Model, events: &[Event]) -> Vec<Vec<Slot>> {
    let ns = m.region.n_sectors();
    let mut slots: Vec<Vec<Slot>> = vec![Vec::new(); ns];
    for e in events.iter().filter(|e| e.kind == EventKind::Exit) {
        let f = e.firm as usize;
        let cell = m.firms.city()[f] as usize * ns + e.sector as usize;
        let slot = exit_slot(m.firms.target()[f], m.calibration.cell_mean_size[cell]);
        slots[e.sector as usize].push(Some((slot, m.firms.weight()[f])));
    }
    slots
}

/// Live firm agents per sector, whole agents counted as one.
fn alive_by_sector(m: &Model) -> Vec<f64> {
    let mut alive = vec![0u64; m.region.n_sectors()];
    let fi = &m.firms;
    for f in 0..fi.len() {
        if fi.alive()[f] {
            alive[fi.sector()[f] as usize] += u64::from(fi.weight()[f]);
        }
    }
    alive.into_iter().map(crate::agents::firm_agents).collect()
}

/// What every entrant of a step chooses with: the location choice, and the mean of the
/// size weights its own weight is relative to.
struct Entry {
    choice: FirmChoice,
    mean_weight: f64,
}

/// The `k`th entrant of sector `s` this step, filling `slot` (None: one of the trend's).
fn enter_one(
    m: &mut Model,
    entry: &Entry,
    s: usize,
    k: usize,
    slot: Slot,
    events: &mut Vec<Event>,
) {
    let ns = m.region.n_sectors();
    let b = &m.behaviour;
    // Unique over the run: entry step (bits 40-62), sector (32-39; sectors are u8),
    // rank within the sector (8-31: 16 million entrants of a sector a step) and (low
    // byte) the piece, should the entrant be split.
    debug_assert!(k < 1 << 24, "entrant rank {k} overflows its 24 bits");
    let agent = (1u64 << 63) | (u64::from(m.step) << 40) | ((s as u64) << 32) | ((k as u64) << 8);
    let mut st = m.key.stream(m.step, agent, Purpose::FirmEntry);
    let banned = |d: usize| m.levers.entry_ban[d * ns + s];
    let Some(d) = entry.choice.draw(s, None, |d| !banned(d), &mut st) else {
        return;
    };
    let w = pareto_weight(st.uniform(), b.firm_size_tail, b.firm_size_max_ratio);
    let cell_mean = m.calibration.cell_mean_size[d * ns + s];
    let target = match slot {
        Some((relative, _)) => entrant_target(cell_mean, Some(relative), w, entry.mean_weight),
        None => entrant_target(
            cell_mean * m.trends.growth_entrant_size,
            None,
            w,
            entry.mean_weight,
        ),
    };
    let weight = slot.map_or(FULL_WEIGHT, |x| x.1);
    let prod = demography::productivity(st.normal(), b.productivity_sigma);
    for (j, (target, weight)) in pieces(target, weight, m.calibration.largest_firm)
        .into_iter()
        .enumerate()
    {
        let new = NewFirm {
            agent: agent | j as u64,
            sector: s,
            city: d,
            target,
            productivity: prod,
            weight,
        };
        found(m, new, None, EventKind::Entry, events);
    }
}

/// A firm of `target` jobs and `weight` as agents of at most `largest` jobs each: the
/// jobs shared as evenly as integers allow, and the weight in proportion to each piece's
/// jobs (cumulative rounding, so each piece is off by less than one unit and the sum is
/// exact), so every piece shows the whole firm's size (target x W / weight). At most 256
/// pieces and at most `weight`, so that none is without weight.
pub(crate) fn pieces(target: u32, weight: u32, largest: u32) -> Vec<(u32, u32)> {
    let k = target
        .div_ceil(largest.max(1))
        .clamp(1, 256)
        .min(weight.max(1));
    let jobs = |j: u32| target / k + u32::from(j < target % k);
    let (mut done, mut given) = (0u64, 0u64);
    let mut out: Vec<(u32, u32)> = (0..k)
        .map(|j| {
            done += u64::from(jobs(j));
            let upto = u64::from(weight) * done / u64::from(target.max(1));
            let w = (upto - given) as u32;
            given = upto;
            (jobs(j), w)
        })
        .collect();
    // A piece rounded to no weight takes a unit from the heaviest (k <= weight, so one
    // has two or more while any has none).
    while let Some(z) = out.iter().position(|p| p.1 == 0) {
        let heaviest = (0..out.len()).max_by_key(|&i| (out[i].1, std::cmp::Reverse(i)));
        let h = heaviest.expect("at least one piece");
        out[h].1 -= 1;
        out[z].1 = 1;
    }
    out
}

/// A firm about to be founded by an entrant or a branch.
struct NewFirm {
    agent: u64,
    sector: usize,
    city: usize,
    target: u32,
    productivity: f32,
    weight: u32,
}

/// Founds `new`: a firm without employees and with its city's tax holiday, counted and
/// recorded as an event of `kind` from `origin` (the parent's city for a branch).
fn found(
    m: &mut Model,
    new: NewFirm,
    origin: Option<u8>,
    kind: EventKind,
    events: &mut Vec<Event>,
) {
    let (s, d) = (new.sector, new.city);
    let f = m
        .firms
        .push(new.agent, s as u8, d as u8, new.target, new.productivity, 0) as usize;
    let ns = m.region.n_sectors();
    m.firms.holiday_left_mut()[f] = m.levers.tax_holiday_years[d * ns + s];
    m.firms.weight_mut()[f] = new.weight;
    m.tally.add_firm(&m.region, &m.firms, f);
    events.push(Event {
        firm: f as u32,
        sector: s as u8,
        employees: 0,
        origin,
        destination: Some(d as u8),
        kind,
        cause: 0,
        directed: false,
        weight: new.weight,
    });
}

/// Pass 3b: branches (docs/model.md §7.7). A live firm of two or more jobs opens a
/// branch in another city with `branch_rate`; the branch, of its sector, chooses a city
/// by the entrants' logit (its parent's city and cities banning the sector excluded),
/// takes `branch_share` of its parent's target, which shrinks by as much, and shares its
/// productivity. Decided in parallel, applied in id order.
pub(crate) fn open_branches(m: &mut Model, events: &mut Vec<Event>) {
    let threshold = bernoulli_threshold(m.behaviour.branch_rate);
    if threshold == 0 {
        return;
    }
    let key = m.key.purpose_key(m.step, Purpose::Branch);
    let parents: Vec<u32> = {
        let fi = &m.firms;
        (0..fi.len() as u32)
            .into_par_iter()
            .with_min_len(super::CHUNK / 4)
            .filter(|&f| {
                let f = f as usize;
                fi.alive()[f]
                    && fi.target()[f] >= 2
                    && draw_below(key.stream(fi.rng_key()[f]).next_u64(), threshold)
            })
            .collect()
    };
    let choice = FirmChoice::new(m, &m.calibration.entry_asc);
    for p in parents {
        branch_one(m, &choice, p as usize, events);
    }
}

fn branch_one(m: &mut Model, choice: &FirmChoice, p: usize, events: &mut Vec<Event>) {
    let ns = m.region.n_sectors();
    let (c, s) = (m.firms.city()[p] as usize, m.firms.sector()[p] as usize);
    let agent = (1u64 << 62) | (u64::from(m.step) << 32) | p as u64;
    let mut st = m.key.stream(m.step, agent, Purpose::Branch);
    let closed = |d: usize| d == c || m.levers.entry_ban[d * ns + s];
    let Some(d) = choice.draw(s, None, |d| !closed(d), &mut st) else {
        return;
    };
    let target = m.firms.target()[p];
    let size = demography::branch_size(target, m.behaviour.branch_share);
    m.tally.remove_firm(&m.region, &m.firms, p);
    m.firms.target_mut()[p] = target - size;
    m.tally.add_firm(&m.region, &m.firms, p);
    let new = NewFirm {
        agent,
        sector: s,
        city: d,
        target: size,
        productivity: m.firms.productivity()[p],
        weight: m.firms.weight()[p],
    };
    found(m, new, Some(c as u8), EventKind::Branch, events);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrinking_drops_slots_by_weight() {
        let piece = |w: u32| Some((1.0, w));
        let mut slots = vec![
            piece(FULL_WEIGHT),
            piece(100),
            piece(FULL_WEIGHT / 2),
            piece(FULL_WEIGHT / 2),
        ];
        drop_slots(&mut slots, u64::from(FULL_WEIGHT));
        assert_eq!(
            slots,
            vec![piece(FULL_WEIGHT), piece(100)],
            "two halves make one agent"
        );
        drop_slots(&mut slots, 10 * u64::from(FULL_WEIGHT));
        assert!(slots.is_empty());
    }

    /// Pieces keep the firm's jobs and weight exactly, none above the cap where the
    /// weight allows, each with weight, and each showing the whole firm's size.
    #[test]
    fn pieces_share_a_firms_jobs_and_weight_exactly() {
        let key = crate::rng::RunKey::new(3, 0);
        for i in 0..20_000u64 {
            let mut st = key.stream(0, i, Purpose::FirmSize);
            let target = 1 + st.below(5_000) as u32;
            let weight = 1 + st.below(u64::from(FULL_WEIGHT)) as u32;
            let largest = 1 + st.below(200) as u32;
            let p = pieces(target, weight, largest);
            let (jobs, w): (u32, u32) = (p.iter().map(|x| x.0).sum(), p.iter().map(|x| x.1).sum());
            assert_eq!(
                (jobs, w),
                (target, weight),
                "{target} {weight} {largest}: {p:?}"
            );
            assert!(p.iter().all(|x| x.0 >= 1 && x.1 >= 1), "{p:?}");
            let k = p.len() as u32;
            if k < 256 && k < weight {
                assert!(
                    p.iter().all(|x| x.0 <= largest),
                    "{target} {largest}: {p:?}"
                );
            }
            // Each piece's weight is within a unit or two of its share of the firm's.
            for &(t, w) in &p {
                let share = f64::from(weight) * f64::from(t) / f64::from(target);
                assert!(
                    (f64::from(w) - share).abs() < 2.0,
                    "{target} {weight} {largest}: piece {t}/{w}, share {share}"
                );
            }
        }
    }
}

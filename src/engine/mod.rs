//! The model and its step.
//!
//! A step is a fixed sequence of passes (docs/model.md §3). Decisions are made in
//! parallel against the state at the start of a pass and written into per-agent decision
//! vectors; they are then applied in id order, with keyed lotteries where capacity is
//! short, so the result does not depend on the number of threads. Aggregates are integer
//! counts or sums over fixed chunks combined in chunk order.
//!
//! What agents decide is in [`rules`], one pure function per rule; the pass files
//! (`firms.rs`, `jobs.rs`, `hiring.rs`, `migration.rs`, `dependents.rs`) hold the
//! mechanics that apply those rules to every agent, fast and reproducibly.

mod apply;
mod calibrate;
mod cities;
mod demography;
mod dependents;
mod draws;
mod finance;
mod firms;
mod hiring;
pub mod indicators;
mod init;
mod jobs;
mod migration;
mod open;
pub mod record;
pub(crate) mod rules;
pub mod sink;
mod tally;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub use cities::CityState;
pub use demography::Vital;
pub use sink::{
    Control, Ending, MemorySink, NullSink, RunInfo, Sink, StepView, drive, record_start,
};
pub use tally::Tally;

use crate::agents::{Firms, Persons};
use crate::engine::record::{Event, FlowKey, Flows, StepFrame};
use crate::policy::Levers;
use crate::region::Region;
use crate::rng::RunKey;
use crate::scenario::{Behaviour, Resolved, Trends};

/// Work is split into chunks of this many agents; reductions combine chunks in order.
pub(crate) const CHUNK: usize = 1 << 16;

/// `v` as atomics, for integer updates from parallel tasks (sums do not depend on the
/// order of their terms).
pub(crate) fn as_atomic(v: &mut [u32]) -> &[AtomicU32] {
    const _: () = assert!(std::mem::align_of::<AtomicU32>() == std::mem::align_of::<u32>());
    // SAFETY: AtomicU32 has the size and bit validity of u32 and, as asserted, its
    // alignment; the exclusive borrow makes the atomics the only access while they live.
    unsafe { &*(v as *mut [u32] as *const [AtomicU32]) }
}

/// Alternative-specific constants from calibration: firms per (sector, city), persons per
/// (skill, city), row-major.
#[derive(Clone, Debug, Default)]
pub struct Calibration {
    /// Constants of movers' choices, per (sector, city).
    pub firm_asc: Vec<f64>,
    /// Constants of entrants' choices, per (sector, city).
    pub entry_asc: Vec<f64>,
    /// Constants of residents' choices, per (skill, location): the n cities, then the
    /// rest of China.
    pub person_asc: Vec<f64>,
    /// People of the rest of China who might move into the region, per skill, in agents
    /// (`border_pool_ratio` times the labour force at the start).
    pub border_pool: [f64; 2],
    /// Mean target size per (city, sector) cell at the start, for entrants.
    pub cell_mean_size: Vec<f64>,
    /// Mean target size per sector over the region, for the size hazard.
    pub sector_mean_size: Vec<f64>,
    /// The most jobs one firm agent may hold ([`init::largest_firm`]); larger entrants are
    /// split.
    pub largest_firm: u32,
}

/// Wall time spent in each pass, summed over steps: for `relocsim bench`, never written
/// to data files.
#[derive(Clone, Debug, Default)]
pub struct Timings {
    pub init: Duration,
    pub firms: Duration,
    pub jobs: Duration,
    pub natural_change: Duration,
    pub hiring: Duration,
    pub migration: Duration,
    pub arrivals: Duration,
    pub accounts: Duration,
    pub record: Duration,
}

impl Timings {
    pub fn phases(&self) -> [(&'static str, Duration); 9] {
        [
            ("init (populate, calibrate)", self.init),
            ("firms (relocation, exit, entry, branches)", self.firms),
            ("jobs (follow, commute, churn)", self.jobs),
            ("natural change (deaths, births)", self.natural_change),
            ("hiring", self.hiring),
            ("migration (choice, dependants)", self.migration),
            ("arrivals from outside", self.arrivals),
            ("accounts (counts, finance)", self.accounts),
            ("record (step tables)", self.record),
        ]
    }
}

struct PhaseClock(Instant);

impl PhaseClock {
    fn start() -> Self {
        PhaseClock(Instant::now())
    }

    fn lap(&mut self, into: &mut Duration) {
        let now = Instant::now();
        *into += now - self.0;
        self.0 = now;
    }
}

/// Abandons the step (or the initialisation) in progress once set: long passes look at
/// it between chunks of agents, the step between passes, so that a stop takes effect
/// within seconds at any scale. An abandoned model is inconsistent and must be dropped.
/// Set from outside (the runner sets it when a stop request outlasts its grace period),
/// never by the engine.
#[derive(Clone, Debug, Default)]
pub struct Abandon(Option<Arc<AtomicBool>>);

impl Abandon {
    pub fn new(flag: Arc<AtomicBool>) -> Abandon {
        Abandon(Some(flag))
    }

    pub(crate) fn is_set(&self) -> bool {
        self.0.as_ref().is_some_and(|f| f.load(Ordering::Relaxed))
    }
}

/// Running totals that indicators report cumulatively.
#[derive(Clone, Debug, Default)]
pub struct Cumulative {
    /// Firm counts here are sums of agent weights (`crate::agents::FULL_WEIGHT` each).
    pub firms_out_of_capital: u64,
    pub jobs_out_of_capital: u64,
    pub directed_moves: u64,
    pub directed_blocked: u64,
    pub shared_tax_yuan: f64,
}

/// A running simulation: region, parameters, agents and city state.
pub struct Model {
    pub region: Region,
    pub behaviour: Behaviour,
    /// `behaviour` with the migration levers at their reference: what the start's
    /// resident constants are fitted under (docs/model.md §5.4).
    pub reference: Behaviour,
    pub trends: Trends,
    pub policies: Vec<crate::policy::PolicySpec>,
    pub key: RunKey,
    pub scale: f64,
    pub start_year: i32,
    pub steps: u32,
    /// Steps completed; 0 is the initial state.
    pub step: u32,
    pub firms: Firms,
    pub persons: Persons,
    pub cities: CityState,
    /// Counts kept current as agents change; published to `cities` at step ends.
    pub tally: Tally,
    pub calibration: Calibration,
    pub cumulative: Cumulative,
    /// Births, deaths and moves across the region's border in the current step.
    pub vital: Vital,
    pub levers: Levers,
    /// (1 + `trends.productivity_growth`)^step: the region-wide productivity level that
    /// scales every firm's value added. It is kept apart from each firm's own productivity,
    /// which sets its exit odds, because growth that every firm shares leaves no firm more
    /// likely to survive than before (docs/model.md §7.15).
    pub productivity_trend: f64,
    pub timings: Timings,
    /// See [`Abandon`]; unset unless a caller installs one.
    pub(crate) abandon: Abandon,
}

impl Model {
    /// Builds the initial population and calibrates it so the start is a steady state.
    pub fn new(resolved: &Resolved) -> Model {
        Model::new_abandonable(resolved, Abandon::default())
            .expect("an unset abandon flag never abandons")
    }

    /// [`Model::new`] that gives up (None) once `abandon` is set; steps of the model
    /// look at the same flag (see [`Model::try_step`]).
    pub fn new_abandonable(resolved: &Resolved, abandon: Abandon) -> Option<Model> {
        let started = Instant::now();
        let sc = &resolved.scenario;
        let key = RunKey::new(sc.scenario.seed, sc.scenario.replicate);
        let (firms, persons) = init::populate(
            &resolved.region,
            &sc.behaviour,
            key,
            sc.scenario.scale,
            &abandon,
        );
        if abandon.is_set() {
            return None;
        }
        let mut model = Model::unpriced(resolved, key, firms, persons, abandon);
        if model.abandon.is_set() {
            return None;
        }
        model.cities.set_counts(&model.tally);
        model
            .cities
            .initialise_prices(&model.region, &model.behaviour, model.scale);
        finance::account(&mut model, &mut Vec::new());
        model.cities.set_base_revenue();
        if model.abandon.is_set() {
            return None;
        }
        calibrate::calibrate(&mut model);
        model.timings.init = started.elapsed();
        (!model.abandon.is_set()).then_some(model)
    }

    /// The model of `resolved` with these agents, counted, before prices, accounts and
    /// calibration.
    fn unpriced(
        resolved: &Resolved,
        key: RunKey,
        firms: Firms,
        persons: Persons,
        abandon: Abandon,
    ) -> Model {
        let sc = &resolved.scenario;
        let region = resolved.region.clone();
        let (n, ns) = (region.n_cities(), region.n_sectors());
        Model {
            cities: CityState::empty(n, ns),
            calibration: Calibration::default(),
            tally: Tally::count(&region, &firms, &persons),
            region,
            behaviour: sc.behaviour.clone(),
            reference: sc.reference.apply(&sc.behaviour),
            trends: sc.trends.clone(),
            policies: sc.policies.clone(),
            key,
            scale: sc.scenario.scale,
            start_year: sc.scenario.start_year,
            steps: resolved.steps(),
            step: 0,
            firms,
            persons,
            cumulative: Cumulative::default(),
            vital: Vital::zero(n),
            levers: Levers::neutral(n, ns),
            productivity_trend: 1.0,
            timings: Timings::default(),
            abandon,
        }
    }

    /// Installs the flag that abandons a step in progress (a model read back from a
    /// checkpoint is built without one).
    pub fn set_abandon(&mut self, abandon: Abandon) {
        self.abandon = abandon;
    }

    /// Rebuilds the counts derived from the agents after a checkpoint was read in.
    pub fn resume_after_load(&mut self) {
        self.tally = Tally::count(&self.region, &self.firms, &self.persons);
        self.cities.set_counts(&self.tally);
    }

    pub fn year(&self) -> i32 {
        self.start_year + self.step as i32
    }

    pub fn is_done(&self) -> bool {
        self.step >= self.steps
    }

    pub fn n_agents(&self) -> u64 {
        (self.firms.len() + self.persons.len()) as u64
    }

    /// The record of the current state with no flows: what step 0 reports.
    pub fn initial_frame(&self) -> StepFrame {
        StepFrame::build(self, Flows::new(), Vec::new())
    }

    /// Advances one year and returns what happened in it.
    pub fn step(&mut self) -> StepFrame {
        self.try_step()
            .expect("a step is abandoned only when an abandon flag is set")
    }

    /// [`Model::step`], or None when the abandon flag was set during the step: the
    /// model is then inconsistent (only `step`, back at the last completed step, is
    /// meaningful) and must be dropped.
    pub fn try_step(&mut self) -> Option<StepFrame> {
        let frame = self.advance();
        if frame.is_none() {
            self.step -= 1;
        }
        frame
    }

    /// The region's productivity level at `step`: (1 + `productivity_growth`)^step.
    pub(crate) fn trend_at(&self, step: u32) -> f64 {
        crate::math::Det::dpow(1.0 + self.trends.productivity_growth, f64::from(step))
    }

    fn advance(&mut self) -> Option<StepFrame> {
        self.step += 1;
        let year = self.year();
        let mut levers = Levers::neutral(self.region.n_cities(), self.region.n_sectors());
        for (i, p) in self.policies.iter().enumerate() {
            p.apply(&self.region, year, (i + 1) as u8, &mut levers);
        }
        self.levers = levers;
        self.vital = Vital::zero(self.region.n_cities());
        // Last step's revenue was earned at last step's trend.
        self.cities.update_prices(
            &self.region,
            &self.behaviour,
            &self.levers,
            self.trend_at(self.step - 1),
        );
        self.productivity_trend = self.trend_at(self.step);

        let mut flows: Flows = BTreeMap::new();
        let mut events: Vec<Event> = Vec::new();
        let mut clock = PhaseClock::start();
        firms::relocate_and_exit(self, &mut flows, &mut events);
        firms::enter(self, &mut events);
        firms::open_branches(self, &mut events);
        clock.lap(&mut self.timings.firms);
        self.go_on()?;
        jobs::jobs(self, &mut flows);
        clock.lap(&mut self.timings.jobs);
        self.go_on()?;
        demography::natural_change(self);
        clock.lap(&mut self.timings.natural_change);
        self.go_on()?;
        hiring::hire(self);
        clock.lap(&mut self.timings.hiring);
        self.go_on()?;
        let table = migration::MoveTable::new(self);
        let movers = migration::migrate(self, &table, &mut flows);
        self.go_on()?;
        dependents::follow(self, movers, &mut flows);
        clock.lap(&mut self.timings.migration);
        migration::arrive(self, &table);
        clock.lap(&mut self.timings.arrivals);
        self.go_on()?;
        debug_assert_eq!(
            self.tally,
            Tally::count(&self.region, &self.firms, &self.persons),
            "the running tally agrees with a recount"
        );
        self.cities.set_counts(&self.tally);
        finance::account(self, &mut events);
        clock.lap(&mut self.timings.accounts);
        let frame = StepFrame::build(self, flows, events);
        clock.lap(&mut self.timings.record);
        Some(frame)
    }

    /// None once the step is to be abandoned (for `?` between passes).
    fn go_on(&self) -> Option<()> {
        (!self.abandon.is_set()).then_some(())
    }

    pub(crate) fn add_flow(flows: &mut Flows, key: FlowKey, firms: u64, jobs: u64, persons: u64) {
        let e = flows.entry(key).or_default();
        e.firms += firms;
        e.jobs += jobs;
        e.persons += persons;
    }
}

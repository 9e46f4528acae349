//! The memory a run will take at its peak, computed from the scenario before anything is
//! allocated. Persons are created once and never added (`init::populate` sizes them;
//! no pass pushes a person), but firms are never removed: every entrant is a new row,
//! so the firm table grows with the exit rate and `trends.firm_growth` over every step,
//! and the estimate follows that path step by step.
//!
//! Measured against peak RSS (`/usr/bin/time -v target/release/relocsim run SCENARIO
//! --scale S --out DIR --quiet`, "Maximum resident set size", 2 threads, release build,
//! the 2-core development machine, 2026-11-30); the estimate is what `run` prints:
//!
//! | run (scenarios/baseline.toml unless named)  | estimate  | peak RSS  | ratio |
//! |---------------------------------------------|-----------|-----------|-------|
//! | scale 0.01                                  |    48 MiB |    28 MiB |  1.7  |
//! | scale 0.1                                   |   263 MiB |   174 MiB |  1.5  |
//! | scale 1                                     |  2410 MiB |  1614 MiB |  1.5  |
//! | scenarios/integrated.toml, scale 0.1        |   263 MiB |   175 MiB |  1.5  |
//! | firm_growth 0.2, scale 0.01                 |    98 MiB |    62 MiB |  1.6  |
//! | firm_growth 0.2, scale 0.1                  |   764 MiB |   491 MiB |  1.6  |
//! | firm_growth -0.2, scale 0.1                 |   459 MiB |   256 MiB |  1.8  |
//! | end_year 2100 (80 steps), scale 0.01        |    56 MiB |    38 MiB |  1.5  |
//! | end_year 2100 (80 steps), scale 0.1         |   346 MiB |   251 MiB |  1.4  |
//! | --snapshot-every 5, scale 0.1               |  1350 MiB |  1087 MiB |  1.2  |
//! | firm_growth 10, end_year 2023, scale 0.01   |  6387 MiB |  3715 MiB |  1.7  |
//!
//! Address space (RLIMIT_AS) runs far beyond RSS: VmPeak was 229 MiB for a 28 MiB run
//! at scale 0.01 and 1.9 GiB for 1.6 GiB at scale 1, mostly 64 MiB malloc arenas that
//! threads reserve without touching. Under `ulimit -v` every limit from 60 000 to 900 000
//! KiB in steps of 10 000 to 50 000, at scales 0.001 to 0.1 on 1, 2 and 4 threads, with
//! firm growth 0.2 and -0.2, either completed or was refused with exit 2; none aborted.

use crate::agents::{Firms, Persons};
use crate::math::Det;
use crate::scenario::Resolved;

/// What a run's memory depends on besides its scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usage {
    /// Worker threads of the run: each may get its own malloc arena and stack.
    pub threads: usize,
    /// Whether firms.parquet and persons.parquet snapshots are written.
    pub snapshots: bool,
    /// Runs of this size in flight at once in this process (a local sweep's jobs).
    pub runs: usize,
}

impl Usage {
    pub const fn one_run(threads: usize) -> Usage {
        Usage {
            threads,
            snapshots: false,
            runs: 1,
        }
    }
}

/// Peak bytes, split into what does not depend on the scale and what grows in
/// proportion to it (every agent count does), so the largest scale that fits a limit
/// follows by division.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub scale: f64,
    pub resident_fixed: f64,
    pub resident_scaled: f64,
    /// Address space beyond the resident estimate, for RLIMIT_AS.
    pub virtual_fixed: f64,
    pub virtual_scaled: f64,
}

impl Estimate {
    pub fn resident(&self) -> f64 {
        self.resident_fixed + self.resident_scaled
    }

    pub fn address_space(&self) -> f64 {
        self.resident() + self.virtual_fixed + self.virtual_scaled
    }
}

const MIB: f64 = 1024.0 * 1024.0;
/// The binary, its libraries, the Parquet writers and city-sized tables [measured: a
/// run at scale 0.001 peaks at 13 MiB, 1 of them agents].
const FIXED_BYTES: f64 = 24.0 * MIB;
/// Per person beyond the columns: the jobs pass's change lists, migration's move
/// lists and a checkpoint's column buffer, none of which live at once [measured: scale
/// 1 peaks at about 4 bytes a person over columns and hiring].
const PERSON_SCRATCH: f64 = 4.0;
/// Per job seeker: a 16-byte lottery ticket, in per-chunk lists and again per city,
/// each grown by doubling [A: from `hiring::job_seekers`].
const SEEKER_BYTES: f64 = 48.0;
/// Per firm row beyond its columns, closed firms included: the firm pass's decision (4
/// bytes) and the jobs pass's outlook word (8).
const FIRM_ROW_SCRATCH: f64 = 12.0;
/// Per open firm in hiring: a 16-byte vacancy ticket in a doubling list and its id,
/// collected twice [A: from `hiring::vacancies`].
const OPEN_FIRM_BYTES: f64 = 40.0;
/// Per event of a step: the 16-byte event in a doubling list, its copy in the frame the
/// progress callback keeps, and the Parquet row being built and encoded [measured: ~150
/// bytes an event at firm_growth 0.2].
const EVENT_BYTES: f64 = 200.0;
/// Share of live firms that move in a step, for events [A: base hazards are below
/// 0.01; policies push more].
const MOVE_SHARE: f64 = 0.1;
/// Exits beyond the productivity-weighted base rate: policies that close pushed firms
/// and sampling noise [A].
const EXIT_MARGIN: f64 = 1.2;
/// A snapshot's Arrow arrays and Parquet buffers per row, strings included [measured:
/// about 85 bytes a person for both snapshot files at scale 0.1].
const SNAPSHOT_PER_PERSON: f64 = 96.0;
const SNAPSHOT_PER_FIRM: f64 = 128.0;
/// Address space a thread reserves without touching it: a 64 MiB glibc malloc arena
/// and its stack [measured: each thread beyond two raises the smallest `ulimit -v`
/// a scale-0.1 run completes under by about 70 MiB].
const THREAD_ADDRESS_SPACE: f64 = 72.0 * MIB;

/// Estimated peak resident bytes of a run of `resolved` on one thread, no snapshots.
pub fn estimate_bytes(resolved: &Resolved) -> f64 {
    estimate(resolved, &Usage::one_run(1)).resident()
}

/// The peak of `usage.runs` runs of `resolved` at once.
pub fn estimate(resolved: &Resolved, usage: &Usage) -> Estimate {
    let scale = resolved.scenario.scenario.scale;
    let region = &resolved.region.spec;
    // Rows of persons who die or leave are reused; the table grows only by births and
    // arrivals beyond them, at most by the highest birth rate of the region each step.
    let births = (region.vital_rates.iter())
        .map(|v| v.births_per_1000 / 1000.0)
        .fold(0.0, f64::max);
    let persons: f64 = region
        .cities
        .iter()
        .map(|c| c.population as f64)
        .sum::<f64>()
        * scale
        * (1.0 + births).dpow(f64::from(resolved.steps()));
    let firms = firm_agents_at_start(resolved);
    let path = FirmPath::of(resolved);
    let seekers = persons * region.labour.labour_force_share * seeker_share(resolved, &path);
    let rows = firms * path.rows;
    let mut scaled = persons * (Persons::BYTES_PER_AGENT as f64 + PERSON_SCRATCH)
        + seekers * SEEKER_BYTES
        + rows * (Firms::BYTES_PER_AGENT as f64 + FIRM_ROW_SCRATCH)
        + firms * path.alive_max * OPEN_FIRM_BYTES
        + firms * path.events_max * EVENT_BYTES;
    if usage.snapshots {
        scaled += persons * SNAPSHOT_PER_PERSON + rows * SNAPSHOT_PER_FIRM;
    }
    let runs = usage.runs.max(1);
    // A local sweep drives each run from a worker thread of its own (a single run is
    // driven from the main thread, whose heap needs no reservation), and the signal
    // handler's thread may reserve its arena only after the check.
    let threads = runs * (usage.threads + usize::from(runs > 1)) + 1;
    let runs = runs as f64;
    Estimate {
        scale,
        resident_fixed: FIXED_BYTES,
        resident_scaled: runs * scaled,
        virtual_fixed: threads as f64 * THREAD_ADDRESS_SPACE,
        // Firm columns grow by doubling: their capacity is mapped, if not touched.
        virtual_scaled: runs * rows * Firms::BYTES_PER_AGENT as f64,
    }
}

/// Firm agents at the start, at most: one per firm agent of the data, plus the pieces
/// large firms are split into (each extra piece holds the agent cap's worth of jobs,
/// `init::largest_firm` of the city with the fewest jobs).
pub fn firm_agents_at_start(resolved: &Resolved) -> f64 {
    let scale = resolved.scenario.scenario.scale;
    let region = &resolved.region.spec;
    let firms: f64 = region.cities.iter().map(|c| c.firms as f64).sum::<f64>() * scale;
    let employed = region.labour.labour_force_share * (1.0 - region.labour.unemployment_rate);
    let jobs: Vec<f64> = (region.cities.iter())
        .map(|c| c.population as f64 * scale * employed)
        .collect();
    let fewest = jobs
        .iter()
        .copied()
        .filter(|&j| j >= 1.0)
        .fold(f64::MAX, f64::min);
    let b = &resolved.scenario.behaviour;
    let largest = (fewest * b.max_firm_share).floor().max(1.0);
    firms + jobs.iter().sum::<f64>() / largest
}

/// The largest share of the labour force looking for a job in one step: the unemployed
/// at the start, this step's separations and the workers of exited firms, plus every
/// job lost if the firm count shrinks.
fn seeker_share(resolved: &Resolved, path: &FirmPath) -> f64 {
    let u = resolved.region.spec.labour.unemployment_rate;
    let separation = resolved.scenario.behaviour.separation_rate;
    (u + separation + path.exit_rate + (1.0 - path.alive_min)).min(1.0)
}

/// The firm table over the run, per initial firm.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FirmPath {
    /// Rows at the end (live and closed).
    pub rows: f64,
    pub alive_max: f64,
    pub alive_min: f64,
    /// Events (exits, entries, moves) of the busiest step.
    pub events_max: f64,
    /// Yearly exit probability at the start.
    pub exit_rate: f64,
}

impl FirmPath {
    pub fn of(resolved: &Resolved) -> FirmPath {
        let b = &resolved.scenario.behaviour;
        let t = &resolved.scenario.trends;
        // The productivity trend leaves exits alone (docs/model.md §7.15); branches add
        // firms like growth does.
        let exit_rate = base_exit_rate(resolved) * EXIT_MARGIN;
        FirmPath::follow(exit_rate, t.firm_growth + b.branch_rate, resolved.steps())
    }

    /// Steps as `firms::relocate_and_exit` and `firms::enter` take them: exits at
    /// `exit_rate`, then one entrant per exit plus `growth` times
    /// the survivors (or, shrinking, that many fewer, down to none).
    pub fn follow(exit_rate: f64, growth: f64, steps: u32) -> Self {
        let mut p = FirmPath {
            rows: 1.0,
            alive_max: 1.0,
            alive_min: 1.0,
            events_max: 0.0,
            exit_rate,
        };
        let mut alive = 1.0;
        for _ in 0..steps {
            let exits = alive * exit_rate.min(1.0);
            let survivors = alive - exits;
            let entrants = (exits + growth * survivors).max(0.0);
            p.rows += entrants;
            p.events_max = p.events_max.max(exits + entrants + MOVE_SHARE * alive);
            alive = survivors + entrants;
            p.alive_max = p.alive_max.max(alive);
            p.alive_min = p.alive_min.min(alive);
        }
        p
    }
}

/// The yearly exit probability averaged over the initial firms: each sector's base rate
/// weighted by its firms (apportioned as `init::populate` does), times the mean of
/// productivity^elasticity over the lognormal productivity of mean 1.
fn base_exit_rate(resolved: &Resolved) -> f64 {
    let spec = &resolved.region.spec;
    let (mut firms, mut exits) = (0.0, 0.0);
    for c in &spec.cities {
        let weights: Vec<f64> = c
            .employment_shares
            .iter()
            .zip(&spec.sectors)
            .map(|(sh, s)| sh / s.relative_firm_size)
            .collect();
        let total: f64 = weights.iter().sum();
        for (w, s) in weights.iter().zip(&spec.sectors) {
            let n = c.firms as f64 * w / total.max(f64::MIN_POSITIVE);
            firms += n;
            exits += n * s.exit_rate;
        }
    }
    let b = &resolved.scenario.behaviour;
    let (sigma, e) = (b.productivity_sigma, b.exit_productivity_elasticity);
    let productivity = (sigma * sigma * e * (e - 1.0) / 2.0).dexp();
    exits / firms.max(f64::MIN_POSITIVE) * productivity
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_growth_each_exit_adds_a_row() {
        let p = FirmPath::follow(0.1, 0.0, 10);
        assert!((p.rows - 2.0).abs() < 1e-9, "{p:?}");
        assert!((p.alive_max - 1.0).abs() < 1e-9 && (p.alive_min - 1.0).abs() < 1e-9);
    }

    #[test]
    fn growth_compounds_on_the_survivors() {
        let p = FirmPath::follow(0.1, 0.2, 2);
        // Step 1: 0.1 exits, 0.1 + 0.18 entrants; alive 1.18. Step 2: 0.118 exits,
        // 0.118 + 0.2 * 1.062 entrants.
        let rows = 1.0 + 0.28 + (0.118 + 0.2 * 1.062);
        assert!((p.rows - rows).abs() < 1e-9, "{p:?}");
        assert!((p.alive_max - (1.18 + 0.2 * 1.062)).abs() < 1e-9, "{p:?}");
    }

    #[test]
    fn shrinking_faster_than_exits_adds_no_rows() {
        let p = FirmPath::follow(0.1, -0.2, 5);
        assert!((p.rows - 1.0).abs() < 1e-9, "{p:?}");
        assert!((p.alive_min - 0.9f64.powi(5)).abs() < 1e-9, "{p:?}");
    }
}

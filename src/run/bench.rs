//! `relocsim bench`: the engine's speed and memory on this machine, in the units the
//! README reports (agent-steps per second, nanoseconds per agent per step, peak memory),
//! with the time of each pass, so an optimisation can be aimed and checked.

use std::time::Instant;

use crate::engine::NullSink;
use crate::engine::{Model, Timings};
use crate::error::Result;
use crate::scenario::Resolved;

pub struct BenchReport {
    pub scale: f64,
    pub threads: usize,
    pub agents: u64,
    pub steps: u32,
    pub init_seconds: f64,
    pub step_seconds: f64,
    pub timings: Timings,
    /// Peak resident memory of the process, bytes (VmHWM), where the OS reports it.
    pub peak_bytes: Option<u64>,
}

impl BenchReport {
    pub fn agent_steps_per_second(&self) -> f64 {
        self.agents as f64 * f64::from(self.steps) / self.step_seconds
    }

    pub fn ns_per_agent_step(&self) -> f64 {
        self.step_seconds * 1e9 / (self.agents as f64 * f64::from(self.steps))
    }
}

/// Runs `resolved` with the null sink on `threads` threads and times it.
pub fn run(resolved: &Resolved, threads: usize) -> Result<BenchReport> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| crate::error::Error::io("rayon", std::io::Error::other(e.to_string())))?;
    pool.install(|| {
        let t0 = Instant::now();
        let mut sink = NullSink;
        let mut first_step: Option<Instant> = None;
        let model: Model = crate::simulate(resolved, &mut sink, |m, _| {
            if m.step == 0 {
                first_step = Some(Instant::now());
            }
        })?;
        let steps_started = first_step.unwrap_or(t0);
        Ok(BenchReport {
            scale: resolved.scenario.scenario.scale,
            threads,
            agents: model.n_agents(),
            steps: model.step,
            init_seconds: (steps_started - t0).as_secs_f64(),
            step_seconds: steps_started.elapsed().as_secs_f64(),
            timings: model.timings.clone(),
            peak_bytes: peak_rss(),
        })
    })
}

/// VmHWM from /proc/self/status.
pub fn peak_rss() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

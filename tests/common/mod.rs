//! Helpers shared by the integration tests: scenarios built in memory and run into a
//! memory sink, so tests see every step's record without touching the disk.
#![allow(dead_code)]

use std::path::Path;

use relocsim::record::StepFrame;
use relocsim::scenario::{self, Resolved, Scenario};
use relocsim::{MemorySink, Model};

pub const SEEDS: [u64; 5] = [11, 22, 33, 44, 55];

/// A scenario from TOML text with the given seed and scale.
pub fn scenario(text: &str, seed: u64, scale: f64) -> Resolved {
    let mut s = Scenario::from_toml(text, "test.toml").expect("test scenario parses");
    s.scenario.seed = seed;
    s.scenario.scale = scale;
    scenario::resolve(s, "test.toml", Path::new(".")).expect("test scenario is valid")
}

/// One of the shipped scenario files with the given seed and scale.
pub fn shipped(name: &str, seed: u64, scale: f64) -> Resolved {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(format!("{name}.toml"));
    let text = std::fs::read_to_string(&path).expect("shipped scenario exists");
    scenario(&text, seed, scale)
}

pub fn run(r: &Resolved) -> (Model, Vec<StepFrame>) {
    let mut sink = MemorySink::default();
    let model = relocsim::simulate(r, &mut sink, |_, _| {}).expect("simulation runs");
    (model, sink.frames)
}

pub fn last_indicator(frames: &[StepFrame], name: &str) -> f64 {
    frames
        .last()
        .unwrap()
        .indicator(name)
        .unwrap_or_else(|| panic!("indicator {name} missing"))
}

pub fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

pub fn sd(v: &[f64]) -> f64 {
    let m = mean(v);
    (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() as f64 - 1.0)).sqrt()
}

pub mod compare;

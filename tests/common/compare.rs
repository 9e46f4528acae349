//! Small runs laid out as a sweep for the `compare` tests: a baseline and a policy
//! scenario, three replicates each (same seed, replicate 0 to 2), at scale 0.002 over
//! six years, written once per test binary. Each run's indicators are kept as the
//! simulation reported them, so that tests can check the report against numbers that
//! did not pass through its Parquet reader.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use relocsim::run::runner::{RunOptions, run_to_dir};
use relocsim::scenario::{self, Resolved, Scenario};

pub const BASELINE: &str = r#"
[scenario]
name = "baseline"
description = "No policy: the calibrated region carried forward."
start_year = 2020
end_year = 2026
"#;

pub const RELIEF: &str = r#"
[scenario]
name = "relief"
description = "Beijing sheds general manufacturing, faster than the shipped scenario."
start_year = 2020
end_year = 2026

[[policy]]
kind = "non_capital_relief"
start = 2020
end = 2026
hazard_multiplier = 6.0
extra_cost = 0.3
close_share = 0.0
"#;

/// The section headings of report.html, in order.
pub const HEADINGS: [&str; 6] = [
    "Effects against the baseline",
    "Headline indicators",
    "Charts",
    "Scenarios",
    "Methods",
    "Settings that differ",
];

pub const SEED: u64 = 7;
pub const SCALE: f64 = 0.002;
pub const REPLICATES: u32 = 3;

/// indicator -> year -> value, as the simulation reported it.
pub type Indicators = BTreeMap<String, BTreeMap<i32, f64>>;

pub struct Fixture {
    pub root: PathBuf,
    /// The sweep directory: scenario=S/variant=default/replicate=R below it.
    pub sweep: PathBuf,
    /// (scenario, replicate) -> the run's indicators.
    pub indicators: BTreeMap<(String, u32), Indicators>,
}

impl Fixture {
    pub fn run_dir(&self, scenario: &str, replicate: u32) -> PathBuf {
        self.sweep
            .join(format!("scenario={scenario}"))
            .join("variant=default")
            .join(format!("replicate={replicate}"))
    }
}

pub fn resolve(text: &str, seed: u64, replicate: u32) -> Resolved {
    let mut s = Scenario::from_toml(text, "test.toml").expect("test scenario parses");
    s.scenario.seed = seed;
    s.scenario.scale = SCALE;
    s.scenario.replicate = replicate;
    scenario::resolve(s, "test.toml", Path::new(".")).expect("test scenario is valid")
}

/// Runs `r` into `dir` and returns its indicators as reported step by step.
pub fn run(r: &Resolved, dir: &Path) -> Indicators {
    let opts = RunOptions {
        out: dir.to_path_buf(),
        threads: 1,
        force: true,
        command_line: vec!["test".into()],
        ..Default::default()
    };
    let mut seen = Indicators::new();
    run_to_dir(r, &opts, |_, frame| {
        for (name, v) in &frame.indicators {
            seen.entry(name.clone()).or_default().insert(frame.year, *v);
        }
    })
    .expect("fixture run succeeds");
    seen
}

/// The fixture, made on first use.
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let root = std::env::temp_dir().join(format!("relocsim-compare-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let mut f = Fixture {
            sweep: root.join("sweep"),
            root,
            indicators: BTreeMap::new(),
        };
        for (name, text) in [("baseline", BASELINE), ("relief", RELIEF)] {
            for rep in 0..REPLICATES {
                let dir = f.run_dir(name, rep);
                std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
                let seen = run(&resolve(text, SEED, rep), &dir);
                f.indicators.insert((name.to_string(), rep), seen);
            }
        }
        f
    })
}

/// A fresh, empty directory under the fixture's root.
pub fn scratch(name: &str) -> PathBuf {
    let d = fixture().root.join("scratch").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

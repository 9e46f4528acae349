//! Helpers shared by the integration tests: scenarios built in memory and run into a
//! memory sink, so tests see every step's record without touching the disk.
#![allow(dead_code)]

use std::path::Path;

use relocsim::engine::record::StepFrame;
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

/// Each data file of a run with its SHA-256, from the run's manifest.
pub fn checksums(m: &relocsim::output::Manifest) -> Vec<(String, String)> {
    m.files
        .iter()
        .map(|f| (f.name.clone(), f.sha256.clone()))
        .collect()
}

/// Runs the relocsim binary with `args` and returns what it printed and its status.
pub fn relocsim(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_relocsim"))
        .args(args)
        .output()
        .unwrap()
}

/// `dir/long.toml`: a run long enough (about 280 yearly steps) to be in progress while a
/// test signals it or tries to write beside it. Without firm growth, which over 280 years
/// would multiply the firms (and the memory the run asks for) two-thousandfold.
pub fn long_scenario(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("long.toml");
    std::fs::write(
        &p,
        "[scenario]\nname = \"long\"\nend_year = 2300\nscale = 0.004\n\n[trends]\nfirm_growth = 0.0\n",
    )
    .unwrap();
    p
}

/// A fresh, empty temporary directory for one test.
pub fn tmpdir(prefix: &str, name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("relocsim-{prefix}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A fresh directory for test `name` with a `sweep.toml` (see `sweep_file`): the sweep
/// file, and the directory to run it into.
pub fn sweep_setup(
    name: &str,
    scenarios: &[&str],
    replicates: u32,
    body: &str,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = tmpdir("sweep", name);
    (
        sweep_file(&dir, scenarios, replicates, body),
        dir.join("out"),
    )
}

/// Writes `dir/sweep.toml`: `body` after a `[sweep]` header naming the shipped scenarios
/// (by absolute path) and the replicates. Runs are tiny: scale 0.0005, two steps.
pub fn sweep_file(
    dir: &Path,
    scenarios: &[&str],
    replicates: u32,
    body: &str,
) -> std::path::PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let entries: Vec<String> = scenarios
        .iter()
        .map(|s| match *s {
            "non_capital_relief" => format!(
                "{{ file = {:?}, set = {{ \"policy.0.end\" = 2022 }} }}",
                root.join("non_capital_relief.toml").display().to_string()
            ),
            other => format!(
                "{:?}",
                root.join(format!("{other}.toml")).display().to_string()
            ),
        })
        .collect();
    let text = format!(
        "[sweep]\nname = \"t\"\nscenarios = [{}]\nreplicates = {replicates}\n\n[set]\n\"scenario.scale\" = 0.0005\n\"scenario.end_year\" = 2022\n\n{body}",
        entries.join(", ")
    );
    let path = dir.join("sweep.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs every task of a sweep here, two at a time, one thread each.
pub fn run_sweep(sweep: &relocsim::batch::Sweep, out: &Path) -> relocsim::batch::SweepReport {
    let opts = relocsim::batch::LocalOptions {
        out: out.to_path_buf(),
        jobs: 2,
        threads: 1,
        share: relocsim::batch::Share::ALL,
        stop: None,
        command_line: vec!["test".into()],
    };
    relocsim::batch::run_local(sweep, &opts, |_| {}).expect("the sweep runs")
}
pub mod compare;

/// Every record batch of a Parquet file.
pub fn parquet_batches(path: &Path) -> Vec<arrow_array::RecordBatch> {
    parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(path).unwrap(),
    )
    .unwrap()
    .build()
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// A column of a record batch as its Arrow array type.
pub fn col<'a, T: 'static>(b: &'a arrow_array::RecordBatch, name: &str) -> &'a T {
    b.column_by_name(name)
        .unwrap()
        .as_any()
        .downcast_ref::<T>()
        .unwrap()
}

/// A stand-in `sbatch --wait ARRAY_SCRIPT`: runs every element of the array here, one
/// after another, with the variables Slurm sets, and logs each call.
pub fn fake_sbatch(dir: &Path) -> std::path::PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = r#"#!/bin/bash
echo "$@" >> "$FAKE_LOG"
[ "$1" = "--wait" ] || exit 9
case "$2" in --output=*/slurm/logs/array-%A_%a.out) ;; *) exit 8 ;; esac
[ -z "$FAKE_FAIL" ] || exit 1
last=$(sed -n 's/^#SBATCH --array=0-\([0-9]*\).*/\1/p' "$3")
for i in $(seq 0 "$last"); do
  SLURM_ARRAY_TASK_ID=$i SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_COUNT=$((last + 1)) bash "$3" || exit 1
done
"#;
    let path = bin.join("sbatch");
    std::fs::write(&path, script).unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&path)
        .status()
        .unwrap();
    bin
}

//! A run that cannot fit under a memory limit other than free memory (`ulimit -v`, a
//! Slurm allocation) is refused with exit code 2 and the limit's name before anything is
//! allocated or written, instead of dying in a failed allocation; and the estimate it is
//! refused on follows the run's growth.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_relocsim");
const BASELINE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml");
/// Variables through which a limit could reach the child from the test's own
/// environment (a test run inside a Slurm job), so only the limit under test applies.
const SLURM_MEMORY: [&str; 4] = [
    "SLURM_MEM_PER_NODE",
    "SLURM_MEM_PER_CPU",
    "SLURM_CPUS_ON_NODE",
    "SLURM_CPUS_PER_TASK",
];

fn tmpdir(name: &str) -> PathBuf {
    common::tmpdir("memory", name)
}

/// `program` with no Slurm memory variables from the test's own environment.
fn command(program: &str) -> Command {
    let mut c = Command::new(program);
    for k in SLURM_MEMORY {
        c.env_remove(k);
    }
    c
}

fn run_args(out: &Path, scale: &str) -> Vec<String> {
    let out = out.to_str().unwrap();
    ["run", BASELINE, "--scale", scale, "--out", out, "--quiet"]
        .map(String::from)
        .to_vec()
}

/// Exit 2 with a message naming `limit` and a scale that fits, and nothing written in
/// `dir` (neither the run directory nor its hidden partial directory).
fn assert_refused(o: &Output, limit: &str, dir: &Path) {
    let msg = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{msg}");
    assert!(
        msg.contains(limit) && msg.contains("largest scale that fits"),
        "{msg}"
    );
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(left.is_empty(), "nothing is written: {left:?}\n{msg}");
}

#[test]
fn a_run_too_large_for_ulimit_v_is_refused_instead_of_aborting() {
    let dir = tmpdir("ulimit");
    // 600 000 KiB of address space: scale 0.5 needs over a GiB for its persons alone.
    let o = command("sh")
        .args(["-c", "ulimit -v 600000; exec \"$0\" \"$@\"", BIN])
        .args(run_args(&dir.join("x"), "0.5"))
        .output()
        .unwrap();
    assert_refused(&o, "(RLIMIT_AS, ulimit -v)", &dir);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_run_larger_than_its_slurm_allocation_is_refused() {
    let dir = tmpdir("slurm-run");
    let o = command(BIN)
        .env("SLURM_MEM_PER_NODE", "100")
        .args(run_args(&dir.join("x"), "0.1"))
        .output()
        .unwrap();
    assert_refused(&o, "Slurm allocation", &dir);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn slurm_memory_per_cpu_counts_the_cpus() {
    let dir = tmpdir("slurm-cpu");
    let o = command(BIN)
        .env("SLURM_MEM_PER_CPU", "50")
        .env("SLURM_CPUS_ON_NODE", "2")
        .args(run_args(&dir.join("x"), "0.1"))
        .output()
        .unwrap();
    assert_refused(&o, "Slurm allocation", &dir);
    let msg = String::from_utf8_lossy(&o.stderr);
    // 2 x 50 MiB, less the few MiB this process holds already.
    let available: f64 = msg
        .split(" MiB are available")
        .next()
        .and_then(|before| before.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no MiB available in {msg}"));
    assert!(50.0 < available && available <= 100.0, "{msg}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_bench_larger_than_its_slurm_allocation_is_refused() {
    let dir = tmpdir("slurm-bench");
    let o = command(BIN)
        .env("SLURM_MEM_PER_NODE", "100")
        .current_dir(&dir)
        .args(["bench", "--scenario", BASELINE, "--scale", "0.1"])
        .output()
        .unwrap();
    assert_refused(&o, "Slurm allocation", &dir);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_sweep_whose_runs_at_once_exceed_the_allocation_starts_none() {
    let (path, out) = common::sweep_setup("memory", &["baseline"], 2, "");
    // Each run fits 150 MiB at scale 0.04 (about 120 MiB), two at once do not.
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("0.0005", "0.04");
    std::fs::write(&path, text).unwrap();
    let o = command(BIN)
        .env("SLURM_MEM_PER_NODE", "150")
        .args(["sweep", "run", path.to_str().unwrap(), "--out"])
        .args([
            out.to_str().unwrap(),
            "--jobs",
            "2",
            "--threads",
            "1",
            "--quiet",
        ])
        .output()
        .unwrap();
    let msg = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{msg}");
    assert!(
        msg.contains("2 runs at once") && msg.contains("Slurm"),
        "{msg}"
    );
    assert!(!out.exists(), "no task started");
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

/// The estimate at scale 0.1 of the baseline changed by `edit`.
fn estimate_with(edit: impl Fn(&mut relocsim::scenario::Scenario)) -> f64 {
    let mut r = common::shipped("baseline", 1, 0.1);
    edit(&mut r.scenario);
    relocsim::resources::estimate_bytes(&r)
}

#[test]
fn the_estimate_grows_with_firm_growth_and_with_the_steps() {
    let growth = |g: f64| estimate_with(|s| s.trends.firm_growth = g);
    let (none, some, more) = (growth(0.0), growth(0.1), growth(0.2));
    assert!(none < some && some < more, "{none} {some} {more}");
    // 15 steps at 0.2 a year multiply the firms about twelvefold: far beyond a fixed
    // factor.
    assert!(more > 2.0 * none, "{none} {more}");
    let until = |y: i32| estimate_with(|s| s.scenario.end_year = y);
    let (short, long) = (until(2025), until(2100));
    assert!(short < none && none < long, "{short} {none} {long}");
}

#[test]
fn the_firm_path_bounds_the_firms_a_growing_run_adds() {
    let mut r = common::shipped("baseline", 1, 0.01);
    r.scenario.trends.firm_growth = 0.2;
    let (model, _) = common::run(&r);
    let start = relocsim::Model::new(&r).firms.len() as f64;
    let initial = relocsim::resources::firm_agents_at_start(&r);
    assert!(
        start <= initial && initial < 1.5 * start,
        "{start} agents, {initial} predicted"
    );
    let predicted = initial * relocsim::resources::FirmPath::of(&r).rows;
    let rows = model.firms.len() as f64;
    // The path counts the trend's entrants as whole agents; smaller entrants split less,
    // so the bound holds and is looser by up to the pieces they do not make.
    assert!(
        rows <= predicted && predicted < 2.0 * rows,
        "{rows} rows, {predicted} predicted"
    );
    r.scenario.trends.growth_entrant_size = 1.0;
    let rows = common::run(&r).0.firms.len() as f64;
    assert!(
        rows <= predicted && predicted < 1.5 * rows,
        "typical entrants: {rows} rows, {predicted} predicted"
    );
}

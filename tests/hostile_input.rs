//! Hostile input at the command line: every problem of a file in one run, with exit 2,
//! and sweeps whose size alone would exhaust memory refused at once, before anything is
//! built, with their size and the limit.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use relocsim::batch::Sweep;
use relocsim::batch::sweep::MAX_RUNS;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn validate_reports_all_four_problems_of_a_file_in_one_run_in_file_order() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/malformed/all_at_once.toml");
    let o = common::relocsim(&["validate", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    let problems: Vec<&str> = err.lines().filter(|l| l.starts_with("  - ")).collect();
    let expected = [
        ":9:1: scenario.scal: unknown key; did you mean `scale`?",
        ":11:1: behaviour.commute_range_km = -5: out of range; valid: 0 to 20000",
        ":12:1: policy[0] (growth_pole): window 2020..=2090 lies outside",
        ":16:27: policy[0] (growth_pole).cities: unknown city \"Pekin\"",
    ];
    assert_eq!(problems.len(), expected.len(), "{err}");
    for (p, e) in problems.iter().zip(expected) {
        assert!(p.contains(e), "expected {e:?} in {p:?}");
    }
}

/// A sweep file in a fresh directory naming the shipped baseline, with `body` after
/// its `[sweep]` header.
fn sweep_file(name: &str, header: &str, body: &str) -> PathBuf {
    let dir = common::tmpdir("hostile", name);
    let baseline = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    let text = format!(
        "[sweep]\nname = \"h\"\nscenarios = [{:?}]\n{header}\n{body}",
        baseline.display().to_string()
    );
    let path = dir.join("sweep.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `relocsim sweep run` on `path` and checks it is refused with exit 2 within a
/// second or two, naming `size` runs and the limit, with nothing written.
fn refused_at_once(path: &Path, size: &str) {
    let out = path.parent().unwrap().join("out");
    let started = Instant::now();
    let o = common::relocsim(&[
        "sweep",
        "run",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    let took = started.elapsed();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("= {size} runs")), "{err}");
    assert!(err.contains(&format!("at most {MAX_RUNS} runs")), "{err}");
    assert!(took < Duration::from_secs(5), "refused after {took:?}");
    assert!(!out.exists(), "nothing was written");
}

#[test]
fn four_billion_replicates_are_refused_at_once_with_the_size() {
    let path = sweep_file("replicates", "replicates = 4294967295", "");
    refused_at_once(&path, "4294967295");
}

#[test]
fn a_grid_of_a_trillion_variants_is_refused_before_one_is_built() {
    let values: Vec<String> = (0..1000)
        .map(|i| format!("{}", 0.01 + i as f64 * 1e-5))
        .collect();
    let axes: String = [
        "migration_rate",
        "separation_rate",
        "follow_probability",
        "origin_resistance",
    ]
    .iter()
    .map(|k| {
        format!(
            "[[axis]]\nkey = \"behaviour.{k}\"\nvalues = [{}]\n",
            values.join(", ")
        )
    })
    .collect();
    let path = sweep_file("grid", "", &axes);
    refused_at_once(&path, "1000000000000");
}

#[test]
fn a_sweep_at_the_limit_is_not_refused_for_its_size() {
    let path = sweep_file("limit", &format!("replicates = {MAX_RUNS}"), "");
    let base = path.parent().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let sweep = Sweep::parse(&text, "sweep.toml", base).expect("a sweep of MAX_RUNS runs is valid");
    assert_eq!(sweep.plan().len() as u64, MAX_RUNS);
    let over = text.replace(
        &format!("replicates = {MAX_RUNS}"),
        &format!("replicates = {}", MAX_RUNS + 1),
    );
    let err = Sweep::parse(&over, "sweep.toml", base)
        .unwrap_err()
        .to_string();
    assert!(err.contains(&format!("= {} runs", MAX_RUNS + 1)), "{err}");
}

#[test]
fn sweep_file_problems_are_located_and_reported_together() {
    let body = "nam = \"x\"\nreplicates = -2\n\n[[axis]]\nkey = 5\nvalues = [1]\n\n[[variant]]\nname = \"v\"\nset = 3\n";
    let path = sweep_file("located", "", body);
    let base = path.parent().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let err = Sweep::parse(&text, "s.toml", base).unwrap_err();
    assert!(err.is_input_error());
    let msg = err.to_string();
    let expected = [
        "s.toml:5:1: sweep.nam: unknown key; did you mean `name`?",
        "s.toml:6:14: sweep.replicates = -2: out of range; valid: 1 to 4294967295",
        "s.toml:9:7: axis[0].key: expected a string, found an integer",
        "s.toml:14:7: variant[0].set: expected a table, found an integer",
    ];
    for e in expected {
        assert!(msg.contains(e), "expected {e:?} in:\n{msg}");
    }
}

#[test]
fn names_too_long_for_file_names_are_refused() {
    let long = "v".repeat(90);
    let axes = format!(
        "[[axis]]\nkey = \"behaviour.migration_rate\"\nvalues = [0.02]\n[[axis]]\nkey = \"policy\"\nvalues = [\"{long}\"]\n"
    );
    let path = sweep_file("names", "", &axes);
    let text = std::fs::read_to_string(&path).unwrap();
    let named = text.replace("name = \"h\"", &format!("name = \"{}\"", "s".repeat(101)));
    let err = Sweep::parse(&named, "s.toml", path.parent().unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("sweep.name: 101 characters; at most 100"),
        "{err}"
    );
    assert!(
        err.contains("1 variant name(s) longer than 100 characters"),
        "{err}"
    );
}

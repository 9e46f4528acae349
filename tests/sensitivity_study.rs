//! `relocsim sensitivity`: bad study files exit 2 with FILE:LINE:COLUMN and the nearest
//! valid names; a small study runs through the sweep machinery, writes indices.parquet
//! with its documented schema, gives the same bytes at any job count, resumes without
//! running anything twice, and refuses a directory that is not its own.

mod common;

use std::path::{Path, PathBuf};

use arrow_array::{Array, Float64Array, StringArray};

use common::{col, fake_sbatch, parquet_batches, relocsim, tmpdir};

fn scenario(name: &str) -> String {
    format!("{}/scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"))
}

/// A study of the relief's effect with `method` lines and `parameters` tables.
fn study(method: &str, parameters: &str, outputs: &str) -> String {
    format!(
        "[sensitivity]\nname = \"t\"\nscenarios = [{:?}, {:?}]\n{method}\nseed = 11\nscale = 0.001\nresamples = 200\n\n{parameters}\n{outputs}",
        scenario("baseline"),
        scenario("non_capital_relief"),
    )
}

const MORRIS: &str = "method = \"morris\"\ntrajectories = 3\nlevels = 4\nreplicates = 2";

const PARAMETERS: &str = "[[parameter]]\nname = \"behaviour.hukou_barrier\"\nmin = 1.0\nmax = 2.5\n\n\
     [[parameter]]\nname = \"policy.non_capital_relief.hazard_multiplier\"\nmin = 1.5\nmax = 6.0\n";

const OUTPUTS: &str = "[[output]]\nname = \"beijing\"\nscenario = \"non_capital_relief\"\n\
     baseline = \"baseline\"\nquantity = \"population\"\ncity = \"Beijing\"\nyear = 2035\n\n\
     [[output]]\nname = \"moved\"\nscenario = \"non_capital_relief\"\nbaseline = \"baseline\"\n\
     quantity = \"firms_arriving\"\nfrom = [\"Beijing\"]\nyears = [2021, 2035]\n";

/// The 1-based line of the first line of `text` holding `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    1 + text
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in the study"))
}

/// `relocsim sensitivity` on `text`: exit 2, the problem placed at the line holding
/// `at`, every expected piece in the message, and nothing written.
fn refused(name: &str, text: &str, at: &str, expected: &[&str]) {
    let dir = tmpdir("sensitivity", name);
    let path = dir.join("s.toml");
    std::fs::write(&path, text).unwrap();
    let out_dir = dir.join("out");
    let out = relocsim(&[
        "sensitivity",
        path.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{name}: {err}");
    let place = format!("s.toml:{}:", line_of(text, at));
    assert!(
        err.contains(&place),
        "{name}: expected {place:?} in:\n{err}"
    );
    for e in expected {
        assert!(err.contains(e), "{name}: expected {e:?} in:\n{err}");
    }
    assert!(!out_dir.exists(), "{name}: nothing is written");
}

#[test]
fn bad_study_files_exit_2_with_their_place_and_the_nearest_names() {
    let misspelt = PARAMETERS.replace("hukou_barrier", "hukou_bariar");
    refused(
        "unknown_parameter",
        &study(MORRIS, &misspelt, OUTPUTS),
        "hukou_bariar",
        &[
            "not a parameter of the registry",
            "did you mean `behaviour.hukou_barrier`?",
        ],
    );
    let empty = PARAMETERS.replace("min = 1.5\nmax = 6.0", "min = 3.0\nmax = 3.0");
    refused(
        "empty_range",
        &study(MORRIS, &empty, OUTPUTS),
        "min = 3.0",
        &["the range is empty or reversed"],
    );
    let sobol = "method = \"sobol\"\nsamples = 48";
    refused(
        "not_a_power_of_two",
        &study(sobol, PARAMETERS, OUTPUTS),
        "samples = 48",
        &["a power of two", "as 64"],
    );
    let no_indicator = OUTPUTS.replace("\"population\"", "\"populaton\"");
    refused(
        "no_such_quantity",
        &study(MORRIS, PARAMETERS, &no_indicator),
        "populaton",
        &["no such quantity", "did you mean `population`?"],
    );
    let no_scenario = OUTPUTS.replacen(
        "scenario = \"non_capital_relief\"",
        "scenario = \"non_capital_releif\"",
        1,
    );
    refused(
        "no_such_scenario",
        &study(MORRIS, PARAMETERS, &no_scenario),
        "non_capital_releif",
        &[
            "no scenario of the study has this name",
            "did you mean `non_capital_relief`?",
        ],
    );
    let late = OUTPUTS.replace("year = 2035", "year = 2040");
    refused(
        "outside_the_years",
        &study(MORRIS, PARAMETERS, &late),
        "year = 2040",
        &["lies outside the years scenario", "2020-2035"],
    );
    let other_policy = format!(
        "{PARAMETERS}\n[[parameter]]\nname = \"policy.growth_pole.amenity\"\nmin = 0.0\nmax = 0.2\n"
    );
    refused(
        "policy_of_no_scenario",
        &study(MORRIS, &other_policy, OUTPUTS),
        "growth_pole.amenity",
        &["no scenario of the study has a policy of kind growth_pole"],
    );
    refused(
        "foreign_setting",
        &study(&format!("{MORRIS}\nsamples = 16"), PARAMETERS, OUTPUTS),
        "samples = 16",
        &["not a setting of method = \"morris\""],
    );
    refused(
        "unknown_key",
        &study(
            &MORRIS.replace("replicates", "replicate"),
            PARAMETERS,
            OUTPUTS,
        ),
        "replicate = 2",
        &["did you mean `replicates`?"],
    );
}

fn run_study(dir: &Path, text: &str, jobs: &str) -> (std::process::Output, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("s.toml");
    std::fs::write(&path, text).unwrap();
    let out = dir.join("out");
    let o = relocsim(&[
        "sensitivity",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--jobs",
        jobs,
    ]);
    (o, out)
}

fn manifests(dir: &Path) -> usize {
    let mut n = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == "manifest.toml") {
                n += 1;
            }
        }
    }
    n
}

#[test]
fn a_morris_study_runs_resumes_and_gives_the_same_bytes_at_any_job_count() {
    let text = study(MORRIS, PARAMETERS, OUTPUTS);
    let (a, b) = (
        tmpdir("sensitivity", "jobs2"),
        tmpdir("sensitivity", "jobs1"),
    );
    let (first, out_a) = run_study(&a, &text, "2");
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    // The count comes first: 3 trajectories x (2 + 1) points, a baseline run shared by
    // the points that move only the relief's parameter.
    assert!(stdout.contains("9 design points"), "{stdout}");
    assert!(stdout.contains("estimated time"), "{stdout}");
    let (second, out_b) = run_study(&b, &text, "1");
    assert!(second.status.success());
    for f in [
        "indices.parquet",
        "samples.parquet",
        "outputs.csv",
        "summary.md",
    ] {
        let (x, y) = (
            std::fs::read(out_a.join(f)).unwrap(),
            std::fs::read(out_b.join(f)).unwrap(),
        );
        assert!(x == y, "{f} differs between --jobs 2 and --jobs 1");
    }
    // Rerun into the same directory: nothing runs again, the same bytes come out.
    let runs = manifests(&out_a.join("sweeps"));
    let before = std::fs::read(out_a.join("indices.parquet")).unwrap();
    let (again, _) = run_study(&a, &text, "2");
    assert!(again.status.success());
    assert_eq!(manifests(&out_a.join("sweeps")), runs);
    assert_eq!(
        std::fs::read(out_a.join("indices.parquet")).unwrap(),
        before
    );

    // indices.parquet: its documented columns; 2 parameters x 3 statistics x 2 outputs.
    let batches = parquet_batches(&out_a.join("indices.parquet"));
    let names: Vec<String> = batches[0]
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(
        names,
        ["parameter", "output", "index", "estimate", "lower", "upper"]
    );
    let b0 = &batches[0];
    assert_eq!(b0.num_rows(), 12);
    let index = col::<StringArray>(b0, "index");
    let estimate = col::<Float64Array>(b0, "estimate");
    let (lower, upper) = (
        col::<Float64Array>(b0, "lower"),
        col::<Float64Array>(b0, "upper"),
    );
    for i in 0..b0.num_rows() {
        if index.value(i) == "mu_star" {
            assert!(lower.is_valid(i) && upper.is_valid(i));
            assert!(lower.value(i) <= upper.value(i));
            assert!(estimate.value(i) >= 0.0);
        } else {
            assert!(lower.is_null(i), "{} has no interval", index.value(i));
        }
    }
    // The relief moves firms out of Beijing at every point of the design: its effect on
    // the firms moved is positive.
    let samples = parquet_batches(&out_a.join("samples.parquet"));
    let moved = col::<Float64Array>(&samples[0], "moved");
    assert!(moved.iter().flatten().all(|v| v > 0.0), "{moved:?}");
    for f in [
        "charts/beijing.svg",
        "charts/beijing.png",
        "charts/moved.svg",
        "report.html",
    ] {
        assert!(out_a.join(f).is_file(), "{f}");
    }
    let html = std::fs::read_to_string(out_a.join("report.html")).unwrap();
    let reading = "moved most by policy.non_capital_relief.hazard_multiplier";
    assert!(html.contains(reading), "{html}");
    // The same section in a comparison's report, of the runs at the design's first point.
    let runs = |s: &str| out_a.join(format!("sweeps/{s}/runs/runs/scenario={s}/variant=d000000"));
    let report = a.join("report");
    let o = relocsim(&[
        "compare",
        runs("baseline").to_str().unwrap(),
        runs("non_capital_relief").to_str().unwrap(),
        "--baseline",
        "baseline",
        "--out",
        report.to_str().unwrap(),
        "--sensitivity",
        out_a.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = std::fs::read_to_string(report.join("report.html")).unwrap();
    assert!(
        page.contains("Sensitivity: t") && page.contains(reading),
        "{page}"
    );
}

#[test]
fn a_sobol_study_writes_both_indices_and_says_the_noise_is_unmeasured_with_one_replicate() {
    let text = study("method = \"sobol\"\nsamples = 4", PARAMETERS, OUTPUTS);
    let dir = tmpdir("sensitivity", "sobol");
    let (o, out) = run_study(&dir, &text, "2");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        stdout.contains("16 design points (Sobol: N(k + 2))"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Noise not measured (1 replicate per point)"),
        "{stdout}"
    );
    let b = &parquet_batches(&out.join("indices.parquet"))[0];
    let index = col::<StringArray>(b, "index");
    let kinds: std::collections::BTreeSet<&str> =
        (0..b.num_rows()).map(|i| index.value(i)).collect();
    assert_eq!(kinds.into_iter().collect::<Vec<_>>(), ["S1", "ST"]);
    assert_eq!(b.num_rows(), 2 * 2 * 2);
}

#[test]
fn a_study_refuses_a_directory_it_did_not_make_or_another_study_and_says_when_its_file_changed() {
    let dir = tmpdir("sensitivity", "refusals");
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let text = study("method = \"sobol\"\nsamples = 2", PARAMETERS, OUTPUTS);
    let (o, _) = run_study(&dir, &text, "1");
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no relocsim sensitivity study wrote"));
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
    std::fs::remove_file(out.join("notes.txt")).unwrap();
    let (o, _) = run_study(&dir, &text, "1");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The same file edited: it says so, and reruns what changed.
    let edited = text.replace("seed = 11", "seed = 12");
    let (o, _) = run_study(&dir, &edited, "1");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("changed since"));
    // Another study file into the same directory is refused.
    let other = dir.join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("s.toml"), &text).unwrap();
    let o = relocsim(&[
        "sensitivity",
        other.join("s.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("another file"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_dry_run_prints_the_count_and_the_estimate_and_writes_nothing() {
    let dir = tmpdir("sensitivity", "dry");
    let path = dir.join("s.toml");
    std::fs::write(&path, study(MORRIS, PARAMETERS, OUTPUTS)).unwrap();
    let o = relocsim(&[
        "sensitivity",
        path.to_str().unwrap(),
        "--out",
        dir.join("out").to_str().unwrap(),
        "--dry-run",
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success());
    assert!(
        stdout.contains("runs per replicate:") && stdout.contains("estimated time"),
        "{stdout}"
    );
    assert!(!dir.join("out").exists());
}

/// `--slurm` runs each scenario's sweep as a job array through `sbatch --wait` and gives
/// the indices a run here gives; rerun, it submits nothing.
#[test]
fn a_study_on_slurm_submits_one_array_a_scenario_and_matches_a_local_run() {
    let dir = tmpdir("sensitivity", "slurm");
    let text = study("method = \"sobol\"\nsamples = 2", PARAMETERS, OUTPUTS);
    let file = dir.join("s.toml");
    std::fs::write(&file, &text).unwrap();
    let bin = fake_sbatch(&dir);
    let log = dir.join("sbatch.log");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let on_slurm = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_relocsim"))
            .args([
                "sensitivity",
                file.to_str().unwrap(),
                "--slurm",
                "--cpus",
                "1",
                "--out",
            ])
            .arg(dir.join("slurm"))
            .env("PATH", &path)
            .env("FAKE_LOG", &log)
            .output()
            .unwrap()
    };
    let o = on_slurm();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let calls = std::fs::read_to_string(&log).unwrap();
    let arrays: Vec<&str> = calls.lines().collect();
    assert_eq!(arrays.len(), 2, "one array per scenario: {calls}");
    assert!(
        arrays[0].contains("sweeps/baseline/runs/slurm/array.sbatch"),
        "{calls}"
    );
    let (_, here) = run_study(&dir.join("here-dir"), &text, "2");
    let bytes = |d: &Path| std::fs::read(d.join("indices.parquet")).unwrap();
    assert_eq!(
        bytes(&dir.join("slurm")),
        bytes(&here),
        "the same indices either way"
    );
    let o = on_slurm();
    assert!(o.status.success());
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        calls,
        "nothing submitted again"
    );
}

//! Calibration: bad calibration files are refused with their place and the nearest
//! names, and ABC-SMC recovers a parameter from targets the model itself generated with
//! it (common random numbers make the true value's distance 0), the same bytes again
//! when rerun into its directory.

mod common;

use std::path::Path;

use arrow_array::{Float64Array, Int32Array, StringArray};

use common::{col, fake_sbatch, parquet_batches, relocsim, tmpdir};

const HISTORY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/scenarios/history_2014_2023.toml"
);
const TARGETS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/targets/jjj_2014_2023.toml");

fn calibration(scenario: &str, targets: &str, parameters: &str) -> String {
    format!(
        "[calibration]\nname = \"t\"\nscenario = {scenario:?}\ntargets = {targets:?}\n\
         scale = 0.002\nreplicates = 1\nseed = 7\nparticles = 12\ngenerations = 3\n\n{parameters}"
    )
}

/// `relocsim calibrate` on `text`: exit 2 and every expected piece in the message.
fn refused(name: &str, text: &str, expected: &[&str]) {
    let dir = tmpdir("calibration", name);
    let path = dir.join("c.toml");
    std::fs::write(&path, text).unwrap();
    let out = relocsim(&[
        "calibrate",
        path.to_str().unwrap(),
        "--out",
        dir.join("out").to_str().unwrap(),
    ]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{name}: {err}");
    for e in expected {
        assert!(err.contains(e), "{name}: expected {e:?} in:\n{err}");
    }
    assert!(!dir.join("out").exists(), "{name}: nothing is written");
}

#[test]
fn bad_calibration_files_are_refused_with_their_place_and_the_nearest_names() {
    let param = |name: &str, min: f64, max: f64| {
        format!("[[parameter]]\nname = {name:?}\nmin = {min:?}\nmax = {max:?}\n")
    };
    refused(
        "unknown",
        &calibration(
            HISTORY,
            TARGETS,
            &param("behaviour.migraton_rate", 0.01, 0.05),
        ),
        &[
            "c.toml:12:",
            "not a parameter",
            "did you mean `behaviour.migration_rate`?",
        ],
    );
    refused(
        "not_registry",
        &calibration(HISTORY, TARGETS, &param("scenario.scale", 0.01, 0.05)),
        &["c.toml:12:", "name one of the registry"],
    );
    refused(
        "reversed",
        &calibration(
            HISTORY,
            TARGETS,
            &param("behaviour.migration_rate", 0.05, 0.01),
        ),
        &["c.toml:13:", "not below max = 0.01"],
    );
    refused(
        "none",
        &calibration(HISTORY, TARGETS, ""),
        &["no free parameter"],
    );
    refused(
        "half_prior",
        &calibration(
            HISTORY,
            TARGETS,
            &format!(
                "{}prior_mean = 0.02\n",
                param("behaviour.migration_rate", 0.01, 0.05)
            ),
        ),
        &["c.toml:15:", "give prior_mean and prior_sd together"],
    );
    // A targets file with nothing in its fit window leaves nothing to fit; nor does one
    // whose fit window holds only targets shown without being fitted.
    let dir = tmpdir("calibration", "empty_window_targets");
    let t = dir.join("t.toml");
    for (name, year, weight) in [
        ("empty_window", 2020, ""),
        ("unfitted_window", 2015, "weight = 0\n"),
    ] {
        std::fs::write(
            &t,
            format!(
                "[targets]\nname = \"t\"\nfit = [2014, 2015]\nholdout = [2016, 2023]\n\n[[target]]\n\
                 id = \"a\"\nquantity = \"population\"\ncity = \"Beijing\"\nyear = {year}\n\
                 observed = 1\ntag = \"V\"\ntolerance = 0.01\n{weight}source = \"s\"\n"
            ),
        )
        .unwrap();
        refused(
            name,
            &calibration(
                HISTORY,
                t.to_str().unwrap(),
                &param("behaviour.migration_rate", 0.01, 0.05),
            ),
            &["no target with a weight above 0 in its fit window"],
        );
    }
}

/// Populations by place and year of a run, from cities.parquet.
fn populations(run: &Path) -> Vec<(String, i32, f64)> {
    let mut out: Vec<(String, i32, f64)> = Vec::new();
    for b in parquet_batches(&run.join("cities.parquet")) {
        let (year, city) = (
            col::<Int32Array>(&b, "year"),
            col::<StringArray>(&b, "city"),
        );
        let pop = col::<Float64Array>(&b, "population");
        for i in 0..b.num_rows() {
            out.push((city.value(i).to_string(), year.value(i), pop.value(i)));
        }
    }
    out
}

#[test]
fn abc_smc_recovers_a_parameter_from_targets_the_model_generated() {
    const TRUTH: f64 = 0.045;
    let dir = tmpdir("calibration", "recovery");
    // The truth: the history scenario in a world whose migration rate is 0.045 (not the
    // default): the start's constants fitted at it, as a calibration fits each candidate's.
    let truth = dir.join("truth.toml");
    let text = std::fs::read_to_string(HISTORY).unwrap().replacen(
        "[scenario]",
        &format!(
            "[behaviour]\nmigration_rate = {TRUTH}\n\n[reference]\nmigration_rate = {TRUTH}\n\n[scenario]"
        ),
        1,
    );
    std::fs::write(&truth, text).unwrap();
    let run = dir.join("truth-run");
    let args = [
        "run",
        truth.to_str().unwrap(),
        "--scale",
        "0.002",
        "--seed",
        "7",
    ];
    let out = relocsim(&[&args[..], &["--out", run.to_str().unwrap(), "--quiet"]].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Its populations of 2015-2019 as targets, tight enough to tell rates apart.
    let mut targets = String::from(
        "[targets]\nname = \"synthetic\"\nfit = [2014, 2019]\nholdout = [2020, 2023]\n",
    );
    for (city, year, pop) in populations(&run) {
        if (2015..=2019).contains(&year) {
            let id = format!("{}_{year}", city.replace('\'', ""));
            targets += &format!(
                "\n[[target]]\nid = {id:?}\nquantity = \"population\"\ncity = {city:?}\nyear = {year}\n\
                 observed = {pop:?}\ntag = \"V\"\ntolerance = 0.002\nsource = \"the model\"\n"
            );
        }
    }
    let t = dir.join("targets.toml");
    std::fs::write(&t, targets).unwrap();
    let file = dir.join("c.toml");
    let param = "[[parameter]]\nname = \"behaviour.migration_rate\"\nmin = 0.005\nmax = 0.08\n";
    std::fs::write(&file, calibration(HISTORY, t.to_str().unwrap(), param)).unwrap();
    let cal = dir.join("cal");
    let calibrate = || {
        relocsim(&[
            "calibrate",
            file.to_str().unwrap(),
            "--out",
            cal.to_str().unwrap(),
        ])
    };
    let out = calibrate();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The posterior mean lies within 0.01 of the truth (the prior spans 0.075).
    let b = &parquet_batches(&cal.join("posterior.parquet"))[0];
    let (w, x) = (
        col::<Float64Array>(b, "weight"),
        col::<Float64Array>(b, "behaviour.migration_rate"),
    );
    let mean: f64 = (0..b.num_rows()).map(|i| w.value(i) * x.value(i)).sum();
    assert!(
        (mean - TRUTH).abs() < 0.01,
        "posterior mean {mean}, truth {TRUTH}"
    );
    let fragment = std::fs::read_to_string(cal.join("calibrated.toml")).unwrap();
    assert!(
        fragment.contains("[behaviour]\nmigration_rate = "),
        "{fragment}"
    );
    // A lever fitted describes the world, so the fragment fits the start's constants to it.
    assert!(
        fragment.contains("[reference]\nmigration_rate = "),
        "{fragment}"
    );
    for f in [
        "particles.csv",
        "convergence.csv",
        "fit_before.md",
        "fit_after.md",
    ] {
        assert!(cal.join(f).is_file(), "{f}");
    }

    // Rerun into the same directory: every run is reused, the same bytes come out.
    let before = std::fs::read(cal.join("posterior.parquet")).unwrap();
    let out = calibrate();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(cal.join("posterior.parquet")).unwrap(),
        before
    );

    // A directory holding anything else is refused.
    let other = dir.join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("notes.txt"), "mine").unwrap();
    let out = relocsim(&[
        "calibrate",
        file.to_str().unwrap(),
        "--out",
        other.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_dir(&other).unwrap().count(),
        1,
        "nothing written into it"
    );
}

/// `calibrate --slurm` runs each generation as a job array through `sbatch --wait` and
/// gives the same posterior as running here; rerun, it submits nothing (every run is
/// complete) and writes the same bytes.
#[test]
fn calibrate_on_slurm_submits_one_array_a_generation_and_matches_a_local_run() {
    let dir = tmpdir("calibration", "slurm");
    let file = dir.join("c.toml");
    let param = "[[parameter]]\nname = \"behaviour.migration_rate\"\nmin = 0.005\nmax = 0.08\n";
    let text = calibration(HISTORY, TARGETS, param)
        .replace("particles = 12", "particles = 4")
        .replace("generations = 3", "generations = 2");
    std::fs::write(&file, text).unwrap();
    let bin = fake_sbatch(&dir);
    let log = dir.join("sbatch.log");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let on_slurm = |out: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_relocsim"))
            .args([
                "calibrate",
                file.to_str().unwrap(),
                "--slurm",
                "--cpus",
                "1",
            ])
            .arg("--out")
            .arg(out)
            .env("PATH", &path)
            .env("FAKE_LOG", &log)
            .output()
            .unwrap()
    };
    let slurm = dir.join("on-slurm");
    let o = on_slurm(&slurm);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let calls = std::fs::read_to_string(&log).unwrap();
    let arrays: Vec<&str> = calls.lines().collect();
    assert_eq!(arrays.len(), 3, "two generations and the check: {calls}");
    for (line, sub) in arrays.iter().zip(["generation=0", "generation=1", "check"]) {
        assert!(
            line.starts_with("--wait --output=") && line.contains(sub),
            "{line}"
        );
        assert!(line.ends_with("runs/slurm/array.sbatch"), "{line}");
    }
    let here = dir.join("here");
    let o = relocsim(&[
        "calibrate",
        file.to_str().unwrap(),
        "--out",
        here.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bytes = |d: &Path| std::fs::read(d.join("posterior.parquet")).unwrap();
    assert_eq!(bytes(&slurm), bytes(&here), "the same posterior either way");
    // Again: every run is complete, so nothing is submitted.
    let o = on_slurm(&slurm);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read_to_string(&log).unwrap(), calls);
    assert_eq!(bytes(&slurm), bytes(&here));
    // An array that fails stops the calibration, saying where the logs are.
    let failed = std::process::Command::new(env!("CARGO_BIN_EXE_relocsim"))
        .args(["calibrate", file.to_str().unwrap(), "--slurm", "--out"])
        .arg(dir.join("failing"))
        .env("PATH", &path)
        .env("FAKE_LOG", &log)
        .env("FAKE_FAIL", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&failed.stderr);
    assert!(!failed.status.success(), "{err}");
    assert!(
        err.contains("job array") && err.contains("slurm/logs") && err.contains("again to resume"),
        "{err}"
    );
}

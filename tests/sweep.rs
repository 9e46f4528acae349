//! Sweeps: the plan is a stable product with stable ids, bad overrides are refused
//! before anything runs, shares partition the tasks, runs land in hive directories,
//! complete verified runs are skipped and damaged ones rerun, and a failing task is
//! recorded without stopping the others.

mod common;

use std::fs::File;
use std::path::Path;
use std::process::Command;

use parquet::file::reader::{FileReader, SerializedFileReader};
use relocsim::batch::{Plan, Share, Sweep, local::FAILED_DIR};
use relocsim::output::{Manifest, RunStatus};

fn example() -> Sweep {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/sweeps/example.toml");
    Sweep::load(&path).expect("the shipped example sweep is valid")
}

/// `relocsim sweep run SWEEP --out OUT EXTRA...` with `env` set, checked to exit with
/// `code`; its stdout and stderr.
fn sweep_run(
    sweep: &Path,
    out: &Path,
    extra: &[&str],
    env: &[(&str, &str)],
    code: i32,
) -> (String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_relocsim"))
        .args(["sweep", "run"])
        .arg(sweep)
        .arg("--out")
        .arg(out)
        .args(extra)
        .envs(env.iter().copied())
        .output()
        .expect("relocsim runs");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert_eq!(o.status.code(), Some(code), "{stderr}");
    (stdout.into_owned(), stderr.into_owned())
}

#[test]
fn the_plan_is_a_stable_product_with_stable_ids() {
    let sweep = example();
    assert_eq!(sweep.plan().len(), 2 * 2 * 3);
    let tasks: Vec<_> = sweep.plan().tasks().collect();
    for (i, t) in tasks.iter().enumerate() {
        assert_eq!(t.index, i);
        assert_eq!(t.replicate as usize, i % 3);
        assert_eq!(t.variant, sweep.variants[i / 3 % 2].name);
        assert_eq!(t.scenario, sweep.scenarios[i / 6].name);
    }
    assert_eq!(tasks[0].run_id, "baseline__migration_rate-0.02__r0");
    assert_eq!(
        tasks[11].path,
        "runs/scenario=non_capital_relief/variant=migration_rate-0.04/replicate=2"
    );
    let mut ids: Vec<_> = tasks.iter().map(|t| t.run_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), tasks.len(), "run ids are unique");
    assert_eq!(
        example().plan().clone(),
        *sweep.plan(),
        "loading again gives the same plan"
    );
}

#[test]
fn axis_products_and_explicit_variants_get_deterministic_names() {
    let body = "[[variant]]\nname = \"push\"\nscenarios = [\"non_capital_relief\"]\nset = { policy = { 0 = { hazard_multiplier = 5.0 } } }\n\n[[variant]]\nname = \"plain\"\n\n[[axis]]\nkey = \"behaviour.migration_rate\"\nvalues = [0.01, 0.03]\n\n[[axis]]\nkey = \"policy.0.cities\"\nscenarios = [\"non_capital_relief\"]\nvalues = [[\"Beijing\"], [\"Beijing\", \"Tianjin\"]]\n";
    let (path, _) = common::sweep_setup("names", &["baseline", "non_capital_relief"], 1, body);
    // "plain" is the unmodified run here: no `default` beside it.
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replacen(
        "replicates = 1\n",
        "replicates = 1\ninclude_default = false\n",
        1,
    );
    std::fs::write(&path, text).unwrap();
    let sweep = Sweep::load(&path).unwrap();
    let names: Vec<&str> = sweep.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "push__migration_rate-0.01__cities-Beijing",
            "push__migration_rate-0.01__cities-Beijing+Tianjin",
            "push__migration_rate-0.03__cities-Beijing",
            "push__migration_rate-0.03__cities-Beijing+Tianjin",
            "plain__migration_rate-0.01__cities-Beijing",
            "plain__migration_rate-0.01__cities-Beijing+Tianjin",
            "plain__migration_rate-0.03__cities-Beijing",
            "plain__migration_rate-0.03__cities-Beijing+Tianjin",
            "plain__migration_rate-0.01",
            "plain__migration_rate-0.03",
        ]
    );
    // Neither `push` nor the cities reach the baseline: it runs each migration rate
    // once, as `plain`, and the relief's runs pair with those.
    let plan = sweep.plan();
    let baseline: Vec<usize> = (plan.cells().iter())
        .filter(|c| c.0 == 0)
        .map(|c| c.1)
        .collect();
    assert_eq!(baseline, [8, 9]);
    assert_eq!(plan.cells().len(), 10);
    assert_eq!(
        plan.counterpart(1, 1, 0),
        Some(8),
        "push, 0.01, Beijing+Tianjin"
    );
    assert_eq!(plan.counterpart(1, 6, 0), Some(9), "plain, 0.03, Beijing");
    // The restricted overrides reach only their scenario; the axis reaches both.
    let relief = sweep.resolve(1, 1, 0).unwrap();
    let base = sweep.resolve(0, 8, 0).unwrap();
    assert_eq!(relief.scenario.behaviour.migration_rate, 0.01);
    assert_eq!(base.scenario.behaviour.migration_rate, 0.01);
    assert!(base.scenario.policies.is_empty());
    let text = relief.scenario.to_toml();
    assert!(text.contains("hazard_multiplier = 5.0"), "{text}");
    assert!(text.contains("\"Tianjin\""), "{text}");
}

/// Keys into parameter tables are checked against the registry: a misspelt name gets the
/// nearest parameter (of the kind of the policy table it points into), located in the
/// sweep file.
#[test]
fn unknown_parameters_are_refused_with_the_nearest_name() {
    let body = "[[axis]]\nkey = \"behaviour.migraton_rate\"\nvalues = [0.1]\n\n[[axis]]\nkey = \"policy.0.hazard_multiplierr\"\nscenarios = [\"non_capital_relief\"]\nvalues = [2.0]\n";
    let problems = problems("registry", &["baseline", "non_capital_relief"], body);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(
        problems[0].contains(
            "axis[0] `behaviour.migraton_rate` = 0.1 (scenarios baseline and non_capital_relief): not a parameter; did you mean `behaviour.migration_rate`?"
        ),
        "{}",
        problems[0]
    );
    assert!(
        problems[1].contains(
            "axis[1] `policy.0.hazard_multiplierr` = 2.0 (scenario non_capital_relief): not a parameter of non_capital_relief; did you mean `policy.0.hazard_multiplier`?"
        ),
        "{}",
        problems[1]
    );
}

/// The problems a sweep with `body` is refused with.
fn problems(name: &str, scenarios: &[&str], body: &str) -> Vec<String> {
    let dir = common::tmpdir("sweep", name);
    let path = common::sweep_file(&dir, scenarios, 1, body);
    match Sweep::load(&path) {
        Err(relocsim::Error::Invalid { file, problems }) => {
            assert_eq!(file, path.display().to_string());
            problems
        }
        other => panic!("{name}: expected an invalid sweep, got {other:?}"),
    }
}

#[test]
fn invalid_overrides_are_refused_naming_the_file_and_the_key() {
    let cases = [
        (
            "typo",
            "[[axis]]\nkey = \"behaviour.migraton_rate\"\nvalues = [0.1]\n",
            "behaviour.migraton_rate",
        ),
        (
            "range",
            "[[axis]]\nkey = \"behaviour.migration_rate\"\nvalues = [0.1, 1.5]\n",
            "behaviour.migration_rate = 1.5",
        ),
        (
            "index",
            "[[axis]]\nkey = \"policy.0.hazard_multiplier\"\nvalues = [2.0]\n",
            "policy.0.hazard_multiplier",
        ),
        (
            "type",
            "[set]\n\"behaviour.migration_rate\" = \"fast\"\n",
            "behaviour.migration_rate",
        ),
        (
            "reserved",
            "[[variant]]\nname = \"v\"\nset = { \"scenario.name\" = \"x\" }\n",
            "scenario.name",
        ),
        (
            "scenario",
            "[[variant]]\nname = \"v\"\nscenarios = [\"nope\"]\n",
            "\"nope\"",
        ),
    ];
    for (name, body, key) in cases {
        // `[set]` is already in the header; a second one would not parse.
        let body = body.replace("[set]\n", "[[variant]]\nname = \"s\"\n[variant.set]\n");
        let problems = problems(name, &["baseline"], &body);
        assert!(
            problems.iter().any(|p| p.contains(key)),
            "{name}: no problem names {key}: {problems:?}"
        );
    }
}

#[test]
fn the_cli_refuses_a_bad_sweep_with_exit_2_before_running_anything() {
    let body = "[[axis]]\nkey = \"behaviour.migraton_rate\"\nvalues = [0.1]\n";
    let (path, out) = common::sweep_setup("cli-bad", &["baseline"], 2, body);
    let (_, err) = sweep_run(&path, &out, &[], &[], 2);
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(err.contains("behaviour.migraton_rate"), "{err}");
    assert!(!out.exists(), "nothing ran");
}

#[test]
fn shares_partition_the_tasks_exactly() {
    for n in 0..14 {
        for count in 1..6 {
            let mut seen = vec![0; n];
            for index in 0..count {
                let share = Share::new(index, count).unwrap();
                for (i, s) in seen.iter_mut().enumerate() {
                    *s += usize::from(share.contains(i));
                }
            }
            assert!(
                seen.iter().all(|&s| s == 1),
                "n {n} count {count}: {seen:?}"
            );
        }
    }
    assert!(Share::new(3, 3).is_err());
    assert!(Share::new(0, 0).is_err());
}

#[test]
fn slurm_array_ids_map_to_shares_whatever_the_numbering() {
    fn share(vars: &[(&str, &str)]) -> relocsim::Result<Option<Share>> {
        Share::from_slurm(|k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }
    let (id, count, min) = (
        "SLURM_ARRAY_TASK_ID",
        "SLURM_ARRAY_TASK_COUNT",
        "SLURM_ARRAY_TASK_MIN",
    );
    assert_eq!(share(&[]).unwrap(), None);
    let zero = share(&[(id, "4"), (count, "6"), (min, "0")]).unwrap();
    assert_eq!(zero, Some(Share { index: 4, count: 6 }));
    // --array=1-6: ids 1..=6 are shares 0..=5.
    let one = share(&[(id, "6"), (count, "6"), (min, "1")]).unwrap();
    assert_eq!(one, Some(Share { index: 5, count: 6 }));
    // --array=0-10:2: six elements.
    let step = share(&[
        (id, "10"),
        (count, "6"),
        (min, "0"),
        ("SLURM_ARRAY_TASK_STEP", "2"),
    ]);
    assert_eq!(step.unwrap(), Some(Share { index: 5, count: 6 }));
    assert!(share(&[(id, "1")]).is_err(), "the count is required");
    assert!(
        share(&[(id, "3"), (count, "2"), (min, "0")]).is_err(),
        "beyond the count"
    );
}

fn parquet_rows(path: &Path) -> i64 {
    let reader = SerializedFileReader::new(File::open(path).unwrap()).unwrap();
    reader.metadata().file_metadata().num_rows()
}

#[test]
fn a_sweep_writes_hive_directories_that_read_as_parquet() {
    let body = "[[axis]]\nkey = \"behaviour.migration_rate\"\nvalues = [0.01, 0.03]\n";
    let (path, out) = common::sweep_setup("hive", &["baseline", "non_capital_relief"], 2, body);
    let sweep = Sweep::load(&path).unwrap();
    let report = common::run_sweep(&sweep, &out);
    assert_eq!((report.ran, report.failed.len()), (8, 0));
    assert_eq!(&Plan::read(&out).unwrap(), sweep.plan());
    // The plan file lists every task for readers other than relocsim.
    let text = std::fs::read_to_string(out.join("plan.toml")).unwrap();
    let listed: toml::Table = toml::from_str(&text).unwrap();
    let tasks = listed["task"].as_array().unwrap();
    assert_eq!(tasks.len(), 8);
    assert_eq!(
        tasks[5]["run_id"].as_str(),
        Some("non_capital_relief__migration_rate-0.01__r1")
    );
    for t in sweep.plan().tasks() {
        let run = out.join(format!(
            "runs/scenario={}/variant={}/replicate={}",
            t.scenario, t.variant, t.replicate
        ));
        let m = Manifest::read(&run.join("manifest.toml")).unwrap();
        assert_eq!((m.status, m.replicate), (RunStatus::Complete, t.replicate));
        assert_eq!(
            parquet_rows(&run.join("cities.parquet")),
            14 * 3,
            "{}",
            t.run_id
        );
        assert!(parquet_rows(&run.join("indicators.parquet")) > 0);
    }
    // runs.parquet indexes the runs, with the axis as a typed column.
    let b = &common::parquet_batches(&out.join("runs.parquet"))[0];
    assert_eq!(b.num_rows(), 8);
    let names: Vec<&str> = b
        .schema_ref()
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    assert_eq!(
        names,
        [
            "run_id",
            "scenario",
            "variant",
            "replicate",
            "seed",
            "path",
            "behaviour.migration_rate"
        ]
    );
    let rate = common::col::<arrow_array::Float64Array>(b, "behaviour.migration_rate");
    let replicate = common::col::<arrow_array::Int64Array>(b, "replicate");
    let seed = common::col::<arrow_array::Int64Array>(b, "seed");
    let path = common::col::<arrow_array::StringArray>(b, "path");
    for (i, t) in sweep.plan().tasks().enumerate() {
        assert_eq!(path.value(i), t.path);
        assert_eq!(replicate.value(i), i64::from(t.replicate));
        let want = if t.variant.ends_with("0.01") {
            0.01
        } else {
            0.03
        };
        assert_eq!(rate.value(i), want, "{}", t.run_id);
        let m = Manifest::read(&out.join(&t.path).join("manifest.toml")).unwrap();
        assert_eq!(seed.value(i), m.seed as i64);
    }
}

fn mtimes(out: &Path, sweep: &Sweep) -> Vec<std::time::SystemTime> {
    sweep
        .plan()
        .tasks()
        .map(|t| {
            std::fs::metadata(out.join(&t.path).join("manifest.toml"))
                .unwrap()
                .modified()
                .unwrap()
        })
        .collect()
}

#[test]
fn rerunning_skips_verified_runs_and_reruns_a_damaged_one() {
    let (path, out) = common::sweep_setup("rerun", &["baseline", "non_capital_relief"], 2, "");
    let sweep = Sweep::load(&path).unwrap();
    common::run_sweep(&sweep, &out);
    let before = mtimes(&out, &sweep);
    let plan_time = || {
        std::fs::metadata(out.join("plan.toml"))
            .unwrap()
            .modified()
            .unwrap()
    };
    let plan_before = plan_time();
    let again = common::run_sweep(&sweep, &out);
    assert_eq!(
        plan_time(),
        plan_before,
        "an unchanged plan file is not rewritten"
    );
    assert_eq!((again.ran, again.skipped), (0, 4));
    assert_eq!(mtimes(&out, &sweep), before, "skipped runs are not touched");

    let damaged = out.join(sweep.plan().task(2).path).join("flows.parquet");
    let good = std::fs::read(&damaged).unwrap();
    let mut bytes = good.clone();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&damaged, bytes).unwrap();
    let repaired = common::run_sweep(&sweep, &out);
    assert_eq!((repaired.ran, repaired.skipped), (1, 3));
    assert_eq!(
        std::fs::read(&damaged).unwrap(),
        good,
        "the rerun writes the same bytes"
    );
    let after = mtimes(&out, &sweep);
    let changed: Vec<usize> = (0..4).filter(|&i| after[i] != before[i]).collect();
    assert_eq!(changed, [2]);
}

#[test]
fn an_edited_sweep_reruns_only_what_changed() {
    let variant = |name: &str, rate: &str| {
        format!(
            "[[variant]]\nname = \"{name}\"\nset = {{ \"behaviour.migration_rate\" = {rate} }}\n"
        )
    };
    let body = variant("a", "0.01") + &variant("b", "0.03");
    let (path, out) = common::sweep_setup("edit", &["baseline"], 1, &body);
    common::run_sweep(&Sweep::load(&path).unwrap(), &out);
    // Each table of each run is also in that table's own tree, with the run's bytes.
    let tables = |v: &str| {
        let run = out.join(format!("runs/scenario=baseline/variant={v}/replicate=0"));
        for t in ["cities", "city_sectors", "flows", "indicators", "events"] {
            let part = out.join(format!(
                "tables/{t}/scenario=baseline/variant={v}/replicate=0/part-0.parquet"
            ));
            let same = std::fs::read(run.join(format!("{t}.parquet"))).unwrap()
                == std::fs::read(&part).unwrap_or_default();
            assert!(same, "{} is not the run's {t}", part.display());
        }
    };
    tables("a");
    tables("b");
    let listed: Vec<_> =
        std::fs::read_dir(out.join("tables/cities/scenario=baseline/variant=b/replicate=0"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
    assert_eq!(
        listed,
        ["part-0.parquet"],
        "nothing but the table in its tree"
    );
    // The same variant names, another value for b: its run no longer matches its task.
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("= 0.03", "= 0.04");
    std::fs::write(&path, text).unwrap();
    let r = common::run_sweep(&Sweep::load(&path).unwrap(), &out);
    // b runs again; a and the unmodified default are kept.
    assert_eq!((r.ran, r.skipped), (1, 2));
    let b = out.join("runs/scenario=baseline/variant=b/replicate=0/manifest.toml");
    let text = std::fs::read_to_string(b).unwrap();
    assert!(text.contains("migration_rate = 0.04"), "{text}");
    // The rerun's tables replace the old run's in the trees.
    tables("b");
}

#[test]
fn a_failing_task_is_recorded_and_the_others_complete() {
    let (path, out) = common::sweep_setup("fail", &["baseline", "non_capital_relief"], 2, "");
    let sweep = Sweep::load(&path).unwrap();
    // A file where the baseline's variant directory should be: even root cannot run there.
    // The plan goes first: a sweep writes only into a directory of its own.
    sweep.plan().write(&out).unwrap();
    let blocker = out.join("runs/scenario=baseline/variant=default");
    std::fs::create_dir_all(blocker.parent().unwrap()).unwrap();
    std::fs::write(&blocker, "in the way").unwrap();
    let report = common::run_sweep(&sweep, &out);
    let failed: Vec<&str> = report
        .failed
        .iter()
        .map(|(t, _)| t.run_id.as_str())
        .collect();
    assert_eq!(failed, ["baseline__default__r0", "baseline__default__r1"]);
    assert_eq!(report.ran, 2);
    let record =
        std::fs::read_to_string(out.join(FAILED_DIR).join("baseline__default__r0.txt")).unwrap();
    assert!(record.contains("variant=default"), "{record}");
    for t in sweep
        .plan()
        .tasks()
        .filter(|t| t.scenario == "non_capital_relief")
    {
        assert!(out.join(t.path).join("manifest.toml").exists());
    }

    let (_, err) = sweep_run(&path, &out, &[], &[], 1);
    assert!(err.contains("2 task(s) failed"), "{err}");

    std::fs::remove_file(&blocker).unwrap();
    sweep_run(&path, &out, &["--quiet"], &[], 0);
    let left = std::fs::read_dir(out.join(FAILED_DIR)).unwrap().count();
    assert_eq!(left, 0, "a task that completes clears its failure record");
}

#[test]
fn the_cli_runs_one_share_from_flags_or_from_slurm_variables() {
    let (path, out) = common::sweep_setup("share", &["baseline"], 5, "");
    let share = ["--task-index", "1", "--task-count", "2", "--quiet"];
    sweep_run(&path, &out, &share, &[], 0);
    let done = |i: u32| {
        out.join(format!(
            "runs/scenario=baseline/variant=default/replicate={i}/manifest.toml"
        ))
        .exists()
    };
    assert_eq!(
        (0..5).map(done).collect::<Vec<_>>(),
        [false, true, false, true, false]
    );
    // --array=1-2: array id 1 is share 0 of 2.
    let env = [
        ("SLURM_ARRAY_TASK_ID", "1"),
        ("SLURM_ARRAY_TASK_MIN", "1"),
        ("SLURM_ARRAY_TASK_COUNT", "2"),
    ];
    sweep_run(&path, &out, &["--quiet"], &env, 0);
    assert!((0..5).all(done));
}

#[test]
fn many_small_tasks_complete_with_bounded_work_in_flight() {
    // 40 runs; the runner keeps only outcomes, never a run's frames.
    let (path, out) = common::sweep_setup("many", &["baseline", "non_capital_relief"], 20, "");
    let (text, _) = sweep_run(&path, &out, &["--jobs", "2"], &[], 0);
    assert!(text.contains("40 ran"), "{text}");
    let plan = Plan::read(&out).unwrap();
    assert_eq!(plan.len(), 40);
    assert!(
        plan.tasks()
            .all(|t| out.join(t.path).join("cities.parquet").exists())
    );
}

/// Runs `sweep` into `out`, asking to stop as soon as the first run has recorded its
/// initial state; returns the report and options to run the rest with (no stop).
fn stopped_at_the_first_run(
    sweep: &Sweep,
    out: &Path,
) -> (relocsim::batch::SweepReport, relocsim::batch::LocalOptions) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let stop = Arc::new(AtomicBool::new(false));
    let mut opts = relocsim::batch::LocalOptions {
        out: out.to_path_buf(),
        jobs: 1,
        threads: 1,
        share: Share::ALL,
        stop: Some(stop.clone()),
        command_line: vec!["test".into()],
    };
    let first =
        relocsim::batch::run_local(sweep, &opts, |_| stop.store(true, Ordering::SeqCst)).unwrap();
    opts.stop = None;
    (first, opts)
}

#[test]
fn a_stopped_sweep_resumes_to_the_same_bytes() {
    let (path, whole) = common::sweep_setup("stop", &["baseline", "non_capital_relief"], 2, "");
    let sweep = Sweep::load(&path).unwrap();
    common::run_sweep(&sweep, &whole);
    let (first, opts) = stopped_at_the_first_run(&sweep, &whole.with_file_name("stopped"));
    assert_eq!((first.interrupted, first.not_started), (1, 3));
    assert!(!first.all_complete());
    let rest = relocsim::batch::run_local(&sweep, &opts, |_| {}).unwrap();
    assert_eq!((rest.resumed, rest.ran, rest.skipped), (1, 3, 0));
    for t in sweep.plan().tasks() {
        let read = |root: &Path| Manifest::read(&root.join(&t.path).join("manifest.toml")).unwrap();
        let (a, b) = (read(&whole), read(&opts.out));
        let sums = |m: &Manifest| m.files.iter().map(|f| f.sha256.clone()).collect::<Vec<_>>();
        assert_eq!(sums(&a), sums(&b), "{}", t.run_id);
        assert_eq!(b.status, RunStatus::Complete);
    }
}

#[test]
fn a_task_whose_checkpoint_was_damaged_runs_afresh_to_the_same_bytes() {
    let (path, whole) = common::sweep_setup("damaged", &["baseline"], 1, "");
    let sweep = Sweep::load(&path).unwrap();
    common::run_sweep(&sweep, &whole);
    let (first, opts) = stopped_at_the_first_run(&sweep, &whole.with_file_name("stopped"));
    assert_eq!(first.interrupted, 1);
    let task = sweep.plan().task(0);
    let state = opts.out.join(&task.path).join("checkpoint/state.bin");
    let mut bytes = std::fs::read(&state).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 1;
    std::fs::write(&state, bytes).unwrap();
    let rest = relocsim::batch::run_local(&sweep, &opts, |_| {}).unwrap();
    assert_eq!((rest.ran, rest.resumed, rest.failed.len()), (1, 0, 0));
    let read = |root: &Path| Manifest::read(&root.join(&task.path).join("manifest.toml")).unwrap();
    let sums = |m: &Manifest| m.files.iter().map(|f| f.sha256.clone()).collect::<Vec<_>>();
    assert_eq!(sums(&read(&whole)), sums(&read(&opts.out)));
}

/// Writes a posterior as `relocsim calibrate` does: bookkeeping columns, then one
/// float64 column per parameter; rows are (weight, migration rate, relief's hazard
/// multiplier).
fn write_posterior(path: &Path, rows: &[(f64, f64, f64)]) {
    use arrow_array::{ArrayRef, Float64Array, RecordBatch, UInt32Array};
    use std::sync::Arc;
    let f = |v: Vec<f64>| Arc::new(Float64Array::from(v)) as ArrayRef;
    let n = rows.len() as u32;
    let batch = RecordBatch::try_from_iter([
        (
            "generation",
            Arc::new(UInt32Array::from(vec![4; n as usize])) as ArrayRef,
        ),
        (
            "particle",
            Arc::new(UInt32Array::from_iter_values(0..n)) as ArrayRef,
        ),
        ("weight", f(rows.iter().map(|r| r.0).collect())),
        ("distance", f(vec![1.0; n as usize])),
        (
            "behaviour.migration_rate",
            f(rows.iter().map(|r| r.1).collect()),
        ),
        (
            "policy.0.hazard_multiplier",
            f(rows.iter().map(|r| r.2).collect()),
        ),
    ])
    .unwrap();
    let mut w =
        parquet::arrow::ArrowWriter::try_new(File::create(path).unwrap(), batch.schema(), None)
            .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

/// The `[table] key` of a run's manifest.toml (the resolved scenario is inline).
fn manifest_value(run: &Path, table: &str, key: &str) -> toml::Value {
    let text = std::fs::read_to_string(run.join("manifest.toml")).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    doc[table][key].clone()
}

/// `[sweep] posterior`: each replicate runs with one parameter set drawn by weight from
/// a calibration's posterior, the same for every scenario of the replicate (so the
/// differences stay paired); policy parameters are not drawn; the summary says that its
/// intervals hold parameter uncertainty, and a sweep without a posterior says they do
/// not.
#[test]
fn a_posterior_gives_each_replicate_one_parameter_set_shared_by_its_scenarios() {
    let scenarios = ["baseline", "non_capital_relief"];
    let (file, out) = common::sweep_setup("posterior", &scenarios, 8, "");
    let dir = file.parent().unwrap();
    write_posterior(
        &dir.join("post.parquet"),
        &[(1.0, 0.011, 5.0), (3.0, 0.037, 9.0), (0.0, 0.05, 1.0)],
    );
    let text = std::fs::read_to_string(&file).unwrap();
    let with = text.replace(
        "replicates = 8\n",
        "replicates = 8\nposterior = \"post.parquet\"\n",
    );
    assert_ne!(text, with);
    std::fs::write(&file, with).unwrap();
    let sweep = Sweep::load(&file).unwrap();
    let warned = sweep.warnings().join("\n");
    assert!(warned.contains("policy.0.hazard_multiplier"), "{warned}");
    let report = common::run_sweep(&sweep, &out);
    assert!(report.failed.is_empty());
    let mut drawn = Vec::new();
    for r in 0..8 {
        let run = |s: &str| out.join(format!("runs/scenario={s}/variant=default/replicate={r}"));
        let rate = |s: &str| manifest_value(&run(s), "behaviour", "migration_rate");
        assert_eq!(
            rate("baseline"),
            rate("non_capital_relief"),
            "replicate {r}"
        );
        let rate = rate("baseline").as_float().unwrap();
        assert!(rate == 0.011 || rate == 0.037, "replicate {r}: {rate}");
        // A drawn lever is the world the start is fitted to (docs/model.md §5.4).
        assert_eq!(
            manifest_value(&run("baseline"), "reference", "migration_rate").as_float(),
            Some(rate),
            "replicate {r}"
        );
        drawn.push(rate);
        let text =
            std::fs::read_to_string(run("non_capital_relief").join("manifest.toml")).unwrap();
        let doc: toml::Table = toml::from_str(&text).unwrap();
        let multiplier = &doc["policy"][0]["hazard_multiplier"];
        assert_eq!(
            multiplier.as_float(),
            Some(3.0),
            "policy parameters are not drawn"
        );
    }
    assert!(
        drawn.contains(&0.011) && drawn.contains(&0.037),
        "{drawn:?}"
    );
    let plan = Plan::read(&out).unwrap();
    let info = plan.posterior.expect("the plan records the posterior");
    assert_eq!(info.parameters, ["behaviour.migration_rate"]);
    assert_eq!(
        info.sha256,
        relocsim::digest::sha256_file(&dir.join("post.parquet")).unwrap()
    );
    let summary = |out: &Path| {
        relocsim::batch::summarize(&relocsim::batch::SummaryOptions {
            dir: out.to_path_buf(),
            baseline: None,
            allow_missing: false,
        })
        .unwrap();
        std::fs::read_to_string(out.join("summary/summary.md")).unwrap()
    };
    assert!(summary(&out).contains("Uncertainty: stochastic and parameter"));
    // compare finds the replicates' parameters differ, and says so.
    let compared = |out: &Path| {
        let cmp = relocsim::report::Comparison::load(&[out.to_path_buf()], "baseline").unwrap();
        cmp.uncertainty()
    };
    let said = compared(&out);
    assert!(
        said.contains("stochastic and parameter") && said.contains("behaviour.migration_rate"),
        "{said}"
    );
    // The same sweep without the posterior: one parameter set, said so.
    let (plain, plain_out) = common::sweep_setup("no-posterior", &scenarios, 2, "");
    common::run_sweep(&Sweep::load(&plain).unwrap(), &plain_out);
    assert!(summary(&plain_out).contains("Uncertainty: stochastic only"));
    assert!(compared(&plain_out).contains("stochastic only"));
}

/// A posterior that cannot be drawn from is refused before anything runs, naming the
/// setting: a missing file, a file without model parameters, weights all zero.
#[test]
fn a_posterior_that_cannot_be_drawn_from_is_refused() {
    let (file, out) = common::sweep_setup("bad-posterior", &["baseline"], 2, "");
    let dir = file.parent().unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    write_posterior(&dir.join("zero.parquet"), &[(0.0, 0.02, 3.0)]);
    std::fs::write(dir.join("notes.parquet"), "not parquet").unwrap();
    for (given, want) in [
        ("missing.parquet", "cannot open it"),
        ("notes.parquet", "not a Parquet file"),
        ("zero.parquet", "every weight is 0"),
    ] {
        let with = text.replace(
            "replicates = 2\n",
            &format!("replicates = 2\nposterior = {given:?}\n"),
        );
        std::fs::write(&file, with).unwrap();
        let (_, stderr) = sweep_run(&file, &out, &[], &[], 2);
        assert!(
            stderr.contains("sweep.posterior") && stderr.contains(want),
            "{given}: {stderr}"
        );
        assert!(!out.exists(), "{given}: nothing ran");
    }
}

#[test]
fn declared_variants_keep_the_unmodified_run_unless_the_file_says_not() {
    let body = "[[variant]]\nname = \"fast\"\nset = { \"behaviour.migration_rate\" = 0.05 }\n";
    let (path, _) = common::sweep_setup("default", &["baseline"], 1, body);
    let names = |p: &Path| -> Vec<String> {
        Sweep::load(p)
            .unwrap()
            .variants
            .iter()
            .map(|v| v.name.clone())
            .collect()
    };
    assert_eq!(names(&path), ["default", "fast"]);
    let base = Sweep::load(&path).unwrap().resolve(0, 0, 0).unwrap();
    assert_ne!(
        base.scenario.behaviour.migration_rate, 0.05,
        "default is unmodified"
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replacen(
        "replicates = 1\n",
        "replicates = 1\ninclude_default = false\n",
        1,
    );
    std::fs::write(&path, text).unwrap();
    assert_eq!(names(&path), ["fast"]);
}

/// Two variants that give a scenario the same settings would be the same run twice
/// under two names: the sweep is refused before anything runs, naming the runs.
#[test]
fn duplicate_runs_are_refused_with_their_ids() {
    let body = "[[variant]]\nname = \"fast\"\nset = { \"behaviour.migration_rate\" = 0.05 }\n\n[[variant]]\nname = \"quick\"\nscenarios = [\"non_capital_relief\"]\nset = { behaviour = { migration_rate = 0.05 } }\n\n[[variant]]\nname = \"plain\"\nscenarios = [\"baseline\"]\n";
    let (path, out) =
        common::sweep_setup("duplicates", &["baseline", "non_capital_relief"], 2, body);
    let (_, stderr) = sweep_run(&path, &out, &["--quiet"], &[], 2);
    let relief =
        "runs non_capital_relief__fast__r0 and non_capital_relief__quick__r0 would be the same run";
    assert!(stderr.contains(relief), "{stderr}");
    let base = "runs baseline__default__r0 and baseline__plain__r0 would be the same run";
    assert!(stderr.contains(base), "{stderr}");
    assert!(stderr.contains("include_default = false"), "{stderr}");
    assert_eq!(
        stderr.matches("would be the same run").count(),
        2,
        "{stderr}"
    );
    assert!(!out.exists(), "nothing ran");
    // Limited to one scenario each, `fast` and `quick` are no longer duplicates.
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replace(
        "name = \"fast\"\n",
        "name = \"fast\"\nscenarios = [\"baseline\"]\n",
    );
    let text = text.replace(
        "\n[[variant]]\nname = \"plain\"\nscenarios = [\"baseline\"]\n",
        "",
    );
    std::fs::write(&path, text).unwrap();
    let sweep = Sweep::load(&path).unwrap();
    let runs: Vec<String> = sweep.plan().tasks().map(|t| t.run_id).collect();
    assert_eq!(
        runs,
        [
            "baseline__default__r0",
            "baseline__default__r1",
            "baseline__fast__r0",
            "baseline__fast__r1",
            "non_capital_relief__default__r0",
            "non_capital_relief__default__r1",
            "non_capital_relief__quick__r0",
            "non_capital_relief__quick__r1",
        ]
    );
    // Each is read against the other's scenario's variant in the same combination.
    assert_eq!(
        sweep.plan().counterpart(1, 2, 0),
        Some(0),
        "quick: baseline's default"
    );
}

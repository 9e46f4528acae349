//! Summaries of sweeps: the documented schema, statistics over replicates that match
//! the run files, paired differences that pair the same replicate, and the same bytes
//! whether the sweep ran in one go or in shares (as on a cluster).

mod common;

use common::{col, parquet_batches as read};

use std::path::{Path, PathBuf};

use arrow_array::{Array, Float64Array, Int32Array, RecordBatch, StringArray};
use arrow_schema::DataType;
use relocsim::batch::{LocalOptions, Share, SummaryOptions, Sweep, run_local, summarize};

/// A two-scenario sweep of three replicates, run and summarised in `name`'s directory.
fn summarised(name: &str) -> (PathBuf, Sweep) {
    let (path, out) = common::sweep_setup(name, &["baseline", "non_capital_relief"], 3, "");
    let sweep = Sweep::load(&path).unwrap();
    common::run_sweep(&sweep, &out);
    summarize(&options(&out)).unwrap();
    (out, sweep)
}

fn options(out: &Path) -> SummaryOptions {
    SummaryOptions {
        dir: out.to_path_buf(),
        baseline: None,
        allow_missing: false,
    }
}

/// `indicator` at `step` in each replicate's indicators.parquet.
fn run_values(out: &Path, scenario: &str, indicator: &str, step: i32) -> Vec<f64> {
    (0..3)
        .map(|r| {
            let run = out.join(format!(
                "runs/scenario={scenario}/variant=default/replicate={r}"
            ));
            let batches = read(&run.join("indicators.parquet"));
            let hit = batches.iter().find_map(|b| {
                let (names, steps) = (
                    col::<StringArray>(b, "indicator"),
                    col::<Int32Array>(b, "step"),
                );
                (0..b.num_rows())
                    .find(|&i| names.value(i) == indicator && steps.value(i) == step)
                    .map(|i| col::<Float64Array>(b, "value").value(i))
            });
            hit.unwrap()
        })
        .collect()
}

/// The row of `file` for a region-level indicator of a scenario at a step.
fn row(out: &Path, file: &str, scenario: &str, indicator: &str, step: i32) -> (RecordBatch, usize) {
    for b in read(&out.join("summary").join(file)) {
        let (s, ind, st) = (
            col::<StringArray>(&b, "scenario"),
            col::<StringArray>(&b, "indicator"),
            col::<Int32Array>(&b, "step"),
        );
        let city = col::<StringArray>(&b, "city");
        let found = (0..b.num_rows()).find(|&i| {
            s.value(i) == scenario
                && ind.value(i) == indicator
                && st.value(i) == step
                && city.is_null(i)
        });
        if let Some(i) = found {
            return (b, i);
        }
    }
    panic!("no {file} row for {scenario} {indicator} step {step}");
}

#[test]
fn the_summary_has_the_documented_schema_and_order() {
    let (out, _) = summarised("schema");
    // Every column of both summaries says what it holds, for a reader of the lone file.
    for f in ["summary.parquet", "differences.parquet"] {
        let schema = read(&out.join("summary").join(f))[0].schema();
        for field in schema.fields() {
            let d = field.metadata().get("description");
            assert!(
                d.is_some_and(|d| !d.is_empty()),
                "{f}: {} has no description",
                field.name()
            );
        }
    }
    let batches = read(&out.join("summary/summary.parquet"));
    let schema = batches[0].schema();
    let fields: Vec<(&str, &DataType, bool)> = schema
        .fields()
        .iter()
        .map(|f| (f.name().as_str(), f.data_type(), f.is_nullable()))
        .collect();
    use DataType::*;
    assert_eq!(
        fields,
        [
            ("scenario", &Utf8, false),
            ("variant", &Utf8, false),
            ("step", &Int32, false),
            ("year", &Int32, false),
            ("city", &Utf8, true),
            ("indicator", &Utf8, false),
            ("mean", &Float64, false),
            ("sd", &Float64, true),
            ("p05", &Float64, false),
            ("p50", &Float64, false),
            ("p95", &Float64, false),
            ("n", &Int32, false),
        ]
    );
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    let indicators =
        read(&out.join("runs/scenario=baseline/variant=default/replicate=0/indicators.parquet"))
            .iter()
            .map(|b| b.num_rows())
            .sum::<usize>();
    // Two scenarios: every indicator row of a run, and 19 city columns of 14 cities a step.
    assert_eq!(rows, 2 * (indicators + 3 * 14 * 19));
    for b in &batches {
        let (city, ind, step) = (
            col::<StringArray>(b, "city"),
            col::<StringArray>(b, "indicator"),
            col::<Int32Array>(b, "step"),
        );
        let scen = col::<StringArray>(b, "scenario");
        // Scenarios come in plan order, here also alphabetical.
        let key = |i: usize| {
            let c = (!city.is_null(i)).then(|| city.value(i));
            (scen.value(i), c, ind.value(i), step.value(i))
        };
        assert!(
            (1..b.num_rows()).all(|i| key(i - 1) < key(i)),
            "sorted by scenario, city, indicator, step"
        );
        assert!(col::<Int32Array>(b, "n").values().iter().all(|&n| n == 3));
    }
    let md = std::fs::read_to_string(out.join("summary/summary.md")).unwrap();
    assert!(
        md.contains(
            "| Beijing population (`beijing_population`) | persons | non_capital_relief | 2022 |"
        ),
        "{md}"
    );
}

#[test]
fn statistics_match_the_runs_and_differences_pair_replicates() {
    let (out, _) = summarised("paired");
    let ind = "firms_moved_out_of_beijing_cum";
    let policy = run_values(&out, "non_capital_relief", ind, 2);
    let base = run_values(&out, "baseline", ind, 2);
    let (b, i) = row(&out, "summary.parquet", "non_capital_relief", ind, 2);
    let mean = policy.iter().sum::<f64>() / 3.0;
    assert!((col::<Float64Array>(&b, "mean").value(i) - mean).abs() < 1e-9);
    let mut sorted = policy.clone();
    sorted.sort_by(f64::total_cmp);
    assert_eq!(col::<Float64Array>(&b, "p50").value(i), sorted[1]);

    let diffs: Vec<f64> = policy.iter().zip(&base).map(|(p, b)| p - b).collect();
    let (d, j) = row(&out, "differences.parquet", "non_capital_relief", ind, 2);
    assert!((col::<Float64Array>(&d, "mean").value(j) - common::mean(&diffs)).abs() < 1e-9);
    assert!((col::<Float64Array>(&d, "sd").value(j) - common::sd(&diffs)).abs() < 1e-9);
    assert_eq!(col::<StringArray>(&d, "baseline").value(j), "baseline");

    // Without the baseline's replicate 1, only replicates 0 and 2 pair.
    std::fs::remove_file(
        out.join("runs/scenario=baseline/variant=default/replicate=1/manifest.toml"),
    )
    .unwrap();
    let refused = summarize(&options(&out));
    assert!(
        matches!(refused, Err(relocsim::Error::RunsMissing { .. })),
        "{refused:?}"
    );
    let mut opts = options(&out);
    opts.allow_missing = true;
    let report = summarize(&opts).unwrap();
    assert_eq!(report.missing, ["baseline__default__r1"]);
    let (d, j) = row(&out, "differences.parquet", "non_capital_relief", ind, 2);
    assert_eq!(col::<Int32Array>(&d, "n").value(j), 2);
    let pairs = [diffs[0], diffs[2]];
    assert!((col::<Float64Array>(&d, "mean").value(j) - common::mean(&pairs)).abs() < 1e-9);
    assert!((col::<Float64Array>(&d, "sd").value(j) - common::sd(&pairs)).abs() < 1e-9);
}

#[test]
fn a_sweep_run_in_shares_summarises_to_the_same_bytes() {
    let (whole, sweep) = summarised("whole");
    let split = whole.parent().unwrap().join("split");
    for index in 0..2 {
        let opts = LocalOptions {
            out: split.clone(),
            jobs: 1,
            threads: 2,
            share: Share { index, count: 2 },
            stop: None,
            command_line: vec!["test".into()],
        };
        run_local(&sweep, &opts, |_| {}).unwrap();
    }
    summarize(&options(&split)).unwrap();
    for f in ["summary.parquet", "differences.parquet", "summary.md"] {
        let (a, b) = (
            std::fs::read(whole.join("summary").join(f)).unwrap(),
            std::fs::read(split.join("summary").join(f)).unwrap(),
        );
        assert!(a == b, "{f} differs");
    }
}

#[test]
fn an_unknown_baseline_is_an_input_error() {
    let (out, _) = summarised("baseline");
    let mut opts = options(&out);
    opts.baseline = Some("nope".into());
    let e = summarize(&opts).unwrap_err();
    assert!(e.is_input_error() && e.to_string().contains("nope"), "{e}");
}

/// (mean, ci95_lo, ci95_hi, n) of differences.parquet for the region-level `indicator`
/// of `non_capital_relief` in `variant` at `step`.
fn difference_row(
    out: &Path,
    variant: &str,
    indicator: &str,
    step: i32,
) -> (f64, Option<f64>, Option<f64>, i32) {
    for b in read(&out.join("summary/differences.parquet")) {
        let (v, ind, st) = (
            col::<StringArray>(&b, "variant"),
            col::<StringArray>(&b, "indicator"),
            col::<Int32Array>(&b, "step"),
        );
        let (city, scen) = (
            col::<StringArray>(&b, "city"),
            col::<StringArray>(&b, "scenario"),
        );
        let found = (0..b.num_rows()).find(|&i| {
            scen.value(i) == "non_capital_relief"
                && v.value(i) == variant
                && ind.value(i) == indicator
                && st.value(i) == step
                && city.is_null(i)
        });
        if let Some(i) = found {
            let f = |name: &str| {
                let c = col::<Float64Array>(&b, name);
                (!c.is_null(i)).then(|| c.value(i))
            };
            let n = col::<Int32Array>(&b, "n").value(i);
            return (f("mean").unwrap(), f("ci95_lo"), f("ci95_hi"), n);
        }
    }
    panic!("no difference for {variant} {indicator} step {step}");
}

/// The same as [`difference_row`] from the report's table.csv (its own full-precision
/// numbers), for the relief scenario of `variant` against `baseline/variant`.
fn report_row(dir: &Path, variant: &str, indicator: &str) -> (f64, Option<f64>, Option<f64>, i32) {
    let text = std::fs::read_to_string(dir.join("table.csv")).unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let scenario = format!("non_capital_relief/{variant}");
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        let get = |name: &str| fields[head.iter().position(|h| *h == name).unwrap()];
        if get("year") == "2022" && get("indicator") == indicator && get("scenario") == scenario {
            let opt = |name: &str| get(name).parse::<f64>().ok();
            let pairs = get("pairs").parse().unwrap();
            return (
                opt("diff_from_baseline").unwrap(),
                opt("diff_ci95_low"),
                opt("diff_ci95_high"),
                pairs,
            );
        }
    }
    panic!("no report row for {scenario} {indicator}");
}

/// `relocsim summarize` and `relocsim compare` pair runs by one rule (`relocsim::stats`):
/// over the same runs they give the same difference and interval, paired where the seeds
/// agree and a difference of means without an interval where they do not.
#[test]
fn summary_and_report_give_the_same_paired_differences() {
    let body = "[[variant]]\nname = \"same\"\nset = { \"behaviour.migration_rate\" = 0.05 }\n\n[[variant]]\nname = \"other\"\nscenarios = [\"non_capital_relief\"]\nset = { \"scenario.seed\" = 7 }\n";
    let (path, out) = common::sweep_setup("agree", &["baseline", "non_capital_relief"], 3, body);
    let sweep = Sweep::load(&path).unwrap();
    common::run_sweep(&sweep, &out);
    summarize(&options(&out)).unwrap();
    let indicator = "beijing_population";
    // `other` does not reach the baseline: it is read against the baseline's `default`.
    for (variant, baseline, pairs) in [("same", "baseline/same", 3), ("other", "baseline", 0)] {
        let dir = out.parent().unwrap().join(format!("report-{variant}"));
        relocsim::report::compare(std::slice::from_ref(&out), baseline, &dir).unwrap();
        let batch = difference_row(&out, variant, indicator, 2);
        let report = report_row(&dir, variant, indicator);
        assert_eq!(batch, report, "{variant}");
        assert_eq!(batch.3, pairs, "{variant}");
        assert_eq!(batch.1.is_some(), pairs > 1, "{variant}");
    }
}

/// A variant limited to some scenarios runs there alone: the others run each of their
/// variants once, without it, and the limited variant is read against the baseline's
/// run without it, by `summarize` and `compare` alike (compare learns the pairing from
/// the sweep's plan).
#[test]
fn a_limited_variant_runs_only_where_it_reaches_and_pairs_with_the_baseline_without_it() {
    let body = "[[variant]]\nname = \"push\"\nscenarios = [\"non_capital_relief\"]\nset = { \"policy.0.hazard_multiplier\" = 5.0 }\n\n[[axis]]\nkey = \"behaviour.migration_rate\"\nvalues = [0.01, 0.03]\n";
    let scenarios = ["baseline", "non_capital_relief"];
    let (path, out) = common::sweep_setup("limited", &scenarios, 2, body);
    let sweep = Sweep::load(&path).unwrap();
    let plan = sweep.plan();
    let runs: Vec<(String, String)> = (plan.tasks())
        .filter(|t| t.replicate == 0)
        .map(|t| (t.scenario, t.variant))
        .collect();
    let pair = |s: &str, v: &str| (s.to_string(), v.to_string());
    assert_eq!(
        runs,
        [
            pair("baseline", "migration_rate-0.01"),
            pair("baseline", "migration_rate-0.03"),
            pair("non_capital_relief", "migration_rate-0.01"),
            pair("non_capital_relief", "migration_rate-0.03"),
            pair("non_capital_relief", "push__migration_rate-0.01"),
            pair("non_capital_relief", "push__migration_rate-0.03"),
        ]
    );
    assert_eq!(plan.len(), 12);
    common::run_sweep(&sweep, &out);
    let base = out.join("runs/scenario=baseline");
    let mut dirs: Vec<String> = std::fs::read_dir(&base)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    assert_eq!(
        dirs,
        ["variant=migration_rate-0.01", "variant=migration_rate-0.03"]
    );
    summarize(&options(&out)).unwrap();
    let against = baseline_variants(&out, "push__migration_rate-0.03");
    assert_eq!(against, ["migration_rate-0.03"]);
    let md = std::fs::read_to_string(out.join("summary/summary.md")).unwrap();
    assert!(
        md.contains(
            "`non_capital_relief` is read against `baseline`'s variant `migration_rate-0.03`"
        ),
        "{md}"
    );
    // The relief's push runs pair with the baseline's runs without the push.
    let dir = out.parent().unwrap().join("report");
    relocsim::report::compare(std::slice::from_ref(&out), "baseline", &dir).unwrap();
    let indicator = "beijing_population";
    let variant = "push__migration_rate-0.03";
    let batch = difference_row(&out, variant, indicator, 2);
    assert_eq!(batch, report_row(&dir, variant, indicator));
    assert_eq!(batch.3, 2, "paired replicate by replicate");
}

/// The `baseline_variant` of every difference row of the relief's `variant`.
fn baseline_variants(out: &Path, variant: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for b in read(&out.join("summary/differences.parquet")) {
        let v = col::<StringArray>(&b, "variant");
        let against = col::<StringArray>(&b, "baseline_variant");
        for i in (0..b.num_rows()).filter(|&i| v.value(i) == variant) {
            if !found.iter().any(|f| f == against.value(i)) {
                found.push(against.value(i).to_string());
            }
        }
    }
    found
}

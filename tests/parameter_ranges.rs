//! The valid ranges are safe: a tiny scenario run with each behavioural and trend
//! parameter at the minimum and at the maximum of its range in the registry, and each
//! policy parameter at both ends of the range its validation states, gives finite
//! indicators and city figures at every step. A range this breaks is too wide.

mod common;

use relocsim::engine::record::StepFrame;
use relocsim::scenario;

const RUN: &str = "[scenario]\nname = \"edge\"\nend_year = 2023\n";
const SCALE: f64 = 0.0005;

/// Every indicator and every floating-point city figure of every step that is not finite.
fn not_finite(frames: &[StepFrame]) -> Vec<String> {
    let mut bad = Vec::new();
    for f in frames {
        for (name, v) in &f.indicators {
            if !v.is_finite() {
                bad.push(format!("{} {name} = {v}", f.year));
            }
        }
        for (c, row) in f.cities.iter().enumerate() {
            let figures = [
                ("output_bn", row.output_bn),
                ("wage", row.wage),
                ("housing_cost", row.housing_cost),
                ("public_services", row.public_services),
                ("fiscal_revenue_bn", row.fiscal_revenue_bn),
                ("transfers_bn", row.transfers_bn),
                ("pollution", row.pollution),
            ];
            for (name, v) in figures {
                if !v.is_finite() {
                    bad.push(format!("{} city {c} {name} = {v}", f.year));
                }
            }
        }
    }
    bad
}

/// Runs `text` and records what is wrong with it: a panic or a figure not finite.
fn run_finite(text: &str, what: &str, failures: &mut Vec<String>) {
    let run = std::panic::catch_unwind(|| common::run(&common::scenario(text, 7, SCALE)).1);
    let bad = match run {
        Ok(frames) if frames.len() != 4 => vec![format!("{} steps, not 4", frames.len())],
        Ok(frames) => not_finite(&frames),
        Err(e) => vec![format!(
            "panicked: {}",
            e.downcast_ref::<&str>().copied().unwrap_or("(no message)")
        )],
    };
    if !bad.is_empty() {
        failures.push(format!("{what}: {bad:?}"));
    }
}

#[test]
fn behaviour_and_trends_at_both_ends_of_their_ranges_stay_finite() {
    let mut failures = Vec::new();
    let tables = ["behaviour", "trends"].map(relocsim::params::of_table);
    for p in tables.into_iter().flatten() {
        let (table, key) = (p.table(), p.field());
        let r = p.range.unwrap();
        for v in [r.min, r.max] {
            let text = format!("{RUN}[{table}]\n{key} = {v:?}\n");
            run_finite(&text, &format!("{} = {v}", p.name), &mut failures);
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A policy table of `kind` in force over the whole run, with `extra` lines.
fn policy(kind: &str, extra: &str) -> String {
    format!("{RUN}[[policy]]\nkind = \"{kind}\"\nstart = 2020\nend = 2023\n{extra}")
}

/// The range validation states for `key` of `kind`, read from the message refusing a
/// value far outside it (so the test follows the validation, whatever it says).
fn stated_range(kind: &str, key: &str, integer: bool) -> (String, String) {
    let huge = if integer {
        "1000000000000000000000000000000"
    } else {
        "1e300"
    };
    let text = policy(kind, &format!("{key} = {huge}\n"));
    let err = scenario::parse(&text, "t.toml", std::path::Path::new("."))
        .err()
        .unwrap_or_else(|| panic!("{kind}.{key} = {huge} was accepted"))
        .to_string();
    let tail = err
        .split("out of range; valid: ")
        .nth(1)
        .unwrap_or_else(|| panic!("{kind}.{key}: no range stated in {err}"));
    let (lo, rest) = tail.split_once(" to ").unwrap();
    let hi = rest.split([' ', '\n']).next().unwrap();
    (lo.to_string(), hi.to_string())
}

#[test]
fn policy_parameters_at_both_ends_of_their_ranges_stay_finite() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for kind in relocsim::policy::KINDS {
        for (key, default) in relocsim::policy::doc::defaults(kind.name) {
            let integer = default.is_integer();
            if !(integer || default.is_float()) {
                continue;
            }
            let (lo, hi) = stated_range(kind.name, &key, integer);
            for v in [lo, hi] {
                let text = policy(kind.name, &format!("{key} = {v}\n"));
                // An end another rule refuses in this region is not a run to check.
                if scenario::parse(&text, "t.toml", std::path::Path::new(".")).is_err() {
                    continue;
                }
                run_finite(&text, &format!("{}.{key} = {v}", kind.name), &mut failures);
                checked += 1;
            }
        }
    }
    // A cap of one person on the capital, far below its residents.
    let tight = policy("development_intensity_control", "caps = { Beijing = 1 }\n");
    run_finite(&tight, "caps = { Beijing = 1 }", &mut failures);
    assert!(checked >= 40, "{checked} policy parameter ends run");
    assert!(failures.is_empty(), "{failures:#?}");
}

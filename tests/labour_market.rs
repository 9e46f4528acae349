//! Unemployment stays plausible: in every city and year, the mean rate over three seeds
//! of every shipped scenario stays within 0-15% (the README says why: three times
//! China's surveyed urban rate of 5.2-5.6% [V]).

mod common;

use common::{run, scenario, shipped};
use relocsim::engine::record::{CityRow, StepFrame};

/// The names of every scenario in scenarios/, sorted.
fn shipped_names() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("scenarios/ is readable")
        .filter_map(|e| {
            let name = e.expect("an entry").file_name().into_string().ok()?;
            name.strip_suffix(".toml").map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

/// A city's unemployment rate in a step.
fn unemployment(row: &CityRow) -> f64 {
    row.unemployed as f64 / row.labour_force.max(1) as f64
}

#[test]
fn every_city_keeps_a_plausible_unemployment_rate() {
    let names = shipped_names();
    assert!(names.len() >= 16, "the shipped scenarios: {names:?}");
    for name in &names {
        let runs: Vec<_> = [11u64, 22, 33]
            .iter()
            .map(|&seed| run(&shipped(name, seed, 0.01)).1)
            .collect();
        for t in 1..runs[0].len() {
            for c in 0..runs[0][t].cities.len() {
                let rate = |frames: &Vec<StepFrame>| unemployment(&frames[t].cities[c]);
                let mean = runs.iter().map(rate).sum::<f64>() / runs.len() as f64;
                assert!(
                    mean <= 0.15,
                    "{name}, city {c}, {}: unemployment {mean:.3}",
                    runs[0][t].year
                );
            }
        }
    }
}

/// `behaviour.frictional_unemployment`: search takes time, so when jobs outgrow the
/// labour force the unemployed pool does not empty. With fast firm growth and no floor
/// unemployment falls far below its start; with a floor of 3% it stays near 3% in every
/// city, and the start (5%, above the floor) is left alone.
#[test]
fn a_frictional_floor_keeps_unemployment_when_jobs_outgrow_workers() {
    let text = |floor: f64| {
        format!(
            "[scenario]\nname = \"floor\"\nend_year = 2030\n\n[behaviour]\nfrictional_unemployment = {floor}\n\n[trends]\nfirm_growth = 0.04\n"
        )
    };
    let lowest = |floor: f64, seed: u64| {
        let (_, frames) = run(&scenario(&text(floor), seed, 0.005));
        let last = frames.last().unwrap();
        let first = &frames[1];
        let low = |f: &StepFrame| {
            f.cities
                .iter()
                .map(unemployment)
                .fold(f64::INFINITY, f64::min)
        };
        (low(first), low(last))
    };
    for seed in [11, 22] {
        let (_, without) = lowest(0.0, seed);
        let (first, with) = lowest(0.03, seed);
        assert!(
            without < 0.02,
            "without a floor the lowest city ends at {without}"
        );
        assert!(
            (0.028..0.04).contains(&with),
            "with a 3% floor the lowest city ends at {with}"
        );
        assert!(first >= 0.028, "the first year's lowest city: {first}");
    }
}

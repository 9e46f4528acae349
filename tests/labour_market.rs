//! Unemployment stays plausible: in every city and year, the mean rate over three seeds
//! of every shipped scenario stays within 0-15% (the README says why: three times
//! China's surveyed urban rate of 5.2-5.6% [V]).

mod common;

use common::{run, shipped};

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
                let rate = |frames: &Vec<relocsim::engine::record::StepFrame>| {
                    let row = &frames[t].cities[c];
                    row.unemployed as f64 / row.labour_force.max(1) as f64
                };
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

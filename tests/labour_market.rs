//! Unemployment stays plausible: in every city and year, the mean rate over three seeds
//! of the shipped scenarios stays within 0-15% (the README says why: three times
//! China's surveyed urban rate of 5.2-5.6% [V]). `seed_essay` is left out: with every
//! lever at once it pushes Beijing past 20% (the README says so).

mod common;

use common::{run, shipped};

#[test]
fn every_city_keeps_a_plausible_unemployment_rate() {
    let shipped_names = [
        "baseline",
        "history_2014_2023",
        "integrated",
        "non_capital_relief",
        "xiongan_incentives",
    ];
    for name in shipped_names {
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

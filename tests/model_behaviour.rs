//! The model's promises to users: it starts at the census, moves only by natural change
//! and noise without a policy, and accounts for every agent: a city's population changes
//! by births − deaths + arrivals − departures, and so does the region's.

mod common;

use common::{SEEDS, mean, run, scenario, shipped};
use relocsim::agents::{DEPENDENT, NO_FIRM};
use relocsim::engine::record::EventKind;

#[test]
fn step_zero_matches_the_2020_census_within_one_percent() {
    let r = shipped("baseline", 1, 0.01);
    let (_, frames) = run(&r);
    for (c, row) in frames[0].cities.iter().enumerate() {
        let real = row.population as f64 / 0.01;
        let census = r.region.city(c).population as f64;
        assert!(
            (real / census - 1.0).abs() < 0.01,
            "{}: {real} vs {census}",
            r.region.city(c).name
        );
    }
}

/// Migration is calibrated to balance at the start (docs/model.md §5.4), so without a
/// policy a city's population moves by natural change and noise. A city with fewer than
/// 200 firm agents (Xiong'an below scale 0.035) is left out: there a firm agent holds
/// more than 0.5% of the jobs, and job lumps drive its seekers away (docs/model.md §9).
#[test]
fn baseline_moves_by_natural_change_and_noise() {
    let scale = 0.02;
    let n = 14;
    let mut drift = vec![Vec::new(); n];
    for seed in SEEDS {
        let r = shipped("baseline", seed, scale);
        let (model, frames) = run(&r);
        let (a, b) = (&frames[0], frames.last().unwrap());
        for (c, runs) in drift.iter_mut().enumerate() {
            if (r.region.city(c).firms as f64 * scale) < 200.0 {
                continue;
            }
            // Net of natural change, which the baseline follows by design (docs/model.md §7.16).
            let natural: f64 = (frames.iter())
                .map(|f| f.cities[c].births as f64 - f.cities[c].deaths as f64)
                .sum();
            let moved = b.cities[c].population as f64 - a.cities[c].population as f64 - natural;
            let d = moved / a.cities[c].population as f64;
            assert!(
                d.abs() < 0.12,
                "city {c} drifted {d:.3} in one run (seed {seed})"
            );
            runs.push(d);
        }
        let total_a: u64 = a.cities.iter().map(|c| c.firms).sum();
        let total_b: u64 = b.cities.iter().map(|c| c.firms).sum();
        let branches = (frames.iter().flat_map(|f| &f.events))
            .filter(|e| e.kind == EventKind::Branch)
            .count() as u64;
        assert!(branches > 0);
        assert_eq!(
            total_b - total_a,
            branches,
            "with no growth trend entries replace exits one for one, and branches add firms"
        );
        assert!(model.step > 0);
    }
    let checked = drift.iter().filter(|d| !d.is_empty()).count();
    assert_eq!(
        checked, 13,
        "every city but Xiong'an is checked at scale {scale}"
    );
    for (c, d) in drift.iter().enumerate().filter(|(_, d)| !d.is_empty()) {
        assert!(
            mean(d).abs() < 0.03,
            "city {c}: mean drift {:.4} over seeds {:?}",
            mean(d),
            d
        );
    }
}

#[test]
fn agents_are_conserved_and_flows_add_up() {
    // The headline trio, and the whole programme of the essay (every mechanism).
    for name in ["integrated", "seed_essay"] {
        check_conservation(name);
    }
    // From the 2014 base year, where births outnumber deaths, and rows are reused.
    check_conservation_from("baseline", 2014);
}

fn check_conservation(name: &str) {
    check_conservation_from(name, 2020);
}

fn check_conservation_from(name: &str, start_year: i32) {
    let mut r = shipped(name, 7, 0.005);
    if start_year != r.scenario.scenario.start_year {
        r.scenario.scenario.start_year = start_year;
        r = relocsim::scenario::resolve(r.scenario, "t.toml", std::path::Path::new("."))
            .expect("a base year");
    }
    let (model, frames) = run(&r);
    let births: u64 = frames
        .iter()
        .flat_map(|f| &f.cities)
        .map(|c| c.births)
        .sum();
    let deaths: u64 = frames
        .iter()
        .flat_map(|f| &f.cities)
        .map(|c| c.deaths)
        .sum();
    assert!(
        births > 0 && deaths > 0,
        "{name} from {start_year}: natural change happens"
    );
    let n = frames[0].cities.len();
    for w in frames.windows(2) {
        let (prev, cur) = (&w[0], &w[1]);
        let mut pop_change = vec![0i64; n];
        let mut firm_change = vec![0i64; n];
        for (&(o, d, _), f) in &cur.flows {
            pop_change[o as usize] -= f.persons as i64;
            pop_change[d as usize] += f.persons as i64;
            firm_change[o as usize] -= f.firms as i64;
            firm_change[d as usize] += f.firms as i64;
        }
        for e in &cur.events {
            match e.kind {
                EventKind::Entry | EventKind::Branch => {
                    firm_change[e.destination.unwrap() as usize] += 1
                }
                EventKind::Exit => firm_change[e.origin.unwrap() as usize] -= 1,
                EventKind::Move => {}
            }
        }
        let mut natural_and_border = 0;
        for c in 0..n {
            let row = &cur.cities[c];
            let outside =
                row.births as i64 - row.deaths as i64 + row.arrivals as i64 - row.departures as i64;
            natural_and_border += outside;
            let dp = row.population as i64 - prev.cities[c].population as i64;
            assert_eq!(
                dp,
                pop_change[c] + outside,
                "step {} city {c}: population change vs flows, births, deaths and the border",
                cur.step
            );
            let df = cur.cities[c].firms as i64 - prev.cities[c].firms as i64;
            assert_eq!(
                df, firm_change[c],
                "step {} city {c}: firm change vs flows and events",
                cur.step
            );
        }
        let moves = cur
            .events
            .iter()
            .filter(|e| e.kind == EventKind::Move)
            .count() as u64;
        let flow_firms: u64 = cur.flows.values().map(|f| f.firms).sum();
        assert_eq!(moves, flow_firms, "every move event is in the flows");
        let total = |f: &relocsim::engine::record::StepFrame| {
            f.cities.iter().map(|c| c.population as i64).sum::<i64>()
        };
        assert_eq!(
            total(cur) - total(prev),
            natural_and_border,
            "step {}: the region changes by births - deaths + arrivals - departures",
            cur.step
        );
        let residents = (model.persons.city().iter())
            .filter(|&&c| c != relocsim::agents::NOWHERE)
            .count() as u64;
        if cur.step == model.step {
            assert_eq!(
                residents as i64,
                total(cur),
                "rows in the region are residents"
            );
        }
    }
    // Employer links and firm head counts agree, and only live firms employ.
    let mut counted = vec![0u32; model.firms.len()];
    for (p, &e) in model.persons.employer().iter().enumerate() {
        if e != NO_FIRM {
            assert_ne!(model.persons.skill()[p], DEPENDENT);
            assert!(
                model.firms.alive()[e as usize],
                "person {p} works for an exited firm"
            );
            counted[e as usize] += 1;
        }
    }
    for (f, &count) in counted.iter().enumerate() {
        if model.firms.alive()[f] {
            assert_eq!(count, model.firms.employees()[f], "firm {f} head count");
        }
    }
    assert!(model.firms.columns_agree() && model.persons.columns_agree());
}

/// No firm agent starts with more than 0.5% of its city's jobs at the default scale
/// (`max_firm_share`), unless its (city, sector) cell has too few agents for its jobs to
/// fit under that (a cell's agents follow the firm counts of the data): then none holds
/// more than an even share of the cell's jobs, plus one.
#[test]
fn no_firm_agent_is_a_lump_of_its_city() {
    let r = shipped("baseline", 7, 0.01);
    let model = relocsim::Model::new(&r);
    let (n, ns) = (r.region.n_cities(), r.region.n_sectors());
    let (mut largest, mut agents, mut jobs) =
        (vec![0u32; n * ns], vec![0u32; n * ns], vec![0u32; n * ns]);
    for f in 0..model.firms.len() {
        let cell = model.firms.city()[f] as usize * ns + model.firms.sector()[f] as usize;
        largest[cell] = largest[cell].max(model.firms.target()[f]);
        agents[cell] += 1;
        jobs[cell] += model.firms.target()[f];
    }
    let mut over = Vec::new();
    for cell in 0..n * ns {
        let city_jobs = model.tally.jobs[cell / ns] as f64;
        let cap = (city_jobs * 0.005).floor().max(1.0);
        let even = f64::from(jobs[cell]).div_euclid(f64::from(agents[cell].max(1))) + 1.0;
        let limit = cap.max(even);
        assert!(
            f64::from(largest[cell]) <= limit,
            "{} sector {}: one firm agent holds {} of {} jobs",
            r.region.city(cell / ns).name,
            cell % ns,
            largest[cell],
            city_jobs
        );
        if f64::from(largest[cell]) > cap {
            over.push(r.region.city(cell / ns).name.clone());
        }
    }
    over.dedup();
    // The cities whose data give too few firm agents for some cells at this scale: the
    // heavy-industry cells of small cities, and Xiong'an's 62 agents.
    assert!(over.len() <= 6, "cities with agents above 0.5%: {over:?}");
    assert!(!over.contains(&"Beijing".to_string()) && !over.contains(&"Tianjin".to_string()));
}

/// The headline figures do not depend on the scale beyond noise: each city's population
/// and Beijing's firms by sector in 2030 agree between scales 0.01 (the default) and
/// 0.03 within four standard errors of the difference of their means over six seeds
/// (about the 99.9% quantile of Student's t with 10 degrees of freedom, for 22 figures
/// tested at once), plus 0.5% for the rounding of small cells to whole agents. Xiong'an is left out:
/// below scale 0.035 it has fewer than 200 firm agents, and job lumps pull its
/// population down (docs/model.md §9).
#[test]
fn results_agree_across_scales_within_the_spread_of_replicates() {
    let at = |scale: f64| -> Vec<Vec<f64>> {
        (0..6u64)
            .map(|seed| {
                let text = "[scenario]\nname = \"s\"\nend_year = 2030\n";
                let (_, frames) = run(&common::scenario(text, 100 + seed, scale));
                let last = frames.last().unwrap();
                let mut v: Vec<f64> = (last.cities.iter().take(13))
                    .map(|c| c.population as f64 / scale)
                    .collect();
                v.extend(
                    (last.city_sectors.iter())
                        .filter(|r| r.city == 0)
                        .map(|r| r.firms as f64 / scale),
                );
                v
            })
            .collect()
    };
    let (small, large) = (at(0.01), at(0.03));
    let stats = |runs: &[Vec<f64>], i: usize| {
        let v: Vec<f64> = runs.iter().map(|r| r[i]).collect();
        let m = mean(&v);
        let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64;
        (m, var / v.len() as f64)
    };
    for i in 0..small[0].len() {
        let ((a, va), (b, vb)) = (stats(&small, i), stats(&large, i));
        let allowed = 4.0 * (va + vb).sqrt() + 0.005 * a.abs().max(b.abs());
        assert!(
            (a - b).abs() <= allowed,
            "figure {i}: {a:.0} at 0.01 vs {b:.0} at 0.03 (allowed {allowed:.0})"
        );
    }
}

/// Branches are their own flow: about 5,000 a year from Beijing into other cities
/// (docs/facts.md §2.6), each a new firm in another city while its parent stays and
/// shrinks by the jobs it hands over.
#[test]
fn beijing_firms_open_branches_elsewhere_at_the_observed_rate() {
    let scale = 0.01;
    let mut per_year = Vec::new();
    for seed in [11, 22, 33] {
        let (model, frames) = run(&shipped("baseline", seed, scale));
        for f in &frames[1..] {
            let v = f
                .indicators
                .iter()
                .find(|(n, _)| n == "branches_from_beijing");
            per_year.push(v.expect("the indicator").1);
            for e in f.events.iter().filter(|e| e.kind == EventKind::Branch) {
                assert_ne!(e.origin, e.destination, "a branch opens in another city");
                assert!(
                    model.firms.rng_key()[e.firm as usize] >> 62 == 1,
                    "a new firm"
                );
            }
        }
    }
    let m = mean(&per_year);
    assert!((2_500.0..10_000.0).contains(&m), "{m} branches a year");
}

/// The productivity trend is growth every firm shares: it raises output by
/// (1 + g)^step and leaves people, jobs and firms exactly where they were, because no
/// firm becomes likelier to survive than another and no city more attractive than the
/// rest of China.
#[test]
fn the_productivity_trend_grows_output_and_moves_nobody() {
    let text = |g: f64| {
        format!(
            "[scenario]\nname = \"trend\"\nstart_year = 2014\nend_year = 2023\n\n[trends]\nproductivity_growth = {g}\n"
        )
    };
    for seed in [11, 22] {
        let (_, flat) = run(&scenario(&text(0.0), seed, 0.005));
        let (_, grown) = run(&scenario(&text(0.05), seed, 0.005));
        assert_eq!(flat.len(), grown.len());
        let mut moves = 0;
        for (a, b) in flat.iter().zip(&grown) {
            moves += a.events.len();
            assert_eq!(
                a.events, b.events,
                "{}: the same moves, entries and exits",
                a.year
            );
            let level = 1.05_f64.powi(a.step as i32);
            for (c, (x, y)) in a.cities.iter().zip(&b.cities).enumerate() {
                assert_eq!(
                    (x.population, x.jobs, x.firms, x.unemployed),
                    (y.population, y.jobs, y.firms, y.unemployed),
                    "city {c} in {}",
                    a.year
                );
                let ratio = y.output_bn / x.output_bn;
                assert!(
                    (ratio / level - 1.0).abs() < 1e-9,
                    "city {c} in {}: output ratio {ratio}, trend {level}",
                    a.year
                );
            }
        }
        assert!(
            moves > 100,
            "the runs have firm events to compare ({moves})"
        );
    }
}

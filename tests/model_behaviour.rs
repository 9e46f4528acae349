//! The model's promises to users: it starts at the census, moves only by natural change
//! and noise without a policy, and accounts for every agent: a city's population changes
//! by births − deaths + arrivals − departures, and so does the region's.

mod common;

use common::{SEEDS, mean, run, scenario, shipped};
use relocsim::agents::{DEPENDENT, FULL_WEIGHT, NO_FIRM, firm_agents};
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
        // Without the firm-growth trend, so that entries replace exits one for one.
        let mut r = shipped("baseline", seed, scale);
        r.scenario.trends.firm_growth = 0.0;
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
        let branches: u64 = (frames.iter().flat_map(|f| &f.events))
            .filter(|e| e.kind == EventKind::Branch)
            .map(|e| u64::from(e.weight))
            .sum();
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
        // Firms are counted by weight: a whole agent is FULL_WEIGHT, a piece less.
        for e in &cur.events {
            let w = i64::from(e.weight);
            match e.kind {
                EventKind::Entry | EventKind::Branch => {
                    firm_change[e.destination.unwrap() as usize] += w
                }
                EventKind::Exit => firm_change[e.origin.unwrap() as usize] -= w,
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
        let moves: u64 = (cur.events.iter())
            .filter(|e| e.kind == EventKind::Move)
            .map(|e| u64::from(e.weight))
            .sum();
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

/// No firm agent holds more than 0.5% of its city's jobs (`max_firm_share`) at the
/// default scale: at the start, none above 0.5% of its own city's jobs; after fifteen
/// years of moves, entries and branches, none above the start's cap (0.5% of the jobs of
/// the city with the fewest), whichever city it is in. Firms too large for one agent are
/// split into pieces that share their weight, and the pieces of a city still add up to
/// its firms in the data.
#[test]
fn no_firm_agent_is_a_lump_of_its_city() {
    for name in ["baseline", "integrated"] {
        let r = shipped(name, 7, 0.01);
        let start = relocsim::Model::new(&r);
        let fewest = start.tally.jobs.iter().min().copied().unwrap() as f64;
        let cap = start.calibration.largest_firm;
        assert_eq!(f64::from(cap), (fewest * 0.005).floor(), "{name}");
        let (end, _) = run(&r);
        for (when, model) in [("start", &start), ("end", &end)] {
            let f = &model.firms;
            for i in (0..f.len()).filter(|&i| f.alive()[i]) {
                let c = f.city()[i] as usize;
                let own = (model.tally.jobs[c] as f64 * 0.005).floor().max(1.0) as u32;
                let limit = if when == "start" { own } else { cap };
                assert!(
                    f.target()[i] <= limit,
                    "{name}, {when}: a firm agent of {} jobs in {} ({} jobs)",
                    f.target()[i],
                    r.region.city(c).name,
                    model.tally.jobs[c]
                );
            }
        }
        // Splitting keeps the firm counts of the data: whole agents per city as the
        // scale gives them.
        for c in 0..r.region.n_cities() {
            let data = relocsim::region::agents_at(r.region.city(c).firms, 0.01) as f64;
            let model = firm_agents(start.tally.firms[c]);
            assert!(
                (model - data).abs() <= r.region.n_sectors() as f64,
                "{c}: {model} vs {data}"
            );
        }
        let split = (0..start.firms.len())
            .filter(|&i| start.firms.weight()[i] < FULL_WEIGHT)
            .count();
        assert!(split > 0, "{name}: some firms are split at scale 0.01");
    }
}

/// The headline figures do not depend on the scale beyond noise: each city's population,
/// Beijing's firms by sector, and the firms Beijing lost to moves and opened as branches
/// elsewhere, by 2030, agree between scales 0.01 (the default) and
/// 0.03 within four standard errors of the difference of their means over six seeds
/// (about the 99.9% quantile of Student's t with 10 degrees of freedom, for the two dozen
/// figures tested at once), plus 0.5% for the rounding of small cells to whole agents.
/// Xiong'an is included: its large firms are split into pieces (weighted agents), so no
/// lump of jobs pulls its population down at the smaller scale.
#[test]
fn results_agree_across_scales_within_the_spread_of_replicates() {
    let at = |scale: f64| -> Vec<Vec<f64>> {
        (0..6u64)
            .map(|seed| {
                let text = "[scenario]\nname = \"s\"\nend_year = 2030\n";
                let (_, frames) = run(&common::scenario(text, 100 + seed, scale));
                let last = frames.last().unwrap();
                let mut v: Vec<f64> = (last.cities.iter())
                    .map(|c| c.population as f64 / scale)
                    .collect();
                v.extend(
                    (last.city_sectors.iter())
                        .filter(|r| r.city == 0)
                        .map(|r| firm_agents(r.firms) / scale),
                );
                // The flows: firms moved out of Beijing, and branches it opened.
                v.push(common::last_indicator(
                    &frames,
                    "firms_moved_out_of_beijing_cum",
                ));
                v.push(
                    (frames.iter())
                        .filter_map(|f| f.indicator("branches_from_beijing"))
                        .sum(),
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
/// (1 + g)^step, and wages with it, and leaves people, jobs and firms exactly where they were, because no
/// firm becomes likelier to survive than another and no city more attractive than the
/// rest of China.
#[test]
fn the_productivity_trend_grows_output_and_wages_and_moves_nobody() {
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
                for (what, x, y) in [
                    ("output", x.output_bn, y.output_bn),
                    ("wage", x.wage, y.wage),
                ] {
                    let ratio = y / x;
                    assert!(
                        (ratio / level - 1.0).abs() < 1e-9,
                        "city {c} in {}: {what} ratio {ratio}, trend {level}",
                        a.year
                    );
                }
            }
        }
        assert!(
            moves > 100,
            "the runs have firm events to compare ({moves})"
        );
    }
}

/// `trends.growth_entrant_size` sets the jobs the growth trend's entrants bring, not
/// their number: with small entrants the firm count grows as with typical ones while the
/// jobs firms offer grow less (units outgrew employment after the 2014 registration
/// reform).
#[test]
fn small_growth_entrants_add_firms_without_as_many_jobs() {
    let text = |size: f64| {
        format!(
            "[scenario]\nname = \"growth\"\nend_year = 2030\n\n[trends]\nfirm_growth = 0.04\ngrowth_entrant_size = {size}\n"
        )
    };
    // Real firms at the end, and the jobs live firms offer (filled or not).
    let totals = |size: f64, seed: u64| {
        let (m, frames) = run(&scenario(&text(size), seed, 0.005));
        let firms: u64 = frames.last().unwrap().cities.iter().map(|c| c.firms).sum();
        let f = &m.firms;
        let offered: u64 = (0..f.len())
            .filter(|&i| f.alive()[i])
            .map(|i| u64::from(f.target()[i]))
            .sum();
        (firms as f64, offered as f64)
    };
    for seed in [11, 22] {
        let (typical_firms, typical_jobs) = totals(1.0, seed);
        let (small_firms, small_jobs) = totals(0.2, seed);
        assert!(
            (small_firms / typical_firms - 1.0).abs() < 0.02,
            "firms: {small_firms} with small entrants, {typical_firms} with typical"
        );
        assert!(
            small_jobs < 0.85 * typical_jobs,
            "jobs offered: {small_jobs} with small entrants, {typical_jobs} with typical"
        );
    }
}

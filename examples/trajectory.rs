//! Prints a run's trajectories as a regional economist first looks at them: population
//! of the region, Beijing, Tianjin, Hebei and Xiong'an, natural change and moves across
//! the border, firms, and the lowest and highest city unemployment rate, year by year.
//! Means over seeds, in real units.
//!
//! `cargo run --release --example trajectory -- SCENARIO.toml [SEEDS] [SCALE]`

use std::path::Path;

use relocsim::MemorySink;
use relocsim::engine::record::StepFrame;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .expect("usage: trajectory SCENARIO.toml [SEEDS] [SCALE]");
    let seeds: u64 = args.get(2).map_or(1, |s| s.parse().expect("seeds"));
    let text = std::fs::read_to_string(path).expect("a scenario file");
    let mut runs: Vec<Vec<StepFrame>> = Vec::new();
    let mut region = None;
    for seed in 0..seeds {
        let mut s = relocsim::scenario::Scenario::from_toml(&text, path).expect("it parses");
        s.scenario.seed += seed;
        if let Some(scale) = args.get(3) {
            s.scenario.scale = scale.parse().expect("scale");
        }
        let base = Path::new(path).parent().unwrap_or(Path::new("."));
        let r = relocsim::scenario::resolve(s, path, base).expect("it is valid");
        let mut sink = MemorySink::default();
        let model = relocsim::simulate(&r, &mut sink, |_, _| {}).expect("the run succeeds");
        if seed == 0 {
            largest_firm(&model);
        }
        region = Some(r.region.clone());
        runs.push(sink.frames);
    }
    let region = region.expect("one run");
    let scale = 1.0 / runs.len() as f64;
    let agents = region.spec.cities.iter().map(|c| c.population).sum::<u64>() as f64
        / runs[0][0].cities.iter().map(|c| c.population).sum::<u64>() as f64;
    let mean = |f: &dyn Fn(&StepFrame) -> f64, t: usize| {
        runs.iter().map(|r| f(&r[t])).sum::<f64>() * scale
    };
    let city = |name: &str| region.city_index(name);
    let hebei = region.hinterland_cities();
    println!(
        "{:>5} {:>8} {:>7} {:>7} {:>7} {:>6} {:>6} {:>6} {:>6} {:>6} {:>7} {:>6} {:>6}",
        "year",
        "region",
        "Beijing",
        "Tianjin",
        "Hebei",
        "Xiong",
        "births",
        "deaths",
        "in",
        "out",
        "firms",
        "u_min",
        "u_max"
    );
    for (t, first) in runs[0].iter().enumerate() {
        let pop = |c: Option<usize>| {
            c.map_or(0.0, |c| {
                mean(&|f| f.cities[c].population as f64, t) * agents / 1e6
            })
        };
        let sum = |g: &dyn Fn(&relocsim::engine::record::CityRow) -> u64| {
            mean(&|f| f.cities.iter().map(g).sum::<u64>() as f64, t) * agents / 1e3
        };
        let hb: f64 = hebei.iter().map(|&c| pop(Some(c))).sum();
        let rates = |f: &StepFrame| {
            f.cities
                .iter()
                .map(|c| c.unemployed as f64 / c.labour_force.max(1) as f64)
                .fold((f64::MAX, 0.0f64), |(lo, hi), u| (lo.min(u), hi.max(u)))
        };
        println!(
            "{:>5} {:>8.3} {:>7.3} {:>7.3} {:>7.3} {:>6.3} {:>6.0} {:>6.0} {:>6.0} {:>6.0} {:>7.0} {:>6.3} {:>6.3}",
            first.year,
            sum(&|c| c.population) / 1e3,
            pop(city("Beijing")),
            pop(city("Tianjin")),
            hb,
            pop(region.new_area),
            sum(&|c| c.births),
            sum(&|c| c.deaths),
            sum(&|c| c.arrivals),
            sum(&|c| c.departures),
            sum(&|c| c.firms) / f64::from(relocsim::agents::FULL_WEIGHT),
            mean(&|f| rates(f).0, t),
            mean(&|f| rates(f).1, t),
        );
    }
    let indicator = |name: &str, t: usize| {
        mean(
            &|f| {
                f.indicators
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or(f64::NAN, |(_, v)| *v)
            },
            t,
        )
    };
    let bj = city("Beijing").expect("Beijing") as u8;
    let tj = city("Tianjin").expect("Tianjin") as u8;
    let xa = region.new_area.expect("a new area") as u8;
    let hb: Vec<u8> = hebei.iter().map(|&c| c as u8).collect();
    let firms_per_agent = 1.0
        / (runs[0][0].cities.iter().map(|c| c.firms).sum::<u64>() as f64
            / region.spec.cities.iter().map(|c| c.firms).sum::<u64>() as f64);
    let moves = |f: &StepFrame, from: &[u8], to: &[u8]| {
        (f.flows.iter())
            .filter(|(k, _)| from.contains(&k.0) && to.contains(&k.1))
            .map(|(_, v)| v.firms as f64)
            .sum::<f64>()
            * firms_per_agent
    };
    let branches = |f: &StepFrame, from: &[u8], to: &[u8]| {
        (f.events.iter())
            .filter(|e| e.kind == relocsim::engine::record::EventKind::Branch)
            .filter(|e| from.contains(&e.origin.unwrap()) && to.contains(&e.destination.unwrap()))
            .map(|e| f64::from(e.weight))
            .sum::<f64>()
            * firms_per_agent
    };
    println!(
        "\nfirm flows a year (means): moves out of Beijing; moves and branches Beijing/Tianjin -> Hebei; moves and branches Beijing -> Xiong'an; branches opened by Beijing firms"
    );
    for (t, first) in runs[0].iter().enumerate().skip(1) {
        let out = indicator("firms_moved_out_of_beijing_cum", t)
            - indicator("firms_moved_out_of_beijing_cum", t - 1);
        println!(
            "{:>5} {:>7.0} {:>7.0} {:>7.0} {:>7.0} {:>7.0} {:>7.0}",
            first.year,
            out,
            mean(&|f| moves(f, &[bj, tj], &hb), t),
            mean(&|f| branches(f, &[bj, tj], &hb), t),
            mean(&|f| moves(f, &[bj], &[xa]), t),
            mean(&|f| branches(f, &[bj], &[xa]), t),
            indicator("branches_from_beijing", t)
        );
    }
    let cell = |f: &StepFrame, sector: &str| {
        let s = region.sector_index(sector).expect("a sector") as u8;
        (f.city_sectors.iter())
            .find(|r| r.city == bj && r.sector == s)
            .map_or(0.0, |r| r.firms as f64 * firms_per_agent)
    };
    let last_t = runs[0].len() - 1;
    for sector in ["manufacturing_general", "wholesale_logistics"] {
        let (a, b) = (
            mean(&|f| cell(f, sector), 0),
            mean(&|f| cell(f, sector), last_t),
        );
        println!(
            "Beijing {sector}: {a:.0} -> {b:.0} firms ({:+.0}%, {:.0} a year)",
            (b / a - 1.0) * 100.0,
            (a - b) / last_t as f64
        );
    }
    println!("\nlast year by city (first seed): population, unemployment rate, jobs, firms");
    let last = runs[0].last().expect("a step");
    for (c, row) in last.cities.iter().enumerate() {
        println!(
            "{:>14} {:>8.3} {:>6.3} {:>8.0} {:>7.0}",
            region.city(c).name,
            row.population as f64 * agents / 1e6,
            row.unemployed as f64 / row.labour_force.max(1) as f64,
            row.jobs as f64 * agents / 1e3,
            relocsim::agents::firm_agents(row.firms) * agents / 1e3,
        );
    }
}

/// The largest firm agent's share of its city's jobs, over cities, at the end of a run.
fn largest_firm(m: &relocsim::Model) {
    let n = m.region.n_cities();
    let mut largest = vec![0u32; n];
    let f = &m.firms;
    for i in 0..f.len() {
        if f.alive()[i] {
            let c = f.city()[i] as usize;
            largest[c] = largest[c].max(f.employees()[i]);
        }
    }
    let (share, c) = (0..n)
        .map(|c| (f64::from(largest[c]) / m.tally.jobs[c].max(1) as f64, c))
        .fold((0.0, 0), |a, b| if b.0 > a.0 { b } else { a });
    println!(
        "largest firm agent at the end: {:.2}% of the jobs of {}",
        share * 100.0,
        m.region.city(c).name
    );
}

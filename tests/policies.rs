//! Each policy kind moves its target the documented way against the baseline, on
//! average over several seeds (the same seeds for both: common random numbers). Each
//! shipped scenario is run once per seed and shared by every test that reads it.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use common::{SEEDS, mean, run, shipped};
use relocsim::engine::record::StepFrame;
use relocsim::policy::PolicySpec;
use relocsim::region::Region;

const SCALE: f64 = 0.005;

/// Every step of one run.
type Run = Vec<StepFrame>;

/// The runs of a shipped scenario, one per seed of [`SEEDS`], computed once per test
/// binary however many tests ask (concurrent askers wait for the first).
fn runs(name: &'static str) -> Arc<Vec<Run>> {
    type Cell = Arc<OnceLock<Arc<Vec<Run>>>>;
    static CACHE: OnceLock<Mutex<BTreeMap<&'static str, Cell>>> = OnceLock::new();
    let cell: Cell = CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap()
        .entry(name)
        .or_default()
        .clone();
    cell.get_or_init(|| {
        let frames = SEEDS.iter().map(|&s| run(&shipped(name, s, SCALE)).1);
        Arc::new(frames.collect())
    })
    .clone()
}

/// `f` of each seed's run of scenario `name`.
fn per_seed(name: &'static str, f: impl Fn(&Run) -> f64) -> Vec<f64> {
    runs(name).iter().map(f).collect()
}

/// Mean of `f` over the seeds, for the baseline and for `policy`.
fn against_baseline(policy: &'static str, f: impl Fn(&Run) -> f64) -> (f64, f64) {
    (mean(&per_seed("baseline", &f)), mean(&per_seed(policy, &f)))
}

fn region() -> Region {
    Region::embedded()
}

fn city_ids(names: &[&str]) -> Vec<u8> {
    let r = region();
    names
        .iter()
        .map(|n| r.city_index(n).expect("a city of the region") as u8)
        .collect()
}

fn sector_ids(names: &[&str]) -> Vec<u8> {
    let r = region();
    names
        .iter()
        .map(|n| r.sector_index(n).expect("a sector of the region") as u8)
        .collect()
}

/// A city column summed over `cities` at the last step.
fn cities_total(
    cities: &[&str],
    column: impl Fn(&relocsim::engine::record::CityRow) -> f64,
) -> impl Fn(&Run) -> f64 {
    let ids = city_ids(cities);
    move |run| {
        let rows = &run.last().unwrap().cities;
        ids.iter().map(|&c| column(&rows[c as usize])).sum()
    }
}

/// A city-sector column summed over `cities` x `sectors` at the last step.
fn cells_total(
    cities: &[&str],
    sectors: &[&str],
    column: impl Fn(&relocsim::engine::record::CitySectorRow) -> f64,
) -> impl Fn(&Run) -> f64 {
    let (cs, ss) = (city_ids(cities), sector_ids(sectors));
    move |run| {
        run.last()
            .unwrap()
            .city_sectors
            .iter()
            .filter(|row| cs.contains(&row.city) && ss.contains(&row.sector))
            .map(&column)
            .sum()
    }
}

fn indicator(name: &'static str) -> impl Fn(&Run) -> f64 {
    move |run| common::last_indicator(run, name)
}

/// An indicator summed over every step (flows of the whole run).
fn indicator_sum(name: &'static str) -> impl Fn(&Run) -> f64 {
    move |run| run.iter().map(|f| f.indicator(name).unwrap()).sum()
}

fn firms(row: &relocsim::engine::record::CitySectorRow) -> f64 {
    row.firms as f64
}

fn output(row: &relocsim::engine::record::CitySectorRow) -> f64 {
    row.output_bn
}

#[test]
fn non_capital_relief_leaves_fewer_targeted_firms_in_beijing() {
    let targeted = [
        "manufacturing_general",
        "heavy_industry",
        "wholesale_logistics",
    ];
    let (base, relief) = against_baseline(
        "non_capital_relief",
        cells_total(&["Beijing"], &targeted, firms),
    );
    // Through pushed moves and closures alone (the scenario asks for no entry ban):
    // about a fifth fewer by 2035 at this scale; a tenth is the margin asserted.
    assert!(relief < 0.9 * base, "relief {relief} vs baseline {base}");
    let pushed = per_seed("non_capital_relief", indicator("directed_moves_cum"));
    assert!(
        mean(&pushed) > 0.0,
        "relief's moves are government-directed"
    );
}

#[test]
fn xiongan_incentives_bring_firms_and_people_to_xiongan() {
    let (base_f, pol_f) = against_baseline("xiongan_incentives", indicator("xiongan_firms"));
    assert!(pol_f > 1.2 * base_f, "firms {pol_f} vs {base_f}");
    let (base_p, pol_p) = against_baseline("xiongan_incentives", indicator("xiongan_population"));
    assert!(pol_p > 1.05 * base_p, "population {pol_p} vs {base_p}");
}

#[test]
fn interest_compensation_shares_tax_and_raises_directed_moves() {
    let shared = per_seed("interest_compensation", indicator("shared_tax_cum_bn"));
    assert!(mean(&shared) > 0.0, "shared tax {shared:?}");
    let (base, ic) = against_baseline("interest_compensation", indicator("directed_moves_cum"));
    assert_eq!(base, 0.0);
    assert!(ic > 0.0, "directed moves {ic}");
    // With relief pushing moves, sharing lowers the origin's resistance: more of the
    // moves it leads go ahead than under relief alone.
    let relief = mean(&per_seed(
        "non_capital_relief",
        indicator("directed_moves_cum"),
    ));
    let both = mean(&per_seed("integrated", indicator("directed_moves_cum")));
    assert!(both > 1.2 * relief, "integrated {both} vs relief {relief}");
}

#[test]
fn growth_pole_raises_shijiazhuangs_firms_and_output() {
    let sjz = ["Shijiazhuang"];
    let (base, pole) = against_baseline("growth_pole", cities_total(&sjz, |c| c.firms as f64));
    assert!(pole > 1.05 * base, "firms {pole} vs baseline {base}");
    let (base, pole) = against_baseline("growth_pole", cities_total(&sjz, |c| c.output_bn));
    assert!(pole > 1.05 * base, "output {pole} vs baseline {base}");
}

#[test]
fn coastal_belt_draws_port_reliant_firms_to_the_belt() {
    let belt = ["Tianjin", "Tangshan", "Qinhuangdao", "Cangzhou"];
    let r = region();
    let port_reliant: Vec<&str> = r
        .spec
        .sectors
        .iter()
        .filter(|s| s.port_affinity >= 0.5)
        .map(|s| s.name.as_str())
        .collect();
    assert!(port_reliant.contains(&"heavy_industry"));
    let (base, pol) = against_baseline("coastal_belt", cells_total(&belt, &port_reliant, firms));
    assert!(pol > 1.03 * base, "firms {pol} vs baseline {base}");
    let (base, pol) = against_baseline("coastal_belt", cells_total(&belt, &port_reliant, output));
    assert!(pol > 1.02 * base, "output {pol} vs baseline {base}");
}

#[test]
fn innovation_community_raises_tech_output_in_its_cities() {
    let tech = ["tech_rnd", "high_end_manufacturing", "biomedicine"];
    let sjz = ["Shijiazhuang"];
    let (base, pol) = against_baseline("innovation_community", cells_total(&sjz, &tech, output));
    assert!(pol > 1.2 * base, "tech output {pol} vs baseline {base}");
    // Elsewhere the tech sectors do not gain productivity: their output per firm in
    // Tianjin stays where the baseline has it.
    let per_firm = |run: &Run| {
        cells_total(&["Tianjin"], &tech, output)(run) / cells_total(&["Tianjin"], &tech, firms)(run)
    };
    let (base, pol) = against_baseline("innovation_community", per_firm);
    assert!((pol / base - 1.0).abs() < 0.05, "Tianjin {pol} vs {base}");
}

#[test]
fn industrial_gradient_steers_designated_sectors_to_designated_cities() {
    let cities = ["Baoding", "Langfang"];
    let sectors = ["high_end_manufacturing", "biomedicine"];
    let (base, pol) =
        against_baseline("industrial_gradient", cells_total(&cities, &sectors, firms));
    assert!(
        pol > 1.2 * base,
        "designated firms {pol} vs baseline {base}"
    );
    // Sectors not designated follow only through the demand of the people the
    // designated ones draw: far less than the designated.
    let rise = pol / base - 1.0;
    let other = ["finance_business"];
    let (base, pol) = against_baseline("industrial_gradient", cells_total(&cities, &other, firms));
    assert!(
        pol / base - 1.0 < rise / 3.0,
        "undesignated firms {pol} vs baseline {base}, designated up {rise:.3}"
    );
}

#[test]
fn public_service_equalization_narrows_the_gap_and_raises_hebeis_population_share() {
    let (base, pol) = against_baseline(
        "public_service_equalization",
        indicator("public_services_gap"),
    );
    assert!(
        pol < 0.85 * base,
        "public-services gap {pol} vs baseline {base}"
    );
    let (base, pol) = against_baseline(
        "public_service_equalization",
        indicator("hebei_population_share"),
    );
    assert!(
        pol > base + 1e-4,
        "Hebei population share {pol} vs baseline {base}"
    );
    let transfers = per_seed("public_service_equalization", indicator("transfers_bn"));
    assert!(mean(&transfers) > 0.0, "transfers {transfers:?}");
}

#[test]
fn rural_micro_centers_grow_the_small_cities() {
    let small = ["Qinhuangdao", "Zhangjiakou", "Chengde", "Hengshui"];
    let pop = cities_total(&small, |c| c.population as f64);
    let (base, pol) = against_baseline("rural_micro_centers", pop);
    assert!(pol > 1.0008 * base, "population {pol} vs baseline {base}");
}

#[test]
fn ecological_cogovernance_cuts_heavy_output_and_pollution_in_its_cities() {
    let targets = ["Tangshan", "Handan", "Xingtai", "Shijiazhuang"];
    let heavy = cells_total(&targets, &["heavy_industry"], output);
    let (base, pol) = against_baseline("ecological_cogovernance", heavy);
    assert!(pol < 0.8 * base, "heavy output {pol} vs baseline {base}");
    let pollution = cities_total(&targets, |c| c.pollution);
    let (base, pol) = against_baseline("ecological_cogovernance", pollution);
    assert!(pol < 0.85 * base, "pollution {pol} vs baseline {base}");
    // Compensation moves money from Beijing and Tianjin to the conservation areas; no
    // money appears or vanishes.
    // The receivers get 500 yuan a resident a year (the scenario's), in yuan of the
    // start year, and their revenue rises by about as much.
    let receivers = ["Zhangjiakou", "Chengde"];
    let paid = per_seed(
        "ecological_cogovernance",
        cities_total(&receivers, |c| c.transfers_bn),
    );
    let due = per_seed(
        "ecological_cogovernance",
        cities_total(&receivers, |c| 500.0 * c.population as f64 / SCALE / 1e9),
    );
    assert!(
        (mean(&paid) / mean(&due) - 1.0).abs() < 1e-9,
        "paid {paid:?}, due {due:?} bn"
    );
    let revenue = cities_total(&receivers, |c| c.fiscal_revenue_bn);
    let (base, pol) = against_baseline("ecological_cogovernance", revenue);
    assert!(
        pol - base > 0.9 * mean(&paid),
        "receivers' revenue {pol} vs baseline {base}, paid {paid:?}"
    );
    for run in runs("ecological_cogovernance").iter() {
        for frame in run {
            let net: f64 = frame.cities.iter().map(|c| c.transfers_bn).sum();
            assert!(
                net.abs() < 1e-9,
                "step {}: transfers sum to {net}",
                frame.step
            );
        }
    }
}

#[test]
fn development_intensity_control_holds_beijing_at_its_cap() {
    // The example caps Beijing while factor mobility lowers barriers; factor mobility
    // alone (same seeds) lets Beijing grow past the cap.
    let scenario = shipped("development_intensity_control", SEEDS[0], SCALE);
    let cap = match &scenario.scenario.policies[0] {
        PolicySpec::DevelopmentIntensityControl(p) => p.caps["Beijing"] as f64,
        other => panic!("the example starts with the cap, not {}", other.kind()),
    };
    let b = city_ids(&["Beijing"])[0] as usize;
    // Frames count agents; a cap is in persons.
    let beijing = |run: &Run| run.last().unwrap().cities[b].population as f64 / SCALE;
    let free = mean(&per_seed("factor_mobility", beijing));
    assert!(free > 1.005 * cap, "without the cap Beijing reaches {free}");
    for (seed, run) in SEEDS
        .iter()
        .zip(runs("development_intensity_control").iter())
    {
        let mut natural = 0.0;
        for frame in run {
            // The cap rations arrivals, not births: natural increase is not refused.
            let row = &frame.cities[b];
            natural += (row.births as f64 - row.deaths as f64) / SCALE;
            let pop = row.population as f64 / SCALE - natural.max(0.0);
            // Dependents follow admitted movers by chance, so the cap holds in
            // expectation: allow 0.1% for that noise.
            assert!(
                pop <= 1.001 * cap,
                "seed {seed} step {}: Beijing {pop} (net of natural increase) over the cap {cap}",
                frame.step
            );
        }
    }
    let over = per_seed(
        "development_intensity_control",
        indicator("population_over_caps"),
    );
    assert!(mean(&over) <= 0.001 * cap, "over the cap: {over:?}");
}

#[test]
fn factor_mobility_raises_migration() {
    let (base, pol) = against_baseline("factor_mobility", indicator_sum("persons_moved"));
    assert!(pol > 1.5 * base, "persons moved {pol} vs baseline {base}");
}

#[test]
fn free_trade_zone_draws_firms_and_output_to_the_zone_cities() {
    let zone = [
        "Tianjin",
        "Beijing",
        "Xiong'an",
        "Shijiazhuang",
        "Tangshan",
        "Langfang",
    ];
    let (base, pol) = against_baseline("free_trade_zone", cities_total(&zone, |c| c.firms as f64));
    assert!(pol > 1.008 * base, "firms {pol} vs baseline {base}");
    // Output gains less than firm counts: the zone's cities hire from a labour force
    // near its frictional floor, so the firms drawn there share the same workers.
    let (base, pol) = against_baseline("free_trade_zone", cities_total(&zone, |c| c.output_bn));
    assert!(pol > 1.001 * base, "output {pol} vs baseline {base}");
}

//! Each headline policy moves its target the documented way against the baseline, on
//! average over several seeds (the same seeds for both: common random numbers).

mod common;

use common::{SEEDS, mean, run, shipped};

const SCALE: f64 = 0.005;

fn finals(
    name: &str,
    f: impl Fn(&[relocsim::record::StepFrame], &relocsim::Resolved) -> f64,
) -> Vec<f64> {
    SEEDS
        .iter()
        .map(|&seed| {
            let r = shipped(name, seed, SCALE);
            let (_, frames) = run(&r);
            f(&frames, &r)
        })
        .collect()
}

fn targeted_firms_in_beijing(
    frames: &[relocsim::record::StepFrame],
    r: &relocsim::Resolved,
) -> f64 {
    let b = r.region.city_index("Beijing").unwrap() as u8;
    let targeted: Vec<u8> = [
        "manufacturing_general",
        "heavy_industry",
        "wholesale_logistics",
    ]
    .iter()
    .map(|s| r.region.sector_index(s).unwrap() as u8)
    .collect();
    frames
        .last()
        .unwrap()
        .city_sectors
        .iter()
        .filter(|row| row.city == b && targeted.contains(&row.sector))
        .map(|row| row.firms as f64)
        .sum()
}

fn indicator(
    name: &'static str,
) -> impl Fn(&[relocsim::record::StepFrame], &relocsim::Resolved) -> f64 {
    move |frames, _| common::last_indicator(frames, name)
}

#[test]
fn non_capital_relief_leaves_fewer_targeted_firms_in_beijing() {
    let base = finals("baseline", targeted_firms_in_beijing);
    let relief = finals("non_capital_relief", targeted_firms_in_beijing);
    assert!(
        mean(&relief) < 0.8 * mean(&base),
        "relief {relief:?} vs baseline {base:?}"
    );
    let pushed = finals("non_capital_relief", indicator("directed_moves_cum"));
    assert!(
        mean(&pushed) > 0.0,
        "relief's moves are government-directed"
    );
}

#[test]
fn xiongan_incentives_bring_firms_and_people_to_xiongan() {
    let base_f = finals("baseline", indicator("xiongan_firms"));
    let pol_f = finals("xiongan_incentives", indicator("xiongan_firms"));
    assert!(
        mean(&pol_f) > 1.2 * mean(&base_f),
        "firms {pol_f:?} vs {base_f:?}"
    );
    let base_p = finals("baseline", indicator("xiongan_population"));
    let pol_p = finals("xiongan_incentives", indicator("xiongan_population"));
    assert!(
        mean(&pol_p) > 1.05 * mean(&base_p),
        "population {pol_p:?} vs {base_p:?}"
    );
}

#[test]
fn interest_compensation_shares_tax_and_raises_directed_moves() {
    let shared = finals("interest_compensation", indicator("shared_tax_cum_bn"));
    assert!(mean(&shared) > 0.0, "shared tax {shared:?}");
    let base = finals("baseline", indicator("directed_moves_cum"));
    let ic = finals("interest_compensation", indicator("directed_moves_cum"));
    assert_eq!(mean(&base), 0.0);
    assert!(mean(&ic) > 0.0, "directed moves {ic:?}");
    // With relief pushing moves, sharing lowers the origin's resistance: more of the
    // moves it leads go ahead than under relief alone.
    let relief = finals("non_capital_relief", indicator("directed_moves_cum"));
    let both = finals("integrated", indicator("directed_moves_cum"));
    assert!(
        mean(&both) > 1.2 * mean(&relief),
        "integrated {both:?} vs relief {relief:?}"
    );
}

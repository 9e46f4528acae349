//! The catalogue's own consistency: names unique and well formed, every text fillable
//! whenever its entry applies. Whether `record` writes exactly the catalogue is checked
//! on real runs in tests/indicator_catalogue.rs.

use super::*;
use std::collections::BTreeSet;

fn places(cap: bool, new_area: bool, hinterland: bool) -> Places {
    Places {
        capital: "Beijing".into(),
        capital_capped: cap,
        new_area: new_area.then(|| "Xiong'an".into()),
        hinterland: hinterland.then(|| "Hebei".into()),
    }
}

fn every_region() -> Vec<Places> {
    (0..8)
        .map(|bits| places(bits & 1 != 0, bits & 2 != 0, bits & 4 != 0))
        .collect()
}

#[test]
fn slug_keeps_letters_and_digits() {
    assert_eq!(slug("Xiong'an"), "xiongan");
    assert_eq!(slug("Beijing"), "beijing");
}

#[test]
fn places_fill_names_with_slugs_and_labels_with_names() {
    let p = places(true, true, true);
    let n = NEW_AREA_POPULATION.resolve(&p).unwrap();
    assert_eq!(n.name, "xiongan_population");
    assert_eq!(n.label, "Xiong'an population");
    assert_eq!(n.unit, Unit::Persons);
    let out = FIRMS_OUT_OF_CAPITAL_CUM.name_in(&p).unwrap();
    assert_eq!(out, "firms_moved_out_of_beijing_cum");
    assert_eq!(p.fill("{nowhere}_x", true), None);
}

#[test]
fn an_entry_applies_exactly_when_its_places_exist() {
    for p in every_region() {
        for entry in ALL {
            let applies = p.holds(entry.when);
            let resolved = entry.resolve(&p);
            assert_eq!(resolved.is_some(), applies, "{} in {p:?}", entry.name);
        }
    }
    let bare = recorded(&places(false, false, false));
    assert!(bare.iter().all(|n| n.entry.when == When::Always));
}

#[test]
fn names_are_unique_lower_case_words() {
    let names: Vec<String> = recorded(&places(true, true, true))
        .into_iter()
        .map(|n| n.name)
        .collect();
    assert_eq!(names.len(), ALL.len());
    assert_eq!(names.iter().collect::<BTreeSet<_>>().len(), names.len());
    let word = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    assert!(names.iter().all(|n| word(n)), "{names:?}");
    for columns in [
        CITY.iter().map(|c| c.name).collect::<Vec<_>>(),
        CITY_SECTOR.iter().map(|c| c.name).collect(),
        FLOW.iter().map(|c| c.name).collect(),
    ] {
        assert_eq!(columns.iter().collect::<BTreeSet<_>>().len(), columns.len());
        assert!(columns.iter().all(|n| word(n)), "{columns:?}");
    }
}

#[test]
fn every_text_is_filled_in() {
    let p = places(true, true, true);
    for n in recorded(&p) {
        for text in [&n.name, &n.label, &n.description] {
            assert!(!text.contains(['{', '}']), "{text}");
        }
        assert!(!n.entry.computed.is_empty(), "{}", n.name);
    }
}

/// Labels go into CSV fields and markdown cells: commas and bars would need quoting.
#[test]
fn labels_need_no_quoting() {
    let labels = recorded(&places(true, true, true))
        .into_iter()
        .map(|n| n.label);
    let columns = CITY.iter().map(|c| c.label.to_string());
    for label in labels.chain(columns) {
        assert!(!label.contains([',', '|', '"']), "{label}");
    }
}

#[test]
fn headline_indicators_are_recorded_ones() {
    for entry in HEADLINE {
        assert!(
            ALL.iter().any(|a| std::ptr::eq(*a, entry)),
            "{}",
            entry.name
        );
    }
    let names: Vec<String> = headline(&places(true, true, true))
        .into_iter()
        .map(|n| n.name)
        .collect();
    assert_eq!(names[..2], ["beijing_population", "beijing_cap_gap"]);
    assert_eq!(headline(&places(false, false, false)).len(), 7);
}

#[test]
fn lookups_find_names_and_columns() {
    let p = places(true, true, true);
    let found = find(&p, "hebei_output_share").unwrap();
    assert_eq!(
        (found.unit, found.label.as_str()),
        (Unit::Share, "Hebei share of output")
    );
    assert_eq!(find(&p, "nonsense"), None);
    let pop = city_column("population").unwrap();
    assert_eq!(pop.city_label("Tianjin"), "Tianjin population");
    assert!(city_column("value").is_none());
}

#[test]
fn counts_divide_by_the_scale_and_real_values_do_not() {
    assert_eq!(Amount::Agents(3).real(0.5), 1.5);
    assert_eq!(Amount::Real(3.0).real(0.5), 3.0);
    assert!(Unit::Jobs.is_count() && !Unit::BnYuan.is_count());
}

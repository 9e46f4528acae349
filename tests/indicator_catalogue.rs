//! The indicator catalogue against what runs write: the step record emits exactly the
//! catalogue's indicators for its region, in catalogue order, and the Parquet files carry
//! the catalogue's units and descriptions as Arrow metadata.

mod common;

use std::fs::File;
use std::path::Path;

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use relocsim::engine::indicators::{self, ALL, Places, When};
use relocsim::engine::record::StepFrame;
use relocsim::output::metadata::{DESCRIPTION, INDICATORS_KEY, UNIT};
use relocsim::run::runner::{RunOptions, run_to_dir};

fn short(region: Option<&Path>) -> relocsim::Resolved {
    let region = region.map_or(String::new(), |p| format!("region = {:?}\n", p));
    let text = format!("[scenario]\nname = \"catalogue\"\nend_year = 2022\n{region}");
    common::scenario(&text, 7, 0.002)
}

/// Every step records the catalogue's indicators for the region, in catalogue order.
fn assert_record_follows_catalogue(frames: &[StepFrame], places: &Places) -> Vec<String> {
    let want: Vec<String> = indicators::recorded(places)
        .into_iter()
        .map(|n| n.name)
        .collect();
    for f in frames {
        let got: Vec<&String> = f.indicators.iter().map(|(n, _)| n).collect();
        assert_eq!(got, want.iter().collect::<Vec<_>>(), "step {}", f.step);
    }
    want
}

#[test]
fn record_emits_every_catalogue_indicator_and_nothing_else() {
    let r = short(None);
    let (_, frames) = common::run(&r);
    let places = Places::of(&r.region.spec);
    let names = assert_record_follows_catalogue(&frames, &places);
    // Jing-Jin-Ji has a capped capital, a new area and a hinterland: every entry applies,
    // so an entry that record never emits fails here.
    assert_eq!(names.len(), ALL.len(), "{names:?}");
}

/// A region of Beijing and Tianjin alone: no new area, no hinterland, no cap.
fn two_cities(dir: &Path) -> std::path::PathBuf {
    let text = relocsim::region::EMBEDDED_JJJ;
    let cut = text.find("[[city]]\nname = \"Shijiazhuang\"").unwrap();
    let small = text[..cut]
        .replace("new_area = \"Xiong'an\"\n", "")
        .replace("hinterland = \"Hebei\"\n", "")
        .replace("population_cap = 23000000\n", "");
    let path = dir.join("two.toml");
    std::fs::write(&path, small).unwrap();
    path
}

#[test]
fn a_region_without_places_records_only_what_applies() {
    let dir = common::tmpdir("catalogue", "two");
    let r = short(Some(&two_cities(&dir)));
    let (_, frames) = common::run(&r);
    let places = Places::of(&r.region.spec);
    assert!(places.new_area.is_none() && !places.capital_capped);
    let names = assert_record_follows_catalogue(&frames, &places);
    let always = ALL.iter().filter(|i| i.when == When::Always).count();
    assert_eq!(names.len(), always, "{names:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

fn schema(path: &Path) -> arrow_schema::SchemaRef {
    let b = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap();
    b.schema().clone()
}

#[test]
fn parquet_value_columns_carry_unit_and_description() {
    let dir = common::tmpdir("catalogue", "metadata");
    let r = short(None);
    let opts = RunOptions {
        out: dir.join("run"),
        threads: 1,
        force: true,
        command_line: vec!["test".into()],
        ..Default::default()
    };
    run_to_dir(&r, &opts, |_, _| {}).unwrap();
    let tables = [
        (
            "cities",
            indicators::CITY
                .map(|c| (c.name, c.unit, c.description))
                .to_vec(),
        ),
        (
            "city_sectors",
            indicators::CITY_SECTOR
                .map(|c| (c.name, c.unit, c.description))
                .to_vec(),
        ),
        (
            "flows",
            indicators::FLOW
                .map(|c| (c.name, c.unit, c.description))
                .to_vec(),
        ),
    ];
    for (table, columns) in tables {
        let s = schema(&dir.join(format!("run/{table}.parquet")));
        for (name, unit, description) in columns {
            let m = s.field_with_name(name).unwrap().metadata();
            assert_eq!(
                m.get(UNIT).map(String::as_str),
                Some(unit.name()),
                "{table}.{name}"
            );
            assert_eq!(m.get(DESCRIPTION).map(String::as_str), Some(description));
        }
        // Key columns say what they are and, having no unit, carry none.
        let step = s.field_with_name("step").unwrap().metadata();
        assert!(
            step.get(DESCRIPTION)
                .is_some_and(|d| d.contains("step number"))
        );
        assert!(!step.contains_key(UNIT), "{table}.step has no unit");
        for f in s.fields() {
            assert!(
                f.metadata().contains_key(DESCRIPTION),
                "{table}.{} undescribed",
                f.name()
            );
        }
    }
    let s = schema(&dir.join("run/indicators.parquet"));
    let listing: Vec<serde_json::Value> =
        serde_json::from_str(&s.metadata()[INDICATORS_KEY]).unwrap();
    let want = indicators::recorded(&Places::of(&r.region.spec));
    assert_eq!(listing.len(), want.len());
    for (got, want) in listing.iter().zip(&want) {
        assert_eq!(got["name"], want.name.as_str());
        assert_eq!(got["label"], want.label.as_str());
        assert_eq!(got["unit"], want.unit.name());
        assert_eq!(got["description"], want.description.as_str());
    }
    std::fs::remove_dir_all(dir).unwrap();
}

//! The run directory: readable Parquet with the documented schema, row counts matching
//! the manifest, byte-identical files for the same seed at any thread count, and safe
//! handling of existing runs and bad input.

mod common;

use common::{checksums, relocsim};

use std::fs::File;
use std::path::Path;

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use relocsim::output::Manifest;
use relocsim::run::runner::{RunOptions, run_to_dir};

fn run_into(
    dir: &Path,
    scenario: &str,
    seed: u64,
    scale: f64,
    threads: usize,
    snapshot: Option<u32>,
) -> Manifest {
    let r = common::shipped(scenario, seed, scale);
    let opts = RunOptions {
        out: dir.to_path_buf(),
        threads,
        force: true,
        snapshot_every: snapshot,
        command_line: vec!["test".into()],
        ..Default::default()
    };
    run_to_dir(&r, &opts, |_, _| {})
        .expect("run succeeds")
        .manifest
}

fn columns(path: &Path) -> (Vec<(String, String, bool)>, u64, usize) {
    let b = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap();
    let schema = b.schema().clone();
    let meta = b.metadata().clone();
    let rows = meta.file_metadata().num_rows() as u64;
    let groups = meta.num_row_groups();
    // Reading every batch proves the file decodes, not only its footer.
    let read: usize = b
        .build()
        .unwrap()
        .map(|batch| batch.unwrap().num_rows())
        .sum();
    assert_eq!(read as u64, rows);
    let cols = schema
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().to_string(), f.is_nullable()))
        .collect();
    (cols, rows, groups)
}

fn names(cols: &[(String, String, bool)]) -> Vec<&str> {
    cols.iter().map(|c| c.0.as_str()).collect()
}

#[test]
fn parquet_files_have_the_documented_schema_and_row_counts() {
    let dir = common::tmpdir("output", "schema");
    let out = dir.join("run");
    let m = run_into(&out, "integrated", 3, 0.002, 2, Some(5));
    let steps = 16; // 2020 plus 15 yearly steps
    let (cities, rows, groups) = columns(&out.join("cities.parquet"));
    assert_eq!(
        names(&cities),
        [
            "step",
            "year",
            "city",
            "population",
            "labour_force",
            "workers",
            "unemployed",
            "jobs",
            "commuters_out",
            "firms",
            "output",
            "wage",
            "housing_cost",
            "public_services",
            "fiscal_revenue",
            "shared_tax_in",
            "transfers",
            "pollution",
            "births",
            "deaths",
            "arrivals_from_outside",
            "departures_to_outside"
        ]
    );
    assert_eq!(cities[0].1, "Int32");
    assert_eq!(cities[3].1, "Float64");
    assert_eq!(
        (rows, groups),
        (14 * steps, steps as usize),
        "one row group per step"
    );
    let (cs, rows, _) = columns(&out.join("city_sectors.parquet"));
    assert_eq!(
        names(&cs),
        [
            "step",
            "year",
            "city",
            "sector",
            "firms",
            "employment",
            "output"
        ]
    );
    assert_eq!(rows, 14 * 9 * steps);
    let (flows, _, _) = columns(&out.join("flows.parquet"));
    assert_eq!(
        names(&flows),
        [
            "step",
            "year",
            "origin",
            "destination",
            "sector",
            "firms",
            "jobs",
            "persons"
        ]
    );
    assert!(
        flows[4].2,
        "flows.sector is nullable (null = moves not tied to a firm)"
    );
    let (ind, rows, _) = columns(&out.join("indicators.parquet"));
    assert_eq!(names(&ind), ["step", "year", "indicator", "value"]);
    assert_eq!(rows % steps, 0);
    let (ev, _, _) = columns(&out.join("events.parquet"));
    assert_eq!(
        names(&ev),
        [
            "step",
            "year",
            "firm_id",
            "sector",
            "employees",
            "jobs",
            "firms",
            "origin",
            "destination",
            "event",
            "cause",
            "directed"
        ]
    );
    let (firms, _, fg) = columns(&out.join("firms.parquet"));
    assert_eq!(firms[2].0, "firm_id");
    assert_eq!(fg, 4, "snapshots at steps 0, 5, 10 and 15");
    let (persons, _, _) = columns(&out.join("persons.parquet"));
    assert_eq!(
        names(&persons),
        [
            "step",
            "year",
            "person_id",
            "city",
            "hukou_city",
            "skill",
            "employer",
            "work_city"
        ]
    );

    // Every column of every data file says what it holds, for a reader of a lone file.
    for table in [
        "cities",
        "city_sectors",
        "flows",
        "indicators",
        "events",
        "firms",
        "persons",
    ] {
        let file = std::fs::File::open(out.join(format!("{table}.parquet"))).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
        for f in reader.schema().fields() {
            assert!(
                f.metadata()
                    .get("description")
                    .is_some_and(|d| !d.is_empty()),
                "{table}.{} has no description",
                f.name()
            );
        }
    }

    // The manifest lists every data file with its true row count and checksum.
    let read = Manifest::read(&out.join("manifest.toml")).unwrap();
    assert_eq!(read, m);
    assert_eq!(m.files.len(), 7);
    for f in &m.files {
        let (_, rows, _) = columns(&out.join(&f.name));
        assert_eq!(rows, f.rows, "{}", f.name);
        assert_eq!(
            relocsim::digest::sha256_file(&out.join(&f.name)).unwrap(),
            f.sha256
        );
    }
    // No machine-dependent values in the data files' key-value metadata.
    let b =
        ParquetRecordBatchReaderBuilder::try_new(File::open(out.join("cities.parquet")).unwrap())
            .unwrap();
    let kv = b
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .cloned()
        .unwrap_or_default();
    assert!(kv.iter().all(|k| k.key == "ARROW:schema"), "{kv:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn same_seed_gives_identical_files_at_any_thread_count() {
    let dir = common::tmpdir("output", "determinism");
    let a = run_into(&dir.join("a"), "integrated", 9, 0.003, 1, Some(5));
    let b = run_into(&dir.join("b"), "integrated", 9, 0.003, 1, Some(5));
    let c = run_into(&dir.join("c"), "integrated", 9, 0.003, 2, Some(5));
    let d = run_into(&dir.join("d"), "integrated", 9, 0.003, 4, Some(5));
    assert_eq!(checksums(&a), checksums(&b), "same seed twice");
    assert_eq!(checksums(&a), checksums(&c), "1 thread vs 2 threads");
    assert_eq!(checksums(&a), checksums(&d), "1 thread vs 4 threads");
    // Every policy mechanism at once, too (transfers, caps, follower housing, ...).
    let e1 = run_into(&dir.join("essay1"), "seed_essay", 9, 0.003, 1, Some(5));
    let e2 = run_into(&dir.join("essay2"), "seed_essay", 9, 0.003, 2, Some(5));
    assert_eq!(checksums(&e1), checksums(&e2), "seed_essay: 1 vs 2 threads");
    let other = run_into(&dir.join("e"), "integrated", 10, 0.003, 2, None);
    assert_ne!(
        checksums(&a)[0],
        checksums(&other)[0],
        "another seed gives another run"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_existing_run_is_not_overwritten_without_force() {
    let dir = common::tmpdir("output", "overwrite");
    let out = dir.join("run");
    let scen = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml");
    let o = out.to_str().unwrap();
    let first = relocsim(&["run", scen, "--scale", "0.001", "--out", o, "--quiet"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let before = std::fs::read(out.join("manifest.toml")).unwrap();
    let again = relocsim(&[
        "run", scen, "--scale", "0.001", "--seed", "5", "--out", o, "--quiet",
    ]);
    assert_eq!(again.status.code(), Some(2));
    let msg = String::from_utf8_lossy(&again.stderr);
    assert!(
        msg.contains("exists already") && msg.contains("--force"),
        "{msg}"
    );
    assert_eq!(
        std::fs::read(out.join("manifest.toml")).unwrap(),
        before,
        "untouched"
    );
    let forced = relocsim(&[
        "run", scen, "--scale", "0.001", "--seed", "5", "--out", o, "--quiet", "--force",
    ]);
    assert!(forced.status.success());
    assert_ne!(std::fs::read(out.join("manifest.toml")).unwrap(), before);
    assert!(
        !dir.join(".run.partial").exists(),
        "no partial directory left behind"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_bad_scenario_is_refused_with_the_key_and_the_valid_values() {
    let dir = common::tmpdir("output", "bad");
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "[scenario]\nname = \"bad\"\nscale = 200.0\n\n[[policy]]\nkind = \"non_capital_relief\"\nstart = 2020\nend = 2040\ncities = [\"Beijng\"]\n",
    )
    .unwrap();
    let o = relocsim(&[
        "run",
        bad.to_str().unwrap(),
        "--out",
        dir.join("x").to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let msg = String::from_utf8_lossy(&o.stderr);
    assert!(msg.contains("bad.toml"), "{msg}");
    assert!(msg.contains("scenario.scale = 200"), "{msg}");
    assert!(
        msg.contains("unknown city \"Beijng\"") && msg.contains("Beijing, Tianjin"),
        "{msg}"
    );
    assert!(msg.contains("outside the simulated years"), "{msg}");
    assert!(!msg.contains("panicked"), "{msg}");
    assert!(!dir.join("x").exists(), "nothing written for invalid input");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_manifest_runs_again_as_a_scenario() {
    let dir = common::tmpdir("output", "manifest");
    let first = run_into(&dir.join("a"), "xiongan_incentives", 4, 0.002, 2, None);
    let again = relocsim(&[
        "run",
        dir.join("a/manifest.toml").to_str().unwrap(),
        "--out",
        dir.join("b").to_str().unwrap(),
        "--quiet",
    ]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let second = Manifest::read(&dir.join("b/manifest.toml")).unwrap();
    assert_eq!(checksums(&first), checksums(&second));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_scenario_can_name_its_own_region_file() {
    let dir = common::tmpdir("output", "region");
    // A two-city variant: drop every city but the first two and rename the region.
    let text = relocsim::region::EMBEDDED_JJJ;
    let cut = text.find("[[city]]\nname = \"Shijiazhuang\"").unwrap();
    let small = text[..cut]
        .replace("name = \"jing-jin-ji\"", "name = \"two-cities\"")
        .replace("new_area = \"Xiong'an\"\n", "")
        .replace("hinterland = \"Hebei\"\n", "");
    std::fs::write(dir.join("two.toml"), &small).unwrap();
    std::fs::write(
        dir.join("s.toml"),
        "[scenario]\nname = \"two\"\nscale = 0.001\nregion = \"two.toml\"\n",
    )
    .unwrap();
    let out = dir.join("run");
    let o = relocsim(&[
        "run",
        dir.join("s.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m = Manifest::read(&out.join("manifest.toml")).unwrap();
    assert!(m.region_source.ends_with("two.toml"), "{}", m.region_source);
    let region = relocsim::scenario::validate::region_file(&small, "two.toml").unwrap();
    assert_eq!(m.region_sha256, region.sha256());
    // The manifest carries the region inline: it runs again from anywhere.
    let moved = dir.join("elsewhere");
    std::fs::create_dir_all(&moved).unwrap();
    std::fs::copy(out.join("manifest.toml"), moved.join("m.toml")).unwrap();
    std::fs::remove_file(dir.join("two.toml")).unwrap();
    let again = relocsim(&["validate", moved.join("m.toml").to_str().unwrap()]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(String::from_utf8_lossy(&again.stdout).contains("2 cities"));
    let (_, rows, _) = columns(&out.join("cities.parquet"));
    assert_eq!(rows, 2 * 16, "two cities, sixteen steps");
    std::fs::remove_dir_all(dir).unwrap();
}

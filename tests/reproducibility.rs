//! Seeded experiments replay byte for byte (issue: researchers republish runs), and
//! scenarios compared with the same seed differ by the policy, not by noise.

mod common;

use common::{checksums, relocsim};

use std::path::Path;

use common::{mean, run, sd, shipped};
use relocsim::output::Manifest;
use relocsim::run::runner::{RunOptions, run_to_dir};

fn run_into(dir: &Path, r: &relocsim::Resolved, threads: usize) -> Manifest {
    let opts = RunOptions {
        out: dir.to_path_buf(),
        threads,
        force: true,
        snapshot_every: Some(4),
        command_line: vec!["test".into()],
        ..Default::default()
    };
    run_to_dir(r, &opts, |_, _| {})
        .expect("run succeeds")
        .manifest
}

#[test]
fn identical_files_at_1_2_8_and_16_threads() {
    let dir = common::tmpdir("repro", "threads");
    let r = shipped("integrated", 12, 0.002);
    let one = checksums(&run_into(&dir.join("t1"), &r, 1));
    for threads in [2, 8, 16] {
        let other = checksums(&run_into(&dir.join(format!("t{threads}")), &r, threads));
        assert_eq!(one, other, "1 thread vs {threads} threads");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// The golden run: a small scenario whose data-file checksums are pinned in
/// tests/golden/integrated.toml. A change of model behaviour changes them; update them
/// on purpose with `RELOCSIM_BLESS=1 cargo test --test reproducibility golden` and say
/// why in the commit message.
#[test]
fn golden_checksums_are_unchanged() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/integrated.toml");
    let mut r = shipped("integrated", 20200101, 0.002);
    r.scenario.scenario.end_year = 2025;
    let dir = common::tmpdir("repro", "golden");
    let got: toml::Table = checksums(&run_into(&dir.join("run"), &r, 2))
        .into_iter()
        .map(|(k, v)| (k, toml::Value::String(v)))
        .collect();
    std::fs::remove_dir_all(dir).unwrap();
    if std::env::var_os("RELOCSIM_BLESS").is_some() {
        let text = format!(
            "# sha256 of each data file of scenarios/integrated.toml at scale 0.002, seed 20200101,\n\
             # 2020-2025, snapshots every 4 steps. Regenerate: RELOCSIM_BLESS=1 cargo test --test reproducibility golden\n{}",
            toml::to_string(&got).unwrap()
        );
        std::fs::write(&golden, text).unwrap();
        return;
    }
    let want: toml::Table =
        toml::from_str(&std::fs::read_to_string(&golden).expect("golden file exists")).unwrap();
    assert_eq!(
        got, want,
        "model output changed: if on purpose, bless the new checksums and say why"
    );
}

/// Common random numbers: with shared seeds the policy-minus-baseline difference varies
/// much less across seeds than with independent seeds.
#[test]
fn shared_seeds_shrink_the_spread_of_policy_effects() {
    let seeds: Vec<u64> = (1..=8).collect();
    let scale = 0.003;
    let ind = "firms_moved_out_of_beijing_cum";
    let value =
        |name: &str, seed: u64| common::last_indicator(&run(&shipped(name, seed, scale)).1, ind);
    let base: Vec<f64> = seeds.iter().map(|&s| value("baseline", s)).collect();
    let same: Vec<f64> = seeds
        .iter()
        .map(|&s| value("non_capital_relief", s))
        .collect();
    let other: Vec<f64> = seeds
        .iter()
        .map(|&s| value("non_capital_relief", s + 1000))
        .collect();
    let shared: Vec<f64> = same.iter().zip(&base).map(|(p, b)| p - b).collect();
    let independent: Vec<f64> = other.iter().zip(&base).map(|(p, b)| p - b).collect();
    assert!(
        mean(&shared) > 0.0,
        "relief moves firms out of Beijing: {shared:?}"
    );
    assert!(
        sd(&shared) < 0.6 * sd(&independent),
        "spread with shared seeds {:.1} vs independent {:.1}",
        sd(&shared),
        sd(&independent)
    );
}

#[test]
fn replay_confirms_a_run_and_names_the_file_that_changed() {
    let dir = common::tmpdir("repro", "replay");
    let out = dir.join("run");
    let scen = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/integrated.toml");
    let o = out.to_str().unwrap();
    let made = relocsim(&[
        "run",
        scen,
        "--scale",
        "0.002",
        "--threads",
        "1",
        "--out",
        o,
        "--quiet",
        "--snapshot-every",
        "5",
    ]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let ok = relocsim(&["replay", o, "--threads", "2", "--quiet"]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("all 7 data files identical"));

    // One flipped byte inside a data page: replay fails and names the place.
    let path = out.join("flows.parquet");
    let reader =
        parquet::file::reader::SerializedFileReader::new(std::fs::File::open(&path).unwrap())
            .unwrap();
    let (start, len) = parquet::file::reader::FileReader::metadata(&reader)
        .row_group(1)
        .column(3)
        .byte_range();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[(start + len / 2) as usize] ^= 0x01;
    let changed = dir.join("changed.parquet");
    std::fs::write(&changed, &bytes).unwrap();
    let place = relocsim::run::replay::first_difference(&path, &changed).unwrap();
    assert!(place.starts_with("row group 1, column "), "{place}");
    // In the run directory, the change is caught against the manifest before anything
    // runs.
    std::fs::write(&path, bytes).unwrap();
    let bad = relocsim(&["replay", o, "--quiet"]);
    assert_eq!(bad.status.code(), Some(1));
    let msg = String::from_utf8_lossy(&bad.stderr);
    assert!(
        msg.contains("flows.parquet: does not match the SHA-256 its manifest records"),
        "{msg}"
    );
    assert!(bad.stdout.is_empty(), "nothing was replayed");
    std::fs::remove_dir_all(dir).unwrap();
}

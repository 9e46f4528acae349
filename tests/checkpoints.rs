//! A damaged or foreign checkpoint is refused, never resumed into different data and
//! never a panic: one flipped bit anywhere in `state.bin`, a truncated or foreign
//! `state.bin`, a damaged or extra data file among the saved ones, an edited or older
//! `checkpoint.toml`. Every refusal names the file, leaves the interrupted run as it was
//! and, from the command line, exits 1.

mod common;

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use relocsim::output::{Manifest, RunStatus};
use relocsim::run::runner::{self, RunOptions};

fn opts(out: &Path) -> RunOptions {
    RunOptions {
        out: out.to_path_buf(),
        threads: 2,
        force: false,
        snapshot_every: Some(5),
        checkpoint_every: None,
        command_line: vec!["test".into()],
        stop: Some(Arc::new(AtomicBool::new(false))),
        stop_grace: None,
    }
}

/// `dir/name`: a run of `scenario` stopped after step 7, its checkpoint holding every
/// kind of data file (snapshots every 5 steps).
fn interrupted(dir: &Path, name: &str, scenario: &str, seed: u64) -> PathBuf {
    let r = common::shipped(scenario, seed, 0.003);
    let out = dir.join(name);
    let o = opts(&out);
    let stop = o.stop.clone().unwrap();
    let run = runner::run_to_dir(&r, &o, |m, _| {
        if m.step == 7 {
            stop.store(true, Ordering::SeqCst);
        }
    })
    .unwrap();
    assert!(run.interrupted());
    out
}

/// The error resuming the run at `run` gives: not a panic, not a resumed run, not an
/// input error; the run stays interrupted and no resumed run is left half-written.
fn refusal(run: &Path) -> String {
    let outcome =
        std::panic::catch_unwind(AssertUnwindSafe(|| runner::resume(&opts(run), |_, _| {})));
    let err = match outcome {
        Err(_) => panic!("resuming {} panicked", run.display()),
        Ok(Ok(_)) => panic!("{} was resumed from a damaged checkpoint", run.display()),
        Ok(Err(e)) => e,
    };
    assert!(!err.is_input_error(), "{err}");
    let m = Manifest::read(&run.join("manifest.toml")).unwrap();
    assert_eq!(m.status, RunStatus::Interrupted);
    let resuming = run.with_file_name(".run.resuming");
    assert!(!resuming.exists(), "{} exists", resuming.display());
    err.to_string()
}

/// Asserts that resuming `run` is refused with a message naming `file`.
fn refused_naming(run: &Path, file: &Path) -> String {
    let msg = refusal(run);
    assert!(msg.contains(&file.display().to_string()), "{msg}");
    assert!(msg.contains("cannot resume"), "{msg}");
    msg
}

/// Widths of the columns of `state.bin` in the order they are written: the step, the
/// firm columns, the person columns, the city columns and the cumulative totals.
const WIDTHS: [usize; 30] = [
    4, 8, 1, 1, 1, 4, 4, 4, 2, 1, 2, 1, 1, 1, 1, 4, 4, 4, 1, 1, 1, 4, 1, 8, 8, 8, 8, 8, 8, 8,
];

/// For each column of `state`, the offsets of its length and of its middle value.
fn column_offsets(state: &[u8]) -> Vec<(usize, usize)> {
    let mut at = 16;
    WIDTHS
        .iter()
        .map(|&w| {
            let n = u64::from_le_bytes(state[at..at + 8].try_into().unwrap()) as usize;
            assert!(n > 0, "every column holds values");
            let column = (at, at + 8 + n / 2 * w);
            at += 8 + n * w;
            column
        })
        .collect()
}

#[test]
fn a_flipped_bit_anywhere_in_state_bin_is_refused() {
    let dir = common::tmpdir("checkpoints", "flip");
    let run = interrupted(&dir, "run", "integrated", 5);
    let state = run.join("checkpoint/state.bin");
    let pristine = std::fs::read(&state).unwrap();
    let mut positions = vec![(3, 0), (pristine.len() - 1, 7)];
    for (k, (length, value)) in column_offsets(&pristine).into_iter().enumerate() {
        positions.push((length + k % 8, k % 8));
        positions.push((value, (3 * k) % 8));
    }
    assert!(positions.len() >= 20);
    for (byte, bit) in positions {
        let mut bytes = pristine.clone();
        bytes[byte] ^= 1 << bit;
        std::fs::write(&state, &bytes).unwrap();
        let msg = refused_naming(&run, &state);
        assert!(
            msg.contains("damaged checkpoint"),
            "byte {byte} bit {bit}: {msg}"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_truncated_or_extended_state_bin_is_refused() {
    let dir = common::tmpdir("checkpoints", "truncated");
    let run = interrupted(&dir, "run", "integrated", 5);
    let state = run.join("checkpoint/state.bin");
    let pristine = std::fs::read(&state).unwrap();
    let n = pristine.len();
    for keep in [0, 10, 30, n / 3, n / 2, n - 1] {
        std::fs::write(&state, &pristine[..keep]).unwrap();
        let msg = refused_naming(&run, &state);
        assert!(msg.contains("damaged checkpoint"), "{keep} bytes: {msg}");
    }
    let mut longer = pristine.clone();
    longer.extend_from_slice(&[0; 8]);
    std::fs::write(&state, &longer).unwrap();
    refused_naming(&run, &state);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_state_of_another_run_is_refused() {
    let dir = common::tmpdir("checkpoints", "foreign");
    let run = interrupted(&dir, "run", "integrated", 5);
    let other = interrupted(&dir, "other", "baseline", 6);
    let (ckpt, theirs) = (run.join("checkpoint"), other.join("checkpoint"));
    std::fs::copy(theirs.join("state.bin"), ckpt.join("state.bin")).unwrap();
    let msg = refused_naming(&run, &ckpt.join("state.bin"));
    assert!(msg.contains("checksum mismatch"), "{msg}");
    // With the other run's checkpoint.toml the state's checksum matches, but the
    // scenario and data files are still this run's.
    std::fs::copy(theirs.join("checkpoint.toml"), ckpt.join("checkpoint.toml")).unwrap();
    let msg = refusal(&run);
    assert!(msg.contains("checksum mismatch"), "{msg}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_damaged_or_extra_data_file_in_the_checkpoint_is_refused() {
    let dir = common::tmpdir("checkpoints", "parquet");
    let run = interrupted(&dir, "run", "integrated", 5);
    let ckpt = run.join("checkpoint");
    for name in ["cities.parquet", "firms.parquet"] {
        let path = ckpt.join(name);
        let pristine = std::fs::read(&path).unwrap();
        let mut bytes = pristine.clone();
        bytes[pristine.len() / 2] ^= 0x10;
        std::fs::write(&path, &bytes).unwrap();
        let msg = refused_naming(&run, &path);
        assert!(msg.contains("checksum mismatch"), "{msg}");
        std::fs::write(&path, &pristine).unwrap();
    }
    let extra = ckpt.join("extra.parquet");
    std::fs::copy(ckpt.join("cities.parquet"), &extra).unwrap();
    refused_naming(&run, &extra);
    std::fs::remove_file(&extra).unwrap();
    std::fs::remove_file(ckpt.join("flows.parquet")).unwrap();
    refused_naming(&run, &ckpt.join("flows.parquet"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_edited_or_older_checkpoint_toml_is_refused() {
    let dir = common::tmpdir("checkpoints", "meta");
    let run = interrupted(&dir, "run", "integrated", 5);
    let meta = run.join("checkpoint/checkpoint.toml");
    let pristine = std::fs::read_to_string(&meta).unwrap();
    assert!(pristine.starts_with("format = 3\n"), "{pristine}");
    let edits = [
        ("step = 7", "step = 6", "checksum mismatch"),
        (
            "snapshot_every = 5",
            "snapshot_every = 4",
            "checksum mismatch",
        ),
        ("format = 3", "format = 2", "written by an older relocsim"),
        ("format = 3", "format = 4", "reads format 3 only"),
        ("format = 3", "", "written by an older relocsim"),
    ];
    for (from, to, want) in edits {
        assert!(pristine.contains(from), "{pristine}");
        std::fs::write(&meta, pristine.replacen(from, to, 1)).unwrap();
        let msg = refused_naming(&run, &meta);
        assert!(msg.contains(want), "{from} -> {to}: {msg}");
    }
    // A checkpoint.toml as format 1 wrote it: the run settings alone, no checksums.
    let run_table = pristine.split("[run]\n").nth(1).unwrap();
    let format_1 = run_table.split("\n[files]").next().unwrap();
    std::fs::write(&meta, format_1).unwrap();
    let msg = refused_naming(&run, &meta);
    assert!(msg.contains("written by an older relocsim"), "{msg}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_command_exits_1_naming_the_damaged_file() {
    let dir = common::tmpdir("checkpoints", "cli");
    let run = interrupted(&dir, "run", "integrated", 5);
    let state = run.join("checkpoint/state.bin");
    let mut bytes = std::fs::read(&state).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&state, &bytes).unwrap();
    let out = common::relocsim(&["run", "--resume", run.to_str().unwrap(), "--quiet"]);
    let msg = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{msg}");
    assert!(msg.contains(&state.display().to_string()), "{msg}");
    assert!(msg.contains("cannot resume"), "{msg}");
    assert!(!msg.contains("panicked"), "{msg}");
    std::fs::remove_dir_all(dir).unwrap();
}

//! Long runs survive interruption: a stop request ends a run at a step boundary with a
//! checkpoint, a resumed run ends byte-identical to an uninterrupted one (also after a
//! hard kill), and resource problems are refused or reported without a run that looks
//! complete.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use relocsim::Sink;
use relocsim::output::{Manifest, RunStatus};
use relocsim::run::runner::{self, RunOptions};

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("relocsim-faults-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn opts(out: &Path, checkpoint_every: Option<u32>) -> RunOptions {
    RunOptions {
        out: out.to_path_buf(),
        threads: 2,
        force: false,
        snapshot_every: Some(5),
        checkpoint_every,
        command_line: vec!["test".into()],
        stop: Some(Arc::new(AtomicBool::new(false))),
        stop_grace: None,
    }
}

fn checksums(m: &Manifest) -> Vec<(String, u64, String)> {
    m.files
        .iter()
        .map(|f| (f.name.clone(), f.rows, f.sha256.clone()))
        .collect()
}

fn reference(dir: &Path) -> Manifest {
    let r = common::shipped("integrated", 5, 0.003);
    runner::run_to_dir(&r, &opts(&dir.join("whole"), None), |_, _| {})
        .unwrap()
        .manifest
}

#[test]
fn a_stopped_run_resumes_to_the_same_bytes() {
    let dir = tmpdir("stop");
    let whole = reference(&dir);
    let r = common::shipped("integrated", 5, 0.003);
    let o = opts(&dir.join("run"), None);
    let stop = o.stop.clone().unwrap();
    let first = runner::run_to_dir(&r, &o, |m, _| {
        if m.step == 7 {
            stop.store(true, Ordering::SeqCst);
        }
    })
    .unwrap();
    assert!(first.interrupted());
    assert_eq!(first.manifest.steps_completed, 7);
    let on_disk = Manifest::read(&dir.join("run/manifest.toml")).unwrap();
    assert_eq!(on_disk.status, RunStatus::Interrupted);
    assert!(dir.join("run/checkpoint/state.bin").exists());
    let (_, rows, _) = &checksums(&on_disk)[0];
    assert_eq!(
        *rows,
        14 * 8,
        "cities.parquet holds steps 0 to 7, closed and readable"
    );

    let resumed = runner::resume(&opts(&dir.join("run"), None), |_, _| {}).unwrap();
    assert_eq!(resumed.manifest.status, RunStatus::Complete);
    assert_eq!(resumed.manifest.resumed_from_step, Some(7));
    assert_eq!(checksums(&resumed.manifest), checksums(&whole));
    assert!(
        !dir.join("run/checkpoint").exists(),
        "a complete run keeps no checkpoint"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn a_killed_run_resumes_from_its_last_checkpoint() {
    let dir = tmpdir("kill");
    let whole = reference(&dir);
    let r = common::shipped("integrated", 5, 0.003);
    // What a kill -9 after step 10 leaves on disk: the hidden partial directory with
    // unfinished Parquet files and the checkpoint of step 8.
    let out = dir.join("run");
    let partial = dir.join(".run.partial");
    let frozen = dir.join("frozen");
    runner::run_to_dir(&r, &opts(&out, Some(4)), |m, _| {
        if m.step == 10 {
            copy_dir(&partial, &frozen);
        }
    })
    .unwrap();
    std::fs::remove_dir_all(&out).unwrap();
    std::fs::rename(&frozen, &partial).unwrap();
    let resumed = runner::resume(&opts(&out, None), |_, _| {}).unwrap();
    assert_eq!(resumed.manifest.resumed_from_step, Some(8));
    assert_eq!(
        resumed.manifest.checkpoint_every,
        Some(4),
        "settings come from the checkpoint"
    );
    assert_eq!(checksums(&resumed.manifest), checksums(&whole));
    assert!(!partial.exists());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn nothing_to_resume_is_a_clear_input_error() {
    let dir = tmpdir("none");
    let err = runner::resume(&opts(&dir.join("nope"), None), |_, _| {})
        .err()
        .unwrap();
    assert!(err.is_input_error());
    assert!(err.to_string().contains("nothing to resume"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

fn relocsim(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_relocsim"));
    c.args(args);
    c
}

#[test]
fn sigterm_stops_the_command_at_a_step_boundary_and_resume_finishes_it() {
    let dir = tmpdir("sigterm");
    let scen = common::long_scenario(&dir);
    let out = dir.join("run");
    let child = relocsim(&[
        "run",
        scen.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ])
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let done = child.wait_with_output().unwrap();
    let msg = String::from_utf8_lossy(&done.stderr);
    assert_eq!(done.status.code(), Some(1), "{msg}");
    assert!(msg.contains("--resume"), "{msg}");
    let m = Manifest::read(&out.join("manifest.toml")).unwrap();
    assert_eq!(m.status, RunStatus::Interrupted);
    assert!(m.steps_completed < 280);
    let again = relocsim(&["run", "--resume", out.to_str().unwrap(), "--quiet"])
        .output()
        .unwrap();
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let m = Manifest::read(&out.join("manifest.toml")).unwrap();
    assert_eq!((m.status, m.steps_completed), (RunStatus::Complete, 280));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_second_signal_aborts_and_leaves_nothing_that_looks_like_a_run() {
    let dir = tmpdir("abort");
    let scen = common::long_scenario(&dir);
    let out = dir.join("run");
    let child = relocsim(&[
        "run",
        scen.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ])
    .spawn()
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    for _ in 0..2 {
        Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let status = child.wait_with_output().unwrap().status;
    assert_eq!(status.code(), Some(130));
    assert!(!out.exists(), "no run directory appears");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_scale_too_large_for_memory_is_refused_before_allocating() {
    let r = common::shipped("baseline", 1, 100.0);
    let needed = relocsim::resources::estimate_bytes(&r);
    let available = relocsim::resources::available_bytes().expect("Linux reports MemAvailable");
    assert!(
        needed > available,
        "this test needs a machine with less than {needed} bytes available"
    );
    let scen = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml");
    let dir = tmpdir("memory");
    let out = dir.join("x");
    let o = relocsim(&[
        "run",
        scen,
        "--scale",
        "100",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ])
    .output()
    .unwrap();
    let msg = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{msg}");
    assert!(
        msg.contains("GiB") && msg.contains("largest scale that fits"),
        "{msg}"
    );
    assert!(!out.exists() && !dir.join(".x.partial").exists());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_full_disk_names_the_file_that_could_not_be_written() {
    let dir = tmpdir("full");
    // /dev/full fails every write with "No space left on device".
    for name in ["cities", "city_sectors", "flows", "indicators", "events"] {
        std::os::unix::fs::symlink("/dev/full", dir.join(format!("{name}.parquet"))).unwrap();
    }
    let r = common::shipped("baseline", 1, 0.001);
    let mut sink = relocsim::output::ParquetSink::new(&dir, None);
    let err = relocsim::simulate(&r, &mut sink as &mut dyn Sink, |_, _| {})
        .err()
        .expect("writing to a full disk fails");
    let msg = err.to_string();
    assert!(
        msg.contains(".parquet") && msg.contains("No space left on device"),
        "{msg}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

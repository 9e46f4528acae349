//! What relocsim must never do, tried as a hostile user would: delete or replace what it
//! did not write, let two writers corrupt one output, read without end from a device or
//! a FIFO, panic on a closed pipe, replay a run whose files were changed, or keep
//! running long after a stop request. Every destructive case runs inside a fresh
//! temporary folder of its own.

mod common;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use relocsim::output::Manifest;

const SCENARIO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml");

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_relocsim"))
}

fn run_in(cwd: &Path, args: &[&str]) -> Output {
    bin().current_dir(cwd).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `relocsim run` of a tiny baseline into `out`, with extra flags.
fn tiny_run(cwd: &Path, out: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "run", SCENARIO, "--scale", "0.0005", "--out", out, "--quiet",
    ];
    args.extend_from_slice(extra);
    run_in(cwd, &args)
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn force_leaves_a_folder_of_other_files_in_place() {
    let dir = common::tmpdir("safety", "foreign");
    let folder = dir.join("papers");
    std::fs::create_dir_all(folder.join("sub")).unwrap();
    std::fs::write(folder.join("keep.txt"), "precious").unwrap();
    std::fs::write(folder.join("sub/also.txt"), "precious too").unwrap();
    let o = tiny_run(&dir, "papers", &["--force"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("not a relocsim run"), "{}", text(&o));
    assert_eq!(
        std::fs::read_to_string(folder.join("keep.txt")).unwrap(),
        "precious"
    );
    assert!(folder.join("sub/also.txt").exists());
    assert_eq!(listing(&dir), ["papers"], "no lock or partial left behind");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn force_refuses_a_run_holding_a_file_it_did_not_write_and_the_scenarios_own_folder() {
    let dir = common::tmpdir("safety", "extra");
    assert!(tiny_run(&dir, "run", &[]).status.success());
    std::fs::write(dir.join("run/notes.md"), "mine").unwrap();
    let o = tiny_run(&dir, "run", &["--force"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("\"notes.md\""), "{}", text(&o));
    assert!(dir.join("run/notes.md").exists());
    // The folder of a scenario file: it holds the scenario, which no manifest lists.
    let scen_dir = dir.join("scenarios");
    std::fs::create_dir_all(&scen_dir).unwrap();
    std::fs::copy(SCENARIO, scen_dir.join("baseline.toml")).unwrap();
    let o = tiny_run(&dir, "scenarios", &["--force"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(scen_dir.join("baseline.toml").exists());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn force_replaces_a_run_and_an_empty_folder() {
    let dir = common::tmpdir("safety", "replace");
    assert!(tiny_run(&dir, "run", &[]).status.success());
    let again = tiny_run(&dir, "run", &[]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "never replaced without --force"
    );
    assert!(text(&again).contains("--force"), "{}", text(&again));
    let o = tiny_run(&dir, "run", &["--force", "--seed", "7"]);
    assert!(o.status.success(), "{}", text(&o));
    let m = Manifest::read(&dir.join("run/manifest.toml")).unwrap();
    assert_eq!(m.seed, 7);
    std::fs::create_dir(dir.join("empty")).unwrap();
    assert!(tiny_run(&dir, "empty", &["--force"]).status.success());
    assert!(dir.join("empty/manifest.toml").exists());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_current_directory_its_ancestors_and_home_are_never_replaced() {
    let dir = common::tmpdir("safety", "places");
    let inner = dir.join("a/b");
    std::fs::create_dir_all(&inner).unwrap();
    std::fs::write(inner.join("keep.txt"), "x").unwrap();
    let a = dir.join("a").display().to_string();
    for out in [".", "..", "../../a", a.as_str()] {
        let o = tiny_run(&inner, out, &["--force"]);
        assert_eq!(o.status.code(), Some(2), "--out {out}: {}", text(&o));
    }
    // Even a run directory is kept when it is the current directory.
    let run = dir.join("run");
    assert!(tiny_run(&dir, "run", &[]).status.success());
    let o = tiny_run(&run, ".", &["--force"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = tiny_run(&dir, run.to_str().unwrap(), &["--force"]);
    assert!(
        o.status.success(),
        "the same run from outside: {}",
        text(&o)
    );
    let home = dir.join("home");
    std::fs::create_dir(&home).unwrap();
    let o = bin()
        .current_dir(&dir)
        .env("HOME", &home)
        .args(["run", SCENARIO, "--scale", "0.0005", "--quiet", "--force"])
        .args(["--out", home.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("home directory"), "{}", text(&o));
    assert!(inner.join("keep.txt").exists() && home.exists());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_out_that_is_a_file_or_a_link_is_refused_before_running() {
    let dir = common::tmpdir("safety", "file");
    std::fs::write(dir.join("afile"), "x").unwrap();
    std::fs::create_dir(dir.join("target")).unwrap();
    std::os::unix::fs::symlink(dir.join("target"), dir.join("link")).unwrap();
    for (out, says) in [("afile", "not a directory"), ("link", "symbolic link")] {
        for force in [&[][..], &["--force"][..]] {
            let started = Instant::now();
            let o = tiny_run(&dir, out, force);
            assert_eq!(o.status.code(), Some(2), "{out} {force:?}: {}", text(&o));
            assert!(text(&o).contains(says), "{}", text(&o));
            assert!(
                !dir.join(format!(".{out}.partial")).exists(),
                "refused before a partial directory was made ({:?})",
                started.elapsed()
            );
        }
    }
    assert_eq!(std::fs::read_to_string(dir.join("afile")).unwrap(), "x");
    std::fs::remove_dir_all(dir).unwrap();
}

/// Every data file of the run in `dir` matches its manifest.
fn verifies(dir: &Path) -> bool {
    let m = Manifest::read(&dir.join("manifest.toml")).unwrap();
    relocsim::run::replay::verify(dir, &m).is_ok()
}

#[test]
fn concurrent_writers_never_leave_a_run_that_fails_its_checksums() {
    let dir = common::tmpdir("safety", "concurrent");
    for round in 0..4 {
        let children: Vec<_> = (0..4)
            .map(|i| {
                let seed = (round * 10 + i).to_string();
                bin()
                    .current_dir(&dir)
                    .args(["run", SCENARIO, "--scale", "0.002", "--out", "run"])
                    .args(["--quiet", "--force", "--seed", &seed])
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let mut succeeded = 0;
        for c in children {
            let o = c.wait_with_output().unwrap();
            match o.status.code() {
                Some(0) => succeeded += 1,
                Some(2) => assert!(
                    text(&o).contains("being written by relocsim process"),
                    "{}",
                    text(&o)
                ),
                other => panic!("exit {other:?}: {}", text(&o)),
            }
        }
        assert!(
            succeeded >= 1,
            "round {round}: one writer at least succeeds"
        );
        assert!(verifies(&dir.join("run")), "round {round}");
        assert_eq!(listing(&dir), ["run"], "round {round}: no lock left");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_second_writer_is_refused_and_a_killed_writers_lock_is_taken_over() {
    let dir = common::tmpdir("safety", "lock");
    let scen = common::long_scenario(&dir);
    let scen = scen.to_str().unwrap();
    let mut first = bin()
        .current_dir(&dir)
        .args(["run", scen, "--out", "run", "--quiet"])
        .spawn()
        .unwrap();
    let lock = dir.join(".run.lock");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !lock.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let o = run_in(&dir, &["run", scen, "--out", "run", "--quiet", "--force"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let msg = text(&o);
    assert!(msg.contains(&format!("process {}", first.id())), "{msg}");
    assert_eq!(msg.trim().lines().count(), 1, "one line: {msg}");
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(lock.exists(), "kill -9 leaves the lock");
    let o = tiny_run(&dir, "run", &[]);
    assert!(
        o.status.success(),
        "a stale lock is taken over: {}",
        text(&o)
    );
    assert!(verifies(&dir.join("run")));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_second_sweep_into_the_same_directory_is_refused_and_the_first_completes() {
    let (path, out) = common::sweep_setup("twice", &["baseline"], 8, "");
    let sweep = path.to_str().unwrap();
    let args = ["sweep", "run", sweep, "--out", out.to_str().unwrap()];
    let first = bin()
        .args(args)
        .args(["--quiet", "--jobs", "1"])
        .spawn()
        .unwrap();
    let lock = out.join(".relocsim-sweep.lock");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !lock.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let second = bin().args(args).arg("--quiet").output().unwrap();
    let done = first.wait_with_output().unwrap();
    assert!(done.status.success(), "{}", text(&done));
    if lock.exists() || second.status.code() == Some(2) {
        assert!(
            text(&second).contains("being written by relocsim process"),
            "{}",
            text(&second)
        );
    }
    let s = relocsim::batch::Sweep::load(&path).unwrap();
    for t in s.plan().tasks() {
        let run = out.join(&t.path);
        assert!(verifies(&run), "{}", t.run_id);
    }
    assert!(!out.join(relocsim::batch::local::FAILED_DIR).exists());
    std::fs::remove_dir_all(out.parent().unwrap()).unwrap();
}

#[test]
fn sweeps_and_reports_write_only_into_their_own_directories() {
    let (path, _) = common::sweep_setup("foreign", &["baseline"], 1, "");
    let dir = path.parent().unwrap();
    let folder = dir.join("mine");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("plan.toml"), "my own plan\n").unwrap();
    let o = bin()
        .args(["sweep", "run", path.to_str().unwrap(), "--quiet"])
        .args(["--out", folder.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("not a relocsim sweep directory"),
        "{}",
        text(&o)
    );
    assert_eq!(
        std::fs::read_to_string(folder.join("plan.toml")).unwrap(),
        "my own plan\n"
    );
    assert!(tiny_run(dir, "run", &[]).status.success());
    let compare = |out: &Path| {
        bin()
            .args(["compare", dir.join("run").to_str().unwrap()])
            .args(["--baseline", "baseline", "--out", out.to_str().unwrap()])
            .output()
            .unwrap()
    };
    let o = compare(&folder);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert_eq!(listing(&folder), ["plan.toml"]);
    let report = dir.join("report");
    assert!(compare(&report).status.success());
    let o = compare(&report);
    assert!(
        o.status.success(),
        "an earlier report is replaced: {}",
        text(&o)
    );
    std::fs::write(report.join("draft.docx"), "mine").unwrap();
    assert_eq!(compare(&report).status.code(), Some(2));
    assert!(report.join("draft.docx").exists());
    std::fs::remove_dir_all(dir).unwrap();
}

/// Runs `args`, killing the command if it has not ended after `limit`.
fn bounded(args: &[&str], limit: Duration) -> (Output, Duration) {
    let started = Instant::now();
    let mut child = bin()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            child.kill().unwrap();
            panic!("{args:?} did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    (child.wait_with_output().unwrap(), started.elapsed())
}

#[test]
fn devices_fifos_and_directories_are_refused_at_once() {
    let dir = common::tmpdir("safety", "devices");
    let fifo = dir.join("pipe.toml");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let region_zero = dir.join("zero.toml");
    std::fs::write(
        &region_zero,
        "[scenario]\nname = \"z\"\nregion = \"/dev/zero\"\n",
    )
    .unwrap();
    let fifo_s = fifo.to_str().unwrap();
    let dir_s = dir.to_str().unwrap();
    for (args, says) in [
        (vec!["validate", "/dev/zero"], "character device"),
        (vec!["validate", fifo_s], "FIFO"),
        (vec!["validate", dir_s], "directory"),
        (vec!["validate", region_zero.to_str().unwrap()], "/dev/zero"),
        (vec!["run", fifo_s, "--quiet"], "FIFO"),
        (vec!["sweep", "plan", fifo_s], "FIFO"),
    ] {
        let (o, _) = bounded(&args, Duration::from_secs(20));
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(text(&o).contains(says), "{args:?}: {}", text(&o));
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_closed_pipe_ends_every_printing_command_quietly() {
    let (sweep, _) = common::sweep_setup("pipe", &["baseline"], 5000, "");
    let sweep = sweep.to_str().unwrap();
    for args in [
        vec!["sweep", "plan", sweep],
        vec!["policies"],
        vec!["policies", "growth_pole"],
        vec!["schema"],
        vec!["validate", SCENARIO],
    ] {
        let mut child = bin()
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes away before the first line is written.
        drop(child.stdout.take());
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    std::fs::remove_dir_all(Path::new(sweep).parent().unwrap()).unwrap();
}

#[test]
fn replay_refuses_a_run_whose_files_or_checksums_were_edited_before_running() {
    let dir = common::tmpdir("safety", "replay");
    assert!(tiny_run(&dir, "run", &[]).status.success());
    let manifest = dir.join("run/manifest.toml");
    let original = std::fs::read_to_string(&manifest).unwrap();
    let m = Manifest::read(&manifest).unwrap();
    let sha = &m.files[0].sha256;
    let edited = original.replace(sha.as_str(), &"0".repeat(64));
    std::fs::write(&manifest, edited).unwrap();
    let started = Instant::now();
    let o = run_in(&dir, &["replay", "run", "--quiet"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("does not match the SHA-256 its manifest records"),
        "{}",
        text(&o)
    );
    assert!(
        !text(&o).contains("identical"),
        "nothing ran ({:?})",
        started.elapsed()
    );
    std::fs::write(&manifest, original).unwrap();
    let o = run_in(&dir, &["replay", "run", "--quiet"]);
    assert!(o.status.success(), "{}", text(&o));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn commands_given_a_folder_that_is_not_a_run_or_sweep_say_so_in_one_line() {
    let dir = common::tmpdir("safety", "notarun");
    std::fs::write(dir.join("x.txt"), "x").unwrap();
    let d = dir.to_str().unwrap();
    let missing = dir.join("missing");
    let m = missing.to_str().unwrap();
    for (args, says) in [
        (vec!["replay", d], "not a relocsim run"),
        (vec!["replay", m], "not a relocsim run"),
        (vec!["summarize", d], "not a relocsim sweep"),
        (vec!["summarize", m], "not a relocsim sweep"),
        (vec!["run", "--resume", d], "nothing to resume"),
    ] {
        let o = run_in(&dir, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        let msg = text(&o);
        assert!(msg.contains(says), "{args:?}: {msg}");
        assert_eq!(msg.trim().lines().count(), 1, "{args:?}: {msg}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_abandoned_model_stops_where_it_is() {
    use relocsim::engine::Abandon;
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;
    let r = common::shipped("baseline", 3, 0.001);
    let set = Arc::new(AtomicBool::new(true));
    assert!(relocsim::Model::new_abandonable(&r, Abandon::new(set.clone())).is_none());
    let mut m = relocsim::Model::new(&r);
    m.step();
    m.set_abandon(Abandon::new(set));
    assert!(m.try_step().is_none());
    assert_eq!(m.step, 1, "back at the last step completed");
}

/// A run stopped, with no grace, a few milliseconds into step 5 (from a thread started
/// when step 4 is recorded): the watcher sets the abandon flag within its 20 ms poll,
/// and a step at scale 0.06 takes several times that (about 60 ms on two threads of the
/// release build, more in a debug build), so the stop lands inside it and the step is
/// abandoned; the run keeps its checkpoint of step 3.
fn stopped_in_step_5(dir: &Path, r: &relocsim::Resolved) -> relocsim::run::runner::RunResult {
    use relocsim::run::runner::{self, RunOptions};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let stop = Arc::new(AtomicBool::new(false));
    let opts = RunOptions {
        out: dir.join("run"),
        threads: 2,
        checkpoint_every: Some(3),
        command_line: vec!["test".into()],
        stop: Some(stop.clone()),
        stop_grace: Some(Duration::ZERO),
        ..Default::default()
    };
    runner::run_to_dir(r, &opts, |m, _| {
        if m.step == 4 {
            let stop = stop.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(5));
                stop.store(true, Ordering::SeqCst);
            });
        }
    })
    .unwrap()
}

#[test]
fn a_stop_inside_a_step_keeps_the_last_checkpoint_and_resumes_to_the_same_bytes() {
    use relocsim::run::runner::{self, RunOptions};
    let dir = common::tmpdir("safety", "abandon");
    let r = common::shipped("integrated", 3, 0.06);
    let opts = RunOptions {
        out: dir.join("whole"),
        threads: 2,
        command_line: vec!["test".into()],
        ..Default::default()
    };
    let whole = runner::run_to_dir(&r, &opts, |_, _| {}).unwrap().manifest;
    let result = stopped_in_step_5(&dir, &r);
    let m = &result.manifest;
    assert!(result.interrupted());
    assert_eq!(
        (m.steps_completed, m.checkpoint_step),
        (4, Some(3)),
        "step 5 abandoned, the checkpoint of step 3 kept"
    );
    let again = RunOptions {
        out: dir.join("run"),
        threads: 1,
        ..Default::default()
    };
    let resumed = runner::resume(&again, |_, _| {}).unwrap();
    assert_eq!(resumed.manifest.resumed_from_step, Some(3));
    assert_eq!(
        common::checksums(&resumed.manifest),
        common::checksums(&whole)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

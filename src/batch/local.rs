//! Runs a sweep's tasks on this machine. A fixed number of workers take tasks in index
//! order, each run going through `runner::run_to_dir` (a hidden partial directory renamed
//! into place when complete) into its hive directory. A task whose directory already
//! holds a complete run of the same scenario, every file matching its checksum, is
//! skipped; an interrupted one is resumed; a failed one is recorded in `DIR/_failed/` and
//! the others go on. Memory is that of the runs in flight: of a finished run only its
//! outcome is kept.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::plan::{Plan, Share, Task};
use super::sweep::Sweep;
use crate::digest::sha256_file;
use crate::error::{Error, Result};
use crate::outdir::Lock;
use crate::output::{Manifest, RunStatus};
use crate::resources::{self, Usage};
use crate::run::runner::{self, RunOptions};
use crate::scenario::{Resolved, Scenario};

/// Where failed tasks leave their error, one `RUN_ID.txt` each. The leading `_` keeps
/// dataset readers (pyarrow, polars) from taking it for a partition.
pub const FAILED_DIR: &str = "_failed";

#[derive(Clone, Debug)]
pub struct LocalOptions {
    /// The sweep's output directory.
    pub out: PathBuf,
    /// Runs at once.
    pub jobs: usize,
    /// Worker threads of each run.
    pub threads: usize,
    pub share: Share,
    /// Set (by a signal handler) to stop: runs in flight end at a step boundary with a
    /// checkpoint, and no new task starts.
    pub stop: Option<Arc<AtomicBool>>,
    /// Recorded in each run's manifest.
    pub command_line: Vec<String>,
}

/// How one task ended.
#[derive(Clone, Debug, PartialEq)]
pub enum TaskOutcome {
    Ran,
    /// Complete already, with every checksum verified.
    Skipped,
    /// Continued from the checkpoint of an interrupted run.
    Resumed,
    /// Stopped at a step boundary; the next `sweep run` resumes it.
    Interrupted,
    /// Being written by another process (another `sweep run` of an overlapping share):
    /// left to it.
    Busy,
    Failed(String),
}

/// What the local runner reports as it goes.
pub enum Progress<'a> {
    /// `n` more steps of the share are done (run, or skipped with their task).
    Advance(u64),
    Done(&'a Task, &'a TaskOutcome),
}

/// Counts of outcomes, and each failure with its message, in task order.
#[derive(Clone, Debug, Default)]
pub struct SweepReport {
    pub ran: usize,
    pub skipped: usize,
    pub resumed: usize,
    pub interrupted: usize,
    /// Tasks not started because a stop was requested.
    pub not_started: usize,
    /// Tasks another process was writing.
    pub busy: usize,
    pub failed: Vec<(Task, String)>,
}

impl SweepReport {
    /// True when every task of the share is complete.
    pub fn all_complete(&self) -> bool {
        self.failed.is_empty() && self.interrupted == 0 && self.not_started == 0 && self.busy == 0
    }

    fn add(&mut self, task: &Task, outcome: TaskOutcome) {
        match outcome {
            TaskOutcome::Ran => self.ran += 1,
            TaskOutcome::Skipped => self.skipped += 1,
            TaskOutcome::Resumed => self.resumed += 1,
            TaskOutcome::Interrupted => self.interrupted += 1,
            TaskOutcome::Busy => self.busy += 1,
            TaskOutcome::Failed(m) => self.failed.push((task.clone(), m)),
        }
    }
}

/// Steps the share's runs record (step 0 included), for a progress bar's length.
pub fn total_steps(sweep: &Sweep, share: Share) -> u64 {
    let plan = sweep.plan();
    (0..plan.len())
        .filter(|&i| share.contains(i))
        .map(|i| {
            let (s, v, _) = plan.coordinates(i);
            u64::from(sweep.steps(s, v)) + 1
        })
        .sum()
}

/// Runs the tasks of `opts.share`, `opts.jobs` at a time, and writes the plan file.
pub fn run_local(
    sweep: &Sweep,
    opts: &LocalOptions,
    on: impl Fn(Progress) + Sync,
) -> Result<SweepReport> {
    let plan = sweep.plan();
    check_sweep_dir(&opts.out)?;
    check_memory(sweep, opts)?;
    let _lock = Lock::acquire(&opts.out.join(lock_name(opts.share)), &opts.out)?;
    plan.write(&opts.out)?;
    super::index::write(sweep, &opts.out)?;
    // Tasks are made as workers take them: memory does not grow with the sweep.
    let next = AtomicUsize::new(0);
    let take = || loop {
        let i = next.fetch_add(1, Ordering::SeqCst);
        if i >= plan.len() || opts.share.contains(i) {
            return (i < plan.len()).then(|| plan.task(i));
        }
    };
    let report = Mutex::new(SweepReport::default());
    let workers = opts.jobs.clamp(1, plan.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some(task) = take() {
                    if stop_requested(opts) {
                        report.lock().expect("no worker panics").not_started += 1;
                        continue;
                    }
                    let outcome = run_task(sweep, opts, &task, &on);
                    on(Progress::Done(&task, &outcome));
                    report.lock().expect("no worker panics").add(&task, outcome);
                }
            });
        }
    });
    let mut report = report.into_inner().expect("no worker panics");
    report.failed.sort_by_key(|(t, _)| t.index);
    Ok(report)
}

/// A sweep writes into a new or empty directory, or one holding a sweep relocsim wrote
/// (its plan), never into a folder of other files.
fn check_sweep_dir(out: &Path) -> Result<()> {
    let refused = |reason: String| Error::OutputRefused {
        path: out.to_path_buf(),
        reason,
    };
    match std::fs::symlink_metadata(out) {
        Err(_) => return Ok(()),
        Ok(m) if !m.is_dir() => {
            return Err(refused(
                "exists and is not a directory: choose another --out".into(),
            ));
        }
        Ok(_) => {}
    }
    // The array elements of one sweep start at once: another element's lock, or its
    // plan before it is renamed into place, may be all there is yet.
    let mut others = std::fs::read_dir(out)
        .map_err(|e| Error::io(out, e))?
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            !(name.starts_with(".relocsim-sweep")
                || name.starts_with(".plan.toml.")
                || name.starts_with(".runs.parquet."))
        });
    if others.next().is_none() {
        return Ok(());
    }
    Plan::read(out).map(|_| ()).map_err(|e| {
        refused(format!(
            "not a relocsim sweep directory ({e}); a sweep writes only into a new or empty directory or one of its own: choose another --out"
        ))
    })
}

/// One lock per share: the array elements of one sweep run at once on their own
/// shares, while a second writer of the same share is refused.
fn lock_name(share: Share) -> String {
    if share == Share::ALL {
        ".relocsim-sweep.lock".into()
    } else {
        format!(".relocsim-sweep-{}-of-{}.lock", share.index, share.count)
    }
}

/// Refuses the share if any of its runs, as many times over as run at once, would not
/// fit: each run also checks itself as it starts, but runs starting together each see
/// memory none of them has taken yet.
fn check_memory(sweep: &Sweep, opts: &LocalOptions) -> Result<()> {
    let plan = sweep.plan();
    let tasks: Vec<usize> = (0..plan.len())
        .filter(|&i| opts.share.contains(i))
        .collect();
    let usage = Usage {
        threads: opts.threads,
        snapshots: false,
        runs: opts.jobs.clamp(1, tasks.len().max(1)),
    };
    // Replicates differ only in their seed, which does not change the estimate.
    let mut runs: Vec<(usize, usize)> = tasks
        .iter()
        .map(|&i| plan.coordinates(i))
        .map(|(s, v, _)| (s, v))
        .collect();
    runs.dedup();
    for (s, v) in runs {
        resources::check(&sweep.resolve(s, v, 0)?, &usage)?;
    }
    Ok(())
}

fn stop_requested(opts: &LocalOptions) -> bool {
    opts.stop.as_ref().is_some_and(|s| s.load(Ordering::SeqCst))
}

/// Runs, resumes or skips one task and settles its `_failed/` record; every step of
/// the task is advanced exactly once, whatever happens.
fn run_task(
    sweep: &Sweep,
    opts: &LocalOptions,
    task: &Task,
    on: &(impl Fn(Progress) + Sync),
) -> TaskOutcome {
    let (s, v, _) = sweep.plan().coordinates(task.index);
    let total = u64::from(sweep.steps(s, v)) + 1;
    let done = AtomicUsize::new(0);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        attempt(sweep, opts, task, &|| {
            done.fetch_add(1, Ordering::Relaxed);
            on(Progress::Advance(1));
        })
    }))
    .unwrap_or_else(|panic| Err(panic_message(panic.as_ref())));
    let done = done.load(Ordering::Relaxed) as u64;
    on(Progress::Advance(total.saturating_sub(done)));
    let outcome = outcome.unwrap_or_else(TaskOutcome::Failed);
    let record = failure_record(&opts.out, task, &outcome);
    match record {
        Err(e) if !matches!(outcome, TaskOutcome::Failed(_)) => TaskOutcome::Failed(e.to_string()),
        _ => outcome,
    }
}

fn attempt(
    sweep: &Sweep,
    opts: &LocalOptions,
    task: &Task,
    step: &(dyn Fn() + Sync),
) -> std::result::Result<TaskOutcome, String> {
    let (s, v, replicate) = sweep.plan().coordinates(task.index);
    let resolved = sweep.resolve(s, v, replicate).map_err(|e| e.to_string())?;
    let dir = opts.out.join(&task.path);
    let status = existing_run(&dir, &resolved);
    if status == Existing::Verified {
        super::tables::link_run(&opts.out, task).map_err(|e| e.to_string())?;
        return Ok(TaskOutcome::Skipped);
    }
    let ro = RunOptions {
        out: dir,
        threads: opts.threads,
        force: true,
        command_line: opts.command_line.clone(),
        stop: opts.stop.clone(),
        ..Default::default()
    };
    let mut resumed = status == Existing::Interrupted;
    let mut result = if resumed {
        runner::resume(&ro, |_, _| step())
    } else {
        runner::run_to_dir(&resolved, &ro, |_, _| step())
    };
    // A damaged checkpoint cannot be resumed: the task starts afresh (the interrupted
    // run it replaces is relocsim's own).
    if let Err(Error::Checkpoint { .. }) = result {
        resumed = false;
        result = runner::run_to_dir(&resolved, &ro, |_, _| step());
    }
    let complete = |outcome| {
        super::tables::link_run(&opts.out, task).map_err(|e| e.to_string())?;
        Ok(outcome)
    };
    match result {
        Ok(r) if r.interrupted() => Ok(TaskOutcome::Interrupted),
        Ok(_) if resumed => complete(TaskOutcome::Resumed),
        Ok(_) => complete(TaskOutcome::Ran),
        Err(Error::Locked { .. }) => Ok(TaskOutcome::Busy),
        Err(Error::Stopped { .. }) => Ok(TaskOutcome::Interrupted),
        Err(e) => Err(e.to_string()),
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    format!("the run panicked: {text}")
}

/// Task `index` of `sweep` has a complete run under `out` of its own scenario (as the
/// sweep file now resolves it) whose files all match their checksums: what `run_local`
/// skips.
pub fn task_verified(sweep: &Sweep, index: usize, out: &Path) -> bool {
    let (s, v, r) = sweep.plan().coordinates(index);
    let dir = out.join(sweep.plan().task(index).path);
    sweep
        .resolve(s, v, r)
        .is_ok_and(|resolved| existing_run(&dir, &resolved) == Existing::Verified)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Existing {
    /// Nothing usable: run from the start.
    None,
    /// An interrupted run of this scenario with a checkpoint: resume it.
    Interrupted,
    /// A complete run of this scenario whose files all match their checksums.
    Verified,
}

fn existing_run(dir: &Path, resolved: &Resolved) -> Existing {
    let path = dir.join("manifest.toml");
    let Ok(m) = Manifest::read(&path) else {
        return Existing::None;
    };
    if !same_scenario(&path, resolved) {
        return Existing::None;
    }
    match m.status {
        RunStatus::Interrupted if dir.join("checkpoint/checkpoint.toml").exists() => {
            Existing::Interrupted
        }
        RunStatus::Complete if verified(dir, &m) => Existing::Verified,
        _ => Existing::None,
    }
}

/// Every data file of the manifest is there with the checksum the manifest gives.
pub fn verified(dir: &Path, m: &Manifest) -> bool {
    m.files
        .iter()
        .all(|f| sha256_file(&dir.join(&f.name)).is_ok_and(|h| h == f.sha256))
}

/// The manifest's scenario is the task's: an edited sweep file reruns what it changed.
fn same_scenario(manifest: &Path, resolved: &Resolved) -> bool {
    let Ok(text) = crate::input::read_text(manifest) else {
        return false;
    };
    let Ok(mut recorded) = Scenario::from_toml(&text, "") else {
        return false;
    };
    recorded.manifest = None;
    recorded == resolved.self_contained()
}

/// `_failed/RUN_ID.txt`: the error, then the task, in TOML.
#[derive(serde::Serialize)]
struct FailureRecord<'a> {
    error: &'a str,
    task: &'a Task,
}

/// Writes `_failed/RUN_ID.txt` for a failure and removes it for a completed task.
fn failure_record(out: &Path, task: &Task, outcome: &TaskOutcome) -> Result<()> {
    let path = out.join(FAILED_DIR).join(format!("{}.txt", task.run_id));
    match outcome {
        TaskOutcome::Failed(error) => {
            let dir = out.join(FAILED_DIR);
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            let record = FailureRecord { error, task };
            let text = toml::to_string(&record).expect("a failure record serialises");
            std::fs::write(&path, text).map_err(|e| Error::io(&path, e))
        }
        TaskOutcome::Interrupted | TaskOutcome::Busy => Ok(()),
        _ if path.exists() => std::fs::remove_file(&path).map_err(|e| Error::io(&path, e)),
        _ => Ok(()),
    }
}

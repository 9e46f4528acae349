//! A whole run into a run directory. Data files are written into a hidden temporary
//! sibling and renamed into place only when the run ends, with a manifest naming every
//! file's checksum and whether the run is complete or was interrupted. An existing run
//! is never replaced without `force`. A stop request (Ctrl-C, SIGTERM) ends the run at
//! the next step boundary with a checkpoint, and `resume` continues it to the same bytes
//! an uninterrupted run writes.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::digest::sha256_file;
use crate::engine::record::StepFrame;
use crate::engine::{self, Abandon, Control, Ending, Model, Sink};
use crate::error::{Error, Result};
use crate::outdir::{self, Lock, sibling};
use crate::output::manifest::utc_timestamp;
use crate::output::{FileEntry, Manifest, ParquetSink, RunStatus};
use crate::run::checkpoint::{self, CheckpointInfo};
use crate::scenario::Resolved;

#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// The run directory to create (or, resuming, to continue).
    pub out: PathBuf,
    pub threads: usize,
    pub force: bool,
    pub snapshot_every: Option<u32>,
    /// Save the whole state every N steps, so a killed run can be resumed.
    pub checkpoint_every: Option<u32>,
    /// The command line, recorded in the manifest.
    pub command_line: Vec<String>,
    /// Set (by a signal handler) to stop at the next step boundary.
    pub stop: Option<Arc<AtomicBool>>,
    /// How long a step may go on after a stop request before it is abandoned
    /// [default: [`STOP_GRACE`]].
    pub stop_grace: Option<Duration>,
}

impl RunOptions {
    /// What a run with these options holds in memory besides its scenario.
    pub fn usage(&self) -> crate::resources::Usage {
        crate::resources::Usage {
            threads: self.threads,
            snapshots: self.snapshot_every.is_some(),
            runs: 1,
        }
    }
}

pub struct RunResult {
    pub model: Model,
    pub manifest: Manifest,
    pub dir: PathBuf,
    pub wall_seconds: f64,
}

impl RunResult {
    pub fn interrupted(&self) -> bool {
        self.manifest.status == RunStatus::Interrupted
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The lock on `out`, after checking that `out` names a directory to write; for a new
/// run (`replace` is Some(force)) also that an existing `out` may be replaced, so a
/// refusal comes before any work.
fn claim(out: &Path, replace: Option<bool>) -> Result<Lock> {
    if out.file_name().is_none() {
        return Err(Error::OutputRefused {
            path: out.to_path_buf(),
            reason: "names no directory of its own (`.`, `..` or `/`): give --out a new directory"
                .into(),
        });
    }
    let lock = Lock::acquire(&sibling(out, "lock"), out)?;
    if let Some(force) = replace {
        let exists = std::fs::symlink_metadata(out).is_ok();
        if exists && !force && out.is_dir() && !out.is_symlink() {
            return Err(Error::OutputExists(out.to_path_buf()));
        }
        outdir::check_replaceable(out)?;
    }
    Ok(lock)
}

fn pool(threads: usize, at: &Path) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::io(at, std::io::Error::other(e.to_string())))
}

/// Runs `resolved` into `opts.out`. `on_step` is called after every recorded step.
pub fn run_to_dir(
    resolved: &Resolved,
    opts: &RunOptions,
    on_step: impl FnMut(&Model, &StepFrame) + Send,
) -> Result<RunResult> {
    let _lock = claim(&opts.out, Some(opts.force))?;
    crate::resources::check(resolved, &opts.usage())?;
    let tmp = sibling(&opts.out, "partial");
    outdir::fresh_work_dir(&tmp)?;
    let info = CheckpointInfo {
        step: 0,
        snapshot_every: opts.snapshot_every,
        checkpoint_every: opts.checkpoint_every,
        scenario_sha256: checkpoint::scenario_hash(resolved),
        started_utc: utc_timestamp(now_secs()),
    };
    let mut sink = ParquetSink::new(&tmp, opts.snapshot_every);
    let run = Run {
        resolved,
        opts,
        tmp: &tmp,
        info,
        started: Instant::now(),
        checkpointed: Mutex::new(None),
    };
    let mut on_step = on_step;
    let outcome = pool(opts.threads, &tmp)?.install(|| {
        let (abandon, _watch) = run.abandon();
        let Some(mut model) = Model::new_abandonable(resolved, abandon) else {
            return Err(run.stopped("during initialisation, before the first step"));
        };
        sink.begin(&model.run_info())?;
        let first = engine::record_start(&model, &mut sink)?;
        on_step(&model, &first);
        run.drive(&mut model, &mut sink, &mut on_step)
            .map(|ending| (model, ending))
    });
    run.finish(outcome, sink, &[])
}

/// Continues the interrupted run at `opts.out` from its last checkpoint (in the run
/// directory after a graceful stop, or in its hidden partial directory after a kill).
pub fn resume(
    opts: &RunOptions,
    on_step: impl FnMut(&Model, &StepFrame) + Send,
) -> Result<RunResult> {
    let _lock = claim(&opts.out, None)?;
    let partial = sibling(&opts.out, "partial");
    let source = [opts.out.clone(), partial.clone()]
        .into_iter()
        .find(|d| d.join("checkpoint/checkpoint.toml").exists())
        .ok_or_else(|| Error::NotARun {
            path: opts.out.clone(),
            expected: "run to resume",
            why: format!(
                "nothing to resume: no checkpoint in it or in {}; a run keeps one when it is interrupted, or every N steps with --checkpoint-every N",
                partial.display()
            ),
        })?;
    let ckpt = source.join("checkpoint");
    let tmp = sibling(&opts.out, "resuming");
    let pool = pool(opts.threads, &tmp)?;
    let (resolved, info, mut model) = pool.install(|| checkpoint::load(&ckpt))?;
    outdir::fresh_work_dir(&tmp)?;
    let mut o = opts.clone();
    o.snapshot_every = info.snapshot_every;
    o.checkpoint_every = info.checkpoint_every;
    let mut sink = ParquetSink::new(&tmp, info.snapshot_every);
    let run = Run {
        resolved: &resolved,
        opts: &o,
        tmp: &tmp,
        info,
        started: Instant::now(),
        checkpointed: Mutex::new(None),
    };
    let mut on_step = on_step;
    let (abandon, _watch) = run.abandon();
    model.set_abandon(abandon);
    let ending = pool.install(|| {
        sink.begin(&model.run_info())?;
        sink.restore(&ckpt)?;
        run.drive(&mut model, &mut sink, &mut on_step)
    });
    run.finish(ending.map(|e| (model, e)), sink, &[source, partial])
}

/// How long the step in progress may go on after a stop request. A step that ends
/// within it is checkpointed, so the run resumes to the same bytes; a longer one (large
/// scales) is abandoned, so that the stop takes effect within seconds, and the run
/// keeps its last periodic checkpoint (`--checkpoint-every`), if it has one.
pub const STOP_GRACE: Duration = Duration::from_secs(2);

/// Sets the abandon flag once a stop request has been pending for the grace period,
/// counted from the request itself (the engine looks at the flag only between chunks
/// and passes); ends with the run.
struct Watch {
    done: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Watch {
    const POLL: Duration = Duration::from_millis(20);

    fn start(stop: Arc<AtomicBool>, abandon: Arc<AtomicBool>, grace: Duration) -> Watch {
        let done = Arc::new(AtomicBool::new(false));
        let ended = done.clone();
        let thread = std::thread::spawn(move || {
            let mut since: Option<Instant> = None;
            while !ended.load(Ordering::SeqCst) {
                if stop.load(Ordering::SeqCst) {
                    let t = *since.get_or_insert_with(Instant::now);
                    if t.elapsed() >= grace {
                        abandon.store(true, Ordering::SeqCst);
                        return;
                    }
                }
                std::thread::sleep(Self::POLL);
            }
        });
        Watch {
            done,
            thread: Some(thread),
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The parts of a run the step loop and the ending share.
struct Run<'a> {
    resolved: &'a Resolved,
    opts: &'a RunOptions,
    tmp: &'a Path,
    info: CheckpointInfo,
    started: Instant,
    /// Step of the checkpoint in `tmp/checkpoint`, once one is written.
    checkpointed: Mutex<Option<u32>>,
}

impl Run<'_> {
    fn stop_requested(&self) -> bool {
        self.opts
            .stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::SeqCst))
    }

    fn checkpoint_step(&self) -> Option<u32> {
        *self.checkpointed.lock().expect("no panic while held")
    }

    /// The engine's view of a stop request (see [`STOP_GRACE`]), and the watch that
    /// turns the one into the other while it lives.
    fn abandon(&self) -> (Abandon, Option<Watch>) {
        let Some(stop) = &self.opts.stop else {
            return (Abandon::default(), None);
        };
        let flag = Arc::new(AtomicBool::new(false));
        let grace = self.opts.stop_grace.unwrap_or(STOP_GRACE);
        let watch = Watch::start(stop.clone(), flag.clone(), grace);
        (Abandon::new(flag), Some(watch))
    }

    /// A stop that left nothing to resume from.
    fn stopped(&self, when: &str) -> Error {
        Error::Stopped {
            out: self.opts.out.clone(),
            message: format!(
                "stopped {when}; no checkpoint was kept, so nothing of this session was moved into place (use --checkpoint-every N to make long runs resumable)"
            ),
        }
    }

    /// The engine's step loop, with checkpoints on schedule and at a stop request
    /// (which ends the loop at that step boundary).
    fn drive(
        &self,
        model: &mut Model,
        sink: &mut ParquetSink,
        on_step: &mut impl FnMut(&Model, &StepFrame),
    ) -> Result<Ending> {
        engine::drive(model, sink, |m, sink, frame| {
            if let Some(f) = frame {
                on_step(m, f);
            }
            if m.is_done() {
                return Ok(Control::Continue);
            }
            let due = frame.is_some()
                && self
                    .opts
                    .checkpoint_every
                    .is_some_and(|n| m.step.is_multiple_of(n));
            let stop = self.stop_requested();
            if due || stop {
                self.checkpoint(m, sink)?;
            }
            Ok(if stop {
                Control::Stop
            } else {
                Control::Continue
            })
        })
    }

    /// Replaces `tmp/checkpoint` with one at the model's current step.
    fn checkpoint(&self, model: &Model, sink: &mut ParquetSink) -> Result<()> {
        let next = self.tmp.join("checkpoint.new");
        outdir::fresh_work_dir(&next)?;
        sink.checkpoint(&next)?;
        let info = CheckpointInfo {
            step: model.step,
            ..self.info.clone()
        };
        checkpoint::save(&next, model, self.resolved, &info)?;
        let dir = self.tmp.join("checkpoint");
        outdir::remove_work_dir(&dir)?;
        std::fs::rename(&next, &dir).map_err(|e| Error::io(&dir, e))?;
        *self.checkpointed.lock().expect("no panic while held") = Some(model.step);
        Ok(())
    }

    /// Closes the files, writes the manifest and moves the run into place; on failure
    /// removes the temporary directory, so nothing half-written looks like a run.
    /// A run abandoned inside a step without a checkpoint of its own leaves everything
    /// as it was before it started (an earlier interrupted run stays resumable).
    fn finish(
        &self,
        outcome: Result<(Model, Ending)>,
        mut sink: ParquetSink,
        superseded: &[PathBuf],
    ) -> Result<RunResult> {
        let done = outcome.and_then(|(model, ending)| {
            if ending == Ending::Abandoned && self.checkpoint_step().is_none() {
                return Err(self.stopped(&format!("during step {}", model.step + 1)));
            }
            sink.finish()?;
            let status = match ending {
                Ending::Complete => {
                    outdir::remove_work_dir(&self.tmp.join("checkpoint"))?;
                    RunStatus::Complete
                }
                Ending::Stopped | Ending::Abandoned => RunStatus::Interrupted,
            };
            let manifest = self.manifest(&model, status, &sink)?;
            Ok((model, manifest))
        });
        let (model, manifest) = match done {
            Ok(x) => x,
            Err(e) => {
                let _ = outdir::remove_work_dir(self.tmp);
                return Err(e);
            }
        };
        for old in superseded {
            if old == &self.opts.out {
                outdir::remove_run(old)?;
            } else {
                outdir::remove_work_dir(old)?;
            }
        }
        outdir::remove_run(&self.opts.out)?;
        outdir::unmark(self.tmp)?;
        std::fs::rename(self.tmp, &self.opts.out).map_err(|e| Error::io(&self.opts.out, e))?;
        let wall_seconds = manifest.wall_seconds;
        Ok(RunResult {
            model,
            manifest,
            dir: self.opts.out.clone(),
            wall_seconds,
        })
    }

    fn manifest(&self, model: &Model, status: RunStatus, sink: &ParquetSink) -> Result<Manifest> {
        let mut files = Vec::new();
        for w in sink.written() {
            files.push(FileEntry {
                name: w.name,
                rows: w.rows,
                sha256: sha256_file(&w.path)?,
            });
        }
        let run = &self.resolved.scenario.scenario;
        let manifest = Manifest {
            status,
            steps_completed: model.step,
            relocsim_version: env!("CARGO_PKG_VERSION").to_string(),
            git_commit: env!("RELOCSIM_GIT_COMMIT").to_string(),
            rng_algorithm: crate::rng::ALGORITHM.to_string(),
            seed: run.seed,
            replicate: run.replicate,
            scale: run.scale,
            region_source: self.resolved.region_source.clone(),
            region_sha256: self.resolved.region.sha256(),
            snapshot_every: self.opts.snapshot_every,
            checkpoint_every: self.opts.checkpoint_every,
            resumed_from_step: (self.info.step > 0).then_some(self.info.step),
            checkpoint_step: match status {
                RunStatus::Interrupted => self.checkpoint_step(),
                RunStatus::Complete => None,
            },
            threads: self.opts.threads,
            command_line: self.opts.command_line.clone(),
            started_utc: self.info.started_utc.clone(),
            finished_utc: utc_timestamp(now_secs()),
            wall_seconds: self.started.elapsed().as_secs_f64(),
            files,
        };
        let path = self.tmp.join("manifest.toml");
        std::fs::write(&path, manifest.to_toml(self.resolved)).map_err(|e| Error::io(&path, e))?;
        Ok(manifest)
    }
}

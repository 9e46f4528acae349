//! A whole run into a run directory. Data files are written into a hidden temporary
//! sibling and renamed into place only when the run ends, with a manifest naming every
//! file's checksum and whether the run is complete or was interrupted. An existing run
//! is never replaced without `force`. A stop request (Ctrl-C, SIGTERM) ends the run at
//! the next step boundary with a checkpoint, and `resume` continues it to the same bytes
//! an uninterrupted run writes.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::checkpoint::{self, CheckpointInfo};
use crate::engine::Model;
use crate::error::{Error, Result};
use crate::output::manifest::{sha256_file, utc_timestamp};
use crate::output::{FileEntry, Manifest, ParquetSink, RunStatus, Sink};
use crate::record::StepFrame;
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

/// `DIR/.NAME.SUFFIX`: hidden, beside the run so the final rename is atomic.
fn sibling(out: &Path, suffix: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".into());
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parent.join(format!(".{name}.{suffix}"))
}

fn fresh_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))
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
    if opts.out.exists() && !opts.force {
        return Err(Error::OutputExists(opts.out.clone()));
    }
    crate::resources::check(resolved, &crate::resources::Usage::of(opts))?;
    let tmp = sibling(&opts.out, "partial");
    fresh_dir(&tmp)?;
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
    };
    let mut on_step = on_step;
    let outcome = pool(opts.threads, &tmp)?.install(|| {
        let mut model = Model::new(resolved);
        sink.begin(&model)?;
        let frame = model.initial_frame();
        sink.record(&model, &frame)?;
        on_step(&model, &frame);
        run.drive(&mut model, &mut sink, &mut on_step)
            .map(|status| (model, status))
    });
    run.finish(outcome, sink, &[])
}

/// Continues the interrupted run at `opts.out` from its last checkpoint (in the run
/// directory after a graceful stop, or in its hidden partial directory after a kill).
pub fn resume(
    opts: &RunOptions,
    on_step: impl FnMut(&Model, &StepFrame) + Send,
) -> Result<RunResult> {
    let partial = sibling(&opts.out, "partial");
    let source = [opts.out.clone(), partial.clone()]
        .into_iter()
        .find(|d| d.join("checkpoint/checkpoint.toml").exists())
        .ok_or_else(|| Error::Invalid {
            file: opts.out.display().to_string(),
            problems: vec![format!(
                "nothing to resume: no checkpoint in {} or {} (a run keeps one when it is interrupted, or every N steps with --checkpoint-every N)",
                opts.out.display(),
                partial.display()
            )],
        })?;
    let ckpt = source.join("checkpoint");
    let tmp = sibling(&opts.out, "resuming");
    let pool = pool(opts.threads, &tmp)?;
    let (resolved, info, mut model) = pool.install(|| checkpoint::load(&ckpt))?;
    fresh_dir(&tmp)?;
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
    };
    let mut on_step = on_step;
    let status = pool.install(|| {
        sink.begin(&model)?;
        sink.restore(&ckpt)?;
        run.drive(&mut model, &mut sink, &mut on_step)
    });
    run.finish(status.map(|s| (model, s)), sink, &[source, partial])
}

/// The parts of a run the step loop and the ending share.
struct Run<'a> {
    resolved: &'a Resolved,
    opts: &'a RunOptions,
    tmp: &'a Path,
    info: CheckpointInfo,
    started: Instant,
}

impl Run<'_> {
    fn stop_requested(&self) -> bool {
        self.opts
            .stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::SeqCst))
    }

    /// Steps to the end or to a stop request; checkpoints on schedule and at a stop.
    fn drive(
        &self,
        model: &mut Model,
        sink: &mut ParquetSink,
        on_step: &mut impl FnMut(&Model, &StepFrame),
    ) -> Result<RunStatus> {
        while !model.is_done() {
            if self.stop_requested() {
                self.checkpoint(model, sink)?;
                return Ok(RunStatus::Interrupted);
            }
            let frame = model.step();
            sink.record(model, &frame)?;
            on_step(model, &frame);
            let due = self
                .opts
                .checkpoint_every
                .is_some_and(|n| model.step.is_multiple_of(n));
            if due && !model.is_done() {
                self.checkpoint(model, sink)?;
            }
        }
        Ok(RunStatus::Complete)
    }

    /// Replaces `tmp/checkpoint` with one at the model's current step.
    fn checkpoint(&self, model: &Model, sink: &mut ParquetSink) -> Result<()> {
        let next = self.tmp.join("checkpoint.new");
        fresh_dir(&next)?;
        sink.checkpoint(&next)?;
        let info = CheckpointInfo {
            step: model.step,
            ..self.info.clone()
        };
        checkpoint::save(&next, model, self.resolved, &info)?;
        let dir = self.tmp.join("checkpoint");
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        }
        std::fs::rename(&next, &dir).map_err(|e| Error::io(&dir, e))
    }

    /// Closes the files, writes the manifest and moves the run into place; on failure
    /// removes the temporary directory, so nothing half-written looks like a run.
    fn finish(
        &self,
        outcome: Result<(Model, RunStatus)>,
        mut sink: ParquetSink,
        superseded: &[PathBuf],
    ) -> Result<RunResult> {
        let done = outcome.and_then(|(model, status)| {
            sink.finish(&model)?;
            if status == RunStatus::Complete {
                let ck = self.tmp.join("checkpoint");
                if ck.exists() {
                    std::fs::remove_dir_all(&ck).map_err(|e| Error::io(&ck, e))?;
                }
            }
            let manifest = self.manifest(&model, status, &sink)?;
            Ok((model, manifest))
        });
        let (model, manifest) = match done {
            Ok(x) => x,
            Err(e) => {
                let _ = std::fs::remove_dir_all(self.tmp);
                return Err(e);
            }
        };
        for old in superseded.iter().chain(std::iter::once(&self.opts.out)) {
            if old.exists() {
                std::fs::remove_dir_all(old).map_err(|e| Error::io(old, e))?;
            }
        }
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

//! A whole run into a run directory: data files are written into a temporary sibling
//! and renamed into place only when complete, with a manifest that names every file's
//! checksum. An existing run is never replaced without `force`.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::engine::Model;
use crate::error::{Error, Result};
use crate::output::manifest::{sha256_file, utc_timestamp};
use crate::output::{FileEntry, Manifest, ParquetSink, RunStatus};
use crate::record::StepFrame;
use crate::scenario::Resolved;

#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The run directory to create.
    pub out: PathBuf,
    pub threads: usize,
    pub force: bool,
    pub snapshot_every: Option<u32>,
    /// The command line, recorded in the manifest.
    pub command_line: Vec<String>,
}

pub struct RunResult {
    pub model: Model,
    pub manifest: Manifest,
    pub dir: PathBuf,
    pub wall_seconds: f64,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
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
    let tmp = temp_sibling(&opts.out);
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    }
    std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let started = now_secs();
    let clock = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|e| Error::io(&tmp, std::io::Error::other(e.to_string())))?;
    let mut sink = ParquetSink::new(&tmp, opts.snapshot_every);
    let result = pool.install(|| crate::simulate(resolved, &mut sink, on_step));
    let model = match result {
        Ok(m) => m,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    let wall_seconds = clock.elapsed().as_secs_f64();
    let mut files = Vec::new();
    for w in sink.written() {
        files.push(FileEntry {
            name: w.name,
            rows: w.rows,
            sha256: sha256_file(&w.path)?,
        });
    }
    let run = &resolved.scenario.scenario;
    let manifest = Manifest {
        status: RunStatus::Complete,
        steps_completed: model.step,
        relocsim_version: env!("CARGO_PKG_VERSION").to_string(),
        git_commit: env!("RELOCSIM_GIT_COMMIT").to_string(),
        rng_algorithm: crate::rng::ALGORITHM.to_string(),
        seed: run.seed,
        replicate: run.replicate,
        scale: run.scale,
        region_source: resolved.region_source.clone(),
        region_sha256: resolved.region.sha256(),
        snapshot_every: opts.snapshot_every,
        threads: opts.threads,
        command_line: opts.command_line.clone(),
        started_utc: utc_timestamp(started),
        finished_utc: utc_timestamp(now_secs()),
        wall_seconds,
        files,
    };
    let path = tmp.join("manifest.toml");
    std::fs::write(&path, manifest.to_toml(resolved)).map_err(|e| Error::io(&path, e))?;
    if opts.out.exists() {
        std::fs::remove_dir_all(&opts.out).map_err(|e| Error::io(&opts.out, e))?;
    }
    std::fs::rename(&tmp, &opts.out).map_err(|e| Error::io(&opts.out, e))?;
    Ok(RunResult {
        model,
        manifest,
        dir: opts.out.clone(),
        wall_seconds,
    })
}

/// `DIR/.NAME.partial`: hidden, in the same directory so the final rename is atomic.
fn temp_sibling(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".into());
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parent.join(format!(".{name}.partial"))
}

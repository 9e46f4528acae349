//! Where the sweeps of a study run (a calibration's generations, a sensitivity
//! analysis's design): here, or as Slurm job arrays submitted with `sbatch --wait`.
//! Either way, the runs of a sweep that exist and verify already are not run again, so
//! rerunning the command that made the sweep resumes it.

use std::path::{Path, PathBuf};

use super::local::task_verified;
use super::{LocalOptions, Progress, Share, SlurmOptions, Sweep, run_local, write_scripts};
use crate::error::{Error, Result};

/// Where a study's runs go.
#[derive(Clone, Debug)]
pub enum Backend {
    /// Here: `out` is the study directory; each sweep runs below it with these jobs,
    /// threads and stop flag.
    Local(LocalOptions),
    /// One Slurm job array per sweep, submitted with `sbatch --wait`: `out` is the
    /// study directory; `sweep_file` is set per sweep.
    Slurm(SlurmOptions),
}

impl Backend {
    /// The study directory.
    pub fn dir(&self) -> &Path {
        match self {
            Backend::Local(o) => &o.out,
            Backend::Slurm(o) => &o.out,
        }
    }
}

/// Writes `text` as `dir/sweep.toml`, runs its runs into `dir/runs` (skipping those
/// there already) and calls `on_run` once per run done or found. Returns the sweep and
/// its runs directory.
pub fn run_sweep_text(
    opts: &Backend,
    dir: &Path,
    text: &str,
    on_run: &(dyn Fn() + Sync),
) -> Result<(Sweep, PathBuf)> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let file = dir.join("sweep.toml");
    std::fs::write(&file, text).map_err(|e| Error::io(&file, e))?;
    let sweep = Sweep::parse(text, &file.display().to_string(), Path::new("."))?;
    let out = dir.join("runs");
    match opts {
        Backend::Local(o) => run_here(&sweep, o, &out, on_run)?,
        Backend::Slurm(o) => run_on_slurm(&sweep, o, &file, &out, on_run)?,
    }
    Ok((sweep, out))
}

/// Runs `sweep` into `out` here, every run to completion.
fn run_here(
    sweep: &Sweep,
    opts: &LocalOptions,
    out: &Path,
    on_run: &(dyn Fn() + Sync),
) -> Result<()> {
    let local = LocalOptions {
        out: out.to_path_buf(),
        share: Share::ALL,
        ..opts.clone()
    };
    let report = run_local(sweep, &local, |p| {
        if let Progress::Done(..) = p {
            on_run();
        }
    })?;
    let unfinished = report.interrupted + report.not_started + report.busy;
    if !report.failed.is_empty() || unfinished > 0 {
        let first = report
            .failed
            .first()
            .map_or(String::new(), |(_, e)| format!(" (first: {e})"));
        return Err(Error::Stopped {
            out: local.out.clone(),
            message: format!(
                "{} run(s) failed{first} and {unfinished} did not finish; run the same command again to resume",
                report.failed.len()
            ),
        });
    }
    Ok(())
}

/// Runs `sweep` (written to `file`) into `out` as a Slurm job array and waits for it
/// (`sbatch --wait`); when every run is complete already nothing is submitted.
fn run_on_slurm(
    sweep: &Sweep,
    template: &SlurmOptions,
    file: &Path,
    out: &Path,
    on_run: &(dyn Fn() + Sync),
) -> Result<()> {
    let absolute = |p: &Path| std::path::absolute(p).map_err(|e| Error::io(p, e));
    let opts = SlurmOptions {
        out: absolute(out)?,
        sweep_file: absolute(file)?,
        ..template.clone()
    };
    // What a local run would skip: complete runs of the same scenario, verified.
    let complete = |out: &Path| (0..sweep.plan().len()).all(|i| task_verified(sweep, i, out));
    if !complete(&opts.out) {
        let scripts = write_scripts(sweep, &opts)?;
        let logs = opts.out.join("slurm/logs");
        let status = std::process::Command::new("sbatch")
            .arg("--wait")
            .arg(format!(
                "--output={}/array-%A_%a.out",
                logs.display().to_string().replace('%', "%%")
            ))
            .arg(&scripts.array)
            .status()
            .map_err(|e| Error::Stopped {
                out: opts.out.clone(),
                message: format!("cannot start sbatch: {e}"),
            })?;
        if !status.success() || !complete(&opts.out) {
            return Err(Error::Stopped {
                out: opts.out.clone(),
                message: format!(
                    "the job array ({}) ended with {status} and left runs unfinished; its logs are in {}; run the same command again to resume",
                    scripts.array.display(),
                    logs.display()
                ),
            });
        }
    }
    (0..sweep.plan().len()).for_each(|_| on_run());
    Ok(())
}

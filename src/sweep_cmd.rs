//! The binary's `sweep` and `summarize` subcommands: parse flags, call `relocsim::batch`,
//! print. Part of the binary, not the library (which prints nothing).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result};
use clap::{Args, Subcommand};

use relocsim::batch::{
    self, LocalOptions, Progress, Share, SlurmOptions, SummaryOptions, Sweep, TaskOutcome,
};

#[derive(Subcommand)]
pub enum SweepCommand {
    /// List a sweep's tasks: index, run id, scenario, variant, replicate, output path.
    Plan {
        /// Sweep TOML file.
        sweep: PathBuf,
        /// The sweep's output directory, to show full paths [default: output/<sweep name>].
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Run a sweep's tasks here, in parallel; rerunning skips complete, verified runs.
    Run(RunArgs),
    /// Write Slurm scripts: a job array over the tasks and a summary job after it.
    Slurm(SlurmArgs),
}

#[derive(Args)]
pub struct RunArgs {
    /// Sweep TOML file.
    sweep: PathBuf,
    /// Output directory [default: output/<sweep name>].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Runs at once [default: all cores].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    jobs: Option<u64>,
    /// Worker threads of each run [default: cores / jobs, at least 1].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    threads: Option<u64>,
    /// Run only the tasks whose index i has i % COUNT == INDEX [default: from
    /// SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT in an array
    /// job, else every task].
    #[arg(long, requires = "task_count", value_name = "INDEX")]
    task_index: Option<usize>,
    /// The number of shares the tasks are split into (see --task-index).
    #[arg(long, requires = "task_index", value_name = "COUNT")]
    task_count: Option<usize>,
    /// No progress bar and no report.
    #[arg(long)]
    quiet: bool,
}

/// sbatch settings of generated job arrays, shared by `sweep slurm` and `calibrate
/// --slurm`.
#[derive(Args)]
pub struct SbatchArgs {
    /// sbatch --partition.
    #[arg(long)]
    pub partition: Option<String>,
    /// sbatch --time, e.g. 01:00:00.
    #[arg(long)]
    pub time: Option<String>,
    /// CPUs per array element; each run uses them as its threads.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub cpus: u32,
    /// sbatch --mem, e.g. 4G.
    #[arg(long)]
    pub mem: Option<String>,
    /// At most N array elements at once.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_parallel: Option<u32>,
    /// At most N array elements (the cluster's MaxArraySize); more tasks share elements.
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_array_size: u64,
    /// The relocsim binary the jobs run [default: this one].
    #[arg(long)]
    pub binary: Option<PathBuf>,
}

impl SbatchArgs {
    /// The flags given other than at their defaults (for refusing them where no job
    /// array is written).
    pub fn given(&self) -> Vec<&'static str> {
        let set = [
            (self.partition.is_some(), "--partition"),
            (self.time.is_some(), "--time"),
            (self.cpus != 1, "--cpus"),
            (self.mem.is_some(), "--mem"),
            (self.max_parallel.is_some(), "--max-parallel"),
            (self.max_array_size != 1000, "--max-array-size"),
            (self.binary.is_some(), "--binary"),
        ];
        set.into_iter().filter(|s| s.0).map(|s| s.1).collect()
    }

    /// Slurm options for a sweep file and output directory (made absolute, as array
    /// jobs may start elsewhere).
    pub fn options(
        &self,
        out: &Path,
        sweep_file: &Path,
        baseline: Option<String>,
    ) -> Result<SlurmOptions> {
        let binary = match &self.binary {
            Some(b) => absolute(b)?,
            None => std::env::current_exe().context("finding this relocsim binary")?,
        };
        Ok(SlurmOptions {
            out: absolute(out)?,
            binary,
            sweep_file: absolute(sweep_file)?,
            partition: self.partition.clone(),
            time: self.time.clone(),
            cpus: self.cpus,
            mem: self.mem.clone(),
            max_parallel: self.max_parallel,
            max_array_size: self.max_array_size as usize,
            baseline,
        })
    }
}

#[derive(Args)]
pub struct SlurmArgs {
    /// Sweep TOML file.
    sweep: PathBuf,
    /// Output directory [default: output/<sweep name>]; the scripts go to DIR/slurm/.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    sbatch: SbatchArgs,
    /// Baseline scenario for the summary job (see `relocsim summarize --baseline`).
    #[arg(long)]
    baseline: Option<String>,
}

#[derive(Args)]
pub struct SummarizeArgs {
    /// A sweep's output directory (holding plan.toml).
    dir: PathBuf,
    /// Scenario to subtract in paired differences [default: the sweep's `baseline`, else
    /// a scenario named "baseline" if there is one].
    #[arg(long)]
    baseline: Option<String>,
    /// Summarise the complete runs even when some planned runs are missing.
    #[arg(long)]
    allow_missing: bool,
}

pub fn sweep(cmd: SweepCommand) -> Result<()> {
    match cmd {
        SweepCommand::Plan { sweep, out } => plan(&sweep, out),
        SweepCommand::Run(args) => run(args),
        SweepCommand::Slurm(args) => slurm(args),
    }
}

fn load(path: &Path) -> Result<Sweep> {
    let sweep = Sweep::load(path)?;
    for w in sweep.warnings() {
        eprintln!("warning: {w}");
    }
    if let Some(p) = &sweep.posterior {
        eprintln!(
            "posterior: each replicate draws {} from the {} particles of {}",
            p.info.parameters.join(", "),
            p.info.particles,
            p.info.file
        );
    }
    Ok(sweep)
}

fn out_dir(out: Option<PathBuf>, sweep: &Sweep) -> PathBuf {
    out.unwrap_or_else(|| PathBuf::from("output").join(&sweep.plan().name))
}

fn plan(path: &Path, out: Option<PathBuf>) -> Result<()> {
    let sweep = load(path)?;
    let out = out_dir(out, &sweep);
    let p = sweep.plan();
    let variants = match p.combinations {
        None => format!("{} variants", p.variants.len()),
        Some(_) => format!(
            "{} (scenario, variant) pairs (of {} variants; some reach only some scenarios)",
            p.cells().len(),
            p.variants.len()
        ),
    };
    eprintln!(
        "sweep {}: {} scenarios x {variants} x {} replicates = {} tasks",
        p.name,
        p.scenarios.len(),
        p.replicates,
        p.len()
    );
    let rows: Vec<[String; 6]> = sweep
        .plan()
        .tasks()
        .map(|t| {
            let path = out.join(&t.path).display().to_string();
            let index = t.index.to_string();
            let rep = t.replicate.to_string();
            [index, t.run_id, t.scenario, t.variant, rep, path]
        })
        .collect();
    let header = [
        "index",
        "run_id",
        "scenario",
        "variant",
        "replicate",
        "path",
    ]
    .map(String::from);
    let mut width = [0usize; 6];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in width.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(width)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        outln!("{}", cells.join("  ").trim_end());
    }
    Ok(())
}

fn share(args: &RunArgs) -> Result<Share> {
    if let (Some(i), Some(n)) = (args.task_index, args.task_count) {
        return Ok(Share::new(i, n)?);
    }
    let env = Share::from_slurm(|k| std::env::var(k).ok())?;
    Ok(env.unwrap_or(Share::ALL))
}

fn run(args: RunArgs) -> Result<()> {
    let sweep = load(&args.sweep)?;
    let opts = local_options(&args, &sweep)?;
    let report = run_with_progress(&sweep, &opts, args.quiet)
        .with_context(|| format!("running sweep {}", args.sweep.display()))?;
    if !args.quiet {
        outln!(
            "sweep {} into {}: {} ran, {} resumed, {} skipped (complete and verified), {} failed, {} interrupted, {} left to another process writing them",
            sweep.plan().name,
            opts.out.display(),
            report.ran,
            report.resumed,
            report.skipped,
            report.failed.len(),
            report.interrupted + report.not_started,
            report.busy
        );
    }
    verdict(&report, &opts.out)
}

/// Where and how the sweep runs here: its share, runs at once and threads of each.
fn local_options(args: &RunArgs, sweep: &Sweep) -> Result<LocalOptions> {
    let cores = crate::thread_count(None)?;
    let jobs = args.jobs.map_or(cores, |j| j as usize);
    Ok(LocalOptions {
        out: out_dir(args.out.clone(), sweep),
        jobs,
        threads: args.threads.map_or((cores / jobs).max(1), |t| t as usize),
        share: share(args)?,
        stop: Some(crate::stop_on_signal()),
        command_line: std::env::args().collect(),
    })
}

/// Runs the share with one progress bar, naming each failed task as it fails.
fn run_with_progress(
    sweep: &Sweep,
    opts: &LocalOptions,
    quiet: bool,
) -> relocsim::Result<batch::SweepReport> {
    let bar = crate::progress_bar(
        batch::local::total_steps(sweep, opts.share),
        quiet,
        "{bar:30} {pos}/{len} steps | {msg} | {elapsed_precise} elapsed, ETA {eta}",
    );
    let (done, failed) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let report = batch::run_local(sweep, opts, |p| match p {
        Progress::Advance(n) => bar.inc(n),
        Progress::Done(task, outcome) => {
            done.fetch_add(1, Ordering::Relaxed);
            if let TaskOutcome::Failed(m) = outcome {
                failed.fetch_add(1, Ordering::Relaxed);
                bar.suspend(|| eprintln!("task {} {} failed: {m}", task.index, task.run_id));
            }
            let (d, f) = (done.load(Ordering::Relaxed), failed.load(Ordering::Relaxed));
            bar.set_message(format!("{d} tasks done, {f} failed"));
        }
    });
    bar.finish_and_clear();
    report
}

/// Exit 0 only when every task of the share is complete.
fn verdict(report: &batch::SweepReport, out: &Path) -> Result<()> {
    if !report.failed.is_empty() {
        anyhow::bail!(
            "{} task(s) failed; their errors are in {}; run the sweep again to retry them",
            report.failed.len(),
            out.join(batch::local::FAILED_DIR).display()
        );
    }
    if report.busy > 0 {
        anyhow::bail!(
            "{} task(s) were being written by another relocsim process and were left to it; run the sweep again once it ends",
            report.busy
        );
    }
    if !report.all_complete() {
        anyhow::bail!("stopped: run the sweep again to resume and finish it");
    }
    Ok(())
}

/// An absolute path that need not exist yet (the jobs may start in another directory).
fn absolute(p: &Path) -> Result<PathBuf> {
    std::path::absolute(p).with_context(|| format!("making {} absolute", p.display()))
}

fn slurm(args: SlurmArgs) -> Result<()> {
    let sweep = load(&args.sweep)?;
    let out = out_dir(args.out, &sweep);
    let opts = args.sbatch.options(&out, &args.sweep, args.baseline)?;
    let s = batch::write_scripts(&sweep, &opts)?;
    outln!(
        "{} tasks in a job array of {} elements:\n  {}\n  {}\n  {}\nsubmit with: bash {}",
        sweep.plan().len(),
        s.array_size,
        s.array.display(),
        s.summarize.display(),
        s.submit.display(),
        batch::shell_quote(&s.submit.display().to_string())
    );
    Ok(())
}

pub fn summarize(args: SummarizeArgs) -> Result<()> {
    let opts = SummaryOptions {
        dir: args.dir.clone(),
        baseline: args.baseline,
        allow_missing: args.allow_missing,
    };
    let r =
        batch::summarize(&opts).with_context(|| format!("summarising {}", args.dir.display()))?;
    for m in &r.missing {
        eprintln!("warning: run {m} is not complete and is left out");
    }
    let baseline = r.baseline.as_deref().unwrap_or("none");
    outln!(
        "summarised {} runs ({} summary rows, {} paired differences against {baseline}):",
        r.runs,
        r.summary_rows,
        r.difference_rows
    );
    for f in &r.files {
        outln!("  {}", f.display());
    }
    Ok(())
}

//! The `relocsim` command line. Arguments are parsed in two stages (raw flags, then a
//! resolved scenario and run options); `main` maps errors to exit codes: 2 for invalid
//! input, 1 for a failure while running.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Writes a line to standard output; a closed pipe (`relocsim ... | head -1`) ends the
/// command quietly with exit code 0 instead of a panic.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::write_stdout(format_args!("{}\n", format_args!($($arg)*)))?
    };
}

/// [`outln!`] without the newline.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::write_stdout(format_args!($($arg)*))?
    };
}

mod author_cmd;
mod sweep_cmd;

/// Standard output was closed by its reader: nothing more to say, and no failure.
#[derive(Debug, thiserror::Error)]
#[error("standard output was closed")]
struct PipeClosed;

fn write_stdout(args: std::fmt::Arguments) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_fmt(args)
        .and_then(|_| out.flush())
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::BrokenPipe => anyhow::Error::new(PipeClosed),
            _ => anyhow::Error::new(e).context("writing to standard output"),
        })
}

use relocsim::engine::record::StepFrame;
use relocsim::run::runner::{self, RunOptions};
use relocsim::scenario::{self, Resolved};

#[derive(Parser)]
#[command(
    name = "relocsim",
    version,
    about = "Agent-based simulator of firm and population relocation under regional transfer policies"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario and write its run directory (Parquet tables and manifest.toml).
    Run(RunArgs),
    /// Check a scenario file (and its region) without running it.
    Validate {
        /// Scenario TOML file.
        scenario: PathBuf,
    },
    /// Run a run directory's manifest again and compare every data file byte for byte.
    Replay {
        /// A run directory (holding manifest.toml).
        run_dir: PathBuf,
        /// Worker threads [default: all cores]. Results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Time the engine (no output files): agent-steps per second, ns per agent per step,
    /// peak memory, and the time of each pass.
    Bench {
        /// Scenario [default: the shipped baseline, scenarios/baseline.toml, built in so
        /// that bench runs anywhere].
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Agents per real person and firm.
        #[arg(long, default_value_t = 0.01)]
        scale: f64,
        /// Worker threads [default: all cores].
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Compare scenarios: headline table (markdown, CSV), charts (SVG, PNG) and a
    /// self-contained report.html.
    Compare {
        /// Run directories, or sweep directories with runs below them
        /// (scenario=S/variant=V/replicate=R); the replicates of a scenario are grouped.
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// The scenario the others are compared with (its name, or name/variant).
        #[arg(long, value_name = "NAME")]
        baseline: String,
        /// Directory to write the report into (created if needed).
        #[arg(long, value_name = "REPORT_DIR")]
        out: PathBuf,
        /// Also hold the runs against a targets file: the fit table in report.html, and
        /// fit.md, fit.csv and fit.parquet beside it (as `relocsim check` writes).
        #[arg(long, value_name = "FILE")]
        targets: Option<PathBuf>,
        /// Also add the readings and charts of a sensitivity study (the --out DIR of
        /// `relocsim sensitivity`) to report.html.
        #[arg(long, value_name = "DIR")]
        sensitivity: Option<PathBuf>,
    },
    /// Check a targets file (observed values runs are held against) and print it as a
    /// table: quantity, observed value or range, tag, tolerance, weight, window, source.
    Targets {
        /// Targets TOML file, e.g. targets/jjj_2014_2023.toml.
        file: PathBuf,
    },
    /// Hold runs against a targets file: per scenario, each target's observed value,
    /// the simulated mean and 90% interval over replicates, whether it is met and the
    /// standardised distance, for the fit window and the held-out years. Prints the
    /// table (markdown); --out also writes fit.md, fit.csv and fit.parquet.
    Check {
        /// Run directories, or sweep directories with runs below them; the replicates of
        /// a scenario are grouped.
        #[arg(required = true, value_name = "RUN_OR_SWEEP")]
        dirs: Vec<PathBuf>,
        /// Targets TOML file.
        #[arg(long, value_name = "FILE")]
        targets: PathBuf,
        /// Directory to write fit.md, fit.csv and fit.parquet into (created if needed;
        /// an earlier table there is replaced, anything else refused).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Exit 1 if any published ([V]) target is missed.
        #[arg(long)]
        strict: bool,
    },
    /// Fit a scenario's parameters to a targets file by ABC-SMC (population Monte
    /// Carlo): each generation of particles runs as a sweep with common random numbers,
    /// resumably; writes posterior.parquet, particles.csv, convergence.csv,
    /// calibrated.toml, fit_before.md and fit_after.md into DIR.
    Calibrate {
        /// Calibration TOML file, e.g. calibration/jjj.toml.
        file: PathBuf,
        #[command(flatten)]
        study: StudyArgs,
    },
    /// Global sensitivity analysis: which parameters an output (a quantity, or a
    /// policy's paired effect against a baseline) depends on, by Morris elementary
    /// effects or Sobol indices. The runs go through the sweep machinery, resumably;
    /// writes indices.parquet, outputs.csv, samples.parquet, charts, summary.md and
    /// report.html into DIR.
    Sensitivity {
        /// Study TOML file, e.g. sensitivity/headline.toml.
        file: PathBuf,
        /// Print the design's size, the run count and the time estimate, and stop.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        study: StudyArgs,
    },
    /// Print the documented schema of the output files; with --json, the JSON Schema
    /// (draft 2020-12) of an input file for editors (Taplo, VS Code).
    Schema {
        /// scenario, sweep or calibration: print that input file's JSON Schema.
        #[arg(long, value_enum, value_name = "FILE")]
        json: Option<SchemaKind>,
    },
    /// Write a new scenario file to start from: every parameter with its unit, range,
    /// source tag and meaning, and a table per --policy at its defaults; it validates as
    /// written.
    New(author_cmd::NewArgs),
    /// Print shell completions (bash, zsh, fish, elvish, powershell); e.g.
    /// `relocsim completions bash > ~/.local/share/bash-completion/completions/relocsim`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff); e.g. `relocsim man > ~/.local/share/man/man1/relocsim.1`.
    Man,
    /// Sweeps of scenarios, variants and replicates: list, run here, or run on Slurm.
    #[command(subcommand)]
    Sweep(sweep_cmd::SweepCommand),
    /// Statistics over a sweep's replicates and paired differences against a baseline:
    /// DIR/summary/: summary.parquet, differences.parquet and summary.md.
    Summarize(sweep_cmd::SummarizeArgs),
    /// List the policy kinds, or describe one: parameters, mechanisms and an example.
    Policies {
        /// A policy kind, e.g. growth_pole.
        kind: Option<String>,
    },
    /// List every behavioural, trend and policy parameter: dotted name, unit, default,
    /// valid range, source tag ([V] published, [D] derived, [M] recalled, [A] assumed)
    /// and meaning.
    Params {
        /// table: aligned columns; md: a markdown table; csv: with a header.
        #[arg(long, value_enum, default_value = "table")]
        format: ParamsFormat,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SchemaKind {
    Scenario,
    Sweep,
    Calibration,
}

impl From<SchemaKind> for relocsim::scenario::json_schema::Kind {
    fn from(k: SchemaKind) -> Self {
        use relocsim::scenario::json_schema::Kind;
        match k {
            SchemaKind::Scenario => Kind::Scenario,
            SchemaKind::Sweep => Kind::Sweep,
            SchemaKind::Calibration => Kind::Calibration,
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ParamsFormat {
    Table,
    Md,
    Csv,
}

/// Where a study (a calibration, a sensitivity analysis) runs its sweeps.
#[derive(clap::Args)]
struct StudyArgs {
    /// Directory of the study (its sweeps and results); rerunning with the same DIR
    /// resumes.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Runs at once [default: all cores].
    #[arg(long, conflicts_with = "slurm")]
    jobs: Option<usize>,
    /// Run the study's sweeps (a calibration's generations, a sensitivity study's
    /// scenarios) as Slurm job arrays (`sbatch --wait`) instead of here; the sbatch
    /// settings below apply.
    #[arg(long)]
    slurm: bool,
    #[command(flatten)]
    sbatch: sweep_cmd::SbatchArgs,
}

impl StudyArgs {
    /// The backend: here with `jobs` runs at once (the cores shared between them), or
    /// Slurm; sbatch settings without --slurm would be ignored, so they are refused.
    fn backend(&self, file: &std::path::Path, command: &str) -> Result<relocsim::batch::Backend> {
        use relocsim::batch::{Backend, LocalOptions, Share};
        let given = self.sbatch.given();
        if !self.slurm && !given.is_empty() {
            return Err(relocsim::Error::Invalid {
                file: "command line".into(),
                problems: vec![format!(
                    "{} set the Slurm job arrays of `{command} --slurm`; add --slurm, or leave them out to run here",
                    given.join(", ")
                )],
            }
            .into());
        }
        if self.slurm {
            // Each sweep's file is set as the sweep is written.
            return Ok(Backend::Slurm(self.sbatch.options(&self.out, file, None)?));
        }
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let jobs = self.jobs.unwrap_or(cores).max(1);
        Ok(Backend::Local(LocalOptions {
            out: self.out.clone(),
            jobs,
            threads: (cores / jobs).max(1),
            share: Share::ALL,
            stop: Some(stop_on_signal()),
            command_line: std::env::args().collect(),
        }))
    }
}

#[derive(clap::Args)]
struct RunArgs {
    /// Scenario TOML file (a run's manifest.toml works too).
    #[arg(required_unless_present = "resume")]
    scenario: Option<PathBuf>,
    /// Continue the interrupted run in DIR (the --out it was given) from its last checkpoint.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["scenario", "out", "seed", "scale", "force", "snapshot_every", "checkpoint_every"])]
    resume: Option<PathBuf>,
    /// Run directory to create [default: output/<scenario name>].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Random seed (overrides the scenario's); at most 2^63 - 1, so that the run's
    /// manifest can write it back as a TOML integer.
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    seed: Option<u64>,
    /// Agents per real person and firm; 1 is the full region (overrides the scenario's).
    #[arg(long)]
    scale: Option<f64>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// No progress bar and no summary.
    #[arg(long)]
    quiet: bool,
    /// Replace an existing run directory (only one relocsim wrote: a folder holding other
    /// files is refused, and nothing is deleted).
    #[arg(long)]
    force: bool,
    /// Also write firms.parquet and persons.parquet every N steps (and at the last).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    snapshot_every: Option<u32>,
    /// Save the whole simulation state every N steps, so a killed run can be resumed.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    checkpoint_every: Option<u32>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.downcast_ref::<PipeClosed>().is_some() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            let input = e
                .downcast_ref::<relocsim::Error>()
                .is_some_and(|e| e.is_input_error());
            ExitCode::from(if input { 2 } else { 1 })
        }
    }
}

fn dispatch(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run(args) => run(args),
        Command::Validate { scenario } => {
            let r = scenario::load(&scenario)?;
            outln!(
                "{}: valid ({} policies, {} cities, {} sectors, years {}-{})",
                scenario.display(),
                r.scenario.policies.len(),
                r.region.n_cities(),
                r.region.n_sectors(),
                r.scenario.scenario.start_year,
                r.scenario.scenario.end_year
            );
            Ok(())
        }
        Command::Replay {
            run_dir,
            threads,
            quiet,
        } => replay(&run_dir, threads, quiet),
        Command::Bench {
            scenario,
            scale,
            threads,
        } => bench(scenario.as_deref(), scale, threads),
        Command::Compare {
            dirs,
            baseline,
            out,
            targets,
            sensitivity,
        } => compare(
            &dirs,
            &baseline,
            &out,
            targets.as_deref(),
            sensitivity.as_deref(),
        ),
        Command::Schema { json: None } => {
            out!("{}", relocsim::output::schema_doc());
            Ok(())
        }
        Command::Schema { json: Some(kind) } => {
            let schema = relocsim::scenario::json_schema::schema(kind.into());
            outln!("{}", serde_json::to_string_pretty(&schema)?);
            Ok(())
        }
        Command::New(args) => author_cmd::new(args),
        Command::Completions { shell } => {
            author_cmd::completions(shell, <Cli as clap::CommandFactory>::command())
        }
        Command::Man => author_cmd::man(<Cli as clap::CommandFactory>::command()),
        Command::Calibrate { file, study } => calibrate(&file, &study),
        Command::Sensitivity {
            file,
            dry_run,
            study,
        } => sensitivity(&file, &study, dry_run),
        Command::Targets { file } => {
            let region = relocsim::region::Region::embedded();
            let t = relocsim::targets::TargetFile::load(&file, &region.spec)?;
            out!("{}", t.to_markdown());
            Ok(())
        }
        Command::Check {
            dirs,
            targets,
            out,
            strict,
        } => check(&dirs, &targets, out.as_deref(), strict),
        Command::Policies { kind } => policies(kind.as_deref()),
        Command::Params { format } => params(format),
        Command::Sweep(cmd) => sweep_cmd::sweep(cmd),
        Command::Summarize(args) => sweep_cmd::summarize(args),
    }
}

fn compare(
    dirs: &[PathBuf],
    baseline: &str,
    out: &std::path::Path,
    targets: Option<&std::path::Path>,
    sensitivity: Option<&std::path::Path>,
) -> Result<()> {
    use relocsim::report::{Comparison, write_with};
    use relocsim::targets::{TargetFile, fit};
    let cmp = Comparison::load(dirs, baseline)?;
    let mut extras = Vec::new();
    if let Some(file) = targets {
        let t = TargetFile::load(file, cmp.region())?;
        let rows = fit::fit_table(&t, &cmp.groups)?;
        extras.push(fit::report_section(&t, &rows)?);
    }
    if let Some(dir) = sensitivity {
        extras.push(relocsim::sensitivity::results::read_section(dir)?);
    }
    let w = write_with(&cmp, out, &extras)?;
    outln!("{}", cmp.uncertainty());
    outln!(
        "compared {} scenarios ({} runs) with {baseline}: wrote {} files in {}; open {}",
        w.groups,
        w.runs,
        w.files.len(),
        w.dir.display(),
        w.dir.join("report.html").display()
    );
    Ok(())
}

fn check(
    dirs: &[PathBuf],
    targets: &std::path::Path,
    out: Option<&std::path::Path>,
    strict: bool,
) -> Result<()> {
    use relocsim::targets::{TargetFile, fit};
    let groups = relocsim::report::load_groups(dirs)?;
    let region = fit::region_of(&groups).expect("load_groups finds at least one run");
    let t = TargetFile::load(targets, region)?;
    let rows = fit::fit_table(&t, &groups)?;
    let md = fit::to_markdown(&t, &rows);
    out!("{md}");
    if let Some(out) = out {
        let files = fit::write(&t, &rows, out)?;
        outln!("wrote {} files in {}", files.len(), out.display());
    }
    let missed = fit::missed_published(&rows);
    if strict && !missed.is_empty() {
        let ids: Vec<String> = missed
            .iter()
            .map(|r| format!("{} ({})", r.id, r.group))
            .collect();
        anyhow::bail!(
            "--strict: {} published ([V]) target(s) missed: {}",
            missed.len(),
            ids.join(", ")
        );
    }
    Ok(())
}

fn sensitivity(file: &std::path::Path, args: &StudyArgs, dry_run: bool) -> Result<()> {
    use relocsim::sensitivity::{execute, prepare_dir, results, runs, study::Study};
    let study = Study::load(file)?;
    let opts = args.backend(file, "sensitivity")?;
    let out = args.out.as_path();
    let design = study.design();
    let plans = runs::plan(&study, &design);
    let s = &study.spec.sensitivity;
    let count = runs::run_count(&plans, s.replicates);
    let per_scenario: Vec<String> = (plans.iter())
        .map(|p| format!("{} {}", p.variants.len(), p.scenario.name))
        .collect();
    let formula = match study.method {
        relocsim::sensitivity::study::Method::Morris { .. } => "Morris: r(k + 1)",
        relocsim::sensitivity::study::Method::Sobol { .. } => "Sobol: N(k + 2)",
    };
    outln!(
        "{}: {} parameters, {} design points ({formula}); runs per replicate: {} (points that set a scenario alike share a run); x {} replicate(s) = {count} runs",
        file.display(),
        study.params.len(),
        study.points(),
        per_scenario.join(", "),
        s.replicates
    );
    let core_seconds = runs::core_seconds(&plans, s.replicates);
    match &opts {
        relocsim::batch::Backend::Local(o) => outln!(
            "estimated time: {} with {} job(s) at once ({:.0} core-seconds at the development machine's speed; runs done already are skipped)",
            duration(core_seconds / o.jobs as f64),
            o.jobs,
            core_seconds
        ),
        relocsim::batch::Backend::Slurm(_) => outln!(
            "estimated work: {:.0} core-seconds at the development machine's speed, as {} Slurm job array(s)",
            core_seconds,
            plans.len()
        ),
    }
    if dry_run {
        return Ok(());
    }
    if prepare_dir(out, file)? {
        eprintln!(
            "{} changed since {} was made: the runs it changed run again, and its results are replaced",
            file.display(),
            out.display()
        );
    }
    let started = std::time::Instant::now();
    let bar = progress_bar(
        count as u64,
        false,
        "{bar:30} {pos}/{len} runs, {elapsed} ({eta} left) {msg}",
    );
    let phase = |m: &str| {
        // A hidden bar (output not a terminal) prints nothing: say it plainly.
        if bar.is_hidden() {
            eprintln!("{m}");
        }
        bar.set_message(m.to_string());
    };
    let on = runs::Progress {
        run: &|| bar.inc(1),
        phase: &phase,
    };
    let done = execute(&study, &design, &plans, &opts, &on);
    bar.finish_and_clear();
    let (outputs, runs) = done?;
    let files = results::write(&study, &design, &outputs, runs, out)?;
    for r in &outputs {
        outln!("- {}", r.reading(study.method));
    }
    outln!(
        "{runs} runs in {:.0} s: wrote {} files in {}; open {}",
        started.elapsed().as_secs_f64(),
        files.len(),
        out.display(),
        out.join("report.html").display()
    );
    Ok(())
}

/// Seconds as people read them: "40 s", "12 min", "2.5 h".
fn duration(seconds: f64) -> String {
    if seconds < 90.0 {
        format!("about {seconds:.0} s")
    } else if seconds < 5400.0 {
        format!("about {:.0} min", seconds / 60.0)
    } else {
        format!("about {:.1} h", seconds / 3600.0)
    }
}

fn calibrate(file: &std::path::Path, args: &StudyArgs) -> Result<()> {
    use relocsim::calibrate::{Calibration, abc, prepare_dir, write_outcome};
    let c = Calibration::load(file)?;
    let opts = args.backend(file, "calibrate")?;
    let out = args.out.as_path();
    prepare_dir(out, file)?;
    let started = std::time::Instant::now();
    let s = &c.spec.calibration;
    let total = (u64::from(s.particles) * u64::from(s.generations) + 2) * u64::from(s.replicates);
    let bar = indicatif::ProgressBar::new(total).with_style(
        indicatif::ProgressStyle::with_template(
            "{bar:30} {pos}/{len} runs, {elapsed} ({eta} left) {msg}",
        )
        .expect("a valid template"),
    );
    bar.set_message("generation 0");
    let on = |e: abc::Event| match e {
        abc::Event::RunDone => bar.inc(1),
        abc::Event::Generation(step) => {
            // A hidden bar (output not a terminal) prints nothing: say it plainly.
            if bar.is_hidden() {
                eprintln!("{}", step.line(s.particles));
            } else {
                bar.println(step.line(s.particles));
            }
            bar.set_message(format!(
                "generation {}: tolerance {:.3}, acceptance {:.0}%",
                step.generation + 1,
                step.epsilon,
                100.0 * step.accepted as f64 / f64::from(s.particles)
            ));
        }
    };
    let o = abc::calibrate(&c, &opts, &on);
    bar.finish_and_clear();
    let o = o?;
    let files = write_outcome(&c, &o, out)?;
    let n = c.spec.parameters.len();
    outln!(
        "calibrated {n} parameter{} with {} runs in {:.0} s: wrote {} files in {}",
        if n == 1 { "" } else { "s" },
        o.runs,
        started.elapsed().as_secs_f64(),
        files.len(),
        out.display()
    );
    Ok(())
}

fn policies(kind: Option<&str>) -> Result<()> {
    use relocsim::policy::{KINDS, doc};
    let Some(name) = kind else {
        out!("{}", doc::list());
        return Ok(());
    };
    let Some(k) = doc::find(name) else {
        let valid: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
        anyhow::bail!(relocsim::Error::Invalid {
            file: "relocsim policies".into(),
            problems: vec![format!(
                "unknown policy kind {name:?}; valid kinds: {}",
                valid.join(", ")
            )],
        });
    };
    out!("{}", doc::describe(k));
    Ok(())
}

fn params(format: ParamsFormat) -> Result<()> {
    use relocsim::params::{Format, lines};
    let format = match format {
        ParamsFormat::Table => Format::Table,
        ParamsFormat::Md => Format::Markdown,
        ParamsFormat::Csv => Format::Csv,
    };
    for line in lines(format) {
        outln!("{line}");
    }
    Ok(())
}

/// Stage two: the raw flags become a resolved scenario and run options.
fn resolve(args: &RunArgs, path: &std::path::Path) -> Result<(Resolved, RunOptions)> {
    let mut resolved = scenario::load(path)?;
    let run = &mut resolved.scenario.scenario;
    if let Some(seed) = args.seed {
        run.seed = seed;
    }
    if let Some(scale) = args.scale {
        run.scale = scale;
    }
    // Re-validate: overrides are input too.
    let file = path.display().to_string();
    let base = path.parent().map(PathBuf::from).unwrap_or_default();
    let resolved = scenario::resolve(resolved.scenario, &file, &base)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&resolved.scenario.scenario.name));
    Ok((resolved, options(args, out)?))
}

fn options(args: &RunArgs, out: PathBuf) -> Result<RunOptions> {
    Ok(RunOptions {
        out,
        threads: thread_count(args.threads)?,
        force: args.force,
        snapshot_every: args.snapshot_every,
        checkpoint_every: args.checkpoint_every,
        command_line: std::env::args().collect(),
        stop: Some(stop_on_signal()),
        stop_grace: None,
    })
}

/// The first Ctrl-C or SIGTERM asks the run to stop: at the next step boundary (with a
/// checkpoint) if the step ends within `runner::STOP_GRACE`, else where it is; a second
/// one aborts at once (exit code 130), leaving only the hidden partial directory.
fn stop_on_signal() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let installed = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            eprintln!("\naborted: nothing was moved into place");
            std::process::exit(130);
        }
        eprintln!(
            "\nstopping: the step in progress ends, or is abandoned after {} s (press Ctrl-C again to abort)",
            relocsim::run::runner::STOP_GRACE.as_secs()
        );
    });
    if let Err(e) = installed {
        eprintln!(
            "warning: cannot catch Ctrl-C/SIGTERM ({e}); an interrupted run will not be resumable"
        );
    }
    stop
}

fn run(args: RunArgs) -> Result<()> {
    let (result, summary) = match &args.resume {
        Some(dir) => (resume_run(&args, dir)?, None),
        None => new_run(&args)?,
    };
    if result.interrupted() {
        let m = &result.manifest;
        anyhow::bail!(
            "interrupted after step {} of {}: {} holds the steps done and a checkpoint of step {}; continue with `relocsim run --resume {}`",
            m.steps_completed,
            result.model.steps,
            result.dir.display(),
            m.checkpoint_step.unwrap_or(m.steps_completed),
            result.dir.display()
        );
    }
    if !args.quiet {
        if let Some((r, first, last)) = summary {
            print_summary(&r, &first, &last)?;
        }
        outln!(
            "wrote {} in {:.2} s ({} steps, {} agents)",
            result.dir.display(),
            result.wall_seconds,
            result.model.step,
            result.model.n_agents()
        );
    }
    Ok(())
}

/// The first and last step of a run, for the summary.
type Summary = (Resolved, StepFrame, StepFrame);

/// `relocsim run SCENARIO`: the run, and what its summary needs.
fn new_run(args: &RunArgs) -> Result<(runner::RunResult, Option<Summary>)> {
    let path = args
        .scenario
        .clone()
        .expect("clap requires a scenario without --resume");
    let (resolved, opts) = resolve(args, &path)?;
    if !args.quiet {
        let bytes = relocsim::resources::estimate(&resolved, &opts.usage()).resident();
        eprintln!("estimated memory: {:.0} MiB", bytes / (1024.0 * 1024.0));
    }
    let bar = progress_bar(resolved.steps() as u64 + 1, args.quiet, STEP_BAR);
    let (mut first, mut last) = (None, None);
    let result = runner::run_to_dir(&resolved, &opts, |m, frame| {
        bar.set_message(format!("{} agents", m.n_agents()));
        bar.inc(1);
        first.get_or_insert_with(|| frame.clone());
        last = Some(frame.clone());
    });
    bar.finish_and_clear();
    let result = result.with_context(|| format!("running {}", path.display()))?;
    let summary = first.zip(last).map(|(a, b)| (resolved, a, b));
    Ok((result, summary))
}

/// `relocsim run --resume DIR`.
fn resume_run(args: &RunArgs, dir: &std::path::Path) -> Result<runner::RunResult> {
    let opts = options(args, dir.to_path_buf())?;
    let bar = progress_bar(0, args.quiet, STEP_BAR);
    let result = runner::resume(&opts, |m, _| {
        bar.set_length(u64::from(m.steps));
        bar.set_position(u64::from(m.step));
        bar.set_message(format!("{} agents", m.n_agents()));
    });
    bar.finish_and_clear();
    result.with_context(|| format!("resuming {}", dir.display()))
}

/// The progress bar of a single run.
const STEP_BAR: &str = "{bar:30} step {pos}/{len} | {msg} | {elapsed_precise} elapsed, ETA {eta}";

/// A bar on stderr, hidden with --quiet or when stderr is not a terminal.
fn progress_bar(len: u64, quiet: bool, template: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(ProgressStyle::with_template(template).expect("valid template"));
    bar
}

/// Headline indicators at the start and at the end of the run, named and measured as
/// the catalogue has them.
fn print_summary(r: &Resolved, first: &StepFrame, last: &StepFrame) -> Result<()> {
    use relocsim::engine::indicators::{self, DIRECTED_MOVES_CUM, Places};
    let places = Places::of(&r.region.spec);
    // Directed moves are the interest-compensation mechanism at work; the report's
    // headline list leaves them to the detail tables.
    let mut shown = indicators::headline(&places);
    shown.extend(DIRECTED_MOVES_CUM.resolve(&places));
    let (a, b) = (first.year, last.year);
    outln!("{:<42} {:<12} {a:>16} {b:>16}", "indicator", "unit");
    for n in shown {
        if let (Some(a), Some(b)) = (first.indicator(&n.name), last.indicator(&n.name)) {
            outln!(
                "{:<42} {:<12} {:>16} {:>16}",
                n.label,
                n.unit.name(),
                relocsim::output::human_in(a, n.unit),
                relocsim::output::human_in(b, n.unit)
            );
        }
    }
    Ok(())
}

fn thread_count(flag: Option<usize>) -> Result<usize> {
    match flag {
        Some(0) => Err(relocsim::Error::Invalid {
            file: "--threads".into(),
            problems: vec!["--threads 0: give at least 1".into()],
        }
        .into()),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)),
    }
}

fn replay(run_dir: &std::path::Path, threads: Option<usize>, quiet: bool) -> Result<()> {
    let threads = thread_count(threads)?;
    let manifest = relocsim::run::replay::read_manifest(run_dir)?;
    let bar = progress_bar(u64::from(manifest.steps_completed) + 1, quiet, STEP_BAR);
    let report = relocsim::run::replay::replay(run_dir, threads, |m, _| {
        bar.set_message(format!("{} agents", m.n_agents()));
        bar.inc(1);
    });
    bar.finish_and_clear();
    let report = report.with_context(|| format!("replaying {}", run_dir.display()))?;
    for f in &report.files {
        match &f.difference {
            None => outln!("{:<24} identical", f.name),
            Some(d) => outln!("{:<24} DIFFERS: {d}", f.name),
        }
    }
    match report.first_difference() {
        None => {
            outln!(
                "replay of {} with {threads} threads: all {} data files identical",
                run_dir.display(),
                report.files.len()
            );
            Ok(())
        }
        Some(f) => anyhow::bail!(
            "replay of {} differs: first difference in {}: {}",
            run_dir.display(),
            f.name,
            f.difference.as_deref().unwrap_or_default()
        ),
    }
}

/// The shipped baseline, compiled in: `relocsim bench` runs outside the repository.
const BASELINE: &str = include_str!("../scenarios/baseline.toml");

fn bench(path: Option<&std::path::Path>, scale: f64, threads: Option<usize>) -> Result<()> {
    let (file, base) = match path {
        Some(p) => (
            p.display().to_string(),
            p.parent().map(PathBuf::from).unwrap_or_default(),
        ),
        None => (
            "scenarios/baseline.toml (built in)".to_string(),
            PathBuf::from("."),
        ),
    };
    let mut resolved = match path {
        Some(p) => scenario::load(p)?,
        None => scenario::parse(BASELINE, &file, &base)?,
    };
    resolved.scenario.scenario.scale = scale;
    let resolved = scenario::resolve(resolved.scenario, &file, &base)?;
    let threads = thread_count(threads)?;
    let usage = relocsim::resources::Usage::one_run(threads);
    relocsim::resources::check(&resolved, &usage)?;
    let mib = relocsim::resources::estimate(&resolved, &usage).resident() / (1024.0 * 1024.0);
    eprintln!("estimated memory: {mib:.0} MiB");
    let r = relocsim::run::bench::run(&resolved, threads)?;
    outln!(
        "scenario {} at scale {} on {} threads: {} agents, {} steps",
        file,
        r.scale,
        r.threads,
        r.agents,
        r.steps
    );
    outln!("  initialisation        {:>9.3} s", r.init_seconds);
    outln!(
        "  steps                 {:>9.3} s ({:.3} s a step)",
        r.step_seconds,
        r.step_seconds / f64::from(r.steps.max(1))
    );
    outln!(
        "  agent-steps per second {:>12.0}",
        r.agent_steps_per_second()
    );
    outln!("  ns per agent per step  {:>12.2}", r.ns_per_agent_step());
    if let Some(b) = r.peak_bytes {
        outln!(
            "  peak resident memory   {:>9.1} MiB",
            b as f64 / (1024.0 * 1024.0)
        );
    }
    outln!("  time by pass (all steps):");
    for (name, d) in r.timings.phases() {
        outln!("    {name:<34} {:>9.3} s", d.as_secs_f64());
    }
    Ok(())
}

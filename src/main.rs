//! The `relocsim` command line. Arguments are parsed in two stages (raw flags, then a
//! resolved scenario and run options); `main` maps errors to exit codes: 2 for invalid
//! input, 1 for a failure while running.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use relocsim::record::StepFrame;
use relocsim::runner::{RunOptions, run_to_dir};
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
    /// Print the documented schema of the output files.
    Schema,
    /// List the policy kinds, or describe one: parameters, mechanisms and an example.
    Policies {
        /// A policy kind, e.g. growth_pole.
        kind: Option<String>,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// Scenario TOML file (a run's manifest.toml works too).
    scenario: PathBuf,
    /// Run directory to create [default: output/<scenario name>].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Random seed (overrides the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Agents per real person and firm, in (0, 1] (overrides the scenario's).
    #[arg(long)]
    scale: Option<f64>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// No progress bar and no summary.
    #[arg(long)]
    quiet: bool,
    /// Replace an existing run directory.
    #[arg(long)]
    force: bool,
    /// Also write firms.parquet and persons.parquet every N steps (and at the last).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    snapshot_every: Option<u32>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
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
            println!(
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
        Command::Schema => {
            print!("{}", relocsim::output::SCHEMA_DOC);
            Ok(())
        }
        Command::Policies { kind } => policies(kind.as_deref()),
    }
}

fn policies(kind: Option<&str>) -> Result<()> {
    use relocsim::policy::{KINDS, doc};
    let Some(name) = kind else {
        print!("{}", doc::list());
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
    print!("{}", doc::describe(k));
    Ok(())
}

/// Stage two: the raw flags become a resolved scenario and run options.
fn resolve(args: &RunArgs) -> Result<(Resolved, RunOptions)> {
    let mut resolved = scenario::load(&args.scenario)?;
    let run = &mut resolved.scenario.scenario;
    if let Some(seed) = args.seed {
        run.seed = seed;
    }
    if let Some(scale) = args.scale {
        run.scale = scale;
    }
    // Re-validate: overrides are input too.
    let file = args.scenario.display().to_string();
    let base = args
        .scenario
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default();
    let resolved = scenario::resolve(resolved.scenario, &file, &base)?;
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    if threads == 0 {
        anyhow::bail!(relocsim::Error::Invalid {
            file: "--threads".into(),
            problems: vec!["--threads 0: give at least 1".into()]
        });
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&resolved.scenario.scenario.name));
    let opts = RunOptions {
        out,
        threads,
        force: args.force,
        snapshot_every: args.snapshot_every,
        command_line: std::env::args().collect(),
    };
    Ok((resolved, opts))
}

fn run(args: RunArgs) -> Result<()> {
    let (resolved, opts) = resolve(&args)?;
    let bar = progress_bar(resolved.steps() as u64 + 1, args.quiet);
    let mut first: Option<StepFrame> = None;
    let mut last: Option<StepFrame> = None;
    let result = run_to_dir(&resolved, &opts, |m, frame| {
        bar.set_message(format!("{} agents", m.n_agents()));
        bar.inc(1);
        if first.is_none() {
            first = Some(frame.clone());
        }
        last = Some(frame.clone());
    });
    bar.finish_and_clear();
    let result = result.with_context(|| format!("running {}", args.scenario.display()))?;
    if !args.quiet {
        if let (Some(a), Some(b)) = (first, last) {
            print_summary(&resolved, &a, &b);
        }
        println!(
            "wrote {} in {:.2} s ({} steps, {} agents)",
            result.dir.display(),
            result.wall_seconds,
            result.model.step,
            result.model.n_agents()
        );
    }
    Ok(())
}

fn progress_bar(len: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30} step {pos}/{len} | {msg} | {elapsed_precise} elapsed, ETA {eta}",
        )
        .expect("valid template"),
    );
    bar
}

/// Headline indicators at the start and at the end of the run.
fn print_summary(r: &Resolved, first: &StepFrame, last: &StepFrame) {
    println!("{:<36} {:>16} {:>16}", "indicator", first.year, last.year);
    let region = &r.region;
    let cap = relocsim::record::slug(&region.city(region.capital).name);
    let mut names = vec![format!("{cap}_population"), format!("{cap}_cap_gap")];
    if let Some(na) = region.new_area {
        let s = relocsim::record::slug(&region.city(na).name);
        names.push(format!("{s}_population"));
        names.push(format!("{s}_firms"));
    }
    names.push(format!("firms_moved_out_of_{cap}_cum"));
    if let Some(h) = &region.spec.hinterland {
        names.push(format!("{}_output_share", relocsim::record::slug(h)));
    }
    for n in [
        "output_per_head_cv",
        "rank_size_slope",
        "unemployment_rate",
        "shared_tax_cum_bn",
        "directed_moves_cum",
    ] {
        names.push(n.to_string());
    }
    for n in names {
        if let (Some(a), Some(b)) = (first.indicator(&n), last.indicator(&n)) {
            println!("{n:<36} {:>16} {:>16}", human(a), human(b));
        }
    }
}

/// Large values with thousands separators, small ones with four decimals.
fn human(v: f64) -> String {
    if v.abs() < 1000.0 {
        return format!("{v:.4}");
    }
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if v < 0.0 { format!("-{out}") } else { out }
}

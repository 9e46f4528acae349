//! The library's one error type. Each variant carries the offending value so that the
//! binary can print a message a user can act on without a backtrace.

use std::path::PathBuf;

/// Everything the library can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input file that is not read: missing, not a regular file (a device, FIFO or
    /// directory), too large, or not UTF-8.
    #[error("{}: cannot read: {reason}", path.display())]
    Unreadable { path: PathBuf, reason: String },
    /// An output directory relocsim will not replace or write into, and why.
    #[error("{}: {reason}", path.display())]
    OutputRefused { path: PathBuf, reason: String },
    /// Another relocsim process holds the lock on an output.
    #[error(
        "{}: being written by relocsim process {pid} on {host} since {since} (lock {}); wait for it to end, or if no such process exists remove the lock file",
        path.display(),
        lock.display()
    )]
    Locked {
        path: PathBuf,
        lock: PathBuf,
        pid: u32,
        host: String,
        since: String,
    },
    /// A directory given to a command that needs a run (or a sweep) holds none.
    #[error("{}: not a relocsim {expected} ({why})", path.display())]
    NotARun {
        path: PathBuf,
        expected: &'static str,
        why: String,
    },
    /// A data file of a run no longer matches the checksum its manifest records.
    #[error(
        "{}: does not match the SHA-256 its manifest records ({}; the file has {}): the run was changed after it was written, so it cannot be trusted or replayed",
        file.display(),
        short(expected),
        short(found)
    )]
    ChecksumMismatch {
        file: PathBuf,
        expected: String,
        found: String,
    },
    /// A stop request (Ctrl-C, SIGTERM) ended a run with nothing to resume from.
    #[error("{}: {message}", out.display())]
    Stopped { out: PathBuf, message: String },
    /// A file could not be read or written.
    // The io error is part of the message, not a `source`, so that chains printed with
    // `{:#}` do not repeat it.
    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// A scenario or region file is not valid TOML or does not match the schema.
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    /// The input parsed but breaks a rule (unknown city, window outside the run, ...).
    /// Every problem found is listed, not only the first.
    #[error("{file}: invalid input:\n{}", problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid { file: String, problems: Vec<String> },
    /// A run directory exists already and `--force` was not given.
    #[error("{0} exists already; pass --force to replace it or choose another --out")]
    OutputExists(PathBuf),
    /// The run (or `runs` runs at once) would not fit under the tightest memory limit
    /// on this process, named by `limit`.
    #[error(
        "scale {scale}{}: {} an estimated {} of memory but {} are available ({limit}); the largest scale that fits is about {max_scale:.3}",
        if *runs > 1 { format!(", {runs} runs at once") } else { String::new() },
        if *runs > 1 { "the runs need" } else { "the run needs" },
        size(*needed_bytes),
        size(*available_bytes),
    )]
    Resources {
        scale: f64,
        runs: usize,
        needed_bytes: f64,
        available_bytes: f64,
        limit: &'static str,
        max_scale: f64,
    },
    /// The Parquet writer failed.
    #[error("writing {file}: {message}")]
    Output { file: String, message: String },
    /// A path that must be written into a shell script is not valid UTF-8.
    #[error("{0}: the path is not valid UTF-8, so it cannot be written into a Slurm script")]
    NotUtf8(PathBuf),
    /// An sbatch option value that would break the `#SBATCH` line it goes into.
    #[error("--{option} {value:?}: {reason}")]
    SlurmOption {
        option: String,
        value: String,
        reason: String,
    },
    /// A sweep's summary needs runs that are not complete (failed, not run yet, or
    /// interrupted).
    #[error(
        "{}: {} planned run(s) are not complete: {}{}; run the sweep again, or pass --allow-missing to summarise the runs there are",
        dir.display(),
        runs.len(),
        runs.iter().take(5).cloned().collect::<Vec<_>>().join(", "),
        if runs.len() > 5 { ", ..." } else { "" }
    )]
    RunsMissing { dir: PathBuf, runs: Vec<String> },
    /// A directory given to `relocsim compare` holds no run (no `manifest.toml` in it or
    /// below it).
    #[error("{}: no run found (no manifest.toml in it or in any directory below it)", .0.display())]
    NoRuns(PathBuf),
    /// The baseline named for a comparison is none of the scenarios found.
    #[error("--baseline {name:?}: no such scenario among the runs; found: {}", found.join(", "))]
    UnknownBaseline { name: String, found: Vec<String> },
    /// Two runs given to one comparison differ in what every compared run must share.
    #[error(
        "{} and {}: runs of different {what} ({first} and {other}); compare runs of one region over the same years",
        first_run.display(),
        other_run.display()
    )]
    Incomparable {
        what: &'static str,
        first_run: PathBuf,
        first: String,
        other_run: PathBuf,
        other: String,
    },
    /// A run directory holds an interrupted run.
    #[error(
        "{}: the run is not complete (it stopped after step {steps}); finish it with `relocsim run --resume` or leave it out",
        .run.display()
    )]
    IncompleteRun { run: PathBuf, steps: u32 },
    /// Two runs of one scenario with the same seed and replicate: replicates would be
    /// counted twice and pairs would be ambiguous.
    #[error(
        "{} and {}: two runs of {label} with seed {seed} and replicate {replicate}; give each run once",
        first.display(),
        second.display()
    )]
    DuplicateRun {
        label: String,
        seed: u64,
        replicate: u32,
        first: PathBuf,
        second: PathBuf,
    },
    /// A checkpoint that is damaged, foreign or of another format. Resuming from it could
    /// continue into data other than the interrupted run's, so it is refused; this is
    /// not the user's input but a failure of what a run left on disk.
    #[error("{}: {reason}: cannot resume; rerun without --resume", path.display())]
    Checkpoint { path: PathBuf, reason: String },
    /// A run's data file cannot be read or lacks a column the comparison needs.
    #[error("reading {}: {message}", file.display())]
    Read { file: PathBuf, message: String },
}

/// The first 12 hex digits of a checksum: enough to tell two apart in a message.
fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            error: source,
        }
    }

    /// True for mistakes in the user's input, as opposed to failures while running.
    pub fn is_input_error(&self) -> bool {
        matches!(
            self,
            Error::Parse { .. }
                | Error::Unreadable { .. }
                | Error::OutputRefused { .. }
                | Error::Locked { .. }
                | Error::NotARun { .. }
                | Error::Invalid { .. }
                | Error::OutputExists(_)
                | Error::Resources { .. }
                | Error::NotUtf8(_)
                | Error::SlurmOption { .. }
                | Error::NoRuns(_)
                | Error::UnknownBaseline { .. }
                | Error::Incomparable { .. }
                | Error::IncompleteRun { .. }
                | Error::DuplicateRun { .. }
        )
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// Bytes in GiB, or in MiB below one GiB where one decimal of a GiB says little.
fn size(bytes: f64) -> String {
    if bytes >= GIB {
        format!("{:.1} GiB", bytes / GIB)
    } else {
        format!("{:.0} MiB", bytes / (1024.0 * 1024.0))
    }
}

//! Output directories: what relocsim may replace or delete, and one writer at a time.
//!
//! relocsim deletes only what it wrote itself. A directory is replaced (by `--force`) or
//! removed only when it is empty or holds a run relocsim wrote: a run manifest and only
//! the files that manifest lists (plus the run's checkpoint). Hidden working
//! directories (`.NAME.partial`, `.NAME.resuming`, `checkpoint.new`) carry a marker
//! file from their creation. The file system root, the home directory, the current
//! directory and its ancestors are never replaced, whatever they hold.
//!
//! Each output has one writer: a lock file beside it (`.NAME.lock`) names the process
//! that holds it (process id, host, start). A second writer is refused; a lock left by
//! a process that no longer runs on this host (a crash, `kill -9`) is taken over.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::output::Manifest;

/// Marks a hidden working directory as relocsim's own from the moment it is created.
pub const WORK_MARKER: &str = ".relocsim-work";

/// The checkpoint subdirectory of a run.
const CHECKPOINT: &str = "checkpoint";

fn refused(path: &Path, reason: impl Into<String>) -> Error {
    Error::OutputRefused {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Why `path` (which exists) may never be replaced, if it is such a place.
fn protected(path: &Path) -> Option<&'static str> {
    let real = std::fs::canonicalize(path).ok()?;
    if real.parent().is_none() {
        return Some("the file system root");
    }
    let home = std::env::var_os("HOME").and_then(|h| std::fs::canonicalize(h).ok());
    if home.as_deref() == Some(real.as_path()) {
        return Some("the home directory");
    }
    let cwd = std::env::current_dir()
        .and_then(std::fs::canonicalize)
        .ok()?;
    if cwd == real {
        return Some("the current directory");
    }
    cwd.starts_with(&real)
        .then_some("an ancestor of the current directory")
}

/// Names in `dir`, or an error naming it.
fn entries(dir: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for e in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let e = e.map_err(|e| Error::io(dir, e))?;
        names.push(e.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}

/// Why `dir` is not a run relocsim wrote, if it is not one. A run holds a run manifest
/// and only the files it lists, and its `checkpoint/` (an interrupted run).
fn not_a_run(dir: &Path) -> Result<Option<String>> {
    let manifest = dir.join("manifest.toml");
    let m = match Manifest::read(&manifest) {
        Ok(m) => m,
        Err(_) => return Ok(Some("it holds no relocsim run manifest".into())),
    };
    for name in entries(dir)? {
        let listed = name == "manifest.toml" || m.files.iter().any(|f| f.name == name);
        let checkpoint = name == CHECKPOINT && is_work_dir(&dir.join(CHECKPOINT))?;
        if !listed && !checkpoint {
            return Ok(Some(format!(
                "it holds {name:?}, which its manifest does not list"
            )));
        }
    }
    Ok(None)
}

/// True for an empty directory or one carrying the working-directory marker (or, once
/// finished, a run manifest or a report's list): one of relocsim's own hidden
/// directories.
fn is_work_dir(dir: &Path) -> Result<bool> {
    if dir.join(WORK_MARKER).is_file() {
        return Ok(true);
    }
    if dir.join(REPORT_MARKER).is_file() && not_a_report(dir)?.is_none() {
        return Ok(true);
    }
    // A checkpoint written before markers existed holds its own description.
    if dir.join("checkpoint.toml").is_file() && dir.join("state.bin").is_file() {
        return Ok(true);
    }
    if dir.join("manifest.toml").is_file() && not_a_run(dir)?.is_none() {
        return Ok(true);
    }
    Ok(entries(dir)?.is_empty())
}

/// A kind of output directory relocsim replaces whole: how to tell one it wrote.
struct Kind {
    what: &'static str,
    /// Why anything else is refused, and what was (not) done.
    rule: &'static str,
    /// Why a non-empty directory is not one of this kind, if it is not.
    not_ours: fn(&Path) -> Result<Option<String>>,
}

const RUN: Kind = Kind {
    what: "run",
    rule: "--force replaces only runs relocsim wrote; nothing was deleted",
    not_ours: not_a_run,
};

const REPORT: Kind = Kind {
    what: "report",
    rule: "a report replaces only an earlier report; nothing was written",
    not_ours: not_a_report,
};

/// Checks that `dir` may be replaced by output of `kind`: it does not exist, or it is
/// an empty directory or output of that kind relocsim wrote, and no protected place.
fn check(dir: &Path, kind: &Kind) -> Result<()> {
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    if meta.file_type().is_symlink() {
        return Err(refused(
            dir,
            "a symbolic link: relocsim replaces only directories it wrote; give the directory itself or another --out",
        ));
    }
    if !meta.is_dir() {
        return Err(refused(
            dir,
            "exists and is not a directory: choose another --out",
        ));
    }
    if let Some(place) = protected(dir) {
        return Err(refused(
            dir,
            format!("{place}: relocsim never replaces it; choose a new directory for --out"),
        ));
    }
    if entries(dir)?.is_empty() {
        return Ok(());
    }
    match (kind.not_ours)(dir)? {
        None => Ok(()),
        Some(why) => Err(refused(
            dir,
            format!(
                "not a relocsim {} ({why}): {}, choose another --out",
                kind.what, kind.rule
            ),
        )),
    }
}

/// Removes `dir` (if it exists) after [`check`].
fn remove(dir: &Path, kind: &Kind) -> Result<()> {
    check(dir, kind)?;
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    Ok(())
}

/// Checks that `dir` may be replaced by a new run.
pub fn check_replaceable(dir: &Path) -> Result<()> {
    check(dir, &RUN)
}

/// Removes the run directory `dir` (if it exists) after [`check_replaceable`].
pub fn remove_run(dir: &Path) -> Result<()> {
    remove(dir, &RUN)
}

/// Creates the hidden working directory `dir` with its marker, first removing an
/// earlier one that relocsim left (a crash); a directory of that name holding anything
/// else is refused.
pub fn fresh_work_dir(dir: &Path) -> Result<()> {
    remove_work_dir(dir)?;
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let marker = dir.join(WORK_MARKER);
    std::fs::write(&marker, "relocsim working directory\n").map_err(|e| Error::io(&marker, e))
}

/// Removes a hidden working directory relocsim made (if it exists).
pub fn remove_work_dir(dir: &Path) -> Result<()> {
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    if !meta.is_dir() || !is_work_dir(dir)? {
        return Err(refused(
            dir,
            "relocsim's working directory of this name holds files relocsim did not write; nothing was deleted: move it away and try again",
        ));
    }
    std::fs::remove_dir_all(dir).map_err(|e| Error::io(dir, e))
}

/// Drops the marker of a finished working directory before it is renamed into place.
pub fn unmark(dir: &Path) -> Result<()> {
    let marker = dir.join(WORK_MARKER);
    match std::fs::remove_file(&marker) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(&marker, e)),
        _ => Ok(()),
    }
}

/// Lists the files of a comparison report (relative paths), so that a later report may
/// replace exactly what this one wrote.
pub const REPORT_MARKER: &str = ".relocsim-report";

/// Why `dir` is not a report relocsim wrote, if it is not one.
fn not_a_report(dir: &Path) -> Result<Option<String>> {
    let Ok(listing) = crate::input::read_text(&dir.join(REPORT_MARKER)) else {
        return Ok(Some("it holds no relocsim report".into()));
    };
    let tops: Vec<&str> = listing
        .lines()
        .skip(1)
        .filter_map(|l| l.split('/').next())
        .collect();
    for name in entries(dir)? {
        if name != REPORT_MARKER && !tops.contains(&name.as_str()) {
            return Ok(Some(format!(
                "it holds {name:?}, which relocsim's report did not write"
            )));
        }
    }
    Ok(None)
}

/// Checks that a comparison report may be written into `dir`: new, empty, or an
/// earlier report relocsim wrote (which it replaces).
fn check_report_dir(dir: &Path) -> Result<()> {
    check(dir, &REPORT)
}

/// Writes the report's file list into `dir` (the report just written).
fn seal_report(dir: &Path, files: &[PathBuf]) -> Result<()> {
    let mut text = String::from("relocsim comparison report: the files it wrote\n");
    for f in files {
        text.push_str(&f.to_string_lossy());
        text.push('\n');
    }
    let path = dir.join(REPORT_MARKER);
    std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
    unmark(dir)
}

/// Removes an earlier report in `dir` (if there is one) after [`check_report_dir`].
fn remove_report(dir: &Path) -> Result<()> {
    remove(dir, &REPORT)
}

/// Writes a report into `out` as a whole: `fill` writes its files into a hidden sibling
/// and returns their names; the sibling is sealed and then takes the place of an earlier
/// report, so `out` never holds half a report. Refuses what [`check_report_dir`] refuses.
pub fn replace_report(
    out: &Path,
    fill: impl FnOnce(&Path) -> Result<Vec<PathBuf>>,
) -> Result<Vec<PathBuf>> {
    check_report_dir(out)?;
    let _lock = Lock::acquire(&sibling(out, "lock"), out)?;
    let tmp = sibling(out, "partial");
    fresh_work_dir(&tmp)?;
    let written = fill(&tmp).and_then(|files| {
        seal_report(&tmp, &files)?;
        remove_report(out)?;
        std::fs::rename(&tmp, out).map_err(|e| Error::io(out, e))?;
        Ok(files)
    });
    if written.is_err() {
        let _ = remove_work_dir(&tmp);
    }
    written
}

/// `DIR/.NAME.SUFFIX`: hidden, beside `out`.
pub fn sibling(out: &Path, suffix: &str) -> PathBuf {
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

pub use lock::Lock;

mod lock;

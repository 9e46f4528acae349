//! A sweep's data as one hive-partitioned tree per table, beside the run directories:
//! `DIR/tables/TABLE/scenario=S/variant=V/replicate=R/part-0.parquet`.
//!
//! A run directory holds several tables and its manifest, so no reader can open a
//! directory of runs as one table: pandas and pyarrow read every file of a directory,
//! manifest.toml included. Under `tables/TABLE/` there is nothing but that table's
//! files, one per run, so `pd.read_parquet("DIR/tables/cities")`, `pyarrow.dataset`, and
//! a `**/*.parquet` glob in DuckDB or polars each open the whole sweep, with the hive
//! columns. The files are hard links to the run's own (no second copy on disk), made as
//! each run completes or is found complete; where the file system has no hard links,
//! copies. A run that is replaced (rerun after an edit) is linked again.

use std::path::{Path, PathBuf};

use super::plan::{RUNS_DIR, Task};
use crate::error::{Error, Result};
use crate::output::Manifest;

/// The directory of the per-table trees in a sweep's output directory.
pub const TABLES_DIR: &str = "tables";
/// A run's file in a table's tree.
pub const PART: &str = "part-0.parquet";

/// Where `task`'s file of `table` goes under the sweep directory `out`.
pub fn part_path(out: &Path, table: &str, task: &Task) -> PathBuf {
    let partition = task
        .path
        .strip_prefix(&format!("{RUNS_DIR}/"))
        .unwrap_or(&task.path);
    out.join(TABLES_DIR).join(table).join(partition).join(PART)
}

/// Puts every Parquet file of the complete run of `task` into its table's tree. Fails
/// only on an I/O error, naming the file.
pub fn link_run(out: &Path, task: &Task) -> Result<()> {
    let run = out.join(&task.path);
    let manifest = Manifest::read(&run.join("manifest.toml"))?;
    for f in &manifest.files {
        let Some(table) = f.name.strip_suffix(".parquet") else {
            continue;
        };
        place(&run.join(&f.name), &part_path(out, table, task))?;
    }
    Ok(())
}

/// `to` becomes `from`'s file: left alone when it is already, else linked (or copied)
/// under a hidden name and renamed over, so a reader never sees half a file.
fn place(from: &Path, to: &Path) -> Result<()> {
    if same_file(from, to) {
        return Ok(());
    }
    let dir = to.parent().expect("a part has a directory");
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let tmp = super::plan::temporary(dir, PART);
    if std::fs::hard_link(from, &tmp).is_err() {
        std::fs::copy(from, &tmp).map_err(|e| Error::io(&tmp, e))?;
    }
    std::fs::rename(&tmp, to).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(to, e)
    })
}

#[cfg(unix)]
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// Without inode numbers, a copy is taken to be current when its bytes are the run's.
#[cfg(not(unix))]
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::read(a), std::fs::read(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

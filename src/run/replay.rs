//! Replaying a published run: run again from its `manifest.toml` into a temporary
//! directory and compare every data file with the one in the run directory, byte for
//! byte. Where two files differ, the first differing row group and column is located
//! from the Parquet metadata, so a researcher knows where to look.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use parquet::file::reader::{FileReader, SerializedFileReader};

use crate::digest::sha256_file;
use crate::engine::Model;
use crate::engine::record::StepFrame;
use crate::error::{Error, Result};
use crate::output::Manifest;
use crate::run::runner::{RunOptions, run_to_dir};
use crate::scenario;

/// One data file's verdict.
#[derive(Clone, Debug, PartialEq)]
pub struct FileCheck {
    pub name: String,
    /// None when the replayed file is identical; otherwise where it first differs.
    pub difference: Option<String>,
}

#[derive(Clone, Debug)]
pub struct ReplayReport {
    pub files: Vec<FileCheck>,
}

impl ReplayReport {
    pub fn identical(&self) -> bool {
        self.files.iter().all(|f| f.difference.is_none())
    }

    pub fn first_difference(&self) -> Option<&FileCheck> {
        self.files.iter().find(|f| f.difference.is_some())
    }
}

/// Runs `run_dir/manifest.toml` again with `threads` threads and compares the files.
pub fn replay(
    run_dir: &Path,
    threads: usize,
    on_step: impl FnMut(&Model, &StepFrame) + Send,
) -> Result<ReplayReport> {
    let manifest_path = run_dir.join("manifest.toml");
    let manifest = read_manifest(run_dir)?;
    verify(run_dir, &manifest)?;
    if manifest.status != crate::output::RunStatus::Complete {
        return Err(Error::Invalid {
            file: manifest_path.display().to_string(),
            problems: vec![format!(
                "the run was interrupted after step {}: finish it with `relocsim run --resume {}` first",
                manifest.steps_completed,
                run_dir.display()
            )],
        });
    }
    let resolved = scenario::load(&manifest_path)?;
    let scratch = scratch_dir();
    let opts = RunOptions {
        out: scratch.join("run"),
        threads,
        force: true,
        snapshot_every: manifest.snapshot_every,
        command_line: vec!["replay".into()],
        ..Default::default()
    };
    let result =
        run_to_dir(&resolved, &opts, on_step).and_then(|r| compare(run_dir, &r.dir, &manifest));
    let _ = crate::outdir::remove_run(&opts.out)
        .and_then(|_| std::fs::remove_dir(&scratch).map_err(|e| Error::io(&scratch, e)));
    result
}

/// The manifest of the run in `dir`, or a one-line refusal when `dir` holds no run.
pub fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join("manifest.toml");
    if !dir.is_dir() || !path.exists() {
        let why = if dir.is_dir() {
            "it holds no manifest.toml".to_string()
        } else if dir.exists() {
            "it is not a directory".to_string()
        } else {
            "no such directory".to_string()
        };
        return Err(Error::NotARun {
            path: dir.to_path_buf(),
            expected: "run",
            why,
        });
    }
    Manifest::read(&path)
}

/// Every data file the manifest lists is there with the checksum it records: a replay
/// compares with the published run only if the run is still what was published.
pub fn verify(dir: &Path, manifest: &Manifest) -> Result<()> {
    for f in &manifest.files {
        let path = dir.join(&f.name);
        if !path.is_file() {
            return Err(Error::Read {
                file: path,
                message: "listed in the run's manifest but missing".into(),
            });
        }
        let found = sha256_file(&path)?;
        if found != f.sha256 {
            return Err(Error::ChecksumMismatch {
                file: path,
                expected: f.sha256.clone(),
                found,
            });
        }
    }
    Ok(())
}

/// The scratch directory of this process; a run a crashed replay of the same process id
/// left in it is replaced like any run.
fn scratch_dir() -> PathBuf {
    std::env::temp_dir().join(format!("relocsim-replay-{}", std::process::id()))
}

fn compare(original: &Path, replayed: &Path, manifest: &Manifest) -> Result<ReplayReport> {
    let mut files = Vec::new();
    for entry in &manifest.files {
        let a = original.join(&entry.name);
        let b = replayed.join(&entry.name);
        let difference = if !a.exists() {
            Some("missing from the run directory".to_string())
        } else if sha256_file(&a)? == sha256_file(&b)? {
            None
        } else {
            let mut d = first_difference(&a, &b)?;
            if sha256_file(&a)? != entry.sha256 {
                d.push_str(" (the file no longer matches the checksum in its manifest)");
            }
            Some(d)
        };
        files.push(FileCheck {
            name: entry.name.clone(),
            difference,
        });
    }
    Ok(ReplayReport { files })
}

/// Where two Parquet files first differ: a row group and column, or the metadata.
pub fn first_difference(a: &Path, b: &Path) -> Result<String> {
    let open = |p: &Path| -> std::result::Result<SerializedFileReader<File>, String> {
        let f = File::open(p).map_err(|e| e.to_string())?;
        SerializedFileReader::new(f).map_err(|e| e.to_string())
    };
    let ra = match open(a) {
        Ok(r) => r,
        Err(e) => return Ok(format!("cannot be read as Parquet: {e}")),
    };
    let rb = open(b).map_err(|e| Error::Output {
        file: b.display().to_string(),
        message: e,
    })?;
    let (ma, mb) = (ra.metadata(), rb.metadata());
    if ma.num_row_groups() != mb.num_row_groups() {
        return Ok(format!(
            "{} row groups instead of {}",
            ma.num_row_groups(),
            mb.num_row_groups()
        ));
    }
    let mut fa = File::open(a).map_err(|e| Error::io(a, e))?;
    let mut fb = File::open(b).map_err(|e| Error::io(b, e))?;
    for (g, (ga, gb)) in ma.row_groups().iter().zip(mb.row_groups()).enumerate() {
        if ga.num_rows() != gb.num_rows() {
            return Ok(format!(
                "row group {g}: {} rows instead of {}",
                ga.num_rows(),
                gb.num_rows()
            ));
        }
        for (ca, cb) in ga.columns().iter().zip(gb.columns()) {
            let name = ca.column_path().string();
            if chunk(&mut fa, ca.byte_range(), a)? != chunk(&mut fb, cb.byte_range(), b)? {
                return Ok(format!("row group {g}, column {name}"));
            }
        }
    }
    Ok("the data pages agree; the metadata after them (page index or footer) differs".into())
}

fn chunk(f: &mut File, (start, len): (u64, u64), path: &Path) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; len as usize];
    f.seek(SeekFrom::Start(start))
        .map_err(|e| Error::io(path, e))?;
    f.read_exact(&mut buf).map_err(|e| Error::io(path, e))?;
    Ok(buf)
}

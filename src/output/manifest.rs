//! `manifest.toml`: the fully resolved scenario (so the file runs again as a scenario),
//! plus a `[manifest]` table with everything needed to trust and replay the run: seed,
//! version, commit, random algorithm, command line, threads, times, status, and every
//! data file's row count and SHA-256. Machine-dependent facts live here, never in the data.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::scenario::Resolved;

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Complete,
    Interrupted,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FileEntry {
    pub name: String,
    pub rows: u64,
    pub sha256: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub status: RunStatus,
    pub steps_completed: u32,
    pub relocsim_version: String,
    pub git_commit: String,
    pub rng_algorithm: String,
    pub seed: u64,
    pub replicate: u32,
    pub scale: f64,
    pub region_source: String,
    /// Hash of the canonical region data (see `Region::sha256`).
    pub region_sha256: String,
    /// `--snapshot-every`, so a replay writes the same files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_every: Option<u32>,
    /// `--checkpoint-every`, kept when the run is resumed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint_every: Option<u32>,
    /// Set when this run continued an interrupted one from a checkpoint at that step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumed_from_step: Option<u32>,
    /// Of an interrupted run: the step of the checkpoint `--resume` continues from (the
    /// last step done, or an earlier one when the stop came inside a step).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint_step: Option<u32>,
    /// Worker threads of the last session (they do not change the data).
    pub threads: usize,
    pub command_line: Vec<String>,
    pub started_utc: String,
    pub finished_utc: String,
    pub wall_seconds: f64,
    pub files: Vec<FileEntry>,
}

impl Manifest {
    /// The manifest document: the resolved scenario with this table under `[manifest]`.
    pub fn to_toml(&self, resolved: &Resolved) -> String {
        let mut doc: toml::Table =
            toml::from_str(&resolved.self_contained().to_toml()).expect("scenario round-trips");
        let me = toml::Value::try_from(self).expect("manifest serialises");
        doc.insert("manifest".into(), me);
        let header = "# relocsim run manifest. The tables above [manifest] are the resolved scenario:\n\
                      # `relocsim run` accepts this file as a scenario.\n";
        format!(
            "{header}{}",
            toml::to_string(&doc).expect("manifest serialises")
        )
    }

    /// Reads the `[manifest]` table of a manifest file.
    pub fn read(path: &Path) -> Result<Manifest> {
        let text = crate::input::read_text(path)?;
        let doc: toml::Table = toml::from_str(&text).map_err(|e| Error::Parse {
            file: path.display().to_string(),
            message: e.to_string(),
        })?;
        let table = doc.get("manifest").cloned().ok_or_else(|| Error::Parse {
            file: path.display().to_string(),
            message: "no [manifest] table: this is not a run manifest".into(),
        })?;
        table.try_into().map_err(|e: toml::de::Error| Error::Parse {
            file: path.display().to_string(),
            message: e.to_string(),
        })
    }
}

/// RFC 3339 UTC time for seconds since the Unix epoch (no time-zone crate needed).
pub fn utc_timestamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339() {
        assert_eq!(utc_timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_timestamp(1_798_761_599), "2026-12-31T23:59:59Z");
    }
}

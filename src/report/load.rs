//! Finding and reading the runs a comparison is given: single run directories or sweep
//! directories with hive-style runs (`scenario=S/variant=V/replicate=R`) below them.
//! Runs are grouped by scenario (and variant) into replicates, and every run is checked
//! against the first, so that a report never sets runs of different regions or years
//! side by side.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::output::{Manifest, RunStatus};
use crate::region::RegionSpec;
use crate::scenario::Scenario;
use crate::stats::PairKey;

use super::data::RunData;

/// One run: its manifest (the resolved scenario and the `[manifest]` table) and data.
pub struct Run {
    pub dir: PathBuf,
    pub scenario: Scenario,
    pub manifest: Manifest,
    /// The `variant=` partition the run lies in, if any.
    pub variant: Option<String>,
    pub data: RunData,
}

impl Run {
    /// What pairs a policy replicate with a baseline replicate (see [`PairKey`]).
    pub fn pair_key(&self) -> PairKey {
        PairKey {
            seed: self.manifest.seed,
            replicate: self.manifest.replicate,
        }
    }

    pub fn region(&self) -> &RegionSpec {
        self.scenario
            .region
            .as_ref()
            .expect("a manifest holds its region inline (checked on reading)")
    }
}

/// The replicates of one scenario (and variant), in replicate order.
pub struct Group {
    /// How the report names the group: the scenario name, with `/variant` for a variant
    /// other than a sweep's `default`.
    pub label: String,
    pub name: String,
    pub runs: Vec<Run>,
}

impl Group {
    /// The resolved scenario the group's runs share up to seed and replicate.
    pub fn scenario(&self) -> &Scenario {
        &self.runs[0].scenario
    }
}

/// Every run directory in `input`: itself if it holds a manifest, else those below it
/// (hidden directories, such as a run still being written, are skipped).
pub fn find_runs(input: &Path) -> Result<Vec<PathBuf>> {
    if !input.exists() {
        return Err(Error::Invalid {
            file: input.display().to_string(),
            problems: vec!["no such file or directory: give a run or sweep directory".into()],
        });
    }
    let mut found = Vec::new();
    walk(input, &mut found)?;
    if found.is_empty() {
        return Err(Error::NoRuns(input.to_path_buf()));
    }
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> Result<()> {
    if dir.join("manifest.toml").is_file() {
        found.push(dir.to_path_buf());
        return Ok(());
    }
    if !dir.is_dir() {
        return Ok(());
    }
    let mut children: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && !hidden(p))
        .collect();
    // Directory order differs between file systems; the report must not.
    children.sort();
    for child in children {
        walk(&child, found)?;
    }
    Ok(())
}

fn hidden(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

/// The value of a `key=value` component of `path`, the last one if several.
fn partition(path: &Path, key: &str) -> Option<String> {
    let prefix = format!("{key}=");
    path.components()
        .filter_map(|c| c.as_os_str().to_str())
        .filter_map(|c| c.strip_prefix(&prefix))
        .next_back()
        .map(str::to_string)
}

/// Reads one run directory: its manifest, then its data files.
pub fn read_run(dir: &Path) -> Result<Run> {
    let path = dir.join("manifest.toml");
    let file = path.display().to_string();
    let text = crate::input::read_text(&path)?;
    let mut scenario = Scenario::from_toml(&text, &file)?;
    let parse = |message: String| Error::Parse {
        file: file.clone(),
        message,
    };
    let table = scenario
        .manifest
        .take()
        .ok_or_else(|| parse("no [manifest] table: this is not a run manifest".into()))?;
    let manifest: Manifest = table.try_into().map_err(|e| parse(format!("{e}")))?;
    if scenario.region.is_none() {
        return Err(parse(
            "no [region] table: a run manifest holds its region".into(),
        ));
    }
    if manifest.status != RunStatus::Complete {
        return Err(Error::IncompleteRun {
            run: dir.to_path_buf(),
            steps: manifest.steps_completed,
        });
    }
    let region = scenario.region.as_ref().expect("checked above");
    let data = RunData::read(dir, region)?;
    check_checksums(dir, &manifest, &data)?;
    Ok(Run {
        dir: dir.to_path_buf(),
        variant: partition(dir, "variant"),
        scenario,
        manifest,
        data,
    })
}

/// A data file changed since its run wrote it would make the report describe data
/// that no manifest vouches for.
fn check_checksums(dir: &Path, manifest: &Manifest, data: &RunData) -> Result<()> {
    for (name, sum) in &data.sha256 {
        let recorded = manifest.files.iter().find(|f| &f.name == name);
        if recorded.is_none_or(|f| &f.sha256 != sum) {
            return Err(Error::Read {
                file: dir.join(name),
                message: "the file does not match its SHA-256 in manifest.toml (changed after the run wrote it?)".into(),
            });
        }
    }
    Ok(())
}

/// Refuses runs that differ from the first in region or years.
pub fn check_comparable(runs: &[Run]) -> Result<()> {
    let Some(first) = runs.first() else {
        return Ok(());
    };
    let years = |r: &Run| {
        let s = &r.scenario.scenario;
        format!("years {}-{}", s.start_year, s.end_year)
    };
    let region = |r: &Run| format!("region {} {}", r.region().name, &r.manifest.region_sha256);
    type Describe<'a> = &'a dyn Fn(&Run) -> String;
    let checks: [(&'static str, Describe); 2] = [("regions", &region), ("years", &years)];
    for run in &runs[1..] {
        for (what, describe) in checks {
            let (a, b) = (describe(first), describe(run));
            if a != b {
                return Err(Error::Incomparable {
                    what,
                    first_run: first.dir.clone(),
                    first: a,
                    other_run: run.dir.clone(),
                    other: b,
                });
            }
        }
    }
    Ok(())
}

/// Groups runs into scenarios (and variants); groups and their replicates come out in a
/// fixed order whatever the order of the inputs.
pub fn group(runs: Vec<Run>) -> Result<Vec<Group>> {
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for run in runs {
        let name = run.scenario.scenario.name.clone();
        let label = match run.variant.as_deref() {
            None | Some("default") => name.clone(),
            Some(v) => format!("{name}/{v}"),
        };
        groups
            .entry(label.clone())
            .or_insert_with(|| Group {
                label,
                name,
                runs: Vec::new(),
            })
            .runs
            .push(run);
    }
    let mut out: Vec<Group> = groups.into_values().collect();
    for g in &mut out {
        g.runs
            .sort_by(|a, b| (a.pair_key(), &a.dir).cmp(&(b.pair_key(), &b.dir)));
        if let Some(w) = g
            .runs
            .windows(2)
            .find(|w| w[0].pair_key() == w[1].pair_key())
        {
            let PairKey { seed, replicate } = w[0].pair_key();
            return Err(Error::DuplicateRun {
                label: g.label.clone(),
                seed,
                replicate,
                first: w[0].dir.clone(),
                second: w[1].dir.clone(),
            });
        }
    }
    Ok(out)
}

/// The position of the baseline: the group of that label, or the only group of that
/// scenario name.
pub fn find_baseline(groups: &[Group], name: &str) -> Result<usize> {
    if let Some(i) = groups.iter().position(|g| g.label == name) {
        return Ok(i);
    }
    let by_name: Vec<usize> = (0..groups.len())
        .filter(|&i| groups[i].name == name)
        .collect();
    match by_name.as_slice() {
        [i] => Ok(*i),
        _ => Err(Error::UnknownBaseline {
            name: name.to_string(),
            found: groups.iter().map(|g| g.label.clone()).collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_are_read_from_the_path() {
        let p = Path::new("sweep/scenario=a/variant=fast/replicate=2");
        assert_eq!(partition(p, "variant").as_deref(), Some("fast"));
        assert_eq!(partition(p, "replicate").as_deref(), Some("2"));
        assert_eq!(partition(Path::new("output/baseline"), "variant"), None);
    }
}

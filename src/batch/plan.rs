//! The plan of a sweep: every run as a task with a stable index, run id and output
//! directory, the rule that shares tasks between workers or Slurm array jobs, and the
//! plan file (`DIR/plan.toml`) that tells `summarize` which runs make up the sweep.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The plan file's name in a sweep's output directory.
pub const PLAN_FILE: &str = "plan.toml";
/// The directory of a sweep's run directories, so that the runs' tree holds nothing
/// else: summaries and per-table trees live beside it.
pub const RUNS_DIR: &str = "runs";

/// One run of a sweep.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// Position in the plan: scenarios in file order, then the variants each runs, then
    /// replicates (fastest).
    pub index: usize,
    /// `SCENARIO__VARIANT__rREPLICATE`: names the run in messages and `_failed/`.
    pub run_id: String,
    pub scenario: String,
    pub variant: String,
    pub replicate: u32,
    /// The run directory relative to the sweep's: `runs/scenario=S/variant=V/replicate=R`.
    pub path: String,
}

/// What a sweep's tasks are made from: its name, scenarios, variants and replicates. The
/// plan file holds it as its `[sweep]` table, followed by every task as `[[task]]`.
///
/// Every scenario runs every variant unless a variant or axis is limited to some
/// scenarios: then `combinations` says which variant each scenario runs for each
/// combination of the sweep's variant tables and axis values (a scenario a part does
/// not reach runs the variant without it), and each scenario runs each of its variants
/// once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub name: String,
    /// The sweep file the plan was made from.
    pub file: String,
    pub replicates: u32,
    pub baseline: Option<String>,
    pub scenarios: Vec<String>,
    pub variants: Vec<String>,
    /// The number of tasks (a check on the list that follows).
    pub tasks: usize,
    /// The variant of each scenario in each combination, at `[scenario][combination]`
    /// (indices into `variants`); None when every scenario runs every variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub combinations: Option<Vec<Vec<usize>>>,
    /// The posterior each replicate drew its parameters from, if the sweep names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posterior: Option<super::posterior::PosteriorInfo>,
    /// The (scenario, variant) of each group of replicates, in task order: derived from
    /// the fields above by [`Plan::index`].
    #[serde(skip)]
    pub(super) cells: Vec<(usize, usize)>,
}

#[derive(Serialize, Deserialize)]
struct Header<P> {
    sweep: P,
}

impl Plan {
    /// Fills in the task order and count from the scenarios, variants and
    /// combinations; a problem with `combinations` (from a plan file) is returned.
    pub(super) fn index(mut self) -> std::result::Result<Plan, String> {
        self.cells = match &self.combinations {
            None => (0..self.scenarios.len())
                .flat_map(|s| (0..self.variants.len()).map(move |v| (s, v)))
                .collect(),
            Some(rows) => cells_of(rows, self.scenarios.len(), self.variants.len())?,
        };
        self.tasks = self.len();
        Ok(self)
    }

    /// Number of runs: the (scenario, variant) pairs x replicates.
    pub fn len(&self) -> usize {
        // Saturating: a plan file read from disk may claim any counts.
        self.cells.len().saturating_mul(self.replicates as usize)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every (scenario, variant) the sweep runs, in task order.
    pub fn cells(&self) -> &[(usize, usize)] {
        &self.cells
    }

    /// The task at `index` (< `len()`); the same index always names the same run of the
    /// same sweep file.
    pub fn task(&self, index: usize) -> Task {
        let (s, v, rep) = self.coordinates(index);
        let scenario = self.scenarios[s].clone();
        let variant = self.variants[v].clone();
        Task {
            index,
            run_id: format!("{scenario}__{variant}__r{rep}"),
            path: format!("{RUNS_DIR}/scenario={scenario}/variant={variant}/replicate={rep}"),
            scenario,
            variant,
            replicate: rep,
        }
    }

    /// The scenario, variant and replicate of task `index`: replicates vary fastest,
    /// then the scenario's variants, then scenarios.
    pub fn coordinates(&self, index: usize) -> (usize, usize, u32) {
        let r = self.replicates as usize;
        let (s, v) = self.cells[index / r];
        (s, v, (index % r) as u32)
    }

    /// Every task in index order, made as needed.
    pub fn tasks(&self) -> impl Iterator<Item = Task> + '_ {
        (0..self.len()).map(|i| self.task(i))
    }

    /// The replicates of scenario `s` and variant `v`, in replicate order (none if the
    /// scenario does not run the variant).
    pub fn group(&self, s: usize, v: usize) -> impl Iterator<Item = Task> + '_ {
        let r = self.replicates as usize;
        let first = self.cell(s, v).map_or(0, |c| c * r);
        let count = if self.cell(s, v).is_some() { r } else { 0 };
        (first..first + count).map(|i| self.task(i))
    }

    /// The position of (`s`, `v`) among the cells.
    fn cell(&self, s: usize, v: usize) -> Option<usize> {
        let start = self.cells.partition_point(|&(cs, _)| cs < s);
        let end = self.cells.partition_point(|&(cs, _)| cs <= s);
        (start..end).find(|&c| self.cells[c].1 == v)
    }

    /// The variant of scenario `other` that pairs with variant `v` of scenario `s`: the
    /// same variant where every scenario runs every variant, else the variant `other`
    /// runs in the first combination where `s` runs `v`.
    pub fn counterpart(&self, s: usize, v: usize, other: usize) -> Option<usize> {
        let Some(rows) = &self.combinations else {
            return Some(v);
        };
        let c = rows.get(s)?.iter().position(|&x| x == v)?;
        rows.get(other)?.get(c).copied()
    }
}

/// Each scenario's distinct variants in order of first combination, checked against
/// the counts.
fn cells_of(
    rows: &[Vec<usize>],
    scenarios: usize,
    variants: usize,
) -> std::result::Result<Vec<(usize, usize)>, String> {
    if rows.len() != scenarios {
        return Err(format!(
            "combinations has {} rows for {scenarios} scenarios",
            rows.len()
        ));
    }
    let mut cells = Vec::new();
    for (s, row) in rows.iter().enumerate() {
        if row.len() != rows[0].len() {
            return Err(format!(
                "combinations row {s} has {} entries, row 0 {}",
                row.len(),
                rows[0].len()
            ));
        }
        let mut seen = vec![false; variants];
        for &v in row {
            let Some(first) = seen.get_mut(v) else {
                return Err(format!("combinations names variant {v} of {variants}"));
            };
            if !std::mem::replace(first, true) {
                cells.push((s, v));
            }
        }
    }
    Ok(cells)
}

/// A hidden name in `dir` to write `name` under before renaming it into place: unique
/// across the nodes of a cluster sharing the directory, not only by pid.
pub(super) fn temporary(dir: &Path, name: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    dir.join(format!(".{name}.{}.{nanos}", std::process::id()))
}

/// Which tasks one worker runs: those whose index `i` has `i % count == index`. Shares
/// for `index` in `0..count` partition the tasks exactly, whatever the counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Share {
    pub index: usize,
    pub count: usize,
}

impl Share {
    /// Every task.
    pub const ALL: Share = Share { index: 0, count: 1 };

    pub fn new(index: usize, count: usize) -> Result<Share> {
        if count == 0 || index >= count {
            return Err(Error::Invalid {
                file: "--task-index/--task-count".into(),
                problems: vec![format!(
                    "--task-index {index} --task-count {count}: the index must be in 0..count and the count at least 1"
                )],
            });
        }
        Ok(Share { index, count })
    }

    pub fn contains(&self, task_index: usize) -> bool {
        task_index % self.count == self.index
    }

    /// The share of a Slurm array job, from `SLURM_ARRAY_TASK_ID`, `_COUNT`, `_MIN` and
    /// `_STEP` (read through `get`): index `(ID - MIN) / STEP`, so an array numbered
    /// `--array=1-N` or `--array=0-10:2` still covers every share once. None outside an
    /// array job.
    pub fn from_slurm(get: impl Fn(&str) -> Option<String>) -> Result<Option<Share>> {
        let Some(id) = get("SLURM_ARRAY_TASK_ID") else {
            return Ok(None);
        };
        let num = |name: &str, default: Option<usize>| -> Result<usize> {
            match get(name) {
                Some(v) => v.trim().parse().map_err(|_| slurm_err(name, &v)),
                None => default.ok_or_else(|| slurm_err(name, "unset")),
            }
        };
        let id: usize = id
            .trim()
            .parse()
            .map_err(|_| slurm_err("SLURM_ARRAY_TASK_ID", &id))?;
        let min = num("SLURM_ARRAY_TASK_MIN", Some(0))?;
        let step = num("SLURM_ARRAY_TASK_STEP", Some(1))?.max(1);
        let count = num("SLURM_ARRAY_TASK_COUNT", None)?;
        let offset = id.checked_sub(min).filter(|o| o % step == 0);
        let Some(offset) = offset else {
            return Err(slurm_err(
                "SLURM_ARRAY_TASK_ID",
                &format!("{id} (not MIN {min} plus a multiple of STEP {step})"),
            ));
        };
        Share::new(offset / step, count).map(Some)
    }
}

fn slurm_err(name: &str, value: &str) -> Error {
    Error::Invalid {
        file: "environment".into(),
        problems: vec![format!(
            "{name} = {value}: a Slurm array job sets SLURM_ARRAY_TASK_ID, _COUNT and _MIN to numbers; outside one, pass --task-index and --task-count"
        )],
    }
}

impl Plan {
    fn header(&self) -> String {
        format!(
            "# relocsim sweep plan: every run of the sweep, as `relocsim sweep plan` lists them.\n{}",
            toml::to_string(&Header { sweep: self }).expect("a plan serialises")
        )
    }

    /// Writes `dir/plan.toml`, one task at a time. The tasks follow from the `[sweep]`
    /// table, so a file that starts with the same table is left alone (array jobs of one
    /// sweep all find it there); otherwise it is written under a temporary name and
    /// renamed, so jobs writing at once never leave a torn file.
    pub fn write(&self, dir: &Path) -> Result<()> {
        let path = dir.join(PLAN_FILE);
        let header = self.header();
        if starts_with(&path, header.as_bytes()) {
            return Ok(());
        }
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let tmp = temporary(dir, PLAN_FILE);
        self.write_to(&tmp, &header)
            .map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))
    }

    fn write_to(&self, path: &Path, header: &str) -> std::io::Result<()> {
        let mut w = BufWriter::new(File::create(path)?);
        w.write_all(header.as_bytes())?;
        for task in self.tasks() {
            let text = toml::to_string(&task).expect("a task serialises");
            write!(w, "\n[[task]]\n{text}")?;
        }
        w.flush()
    }

    /// Reads the `[sweep]` table of `dir/plan.toml` (the tasks follow from it).
    pub fn read(dir: &Path) -> Result<Plan> {
        let path = dir.join(PLAN_FILE);
        if !path.is_file() {
            return Err(Error::NotARun {
                path: dir.to_path_buf(),
                expected: "sweep",
                why: if dir.is_dir() {
                    format!("it holds no {PLAN_FILE}; `relocsim sweep run` writes one")
                } else {
                    "no such directory".into()
                },
            });
        }
        // Only the header is needed: the tasks follow from it, and a large sweep's
        // plan can be far longer than any input relocsim reads whole.
        let bytes = crate::input::read_prefix(&path, crate::input::MAX_INPUT_BYTES)?;
        let bad = |message: String| Error::Parse {
            file: path.display().to_string(),
            message,
        };
        let end = find(&bytes, b"\n[[task]]").unwrap_or(bytes.len());
        let head = std::str::from_utf8(&bytes[..end])
            .map_err(|_| bad("the plan header is not UTF-8 text".into()))?;
        let plan = toml::from_str::<Header<Plan>>(head)
            .map_err(|e| bad(e.to_string()))?
            .sweep;
        let claimed = plan.tasks;
        let limit = |runs: u64| -> Result<()> {
            if runs <= super::sweep::MAX_RUNS {
                return Ok(());
            }
            Err(bad(format!(
                "{runs} runs: a sweep may have at most {}",
                super::sweep::MAX_RUNS
            )))
        };
        // Before the cells are made: without combinations they are the product.
        if plan.combinations.is_none() {
            limit(
                (plan.scenarios.len() as u64)
                    .saturating_mul(plan.variants.len() as u64)
                    .saturating_mul(u64::from(plan.replicates)),
            )?;
        }
        let plan = plan.index().map_err(bad)?;
        limit(plan.len() as u64)?;
        if claimed != plan.len() {
            return Err(bad(format!(
                "tasks = {claimed} but the scenarios, variants and replicates make {}",
                plan.len()
            )));
        }
        Ok(plan)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn starts_with(path: &Path, prefix: &[u8]) -> bool {
    crate::input::read_prefix(path, prefix.len() as u64).is_ok_and(|head| head == prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(combinations: Option<Vec<Vec<usize>>>) -> std::result::Result<Plan, String> {
        Plan {
            name: "p".into(),
            file: "p.toml".into(),
            replicates: 2,
            baseline: None,
            scenarios: vec!["a".into(), "b".into()],
            variants: vec!["x".into(), "y".into(), "z".into()],
            tasks: 0,
            combinations,
            posterior: None,
            cells: Vec::new(),
        }
        .index()
    }

    #[test]
    fn each_scenario_runs_its_variants_once_in_order_of_first_combination() {
        let p = plan(Some(vec![vec![1, 0, 1], vec![2, 2, 0]])).unwrap();
        assert_eq!(p.cells(), [(0, 1), (0, 0), (1, 2), (1, 0)]);
        assert_eq!(p.len(), 8);
        assert_eq!(p.coordinates(5), (1, 2, 1));
        let group: Vec<String> = p.group(1, 0).map(|t| t.run_id).collect();
        assert_eq!(group, ["b__x__r0", "b__x__r1"]);
        assert_eq!(p.group(1, 1).count(), 0, "b never runs y");
        // b's x first appears in the third combination, where a runs y.
        assert_eq!(p.counterpart(1, 0, 0), Some(1));
        assert_eq!(p.counterpart(0, 0, 1), Some(2));
        assert_eq!(plan(None).unwrap().len(), 12, "without: the product");
    }

    #[test]
    fn a_plan_file_round_trips_and_bad_combinations_are_refused() {
        let dir = std::env::temp_dir().join(format!("relocsim-plan-{}", std::process::id()));
        let p = plan(Some(vec![vec![1, 0, 1], vec![2, 2, 0]])).unwrap();
        p.write(&dir).unwrap();
        assert_eq!(Plan::read(&dir).unwrap(), p);
        std::fs::remove_dir_all(&dir).unwrap();
        for bad in [
            vec![vec![0]],
            vec![vec![0, 1], vec![0]],
            vec![vec![0], vec![3]],
        ] {
            assert!(plan(Some(bad.clone())).is_err(), "{bad:?}");
        }
    }
}

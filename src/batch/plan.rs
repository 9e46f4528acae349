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
    /// Position in the product scenarios x variants x replicates (replicates fastest).
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
    /// The posterior each replicate drew its parameters from, if the sweep names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posterior: Option<super::posterior::PosteriorInfo>,
}

#[derive(Serialize, Deserialize)]
struct Header<P> {
    sweep: P,
}

impl Plan {
    /// Number of runs: scenarios x variants x replicates.
    pub fn len(&self) -> usize {
        // Saturating: a plan file read from disk may claim any counts.
        (self.scenarios.len())
            .saturating_mul(self.variants.len())
            .saturating_mul(self.replicates as usize)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
    /// then variants, then scenarios.
    pub fn coordinates(&self, index: usize) -> (usize, usize, u32) {
        let r = self.replicates as usize;
        let nv = self.variants.len();
        (index / (nv * r), index / r % nv, (index % r) as u32)
    }

    /// Every task in index order, made as needed.
    pub fn tasks(&self) -> impl Iterator<Item = Task> + '_ {
        (0..self.len()).map(|i| self.task(i))
    }

    /// The replicates of scenario `s` and variant `v`, in replicate order.
    pub fn group(&self, s: usize, v: usize) -> impl Iterator<Item = Task> + '_ {
        let first = (s * self.variants.len() + v) * self.replicates as usize;
        (first..first + self.replicates as usize).map(|i| self.task(i))
    }
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
        if plan.len() as u64 > super::sweep::MAX_RUNS {
            return Err(bad(format!(
                "{} runs: a sweep may have at most {}",
                plan.len(),
                super::sweep::MAX_RUNS
            )));
        }
        if plan.tasks != plan.len() {
            return Err(bad(format!(
                "tasks = {} but the scenarios, variants and replicates make {}",
                plan.tasks,
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

//! `relocsim summarize DIR`: statistics over the replicates of a sweep
//! (`summary.parquet`), paired differences against a baseline scenario
//! (`differences.parquet`) and a markdown table of the final year (`summary.md`).
//!
//! Runs are read one scenario and variant at a time (with the baseline's runs of the
//! same variant), so memory follows the replicates of one group, not the sweep. Rows
//! come out in plan order of scenarios and variants, then sorted by city (region-level
//! first), indicator and step; statistics and the pairing of runs follow `crate::stats`, as
//! the report's do; the files carry no time or
//! path. A sweep run locally and the same sweep run on a cluster summarise to the same
//! bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Float64Array, Int32Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::markdown::{Line, Naming};
use super::plan::{Plan, Task};
use crate::engine::indicators::{self, Places};
use crate::error::{Error, Result};
use crate::output::metadata::described;
use crate::output::{Manifest, RunStatus, open_writer};
use crate::stats::{self, Describe, Difference, PairKey};

/// Where the summaries go in a sweep's directory: beside the runs' tree, not in it.
pub const SUMMARY_DIR: &str = "summary";
pub const SUMMARY_FILE: &str = "summary.parquet";
pub const DIFFERENCES_FILE: &str = "differences.parquet";
pub const SUMMARY_MD: &str = "summary.md";

#[derive(Clone, Debug)]
pub struct SummaryOptions {
    /// The sweep's output directory (holding `plan.toml`).
    pub dir: PathBuf,
    /// The scenario subtracted in paired differences; default: the sweep's
    /// `sweep.baseline`, else a scenario named `baseline`, else none.
    pub baseline: Option<String>,
    /// Summarise the complete runs when some are missing, instead of refusing.
    pub allow_missing: bool,
}

#[derive(Clone, Debug)]
pub struct SummaryReport {
    pub runs: usize,
    /// Run ids of planned runs that are not complete (with `allow_missing`).
    pub missing: Vec<String>,
    pub baseline: Option<String>,
    pub summary_rows: u64,
    pub difference_rows: u64,
    pub files: Vec<PathBuf>,
}

/// (city or None for a region-level indicator, indicator, step).
type Key = (Option<String>, String, i32);

/// One indicator's year and its value in each replicate, in replicate order, keyed
/// for pairing with the baseline's runs.
struct Series {
    year: i32,
    values: Vec<(PairKey, f64)>,
}

type Group = BTreeMap<Key, Series>;

/// Writes the three summary files into `opts.dir/summary/`.
pub fn summarize(opts: &SummaryOptions) -> Result<SummaryReport> {
    let plan = Plan::read(&opts.dir)?;
    let baseline = pick_baseline(&plan, opts.baseline.as_deref())?;
    let missing: Vec<Task> = plan
        .tasks()
        .filter(|t| !complete(&opts.dir.join(&t.path)))
        .collect();
    if !missing.is_empty() && !opts.allow_missing {
        return Err(Error::RunsMissing {
            dir: opts.dir.clone(),
            runs: missing.into_iter().map(|t| t.run_id).collect(),
        });
    }
    let skip: BTreeSet<usize> = missing.iter().map(|t| t.index).collect();
    // Two summaries at once would write the same hidden files.
    let lock = opts.dir.join(".relocsim-summary.lock");
    let _lock = crate::outdir::Lock::acquire(&lock, &opts.dir)?;
    let into = opts.dir.join(SUMMARY_DIR);
    std::fs::create_dir_all(&into).map_err(|e| Error::io(&into, e))?;
    let mut out = Outputs::create(&into)?;
    for &(si, vi) in plan.cells() {
        let (s, v) = (plan.scenarios[si].as_str(), plan.variants[vi].as_str());
        let group = load_group(&opts.dir, &plan, (si, vi), &skip)?;
        let naming = Naming::new(&places_of(&opts.dir, &plan, (si, vi), &skip)?);
        out.summary(s, v, &group, &naming)?;
        let b = baseline.filter(|&b| b != si);
        if let Some((b, bv)) = b.and_then(|b| Some((b, plan.counterpart(si, vi, b)?))) {
            let base = load_group(&opts.dir, &plan, (b, bv), &skip)?;
            let against = (plan.scenarios[b].as_str(), plan.variants[bv].as_str());
            out.differences((s, v), against, &group, &base)?;
        }
    }
    let baseline = baseline.map(|b| plan.scenarios[b].clone());
    let mut report = out.finish(&into, &plan, baseline.as_deref())?;
    report.runs = plan.len() - missing.len();
    report.missing = missing.into_iter().map(|t| t.run_id).collect();
    report.baseline = baseline;
    Ok(report)
}

/// The baseline's position among the scenarios: `--baseline`, else the sweep's, else a
/// scenario named `baseline`, else none.
fn pick_baseline(plan: &Plan, given: Option<&str>) -> Result<Option<usize>> {
    let scenarios = &plan.scenarios;
    let position = |name: &str| scenarios.iter().position(|s| s == name);
    if let Some(b) = given {
        return match position(b) {
            Some(i) => Ok(Some(i)),
            None => Err(Error::Invalid {
                file: "--baseline".into(),
                problems: vec![format!(
                    "{b:?} is not a scenario of this sweep; its scenarios are {}",
                    scenarios.join(", ")
                )],
            }),
        };
    }
    let named = plan.baseline.as_deref().unwrap_or("baseline");
    Ok(position(named))
}

fn complete(run: &Path) -> bool {
    Manifest::read(&run.join("manifest.toml")).is_ok_and(|m| m.status == RunStatus::Complete)
}

/// Every complete replicate of one (scenario, variant), in replicate order.
fn load_group(
    dir: &Path,
    plan: &Plan,
    (s, v): (usize, usize),
    skip: &BTreeSet<usize>,
) -> Result<Group> {
    let mut group = Group::new();
    for t in plan.group(s, v).filter(|t| !skip.contains(&t.index)) {
        read_run(&dir.join(&t.path), &mut group)?;
    }
    Ok(group)
}

/// The places the region of a group's first complete run names its indicators after
/// (none without a complete run: its lines then show bare names).
fn places_of(
    dir: &Path,
    plan: &Plan,
    (s, v): (usize, usize),
    skip: &BTreeSet<usize>,
) -> Result<Places> {
    let Some(task) = plan.group(s, v).find(|t| !skip.contains(&t.index)) else {
        return Ok(Places::default());
    };
    let path = dir.join(&task.path).join("manifest.toml");
    let text = crate::input::read_text(&path)?;
    let scenario = crate::scenario::Scenario::from_toml(&text, &path.display().to_string())?;
    Ok(scenario.region.as_ref().map(Places::of).unwrap_or_default())
}

fn read_run(run: &Path, group: &mut Group) -> Result<()> {
    let m = Manifest::read(&run.join("manifest.toml"))?;
    let pair = PairKey {
        seed: m.seed,
        replicate: m.replicate,
    };
    let mut push = |city: Option<&str>, indicator: &str, step: i32, year: i32, value: f64| {
        let key = (city.map(str::to_string), indicator.to_string(), step);
        let series = group.entry(key).or_insert(Series {
            year,
            values: Vec::new(),
        });
        series.values.push((pair, value));
    };
    for batch in read_batches(&run.join("indicators.parquet"))? {
        let (steps, years) = (ints(&batch, "step")?, ints(&batch, "year")?);
        let (names, values) = (strings(&batch, "indicator")?, floats(&batch, "value")?);
        for i in 0..batch.num_rows() {
            push(
                None,
                names.value(i),
                steps.value(i),
                years.value(i),
                values.value(i),
            );
        }
    }
    for batch in read_batches(&run.join("cities.parquet"))? {
        let (steps, years) = (ints(&batch, "step")?, ints(&batch, "year")?);
        let cities = strings(&batch, "city")?;
        for column in indicators::CITY.iter().map(|c| c.name) {
            let values = floats(&batch, column)?;
            for i in 0..batch.num_rows() {
                let city = Some(cities.value(i));
                push(
                    city,
                    column,
                    steps.value(i),
                    years.value(i),
                    values.value(i),
                );
            }
        }
    }
    Ok(())
}

fn read_batches(path: &Path) -> Result<Vec<RecordBatch>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let bad = |e: &dyn std::fmt::Display| Error::Parse {
        file: path.display().to_string(),
        message: e.to_string(),
    };
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .map_err(|e| bad(&e))?;
    reader
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| bad(&e))
}

fn column<'a, T: 'static>(batch: &'a RecordBatch, name: &str) -> Result<&'a T> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<T>())
        .ok_or_else(|| Error::Parse {
            file: name.to_string(),
            message: format!("column {name} is missing or of another type than relocsim writes"),
        })
}

fn ints<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a Int32Array> {
    column(b, name)
}
fn floats<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a Float64Array> {
    column(b, name)
}
fn strings<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a StringArray> {
    column(b, name)
}

/// The two Parquet files being written (under temporary names) and the final-year rows
/// kept for the markdown table.
struct Outputs {
    summary: Table,
    differences: Table,
    md: Vec<Line>,
}

impl Outputs {
    fn create(dir: &Path) -> Result<Outputs> {
        Ok(Outputs {
            summary: Table::create(dir, SUMMARY_FILE, summary_schema())?,
            differences: Table::create(dir, DIFFERENCES_FILE, differences_schema())?,
            md: Vec::new(),
        })
    }

    /// One row group: every indicator of the group with its statistics over replicates.
    fn summary(&mut self, s: &str, v: &str, group: &Group, naming: &Naming) -> Result<()> {
        let mut cols = Columns::default();
        let last = last_step(group);
        for (key, series) in group {
            let values: Vec<f64> = series.values.iter().map(|(_, x)| *x).collect();
            let d = stats::describe(&values);
            cols.key(s, v, key, series.year);
            cols.stats(&d);
            if key.0.is_none() && Some(key.2) == last {
                self.md.push(Line {
                    variant: v.into(),
                    scenario: s.into(),
                    indicator: naming.name(&key.1),
                    year: series.year,
                    stats: d,
                    diff: None,
                    against: None,
                });
            }
        }
        self.summary.write(cols.summary_batch())
    }

    /// One row group: scenario minus baseline of the same variant (or of the variant
    /// the plan pairs it with, where a variant does not reach the baseline), for every
    /// indicator both have, by the one rule of [`stats::difference`]: over the runs
    /// paired by seed and replicate, else the difference of the means with n = 0.
    fn differences(
        &mut self,
        (s, v): (&str, &str),
        (b, bv): (&str, &str),
        group: &Group,
        base: &Group,
    ) -> Result<()> {
        let mut cols = Columns::default();
        let last = last_step(group);
        for (key, series) in group {
            let Some(bs) = base.get(key) else { continue };
            let d = stats::difference(&series.values, &bs.values);
            cols.key(s, v, key, series.year);
            cols.baseline.push(b.to_string());
            cols.baseline_variant.push(bv.to_string());
            cols.difference(&d);
            if key.0.is_none() && Some(key.2) == last {
                let row = self
                    .md
                    .iter_mut()
                    .rev()
                    .find(|r| r.scenario == s && r.variant == v && r.indicator.name == key.1);
                if let Some(row) = row {
                    row.diff = Some(d);
                    row.against = (bv != v).then(|| bv.to_string());
                }
            }
        }
        self.differences.write(cols.differences_batch())
    }

    fn finish(self, dir: &Path, plan: &Plan, baseline: Option<&str>) -> Result<SummaryReport> {
        let summary_rows = self.summary.rows;
        let difference_rows = self.differences.rows;
        let md = super::markdown::render(plan, baseline, self.md);
        let files = vec![self.summary.close()?, self.differences.close()?];
        let path = dir.join(SUMMARY_MD);
        let tmp = dir.join(format!(".{SUMMARY_MD}.partial"));
        std::fs::write(&tmp, md).map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
        let mut files = files;
        files.push(path);
        Ok(SummaryReport {
            runs: 0,
            missing: Vec::new(),
            baseline: None,
            summary_rows,
            difference_rows,
            files,
        })
    }
}

fn last_step(group: &Group) -> Option<i32> {
    group.keys().filter(|k| k.0.is_none()).map(|k| k.2).max()
}

/// A Parquet file written under a hidden name and renamed into place when closed.
struct Table {
    writer: ArrowWriter<File>,
    schema: SchemaRef,
    tmp: PathBuf,
    path: PathBuf,
    rows: u64,
}

impl Table {
    fn create(dir: &Path, name: &str, schema: SchemaRef) -> Result<Table> {
        let tmp = dir.join(format!(".{name}.partial"));
        Ok(Table {
            writer: open_writer(&tmp, schema.clone())?,
            schema,
            tmp,
            path: dir.join(name),
            rows: 0,
        })
    }

    fn write(&mut self, columns: Vec<ArrayRef>) -> Result<()> {
        let err = |e: &dyn std::fmt::Display| Error::Output {
            file: self.path.display().to_string(),
            message: e.to_string(),
        };
        let batch = RecordBatch::try_new(self.schema.clone(), columns).map_err(|e| err(&e))?;
        if batch.num_rows() == 0 {
            return Ok(());
        }
        self.rows += batch.num_rows() as u64;
        self.writer.write(&batch).map_err(|e| err(&e))?;
        self.writer.flush().map_err(|e| err(&e))
    }

    fn close(self) -> Result<PathBuf> {
        let file = self.path.display().to_string();
        self.writer.close().map_err(|e| Error::Output {
            file,
            message: e.to_string(),
        })?;
        std::fs::rename(&self.tmp, &self.path).map_err(|e| Error::io(&self.path, e))?;
        Ok(self.path)
    }
}

/// A field with its description as metadata (what a reader of the lone file needs).
fn field(name: &str, t: DataType, nullable: bool, description: &str) -> Field {
    described(Field::new(name, t, nullable), description)
}

fn key_fields() -> Vec<Field> {
    vec![
        field(
            "scenario",
            DataType::Utf8,
            false,
            "scenario name (the runs' scenario= partition)",
        ),
        field(
            "variant",
            DataType::Utf8,
            false,
            "variant name (the runs' variant= partition)",
        ),
        field(
            "step",
            DataType::Int32,
            false,
            "step of the runs (0: the start year's state)",
        ),
        field(
            "year",
            DataType::Int32,
            false,
            "calendar year at the end of the step",
        ),
        field(
            "city",
            DataType::Utf8,
            true,
            "city of a city column; null for a region-level indicator",
        ),
        field(
            "indicator",
            DataType::Utf8,
            false,
            "indicator or city column name, as in the run files (units: `relocsim schema`)",
        ),
    ]
}

fn summary_schema() -> SchemaRef {
    let mut f = key_fields();
    f.push(field(
        "mean",
        DataType::Float64,
        false,
        "mean over the replicates, in the indicator's unit",
    ));
    f.push(field(
        "sd",
        DataType::Float64,
        true,
        "standard deviation over the replicates; null below two",
    ));
    for (q, what) in [("p05", "5th"), ("p50", "50th"), ("p95", "95th")] {
        f.push(field(
            q,
            DataType::Float64,
            false,
            &format!("{what} percentile over the replicates"),
        ));
    }
    f.push(field("n", DataType::Int32, false, "replicates"));
    Arc::new(Schema::new(f))
}

fn differences_schema() -> SchemaRef {
    let mut f = key_fields();
    f.insert(
        1,
        field(
            "baseline",
            DataType::Utf8,
            false,
            "the scenario the difference is taken from",
        ),
    );
    f.insert(
        3,
        field(
            "baseline_variant",
            DataType::Utf8,
            false,
            "the baseline's variant the difference is taken from: the same variant, or, for a variant limited to some scenarios, the baseline's run without it",
        ),
    );
    f.push(field("mean", DataType::Float64, false, "mean paired difference (scenario minus baseline, replicate by replicate), in the indicator's unit; a difference of means where none pair (n = 0)"));
    f.push(field(
        "sd",
        DataType::Float64,
        true,
        "standard deviation of the paired differences; null below two pairs",
    ));
    f.push(field(
        "ci95_lo",
        DataType::Float64,
        true,
        "lower end of the 95% t-interval of the mean paired difference; null below two pairs",
    ));
    f.push(field(
        "ci95_hi",
        DataType::Float64,
        true,
        "upper end of the 95% t-interval of the mean paired difference; null below two pairs",
    ));
    f.push(field("n", DataType::Int32, false, "paired replicates"));
    Arc::new(Schema::new(f))
}

/// Column buffers of one row group.
#[derive(Default)]
struct Columns {
    scenario: Vec<String>,
    baseline: Vec<String>,
    baseline_variant: Vec<String>,
    variant: Vec<String>,
    step: Vec<i32>,
    year: Vec<i32>,
    city: Vec<Option<String>>,
    indicator: Vec<String>,
    mean: Vec<f64>,
    sd: Vec<Option<f64>>,
    a: Vec<Option<f64>>,
    b: Vec<Option<f64>>,
    c: Vec<Option<f64>>,
    n: Vec<i32>,
}

impl Columns {
    fn key(&mut self, s: &str, v: &str, key: &Key, year: i32) {
        self.scenario.push(s.to_string());
        self.variant.push(v.to_string());
        self.step.push(key.2);
        self.year.push(year);
        self.city.push(key.0.clone());
        self.indicator.push(key.1.clone());
    }

    fn stats(&mut self, d: &Describe) {
        self.mean.push(d.mean);
        self.sd.push(d.sd);
        self.a.push(Some(d.p05));
        self.b.push(Some(d.p50));
        self.c.push(Some(d.p95));
        self.n.push(d.n as i32);
    }

    fn difference(&mut self, d: &Difference) {
        let e = &d.estimate;
        self.mean.push(e.mean);
        self.sd.push(e.sd);
        self.a.push(e.lo());
        self.b.push(e.hi());
        self.n.push(d.pairs as i32);
    }

    fn keys(&self) -> Vec<ArrayRef> {
        vec![
            Arc::new(StringArray::from_iter_values(&self.scenario)),
            Arc::new(StringArray::from_iter_values(&self.variant)),
            Arc::new(Int32Array::from(self.step.clone())),
            Arc::new(Int32Array::from(self.year.clone())),
            Arc::new(StringArray::from(self.city.clone())),
            Arc::new(StringArray::from_iter_values(&self.indicator)),
        ]
    }

    fn summary_batch(&self) -> Vec<ArrayRef> {
        let mut cols = self.keys();
        cols.push(Arc::new(Float64Array::from(self.mean.clone())));
        for v in [&self.sd, &self.a, &self.b, &self.c] {
            cols.push(Arc::new(Float64Array::from(v.clone())));
        }
        cols.push(Arc::new(Int32Array::from(self.n.clone())));
        cols
    }

    fn differences_batch(&self) -> Vec<ArrayRef> {
        let mut cols = self.keys();
        cols.insert(1, Arc::new(StringArray::from_iter_values(&self.baseline)));
        // After `variant`, as in the schema.
        cols.insert(
            3,
            Arc::new(StringArray::from_iter_values(&self.baseline_variant)),
        );
        cols.push(Arc::new(Float64Array::from(self.mean.clone())));
        for v in [&self.sd, &self.a, &self.b] {
            cols.push(Arc::new(Float64Array::from(v.clone())));
        }
        cols.push(Arc::new(Int32Array::from(self.n.clone())));
        cols
    }
}

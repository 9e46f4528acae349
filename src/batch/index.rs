//! `runs.parquet`: the index of a sweep's runs, one row per task with its scenario,
//! variant, replicate, seed and run directory, and one typed column per overridden key
//! (an axis's or a variant's: `behaviour.migration_rate` as float64), so a reader joins
//! the runs' tables to the parameters they ran with instead of parsing variant names.
//! Written beside plan.toml when a sweep starts; its bytes follow from the sweep file
//! alone, so the array elements of one sweep all write the same file.

use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use toml::Value;

use super::Sweep;
use crate::error::{Error, Result};
use crate::output::metadata::described;

/// The index file's name in a sweep's output directory.
pub const RUNS_FILE: &str = "runs.parquet";

/// The value of `key` in task `index`'s run: the last override of its variant that sets
/// the key for its scenario.
fn value_of<'a>(sweep: &'a Sweep, index: usize, key: &str) -> Option<&'a Value> {
    let (s, v, _) = sweep.plan().coordinates(index);
    let scenario = &sweep.scenarios[s].name;
    (sweep.variants[v].overrides.iter())
        .rev()
        .find(|o| o.key == key && o.applies_to(scenario))
        .map(|o| &o.value)
}

/// The keys the variants override, in order of first appearance.
fn keys(sweep: &Sweep) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for o in sweep.variants.iter().flat_map(|v| &v.overrides) {
        if !out.contains(&o.key) {
            out.push(o.key.clone());
        }
    }
    out
}

/// One key's column: float64 when any value is a float and all are numbers, int64 for
/// integers, bool for switches, and text for anything else (as TOML writes it).
fn column(values: &[Option<&Value>]) -> (DataType, ArrayRef) {
    let given = || values.iter().flatten();
    let numeric = given().all(|v| v.is_integer() || v.is_float());
    if numeric && given().any(|v| v.is_float()) {
        let f = values
            .iter()
            .map(|v| v.and_then(|v| v.as_float().or(v.as_integer().map(|i| i as f64))));
        return (DataType::Float64, Arc::new(Float64Array::from_iter(f)));
    }
    if numeric {
        let i = values.iter().map(|v| v.and_then(Value::as_integer));
        return (DataType::Int64, Arc::new(Int64Array::from_iter(i)));
    }
    if given().all(|v| v.is_bool()) {
        let b = values.iter().map(|v| v.and_then(Value::as_bool));
        return (DataType::Boolean, Arc::new(BooleanArray::from_iter(b)));
    }
    let t = values.iter().map(|v| {
        v.map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    });
    (DataType::Utf8, Arc::new(StringArray::from_iter(t)))
}

/// The bytes of runs.parquet for `sweep`.
pub fn runs_index(sweep: &Sweep) -> Result<Vec<u8>> {
    let plan = sweep.plan();
    let tasks: Vec<_> = plan.tasks().collect();
    let text = |f: fn(&super::Task) -> &str| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(tasks.iter().map(&f)))
    };
    let seeds = (0..tasks.len()).map(|i| {
        let (s, v, _) = plan.coordinates(i);
        sweep.seed(s, v) as i64
    });
    let mut fields = vec![
        described(
            Field::new("run_id", DataType::Utf8, false),
            "SCENARIO__VARIANT__rREPLICATE",
        ),
        described(
            Field::new("scenario", DataType::Utf8, false),
            "the scenario= partition",
        ),
        described(
            Field::new("variant", DataType::Utf8, false),
            "the variant= partition",
        ),
        described(
            Field::new("replicate", DataType::Int64, false),
            "the replicate= partition (int64, as readers type a hive partition)",
        ),
        described(Field::new("seed", DataType::Int64, false), "the run's seed"),
        described(
            Field::new("path", DataType::Utf8, false),
            "the run directory, relative to the sweep's",
        ),
    ];
    let mut cols: Vec<ArrayRef> = vec![
        text(|t| &t.run_id),
        text(|t| &t.scenario),
        text(|t| &t.variant),
        Arc::new(Int64Array::from_iter_values(
            tasks.iter().map(|t| i64::from(t.replicate)),
        )),
        Arc::new(Int64Array::from_iter_values(seeds)),
        text(|t| &t.path),
    ];
    for key in keys(sweep) {
        let values: Vec<Option<&Value>> =
            (0..tasks.len()).map(|i| value_of(sweep, i, &key)).collect();
        let (t, array) = column(&values);
        fields.push(described(
            Field::new(&key, t, true),
            "the value the sweep set for this key (null where the run kept the scenario's)",
        ));
        cols.push(array);
    }
    let batch =
        RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).map_err(|e| Error::Output {
            file: RUNS_FILE.into(),
            message: e.to_string(),
        })?;
    crate::output::parquet_bytes(RUNS_FILE, &batch)
}

/// Writes `dir/runs.parquet` unless the same bytes are there: under a temporary name,
/// then renamed, so array elements writing at once never leave a torn file.
pub fn write(sweep: &Sweep, dir: &std::path::Path) -> Result<()> {
    let bytes = runs_index(sweep)?;
    let path = dir.join(RUNS_FILE);
    if std::fs::read(&path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    let tmp = super::plan::temporary(dir, RUNS_FILE);
    std::fs::write(&tmp, &bytes).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))
}

//! `relocsim._native`: the Rust half of the Python package. It resolves scenarios
//! exactly as the CLI does, runs them with the GIL released (in memory, or into a run
//! directory), and hands in-memory tables to Python through the Arrow C stream
//! interface (`__arrow_c_stream__`), so that pyarrow, polars and pandas take the batches
//! without a copy. Errors become Python exceptions; nothing here exits the process.
//!
//! The typed Python API (`relocsim/__init__.py`) wraps these functions; this module
//! keeps to plain values: scenario text, JSON for dictionaries, paths as strings.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{Array, RecordBatch, RecordBatchIterator};
use arrow_schema::SchemaRef;
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyKeyError};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use relocsim::Error;
use relocsim::run::memory::{MemoryTable, run_in_memory};
use relocsim::run::runner::{RunOptions, run_to_dir};
use relocsim::scenario::{self, Resolved};

create_exception!(
    _native,
    RelocsimError,
    PyException,
    "A relocsim error: the message names the file, key or directory concerned."
);
create_exception!(
    _native,
    ScenarioError,
    RelocsimError,
    "A scenario that does not validate. `problems` lists every problem, each with its place."
);

/// A relocsim error as the Python exception for it: invalid input becomes one
/// ScenarioError carrying every problem; the rest RelocsimError with the CLI's message.
fn to_py(e: Error) -> PyErr {
    match e {
        Error::Invalid { file, problems } => {
            let message = format!("{file}: invalid input:\n  - {}", problems.join("\n  - "));
            let err = ScenarioError::new_err(message);
            Python::attach(|py| {
                let located: Vec<String> =
                    problems.iter().map(|p| format!("{file}: {p}")).collect();
                let _ = err.value(py).setattr("problems", located);
            });
            err
        }
        Error::Parse { .. } => {
            let message = e.to_string();
            let err = ScenarioError::new_err(message.clone());
            Python::attach(|py| {
                let _ = err.value(py).setattr("problems", vec![message]);
            });
            err
        }
        other => RelocsimError::new_err(other.to_string()),
    }
}

fn invalid(file: &str, problem: String) -> Error {
    Error::Invalid {
        file: file.to_string(),
        problems: vec![problem],
    }
}

/// A JSON value (from a Python dict) as TOML; null has no TOML form.
fn toml_value(v: serde_json::Value, at: &str) -> Result<toml::Value, String> {
    use serde_json::Value as J;
    Ok(match v {
        J::Null => return Err(format!("{at}: None has no TOML form; leave the key out")),
        J::Bool(b) => toml::Value::Boolean(b),
        J::Number(n) => match n.as_i64() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => toml::Value::String(s),
        J::Array(a) => toml::Value::Array(
            (a.into_iter().enumerate())
                .map(|(i, x)| toml_value(x, &format!("{at}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        J::Object(o) => {
            let mut t = toml::Table::new();
            for (k, x) in o {
                let here = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                t.insert(k, toml_value(x, &here)?);
            }
            toml::Value::Table(t)
        }
    })
}

/// Sets each override in the scenario document. A registry name of a policy parameter
/// (`policy.KIND.FIELD`) is set in every table of that kind; a migration lever sets its
/// `[reference]` too, as calibration and sensitivity studies do; any other key is a
/// dotted path into the file (`scenario.end_year`, `policy.0.start`).
fn apply_overrides(doc: &mut toml::Table, overrides: toml::Table, file: &str) -> Result<(), Error> {
    let mut problems = Vec::new();
    for (key, value) in overrides {
        let param = relocsim::params::find(&key);
        let keys: Vec<String> = match param.and_then(|p| p.kind().map(|k| (p, k))) {
            Some((p, kind)) => {
                let tables = doc.get("policy").and_then(|v| v.as_array());
                let of_kind: Vec<String> = (tables.into_iter().flatten().enumerate())
                    .filter(|(_, t)| {
                        kind == relocsim::params::ANY_KIND
                            || t.get("kind").and_then(|k| k.as_str()) == Some(kind)
                    })
                    .map(|(i, _)| format!("policy.{i}.{}", p.field()))
                    .collect();
                if of_kind.is_empty() {
                    problems.push(format!(
                        "overrides: {key}: the scenario has no {kind} policy table"
                    ));
                }
                of_kind
            }
            None => {
                let mut keys = vec![key.clone()];
                keys.extend(relocsim::scenario::Reference::key_for(&key));
                keys
            }
        };
        for k in keys {
            if let Err(e) = relocsim::batch::overrides::apply(doc, &k, &value) {
                problems.push(format!("overrides: {k}: {e}"));
            }
        }
    }
    match problems.is_empty() {
        true => Ok(()),
        false => Err(Error::Invalid {
            file: file.to_string(),
            problems,
        }),
    }
}

/// The scenario as the CLI would resolve it: `text` (TOML) or `json` (a dict), with
/// seed, scale and replicate set and the overrides applied, then validated whole.
fn resolve(source: &Source, settings: &Settings) -> Result<Resolved, Error> {
    let file = source.file.as_str();
    let mut doc: toml::Table = match (&source.text, &source.json) {
        (Some(text), _) => toml::from_str(text).map_err(|e| Error::Parse {
            file: file.to_string(),
            message: e.to_string(),
        })?,
        (None, Some(json)) => {
            let v: serde_json::Value =
                serde_json::from_str(json).map_err(|e| invalid(file, e.to_string()))?;
            match toml_value(v, "").map_err(|e| invalid(file, e))? {
                toml::Value::Table(t) => t,
                _ => return Err(invalid(file, "a scenario is a dict of tables".into())),
            }
        }
        (None, None) => return Err(invalid(file, "no scenario given".into())),
    };
    let overrides: serde_json::Value = serde_json::from_str(&settings.overrides)
        .map_err(|e| invalid("overrides", e.to_string()))?;
    if let toml::Value::Table(o) = toml_value(overrides, "").map_err(|e| invalid("overrides", e))? {
        apply_overrides(&mut doc, o, file)?;
    }
    // Set as `relocsim run --seed/--scale` set them (overrides refuse replicate, which a
    // sweep owns); an out-of-range value is reported by validation like any other.
    let run_settings = [
        (
            "seed",
            settings
                .seed
                .map(|v| toml::Value::Integer(v.min(i64::MAX as u64) as i64)),
        ),
        ("scale", settings.scale.map(toml::Value::Float)),
        (
            "replicate",
            settings
                .replicate
                .map(|r| toml::Value::Integer(i64::from(r))),
        ),
    ];
    for (key, value) in run_settings {
        let Some(v) = value else { continue };
        let table = doc
            .entry("scenario")
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if let Some(t) = table.as_table_mut() {
            t.insert(key.to_string(), v);
        }
    }
    let text = toml::to_string(&doc).map_err(|e| invalid(file, e.to_string()))?;
    scenario::parse(&text, file, Path::new(&source.base))
}

/// Where a scenario comes from: TOML text or a dict as JSON, a name for messages, and
/// the directory its relative region paths start from.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct Source {
    text: Option<String>,
    json: Option<String>,
    file: String,
    base: String,
}

#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct Settings {
    seed: Option<u64>,
    scale: Option<f64>,
    replicate: Option<u32>,
    /// A JSON object of dotted keys.
    overrides: String,
}

/// A table in memory, exported to Python by the Arrow C stream interface.
#[pyclass(frozen, module = "relocsim._native")]
struct NativeTable {
    #[pyo3(get)]
    name: String,
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
}

#[pymethods]
impl NativeTable {
    /// The Arrow PyCapsule protocol: a stream of the table's batches, sharing their
    /// buffers (no copy). `requested_schema` is not supported and must be None.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        if requested_schema.is_some_and(|s| !s.is_none()) {
            return Err(RelocsimError::new_err(
                "a requested schema is not supported",
            ));
        }
        let reader = RecordBatchIterator::new(
            self.batches.clone().into_iter().map(Ok),
            self.schema.clone(),
        );
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }

    /// Rows in the table.
    fn num_rows(&self) -> usize {
        self.batches.iter().map(|b| b.num_rows()).sum()
    }

    /// The address of the first data buffer of column `column` in each batch: a test
    /// compares them with pyarrow's to show the export copies nothing.
    fn buffer_addresses(&self, column: usize) -> Vec<usize> {
        (self.batches.iter())
            .filter_map(|b| b.columns().get(column))
            .filter_map(|c| c.to_data().buffers().first().map(|b| b.as_ptr() as usize))
            .collect()
    }
}

/// A run: its tables in memory (none for a run written to a directory, whose files
/// Python reads) and its resolved scenario as the manifest holds it.
#[pyclass(frozen, module = "relocsim._native")]
struct NativeRun {
    tables: Vec<Py<NativeTable>>,
    /// The self-contained scenario, as TOML.
    #[pyo3(get)]
    scenario: String,
    /// The run directory, when the run was written to one.
    #[pyo3(get)]
    dir: Option<String>,
}

#[pymethods]
impl NativeRun {
    fn table_names(&self) -> Vec<String> {
        self.tables.iter().map(|t| t.get().name.clone()).collect()
    }

    fn table(&self, py: Python<'_>, name: &str) -> PyResult<Py<NativeTable>> {
        (self.tables.iter())
            .find(|t| t.get().name == name)
            .map(|t| t.clone_ref(py))
            .ok_or_else(|| {
                let names: Vec<&str> = self.tables.iter().map(|t| t.get().name.as_str()).collect();
                PyKeyError::new_err(format!(
                    "no table {name:?}; this run has {}",
                    names.join(", ")
                ))
            })
    }
}

/// How often a waiting call looks for Ctrl-C.
const POLL: Duration = Duration::from_millis(50);

/// Runs `work` on its own thread with the GIL released, looking for signals meanwhile:
/// on Ctrl-C it sets `stop`, waits for the run to end at its next boundary, and raises
/// KeyboardInterrupt.
fn interruptible<T: Send + 'static>(
    py: Python<'_>,
    stop: Arc<AtomicBool>,
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> PyResult<T> {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        let _ = tx.send(work());
    });
    // A Receiver may not be shared, but a Mutex of one may: the wait holds no GIL.
    let rx = std::sync::Mutex::new(rx);
    loop {
        let got = py.detach(|| {
            let rx = rx.lock().expect("only this thread waits");
            rx.recv_timeout(POLL)
        });
        match got {
            Ok(result) => {
                let _ = handle.join();
                return result.map_err(to_py);
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let _ = handle.join();
                return Err(RelocsimError::new_err(
                    "the run's thread ended without a result",
                ));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if let Err(interrupt) = py.check_signals() {
            stop.store(true, Ordering::SeqCst);
            let _ = py.detach(|| handle.join());
            return Err(interrupt);
        }
    }
}

fn threads(t: Option<usize>) -> usize {
    t.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1)
}

/// Validates a scenario as `relocsim validate` does; raises ScenarioError with every
/// problem, or returns the resolved scenario as TOML.
#[pyfunction]
fn validate(source: Source, settings: Settings) -> PyResult<String> {
    let r = resolve(&source, &settings).map_err(to_py)?;
    toml::to_string(&r.self_contained()).map_err(|e| RelocsimError::new_err(e.to_string()))
}

/// Runs a scenario, in memory (`out` None) or into the run directory `out` (which
/// must not exist unless `force`).
#[pyfunction]
#[pyo3(signature = (source, settings, out=None, threads=None, force=false))]
fn run(
    py: Python<'_>,
    source: Source,
    settings: Settings,
    out: Option<String>,
    threads: Option<usize>,
    force: bool,
) -> PyResult<NativeRun> {
    let resolved = resolve(&source, &settings).map_err(to_py)?;
    let scenario_text = toml::to_string(&resolved.self_contained())
        .map_err(|e| RelocsimError::new_err(e.to_string()))?;
    let stop = Arc::new(AtomicBool::new(false));
    let n = self::threads(threads);
    let Some(out) = out else {
        let s = stop.clone();
        let tables = interruptible(py, stop, move || run_in_memory(&resolved, n, Some(s)))?;
        let tables = (tables.into_iter())
            .map(|t: MemoryTable| {
                let table = NativeTable {
                    name: t.name,
                    schema: t.schema,
                    batches: t.batches,
                };
                Py::new(py, table)
            })
            .collect::<PyResult<_>>()?;
        return Ok(NativeRun {
            tables,
            scenario: scenario_text,
            dir: None,
        });
    };
    let opts = RunOptions {
        out: PathBuf::from(&out),
        threads: n,
        force,
        command_line: vec!["python".into(), "relocsim.run".into()],
        stop: Some(stop.clone()),
        ..Default::default()
    };
    interruptible(py, stop, move || {
        run_to_dir(&resolved, &opts, |_, _| {}).map(|_| ())
    })?;
    Ok(NativeRun {
        tables: Vec::new(),
        scenario: scenario_text,
        dir: Some(out),
    })
}

/// The parameter registry: one dict per parameter (name, unit, default, min, max, tag,
/// meaning).
#[pyfunction]
fn params(py: Python<'_>) -> PyResult<Vec<Py<PyAny>>> {
    use relocsim::params::DefaultValue as D;
    relocsim::params::all()
        .map(|p| {
            let d = pyo3::types::PyDict::new(py);
            d.set_item("name", p.name)?;
            d.set_item("unit", p.unit)?;
            match p.default {
                D::Number(v) => d.set_item("default", v)?,
                D::Integer(v) => d.set_item("default", v)?,
                D::Bool(v) => d.set_item("default", v)?,
                D::Names(v) => d.set_item("default", v.to_vec())?,
                D::EmptyTable => d.set_item("default", pyo3::types::PyDict::new(py))?,
                D::Required => d.set_item("default", py.None())?,
            }
            d.set_item("min", p.range.map(|r| r.min))?;
            d.set_item("max", p.range.map(|r| r.max))?;
            d.set_item("tag", p.tag.label())?;
            d.set_item("meaning", p.meaning)?;
            Ok(d.into_any().unbind())
        })
        .collect()
}

/// The policy kinds: one dict per kind (name, summary, essay, example).
#[pyfunction]
fn policies(py: Python<'_>) -> PyResult<Vec<Py<PyAny>>> {
    relocsim::policy::KINDS
        .iter()
        .map(|k| {
            let d = pyo3::types::PyDict::new(py);
            d.set_item("name", k.name)?;
            d.set_item("summary", k.summary)?;
            d.set_item("essay", k.essay)?;
            d.set_item("example", k.example)?;
            Ok(d.into_any().unbind())
        })
        .collect()
}

/// relocsim's version, as the manifests record it.
#[pyfunction]
fn version() -> &'static str {
    relocsim::VERSION
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("RelocsimError", m.py().get_type::<RelocsimError>())?;
    m.add("ScenarioError", m.py().get_type::<ScenarioError>())?;
    m.add_class::<NativeTable>()?;
    m.add_class::<NativeRun>()?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(params, m)?)?;
    m.add_function(wrap_pyfunction!(policies, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    Ok(())
}

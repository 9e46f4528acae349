//! A run kept in memory: the tables a run directory would hold, as Arrow record
//! batches with the same schemas (one batch per row group), and no file written. For
//! callers that analyse runs in the same process, such as the Python package, which
//! hands the batches to pyarrow without a copy.
//!
//! The engine, its thread pool and its sink are those of a run into a directory, so the
//! rows are the ones `relocsim run` writes for the same scenario and seed. A stop
//! request abandons the run at once: there is nothing to resume and nothing to keep.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;

use crate::engine::{self, Abandon, Control, Ending, Model, Sink};
use crate::error::{Error, Result};
use crate::output::ParquetSink;
use crate::scenario::Resolved;

/// One table of a run in memory.
pub struct MemoryTable {
    pub name: String,
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
}

/// Runs `resolved` on `threads` worker threads, keeping every table in memory. Setting
/// `stop` ends it within a pass with [`Error::Stopped`].
pub fn run_in_memory(
    resolved: &Resolved,
    threads: usize,
    stop: Option<Arc<AtomicBool>>,
) -> Result<Vec<MemoryTable>> {
    let usage = crate::resources::Usage {
        threads,
        snapshots: false,
        runs: 1,
    };
    crate::resources::check(resolved, &usage)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::io("rayon", std::io::Error::other(e.to_string())))?;
    let flag = stop.unwrap_or_default();
    let stopped = || Error::Stopped {
        out: "(in memory)".into(),
        message: "stopped on request; the run kept in memory was discarded".into(),
    };
    let mut sink = ParquetSink::in_memory(None);
    let ending = pool.install(|| {
        let Some(mut model) = Model::new_abandonable(resolved, Abandon::new(flag.clone())) else {
            return Ok(Ending::Abandoned);
        };
        sink.begin(&model.run_info())?;
        engine::record_start(&model, &mut sink)?;
        engine::drive(&mut model, &mut sink, |_, _, _| {
            Ok(match flag.load(Ordering::SeqCst) {
                true => Control::Stop,
                false => Control::Continue,
            })
        })
    })?;
    if ending != Ending::Complete {
        return Err(stopped());
    }
    sink.finish()?;
    Ok((sink.into_tables().into_iter())
        .map(|(name, schema, batches)| MemoryTable {
            name,
            schema,
            batches,
        })
        .collect())
}

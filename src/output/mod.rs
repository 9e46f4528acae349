//! Where a run's records go. The engine pushes into a [`Sink`]: `begin` once, `record`
//! for every step (step 0 is the initial state), `finish` at the end. The Parquet sink
//! writes the run directory; the memory sink keeps frames for tests; the null sink
//! discards them for benchmarks.

pub mod manifest;
mod parquet;

pub use manifest::{FileEntry, Manifest, RunStatus};
pub use parquet::{ParquetSink, SCHEMA_DOC};

use crate::engine::Model;
use crate::error::Result;
use crate::record::StepFrame;

pub trait Sink {
    fn begin(&mut self, model: &Model) -> Result<()>;
    fn record(&mut self, model: &Model, frame: &StepFrame) -> Result<()>;
    fn finish(&mut self, model: &Model) -> Result<()>;
}

/// Keeps every frame: for tests and for callers that analyse a run in memory.
#[derive(Default)]
pub struct MemorySink {
    pub frames: Vec<StepFrame>,
}

impl Sink for MemorySink {
    fn begin(&mut self, _: &Model) -> Result<()> {
        Ok(())
    }
    fn record(&mut self, _: &Model, frame: &StepFrame) -> Result<()> {
        self.frames.push(frame.clone());
        Ok(())
    }
    fn finish(&mut self, _: &Model) -> Result<()> {
        Ok(())
    }
}

/// Discards everything: measures the engine alone.
pub struct NullSink;

impl Sink for NullSink {
    fn begin(&mut self, _: &Model) -> Result<()> {
        Ok(())
    }
    fn record(&mut self, _: &Model, _: &StepFrame) -> Result<()> {
        Ok(())
    }
    fn finish(&mut self, _: &Model) -> Result<()> {
        Ok(())
    }
}

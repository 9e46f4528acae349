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

/// A number for people: thousands-separated whole numbers from 1,000 up, four decimals
/// below (negative zero shown as zero), the same on every machine.
pub fn human(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let v = if v == 0.0 { 0.0 } else { v };
    if v.abs() < 1000.0 {
        return format!("{v:.4}");
    }
    let digits = format!("{:.0}", v.abs());
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    if v < 0.0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

#[cfg(test)]
mod tests {
    use super::human;

    #[test]
    fn numbers_have_one_format() {
        assert_eq!(human(-0.0), "0.0000");
        assert_eq!(human(0.12345), "0.1235");
        assert_eq!(human(-1234567.4), "-1,234,567");
        assert_eq!(human(999.5), "999.5000");
    }
}

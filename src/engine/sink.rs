//! Where the engine publishes a run, and the one loop that drives it. The engine owns
//! the [`Sink`] trait: a sink hears of the run once ([`RunInfo`]), then of every step
//! ([`StepView`]: the step's record and read-only views of the agent tables, nothing
//! it could change), and once more at the end. Output formats (Parquet, in memory,
//! nothing) implement it in the layers above; [`drive`] is the step loop both the
//! library's [`crate::simulate`] and the runner use.

use super::Model;
use super::record::StepFrame;
use crate::agents::{Firms, Persons};
use crate::error::Result;
use crate::region::Region;

/// What a sink needs to know of a run before its first step.
pub struct RunInfo<'a> {
    pub region: &'a Region,
    /// Agents per real person and firm: counts in the data are divided by it.
    pub scale: f64,
    pub start_year: i32,
    /// Steps of the whole run (the last step's number).
    pub steps: u32,
    /// The kind of each policy, in scenario order (events name the policy they come
    /// from by its position, 1-based).
    pub policy_kinds: Vec<&'static str>,
}

/// One recorded step, as a sink sees it.
pub struct StepView<'a> {
    pub frame: &'a StepFrame,
    pub firms: &'a Firms,
    pub persons: &'a Persons,
    /// True for the run's last step.
    pub last: bool,
}

/// Receives a run step by step. Only `record` must be written; `begin` and `finish`
/// default to doing nothing.
pub trait Sink {
    fn begin(&mut self, _run: &RunInfo) -> Result<()> {
        Ok(())
    }
    fn record(&mut self, step: &StepView) -> Result<()>;
    fn finish(&mut self) -> Result<()> {
        Ok(())
    }
}

/// Keeps every frame: for tests and for callers that analyse a run in memory.
#[derive(Default)]
pub struct MemorySink {
    pub frames: Vec<StepFrame>,
}

impl Sink for MemorySink {
    fn record(&mut self, step: &StepView) -> Result<()> {
        self.frames.push(step.frame.clone());
        Ok(())
    }
}

/// Discards everything: measures the engine alone.
pub struct NullSink;

impl Sink for NullSink {
    fn record(&mut self, _: &StepView) -> Result<()> {
        Ok(())
    }
}

impl Model {
    /// The run as a sink sees it before the first step.
    pub fn run_info(&self) -> RunInfo<'_> {
        RunInfo {
            region: &self.region,
            scale: self.scale,
            start_year: self.start_year,
            steps: self.steps,
            policy_kinds: self.policies.iter().map(|p| p.kind()).collect(),
        }
    }

    /// `frame` (the record of the current step) with the agent tables.
    pub fn view<'a>(&'a self, frame: &'a StepFrame) -> StepView<'a> {
        StepView {
            frame,
            firms: &self.firms,
            persons: &self.persons,
            last: self.is_done(),
        }
    }
}

/// Whether the loop goes on after a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    Continue,
    Stop,
}

/// How [`drive`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Every step is done.
    Complete,
    /// `between` asked to stop at a step boundary.
    Stopped,
    /// A step was abandoned (see [`super::Abandon`]): the model is inconsistent.
    Abandoned,
}

/// Records the initial state (step 0) of a new model.
pub fn record_start(model: &Model, sink: &mut (impl Sink + ?Sized)) -> Result<StepFrame> {
    let frame = model.initial_frame();
    sink.record(&model.view(&frame))?;
    Ok(frame)
}

/// The step loop: steps `model` to its end, recording every step in `sink`. `between`
/// is called before each step and once after the last, with the step just recorded
/// (None before the first step of this call), and may stop the run at that boundary.
pub fn drive<S: Sink + ?Sized>(
    model: &mut Model,
    sink: &mut S,
    mut between: impl FnMut(&Model, &mut S, Option<&StepFrame>) -> Result<Control>,
) -> Result<Ending> {
    let mut last: Option<StepFrame> = None;
    loop {
        if between(model, sink, last.as_ref())? == Control::Stop {
            return Ok(Ending::Stopped);
        }
        if model.is_done() {
            return Ok(Ending::Complete);
        }
        let Some(frame) = model.try_step() else {
            return Ok(Ending::Abandoned);
        };
        sink.record(&model.view(&frame))?;
        last = Some(frame);
    }
}

//! relocsim: an agent-based simulator of firm and population relocation between the
//! cities of a region (by default Beijing-Tianjin-Hebei) under transfer policies.
//!
//! The library is organised by concept: [`region`] (data), [`scenario`] (input),
//! [`agents`] (struct-of-arrays state), [`policy`] (levers and their mechanisms),
//! [`engine`] (the step), [`rng`] (counter-based streams), [`record`] (what a step
//! reports), [`output`] (sinks and manifest), [`runner`] (a whole run into a
//! directory), [`replay`] (run a published run again and compare), [`batch`] (sweeps
//! of scenarios, variants and replicates, locally or on Slurm, and their summary) and
//! [`report`] (scenarios side by side: tables, charts and an HTML report). The binary in
//! `main.rs` only parses arguments and wires these together.

pub mod agents;
pub mod batch;
pub mod bench;
pub mod checkpoint;
pub mod engine;
pub mod error;
pub mod input;
pub mod math;
pub mod outdir;
pub mod output;
pub mod policy;
pub mod record;
pub mod region;
pub mod replay;
pub mod report;
pub mod resources;
pub mod rng;
pub mod runner;
pub mod scenario;
pub mod validate;

pub use engine::Model;
pub use error::{Error, Result};
pub use output::{MemorySink, NullSink, Sink};
pub use scenario::Resolved;

/// Runs a scenario from its initial state to the end, pushing every step into `sink`.
/// `on_step` sees each frame after the sink (progress reporting); return `false` from
/// `keep_going` to stop early at a step boundary.
pub fn simulate(
    resolved: &Resolved,
    sink: &mut dyn Sink,
    mut on_step: impl FnMut(&Model, &record::StepFrame),
) -> Result<Model> {
    let mut model = Model::new(resolved);
    sink.begin(&model)?;
    let frame = model.initial_frame();
    sink.record(&model, &frame)?;
    on_step(&model, &frame);
    while !model.is_done() {
        let frame = model.step();
        sink.record(&model, &frame)?;
        on_step(&model, &frame);
    }
    sink.finish(&model)?;
    Ok(model)
}

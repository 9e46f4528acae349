//! relocsim: an agent-based simulator of firm and population relocation between the
//! cities of a region (by default Beijing-Tianjin-Hebei) under transfer policies.
//!
//! The library is built in layers, each using only those below it (docs/architecture.md
//! draws them; `tests/layers.rs` fails on an import that points up or goes both ways):
//!
//! 1. [`math`], [`rng`] (counter-based streams), [`agents`] (struct-of-arrays state),
//!    [`stats`] (statistics over replicates), and the helpers every layer shares:
//!    [`error`], [`input`], [`digest`], [`text`];
//! 2. [`region`]: the cities, sectors and distances;
//! 3. [`params`]: the registry of every parameter (unit, default, range, source,
//!    meaning) that policies and scenarios read;
//! 4. [`policy`]: the levers and their mechanisms;
//! 5. [`scenario`] with its validation: what a user writes, checked;
//! 6. [`engine`]: the model's rules and passes, publishing each step through the
//!    [`Sink`] it owns; [`resources`]: what a run will hold in memory;
//! 7. [`output`] (Parquet, manifest) and [`outdir`] (what may be replaced, and locks);
//! 8. [`run`]: a whole run into a directory, its checkpoints, replay and benchmark;
//! 9. [`batch`] (sweeps, locally or on Slurm, and their summary) and [`report`]
//!    (scenarios side by side; it reads outputs and never simulates).
//!
//! The binary in `main.rs` only parses arguments and wires these together.

pub mod agents;
pub mod batch;
pub mod calibrate;
pub mod digest;
pub mod engine;
pub mod error;
pub mod input;
pub mod math;
pub mod outdir;
pub mod output;
pub mod params;
pub mod policy;
pub mod region;
pub mod report;
pub mod resources;
pub mod rng;
pub mod run;
pub mod scenario;
pub mod sensitivity;
pub mod stats;
pub mod targets;
pub mod text;

pub use engine::Model;
pub use engine::sink::{MemorySink, NullSink, Sink};
pub use error::{Error, Result};
pub use scenario::Resolved;

/// relocsim's version, as manifests record it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Runs a scenario from its initial state to the end, pushing every step into `sink`.
/// `on_step` sees each frame after the sink (progress reporting).
pub fn simulate(
    resolved: &Resolved,
    sink: &mut dyn Sink,
    mut on_step: impl FnMut(&Model, &engine::record::StepFrame),
) -> Result<Model> {
    let mut model = Model::new(resolved);
    sink.begin(&model.run_info())?;
    let first = engine::sink::record_start(&model, sink)?;
    on_step(&model, &first);
    engine::sink::drive(&mut model, sink, |m, _, frame| {
        if let Some(f) = frame {
            on_step(m, f);
        }
        Ok(engine::sink::Control::Continue)
    })?;
    sink.finish()?;
    Ok(model)
}

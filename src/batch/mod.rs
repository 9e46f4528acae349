//! Batch runs: sweeps of scenarios, variants and replicates, run on this machine or as a
//! Slurm job array, and summarised over replicates.
//!
//! - [`sweep`]: the sweep file, checked before anything runs;
//! - [`overrides`]: dotted-path overrides of a scenario (`policy.0.hazard_multiplier`);
//! - [`posterior`]: parameter sets drawn per replicate from a calibration's posterior;
//! - [`plan`]: tasks with stable indices, run ids and hive-style directories
//!   (`runs/scenario=S/variant=V/replicate=R`), shares of tasks, the plan file;
//! - [`tables`]: each table of every run in a tree of its own (`tables/TABLE/...`);
//! - [`local`]: runs tasks in parallel here, skipping verified complete runs;
//! - [`slurm`]: job array, summary job and submit scripts;
//! - [`summary`], [`markdown`]: statistics over replicates and paired differences
//!   against a baseline (computed by `crate::stats`, as the report's are).

pub mod backend;
pub mod index;
pub mod local;
pub mod markdown;
pub mod overrides;
pub mod plan;
pub mod posterior;
pub mod slurm;
pub mod summary;
pub mod sweep;
pub mod tables;

pub use backend::{Backend, run_sweep_text};
pub use local::{LocalOptions, Progress, SweepReport, TaskOutcome, run_local};
pub use plan::{PLAN_FILE, Plan, Share, Task};
pub use slurm::{SlurmOptions, SlurmScripts, shell_quote, write_scripts};
pub use summary::{SummaryOptions, SummaryReport, summarize};
pub use sweep::Sweep;

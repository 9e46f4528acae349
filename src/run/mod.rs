//! A whole run: into a directory ([`runner`], with resume), saved and restored
//! ([`checkpoint`]), kept in memory ([`memory`]), run again and compared ([`replay`]),
//! or timed ([`bench`]). This is
//! the layer that puts the engine and the output files together; nothing below it
//! knows about directories of runs.

pub mod bench;
pub mod checkpoint;
pub mod memory;
pub mod replay;
pub mod runner;

//! Memory: an estimate of what a run will hold, checked against what the machine has
//! available before anything is allocated, so a too-large scale is refused with the
//! largest scale that fits instead of crashing the machine.

use crate::agents::{Firms, Persons};
use crate::error::{Error, Result};
use crate::scenario::Resolved;

/// Per-step working memory beyond the agent columns: decision vectors, move lists and
/// lottery keys, measured as bytes per agent [A: from the code's vectors, rounded up].
const WORK_BYTES_PER_PERSON: f64 = 6.0;
const WORK_BYTES_PER_FIRM: f64 = 24.0;
/// Firms are never removed, so entrants accumulate: at the default exit rates a 15-year
/// run adds about one firm per starting firm; budget for that plus headroom.
const FIRM_GROWTH_FACTOR: f64 = 2.5;
const FIXED_BYTES: f64 = 64.0 * 1024.0 * 1024.0;

/// Estimated peak bytes of a run of `resolved`.
pub fn estimate_bytes(resolved: &Resolved) -> f64 {
    let scale = resolved.scenario.scenario.scale;
    let cities = &resolved.region.spec.cities;
    let persons: f64 = cities.iter().map(|c| c.population as f64).sum::<f64>() * scale;
    let firms: f64 = cities.iter().map(|c| c.firms as f64).sum::<f64>() * scale;
    persons * (Persons::BYTES_PER_AGENT as f64 + WORK_BYTES_PER_PERSON)
        + firms * FIRM_GROWTH_FACTOR * (Firms::BYTES_PER_AGENT as f64 + WORK_BYTES_PER_FIRM)
        + FIXED_BYTES
}

/// `MemAvailable` from /proc/meminfo, in bytes; None where it cannot be read.
pub fn available_bytes() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024.0)
}

/// Refuses a run whose estimate exceeds the memory available.
pub fn check(resolved: &Resolved) -> Result<()> {
    let Some(available) = available_bytes() else {
        return Ok(());
    };
    let needed = estimate_bytes(resolved);
    if needed <= available {
        return Ok(());
    }
    let scale = resolved.scenario.scenario.scale;
    let per_scale = (needed - FIXED_BYTES) / scale;
    const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
    Err(Error::Resources {
        scale,
        needed_gib: needed / GIB,
        available_gib: available / GIB,
        max_scale: ((available - FIXED_BYTES) / per_scale).max(0.0),
    })
}

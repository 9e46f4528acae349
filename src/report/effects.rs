//! The chart that answers the report's question first: each scenario minus its
//! baseline, year by year, for every headline indicator, with the 95% interval of the
//! paired difference as a band. Levels (the other charts) come after it.
//!
//! A band is the interval of the difference itself, not two overlapping intervals of
//! levels: runs with the same seed and replicate share their random numbers, so their
//! difference holds the policy's effect and little of the noise.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::Comparison;
use super::charts::{Drawn, Line, OKABE_ITO, indicator, legend, line_panel, scenario_colour};
use crate::engine::indicators::{Named, Unit};
use crate::stats::Estimate;

/// Panels a row: three stay legible in print.
const COLUMNS: usize = 3;

pub(super) fn size(cmp: &Comparison) -> (u32, u32) {
    let rows = cmp.indicators.len().div_ceil(COLUMNS).max(1) as u32;
    (1500, 110 + 380 * rows)
}

pub(super) fn caption(cmp: &Comparison) -> String {
    let pairs = cmp.groups.iter().map(|g| g.runs.len()).min().unwrap_or(0);
    let bands = if pairs >= 2 {
        "the shaded band is its 95% t-interval over the pairs."
    } else {
        "with one run per scenario there is no band, and a difference may be noise."
    };
    format!(
        "Each line is a scenario minus its baseline: the mean over replicates paired by seed \
         and replicate number; {bands} The dashed line at zero is the baseline. Shares are \
         in percentage points."
    )
}

/// A difference in the units people read it in: shares as percentage points.
fn shown(named: &Named) -> (f64, &'static str) {
    match named.unit {
        Unit::Share => (100.0, "percentage points"),
        u => (1.0, u.name()),
    }
}

fn scaled(points: Vec<(i32, Estimate)>, k: f64) -> Vec<(i32, Estimate)> {
    points
        .into_iter()
        .map(|(y, e)| (y, e.rescaled(0.0, k)))
        .collect()
}

pub(super) fn draw<DB: DrawingBackend>(cmp: &Comparison, area: &DrawingArea<DB, Shift>) -> Drawn
where
    DB::ErrorType: 'static,
{
    let policies: Vec<usize> = (0..cmp.groups.len())
        .filter(|&i| !cmp.is_baseline(i))
        .collect();
    let (top, rest) = area.split_vertically(60);
    let entries: Vec<_> = (policies.iter())
        .map(|&i| {
            let g = &cmp.groups[i];
            let label = format!("{} − {}", g.label, cmp.groups[cmp.bases[i]].label);
            (label, scenario_colour(i), i >= OKABE_ITO.len())
        })
        .collect();
    legend(&top, &entries, false)?;
    let rows = cmp.indicators.len().div_ceil(COLUMNS);
    let panels = rest.split_evenly((rows, COLUMNS));
    for (named, panel) in cmp.indicators.iter().zip(&panels) {
        let (k, unit) = shown(named);
        let lines: Vec<Line> = (policies.iter())
            .map(|&i| Line {
                colour: scenario_colour(i),
                dashed: i >= OKABE_ITO.len(),
                points: scaled(cmp.difference_series(i, indicator(&named.name)), k),
            })
            .collect();
        let zero = Some((0.0, "baseline".to_string()));
        line_panel(
            panel,
            &named.label,
            &format!("difference, {unit}"),
            &lines,
            zero,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_keeps_the_interval_around_the_mean() {
        let e = Estimate {
            n: 3,
            mean: 0.01,
            sd: Some(0.002),
            half_width: Some(0.005),
        };
        let (_, s) = scaled(vec![(2030, e)], 100.0)[0];
        assert!((s.mean - 1.0).abs() < 1e-12);
        assert_eq!(
            s.interval().map(|(a, b)| (a.round(), b.round())),
            Some((1.0, 2.0))
        );
    }
}

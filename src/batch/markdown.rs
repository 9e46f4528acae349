//! `summary.md`: the final year of every region-level indicator as a markdown table per
//! variant, for a reader who wants the answer without opening Parquet. Numbers are
//! written by one fixed rule, so the file is as reproducible as the Parquet it sums up.

use super::plan::Plan;
use crate::output::human as num;
use crate::stats::{Describe, Difference};

/// One final-year indicator of one scenario and variant.
pub struct Line {
    pub variant: String,
    pub scenario: String,
    pub indicator: String,
    pub year: i32,
    pub stats: Describe,
    /// Difference from the baseline; None for the baseline itself.
    pub diff: Option<Difference>,
}

pub fn render(sw: &Plan, baseline: Option<&str>, mut lines: Vec<Line>) -> String {
    let pos = |list: &[String], x: &str| list.iter().position(|s| s == x).unwrap_or(usize::MAX);
    lines.sort_by(|a, b| {
        let key = |l: &Line| {
            (
                pos(&sw.variants, &l.variant),
                pos(&sw.scenarios, &l.scenario),
            )
        };
        let (ka, kb) = (key(a), key(b));
        (ka.0, &a.indicator, ka.1).cmp(&(kb.0, &b.indicator, kb.1))
    });
    let mut out = header(sw, baseline);
    let mut current: Option<&str> = None;
    for l in &lines {
        if current != Some(&l.variant) {
            current = Some(&l.variant);
            out.push_str(&format!(
                "\n## variant `{}`\n\n| indicator | scenario | year | mean | p05 | p95 | n | minus baseline | 95% interval |\n|---|---|---:|---:|---:|---:|---:|---:|---|\n",
                l.variant
            ));
        }
        let (diff, ci) = match &l.diff {
            Some(d) => (num(d.estimate.mean), interval(d)),
            None => (String::new(), String::new()),
        };
        let s = &l.stats;
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {diff} | {ci} |\n",
            l.indicator,
            l.scenario,
            l.year,
            num(s.mean),
            num(s.p05),
            num(s.p95),
            s.n
        ));
    }
    out
}

fn header(sw: &Plan, baseline: Option<&str>) -> String {
    let against = match baseline {
        Some(b) => format!(
            "For the other scenarios, `minus baseline` is the paired difference to `{b}`: each replicate minus the `{b}` run of the same variant, seed and replicate (common random numbers), with the mean and a 95% Student-t interval over the pairs; where no runs pair (the seeds differ), the difference of the means without an interval."
        ),
        None => "No baseline scenario: pass `--baseline NAME` for paired differences.".into(),
    };
    format!(
        "# Sweep `{}`: final year\n\nScenarios: {}. Variants: {}. Replicates: {}.\n\nRegion-level indicators in the last year of each run: the mean over replicates, the 5% and 95% quantiles (linear interpolation, type 7) and the number of replicates n. {against} Every year and the city-level indicators are in `summary.parquet` and `differences.parquet`.\n",
        sw.name,
        sw.scenarios.join(", "),
        sw.variants.len(),
        sw.replicates
    )
}

fn interval(d: &Difference) -> String {
    match (d.pairs, d.estimate.interval()) {
        (_, Some((lo, hi))) => format!("[{}, {}]", num(lo), num(hi)),
        (0, None) => "(no pairs: other seeds)".into(),
        _ => "(one pair)".into(),
    }
}

//! `summary.md`: the final year of every region-level indicator as a markdown table per
//! variant, for a reader who wants the answer without opening Parquet. Numbers are
//! written by one fixed rule, so the file is as reproducible as the Parquet it sums up.

use super::plan::Plan;
use crate::engine::indicators::{self, Named, Places};
use crate::output::human as num;
use crate::stats::{Describe, Difference};

/// An indicator as the table shows it: label and unit from the catalogue, and the name
/// to look it up by in summary.parquet.
#[derive(Clone, Debug)]
pub struct Shown {
    pub name: String,
    pub label: String,
    pub unit: &'static str,
    /// Its place in record order; indicators the catalogue does not know come last.
    pub order: usize,
}

/// The indicators a region records, to show names found in the runs.
pub struct Naming {
    known: Vec<Named>,
}

impl Naming {
    pub fn new(places: &Places) -> Naming {
        Naming {
            known: indicators::recorded(places),
        }
    }

    pub fn name(&self, name: &str) -> Shown {
        let found = self.known.iter().position(|n| n.name == name);
        Shown {
            name: name.to_string(),
            label: found.map_or_else(|| name.to_string(), |i| self.known[i].label.clone()),
            unit: found.map_or("", |i| self.known[i].unit.name()),
            order: found.unwrap_or(usize::MAX),
        }
    }
}

/// One final-year indicator of one scenario and variant.
pub struct Line {
    pub variant: String,
    pub scenario: String,
    pub indicator: Shown,
    pub year: i32,
    pub stats: Describe,
    /// Difference from the baseline; None for the baseline itself.
    pub diff: Option<Difference>,
    /// The baseline's variant the difference is from, where it is not `variant` (a
    /// variant that does not reach the baseline).
    pub against: Option<String>,
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
        let (ia, ib) = (&a.indicator, &b.indicator);
        (ka.0, ia.order, &ia.name, ka.1).cmp(&(kb.0, ib.order, &ib.name, kb.1))
    });
    let mut out = header(sw, baseline);
    let mut current: Option<&str> = None;
    for l in &lines {
        if current != Some(&l.variant) {
            current = Some(&l.variant);
            out.push_str(&format!("\n## variant `{}`\n", l.variant));
            out.push_str(&against(&lines, &l.variant, baseline));
            out.push_str("\n| indicator | unit | scenario | year | mean | p05 | p95 | n | minus baseline | 95% interval |\n|---|---|---|---:|---:|---:|---:|---:|---:|---|\n");
        }
        let (diff, ci) = match &l.diff {
            Some(d) => (num(d.estimate.mean), interval(d)),
            None => (String::new(), String::new()),
        };
        let s = &l.stats;
        let ind = &l.indicator;
        out.push_str(&format!(
            "| {} (`{}`) | {} | {} | {} | {} | {} | {} | {} | {diff} | {ci} |\n",
            ind.label,
            ind.name,
            ind.unit,
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

/// Which baseline run each scenario of `variant` is read against, where the variant
/// does not reach the baseline.
fn against(lines: &[Line], variant: &str, baseline: Option<&str>) -> String {
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for l in lines.iter().filter(|l| l.variant == variant) {
        if let Some(a) = &l.against
            && !seen.contains(&(l.scenario.as_str(), a.as_str()))
        {
            seen.push((&l.scenario, a));
        }
    }
    let b = baseline.unwrap_or("baseline");
    (seen.iter())
        .map(|(s, a)| {
            format!(
                "\nThe variant does not reach `{b}`: `{s}` is read against `{b}`'s variant `{a}`.\n"
            )
        })
        .collect()
}

fn header(sw: &Plan, baseline: Option<&str>) -> String {
    let limited = match sw.combinations {
        Some(_) => {
            " (for a variant that does not reach the baseline, the baseline's run without it, named under the variant's heading and in `differences.parquet`'s `baseline_variant`)"
        }
        None => "",
    };
    let against = match baseline {
        Some(b) => format!(
            "For the other scenarios, `minus baseline` is the paired difference to `{b}`: each replicate minus the `{b}` run of the same variant{limited}, seed and replicate (common random numbers), with the mean and a 95% Student-t interval over the pairs; where no runs pair (the seeds differ), the difference of the means without an interval."
        ),
        None => "No baseline scenario: pass `--baseline NAME` for paired differences.".into(),
    };
    format!(
        "# Sweep `{}`: final year\n\nScenarios: {}. Variants: {}. Replicates: {}.\n\n{}\n\nRegion-level indicators in the last year of each run: the mean over replicates, the 5% and 95% quantiles (linear interpolation, type 7) and the number of replicates n. {against} Every year and the city-level indicators are in `summary.parquet` and `differences.parquet`.\n",
        sw.name,
        sw.scenarios.join(", "),
        sw.variants.len(),
        sw.replicates,
        uncertainty(sw)
    )
}

/// Which uncertainty the spread over replicates shows.
pub fn uncertainty(sw: &Plan) -> String {
    match &sw.posterior {
        Some(p) => format!(
            "**Uncertainty: stochastic and parameter.** Each replicate ran with its own parameter set ({}) drawn by weight from the {} particles of the posterior `{}` (SHA-256 {}), the same set for every scenario of the replicate; quantiles and intervals over replicates hold both the model's noise and the parameters' uncertainty.",
            p.parameters.join(", "),
            p.particles,
            p.file,
            &p.sha256[..12.min(p.sha256.len())]
        ),
        None => "**Uncertainty: stochastic only.** Every replicate ran with the same parameters; quantiles and intervals over replicates show the model's noise, not the parameters' uncertainty (name a calibration's posterior as `[sweep] posterior` to include it).".into(),
    }
}

fn interval(d: &Difference) -> String {
    match (d.pairs, d.estimate.interval()) {
        (_, Some((lo, hi))) => format!("[{}, {}]", num(lo), num(hi)),
        (0, None) => "(no pairs: other seeds)".into(),
        _ => "(one pair)".into(),
    }
}

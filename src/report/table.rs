//! The headline table: each headline indicator in each milestone year, per scenario,
//! with its difference from the baseline and, where replicates pair up, the 95% interval
//! of the paired difference. One model of the table feeds the CSV (full precision, for
//! machines), the markdown and the HTML (rounded, for people).

use super::{Comparison, Group};
use crate::engine::indicators::Unit;
use crate::math::Det;
use crate::output::human_in as number;
use crate::stats::{self, Estimate, PairKey, estimate};

/// One scenario's entry for an indicator and year.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cell {
    /// The indicator's mean over the scenario's replicates, with its 95% interval.
    pub level: Estimate,
    /// Scenario minus baseline (none for the baseline itself), by the rule of
    /// [`stats::difference`], which `relocsim summarize` follows too.
    pub diff: Option<Diff>,
}

pub type Diff = stats::Difference;

/// One indicator in one year, a cell per scenario in the comparison's order.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub year: i32,
    /// The name in the data.
    pub indicator: String,
    pub label: String,
    pub unit: Unit,
    pub cells: Vec<Cell>,
}

/// One indicator's line of a year's table, rounded for people.
pub struct Line {
    pub label: String,
    /// The name in the data, for readers who go on to the Parquet files.
    pub name: String,
    pub unit: Unit,
    /// Per scenario: the value, and the difference from the baseline (none for it).
    pub cells: Vec<(String, Option<String>)>,
}

/// Scenarios with a difference in one table: with their baseline, value and difference
/// each, four fit a laptop screen.
pub const PER_TABLE: usize = 4;

pub struct HeadlineTable {
    /// Scenario labels, baseline first.
    pub labels: Vec<String>,
    /// Each scenario's baseline: a position in `labels`, its own for a baseline.
    pub bases: Vec<usize>,
    pub replicates: Vec<usize>,
    pub years: Vec<i32>,
    /// By year, then indicator in reporting order.
    pub rows: Vec<Row>,
}

fn values(g: &Group, indicator: &str, year: i32) -> Vec<(PairKey, f64)> {
    g.runs
        .iter()
        .filter_map(|r| Some((r.pair_key(), r.data.indicator(indicator, year)?)))
        .collect()
}

fn cell(base: &Group, g: &Group, is_base: bool, indicator: &str, year: i32) -> Cell {
    let mine = values(g, indicator, year);
    let level = estimate(&mine.iter().map(|(_, v)| *v).collect::<Vec<_>>());
    let diff = (!is_base).then(|| stats::difference(&mine, &values(base, indicator, year)));
    Cell { level, diff }
}

impl HeadlineTable {
    pub fn build(cmp: &Comparison) -> HeadlineTable {
        let mut rows = Vec::new();
        for &year in &cmp.milestones {
            for ind in &cmp.indicators {
                let cells = cmp
                    .groups
                    .iter()
                    .enumerate()
                    .map(|(i, g)| {
                        let base = &cmp.groups[cmp.bases[i]];
                        cell(base, g, cmp.is_baseline(i), &ind.name, year)
                    })
                    .collect();
                rows.push(Row {
                    year,
                    indicator: ind.name.clone(),
                    label: ind.label.clone(),
                    unit: ind.unit,
                    cells,
                });
            }
        }
        HeadlineTable {
            labels: cmp.groups.iter().map(|g| g.label.clone()).collect(),
            bases: cmp.bases.clone(),
            replicates: cmp.groups.iter().map(|g| g.runs.len()).collect(),
            years: cmp.milestones.clone(),
            rows,
        }
    }

    /// Long format: one line per year, indicator and scenario; empty fields where a
    /// value does not apply.
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "year,indicator,label,unit,scenario,replicates,mean,ci95_low,ci95_high,diff_from_baseline,diff_ci95_low,diff_ci95_high,pairs\n",
        );
        for row in &self.rows {
            for (label, c) in self.labels.iter().zip(&row.cells) {
                let (lo, hi) = ends(&c.level);
                let d = c.diff.map(|d| d.estimate);
                let (dlo, dhi) = d.as_ref().map(ends).unwrap_or_default();
                let fields = [
                    row.year.to_string(),
                    row.indicator.clone(),
                    row.label.clone(),
                    row.unit.name().to_string(),
                    label.clone(),
                    c.level.n.to_string(),
                    c.level.mean.to_string(),
                    lo,
                    hi,
                    d.map(|d| d.mean.to_string()).unwrap_or_default(),
                    dlo,
                    dhi,
                    c.diff.map(|d| d.pairs.to_string()).unwrap_or_default(),
                ];
                let quoted: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
                out.push_str(&quoted.join(","));
                out.push('\n');
            }
        }
        out
    }

    /// Column heads for people: each scenario with its number of replicates.
    pub fn heads(&self) -> Vec<String> {
        self.labels
            .iter()
            .zip(&self.replicates)
            .map(|(l, n)| format!("{l} (n={n})"))
            .collect()
    }

    /// The lines of one year for people: indicator, unit, and per scenario its value
    /// and (but for the baseline) its difference from the baseline, rounded.
    pub fn lines(&self, year: i32) -> Vec<Line> {
        self.rows
            .iter()
            .filter(|r| r.year == year)
            .map(|r| Line {
                label: r.label.clone(),
                name: r.indicator.clone(),
                unit: r.unit,
                cells: r
                    .cells
                    .iter()
                    .map(|c| {
                        let diff = c.diff.as_ref().map(|d| difference(d, r.unit));
                        (number(c.level.mean, r.unit), diff)
                    })
                    .collect(),
            })
            .collect()
    }

    /// The scenarios of each table, so a table fits a laptop screen: at most
    /// [`PER_TABLE`] scenarios with a difference, after the baselines they need.
    pub fn chunks(&self) -> Vec<Vec<usize>> {
        let n = self.labels.len();
        let others: Vec<usize> = (0..n).filter(|&i| self.bases[i] != i).collect();
        if others.is_empty() {
            return vec![(0..n).collect()];
        }
        others
            .chunks(PER_TABLE)
            .map(|c| {
                let mut cols: Vec<usize> = c.iter().map(|&i| self.bases[i]).collect();
                cols.sort_unstable();
                cols.dedup();
                cols.extend(c);
                cols
            })
            .collect()
    }

    pub fn to_markdown(&self) -> String {
        let mut out = String::from("# Headline indicators\n\n");
        out.push_str(&self.legend());
        out.push('\n');
        let heads = self.heads();
        let chunks = self.chunks();
        for &year in &self.years {
            out.push_str(&format!("\n## {year}\n"));
            let lines = self.lines(year);
            for cols in &chunks {
                let mut header = vec!["indicator".to_string(), "unit".to_string()];
                for &i in cols {
                    header.push(heads[i].clone());
                    if self.bases[i] != i {
                        header.push(format!(
                            "{} − {}",
                            self.labels[i], self.labels[self.bases[i]]
                        ));
                    }
                }
                let align: Vec<&str> = (0..header.len())
                    .map(|i| if i < 2 { "---" } else { "---:" })
                    .collect();
                out.push_str(&format!("\n| {} |\n", header.join(" | ")));
                out.push_str(&format!("|{}|\n", align.join("|")));
                for line in &lines {
                    let mut cells = vec![line.label.clone(), line.unit.name().to_string()];
                    for &i in cols {
                        let (value, diff) = &line.cells[i];
                        cells.push(value.clone());
                        cells.extend(diff.clone());
                    }
                    out.push_str(&format!("| {} |\n", cells.join(" | ")));
                }
            }
        }
        out
    }

    /// The baseline as the legend names it: one group, or a sweep's variants each
    /// against the baseline's run of the same variant.
    pub fn baseline_words(&self) -> String {
        let bases: Vec<usize> = (0..self.labels.len())
            .filter(|&i| self.bases[i] == i)
            .collect();
        match bases.as_slice() {
            [one] => self.labels[*one].clone(),
            _ => "each variant against the baseline's group of the same variant".into(),
        }
    }

    /// How to read the numbers, for the markdown and the HTML alike.
    pub fn legend(&self) -> String {
        format!(
            "Values are means over each scenario's replicates (n). Differences are scenario \
             minus baseline ({}), taken replicate by replicate between runs with the same seed \
             and replicate number; ± is the half-width of the 95% t-interval of the mean paired \
             difference, given where at least two pairs exist. A difference marked (unpaired) \
             is a difference of means: no replicate of the baseline shares its seed.\n",
            self.baseline_words()
        )
    }
}

fn ends(e: &Estimate) -> (String, String) {
    e.interval()
        .map(|(lo, hi)| (lo.to_string(), hi.to_string()))
        .unwrap_or_default()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A difference and its half-width to three significant digits of the larger of the
/// two, so that a small effect on a large level shows neither as 0.0000 nor with
/// digits the interval does not support. Counts stay whole numbers.
fn difference(d: &Diff, unit: Unit) -> String {
    let e = &d.estimate;
    let scale = e.mean.abs().max(e.half_width.unwrap_or(0.0));
    let show = |v: f64| {
        if unit.is_count() || scale >= 1000.0 || scale == 0.0 || !scale.is_finite() {
            return number(v, unit);
        }
        let magnitude = (scale.dln() / 10f64.dln()).floor();
        let decimals = (2.0 - magnitude).clamp(0.0, 8.0) as usize;
        format!("{v:.decimals$}")
    };
    let shown = show(e.mean);
    let zero = shown.chars().all(|c| "-0.,".contains(c));
    let shown = if zero { shown.replace('-', "") } else { shown };
    let sign = if e.mean > 0.0 && !zero { "+" } else { "" };
    let mut s = format!("{sign}{shown}");
    if let Some(h) = e.half_width {
        s.push_str(&format!(" ± {}", show(h)));
    }
    if d.pairs == 0 {
        s.push_str(" (unpaired)");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(bases: Vec<usize>) -> HeadlineTable {
        HeadlineTable {
            labels: (0..bases.len()).map(|i| format!("s{i}")).collect(),
            replicates: vec![1; bases.len()],
            bases,
            years: vec![2035],
            rows: Vec::new(),
        }
    }

    #[test]
    fn wide_comparisons_split_into_tables_of_four_scenarios_with_their_baselines() {
        let one_base = table(vec![0; 7]);
        assert_eq!(one_base.chunks(), vec![vec![0, 1, 2, 3, 4], vec![0, 5, 6]]);
        // A sweep's variants: baselines 0 and 1; each table holds the ones it needs.
        let variants = table(vec![0, 1, 0, 1, 0, 1, 1]);
        assert_eq!(variants.chunks(), vec![vec![0, 1, 2, 3, 4, 5], vec![1, 6]]);
        assert_eq!(table(vec![0]).chunks(), vec![vec![0]]);
    }

    #[test]
    fn differences_are_signed_to_three_digits() {
        let d = Diff {
            pairs: 3,
            estimate: Estimate {
                n: 3,
                mean: 1500.0,
                sd: None,
                half_width: Some(200.0),
            },
        };
        assert_eq!(difference(&d, Unit::Persons), "+1,500 ± 200");
        let small = |mean, half| Diff {
            pairs: 3,
            estimate: Estimate {
                n: 3,
                mean,
                sd: None,
                half_width: Some(half),
            },
        };
        assert_eq!(
            difference(&small(-42.2731, 4.5562), Unit::Index),
            "-42.3 ± 4.6"
        );
        assert_eq!(
            difference(&small(0.01094, 0.0162), Unit::Share),
            "+0.0109 ± 0.0162"
        );
        // A tiny effect keeps its digits; an exact zero (or negative zero) is plain.
        assert_eq!(
            difference(&small(-0.00001, 0.0), Unit::Share),
            "-0.0000100 ± 0.0000000"
        );
        assert_eq!(
            difference(&small(-0.0, 0.0), Unit::Share),
            "0.0000 ± 0.0000"
        );
    }
}

//! Scenario comparison for policy teams (`relocsim compare`): runs of several scenarios
//! side by side, as a headline table (markdown and CSV), charts (SVG and PNG) and one
//! self-contained HTML file that can be sent by email and printed.
//!
//! Replicates of a scenario are runs with different seeds or replicate numbers; a
//! scenario's difference from the baseline is taken replicate by replicate (the runs
//! with the same seed and replicate share their random draws), so its interval shows the
//! spread of the policy's effect rather than of the noise of two independent runs. The
//! statistics and that pairing are `crate::stats`, shared with `relocsim summarize`.
//! Everything written depends only on the runs: no clock, host or hash order reaches it.

mod bars;
mod charts;
mod data;
mod effects;
pub mod gsa;
mod html;
mod load;
mod map;
mod outline;
mod raster;
mod table;

use std::path::{Path, PathBuf};

use crate::batch::{PLAN_FILE, Plan};
use crate::engine::indicators::{self, Named, Places};
use crate::error::{Error, Result};
use crate::region::RegionSpec;
use crate::stats::{self, Estimate, PairKey, estimate};

pub use data::{Moved, RunData, Series};
pub use load::{Group, Run, check_comparable, find_runs, group, read_run};
pub use table::{Cell, Diff, HeadlineTable, Line, Row};

/// Runs grouped into scenarios, checked comparable, the baseline first.
pub struct Comparison {
    /// The baseline (or, for a sweep's variants, the baseline's groups), then the other
    /// scenarios by label.
    pub groups: Vec<Group>,
    /// Each group's baseline: a position in `groups`, its own for a baseline group.
    pub bases: Vec<usize>,
    /// Every year of the runs.
    pub years: Vec<i32>,
    /// The years the table reports: every fifth year after the start, and the last.
    pub milestones: Vec<i32>,
    /// The headline indicators every run recorded, in reporting order.
    pub indicators: Vec<Named>,
    /// What the runs' region names its indicators after.
    pub places: Places,
}

/// A run's `behaviour` and `trends` tables, as the scenario file would hold them.
fn model_parameters(run: &Run) -> [toml::Table; 2] {
    let table = |v: Result<toml::Table, _>| v.unwrap_or_default();
    let s = &run.scenario;
    [
        table(toml::Table::try_from(&s.behaviour)),
        table(toml::Table::try_from(&s.trends)),
    ]
}

/// Every run in `inputs` (run or sweep directories), checked comparable and grouped
/// into scenarios (and variants).
pub fn load_groups(inputs: &[PathBuf]) -> Result<Vec<Group>> {
    let mut runs = Vec::new();
    for input in inputs {
        for dir in find_runs(input)? {
            runs.push(read_run(&dir)?);
        }
    }
    load::check_comparable(&runs)?;
    load::group(runs)
}

/// The plans of the sweep directories among `inputs`: they say which baseline variant a
/// variant limited to some scenarios pairs with.
fn sweep_plans(inputs: &[PathBuf]) -> Result<Vec<Plan>> {
    (inputs.iter())
        .filter(|i| i.join(PLAN_FILE).is_file())
        .map(|i| Plan::read(i))
        .collect()
}

/// The baseline variant a sweep's plan pairs variant `v` of scenario `name` with
/// (`None` for `default`).
fn planned_counterpart(
    plans: &[Plan],
    name: &str,
    v: Option<&str>,
    baseline: &str,
) -> Option<Option<String>> {
    let v = v.unwrap_or("default");
    plans.iter().find_map(|p| {
        let at = |list: &[String], x: &str| list.iter().position(|y| y == x);
        let (s, b) = (at(&p.scenarios, name)?, at(&p.scenarios, baseline)?);
        let bv = &p.variants[p.counterpart(s, at(&p.variants, v)?, b)?];
        Some((bv != "default").then(|| bv.clone()))
    })
}

/// Puts the baseline first and gives each group its baseline. `baseline` names a group
/// (`name` or `name/variant`), or a scenario whose variants are several groups (a sweep
/// with variants): then each of them comes first, and a group of another scenario pairs
/// with the baseline's group of its own variant, as `summarize` pairs them (for a
/// variant limited to some scenarios, the baseline's group its sweep's plan names).
fn pair_with_baselines(
    mut groups: Vec<Group>,
    baseline: &str,
    plans: &[Plan],
) -> Result<(Vec<Group>, Vec<usize>)> {
    if let Ok(b) = load::find_baseline(&groups, baseline) {
        let base = groups.remove(b);
        groups.insert(0, base);
        let bases = vec![0; groups.len()];
        return Ok((groups, bases));
    }
    let (mut first, rest): (Vec<Group>, Vec<Group>) =
        groups.into_iter().partition(|g| g.name == baseline);
    if first.is_empty() {
        // No group of that name at all: the error lists the groups found.
        let all: Vec<Group> = first.into_iter().chain(rest).collect();
        return Err(load::find_baseline(&all, baseline).expect_err("no group has the name"));
    }
    let variant = |g: &Group| {
        g.label
            .strip_prefix(&format!("{}/", g.name))
            .map(str::to_string)
    };
    let n = first.len();
    let mut bases: Vec<usize> = (0..n).collect();
    for g in &rest {
        let v = variant(g);
        let planned = || planned_counterpart(plans, &g.name, v.as_deref(), baseline);
        let Some(b) = (first.iter().position(|x| variant(x) == v)).or_else(|| {
            let planned = planned();
            first.iter().position(|x| Some(variant(x)) == planned)
        }) else {
            return Err(crate::Error::UnknownBaseline {
                name: format!("{baseline}/{}", v.unwrap_or_else(|| "default".into())),
                found: first.iter().map(|x| x.label.clone()).collect(),
            });
        };
        bases.push(b);
    }
    first.extend(rest);
    Ok((first, bases))
}

impl Comparison {
    /// The model parameters (`behaviour.*`, `trends.*`) whose values differ between the
    /// replicates of some scenario, as when a sweep drew them from a posterior: then the
    /// spread over replicates holds parameter uncertainty as well as noise. Empty when
    /// every scenario's replicates share their parameters.
    pub fn varying_parameters(&self) -> Vec<String> {
        let mut out = std::collections::BTreeSet::new();
        for g in &self.groups {
            let tables: Vec<[toml::Table; 2]> = g.runs.iter().map(model_parameters).collect();
            for (first, other) in tables.iter().zip(tables.iter().skip(1)) {
                for (prefix, (a, b)) in ["behaviour", "trends"].iter().zip(first.iter().zip(other))
                {
                    let keys = a.keys().chain(b.keys());
                    out.extend(
                        keys.filter(|k| a.get(*k) != b.get(*k))
                            .map(|k| format!("{prefix}.{k}")),
                    );
                }
            }
        }
        out.into_iter().collect()
    }

    /// Which uncertainty the report's intervals show, in a sentence.
    pub fn uncertainty(&self) -> String {
        let varying = self.varying_parameters();
        if varying.is_empty() {
            "Uncertainty: stochastic only (every replicate of a scenario ran with the same parameters; intervals show the model's noise, not the parameters' uncertainty).".into()
        } else {
            format!(
                "Uncertainty: stochastic and parameter (the replicates differ in {}, as drawn from a posterior by a sweep; intervals hold both).",
                varying.join(", ")
            )
        }
    }

    /// Reads every run in `inputs` (run or sweep directories) and puts the group named
    /// `baseline` first.
    pub fn load(inputs: &[PathBuf], baseline: &str) -> Result<Comparison> {
        let groups = load_groups(inputs)?;
        let (groups, bases) = pair_with_baselines(groups, baseline, &sweep_plans(inputs)?)?;
        let s = &groups[0].scenario().scenario;
        let (start, end) = (s.start_year, s.end_year);
        let places = Places::of(groups[0].runs[0].region());
        let indicators = indicators::headline(&places)
            .into_iter()
            .filter(|n| all_runs(&groups).all(|r| r.data.indicators.contains_key(&n.name)))
            .collect();
        Ok(Comparison {
            groups,
            bases,
            years: (start..=end).collect(),
            milestones: milestones(start, end),
            indicators,
            places,
        })
    }

    pub fn baseline(&self) -> &Group {
        &self.groups[0]
    }

    /// Whether group `i` is a baseline (it has no difference of its own).
    pub fn is_baseline(&self, i: usize) -> bool {
        self.bases[i] == i
    }

    pub fn region(&self) -> &RegionSpec {
        self.groups[0].runs[0].region()
    }

    pub fn runs(&self) -> impl Iterator<Item = &Run> {
        all_runs(&self.groups)
    }

    /// Whether every run recorded the indicator.
    pub fn recorded(&self, name: &str) -> bool {
        self.runs().all(|r| r.data.indicators.contains_key(name))
    }

    /// A group's mean (with its 95% interval) of a per-run series, year by year, over
    /// the replicates that have the year.
    pub fn mean_series(
        &self,
        group: &Group,
        series: impl Fn(&Run) -> Option<&Series>,
    ) -> Vec<(i32, Estimate)> {
        self.years
            .iter()
            .filter_map(|&y| {
                let values: Vec<f64> = group
                    .runs
                    .iter()
                    .filter_map(|r| series(r)?.get(&y).copied())
                    .collect();
                (!values.is_empty()).then(|| (y, estimate(&values)))
            })
            .collect()
    }

    /// Group `i` minus its baseline in a per-run series, year by year: the mean paired
    /// difference with its 95% interval, as the headline table takes it
    /// ([`stats::difference`]).
    pub fn difference_series(
        &self,
        i: usize,
        series: impl Fn(&Run) -> Option<&Series> + Copy,
    ) -> Vec<(i32, Estimate)> {
        let keyed = |g: &Group, y: i32| -> Vec<(PairKey, f64)> {
            (g.runs.iter())
                .filter_map(|r| Some((r.pair_key(), *series(r)?.get(&y)?)))
                .collect()
        };
        let (mine, base) = (&self.groups[i], &self.groups[self.bases[i]]);
        self.years
            .iter()
            .filter_map(|&y| {
                let (a, b) = (keyed(mine, y), keyed(base, y));
                (!a.is_empty() && !b.is_empty()).then(|| (y, stats::difference(&a, &b).estimate))
            })
            .collect()
    }

    /// Whether some scenario has a baseline to differ from.
    pub fn has_differences(&self) -> bool {
        (0..self.groups.len()).any(|i| !self.is_baseline(i))
    }
}

fn all_runs(groups: &[Group]) -> impl Iterator<Item = &Run> {
    groups.iter().flat_map(|g| g.runs.iter())
}

/// Every fifth calendar year after `start` up to `end`, and `end` itself.
pub fn milestones(start: i32, end: i32) -> Vec<i32> {
    let mut years: Vec<i32> = (start + 1..end).filter(|y| y % 5 == 0).collect();
    years.push(end);
    years
}

/// A section a caller adds to a report (the fit to observed targets): its title and
/// anchor, its HTML body (already escaped), and files written beside the report.
#[derive(Clone, Debug, Default)]
pub struct Extra {
    pub id: String,
    pub title: String,
    pub html: String,
    pub files: Vec<(String, Vec<u8>)>,
}

pub use charts::line_chart;
pub use html::{esc, inline_svg, standalone};

/// What `compare` wrote.
pub struct Written {
    pub dir: PathBuf,
    /// Every file, relative to `dir`, in the order written.
    pub files: Vec<PathBuf>,
    pub groups: usize,
    pub runs: usize,
}

/// Compares the runs in `inputs` against the scenario named `baseline` and writes the
/// report into `out` (created if needed; files of an earlier report are replaced).
pub fn compare(inputs: &[PathBuf], baseline: &str, out: &Path) -> Result<Written> {
    let cmp = Comparison::load(inputs, baseline)?;
    write(&cmp, out)
}

/// Writes table.md, table.csv, charts/*.svg and *.png, and report.html into `out`: into
/// a hidden sibling first, which replaces an earlier report only when it is complete. A
/// directory holding anything but an earlier report is refused.
pub fn write(cmp: &Comparison, out: &Path) -> Result<Written> {
    write_with(cmp, out, &[])
}

/// [`write`] with sections (and their files) added by the caller.
pub fn write_with(cmp: &Comparison, out: &Path, extras: &[Extra]) -> Result<Written> {
    let files = crate::outdir::replace_report(out, |tmp| write_into(cmp, tmp, extras))?;
    Ok(Written {
        dir: out.to_path_buf(),
        files,
        groups: cmp.groups.len(),
        runs: cmp.runs().count(),
    })
}

fn write_into(cmp: &Comparison, out: &Path, extras: &[Extra]) -> Result<Vec<PathBuf>> {
    let charts_dir = out.join("charts");
    std::fs::create_dir_all(&charts_dir).map_err(|e| Error::io(&charts_dir, e))?;
    let table = HeadlineTable::build(cmp);
    let mut files = Vec::new();
    let mut put = |name: &str, bytes: &[u8]| -> Result<()> {
        let path = out.join(name);
        std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
        files.push(PathBuf::from(name));
        Ok(())
    };
    put("table.md", table.to_markdown().as_bytes())?;
    put("table.csv", table.to_csv().as_bytes())?;
    let rendered = charts::render_all(cmp)?;
    for c in &rendered {
        put(&format!("charts/{}.svg", c.chart.stem()), c.svg.as_bytes())?;
        put(&format!("charts/{}.png", c.chart.stem()), &c.png)?;
    }
    for (name, bytes) in extras.iter().flat_map(|x| &x.files) {
        put(name, bytes)?;
    }
    put(
        "report.html",
        html::page(cmp, &table, &rendered, extras).as_bytes(),
    )?;
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::milestones;

    #[test]
    fn milestones_are_every_fifth_year_and_the_last() {
        assert_eq!(milestones(2020, 2035), vec![2025, 2030, 2035]);
        assert_eq!(milestones(2020, 2033), vec![2025, 2030, 2033]);
        assert_eq!(milestones(2020, 2023), vec![2023]);
    }
}

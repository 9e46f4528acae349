//! Holding runs against a targets file (`relocsim check`): each target's value in each
//! replicate of a scenario, their mean and 90% interval, whether the mean lies within
//! the target's tolerance, and the standardised distance. Written as markdown, CSV and
//! Parquet; the fit window and the held-out years are separate sections.
//!
//! The standardised distance of a mean m from an observed value v with tolerance t is
//! (m − v) / (t·|v|); for an observed range it is 0 inside the range and measured from
//! the nearer end outside it. A target is met when the distance is at most 1 in size.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{
    Array, BooleanArray, Float64Array, Int32Array, RecordBatch, StringArray, UInt32Array,
};
use arrow_schema::{DataType, Field, Schema};

use super::{Quantity, Target, TargetFile, cities_of, quantity, show};
use crate::engine::indicators::{CITY, CITY_SECTOR};
use crate::error::{Error, Result};
use crate::output::read::{batches, column};
use crate::region::RegionSpec;
use crate::report::{Extra, Group, Run, esc};
use crate::stats::describe;

/// Year, event, origin, destination, sector and cause of firm events.
type EventKey = (i32, String, String, String, String, String);

/// What a target reads from one run, besides what the comparison reads.
#[derive(Default)]
pub struct RunTables {
    /// (year, city, column) -> value.
    cities: BTreeMap<(i32, String, &'static str), f64>,
    /// (year, city, sector, column) -> value.
    sectors: BTreeMap<(i32, String, String, &'static str), f64>,
    /// Firm events: (year, event, origin, destination, sector, cause) -> real firms.
    events: BTreeMap<EventKey, f64>,
    /// Real firms one event row stands for in a run whose events.parquet has no
    /// `firms` column (written before firm agents were weighted): 1 / scale.
    per_agent: f64,
}

impl RunTables {
    pub fn read(run: &Run) -> Result<RunTables> {
        let mut t = RunTables {
            per_agent: 1.0 / run.manifest.scale,
            ..RunTables::default()
        };
        let dir = &run.dir;
        for (file, b) in batches(&dir.join("cities.parquet"))? {
            let (year, city) = (col_i32(&b, "year", &file)?, col_str(&b, "city", &file)?);
            for c in CITY.iter() {
                let v = column::<Float64Array>(&b, c.name, &file)?;
                for i in 0..b.num_rows() {
                    let key = (year.value(i), city.value(i).to_string(), c.name);
                    t.cities.insert(key, v.value(i));
                }
            }
        }
        for (file, b) in batches(&dir.join("city_sectors.parquet"))? {
            let (year, city) = (col_i32(&b, "year", &file)?, col_str(&b, "city", &file)?);
            let sector = col_str(&b, "sector", &file)?;
            for c in CITY_SECTOR.iter() {
                let v = column::<Float64Array>(&b, c.name, &file)?;
                for i in 0..b.num_rows() {
                    let key = (
                        year.value(i),
                        city.value(i).to_string(),
                        sector.value(i).to_string(),
                        c.name,
                    );
                    t.sectors.insert(key, v.value(i));
                }
            }
        }
        t.read_events(&dir.join("events.parquet"))?;
        Ok(t)
    }

    fn read_events(&mut self, path: &Path) -> Result<()> {
        for (file, b) in batches(path)? {
            let year = col_i32(&b, "year", &file)?;
            let (event, sector) = (col_str(&b, "event", &file)?, col_str(&b, "sector", &file)?);
            let (origin, dest) = (
                col_str(&b, "origin", &file)?,
                col_str(&b, "destination", &file)?,
            );
            let cause = col_str(&b, "cause", &file)?;
            let firms = b
                .column_by_name("firms")
                .map(|_| column::<Float64Array>(&b, "firms", &file))
                .transpose()?;
            let text = |a: &StringArray, i: usize| {
                if a.is_valid(i) {
                    a.value(i).to_string()
                } else {
                    String::new()
                }
            };
            for i in 0..b.num_rows() {
                let key = (
                    year.value(i),
                    event.value(i).to_string(),
                    text(origin, i),
                    text(dest, i),
                    sector.value(i).to_string(),
                    cause.value(i).to_string(),
                );
                *self.events.entry(key).or_default() +=
                    firms.map_or(self.per_agent, |f| f.value(i));
            }
        }
        Ok(())
    }
}

fn col_i32<'a>(b: &'a RecordBatch, name: &str, file: &Path) -> Result<&'a Int32Array> {
    column::<Int32Array>(b, name, file)
}

fn col_str<'a>(b: &'a RecordBatch, name: &str, file: &Path) -> Result<&'a StringArray> {
    column::<StringArray>(b, name, file)
}

/// The target's value in one run; None where the run does not cover its years.
pub fn value(t: &Target, run: &Run, tables: &RunTables) -> Option<f64> {
    let region = run.region();
    let q = quantity(t, region).ok()?;
    let (first, last) = t.span();
    let s = &run.scenario.scenario;
    let covered = |y: i32| y >= s.start_year && y <= s.end_year;
    // A flow over a year needs the step that ends it: the start year holds a state only.
    let flow = |y: i32| y > s.start_year && y <= s.end_year;
    let names = |place: Option<&str>| -> Vec<String> {
        cities_of(region, place)
            .into_iter()
            .map(|i| region.cities[i].name.clone())
            .collect()
    };
    let at = names(t.city.as_deref());
    let sum_cities = |year: i32, col: &'static str| -> Option<f64> {
        at.iter()
            .map(|c| tables.cities.get(&(year, c.clone(), col)).copied())
            .sum()
    };
    match q {
        Quantity::City(col) if t.years.is_some() => {
            if !(first..=last).all(flow) {
                return None;
            }
            (first..=last).map(|y| sum_cities(y, col)).sum()
        }
        Quantity::City(col) => covered(first).then(|| sum_cities(first, col))?,
        Quantity::Sector(col) => {
            let sector = t.sector.clone()?;
            covered(first).then(|| {
                at.iter()
                    .map(|c| {
                        let key = (first, c.clone(), sector.clone(), col);
                        tables.sectors.get(&key).copied()
                    })
                    .sum::<Option<f64>>()
            })?
        }
        Quantity::Indicator(name) => covered(first).then(|| run.data.indicator(&name, first))?,
        Quantity::Ratio(num, den) => {
            if !covered(first) {
                return None;
            }
            let (num, den) = (sum_cities(first, num)?, sum_cities(first, den)?);
            (den > 0.0).then(|| num / den)
        }
        Quantity::Growth(col) => {
            if !covered(first) || !covered(first - 1) {
                return None;
            }
            let (now, before) = (sum_cities(first, col)?, sum_cities(first - 1, col)?);
            (before > 0.0).then(|| now / before - 1.0)
        }
        Quantity::FirmsLeaving | Quantity::FirmsArriving => {
            if !(first..=last).all(flow) {
                return None;
            }
            let from: Vec<String> = t
                .from
                .iter()
                .flatten()
                .flat_map(|p| names(Some(p)))
                .collect();
            let cause_fits = |c: &String| match t.cause.as_deref() {
                None => true,
                Some("policy") => c != "market",
                Some(want) => c == want,
            };
            let firms: f64 = tables
                .events
                .iter()
                .filter(|((y, kind, origin, dest, sector, cause), _)| {
                    (first..=last).contains(y)
                        && t.sector.as_ref().is_none_or(|s| s == sector)
                        && cause_fits(cause)
                        && if q == Quantity::FirmsLeaving {
                            (kind == "exit" || kind == "move") && at.contains(origin)
                        } else {
                            (kind == "move" || kind == "branch")
                                && at.contains(dest)
                                && from.contains(origin)
                        }
                })
                .map(|(_, n)| n)
                .sum();
            Some(firms)
        }
    }
}

/// One line of the fit table.
#[derive(Clone, Debug, PartialEq)]
pub struct FitRow {
    pub group: String,
    pub id: String,
    pub quantity: String,
    pub fit_window: bool,
    pub tag: String,
    pub weight: f64,
    pub observed: String,
    /// The observed value or range and its band, for the distance.
    pub observed_lo: f64,
    pub observed_hi: f64,
    pub tolerance: f64,
    /// Replicates that cover the target (0: none does).
    pub n: u32,
    pub mean: Option<f64>,
    pub p05: Option<f64>,
    pub p95: Option<f64>,
    pub distance: Option<f64>,
}

impl FitRow {
    /// The mean lies within the tolerance of the observation.
    pub fn inside(&self) -> Option<bool> {
        self.distance.map(|d| d.abs() <= 1.0)
    }
}

/// The standardised distance of `m` from the range [lo, hi] with tolerance `tol`.
pub fn distance(m: f64, lo: f64, hi: f64, tol: f64) -> f64 {
    let (edge, diff) = if m < lo {
        (lo, m - lo)
    } else if m > hi {
        (hi, m - hi)
    } else {
        return 0.0;
    };
    let scale = tol * edge.abs();
    if scale > 0.0 {
        diff / scale
    } else {
        f64::INFINITY.copysign(diff)
    }
}

/// The fit table of every group against the targets.
pub fn fit_table(targets: &TargetFile, groups: &[Group]) -> Result<Vec<FitRow>> {
    let mut rows = Vec::new();
    for g in groups {
        let tables: Vec<RunTables> = g.runs.iter().map(RunTables::read).collect::<Result<_>>()?;
        for t in &targets.list {
            let values: Vec<f64> = g
                .runs
                .iter()
                .zip(&tables)
                .filter_map(|(r, tb)| value(t, r, tb))
                .collect();
            let (lo, hi) = t.observed_range();
            let d = (!values.is_empty()).then(|| describe(&values));
            rows.push(FitRow {
                group: g.label.clone(),
                id: t.id.clone(),
                quantity: t.describe(),
                fit_window: targets.in_fit_window(t),
                tag: t.tag.clone(),
                weight: t.weight(),
                observed: t.observed_text(),
                observed_lo: lo,
                observed_hi: hi,
                tolerance: t.tolerance,
                n: values.len() as u32,
                mean: d.map(|d| d.mean),
                p05: d.map(|d| d.p05),
                p95: d.map(|d| d.p95),
                distance: d.map(|d| distance(d.mean, lo, hi, t.tolerance)),
            });
        }
    }
    Ok(rows)
}

/// Weighted mean of squared distances over the rows that have one.
pub fn loss<'a>(rows: impl IntoIterator<Item = &'a FitRow>) -> Option<f64> {
    let (mut num, mut den) = (0.0, 0.0);
    // Weight 0 is skipped, not multiplied: 0 times an infinite distance (a miss of an
    // observed 0) would be NaN.
    for r in rows.into_iter().filter(|r| r.weight > 0.0) {
        if let Some(d) = r.distance {
            num += r.weight * d * d;
            den += r.weight;
        }
    }
    (den > 0.0).then(|| num / den)
}

/// The fit table as markdown: per group, the fit window then the held-out years.
pub fn to_markdown(targets: &TargetFile, rows: &[FitRow]) -> String {
    let h = &targets.targets;
    let mut s = format!("# Fit to {}\n\n", h.name);
    s += "Simulated: mean over replicates [90% interval]. Met: the mean lies within the \
          target's tolerance (|distance| <= 1); distance = (mean - observed) / \
          (tolerance x observed), 0 inside an observed range.\n";
    let mut groups: Vec<&str> = rows.iter().map(|r| r.group.as_str()).collect();
    groups.dedup();
    for g in groups {
        let of_group: Vec<&FitRow> = rows.iter().filter(|r| r.group == g).collect();
        let n = of_group.iter().map(|r| r.n).max().unwrap_or(0);
        s += &format!("\n## {g} ({n} replicates)\n");
        for (fit, title, (a, b)) in [
            (true, "Fit window", (h.fit[0], h.fit[1])),
            (false, "Held out", (h.holdout[0], h.holdout[1])),
        ] {
            let section: Vec<&FitRow> = of_group
                .iter()
                .copied()
                .filter(|r| r.fit_window == fit)
                .collect();
            let met = section.iter().filter(|r| r.inside() == Some(true)).count();
            let simulated = section.iter().filter(|r| r.distance.is_some()).count();
            s += &format!(
                "\n### {title} {a}-{b}: {met} of {simulated} simulated targets met{}\n\n",
                loss(section.iter().copied()).map_or(String::new(), |l| format!(
                    ", weighted mean squared distance {l:.2}"
                ))
            );
            s += "| target | quantity | observed | tag | simulated | met | distance |\n";
            s += "|---|---|---|---|---|---|---|\n";
            for r in section {
                s += &format!(
                    "| {} | {} | {} | {} | {} | {} | {} |\n",
                    r.id,
                    r.quantity,
                    r.observed,
                    tag_text(r),
                    simulated_text(r),
                    match r.inside() {
                        Some(true) => "yes",
                        Some(false) => "**no**",
                        None => "not simulated",
                    },
                    r.distance.map_or(String::new(), |d| format!("{d:+.2}")),
                );
            }
        }
    }
    s
}

fn simulated_text(r: &FitRow) -> String {
    let fmt = show;
    match (r.mean, r.p05, r.p95) {
        (Some(m), Some(lo), Some(hi)) if r.n > 1 => {
            format!("{} [{} to {}]", fmt(m), fmt(lo), fmt(hi))
        }
        (Some(m), _, _) => fmt(m),
        _ => String::new(),
    }
}

const CSV_HEADER: &str = "group,target,quantity,window,tag,weight,observed,observed_lo,observed_hi,tolerance,replicates,simulated_mean,simulated_p05,simulated_p95,inside,distance";

/// The fit table as CSV, one row per group and target.
pub fn to_csv(rows: &[FitRow]) -> String {
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let opt = |v: Option<f64>| v.map_or(String::new(), |x| x.to_string());
    let mut s = format!("{CSV_HEADER}\n");
    for r in rows {
        s += &[
            q(&r.group),
            q(&r.id),
            q(&r.quantity),
            (if r.fit_window { "fit" } else { "holdout" }).into(),
            r.tag.clone(),
            r.weight.to_string(),
            q(&r.observed),
            r.observed_lo.to_string(),
            r.observed_hi.to_string(),
            r.tolerance.to_string(),
            r.n.to_string(),
            opt(r.mean),
            opt(r.p05),
            opt(r.p95),
            r.inside().map_or(String::new(), |b| b.to_string()),
            opt(r.distance),
        ]
        .join(",");
        s.push('\n');
    }
    s
}

/// The fit table as one Arrow record batch (for fit.parquet).
pub fn to_batch(rows: &[FitRow]) -> Result<RecordBatch> {
    use DataType::*;
    let f = |n: &str, t: DataType, null: bool| Field::new(n, t, null);
    let schema = Arc::new(Schema::new(vec![
        f("group", Utf8, false),
        f("target", Utf8, false),
        f("quantity", Utf8, false),
        f("window", Utf8, false),
        f("tag", Utf8, false),
        f("weight", Float64, false),
        f("observed", Utf8, false),
        f("observed_lo", Float64, false),
        f("observed_hi", Float64, false),
        f("tolerance", Float64, false),
        f("replicates", UInt32, false),
        f("simulated_mean", Float64, true),
        f("simulated_p05", Float64, true),
        f("simulated_p95", Float64, true),
        f("inside", Boolean, true),
        f("distance", Float64, true),
    ]));
    let text =
        |g: fn(&FitRow) -> String| Arc::new(StringArray::from_iter_values(rows.iter().map(g))) as _;
    let num =
        |g: fn(&FitRow) -> f64| Arc::new(Float64Array::from_iter_values(rows.iter().map(g))) as _;
    let opt =
        |g: fn(&FitRow) -> Option<f64>| Arc::new(Float64Array::from_iter(rows.iter().map(g))) as _;
    RecordBatch::try_new(
        schema,
        vec![
            text(|r| r.group.clone()),
            text(|r| r.id.clone()),
            text(|r| r.quantity.clone()),
            text(|r| (if r.fit_window { "fit" } else { "holdout" }).into()),
            text(|r| r.tag.clone()),
            num(|r| r.weight),
            text(|r| r.observed.clone()),
            num(|r| r.observed_lo),
            num(|r| r.observed_hi),
            num(|r| r.tolerance),
            Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.n))) as _,
            opt(|r| r.mean),
            opt(|r| r.p05),
            opt(|r| r.p95),
            Arc::new(BooleanArray::from_iter(rows.iter().map(FitRow::inside))) as _,
            opt(|r| r.distance),
        ],
    )
    .map_err(|e| Error::Output {
        file: "fit.parquet".into(),
        message: e.to_string(),
    })
}

/// Writes fit.md, fit.csv and fit.parquet into `out`, as a comparison report is
/// written: into a hidden sibling first, replacing an earlier table only when complete;
/// a directory holding anything else is refused.
pub fn write(targets: &TargetFile, rows: &[FitRow], out: &Path) -> Result<Vec<std::path::PathBuf>> {
    crate::outdir::replace_report(out, |tmp| write_into(targets, rows, tmp))
}

fn write_into(
    targets: &TargetFile,
    rows: &[FitRow],
    dir: &Path,
) -> Result<Vec<std::path::PathBuf>> {
    let mut files = Vec::new();
    for (name, bytes) in fit_files(targets, rows)? {
        let path = dir.join(&name);
        std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
        files.push(name.into());
    }
    Ok(files)
}

/// fit.md, fit.csv and fit.parquet as bytes.
pub fn fit_files(targets: &TargetFile, rows: &[FitRow]) -> Result<Vec<(String, Vec<u8>)>> {
    let batch = to_batch(rows)?;
    let fail = |e: parquet::errors::ParquetError| Error::Output {
        file: "fit.parquet".into(),
        message: e.to_string(),
    };
    let mut parquet = Vec::new();
    let mut w =
        parquet::arrow::ArrowWriter::try_new(&mut parquet, batch.schema(), None).map_err(fail)?;
    w.write(&batch).map_err(fail)?;
    w.close().map_err(fail)?;
    Ok(vec![
        ("fit.md".into(), to_markdown(targets, rows).into_bytes()),
        ("fit.csv".into(), to_csv(rows).into_bytes()),
        ("fit.parquet".into(), parquet),
    ])
}

/// The fit table as a section of a comparison report, with its files.
pub fn report_section(targets: &TargetFile, rows: &[FitRow]) -> Result<Extra> {
    Ok(Extra {
        id: "fit".into(),
        title: format!("Fit to {}", targets.targets.name),
        html: to_html(targets, rows),
        files: fit_files(targets, rows)?,
    })
}

/// The fit table as HTML: per group, the fit window then the held-out years.
pub fn to_html(targets: &TargetFile, rows: &[FitRow]) -> String {
    let h = &targets.targets;
    let mut s = String::from(
        "<p>Each target's observed value, the simulated mean over replicates with its 90% \
         interval, whether the mean lies within the target's tolerance, and the \
         standardised distance (mean &minus; observed) / (tolerance &times; observed), 0 \
         inside an observed range. Also in fit.md, fit.csv and fit.parquet.</p>\n",
    );
    let mut groups: Vec<&str> = rows.iter().map(|r| r.group.as_str()).collect();
    groups.dedup();
    for g in groups {
        s += &format!("<h3>{}</h3>\n", esc(g));
        for (fit, title, (a, b)) in [
            (true, "Fit window", (h.fit[0], h.fit[1])),
            (false, "Held out", (h.holdout[0], h.holdout[1])),
        ] {
            let section: Vec<&FitRow> = rows
                .iter()
                .filter(|r| r.group == g && r.fit_window == fit)
                .collect();
            let met = section.iter().filter(|r| r.inside() == Some(true)).count();
            let simulated = section.iter().filter(|r| r.distance.is_some()).count();
            s += &format!(
                "<h4>{title} {a}&ndash;{b}: {met} of {simulated} simulated targets met</h4>\n\
                 <table><thead><tr><th>target</th><th>observed</th><th>tag</th>\
                 <th>simulated</th><th>met</th><th>distance</th></tr></thead><tbody>\n"
            );
            for r in section {
                let met = match r.inside() {
                    Some(true) => "yes",
                    Some(false) => "<strong>no</strong>",
                    None => "not simulated",
                };
                s += &format!(
                    "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td>\
                     <td class=\"num\">{}</td><td>{met}</td><td class=\"num\">{}</td></tr>\n",
                    esc(&r.quantity),
                    esc(&r.observed),
                    esc(&tag_text(r)),
                    esc(&simulated_text(r)),
                    r.distance.map_or(String::new(), |d| format!("{d:+.2}")),
                );
            }
            s += "</tbody></table>\n";
        }
    }
    s
}

/// The fitted [V] targets a table misses (their rows), for `--strict`; a target of
/// weight 0 is shown, not held to.
pub fn missed_published(rows: &[FitRow]) -> Vec<&FitRow> {
    rows.iter()
        .filter(|r| r.tag == "V" && r.weight > 0.0 && r.inside() == Some(false))
        .collect()
}

/// The tag as the tables show it: marked where the target is not fitted (weight 0).
fn tag_text(r: &FitRow) -> String {
    if r.weight > 0.0 {
        r.tag.clone()
    } else {
        format!("{} (not fitted)", r.tag)
    }
}

/// The region of the runs, for checking the targets' names.
pub fn region_of(groups: &[Group]) -> Option<&RegionSpec> {
    groups.first().and_then(|g| g.runs.first()).map(Run::region)
}

#[cfg(test)]
mod tests {
    use super::{FitRow, distance, loss, missed_published};

    fn row(weight: f64, d: f64) -> FitRow {
        FitRow {
            group: String::new(),
            id: String::new(),
            quantity: String::new(),
            fit_window: true,
            tag: "V".into(),
            weight,
            observed: String::new(),
            observed_lo: 1.0,
            observed_hi: 1.0,
            tolerance: 0.1,
            n: 1,
            mean: Some(1.0),
            p05: None,
            p95: None,
            distance: Some(d),
        }
    }

    #[test]
    fn the_loss_weighs_squared_distances_and_leaves_weight_0_out() {
        let fitted = [row(3.0, 2.0), row(1.0, 0.0)];
        assert_eq!(loss(&fitted), Some(3.0));
        let with_unfitted = [row(3.0, 2.0), row(1.0, 0.0), row(0.0, 50.0)];
        assert_eq!(loss(&with_unfitted), Some(3.0));
        assert_eq!(loss(&[row(0.0, 50.0)]), None);
        // An infinite miss of a target shown without being fitted leaves the loss alone.
        assert_eq!(loss(&[row(3.0, 2.0), row(0.0, f64::INFINITY)]), Some(4.0));
    }

    #[test]
    fn strict_holds_only_fitted_published_targets() {
        let rows = [row(3.0, 2.0), row(0.0, 5.0), row(3.0, 0.5)];
        let missed = missed_published(&rows);
        assert_eq!(missed.len(), 1);
        assert_eq!(missed[0].weight, 3.0);
    }

    #[test]
    fn distances_count_tolerances_from_the_observation_or_its_nearer_end() {
        // A point: 2% above 100 with a 1% tolerance is two tolerances out.
        assert!((distance(102.0, 100.0, 100.0, 0.01) - 2.0).abs() < 1e-12);
        assert!((distance(99.5, 100.0, 100.0, 0.01) + 0.5).abs() < 1e-12);
        // A range: 0 inside, measured from the violated end outside.
        assert_eq!(distance(150.0, 100.0, 200.0, 0.1), 0.0);
        assert!((distance(90.0, 100.0, 200.0, 0.1) + 1.0).abs() < 1e-12);
        assert!((distance(260.0, 100.0, 200.0, 0.1) - 3.0).abs() < 1e-12);
        // An open end never binds.
        assert_eq!(distance(1e12, 2600.0, f64::INFINITY, 0.2), 0.0);
        // A zero observation with a miss is infinitely far.
        assert_eq!(distance(1.0, 0.0, 0.0, 0.1), f64::INFINITY);
    }
}

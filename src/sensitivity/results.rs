//! What a sensitivity study writes: indices.parquet (and .csv) with every index and its
//! bootstrap interval, outputs.csv (each output's spread over the design and the share
//! of it that is simulation noise), samples.parquet (the design's parameter values
//! and the outputs at each point, for other tools), one chart per output (SVG and
//! PNG), summary.md, and report.html with a one-line reading per output; section.html
//! is that section alone, which `relocsim compare --sensitivity DIR` adds to a report.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray, UInt32Array};
use arrow_schema::{DataType, Field, Schema};

use super::Estimate;
use super::runs::{IndexRow, Values};
use super::study::{Design, Method, Study};
use crate::error::{Error, Result};
use crate::report::gsa::{MorrisPoint, SobolBar, morris_chart, sobol_chart};
use crate::report::{Extra, esc, inline_svg, standalone};
use crate::targets::show;

/// A noise share from which a reading warns that the indices mostly measure noise.
const NOISY: f64 = 0.5;

/// One output's result.
pub struct OutputResult {
    pub name: String,
    /// What it is, in words.
    pub label: String,
    /// Its unit, from the indicator catalogue.
    pub unit: String,
    pub mean: f64,
    pub sd: f64,
    pub noise_share: Option<f64>,
    /// Replicate means at each design point.
    pub means: Vec<f64>,
    pub indices: Vec<IndexRow>,
}

impl OutputResult {
    pub fn new(study: &Study, o: usize, values: &Values, indices: Vec<IndexRow>) -> OutputResult {
        let spec = &study.spec.outputs[o];
        let means = values.means();
        OutputResult {
            name: spec.name.clone(),
            label: spec.describe(),
            unit: unit_of(&spec.quantity),
            mean: crate::stats::mean(&means),
            sd: crate::stats::sd(&means).unwrap_or(0.0),
            noise_share: values.noise_share(),
            means,
            indices,
        }
    }

    fn of(&self, index: &str) -> Vec<&IndexRow> {
        self.indices.iter().filter(|r| r.index == index).collect()
    }

    /// The parameters by an index, largest first (ties in the file's order).
    fn ranked(&self, index: &str) -> Vec<&IndexRow> {
        let mut rows = self.of(index);
        rows.sort_by(|a, b| b.estimate.value.total_cmp(&a.estimate.value));
        rows
    }

    /// One line for people: which parameters the output depends on.
    pub fn reading(&self, method: Method) -> String {
        let noise = self.noise_share.map_or(
            " Noise not measured (1 replicate per point).".to_string(),
            |n| {
                let mut t = format!(" Simulation noise: {:.0}% of its variance", 100.0 * n);
                if n >= NOISY {
                    t += ": at this scale the indices mostly measure noise; raise the scale or the replicates";
                }
                t + "."
            },
        );
        let spread = format!(
            " Over the design: mean {}, sd {}.",
            show(self.mean),
            show(self.sd)
        );
        if self.sd == 0.0 {
            return format!("{}: does not vary over the design.", self.label);
        }
        match method {
            Method::Sobol { .. } => {
                let first = self.ranked("S1");
                let total = self.ranked("ST");
                let pct = |r: &IndexRow| format!("{:.0}%", 100.0 * r.estimate.value.max(0.0));
                let top = first[0];
                let mut s = format!(
                    "{}: {} of its variance comes from {} (S1 {:.2}, 95% interval {:.2} to {:.2})",
                    self.label,
                    pct(top),
                    top.parameter,
                    top.estimate.value,
                    top.estimate.lower,
                    top.estimate.upper
                );
                if let Some(second) = first.get(1) {
                    s += &format!(", {} from {}", pct(second), second.parameter);
                }
                let t = total[0];
                s += &format!(
                    "; counting interactions, {} reaches ST {:.2}.",
                    t.parameter, t.estimate.value
                );
                s + &noise + &spread
            }
            Method::Morris { .. } => {
                let ranked = self.ranked("mu_star");
                let sigma = self.of("sigma");
                let name = |r: &IndexRow| {
                    let sd = sigma.iter().find(|x| x.parameter == r.parameter);
                    let ratio = sd.map_or(f64::NAN, |x| x.estimate.value / r.estimate.value);
                    format!(
                        "{} (μ* {}, σ/μ* {:.1})",
                        r.parameter,
                        show(r.estimate.value),
                        ratio
                    )
                };
                // A parameter that never moved the output (another scenario's policy) is
                // not named among the influential.
                let rest: Vec<String> = (ranked.iter().skip(1).take(2))
                    .filter(|r| r.estimate.value > 0.0)
                    .map(|r| name(r))
                    .collect();
                let mut s = format!("{}: moved most by {}", self.label, name(ranked[0]));
                if !rest.is_empty() {
                    s += &format!(", then {}", rest.join(" and "));
                }
                s + "." + &noise + &spread
            }
        }
    }
}

/// Writes the study's results (of the points of `design`) into `out` and returns the
/// files written.
pub fn write(
    study: &Study,
    design: &Design,
    results: &[OutputResult],
    runs: usize,
    out: &Path,
) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut put = |name: &str, bytes: &[u8]| -> Result<()> {
        let path = out.join(name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
        files.push(path);
        Ok(())
    };
    let rows: Vec<&IndexRow> = results.iter().flat_map(|r| &r.indices).collect();
    put("indices.parquet", &indices_parquet(&rows)?)?;
    put("indices.csv", indices_csv(&rows).as_bytes())?;
    put("outputs.csv", outputs_csv(study, results).as_bytes())?;
    put("samples.parquet", &samples_parquet(study, design, results)?)?;
    let mut charts = Vec::new();
    for r in results {
        let (svg, png) = chart(study, r)?;
        put(&format!("charts/{}.svg", r.name), svg.as_bytes())?;
        put(&format!("charts/{}.png", r.name), &png)?;
        charts.push(svg);
    }
    let section = section(study, results, runs, &charts);
    put("summary.md", summary_md(study, results, runs).as_bytes())?;
    put("section.html", section.html.as_bytes())?;
    let intro = format!(
        "<p>Sensitivity study <strong>{}</strong> (<code>{}</code>).</p>",
        esc(&study.spec.sensitivity.name),
        esc(&study.file.display().to_string())
    );
    let page = standalone(
        &format!("Sensitivity: {}", study.spec.sensitivity.name),
        &intro,
        &[section],
    );
    put("report.html", page.as_bytes())?;
    Ok(files)
}

/// The report section a study wrote into `dir` (section.html), for `relocsim compare
/// --sensitivity DIR`; a directory without a finished study is refused.
pub fn read_section(dir: &Path) -> Result<Extra> {
    let path = dir.join("section.html");
    if !dir.join(super::MARKER).is_file() || !path.is_file() {
        return Err(Error::Read {
            file: dir.to_path_buf(),
            message: "not the directory of a finished sensitivity study (no section.html); give the --out DIR of `relocsim sensitivity`".into(),
        });
    }
    let html = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let title = std::fs::read_to_string(dir.join("summary.md"))
        .ok()
        .and_then(|t| {
            t.lines()
                .next()
                .map(|l| l.trim_start_matches("# ").to_string())
        })
        .unwrap_or_else(|| "Sensitivity".into());
    Ok(Extra {
        id: "sensitivity".into(),
        title,
        html,
        files: Vec::new(),
    })
}

fn chart(study: &Study, r: &OutputResult) -> Result<(String, Vec<u8>)> {
    let triple = |e: &Estimate| (e.value, e.lower, e.upper);
    match study.method {
        Method::Morris { .. } => {
            let sigma = r.of("sigma");
            let points: Vec<MorrisPoint> = (r.of("mu_star").iter().zip(&sigma))
                .map(|(m, s)| MorrisPoint {
                    label: short(&m.parameter),
                    mu_star: triple(&m.estimate),
                    sigma: s.estimate.value,
                })
                .collect();
            morris_chart(&r.label, &r.unit, &points)
        }
        Method::Sobol { .. } => {
            let first = r.of("S1");
            let mut bars: Vec<SobolBar> = (r.of("ST").iter().zip(&first))
                .map(|(t, f)| SobolBar {
                    label: short(&t.parameter),
                    first: triple(&f.estimate),
                    total: triple(&t.estimate),
                })
                .collect();
            bars.sort_by(|a, b| b.total.0.total_cmp(&a.total.0));
            sobol_chart(&r.label, &bars)
        }
    }
}

/// The unit of a quantity a study output names: a firm count, or the catalogue's unit
/// of the city column or indicator.
fn unit_of(quantity: &str) -> String {
    use crate::engine::indicators::{CITY, CITY_SECTOR};
    use crate::targets::{FIRMS_ARRIVING, FIRMS_LEAVING, GROWTH, RATIOS};
    if [FIRMS_ARRIVING, FIRMS_LEAVING].contains(&quantity) {
        return "real firms".into();
    }
    if GROWTH.iter().any(|(n, _)| *n == quantity) || RATIOS.iter().any(|(n, ..)| *n == quantity) {
        return "share".into();
    }
    let city = CITY.iter().find(|c| c.name == quantity).map(|c| c.unit);
    let sector = CITY_SECTOR
        .iter()
        .find(|c| c.name == quantity)
        .map(|c| c.unit);
    city.or(sector)
        .map_or("output units".into(), |u| u.name().to_string())
}

/// A parameter's name without its table (`hukou_barrier`), but with the policy kind
/// (`non_capital_relief.hazard_multiplier`).
fn short(name: &str) -> String {
    name.strip_prefix("behaviour.")
        .or_else(|| name.strip_prefix("trends."))
        .or_else(|| name.strip_prefix("policy."))
        .unwrap_or(name)
        .to_string()
}

fn method_text(study: &Study, runs: usize) -> String {
    let s = &study.spec.sensitivity;
    let k = study.params.len();
    let how = match study.method {
        Method::Morris {
            trajectories,
            levels,
        } => format!(
            "Morris elementary effects: {trajectories} trajectories on {levels} levels, {} points",
            trajectories * (k + 1)
        ),
        Method::Sobol { samples } => format!(
            "Sobol indices (Saltelli design on a Sobol sequence, Saltelli 2010 S1, Jansen ST): N = {samples}, {} points",
            samples * (k + 2)
        ),
    };
    format!(
        "{how}; {k} parameters; {} replicate(s) per point; {runs} runs at scale {}, seed {}; 95% bootstrap intervals from {} resamples",
        s.replicates, s.scale, s.seed, s.resamples
    )
}

fn section(study: &Study, results: &[OutputResult], runs: usize, charts: &[String]) -> Extra {
    let mut html = format!("<p>{}.</p>\n<ul>\n", esc(&method_text(study, runs)));
    for r in results {
        html += &format!("<li>{}</li>\n", esc(&r.reading(study.method)));
    }
    html += "</ul>\n";
    for (r, svg) in results.iter().zip(charts) {
        html += &format!(
            "<figure id=\"sa-{}\">\n{}\n<figcaption>{} <span class=\"muted\">Also <code>charts/{}.svg</code> and <code>.png</code>.</span></figcaption>\n</figure>\n",
            esc(&r.name),
            inline_svg(svg),
            esc(&r.label),
            esc(&r.name)
        );
    }
    Extra {
        id: "sensitivity".into(),
        title: format!("Sensitivity: {}", study.spec.sensitivity.name),
        html,
        files: Vec::new(),
    }
}

fn summary_md(study: &Study, results: &[OutputResult], runs: usize) -> String {
    let mut s = format!(
        "# Sensitivity: {}\n\n{}.\n\n",
        study.spec.sensitivity.name,
        method_text(study, runs)
    );
    for r in results {
        s += &format!("- {}\n", r.reading(study.method));
    }
    let cols: &[&str] = match study.method {
        Method::Morris { .. } => &["mu_star", "mu", "sigma"],
        Method::Sobol { .. } => &["S1", "ST"],
    };
    for r in results {
        s += &format!("\n## {}\n\n{}\n\n| parameter |", r.name, r.label);
        for c in cols {
            s += &format!(" {c} |");
        }
        s += "\n|---|";
        s += &"---|".repeat(cols.len());
        s += "\n";
        let order = r.ranked(cols[0]);
        for row in order {
            s += &format!("| {} |", row.parameter);
            for c in cols {
                let e = (r.indices.iter())
                    .find(|x| x.parameter == row.parameter && x.index == *c)
                    .map(|x| x.estimate);
                s += &match e {
                    Some(e) if e.lower.is_finite() => format!(
                        " {} ({} to {}) |",
                        fmt(e.value, c),
                        fmt(e.lower, c),
                        fmt(e.upper, c)
                    ),
                    Some(e) => format!(" {} |", fmt(e.value, c)),
                    None => " |".into(),
                };
            }
            s += "\n";
        }
    }
    s
}

fn fmt(v: f64, index: &str) -> String {
    if index.starts_with('S') {
        format!("{v:.3}")
    } else {
        show(v)
    }
}

fn outputs_csv(study: &Study, results: &[OutputResult]) -> String {
    let mut s = String::from("output,description,mean,sd,noise_share,points,replicates\n");
    for r in results {
        s += &format!(
            "{},\"{}\",{},{},{},{},{}\n",
            r.name,
            r.label.replace('"', "'"),
            r.mean,
            r.sd,
            r.noise_share.map_or(String::new(), |n| n.to_string()),
            r.means.len(),
            study.spec.sensitivity.replicates
        );
    }
    s
}

fn indices_csv(rows: &[&IndexRow]) -> String {
    let mut s = String::from("parameter,output,index,estimate,lower,upper\n");
    let opt = |v: f64| {
        if v.is_finite() {
            v.to_string()
        } else {
            String::new()
        }
    };
    for r in rows {
        s += &format!(
            "{},{},{},{},{},{}\n",
            r.parameter,
            r.output,
            r.index,
            r.estimate.value,
            opt(r.estimate.lower),
            opt(r.estimate.upper)
        );
    }
    s
}

/// A field with its description as metadata, as every relocsim table carries it.
fn field(name: &str, t: DataType, nullable: bool, description: &str) -> Field {
    crate::output::metadata::described(Field::new(name, t, nullable), description)
}

fn indices_parquet(rows: &[&IndexRow]) -> Result<Vec<u8>> {
    let fields = vec![
        field(
            "parameter",
            DataType::Utf8,
            false,
            "registry name of the parameter",
        ),
        field(
            "output",
            DataType::Utf8,
            false,
            "name of the output in the study file",
        ),
        field(
            "index",
            DataType::Utf8,
            false,
            "S1 (first-order) or ST (total) Sobol index; mu_star, mu or sigma (Morris, in output units over the parameter's range)",
        ),
        field("estimate", DataType::Float64, false, "the index's estimate"),
        field(
            "lower",
            DataType::Float64,
            true,
            "lower end of the 95% bootstrap interval (null where none)",
        ),
        field(
            "upper",
            DataType::Float64,
            true,
            "upper end of the 95% bootstrap interval (null where none)",
        ),
    ];
    let text = |f: fn(&IndexRow) -> &str| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| f(r))))
    };
    let finite = |v: f64| v.is_finite().then_some(v);
    let cols: Vec<ArrayRef> = vec![
        text(|r| &r.parameter),
        text(|r| &r.output),
        text(|r| r.index),
        Arc::new(Float64Array::from_iter_values(
            rows.iter().map(|r| r.estimate.value),
        )),
        Arc::new(Float64Array::from_iter(
            rows.iter().map(|r| finite(r.estimate.lower)),
        )),
        Arc::new(Float64Array::from_iter(
            rows.iter().map(|r| finite(r.estimate.upper)),
        )),
    ];
    to_parquet("indices.parquet", fields, cols)
}

fn samples_parquet(study: &Study, design: &Design, results: &[OutputResult]) -> Result<Vec<u8>> {
    let points = design.points();
    let mut fields = vec![field(
        "point",
        DataType::UInt32,
        false,
        "design point, in the design's order",
    )];
    let mut cols: Vec<ArrayRef> = vec![Arc::new(UInt32Array::from_iter_values(
        0..points.len() as u32,
    ))];
    for (i, p) in study.spec.parameters.iter().enumerate() {
        fields.push(field(
            &p.name,
            DataType::Float64,
            false,
            "the parameter's value at the point",
        ));
        let values = points.iter().map(|u| match study.value(i, u[i]) {
            toml::Value::Integer(v) => v as f64,
            v => v.as_float().unwrap_or(f64::NAN),
        });
        cols.push(Arc::new(Float64Array::from_iter_values(values)));
    }
    for r in results {
        fields.push(field(
            &r.name,
            DataType::Float64,
            false,
            &format!("{} (mean over replicates)", r.label),
        ));
        cols.push(Arc::new(Float64Array::from_iter_values(
            r.means.iter().copied(),
        )));
    }
    to_parquet("samples.parquet", fields, cols)
}

fn to_parquet(file: &str, fields: Vec<Field>, cols: Vec<ArrayRef>) -> Result<Vec<u8>> {
    let batch =
        RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).map_err(|e| Error::Output {
            file: file.into(),
            message: e.to_string(),
        })?;
    crate::output::parquet_bytes(file, &batch)
}

//! report.html: one file an analyst can send by email and print. Charts are inline SVG,
//! the style sheet is inline, and nothing is loaded from anywhere, so it opens the same
//! offline and years later. It holds no clock time, so the same runs give the same file.

use std::collections::{BTreeMap, BTreeSet};

use super::Extra;
use super::charts::Rendered;
use super::table::{Diff, HeadlineTable};
use super::{Comparison, Group, Run};
use crate::engine::indicators::Unit;
use crate::math::Det;
use crate::output::human_in as number;
use crate::scenario::Scenario;

const STYLE: &str = r#"
body { font-family: "DejaVu Sans", Verdana, Arial, sans-serif; color: #111; margin: 2em auto; max-width: 1280px; padding: 0 1.5em; line-height: 1.45; }
h1 { font-size: 1.8em; margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #0072b2; padding-bottom: 0.15em; margin-top: 2em; }
nav ol { columns: 2; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.55em; vertical-align: top; }
th { background: #eef3f8; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.wide { overflow-x: auto; }
figure { margin: 1.5em 0; }
figure svg { width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: 0.9em; color: #333; margin-top: 0.4em; }
code { font-size: 0.9em; }
.muted { color: #555; }
.warning { background: #fff4e5; border-left: 4px solid #e69f00; padding: 0.5em 1em; }
ul.effects li { margin: 0.2em 0; }
.sub { color: #444; font-size: 0.92em; font-weight: normal; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  nav { display: none; }
  h2 { border-bottom-color: #000; }
  th { background: none; }
  section#charts, section#methods { break-before: page; }
  figure, table, tr { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  .wide { overflow: visible; }
  table { font-size: 8pt; }
  figure svg { border: none; width: auto; height: auto; max-width: 100%; max-height: 22cm; }
}
"#;

/// Text made safe inside HTML elements and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A page of its own (a sensitivity study's) with the report's style: a title, an
/// introduction (HTML, escaped already) and the sections.
pub fn standalone(title: &str, intro: &str, sections: &[Extra]) -> String {
    let mut out = head(title);
    out.push_str(&format!(
        "<header>\n<h1>{}</h1>\n{intro}\n</header>\n",
        esc(title)
    ));
    sections.iter().for_each(|x| out.push_str(&section(x)));
    out.push_str("</body>\n</html>\n");
    out
}

/// The document up to the opening `<body>`, with the report's style.
fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(title)
    )
}

/// An extra section (a calibration's fit, a sensitivity study's indices).
fn section(x: &Extra) -> String {
    format!(
        "<section id=\"{}\">\n<h2>{}</h2>\n{}</section>\n",
        esc(&x.id),
        esc(&x.title),
        x.html
    )
}

/// The whole page.
pub fn page(
    cmp: &Comparison,
    table: &HeadlineTable,
    charts: &[Rendered],
    extras: &[Extra],
) -> String {
    let labels: Vec<&str> = cmp.groups.iter().map(|g| g.label.as_str()).collect();
    let mut out = head(&format!("Scenario comparison: {}", labels.join(", ")));
    // The answer first (what each policy changes, by how much, how sure), then the
    // numbers and charts behind it, then what was run and how; settings last.
    out.push_str(&header(cmp, extras));
    // Charts of differences belong with the effects; charts of levels follow the table.
    let (differences, levels): (Vec<&Rendered>, Vec<&Rendered>) =
        charts.iter().partition(|c| c.chart.shows_differences(cmp));
    out.push_str(&effects(table, &differences));
    out.push_str(&headline(table));
    out.push_str(&figures(&levels));
    extras.iter().for_each(|x| out.push_str(&section(x)));
    out.push_str(&scenarios(cmp));
    out.push_str(&methods(cmp));
    out.push_str(&settings(cmp));
    out.push_str("</body>\n</html>\n");
    out
}

fn header(cmp: &Comparison, extras: &[Extra]) -> String {
    let r = cmp.region();
    let (start, end) = (cmp.years[0], cmp.years[cmp.years.len() - 1]);
    let more: String = extras
        .iter()
        .map(|x| format!("<li><a href=\"#{}\">{}</a></li>", esc(&x.id), esc(&x.title)))
        .collect();
    format!(
        "<header>\n<h1>Scenario comparison</h1>\n<p>{} region, {start}–{end}: {} scenarios \
         ({} runs) compared with the baseline <strong>{}</strong>.</p>\n</header>\n\
         <nav><h2>Contents</h2><ol><li><a href=\"#effects\">Effects against the baseline</a></li>\
         <li><a href=\"#headline\">Headline indicators</a></li>\
         <li><a href=\"#charts\">Charts</a></li>{more}<li><a href=\"#scenarios\">Scenarios</a></li>\
         <li><a href=\"#methods\">Methods</a></li><li><a href=\"#settings\">Settings that differ</a></li>\
         </ol></nav>\n",
        esc(&r.name),
        cmp.groups.len(),
        cmp.runs().count(),
        esc(&table_baseline(cmp))
    )
}

/// The baseline as the header names it: its label, or its scenario's name when each of
/// a sweep's variants has its own.
fn table_baseline(cmp: &Comparison) -> String {
    let several = (0..cmp.groups.len())
        .filter(|&i| cmp.is_baseline(i))
        .count()
        > 1;
    if several {
        format!("{} (each variant against its own)", cmp.baseline().name)
    } else {
        cmp.baseline().label.clone()
    }
}

/// A TOML value as one line for a table cell.
fn show(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Array(a) if a.is_empty() => "(empty list)".into(),
        toml::Value::Array(a) => a.iter().map(show).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// Dotted keys to displayed values; tables nest, arrays stay whole.
fn flatten(prefix: &str, v: &toml::Value, out: &mut BTreeMap<String, String>) {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        other => {
            out.insert(prefix.to_string(), show(other));
        }
    }
}

/// A policy table's kind and its other keys, flattened.
fn policy_settings(p: &crate::policy::PolicySpec) -> (String, BTreeMap<String, String>) {
    let value = toml::Value::try_from(p).expect("a policy serialises");
    let mut flat = BTreeMap::new();
    flatten("", &value, &mut flat);
    let kind = flat.remove("kind").unwrap_or_default();
    (kind, flat)
}

/// Every setting of a scenario that can differ between scenarios of one comparison:
/// scale, behaviour, trends and each policy's parameters (a second table of one kind
/// numbered `#2`). Seeds and replicates are left to the methods note.
fn settings_of(s: &Scenario) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    out.insert("scenario.scale".into(), s.scenario.scale.to_string());
    for (name, table) in [
        ("behaviour", toml::Value::try_from(&s.behaviour)),
        ("trends", toml::Value::try_from(&s.trends)),
    ] {
        flatten(name, &table.expect("settings serialise"), &mut out);
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for p in &s.policies {
        let (kind, flat) = policy_settings(p);
        let n = seen.entry(kind.clone()).or_default();
        *n += 1;
        let name = if *n == 1 {
            format!("policy.{kind}")
        } else {
            format!("policy.{kind}#{n}")
        };
        out.insert(name.clone(), "on".into());
        for (k, v) in flat {
            out.insert(format!("{name}.{k}"), v);
        }
    }
    out
}

fn scenarios(cmp: &Comparison) -> String {
    let mut out = String::from("<section id=\"scenarios\">\n<h2>Scenarios</h2>\n");
    for g in &cmp.groups {
        let s = g.scenario();
        out.push_str(&format!(
            "<h3>{}</h3>\n<p>{}</p>\n",
            esc(&g.label),
            if s.scenario.description.is_empty() {
                "<span class=\"muted\">(no description in the scenario)</span>".to_string()
            } else {
                esc(&s.scenario.description)
            }
        ));
        out.push_str(&policy_list(s));
    }
    out.push_str("</section>\n");
    out
}

fn policy_list(s: &Scenario) -> String {
    if s.policies.is_empty() {
        return "<p>No <code>[[policy]]</code> table.</p>\n".into();
    }
    let mut out = String::from("<ul>\n");
    for p in &s.policies {
        let (kind, mut flat) = policy_settings(p);
        let window = format!(
            "{}–{}",
            flat.remove("start").unwrap_or_default(),
            flat.remove("end").unwrap_or_default()
        );
        let ramp = flat.remove("ramp_years").filter(|r| r != "0");
        let ramp = ramp
            .map(|r| format!(", reaching full strength over {r} years"))
            .unwrap_or_default();
        let params: Vec<String> = flat
            .iter()
            .map(|(k, v)| format!("<code>{}</code> = {}", esc(k), esc(v)))
            .collect();
        out.push_str(&format!(
            "<li><strong>{}</strong> ({window}{ramp}): {}</li>\n",
            esc(&kind),
            params.join("; ")
        ));
    }
    out.push_str("</ul>\n");
    out
}

/// A setting's value as people read it, by its unit in the parameter registry: shares
/// as percentages ("5% of value added", "4.4%/year"), multipliers with × ("3.0×"),
/// money in words ("20 million yuan/year"), distances and years with their unit.
/// Names, switches and unitless weights stay as written.
pub fn formatted(key: &str, raw: &str) -> String {
    // `policy.KIND#2.FIELD`, a second table of a kind, is the registry's `policy.KIND.FIELD`.
    let name = match key.split_once('#') {
        Some((a, b)) => format!("{a}{}", b.trim_start_matches(|c: char| c.is_ascii_digit())),
        None => key.to_string(),
    };
    let (Some(p), Ok(v)) = (crate::params::find(&name), raw.parse::<f64>()) else {
        return raw.to_string();
    };
    let unit = p.unit;
    let trim = |x: f64, decimals: usize| {
        let t = format!("{x:.decimals$}");
        if t.contains('.') {
            t.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            t
        }
    };
    let percent = |rest: &str| format!("{}%{rest}", trim(100.0 * v, 2));
    match unit {
        "0-1" | "share" | "fraction" | "probability" => percent(""),
        "x" => format!("{v:.1}×"),
        "km" | "years" => format!("{} {unit}", trim(v, 2)),
        _ if unit.starts_with("x ") => format!("{v:.1}× {}", &unit[2..]),
        _ if unit.contains("yuan") && v.abs() >= 1e6 => {
            format!("{} million {unit}", trim(v / 1e6, 2))
        }
        _ if unit.contains("yuan") => format!("{} {unit}", crate::output::human(v)),
        _ => {
            let share = ["fraction", "share", "probability"]
                .iter()
                .find_map(|w| unit.strip_prefix(w));
            match share {
                Some(rest) if rest.starts_with('/') || rest.starts_with(" of ") => percent(rest),
                _ => raw.to_string(),
            }
        }
    }
}

fn settings(cmp: &Comparison) -> String {
    let all: Vec<BTreeMap<String, String>> = cmp
        .groups
        .iter()
        .map(|g| settings_of(g.scenario()))
        .collect();
    let keys: BTreeSet<&String> = all.iter().flat_map(|m| m.keys()).collect();
    let differing: Vec<&String> = keys
        .into_iter()
        .filter(|k| all.iter().map(|m| m.get(*k)).collect::<BTreeSet<_>>().len() > 1)
        .collect();
    let mut out = String::from(
        "<section id=\"settings\">\n<h2>Settings that differ</h2>\n<p>Every scale, behavioural, \
         trend and policy parameter whose value is not the same in all scenarios (— : the \
         scenario has no such policy).</p>\n",
    );
    if differing.is_empty() {
        out.push_str("<p>All scenarios share every setting.</p>\n</section>\n");
        return out;
    }
    let head: Vec<String> = cmp
        .groups
        .iter()
        .map(|g| format!("<th>{}</th>", esc(&g.label)))
        .collect();
    out.push_str(&format!(
        "<div class=\"wide\"><table>\n<tr><th>setting</th>{}</tr>\n",
        head.concat()
    ));
    for k in differing {
        let cells: Vec<String> = all
            .iter()
            .map(|m| {
                let shown = m.get(k).map_or("—".into(), |v| formatted(k, v));
                format!("<td>{}</td>", esc(&shown))
            })
            .collect();
        out.push_str(&format!(
            "<tr><td><code>{}</code></td>{}</tr>\n",
            esc(k),
            cells.concat()
        ));
    }
    out.push_str("</table></div>\n</section>\n");
    out
}

/// Paired replicates below which a difference may be noise, and the page says so.
pub const FEW_PAIRS: usize = 5;

/// Each scenario's effect on every headline indicator in the last year, one line each in
/// words, with its 95% interval; a warning first where fewer than [`FEW_PAIRS`]
/// replicates pair with the baseline's.
fn effects(table: &HeadlineTable, charts: &[&Rendered]) -> String {
    let Some(&year) = table.years.last() else {
        return String::new();
    };
    let rows: Vec<&super::table::Row> = table.rows.iter().filter(|r| r.year == year).collect();
    let mut out = String::from("<section id=\"effects\">\n<h2>Effects against the baseline</h2>\n");
    let fewest = (rows.iter())
        .flat_map(|r| r.cells.iter().filter_map(|c| c.diff.map(|d| d.pairs)))
        .min();
    if let Some(n) = fewest.filter(|&n| n < FEW_PAIRS) {
        out.push_str(&format!(
            "<p class=\"warning\"><strong>These differences may be noise.</strong> {n} replicate(s) \
             of a scenario pair with the baseline's, and two runs that differ only in their seed \
             differ too. For 95% intervals, run {FEW_PAIRS} or more replicates of every scenario \
             with the same seeds (a sweep file with <code>replicates = {FEW_PAIRS}</code>, \
             <code>relocsim sweep run SWEEP.toml --out DIR</code>) and compare that directory.</p>\n"
        ));
    }
    for (i, label) in table.labels.iter().enumerate() {
        let b = table.bases[i];
        if b == i {
            continue;
        }
        out.push_str(&format!(
            "<h3>{} against {}, {year}</h3>\n<ul class=\"effects\">\n",
            esc(label),
            esc(&table.labels[b])
        ));
        for r in &rows {
            if let Some(d) = r.cells[i].diff {
                let line = effect_line(&r.label, year, r.unit, &d, r.cells[b].level.mean);
                out.push_str(&format!("<li>{}</li>\n", esc(&line)));
            }
        }
        out.push_str("</ul>\n");
    }
    out.push_str(&figure_list(charts));
    out.push_str("</section>\n");
    out
}

/// "Beijing population 2035: -133,000 (-0.6%), 95% interval -160,000 to -106,000".
pub fn effect_line(label: &str, year: i32, unit: Unit, d: &Diff, base: f64) -> String {
    let e = &d.estimate;
    // Three significant digits of the larger of the effect and its half-width: the
    // interval does not support more.
    let scale = e.mean.abs().max(e.half_width.unwrap_or(0.0));
    let n = |v: f64| {
        let s = significant(v, scale, unit);
        if v > 0.0 && !s.chars().all(|c| "0.,".contains(c)) {
            format!("+{s}")
        } else {
            s
        }
    };
    let relative = unit.is_count() || unit == Unit::BnYuan;
    let pct = if relative && base != 0.0 {
        format!(" ({:+.1}%)", 100.0 * e.mean / base)
    } else {
        String::new()
    };
    let interval = match (e.interval(), d.pairs) {
        (Some((lo, hi)), _) => format!("95% interval {} to {}", n(lo), n(hi)),
        (None, 0) => "unpaired (no baseline run shares its seed): no interval".into(),
        (None, _) => "one pair: no interval".into(),
    };
    format!("{label} {year}: {}{pct}, {interval}", n(e.mean))
}

/// `v` to three significant digits of `scale`: counts and money rounded (205,000), other
/// units with the decimals that keeps (47.0), shares in percentage points (+0.22 pp).
fn significant(v: f64, scale: f64, unit: Unit) -> String {
    // A change in a share reads in percentage points.
    if unit == Unit::Share && scale > 0.0 && scale.is_finite() {
        return format!("{} pp", significant(100.0 * v, 100.0 * scale, Unit::Ratio));
    }
    if scale == 0.0 || !scale.is_finite() {
        return number(v, unit);
    }
    let magnitude = (scale.dln() / 10f64.dln()).floor() as i32;
    if unit.is_count() || unit == Unit::BnYuan || scale >= 1000.0 {
        let step = 10f64.powi(magnitude - 2).max(1.0);
        return number((v / step).round() * step, unit);
    }
    let decimals = (2 - magnitude).clamp(0, 8) as usize;
    format!("{v:.decimals$}")
}

fn headline(table: &HeadlineTable) -> String {
    let mut out = format!(
        "<section id=\"headline\">\n<h2>Headline indicators</h2>\n<p>{}</p>\n",
        esc(table.legend().trim())
    );
    let heads = table.heads();
    let head = |cols: &[usize]| {
        let mut head = String::from("<tr><th>indicator</th><th>unit</th>");
        for &i in cols {
            let under = if table.bases[i] == i {
                "value"
            } else {
                "value<br>difference"
            };
            head.push_str(&format!(
                "<th>{}<br><span class=\"sub\">{under}</span></th>",
                esc(&heads[i])
            ));
        }
        head + "</tr>\n"
    };
    let chunks = table.chunks();
    for &year in &table.years {
        out.push_str(&format!("<h3>{year}</h3>\n"));
        let lines = table.lines(year);
        for cols in &chunks {
            out.push_str(&format!("<div class=\"wide\"><table>\n{}", head(cols)));
            for line in &lines {
                out.push_str(&format!(
                    "<tr><td>{}<br><code class=\"sub\">{}</code></td><td>{}</td>",
                    esc(&line.label),
                    esc(&line.name),
                    esc(line.unit.name())
                ));
                for &i in cols {
                    let (value, diff) = &line.cells[i];
                    let diff = diff
                        .as_ref()
                        .map(|d| format!("<br><span class=\"sub\">{}</span>", esc(d)))
                        .unwrap_or_default();
                    out.push_str(&format!("<td class=\"num\">{}{diff}</td>", esc(value)));
                }
                out.push_str("</tr>\n");
            }
            out.push_str("</table></div>\n");
        }
    }
    out.push_str("<p class=\"muted\">The same table is in <code>table.md</code> and, at full precision with interval ends, in <code>table.csv</code>.</p>\n</section>\n");
    out
}

/// The SVG element alone (no XML declaration), ready to sit inside the page.
pub fn inline_svg(svg: &str) -> &str {
    let start = svg.find("<svg").unwrap_or(0);
    svg[start..].trim_end()
}

fn figures(charts: &[&Rendered]) -> String {
    let mut out = String::from("<section id=\"charts\">\n<h2>Charts</h2>\n");
    out.push_str(&figure_list(charts));
    out.push_str("</section>\n");
    out
}

fn figure_list(charts: &[&Rendered]) -> String {
    let mut out = String::new();
    for c in charts {
        let stem = c.chart.stem();
        out.push_str(&format!(
            "<figure id=\"{stem}\">\n<h3>{}</h3>\n{}\n<figcaption>{} <span class=\"muted\">Also \
             <code>charts/{stem}.svg</code> and <code>charts/{stem}.png</code>.</span></figcaption>\n</figure>\n",
            esc(&c.title),
            inline_svg(&c.svg),
            esc(&c.caption)
        ));
    }
    out
}

/// The distinct values of something every run records, joined.
fn distinct(cmp: &Comparison, f: impl Fn(&Run) -> String) -> String {
    cmp.runs()
        .map(f)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
        .join(", ")
}

fn methods(cmp: &Comparison) -> String {
    let m = &cmp.runs().next().expect("a comparison has runs").manifest;
    let mut out = format!(
        "<section id=\"methods\">\n<h2>Methods</h2>\n<p>relocsim is an agent-based model: each \
         year firms consider moving, close or enter, workers follow, commute or look for work, \
         and people migrate, while each scenario's policies push and pull them. Counts are in \
         real units (agents divided by the scale). Each scenario is a group of replicate runs \
         (different seeds or replicate numbers); values are means over them. A scenario's \
         difference from the baseline is taken between runs with the same seed and replicate \
         number, which share their random draws, so the 95% interval (mean ± t<sub>0.975, \
         n−1</sub> · sd / √n over the n pairs) is that of the policy's effect.</p>\n\
         <p><strong>{}</strong></p>\n\
         <ul>\n<li>Scale: {}</li>\n<li>Seeds: {}</li>\n<li>Replicates per scenario: {}</li>\n\
         <li>relocsim version of the runs: {}; git commit: {}</li>\n<li>Random-number algorithm: {}</li>\n\
         <li>Region: {} (SHA-256 {})</li>\n<li>This report: relocsim {}</li>\n</ul>\n",
        esc(&cmp.uncertainty()),
        esc(&distinct(cmp, |r| r.manifest.scale.to_string())),
        esc(&distinct(cmp, |r| r.manifest.seed.to_string())),
        esc(&replicate_counts(&cmp.groups)),
        esc(&distinct(cmp, |r| r.manifest.relocsim_version.clone())),
        esc(&distinct(cmp, |r| r.manifest.git_commit.clone())),
        esc(&distinct(cmp, |r| r.manifest.rng_algorithm.clone())),
        esc(&cmp.region().name),
        esc(&m.region_sha256[..m.region_sha256.len().min(16)]),
        env!("CARGO_PKG_VERSION"),
    );
    out.push_str(&runs_table(cmp));
    out.push_str("</section>\n");
    out
}

fn replicate_counts(groups: &[Group]) -> String {
    groups
        .iter()
        .map(|g| format!("{} {}", g.label, g.runs.len()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn runs_table(cmp: &Comparison) -> String {
    let mut out = String::from(
        "<p>Runs read (data-file SHA-256, first 12 hex digits, as recorded in each manifest and \
         checked against the files):</p>\n<div class=\"wide\"><table>\n<tr><th>scenario</th>\
         <th>replicate</th><th>seed</th><th>manifest</th><th>indicators</th><th>cities</th>\
         <th>flows</th></tr>\n",
    );
    for g in &cmp.groups {
        for r in &g.runs {
            let sums: Vec<String> = ["indicators", "cities", "flows"]
                .iter()
                .map(|n| {
                    let s = r
                        .data
                        .sha256
                        .get(&format!("{n}.parquet"))
                        .map_or("", |s| &s[..12]);
                    format!("<td><code>{s}</code></td>")
                })
                .collect();
            out.push_str(&format!(
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td><code>{}</code></td>{}</tr>\n",
                esc(&g.label),
                r.manifest.replicate,
                r.manifest.seed,
                esc(&r.dir.join("manifest.toml").display().to_string()),
                sums.concat()
            ));
        }
    }
    out.push_str("</table></div>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diff(pairs: usize, mean: f64, half_width: Option<f64>) -> Diff {
        Diff {
            pairs,
            estimate: crate::stats::Estimate {
                n: pairs,
                mean,
                sd: None,
                half_width,
            },
        }
    }

    #[test]
    fn settings_read_in_their_units() {
        let f = formatted;
        assert_eq!(
            f(
                "policy.interest_compensation.min_annual_tax_yuan",
                "20000000.0"
            ),
            "20 million yuan/year"
        );
        assert_eq!(
            f("policy.non_capital_relief.hazard_multiplier", "3.0"),
            "3.0×"
        );
        assert_eq!(
            f("policy.non_capital_relief#2.hazard_multiplier", "6"),
            "6.0×"
        );
        assert_eq!(
            f("policy.non_capital_relief.extra_cost", "0.05"),
            "5% of value added"
        );
        assert_eq!(f("behaviour.migration_rate", "0.0436"), "4.36%/year");
        assert_eq!(f("policy.non_capital_relief.close_share", "0.3"), "30%");
        assert_eq!(f("behaviour.commute_range_km", "80.0"), "80 km");
        assert_eq!(
            f("policy.xiongan_incentives.subsidy_per_job_yuan", "10000.0"),
            "10,000 yuan/job/year"
        );
        assert_eq!(f("behaviour.hukou_barrier", "1.7"), "1.7");
        assert_eq!(f("policy.non_capital_relief.cities", "Beijing"), "Beijing");
    }

    #[test]
    fn the_page_warns_below_five_pairs_only() {
        let row = |pairs: usize| super::super::table::Row {
            year: 2035,
            indicator: "x".into(),
            label: "X".into(),
            unit: Unit::Persons,
            cells: vec![
                super::super::table::Cell {
                    level: crate::stats::estimate(&[10.0, 12.0]),
                    diff: None,
                },
                super::super::table::Cell {
                    level: crate::stats::estimate(&[10.0, 12.0]),
                    diff: Some(diff(pairs, 1.0, Some(0.5))),
                },
            ],
        };
        let table = |pairs: usize| HeadlineTable {
            labels: vec!["base".into(), "policy".into()],
            bases: vec![0, 0],
            replicates: vec![pairs, pairs],
            years: vec![2035],
            rows: vec![row(pairs)],
        };
        assert!(effects(&table(4), &[]).contains("may be noise"));
        assert!(!effects(&table(5), &[]).contains("may be noise"));
        let page = effects(&table(5), &[]);
        assert!(page.contains("X 2035: +1 (+9.1%), 95% interval"), "{page}");
    }

    #[test]
    fn an_effect_reads_as_a_signed_change_with_its_share_and_interval() {
        let d = diff(5, -133_000.0, Some(27_000.0));
        assert_eq!(
            effect_line("Beijing population", 2035, Unit::Persons, &d, 21_800_000.0),
            "Beijing population 2035: -133,000 (-0.6%), 95% interval -160,000 to -106,000"
        );
        let rise = effect_line("Firms", 2035, Unit::Firms, &diff(1, 2_000.0, None), 1e5);
        assert_eq!(rise, "Firms 2035: +2,000 (+2.0%), one pair: no interval");
        // A share is not given as a percentage of itself.
        let share = effect_line("Hebei share", 2035, Unit::Share, &diff(0, 0.01, None), 0.4);
        assert!(
            share.ends_with("unpaired (no baseline run shares its seed): no interval"),
            "{share}"
        );
        assert!(!share.contains('%'), "{share}");
    }

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            esc("a<b & \"c\" 'd'"),
            "a&lt;b &amp; &quot;c&quot; &#39;d&#39;"
        );
    }

    #[test]
    fn nested_tables_flatten_to_dotted_keys() {
        let v: toml::Value =
            toml::from_str("a = 1\n[t]\nb = [\"x\", \"y\"]\n[t.u]\nc = true\n").unwrap();
        let mut out = BTreeMap::new();
        flatten("", &v, &mut out);
        let got: Vec<(&str, &str)> = out.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(got, vec![("a", "1"), ("t.b", "x, y"), ("t.u.c", "true")]);
    }
}

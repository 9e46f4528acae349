//! What `relocsim params` prints: every parameter of the registry as a table for a
//! terminal, as markdown (the source of `docs/parameters.md`) or as CSV for machines.
//! Returned as lines so the binary writes each through its broken-pipe-safe macro.

use super::{DefaultValue, Param, all};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns for a terminal.
    Table,
    Markdown,
    Csv,
}

const HEADS: [&str; 6] = ["name", "unit", "default", "range", "tag", "meaning"];

/// The registry in `format`, one line per element, header first.
pub fn lines(format: Format) -> Vec<String> {
    let rows: Vec<[String; 6]> = all().map(cells).collect();
    match format {
        Format::Table => table(&rows),
        Format::Markdown => markdown(&rows),
        Format::Csv => csv(),
    }
}

fn cells(p: &Param) -> [String; 6] {
    [
        p.name.to_string(),
        p.unit.to_string(),
        p.default.to_string(),
        p.range.map_or("-".to_string(), |r| r.to_string()),
        p.tag.label().to_string(),
        p.meaning.to_string(),
    ]
}

/// One block per table (`behaviour`, `trends`, the policy window, each kind), aligned
/// on its own so that one long default does not widen every line, with a blank line and
/// a header before each.
fn table(rows: &[[String; 6]]) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < rows.len() {
        let group = |r: &[String; 6]| r[0].rsplit_once('.').map(|(t, _)| t.to_string());
        let end = start + rows[start..].partition_point(|r| group(r) == group(&rows[start]));
        if start > 0 {
            out.push(String::new());
        }
        out.extend(aligned(&rows[start..end]));
        start = end;
    }
    out
}

fn aligned(rows: &[[String; 6]]) -> Vec<String> {
    let heads = HEADS.map(str::to_string);
    let width = |i: usize| {
        rows.iter()
            .chain([&heads])
            .map(|r| r[i].chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..5).map(width).collect();
    [&heads]
        .into_iter()
        .chain(rows)
        .map(|r| {
            let mut line: String = (0..5)
                .map(|i| format!("{:<w$}  ", r[i], w = widths[i]))
                .collect();
            line.push_str(&r[5]);
            line
        })
        .collect()
}

fn markdown(rows: &[[String; 6]]) -> Vec<String> {
    let mut out = vec![
        format!("| {} |", HEADS.join(" | ")),
        "|---|---|---|---|---|---|".to_string(),
    ];
    for r in rows {
        let name = format!("`{}`", r[0]);
        let rest = r[1..].iter().map(|c| c.replace('|', "\\|"));
        let cells: Vec<String> = std::iter::once(name).chain(rest).collect();
        out.push(format!("| {} |", cells.join(" | ")));
    }
    out
}

/// Machine-readable: the range as two numbers, the tag as its letter, a default list as
/// names separated by `;`.
fn csv() -> Vec<String> {
    let mut out = vec!["name,unit,default,min,max,tag,meaning".to_string()];
    for p in all() {
        let default = match p.default {
            DefaultValue::Names(list) => list.join(";"),
            DefaultValue::Required => String::new(),
            other => other.to_string(),
        };
        let (min, max) = p.range.map_or((String::new(), String::new()), |r| {
            (r.min.to_string(), r.max.to_string())
        });
        let tag = p.tag.label().trim_matches(['[', ']', '-']).to_string();
        let fields = [
            p.name.to_string(),
            p.unit.to_string(),
            default,
            min,
            max,
            tag,
            p.meaning.to_string(),
        ];
        let quoted: Vec<String> = fields.iter().map(|f| quote(f)).collect();
        out.push(quoted.join(","));
    }
    out
}

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_has_a_line_per_parameter_and_a_header() {
        let n = all().count();
        let groups = 2 + 1 + super::super::policies::KINDS.len();
        assert_eq!(lines(Format::Table).len(), n + 2 * groups - 1);
        assert_eq!(lines(Format::Markdown).len(), n + 2);
        assert_eq!(lines(Format::Csv).len(), n + 1);
        let md = lines(Format::Markdown);
        assert!(
            md[2].starts_with(
                "| `behaviour.firm_size_tail` | Pareto index | 1.1 | 0.2 to 5 | [A] |"
            )
        );
        let csv = lines(Format::Csv);
        assert!(
            csv.iter()
                .any(|l| l == "policy.*.start,year,,1900,2500,,first year in force")
        );
        assert!(csv.iter().any(|l| l.starts_with(
            "policy.coastal_belt.cities,city names,Tianjin;Tangshan;Qinhuangdao;Cangzhou,,,V,"
        )));
    }
}

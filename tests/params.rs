//! `relocsim params`: every parameter of the registry in each of its three formats, and
//! the parameter table of the documentation (`docs/parameters.md`, which the README
//! points to) in step with the registry.

use std::process::Command;

use relocsim::params::{self, Format, Param};

fn relocsim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_relocsim"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(args: &[&str]) -> String {
    let o = relocsim(args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// The fields of a CSV line (quoted fields may hold commas and doubled quotes).
fn csv_fields(line: &str) -> Vec<String> {
    let (mut fields, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

fn pieces(p: &Param) -> [String; 4] {
    [
        p.unit.to_string(),
        p.default.to_string(),
        p.tag.label().to_string(),
        p.meaning.to_string(),
    ]
}

#[test]
fn the_table_lists_every_parameter() {
    let out = stdout(&["params"]);
    assert!(out.lines().next().unwrap().starts_with("name "));
    for p in params::all() {
        let mut lines = out
            .lines()
            .filter(|l| l.split_whitespace().next() == Some(p.name));
        let line = lines.next().unwrap_or_else(|| panic!("{} missing", p.name));
        assert!(lines.next().is_none(), "{} twice", p.name);
        for piece in pieces(p) {
            assert!(line.contains(&piece), "{}: {piece:?} not in {line}", p.name);
        }
        if let Some(r) = p.range {
            assert!(line.contains(&r.to_string()), "{line}");
        }
    }
    // Each table comes as its own aligned block with a header.
    let rows = out
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("name "));
    assert_eq!(rows.count(), params::all().count());
}

#[test]
fn the_markdown_has_a_row_for_every_parameter() {
    let out = stdout(&["params", "--format", "md"]);
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(rows[0], "| name | unit | default | range | tag | meaning |");
    assert_eq!(rows.len(), params::all().count() + 2);
    for p in params::all() {
        let head = format!("| `{}` | {} | {} |", p.name, p.unit, p.default);
        let row = rows
            .iter()
            .find(|r| r.starts_with(&head))
            .unwrap_or_else(|| panic!("no row starts {head}"));
        assert!(
            row.contains(p.tag.label()) && row.contains(p.meaning),
            "{row}"
        );
    }
}

#[test]
fn the_csv_has_a_header_and_a_record_for_every_parameter() {
    let out = stdout(&["params", "--format", "csv"]);
    let mut lines = out.lines();
    let header = csv_fields(lines.next().unwrap());
    assert_eq!(
        header,
        ["name", "unit", "default", "min", "max", "tag", "meaning"]
    );
    let records: Vec<Vec<String>> = lines.map(csv_fields).collect();
    assert_eq!(records.len(), params::all().count());
    for (p, r) in params::all().zip(&records) {
        assert_eq!(r.len(), header.len(), "{r:?}");
        assert_eq!((r[0].as_str(), r[1].as_str()), (p.name, p.unit));
        assert_eq!(r[6], p.meaning);
        let bounds = (r[3].parse::<f64>().ok(), r[4].parse::<f64>().ok());
        assert_eq!(bounds, (p.range.map(|r| r.min), p.range.map(|r| r.max)));
        if let params::DefaultValue::Number(v) = p.default {
            assert_eq!(r[2].parse::<f64>().unwrap(), v, "{}", p.name);
        }
    }
}

#[test]
fn an_unknown_format_is_refused() {
    let o = relocsim(&["params", "--format", "html"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("md"));
}

/// The documentation's parameter table is the registry's, line for line; the README
/// sends its readers there and to `relocsim params`.
#[test]
fn the_documented_parameter_table_matches_the_registry() {
    let root = env!("CARGO_MANIFEST_DIR");
    let doc = std::fs::read_to_string(format!("{root}/docs/parameters.md")).unwrap();
    let table: Vec<&str> = doc.lines().filter(|l| l.starts_with('|')).collect();
    let expected = params::lines(Format::Markdown);
    assert!(
        table == expected,
        "docs/parameters.md is out of date: replace its table with the output of `relocsim params --format md`"
    );
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    assert!(readme.contains("relocsim params") && readme.contains("docs/parameters.md"));
}

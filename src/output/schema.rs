//! The documented schema (schema.md, printed by `relocsim schema`) and the parts of it
//! that come from the indicator catalogue: the tables of value columns and indicators
//! with their units and meanings. Those parts sit between marker comments in schema.md;
//! a test holds them equal to the catalogue (and rewrites them with RELOCSIM_BLESS=1),
//! so the file stays readable as written and never drifts from what runs write.

use crate::engine::indicators::{self, Column, Places};
use crate::region::Region;

/// schema.md as written, with its marker comments.
pub const SCHEMA_DOC: &str = include_str!("schema.md");

/// The schema for people: schema.md without the marker comments.
pub fn schema_doc() -> String {
    SCHEMA_DOC
        .lines()
        .filter(|l| !is_marker(l))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn is_marker(line: &str) -> bool {
    line.starts_with("<!-- catalogue:") || line.starts_with("<!-- /catalogue:")
}

/// The generated blocks of schema.md by marker name, for the embedded region.
pub fn catalogue_blocks() -> Vec<(&'static str, String)> {
    let places = Places::of(&Region::embedded().spec);
    vec![
        ("cities", cities()),
        ("city_sectors", city_sectors()),
        ("flows", flows()),
        ("indicators", indicator_table(&places)),
    ]
}

const HEAD: &str = "| column | type | unit | meaning |\n|---|---|---|---|\n";

fn key(columns: &str, kind: &str, meaning: &str) -> String {
    format!("| {columns} | {kind} | | {meaning} |\n")
}

fn value_rows<R>(columns: &[Column<R>]) -> String {
    columns
        .iter()
        .map(|c| {
            let unit = c.unit.name();
            format!("| {} | float64 | {unit} | {} |\n", c.name, c.description)
        })
        .collect()
}

fn cities() -> String {
    let keys = key("step, year", "int32", "step number and calendar year")
        + &key("city", "string", "city name");
    format!("{HEAD}{keys}{}", value_rows(&indicators::CITY))
}

fn city_sectors() -> String {
    let keys = key("step, year", "int32", "step number and calendar year")
        + &key("city, sector", "string", "city and sector names");
    format!("{HEAD}{keys}{}", value_rows(&indicators::CITY_SECTOR))
}

fn flows() -> String {
    let sector = "sector of the moved firm; null for persons who moved on their own \
                  (migrants and the dependents who follow them)";
    let keys = key("step, year", "int32", "step number and calendar year")
        + &key("origin, destination", "string", "cities")
        + &key("sector", "string, nullable", sector);
    format!("{HEAD}{keys}{}", value_rows(&indicators::FLOW))
}

fn indicator_table(places: &Places) -> String {
    let mut out = String::from("| indicator | unit | meaning |\n|---|---|---|\n");
    for n in indicators::recorded(places) {
        let when = n.entry.when.describe();
        let when = if when.is_empty() {
            String::new()
        } else {
            format!("; {when}")
        };
        let (name, unit) = (&n.name, n.unit.name());
        out.push_str(&format!(
            "| `{name}` | {unit} | {}{when} |\n",
            n.description
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text between `<!-- catalogue:NAME -->` and `<!-- /catalogue:NAME -->`.
    fn block(doc: &str, name: &str) -> Option<(usize, usize)> {
        let open = format!("<!-- catalogue:{name} -->\n");
        let close = format!("<!-- /catalogue:{name} -->");
        let start = doc.find(&open)? + open.len();
        let end = start + doc[start..].find(&close)?;
        Some((start, end))
    }

    #[test]
    fn schema_md_lists_the_catalogue() {
        let mut doc = SCHEMA_DOC.to_string();
        let mut stale = Vec::new();
        for (name, want) in catalogue_blocks() {
            let (start, end) = block(&doc, name).unwrap_or_else(|| panic!("no block {name}"));
            if doc[start..end] != want {
                stale.push(name);
                doc.replace_range(start..end, &want);
            }
        }
        if std::env::var_os("RELOCSIM_BLESS").is_some() && !stale.is_empty() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/output/schema.md");
            std::fs::write(path, &doc).unwrap();
            return;
        }
        assert!(
            stale.is_empty(),
            "schema.md differs from the catalogue in {stale:?}; regenerate with \
             RELOCSIM_BLESS=1 cargo test --lib schema_md"
        );
    }

    #[test]
    fn markers_are_not_printed() {
        let doc = schema_doc();
        assert!(!doc.contains("<!--"));
        assert!(doc.contains("| population | float64 | persons | residents |"));
    }
}

//! `relocsim new`: a scenario file to start from, written from the parameter registry so
//! that it names every lever with its unit, range, source tag and meaning, and validates
//! as written. Behavioural and trend parameters are listed commented out at their
//! defaults (uncomment to change one); each requested policy gets a table with every
//! parameter set to its default.

use crate::params::{self, Param};

/// The years a new scenario runs: the calibrated start and the planning horizon.
const START: i32 = 2020;
const END: i32 = 2035;

/// The text of a new scenario named `name` with one table per kind in `kinds` (known
/// kinds: the caller checks them against `policy::KINDS`).
pub fn scaffold(name: &str, kinds: &[&str]) -> String {
    let mut out = format!(
        "# {name}: a relocsim scenario, written by `relocsim new` (relocsim {}).\n\
         # Check it with `relocsim validate FILE`; run it with `relocsim run FILE`.\n\
         # Each parameter shows its unit, valid range, source tag ([V] published, [D] derived,\n\
         # [M] recalled, [A] assumed, [C] calibrated) and meaning; `relocsim params` lists them.\n\n\
         [scenario]\n\
         name = {name:?}\n\
         description = \"What this scenario tests, in a sentence.\"\n\
         start_year = {START}\n\
         end_year = {END}\n\
         seed = 20200101\n\
         # Agents per real person and firm: 0.01 runs in seconds, 1 is the whole region.\n\
         scale = 0.01\n",
        env!("CARGO_PKG_VERSION")
    );
    for table in ["behaviour", "trends"] {
        out.push_str(&format!(
            "\n# Defaults; uncomment a line to change it.\n[{table}]\n"
        ));
        for p in params::of_table(table) {
            out.push_str(&commented(p));
        }
    }
    for kind in kinds {
        out.push_str(&policy_table(kind));
    }
    out
}

/// `# field = default  # unit, range [tag]: meaning`, for a parameter left at its default.
fn commented(p: &Param) -> String {
    match p.default.to_toml() {
        Some(v) => format!("# {} = {}{}\n", p.field(), v, note(p)),
        None => String::new(),
    }
}

/// `  # unit, min to max [tag]: meaning` after a value.
fn note(p: &Param) -> String {
    let range = p
        .range
        .map(|r| {
            format!(
                ", {} to {}",
                crate::text::number(r.min),
                crate::text::number(r.max)
            )
        })
        .unwrap_or_default();
    let unit = if p.unit.is_empty() { "-" } else { p.unit };
    let tag = match p.tag.label() {
        "-" => String::new(),
        t => format!(" {t}"),
    };
    format!("  # {unit}{range}{tag}: {}", p.meaning)
}

/// A `[[policy]]` table of `kind` in force over the whole run, every parameter at its
/// default, each with its note.
fn policy_table(kind: &str) -> String {
    let summary = crate::policy::doc::find(kind).map_or("", |k| k.summary);
    let mut out = format!("\n# {summary}\n[[policy]]\nkind = {kind:?}\n");
    let defaults = crate::policy::doc::defaults(kind);
    for p in params::of_kind(kind) {
        let value = match p.field() {
            "start" => toml::Value::Integer(START.into()),
            "end" => toml::Value::Integer(END.into()),
            field => match defaults.get(field).or(p.default.to_toml().as_ref()) {
                Some(v) => v.clone(),
                None => continue,
            },
        };
        out.push_str(&format!("{} = {}{}\n", p.field(), inline(&value), note(p)));
    }
    out
}

/// A value on one line (a table as an inline table).
fn inline(v: &toml::Value) -> String {
    match v {
        toml::Value::Table(t) if t.is_empty() => "{}".into(),
        toml::Value::Table(t) => {
            let items: Vec<String> = t
                .iter()
                .map(|(k, v)| format!("{k} = {}", inline(v)))
                .collect();
            format!("{{ {} }}", items.join(", "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn valid(text: &str) {
        if let Err(e) = crate::scenario::parse(text, "new.toml", Path::new(".")) {
            panic!("{e}\n{text}");
        }
    }

    #[test]
    fn a_scenario_without_policies_validates_as_written() {
        let text = scaffold("mine", &[]);
        valid(&text);
        assert!(text.contains("# migration_rate = "), "{text}");
    }

    #[test]
    fn every_policy_kind_validates_as_written() {
        for k in crate::policy::KINDS {
            let text = scaffold("one", &[k.name]);
            valid(&text);
            assert!(text.contains(&format!("kind = {:?}", k.name)));
            for p in params::of_kind(k.name) {
                assert!(
                    p.default.to_toml().is_none() && !matches!(p.field(), "start" | "end")
                        || text.contains(&format!("\n{} = ", p.field())),
                    "{}: {} missing",
                    k.name,
                    p.name
                );
            }
        }
    }
}

//! Dotted-path overrides of a scenario document: `behaviour.migration_rate`,
//! `policy.0.hazard_multiplier`, `scenario.scale`. A sweep changes scenarios only through
//! these, applied to the scenario's TOML before it is checked, so an override is refused
//! by exactly the rules (unknown keys, ranges, city names) that refuse a scenario file;
//! keys into parameter tables are first checked against the parameter registry, so a
//! misspelt parameter is named with the nearest one.

use toml::{Table, Value};

/// One `key = value` a sweep sets, and where in the sweep file it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// The dotted path, e.g. `policy.0.hazard_multiplier`.
    pub key: String,
    pub value: Value,
    /// Where the sweep file says it, for messages: `[set]`, `axis[0]`, `variant[1] ("strong")`.
    pub source: String,
    /// Scenario names it applies to; empty means every scenario.
    pub only: Vec<String>,
}

impl Override {
    pub fn applies_to(&self, scenario: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|s| s == scenario)
    }
}

/// Keys a sweep owns or that would break the run layout: the name is the scenario's
/// partition and the replicate is the sweep's own axis.
const RESERVED: [&str; 3] = ["scenario.name", "scenario.replicate", "manifest"];

/// Checks that `key` names a parameter of the registry (`crate::params`) where it points
/// into `[behaviour]`, `[trends]` or a `[[policy]]` table of `doc` (of the kind that
/// table has), so an unknown name is refused with the nearest valid one. Other keys
/// (`scenario.x`, a policy index `doc` lacks) are left to [`apply`] and to the checks
/// of the scenario.
pub fn check_key(doc: &Table, key: &str) -> Result<(), String> {
    let segments: Vec<&str> = key.split('.').collect();
    match segments.as_slice() {
        [table @ ("behaviour" | "trends"), ..] => check_table_key(table, key),
        ["reference", ..] => check_reference_key(key),
        ["policy", index, field, ..] => match policy_kind(doc, index) {
            Some(kind) => check_policy_key(&kind, index, field),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

/// `reference.X` for a lever X of [`crate::scenario::Reference`].
fn check_reference_key(key: &str) -> Result<(), String> {
    let valid: Vec<String> = crate::scenario::Reference::LEVERS
        .iter()
        .map(|l| format!("reference.{l}"))
        .collect();
    if valid.iter().any(|v| v == key) {
        return Ok(());
    }
    Err(format!(
        "not a lever of [reference]; {}",
        crate::scenario::validate::suggest(key, valid.iter().map(String::as_str))
    ))
}

fn check_table_key(table: &str, key: &str) -> Result<(), String> {
    if crate::params::find(key).is_some() {
        return Ok(());
    }
    let valid: Vec<&str> = crate::params::of_table(table).map(|p| p.name).collect();
    Err(format!(
        "not a parameter; {}",
        crate::scenario::validate::suggest(key, valid)
    ))
}

/// The kind of the `index`th `[[policy]]` table of `doc`, if it has one.
fn policy_kind(doc: &Table, index: &str) -> Option<String> {
    let i: usize = index.parse().ok()?;
    let policy = doc.get("policy")?.as_array()?.get(i)?;
    Some(policy.get("kind")?.as_str()?.to_string())
}

fn check_policy_key(kind: &str, index: &str, field: &str) -> Result<(), String> {
    if field == "kind" {
        return Err(format!(
            "a sweep sets a policy's parameters, not its kind: give each kind its own scenario (policy {index} is {kind})"
        ));
    }
    if crate::params::of_policy(kind, field).is_some() {
        return Ok(());
    }
    let valid: Vec<String> = crate::params::of_kind(kind)
        .map(|p| format!("policy.{index}.{}", p.field()))
        .collect();
    let key = format!("policy.{index}.{field}");
    Err(format!(
        "not a parameter of {kind}; {}",
        crate::scenario::validate::suggest(&key, valid.iter().map(String::as_str))
    ))
}

/// Sets `key` to `value` in `doc`, creating missing tables on the way. Lists are indexed
/// by number (`policy.0`) and must already hold that element.
pub fn apply(doc: &mut Table, key: &str, value: &Value) -> Result<(), String> {
    if let Some(r) = RESERVED
        .iter()
        .find(|r| key == **r || key.starts_with(&format!("{r}.")))
    {
        return Err(format!(
            "`{r}` cannot be overridden: a sweep sets it for each run"
        ));
    }
    let segments: Vec<&str> = key.split('.').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(
            "a dotted path has no empty parts: write e.g. `behaviour.migration_rate`".into(),
        );
    }
    let mut root = Value::Table(std::mem::take(doc));
    let result = set_path(&mut root, &segments, value);
    if let Value::Table(t) = root {
        *doc = t;
    }
    result
}

fn set_path(root: &mut Value, segments: &[&str], value: &Value) -> Result<(), String> {
    let mut cur = root;
    for (i, seg) in segments.iter().enumerate() {
        let here = segments[..i].join(".");
        let last = i + 1 == segments.len();
        cur = match cur {
            Value::Table(t) => {
                if last {
                    t.insert((*seg).to_string(), value.clone());
                    return Ok(());
                }
                if !t.contains_key(*seg) && segments[i + 1].parse::<usize>().is_ok() {
                    let at = joined(&here, seg);
                    return Err(format!(
                        "the scenario has no `{at}` list, so it has no element {}",
                        segments[i + 1]
                    ));
                }
                t.entry((*seg).to_string())
                    .or_insert_with(|| Value::Table(Table::new()))
            }
            Value::Array(a) => {
                let n = a.len();
                let idx = seg.parse::<usize>().map_err(|_| {
                    format!("`{here}` is a list: index it with a number, e.g. `{here}.0`")
                })?;
                let slot = a.get_mut(idx).ok_or_else(|| match n {
                    0 => format!("`{here}` is an empty list: it has no element {idx}"),
                    _ => format!(
                        "`{here}` has {n} elements (0 to {}): no element {idx}",
                        n - 1
                    ),
                })?;
                if last {
                    *slot = value.clone();
                    return Ok(());
                }
                slot
            }
            _ => return Err(format!("`{here}` is a value, not a table")),
        };
    }
    Ok(())
}

fn joined(prefix: &str, seg: &str) -> String {
    if prefix.is_empty() {
        seg.to_string()
    } else {
        format!("{prefix}.{seg}")
    }
}

/// A table of overrides as dotted paths: `{ behaviour = { migration_rate = 0.1 } }` and
/// `{ "behaviour.migration_rate" = 0.1 }` both give `behaviour.migration_rate`, so a user
/// may quote the key or let TOML's own dotted keys nest it.
pub fn flatten(table: &Table) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    flatten_into("", table, &mut out);
    out
}

fn flatten_into(prefix: &str, table: &Table, out: &mut Vec<(String, Value)>) {
    for (k, v) in table {
        let key = joined(prefix, k);
        match v {
            Value::Table(t) if !t.is_empty() => flatten_into(&key, t, out),
            _ => out.push((key, v.clone())),
        }
    }
}

/// A value as it appears in a variant name: filesystem-safe and free of `=` and `/`, so
/// it can stand in a hive partition directory (`variant=migration_rate-0.04`).
pub fn value_label(v: &Value) -> Option<String> {
    let raw = match v {
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Boolean(b) => b.to_string(),
        Value::String(s) => s.clone(),
        Value::Datetime(d) => d.to_string(),
        Value::Array(a) => {
            let parts: Option<Vec<String>> = a.iter().map(value_label).collect();
            parts?.join("+")
        }
        Value::Table(_) => return None,
    };
    Some(safe_name(&raw))
}

/// Keeps ASCII letters, digits, `.`, `_`, `-` and `+`; anything else becomes `_`.
pub fn safe_name(raw: &str) -> String {
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-+".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Table {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn sets_nested_keys_and_list_elements() {
        let mut d = doc("[scenario]\nname = \"x\"\n[[policy]]\nkind = \"a\"\nk = 1.0\n");
        apply(&mut d, "behaviour.migration_rate", &Value::Float(0.1)).unwrap();
        apply(&mut d, "policy.0.k", &Value::Float(2.0)).unwrap();
        assert_eq!(d["behaviour"]["migration_rate"].as_float(), Some(0.1));
        assert_eq!(d["policy"][0]["k"].as_float(), Some(2.0));
    }

    #[test]
    fn refuses_paths_that_name_nothing() {
        let mut d = doc("[scenario]\nname = \"x\"\n[[policy]]\nkind = \"a\"\n");
        let e = apply(&mut d, "policy.3.k", &Value::Integer(1)).unwrap_err();
        assert!(e.contains("1 elements (0 to 0): no element 3"), "{e}");
        let e = apply(&mut d, "trends.0.k", &Value::Integer(1)).unwrap_err();
        assert!(e.contains("no `trends` list"), "{e}");
        let e = apply(&mut d, "scenario.name.x", &Value::Integer(1)).unwrap_err();
        assert!(e.contains("cannot be overridden"), "{e}");
        let e = apply(&mut d, "policy.kind", &Value::Integer(1)).unwrap_err();
        assert!(e.contains("index it with a number"), "{e}");
        let e = apply(&mut d, "behaviour..x", &Value::Integer(1)).unwrap_err();
        assert!(e.contains("no empty parts"), "{e}");
    }

    #[test]
    fn keys_are_checked_against_the_registry() {
        let d = doc(
            "[scenario]\nname = \"x\"\n[[policy]]\nkind = \"growth_pole\"\nstart = 2020\nend = 2030\n",
        );
        for ok in [
            "behaviour.migration_rate",
            "trends.firm_growth",
            "scenario.scale",
            "policy.0.amenity",
            "policy.0.end",
            "policy.0.cities",
            "policy.3.amenity",
        ] {
            assert_eq!(check_key(&d, ok), Ok(()), "{ok}");
        }
        let e = check_key(&d, "behaviour.migraton_rate").unwrap_err();
        assert!(
            e.starts_with("not a parameter; did you mean `behaviour.migration_rate`?"),
            "{e}"
        );
        assert_eq!(check_key(&d, "reference.hukou_barrier"), Ok(()));
        let e = check_key(&d, "reference.hukou_barier").unwrap_err();
        assert!(
            e.starts_with("not a lever of [reference]; did you mean `reference.hukou_barrier`?"),
            "{e}"
        );
        let e = check_key(&d, "trends.firm_growth.x").unwrap_err();
        assert!(e.contains("did you mean `trends.firm_growth`?"), "{e}");
        let e = check_key(&d, "policy.0.amenty").unwrap_err();
        assert!(
            e.starts_with("not a parameter of growth_pole; did you mean `policy.0.amenity`?"),
            "{e}"
        );
        assert!(e.contains("policy.0.ramp_years"), "{e}");
        assert!(
            check_key(&d, "policy.0.kind")
                .unwrap_err()
                .contains("not its kind")
        );
    }

    #[test]
    fn labels_are_filesystem_safe() {
        let v: Value =
            toml::from_str::<Table>("v = [\"Beijing\", \"Xiong'an\"]").unwrap()["v"].clone();
        assert_eq!(value_label(&v).unwrap(), "Beijing+Xiong_an");
        assert_eq!(value_label(&Value::Float(0.04)).unwrap(), "0.04");
        assert_eq!(
            value_label(&Value::String("a/b=c".into())).unwrap(),
            "a_b_c"
        );
    }
}

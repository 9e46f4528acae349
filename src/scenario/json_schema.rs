//! JSON Schemas (draft 2020-12) of the input files, for editors: Taplo and VS Code's
//! Even Better TOML complete keys and flag wrong ones as a user types. They are made
//! from the validator's own model of each file (`validate::shape`: keys, types,
//! required keys and integer ranges, read from the types that parse the files), so a
//! schema cannot accept a key the parser refuses; the registry adds each parameter's
//! range, default, unit and meaning, and each policy kind is one branch keyed by `kind`.
//! The checks of meaning (a window inside the run, names a region has) stay with
//! `relocsim validate`.

use serde_json::{Map, Value, json};

use super::validate::shape::{self, Shape};
use crate::params::{self, Param};

/// The input files a schema is printed for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Scenario,
    Sweep,
    Calibration,
}

const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The schema of `kind`, as JSON.
pub fn schema(kind: Kind) -> Value {
    let (shape, name) = match kind {
        Kind::Scenario => (shape::scenario(), "scenario"),
        Kind::Sweep => (shape::sweep(), "sweep"),
        Kind::Calibration => (shape::calibration(), "calibration"),
    };
    let mut v = json_of(shape, "");
    let o = v.as_object_mut().expect("a file is a table");
    o.insert("$schema".into(), DRAFT.into());
    let id = format!("https://relocsim.invalid/schema/{name}.json");
    o.insert("$id".into(), id.into());
    o.insert("title".into(), format!("relocsim {name}").into());
    v
}

/// What the parser's types say nothing about: the name's characters, the scale's range.
fn extra(path: &str) -> Option<Value> {
    Some(match path {
        "scenario.name" => {
            json!({ "pattern": crate::scenario::name_pattern(), "maxLength": crate::scenario::MAX_NAME_LEN,
            "description": "names the output directory: letters, digits, '-', '_' and '.', not starting with '.'" })
        }
        "scenario.scale" | "calibration.scale" => json!({ "exclusiveMinimum": 0, "maximum": 100,
            "description": "agents per real person and firm (1: the whole region)" }),
        "sweep.include_default" => json!({ "default": true,
            "description": "with [[variant]] tables, also run each scenario unmodified (variant `default`)" }),
        "calibration.parameter.name" => json!({
            "description": "a registry name (relocsim params) or a dotted path such as policy.0.hazard_multiplier" }),
        _ => return None,
    })
}

/// `shape` at `path` (dotted, without list indices) as a JSON Schema.
fn json_of(shape: &Shape, path: &str) -> Value {
    let at = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    let mut v = match shape {
        Shape::Table(keys, required) => {
            let props: Map<String, Value> = keys
                .iter()
                .map(|(k, s)| (k.clone(), json_of(s, &at(k))))
                .collect();
            json!({ "type": "object", "properties": props, "required": required,
                    "additionalProperties": false })
        }
        Shape::Tables(inner) => json!({ "type": "array", "items": json_of(inner, path) }),
        Shape::Policies => policies(),
        Shape::List(inner) => json!({ "type": "array", "items": json_of(inner, path) }),
        Shape::Map(inner) => {
            json!({ "type": "object", "additionalProperties": json_of(inner, path) })
        }
        Shape::Either(a, b) => json!({ "anyOf": [json_of(a, path), json_of(b, path)] }),
        Shape::Integer(range) => {
            let (lo, hi) = range.unwrap_or((i128::from(i64::MIN), i128::from(i64::MAX)));
            json!({ "type": "integer", "minimum": lo as f64, "maximum": hi as f64 })
        }
        Shape::Number => json!({ "type": "number" }),
        Shape::Text => json!({ "type": "string" }),
        Shape::Boolean => json!({ "type": "boolean" }),
        Shape::Any => json!({}),
    };
    if let Some(p) = params::find(path) {
        document(&mut v, p);
    }
    if let (Some(o), Some(Value::Object(more))) = (v.as_object_mut(), extra(path)) {
        o.extend(more);
    }
    v
}

/// A parameter's unit and meaning as the description, its default, and for a number
/// its range (integers have theirs from the shape).
fn document(v: &mut Value, p: &Param) {
    let Some(o) = v.as_object_mut() else { return };
    let unit = if p.unit.is_empty() { "-" } else { p.unit };
    let description = format!("{} ({unit}, {}): {}", p.field(), p.tag.label(), p.meaning);
    o.insert("description".into(), description.into());
    if let (Some(r), Some("number")) = (p.range, o.get("type").and_then(Value::as_str)) {
        o.insert("minimum".into(), json!(r.min));
        o.insert("maximum".into(), json!(r.max));
    }
    if let Some(d) = p
        .default
        .to_toml()
        .and_then(|d| serde_json::to_value(d).ok())
    {
        o.insert("default".into(), d);
    }
}

/// `[[policy]]` tables: `kind` is one of the kinds, and the other keys are that kind's,
/// one if/then branch a kind.
fn policies() -> Value {
    let names: Vec<&str> = crate::policy::KINDS.iter().map(|k| k.name).collect();
    let branches: Vec<Value> = (crate::policy::KINDS.iter())
        .map(|k| {
            let mut then = json_of(shape::policy(k), "policy");
            for (field, v) in then["properties"].as_object_mut().into_iter().flatten() {
                if let Some(p) = params::of_policy(k.name, field) {
                    document(v, p);
                }
            }
            then["properties"]["kind"] = json!({ "const": k.name, "description": k.summary });
            json!({ "if": { "properties": { "kind": { "const": k.name } }, "required": ["kind"] },
                    "then": then })
        })
        .collect();
    json!({ "type": "array", "items": {
        "type": "object",
        "required": ["kind"],
        "properties": { "kind": { "enum": names } },
        "allOf": branches,
    }})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registry_parameter_is_in_the_scenario_schema() {
        let s = schema(Kind::Scenario);
        for p in params::of_table("behaviour") {
            let prop = &s["properties"]["behaviour"]["properties"][p.field()];
            assert!(prop.is_object(), "{}", p.name);
            if let Some(r) = p.range {
                assert_eq!(prop["minimum"], json!(r.min), "{}", p.name);
            }
        }
        let branches = s["properties"]["policy"]["items"]["allOf"]
            .as_array()
            .unwrap();
        assert_eq!(branches.len(), crate::policy::KINDS.len());
    }
}

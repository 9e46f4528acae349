//! JSON Schemas (draft 2020-12) of the input files, for editors: Taplo and VS Code's
//! Even Better TOML complete keys and flag wrong ones as a user types. Every parameter
//! (its type, range, default, unit and meaning) comes from the registry, and each
//! policy kind is one branch keyed by `kind`; the tables around them mirror the types
//! that read the files (`Run`, the sweep and calibration files), which refuse unknown
//! keys as the schemas do. The checks of meaning (a window inside the run, names a
//! region has) stay with `relocsim validate`.

use serde_json::{Map, Value, json};

use crate::params::{self, DefaultValue, Param};

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
    match kind {
        Kind::Scenario => scenario(),
        Kind::Sweep => sweep(),
        Kind::Calibration => calibration(),
    }
}

fn object(properties: Map<String, Value>, required: &[&str]) -> Value {
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// One parameter: its type and range, with its unit and meaning as the description.
fn param(p: &Param) -> Value {
    let description = format!(
        "{} ({}, {}): {}",
        p.field(),
        p.unit,
        p.tag.label(),
        p.meaning
    );
    let mut v = match p.default {
        DefaultValue::Number(_) => json!({ "type": "number" }),
        DefaultValue::Integer(_) => json!({ "type": "integer" }),
        DefaultValue::Bool(_) => json!({ "type": "boolean" }),
        DefaultValue::Names(_) => json!({ "type": "array", "items": { "type": "string" } }),
        DefaultValue::EmptyTable => json!({
            "type": "object",
            "additionalProperties": { "type": "number" },
        }),
        // Set in every table: a year for the window, else any scalar.
        DefaultValue::Required if p.unit == "year" => json!({ "type": "integer" }),
        DefaultValue::Required => json!({}),
    };
    let o = v.as_object_mut().expect("built as an object");
    o.insert("description".into(), description.into());
    if let Some(r) = p.range {
        let bounds = match o.get_mut("additionalProperties") {
            Some(Value::Object(inner)) => inner,
            _ => o,
        };
        bounds.insert("minimum".into(), json!(r.min));
        bounds.insert("maximum".into(), json!(r.max));
    }
    if let Some(d) = p.default.to_toml() {
        let d = serde_json::to_value(d).unwrap_or(Value::Null);
        v.as_object_mut()
            .expect("object")
            .insert("default".into(), d);
    }
    v
}

fn params_of(table: &str) -> Value {
    let props: Map<String, Value> = params::of_table(table)
        .map(|p| (p.field().to_string(), param(p)))
        .collect();
    object(props, &[])
}

fn policy(kind: &str) -> Value {
    let mut props: Map<String, Value> = params::of_kind(kind)
        .map(|p| (p.field().to_string(), param(p)))
        .collect();
    let summary = crate::policy::doc::find(kind).map_or("", |k| k.summary);
    props.insert(
        "kind".into(),
        json!({ "const": kind, "description": summary }),
    );
    let mut v = object(props, &["kind", "start", "end"]);
    v["if"] = json!({ "properties": { "kind": { "const": kind } }, "required": ["kind"] });
    v
}

fn run_table() -> Value {
    let props = json!({
        "name": { "type": "string", "pattern": "^[A-Za-z0-9._-]+$", "maxLength": 100,
                  "description": "names the output directory: letters, digits, '-', '_' and '.'" },
        "description": { "type": "string" },
        "start_year": { "type": "integer", "minimum": 1900, "maximum": 2500, "default": 2020,
                        "description": "a base year of the region data" },
        "end_year": { "type": "integer", "minimum": 1900, "maximum": 2500, "default": 2035 },
        "seed": { "type": "integer", "minimum": 0, "maximum": i64::MAX, "default": 20200101 },
        "replicate": { "type": "integer", "minimum": 0, "maximum": u32::MAX, "default": 0 },
        "scale": { "type": "number", "exclusiveMinimum": 0, "maximum": 100, "default": 0.01,
                   "description": "agents per real person and firm (1: the whole region)" },
        "region": { "type": "string", "description": "a region file, relative to the scenario file" },
    });
    object(props.as_object().cloned().unwrap_or_default(), &["name"])
}

fn scenario() -> Value {
    let levers: Map<String, Value> = crate::scenario::Reference::LEVERS
        .iter()
        .filter_map(|f| params::find(&format!("behaviour.{f}")).map(|p| (f.to_string(), param(p))))
        .collect();
    let kinds: Vec<Value> = crate::policy::KINDS
        .iter()
        .map(|k| policy(k.name))
        .collect();
    let names: Vec<&str> = crate::policy::KINDS.iter().map(|k| k.name).collect();
    let policy_item = json!({
        "type": "object",
        "required": ["kind"],
        "properties": { "kind": { "enum": names } },
        "allOf": kinds.iter().map(|k| json!({
            "if": k["if"],
            "then": { "properties": k["properties"], "required": k["required"], "additionalProperties": false },
        })).collect::<Vec<_>>(),
    });
    json!({
        "$schema": DRAFT,
        "$id": "https://relocsim.invalid/schema/scenario.json",
        "title": "relocsim scenario",
        "type": "object",
        "properties": {
            "scenario": run_table(),
            "behaviour": params_of("behaviour"),
            "trends": params_of("trends"),
            "reference": object(levers, &[]),
            "policy": { "type": "array", "items": policy_item },
            "region": { "type": "object", "description": "the region inline, as a manifest holds it" },
            "manifest": { "type": "object", "description": "a run's manifest: ignored as input" },
        },
        "required": ["scenario"],
        "additionalProperties": false,
    })
}

fn overrides() -> Value {
    json!({ "type": "object", "description": "dotted keys into the scenario file, e.g. \"behaviour.migration_rate\"" })
}

fn sweep() -> Value {
    let entry = json!({ "oneOf": [
        { "type": "string", "description": "a scenario file, relative to the sweep file" },
        object(json!({ "file": { "type": "string" }, "set": overrides() }).as_object().cloned().unwrap_or_default(), &["file"]),
    ]});
    let scenarios = json!({ "type": "array", "items": { "type": "string" },
                            "description": "only these scenarios (by name) take it; empty: all" });
    let table = json!({
        "name": { "type": "string" },
        "scenarios": { "type": "array", "items": entry, "minItems": 1 },
        "replicates": { "type": "integer", "minimum": 1, "default": 1 },
        "baseline": { "type": "string" },
        "posterior": { "type": "string", "description": "a calibration's posterior.parquet" },
        "include_default": { "type": "boolean", "default": true,
                             "description": "with [[variant]] tables, also run each scenario unmodified (variant `default`)" },
    });
    let axis = json!({ "key": { "type": "string" }, "values": { "type": "array", "minItems": 1 }, "scenarios": scenarios });
    let variant =
        json!({ "name": { "type": "string" }, "set": overrides(), "scenarios": scenarios });
    let props = json!({
        "sweep": object(table.as_object().cloned().unwrap_or_default(), &["scenarios"]),
        "set": overrides(),
        "axis": { "type": "array", "items": object(axis.as_object().cloned().unwrap_or_default(), &["key", "values"]) },
        "variant": { "type": "array", "items": object(variant.as_object().cloned().unwrap_or_default(), &["name"]) },
    });
    let mut v = object(props.as_object().cloned().unwrap_or_default(), &["sweep"]);
    let o = v.as_object_mut().expect("object");
    o.insert("$schema".into(), DRAFT.into());
    o.insert(
        "$id".into(),
        "https://relocsim.invalid/schema/sweep.json".into(),
    );
    o.insert("title".into(), "relocsim sweep".into());
    v
}

fn calibration() -> Value {
    let settings = json!({
        "name": { "type": "string" },
        "scenario": { "type": "string" },
        "targets": { "type": "string" },
        "scale": { "type": "number", "exclusiveMinimum": 0, "maximum": 1 },
        "replicates": { "type": "integer", "minimum": 1 },
        "seed": { "type": "integer", "minimum": 0 },
        "particles": { "type": "integer", "minimum": 1 },
        "generations": { "type": "integer", "minimum": 1 },
        "acceptance": { "type": "number", "exclusiveMinimum": 0, "maximum": 1, "default": 0.5 },
    });
    let names: Vec<&str> = params::all()
        .filter(|p| p.range.is_some())
        .map(|p| p.name)
        .collect();
    let parameter = json!({
        "name": { "type": "string", "pattern": "^(behaviour|trends|policy)\\.", "examples": names,
                  "description": "a registry name (relocsim params) or a dotted path such as policy.0.hazard_multiplier" },
        "min": { "type": "number" },
        "max": { "type": "number" },
        "prior_mean": { "type": "number" },
        "prior_sd": { "type": "number", "exclusiveMinimum": 0 },
    });
    let required = [
        "name",
        "scenario",
        "targets",
        "scale",
        "replicates",
        "seed",
        "particles",
        "generations",
    ];
    let props = json!({
        "calibration": object(settings.as_object().cloned().unwrap_or_default(), &required),
        "parameter": { "type": "array", "items": object(parameter.as_object().cloned().unwrap_or_default(), &["name", "min", "max"]) },
    });
    let mut v = object(
        props.as_object().cloned().unwrap_or_default(),
        &["calibration"],
    );
    let o = v.as_object_mut().expect("object");
    o.insert("$schema".into(), DRAFT.into());
    o.insert(
        "$id".into(),
        "https://relocsim.invalid/schema/calibration.json".into(),
    );
    o.insert("title".into(), "relocsim calibration".into());
    v
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

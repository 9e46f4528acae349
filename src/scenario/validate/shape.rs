//! What each file may hold: its keys, their types, which are required and the valid
//! range of every integer. Most of it is read from the types themselves (their
//! serialised defaults and the policy catalogue) and the parameter registry (policy
//! integers' ranges, required keys), so it cannot drift from the parser; the integer
//! ranges of the scenario and region tables are written here, because a serialised
//! default does not say whether its field is a `u8` or an `i64`, nor which years or
//! counts make sense.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use crate::params;
use crate::policy::{self, doc};
use crate::region::{self, RegionSpec};
use crate::scenario::{Behaviour, FIRST_YEAR, LAST_YEAR, Reference, Run, Trends};

/// The smallest and largest value an integer key accepts.
pub type IntRange = (i128, i128);

/// What a key may hold.
#[derive(Clone, Debug)]
pub enum Shape {
    /// Keys with their shapes, and the keys that must be present.
    Table(BTreeMap<String, Shape>, BTreeSet<String>),
    /// An array of tables (`[[city]]`, `[[axis]]`), each of the inner shape.
    Tables(Box<Shape>),
    /// `[[policy]]` tables: the keys depend on `kind`.
    Policies,
    List(Box<Shape>),
    /// A table whose keys the user chooses (city -> cap, override path -> value).
    Map(Box<Shape>),
    /// Either shape, whichever the value's type fits (a sweep's scenario entries).
    Either(Box<Shape>, Box<Shape>),
    /// An integer in its range; `None` only until a range is set (a test checks).
    Integer(Option<IntRange>),
    Number,
    Text,
    Boolean,
    /// Anything (the `[manifest]` table of a run's manifest).
    Any,
}

const YEARS: IntRange = (FIRST_YEAR as i128, LAST_YEAR as i128);

/// Persons, firms and capacities (see [`params::MAX_COUNT`]).
pub const MAX_COUNT: i128 = params::MAX_COUNT as i128;

/// Integer keys of a scenario. The seed stops at i64::MAX because a run's manifest
/// writes it back as a TOML integer, which cannot hold more.
const SCENARIO_INTEGERS: [(&str, IntRange); 4] = [
    ("scenario.start_year", YEARS),
    ("scenario.end_year", YEARS),
    ("scenario.seed", (0, i64::MAX as i128)),
    ("scenario.replicate", (0, u32::MAX as i128)),
];

const REGION_INTEGERS: [(&str, IntRange); 6] = [
    ("base_year", YEARS),
    ("vital_rates.year", YEARS),
    ("city.population", (1, MAX_COUNT)),
    ("city.firms", (0, MAX_COUNT)),
    ("city.capacity", (1, MAX_COUNT)),
    ("city.population_cap", (1, MAX_COUNT)),
];

fn shape_of(v: &toml::Value) -> Shape {
    match v {
        // An empty table in a sample is a map keyed by the user (city -> value).
        toml::Value::Table(t) if t.is_empty() => Shape::Any,
        toml::Value::Table(t) => Shape::Table(
            t.iter().map(|(k, v)| (k.clone(), shape_of(v))).collect(),
            BTreeSet::new(),
        ),
        toml::Value::Array(a) if a.iter().all(|x| x.is_table()) && !a.is_empty() => {
            Shape::Tables(Box::new(
                a.iter()
                    .map(shape_of)
                    .fold(Shape::Table(BTreeMap::new(), BTreeSet::new()), merge),
            ))
        }
        toml::Value::Array(a) => Shape::List(Box::new(a.first().map_or(Shape::Any, shape_of))),
        toml::Value::Integer(_) => Shape::Integer(None),
        toml::Value::Float(_) => Shape::Number,
        toml::Value::String(_) => Shape::Text,
        toml::Value::Boolean(_) => Shape::Boolean,
        toml::Value::Datetime(_) => Shape::Any,
    }
}

/// Union of two table shapes (optional keys appear in some samples only).
fn merge(a: Shape, b: Shape) -> Shape {
    match (a, b) {
        (Shape::Table(mut x, r), Shape::Table(y, _)) => {
            for (k, v) in y {
                x.entry(k).or_insert(v);
            }
            Shape::Table(x, r)
        }
        (a, _) => a,
    }
}

fn table_shape<T: serde::Serialize>(sample: &T) -> Shape {
    shape_of(&toml::Value::try_from(sample).expect("schema samples serialise"))
}

/// Sets the range of the integer at `path` (dotted; arrays of tables are passed through).
fn set_range(shape: &mut Shape, path: &str, range: IntRange) {
    let mut cur = shape;
    for part in path.split('.') {
        while let Shape::Tables(inner) = cur {
            cur = inner;
        }
        let Shape::Table(t, _) = cur else {
            panic!("{path}: not a table on the way");
        };
        cur = t
            .get_mut(part)
            .unwrap_or_else(|| panic!("{path}: no such key"));
    }
    assert!(matches!(cur, Shape::Integer(_)), "{path}: not an integer");
    *cur = Shape::Integer(Some(range));
}

fn with_ranges(mut shape: Shape, ranges: &[(&str, IntRange)]) -> Shape {
    for (path, range) in ranges {
        set_range(&mut shape, path, *range);
    }
    shape
}

/// Marks every key of every table required, except the optional ones named.
fn require_all(shape: Shape, optional: &[&str]) -> Shape {
    match shape {
        Shape::Table(t, _) => {
            let required = t
                .keys()
                .filter(|k| !optional.contains(&k.as_str()))
                .cloned()
                .collect();
            Shape::Table(
                t.into_iter()
                    .map(|(k, v)| (k, require_all(v, optional)))
                    .collect(),
                required,
            )
        }
        Shape::Tables(inner) => Shape::Tables(Box::new(require_all(*inner, optional))),
        other => other,
    }
}

/// A region file, or a scenario's inline `[region]` table.
pub fn region() -> &'static Shape {
    static SHAPE: OnceLock<Shape> = OnceLock::new();
    SHAPE.get_or_init(|| {
        let mut spec: RegionSpec =
            toml::from_str(region::EMBEDDED_JJJ).expect("embedded region parses");
        for c in &mut spec.cities {
            c.population_cap.get_or_insert(1);
        }
        let shape = with_ranges(table_shape(&spec), &REGION_INTEGERS);
        let mut shape = require_all(
            shape,
            &[
                "population_cap",
                "new_area",
                "hinterland",
                "base",
                "vital_rates",
            ],
        );
        if let Shape::Table(t, _) = &mut shape {
            t.insert("base".into(), Shape::Tables(Box::new(base_shape())));
        }
        shape
    })
}

/// A `[[base]]` table: its year and every city's figures, keyed by city name.
fn base_shape() -> Shape {
    let count = |lo| Shape::Integer(Some((lo, MAX_COUNT)));
    let city = table(
        vec![
            ("population", count(1)),
            ("gdp_bn", Shape::Number),
            ("firms", count(0)),
        ],
        &["population", "gdp_bn", "firms"],
    );
    table(
        vec![
            ("year", Shape::Integer(Some(YEARS))),
            ("cities", Shape::Map(Box::new(city))),
        ],
        &["year", "cities"],
    )
}

/// A scenario file (a run's manifest is one too).
pub fn scenario() -> &'static Shape {
    static SHAPE: OnceLock<Shape> = OnceLock::new();
    SHAPE.get_or_init(|| {
        let run = Run {
            name: String::new(),
            description: String::new(),
            start_year: 0,
            end_year: 0,
            seed: 0,
            replicate: 0,
            scale: 0.0,
            region: Some(String::new()),
        };
        let mut top = BTreeMap::new();
        let mut run_shape = table_shape(&run);
        if let Shape::Table(_, required) = &mut run_shape {
            required.insert("name".into());
        }
        top.insert("scenario".into(), run_shape);
        top.insert("behaviour".into(), table_shape(&Behaviour::default()));
        top.insert("trends".into(), table_shape(&Trends::default()));
        let every_lever = Some(0.0);
        let reference = Reference {
            hukou_barrier: every_lever,
            distance_income_ratio: every_lever,
            migration_rate: every_lever,
            job_seeker_migration_rate: every_lever,
        };
        top.insert("reference".into(), table_shape(&reference));
        top.insert("policy".into(), Shape::Policies);
        top.insert("region".into(), region().clone());
        top.insert("manifest".into(), Shape::Any);
        let shape = Shape::Table(top, BTreeSet::from(["scenario".to_string()]));
        with_ranges(shape, &SCENARIO_INTEGERS)
    })
}

/// The keys and types of one policy kind: its window, its parameters and defaults.
pub fn policy(kind: &doc::KindDoc) -> &'static Shape {
    static SHAPES: OnceLock<BTreeMap<&'static str, Shape>> = OnceLock::new();
    let all = SHAPES.get_or_init(|| {
        policy::KINDS
            .iter()
            .map(|k| (k.name, build_policy(k)))
            .collect()
    });
    &all[kind.name]
}

/// The shape of an integer parameter of a kind, with its range from the registry.
fn policy_integer(kind: &str, key: &str) -> Shape {
    let range = params::of_policy(kind, key).and_then(|p| p.integer_range());
    Shape::Integer(Some(range.unwrap_or_else(|| {
        panic!("policy {kind}.{key}: no range in the parameter registry")
    })))
}

fn build_policy(kind: &doc::KindDoc) -> Shape {
    let mut t: BTreeMap<String, Shape> = BTreeMap::new();
    for (k, v) in doc::defaults(kind.name) {
        let shape = match shape_of(&v) {
            Shape::Integer(_) => policy_integer(kind.name, &k),
            // Lists with an empty default are lists of city or sector names.
            Shape::List(inner) if matches!(*inner, Shape::Any) => {
                Shape::List(Box::new(Shape::Text))
            }
            // An empty table is keyed by city: caps per city, in persons.
            Shape::Any if v.is_table() => Shape::Map(Box::new(policy_integer(kind.name, &k))),
            other => other,
        };
        t.insert(k, shape);
    }
    let mut required: BTreeSet<String> = ["kind".to_string()].into();
    for p in params::of_kind(kind.name) {
        if p.default == params::DefaultValue::Required {
            t.insert(p.field().to_string(), policy_integer(kind.name, p.field()));
            required.insert(p.field().to_string());
        }
    }
    t.insert("kind".into(), Shape::Text);
    Shape::Table(t, required)
}

fn table(keys: Vec<(&str, Shape)>, required: &[&str]) -> Shape {
    Shape::Table(
        keys.into_iter().map(|(k, s)| (k.to_string(), s)).collect(),
        required.iter().map(|s| s.to_string()).collect(),
    )
}

fn names() -> Shape {
    Shape::List(Box::new(Shape::Text))
}

fn overrides() -> Shape {
    Shape::Map(Box::new(Shape::Any))
}

/// A sweep file (see `batch::sweep`): written by hand, as its types only deserialise.
pub fn sweep() -> &'static Shape {
    static SHAPE: OnceLock<Shape> = OnceLock::new();
    SHAPE.get_or_init(|| {
        let entry = Shape::Either(
            Box::new(Shape::Text),
            Box::new(table(
                vec![("file", Shape::Text), ("set", overrides())],
                &["file"],
            )),
        );
        let header = table(
            vec![
                ("name", Shape::Text),
                ("scenarios", Shape::List(Box::new(entry))),
                ("replicates", Shape::Integer(Some((1, u32::MAX as i128)))),
                ("baseline", Shape::Text),
                ("posterior", Shape::Text),
                ("include_default", Shape::Boolean),
            ],
            &["scenarios"],
        );
        let axis = table(
            vec![
                ("key", Shape::Text),
                ("values", Shape::List(Box::new(Shape::Any))),
                ("scenarios", names()),
            ],
            &["key", "values"],
        );
        let variant = table(
            vec![
                ("name", Shape::Text),
                ("set", overrides()),
                ("scenarios", names()),
            ],
            &["name"],
        );
        table(
            vec![
                ("sweep", header),
                ("set", overrides()),
                ("axis", Shape::Tables(Box::new(axis))),
                ("variant", Shape::Tables(Box::new(variant))),
            ],
            &["sweep"],
        )
    })
}

/// A calibration file (see `calibrate`).
pub fn calibration() -> &'static Shape {
    static SHAPE: OnceLock<Shape> = OnceLock::new();
    SHAPE.get_or_init(|| {
        let settings = table(
            vec![
                ("name", Shape::Text),
                ("scenario", Shape::Text),
                ("targets", Shape::Text),
                ("scale", Shape::Number),
                ("replicates", Shape::Integer(Some((1, 10_000)))),
                ("seed", Shape::Integer(Some((0, i64::MAX as i128)))),
                ("particles", Shape::Integer(Some((1, 100_000)))),
                ("generations", Shape::Integer(Some((1, 1_000)))),
                ("acceptance", Shape::Number),
            ],
            &[
                "name",
                "scenario",
                "targets",
                "scale",
                "replicates",
                "seed",
                "particles",
                "generations",
            ],
        );
        let parameter = table(
            vec![
                ("name", Shape::Text),
                ("min", Shape::Number),
                ("max", Shape::Number),
                ("prior_mean", Shape::Number),
                ("prior_sd", Shape::Number),
            ],
            &["name", "min", "max"],
        );
        table(
            vec![
                ("calibration", settings),
                ("parameter", Shape::Tables(Box::new(parameter))),
            ],
            &["calibration"],
        )
    })
}

/// The keys that name a quantity of a run, as a target or a sensitivity output does.
fn quantity_keys() -> Vec<(&'static str, Shape)> {
    vec![
        ("quantity", Shape::Text),
        ("city", Shape::Text),
        ("sector", Shape::Text),
        ("from", names()),
        ("cause", Shape::Text),
        ("year", Shape::Integer(Some(YEARS))),
        ("years", Shape::List(Box::new(Shape::Integer(Some(YEARS))))),
    ]
}

/// A sensitivity study (see `sensitivity::study`).
pub fn sensitivity() -> &'static Shape {
    static SHAPE: OnceLock<Shape> = OnceLock::new();
    SHAPE.get_or_init(|| {
        let settings = table(
            vec![
                ("name", Shape::Text),
                ("scenarios", names()),
                ("method", Shape::Text),
                ("seed", Shape::Integer(Some((0, i64::MAX as i128)))),
                ("scale", Shape::Number),
                ("replicates", Shape::Integer(Some((1, 1_000)))),
                ("resamples", Shape::Integer(Some((0, 100_000)))),
                ("trajectories", Shape::Integer(Some((2, 100_000)))),
                ("levels", Shape::Integer(Some((2, 1_000)))),
                ("samples", Shape::Integer(Some((2, 1 << 24)))),
            ],
            &["name", "scenarios", "method", "seed", "scale"],
        );
        let parameter = table(
            vec![
                ("name", Shape::Text),
                ("min", Shape::Number),
                ("max", Shape::Number),
            ],
            &["name", "min", "max"],
        );
        let mut keys = vec![
            ("name", Shape::Text),
            ("scenario", Shape::Text),
            ("baseline", Shape::Text),
        ];
        keys.extend(quantity_keys());
        let output = table(keys, &["name", "scenario", "quantity"]);
        table(
            vec![
                ("sensitivity", settings),
                ("parameter", Shape::Tables(Box::new(parameter))),
                ("output", Shape::Tables(Box::new(output))),
            ],
            &["sensitivity"],
        )
    })
}

/// A targets file (see `targets`): the observed record a run is held against.
pub fn targets() -> &'static Shape {
    static SHAPE: OnceLock<Shape> = OnceLock::new();
    SHAPE.get_or_init(|| {
        let years = || Shape::List(Box::new(Shape::Integer(Some(YEARS))));
        let header = table(
            vec![
                ("name", Shape::Text),
                ("region", Shape::Text),
                ("fit", years()),
                ("holdout", years()),
            ],
            &["name", "fit", "holdout"],
        );
        let mut keys = vec![("id", Shape::Text)];
        keys.extend(quantity_keys());
        keys.extend([
            ("observed", Shape::Number),
            ("min", Shape::Number),
            ("max", Shape::Number),
            ("tag", Shape::Text),
            ("tolerance", Shape::Number),
            ("weight", Shape::Number),
            ("source", Shape::Text),
            ("note", Shape::Text),
        ]);
        let target = table(keys, &["id", "quantity", "tag", "tolerance", "source"]);
        table(
            vec![
                ("targets", header),
                ("target", Shape::Tables(Box::new(target))),
            ],
            &["targets"],
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Paths of integers whose range was never set.
    fn unset(shape: &Shape, path: &str, out: &mut Vec<String>) {
        match shape {
            Shape::Integer(None) => out.push(path.to_string()),
            Shape::Table(t, _) => {
                for (k, s) in t {
                    unset(s, &format!("{path}.{k}"), out);
                }
            }
            Shape::Tables(s) | Shape::List(s) | Shape::Map(s) => unset(s, path, out),
            Shape::Either(a, b) => {
                unset(a, path, out);
                unset(b, path, out);
            }
            _ => {}
        }
    }

    #[test]
    fn every_integer_key_has_a_range() {
        let mut out = Vec::new();
        unset(scenario(), "", &mut out);
        unset(sweep(), "", &mut out);
        for k in policy::KINDS {
            unset(policy(k), k.name, &mut out);
        }
        assert!(out.is_empty(), "integers without a range: {out:?}");
    }
}

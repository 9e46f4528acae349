//! Checking what users write by hand, before it is deserialised: every syntax error,
//! every unknown key (with the nearest valid one), every value of the wrong type, each
//! reported as FILE:LINE:COLUMN with its key path, all at once. Problems found later
//! by the semantic checks (ranges, city names, windows) are located the same way.
//!
//! The expected keys and types come from the types themselves (their serialised
//! defaults and the policy catalogue), so this check cannot drift from the parser.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use toml::de::{DeTable, DeValue};

use crate::policy::{self, doc};
use crate::region::{self, RegionSpec};
use crate::scenario::{Behaviour, Run, Trends};

/// What a key may hold.
#[derive(Clone, Debug)]
enum Shape {
    /// Keys with their shapes, and the keys that must be present.
    Table(BTreeMap<String, Shape>, BTreeSet<String>),
    /// An array of tables (`[[policy]]`, `[[city]]`), each of the inner shape.
    Tables(Box<Shape>),
    /// `[[policy]]` tables: the keys depend on `kind`.
    Policies,
    List(Box<Shape>),
    Integer,
    Number,
    Text,
    Boolean,
    /// Anything (the `[manifest]` table of a run's manifest).
    Any,
}

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
        toml::Value::Integer(_) => Shape::Integer,
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

/// Integers written where a float is expected are fine for a user ("scale = 1").
fn numbers_accept_integers(s: Shape) -> Shape {
    match s {
        Shape::Integer => Shape::Number,
        Shape::Table(t, r) => Shape::Table(
            t.into_iter()
                .map(|(k, v)| (k, numbers_accept_integers(v)))
                .collect(),
            r,
        ),
        Shape::Tables(t) => Shape::Tables(Box::new(numbers_accept_integers(*t))),
        Shape::List(t) => Shape::List(Box::new(numbers_accept_integers(*t))),
        other => other,
    }
}

fn region_shape() -> Shape {
    let mut spec: RegionSpec =
        toml::from_str(region::EMBEDDED_JJJ).expect("embedded region parses");
    for c in &mut spec.cities {
        c.population_cap.get_or_insert(1);
    }
    let mut shape = table_shape(&spec);
    // Counts are integers; everything else numeric may be written either way.
    if let Shape::Table(t, _) = &mut shape {
        for (k, v) in t.iter_mut() {
            if k != "city" && k != "base_year" {
                *v = numbers_accept_integers(v.clone());
            }
        }
    }
    require_all(shape, &["population_cap", "new_area", "hinterland"])
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

fn scenario_shape() -> Shape {
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
    if let Shape::Table(t, required) = &mut run_shape {
        t.insert("scale".into(), Shape::Number);
        required.insert("name".into());
    }
    top.insert("scenario".into(), run_shape);
    top.insert(
        "behaviour".into(),
        numbers_accept_integers(table_shape(&Behaviour::default())),
    );
    top.insert(
        "trends".into(),
        numbers_accept_integers(table_shape(&Trends::default())),
    );
    top.insert("policy".into(), Shape::Policies);
    top.insert("region".into(), region_shape());
    top.insert("manifest".into(), Shape::Any);
    Shape::Table(top, BTreeSet::from(["scenario".to_string()]))
}

/// The keys and types of one policy kind: its window, its parameters and defaults.
fn policy_shape(kind: &doc::KindDoc) -> Shape {
    let mut t: BTreeMap<String, Shape> = BTreeMap::new();
    for (k, v) in doc::defaults(kind.name) {
        t.insert(k, numbers_accept_integers(shape_of(&v)));
    }
    let mut required: BTreeSet<String> = ["kind", "start", "end"].map(String::from).into();
    for p in kind.params {
        if !t.contains_key(p.name) {
            t.insert(p.name.to_string(), Shape::Any);
            required.insert(p.name.to_string());
        }
    }
    for k in ["start", "end", "ramp_years"] {
        t.insert(k.into(), Shape::Integer);
    }
    t.insert("kind".into(), Shape::Text);
    Shape::Table(t, required)
}

/// A problem at a place in the text.
struct Found {
    at: usize,
    message: String,
}

/// Line and column (1-based) of a byte offset.
pub fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Edit distance, for "did you mean".
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// "did you mean `x`? valid keys: ..." for an unknown name.
pub fn suggest<'a>(name: &str, valid: impl IntoIterator<Item = &'a str>) -> String {
    let valid: Vec<&str> = valid.into_iter().collect();
    let best = valid
        .iter()
        .map(|v| (distance(name, v), *v))
        .min()
        .filter(|(d, v)| *d <= (v.len() / 3).max(2));
    let list = valid.join(", ");
    match best {
        Some((_, v)) => format!("did you mean `{v}`? valid: {list}"),
        None => format!("valid: {list}"),
    }
}

fn kind_name(v: &DeValue) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a number",
        DeValue::Boolean(_) => "true or false",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}

fn expected(shape: &Shape) -> &'static str {
    match shape {
        Shape::Table(..) => "a table",
        Shape::Tables(_) | Shape::Policies => "a list of tables ([[...]])",
        Shape::List(_) => "a list [...]",
        Shape::Integer => "an integer",
        Shape::Number => "a number",
        Shape::Text => "a string",
        Shape::Boolean => "true or false",
        Shape::Any => "anything",
    }
}

struct Walker {
    found: Vec<Found>,
}

impl Walker {
    fn push(&mut self, span: &Range<usize>, message: String) {
        self.found.push(Found {
            at: span.start,
            message,
        });
    }

    fn value(&mut self, path: &str, v: &DeValue, span: &Range<usize>, shape: &Shape) {
        let ok = match (shape, v) {
            (Shape::Any, _) => true,
            (Shape::Table(s, required), DeValue::Table(t)) => {
                self.table(path, t, s);
                self.missing(path, t, span, required);
                true
            }
            (Shape::Tables(s), DeValue::Array(a)) | (Shape::List(s), DeValue::Array(a)) => {
                for (i, item) in a.iter().enumerate() {
                    self.value(&format!("{path}[{i}]"), item.get_ref(), &item.span(), s);
                }
                true
            }
            (Shape::Policies, DeValue::Array(a)) => {
                for (i, item) in a.iter().enumerate() {
                    self.policy(&format!("{path}[{i}]"), item.get_ref(), &item.span());
                }
                true
            }
            (Shape::Integer, DeValue::Integer(_)) => true,
            (Shape::Number, DeValue::Integer(_) | DeValue::Float(_)) => true,
            (Shape::Text, DeValue::String(_)) => true,
            (Shape::Boolean, DeValue::Boolean(_)) => true,
            _ => false,
        };
        if !ok {
            self.push(
                span,
                format!(
                    "{path}: expected {}, found {}",
                    expected(shape),
                    kind_name(v)
                ),
            );
        }
    }

    fn table(&mut self, path: &str, t: &DeTable, shape: &BTreeMap<String, Shape>) {
        for (k, v) in t.iter() {
            let key: &str = k.get_ref();
            let full = if path.is_empty() {
                key.to_string()
            } else {
                format!("{path}.{key}")
            };
            match shape.get(key) {
                Some(s) => self.value(&full, v.get_ref(), &v.span(), s),
                None => {
                    let hint = suggest(key, shape.keys().map(String::as_str));
                    self.push(&k.span(), format!("{full}: unknown key; {hint}"));
                }
            }
        }
    }

    fn missing(
        &mut self,
        path: &str,
        t: &DeTable,
        span: &Range<usize>,
        required: &BTreeSet<String>,
    ) {
        for r in required {
            if !t.iter().any(|(k, _)| k.get_ref() == r.as_str()) {
                let full = if path.is_empty() {
                    r.clone()
                } else {
                    format!("{path}.{r}")
                };
                self.push(span, format!("{full}: missing; it has no default"));
            }
        }
    }

    fn policy(&mut self, path: &str, v: &DeValue, span: &Range<usize>) {
        let DeValue::Table(t) = v else {
            self.push(
                span,
                format!("{path}: expected a table, found {}", kind_name(v)),
            );
            return;
        };
        let kind = t.iter().find(|(k, _)| k.get_ref() == "kind");
        let Some((_, kv)) = kind else {
            self.push(
                span,
                format!("{path}: no `kind`; valid kinds: {}", kinds().join(", ")),
            );
            return;
        };
        let DeValue::String(name) = kv.get_ref() else {
            self.push(
                &kv.span(),
                format!(
                    "{path}.kind: expected a string, found {}",
                    kind_name(kv.get_ref())
                ),
            );
            return;
        };
        match doc::find(name) {
            Some(d) => self.value(path, v, span, &policy_shape(d)),
            None => {
                let hint = suggest(name, kinds());
                self.push(
                    &kv.span(),
                    format!("{path}.kind: unknown policy kind `{name}`; {hint}"),
                );
            }
        }
    }
}

fn kinds() -> Vec<&'static str> {
    policy::KINDS.iter().map(|k| k.name).collect()
}

fn format_found(text: &str, file: &str, mut found: Vec<Found>) -> Vec<String> {
    found.sort_by_key(|f| f.at);
    found
        .into_iter()
        .map(|f| {
            let (l, c) = line_col(text, f.at);
            format!("{file}:{l}:{c}: {}", f.message)
        })
        .collect()
}

fn check(text: &str, file: &str, shape: &Shape) -> Vec<String> {
    let (doc, errors) = DeTable::parse_recoverable(text);
    let mut w = Walker { found: Vec::new() };
    for e in &errors {
        let at = e.span().map_or(0, |s| s.start);
        w.found.push(Found {
            at,
            message: format!("syntax: {}", e.message()),
        });
    }
    if errors.is_empty() {
        let top = DeValue::Table(doc.get_ref().clone());
        w.value("", &top, &doc.span(), shape);
    }
    format_found(text, file, w.found)
}

/// Syntax, keys and types of a scenario file.
pub fn check_scenario(text: &str, file: &str) -> Vec<String> {
    check(text, file, &scenario_shape())
}

/// Syntax, keys and types of a region file.
pub fn check_region(text: &str, file: &str) -> Vec<String> {
    check(text, file, &region_shape())
}

/// Prefixes a semantic problem ("policy[0] (kind).field = ...: ...") with the line and
/// column of the deepest key of its path found in the text.
pub fn locate(text: &str, file: &str, problem: &str) -> String {
    let path = problem_path(problem);
    let Ok(doc) = DeTable::parse(text) else {
        return format!("{file}: {problem}");
    };
    match find(doc.get_ref(), &path) {
        Some(at) => {
            let (l, c) = line_col(text, at);
            format!("{file}:{l}:{c}: {problem}")
        }
        None => format!("{file}: {problem}"),
    }
}

/// The key path a problem message starts with: `policy[0] (kind).cities: ...` gives
/// ["policy", "0", "cities"].
fn problem_path(problem: &str) -> Vec<String> {
    let head = problem.split([':', ' ']).next().unwrap_or("");
    let head = if let Some(rest) = problem
        .strip_prefix(head)
        .and_then(|r| r.strip_prefix(" ("))
    {
        // "policy[0] (kind).field": drop the kind in parentheses.
        let tail = rest.split_once(')').map_or("", |(_, t)| t);
        format!("{head}{}", tail.split([':', ' ']).next().unwrap_or(""))
    } else {
        head.to_string()
    };
    head.replace('[', ".")
        .replace(']', "")
        .split('.')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// Byte offset of the deepest existing key along `path` below an array element.
fn find_item(items: &[toml::Spanned<DeValue>], path: &[String]) -> Option<usize> {
    let (idx, rest) = path.split_first()?;
    let item = items.get(idx.parse::<usize>().ok()?)?;
    match item.get_ref() {
        DeValue::Table(inner) => find(inner, rest).or(Some(item.span().start)),
        _ => Some(item.span().start),
    }
}

/// Byte offset of the deepest existing key along `path`.
fn find(t: &DeTable, path: &[String]) -> Option<usize> {
    let (first, rest) = path.split_first()?;
    let (k, v) = t.iter().find(|(k, _)| k.get_ref() == first.as_str())?;
    let deeper = match v.get_ref() {
        DeValue::Table(inner) => find(inner, rest),
        DeValue::Array(items) => find_item(items, rest),
        _ => None,
    };
    deeper.or(Some(k.span().start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_key() {
        assert!(
            suggest("hazard_multiplierr", ["hazard_multiplier", "extra_cost"])
                .starts_with("did you mean `hazard_multiplier`?")
        );
        assert!(suggest("zzz", ["scale", "seed"]).starts_with("valid: "));
    }

    #[test]
    fn paths_are_read_from_problems() {
        assert_eq!(
            problem_path("policy[2] (growth_pole).cities: unknown"),
            ["policy", "2", "cities"]
        );
        assert_eq!(
            problem_path("scenario.scale = 2: must be"),
            ["scenario", "scale"]
        );
        assert_eq!(
            problem_path("city[3] (Beijing).lat = 139: x"),
            ["city", "3", "lat"]
        );
    }

    #[test]
    fn every_problem_is_found_with_its_line() {
        let text = "[scenario]\nname = \"x\"\nscal = 0.01\nseed = \"one\"\n\n[[policy]]\nkind = \"non_capital_relef\"\nstart = 2020\nend = 2030\n\n[[policy]]\nkind = \"growth_pole\"\nstart = 2020\nend = 2030\nproductivity_gian = 0.1\n";
        let p = check_scenario(text, "s.toml");
        assert_eq!(p.len(), 4, "{p:#?}");
        assert!(
            p[0].starts_with("s.toml:3:1: scenario.scal: unknown key; did you mean `scale`?"),
            "{}",
            p[0]
        );
        assert!(
            p[1].starts_with("s.toml:4:8: scenario.seed: expected an integer, found a string"),
            "{}",
            p[1]
        );
        assert!(p[2].contains("s.toml:7:8: policy[0].kind: unknown policy kind `non_capital_relef`; did you mean `non_capital_relief`?"), "{}", p[2]);
        assert!(p[3].starts_with("s.toml:15:1: policy[1].productivity_gian: unknown key; did you mean `productivity_gain`?"), "{}", p[3]);
    }
}

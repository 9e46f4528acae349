//! The parameter registry: every behavioural, trend and policy parameter a scenario can
//! set, each described once, with its dotted name, unit, default, valid range,
//! provenance and meaning.
//!
//! Everything else reads it rather than restating it: `Behaviour` and `Trends` take
//! their defaults from here and every policy kind fills the keys a table leaves out from
//! here; scenario and policy validation check values against these ranges; sweeps check
//! their keys against these names; `relocsim params` and `relocsim policies KIND` print
//! these entries, and `docs/parameters.md` is generated from them. A test fails when a
//! field of a parameter table has no entry, or an entry no field, so the registry cannot
//! fall behind the code.

mod behaviour;
mod policies;
mod render;

use std::fmt;

pub use render::{Format, lines};

/// First and last year a scenario or a policy window may name: wide enough for any
/// study, narrow enough that arithmetic on years cannot overflow.
pub const FIRST_YEAR: i32 = 1900;
pub const LAST_YEAR: i32 = 2500;

/// Persons, firms and capacities: ten billion, more than the world holds, so sums over
/// 250 cities stay far from overflow.
pub const MAX_COUNT: i64 = 10_000_000_000;

/// Where a default comes from (the tags docs/facts.md defines at its top).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tag {
    /// Read in a published source (the meaning cites it; "essay" is the source essay).
    V,
    /// Derived by arithmetic from published figures.
    D,
    /// Recalled, not yet read in a source: check before relying on it.
    M,
    /// An assumption of the model.
    A,
    /// Calibrated: the posterior mean of calibration/jjj.toml against the observed record.
    C,
    /// Set in every policy table: there is no default to source.
    Given,
}

impl Tag {
    /// `[V]`, `[D]`, `[M]`, `[A]`, or `-` for a setting without a default.
    pub fn label(self) -> &'static str {
        match self {
            Tag::V => "[V]",
            Tag::D => "[D]",
            Tag::M => "[M]",
            Tag::A => "[A]",
            Tag::C => "[C]",
            Tag::Given => "-",
        }
    }
}

/// A parameter's default, in the type the scenario file writes it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DefaultValue {
    Number(f64),
    Integer(i64),
    Bool(bool),
    /// A list of city or sector names (empty: see the meaning).
    Names(&'static [&'static str]),
    /// An empty table keyed by the user (city = value).
    EmptyTable,
    /// No default: every table sets it.
    Required,
}

impl DefaultValue {
    /// As a TOML value; None when there is no default.
    pub fn to_toml(self) -> Option<toml::Value> {
        Some(match self {
            DefaultValue::Number(v) => toml::Value::Float(v),
            DefaultValue::Integer(v) => toml::Value::Integer(v),
            DefaultValue::Bool(v) => toml::Value::Boolean(v),
            DefaultValue::Names(list) => toml::Value::Array(
                list.iter()
                    .map(|s| toml::Value::String(s.to_string()))
                    .collect(),
            ),
            DefaultValue::EmptyTable => toml::Value::Table(toml::Table::new()),
            DefaultValue::Required => return None,
        })
    }
}

impl fmt::Display for DefaultValue {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            DefaultValue::Number(v) => f.write_str(&crate::text::number(*v)),
            DefaultValue::Integer(v) => write!(f, "{v}"),
            DefaultValue::Bool(v) => write!(f, "{v}"),
            DefaultValue::Names(list) => write!(f, "[{}]", list.join(", ")),
            DefaultValue::EmptyTable => f.write_str("{}"),
            DefaultValue::Required => f.write_str("required"),
        }
    }
}

/// The smallest and largest valid value, both included.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    pub min: f64,
    pub max: f64,
}

impl Range {
    pub fn contains(&self, v: f64) -> bool {
        v.is_finite() && (self.min..=self.max).contains(&v)
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let n = crate::text::number;
        write!(f, "{} to {}", n(self.min), n(self.max))
    }
}

/// One parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Param {
    /// `behaviour.FIELD`, `trends.FIELD`, `policy.KIND.FIELD`, or `policy.*.FIELD` for
    /// the window every kind has.
    pub name: &'static str,
    pub unit: &'static str,
    pub default: DefaultValue,
    /// For a table of values (a policy's caps), the range of each value; None for names
    /// and switches.
    pub range: Option<Range>,
    pub tag: Tag,
    /// One line: what it is, with the source where the tag is [V], [D] or [M].
    pub meaning: &'static str,
    /// Why the range stops where it does, added to a refusal; empty when the range
    /// speaks for itself.
    pub why: &'static str,
}

/// The `kind` of the window entries, `policy.*.start`.
pub const ANY_KIND: &str = "*";

impl Param {
    const fn new(
        name: &'static str,
        unit: &'static str,
        default: DefaultValue,
        tag: Tag,
        meaning: &'static str,
    ) -> Param {
        Param {
            name,
            unit,
            default,
            range: None,
            tag,
            meaning,
            why: "",
        }
    }

    const fn range(self, min: f64, max: f64) -> Param {
        Param {
            range: Some(Range { min, max }),
            ..self
        }
    }

    const fn why(self, why: &'static str) -> Param {
        Param { why, ..self }
    }

    const fn tagged(self, tag: Tag) -> Param {
        Param { tag, ..self }
    }

    /// The key inside its table: `migration_rate`, `hazard_multiplier`.
    pub fn field(&self) -> &'static str {
        self.name.rsplit('.').next().unwrap_or(self.name)
    }

    /// What holds it: `behaviour`, `trends`, `policy.KIND` or `policy.*`.
    pub fn table(&self) -> &'static str {
        self.name.rsplit_once('.').map_or("", |(t, _)| t)
    }

    /// The policy kind it belongs to (`*` for the window), if it is a policy's.
    pub fn kind(&self) -> Option<&'static str> {
        self.table().strip_prefix("policy.")
    }

    /// The range of an integer parameter, for the checks of a file's shape.
    pub fn integer_range(&self) -> Option<(i128, i128)> {
        self.range.map(|r| (r.min as i128, r.max as i128))
    }

    /// Adds `KEY = V: out of range; valid: MIN to MAX` (and why, where given) to `p`
    /// when `v` lies outside the range; `key` is the place the message names.
    pub fn check(&self, key: &str, v: f64, p: &mut Vec<String>) {
        let Some(r) = self.range else { return };
        if r.contains(v) {
            return;
        }
        let n = crate::text::number;
        let problem = crate::text::out_of_range(key, n(v), n(r.min), n(r.max));
        if self.why.is_empty() {
            p.push(problem);
        } else {
            p.push(format!("{problem} ({})", self.why));
        }
    }
}

/// Every parameter: behaviour, trends, the policy window, then each policy kind.
pub fn all() -> impl Iterator<Item = &'static Param> {
    behaviour::BEHAVIOUR
        .iter()
        .chain(behaviour::TRENDS)
        .chain(policies::WINDOW)
        .chain(policies::KINDS.iter().flat_map(|k| k.iter()))
}

/// The parameter of that dotted name.
pub fn find(name: &str) -> Option<&'static Param> {
    all().find(|p| p.name == name)
}

/// The parameters of a scenario table (`behaviour`, `trends`).
pub fn of_table(table: &str) -> impl Iterator<Item = &'static Param> {
    all().filter(move |p| p.table() == table)
}

/// A policy kind's parameters: the window, then its own.
pub fn of_kind(kind: &str) -> impl Iterator<Item = &'static Param> {
    all().filter(move |p| p.kind().is_some_and(|k| k == kind || k == ANY_KIND))
}

/// A parameter of a policy kind (its own, or the window's).
pub fn of_policy(kind: &str, field: &str) -> Option<&'static Param> {
    of_kind(kind).find(|p| p.field() == field)
}

/// The default of a `behaviour` or `trends` parameter. Panics when there is no such
/// number: the struct and the registry disagree, which a test catches.
pub fn number(name: &str) -> f64 {
    match find(name).map(|p| p.default) {
        Some(DefaultValue::Number(v)) => v,
        other => panic!("parameter {name}: no numeric default in the registry ({other:?})"),
    }
}

/// Adds to a policy table of `kind` the default of every parameter it leaves out.
pub fn fill_defaults(kind: &str, table: &mut toml::Table) {
    for p in of_kind(kind) {
        if !table.contains_key(p.field())
            && let Some(v) = p.default.to_toml()
        {
            table.insert(p.field().to_string(), v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_dotted() {
        let mut names: Vec<&str> = all().map(|p| p.name).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "a name is registered twice");
        for p in all() {
            let parts: Vec<&str> = p.name.split('.').collect();
            let ok = match parts[0] {
                "behaviour" | "trends" => parts.len() == 2,
                "policy" => parts.len() == 3,
                _ => false,
            };
            assert!(ok, "{}", p.name);
            assert!(!p.unit.is_empty() && !p.meaning.is_empty(), "{}", p.name);
        }
    }

    #[test]
    fn defaults_lie_in_their_ranges() {
        for p in all() {
            let v = match p.default {
                DefaultValue::Number(v) => v,
                DefaultValue::Integer(v) => v as f64,
                _ => continue,
            };
            let mut problems = Vec::new();
            p.check(p.name, v, &mut problems);
            assert!(problems.is_empty(), "{problems:?}");
        }
    }

    #[test]
    fn numbers_have_ranges_and_only_required_keys_go_without_a_source() {
        for p in all() {
            // Numbers, the window's years and the values of a table of caps.
            let ranged = matches!(
                p.default,
                DefaultValue::Number(_)
                    | DefaultValue::Integer(_)
                    | DefaultValue::Required
                    | DefaultValue::EmptyTable
            );
            assert_eq!(ranged, p.range.is_some(), "{}", p.name);
            let required = p.default == DefaultValue::Required;
            assert_eq!(required, p.tag == Tag::Given, "{}", p.name);
        }
    }

    #[test]
    fn a_refusal_states_the_range_and_why() {
        let p = find("behaviour.migration_rate").unwrap();
        let mut problems = Vec::new();
        p.check("behaviour.migration_rate", 1.5, &mut problems);
        p.check("behaviour.migration_rate", f64::NAN, &mut problems);
        p.check("behaviour.migration_rate", 0.5, &mut problems);
        assert_eq!(
            problems,
            [
                "behaviour.migration_rate = 1.5: out of range; valid: 0 to 1 (a yearly probability or share)",
                "behaviour.migration_rate = NaN: out of range; valid: 0 to 1 (a yearly probability or share)",
            ]
        );
        assert_eq!(
            of_policy("growth_pole", "ramp_years").unwrap().kind(),
            Some("*")
        );
        assert_eq!(
            of_policy("growth_pole", "amenity").unwrap().table(),
            "policy.growth_pole"
        );
    }
}

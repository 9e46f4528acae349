//! The walk over a parsed document: every value against its [`Shape`], each problem
//! recorded at its byte offset with the key to remove, so that a pruned copy of the
//! document can still be deserialised and checked for meaning.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use toml::de::{DeInteger, DeTable, DeValue};

use super::shape::{self, IntRange, Shape};
use super::{out_of_range, suggest};
use crate::policy::{self, doc};

/// One step of the way to a value: a key of a table or an element of an array.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Seg {
    Key(String),
    Item(usize),
}

/// A problem at a place in the text (`None`: at no place found).
pub(super) struct Found {
    pub at: Option<usize>,
    pub message: String,
    /// About another file (a region file): the message names its own file.
    pub foreign: bool,
}

#[derive(Default)]
pub(super) struct Walker {
    pub found: Vec<Found>,
    /// What to remove so the rest deserialises: a key, or a `[[policy]]` element; the
    /// empty path is the whole document.
    pub prunes: Vec<Vec<Seg>>,
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

fn expected(shape: &Shape) -> String {
    match shape {
        Shape::Table(..) | Shape::Map(_) => "a table".into(),
        Shape::Tables(_) | Shape::Policies => "a list of tables ([[...]])".into(),
        Shape::List(_) => "a list [...]".into(),
        Shape::Either(a, b) => format!("{} or {}", expected(a), expected(b)),
        Shape::Integer(_) => "an integer".into(),
        Shape::Number => "a number".into(),
        Shape::Text => "a string".into(),
        Shape::Boolean => "true or false".into(),
        Shape::Any => "anything".into(),
    }
}

/// Whether the value is of the shape's type (its contents are checked separately).
fn fits(shape: &Shape, v: &DeValue) -> bool {
    matches!(
        (shape, v),
        (Shape::Any, _)
            | (Shape::Table(..) | Shape::Map(_), DeValue::Table(_))
            | (
                Shape::Tables(_) | Shape::Policies | Shape::List(_),
                DeValue::Array(_)
            )
            | (Shape::Integer(_), DeValue::Integer(_))
            | (Shape::Number, DeValue::Integer(_) | DeValue::Float(_))
            | (Shape::Text, DeValue::String(_))
            | (Shape::Boolean, DeValue::Boolean(_))
    ) || matches!(shape, Shape::Either(a, b) if fits(a, v) || fits(b, v))
}

/// The value of an integer as written (any radix, underscores gone); `None` beyond i128.
fn integer(i: &DeInteger) -> Option<i128> {
    i128::from_str_radix(i.as_str(), i.radix()).ok()
}

fn joined(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn with(at: &[Seg], seg: Seg) -> Vec<Seg> {
    let mut v = at.to_vec();
    v.push(seg);
    v
}

impl Walker {
    fn bad(&mut self, span: &Range<usize>, message: String, at: &[Seg]) {
        self.found.push(Found {
            at: Some(span.start),
            message,
            foreign: false,
        });
        self.prunes.push(at.to_vec());
    }

    /// Checks `v`, written at `span`, against `shape`. `at` is where it lies in the
    /// document and `cut` what to remove if it is bad (itself, or a table it makes
    /// unusable).
    pub fn value(
        &mut self,
        path: &str,
        v: &DeValue,
        span: &Range<usize>,
        shape: &Shape,
        at: &[Seg],
        cut: &[Seg],
    ) {
        if !fits(shape, v) {
            let message = format!(
                "{path}: expected {}, found {}",
                expected(shape),
                kind_name(v)
            );
            return self.bad(span, message, cut);
        }
        match (shape, v) {
            (Shape::Table(s, required), DeValue::Table(t)) => {
                self.table(path, t, s, required, at, cut);
                self.missing(path, t, span, required, cut);
            }
            (Shape::Map(s), DeValue::Table(t)) => self.map(path, t, s, at),
            (Shape::Tables(s) | Shape::List(s), DeValue::Array(a)) => {
                self.items(path, a, s, at, cut)
            }
            (Shape::Policies, DeValue::Array(a)) => {
                for (i, item) in a.iter().enumerate() {
                    let one = with(at, Seg::Item(i));
                    self.policy(&format!("{path}[{i}]"), item.get_ref(), &item.span(), &one);
                }
            }
            (Shape::Either(a, b), _) => {
                let s = if fits(a, v) { a } else { b };
                self.value(path, v, span, s, at, cut);
            }
            (Shape::Integer(Some(range)), DeValue::Integer(i)) => {
                self.range(path, i, span, *range, cut);
            }
            (Shape::Number, _) => self.number(path, v, span, cut),
            _ => {}
        }
    }

    /// Each entry of a table keyed by the user (city -> value).
    fn map(&mut self, path: &str, t: &DeTable, s: &Shape, at: &[Seg]) {
        for (k, x) in t.iter() {
            let key: &str = k.get_ref();
            let deeper = with(at, Seg::Key(key.to_string()));
            let span = x.span();
            self.value(&joined(path, key), x.get_ref(), &span, s, &deeper, &deeper);
        }
    }

    /// Each element of a list. A bad city or list element takes its whole list:
    /// removing one would shift the others (and a region missing a city means
    /// something else).
    fn items(
        &mut self,
        path: &str,
        a: &[toml::Spanned<DeValue>],
        s: &Shape,
        at: &[Seg],
        cut: &[Seg],
    ) {
        for (i, item) in a.iter().enumerate() {
            let deeper = with(at, Seg::Item(i));
            let (p, span) = (format!("{path}[{i}]"), item.span());
            self.value(&p, item.get_ref(), &span, s, &deeper, cut);
        }
    }

    /// A number must fit a 64-bit float as written.
    fn number(&mut self, path: &str, v: &DeValue, span: &Range<usize>, cut: &[Seg]) {
        let too_large = match v {
            DeValue::Integer(i) => {
                integer(i).is_none() && u128::from_str_radix(i.as_str(), i.radix()).is_err()
            }
            // The parser refuses a float too large for f64 unless written `inf`.
            DeValue::Float(f) => {
                let value: f64 = f.as_str().parse().unwrap_or(f64::NAN);
                value.is_infinite() && !f.as_str().contains("inf")
            }
            _ => false,
        };
        if too_large {
            let raw = match v {
                DeValue::Integer(i) => i.to_string(),
                DeValue::Float(f) => f.as_str().to_string(),
                _ => String::new(),
            };
            self.bad(
                span,
                format!("{path} = {raw}: too large for a 64-bit number"),
                cut,
            );
        }
    }

    fn range(&mut self, path: &str, i: &DeInteger, span: &Range<usize>, r: IntRange, cut: &[Seg]) {
        if !integer(i).is_some_and(|x| r.0 <= x && x <= r.1) {
            self.bad(span, out_of_range(path, i, r.0, r.1), cut);
        }
    }

    fn table(
        &mut self,
        path: &str,
        t: &DeTable,
        shape: &BTreeMap<String, Shape>,
        required: &BTreeSet<String>,
        at: &[Seg],
        cut: &[Seg],
    ) {
        for (k, v) in t.iter() {
            let key: &str = k.get_ref();
            let full = joined(path, key);
            let deeper = with(at, Seg::Key(key.to_string()));
            match shape.get(key) {
                // Without a required key its table is unusable: remove the table.
                Some(s) if required.contains(key) => {
                    self.value(&full, v.get_ref(), &v.span(), s, &deeper, cut)
                }
                Some(s) => self.value(&full, v.get_ref(), &v.span(), s, &deeper, &deeper),
                None => {
                    let hint = suggest(key, shape.keys().map(String::as_str));
                    self.bad(&k.span(), format!("{full}: unknown key; {hint}"), &deeper);
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
        cut: &[Seg],
    ) {
        for r in required {
            if !t.iter().any(|(k, _)| k.get_ref() == r.as_str()) {
                let message = format!("{}: missing; it has no default", joined(path, r));
                self.bad(span, message, cut);
            }
        }
    }

    fn policy(&mut self, path: &str, v: &DeValue, span: &Range<usize>, at: &[Seg]) {
        let DeValue::Table(t) = v else {
            let message = format!("{path}: expected a table, found {}", kind_name(v));
            return self.bad(span, message, at);
        };
        let Some((_, kv)) = t.iter().find(|(k, _)| k.get_ref() == "kind") else {
            let message = format!("{path}: no `kind`; valid kinds: {}", kinds().join(", "));
            return self.bad(span, message, at);
        };
        let DeValue::String(name) = kv.get_ref() else {
            let found = kind_name(kv.get_ref());
            let message = format!("{path}.kind: expected a string, found {found}");
            return self.bad(&kv.span(), message, at);
        };
        match doc::find(name) {
            Some(d) => self.value(path, v, span, shape::policy(d), at, at),
            None => {
                let hint = suggest(name, kinds());
                let message = format!("{path}.kind: unknown policy kind `{name}`; {hint}");
                self.bad(&kv.span(), message, at);
            }
        }
    }
}

fn kinds() -> Vec<&'static str> {
    policy::KINDS.iter().map(|k| k.name).collect()
}

/// Removes what the walk found bad from `doc`; false if that is the whole document.
pub(super) fn prune(doc: &mut DeTable, prunes: &[Vec<Seg>]) -> bool {
    let mut prunes: Vec<&Vec<Seg>> = prunes.iter().collect();
    // Keys first; then dropped elements from the last, so the indices still hold.
    prunes.sort_by(|a, b| {
        let item = |p: &Vec<Seg>| match p.last() {
            Some(Seg::Item(i)) => Some(std::cmp::Reverse(*i)),
            _ => None,
        };
        item(a).cmp(&item(b)).then(a.cmp(b))
    });
    prunes.dedup();
    for p in prunes {
        if p.is_empty() {
            return false;
        }
        remove_in_table(doc, p);
    }
    true
}

fn remove_in_table(t: &mut DeTable, path: &[Seg]) {
    match path {
        [Seg::Key(k)] => {
            t.remove(k.as_str());
        }
        [Seg::Key(k), rest @ ..] => {
            if let Some(v) = t.get_mut(k.as_str()) {
                remove_in(v.get_mut(), rest);
            }
        }
        _ => {}
    }
}

fn remove_in(v: &mut DeValue, path: &[Seg]) {
    match (v, path) {
        (DeValue::Table(t), _) => remove_in_table(t, path),
        (DeValue::Array(a), [Seg::Item(i)]) => {
            let kept = std::mem::replace(a, toml::de::DeArray::new())
                .into_iter()
                .enumerate()
                .filter(|(j, _)| j != i)
                .map(|(_, x)| x);
            *a = kept.collect();
        }
        (DeValue::Array(a), [Seg::Item(i), rest @ ..]) => {
            if let Some(x) = a.get_mut(*i) {
                remove_in(x.get_mut(), rest);
            }
        }
        _ => {}
    }
}

//! Checking what users write by hand: every syntax error, every unknown key (with the
//! nearest valid one), every value of the wrong type, every integer out of its range,
//! each reported as FILE:LINE:COLUMN with its key path. The offending keys are then
//! removed from a copy of the document, which is deserialised so the checks of meaning
//! (ranges, city names, windows) can run too: a file's problems come out in one pass,
//! sorted by position, and the later ones are located the same way.

pub(crate) mod shape;
mod walk;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::region::{self, Region, RegionSpec};
use shape::Shape;
use walk::{Found, Seg, Walker};

pub use crate::text::{number, out_of_range};

/// What the structural check of one file found, and a copy of the document without the
/// offending keys for the checks of meaning. Problems added later are located by the
/// key path they start with.
pub struct Checked<'t> {
    text: &'t str,
    file: String,
    doc: Option<Spanned<DeTable<'t>>>,
    pruned: Option<Spanned<DeTable<'t>>>,
    found: Vec<Found>,
    prunes: Vec<Vec<Seg>>,
}

/// Walks `text` against `shape`. Problems inside a key of `whole` leave nothing to check
/// for meaning (a region missing a city would be another region).
fn scan<'t>(text: &'t str, file: &str, shape: &Shape, whole: &[&str]) -> Checked<'t> {
    let (doc, errors) = DeTable::parse_recoverable(text);
    let mut w = Walker::default();
    for e in &errors {
        w.found.push(Found {
            at: Some(e.span().map_or(0, |s| s.start)),
            message: format!("syntax: {}", e.message()),
            foreign: false,
        });
    }
    let mut checked = Checked {
        text,
        file: file.to_string(),
        doc: None,
        pruned: None,
        found: Vec::new(),
        prunes: Vec::new(),
    };
    if errors.is_empty() {
        let top = DeValue::Table(doc.get_ref().clone());
        w.value("", &top, &doc.span(), shape, &[], &[]);
        let mut pruned = doc.clone();
        let fatal = w.prunes.iter().any(|p| match p.first() {
            Some(Seg::Key(k)) => whole.contains(&k.as_str()),
            _ => false,
        });
        if !fatal && walk::prune(pruned.get_mut(), &w.prunes) {
            checked.pruned = Some(pruned);
        }
        checked.doc = Some(doc);
    }
    checked.found = w.found;
    checked.prunes = w.prunes;
    checked
}

/// Syntax, keys, types and integer ranges of a scenario file.
pub fn scan_scenario<'t>(text: &'t str, file: &str) -> Checked<'t> {
    scan(text, file, shape::scenario(), &["region"])
}

/// Syntax, keys, types and integer ranges of a region file.
pub fn scan_region<'t>(text: &'t str, file: &str) -> Checked<'t> {
    scan(text, file, shape::region(), &[])
}

/// A region file's text, parsed and validated: every problem at once, each with its
/// line and column; `file` names the source in messages.
pub fn region_file(text: &str, file: &str) -> crate::error::Result<Region> {
    let mut checked = scan_region(text, file);
    if let Some(spec) = checked.deserialize::<RegionSpec>() {
        let problems = region::validate(&spec);
        if checked.is_clean() && problems.is_empty() {
            return Region::checked(spec, file);
        }
        problems.iter().for_each(|p| checked.add(p));
    }
    Err(checked.into_error())
}

/// Syntax, keys, types and integer ranges of a sweep file.
pub fn scan_sweep<'t>(text: &'t str, file: &str) -> Checked<'t> {
    scan(text, file, shape::sweep(), &[])
}

/// Syntax, keys, types and integer ranges of a calibration file.
pub fn scan_calibration<'t>(text: &'t str, file: &str) -> Checked<'t> {
    scan(text, file, shape::calibration(), &[])
}

/// Syntax, keys, types and integer ranges of a sensitivity study file.
pub fn scan_sensitivity<'t>(text: &'t str, file: &str) -> Checked<'t> {
    scan(text, file, shape::sensitivity(), &[])
}

/// Syntax, keys, types and integer ranges of a targets file.
pub fn scan_targets<'t>(text: &'t str, file: &str) -> Checked<'t> {
    scan(text, file, shape::targets(), &[])
}

/// The problems of a scenario given as a table (a sweep's overrides applied), without
/// places: the text they would point into is not the user's.
pub fn check_scenario_table(doc: &toml::Table) -> Vec<String> {
    let Ok(text) = toml::to_string(doc) else {
        return Vec::new();
    };
    let checked = scan_scenario(&text, "");
    checked.found.into_iter().map(|f| f.message).collect()
}

impl<'t> Checked<'t> {
    /// No problem so far.
    pub fn is_clean(&self) -> bool {
        self.found.is_empty()
    }

    /// The document without its offending keys, as `T`. When the document was clean, a
    /// failure is a problem of its own; otherwise it follows from what was removed, and
    /// only the problems already found are reported.
    pub fn deserialize<T: DeserializeOwned>(&mut self) -> Option<T> {
        let pruned = self.pruned.clone()?;
        match T::deserialize(toml::de::Deserializer::from(pruned)) {
            Ok(v) => Some(v),
            Err(e) => {
                if self.found.is_empty() {
                    self.found.push(Found {
                        at: e.span().map(|s| s.start),
                        message: e.message().trim().replace('\n', " "),
                        foreign: false,
                    });
                }
                None
            }
        }
    }

    /// The index in the file of each `[[policy]]` table left in the pruned document.
    pub fn policy_numbers(&self) -> Vec<usize> {
        let n = self
            .doc
            .as_ref()
            .and_then(|d| d.get_ref().get("policy"))
            .map_or(0, |v| match v.get_ref() {
                DeValue::Array(a) => a.len(),
                _ => 0,
            });
        let dropped = |i: usize| {
            self.prunes
                .iter()
                .any(|p| *p == [Seg::Key("policy".into()), Seg::Item(i)])
        };
        (0..n).filter(|&i| !dropped(i)).collect()
    }

    /// Adds a problem found by the checks of meaning, placed at the key it starts with.
    pub fn add(&mut self, problem: &str) {
        let at = self
            .doc
            .as_ref()
            .and_then(|d| find(d.get_ref(), &problem_path(problem)))
            .map(|at| named_value(self.text, at, problem).unwrap_or(at));
        self.found.push(Found {
            at,
            message: problem.to_string(),
            foreign: false,
        });
    }

    /// Adds a problem of another file (a region file the scenario names), as it is.
    pub fn add_foreign(&mut self, file: &str, problem: &str) {
        let message = if problem.starts_with(&format!("{file}:")) {
            problem.to_string()
        } else {
            format!("{file}: {problem}")
        };
        self.found.push(Found {
            at: None,
            message,
            foreign: true,
        });
    }

    /// Every problem, by position (those with none last), as `FILE:LINE:COLUMN: ...`.
    pub fn problems(mut self) -> Vec<String> {
        self.found.sort_by_key(|f| f.at.unwrap_or(usize::MAX));
        let (text, file) = (self.text, self.file);
        self.found
            .into_iter()
            .map(|f| match f.at {
                _ if f.foreign => f.message,
                Some(at) => {
                    let (l, c) = line_col(text, at);
                    format!("{file}:{l}:{c}: {}", f.message)
                }
                None => format!("{file}: {}", f.message),
            })
            .collect()
    }

    /// The problems as an error about the file.
    pub fn into_error(self) -> crate::Error {
        crate::Error::Invalid {
            file: self.file.clone(),
            problems: self.problems(),
        }
    }
}

/// Line and column (1-based) of a byte offset.
pub fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

pub use crate::text::suggest;

/// Prefixes a semantic problem ("policy[0] (kind).field = ...: ...") with the line and
/// column of the deepest key of its path found in the text.
pub fn locate(text: &str, file: &str, problem: &str) -> String {
    let path = problem_path(problem);
    let Ok(doc) = DeTable::parse(text) else {
        return format!("{file}: {problem}");
    };
    match find(doc.get_ref(), &path) {
        Some(at) => {
            let at = named_value(text, at, problem).unwrap_or(at);
            let (l, c) = line_col(text, at);
            format!("{file}:{l}:{c}: {problem}")
        }
        None => format!("{file}: {problem}"),
    }
}

/// Where a problem about one name of a list (`unknown city "X"`) points: that name in
/// the list that starts at byte `at`, rather than the list's key.
fn named_value(text: &str, at: usize, problem: &str) -> Option<usize> {
    let (_, rest) = problem.split_once("unknown ")?;
    let name = rest.split('"').nth(1)?;
    let list = &text[at..];
    let end = list.find(']')?;
    list[..end].find(&format!("\"{name}\"")).map(|i| at + i)
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
        let p = scan_scenario(text, "s.toml").problems();
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

//! The repository stands alone: every source reference in the code, tests, scenarios,
//! data and README resolves to a file and a section inside it.
//!
//! A reference is written `docs/NAME.md` or `docs/NAME.md §N`, with more sections joined by
//! `, §M` or ` and §M` on the same line; this test fails when the file does not exist in
//! `docs/` or the cited section has no numbered heading (`## N.` or `### N.M`) there. It
//! also fails on a section sign that belongs to no such reference (outside `docs/`, where
//! a bare `§N` means a section of the same document, which must exist), on a document of
//! `docs/` named without its `docs/` prefix, and on any pointer to the project notes that
//! live outside the repository.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Where references are looked for, relative to the repository root.
const SCANNED: [&str; 8] = [
    "src",
    "tests",
    "scenarios",
    "data",
    "fuzz",
    "benches",
    "docs",
    "README.md",
];

/// Pointers to material outside the repository, matched without regard to case.
const OUTSIDE: [&str; 8] = [
    "../shared",
    "shared/docs/",
    "shared/data/",
    "shared/seed/",
    "jjj-data-notes.md",
    "calibration-notes.md",
    "regions-yrd-prd.md",
    "jing-jin-ji-integration.txt",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every text file under `path` (or `path` itself), skipping build output and hidden
/// entries, in a fixed order.
fn files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_file() {
        out.push(path.to_path_buf());
        return;
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') || name == "target" {
            continue;
        }
        files(&p, out);
    }
}

/// The numbered sections of a Markdown document: "2" for `## 2. Title`, "2.3" for
/// `### 2.3 Title`.
fn sections(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|line| {
            let rest = line.trim_start_matches('#');
            if rest.len() == line.len() || !rest.starts_with(' ') {
                return None;
            }
            let token = rest.split_whitespace().next()?;
            let number = token.strip_suffix('.').unwrap_or(token);
            let numbered = !number.is_empty()
                && number
                    .split('.')
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
            numbered.then(|| number.to_string())
        })
        .collect()
}

/// The documents of `docs/` and their sections.
fn documents() -> BTreeMap<String, BTreeSet<String>> {
    let mut docs = BTreeMap::new();
    for entry in std::fs::read_dir(root().join("docs")).expect("docs/ exists") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            docs.insert(name, sections(&std::fs::read_to_string(&path).unwrap()));
        }
    }
    docs
}

/// A section number at the start of `s` ("4", "2.3"; a trailing dot is not part of it),
/// and its length in bytes.
fn section_number(s: &str) -> Option<(String, usize)> {
    let mut end = 0;
    let b = s.as_bytes();
    while end < b.len() && (b[end].is_ascii_digit() || (b[end] == b'.' && end > 0)) {
        end += 1;
    }
    while end > 0 && b[end - 1] == b'.' {
        end -= 1;
    }
    (end > 0).then(|| (s[..end].to_string(), end))
}

/// One `docs/NAME.md` reference in a line: the document, the cited sections, and the byte
/// positions of the section signs it uses.
struct Reference {
    document: String,
    sections: Vec<String>,
    signs: Vec<usize>,
}

/// Every `docs/NAME.md` reference in `line`.
fn references(line: &str) -> Vec<Reference> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = line[from..].find("docs/").map(|i| from + i) {
        from = at + "docs/".len();
        if at > 0 && line.as_bytes()[at - 1].is_ascii_alphanumeric() {
            continue;
        }
        let rest = &line[from..];
        let len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || b"_.-".contains(b))
            .count();
        // A full stop after the name ends the sentence, not the name.
        let len = rest[..len].trim_end_matches('.').len();
        let Some(name) = rest[..len].strip_suffix(".md").map(|n| format!("{n}.md")) else {
            continue;
        };
        let mut reference = Reference {
            document: name,
            sections: Vec::new(),
            signs: Vec::new(),
        };
        let mut p = from + len;
        loop {
            let rest = &line[p..];
            let gap = [" §", ", §", " and §"]
                .iter()
                .find(|g| rest.starts_with(**g))
                .map(|g| g.len() - "§".len());
            let Some(gap) = gap else { break };
            let sign = p + gap;
            let Some((number, n)) = section_number(&line[sign + "§".len()..]) else {
                break;
            };
            reference.signs.push(sign);
            reference.sections.push(number);
            p = sign + "§".len() + n;
        }
        from = p;
        found.push(reference);
    }
    found
}

/// Whether `line` ends with a `docs/NAME.md` and `next` starts, after comment markers, with
/// a section sign: a reference split across lines, whose section would otherwise be read
/// as a section of the document holding it, or as a stray sign.
fn split_reference(line: &str, next: Option<&str>) -> bool {
    let end = line.trim_end().trim_end_matches([')', ',', ';', ':']);
    let starts_sign = next.is_some_and(|n| {
        n.trim_start_matches(|c: char| c.is_whitespace() || "/!#*-".contains(c))
            .starts_with('§')
    });
    starts_sign
        && end.ends_with(".md")
        && references(end).last().is_some_and(|r| {
            r.sections.is_empty() && end.ends_with(&format!("docs/{}", r.document))
        })
}

/// Whether `name` occurs in `lower` (a lower-cased line) without `docs/` right before it.
fn bare(lower: &str, name: &str) -> bool {
    lower
        .match_indices(name)
        .any(|(i, _)| !lower[..i].ends_with("docs/"))
}

#[test]
fn every_reference_resolves_inside_the_repository() {
    let docs = documents();
    assert!(
        ["model.md", "facts.md", "source-essay.md"]
            .iter()
            .all(|d| docs.contains_key(*d)),
        "docs/ holds model.md, facts.md and source-essay.md: {docs:?}"
    );
    let this = root().join("tests/docs_references.rs");
    let mut scanned = Vec::new();
    for p in SCANNED {
        files(&root().join(p), &mut scanned);
    }
    let mut problems = Vec::new();
    let mut checked = 0;
    for path in scanned.iter().filter(|p| **p != this) {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue; // not text
        };
        let shown = path.strip_prefix(root()).unwrap().display().to_string();
        let own = shown.strip_prefix("docs/").and_then(|name| docs.get(name));
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let at = format!("{shown}:{}", i + 1);
            if split_reference(line, lines.get(i + 1).copied()) {
                problems.push(format!("{at}: a reference split across lines"));
            }
            let mut used = BTreeSet::new();
            for r in references(line) {
                checked += 1;
                used.extend(r.signs.iter().copied());
                let Some(have) = docs.get(&r.document) else {
                    problems.push(format!("{at}: docs/{} does not exist", r.document));
                    continue;
                };
                for s in r.sections.iter().filter(|s| !have.contains(*s)) {
                    problems.push(format!("{at}: docs/{} has no section {s}", r.document));
                }
            }
            for (sign, _) in line.match_indices('§').filter(|(i, _)| !used.contains(i)) {
                let number = section_number(&line[sign + "§".len()..]);
                match (own, number) {
                    (Some(have), Some((s, _))) if have.contains(&s) => {}
                    (Some(_), Some((s, _))) => {
                        problems.push(format!("{at}: §{s} is not a section of {shown}"))
                    }
                    _ => problems.push(format!(
                        "{at}: a section sign outside a `docs/NAME.md §N` reference"
                    )),
                }
            }
            let lower = line.to_lowercase();
            for name in docs.keys().filter(|n| bare(&lower, n)) {
                problems.push(format!("{at}: {name} without its docs/ prefix"));
            }
            for outside in OUTSIDE.iter().filter(|o| lower.contains(*o)) {
                problems.push(format!("{at}: {outside} points outside the repository"));
            }
            if bare(&lower, "jjj_cities.csv") && !lower.contains("data/sources/jjj_cities.csv") {
                problems.push(format!(
                    "{at}: the city table is data/sources/jjj_cities.csv"
                ));
            }
        }
    }
    assert!(
        root().join("data/sources/jjj_cities.csv").is_file(),
        "the city table is in the repository"
    );
    assert!(
        checked > 50,
        "only {checked} references found: is the scan looking?"
    );
    assert!(
        problems.is_empty(),
        "{} unresolved references:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_reference_reader_reads_lists_and_stops_at_other_text() {
    let r = references("see docs/model.md §7.3, §7.4 and §7.5: and docs/facts.md");
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].document, "model.md");
    assert_eq!(r[0].sections, ["7.3", "7.4", "7.5"]);
    assert_eq!(r[1].document, "facts.md");
    assert!(r[1].sections.is_empty());
    let r = references("(docs/facts.md §2.3). In docs/model.md.");
    assert_eq!(r[0].sections, ["2.3"]);
    assert_eq!(r[1].document, "model.md");
    assert!(references("mydocs/model.md, https://docs.rs/x").is_empty());
    assert_eq!(
        sections("# Title\n## 2. Two\n### 2.10 Sub\n## Notes\n#no"),
        BTreeSet::from(["2".to_string(), "2.10".to_string()])
    );
    assert!(split_reference(
        "/// the rule (docs/facts.md",
        Some("/// §2.3).")
    ));
    assert!(!split_reference(
        "/// the rule (docs/facts.md §2.3,",
        Some("/// §2.4).")
    ));
    assert!(!split_reference("see docs/facts.md", Some("and more")));
    assert!(bare("facts.md section 4", "facts.md"));
    assert!(!bare("docs/facts.md §4", "facts.md"));
}

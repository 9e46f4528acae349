//! The library's layers (docs/architecture.md): a module may use modules of its own
//! layer or below, never above. This test reads every source file of the library and
//! fails on a `crate::…` path that points up, naming the file, the line and both
//! layers, so a new import cycle cannot creep in.

use std::path::{Path, PathBuf};

/// Top-level modules by layer, lowest first; the same list as docs/architecture.md. Each
/// layer but the first holds one module or several that do not use each other, so no
/// two top-level modules import each other either.
const LAYERS: &[&[&str]] = &[
    &[
        "math", "rng", "agents", "error", "input", "digest", "text", "stats",
    ],
    &["region"],
    &["params"],
    &["policy"],
    &["scenario"],
    &["engine", "resources"],
    &["output", "outdir"],
    &["run"],
    &["batch", "report"],
    &["targets"],
    &["calibrate", "sensitivity"],
];

/// What the crate root re-exports, by the module it comes from.
const ROOT_ITEMS: &[(&str, &str)] = &[
    ("Model", "engine"),
    ("Sink", "engine"),
    ("MemorySink", "engine"),
    ("NullSink", "engine"),
    ("simulate", "engine"),
    ("Error", "error"),
    ("Result", "error"),
    ("Resolved", "scenario"),
];

fn layer_of(module: &str) -> Option<usize> {
    let module = ROOT_ITEMS
        .iter()
        .find(|(item, _)| *item == module)
        .map_or(module, |(_, m)| m);
    LAYERS.iter().position(|l| l.contains(&module))
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a line, without its comment (doc links in comments are not imports).
fn code(line: &str) -> &str {
    match line.find("//") {
        Some(i) => &line[..i],
        None => line,
    }
}

/// Every `crate::NAME` on a line of code.
fn crate_paths(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code(line);
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.push(name);
        }
        rest = after;
    }
    // `use crate::{a, b}` names several.
    if let Some(i) = code(line).find("crate::{") {
        let inner = &code(line)[i + "crate::{".len()..];
        let inner = inner.split('}').next().unwrap_or("");
        out.extend(
            inner
                .split(',')
                .map(|s| s.trim().split("::").next().unwrap_or("").to_string())
                .filter(|s| !s.is_empty()),
        );
    }
    out
}

#[test]
fn no_module_uses_a_layer_above_its_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    let mut problems = Vec::new();
    let mut checked = 0;
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let top = top.trim_end_matches(".rs");
        if ["lib", "main", "sweep_cmd", "author_cmd"].contains(&top) {
            continue;
        }
        let Some(mine) = layer_of(top) else {
            problems.push(format!(
                "src/{}: module `{top}` is in no layer; add it to LAYERS here and to docs/architecture.md",
                rel.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            for used in crate_paths(line) {
                checked += 1;
                match layer_of(&used) {
                    Some(theirs) if theirs <= mine => {}
                    Some(theirs) => problems.push(format!(
                        "src/{}:{}: `{top}` (layer {}) uses `crate::{used}` (layer {})",
                        rel.display(),
                        n + 1,
                        mine + 1,
                        theirs + 1
                    )),
                    None => problems.push(format!(
                        "src/{}:{}: `crate::{used}` is in no layer",
                        rel.display(),
                        n + 1
                    )),
                }
            }
        }
    }
    assert!(checked > 100, "the scan found the imports ({checked})");
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// Every (user, used) pair of top-level modules the library's code names.
fn module_edges() -> std::collections::BTreeSet<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut edges = std::collections::BTreeSet::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let top = top.trim_end_matches(".rs").to_string();
        let text = std::fs::read_to_string(file).unwrap();
        for used in text.lines().flat_map(crate_paths) {
            let used = ROOT_ITEMS
                .iter()
                .find(|(item, _)| *item == used)
                .map_or(used.clone(), |(_, m)| m.to_string());
            if used != top {
                edges.insert((top.clone(), used));
            }
        }
    }
    edges
}

#[test]
fn no_two_modules_use_each_other() {
    let edges = module_edges();
    let mutual: Vec<String> = edges
        .iter()
        .filter(|(a, b)| a < b && edges.contains(&(b.clone(), a.clone())))
        .map(|(a, b)| format!("{a} <-> {b}"))
        .collect();
    assert!(mutual.is_empty(), "import cycles: {mutual:?}");
}

#[test]
fn the_scan_sees_single_and_grouped_imports() {
    assert_eq!(crate_paths("use crate::engine::Model;"), ["engine"]);
    assert_eq!(
        crate_paths("use crate::{region::Region, rng};"),
        ["region", "rng"]
    );
    assert!(crate_paths("// see [`crate::run`]").is_empty());
    assert_eq!(layer_of("Sink"), layer_of("engine"));
    assert!(layer_of("run") > layer_of("output"));
}

#[test]
fn every_top_level_module_is_in_a_layer() {
    let lib = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/lib.rs")).unwrap();
    for line in lib.lines() {
        if let Some(m) = line.strip_prefix("pub mod ") {
            let m = m.trim_end_matches(';');
            assert!(layer_of(m).is_some(), "`{m}` is in no layer");
        }
    }
}

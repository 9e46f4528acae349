//! Bad input never panics and always says what is wrong: a corpus of malformed scenarios
//! (tests/malformed/*.toml, each naming its expected messages in `# expect:` lines), and
//! thousands of mutations of the corpus and the shipped scenarios and sweep files.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use relocsim::batch::Sweep;
use relocsim::rng::{Purpose, RunKey};
use relocsim::scenario;

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/malformed");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_malformed_scenario_gets_its_expected_message() {
    let files = corpus();
    assert!(files.len() >= 20, "the corpus is in place");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let expects: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# expect: "))
            .collect();
        assert!(
            !expects.is_empty(),
            "{} names no expected message",
            path.display()
        );
        let err = match scenario::load(&path) {
            Ok(_) => panic!("{} was accepted", path.display()),
            Err(e) => e,
        };
        assert!(
            err.is_input_error(),
            "{}: {err} is not an input error",
            path.display()
        );
        let msg = err.to_string();
        for e in expects {
            assert!(
                msg.contains(e),
                "{}: expected {e:?} in:\n{msg}",
                path.display()
            );
        }
    }
}

/// One random edit: delete, duplicate or replace a byte run, or truncate.
fn mutate(text: &[u8], key: RunKey, i: u64) -> Vec<u8> {
    let mut st = key.stream(0, i, Purpose::InitFirm);
    let mut v = text.to_vec();
    let n = v.len().max(1) as u64;
    let at = st.below(n) as usize;
    let len = (1 + st.below(8) as usize).min(v.len().saturating_sub(at));
    const ALPHABET: &[u8] = b" \n=[]{}\"'#.,-+0123456789eEaznifl_xyz\\\t";
    match st.below(4) {
        0 => {
            v.drain(at..at + len);
        }
        1 => {
            let copy = v[at..at + len].to_vec();
            v.splice(at..at, copy);
        }
        2 => {
            for b in v.iter_mut().skip(at).take(len) {
                *b = ALPHABET[st.below(ALPHABET.len() as u64) as usize];
            }
        }
        _ => v.truncate(at),
    }
    v
}

#[test]
fn no_input_makes_the_parser_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seeds: Vec<PathBuf> = corpus();
    for e in std::fs::read_dir(root.join("scenarios")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|e| e == "toml") {
            seeds.push(p);
        }
    }
    seeds.sort();
    let key = RunKey::new(2024, 0);
    let mut checked = 0;
    for (s, path) in seeds.iter().enumerate() {
        let text = std::fs::read(path).unwrap();
        let base = path.parent().unwrap();
        for i in 0..150 {
            let bytes = mutate(&text, key, (s as u64) << 32 | i);
            let Ok(text) = String::from_utf8(bytes) else {
                continue;
            };
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                scenario::parse(&text, "mutant.toml", base)
            }));
            match outcome {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => assert!(
                    e.is_input_error() || matches!(e, relocsim::Error::Io { .. }),
                    "{e}"
                ),
                Err(_) => panic!("parser panicked on a mutant of {}:\n{text}", path.display()),
            }
            checked += 1;
        }
    }
    assert!(checked > 3000, "{checked} mutants checked");
}

/// The shipped sweep files and the sweep seeds of the fuzz corpus, all written against
/// `scenarios/sweeps/` (their scenarios are `../NAME.toml`).
fn sweep_seeds() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seeds = Vec::new();
    for dir in ["scenarios/sweeps", "fuzz/corpus/sweep"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|e| e == "toml") {
                seeds.push(p);
            }
        }
    }
    seeds.sort();
    seeds
}

#[test]
fn no_sweep_file_makes_the_reader_panic() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/sweeps");
    let seeds = sweep_seeds();
    assert!(seeds.len() >= 5, "{seeds:?}");
    let key = RunKey::new(2025, 0);
    let (mut checked, mut accepted) = (0, 0);
    for (s, path) in seeds.iter().enumerate() {
        let text = std::fs::read(path).unwrap();
        for i in 0..120 {
            let bytes = mutate(&text, key, (s as u64) << 32 | i);
            let Ok(text) = String::from_utf8(bytes) else {
                continue;
            };
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                Sweep::parse(&text, "mutant.toml", &base)
            }));
            match outcome {
                Ok(Ok(_)) => accepted += 1,
                Ok(Err(e)) => assert!(
                    e.is_input_error() || matches!(e, relocsim::Error::Io { .. }),
                    "{e}"
                ),
                Err(_) => panic!(
                    "sweep reader panicked on a mutant of {}:\n{text}",
                    path.display()
                ),
            }
            checked += 1;
        }
    }
    assert!(checked > 500, "{checked} mutants checked");
    // Mutants that stay valid go through every check, down to each scenario x variant.
    assert!(accepted > 20, "{accepted} of {checked} mutants accepted");
}

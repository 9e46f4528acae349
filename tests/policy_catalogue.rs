//! The catalogue of policy kinds a user reads (`relocsim policies`), the shipped
//! scenarios, and how contradictory policy settings are refused.

use std::path::{Path, PathBuf};
use std::process::Command;

use relocsim::policy::{KINDS, doc};
use relocsim::scenario::{self, Scenario};

fn relocsim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_relocsim"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &std::process::Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("relocsim-cat-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn policies_lists_every_kind_with_a_summary() {
    let out = stdout(&relocsim(&["policies"]));
    assert_eq!(KINDS.len(), 13);
    for k in KINDS {
        let line = out
            .lines()
            .find(|l| l.split_whitespace().next() == Some(k.name))
            .unwrap_or_else(|| panic!("{} missing from:\n{out}", k.name));
        assert!(line.contains(k.summary), "{line}");
    }
}

#[test]
fn every_kinds_printed_example_validates() {
    let dir = tmpdir("examples");
    for k in KINDS {
        let out = stdout(&relocsim(&["policies", k.name]));
        for p in relocsim::params::of_kind(k.name) {
            let line = format!("  {} ({}; {}", p.field(), p.unit, p.default);
            assert!(out.contains(&line) && out.contains(p.meaning), "{}", p.name);
        }
        for m in k.mechanisms {
            assert!(out.contains(m.describe()), "{}: {m:?}", k.name);
        }
        let (_, example) = out
            .split_once("relocsim validate` accepts):\n\n")
            .expect("the description ends with its example");
        assert!(example.contains(&format!("kind = \"{}\"", k.name)));
        let file = dir.join(format!("{}.toml", k.name));
        std::fs::write(&file, example).unwrap();
        let v = relocsim(&["validate", file.to_str().unwrap()]);
        assert!(
            v.status.success(),
            "{}: {}",
            k.name,
            String::from_utf8_lossy(&v.stderr)
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_unknown_kind_exits_2_with_the_valid_kinds() {
    let o = relocsim(&["policies", "growth_poles"]);
    assert_eq!(o.status.code(), Some(2));
    let msg = String::from_utf8_lossy(&o.stderr);
    assert!(
        msg.contains("unknown policy kind \"growth_poles\""),
        "{msg}"
    );
    for k in KINDS {
        assert!(msg.contains(k.name), "{msg}");
    }
}

#[test]
fn every_parameter_is_documented_and_every_documented_one_exists() {
    for k in KINDS {
        let defaults = doc::defaults(k.name);
        let mut fields: Vec<&str> = defaults.keys().map(String::as_str).collect();
        fields.retain(|f| *f != "kind");
        fields.extend(["start", "end"]);
        let mut documented: Vec<&str> = relocsim::params::of_kind(k.name)
            .map(|p| p.field())
            .collect();
        fields.sort_unstable();
        documented.sort_unstable();
        assert_eq!(fields, documented, "{}", k.name);
        assert_eq!(defaults["kind"].as_str(), Some(k.name));
    }
}

#[test]
fn shipped_scenarios_validate_and_follow_the_conventions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let r = scenario::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
        let run = &r.scenario.scenario;
        assert_eq!(run.name, stem);
        assert_eq!((run.seed, run.scale), (20200101, 0.01), "{stem}");
        names.push(stem);
    }
    for k in KINDS {
        assert!(
            names.iter().any(|n| n == k.name),
            "no example for {}",
            k.name
        );
    }
    let essay = scenario::load(&dir.join("seed_essay.toml")).unwrap();
    for k in KINDS {
        assert!(
            essay.scenario.policies.iter().any(|p| p.kind() == k.name),
            "seed_essay lacks {}",
            k.name
        );
    }
}

/// Problems `relocsim validate` reports for a scenario with these policy tables.
fn problems(policies: &str) -> Vec<String> {
    let text = format!("[scenario]\nname = \"t\"\n\n{policies}");
    let s = Scenario::from_toml(&text, "t.toml").expect("parses");
    match scenario::resolve(s, "t.toml", Path::new(".")) {
        Ok(_) => Vec::new(),
        Err(relocsim::Error::Invalid { problems, .. }) => problems,
        Err(e) => panic!("{e}"),
    }
}

const CAP: &str = "[[policy]]\nkind = \"development_intensity_control\"\n";

#[test]
fn two_different_caps_on_one_city_are_refused_with_both_indices() {
    let p = problems(&format!(
        "{CAP}start = 2020\nend = 2030\ncaps = {{ Beijing = 23000000 }}\n\
         [[policy]]\nkind = \"growth_pole\"\nstart = 2020\nend = 2035\n\
         {CAP}start = 2025\nend = 2035\ncaps = {{ Beijing = 21000000, Tianjin = 14000000 }}\n"
    ));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].contains("policy[0]") && p[0].contains("policy[2]") && p[0].contains("Beijing"),
        "{p:?}"
    );
    assert!(p[0].contains("2025-2030"), "{p:?}");
    // The same cap twice says the same thing; caps in years that do not meet combine.
    let same = format!("{CAP}start = 2020\nend = 2035\ncaps = {{ Beijing = 23000000 }}\n");
    assert!(problems(&format!("{same}{same}")).is_empty());
    let apart = format!(
        "{CAP}start = 2020\nend = 2024\ncaps = {{ Beijing = 23000000 }}\n\
         {CAP}start = 2025\nend = 2035\ncaps = {{ Beijing = 21000000 }}\n"
    );
    assert!(problems(&apart).is_empty());
}

#[test]
fn steering_a_sector_into_a_city_that_bans_it_is_refused() {
    let p = problems(
        "[[policy]]\nkind = \"non_capital_relief\"\nstart = 2020\nend = 2035\nban_entry = true\n\
         [[policy]]\nkind = \"industrial_gradient\"\nstart = 2030\nend = 2035\n\
         cities = [\"Beijing\", \"Baoding\"]\nsectors = [\"heavy_industry\", \"tech_rnd\"]\n\
         [[policy]]\nkind = \"growth_pole\"\nstart = 2020\nend = 2035\ncities = [\"Beijng\"]\n",
    );
    // One contradiction (heavy industry in Beijing) and, reported with it, the typo.
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(
        p.iter().any(|x| x.contains("unknown city \"Beijng\"")),
        "{p:?}"
    );
    let clash = p.iter().find(|x| x.contains("steers")).expect("a clash");
    assert!(
        clash.contains("policy[0] (non_capital_relief)")
            && clash.contains("policy[1] (industrial_gradient)")
            && clash.contains("heavy_industry in Beijing"),
        "{clash}"
    );
}

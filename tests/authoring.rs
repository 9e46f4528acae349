//! Writing scenarios and setting up the tool, as a new user does: `relocsim new` writes
//! a file that validates as written and never replaces one; `completions` and `man`
//! come from the command definition; `schema --json` prints draft 2020-12 schemas that
//! hold every parameter (CI validates the shipped files against them with jsonschema,
//! tests/python/check_schema.py).

mod common;

use common::{relocsim, tmpdir};

fn text(out: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn new_writes_a_scenario_that_validates_and_never_replaces_a_file() {
    let dir = tmpdir("authoring", "new");
    let file = dir.join("relief_pole.toml");
    let f = file.to_str().unwrap();
    let out = relocsim(&[
        "new",
        "relief_pole",
        "--policy",
        "non_capital_relief",
        "--policy",
        "growth_pole",
        "--out",
        f,
    ]);
    assert!(out.status.success(), "{:?}", text(&out));
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(
        written.contains("kind = \"non_capital_relief\"")
            && written.contains("kind = \"growth_pole\"")
    );
    assert!(
        written.contains("hazard_multiplier = 3.0  # x, 1 to 1000 [A]"),
        "{written}"
    );
    assert!(
        written.contains("# migration_rate = "),
        "behaviour listed, commented out"
    );
    let out = relocsim(&["validate", f]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(text(&out).0.contains("valid (2 policies"));
    // Again: refused, and the file is as it was.
    std::fs::write(&file, "# mine now\n").unwrap();
    let out = relocsim(&["new", "relief_pole", "--out", f]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("exists already"), "{:?}", text(&out));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "# mine now\n");
}

#[test]
fn new_refuses_unknown_kinds_and_bad_names_at_once() {
    let dir = tmpdir("authoring", "bad");
    let f = dir.join("x.toml");
    let out = relocsim(&[
        "new",
        "no/slash",
        "--policy",
        "growth_poles",
        "--out",
        f.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out).1;
    assert!(err.contains("NAME \"no/slash\""), "{err}");
    assert!(err.contains("did you mean `growth_pole`?"), "{err}");
    assert!(!f.exists(), "nothing written");
}

#[test]
fn completions_and_the_man_page_come_from_the_command_definition() {
    for shell in ["bash", "zsh", "fish"] {
        let out = relocsim(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let script = text(&out).0;
        for sub in ["sweep", "calibrate", "new"] {
            assert!(script.contains(sub), "{shell} completes {sub}");
        }
    }
    let out = relocsim(&["man"]);
    let page = text(&out).0;
    assert!(out.status.success());
    assert!(page.contains(".TH relocsim"), "{page:.200}");
    assert!(page.contains("sensitivity"));
}

#[test]
fn schema_json_prints_draft_2020_12_schemas_with_every_parameter() {
    for kind in ["scenario", "sweep", "calibration"] {
        let out = relocsim(&["schema", "--json", kind]);
        assert!(out.status.success(), "{kind}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
        assert_eq!(
            v["additionalProperties"], false,
            "{kind}: unknown keys are flagged"
        );
    }
    let out = relocsim(&["schema", "--json", "scenario"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let behaviour = &v["properties"]["behaviour"]["properties"];
    assert_eq!(behaviour["migration_rate"]["minimum"], 0.0);
    assert!(
        behaviour["migration_rate"]["description"]
            .as_str()
            .unwrap()
            .contains("share/year")
    );
    let out = relocsim(&["schema", "--json", "sweep"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["properties"]["sweep"]["properties"]["include_default"]["default"],
        true
    );
}

#[test]
fn bench_runs_outside_the_repository_and_its_help_names_each_default_once() {
    let dir = tmpdir("authoring", "bench");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_relocsim"))
        .args(["bench", "--scale", "0.0005", "--threads", "1"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(text(&out).0.contains("agent-steps"), "{:?}", text(&out));
    let help = text(&relocsim(&["bench", "--help"])).0;
    let scenario = help.lines().find(|l| l.contains("--scenario")).unwrap();
    assert_eq!(scenario.matches("default").count(), 1, "{scenario}");
}

//! The Slurm scripts: shell quoting survives spaces, quotes and `$`; submit.sh hands
//! sbatch intact paths and chains the summary job on the array; the array script run as
//! Slurm would run it (its environment set by hand) runs exactly its share; option values
//! that would break an `#SBATCH` line are refused.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use relocsim::batch::{Plan, SlurmOptions, Sweep, shell_quote, write_scripts};

const TRICKY: [&str; 16] = [
    "plain",
    "with space",
    "it's",
    "a\"b",
    "$HOME",
    "`id`",
    "back\\slash",
    "new\nline",
    "tab\there",
    "ünïcode",
    "*",
    "~",
    "a;b&c|d",
    "",
    "--flag",
    "100%",
];

#[test]
fn quoted_words_reach_the_shell_unchanged() {
    for shell in ["sh", "bash"] {
        for s in TRICKY {
            let script = format!("printf '%s' {}", shell_quote(s));
            let out = Command::new(shell).arg("-c").arg(&script).output().unwrap();
            assert_eq!(
                String::from_utf8(out.stdout).unwrap(),
                s,
                "{shell}: {script}"
            );
        }
    }
}

/// A sweep of four tiny runs in a directory whose name needs quoting, and its scripts.
fn scripts(name: &str, max_array_size: usize) -> (PathBuf, Sweep, SlurmOptions) {
    let root = common::tmpdir("slurm", name).join("it's a $dir 100%");
    std::fs::create_dir_all(&root).unwrap();
    let path = common::sweep_file(&root, &["baseline", "non_capital_relief"], 2, "");
    let sweep = Sweep::load(&path).unwrap();
    let opts = SlurmOptions {
        out: root.join("out put"),
        binary: PathBuf::from(env!("CARGO_BIN_EXE_relocsim")),
        sweep_file: path,
        partition: Some("debug".into()),
        time: Some("00:10:00".into()),
        cpus: 2,
        mem: Some("1G".into()),
        max_parallel: Some(3),
        max_array_size,
        baseline: Some("baseline".into()),
    };
    write_scripts(&sweep, &opts).unwrap();
    (root, sweep, opts)
}

/// A stand-in `sbatch` that records its arguments, one per line, and answers with a job
/// id (exiting with $FAKE_STATUS for the array, as `sbatch --wait` does on failure).
fn fake_sbatch(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = "#!/bin/bash\nn=$(ls \"$FAKE_LOG\" 2>/dev/null | wc -l)\nprintf '%s\\n' \"$@\" > \"$FAKE_LOG/call$n\"\nif [ \"$n\" = 0 ]; then echo 42; exit \"${FAKE_STATUS:-0}\"; fi\necho '43;cluster'\n";
    let path = bin.join("sbatch");
    std::fs::write(&path, script).unwrap();
    Command::new("chmod").arg("+x").arg(&path).status().unwrap();
    bin
}

fn submit(root: &Path, out: &Path, status: i32) -> (i32, Vec<Vec<String>>) {
    let bin = fake_sbatch(root);
    let log = root.join(format!("calls{status}"));
    std::fs::create_dir_all(&log).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let o = Command::new("bash")
        .arg(out.join("slurm/submit.sh"))
        .arg("--wait")
        .env("PATH", path)
        .env("FAKE_LOG", &log)
        .env("FAKE_STATUS", status.to_string())
        .output()
        .unwrap();
    let calls = (0..2)
        .map(|n| {
            let text = std::fs::read_to_string(log.join(format!("call{n}"))).unwrap();
            text.lines().map(String::from).collect()
        })
        .collect();
    (o.status.code().unwrap(), calls)
}

#[test]
fn submit_hands_sbatch_intact_paths_and_chains_the_summary() {
    let (root, _, opts) = scripts("submit", 1000);
    for f in ["array.sbatch", "summarize.sbatch", "submit.sh"] {
        let ok = Command::new("bash")
            .arg("-n")
            .arg(opts.out.join("slurm").join(f))
            .status()
            .unwrap();
        assert!(ok.success(), "{f} parses");
    }
    let (code, calls) = submit(&root, &opts.out, 0);
    assert_eq!(code, 0);
    let slurm = opts.out.join("slurm");
    let logs = slurm.join("logs").display().to_string().replace('%', "%%");
    assert_eq!(
        calls[0],
        [
            "--parsable".to_string(),
            format!("--output={logs}/array-%A_%a.out"),
            "--wait".into(),
            slurm.join("array.sbatch").display().to_string(),
        ]
    );
    assert_eq!(calls[1][1], "--dependency=afterany:42");
    assert_eq!(
        calls[1][4],
        slurm.join("summarize.sbatch").display().to_string()
    );
    // A failed array still gets its summary job, and the status says it failed.
    let (code, calls) = submit(&root, &opts.out, 3);
    assert_eq!(
        (code, calls[1][1].as_str()),
        (3, "--dependency=afterany:42")
    );
}

#[test]
fn the_array_script_runs_its_share_and_the_summary_script_summarises() {
    let (_, sweep, opts) = scripts("array", 3);
    let text = std::fs::read_to_string(opts.out.join("slurm/array.sbatch")).unwrap();
    for line in [
        "#SBATCH --array=0-2%3",
        "#SBATCH --cpus-per-task=2",
        "#SBATCH --partition=debug",
        "#SBATCH --time=00:10:00",
        "#SBATCH --mem=1G",
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }
    let done = |t: usize| {
        opts.out
            .join(sweep.plan().task(t).path)
            .join("manifest.toml")
            .exists()
    };
    let element = |id: &str| {
        let o = Command::new("bash")
            .arg(opts.out.join("slurm/array.sbatch"))
            .env("SLURM_ARRAY_TASK_ID", id)
            .env("SLURM_ARRAY_TASK_MIN", "0")
            .env("SLURM_ARRAY_TASK_COUNT", "3")
            .env("SLURM_CPUS_PER_TASK", "2")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    element("1");
    assert_eq!(
        (0..4).map(done).collect::<Vec<_>>(),
        [false, true, false, false]
    );
    element("0");
    element("2");
    assert!((0..4).all(done), "elements 0..3 of 3 cover the four tasks");
    let o = Command::new("bash")
        .arg(opts.out.join("slurm/summarize.sbatch"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(opts.out.join("summary/summary.parquet").exists());
    assert_eq!(&Plan::read(&opts.out).unwrap(), sweep.plan());
}

#[test]
fn option_values_that_would_break_an_sbatch_line_are_refused() {
    let (_, sweep, mut opts) = scripts("refuse", 1000);
    opts.partition = Some("gpu # all".into());
    let e = write_scripts(&sweep, &opts).unwrap_err();
    assert!(e.is_input_error(), "{e}");
    assert!(e.to_string().contains("--partition"), "{e}");
}

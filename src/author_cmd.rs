//! The binary's commands for writing scenarios and setting up the tool: `new` (a
//! commented scenario from the registry), `completions` and `man` (from the clap
//! definition itself, so they never fall behind the flags). Part of the binary, not the
//! library (which prints nothing).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use relocsim::Error;

#[derive(Args)]
pub struct NewArgs {
    /// The scenario's name (letters, digits, `_` and `-`): its `scenario.name` and,
    /// without --out, its file NAME.toml in the current directory.
    name: String,
    /// A policy kind to add as a table with every parameter at its default (repeat for
    /// more); `relocsim policies` lists the kinds.
    #[arg(long = "policy", value_name = "KIND")]
    policies: Vec<String>,
    /// The file to write [default: NAME.toml]; an existing file is never replaced.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// Writes the scaffold, after checking the name and the kinds, and checks that what it
/// wrote validates.
pub fn new(args: NewArgs) -> Result<()> {
    let mut problems = Vec::new();
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if args.name.is_empty() || !args.name.chars().all(ok) {
        problems.push(format!(
            "NAME {:?}: use letters, digits, `_` and `-` (it names the file and the runs' directories)",
            args.name
        ));
    }
    let kinds: Vec<&str> = relocsim::policy::KINDS.iter().map(|k| k.name).collect();
    for k in &args.policies {
        if !kinds.contains(&k.as_str()) {
            let hint = relocsim::text::suggest(k, kinds.iter().copied());
            problems.push(format!("--policy {k}: unknown policy kind; {hint}"));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid {
            file: "relocsim new".into(),
            problems,
        }
        .into());
    }
    let path = args
        .out
        .unwrap_or_else(|| PathBuf::from(format!("{}.toml", args.name)));
    let wanted: Vec<&str> = args.policies.iter().map(String::as_str).collect();
    let text = relocsim::scenario::scaffold::scaffold(&args.name, &wanted);
    // A scaffold that does not validate is a bug here, not the user's: say so before
    // writing anything.
    let base = path.parent().unwrap_or(std::path::Path::new("."));
    relocsim::scenario::parse(&text, &path.display().to_string(), base)?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => Error::OutputRefused {
                path: path.clone(),
                reason: "exists already; relocsim new never replaces a file: choose another NAME or --out".into(),
            },
            _ => Error::io(&path, e),
        })?;
    file.write_all(text.as_bytes())
        .map_err(|e| Error::io(&path, e))?;
    println!(
        "wrote {} ({} policy table(s)); check it with `relocsim validate {}`",
        path.display(),
        wanted.len(),
        path.display()
    );
    Ok(())
}

/// Shell completions for `shell`, generated from the command definition.
pub fn completions(shell: clap_complete::Shell, mut command: clap::Command) -> Result<()> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "relocsim", &mut out);
    crate::write_stdout(format_args!("{}", String::from_utf8_lossy(&out)))
}

/// The man page (roff), generated from the command definition.
pub fn man(command: clap::Command) -> Result<()> {
    let mut out = Vec::new();
    clap_mangen::Man::new(command).render(&mut out)?;
    crate::write_stdout(format_args!("{}", String::from_utf8_lossy(&out)))
}

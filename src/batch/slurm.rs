//! Slurm job arrays for a sweep: `relocsim sweep slurm` writes `DIR/slurm/array.sbatch`
//! (one array element per share of the tasks, each element a `relocsim sweep run` that
//! reads its share from Slurm's environment), `DIR/slurm/summarize.sbatch` (the summary,
//! run after the array) and `DIR/slurm/submit.sh` (submits both, chained by a
//! dependency). Paths go into the scripts shell-quoted, never into `#SBATCH` lines
//! (which sbatch parses without a shell), so any directory name works.

use std::path::{Path, PathBuf};

use super::sweep::Sweep;
use crate::error::{Error, Result};

/// sbatch settings of the generated scripts; `None` leaves a setting to the cluster.
#[derive(Clone, Debug)]
pub struct SlurmOptions {
    /// The sweep's output directory; absolute, as array jobs may start elsewhere.
    pub out: PathBuf,
    /// The relocsim binary the jobs run, absolute.
    pub binary: PathBuf,
    /// The sweep file, absolute.
    pub sweep_file: PathBuf,
    pub partition: Option<String>,
    pub time: Option<String>,
    /// CPUs per array element; each run uses them as worker threads.
    pub cpus: u32,
    pub mem: Option<String>,
    /// At most this many array elements at once (`--array=...%N`).
    pub max_parallel: Option<u32>,
    /// Array elements at most (clusters cap arrays with MaxArraySize, often 1001); with
    /// more tasks than this, each element runs several.
    pub max_array_size: usize,
    /// Passed to `relocsim summarize --baseline`.
    pub baseline: Option<String>,
}

/// The files written, and the array's size.
#[derive(Clone, Debug)]
pub struct SlurmScripts {
    pub array: PathBuf,
    pub summarize: PathBuf,
    pub submit: PathBuf,
    pub array_size: usize,
}

/// Quotes `s` for a POSIX shell: unchanged when it holds only characters no shell
/// treats specially, else in single quotes with each `'` written `'\''`.
pub fn shell_quote(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// sbatch expands `%` in `--output` names (`%A` the job, `%a` the element); a literal
/// `%` in a directory name is written `%%`.
fn output_pattern(dir: &Path, name: &str) -> Result<String> {
    Ok(format!("{}/{name}", utf8(dir)?.replace('%', "%%")))
}

fn utf8(p: &Path) -> Result<&str> {
    p.to_str().ok_or_else(|| Error::NotUtf8(p.to_path_buf()))
}

/// An `#SBATCH` value must be one plain word: sbatch reads these lines itself.
fn directive(option: &str, value: &str) -> Result<String> {
    let bad = value.is_empty()
        || value
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "'\"#\\$`".contains(c));
    if bad {
        return Err(Error::SlurmOption {
            option: option.into(),
            value: value.into(),
            reason: "give one word without spaces, quotes, '#', '$' or backslashes".into(),
        });
    }
    Ok(format!("#SBATCH --{option}={value}\n"))
}

/// The `#SBATCH` lines both jobs share.
fn common_directives(opts: &SlurmOptions) -> Result<String> {
    let mut out = format!("#SBATCH --cpus-per-task={}\n", opts.cpus.max(1));
    let pairs = [
        ("partition", &opts.partition),
        ("time", &opts.time),
        ("mem", &opts.mem),
    ];
    for (option, value) in pairs {
        if let Some(v) = value {
            out.push_str(&directive(option, v)?);
        }
    }
    Ok(out)
}

/// The job array script: element I runs the tasks with index % size == I.
pub fn array_script(sweep: &Sweep, opts: &SlurmOptions, size: usize) -> Result<String> {
    let limit = opts
        .max_parallel
        .map(|p| format!("%{}", p.max(1)))
        .unwrap_or_default();
    let command = [
        shell_quote(utf8(&opts.binary)?),
        "sweep run".into(),
        shell_quote(utf8(&opts.sweep_file)?),
        "--out".into(),
        shell_quote(utf8(&opts.out)?),
        "--jobs 1 --threads \"${SLURM_CPUS_PER_TASK:-1}\" --quiet".into(),
    ]
    .join(" ");
    Ok(format!(
        "#!/bin/bash\n\
         # relocsim sweep `{name}`: {n} runs as a job array of {size} elements. Element I runs\n\
         # the tasks whose index i has i % {size} == I; relocsim reads I from\n\
         # SLURM_ARRAY_TASK_ID minus SLURM_ARRAY_TASK_MIN. Written by `relocsim sweep slurm`;\n\
         # submit with submit.sh beside this file.\n\
         #SBATCH --job-name=relocsim-{name}\n\
         #SBATCH --array=0-{last}{limit}\n\
         {common}\
         set -euo pipefail\n\
         exec {command}\n",
        name = sweep.plan().name,
        n = sweep.plan().len(),
        last = size - 1,
        common = common_directives(opts)?,
    ))
}

/// The summary job's script.
pub fn summarize_script(sweep: &Sweep, opts: &SlurmOptions) -> Result<String> {
    let mut command = format!(
        "{} summarize {}",
        shell_quote(utf8(&opts.binary)?),
        shell_quote(utf8(&opts.out)?)
    );
    if let Some(b) = &opts.baseline {
        command.push_str(&format!(" --baseline {}", shell_quote(b)));
    }
    Ok(format!(
        "#!/bin/bash\n\
         # Summarises relocsim sweep `{name}` once its job array has ended. Written by\n\
         # `relocsim sweep slurm`.\n\
         #SBATCH --job-name=relocsim-{name}-summary\n\
         {common}\
         set -euo pipefail\n\
         exec {command}\n",
        name = sweep.plan().name,
        common = common_directives(opts)?,
    ))
}

/// Submits the array, then the summary job with `--dependency=afterany:ARRAY` (it runs
/// even when tasks failed, and then reports which runs are missing).
pub fn submit_script(slurm_dir: &Path, n_tasks: usize) -> Result<String> {
    let logs = slurm_dir.join("logs");
    let q = |p: &Path| utf8(p).map(shell_quote);
    let array_log = shell_quote(&format!(
        "--output={}",
        output_pattern(&logs, "array-%A_%a.out")?
    ));
    let summary_log = shell_quote(&format!(
        "--output={}",
        output_pattern(&logs, "summarize-%j.out")?
    ));
    let array = q(&slurm_dir.join("array.sbatch"))?;
    let summarize = q(&slurm_dir.join("summarize.sbatch"))?;
    Ok(format!(
        r#"#!/bin/bash
# Submits the relocsim sweep's job array ({n_tasks} runs), then its summary job, which starts
# when the whole array has ended (afterany: also after failed tasks). Arguments go to
# both sbatch calls, e.g. --account=NAME, or --wait to return when each job has ended;
# the exit status is then the highest of the array's tasks and the summary's.
# Written by `relocsim sweep slurm`.
set -u
array_status=0
array=$(sbatch --parsable {array_log} "$@" {array}) || array_status=$?
array=${{array%%;*}}
if [ -z "$array" ]; then
    echo "submit.sh: the job array was not submitted" >&2
    exit 1
fi
summary_status=0
summary=$(sbatch --parsable --dependency=afterany:"$array" {summary_log} "$@" {summarize}) || summary_status=$?
summary=${{summary%%;*}}
echo "job array $array, summary job ${{summary:-not submitted}}"
if [ "$array_status" -gt "$summary_status" ]; then exit "$array_status"; fi
exit "$summary_status"
"#
    ))
}

/// Writes the three scripts (executable) and the plan file, and makes the log folder.
pub fn write_scripts(sweep: &Sweep, opts: &SlurmOptions) -> Result<SlurmScripts> {
    let dir = opts.out.join("slurm");
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).map_err(|e| Error::io(&logs, e))?;
    sweep.plan().write(&opts.out)?;
    super::index::write(sweep, &opts.out)?;
    let size = sweep.plan().len().min(opts.max_array_size.max(1));
    let files = SlurmScripts {
        array: dir.join("array.sbatch"),
        summarize: dir.join("summarize.sbatch"),
        submit: dir.join("submit.sh"),
        array_size: size,
    };
    write_executable(&files.array, &array_script(sweep, opts, size)?)?;
    write_executable(&files.summarize, &summarize_script(sweep, opts)?)?;
    write_executable(&files.submit, &submit_script(&dir, sweep.plan().len())?)?;
    Ok(files)
}

fn write_executable(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| Error::io(path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::Permissions::from_mode(0o755);
        std::fs::set_permissions(path, mode).map_err(|e| Error::io(path, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_leaves_plain_words_and_wraps_the_rest() {
        assert_eq!(shell_quote("/a/b-c_d.toml"), "/a/b-c_d.toml");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("$HOME"), "'$HOME'");
    }

    #[test]
    fn directives_refuse_what_would_break_the_line() {
        assert!(directive("partition", "gpu,cpu").is_ok());
        assert!(directive("time", "1-00:00:00").is_ok());
        for bad in ["a b", "x#y", "", "a\nb", "'q'"] {
            assert!(directive("partition", bad).is_err(), "{bad:?}");
        }
    }
}

//! What bounds the memory a run may take, read from every place a limit can come from:
//! the kernel's estimate of free memory, the cgroup the process runs in (v2 or v1),
//! `ulimit -v` and a Slurm allocation. Any one of them can be the tightest, and a run
//! that passes one but not another dies with a failed allocation instead of a message,
//! so all are read and the tightest wins.
//!
//! Each source is a parser of text (file contents, an environment lookup) so it can be
//! tested without the machine having that limit; [`limits`] does the reading.

use std::path::Path;

/// Where a limit comes from; named in the refusal so the user knows what to raise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    MemAvailable,
    CgroupV2,
    CgroupV1,
    /// Counts address space, not resident memory: compared against the estimate plus
    /// the address space a run reserves without touching.
    RlimitAs,
    Slurm,
}

impl Source {
    pub fn describe(self) -> &'static str {
        match self {
            Source::MemAvailable => "MemAvailable in /proc/meminfo",
            Source::CgroupV2 => "cgroup v2 memory.max",
            Source::CgroupV1 => "cgroup v1 memory.limit_in_bytes",
            Source::RlimitAs => "RLIMIT_AS, ulimit -v",
            Source::Slurm => "Slurm allocation, SLURM_MEM_PER_NODE or SLURM_MEM_PER_CPU",
        }
    }
}

/// Bytes this process may still take under one limit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limit {
    pub source: Source,
    pub bytes: f64,
}

/// Values at or above this are "no limit": cgroup v1 writes an unlimited limit as the
/// largest page-aligned i64, and no machine has an exbibyte.
const UNLIMITED: u64 = 1 << 60;
const KIB: u64 = 1024;
const MIB: u64 = 1024 * 1024;

/// Every limit that applies to this process now.
pub fn limits() -> Vec<Limit> {
    let status = read("/proc/self/status");
    let rss = status
        .as_deref()
        .and_then(|s| status_kib(s, "VmRSS"))
        .unwrap_or(0);
    let mut out = Vec::new();
    let mut add = |source, bytes: Option<u64>| {
        if let Some(b) = bytes {
            out.push(Limit {
                source,
                bytes: b as f64,
            });
        }
    };
    add(
        Source::MemAvailable,
        read("/proc/meminfo").as_deref().and_then(mem_available),
    );
    let cgroups = read("/proc/self/cgroup").unwrap_or_default();
    add(
        Source::CgroupV2,
        cgroup_v2_path(&cgroups).and_then(v2_headroom),
    );
    add(
        Source::CgroupV1,
        cgroup_v1_path(&cgroups).and_then(v1_headroom),
    );
    let vm = status.as_deref().and_then(|s| status_kib(s, "VmSize"));
    add(Source::RlimitAs, rlimit_headroom(soft_rlimit_as(), vm));
    let slurm = slurm_bytes(|k| std::env::var(k).ok());
    add(Source::Slurm, slurm.map(|b| b.saturating_sub(rss)));
    out
}

fn read(path: impl AsRef<Path>) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// `MemAvailable` of /proc/meminfo, in bytes.
pub fn mem_available(meminfo: &str) -> Option<u64> {
    status_kib(meminfo, "MemAvailable")
}

/// A `Name:   123 kB` line of /proc/meminfo or /proc/self/status, in bytes.
pub fn status_kib(text: &str, name: &str) -> Option<u64> {
    let rest = text
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))?;
    let kib: u64 = rest.split_whitespace().next()?.parse().ok()?;
    Some(kib * KIB)
}

/// The unified hierarchy's path of /proc/self/cgroup (the `0::PATH` line).
pub fn cgroup_v2_path(cgroup: &str) -> Option<String> {
    cgroup
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .map(str::to_string)
}

/// The memory controller's path of /proc/self/cgroup (`N:...memory...:PATH`).
pub fn cgroup_v1_path(cgroup: &str) -> Option<String> {
    cgroup.lines().find_map(|l| {
        let mut parts = l.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        controllers
            .split(',')
            .any(|c| c == "memory")
            .then(|| path.to_string())
    })
}

/// The directory of `path` under the hierarchy mounted at `mount`, and its ancestors:
/// a limit set on a parent (a Slurm job above its step, a container above its
/// processes) binds as much as one set on the process's own group. Inside a cgroup
/// namespace or a container the path may not exist under the mount; the mount root is
/// then the process's own group, and is always included.
fn groups(mount: &str, path: &str) -> Vec<std::path::PathBuf> {
    let mut dirs = Vec::new();
    let mut p = Path::new(path.trim());
    loop {
        let rel = p.strip_prefix("/").unwrap_or(p);
        dirs.push(Path::new(mount).join(rel));
        match p.parent() {
            Some(parent) => p = parent,
            None => break,
        }
    }
    dirs.into_iter().filter(|d| d.is_dir()).collect()
}

/// The tightest headroom over `dirs`, each read by `one`.
fn tightest(dirs: Vec<std::path::PathBuf>, one: impl Fn(&Path) -> Option<u64>) -> Option<u64> {
    dirs.iter().filter_map(|d| one(d)).min()
}

fn v2_headroom(path: String) -> Option<u64> {
    tightest(groups("/sys/fs/cgroup", &path), |d| {
        let stat = read(d.join("memory.stat"));
        cgroup_v2_headroom(
            &read(d.join("memory.max"))?,
            &read(d.join("memory.current"))?,
            stat.as_deref(),
        )
    })
}

fn v1_headroom(path: String) -> Option<u64> {
    tightest(groups("/sys/fs/cgroup/memory", &path), |d| {
        let stat = read(d.join("memory.stat"));
        cgroup_v1_headroom(
            &read(d.join("memory.limit_in_bytes"))?,
            &read(d.join("memory.usage_in_bytes"))?,
            stat.as_deref(),
        )
    })
}

/// Headroom under a cgroup v2 group from its `memory.max`, `memory.current` and
/// `memory.stat`; None for "max" (no limit).
pub fn cgroup_v2_headroom(max: &str, current: &str, stat: Option<&str>) -> Option<u64> {
    let max = max.trim();
    if max == "max" {
        return None;
    }
    let reclaimable = stat.and_then(|s| stat_value(s, "inactive_file"));
    headroom(max.parse().ok()?, current.trim().parse().ok()?, reclaimable)
}

/// Headroom under a cgroup v1 group from its `memory.limit_in_bytes`,
/// `memory.usage_in_bytes` and `memory.stat`; None for an unlimited group.
pub fn cgroup_v1_headroom(limit: &str, usage: &str, stat: Option<&str>) -> Option<u64> {
    let reclaimable = stat.and_then(|s| stat_value(s, "total_inactive_file"));
    headroom(
        limit.trim().parse().ok()?,
        usage.trim().parse().ok()?,
        reclaimable,
    )
}

/// Limit minus usage, where usage leaves out inactive page cache: the kernel drops it
/// before it fails an allocation, and counting it would refuse a run on a machine that
/// has just written files.
fn headroom(limit: u64, usage: u64, reclaimable: Option<u64>) -> Option<u64> {
    if limit >= UNLIMITED {
        return None;
    }
    let used = usage.saturating_sub(reclaimable.unwrap_or(0));
    Some(limit.saturating_sub(used))
}

/// A `name value` line of a cgroup's memory.stat.
fn stat_value(stat: &str, name: &str) -> Option<u64> {
    stat.lines().find_map(|l| {
        let (k, v) = l.split_once(' ')?;
        (k == name).then(|| v.trim().parse().ok())?
    })
}

/// The soft RLIMIT_AS in bytes; None when unlimited or unreadable.
fn soft_rlimit_as() -> Option<u64> {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit through a valid pointer and reads nothing else.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut r) } == 0;
    // rlim_t is narrower than u64 on some 32-bit targets.
    #[allow(clippy::unnecessary_cast)]
    let soft = r.rlim_cur as u64;
    (ok && r.rlim_cur != libc::RLIM_INFINITY).then_some(soft)
}

/// Address space still free under a soft RLIMIT_AS of `soft` bytes, with `vm_size`
/// bytes mapped now (VmSize of /proc/self/status).
pub fn rlimit_headroom(soft: Option<u64>, vm_size: Option<u64>) -> Option<u64> {
    let soft = soft.filter(|&s| s < UNLIMITED)?;
    Some(soft.saturating_sub(vm_size.unwrap_or(0)))
}

/// The memory Slurm allocated to this job on this node, in bytes: `SLURM_MEM_PER_NODE`,
/// or `SLURM_MEM_PER_CPU` times the CPUs (`SLURM_CPUS_ON_NODE`, else
/// `SLURM_CPUS_PER_TASK`, else one). Slurm gives both in MiB; 0 asks for all of the
/// node, which is no limit of its own.
pub fn slurm_bytes(get: impl Fn(&str) -> Option<String>) -> Option<u64> {
    if let Some(per_node) = get("SLURM_MEM_PER_NODE") {
        return mebibytes(&per_node).filter(|&b| b > 0);
    }
    let per_cpu = mebibytes(&get("SLURM_MEM_PER_CPU")?)?;
    let cpus = ["SLURM_CPUS_ON_NODE", "SLURM_CPUS_PER_TASK"]
        .iter()
        .find_map(|k| get(k)?.trim().parse::<u64>().ok())
        .unwrap_or(1);
    Some(per_cpu * cpus).filter(|&b| b > 0)
}

/// A Slurm memory size: MiB, or a number with a K, M, G or T suffix as `--mem` takes.
fn mebibytes(value: &str) -> Option<u64> {
    let v = value.trim();
    let (digits, unit) = match v.char_indices().last()? {
        (i, c) if c.is_ascii_alphabetic() => (&v[..i], c.to_ascii_uppercase()),
        _ => (v, 'M'),
    };
    let n: u64 = digits.parse().ok()?;
    let scale = match unit {
        'K' => KIB,
        'M' => MIB,
        'G' => MIB * KIB,
        'T' => MIB * MIB,
        _ => return None,
    };
    n.checked_mul(scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1024 * MIB;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn mem_available_is_read_in_kib() {
        let text = "MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:    2048 kB\n";
        assert_eq!(mem_available(text), Some(2 * MIB));
        assert_eq!(mem_available("MemTotal: 5 kB\n"), None);
    }

    #[test]
    fn vm_size_and_rss_come_from_their_own_lines() {
        let status = "Name:\trelocsim\nVmPeak:\t  999 kB\nVmSize:\t  4096 kB\nVmRSS:\t  1024 kB\n";
        assert_eq!(status_kib(status, "VmSize"), Some(4 * MIB));
        assert_eq!(status_kib(status, "VmRSS"), Some(MIB));
        assert_eq!(status_kib(status, "VmSwap"), None);
    }

    #[test]
    fn cgroup_paths_are_found_for_both_hierarchies() {
        let v1 = "9:name=systemd:/\n5:cpu,memory:/slurm/uid_1/job_7\n0::/\n";
        assert_eq!(cgroup_v1_path(v1).as_deref(), Some("/slurm/uid_1/job_7"));
        assert_eq!(cgroup_v2_path(v1).as_deref(), Some("/"));
        let v2 = "0::/user.slice/user-1000.slice/session-3.scope\n";
        assert_eq!(
            cgroup_v2_path(v2).as_deref(),
            Some("/user.slice/user-1000.slice/session-3.scope")
        );
        assert_eq!(cgroup_v1_path(v2), None);
        // "memory" must be a controller, not part of a name.
        assert_eq!(cgroup_v1_path("3:name=memoryless:/x\n"), None);
    }

    #[test]
    fn a_group_is_read_with_its_ancestors_up_to_the_mount() {
        let mount = std::env::temp_dir().join(format!("relocsim-cgroup-{}", std::process::id()));
        std::fs::create_dir_all(mount.join("slurm/job_7/step_0")).unwrap();
        let m = mount.to_str().unwrap();
        let found = groups(m, "/slurm/job_7/step_0\n");
        let expected: Vec<_> = ["slurm/job_7/step_0", "slurm/job_7", "slurm", ""]
            .iter()
            .map(|p| mount.join(p))
            .collect();
        assert_eq!(found, expected);
        // Inside a container the host's path is not under the mount: the root is the
        // process's own group.
        assert_eq!(groups(m, "/docker/0123abcd"), vec![mount.join("")]);
        std::fs::remove_dir_all(&mount).unwrap();
    }

    #[test]
    fn cgroup_v2_limit_minus_current_less_inactive_cache() {
        let stat = "anon 100\nfile 600\ninactive_file 500\nactive_file 100\n";
        assert_eq!(
            cgroup_v2_headroom("2147483648\n", "1073742324\n", Some(stat)),
            Some(GIB)
        );
        assert_eq!(
            cgroup_v2_headroom("2147483648", "1073741824", None),
            Some(GIB)
        );
        assert_eq!(cgroup_v2_headroom("max\n", "1073741824\n", None), None);
        // Usage over the limit leaves nothing, not a negative number.
        assert_eq!(cgroup_v2_headroom("100", "200", None), Some(0));
        assert_eq!(cgroup_v2_headroom("lots", "200", None), None);
    }

    #[test]
    fn cgroup_v1_limit_minus_usage_and_its_unlimited_value() {
        let stat = "cache 700\ninactive_file 1\ntotal_inactive_file 300\n";
        assert_eq!(
            cgroup_v1_headroom("1073741824\n", "1000\n", Some(stat)),
            Some(GIB - 700)
        );
        assert_eq!(
            cgroup_v1_headroom("9223372036854771712\n", "1000\n", Some(stat)),
            None
        );
    }

    #[test]
    fn rlimit_as_leaves_the_limit_minus_what_is_mapped() {
        assert_eq!(
            rlimit_headroom(Some(GIB), Some(100 * MIB)),
            Some(GIB - 100 * MIB)
        );
        assert_eq!(rlimit_headroom(Some(GIB), Some(2 * GIB)), Some(0));
        assert_eq!(rlimit_headroom(None, Some(GIB)), None);
        assert_eq!(rlimit_headroom(Some(u64::MAX), Some(GIB)), None);
    }

    #[test]
    fn slurm_memory_per_node_is_in_mib() {
        assert_eq!(
            slurm_bytes(env(&[("SLURM_MEM_PER_NODE", "100")])),
            Some(100 * MIB)
        );
        assert_eq!(
            slurm_bytes(env(&[("SLURM_MEM_PER_NODE", "4G")])),
            Some(4 * GIB)
        );
        // Per node wins over per CPU (Slurm sets only one, but be definite).
        let both = [("SLURM_MEM_PER_NODE", "100"), ("SLURM_MEM_PER_CPU", "1000")];
        assert_eq!(slurm_bytes(env(&both)), Some(100 * MIB));
    }

    #[test]
    fn slurm_memory_per_cpu_is_multiplied_by_the_cpus() {
        let on_node = [
            ("SLURM_MEM_PER_CPU", "2000"),
            ("SLURM_CPUS_ON_NODE", "4"),
            ("SLURM_CPUS_PER_TASK", "2"),
        ];
        assert_eq!(slurm_bytes(env(&on_node)), Some(8000 * MIB));
        let per_task = [("SLURM_MEM_PER_CPU", "2000"), ("SLURM_CPUS_PER_TASK", "2")];
        assert_eq!(slurm_bytes(env(&per_task)), Some(4000 * MIB));
        assert_eq!(
            slurm_bytes(env(&[("SLURM_MEM_PER_CPU", "512")])),
            Some(512 * MIB)
        );
    }

    #[test]
    fn no_or_unusable_slurm_allocation_is_no_limit() {
        assert_eq!(slurm_bytes(env(&[])), None);
        assert_eq!(slurm_bytes(env(&[("SLURM_MEM_PER_NODE", "0")])), None);
        assert_eq!(slurm_bytes(env(&[("SLURM_MEM_PER_NODE", "lots")])), None);
        assert_eq!(slurm_bytes(env(&[("SLURM_CPUS_ON_NODE", "4")])), None);
    }
}

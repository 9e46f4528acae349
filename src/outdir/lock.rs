//! One writer per output: a lock file created atomically beside the output (written in
//! full under a unique name, then hard-linked to the lock's name, which fails if the
//! lock exists: atomic on local and network file systems alike). It names the process
//! holding it (process id, host, the process's start time, for process ids the kernel
//! reuses) and is removed when the holder drops it. A lock whose holder no longer runs
//! on this host is stale and taken over; a lock of another host is respected, since its
//! process cannot be checked from here.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What a lock file says about its holder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Holder {
    pid: u32,
    host: String,
    /// The holder's start, in clock ticks after boot (`/proc/PID/stat` field 22).
    process_start: u64,
    /// When the lock was taken (UTC), for the message a second writer gets.
    since: String,
}

/// A held lock; dropping it releases it.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Lock {
    /// Takes the lock `path` on behalf of `target` (named in the refusal).
    pub fn acquire(path: &Path, target: &Path) -> Result<Lock> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let me = Holder::this_process();
        // A stale lock is removed and the link tried again; two rounds are enough
        // unless another writer keeps taking it, and then it is that writer's.
        for _ in 0..3 {
            match try_link(path, &me)? {
                None => {
                    return Ok(Lock {
                        path: path.to_path_buf(),
                    });
                }
                Some(held) if held.is_stale() => remove_if_unchanged(path, &held)?,
                Some(held) => return Err(locked(path, target, held)),
            }
        }
        let held = read(path)?.unwrap_or_else(Holder::unknown);
        Err(locked(path, target, held))
    }
}

fn locked(path: &Path, target: &Path, held: Holder) -> Error {
    Error::Locked {
        path: target.to_path_buf(),
        lock: path.to_path_buf(),
        pid: held.pid,
        host: held.host,
        since: held.since,
    }
}

/// Creates the lock, or returns its holder when it exists already.
fn try_link(path: &Path, me: &Holder) -> Result<Option<Holder>> {
    let tmp = unique_sibling(path);
    let text = toml::to_string(me).expect("a lock holder serialises");
    std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            // A lock that vanished in between is simply tried again.
            Ok(Some(read(path)?.unwrap_or_else(Holder::unknown)))
        }
        Err(e) => Err(Error::io(path, e)),
    }
}

/// The lock's holder; None if the lock is gone. A file that does not parse (written by
/// something else) is kept and reported, never taken over.
fn read(path: &Path) -> Result<Option<Holder>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(
            toml::from_str(&text).unwrap_or_else(|_| Holder::unknown()),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Removes a stale lock unless another process replaced it in the meantime.
fn remove_if_unchanged(path: &Path, stale: &Holder) -> Result<()> {
    if read(path)?.as_ref() == Some(stale) {
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(Error::io(path, e)),
            _ => {}
        }
    }
    Ok(())
}

fn unique_sibling(path: &Path) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!("{name}.{}.{nanos}", std::process::id()))
}

impl Holder {
    fn this_process() -> Holder {
        let pid = std::process::id();
        Holder {
            pid,
            host: hostname(),
            process_start: process_start(pid).unwrap_or(0),
            since: crate::output::manifest::utc_timestamp(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0),
            ),
        }
    }

    /// A holder that cannot be identified: never stale.
    fn unknown() -> Holder {
        Holder {
            pid: 0,
            host: "an unknown host".into(),
            process_start: 0,
            since: "an unknown time".into(),
        }
    }

    /// The holder ran on this host and is gone (or its process id now names another
    /// process, started at another time).
    fn is_stale(&self) -> bool {
        if self.pid == 0 || self.host != hostname() {
            return false;
        }
        match process_start(self.pid) {
            None => !alive(self.pid),
            Some(start) => self.process_start != 0 && start != self.process_start,
        }
    }
}

fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at most that much.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    if ok && end > 0 {
        String::from_utf8_lossy(&buf[..end]).into_owned()
    } else {
        "localhost".into()
    }
}

/// Field 22 of `/proc/PID/stat`: the start time in clock ticks after boot.
fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: count after its end.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

fn alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists; nothing is sent.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("relocsim-lock-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_second_writer_is_refused_until_the_first_releases() {
        let d = tmp("second");
        let path = d.join(".run.lock");
        let first = Lock::acquire(&path, &d.join("run")).unwrap();
        let e = Lock::acquire(&path, &d.join("run")).unwrap_err();
        assert!(
            e.to_string().contains("being written by relocsim process"),
            "{e}"
        );
        drop(first);
        assert!(!path.exists());
        Lock::acquire(&path, &d.join("run")).unwrap();
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn a_lock_of_a_dead_process_is_taken_over_and_one_of_another_host_is_not() {
        let d = tmp("stale");
        let path = d.join(".run.lock");
        let mut dead = Holder::this_process();
        // Process ids are below 2^22 on Linux: this one runs nowhere.
        dead.pid = 4_194_303 + 7;
        std::fs::write(&path, toml::to_string(&dead).unwrap()).unwrap();
        let lock = Lock::acquire(&path, &d.join("run")).unwrap();
        drop(lock);
        let mut remote = Holder::this_process();
        remote.host = "another-node".into();
        std::fs::write(&path, toml::to_string(&remote).unwrap()).unwrap();
        let e = Lock::acquire(&path, &d.join("run")).unwrap_err();
        assert!(e.to_string().contains("another-node"), "{e}");
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn a_reused_process_id_does_not_keep_a_lock() {
        let d = tmp("reused");
        let path = d.join(".run.lock");
        let mut old = Holder::this_process();
        old.process_start += 1;
        std::fs::write(&path, toml::to_string(&old).unwrap()).unwrap();
        Lock::acquire(&path, &d.join("run")).unwrap();
        std::fs::remove_dir_all(d).unwrap();
    }
}

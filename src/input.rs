//! Reading the files users name: scenarios, regions, sweeps, manifests, plans. A path
//! that names a device (`/dev/zero`), a FIFO, a socket or a directory is refused at once,
//! before it is opened for reading, because reading one never ends or blocks for ever;
//! a regular file larger than [`MAX_INPUT_BYTES`] is refused instead of being read into
//! memory. The file is opened non-blocking, so even a regular file swapped for a FIFO
//! between the check and the open cannot hang the command.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

use crate::error::{Error, Result};

/// The largest text input read: far above any scenario, region, sweep or manifest
/// relocsim writes (a manifest with its inline region is about 12 KiB; a plan of a
/// million runs about 200 MiB is not read whole, only its header).
pub const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// What kind of thing a path names, for a refusal message.
fn kind(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

fn refuse(path: &Path, reason: String) -> Error {
    Error::Unreadable {
        path: path.to_path_buf(),
        reason,
    }
}

/// Opens `path` for reading if it is a regular file (symbolic links are followed).
pub fn open_regular(path: &Path) -> Result<File> {
    let meta = std::fs::metadata(path).map_err(|e| refuse(path, e.to_string()))?;
    if !meta.is_file() {
        return Err(refuse(
            path,
            format!("{}: only regular files are read", kind(&meta)),
        ));
    }
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| refuse(path, e.to_string()))?;
    let meta = file.metadata().map_err(|e| refuse(path, e.to_string()))?;
    if !meta.is_file() {
        return Err(refuse(
            path,
            format!("{}: only regular files are read", kind(&meta)),
        ));
    }
    Ok(file)
}

/// The first `max` bytes of a regular file (all of it if shorter): for files whose
/// header is all that is needed, however long they are.
pub fn read_prefix(path: &Path, max: u64) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open_regular(path)?
        .take(max)
        .read_to_end(&mut bytes)
        .map_err(|e| refuse(path, e.to_string()))?;
    Ok(bytes)
}

/// The text of a regular file of at most [`MAX_INPUT_BYTES`].
pub fn read_text(path: &Path) -> Result<String> {
    let file = open_regular(path)?;
    let too_large = |size: u64| {
        refuse(
            path,
            format!(
                "{size} bytes: larger than the {} MiB relocsim reads from an input file",
                MAX_INPUT_BYTES / (1024 * 1024)
            ),
        )
    };
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > MAX_INPUT_BYTES {
        return Err(too_large(size));
    }
    // The file may grow after the check: never read more than the limit.
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| refuse(path, e.to_string()))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| {
        refuse(
            path,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_and_directories_are_refused_without_reading() {
        for (path, what) in [
            ("/dev/zero", "character device"),
            ("/dev/null", "character device"),
            ("/", "directory"),
        ] {
            let e = read_text(Path::new(path)).unwrap_err();
            assert!(e.is_input_error());
            assert!(e.to_string().contains(what), "{e}");
        }
    }

    #[test]
    fn oversized_and_binary_files_are_refused() {
        let dir = std::env::temp_dir().join(format!("relocsim-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big.toml");
        let f = File::create(&big).unwrap();
        f.set_len(MAX_INPUT_BYTES + 1).unwrap();
        assert!(
            read_text(&big)
                .unwrap_err()
                .to_string()
                .contains("larger than")
        );
        let bin = dir.join("bin.toml");
        std::fs::write(&bin, b"name = \"\xff\"").unwrap();
        assert!(
            read_text(&bin)
                .unwrap_err()
                .to_string()
                .contains("not UTF-8")
        );
        let ok = dir.join("ok.toml");
        std::fs::write(&ok, "a = 1\n").unwrap();
        assert_eq!(read_text(&ok).unwrap(), "a = 1\n");
        std::fs::remove_dir_all(dir).unwrap();
    }
}

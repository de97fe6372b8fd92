//! Writing an export to `--output` (SPEC §5.8). A regular file (new or
//! replaced) is written into an unnamed file in the target's folder
//! (`O_TMPFILE`), fsynced, and linked into place only on release: no
//! named temp file holding values exists at any moment, so none survives
//! a kill. A character device or a FIFO is written in place (no temp
//! file, no rename). Symbolic links and other kinds are refused (exit 2).
//! Where the file system has no `O_TMPFILE`, a named 0600 temp file
//! beside the target is used instead, and removed on every failure.

use std::ffi::CString;
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::handover::Handover;
use crate::error::{Error, Result};

/// An `--output` target, checked (and for a device or FIFO, opened).
pub struct OutputFile {
    path: PathBuf,
    target: Target,
}

enum Target {
    /// A regular file, new or to be replaced.
    Regular,
    /// A character device or a FIFO, opened for writing in place.
    InPlace(File),
}

/// An export ready to be released.
pub struct PreparedFile {
    path: PathBuf,
    state: Prepared,
}

enum Prepared {
    /// Written and fsynced into an unnamed file; released by linking it.
    Unnamed(File),
    /// Written and fsynced into a named temp file (no `O_TMPFILE` here);
    /// released by renaming it; removed when dropped unreleased.
    Named(PathBuf),
    /// A device or FIFO and what to write to it.
    InPlace(File, Zeroizing<Vec<u8>>),
    Released,
}

fn io_error(path: &Path, e: std::io::Error) -> Error {
    let hint = if e.raw_os_error() == Some(libc::ENOSPC) {
        "free some space on that disk, or write elsewhere"
    } else {
        "check that the folder exists and is writable"
    };
    Error::environment(format!("cannot write {}: {e}", path.display())).hint(hint)
}

fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

impl OutputFile {
    /// Checks what `path` is. A device or FIFO is opened now (a FIFO waits
    /// for its reader here, before the store is locked).
    pub fn open(path: &Path) -> Result<OutputFile> {
        let refuse = |what: &str| {
            Error::usage(format!(
                "--output {} is {what}; keyadm writes only regular files, character devices and FIFOs",
                path.display()
            ))
            .hint("give a file's own path, or -o - for stdout")
        };
        let meta = match fs::symlink_metadata(path) {
            Ok(m) => Some(m),
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            Err(e) => return Err(io_error(path, e)),
        };
        let target = match meta.map(|m| m.file_type()) {
            None => Target::Regular,
            Some(t) if t.is_file() => Target::Regular,
            Some(t) if t.is_symlink() => return Err(refuse("a symbolic link")),
            Some(t) if t.is_dir() => return Err(refuse("a folder")),
            Some(t) if t.is_char_device() || t.is_fifo() => {
                let file = OpenOptions::new()
                    .write(true)
                    .custom_flags(libc::O_NOFOLLOW | libc::O_NOCTTY)
                    .open(path)
                    .map_err(|e| io_error(path, e))?;
                let t = file.metadata().map_err(|e| io_error(path, e))?.file_type();
                if !(t.is_char_device() || t.is_fifo()) {
                    return Err(refuse("no longer a device or FIFO (it changed meanwhile)"));
                }
                Target::InPlace(file)
            }
            Some(_) => {
                return Err(refuse(
                    "neither a regular file, a character device nor a FIFO",
                ))
            }
        };
        Ok(OutputFile {
            path: path.to_path_buf(),
            target,
        })
    }

    /// Makes `bytes` ready: for a regular file, written and fsynced where
    /// no name points at them yet.
    pub fn prepare(self, bytes: Zeroizing<Vec<u8>>) -> Result<PreparedFile> {
        let path = self.path;
        let state = match self.target {
            Target::InPlace(file) => Prepared::InPlace(file, bytes),
            Target::Regular => match unnamed_file(folder_of(&path)) {
                Ok(Some(mut file)) => {
                    write_synced(&mut file, &bytes).map_err(|e| io_error(&path, e))?;
                    Prepared::Unnamed(file)
                }
                Ok(None) => Prepared::Named(named_temp(&path, &bytes)?),
                Err(e) => return Err(io_error(&path, e)),
            },
        };
        Ok(PreparedFile { path, state })
    }
}

fn write_synced(file: &mut File, bytes: &[u8]) -> std::io::Result<()> {
    file.write_all(bytes)?;
    file.sync_all()
}

/// An unnamed 0600 file in `dir` (`O_TMPFILE`) that can be linked by
/// its `/proc/self/fd` path; `None` where either is not supported.
fn unnamed_file(dir: &Path) -> std::io::Result<Option<File>> {
    let opened = OpenOptions::new()
        .write(true)
        .mode(0o600)
        .custom_flags(libc::O_TMPFILE)
        .open(dir);
    match opened {
        Ok(f) if proc_path(&f).exists() => Ok(Some(f)),
        Ok(_) => Ok(None),
        // Not supported by the kernel (EISDIR) or the file system (EOPNOTSUPP).
        Err(e)
            if matches!(
                e.raw_os_error(),
                Some(libc::EOPNOTSUPP | libc::EISDIR | libc::EINVAL)
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

fn proc_path(f: &File) -> PathBuf {
    PathBuf::from(format!("/proc/self/fd/{}", f.as_raw_fd()))
}

/// The fallback: a named 0600 temp file beside `path`, written and
/// fsynced, removed again on failure.
fn named_temp(path: &Path, bytes: &[u8]) -> Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| {
        Error::usage(format!("--output {} is not a file name", path.display()))
            .hint("name a file, e.g. --output keys.csv, or - for stdout")
    })?;
    let tmp = folder_of(path).join(format!(
        ".{}.keyadm-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| io_error(path, e))?;
    if let Err(e) = write_synced(&mut f, bytes) {
        let _ = fs::remove_file(&tmp);
        return Err(io_error(path, e));
    }
    Ok(tmp)
}

fn c_path(p: &Path) -> std::io::Result<CString> {
    CString::new(p.as_os_str().as_bytes()).map_err(|_| ErrorKind::InvalidInput.into())
}

/// Links the unnamed `file` at `path`. linkat(2) does not replace: a
/// regular file already there is removed first (never a named copy of
/// the values beside it), a moment in which `path` does not exist.
fn link_into_place(file: &File, path: &Path) -> std::io::Result<()> {
    let from = c_path(&proc_path(file))?;
    let to = c_path(path)?;
    for _ in 0..3 {
        // SAFETY: both are valid NUL-terminated paths that outlive the call.
        let r = unsafe {
            libc::linkat(
                libc::AT_FDCWD,
                from.as_ptr(),
                libc::AT_FDCWD,
                to.as_ptr(),
                libc::AT_SYMLINK_FOLLOW,
            )
        };
        if r == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EEXIST) {
            return Err(e);
        }
        match fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_file() => fs::remove_file(path).or_else(|e| {
                if e.kind() == ErrorKind::NotFound {
                    Ok(())
                } else {
                    Err(e)
                }
            })?,
            Ok(_) => {
                return Err(std::io::Error::new(
                    ErrorKind::AlreadyExists,
                    "something other than a regular file appeared there meanwhile",
                ))
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(
        ErrorKind::AlreadyExists,
        "another process keeps creating the file",
    ))
}

impl Handover for PreparedFile {
    type Said = ();

    fn release(mut self) -> Result<()> {
        let path = self.path.clone();
        match std::mem::replace(&mut self.state, Prepared::Released) {
            Prepared::Unnamed(file) => {
                link_into_place(&file, &path).map_err(|e| io_error(&path, e))?;
                // The new name is durable only once the folder is.
                if let Ok(dir) = File::open(folder_of(&path)) {
                    let _ = dir.sync_all();
                }
            }
            Prepared::Named(tmp) => {
                if let Err(e) = fs::rename(&tmp, &path) {
                    let _ = fs::remove_file(&tmp);
                    return Err(io_error(&path, e));
                }
            }
            Prepared::InPlace(mut file, bytes) => {
                file.write_all(&bytes)
                    .and_then(|()| file.flush())
                    .map_err(|e| io_error(&path, e))?;
            }
            Prepared::Released => {}
        }
        Ok(())
    }
}

impl Drop for PreparedFile {
    fn drop(&mut self) {
        if let Prepared::Named(tmp) = &self.state {
            let _ = fs::remove_file(tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_prepared_export_has_no_name_until_it_is_released() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let prepared = OutputFile::open(&path)
            .unwrap()
            .prepare(Zeroizing::new(b"secret".to_vec()))
            .unwrap();
        assert!(
            matches!(prepared.state, Prepared::Unnamed(_)),
            "O_TMPFILE is used here"
        );
        assert!(listing(dir.path()).is_empty(), "{:?}", listing(dir.path()));
        prepared.release().unwrap();
        assert_eq!(listing(dir.path()), ["out.csv"]);
        assert_eq!(fs::read(&path).unwrap(), b"secret");
    }

    #[test]
    fn an_existing_file_is_replaced_and_a_dropped_export_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        fs::write(&path, "old").unwrap();
        let dropped = OutputFile::open(&path)
            .unwrap()
            .prepare(Zeroizing::new(b"never".to_vec()))
            .unwrap();
        drop(dropped);
        assert_eq!(listing(dir.path()), ["out.csv"]);
        assert_eq!(fs::read(&path).unwrap(), b"old");
        let p = OutputFile::open(&path).unwrap();
        p.prepare(Zeroizing::new(b"new".to_vec()))
            .unwrap()
            .release()
            .unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert_eq!(listing(dir.path()), ["out.csv"]);
    }

    #[test]
    fn symlinks_and_folders_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink("/dev/null", &link).unwrap();
        for p in [link.as_path(), dir.path()] {
            let e = OutputFile::open(p).err().expect("refused");
            assert_eq!(e.exit_code(), 2);
        }
    }
}

//! The replay cache of `check-signature --replay-cache FILE`: one line per
//! accepted signature, `<unix time> <hex key ID> <hex SHA-256 of the MAC>`,
//! kept while its timestamp is inside the skew window. The file is the
//! user's own, 0600, opened without following a symlink, and held under an
//! exclusive `flock(2)` for the whole look-up-and-record, so concurrent
//! checkers neither lose entries nor both accept one signature.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::crypto::sign::hex;
use crate::error::{Error, Result};

/// One accepted signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    timestamp: i64,
    key_id: String,
    mac_hash: String,
}

impl Entry {
    /// The entry for a signature of `key_id` (the key's real ID) at
    /// `timestamp` with MAC bytes `mac`; the MAC itself is not stored.
    pub fn new(key_id: &str, timestamp: i64, mac: &[u8]) -> Entry {
        Entry {
            timestamp,
            key_id: hex(key_id.as_bytes()),
            mac_hash: hex(&Sha256::digest(mac)),
        }
    }

    fn line(&self) -> String {
        format!("{} {} {}\n", self.timestamp, self.key_id, self.mac_hash)
    }

    fn parse(line: &str) -> Option<Entry> {
        let mut parts = line.split(' ');
        let timestamp = parts.next()?.parse().ok()?;
        let key_id = parts.next()?.to_string();
        let mac_hash = parts.next()?.to_string();
        let is_hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
        (parts.next().is_none() && is_hex(&key_id) && mac_hash.len() == 64 && is_hex(&mac_hash))
            .then_some(Entry {
                timestamp,
                key_id,
                mac_hash,
            })
    }
}

fn env_error(path: &Path, what: &str, e: impl std::fmt::Display) -> Error {
    Error::environment(format!(
        "cannot {what} the replay cache {}: {e}",
        path.display()
    ))
    .hint("--replay-cache needs a regular file of your own (created 0600 if missing) in a folder you can write")
}

/// Opens (creating 0600 if missing) and locks the cache: a symlink, a
/// file of another user's, or one readable or writable by others is
/// refused (exit 5), since whoever can write it can replay.
fn open_locked(path: &Path) -> Result<File> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| env_error(path, "open", e))?;
    let meta = file.metadata().map_err(|e| env_error(path, "read", e))?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    if !meta.file_type().is_file() {
        return Err(env_error(path, "use", "it is not a regular file"));
    }
    if meta.uid() != uid {
        return Err(env_error(path, "use", "it belongs to another user"));
    }
    if meta.mode() & 0o077 != 0 {
        return Err(env_error(
            path,
            "use",
            format!(
                "its mode is {:04o}: others could read or rewrite it (chmod 600 it)",
                meta.mode() & 0o7777
            ),
        ));
    }
    loop {
        // SAFETY: the descriptor is open for the whole call.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(env_error(path, "lock", e));
        }
    }
    Ok(file)
}

/// Records `entry` in the cache at `path` unless it is there already:
/// `Ok(true)` if it was new (the signature is accepted), `Ok(false)` if it
/// is a replay. Entries whose timestamp is more than `max_skew` seconds
/// before `now` can no longer be accepted anyway and are pruned. A cut
/// last line (a checker killed mid-write) is dropped; any other line that
/// is not an entry is an error (exit 5), not silently forgotten.
pub fn record(path: &Path, entry: &Entry, now: i64, max_skew: u64) -> Result<bool> {
    let mut file = open_locked(path)?;
    let mut text = String::new();
    file.read_to_string(&mut text)
        .map_err(|e| env_error(path, "read", e))?;
    let oldest = now.saturating_sub(i64::try_from(max_skew).unwrap_or(i64::MAX));
    let complete = text.rfind('\n').map_or("", |i| &text[..i]);
    let mut kept = Vec::new();
    let mut dropped = complete.len() != text.len();
    for line in complete.lines() {
        let Some(e) = Entry::parse(line) else {
            return Err(env_error(
                path,
                "use",
                format!(
                    "a line is not an entry: {:?}",
                    line.escape_debug().to_string()
                ),
            ));
        };
        if e == *entry {
            return Ok(false);
        }
        if e.timestamp < oldest {
            dropped = true;
        } else {
            kept.push(e);
        }
    }
    let result = if dropped {
        let mut all: String = kept.iter().map(Entry::line).collect();
        all.push_str(&entry.line());
        file.set_len(0)
            .and_then(|_| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(all.as_bytes()))
    } else {
        file.seek(SeekFrom::End(0))
            .and_then(|_| file.write_all(entry.line().as_bytes()))
    };
    result
        .and_then(|_| file.sync_data())
        .map_err(|e| env_error(path, "write", e))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_second_record_is_a_replay_and_old_entries_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("replay");
        let a = Entry::new("key A", 1000, &[1; 32]);
        let b = Entry::new("keyB", 1000, &[2; 32]);
        assert!(record(&path, &a, 1000, 300).unwrap());
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(!record(&path, &a, 1100, 300).unwrap(), "a replay");
        assert!(record(&path, &b, 1100, 300).unwrap(), "another signature");
        assert!(
            record(&path, &Entry::new("key A", 1001, &[1; 32]), 1100, 300).unwrap(),
            "another timestamp"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 3);
        // At 1301, 1000 is outside the window: pruned when the next entry comes.
        let c = Entry::new("keyC", 1301, &[3; 32]);
        assert!(record(&path, &c, 1301, 300).unwrap());
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(text.starts_with("1001 "), "{text}");
        assert!(!record(&path, &c, 1302, 300).unwrap());
    }

    #[test]
    fn a_cut_last_line_is_dropped_and_a_bad_line_or_a_loose_mode_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("replay");
        let a = Entry::new("k", 5, &[9; 32]);
        assert!(record(&path, &a, 5, 300).unwrap());
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(b"7 6b 12").unwrap();
        assert!(!record(&path, &a, 5, 300).unwrap());
        assert!(record(&path, &Entry::new("k", 6, &[9; 32]), 6, 300).unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 2);
        std::fs::write(&path, "garbage\n").unwrap();
        assert_eq!(record(&path, &a, 5, 300).unwrap_err().exit_code(), 5);
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(record(&path, &a, 5, 300).unwrap_err().exit_code(), 5);
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        assert_eq!(record(&link, &a, 5, 300).unwrap_err().exit_code(), 5);
    }
}

//! Finding key values in files, for `keyadm scan`: a walk of the given
//! paths (skipping `.git`, binary files, and every symlink met on the way,
//! so nothing outside the tree is read) and a search of each line for
//! strings of the key format whose checksum is valid.

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::domain::value::{checksum, SecretValue};
use crate::error::{Error, Result};

/// 32 random characters and the 6-character checksum.
const TAIL: usize = 38;
const CHECK: usize = 6;
/// A file with a NUL byte in its first 8 KiB is binary (as git decides).
const SNIFF: usize = 8192;

/// A key value found in a file.
pub struct Finding {
    pub path: PathBuf,
    /// 1-based.
    pub line: usize,
    pub value: SecretValue,
}

/// What the walk did besides finding keys.
#[derive(Debug, Default)]
pub struct ScanStats {
    pub files: usize,
    pub binary: usize,
    pub symlinks: usize,
    /// Files or folders that could not be read, and why.
    pub unreadable: Vec<(PathBuf, String)>,
}

fn is_prefix_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// The key values in one line: `<prefix>_<t>_<38 base62>` with a valid
/// checksum, not glued to more letters or digits on the right.
pub fn find_in_line(line: &[u8]) -> Vec<&str> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 3 + TAIL <= line.len() {
        let at = i;
        i += 1;
        if line[at] != b'_' || line[at + 2] != b'_' || !b"iecd".contains(&line[at + 1]) {
            continue;
        }
        let tail_end = at + 3 + TAIL;
        if !line[at + 3..tail_end].iter().all(u8::is_ascii_alphanumeric) {
            continue;
        }
        if line.get(tail_end).is_some_and(u8::is_ascii_alphanumeric) {
            continue;
        }
        let run = line[..at]
            .iter()
            .rev()
            .take_while(|&&b| is_prefix_byte(b))
            .count();
        for len in (2..=run.min(10)).rev() {
            let start = at - len;
            // All ASCII, checked above, so this is valid UTF-8.
            let Ok(candidate) = std::str::from_utf8(&line[start..tail_end]) else {
                break;
            };
            let split = candidate.len() - CHECK;
            if checksum(&candidate[..split]) == candidate[split..] {
                out.push(candidate);
                i = tail_end;
                break;
            }
        }
    }
    out
}

/// Scans the files and folders in `paths`; `found` is called for each key
/// value in file order, line order.
pub fn scan_paths(
    paths: &[PathBuf],
    mut found: impl FnMut(Finding) -> Result<()>,
) -> Result<ScanStats> {
    let mut stats = ScanStats::default();
    for root in paths {
        let meta = fs::metadata(root).map_err(|e| {
            Error::usage(format!("cannot scan {}: {e}", root.display()))
                .hint("give existing files or folders")
        })?;
        if meta.is_dir() {
            walk(root, &mut stats, &mut found)?;
        } else {
            scan_file(root, &mut stats, &mut found)?;
        }
    }
    Ok(stats)
}

/// Depth first, entries sorted by name, without recursion (deep trees are fine).
fn walk(
    root: &Path,
    stats: &mut ScanStats,
    found: &mut impl FnMut(Finding) -> Result<()>,
) -> Result<()> {
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                stats.unreadable.push((dir, e.to_string()));
                continue;
            }
        };
        let mut entries: Vec<_> = entries.filter_map(|e| e.ok()).collect();
        entries.sort_by_key(|e| e.file_name());
        let mut subdirs = Vec::new();
        for e in entries {
            let Ok(t) = e.file_type() else { continue };
            let path = e.path();
            if t.is_symlink() {
                // One pointing into the tree is scanned where it points; one
                // pointing out of it must not be read.
                stats.symlinks += 1;
            } else if t.is_dir() {
                if e.file_name() != ".git" {
                    subdirs.push(path);
                }
            } else if t.is_file() {
                scan_file(&path, stats, found)?;
            }
        }
        stack.extend(subdirs.into_iter().rev());
    }
    Ok(())
}

fn scan_file(
    path: &Path,
    stats: &mut ScanStats,
    found: &mut impl FnMut(Finding) -> Result<()>,
) -> Result<()> {
    let file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            stats.unreadable.push((path.to_path_buf(), e.to_string()));
            return Ok(());
        }
    };
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    let head = match reader.fill_buf() {
        Ok(h) => h,
        Err(e) => {
            stats.unreadable.push((path.to_path_buf(), e.to_string()));
            return Ok(());
        }
    };
    if head[..head.len().min(SNIFF)].contains(&0) {
        stats.binary += 1;
        return Ok(());
    }
    stats.files += 1;
    let mut line = Vec::new();
    let mut n = 0;
    loop {
        line.clear();
        // A line is cut at 1 MiB: a key is never longer, and memory stays bounded.
        match (&mut reader).take(1 << 20).read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                stats.unreadable.push((path.to_path_buf(), e.to_string()));
                break;
            }
        }
        if line.last() == Some(&b'\n') {
            n += 1;
        } else if line.len() < 1 << 20 {
            n += 1; // the last line, without a newline
        }
        for v in find_in_line(&line) {
            found(Finding {
                path: path.to_path_buf(),
                line: n.max(1),
                value: SecretValue::new(v.to_string()),
            })?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::key::KeyType;
    use crate::domain::value::generate_value;

    const KNOWN: &str = "kadm_e_0123456789ABCDEFGHIJKLMNOPQRSTUV3aA98p";

    #[test]
    fn finds_keys_in_assignments_and_urls() {
        let line = format!("API_KEY={KNOWN} # x");
        assert_eq!(find_in_line(line.as_bytes()), vec![KNOWN]);
        let line = format!("curl -H 'Authorization: Bearer {KNOWN}'\n");
        assert_eq!(find_in_line(line.as_bytes()), vec![KNOWN]);
        let line = format!("\"{KNOWN}\",\"{KNOWN}\"");
        assert_eq!(find_in_line(line.as_bytes()), vec![KNOWN, KNOWN]);
        let other = generate_value("acme", KeyType::Custom);
        let line = format!("x{}", other.expose());
        assert_eq!(
            find_in_line(line.as_bytes()),
            vec![other.expose()],
            "prefix glued to text"
        );
    }

    #[test]
    fn ignores_broken_checksums_and_longer_strings() {
        let broken = KNOWN.replace("3aA98p", "3aA98q");
        assert!(find_in_line(broken.as_bytes()).is_empty());
        assert!(find_in_line(format!("{KNOWN}0").as_bytes()).is_empty());
        assert!(find_in_line(b"kadm_e_short").is_empty());
        assert!(find_in_line(&KNOWN.as_bytes()[..40]).is_empty());
    }
}

//! Finding key values in files, for `keyadm scan`: a walk of the given
//! paths (skipping `.git`, binary files, every symlink met on the way, so
//! nothing outside the tree is read, and every file that is not a regular
//! one: FIFOs, sockets, devices) and a search of each line for strings of
//! the key format whose checksum is valid. A long line is read in 1 MiB
//! pieces that overlap by what a value needs, so memory stays bounded and a
//! value across two pieces is found once. A file that starts with a UTF-16
//! byte-order mark (LE or BE) is read as UTF-16.

use std::fs;
use std::io::{self, BufRead, BufReader, Read};
use std::ops::Range;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::domain::value::{checksum, SecretValue};
use crate::error::{Error, Result};

/// 32 random characters and the 6-character checksum.
const TAIL: usize = 38;
const CHECK: usize = 6;
/// The longest prefix of a value (`<prefix>_<t>_…`), and so how far left of
/// its `_t_` a match may start.
const PREFIX_MAX: usize = 10;
/// A file with a NUL byte in its first 8 KiB is binary (as git decides).
const SNIFF: usize = 8192;
/// A line is read in pieces of at most this many bytes.
pub const PIECE: usize = 1 << 20;

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
    /// Files that are not regular files (never opened for reading, so a
    /// FIFO cannot block the scan), and what they are.
    pub special: Vec<(PathBuf, &'static str)>,
    /// Files or folders that could not be read, and why.
    pub unreadable: Vec<(PathBuf, String)>,
}

fn is_prefix_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// The key values in `buf` from `from` on: `<prefix>_<t>_<38 base62>` with a
/// valid checksum, not glued to more letters or digits on the right. When
/// `complete` is false more bytes of the same line follow `buf`: a match
/// whose right edge is not yet known is left for later, and the returned
/// position is where the next call must start (every byte a decision from
/// there on needs is at most `PREFIX_MAX` bytes to its left).
fn find_from(buf: &[u8], from: usize, complete: bool, out: &mut Vec<Range<usize>>) -> usize {
    let mut i = from;
    loop {
        let at = i;
        let tail_end = at + 3 + TAIL;
        if tail_end > buf.len() || (!complete && tail_end == buf.len()) {
            return at;
        }
        i += 1;
        if buf[at] != b'_' || buf[at + 2] != b'_' || !b"iecd".contains(&buf[at + 1]) {
            continue;
        }
        if !buf[at + 3..tail_end].iter().all(u8::is_ascii_alphanumeric) {
            continue;
        }
        if buf.get(tail_end).is_some_and(u8::is_ascii_alphanumeric) {
            continue;
        }
        let run = buf[..at]
            .iter()
            .rev()
            .take_while(|&&b| is_prefix_byte(b))
            .count();
        for len in (2..=run.min(PREFIX_MAX)).rev() {
            let start = at - len;
            // All ASCII, checked above, so this is valid UTF-8.
            let Ok(candidate) = std::str::from_utf8(&buf[start..tail_end]) else {
                break;
            };
            let split = candidate.len() - CHECK;
            if checksum(&candidate[..split]) == candidate[split..] {
                out.push(start..tail_end);
                i = tail_end;
                break;
            }
        }
    }
}

/// The key values in one line.
pub fn find_in_line(line: &[u8]) -> Vec<&str> {
    let mut ranges = Vec::new();
    find_from(line, 0, true, &mut ranges);
    ranges
        .into_iter()
        .filter_map(|r| std::str::from_utf8(&line[r]).ok())
        .collect()
}

/// Finds key values in a line given in pieces, each value once, as
/// [`find_in_line`] finds them in the whole line; it keeps only the few
/// bytes of the last piece that a value across the boundary needs.
#[derive(Default)]
pub struct TextFinder {
    buf: Vec<u8>,
    next: usize,
}

impl TextFinder {
    /// Feeds the next piece of the line; `line_ends` when no more of the
    /// line follows it. `found` gets each value found, in order.
    pub fn feed<E>(
        &mut self,
        piece: &[u8],
        line_ends: bool,
        mut found: impl FnMut(&str) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        self.buf.extend_from_slice(piece);
        let mut ranges = Vec::new();
        let next = find_from(&self.buf, self.next, line_ends, &mut ranges);
        for r in ranges {
            if let Ok(v) = std::str::from_utf8(&self.buf[r]) {
                found(v)?;
            }
        }
        if line_ends {
            self.buf.clear();
            self.next = 0;
        } else {
            let keep = next.saturating_sub(PREFIX_MAX);
            self.buf.drain(..keep);
            self.next = next - keep;
        }
        Ok(())
    }
}

/// What a file that is neither a regular file, a folder nor a symlink is.
fn special_kind(t: fs::FileType) -> Option<&'static str> {
    if t.is_fifo() {
        Some("FIFO")
    } else if t.is_socket() {
        Some("socket")
    } else if t.is_char_device() {
        Some("character device")
    } else if t.is_block_device() {
        Some("block device")
    } else if t.is_file() || t.is_dir() || t.is_symlink() {
        None
    } else {
        Some("special file")
    }
}

/// How a scan walks folders, and who hears of its progress.
#[derive(Default)]
pub struct ScanOptions<'p> {
    /// Skip what `.gitignore`, `.ignore` and git's exclude files name, as
    /// ripgrep does (hidden files are still scanned; `.git` never is).
    pub respect_gitignore: bool,
    /// Called after each file read, with the counts so far.
    pub progress: Option<&'p mut dyn FnMut(&ScanStats)>,
}

impl ScanOptions<'_> {
    fn tick(&mut self, stats: &ScanStats) {
        if let Some(p) = self.progress.as_mut() {
            p(stats);
        }
    }
}

/// Scans the files and folders in `paths`; `found` is called for each key
/// value in file order, line order.
pub fn scan_paths(
    paths: &[PathBuf],
    mut found: impl FnMut(Finding) -> Result<()>,
) -> Result<ScanStats> {
    let mut stats = ScanStats::default();
    let mut opts = ScanOptions::default();
    for root in paths {
        scan_path(root, &mut opts, &mut stats, &mut found)?;
    }
    Ok(stats)
}

/// Scans one file or folder named by the user, adding to `stats`.
pub fn scan_path(
    root: &Path,
    opts: &mut ScanOptions<'_>,
    stats: &mut ScanStats,
    found: &mut impl FnMut(Finding) -> Result<()>,
) -> Result<()> {
    // A path named on the command line is followed if it is a symlink.
    let meta = fs::metadata(root).map_err(|e| {
        Error::usage(format!("cannot scan {}: {e}", root.display()))
            .hint("give existing files or folders, or - for stdin")
    })?;
    if meta.is_dir() {
        if opts.respect_gitignore {
            walk_ignoring(root, opts, stats, found)?;
        } else {
            walk(root, opts, stats, found)?;
        }
    } else if let Some(kind) = special_kind(meta.file_type()) {
        stats.special.push((root.to_path_buf(), kind));
    } else {
        scan_file(root, true, stats, found)?;
        opts.tick(stats);
    }
    Ok(())
}

/// Scans text read from `reader` (stdin for `scan -`), reported under `label`.
pub fn scan_reader(
    label: &Path,
    reader: impl Read,
    stats: &mut ScanStats,
    found: &mut impl FnMut(Finding) -> Result<()>,
) -> Result<()> {
    scan_text(label, reader, stats, found)
}

/// Depth first, entries sorted by name, without recursion (deep trees are fine).
fn walk(
    root: &Path,
    opts: &mut ScanOptions<'_>,
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
            } else if let Some(kind) = special_kind(t) {
                stats.special.push((path, kind));
            } else {
                scan_file(&path, false, stats, found)?;
                opts.tick(stats);
            }
        }
        stack.extend(subdirs.into_iter().rev());
    }
    Ok(())
}

/// The walk of `--respect-gitignore`: the `ignore` crate (ripgrep's) with
/// its standard filters but hidden files kept, `.gitignore` honoured also
/// outside a git repository, symlinks never followed, `.git` never entered.
fn walk_ignoring(
    root: &Path,
    opts: &mut ScanOptions<'_>,
    stats: &mut ScanStats,
    found: &mut impl FnMut(Finding) -> Result<()>,
) -> Result<()> {
    let walker = ignore::WalkBuilder::new(root)
        .standard_filters(true)
        .hidden(false)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|e| e.file_name() != ".git")
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                stats.unreadable.push((root.to_path_buf(), e.to_string()));
                continue;
            }
        };
        if entry.depth() == 0 {
            continue;
        }
        let Some(t) = entry.file_type() else { continue };
        if t.is_symlink() {
            stats.symlinks += 1;
        } else if t.is_dir() {
            continue;
        } else if let Some(kind) = special_kind(t) {
            stats.special.push((entry.into_path(), kind));
        } else {
            scan_file(entry.path(), false, stats, found)?;
            opts.tick(stats);
        }
    }
    Ok(())
}

/// Opens a file to scan without blocking (a FIFO put in its place since it
/// was listed would otherwise wait for a writer) and, for one met in the
/// walk, without following a symlink put in its place. `None`: skipped.
fn open_regular(path: &Path, named: bool, stats: &mut ScanStats) -> Option<fs::File> {
    let flags = libc::O_NONBLOCK | if named { 0 } else { libc::O_NOFOLLOW };
    let file = match fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
    {
        Ok(f) => f,
        Err(e) => {
            stats.unreadable.push((path.to_path_buf(), e.to_string()));
            return None;
        }
    };
    match file.metadata() {
        Ok(m) if m.is_file() => Some(file),
        Ok(m) => {
            let kind = special_kind(m.file_type()).unwrap_or("special file");
            stats.special.push((path.to_path_buf(), kind));
            None
        }
        Err(e) => {
            stats.unreadable.push((path.to_path_buf(), e.to_string()));
            None
        }
    }
}

/// The file's text: as it is, or UTF-16 (after its byte-order mark) read as
/// one byte per code unit (ASCII as itself, anything else as 0x80, which no
/// value holds), which is all the search needs.
fn text_reader<'r>(file: impl Read + 'r) -> io::Result<Box<dyn BufRead + 'r>> {
    let mut raw = BufReader::with_capacity(64 * 1024, file);
    let head = raw.fill_buf()?;
    let big_endian = match head {
        [0xFF, 0xFE, ..] => false,
        [0xFE, 0xFF, ..] => true,
        _ => return Ok(Box::new(raw)),
    };
    raw.consume(2);
    Ok(Box::new(BufReader::with_capacity(
        64 * 1024,
        Utf16Units {
            inner: raw,
            big_endian,
        },
    )))
}

/// UTF-16 code units in, one byte per unit out (see [`text_reader`]).
struct Utf16Units<R> {
    inner: R,
    big_endian: bool,
}

impl<R: BufRead> Utf16Units<R> {
    fn byte(big_endian: bool, a: u8, b: u8) -> u8 {
        let unit = if big_endian {
            u16::from_be_bytes([a, b])
        } else {
            u16::from_le_bytes([a, b])
        };
        u8::try_from(unit).ok().filter(u8::is_ascii).unwrap_or(0x80)
    }
}

impl<R: BufRead> Read for Utf16Units<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        let big_endian = self.big_endian;
        let buf = self.inner.fill_buf()?;
        match buf.len() {
            0 => Ok(0),
            1 => {
                // A unit split across two reads of the file.
                let first = buf[0];
                self.inner.consume(1);
                let mut second = [0u8];
                if self.inner.read(&mut second)? == 0 {
                    return Ok(0); // an odd last byte is not a unit
                }
                out[0] = Self::byte(self.big_endian, first, second[0]);
                Ok(1)
            }
            n => {
                let units = (n / 2).min(out.len());
                for (k, o) in out.iter_mut().enumerate().take(units) {
                    *o = Self::byte(big_endian, buf[2 * k], buf[2 * k + 1]);
                }
                self.inner.consume(2 * units);
                Ok(units)
            }
        }
    }
}

fn scan_file(
    path: &Path,
    named: bool,
    stats: &mut ScanStats,
    found: &mut impl FnMut(Finding) -> Result<()>,
) -> Result<()> {
    let Some(file) = open_regular(path, named, stats) else {
        return Ok(());
    };
    scan_text(path, file, stats, found)
}

fn scan_text(
    path: &Path,
    file: impl Read,
    stats: &mut ScanStats,
    found: &mut impl FnMut(Finding) -> Result<()>,
) -> Result<()> {
    let unreadable = |stats: &mut ScanStats, e: io::Error| {
        stats.unreadable.push((path.to_path_buf(), e.to_string()));
    };
    let mut reader = match text_reader(file) {
        Ok(r) => r,
        Err(e) => {
            unreadable(stats, e);
            return Ok(());
        }
    };
    let head = match reader.fill_buf() {
        Ok(h) => h,
        Err(e) => {
            unreadable(stats, e);
            return Ok(());
        }
    };
    if head[..head.len().min(SNIFF)].contains(&0) {
        stats.binary += 1;
        return Ok(());
    }
    stats.files += 1;
    let mut piece = Vec::new();
    let mut finder = TextFinder::default();
    let mut line = 1;
    loop {
        piece.clear();
        let read = (&mut reader)
            .take(PIECE as u64)
            .read_until(b'\n', &mut piece);
        let n = match read {
            Ok(n) => n,
            Err(e) => {
                unreadable(stats, e);
                0
            }
        };
        // The line goes on when the piece was cut at PIECE bytes.
        let line_ends = n == 0 || piece.last() == Some(&b'\n') || piece.len() < PIECE;
        finder.feed(&piece, line_ends, |v| {
            found(Finding {
                path: path.to_path_buf(),
                line,
                value: SecretValue::new(v.to_string()),
            })
        })?;
        if n == 0 {
            return Ok(());
        }
        if line_ends {
            line += 1;
        }
    }
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

    /// Every value `find_in_line` finds in `line`, found by feeding the line
    /// to a `TextFinder` in pieces cut at `cuts`.
    fn in_pieces(line: &[u8], cuts: &[usize]) -> Vec<String> {
        let mut f = TextFinder::default();
        let mut out = Vec::new();
        let mut at = 0;
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c.min(&line.len()).to_owned()).collect();
        cuts.sort_unstable();
        for c in cuts.into_iter().chain([line.len()]) {
            let last = c == line.len();
            f.feed(&line[at..c], last, |v| {
                out.push(v.to_string());
                Ok::<(), ()>(())
            })
            .unwrap();
            at = c;
            if last {
                break;
            }
        }
        out
    }

    #[test]
    fn a_value_at_every_offset_around_a_cut_is_found_once() {
        for before in 0..120 {
            let line = format!("{}{KNOWN} x", " ".repeat(before));
            for cut in before.saturating_sub(5)..before + KNOWN.len() + 5 {
                assert_eq!(
                    in_pieces(line.as_bytes(), &[cut]),
                    vec![KNOWN],
                    "value at {before}, cut at {cut}"
                );
            }
        }
        // Glued on the right across the cut: not a value, on either side.
        let glued = format!("{KNOWN}0");
        for cut in 0..glued.len() {
            assert!(
                in_pieces(glued.as_bytes(), &[cut]).is_empty(),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn utf16_is_read_one_byte_per_unit() {
        let text = format!("é {KNOWN}\n");
        for big_endian in [false, true] {
            let bytes: Vec<u8> = text
                .encode_utf16()
                .flat_map(|u| {
                    if big_endian {
                        u.to_be_bytes()
                    } else {
                        u.to_le_bytes()
                    }
                })
                .collect();
            // One byte at a time from the file: units split across reads.
            let inner = BufReader::with_capacity(1, bytes.as_slice());
            let mut out = Vec::new();
            Utf16Units { inner, big_endian }
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(out, [&[0x80, b' '], KNOWN.as_bytes(), b"\n"].concat());
        }
    }

    proptest::proptest! {
        #[test]
        fn pieces_find_what_the_whole_line_finds(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just(KNOWN.to_string()),
                    proptest::strategy::Just("kadm_e_".to_string()),
                    "[a-z0-9_ ]{0,12}",
                    "[A-Za-z0-9]{0,40}",
                ],
                0..12,
            ),
            cuts in proptest::collection::vec(0usize..400, 0..6),
        ) {
            let line = parts.concat();
            let whole: Vec<String> =
                find_in_line(line.as_bytes()).into_iter().map(str::to_string).collect();
            proptest::prop_assert_eq!(in_pieces(line.as_bytes(), &cuts), whole);
        }
    }
}

//! Which files keyadm trusts (SPEC §5.6, "planted files"): a master key
//! file must be the user's own and private; a store (its file and its
//! folder) must not be writable by anyone but its owner, except a sticky
//! folder (1777) holding a file that is the user's own. As OpenSSH and
//! GnuPG do, keyadm refuses the rest rather than adopt a file another
//! account planted or could change. The rules are pure functions over the
//! facts of a file, so that they are tested on synthetic metadata.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::error::{Error, Result};

/// What the rules read of a file or folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub uid: u32,
    /// The permission bits, with the sticky bit (0o1000).
    pub mode: u32,
}

impl Facts {
    pub fn of(m: &std::fs::Metadata) -> Facts {
        Facts {
            uid: m.uid(),
            mode: m.mode() & 0o7777,
        }
    }
}

const GROUP_OR_OTHER: u32 = 0o077;
const WRITABLE_BY_OTHERS: u32 = 0o022;
const STICKY: u32 = 0o1000;

/// Why a file is not trusted, as the error line and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Distrust {
    pub what: String,
    pub fix: String,
}

/// A master key file: owned by `me`, and no group or other bits.
pub fn master_key_trust(path: &Path, file: Facts, me: u32) -> Option<Distrust> {
    let shown = path.display();
    if file.uid != me {
        return Some(Distrust {
            what: format!(
                "the master key file {shown} belongs to another account (uid {})",
                file.uid
            ),
            fix: format!("use your own master key file, or as root: chown {me} {shown}"),
        });
    }
    if file.mode & GROUP_OR_OTHER != 0 {
        return Some(Distrust {
            what: format!(
                "the master key file {shown} may be read or written by others (mode {:04o})",
                file.mode & 0o777
            ),
            fix: format!("make it private: chmod 600 {shown}"),
        });
    }
    None
}

/// A store file and its folder: neither writable by anyone but its owner;
/// a sticky folder is fine when the file is `me`'s own. A store of another
/// account may be read (a verifier's service account reads the operator's).
pub fn store_trust(path: &Path, file: Option<Facts>, folder: Facts, me: u32) -> Option<Distrust> {
    let shown = path.display();
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Some(f) = file {
        if f.mode & WRITABLE_BY_OTHERS != 0 {
            return Some(Distrust {
                what: format!(
                    "the store {shown} may be written by others (mode {:04o})",
                    f.mode & 0o777
                ),
                fix: format!("chmod 600 {shown}"),
            });
        }
    }
    if folder.mode & WRITABLE_BY_OTHERS != 0 {
        // Not there yet: keyadm creates it as its own (O_EXCL), and checks again.
        let sticky_and_mine = folder.mode & STICKY != 0 && file.is_none_or(|f| f.uid == me);
        if !sticky_and_mine {
            return Some(Distrust {
                what: format!(
                    "the store's folder {} may be written by others (mode {:04o}){}",
                    dir.display(),
                    folder.mode & 0o7777,
                    match file {
                        Some(f) if f.uid != me => ", and the store in it belongs to another account",
                        _ => "",
                    }
                ),
                fix: format!(
                    "keep the store in a private folder (chmod 700 {}), or pass --db with another path",
                    dir.display()
                ),
            });
        }
    }
    None
}

/// A trust key file (SPEC §5.4): a regular file, the user's own or root's,
/// writable by nobody else (whoever can change it can make forged rows pass).
pub fn trust_key_trust(path: &Path, file: Facts, me: u32, regular: bool) -> Option<Distrust> {
    let shown = path.display();
    if !regular {
        return Some(Distrust {
            what: format!("the trust key {shown} is not a regular file"),
            fix: "give the file that keyadm trust export wrote".to_string(),
        });
    }
    if file.uid != me && file.uid != 0 {
        return Some(Distrust {
            what: format!(
                "the trust key {shown} belongs to another account (uid {})",
                file.uid
            ),
            fix: format!(
                "use a trust key file of your own or root's, or as root: chown {me} {shown}"
            ),
        });
    }
    if file.mode & WRITABLE_BY_OTHERS != 0 {
        return Some(Distrust {
            what: format!(
                "the trust key {shown} may be written by others (mode {:04o})",
                file.mode & 0o777
            ),
            fix: format!("chmod 644 {shown}"),
        });
    }
    None
}

/// Checks the store at `path` (which may not exist yet) and its folder.
pub fn check_store(path: &Path) -> Result<()> {
    let me = crate::identity::OsAccount::current().uid;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Ok(folder) = std::fs::metadata(dir) else {
        return Ok(()); // created by keyadm, 0700
    };
    let file = std::fs::metadata(path).ok().map(|m| Facts::of(&m));
    match store_trust(path, file, Facts::of(&folder), me) {
        None => Ok(()),
        Some(d) => {
            Err(Error::environment(format!("{}; keyadm does not use it", d.what)).hint(d.fix))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: u32 = 1000;
    const OTHER: u32 = 1001;

    fn f(uid: u32, mode: u32) -> Facts {
        Facts { uid, mode }
    }

    #[test]
    fn a_master_key_must_be_mine_and_private() {
        let p = Path::new("/k/master.key");
        assert_eq!(master_key_trust(p, f(ME, 0o600), ME), None);
        assert_eq!(master_key_trust(p, f(ME, 0o400), ME), None);
        for mode in [0o640, 0o604, 0o660, 0o666, 0o644, 0o620] {
            let d = master_key_trust(p, f(ME, mode), ME).unwrap();
            assert!(d.fix.contains("chmod 600 /k/master.key"), "{mode:o}");
        }
        let d = master_key_trust(p, f(OTHER, 0o600), ME).unwrap();
        assert!(d.what.contains("another account"));
        assert!(d.fix.contains("chown"));
    }

    #[test]
    fn a_trust_key_must_be_mine_or_roots_and_not_writable_by_others() {
        let p = Path::new("/t/s.pub");
        assert_eq!(trust_key_trust(p, f(ME, 0o644), ME, true), None);
        assert_eq!(trust_key_trust(p, f(0, 0o444), ME, true), None);
        assert!(trust_key_trust(p, f(OTHER, 0o644), ME, true).is_some());
        assert!(trust_key_trust(p, f(ME, 0o664), ME, true).is_some());
        assert!(trust_key_trust(p, f(ME, 0o646), ME, true).is_some());
        assert!(trust_key_trust(p, f(ME, 0o644), ME, false).is_some());
    }

    #[test]
    fn a_store_must_not_be_writable_by_others() {
        let p = Path::new("/s/keys.db");
        assert_eq!(store_trust(p, Some(f(ME, 0o600)), f(ME, 0o700), ME), None);
        // A store of another account in its private folder may be read.
        assert_eq!(
            store_trust(p, Some(f(OTHER, 0o640)), f(OTHER, 0o755), ME),
            None
        );
        assert!(store_trust(p, Some(f(ME, 0o666)), f(ME, 0o700), ME).is_some());
        assert!(store_trust(p, Some(f(ME, 0o620)), f(ME, 0o700), ME).is_some());
        assert!(store_trust(p, Some(f(ME, 0o600)), f(ME, 0o777), ME).is_some());
        assert!(store_trust(p, None, f(ME, 0o770), ME).is_some());
    }

    #[test]
    fn a_sticky_folder_holding_my_own_store_is_fine() {
        let p = Path::new("/tmp/keys.db");
        assert_eq!(store_trust(p, Some(f(ME, 0o600)), f(0, 0o1777), ME), None);
        // Planted by another account.
        let d = store_trust(p, Some(f(OTHER, 0o600)), f(0, 0o1777), ME).unwrap();
        assert!(d.what.contains("belongs to another account"), "{}", d.what);
        // Not there yet: created as mine, then checked again.
        assert_eq!(store_trust(p, None, f(0, 0o1777), ME), None);
        assert!(store_trust(p, Some(f(ME, 0o666)), f(0, 0o1777), ME).is_some());
    }
}

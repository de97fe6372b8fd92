//! Who runs a command: the OS account (uid, and its login name from the
//! passwd database: not `$USER`, which anyone can set) and the declared
//! actor. SPEC §5.1 combines them into the actor's rights (see `ops::session`).

use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// An OS account: its uid and the login name the passwd database gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsAccount {
    pub uid: u32,
    /// `None` when the passwd database has no entry for the uid.
    pub login: Option<String>,
}

impl OsAccount {
    /// The account running this process.
    pub fn current() -> OsAccount {
        // SAFETY: geteuid has no preconditions and cannot fail. (The owner
        // of /proc/self is not it once the process is made non-dumpable.)
        let uid = unsafe { libc::geteuid() };
        OsAccount::of_uid(uid)
    }

    /// The account that owns `path` (for a 0.1 store: its first operator).
    pub fn owner_of(path: &Path) -> Option<OsAccount> {
        std::fs::metadata(path)
            .ok()
            .map(|m| OsAccount::of_uid(m.uid()))
    }

    pub fn of_uid(uid: u32) -> OsAccount {
        OsAccount {
            uid,
            login: login_of(uid),
        }
    }

    /// The name this account goes by as an operator: its login name, or its
    /// uid in decimal when it has none.
    pub fn name(&self) -> String {
        self.login.clone().unwrap_or_else(|| self.uid.to_string())
    }
}

/// The login name of `uid` in /etc/passwd.
fn login_of(uid: u32) -> Option<String> {
    let uid = uid.to_string();
    std::fs::read_to_string("/etc/passwd")
        .ok()?
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 2 && f[2] == uid)
        .map(|f| f[0].to_string())
        .filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_account_is_found_in_passwd() {
        let me = OsAccount::current();
        assert_ne!(me.uid, u32::MAX);
        assert!(!me.name().is_empty());
        if me.uid == 0 {
            assert_eq!(me.login.as_deref(), Some("root"));
        }
    }

    #[test]
    fn an_account_without_a_passwd_entry_goes_by_its_uid() {
        let a = OsAccount::of_uid(4_000_000_123);
        assert_eq!(a.login, None);
        assert_eq!(a.name(), "4000000123");
    }
}

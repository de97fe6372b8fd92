//! The store: one SQLite file. Opening and creating it (permissions,
//! pragmas, migrations), and the read and write transactions every command
//! goes through. The only module that knows SQL.

/// One query's columns, named once: `SQL` is the select list, each name is
/// its index in a row, and `COUNT` the index of a column appended after
/// them; so that no row is read by a bare number.
macro_rules! columns {
    ($vis:vis mod $m:ident { $($name:ident = $sql:literal),+ $(,)? }) => {
        #[allow(dead_code)]
        $vis mod $m {
            #[allow(clippy::upper_case_acronyms, non_camel_case_types)]
            enum Index { $($name),+ }
            $(pub const $name: usize = Index::$name as usize;)+
            pub const COUNT: usize = [$($sql),+].len();
            pub const SQL: &str = columns!(@join $($sql),+);
        }
    };
    (@join $first:literal $(, $rest:literal)*) => { concat!($first $(, ", ", $rest)*) };
}

mod audit;
mod audit_verify;
pub mod copy;
pub(crate) mod db;
mod keys;
mod lifecycle;
mod operators;
mod orgs;
pub mod pg;
pub mod schema;
mod settings;
mod signing;
mod users;
mod verify;

use std::fs;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

use db::{Conn, TxGuard};

use crate::crypto::seal::{create_private_dir, MasterKey};
use crate::error::{Error, Result};
use crate::identity::OsAccount;

pub use audit::{chain_of, AuditEntry, AuditFilter, NewAudit, STORE_CHAIN};
pub use audit_verify::{AuditBreak, ChainHead, ChainVerdict, TimeWarning};
pub use keys::{KeyQuery, KeySort, NewKey, Rotation, ID_PREFIX};
pub use lifecycle::{NoticeState, ValueState};
pub use operators::Operator;
pub(crate) use pg::from_pg as pg_error;
pub use pg::{is_pg_location, PgEnv, PgTarget};
pub use signing::{
    trust_path, ForgedRow, ReplayedRow, SignatureCache, SignedHead, TrustChoice, TrustKey,
};
pub use verify::{last_use_due, VerifyRow, LAST_USE_EVERY};

/// How long a command waits for another process's write before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a write waits for another process's lock before its lock
/// notice is called (see [`Store::on_lock_wait`]).
pub const LOCK_NOTICE_AFTER: Duration = Duration::from_secs(1);

/// What a write is waiting for, handed to the lock notice once a write
/// has waited [`LOCK_NOTICE_AFTER`] for another process's lock.
#[derive(Debug, Clone)]
pub struct LockWait {
    /// The store whose write lock another process holds.
    pub path: PathBuf,
    /// How long the write has waited so far.
    pub waited: Duration,
    /// How much longer it waits before it gives up.
    pub gives_up_in: Duration,
}

impl std::fmt::Display for LockWait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "waiting for another process to finish writing to {} (giving up in {} s)",
            self.path.display(),
            self.gives_up_in.as_secs()
        )
    }
}

/// Called (once per write) when a write has waited a second for the lock.
pub type LockNotice = Box<dyn FnMut(&LockWait) + Send>;

/// Per-connection settings (neither is stored in the file): foreign keys,
/// and `synchronous=FULL`: a commit is on disk (the WAL fsynced) before the
/// command goes on to show anything.
/// `secure_delete`: the bytes of a deleted or replaced row (a sealed value
/// among them) are overwritten, not left in free pages (SPEC §5.8).
const CONNECTION_PRAGMAS: &str =
    "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA secure_delete = ON;";

/// The WAL size past which a command that wrote copies the WAL into the
/// store and empties it (see `Store::checkpoint_if_large`). Every process
/// that opens the store first re-reads the whole WAL (SQLite rebuilds its
/// index when no other connection is open), so the WAL is kept small.
pub const WAL_CHECKPOINT_BYTES: u64 = 256 * 1024;

/// Whether opening may create the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read or write an existing store; a missing one is an error.
    Existing,
    /// Create the store if it does not exist.
    Create,
}

pub struct Store {
    conn: Conn,
    /// This open made the schema (a new PostgreSQL store).
    created_schema: bool,
    path: PathBuf,
    master: Option<MasterKey>,
    author: Author,
    /// The caller's notice for a write that waits for another process.
    lock_notice: Option<LockNotice>,
}

/// What every audit entry records of who and when beyond the declared
/// actor: the OS account that ran the command, the real time of the entry
/// (read from `clock` as it is appended), and the as-of time of its
/// decisions when `KEYADM_NOW` set one (SPEC §5.1, §5.2).
#[derive(Debug, Clone, Default)]
pub struct Author {
    pub os_uid: u32,
    pub os_user: Option<String>,
    pub as_of: Option<DateTime<Utc>>,
    pub clock: crate::domain::expiry::Clock,
    /// On PostgreSQL: a declared actor that is not the session's role,
    /// recorded as a label (SPEC §5.1).
    pub label: Option<String>,
}

/// A view of the store inside a transaction (or a plain read): every domain
/// question and change is a method on it.
pub struct Tx<'a> {
    conn: &'a Conn,
    master: Option<&'a MasterKey>,
    author: &'a Author,
    now: DateTime<Utc>,
    /// Set by a change that drops sealed bytes (delete, rotate, undo): the
    /// WAL, which still holds the old pages, is emptied after the commit.
    dropped_secrets: std::cell::Cell<bool>,
    /// The row signing key and store ID, derived on first use.
    row_signer: std::cell::OnceCell<(ed25519_dalek::SigningKey, String)>,
    /// The rows signed since the last audit entry of this transaction, with
    /// the version each now has: the next entry records them (SPEC §5.4).
    signed_rows: std::cell::RefCell<Vec<(&'static str, String, i64)>>,
}

/// A file that is not an SQLite database at all (a text file, a key file)
/// is a `--db` that names the wrong file, not a damaged store: say so
/// before SQLite's "file is not a database" says "restore from a backup".
/// An empty file is a new store SQLite will fill; an unreadable one is left
/// for SQLite to report.
pub(crate) fn refuse_non_sqlite(path: &Path) -> Result<()> {
    use std::io::Read;
    const HEADER: &[u8; 16] = b"SQLite format 3\0";
    let Ok(f) = std::fs::File::open(path) else {
        return Ok(());
    };
    let mut head = Vec::with_capacity(16);
    if f.take(16).read_to_end(&mut head).is_err() || head.is_empty() || head == HEADER {
        return Ok(());
    }
    Err(Error::environment(format!(
        "{} is not a keyadm store (not an SQLite database at all)",
        path.display()
    ))
    .hint(
        "check --db (or KEYADM_DB): it must name a keyadm store, or a path that does not exist yet",
    ))
}

impl Store {
    /// Opens the store at `path`, creating its folder (0700) and file (0600)
    /// first when `access` allows. Runs pending migrations; refuses a newer schema.
    pub fn open(path: &Path, access: Access, now: DateTime<Utc>) -> Result<Store> {
        if !path.exists() {
            if access == Access::Existing {
                return Err(Error::environment(format!(
                    "there is no keyadm store at {}",
                    path.display()
                ))
                .hint("create one with: keyadm init (or generate a first key)"));
            }
            crate::files::check_store(path)?;
            create_store_file(path)?;
        }
        // The file as it now is (another account may have planted it).
        crate::files::check_store(path)?;
        refuse_non_sqlite(path)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .or_else(|_| {
            Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
        })?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // The last connection to close would otherwise copy the WAL into the
        // store and delete it (two fsyncs), and the next write would create
        // the WAL again (two more: its header and the folder): 5 fsyncs per
        // reveal instead of 1. Commits stay durable in the WAL
        // (synchronous=FULL), a crash is recovered from it, and writes
        // empty it once it passes WAL_CHECKPOINT_BYTES. Read commands never
        // checkpoint, so they never write to the store.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
        conn.execute_batch(CONNECTION_PRAGMAS)?;
        let store = Store {
            conn: Conn::Sqlite(conn),
            created_schema: false,
            path: path.to_path_buf(),
            master: None,
            author: Author {
                os_uid: OsAccount::current().uid,
                ..Author::default()
            },
            lock_notice: None,
        };
        let version = schema::user_version(&store.conn)?;
        if version > schema::SCHEMA_VERSION {
            return Err(schema::newer(version));
        }
        let gap = version == schema::SCHEMA_VERSION
            && match store.conn.sqlite() {
                Some(c) => schema::gap_steps_missing(c)?,
                None => false,
            };
        if version < schema::SCHEMA_VERSION || gap {
            // The owner of the file: the account that just created it, or
            // for a 0.1 store the account it belongs to (SPEC §5.1).
            let owner = OsAccount::owner_of(path).unwrap_or_else(OsAccount::current);
            let founding = schema::Founding {
                at: timestamp(now),
                operator: owner.name(),
            };
            match schema::migrate(&store.conn, &founding) {
                // A store at the latest version that this account may not
                // write keeps working without the gap step (its readers
                // tolerate the missing column).
                Err(_) if gap => {}
                r => r?,
            }
        }
        Ok(store)
    }

    /// Opens the store in a PostgreSQL database, creating its schema when
    /// `access` allows (and the database is empty). Runs pending
    /// migrations under the advisory lock; refuses a newer schema. The
    /// first operator of a new store is the role that created it.
    pub fn open_pg(target: &pg::PgTarget, access: Access, now: DateTime<Utc>) -> Result<Store> {
        let conn = target.connect()?;
        let version = pg::version(&conn)?;
        if version > schema::SCHEMA_VERSION {
            return Err(schema::newer(version));
        }
        if version == 0 && access == Access::Existing {
            return Err(Error::environment(format!(
                "there is no keyadm store in {}",
                target.shown
            ))
            .hint("create one with: keyadm init (or generate a first key)"));
        }
        if version < schema::SCHEMA_VERSION {
            let founding = schema::Founding {
                at: timestamp(now),
                operator: pg::session_user(&conn)?,
            };
            schema::migrate(&conn, &founding)?;
        }
        pg::confine_verifier(&conn)?;
        Ok(Store {
            conn,
            created_schema: version == 0,
            path: PathBuf::from(&target.shown),
            master: None,
            author: Author {
                os_uid: OsAccount::current().uid,
                ..Author::default()
            },
            lock_notice: None,
        })
    }

    /// Whether this open made the store's schema (PostgreSQL).
    pub fn created_schema(&self) -> bool {
        self.created_schema
    }

    /// Whether the store has recorded a master key's check value.
    pub fn has_master_check(&self) -> Result<bool> {
        Ok(meta_get(&self.conn, "check")?.is_some())
    }

    /// The role this PostgreSQL session authenticated as (`session_user`).
    pub fn session_user(&self) -> Result<Option<String>> {
        match self.conn.is_pg() {
            true => pg::session_user(&self.conn).map(Some),
            false => Ok(None),
        }
    }

    /// Whether this store is on PostgreSQL.
    pub fn is_pg(&self) -> bool {
        self.conn.is_pg()
    }

    /// A new, empty store in memory, as `open` would create it (for a dry
    /// run where no store exists: nothing is written anywhere).
    pub fn open_in_memory(now: DateTime<Utc>) -> Result<Store> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch(CONNECTION_PRAGMAS)?;
        let store = Store {
            conn: Conn::Sqlite(conn),
            created_schema: false,
            path: PathBuf::new(),
            master: None,
            author: Author::default(),
            lock_notice: None,
        };
        let founding = schema::Founding {
            at: timestamp(now),
            operator: OsAccount::current().name(),
        };
        schema::migrate(&store.conn, &founding)?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Who the audit entries of this store's writes name besides the actor.
    pub fn set_author(&mut self, author: Author) {
        self.author = author;
    }

    /// Attaches the master key after checking it against the store's check
    /// value (recording it if the store has none yet).
    pub fn unlock(&mut self, master: MasterKey) -> Result<()> {
        let stored: Option<Vec<u8>> = meta_get(&self.conn, "check")?;
        match stored {
            Some(check) if master.matches_check(&check) => {
                self.sign_legacy_rows(&master)?;
                let _ = self.sign_unsigned_heads(&master);
            }
            Some(_) => {
                return Err(Error::environment("the master key does not match this store")
                    .hint("use the master key file created with this store (--master-key-file or KEYADM_MASTER_KEY_FILE)"))
            }
            None => {
                let tx = self.conn.begin(true)?;
                if meta_get(&self.conn, "check")?.is_none() {
                    self.conn.execute(
                        "INSERT INTO meta (name, value) VALUES ('check', ?1)",
                        [master.check_value()],
                    )?;
                }
                tx.commit()?;
                return self.unlock(master);
            }
        }
        self.master = Some(master);
        Ok(())
    }

    /// Calls `notice` when a write has waited [`LOCK_NOTICE_AFTER`] for
    /// another process's write lock (and goes on waiting until
    /// [`BUSY_TIMEOUT`]): the library prints nothing, its caller says it.
    pub fn on_lock_wait(&mut self, notice: impl FnMut(&LockWait) + Send + 'static) {
        self.lock_notice = Some(Box::new(notice));
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction: committed when it
    /// returns `Ok`, rolled back (nothing happened) when it returns `Err`.
    pub fn write<T>(&mut self, now: DateTime<Utc>, f: impl FnOnce(&Tx) -> Result<T>) -> Result<T> {
        let tx = begin_immediate(&self.conn, &self.path, &mut self.lock_notice)?;
        let view = Tx::new(&self.conn, self.master.as_ref(), &self.author, now);
        let out = f(&view)?;
        let dropped = view.dropped_secrets.get();
        tx.commit()?;
        if dropped {
            self.empty_wal();
        } else {
            self.checkpoint_if_large();
        }
        Ok(out)
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction that is always rolled
    /// back (a dry run: the same checks as `write`, nothing changed). The
    /// changes stay in memory (no cache spill), so not even the WAL is
    /// written to.
    pub fn write_rolled_back<T>(
        &mut self,
        now: DateTime<Utc>,
        f: impl FnOnce(&Tx) -> Result<T>,
    ) -> Result<T> {
        if !self.conn.is_pg() {
            self.conn.execute_batch("PRAGMA cache_spill = OFF")?;
        }
        let tx = begin_immediate(&self.conn, &self.path, &mut self.lock_notice)?;
        let view = Tx::new(&self.conn, self.master.as_ref(), &self.author, now);
        let out = f(&view);
        tx.rollback()?;
        out
    }

    /// After a commit: when the WAL has grown past `WAL_CHECKPOINT_BYTES`,
    /// copies it into the store (fsynced) and truncates it. Never waits: if
    /// a reader or writer is busy with the store, the next write tries again.
    /// SQLite's own automatic checkpoint does not do: each new process
    /// rebuilds the WAL index as if nothing had been copied yet, so the WAL
    /// would never restart and every commit past 1,000 pages would copy it
    /// all again. A failure here is harmless (the commit is in the WAL).
    pub(crate) fn checkpoint_if_large(&self) {
        let Some(conn) = self.conn.sqlite() else {
            return;
        };
        let large = conn
            .path()
            .and_then(|db| fs::metadata(format!("{db}-wal")).ok())
            .is_some_and(|m| m.len() > WAL_CHECKPOINT_BYTES);
        if large && conn.busy_timeout(Duration::ZERO).is_ok() {
            let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
            let _ = conn.busy_timeout(BUSY_TIMEOUT);
        }
    }

    /// After a commit that dropped sealed bytes: copies the WAL into the
    /// store and truncates it, so that neither file keeps the old pages
    /// (SPEC §5.8). A failure leaves the commit in the WAL (safe, only not
    /// yet wiped).
    fn empty_wal(&self) {
        // The checkpoint holds off other writers while it waits for readers:
        // it waits a second at most (the next write that drops sealed bytes,
        // or passes WAL_CHECKPOINT_BYTES, tries again).
        let Some(conn) = self.conn.sqlite() else {
            return;
        };
        if conn.busy_timeout(Duration::from_secs(1)).is_ok() {
            let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
            let _ = conn.busy_timeout(BUSY_TIMEOUT);
        }
    }

    /// Runs `f` against a consistent snapshot, without taking the write lock.
    pub fn read<T>(&mut self, now: DateTime<Utc>, f: impl FnOnce(&Tx) -> Result<T>) -> Result<T> {
        let _tx = self.conn.begin(false)?;
        let view = Tx::new(&self.conn, self.master.as_ref(), &self.author, now);
        f(&view)
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Takes the write lock (`BEGIN IMMEDIATE`), waiting up to `BUSY_TIMEOUT`
/// for another process; with a lock notice, the wait is split at
/// `LOCK_NOTICE_AFTER` to call it once.
fn begin_immediate<'c>(
    conn: &'c Conn,
    path: &Path,
    notice: &mut Option<LockNotice>,
) -> Result<TxGuard<'c>> {
    // PostgreSQL waits in the server (lock_timeout), without a notice.
    let (Some(notice), Some(sqlite)) = (notice.as_mut(), conn.sqlite()) else {
        return Ok(conn.begin(true)?);
    };
    sqlite.busy_timeout(LOCK_NOTICE_AFTER)?;
    let first = conn.begin(true);
    let _ = sqlite.busy_timeout(BUSY_TIMEOUT);
    match first {
        Ok(tx) => Ok(tx),
        Err(e) if is_busy(&e) => {
            let rest = BUSY_TIMEOUT.saturating_sub(LOCK_NOTICE_AFTER);
            notice(&LockWait {
                path: path.to_path_buf(),
                waited: LOCK_NOTICE_AFTER,
                gives_up_in: rest,
            });
            sqlite.busy_timeout(rest)?;
            let again = conn.begin(true);
            let _ = sqlite.busy_timeout(BUSY_TIMEOUT);
            Ok(again?)
        }
        Err(e) => Err(e.into()),
    }
}

/// Creates an empty store file 0600 in a 0700 folder (unless another process just did).
fn create_store_file(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(Error::environment(format!(
            "cannot create the store {}: {e}",
            path.display()
        ))
        .hint("check that its folder is writable, or choose another path with --db")),
    }
}

fn meta_get(conn: &Conn, name: &str) -> Result<Option<Vec<u8>>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row("SELECT value FROM meta WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()?)
}

/// How times are stored: RFC 3339 UTC with seconds, which sorts as text.
pub(crate) fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub(crate) fn parse_timestamp(s: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })
}

impl<'a> Tx<'a> {
    fn new(
        conn: &'a Conn,
        master: Option<&'a MasterKey>,
        author: &'a Author,
        now: DateTime<Utc>,
    ) -> Tx<'a> {
        Tx {
            conn,
            master,
            author,
            now,
            dropped_secrets: std::cell::Cell::new(false),
            row_signer: std::cell::OnceCell::new(),
            signed_rows: std::cell::RefCell::default(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Notes that this change drops sealed bytes (see `Store::empty_wal`).
    pub(crate) fn drops_secrets(&self) {
        self.dropped_secrets.set(true);
    }

    /// The master key; commands that seal, open or audit need it.
    pub fn master(&self) -> Result<&'a MasterKey> {
        self.master.ok_or_else(|| {
            Error::environment("this command needs the master key, and none was loaded")
                .hint("pass --master-key-file or set KEYADM_MASTER_KEY_FILE")
        })
    }

    /// A number that changes whenever another connection commits a change.
    pub fn data_version(&self) -> Result<i64> {
        if self.conn.is_pg() {
            return pg::data_version(self.conn);
        }
        Ok(self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pragma(store: &Store, name: &str) -> String {
        store
            .conn
            .query_row(&format!("PRAGMA {name}"), [], |r| {
                r.get::<_, rusqlite::types::Value>(0)
            })
            .map(|v| match v {
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Text(t) => t,
                other => format!("{other:?}"),
            })
            .unwrap()
    }

    #[test]
    fn every_pragma_of_the_spec_is_in_force() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s/keys.db");
        let now = Utc::now();
        for access in [Access::Create, Access::Existing] {
            let store = Store::open(&path, access, now).unwrap();
            assert_eq!(pragma(&store, "journal_mode"), "wal");
            assert!(pragma(&store, "busy_timeout").parse::<u64>().unwrap() >= 5_000);
            assert_eq!(pragma(&store, "foreign_keys"), "1");
            assert_eq!(pragma(&store, "synchronous"), "2", "FULL");
            assert!(
                store
                    .conn
                    .sqlite()
                    .unwrap()
                    .db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE)
                    .unwrap(),
                "the WAL is left for the next write to checkpoint"
            );
            assert_eq!(
                pragma(&store, "user_version"),
                schema::SCHEMA_VERSION.to_string()
            );
        }
    }

    #[test]
    fn a_missing_store_is_not_created_for_reading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s/keys.db");
        assert_eq!(
            Store::open(&path, Access::Existing, Utc::now())
                .err()
                .unwrap()
                .exit_code(),
            5
        );
        assert!(!dir.path().join("s").exists());
    }

    #[test]
    fn each_tenant_has_its_chain_and_the_store_one_for_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc::now();
        let mut store = Store::open(&dir.path().join("keys.db"), Access::Create, now).unwrap();
        let master = MasterKey::generate();
        let audit_key = master.audit_key();
        store.unlock(master).unwrap();
        let tenants = [Some("acme"), Some("globex"), None, Some("acme"), None];
        for (i, tenant) in tenants.iter().enumerate() {
            store
                .write(now, |tx| {
                    tx.append_audit(NewAudit {
                        actor: "alice",
                        action: "config",
                        key_id: None,
                        key_name: None,
                        tenant: *tenant,
                        details: serde_json::json!({ "n": i }),
                    })
                })
                .unwrap();
        }
        // A failed write appends nothing.
        let failed: Result<()> = store.write(now, |tx| {
            tx.append_audit(NewAudit {
                actor: "alice",
                action: "edit",
                key_id: None,
                key_name: None,
                tenant: Some("acme"),
                details: serde_json::json!({}),
            })?;
            Err(Error::refused("no"))
        });
        assert!(failed.is_err());
        let mut stmt = store
            .conn
            .prepare(&format!(
                "SELECT {} FROM audit ORDER BY seq",
                audit::AUDIT_COLUMNS
            ))
            .unwrap();
        let entries: Vec<AuditEntry> = stmt
            .query_map([], audit::audit_from_row)
            .unwrap()
            .map(|e| e.unwrap())
            .collect();
        drop(stmt);
        assert_eq!(
            entries
                .iter()
                .map(|e| (e.seq, e.chain.as_str(), e.chain_seq))
                .collect::<Vec<_>>(),
            [
                (1, "acme", 1),
                (2, "globex", 1),
                (3, STORE_CHAIN, 1),
                (4, "acme", 2),
                (5, STORE_CHAIN, 2)
            ]
        );
        for chain in ["acme", "globex", STORE_CHAIN] {
            let mut prev = vec![0u8; 32];
            let mine: Vec<_> = entries.iter().filter(|e| e.chain == chain).collect();
            for e in &mine {
                assert!(!e.v1);
                assert_eq!(audit::entry_hash_v2(&prev, e).to_vec(), e.hash, "{}", e.seq);
                prev = e.hash.clone();
            }
            let mac: Vec<u8> = store
                .conn
                .query_row(
                    "SELECT mac FROM audit_heads WHERE chain = ?1",
                    [chain],
                    |r| r.get(0),
                )
                .unwrap();
            let last = mine.last().unwrap().chain_seq;
            assert_eq!(mac, audit::head_mac_v2(&audit_key[..], chain, last, &prev));
            let v = store
                .read(now, |tx| tx.verify_audit_chain(chain, &[1]))
                .unwrap();
            assert_eq!(v.broken, None, "{chain}");
            assert_eq!(v.entries, mine.len() as i64);
            assert_eq!(v.found, [(1, mine[0].hash.clone())]);
        }
        let chains = store.read(now, |tx| tx.audit_chains()).unwrap();
        assert_eq!(chains, [STORE_CHAIN, "acme", "globex"]);
    }

    #[test]
    fn the_real_time_runs_backwards_only_as_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc::now();
        let mut store = Store::open(&dir.path().join("keys.db"), Access::Create, now).unwrap();
        store.unlock(MasterKey::generate()).unwrap();
        for _ in 0..3 {
            store
                .write(now, |tx| {
                    tx.append_audit(NewAudit {
                        actor: "alice",
                        action: "config",
                        key_id: None,
                        key_name: None,
                        tenant: Some("acme"),
                        details: serde_json::json!({}),
                    })
                })
                .unwrap();
        }
        // The real clock put entry 2 a day before entry 1: rewrite it (and
        // the chain after it) as a set-back clock would have written it.
        let key = store.master.as_ref().unwrap().audit_key();
        let mut stmt = store
            .conn
            .prepare(&format!(
                "SELECT {} FROM audit ORDER BY seq",
                audit::AUDIT_COLUMNS
            ))
            .unwrap();
        let mut entries: Vec<AuditEntry> = stmt
            .query_map([], audit::audit_from_row)
            .unwrap()
            .map(|e| e.unwrap())
            .collect();
        drop(stmt);
        entries[1].at = timestamp(now - chrono::Duration::days(1));
        let mut prev = vec![0u8; 32];
        for e in &mut entries {
            e.hash = audit::entry_hash_v2(&prev, e).to_vec();
            store
                .conn
                .execute(
                    "UPDATE audit SET at = ?1, hash = ?2 WHERE seq = ?3",
                    rusqlite::params![e.at, e.hash, e.seq],
                )
                .unwrap();
            prev = e.hash.clone();
        }
        store
            .conn
            .execute(
                "UPDATE audit_heads SET hash = ?1, mac = ?2 WHERE chain = 'acme'",
                rusqlite::params![prev, audit::head_mac_v2(&key[..], "acme", 3, &prev)],
            )
            .unwrap();
        let v = store
            .read(now, |tx| tx.verify_audit_chain("acme", &[]))
            .unwrap();
        assert_eq!(v.broken, None);
        assert_eq!(v.warnings.len(), 1, "{:?}", v.warnings);
        assert_eq!((v.warnings[0].seq, v.warnings[0].chain_seq), (2, 2));
        assert_eq!(v.warnings[0].at, entries[1].at);
    }
}

-- PostgreSQL: the same step as ../0009_terminal_2.sql (BYTEA for BLOB, BIGINT for INTEGER, TEXT compared byte by byte as SQLite does).
-- keyadm 0.2, issue 15 (item 23): the keys a sweep kept (the only internal
-- key of a tenant, due for purging) and said so, per expiry: later sweeps
-- do not say it again (a daily cron would mail it forever), unless -v.
CREATE TABLE sweep_kept (
    key_id     TEXT COLLATE "C" NOT NULL,
    expires_at TEXT COLLATE "C" NOT NULL,
    at         TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (key_id, expires_at)
);

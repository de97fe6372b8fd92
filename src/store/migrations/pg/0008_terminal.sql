-- PostgreSQL: the same step as ../0008_terminal.sql (BYTEA for BLOB, BIGINT for INTEGER, TEXT compared byte by byte as SQLite does).
-- keyadm 0.2, issue 15 (items 6 and 9): the last use of each value of a
-- key, so an administrator sees who still presents the previous value
-- during a rotation's grace; and when the key's expiry was set, so a
-- notice threshold is not reached at the moment the expiry is set (a
-- 30-day key gets no 30-day notice at creation). NULL expiry_set_at: set
-- long ago (before this step). Bookkeeping, not signed.
ALTER TABLE keys ADD COLUMN current_used_at TEXT COLLATE "C";
ALTER TABLE keys ADD COLUMN previous_used_at TEXT COLLATE "C";
ALTER TABLE keys ADD COLUMN expiry_set_at TEXT COLLATE "C";
-- A key that was never rotated has had only its current value in use.
UPDATE keys SET current_used_at = last_used_at WHERE prev_hash IS NULL;

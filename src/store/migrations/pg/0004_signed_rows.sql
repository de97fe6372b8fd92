-- PostgreSQL: the same step as ../0004_signed_rows.sql (BYTEA for BLOB, BIGINT for INTEGER, TEXT compared byte by byte as SQLite does).
-- keyadm 0.2: signed rows (SPEC §5.4). Each key and user row carries a
-- row version (incremented on each change) and an Ed25519 signature, by a
-- key derived from the master key, over its policy fields and that
-- version. 0.1 rows are signed by the first command that unlocks the
-- master key (SPEC §5.5); the store ID is written after this step.
ALTER TABLE keys ADD COLUMN row_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE keys ADD COLUMN row_sig BYTEA;
ALTER TABLE users ADD COLUMN row_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN row_sig BYTEA;

-- PostgreSQL: the same step as ../0002_operators.sql (BYTEA for BLOB, BIGINT for INTEGER, TEXT compared byte by byte as SQLite does).
-- keyadm 0.2: the store's operators are recorded, never inferred (SPEC §5.1),
-- and every audit entry records the OS account that ran the command and,
-- under KEYADM_NOW, the as-of time of its decisions (SPEC §5.2).
CREATE TABLE operators (
    name     TEXT COLLATE "C" PRIMARY KEY,
    added_at TEXT COLLATE "C" NOT NULL,
    added_by TEXT COLLATE "C" NOT NULL
);
ALTER TABLE audit ADD COLUMN as_of TEXT COLLATE "C";
ALTER TABLE audit ADD COLUMN os_uid BIGINT;
ALTER TABLE audit ADD COLUMN os_user TEXT COLLATE "C";

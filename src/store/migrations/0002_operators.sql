-- keyadm 0.2: the store's operators are recorded, never inferred (SPEC §5.1),
-- and every audit entry records the OS account that ran the command and,
-- under KEYADM_NOW, the as-of time of its decisions (SPEC §5.2).
CREATE TABLE operators (
    name     TEXT PRIMARY KEY,
    added_at TEXT NOT NULL,
    added_by TEXT NOT NULL
);
ALTER TABLE audit ADD COLUMN as_of TEXT;
ALTER TABLE audit ADD COLUMN os_uid INTEGER;
ALTER TABLE audit ADD COLUMN os_user TEXT;

-- keyadm 0.1: the first schema.
CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE orgs (
    path       TEXT PRIMARY KEY,
    tenant     TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE users (
    name         TEXT PRIMARY KEY,
    display_name TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    org          TEXT NOT NULL REFERENCES orgs(path),
    tenant       TEXT NOT NULL,
    groups_json  TEXT NOT NULL DEFAULT '[]',
    role         TEXT NOT NULL DEFAULT 'member',
    enabled      INTEGER NOT NULL DEFAULT 1,
    privileges   TEXT NOT NULL DEFAULT '[]',
    created_at   TEXT NOT NULL
);
CREATE INDEX users_tenant ON users(tenant);
CREATE TABLE keys (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    tenant          TEXT NOT NULL,
    org             TEXT NOT NULL REFERENCES orgs(path),
    type            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    enabled         INTEGER NOT NULL,
    disabled_reason TEXT,
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    expires_at      TEXT,
    value_hash      BLOB NOT NULL UNIQUE,
    sealed          BLOB,
    display         TEXT NOT NULL,
    prev_hash       BLOB UNIQUE,
    prev_sealed     BLOB,
    prev_display    TEXT,
    prev_until      TEXT,
    rotated_at      TEXT,
    rotate_every    INTEGER,
    user_name       TEXT,
    rules           TEXT NOT NULL DEFAULT '[]',
    origins         TEXT NOT NULL DEFAULT '[]',
    ips             TEXT NOT NULL DEFAULT '[]',
    tags            TEXT NOT NULL DEFAULT '[]',
    last_used_at    TEXT,
    UNIQUE (tenant, name)
);
CREATE INDEX keys_org ON keys(org);
CREATE INDEX keys_name ON keys(name);
CREATE TABLE audit (
    seq      INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    key_id   TEXT,
    key_name TEXT,
    tenant   TEXT,
    details  TEXT NOT NULL,
    hash     BLOB NOT NULL
);
CREATE INDEX audit_key ON audit(key_id);
CREATE TABLE notices (
    key_id     TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    days       INTEGER NOT NULL,
    state      TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (key_id, expires_at, days)
);
CREATE INDEX keys_user ON keys(user_name) WHERE user_name IS NOT NULL;

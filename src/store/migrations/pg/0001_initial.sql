-- PostgreSQL: the same step as ../0001_initial.sql (BYTEA for BLOB, BIGINT for INTEGER, TEXT compared byte by byte as SQLite does).
-- keyadm 0.1: the first schema.
CREATE TABLE meta (
    name  TEXT COLLATE "C" PRIMARY KEY,
    value BYTEA NOT NULL
);
CREATE TABLE settings (
    name  TEXT COLLATE "C" PRIMARY KEY,
    value TEXT COLLATE "C" NOT NULL
);
CREATE TABLE orgs (
    path       TEXT COLLATE "C" PRIMARY KEY,
    tenant     TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
);
CREATE TABLE users (
    name         TEXT COLLATE "C" PRIMARY KEY,
    display_name TEXT COLLATE "C" NOT NULL DEFAULT '',
    email        TEXT COLLATE "C" NOT NULL DEFAULT '',
    org          TEXT COLLATE "C" NOT NULL REFERENCES orgs(path),
    tenant       TEXT COLLATE "C" NOT NULL,
    groups_json  TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    role         TEXT COLLATE "C" NOT NULL DEFAULT 'member',
    enabled      BIGINT NOT NULL DEFAULT 1,
    privileges   TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    created_at   TEXT COLLATE "C" NOT NULL
);
CREATE INDEX users_tenant ON users(tenant);
CREATE TABLE keys (
    id              TEXT COLLATE "C" PRIMARY KEY,
    name            TEXT COLLATE "C" NOT NULL,
    tenant          TEXT COLLATE "C" NOT NULL,
    org             TEXT COLLATE "C" NOT NULL REFERENCES orgs(path),
    type            TEXT COLLATE "C" NOT NULL,
    description     TEXT COLLATE "C" NOT NULL DEFAULT '',
    enabled         BIGINT NOT NULL,
    disabled_reason TEXT COLLATE "C",
    created_at      TEXT COLLATE "C" NOT NULL,
    created_by      TEXT COLLATE "C" NOT NULL,
    expires_at      TEXT COLLATE "C",
    value_hash      BYTEA NOT NULL UNIQUE,
    sealed          BYTEA,
    display         TEXT COLLATE "C" NOT NULL,
    prev_hash       BYTEA UNIQUE,
    prev_sealed     BYTEA,
    prev_display    TEXT COLLATE "C",
    prev_until      TEXT COLLATE "C",
    rotated_at      TEXT COLLATE "C",
    rotate_every    BIGINT,
    user_name       TEXT COLLATE "C",
    rules           TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    origins         TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    ips             TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    tags            TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    last_used_at    TEXT COLLATE "C",
    UNIQUE (tenant, name)
);
CREATE INDEX keys_org ON keys(org);
CREATE INDEX keys_name ON keys(name);
CREATE TABLE audit (
    seq      BIGINT PRIMARY KEY,
    at       TEXT COLLATE "C" NOT NULL,
    actor    TEXT COLLATE "C" NOT NULL,
    action   TEXT COLLATE "C" NOT NULL,
    key_id   TEXT COLLATE "C",
    key_name TEXT COLLATE "C",
    tenant   TEXT COLLATE "C",
    details  TEXT COLLATE "C" NOT NULL,
    hash     BYTEA NOT NULL
);
CREATE INDEX audit_key ON audit(key_id);
CREATE TABLE notices (
    key_id     TEXT COLLATE "C" NOT NULL,
    expires_at TEXT COLLATE "C" NOT NULL,
    days       BIGINT NOT NULL,
    state      TEXT COLLATE "C" NOT NULL,
    at         TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (key_id, expires_at, days)
);
CREATE INDEX keys_user ON keys(user_name) WHERE user_name IS NOT NULL;

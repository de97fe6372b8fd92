-- PostgreSQL: the same step as ../0003_audit_chains.sql (BYTEA for BLOB, BIGINT for INTEGER, TEXT compared byte by byte as SQLite does).
-- keyadm 0.2: one audit chain per tenant and a store-wide one (SPEC §5.3).
-- `chain` is the tenant's name, or '@store' for settings, operators and
-- entries of no tenant; NULL marks an entry of 0.1, which is the store-wide
-- chain's history (its place in that chain is its `seq`, its hash the 0.1
-- formula). `chain_seq` is an entry's place in its chain. Each chain's head
-- (place, hash, HMAC under the master key's audit key) is one row of
-- `audit_heads`; `v` says which formula its HMAC is (1: the 0.1 head).
ALTER TABLE audit ADD COLUMN chain TEXT COLLATE "C";
ALTER TABLE audit ADD COLUMN chain_seq BIGINT;
CREATE INDEX audit_chain ON audit(chain, seq);
CREATE TABLE audit_heads (
    chain TEXT COLLATE "C" PRIMARY KEY,
    seq   BIGINT NOT NULL,
    hash  BYTEA NOT NULL,
    mac   BYTEA NOT NULL,
    v     BIGINT NOT NULL
);

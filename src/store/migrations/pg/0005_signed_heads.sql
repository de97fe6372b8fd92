-- PostgreSQL: the same step as ../0005_signed_heads.sql (BYTEA for BLOB, BIGINT for INTEGER, TEXT compared byte by byte as SQLite does).
-- keyadm 0.2: signed chain heads (SPEC §5.4). Each chain's head is also
-- signed with the store's Ed25519 row key (over the store ID, the chain,
-- its place and hash), so that a verifier holding only the trust key can
-- tell a head the master key wrote from one a forger wrote. Heads written
-- before this step are signed by the first command that unlocks the
-- master key, when their HMAC checks out.
ALTER TABLE audit_heads ADD COLUMN sig BYTEA;

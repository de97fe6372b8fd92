-- PostgreSQL: the same step as ../0006_rate_limits.sql (BYTEA for BLOB, BIGINT for INTEGER, TEXT compared byte by byte as SQLite does).
-- keyadm serve: a per-key rate limit, COUNT/PERIOD as text (e.g. 100/1m);
-- NULL: no limit. Enforced in memory by each serving process; signed with
-- the row (SPEC §5.4) when set.
ALTER TABLE keys ADD COLUMN rate_limit TEXT COLLATE "C";

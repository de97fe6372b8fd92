-- PostgreSQL: the same step as ../0007_notice_deliveries.sql (BYTEA for BLOB, BIGINT for INTEGER, TEXT compared byte by byte as SQLite does).
-- keyadm 0.2: notices by email and webhook (issue 17, SPEC §5.11). The
-- delivery of a notice (key, expiry, threshold) through one channel
-- (smtp, webhook, exec): sent or failed, after how many attempts, when,
-- and the last error. A run retries only the channels not yet sent.
CREATE TABLE notice_deliveries (
    key_id     TEXT COLLATE "C" NOT NULL,
    expires_at TEXT COLLATE "C" NOT NULL,
    days       BIGINT NOT NULL,
    channel    TEXT COLLATE "C" NOT NULL,
    state      TEXT COLLATE "C" NOT NULL,
    attempts   BIGINT NOT NULL,
    at         TEXT COLLATE "C" NOT NULL,
    error      TEXT COLLATE "C",
    PRIMARY KEY (key_id, expires_at, days, channel)
);

-- keyadm 0.2: notices by email and webhook (issue 17, SPEC §5.11). The
-- delivery of a notice (key, expiry, threshold) through one channel
-- (smtp, webhook, exec): sent or failed, after how many attempts, when,
-- and the last error. A run retries only the channels not yet sent.
CREATE TABLE notice_deliveries (
    key_id     TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    days       INTEGER NOT NULL,
    channel    TEXT NOT NULL,
    state      TEXT NOT NULL,
    attempts   INTEGER NOT NULL,
    at         TEXT NOT NULL,
    error      TEXT,
    PRIMARY KEY (key_id, expires_at, days, channel)
);

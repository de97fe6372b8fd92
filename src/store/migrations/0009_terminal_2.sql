-- keyadm 0.2, issue 15 (item 23): the keys a sweep kept (the only internal
-- key of a tenant, due for purging) and said so, per expiry: later sweeps
-- do not say it again (a daily cron would mail it forever), unless -v.
CREATE TABLE sweep_kept (
    key_id     TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (key_id, expires_at)
);

-- Rate-limit counters shared by every server process on this database (issue 10, item 5):
-- one row per limit kind, hashed key (SHA-256 of the token, application, client address or
-- OAuth client, first 16 bytes: never the raw value) and fixed window (`window_start`,
-- `window_end` in Unix seconds). Each process counts in memory and adds its deltas here in
-- one batched upsert every ~250 ms (`n = n + excluded.n RETURNING n`), learning the total
-- of all processes from the answer; ended windows are deleted. UNLOGGED: counters need no
-- crash safety or replication (a crash forgets at most one window), and skipping the WAL
-- keeps the flush cheap. Mirrored in ../sqlite.

CREATE UNLOGGED TABLE rate_limit_counts (
    kind            TEXT NOT NULL,
    key             BYTEA NOT NULL,
    window_start    BIGINT NOT NULL,
    window_end      BIGINT NOT NULL,
    n               BIGINT NOT NULL,
    PRIMARY KEY (kind, key, window_start)
);

CREATE INDEX rate_limit_counts_window_end ON rate_limit_counts (window_end);

-- Per-application usage (issue 6): API requests made with the app's tokens per UTC day
-- (`day` = days since 1970-01-01), errors among them, and the enrollees whose data the app
-- used that day. Written in batches from counts kept in memory (never a write per
-- request); no foreign key, so a batch never fails because an app went away meanwhile.
-- Mirrored in ../postgres.

CREATE TABLE app_usage (
    application_id  TEXT NOT NULL,
    day             INTEGER NOT NULL,
    requests        INTEGER NOT NULL,
    errors_4xx      INTEGER NOT NULL,
    errors_5xx      INTEGER NOT NULL,
    PRIMARY KEY (application_id, day)
) WITHOUT ROWID;

CREATE TABLE app_usage_enrollees (
    application_id  TEXT NOT NULL,
    day             INTEGER NOT NULL,
    bene_id         INTEGER NOT NULL,
    PRIMARY KEY (application_id, day, bene_id)
) WITHOUT ROWID;

-- Developer portal accounts (issue 6): the user's name, per-account login lockout, TOTP,
-- single-use e-mail tokens (verification, password reset), portal sessions and the
-- outbox of e-mails. Times are milliseconds since 1970-01-01 UTC; tokens and session ids
-- are kept only as SHA-256. Mirrored in ../postgres.

ALTER TABLE users ADD COLUMN name TEXT NOT NULL DEFAULT '';
-- Failed logins since failed_first_at (password or second factor); locked_until set at
-- the limit. One conditional UPDATE counts, so replicas share the count.
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN failed_first_at INTEGER;
ALTER TABLE users ADD COLUMN locked_until INTEGER;
-- RFC 6238 secret (20 bytes) once enrolled; the last step used refuses replays.
ALTER TABLE users ADD COLUMN totp_secret BLOB;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;
ALTER TABLE users ADD COLUMN password_changed_at INTEGER;

-- Links sent by e-mail: single use, bounded life.
CREATE TABLE account_tokens (
    token_sha256  BLOB PRIMARY KEY NOT NULL CHECK (length(token_sha256) = 32),
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose       TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    used_at       INTEGER
) WITHOUT ROWID;
CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose);

-- A signed-in browser. stage: 'active', 'second_factor' (password checked, TOTP code
-- due) or 'enrol' (staff without TOTP: enrolment due). pending_totp: a secret being
-- enrolled, not yet confirmed by a code.
CREATE TABLE portal_sessions (
    session_sha256  BLOB PRIMARY KEY NOT NULL CHECK (length(session_sha256) = 32),
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token      TEXT NOT NULL,
    stage           TEXT NOT NULL CHECK (stage IN ('active', 'second_factor', 'enrol')),
    pending_totp    BLOB,
    created_at      INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX portal_sessions_user ON portal_sessions (user_id);

-- E-mails to send. The body (which may hold a single-use link) is emptied once the
-- message is sent or given up.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    recipient        TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body_text        TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    sent_at          INTEGER,
    failed_at        INTEGER,
    last_error       TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- The authorization server (issue 5): authorization flows, codes, refresh tokens, grants,
-- login throttling, enrollee sessions and the audit trail. Times are milliseconds since
-- 1970-01-01 UTC; codes and tokens are kept only as SHA-256. Mirror of ../sqlite.

ALTER TABLE applications ADD COLUMN logo_uri TEXT;
ALTER TABLE applications ADD COLUMN website_uri TEXT;
ALTER TABLE applications ADD COLUMN policy_uri TEXT;
ALTER TABLE applications ADD COLUMN tos_uri TEXT;

ALTER TABLE access_tokens ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX access_tokens_pair ON access_tokens (application_id, bene_id);

-- One browser's way from /authorize to the redirect: ten minutes, bound to a cookie.
CREATE TABLE auth_flows (
    id              TEXT PRIMARY KEY NOT NULL,
    application_id  TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    redirect_uri    TEXT NOT NULL,
    scopes          TEXT NOT NULL,
    state           TEXT NOT NULL,
    code_challenge  TEXT NOT NULL,
    nonce           TEXT,
    lang            TEXT NOT NULL,
    browser_sha256  BYTEA NOT NULL,
    csrf_token      TEXT NOT NULL,
    bene_id         BIGINT,
    upstream        TEXT,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    finished_at     BIGINT
);

CREATE TABLE auth_codes (
    code_sha256     BYTEA PRIMARY KEY NOT NULL CHECK (length(code_sha256) = 32),
    application_id  TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    bene_id         BIGINT NOT NULL,
    redirect_uri    TEXT NOT NULL,
    scopes          TEXT NOT NULL,
    code_challenge  TEXT NOT NULL,
    nonce           TEXT,
    expires_at      BIGINT NOT NULL,
    used_at         BIGINT
);

CREATE TABLE refresh_tokens (
    token_sha256    BYTEA PRIMARY KEY NOT NULL CHECK (length(token_sha256) = 32),
    application_id  TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    bene_id         BIGINT NOT NULL,
    scopes          TEXT NOT NULL,
    access_sha256   BYTEA NOT NULL,
    created_at      BIGINT NOT NULL,
    used_at         BIGINT,
    revoked_at      BIGINT
);
CREATE INDEX refresh_tokens_pair ON refresh_tokens (application_id, bene_id);

-- One grant per enrollee and app (BB2's DataAccessGrant).
CREATE TABLE grants (
    application_id  TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    bene_id         BIGINT NOT NULL,
    scopes          TEXT NOT NULL,
    demographics    BOOLEAN NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT,
    PRIMARY KEY (application_id, bene_id)
);
CREATE INDEX grants_bene ON grants (bene_id);

CREATE TABLE login_failures (
    username_key  TEXT PRIMARY KEY NOT NULL,
    failures      BIGINT NOT NULL,
    first_at      BIGINT NOT NULL,
    locked_until  BIGINT
);

CREATE TABLE enrollee_sessions (
    session_sha256  BYTEA PRIMARY KEY NOT NULL CHECK (length(session_sha256) = 32),
    bene_id         BIGINT NOT NULL,
    csrf_token      TEXT NOT NULL,
    expires_at      BIGINT NOT NULL
);

-- Who did what to whose data: consents, tokens, revocations, reads. No query strings, no
-- claim ids, no tokens.
CREATE TABLE audit_events (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              BIGINT NOT NULL,
    bene_id         BIGINT,
    application_id  TEXT,
    action          TEXT NOT NULL,
    detail          TEXT NOT NULL
);
CREATE INDEX audit_events_bene ON audit_events (bene_id, at);

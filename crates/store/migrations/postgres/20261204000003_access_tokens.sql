-- Access tokens. Mirror of ../sqlite.

CREATE TABLE access_tokens (
    token_sha256    BYTEA CONSTRAINT "access_tokens.token_sha256" PRIMARY KEY CHECK (length(token_sha256) = 32),
    application_id  TEXT REFERENCES applications (id) ON DELETE CASCADE,
    bene_id         BIGINT NOT NULL,
    scopes          TEXT NOT NULL,
    expires_at      BIGINT NOT NULL,
    revoked_at      BIGINT
);
CREATE INDEX access_tokens_bene ON access_tokens (bene_id);

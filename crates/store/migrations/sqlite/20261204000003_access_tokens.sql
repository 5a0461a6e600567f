-- Access tokens (issue 4 reads them to find the caller's patient; issue 5 issues them).
-- Only the SHA-256 of a token is stored. Mirrored in ../postgres.

CREATE TABLE access_tokens (
    token_sha256    BLOB PRIMARY KEY NOT NULL CHECK (length(token_sha256) = 32),
    application_id  TEXT REFERENCES applications (id) ON DELETE CASCADE,
    bene_id         INTEGER NOT NULL,
    scopes          TEXT NOT NULL,
    expires_at      INTEGER NOT NULL,
    revoked_at      INTEGER
) WITHOUT ROWID;
CREATE INDEX access_tokens_bene ON access_tokens (bene_id);

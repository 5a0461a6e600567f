-- Production access (issue 7, part 4): after approval. The directory listing the developer
-- sends, the production application made when credentials are issued (linked to the
-- request), the one-time hand-off links (tokens only as SHA-256, single use by one
-- conditional UPDATE) and the audit of every view of one. Times are milliseconds since
-- 1970-01-01 UTC. Mirrored in ../postgres. See docs/design/production-access.md.

-- The post-approval form: one listing per request, replaced when sent again.
CREATE TABLE access_listings (
    request_id          TEXT PRIMARY KEY NOT NULL REFERENCES access_requests (id) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    description         TEXT NOT NULL,
    website             TEXT NOT NULL,
    privacy_policy_uri  TEXT NOT NULL,
    terms_uri           TEXT NOT NULL,
    -- Space-separated slugs (the app categories) and platforms (web ios android desktop).
    categories          TEXT NOT NULL,
    platforms           TEXT NOT NULL,
    -- The privacy label's answers the request form does not carry: does the app share
    -- identifiable data with third parties, sell data, and how long it keeps data
    -- ('deleted_on_exit', 'months' with retention_months, 'indefinitely').
    shares_data         INTEGER NOT NULL,
    sells_data          INTEGER NOT NULL,
    retention           TEXT NOT NULL CHECK (retention IN ('deleted_on_exit', 'months', 'indefinitely')),
    retention_months    INTEGER,
    -- The privacy label (JSON, bb_policy::PrivacyLabel), built once when the listing is
    -- sent from these answers and the report of the request's latest privacy policy.
    privacy_label       TEXT NOT NULL,
    logo_content_type   TEXT CHECK (logo_content_type IN ('image/png', 'image/jpeg')),
    logo_bytes          BLOB,
    submitted_by        TEXT NOT NULL,
    submitted_at        INTEGER NOT NULL
) WITHOUT ROWID;

-- The production application, set by issue_credentials in the move's transaction.
ALTER TABLE access_requests ADD COLUMN production_app_id TEXT REFERENCES applications (id);

-- A one-time link that shows the production credentials: valid 5 minutes, spent by the
-- one UPDATE … WHERE used_at IS NULL AND invalidated_at IS NULL AND expires_at > now.
-- A new link for the same request invalidates the older ones.
CREATE TABLE access_handoffs (
    token_sha256    BLOB PRIMARY KEY NOT NULL CHECK (length(token_sha256) = 32),
    request_id      TEXT NOT NULL REFERENCES access_requests (id) ON DELETE CASCADE,
    application_id  TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    created_by      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    used_at         INTEGER,
    invalidated_at  INTEGER
) WITHOUT ROWID;
CREATE INDEX access_handoffs_request ON access_handoffs (request_id);

-- Every opening of a hand-off link: who (account, or the SHA-256 of the address), when,
-- and what it showed.
CREATE TABLE access_handoff_views (
    id            INTEGER PRIMARY KEY,
    request_id    TEXT REFERENCES access_requests (id) ON DELETE CASCADE,
    token_sha256  BLOB NOT NULL,
    viewer_id     TEXT,
    ip_sha256     BLOB,
    at            INTEGER NOT NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('shown', 'expired', 'used', 'unknown'))
);
CREATE INDEX access_handoff_views_request ON access_handoff_views (request_id);

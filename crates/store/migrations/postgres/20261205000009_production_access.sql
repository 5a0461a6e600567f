-- Production access (issue 7, part 1): the platform's terms of service in versions and
-- each organization's acceptances; the production-access request with its documents (every
-- version kept with its SHA-256), its transition history and current status, and the
-- in-app notifications of both sides. Times are milliseconds since 1970-01-01 UTC.
-- Mirror of ../sqlite. See docs/design/production-access.md.

-- The platform's terms of service; the current version is the highest number published.
CREATE TABLE terms_versions (
    version       BIGINT CONSTRAINT "terms_versions.version" PRIMARY KEY CHECK (version > 0),
    body          TEXT NOT NULL,
    sha256        BYTEA NOT NULL CHECK (length(sha256) = 32),
    published_at  BIGINT NOT NULL
);

-- Who accepted which version for an organization, and when.
CREATE TABLE terms_acceptances (
    organization_id  TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    version          BIGINT NOT NULL REFERENCES terms_versions (version),
    accepted_by      TEXT REFERENCES users (id) ON DELETE SET NULL,
    accepted_at      BIGINT NOT NULL,
    CONSTRAINT "terms_acceptances.version" PRIMARY KEY (organization_id, version)
);

-- A request: the form's fields (a draft may be partial), the state and four-eyes
-- bookkeeping (moved only by one conditional UPDATE on the previous state), the reviewer
-- it is assigned to, and the first-response clock (started at submit/resubmit, stopped at
-- the team's next move). attestations: the checklist ids ticked, comma-separated.
CREATE TABLE access_requests (
    id               TEXT CONSTRAINT "access_requests.id" PRIMARY KEY,
    organization_id  TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    application_id   TEXT REFERENCES applications (id) ON DELETE SET NULL,
    use_case         TEXT NOT NULL DEFAULT '',
    redirect_uris    TEXT NOT NULL DEFAULT '',
    contact_name     TEXT NOT NULL DEFAULT '',
    contact_email    TEXT NOT NULL DEFAULT '',
    contact_phone    TEXT NOT NULL DEFAULT '',
    attestations     TEXT NOT NULL DEFAULT '',
    state            TEXT NOT NULL,
    approved_by      TEXT,
    confirmed_by     TEXT,
    assignee         TEXT REFERENCES users (id) ON DELETE SET NULL,
    terms_version    BIGINT,
    created_by       TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    submitted_at     BIGINT,
    sla_started_at   BIGINT,
    sla_due_at       BIGINT,
    sla_stopped_at   BIGINT
);
CREATE INDEX access_requests_org ON access_requests (organization_id);
CREATE INDEX access_requests_state ON access_requests (state);

-- Every uploaded version of a request's terms or privacy policy, never overwritten.
-- extracted_text stays NULL with extraction 'pending' until the policy crate extracts it.
CREATE TABLE access_documents (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id      TEXT NOT NULL REFERENCES access_requests (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('terms', 'privacy_policy')),
    version         BIGINT NOT NULL,
    file_name       TEXT NOT NULL,
    bytes           BYTEA NOT NULL,
    sha256          BYTEA NOT NULL CHECK (length(sha256) = 32),
    size            BIGINT NOT NULL,
    extraction      TEXT NOT NULL DEFAULT 'pending',
    extracted_text  TEXT,
    uploaded_by     TEXT REFERENCES users (id) ON DELETE SET NULL,
    uploaded_at     BIGINT NOT NULL,
    CONSTRAINT "access_documents.version" UNIQUE (request_id, kind, version)
);

-- The history: one row per move, who, in which role, when and why.
CREATE TABLE access_transitions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id  TEXT NOT NULL REFERENCES access_requests (id) ON DELETE CASCADE,
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL,
    transition  TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    role        TEXT NOT NULL,
    at          BIGINT NOT NULL,
    reason      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX access_transitions_request ON access_transitions (request_id, id);

-- In-app notifications (the portal's list and the unread count in the navigation).
CREATE TABLE access_notifications (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    request_id  TEXT REFERENCES access_requests (id) ON DELETE CASCADE,
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    read_at     BIGINT
);
CREATE INDEX access_notifications_user ON access_notifications (user_id, read_at);

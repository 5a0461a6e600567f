-- Policy changes of a live app (issue 7, part 5 — journey J5): new drafts of the terms
-- and/or privacy policy with the draft notification to enrollees, reviewed within five
-- business days; every draft version kept with its SHA-256; the history of moves; and the
-- publications (an approved change's versions become the app's published documents).
-- Times are milliseconds since 1970-01-01 UTC. Mirrored in ../postgres.
-- See docs/design/production-access.md.

-- One change. state moves only by one conditional UPDATE on the state read; at most one
-- open change (submitted, in_review, changes_requested) per request (the partial index).
-- The decision clock: started at submission and resubmission, stopped at the team's
-- request for changes or decision.
CREATE TABLE access_policy_changes (
    id              TEXT PRIMARY KEY NOT NULL,
    request_id      TEXT NOT NULL REFERENCES access_requests (id) ON DELETE CASCADE,
    state           TEXT NOT NULL CHECK (state IN ('submitted', 'in_review', 'changes_requested',
                                                   'approved', 'rejected', 'withdrawn')),
    notice          TEXT NOT NULL,
    submitted_by    TEXT REFERENCES users (id) ON DELETE SET NULL,
    submitted_at    INTEGER NOT NULL,
    assignee        TEXT REFERENCES users (id) ON DELETE SET NULL,
    sla_started_at  INTEGER NOT NULL,
    sla_due_at      INTEGER NOT NULL,
    sla_stopped_at  INTEGER,
    decided_by      TEXT,
    decided_at      INTEGER,
    updated_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX access_policy_changes_open ON access_policy_changes (request_id)
    WHERE state IN ('submitted', 'in_review', 'changes_requested');
CREATE INDEX access_policy_changes_request ON access_policy_changes (request_id, submitted_at);

-- Every uploaded draft of a change, never overwritten (version per change and kind).
CREATE TABLE access_change_documents (
    id              INTEGER PRIMARY KEY,
    change_id       TEXT NOT NULL REFERENCES access_policy_changes (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('terms', 'privacy_policy')),
    version         INTEGER NOT NULL,
    file_name       TEXT NOT NULL,
    bytes           BLOB NOT NULL,
    sha256          BLOB NOT NULL CHECK (length(sha256) = 32),
    size            INTEGER NOT NULL,
    extraction      TEXT NOT NULL,
    extracted_text  TEXT,
    uploaded_by     TEXT REFERENCES users (id) ON DELETE SET NULL,
    uploaded_at     INTEGER NOT NULL,
    UNIQUE (change_id, kind, version)
);

-- The history of a change: one row per move, who, in which role, when and why.
CREATE TABLE access_change_transitions (
    id          INTEGER PRIMARY KEY,
    change_id   TEXT NOT NULL REFERENCES access_policy_changes (id) ON DELETE CASCADE,
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL,
    transition  TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    role        TEXT NOT NULL,
    at          INTEGER NOT NULL,
    reason      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX access_change_transitions_change ON access_change_transitions (change_id, id);

-- Publications: written in the approval's transaction, one row per kind the change
-- carried; the app's published version of a kind is its newest row (before any, the
-- version approved with the request, published when the app went live).
CREATE TABLE access_publications (
    id              INTEGER PRIMARY KEY,
    request_id      TEXT NOT NULL REFERENCES access_requests (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('terms', 'privacy_policy')),
    change_id       TEXT NOT NULL REFERENCES access_policy_changes (id) ON DELETE CASCADE,
    document_id     INTEGER NOT NULL REFERENCES access_change_documents (id) ON DELETE CASCADE,
    published_at    INTEGER NOT NULL
);
CREATE INDEX access_publications_request ON access_publications (request_id, kind, id);

-- Production access (issue 7, part 2): reviewers' demo slots and the booked demos (with
-- the seed's five-item demo checklist), threaded concerns with the developer's responses,
-- the reviewer's checklist per request, and e-mail attachments (the .ics invitations).
-- Times are milliseconds since 1970-01-01 UTC. Mirrored in ../postgres.
-- See docs/design/production-access.md.

-- Files sent with an outbox message (dropped with the message's body once sent).
CREATE TABLE outbox_attachments (
    id            INTEGER PRIMARY KEY,
    mail_id       INTEGER NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    bytes         BLOB NOT NULL
);
CREATE INDEX outbox_attachments_mail ON outbox_attachments (mail_id);

-- One-hour slots a reviewer offers. demo_id is set by the one conditional UPDATE that
-- books it (`WHERE demo_id IS NULL`): of two bookings, exactly one wins.
CREATE TABLE demo_slots (
    id            TEXT PRIMARY KEY NOT NULL,
    reviewer_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    starts_at     INTEGER NOT NULL,
    ends_at       INTEGER NOT NULL CHECK (ends_at > starts_at),
    meeting_link  TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    demo_id       TEXT,
    UNIQUE (reviewer_id, starts_at)
);
CREATE INDEX demo_slots_start ON demo_slots (starts_at);

-- A reviewer's default meeting link (used for new slots without their own).
CREATE TABLE demo_reviewer_links (
    reviewer_id   TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    meeting_link  TEXT NOT NULL,
    updated_at    INTEGER NOT NULL
) WITHOUT ROWID;

-- A booked demo. id is the invitation's UID (stable across reschedules); sequence counts
-- reschedules (the .ics SEQUENCE). status: booked, cancelled, held.
CREATE TABLE access_demos (
    id            TEXT PRIMARY KEY NOT NULL,
    request_id    TEXT NOT NULL REFERENCES access_requests (id) ON DELETE CASCADE,
    slot_id       TEXT REFERENCES demo_slots (id) ON DELETE SET NULL,
    reviewer_id   TEXT REFERENCES users (id) ON DELETE SET NULL,
    starts_at     INTEGER NOT NULL,
    ends_at       INTEGER NOT NULL,
    meeting_link  TEXT NOT NULL,
    sequence      INTEGER NOT NULL DEFAULT 0,
    status        TEXT NOT NULL CHECK (status IN ('booked', 'cancelled', 'held')),
    booked_by     TEXT NOT NULL,
    booked_at     INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    held_by       TEXT,
    held_at       INTEGER
);
CREATE INDEX access_demos_request ON access_demos (request_id);

-- The seed's demo checklist, per demo: a note per item, written when the demo is held.
CREATE TABLE access_demo_notes (
    demo_id  TEXT NOT NULL REFERENCES access_demos (id) ON DELETE CASCADE,
    item     TEXT NOT NULL,
    note     TEXT NOT NULL,
    PRIMARY KEY (demo_id, item)
) WITHOUT ROWID;

-- Concerns raised by reviewers (with severity), resolved by reviewers.
CREATE TABLE access_concerns (
    id           INTEGER PRIMARY KEY,
    request_id   TEXT NOT NULL REFERENCES access_requests (id) ON DELETE CASCADE,
    severity     TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'blocking')),
    body         TEXT NOT NULL,
    raised_by    TEXT NOT NULL,
    raised_at    INTEGER NOT NULL,
    resolved_by  TEXT,
    resolved_at  INTEGER
);
CREATE INDEX access_concerns_request ON access_concerns (request_id, id);

-- The developer's responses, every one kept.
CREATE TABLE access_concern_responses (
    id            INTEGER PRIMARY KEY,
    concern_id    INTEGER NOT NULL REFERENCES access_concerns (id) ON DELETE CASCADE,
    body          TEXT NOT NULL,
    responded_by  TEXT NOT NULL,
    responded_at  INTEGER NOT NULL
);
CREATE INDEX access_concern_responses_concern ON access_concern_responses (concern_id, id);

-- The reviewer's checklist: the latest verdict per item (met, not_met, na), who and when.
CREATE TABLE access_review_checks (
    request_id  TEXT NOT NULL REFERENCES access_requests (id) ON DELETE CASCADE,
    item        TEXT NOT NULL,
    verdict     TEXT NOT NULL CHECK (verdict IN ('met', 'not_met', 'na')),
    note        TEXT NOT NULL DEFAULT '',
    checked_by  TEXT NOT NULL,
    checked_at  INTEGER NOT NULL,
    PRIMARY KEY (request_id, item)
) WITHOUT ROWID;

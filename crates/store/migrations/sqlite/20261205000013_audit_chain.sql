-- The audit trail made tamper-evident (issue 10, item 7): every record gets a gap-free
-- sequence number and is chained by SHA-256 to the one before it:
--   hash = SHA-256(prev_hash || canonical encoding of (seq, at, bene_id, application_id,
--                  action, detail))
-- with 32 zero bytes as the first record's prev_hash (see crates/store/src/audit.rs for
-- the encoding). audit_head holds the chain's last seq and hash; appenders take it under
-- the write lock in the appending transaction. Rows written before this migration have no
-- seq/hash yet: Store::migrate chains them right after (in id order, under the head's
-- lock), which is why the columns are nullable; `bluebutton audit verify` reports any row
-- still unchained. Mirrored in ../postgres. See docs/security.md.

ALTER TABLE audit_events ADD COLUMN seq INTEGER;
ALTER TABLE audit_events ADD COLUMN prev_hash BLOB CHECK (prev_hash IS NULL OR length(prev_hash) = 32);
ALTER TABLE audit_events ADD COLUMN hash BLOB CHECK (hash IS NULL OR length(hash) = 32);
CREATE UNIQUE INDEX audit_events_seq ON audit_events (seq);
CREATE INDEX audit_events_unchained ON audit_events (id) WHERE hash IS NULL;

-- One row: the chain's head (seq 0 and the genesis hash while empty).
CREATE TABLE audit_head (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    seq     INTEGER NOT NULL,
    hash    BLOB NOT NULL CHECK (length(hash) = 32)
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, zeroblob(32));

-- Append-only: no record is changed or removed (the one UPDATE allowed is the first
-- chaining of a row written before this migration).
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
WHEN OLD.hash IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

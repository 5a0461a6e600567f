-- The audit trail made tamper-evident (issue 10, item 7): every record gets a gap-free
-- sequence number and is chained by SHA-256 to the one before it:
--   hash = SHA-256(prev_hash || canonical encoding of (seq, at, bene_id, application_id,
--                  action, detail))
-- with 32 zero bytes as the first record's prev_hash (see crates/store/src/audit.rs for
-- the encoding). audit_head holds the chain's last seq and hash; appenders lock it with an
-- UPDATE … RETURNING in the appending transaction, so two server processes on one database
-- append one after the other. Rows written before this migration have no seq/hash yet:
-- Store::migrate chains them right after (in id order, under the head's lock), which is
-- why the columns are nullable; `bluebutton audit verify` reports any row still unchained.
-- Mirrored in ../sqlite. See docs/security.md.

ALTER TABLE audit_events ADD COLUMN seq BIGINT;
ALTER TABLE audit_events ADD COLUMN prev_hash BYTEA CHECK (prev_hash IS NULL OR length(prev_hash) = 32);
ALTER TABLE audit_events ADD COLUMN hash BYTEA CHECK (hash IS NULL OR length(hash) = 32);
CREATE UNIQUE INDEX audit_events_seq ON audit_events (seq);
CREATE INDEX audit_events_unchained ON audit_events (id) WHERE hash IS NULL;

-- One row: the chain's head (seq 0 and the genesis hash while empty).
CREATE TABLE audit_head (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    seq     BIGINT NOT NULL,
    hash    BYTEA NOT NULL CHECK (length(hash) = 32)
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

-- Append-only: no record is changed or removed (the one UPDATE allowed is the first
-- chaining of a row written before this migration); TRUNCATE is refused too.
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.hash IS NULL THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'integrity_constraint_violation';
END
$$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

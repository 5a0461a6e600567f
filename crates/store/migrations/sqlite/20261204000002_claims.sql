-- Claims data (issue 3): beneficiaries per reference year, beneficiary history, the claims
-- of all eight types, and the record of a generated sandbox. Mirrored in ../postgres.
--
-- Each record's fields travel as one compact blob (`data`, bb-claims' binary form); only
-- what searches need is a column. Dates are days since 1970-01-01 and times milliseconds
-- since 1970-01-01 UTC: integers keep rows small (the target is ≤ 500 bytes per claim).

CREATE TABLE beneficiaries (
    bene_id       INTEGER NOT NULL,
    rfrnc_yr      INTEGER NOT NULL,
    mbi           TEXT,
    last_updated  INTEGER NOT NULL,
    data          BLOB NOT NULL,
    PRIMARY KEY (bene_id, rfrnc_yr)
) WITHOUT ROWID;
CREATE INDEX beneficiaries_mbi ON beneficiaries (mbi);

CREATE TABLE beneficiary_history (
    bene_id       INTEGER NOT NULL,
    digest        INTEGER NOT NULL,
    mbi           TEXT,
    last_updated  INTEGER NOT NULL,
    data          BLOB NOT NULL,
    PRIMARY KEY (bene_id, digest)
) WITHOUT ROWID;
CREATE INDEX beneficiary_history_mbi ON beneficiary_history (mbi);

-- Clustered by beneficiary in BFD's result order (claim id as text, then type), so one
-- page of one enrollee's claims is one range read.
CREATE TABLE claims (
    bene_id       INTEGER NOT NULL,
    sort_key      TEXT NOT NULL,
    claim_type    INTEGER NOT NULL,
    claim_id      INTEGER NOT NULL,
    service_from  INTEGER,
    service_thru  INTEGER,
    last_updated  INTEGER NOT NULL,
    data          BLOB NOT NULL,
    PRIMARY KEY (bene_id, sort_key, claim_type)
) WITHOUT ROWID;
CREATE UNIQUE INDEX claims_id ON claims (claim_type, claim_id);

CREATE TABLE sandbox_builds (
    id            INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    seed          INTEGER NOT NULL,
    enrollees     INTEGER NOT NULL,
    as_of         TEXT NOT NULL,
    claims        INTEGER NOT NULL,
    complete      INTEGER NOT NULL,
    updated_at    TEXT NOT NULL
);

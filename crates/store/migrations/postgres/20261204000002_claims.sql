-- Claims data (issue 3). Mirror of ../sqlite; see there for the layout's reasons.
-- PostgreSQL has no clustered tables: the primary key index on (bene_id, sort_key,
-- claim_type) serves the per-enrollee range reads.

CREATE TABLE beneficiaries (
    bene_id       BIGINT NOT NULL,
    rfrnc_yr      INTEGER NOT NULL,
    mbi           TEXT,
    last_updated  BIGINT NOT NULL,
    data          BYTEA NOT NULL,
    CONSTRAINT "beneficiaries.rfrnc_yr" PRIMARY KEY (bene_id, rfrnc_yr)
);
CREATE INDEX beneficiaries_mbi ON beneficiaries (mbi);

CREATE TABLE beneficiary_history (
    bene_id       BIGINT NOT NULL,
    digest        BIGINT NOT NULL,
    mbi           TEXT,
    last_updated  BIGINT NOT NULL,
    data          BYTEA NOT NULL,
    CONSTRAINT "beneficiary_history.digest" PRIMARY KEY (bene_id, digest)
);
CREATE INDEX beneficiary_history_mbi ON beneficiary_history (mbi);

CREATE TABLE claims (
    bene_id       BIGINT NOT NULL,
    sort_key      TEXT COLLATE "C" NOT NULL,
    claim_type    SMALLINT NOT NULL,
    claim_id      BIGINT NOT NULL,
    service_from  INTEGER,
    service_thru  INTEGER,
    last_updated  BIGINT NOT NULL,
    data          BYTEA NOT NULL,
    CONSTRAINT "claims.claim_type" PRIMARY KEY (bene_id, sort_key, claim_type)
);
CREATE UNIQUE INDEX claims_id ON claims (claim_type, claim_id);

CREATE TABLE sandbox_builds (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    seed          BIGINT NOT NULL,
    enrollees     INTEGER NOT NULL,
    as_of         TEXT NOT NULL,
    claims        BIGINT NOT NULL,
    complete      BOOLEAN NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

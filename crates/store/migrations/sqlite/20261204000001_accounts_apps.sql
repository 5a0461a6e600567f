-- Accounts, organizations, applications and sandbox Medicare logins (issue 2).
-- Mirrored in ../postgres; the store contract suite runs against both.
-- Unique constraints are reported as "<table>.<last column>" (see store::error); the
-- PostgreSQL mirror names its constraints that way.

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);

CREATE TABLE users (
    id                 TEXT PRIMARY KEY NOT NULL,
    email              TEXT NOT NULL UNIQUE,
    password_hash      TEXT NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('developer', 'staff')),
    staff_role         TEXT CHECK (staff_role IN ('reviewer', 'admin')),
    email_verified_at  TEXT,
    created_at         TEXT NOT NULL,
    CHECK ((kind = 'staff') = (staff_role IS NOT NULL))
);

CREATE TABLE organization_members (
    organization_id  TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role             TEXT NOT NULL CHECK (role IN ('owner', 'member')),
    created_at       TEXT NOT NULL,
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX organization_members_user ON organization_members (user_id);

CREATE TABLE applications (
    id                          TEXT PRIMARY KEY NOT NULL,
    client_id                   TEXT NOT NULL UNIQUE,
    client_secret_sha256        BLOB NOT NULL CHECK (length(client_secret_sha256) = 32),
    owner_id                    TEXT NOT NULL REFERENCES users (id),
    organization_id             TEXT REFERENCES organizations (id),
    name                        TEXT NOT NULL,
    name_key                    TEXT NOT NULL,
    environment                 TEXT NOT NULL CHECK (environment IN ('sandbox', 'production')),
    data_access_type            TEXT NOT NULL CHECK (data_access_type IN ('ONE_TIME', 'THIRTEEN_MONTH', 'RESEARCH_STUDY')),
    require_demographic_scopes  INTEGER NOT NULL,
    active                      INTEGER NOT NULL,
    created_at                  TEXT NOT NULL,
    updated_at                  TEXT NOT NULL,
    UNIQUE (environment, name_key)
);
CREATE INDEX applications_owner ON applications (owner_id);

CREATE TABLE application_redirect_uris (
    application_id  TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    uri             TEXT NOT NULL,
    PRIMARY KEY (application_id, position),
    UNIQUE (application_id, uri)
);

CREATE TABLE sandbox_logins (
    username_key   TEXT PRIMARY KEY NOT NULL,
    username       TEXT NOT NULL,
    bene_id        TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX sandbox_logins_bene ON sandbox_logins (bene_id);

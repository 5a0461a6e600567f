-- Accounts, organizations, applications and sandbox Medicare logins (issue 2).
-- Mirror of ../sqlite; the store contract suite runs against both.
-- Unique constraints are named "<table>.<last column>", the name store::error derives from
-- SQLite's "UNIQUE constraint failed: ..." message, so both backends report the same name.

CREATE TABLE organizations (
    id          TEXT CONSTRAINT "organizations.id" PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL CONSTRAINT "organizations.name_key" UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id                 TEXT CONSTRAINT "users.id" PRIMARY KEY,
    email              TEXT NOT NULL CONSTRAINT "users.email" UNIQUE,
    password_hash      TEXT NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('developer', 'staff')),
    staff_role         TEXT CHECK (staff_role IN ('reviewer', 'admin')),
    email_verified_at  TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL,
    CHECK ((kind = 'staff') = (staff_role IS NOT NULL))
);

CREATE TABLE organization_members (
    organization_id  TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role             TEXT NOT NULL CHECK (role IN ('owner', 'member')),
    created_at       TIMESTAMPTZ NOT NULL,
    CONSTRAINT "organization_members.user_id" PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX organization_members_user ON organization_members (user_id);

CREATE TABLE applications (
    id                          TEXT CONSTRAINT "applications.id" PRIMARY KEY,
    client_id                   TEXT NOT NULL CONSTRAINT "applications.client_id" UNIQUE,
    client_secret_sha256        BYTEA NOT NULL CHECK (length(client_secret_sha256) = 32),
    owner_id                    TEXT NOT NULL REFERENCES users (id),
    organization_id             TEXT REFERENCES organizations (id),
    name                        TEXT NOT NULL,
    name_key                    TEXT NOT NULL,
    environment                 TEXT NOT NULL CHECK (environment IN ('sandbox', 'production')),
    data_access_type            TEXT NOT NULL CHECK (data_access_type IN ('ONE_TIME', 'THIRTEEN_MONTH', 'RESEARCH_STUDY')),
    require_demographic_scopes  BOOLEAN NOT NULL,
    active                      BOOLEAN NOT NULL,
    created_at                  TIMESTAMPTZ NOT NULL,
    updated_at                  TIMESTAMPTZ NOT NULL,
    CONSTRAINT "applications.name_key" UNIQUE (environment, name_key)
);
CREATE INDEX applications_owner ON applications (owner_id);

CREATE TABLE application_redirect_uris (
    application_id  TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    uri             TEXT NOT NULL,
    CONSTRAINT "application_redirect_uris.position" PRIMARY KEY (application_id, position),
    CONSTRAINT "application_redirect_uris.uri" UNIQUE (application_id, uri)
);

CREATE TABLE sandbox_logins (
    username_key   TEXT CONSTRAINT "sandbox_logins.username_key" PRIMARY KEY,
    username       TEXT NOT NULL,
    bene_id        TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX sandbox_logins_bene ON sandbox_logins (bene_id);

-- Developer portal organizations and apps (issue 6, items 3 and 4): invitations to an
-- organization, the app fields of BB2's model not kept yet (description, support
-- contact, terms agreement), uploaded logos and categories. Times are milliseconds since
-- 1970-01-01 UTC; invitation tokens only as SHA-256. Mirror of ../sqlite.
--
-- organization_members.role stays 'owner' | 'member'; the portal calls 'member'
-- "developer" (docs/design/portal-apps.md).

ALTER TABLE applications ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN support_email TEXT;
ALTER TABLE applications ADD COLUMN support_phone_number TEXT;
-- When the registering developer agreed to the terms (BB2's `agree`); NULL for apps made
-- by an operator.
ALTER TABLE applications ADD COLUMN agreed_at BIGINT;
CREATE INDEX applications_organization ON applications (organization_id);

-- An uploaded logo (PNG or JPEG, at most 100 KB and 512×512, checked by decoding).
CREATE TABLE application_logos (
    application_id  TEXT CONSTRAINT "application_logos.application_id" PRIMARY KEY REFERENCES applications (id) ON DELETE CASCADE,
    content_type    TEXT NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg')),
    bytes           BYTEA NOT NULL,
    updated_at      BIGINT NOT NULL
);

-- BB2's internal_application_labels, by slug.
CREATE TABLE application_categories (
    application_id  TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    slug            TEXT NOT NULL,
    CONSTRAINT "application_categories.slug" PRIMARY KEY (application_id, slug)
);

-- An e-mailed invitation to join an organization: single use, 7 days. claimed_by is the
-- account signed up through the link, joined when its e-mail is verified.
CREATE TABLE organization_invitations (
    token_sha256     BYTEA CONSTRAINT "organization_invitations.token_sha256" PRIMARY KEY CHECK (length(token_sha256) = 32),
    organization_id  TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email            TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('owner', 'member')),
    invited_by       TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    claimed_by       TEXT REFERENCES users (id) ON DELETE CASCADE,
    accepted_at      BIGINT
);
CREATE INDEX organization_invitations_org ON organization_invitations (organization_id);
CREATE INDEX organization_invitations_claimed ON organization_invitations (claimed_by);

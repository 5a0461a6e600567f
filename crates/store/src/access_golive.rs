//! Production access after approval (issue 7, part 4): the directory listing, the
//! production application and its one-time credential hand-off links (tokens only as
//! SHA-256; a link is spent by one conditional `UPDATE`, and the same transaction sets the
//! application's new secret hash), the audit of every view of a link, and the public
//! directory of live apps.

use crate::{Store, StoreError, on_pool};

/// The post-approval form as stored.
#[derive(Clone, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct ListingRow {
    /// The request.
    pub request_id: String,
    /// Name shown in the directory.
    pub name: String,
    /// Plain text, at most 415 characters.
    pub description: String,
    /// Home page (https).
    pub website: String,
    /// Privacy policy link (https).
    pub privacy_policy_uri: String,
    /// Terms link (https).
    pub terms_uri: String,
    /// Space-separated category slugs.
    pub categories: String,
    /// Space-separated platforms.
    pub platforms: String,
    /// The app shares identifiable data with third parties (the label's answer).
    pub shares_data: bool,
    /// The app sells data.
    pub sells_data: bool,
    /// `deleted_on_exit`, `months` or `indefinitely`.
    pub retention: String,
    /// With `months`: how many.
    pub retention_months: Option<i64>,
    /// The privacy label, JSON.
    pub privacy_label: String,
    /// Logo type, when there is one.
    pub logo_content_type: Option<String>,
    /// Logo bytes.
    pub logo_bytes: Option<Vec<u8>>,
    /// Developer who sent it.
    pub submitted_by: String,
    /// When (ms).
    pub submitted_at: i64,
}

/// A hand-off link to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewHandoff {
    /// SHA-256 of the link's token.
    pub token_sha256: Vec<u8>,
    /// The request.
    pub request_id: String,
    /// The production application whose secret the link shows.
    pub application_id: String,
    /// Reviewer who issued it.
    pub created_by: String,
    /// When (ms).
    pub created_at: i64,
    /// Until when it can be opened (ms, exclusive).
    pub expires_at: i64,
}

/// Who opens a hand-off link, for the audit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HandoffViewer {
    /// The signed-in account, when there is one.
    pub viewer_id: Option<String>,
    /// SHA-256 of the client address, otherwise.
    pub ip_sha256: Option<Vec<u8>>,
}

/// What opening a hand-off link gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HandoffOpen {
    /// First valid opening: the link is spent and the application's secret hash set.
    Shown {
        /// The request.
        request_id: String,
        /// The production application's client id.
        client_id: String,
    },
    /// Past its five minutes (or replaced by a newer link).
    Expired {
        /// The request.
        request_id: String,
    },
    /// Already opened once.
    Used {
        /// The request.
        request_id: String,
    },
    /// No such link.
    Unknown,
}

impl HandoffOpen {
    /// The audit's outcome name.
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::Shown { .. } => "shown",
            Self::Expired { .. } => "expired",
            Self::Used { .. } => "used",
            Self::Unknown => "unknown",
        }
    }
}

/// One audited view of a hand-off link.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct HandoffViewRow {
    /// Account that opened it, if signed in.
    pub viewer_id: Option<String>,
    /// That account's e-mail address.
    pub viewer_email: Option<String>,
    /// SHA-256 of the address, when not signed in.
    pub ip_sha256: Option<Vec<u8>>,
    /// When (ms).
    pub at: i64,
    /// `shown`, `expired`, `used`, `unknown`.
    pub outcome: String,
}

/// A live app in the public directory.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct DirectoryRow {
    /// The request.
    pub request_id: String,
    /// The production application's id.
    pub application_id: String,
    /// Listing name.
    pub name: String,
    /// Listing description.
    pub description: String,
    /// Website.
    pub website: String,
    /// Privacy policy.
    pub privacy_policy_uri: String,
    /// Terms.
    pub terms_uri: String,
    /// Space-separated category slugs.
    pub categories: String,
    /// Space-separated platforms.
    pub platforms: String,
    /// Whether the listing has a logo.
    pub has_logo: bool,
    /// The privacy label, JSON.
    pub privacy_label: String,
    /// The production application's support e-mail.
    pub support_email: Option<String>,
    /// Its support phone number.
    pub support_phone_number: Option<String>,
    /// The last move made by staff (ms).
    pub reviewed_at: Option<i64>,
}

/// Inserts hand-off link `$new` inside `$tx`, invalidating the request's unspent ones.
macro_rules! insert_handoff_tx {
    ($tx:expr, $new:expr) => {{
        let new: &NewHandoff = $new;
        sqlx::query(
            "UPDATE access_handoffs SET invalidated_at = $1 WHERE request_id = $2 \
             AND used_at IS NULL AND invalidated_at IS NULL",
        )
        .bind(new.created_at)
        .bind(&new.request_id)
        .execute(&mut *$tx)
        .await?;
        sqlx::query(
            "INSERT INTO access_handoffs (token_sha256, request_id, application_id, created_by, \
             created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&new.token_sha256)
        .bind(&new.request_id)
        .bind(&new.application_id)
        .bind(&new.created_by)
        .bind(new.created_at)
        .bind(new.expires_at)
        .execute(&mut *$tx)
        .await?;
    }};
}
pub(crate) use insert_handoff_tx;

impl Store {
    /// A request's listing.
    pub async fn access_listing(&self, request_id: &str) -> Result<Option<ListingRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT request_id, name, description, website, privacy_policy_uri, terms_uri, \
                 categories, platforms, shares_data, sells_data, retention, retention_months, \
                 privacy_label, logo_content_type, logo_bytes, submitted_by, submitted_at \
                 FROM access_listings WHERE request_id = $1",
            )
            .bind(request_id)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// The production application of a request, once credentials were issued.
    pub async fn access_production_app(
        &self,
        request_id: &str,
    ) -> Result<Option<String>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar::<_, Option<String>>(
                "SELECT production_app_id FROM access_requests WHERE id = $1",
            )
            .bind(request_id)
            .fetch_optional(pool)
            .await?
            .flatten())
        })
    }

    /// A new hand-off link for a request whose credentials were issued: the request's
    /// earlier unspent links are invalidated in the same transaction. `false` (nothing
    /// written) when the request has no production application.
    pub async fn reissue_handoff(&self, new: &NewHandoff) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let linked: Option<String> = sqlx::query_scalar::<_, Option<String>>(
                "SELECT production_app_id FROM access_requests WHERE id = $1",
            )
            .bind(&new.request_id)
            .fetch_optional(&mut *tx)
            .await?
            .flatten();
            if linked.as_deref() != Some(new.application_id.as_str()) {
                tx.rollback().await?;
                return Ok(false);
            }
            insert_handoff_tx!(tx, new);
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Opens a hand-off link: the first valid opening spends it (one conditional `UPDATE`)
    /// and sets the production application's secret hash to `secret_sha256` in the same
    /// transaction; every opening, whatever its outcome, is audited.
    pub async fn open_handoff(
        &self,
        token_sha256: &[u8],
        now: i64,
        secret_sha256: &[u8],
        viewer: &HandoffViewer,
    ) -> Result<HandoffOpen, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let spent: Option<(String, String)> = sqlx::query_as(
                "UPDATE access_handoffs SET used_at = $1 WHERE token_sha256 = $2 AND used_at IS NULL \
                 AND invalidated_at IS NULL AND expires_at > $1 RETURNING request_id, application_id",
            )
            .bind(now)
            .bind(token_sha256)
            .fetch_optional(&mut *tx)
            .await?;
            let result = match spent {
                Some((request_id, application_id)) => {
                    let client_id: String = sqlx::query_scalar(
                        "UPDATE applications SET client_secret_sha256 = $1 WHERE id = $2 RETURNING client_id",
                    )
                    .bind(secret_sha256)
                    .bind(&application_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    HandoffOpen::Shown { request_id, client_id }
                }
                None => {
                    let row: Option<(String, Option<i64>)> = sqlx::query_as(
                        "SELECT request_id, used_at FROM access_handoffs WHERE token_sha256 = $1",
                    )
                    .bind(token_sha256)
                    .fetch_optional(&mut *tx)
                    .await?;
                    match row {
                        None => HandoffOpen::Unknown,
                        Some((request_id, Some(_))) => HandoffOpen::Used { request_id },
                        Some((request_id, None)) => HandoffOpen::Expired { request_id },
                    }
                }
            };
            let request_id = match &result {
                HandoffOpen::Shown { request_id, .. }
                | HandoffOpen::Expired { request_id }
                | HandoffOpen::Used { request_id } => Some(request_id.clone()),
                HandoffOpen::Unknown => None,
            };
            sqlx::query(
                "INSERT INTO access_handoff_views (request_id, token_sha256, viewer_id, ip_sha256, at, outcome) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&request_id)
            .bind(token_sha256)
            .bind(&viewer.viewer_id)
            .bind(&viewer.ip_sha256)
            .bind(now)
            .bind(result.outcome())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(result)
        })
    }

    /// The audited views of a request's hand-off links, oldest first.
    pub async fn handoff_views(&self, request_id: &str) -> Result<Vec<HandoffViewRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT v.viewer_id, u.email AS viewer_email, v.ip_sha256, v.at, v.outcome \
                 FROM access_handoff_views v LEFT JOIN users u ON u.id = v.viewer_id \
                 WHERE v.request_id = $1 ORDER BY v.id",
            )
            .bind(request_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// The public directory: live requests with their listing and active production app,
    /// with the time of the last review (the last move made by staff on the request, or
    /// the approval of a policy change, whichever is later); by name.
    pub async fn access_directory(&self) -> Result<Vec<DirectoryRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT r.id AS request_id, a.id AS application_id, l.name, l.description, l.website, \
                 l.privacy_policy_uri, l.terms_uri, l.categories, l.platforms, \
                 (l.logo_bytes IS NOT NULL) AS has_logo, l.privacy_label, a.support_email, \
                 a.support_phone_number, \
                 (SELECT MAX(x.at) FROM (SELECT t.at FROM access_transitions t \
                  WHERE t.request_id = r.id AND t.role IN ('reviewer', 'admin') \
                  UNION ALL SELECT ct.at FROM access_change_transitions ct \
                  JOIN access_policy_changes c ON c.id = ct.change_id \
                  WHERE c.request_id = r.id AND ct.to_state = 'approved') x) AS reviewed_at \
                 FROM access_requests r JOIN access_listings l ON l.request_id = r.id \
                 JOIN applications a ON a.id = r.production_app_id \
                 WHERE r.state = 'live' AND a.active = $1 ORDER BY l.name, r.id",
            )
            .bind(true)
            .fetch_all(pool)
            .await?)
        })
    }

    /// The logo of a listing in the directory, by its production application's id (the
    /// request live, the application active): `(content type, bytes)`.
    pub async fn directory_logo(
        &self,
        application_id: &str,
    ) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        on_pool!(self, pool => {
            let row: Option<(Option<String>, Option<Vec<u8>>)> = sqlx::query_as(
                "SELECT l.logo_content_type, l.logo_bytes FROM access_listings l \
                 JOIN access_requests r ON r.id = l.request_id \
                 JOIN applications a ON a.id = r.production_app_id \
                 WHERE a.id = $1 AND r.state = 'live' AND a.active = $2",
            )
            .bind(application_id)
            .bind(true)
            .fetch_optional(pool)
            .await?;
            Ok(row.and_then(|(t, b)| Some((t?, b?))))
        })
    }

    /// The request a hand-off link belongs to, whatever its state (for the membership
    /// check before it is opened).
    pub async fn handoff_request(&self, token_sha256: &[u8]) -> Result<Option<String>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar(
                "SELECT request_id FROM access_handoffs WHERE token_sha256 = $1",
            )
            .bind(token_sha256)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// Audits an opening that was refused before the link was looked at (a viewer who is
    /// not a member of the request's organization): recorded as `unknown`.
    pub async fn audit_handoff_refusal(
        &self,
        request_id: &str,
        token_sha256: &[u8],
        now: i64,
        viewer: &HandoffViewer,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO access_handoff_views (request_id, token_sha256, viewer_id, ip_sha256, at, outcome) \
                 VALUES ($1, $2, $3, $4, $5, 'unknown')",
            )
            .bind(request_id)
            .bind(token_sha256)
            .bind(&viewer.viewer_id)
            .bind(&viewer.ip_sha256)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}

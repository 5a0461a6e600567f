//! The authorization server's tables: flows (one browser's way from `/authorize` to the
//! redirect), authorization codes, refresh tokens, grants (one per enrollee and app),
//! sandbox-login throttling, enrollee sessions and the audit trail.
//!
//! Every step that must happen at most once is one conditional `UPDATE … WHERE used_at IS
//! NULL` whose affected-row count decides (a code redeemed, a refresh token rotated, a
//! flow finished), so two replicas racing on the same value cannot both win. Steps that
//! change several rows (consent, rotation, grant deletion) run in one transaction.
//! Times are milliseconds since 1970-01-01 UTC; codes and tokens only as SHA-256.

use crate::{AccessTokenRow, Store, StoreError, on_pool};

/// An authorization flow.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AuthFlowRow {
    /// UUID text, in the consent page's path.
    pub id: String,
    /// The requesting application.
    pub application_id: String,
    /// The validated redirect URI.
    pub redirect_uri: String,
    /// Scopes asked for and allowed, space-separated.
    pub scopes: String,
    /// The client's `state`.
    pub state: String,
    /// PKCE S256 challenge, padding stripped.
    pub code_challenge: String,
    /// OpenID Connect `nonce`.
    pub nonce: Option<String>,
    /// Page language (`en`, `es`).
    pub lang: String,
    /// SHA-256 of the browser's flow cookie.
    pub browser_sha256: Vec<u8>,
    /// CSRF value of the login and consent forms.
    pub csrf_token: String,
    /// The enrollee, once logged in.
    pub bene_id: Option<i64>,
    /// Upstream login state (JSON), when an upstream provider logs enrollees in.
    pub upstream: Option<String>,
    /// Start.
    pub created_at: i64,
    /// End of validity.
    pub expires_at: i64,
    /// When approved or denied.
    pub finished_at: Option<i64>,
}

/// An authorization code.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AuthCodeRow {
    /// SHA-256 of the code.
    pub code_sha256: Vec<u8>,
    /// Application it was issued to.
    pub application_id: String,
    /// Enrollee.
    pub bene_id: i64,
    /// Redirect URI of the authorization request.
    pub redirect_uri: String,
    /// Granted scopes.
    pub scopes: String,
    /// PKCE challenge.
    pub code_challenge: String,
    /// OpenID Connect nonce.
    pub nonce: Option<String>,
    /// End of validity.
    pub expires_at: i64,
    /// First redemption.
    pub used_at: Option<i64>,
}

/// What redeeming a code found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeRedemption {
    /// First use: the code is now spent.
    Fresh(AuthCodeRow),
    /// Already spent before.
    Replayed(AuthCodeRow),
    /// No such code.
    Unknown,
}

/// A refresh token.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct RefreshTokenRow {
    /// SHA-256 of the token.
    pub token_sha256: Vec<u8>,
    /// Application.
    pub application_id: String,
    /// Enrollee.
    pub bene_id: i64,
    /// Scopes.
    pub scopes: String,
    /// SHA-256 of the access token issued with it.
    pub access_sha256: Vec<u8>,
    /// Issue time.
    pub created_at: i64,
    /// When it was exchanged (rotation spends it).
    pub used_at: Option<i64>,
    /// When it was revoked.
    pub revoked_at: Option<i64>,
}

/// An enrollee's grant to an application.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct GrantRow {
    /// Application.
    pub application_id: String,
    /// Enrollee.
    pub bene_id: i64,
    /// Granted scopes.
    pub scopes: String,
    /// Whether demographics were shared.
    pub demographics: bool,
    /// Consent time.
    pub created_at: i64,
    /// End (`None`: never).
    pub expires_at: Option<i64>,
}

/// A grant with its application's names, for the enrollee's connected-apps page.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct GrantView {
    /// The grant.
    #[sqlx(flatten)]
    pub grant: GrantRow,
    /// Application name.
    pub application_name: String,
    /// Organization name.
    pub organization_name: Option<String>,
}

/// What the bearer check of a FHIR call reads: the token and its application's switch.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct BearerRow {
    /// Enrollee.
    pub bene_id: i64,
    /// Scopes.
    pub scopes: String,
    /// End of validity.
    pub expires_at: i64,
    /// Revocation time.
    pub revoked_at: Option<i64>,
    /// Application (`None` for tokens made by tests and benchmarks).
    pub application_id: Option<String>,
    /// Whether that application is active.
    pub app_active: Option<bool>,
    /// Issue time.
    pub created_at: i64,
}

/// Failed sandbox logins of one user name.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct LoginFailureRow {
    /// Case-folded user name.
    pub username_key: String,
    /// Failures in the current window.
    pub failures: i64,
    /// Start of the window.
    pub first_at: i64,
    /// Locked until then.
    pub locked_until: Option<i64>,
}

/// An enrollee's session on the connected-apps pages.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct EnrolleeSessionRow {
    /// SHA-256 of the session cookie.
    pub session_sha256: Vec<u8>,
    /// Enrollee.
    pub bene_id: i64,
    /// CSRF value of the session's forms.
    pub csrf_token: String,
    /// End of validity.
    pub expires_at: i64,
}

/// An audit record to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEventRow {
    /// Time.
    pub at: i64,
    /// Enrollee concerned.
    pub bene_id: Option<i64>,
    /// Application concerned.
    pub application_id: Option<String>,
    /// What happened (`consent`, `token`, `refresh`, `revoke`, `read`, …).
    pub action: String,
    /// Short, PHI-free detail (a resource type, a scope list).
    pub detail: String,
}

/// What [`Store::purge_expired`] removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Authorization flows past their end.
    pub flows: u64,
    /// Authorization codes past their end by more than the replay window.
    pub codes: u64,
    /// Enrollee sessions past their end.
    pub sessions: u64,
    /// Failed-login counts outside their window and not locking.
    pub login_failures: u64,
}

/// An audit record as the enrollee sees it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditEventView {
    /// Time.
    pub at: i64,
    /// Application name, when an application was concerned.
    pub application_name: Option<String>,
    /// What happened.
    pub action: String,
    /// Detail.
    pub detail: String,
}

const FLOW_COLUMNS: &str = "id, application_id, redirect_uri, scopes, state, code_challenge, nonce, \
     lang, browser_sha256, csrf_token, bene_id, upstream, created_at, expires_at, finished_at";
pub(crate) const CODE_COLUMNS: &str = "code_sha256, application_id, bene_id, redirect_uri, scopes, \
     code_challenge, nonce, expires_at, used_at";
/// Rows per multi-row `INSERT`: at most 9 parameters a row stays far below SQLite's and
/// PostgreSQL's limits on parameters per statement (32,766 and 65,535).
const ROWS_PER_INSERT: usize = 500;
pub(crate) const REFRESH_COLUMNS: &str = "token_sha256, application_id, bene_id, scopes, access_sha256, \
     created_at, used_at, revoked_at";

/// Revokes every live access and refresh token of an enrollee and app.
macro_rules! revoke_pair {
    ($tx:expr, $application_id:expr, $bene_id:expr, $now:expr) => {{
        sqlx::query(
            "UPDATE access_tokens SET revoked_at = $1 \
             WHERE application_id = $2 AND bene_id = $3 AND revoked_at IS NULL",
        )
        .bind($now)
        .bind($application_id)
        .bind($bene_id)
        .execute(&mut *$tx)
        .await?;
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = $1 \
             WHERE application_id = $2 AND bene_id = $3 AND revoked_at IS NULL",
        )
        .bind($now)
        .bind($application_id)
        .bind($bene_id)
        .execute(&mut *$tx)
        .await?;
    }};
}

const INSERT_ACCESS: &str = "INSERT INTO access_tokens \
     (token_sha256, application_id, bene_id, scopes, expires_at, revoked_at, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";
const INSERT_REFRESH: &str = "INSERT INTO refresh_tokens \
     (token_sha256, application_id, bene_id, scopes, access_sha256, created_at, used_at, revoked_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
/// Both inserts as one SQLite text (parameters numbered across the two statements): one
/// round trip to the connection's thread, so the write lock taken by the first insert is
/// not held across a second round trip. PostgreSQL prepares one statement per text.
const INSERT_PAIR_SQLITE: &str = "INSERT INTO access_tokens \
     (token_sha256, application_id, bene_id, scopes, expires_at, revoked_at, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7); \
     INSERT INTO refresh_tokens \
     (token_sha256, application_id, bene_id, scopes, access_sha256, created_at, used_at, revoked_at) \
     VALUES ($8, $9, $10, $11, $12, $13, $14, $15)";

macro_rules! insert_token_pair {
    ($store:expr, $tx:expr, $access:expr, $refresh:expr) => {{
        if matches!($store.backend, $crate::Backend::Sqlite(_)) {
            sqlx::query(INSERT_PAIR_SQLITE)
                .bind(&$access.token_sha256)
                .bind(&$access.application_id)
                .bind($access.bene_id)
                .bind(&$access.scopes)
                .bind($access.expires_at)
                .bind($access.revoked_at)
                .bind($access.created_at)
                .bind(&$refresh.token_sha256)
                .bind(&$refresh.application_id)
                .bind($refresh.bene_id)
                .bind(&$refresh.scopes)
                .bind(&$refresh.access_sha256)
                .bind($refresh.created_at)
                .bind($refresh.used_at)
                .bind($refresh.revoked_at)
                .execute(&mut *$tx)
                .await?;
        } else {
            sqlx::query(INSERT_ACCESS)
                .bind(&$access.token_sha256)
                .bind(&$access.application_id)
                .bind($access.bene_id)
                .bind(&$access.scopes)
                .bind($access.expires_at)
                .bind($access.revoked_at)
                .bind($access.created_at)
                .execute(&mut *$tx)
                .await?;
            sqlx::query(INSERT_REFRESH)
                .bind(&$refresh.token_sha256)
                .bind(&$refresh.application_id)
                .bind($refresh.bene_id)
                .bind(&$refresh.scopes)
                .bind(&$refresh.access_sha256)
                .bind($refresh.created_at)
                .bind($refresh.used_at)
                .bind($refresh.revoked_at)
                .execute(&mut *$tx)
                .await?;
        }
    }};
}

impl Store {
    /// Records a new authorization flow.
    pub async fn insert_auth_flow(&self, flow: &AuthFlowRow) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO auth_flows ({FLOW_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        );
        on_pool!(self, pool => {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(&flow.id)
                .bind(&flow.application_id)
                .bind(&flow.redirect_uri)
                .bind(&flow.scopes)
                .bind(&flow.state)
                .bind(&flow.code_challenge)
                .bind(&flow.nonce)
                .bind(&flow.lang)
                .bind(&flow.browser_sha256)
                .bind(&flow.csrf_token)
                .bind(flow.bene_id)
                .bind(&flow.upstream)
                .bind(flow.created_at)
                .bind(flow.expires_at)
                .bind(flow.finished_at)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The flow with this id.
    pub async fn auth_flow(&self, id: &str) -> Result<Option<AuthFlowRow>, StoreError> {
        let sql = format!("SELECT {FLOW_COLUMNS} FROM auth_flows WHERE id = $1");
        on_pool!(self, pool => {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?)
        })
    }

    /// Records who logged in on an unfinished flow; `false` when the flow is finished or gone.
    pub async fn set_auth_flow_enrollee(&self, id: &str, bene_id: i64) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let done = sqlx::query("UPDATE auth_flows SET bene_id = $1 WHERE id = $2 AND finished_at IS NULL")
                .bind(bene_id)
                .bind(id)
                .execute(pool)
                .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Keeps the upstream login's state (JSON) on an unfinished flow.
    pub async fn set_auth_flow_upstream(
        &self,
        id: &str,
        upstream: &str,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let done = sqlx::query("UPDATE auth_flows SET upstream = $1 WHERE id = $2 AND finished_at IS NULL")
                .bind(upstream)
                .bind(id)
                .execute(pool)
                .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Ends a flow without a code (denial); `false` when it was already finished.
    pub async fn finish_auth_flow(&self, id: &str, now: i64) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let done = sqlx::query("UPDATE auth_flows SET finished_at = $1 WHERE id = $2 AND finished_at IS NULL")
                .bind(now)
                .bind(id)
                .execute(pool)
                .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Approval, in one transaction: finishes the flow (once), revokes the pair's earlier
    /// tokens, replaces the grant and stores the code. `false` (nothing written) when the
    /// flow was already finished.
    pub async fn record_consent(
        &self,
        flow_id: &str,
        now: i64,
        grant: &GrantRow,
        code: &AuthCodeRow,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query("UPDATE auth_flows SET finished_at = $1 WHERE id = $2 AND finished_at IS NULL")
                .bind(now)
                .bind(flow_id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() != 1 {
                tx.rollback().await?;
                return Ok(false);
            }
            revoke_pair!(tx, &grant.application_id, grant.bene_id, now);
            sqlx::query(
                "INSERT INTO grants (application_id, bene_id, scopes, demographics, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (application_id, bene_id) DO UPDATE SET scopes = excluded.scopes, \
                 demographics = excluded.demographics, created_at = excluded.created_at, expires_at = excluded.expires_at",
            )
            .bind(&grant.application_id)
            .bind(grant.bene_id)
            .bind(&grant.scopes)
            .bind(grant.demographics)
            .bind(grant.created_at)
            .bind(grant.expires_at)
            .execute(&mut *tx)
            .await?;
            let sql = format!("INSERT INTO auth_codes ({CODE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(&code.code_sha256)
                .bind(&code.application_id)
                .bind(code.bene_id)
                .bind(&code.redirect_uri)
                .bind(&code.scopes)
                .bind(&code.code_challenge)
                .bind(&code.nonce)
                .bind(code.expires_at)
                .bind(code.used_at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Stores authorization codes in one transaction (all or none). The consent step
    /// writes its code with [`Store::record_consent`]; this is for loading many at once
    /// (the token-exchange benchmark).
    pub async fn insert_auth_codes(&self, codes: &[AuthCodeRow]) -> Result<(), StoreError> {
        if codes.is_empty() {
            return Ok(());
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for chunk in codes.chunks(ROWS_PER_INSERT) {
                sqlx::QueryBuilder::new(format!("INSERT INTO auth_codes ({CODE_COLUMNS}) "))
                    .push_values(chunk, |mut b, code| {
                        b.push_bind(&code.code_sha256)
                            .push_bind(&code.application_id)
                            .push_bind(code.bene_id)
                            .push_bind(&code.redirect_uri)
                            .push_bind(&code.scopes)
                            .push_bind(&code.code_challenge)
                            .push_bind(&code.nonce)
                            .push_bind(code.expires_at)
                            .push_bind(code.used_at);
                    })
                    .build()
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Writes an enrollee's grant to an application, replacing the one there was. Tokens
    /// are left alone: a consent goes through [`Store::record_consent`], which also revokes
    /// the pair's earlier tokens.
    pub async fn upsert_grant(&self, grant: &GrantRow) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO grants (application_id, bene_id, scopes, demographics, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (application_id, bene_id) DO UPDATE SET scopes = excluded.scopes, \
                 demographics = excluded.demographics, created_at = excluded.created_at, expires_at = excluded.expires_at",
            )
            .bind(&grant.application_id)
            .bind(grant.bene_id)
            .bind(&grant.scopes)
            .bind(grant.demographics)
            .bind(grant.created_at)
            .bind(grant.expires_at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Spends a code: the first call for a code gets [`CodeRedemption::Fresh`], every later
    /// one [`CodeRedemption::Replayed`].
    pub async fn redeem_code(
        &self,
        code_sha256: &[u8],
        now: i64,
    ) -> Result<CodeRedemption, StoreError> {
        if let Some(direct) = &self.direct {
            return direct.redeem_code(code_sha256, now).await;
        }
        let spend = format!(
            "UPDATE auth_codes SET used_at = $1 WHERE code_sha256 = $2 AND used_at IS NULL RETURNING {CODE_COLUMNS}"
        );
        let read = format!("SELECT {CODE_COLUMNS} FROM auth_codes WHERE code_sha256 = $1");
        on_pool!(self, pool => {
            let fresh: Option<AuthCodeRow> = sqlx::query_as(sqlx::AssertSqlSafe(spend))
                .bind(now)
                .bind(code_sha256)
                .fetch_optional(pool)
                .await?;
            if let Some(row) = fresh {
                return Ok(CodeRedemption::Fresh(row));
            }
            let old: Option<AuthCodeRow> = sqlx::query_as(sqlx::AssertSqlSafe(read))
                .bind(code_sha256)
                .fetch_optional(pool)
                .await?;
            Ok(old.map_or(CodeRedemption::Unknown, CodeRedemption::Replayed))
        })
    }

    /// The code with this hash, spent or not (nothing is written).
    pub async fn auth_code(&self, code_sha256: &[u8]) -> Result<Option<AuthCodeRow>, StoreError> {
        if let Some(direct) = &self.direct {
            return direct.auth_code(code_sha256);
        }
        let sql = format!("SELECT {CODE_COLUMNS} FROM auth_codes WHERE code_sha256 = $1");
        on_pool!(self, pool => {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(code_sha256).fetch_optional(pool).await?)
        })
    }

    /// The token endpoint's one write for a code, in one transaction: spends the code
    /// (once) and stores the token pair it buys. `false`, with nothing written, when the
    /// code was already spent — by a concurrent request, since the caller read it unspent.
    pub async fn spend_code_and_insert_pair(
        &self,
        code_sha256: &[u8],
        now: i64,
        access: &AccessTokenRow,
        refresh: &RefreshTokenRow,
    ) -> Result<bool, StoreError> {
        if let Some(direct) = &self.direct {
            return direct
                .spend_code_and_insert_pair(code_sha256, now, access, refresh)
                .await;
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE auth_codes SET used_at = $1 WHERE code_sha256 = $2 AND used_at IS NULL",
            )
            .bind(now)
            .bind(code_sha256)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                tx.rollback().await?;
                return Ok(false);
            }
            insert_token_pair!(self, tx, access, refresh);
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Stores a new access and refresh token pair.
    pub async fn insert_token_pair(
        &self,
        access: &AccessTokenRow,
        refresh: &RefreshTokenRow,
    ) -> Result<(), StoreError> {
        if let Some(direct) = &self.direct {
            return direct.insert_token_pair(access, refresh).await;
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            insert_token_pair!(self, tx, access, refresh);
            tx.commit().await?;
        });
        Ok(())
    }

    /// The refresh token with this hash.
    pub async fn refresh_token(
        &self,
        token_sha256: &[u8],
    ) -> Result<Option<RefreshTokenRow>, StoreError> {
        if let Some(direct) = &self.direct {
            return direct.refresh_token(token_sha256);
        }
        let sql = format!("SELECT {REFRESH_COLUMNS} FROM refresh_tokens WHERE token_sha256 = $1");
        on_pool!(self, pool => {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(token_sha256).fetch_optional(pool).await?)
        })
    }

    /// Rotation, in one transaction: spends the old refresh token (once), revokes the access
    /// token issued with it and stores the new pair. `false` (nothing written) when the old
    /// token was already spent or revoked.
    pub async fn rotate_refresh_token(
        &self,
        old: &RefreshTokenRow,
        now: i64,
        access: &AccessTokenRow,
        refresh: &RefreshTokenRow,
    ) -> Result<bool, StoreError> {
        if let Some(direct) = &self.direct {
            return direct.rotate_refresh_token(old, now, access, refresh).await;
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE refresh_tokens SET used_at = $1 \
                 WHERE token_sha256 = $2 AND used_at IS NULL AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(&old.token_sha256)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                tx.rollback().await?;
                return Ok(false);
            }
            sqlx::query("UPDATE access_tokens SET revoked_at = $1 WHERE token_sha256 = $2 AND revoked_at IS NULL")
                .bind(now)
                .bind(&old.access_sha256)
                .execute(&mut *tx)
                .await?;
            insert_token_pair!(self, tx, access, refresh);
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Revokes every live token of an enrollee and app (the grant stays).
    pub async fn revoke_pair_tokens(
        &self,
        application_id: &str,
        bene_id: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            revoke_pair!(tx, application_id, bene_id, now);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Revokes one access token of an application; `false` when it is not that app's or
    /// was already revoked.
    pub async fn revoke_access_token(
        &self,
        token_sha256: &[u8],
        application_id: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let done = sqlx::query(
                "UPDATE access_tokens SET revoked_at = $1 \
                 WHERE token_sha256 = $2 AND application_id = $3 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(token_sha256)
            .bind(application_id)
            .execute(pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Revokes one refresh token of an application and the access token issued with it;
    /// `false` when it is not that app's or was already revoked.
    pub async fn revoke_refresh_token(
        &self,
        token_sha256: &[u8],
        application_id: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE refresh_tokens SET revoked_at = $1 \
             WHERE token_sha256 = $2 AND application_id = $3 AND revoked_at IS NULL RETURNING {REFRESH_COLUMNS}"
        );
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let row: Option<RefreshTokenRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(now)
                .bind(token_sha256)
                .bind(application_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(row) = row else {
                tx.rollback().await?;
                return Ok(false);
            };
            sqlx::query("UPDATE access_tokens SET revoked_at = $1 WHERE token_sha256 = $2 AND revoked_at IS NULL")
                .bind(now)
                .bind(&row.access_sha256)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// The grant of an enrollee to an application.
    pub async fn grant(
        &self,
        application_id: &str,
        bene_id: i64,
    ) -> Result<Option<GrantRow>, StoreError> {
        if let Some(direct) = &self.direct {
            return direct.grant(application_id, bene_id);
        }
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT application_id, bene_id, scopes, demographics, created_at, expires_at \
                 FROM grants WHERE application_id = $1 AND bene_id = $2",
            )
            .bind(application_id)
            .bind(bene_id)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// An enrollee's grants with the applications' names, newest first.
    pub async fn grants_of(&self, bene_id: i64) -> Result<Vec<GrantView>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT g.application_id, g.bene_id, g.scopes, g.demographics, g.created_at, g.expires_at, \
                 a.name AS application_name, o.name AS organization_name \
                 FROM grants g JOIN applications a ON a.id = g.application_id \
                 LEFT JOIN organizations o ON o.id = a.organization_id \
                 WHERE g.bene_id = $1 ORDER BY g.created_at DESC, a.name",
            )
            .bind(bene_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Ends a grant: deletes it and revokes every token of the pair, in one transaction.
    /// `false` when there was no grant (tokens are revoked all the same).
    pub async fn delete_grant(
        &self,
        application_id: &str,
        bene_id: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query("DELETE FROM grants WHERE application_id = $1 AND bene_id = $2")
                .bind(application_id)
                .bind(bene_id)
                .execute(&mut *tx)
                .await?;
            revoke_pair!(tx, application_id, bene_id, now);
            tx.commit().await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// The bearer check's one read: the access token and its application's `active` flag.
    pub async fn bearer(&self, token_sha256: &[u8]) -> Result<Option<BearerRow>, StoreError> {
        if let Some(direct) = &self.direct {
            return direct.bearer(token_sha256);
        }
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT t.bene_id, t.scopes, t.expires_at, t.revoked_at, t.application_id, \
                 a.active AS app_active, t.created_at \
                 FROM access_tokens t LEFT JOIN applications a ON a.id = t.application_id \
                 WHERE t.token_sha256 = $1",
            )
            .bind(token_sha256)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// Deletes what can no longer be used, in one transaction: flows that ended before
    /// `now`, codes that ended before `codes_before` (kept a while after their end so a
    /// replay is still recognised as one), sessions that ended before `now`, and failed-login
    /// counts first seen before `failures_before` that lock nothing now.
    pub async fn purge_expired(
        &self,
        now: i64,
        codes_before: i64,
        failures_before: i64,
    ) -> Result<PurgeReport, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let flows = sqlx::query("DELETE FROM auth_flows WHERE expires_at < $1")
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let codes = sqlx::query("DELETE FROM auth_codes WHERE expires_at < $1")
                .bind(codes_before)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let sessions = sqlx::query("DELETE FROM enrollee_sessions WHERE expires_at < $1")
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let login_failures = sqlx::query(
                "DELETE FROM login_failures WHERE first_at < $1 AND (locked_until IS NULL OR locked_until < $2)",
            )
            .bind(failures_before)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            Ok(PurgeReport { flows, codes, sessions, login_failures })
        })
    }

    /// Failed logins of a user name.
    pub async fn login_failures(
        &self,
        username_key: &str,
    ) -> Result<Option<LoginFailureRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT username_key, failures, first_at, locked_until FROM login_failures WHERE username_key = $1",
            )
            .bind(username_key)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// Writes a user name's failure count.
    pub async fn put_login_failures(&self, row: &LoginFailureRow) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO login_failures (username_key, failures, first_at, locked_until) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (username_key) DO UPDATE SET failures = excluded.failures, \
                 first_at = excluded.first_at, locked_until = excluded.locked_until",
            )
            .bind(&row.username_key)
            .bind(row.failures)
            .bind(row.first_at)
            .bind(row.locked_until)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Forgets a user name's failures (after a good login).
    pub async fn clear_login_failures(&self, username_key: &str) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM login_failures WHERE username_key = $1")
                .bind(username_key)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Starts an enrollee session.
    pub async fn insert_enrollee_session(
        &self,
        row: &EnrolleeSessionRow,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO enrollee_sessions (session_sha256, bene_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(&row.session_sha256)
            .bind(row.bene_id)
            .bind(&row.csrf_token)
            .bind(row.expires_at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The session with this cookie hash.
    pub async fn enrollee_session(
        &self,
        session_sha256: &[u8],
    ) -> Result<Option<EnrolleeSessionRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT session_sha256, bene_id, csrf_token, expires_at FROM enrollee_sessions WHERE session_sha256 = $1",
            )
            .bind(session_sha256)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// Ends a session.
    pub async fn delete_enrollee_session(&self, session_sha256: &[u8]) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM enrollee_sessions WHERE session_sha256 = $1")
                .bind(session_sha256)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Appends audit records to the chain in one transaction (the head taken under its
    /// lock first, then a hundred rows per statement; see `audit.rs`).
    pub async fn insert_audit_events(&self, rows: &[AuditEventRow]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        if let Some(direct) = &self.direct {
            return direct.insert_audit_events(rows).await;
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            crate::audit::append_audit_tx!(tx, rows);
            tx.commit().await?;
        });
        Ok(())
    }

    /// An enrollee's audit records, newest first.
    pub async fn audit_events_of(
        &self,
        bene_id: i64,
        limit: i64,
    ) -> Result<Vec<AuditEventView>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT e.at, a.name AS application_name, e.action, e.detail \
                 FROM audit_events e LEFT JOIN applications a ON a.id = e.application_id \
                 WHERE e.bene_id = $1 ORDER BY e.at DESC, e.id DESC LIMIT $2",
            )
            .bind(bene_id)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }

    /// An organization's name.
    pub async fn organization_name(&self, id: &str) -> Result<Option<String>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// The beneficiary whose current MBI this is (for the upstream login).
    pub async fn beneficiary_by_mbi(&self, mbi: &str) -> Result<Option<i64>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar(
                "SELECT bene_id FROM beneficiaries WHERE mbi = $1 ORDER BY rfrnc_yr DESC LIMIT 1",
            )
            .bind(mbi)
            .fetch_optional(pool)
            .await?)
        })
    }
}

//! The developer portal's account tables: the login view of a user (lockout and TOTP
//! columns), single-use e-mail tokens (verification, password reset), portal sessions and
//! the outbox of e-mails.
//!
//! As in `oauth.rs`, every step that must happen at most once is one conditional `UPDATE`
//! whose affected rows decide: a token is spent (`used_at IS NULL AND expires_at > now`), a
//! TOTP step is used (`totp_last_step < step`), a login failure is counted, an outbox
//! message is claimed by one sender (`next_attempt_at <= now`, moved forward as a lease).
//! Replicas over one PostgreSQL therefore agree. Times are milliseconds since 1970-01-01
//! UTC; tokens and session ids only as SHA-256.

use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};

/// What a login needs to know of a user.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct UserAuthRow {
    /// Primary key.
    pub id: String,
    /// Normalised e-mail.
    pub email: String,
    /// Name.
    pub name: String,
    /// PHC string of the password hash.
    pub password_hash: String,
    /// `developer` or `staff`.
    pub kind: String,
    /// Staff role.
    pub staff_role: Option<String>,
    /// Verification time.
    pub email_verified_at: Option<DateTime<Utc>>,
    /// Failed logins counted since `failed_first_at`.
    pub failed_logins: i64,
    /// Locked until then.
    pub locked_until: Option<i64>,
    /// TOTP secret, once enrolled.
    pub totp_secret: Option<Vec<u8>>,
    /// Last TOTP step accepted.
    pub totp_last_step: Option<i64>,
}

/// A single-use link's token.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AccountTokenRow {
    /// SHA-256 of the token.
    pub token_sha256: Vec<u8>,
    /// Whose.
    pub user_id: String,
    /// `verify_email` or `reset_password`.
    pub purpose: String,
    /// Issue time.
    pub created_at: i64,
    /// End of validity.
    pub expires_at: i64,
    /// When it was used.
    pub used_at: Option<i64>,
}

/// A signed-in browser on the portal.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct PortalSessionRow {
    /// SHA-256 of the session cookie.
    pub session_sha256: Vec<u8>,
    /// Whose.
    pub user_id: String,
    /// CSRF value of the session's forms.
    pub csrf_token: String,
    /// `active`, `second_factor` or `enrol`.
    pub stage: String,
    /// A TOTP secret being enrolled.
    pub pending_totp: Option<Vec<u8>>,
    /// Sign-in time.
    pub created_at: i64,
    /// Last request.
    pub last_seen_at: i64,
    /// Absolute end.
    pub expires_at: i64,
}

/// A message to put in the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMail {
    /// Address.
    pub recipient: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body_text: String,
    /// Time queued (also the first attempt's time).
    pub created_at: i64,
    /// Files sent with it (e.g. a calendar invitation).
    pub attachments: Vec<MailAttachment>,
}

/// A file sent with a message.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct MailAttachment {
    /// File name.
    pub name: String,
    /// MIME type (e.g. `text/calendar; method=REQUEST; charset=UTF-8`).
    pub content_type: String,
    /// Content.
    pub bytes: Vec<u8>,
}

/// A message in the outbox.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxRow {
    /// Sequence number.
    pub id: i64,
    /// Address.
    pub recipient: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body (empty once sent or given up).
    pub body_text: String,
    /// Time queued.
    pub created_at: i64,
    /// Delivery attempts so far (a claim counts as one).
    pub attempts: i64,
    /// When it may be tried (next).
    pub next_attempt_at: i64,
    /// When it was delivered.
    pub sent_at: Option<i64>,
    /// When it was given up.
    pub failed_at: Option<i64>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

const USER_AUTH_COLUMNS: &str = "id, email, name, password_hash, kind, staff_role, \
     email_verified_at, failed_logins, locked_until, totp_secret, totp_last_step";
const SESSION_COLUMNS: &str = "session_sha256, user_id, csrf_token, stage, pending_totp, \
     created_at, last_seen_at, expires_at";
const OUTBOX_COLUMNS: &str = "id, recipient, subject, body_text, created_at, attempts, \
     next_attempt_at, sent_at, failed_at, last_error";

/// Inserts an account token inside transaction `$tx`.
macro_rules! insert_account_token_tx {
    ($tx:expr, $token:expr) => {{
        let token: &$crate::portal::AccountTokenRow = $token;
        sqlx::query(
            "INSERT INTO account_tokens (token_sha256, user_id, purpose, created_at, expires_at, used_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&token.token_sha256)
        .bind(&token.user_id)
        .bind(&token.purpose)
        .bind(token.created_at)
        .bind(token.expires_at)
        .bind(token.used_at)
        .execute(&mut *$tx)
        .await?;
    }};
}
pub(crate) use insert_account_token_tx;

/// Queues a message inside transaction `$tx`.
macro_rules! insert_mail_tx {
    ($tx:expr, $mail:expr) => {{
        let mail: &$crate::portal::NewMail = $mail;
        let mail_id: i64 = sqlx::query_scalar(
            "INSERT INTO outbox (recipient, subject, body_text, created_at, attempts, next_attempt_at) \
             VALUES ($1, $2, $3, $4, 0, $4) RETURNING id",
        )
        .bind(&mail.recipient)
        .bind(&mail.subject)
        .bind(&mail.body_text)
        .bind(mail.created_at)
        .fetch_one(&mut *$tx)
        .await?;
        for file in &mail.attachments {
            sqlx::query(
                "INSERT INTO outbox_attachments (mail_id, name, content_type, bytes) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(mail_id)
            .bind(&file.name)
            .bind(&file.content_type)
            .bind(&file.bytes)
            .execute(&mut *$tx)
            .await?;
        }
        mail_id
    }};
}
pub(crate) use insert_mail_tx;

/// Spends a token of `$purpose` inside `$tx`; evaluates to the user id when it was
/// unused and unexpired.
macro_rules! spend_token_tx {
    ($tx:expr, $sha:expr, $purpose:expr, $now:expr) => {{
        let user: Option<String> = sqlx::query_scalar(
            "UPDATE account_tokens SET used_at = $1 \
             WHERE token_sha256 = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 \
             RETURNING user_id",
        )
        .bind($now)
        .bind($sha)
        .bind($purpose)
        .fetch_optional(&mut *$tx)
        .await?;
        user
    }};
}

impl Store {
    /// The login view of the user with this (normalised) e-mail.
    pub async fn user_auth_by_email(&self, email: &str) -> Result<Option<UserAuthRow>, StoreError> {
        let sql = format!("SELECT {USER_AUTH_COLUMNS} FROM users WHERE email = $1");
        on_pool!(self, pool => {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(email).fetch_optional(pool).await?)
        })
    }

    /// The login view of the user with this id.
    pub async fn user_auth_by_id(&self, id: &str) -> Result<Option<UserAuthRow>, StoreError> {
        let sql = format!("SELECT {USER_AUTH_COLUMNS} FROM users WHERE id = $1");
        on_pool!(self, pool => {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?)
        })
    }

    /// Counts a failed login of a user in one statement: failures older than `window_ms`
    /// are forgotten (the count restarts at 1); reaching `max_failures` locks the account
    /// until `now + window_ms`. Returns `(failures, locked_until)`; `None` for no such user.
    pub async fn record_login_failure(
        &self,
        user_id: &str,
        now: i64,
        max_failures: i64,
        window_ms: i64,
    ) -> Result<Option<(i64, Option<i64>)>, StoreError> {
        // Every right-hand side reads the row as it was before the update (SQL standard,
        // SQLite and PostgreSQL alike).
        const SQL: &str = "UPDATE users SET \
             failed_logins = CASE WHEN failed_first_at IS NULL OR failed_first_at <= $1 - $3 \
                 THEN 1 ELSE failed_logins + 1 END, \
             failed_first_at = CASE WHEN failed_first_at IS NULL OR failed_first_at <= $1 - $3 \
                 THEN $1 ELSE failed_first_at END, \
             locked_until = CASE WHEN (CASE WHEN failed_first_at IS NULL OR failed_first_at <= $1 - $3 \
                 THEN 1 ELSE failed_logins + 1 END) >= $2 THEN $1 + $3 ELSE locked_until END \
             WHERE id = $4 RETURNING failed_logins, locked_until";
        on_pool!(self, pool => {
            Ok(sqlx::query_as(SQL)
                .bind(now)
                .bind(max_failures)
                .bind(window_ms)
                .bind(user_id)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// Forgets a user's failed logins and lock (after a complete login).
    pub async fn clear_user_failures(&self, user_id: &str) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE users SET failed_logins = 0, failed_first_at = NULL, locked_until = NULL WHERE id = $1",
            )
            .bind(user_id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Stores a token and, when given, the message that carries it, in one transaction.
    pub async fn insert_account_token(
        &self,
        token: &AccountTokenRow,
        mail: Option<&NewMail>,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            insert_account_token_tx!(tx, token);
            if let Some(mail) = mail {
                insert_mail_tx!(tx, mail);
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The token with this hash, spent or not.
    pub async fn account_token(
        &self,
        token_sha256: &[u8],
    ) -> Result<Option<AccountTokenRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT token_sha256, user_id, purpose, created_at, expires_at, used_at \
                 FROM account_tokens WHERE token_sha256 = $1",
            )
            .bind(token_sha256)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// Spends a `verify_email` token and marks the user's e-mail verified (the first
    /// verification time is kept); organizations the account was invited to through its
    /// sign-up are joined in the same transaction. The user id, or `None` for an unknown, spent or expired
    /// token.
    pub async fn verify_email_with_token(
        &self,
        token_sha256: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        let ms = now.timestamp_millis();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let user = spend_token_tx!(tx, token_sha256, "verify_email", ms);
            if let Some(user_id) = &user {
                sqlx::query(
                    "UPDATE users SET email_verified_at = COALESCE(email_verified_at, $1) WHERE id = $2",
                )
                .bind(now)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
                // Invitations the account was signed up through: joined now.
                sqlx::query(
                    "INSERT INTO organization_members (organization_id, user_id, role, created_at) \
                     SELECT organization_id, claimed_by, role, $1 FROM organization_invitations \
                     WHERE claimed_by = $2 AND accepted_at IS NULL \
                     ON CONFLICT DO NOTHING",
                )
                .bind(now)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE organization_invitations SET accepted_at = $1 \
                     WHERE claimed_by = $2 AND accepted_at IS NULL",
                )
                .bind(ms)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(user)
        })
    }

    /// Spends a `reset_password` token and, in the same transaction, sets the new password
    /// hash, clears the lock, marks the e-mail verified (the link proved it), spends the
    /// user's other reset tokens and ends every session of the user. The user id, or `None`
    /// for an unknown, spent or expired token.
    pub async fn reset_password_with_token(
        &self,
        token_sha256: &[u8],
        now: DateTime<Utc>,
        password_hash: &str,
    ) -> Result<Option<String>, StoreError> {
        let ms = now.timestamp_millis();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let user = spend_token_tx!(tx, token_sha256, "reset_password", ms);
            if let Some(user_id) = &user {
                sqlx::query(
                    "UPDATE users SET password_hash = $1, password_changed_at = $2, failed_logins = 0, \
                     failed_first_at = NULL, locked_until = NULL, \
                     email_verified_at = COALESCE(email_verified_at, $3) WHERE id = $4",
                )
                .bind(password_hash)
                .bind(ms)
                .bind(now)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE account_tokens SET used_at = $1 \
                     WHERE user_id = $2 AND purpose = 'reset_password' AND used_at IS NULL",
                )
                .bind(ms)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM portal_sessions WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(user)
        })
    }

    /// Sets a user's new password hash, ends every session of the user and starts `session`
    /// (the browser that made the change), in one transaction.
    pub async fn change_password(
        &self,
        user_id: &str,
        password_hash: &str,
        now: i64,
        session: &PortalSessionRow,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
                .bind(password_hash)
                .bind(now)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM portal_sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            insert_session_query(session).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Starts a portal session.
    pub async fn insert_portal_session(&self, row: &PortalSessionRow) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            insert_session_query(row).execute(pool).await?;
        });
        Ok(())
    }

    /// The session with this cookie hash (live or not: the caller checks the times).
    pub async fn portal_session(
        &self,
        session_sha256: &[u8],
    ) -> Result<Option<PortalSessionRow>, StoreError> {
        let sql =
            format!("SELECT {SESSION_COLUMNS} FROM portal_sessions WHERE session_sha256 = $1");
        on_pool!(self, pool => {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(session_sha256)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// Records activity on a session (for the idle timeout).
    pub async fn touch_portal_session(
        &self,
        session_sha256: &[u8],
        now: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE portal_sessions SET last_seen_at = $1 WHERE session_sha256 = $2")
                .bind(now)
                .bind(session_sha256)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Sets a session's stage and pending TOTP secret; `false` when the session is gone.
    pub async fn set_portal_session_stage(
        &self,
        session_sha256: &[u8],
        stage: &str,
        pending_totp: Option<&[u8]>,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query(
                "UPDATE portal_sessions SET stage = $1, pending_totp = $2 WHERE session_sha256 = $3",
            )
            .bind(stage)
            .bind(pending_totp)
            .bind(session_sha256)
            .execute(pool)
            .await?
            .rows_affected() == 1)
        })
    }

    /// Ends a session.
    pub async fn delete_portal_session(&self, session_sha256: &[u8]) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM portal_sessions WHERE session_sha256 = $1")
                .bind(session_sha256)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Ends every session of a user; the number ended.
    pub async fn delete_portal_sessions_of(&self, user_id: &str) -> Result<u64, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query("DELETE FROM portal_sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(pool)
                .await?
                .rows_affected())
        })
    }

    /// Turns TOTP on for a user with `secret`, `step` being the step of the code that
    /// confirmed it (so that code cannot be used again), and makes the enrolling session
    /// active with no pending secret. One transaction.
    pub async fn enable_totp(
        &self,
        user_id: &str,
        secret: &[u8],
        step: i64,
        session_sha256: &[u8],
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE users SET totp_secret = $1, totp_last_step = $2 WHERE id = $3")
                .bind(secret)
                .bind(step)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE portal_sessions SET stage = 'active', pending_totp = NULL WHERE session_sha256 = $1",
            )
            .bind(session_sha256)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Turns TOTP off for a user: the secret and its last step are cleared. `false` when
    /// it was not on.
    pub async fn disable_totp(&self, user_id: &str) -> Result<bool, StoreError> {
        let done = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE users SET totp_secret = NULL, totp_last_step = NULL \
                 WHERE id = $1 AND totp_secret IS NOT NULL",
            )
            .bind(user_id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// Uses TOTP step `step` of a user: `true` when it is later than every step used
    /// before (then it becomes the last one), `false` for a replay or an earlier step.
    pub async fn use_totp_step(&self, user_id: &str, step: i64) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query(
                "UPDATE users SET totp_last_step = $1 \
                 WHERE id = $2 AND totp_secret IS NOT NULL \
                 AND (totp_last_step IS NULL OR totp_last_step < $1)",
            )
            .bind(step)
            .bind(user_id)
            .execute(pool)
            .await?
            .rows_affected() == 1)
        })
    }

    /// Queues a message (with its attachments); its id.
    pub async fn insert_mail(&self, mail: &NewMail) -> Result<i64, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let id = insert_mail_tx!(tx, mail);
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The files sent with a message (empty once it is sent or given up).
    pub async fn mail_attachments(&self, mail_id: i64) -> Result<Vec<MailAttachment>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT name, content_type, bytes FROM outbox_attachments WHERE mail_id = $1 ORDER BY id",
            )
            .bind(mail_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Claims the oldest message due at `now` for one delivery attempt: counts the attempt
    /// and moves its next attempt to `lease_until`, so no other sender takes it meanwhile.
    pub async fn claim_mail(
        &self,
        now: i64,
        lease_until: i64,
    ) -> Result<Option<OutboxRow>, StoreError> {
        // PostgreSQL: a racing sender skips the row another one is claiming and takes the
        // next (`SKIP LOCKED`); SQLite has one writer at a time and no such clause.
        let lock = match self.backend {
            crate::Backend::Sqlite(_) => "",
            crate::Backend::Postgres(_) => " FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $2 \
             WHERE id = (SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL \
                         AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT 1{lock}) \
             AND sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1 \
             RETURNING {OUTBOX_COLUMNS}"
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(now)
                .bind(lease_until)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// Marks a message delivered and drops its body.
    pub async fn mail_sent(&self, id: i64, now: i64) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE outbox SET sent_at = $1, body_text = '', last_error = NULL WHERE id = $2",
            )
            .bind(now)
            .bind(id)
            .execute(pool)
            .await?;
            sqlx::query("DELETE FROM outbox_attachments WHERE mail_id = $1")
                .bind(id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Records a failed attempt to be retried at `next_attempt_at`.
    pub async fn mail_retry(
        &self,
        id: i64,
        next_attempt_at: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE outbox SET next_attempt_at = $1, last_error = $2 WHERE id = $3")
                .bind(next_attempt_at)
                .bind(error)
                .bind(id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Gives a message up after its last failed attempt and drops its body.
    pub async fn mail_failed(&self, id: i64, now: i64, error: &str) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE outbox SET failed_at = $1, last_error = $2, body_text = '' WHERE id = $3",
            )
            .bind(now)
            .bind(error)
            .bind(id)
            .execute(pool)
            .await?;
            sqlx::query("DELETE FROM outbox_attachments WHERE mail_id = $1")
                .bind(id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The newest `limit` messages of the outbox, newest first.
    pub async fn outbox(&self, limit: i64) -> Result<Vec<OutboxRow>, StoreError> {
        let sql = format!("SELECT {OUTBOX_COLUMNS} FROM outbox ORDER BY id DESC LIMIT $1");
        on_pool!(self, pool => {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(pool).await?)
        })
    }
}

fn insert_session_query<'q, DB: sqlx::Database>(
    row: &'q PortalSessionRow,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>
where
    Vec<u8>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<Vec<u8>>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query(
        "INSERT INTO portal_sessions (session_sha256, user_id, csrf_token, stage, pending_totp, \
         created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&row.session_sha256)
    .bind(&row.user_id)
    .bind(&row.csrf_token)
    .bind(&row.stage)
    .bind(&row.pending_totp)
    .bind(row.created_at)
    .bind(row.last_seen_at)
    .bind(row.expires_at)
}

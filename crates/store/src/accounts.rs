//! Accounts: developers and staff (`users`), organizations and their members, and the
//! sandbox's Medicare logins (`sandbox_logins`). Rows carry plain values; the domain
//! parses them into its own types.

use crate::portal::{AccountTokenRow, NewMail, insert_account_token_tx, insert_mail_tx};
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};

/// A user, as inserted and as read back. `email` is normalised (lowercase) by the domain.
#[derive(Clone, Debug, sqlx::FromRow, PartialEq, Eq)]
pub struct UserRow {
    /// Primary key.
    pub id: String,
    /// Normalised e-mail.
    pub email: String,
    /// The person's name (empty for accounts made before names were asked).
    pub name: String,
    /// PHC string of the password hash.
    pub password_hash: String,
    /// `developer` or `staff`.
    pub kind: String,
    /// Staff role.
    pub staff_role: Option<String>,
    /// Verification time.
    pub email_verified_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// A stored organization.
#[derive(Clone, Debug, sqlx::FromRow, PartialEq, Eq)]
pub struct OrganizationRow {
    /// Primary key.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Case-folded name; unique (`organizations.name_key`).
    pub name_key: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// A sandbox Medicare login, as inserted and as read back.
#[derive(Clone, Debug, sqlx::FromRow, PartialEq, Eq)]
pub struct SandboxLoginRow {
    /// Case-folded user name.
    pub username_key: String,
    /// User name.
    pub username: String,
    /// Beneficiary id.
    pub bene_id: String,
    /// PHC string of the password hash.
    pub password_hash: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

const USER_COLUMNS: &str =
    "id, email, name, password_hash, kind, staff_role, email_verified_at, created_at";

/// Inserts the user, finds or creates the organization, adds the membership (owner of a
/// new organization, member of an existing one) inside transaction `$tx`; evaluates to the
/// organization. With `$join` false an existing organization is refused with
/// `Conflict { constraint: "organizations.name_key" }` (the user is inserted first, so a
/// taken e-mail is reported before a taken organization name).
macro_rules! insert_developer_tx {
    ($tx:expr, $user:expr, $organization:expr, $join:expr) => {{
        let user: &UserRow = $user;
        let organization: &OrganizationRow = $organization;
        insert_user_query(user).execute(&mut *$tx).await?;
        let existing: Option<OrganizationRow> = sqlx::query_as(
            "SELECT id, name, name_key, created_at FROM organizations WHERE name_key = $1",
        )
        .bind(&organization.name_key)
        .fetch_optional(&mut *$tx)
        .await?;
        let (org, role) = match existing {
            Some(_) if !$join => {
                return Err(StoreError::Conflict {
                    constraint: "organizations.name_key".into(),
                });
            }
            Some(org) => (org, "member"),
            None => {
                sqlx::query(
                    "INSERT INTO organizations (id, name, name_key, created_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(&organization.id)
                .bind(&organization.name)
                .bind(&organization.name_key)
                .bind(organization.created_at)
                .execute(&mut *$tx)
                .await?;
                (organization.clone(), "owner")
            }
        };
        sqlx::query(
            "INSERT INTO organization_members (organization_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&org.id)
        .bind(&user.id)
        .bind(role)
        .bind(user.created_at)
        .execute(&mut *$tx)
        .await?;
        org
    }};
}

impl Store {
    /// Inserts a user. Fails with `Conflict { constraint: "users.email" }` on a taken e-mail.
    pub async fn insert_user(&self, user: &UserRow) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            insert_user_query(user).execute(pool).await?;
        });
        Ok(())
    }

    /// Inserts a developer and makes them a member of the organization named by
    /// `organization` (matched case-insensitively through `name_key`); a new organization
    /// is created with the developer as owner. One transaction: all or nothing.
    pub async fn insert_developer(
        &self,
        user: &UserRow,
        organization: &OrganizationRow,
    ) -> Result<OrganizationRow, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let org = insert_developer_tx!(tx, user, organization, true);
            tx.commit().await?;
            Ok(org)
        })
    }

    /// A developer's sign-up: the developer and a new organization (an existing name is
    /// refused: joining takes an invitation), the e-mail verification token and the message
    /// that carries it, in one transaction (all or nothing).
    pub async fn sign_up_developer(
        &self,
        user: &UserRow,
        organization: &OrganizationRow,
        token: &AccountTokenRow,
        mail: &NewMail,
    ) -> Result<OrganizationRow, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let org = insert_developer_tx!(tx, user, organization, false);
            insert_account_token_tx!(tx, token);
            insert_mail_tx!(tx, mail);
            tx.commit().await?;
            Ok(org)
        })
    }

    /// The user with this (normalised) e-mail.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserRow>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
        on_pool!(self, pool => {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(email).fetch_optional(pool).await?)
        })
    }

    /// The organization with this case-folded name.
    pub async fn organization_by_key(
        &self,
        name_key: &str,
    ) -> Result<Option<OrganizationRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as("SELECT id, name, name_key, created_at FROM organizations WHERE name_key = $1")
                .bind(name_key)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// The organizations a user belongs to, oldest membership first.
    pub async fn organizations_of(
        &self,
        user_id: &str,
    ) -> Result<Vec<OrganizationRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT o.id, o.name, o.name_key, o.created_at FROM organizations o \
                 JOIN organization_members m ON m.organization_id = o.id \
                 WHERE m.user_id = $1 ORDER BY m.created_at, o.id",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Inserts a sandbox login. `Conflict { constraint: "sandbox_logins.username_key" }`
    /// when the name is taken.
    pub async fn insert_sandbox_login(&self, login: &SandboxLoginRow) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO sandbox_logins (username_key, username, bene_id, password_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&login.username_key)
            .bind(&login.username)
            .bind(&login.bene_id)
            .bind(&login.password_hash)
            .bind(login.created_at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The sandbox login with this case-folded user name.
    pub async fn sandbox_login(
        &self,
        username_key: &str,
    ) -> Result<Option<SandboxLoginRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT username_key, username, bene_id, password_hash, created_at \
                 FROM sandbox_logins WHERE username_key = $1",
            )
            .bind(username_key)
            .fetch_optional(pool)
            .await?)
        })
    }
}

fn insert_user_query<'q, DB: sqlx::Database>(
    user: &'q UserRow,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>
where
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<DateTime<Utc>>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query(
        "INSERT INTO users (id, email, name, password_hash, kind, staff_role, email_verified_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&user.id)
    .bind(&user.email)
    .bind(&user.name)
    .bind(&user.password_hash)
    .bind(&user.kind)
    .bind(&user.staff_role)
    .bind(user.email_verified_at)
    .bind(user.created_at)
}

impl Store {
    /// A sign-up through an organization invitation: the developer (no organization of
    /// their own), the invitation claimed for them (unused, unexpired, for this e-mail and
    /// not claimed before), the verification token and its message, in one transaction.
    /// `false`, with nothing written, when the invitation cannot be claimed. The membership
    /// is added when the e-mail is verified ([`Store::verify_email_with_token`]).
    pub async fn sign_up_invited(
        &self,
        user: &UserRow,
        invitation_sha256: &[u8],
        now_ms: i64,
        token: &AccountTokenRow,
        mail: &NewMail,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            insert_user_query(user).execute(&mut *tx).await?;
            let claimed = sqlx::query(
                "UPDATE organization_invitations SET claimed_by = $1 \
                 WHERE token_sha256 = $2 AND email = $3 AND claimed_by IS NULL \
                 AND accepted_at IS NULL AND expires_at > $4",
            )
            .bind(&user.id)
            .bind(invitation_sha256)
            .bind(&user.email)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if claimed != 1 {
                tx.rollback().await?;
                return Ok(false);
            }
            insert_account_token_tx!(tx, token);
            insert_mail_tx!(tx, mail);
            tx.commit().await?;
            Ok(true)
        })
    }
}

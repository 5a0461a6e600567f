//! Organizations' members and invitations (the developer portal's teams).
//!
//! Roles are `owner` and `member` (the portal says "developer"). An organization keeps at
//! least one owner: removing or demoting an owner first locks the organization's row
//! (`UPDATE organizations … WHERE id`, a row lock on PostgreSQL; SQLite has one writer),
//! then counts the owners, so two owners removing each other at once cannot leave none.
//! Invitations are single use: accepting is one conditional `UPDATE` on the unused,
//! unexpired invitation for the accepting account's e-mail.

use crate::portal::{NewMail, insert_mail_tx};
use crate::{OrganizationRow, Store, StoreError, on_pool};
use chrono::{DateTime, Utc};

/// A member of an organization, with the account's name and e-mail.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct MemberRow {
    /// The account.
    pub user_id: String,
    /// Its e-mail.
    pub email: String,
    /// Its name.
    pub name: String,
    /// `owner` or `member`.
    pub role: String,
    /// When they joined.
    pub created_at: DateTime<Utc>,
}

/// One of a user's organizations, with the user's role in it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct MembershipRow {
    /// Organization id.
    pub organization_id: String,
    /// Its name.
    pub name: String,
    /// `owner` or `member`.
    pub role: String,
}

/// An invitation to join an organization.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct InvitationRow {
    /// SHA-256 of the e-mailed token.
    pub token_sha256: Vec<u8>,
    /// Organization.
    pub organization_id: String,
    /// Normalised e-mail invited.
    pub email: String,
    /// Role given on joining.
    pub role: String,
    /// Who invited.
    pub invited_by: Option<String>,
    /// Time sent (ms).
    pub created_at: i64,
    /// End of validity (ms).
    pub expires_at: i64,
    /// The account signed up through the link, joined once verified.
    pub claimed_by: Option<String>,
    /// When it was accepted (ms).
    pub accepted_at: Option<i64>,
}

/// The outcome of removing a member or changing a role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberChange {
    /// Done.
    Done,
    /// Refused: it would leave the organization without an owner.
    LastOwner,
    /// No such member.
    NotMember,
}

/// Locks an organization's row in `$tx` (PostgreSQL row lock; SQLite has one writer) and
/// evaluates to its number of owners.
macro_rules! lock_and_count_owners_tx {
    ($tx:expr, $org:expr) => {{
        sqlx::query("UPDATE organizations SET name = name WHERE id = $1")
            .bind($org)
            .execute(&mut *$tx)
            .await?;
        let owners: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM organization_members WHERE organization_id = $1 AND role = 'owner'",
        )
        .bind($org)
        .fetch_one(&mut *$tx)
        .await?;
        owners
    }};
}

impl Store {
    /// The organization with this id.
    pub async fn organization_by_id(
        &self,
        id: &str,
    ) -> Result<Option<OrganizationRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as("SELECT id, name, name_key, created_at FROM organizations WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// A user's organizations with their role, oldest membership first.
    pub async fn memberships_of(&self, user_id: &str) -> Result<Vec<MembershipRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT o.id AS organization_id, o.name, m.role FROM organizations o \
                 JOIN organization_members m ON m.organization_id = o.id \
                 WHERE m.user_id = $1 ORDER BY m.created_at, o.id",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// A user's role in an organization, if a member.
    pub async fn member_role(
        &self,
        organization_id: &str,
        user_id: &str,
    ) -> Result<Option<String>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar(
                "SELECT role FROM organization_members WHERE organization_id = $1 AND user_id = $2",
            )
            .bind(organization_id)
            .bind(user_id)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// The members of an organization, owners first, then by e-mail.
    pub async fn members_of(&self, organization_id: &str) -> Result<Vec<MemberRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT u.id AS user_id, u.email, u.name, m.role, m.created_at \
                 FROM organization_members m JOIN users u ON u.id = m.user_id \
                 WHERE m.organization_id = $1 \
                 ORDER BY CASE m.role WHEN 'owner' THEN 0 ELSE 1 END, u.email",
            )
            .bind(organization_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Removes a member, unless they are the organization's last owner.
    pub async fn remove_member(
        &self,
        organization_id: &str,
        user_id: &str,
    ) -> Result<MemberChange, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let owners = lock_and_count_owners_tx!(tx, organization_id);
            let role: Option<String> = sqlx::query_scalar(
                "SELECT role FROM organization_members WHERE organization_id = $1 AND user_id = $2",
            )
            .bind(organization_id)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
            let outcome = match role.as_deref() {
                None => MemberChange::NotMember,
                Some("owner") if owners <= 1 => MemberChange::LastOwner,
                Some(_) => {
                    sqlx::query("DELETE FROM organization_members WHERE organization_id = $1 AND user_id = $2")
                        .bind(organization_id)
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await?;
                    MemberChange::Done
                }
            };
            tx.commit().await?;
            Ok(outcome)
        })
    }

    /// Sets a member's role (`owner` or `member`), unless that demotes the last owner.
    pub async fn set_member_role(
        &self,
        organization_id: &str,
        user_id: &str,
        role: &str,
    ) -> Result<MemberChange, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let owners = lock_and_count_owners_tx!(tx, organization_id);
            let current: Option<String> = sqlx::query_scalar(
                "SELECT role FROM organization_members WHERE organization_id = $1 AND user_id = $2",
            )
            .bind(organization_id)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
            let outcome = match current.as_deref() {
                None => MemberChange::NotMember,
                Some("owner") if role != "owner" && owners <= 1 => MemberChange::LastOwner,
                Some(_) => {
                    sqlx::query(
                        "UPDATE organization_members SET role = $1 WHERE organization_id = $2 AND user_id = $3",
                    )
                    .bind(role)
                    .bind(organization_id)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                    MemberChange::Done
                }
            };
            tx.commit().await?;
            Ok(outcome)
        })
    }

    /// Stores an invitation and the message that carries its link, in one transaction.
    pub async fn insert_invitation(
        &self,
        invitation: &InvitationRow,
        mail: &NewMail,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO organization_invitations (token_sha256, organization_id, email, role, \
                 invited_by, created_at, expires_at, claimed_by, accepted_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&invitation.token_sha256)
            .bind(&invitation.organization_id)
            .bind(&invitation.email)
            .bind(&invitation.role)
            .bind(&invitation.invited_by)
            .bind(invitation.created_at)
            .bind(invitation.expires_at)
            .bind(&invitation.claimed_by)
            .bind(invitation.accepted_at)
            .execute(&mut *tx)
            .await?;
            insert_mail_tx!(tx, mail);
            tx.commit().await?;
        });
        Ok(())
    }

    /// The invitation with this token hash, used or not.
    pub async fn invitation(
        &self,
        token_sha256: &[u8],
    ) -> Result<Option<InvitationRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT token_sha256, organization_id, email, role, invited_by, created_at, expires_at, \
                 claimed_by, accepted_at FROM organization_invitations WHERE token_sha256 = $1",
            )
            .bind(token_sha256)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// The invitations of an organization still open at `now` (not accepted, not claimed,
    /// not expired), newest first.
    pub async fn open_invitations(
        &self,
        organization_id: &str,
        now_ms: i64,
    ) -> Result<Vec<InvitationRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT token_sha256, organization_id, email, role, invited_by, created_at, expires_at, \
                 claimed_by, accepted_at FROM organization_invitations \
                 WHERE organization_id = $1 AND accepted_at IS NULL AND claimed_by IS NULL AND expires_at > $2 \
                 ORDER BY created_at DESC",
            )
            .bind(organization_id)
            .bind(now_ms)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Accepts an invitation for the account `user_id` whose e-mail is `email`: spends it
    /// (unused, unclaimed, unexpired, for this e-mail) and adds the membership (an existing
    /// membership is kept as it is), in one transaction. The organization id, or `None`
    /// when the invitation cannot be used.
    pub async fn accept_invitation(
        &self,
        token_sha256: &[u8],
        user_id: &str,
        email: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        let ms = now.timestamp_millis();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let spent: Option<(String, String)> = sqlx::query_as(
                "UPDATE organization_invitations SET accepted_at = $1 \
                 WHERE token_sha256 = $2 AND email = $3 AND accepted_at IS NULL \
                 AND claimed_by IS NULL AND expires_at > $1 \
                 RETURNING organization_id, role",
            )
            .bind(ms)
            .bind(token_sha256)
            .bind(email)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((organization_id, role)) = spent else {
                return Ok(None);
            };
            sqlx::query(
                "INSERT INTO organization_members (organization_id, user_id, role, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .bind(&organization_id)
            .bind(user_id)
            .bind(&role)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Some(organization_id))
        })
    }
}

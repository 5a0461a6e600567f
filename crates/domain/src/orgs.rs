//! Organizations in the developer portal (issue 6 item 3; `docs/design/portal-apps.md`):
//! members with a role, e-mailed invitations, leaving and removing members.
//!
//! Roles: `owner` and `developer` (stored as `member`, the name the first migration gave
//! it). Owners invite, remove members and change roles; every member may leave; the last
//! owner can neither leave, be removed nor be demoted (the store counts owners under a lock
//! on the organization's row). An invitation is a 43-character random token, e-mailed,
//! kept only as SHA-256, single use, 7 days. Accepting needs the invited e-mail's account:
//! signed in as that address, or signed up through the link (then the organization is
//! joined when the e-mail is verified).

use crate::DomainError;
use crate::accounts::{Email, Password, hash_password, operation_id};
use crate::portal::{Portal, SignUpForm, parse_name, reason, sha256};
use bb_store::{InvitationRow, MemberChange, UserRow};

/// Path of the invitation link; the token follows.
pub const INVITATION_PATH: &str = "/v2/accounts/organizations/invitations/";
/// How long an invitation can be used (BB2's sign-up links: 7 days).
pub const INVITATION_SECS: i64 = 7 * 86_400;

/// A member's role in an organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Manages members and apps.
    Owner,
    /// Manages the organization's apps.
    Developer,
}

impl Role {
    /// Parses `owner` or `developer` (also the stored `member`).
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "owner" => Ok(Self::Owner),
            "developer" | "member" => Ok(Self::Developer),
            _ => Err(DomainError::invalid("role", "must be owner or developer")),
        }
    }

    fn from_stored(raw: &str) -> Self {
        if raw == "owner" {
            Self::Owner
        } else {
            Self::Developer
        }
    }

    /// The stored text.
    pub(crate) fn stored(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Developer => "member",
        }
    }

    /// The word shown: `owner` or `developer`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Developer => "developer",
        }
    }
}

/// One of a user's organizations.
#[derive(Clone, Debug)]
pub struct Membership {
    /// Organization id.
    pub organization_id: String,
    /// Its name.
    pub name: String,
    /// The user's role.
    pub role: Role,
}

/// A member as the organization page shows them.
#[derive(Clone, Debug)]
pub struct Member {
    /// Account id.
    pub user_id: String,
    /// E-mail.
    pub email: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
}

/// An invitation not used yet.
#[derive(Clone, Debug)]
pub struct PendingInvitation {
    /// Invited address.
    pub email: String,
    /// Role on joining.
    pub role: Role,
    /// Last day it works (UTC date).
    pub expires: String,
}

/// An organization page: the organization, the viewer's role, members, open invitations.
#[derive(Clone, Debug)]
pub struct OrganizationView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// The viewer's role.
    pub role: Role,
    /// Members, owners first.
    pub members: Vec<Member>,
    /// Open invitations (shown to owners).
    pub invitations: Vec<PendingInvitation>,
}

/// What an invitation link shows before it is accepted.
#[derive(Clone, Debug)]
pub struct InvitationView {
    /// Organization name.
    pub organization: String,
    /// Invited address.
    pub email: String,
    /// Role on joining.
    pub role: Role,
    /// Whether an account uses that address.
    pub has_account: bool,
}

/// Why an organization action was refused.
#[derive(Debug)]
pub enum OrgError {
    /// Fields and what is wrong with each.
    Invalid(Vec<(&'static str, String)>),
    /// Not a member of this organization (or no such organization).
    NotMember,
    /// A member, but only owners may do this.
    OwnersOnly,
    /// It would leave the organization without an owner.
    LastOwner,
    /// The invitation is unknown, used, expired or for another address.
    LinkExpired,
    /// The store failed.
    Domain(DomainError),
}

impl From<DomainError> for OrgError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid { field, reason } => Self::Invalid(vec![(field, reason)]),
            other => Self::Domain(other),
        }
    }
}

fn token_ok(token: &str) -> bool {
    !token.is_empty() && token.len() <= 128 && token.bytes().all(|b| b.is_ascii_alphanumeric())
}

impl Portal {
    /// The organizations of a user with their role, oldest membership first.
    pub async fn memberships(&self, user_id: &str) -> Result<Vec<Membership>, DomainError> {
        Ok(self
            .deps
            .store
            .memberships_of(user_id)
            .await
            .map_err(|e| self.store_error(e))?
            .into_iter()
            .map(|m| Membership {
                organization_id: m.organization_id,
                name: m.name,
                role: Role::from_stored(&m.role),
            })
            .collect())
    }

    /// The user's role in an organization; `NotMember` when none (or no such organization).
    pub async fn role_in(&self, user_id: &str, organization_id: &str) -> Result<Role, OrgError> {
        if organization_id.is_empty() || organization_id.len() > 64 {
            return Err(OrgError::NotMember);
        }
        match self
            .deps
            .store
            .member_role(organization_id, user_id)
            .await
            .map_err(|e| self.store_error(e))?
        {
            Some(role) => Ok(Role::from_stored(&role)),
            None => Err(OrgError::NotMember),
        }
    }

    /// The organization page for a member.
    pub async fn organization(
        &self,
        user_id: &str,
        organization_id: &str,
    ) -> Result<OrganizationView, OrgError> {
        let role = self.role_in(user_id, organization_id).await?;
        let store = &self.deps.store;
        let org = store
            .organization_by_id(organization_id)
            .await
            .map_err(|e| self.store_error(e))?
            .ok_or(OrgError::NotMember)?;
        let members = store
            .members_of(organization_id)
            .await
            .map_err(|e| self.store_error(e))?
            .into_iter()
            .map(|m| Member {
                role: Role::from_stored(&m.role),
                user_id: m.user_id,
                email: m.email,
                name: m.name,
            })
            .collect();
        let invitations = if role == Role::Owner {
            store
                .open_invitations(organization_id, self.now_ms())
                .await
                .map_err(|e| self.store_error(e))?
                .into_iter()
                .map(|i| PendingInvitation {
                    role: Role::from_stored(&i.role),
                    expires: chrono::DateTime::from_timestamp_millis(i.expires_at)
                        .map(|t| t.format("%Y-%m-%d").to_string())
                        .unwrap_or_default(),
                    email: i.email,
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(OrganizationView {
            id: org.id,
            name: org.name,
            role,
            members,
            invitations,
        })
    }

    async fn owner_of(&self, user_id: &str, organization_id: &str) -> Result<String, OrgError> {
        if self.role_in(user_id, organization_id).await? != Role::Owner {
            return Err(OrgError::OwnersOnly);
        }
        Ok(self
            .deps
            .store
            .organization_by_id(organization_id)
            .await
            .map_err(|e| self.store_error(e))?
            .ok_or(OrgError::NotMember)?
            .name)
    }

    /// An owner invites an e-mail address with a role: the invitation and its e-mail are
    /// written in one transaction.
    pub async fn invite(
        &self,
        actor_id: &str,
        organization_id: &str,
        email: &str,
        role: &str,
    ) -> Result<(), OrgError> {
        let org_name = self.owner_of(actor_id, organization_id).await?;
        let mut errors = Vec::new();
        let email = Email::parse(email)
            .map_err(|e| errors.push(("email", reason(e))))
            .ok();
        let role = Role::parse(role)
            .map_err(|e| errors.push(("role", reason(e))))
            .ok();
        let (Some(email), Some(role)) = (email, role) else {
            return Err(OrgError::Invalid(errors));
        };
        let store = &self.deps.store;
        let members = store
            .members_of(organization_id)
            .await
            .map_err(|e| self.store_error(e))?;
        if members.iter().any(|m| m.email == email.as_str()) {
            return Err(OrgError::Invalid(vec![(
                "email",
                "is already a member of this organization".into(),
            )]));
        }
        let settings = self.settings();
        let token = self.secret();
        let now = self.now_ms();
        let row = InvitationRow {
            token_sha256: sha256(&token),
            organization_id: organization_id.to_owned(),
            email: email.as_str().to_owned(),
            role: role.stored().to_owned(),
            invited_by: Some(actor_id.to_owned()),
            created_at: now,
            expires_at: now + INVITATION_SECS * 1000,
            claimed_by: None,
            accepted_at: None,
        };
        let body = format!(
            "Hello,\n\nYou are invited to join the organization \"{org_name}\" as {role} on the {issuer} developer portal. To accept, open this link within {days} days:\n\n{link}\n\nIf you have no account with this address yet, the link lets you create one. The link works once. If you did not expect this, ignore this message.\n",
            role = role.as_str(),
            issuer = settings.totp_issuer,
            days = INVITATION_SECS / 86_400,
            link = self.link(INVITATION_PATH, &token),
        );
        let subject = format!("Invitation to join {org_name}");
        let mail = self.mail.message(email.as_str(), &subject, body);
        store
            .insert_invitation(&row, &mail)
            .await
            .map_err(|e| self.store_error(e))?;
        self.mail.notify();
        tracing::info!(organization_id, "organization invitation sent");
        Ok(())
    }

    async fn open_invitation(&self, token: &str) -> Result<InvitationRow, OrgError> {
        if !token_ok(token) {
            return Err(OrgError::LinkExpired);
        }
        let row = self
            .deps
            .store
            .invitation(&sha256(token))
            .await
            .map_err(|e| self.store_error(e))?;
        let now = self.now_ms();
        row.filter(|r| r.accepted_at.is_none() && r.claimed_by.is_none() && r.expires_at > now)
            .ok_or(OrgError::LinkExpired)
    }

    /// What an invitation link shows; `LinkExpired` when it cannot be used.
    pub async fn invitation(&self, token: &str) -> Result<InvitationView, OrgError> {
        let row = self.open_invitation(token).await?;
        let store = &self.deps.store;
        let organization = store
            .organization_by_id(&row.organization_id)
            .await
            .map_err(|e| self.store_error(e))?
            .ok_or(OrgError::LinkExpired)?
            .name;
        let has_account = store
            .user_auth_by_email(&row.email)
            .await
            .map_err(|e| self.store_error(e))?
            .is_some();
        Ok(InvitationView {
            organization,
            email: row.email,
            role: Role::from_stored(&row.role),
            has_account,
        })
    }

    /// Accepts an invitation for the signed-in user, whose e-mail must be the invited one.
    /// The organization's id.
    pub async fn accept_invitation(
        &self,
        user_id: &str,
        user_email: &str,
        token: &str,
    ) -> Result<String, OrgError> {
        let row = self.open_invitation(token).await?;
        if row.email != user_email {
            return Err(OrgError::LinkExpired);
        }
        self.deps
            .store
            .accept_invitation(&sha256(token), user_id, user_email, self.deps.clock.now())
            .await
            .map_err(|e| self.store_error(e))?
            .ok_or(OrgError::LinkExpired)
    }

    /// Signs up through an invitation: the e-mail is the invited one (whatever the form
    /// says), no organization of one's own; the organization is joined when the e-mail is
    /// verified. Same rules and answers as [`Portal::sign_up`].
    pub async fn sign_up_invited(&self, token: &str, form: &SignUpForm) -> Result<(), OrgError> {
        let invitation = self.open_invitation(token).await?;
        let email = Email::parse(&invitation.email).map_err(|_| OrgError::LinkExpired)?;
        let mut errors = Vec::new();
        let name = parse_name(&form.name)
            .map_err(|r| errors.push(("name", r)))
            .ok();
        let password = Password::parse_for(
            &form.password,
            Some(&email),
            name.as_deref().unwrap_or(&form.name),
        )
        .map_err(|e| errors.push(("password", reason(e))))
        .ok();
        let (Some(name), Some(password)) = (name, password) else {
            return Err(OrgError::Invalid(errors));
        };
        let deps = &self.deps;
        let user = UserRow {
            id: operation_id(deps),
            email: email.as_str().to_owned(),
            name: name.clone(),
            password_hash: hash_password(deps, password).await?,
            kind: "developer".into(),
            staff_role: None,
            email_verified_at: None,
            created_at: deps.clock.now(),
        };
        let (verify, mail) = self.verification(&user.id, &user.email, &name);
        match deps
            .store
            .sign_up_invited(&user, &sha256(token), self.now_ms(), &verify, &mail)
            .await
        {
            Ok(true) => {}
            Ok(false) => return Err(OrgError::LinkExpired),
            // An account appeared for the address meanwhile: it accepts while signed in.
            Err(e) if e.is_conflict_on("users.email") => return Err(OrgError::LinkExpired),
            Err(e) => return Err(self.store_error(e).into()),
        }
        self.mail.notify();
        Ok(())
    }

    /// An owner removes a member, or a member removes themself (leaving).
    pub async fn remove_member(
        &self,
        actor_id: &str,
        organization_id: &str,
        user_id: &str,
    ) -> Result<(), OrgError> {
        let role = self.role_in(actor_id, organization_id).await?;
        if actor_id != user_id && role != Role::Owner {
            return Err(OrgError::OwnersOnly);
        }
        match self
            .deps
            .store
            .remove_member(organization_id, user_id)
            .await
            .map_err(|e| self.store_error(e))?
        {
            MemberChange::Done => Ok(()),
            MemberChange::LastOwner => Err(OrgError::LastOwner),
            MemberChange::NotMember => Err(OrgError::NotMember),
        }
    }

    /// An owner changes a member's role.
    pub async fn set_role(
        &self,
        actor_id: &str,
        organization_id: &str,
        user_id: &str,
        role: &str,
    ) -> Result<(), OrgError> {
        self.owner_of(actor_id, organization_id).await?;
        let role = Role::parse(role)?;
        match self
            .deps
            .store
            .set_member_role(organization_id, user_id, role.stored())
            .await
            .map_err(|e| self.store_error(e))?
        {
            MemberChange::Done => Ok(()),
            MemberChange::LastOwner => Err(OrgError::LastOwner),
            MemberChange::NotMember => Err(OrgError::NotMember),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_and_store() {
        assert_eq!(Role::parse("Owner").ok(), Some(Role::Owner));
        assert_eq!(Role::parse("developer").ok(), Some(Role::Developer));
        assert_eq!(Role::parse("member").ok(), Some(Role::Developer));
        assert!(Role::parse("admin").is_err());
        assert_eq!(Role::Developer.stored(), "member");
        assert_eq!(Role::from_stored("member").as_str(), "developer");
        assert!(!token_ok("a/b") && token_ok("abc123"));
    }
}

//! The developer portal's accounts (journey J1; see `docs/design/portal-accounts.md`):
//! sign-up with e-mail verification, login with a per-account lockout, TOTP two-factor
//! (optional for developers, required for staff), server-side sessions, password reset by
//! e-mail and password change.
//!
//! Links sent by e-mail carry 43 random alphanumerics (256 bits) stored only as SHA-256,
//! single use, with a bounded life (verification 7 days, reset 1 hour). Session ids are
//! the same kind of secret in a cookie; the store keeps their hash, the stage of the login
//! (`active`, `second_factor`, `enrol`), a CSRF value, and idle and absolute ends. Every
//! step that must happen once is one conditional update in the store, so replicas agree.
//! A change and the e-mail that reports it are written in one transaction.

use crate::accounts::{Email, OrganizationName, Password, hash_password, operation_id};
use crate::clock::random_alphanumeric;
use crate::mail::Mail;
use crate::totp::TotpSecret;
use crate::{Deps, DomainError};
use bb_store::{
    AccountTokenRow, OrganizationRow, PortalSessionRow, StoreError, UserAuthRow, UserRow,
};
use sha2::{Digest, Sha256};
use std::sync::{Arc, RwLock};

/// Lifetimes, limits and the public address used in e-mailed links.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortalSettings {
    /// Origin that links in e-mails point to, e.g. `https://sandbox.example.org`. Never
    /// taken from a request's `Host` (a forged host would send reset links elsewhere).
    pub base_url: String,
    /// E-mail verification links (BB2: 7 days).
    pub verify_secs: i64,
    /// Password reset links.
    pub reset_secs: i64,
    /// Failed logins before a lock (django-axes in BB2: 5).
    pub max_failures: i64,
    /// Lock and counting window (BB2: 30 minutes).
    pub lock_secs: i64,
    /// A session ends after this long without a request (BB2's cookie age: 5,400 s).
    pub session_idle_secs: i64,
    /// A session ends this long after sign-in, whatever happens.
    pub session_absolute_secs: i64,
    /// Issuer shown by authenticator apps.
    pub totp_issuer: String,
}

impl Default for PortalSettings {
    fn default() -> Self {
        Self {
            base_url: "http://localhost:8000".into(),
            verify_secs: 7 * 86_400,
            reset_secs: 3600,
            max_failures: 5,
            lock_secs: 1800,
            session_idle_secs: 5400,
            session_absolute_secs: 12 * 3600,
            totp_issuer: "Blue Button sandbox".into(),
        }
    }
}

/// Path of the e-mail verification link; the token follows.
pub const VERIFY_PATH: &str = "/v2/accounts/activation-verify/";
/// Path of the password reset link; the token follows.
pub const RESET_PATH: &str = "/v2/accounts/reset-password/";

const TOKEN_LEN: usize = 43;
const STAGE_ACTIVE: &str = "active";
const STAGE_SECOND_FACTOR: &str = "second_factor";
const STAGE_ENROL: &str = "enrol";

pub(crate) fn sha256(value: &str) -> Vec<u8> {
    Sha256::digest(value.as_bytes()).to_vec()
}

/// Why a form was refused.
#[derive(Debug)]
pub enum PortalError {
    /// Fields and what is wrong with each (shown next to the fields).
    Invalid(Vec<(&'static str, String)>),
    /// The e-mailed link is unknown, used or expired.
    LinkExpired,
    /// No live session, or not at the right stage.
    NoSession,
    /// Too many failed attempts: locked for this many more minutes.
    Locked {
        /// Minutes until the lock ends.
        minutes: u32,
    },
    /// The store failed.
    Domain(DomainError),
}

impl From<DomainError> for PortalError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid { field, reason } => Self::Invalid(vec![(field, reason)]),
            other => Self::Domain(other),
        }
    }
}

/// Why a login was refused.
#[derive(Debug)]
pub enum LoginRefusal {
    /// Unknown e-mail or wrong password (never says which).
    BadCredentials,
    /// Too many failures: locked for this many more minutes.
    Locked {
        /// Minutes until the lock ends.
        minutes: u32,
    },
    /// Right password, e-mail not verified yet: a new link was sent.
    Unverified,
    /// The store failed.
    Domain(DomainError),
}

/// Where a session stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Signed in.
    Active,
    /// Password checked; the TOTP code is due.
    SecondFactor,
    /// Password checked; a staff member must enrol TOTP first.
    Enrol,
}

impl Stage {
    fn parse(raw: &str) -> Option<Self> {
        match raw {
            STAGE_ACTIVE => Some(Self::Active),
            STAGE_SECOND_FACTOR => Some(Self::SecondFactor),
            STAGE_ENROL => Some(Self::Enrol),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Active => STAGE_ACTIVE,
            Self::SecondFactor => STAGE_SECOND_FACTOR,
            Self::Enrol => STAGE_ENROL,
        }
    }
}

/// A started session: the cookie value and where it stands.
#[derive(Debug)]
pub struct StartedSession {
    /// The session cookie's value (shown once, stored as SHA-256).
    pub secret: String,
    /// Where the session stands.
    pub stage: Stage,
}

/// A live session and its user.
#[derive(Clone, Debug)]
pub struct PortalSession {
    /// The user's id.
    pub user_id: String,
    /// E-mail.
    pub email: String,
    /// Name.
    pub name: String,
    /// Staff (reviewer or admin) rather than developer.
    pub staff: bool,
    /// Staff role, when staff.
    pub staff_role: Option<String>,
    /// Whether TOTP is on.
    pub has_totp: bool,
    /// Where the session stands.
    pub stage: Stage,
    /// CSRF value of the session's forms.
    pub csrf_token: String,
    /// Unread production-access notifications (the count in the navigation; read only
    /// for a signed-in session).
    pub unread_notifications: i64,
}

/// A TOTP enrolment in progress: what the enrolment page shows.
#[derive(Debug)]
pub struct Enrolment {
    /// `otpauth://totp/…` URI.
    pub uri: String,
    /// The secret in base32, in groups of four for reading.
    pub secret_grouped: String,
}

/// The fields of the sign-up form, as typed.
#[derive(Clone, Debug, Default)]
pub struct SignUpForm {
    /// The person's name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Organization name.
    pub organization: String,
    /// Password.
    pub password: String,
}

/// A person's name: 1–100 characters, no control characters (trimmed, inner whitespace
/// collapsed).
pub(crate) fn parse_name(raw: &str) -> Result<String, String> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err("must not be empty".into());
    }
    if name.chars().count() > 100 {
        return Err("must be at most 100 characters".into());
    }
    if name.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(name)
}

pub(crate) fn reason(e: DomainError) -> String {
    match e {
        DomainError::Invalid { reason, .. } => reason,
        other => other.to_string(),
    }
}

/// The developer portal's account operations; cheap to clone.
#[derive(Clone)]
pub struct Portal {
    pub(crate) deps: Arc<Deps>,
    pub(crate) mail: Mail,
    settings: Arc<RwLock<PortalSettings>>,
}

impl Portal {
    pub(crate) fn new(deps: Arc<Deps>, mail: Mail) -> Self {
        Self {
            deps,
            mail,
            settings: Arc::new(RwLock::new(PortalSettings::default())),
        }
    }

    /// Changes the settings (every clone sees the change).
    pub fn set_settings(&self, settings: PortalSettings) {
        if let Ok(mut slot) = self.settings.write() {
            *slot = settings;
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> PortalSettings {
        self.settings.read().map(|s| s.clone()).unwrap_or_default()
    }

    pub(crate) fn now_ms(&self) -> i64 {
        self.deps.clock.now().timestamp_millis()
    }

    pub(crate) fn store_error(&self, e: StoreError) -> DomainError {
        DomainError::from_store(e, || operation_id(&self.deps), &[])
    }

    pub(crate) fn secret(&self) -> String {
        random_alphanumeric(self.deps.entropy.as_ref(), TOKEN_LEN)
    }

    pub(crate) fn link(&self, path: &str, token: &str) -> String {
        format!(
            "{}{path}{token}",
            self.settings().base_url.trim_end_matches('/')
        )
    }

    fn lock_minutes(&self, until: i64, now: i64) -> u32 {
        u32::try_from(((until - now) + 59_999) / 60_000).unwrap_or(30)
    }

    /// A verification token for a user and the message that carries its link.
    pub(crate) fn verification(
        &self,
        user_id: &str,
        email: &str,
        name: &str,
    ) -> (AccountTokenRow, bb_store::NewMail) {
        let settings = self.settings();
        let token = self.secret();
        let now = self.now_ms();
        let row = AccountTokenRow {
            token_sha256: sha256(&token),
            user_id: user_id.to_owned(),
            purpose: "verify_email".into(),
            created_at: now,
            expires_at: now + settings.verify_secs * 1000,
            used_at: None,
        };
        let days = settings.verify_secs / 86_400;
        let greeting = if name.is_empty() { "Hello" } else { name };
        let body = format!(
            "{greeting},\n\nTo finish creating your {issuer} developer account, confirm your e-mail address by opening this link within {days} days:\n\n{link}\n\nThe link works once. If you did not sign up, ignore this message: no account is opened without it.\n",
            issuer = settings.totp_issuer,
            link = self.link(VERIFY_PATH, &token),
        );
        let mail = self
            .mail
            .message(email, "Confirm your e-mail address", body);
        (row, mail)
    }

    /// Signs a developer up: checks every field (all problems at once), creates the
    /// account (unverified) and its organization, and queues the verification e-mail, all
    /// in one transaction. An e-mail that already has an account gets a message saying so
    /// instead, and the answer is the same, so the form does not tell who has an account.
    pub async fn sign_up(&self, form: &SignUpForm) -> Result<(), PortalError> {
        let mut errors = Vec::new();
        let name = parse_name(&form.name)
            .map_err(|r| errors.push(("name", r)))
            .ok();
        let email = Email::parse(&form.email)
            .map_err(|e| errors.push(("email", reason(e))))
            .ok();
        let organization = OrganizationName::parse(&form.organization)
            .map_err(|e| errors.push(("organization", reason(e))))
            .ok();
        let password = Password::parse_for(
            &form.password,
            email.as_ref(),
            name.as_deref().unwrap_or(&form.name),
        )
        .map_err(|e| errors.push(("password", reason(e))))
        .ok();
        let (Some(name), Some(email), Some(organization), Some(password)) =
            (name, email, organization, password)
        else {
            return Err(PortalError::Invalid(errors));
        };
        let deps = &self.deps;
        let now = deps.clock.now();
        let user = UserRow {
            id: operation_id(deps),
            email: email.as_str().to_owned(),
            name: name.clone(),
            password_hash: hash_password(deps, password).await?,
            kind: "developer".into(),
            staff_role: None,
            email_verified_at: None,
            created_at: now,
        };
        let org = OrganizationRow {
            id: operation_id(deps),
            name: organization.as_str().to_owned(),
            name_key: organization.key(),
            created_at: now,
        };
        let (token, mail) = self.verification(&user.id, &user.email, &name);
        match deps
            .store
            .sign_up_developer(&user, &org, &token, &mail)
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_conflict_on("users.email") => {
                let body = format!(
                    "Hello,\n\nSomeone (perhaps you) tried to sign up for {issuer} with this e-mail address, which already has an account. Sign in at {login}, or reset your password at {forgot}.\n\nIf this was not you, ignore this message.\n",
                    issuer = self.settings().totp_issuer,
                    login = self.link("/v2/accounts/login", ""),
                    forgot = self.link("/v2/accounts/forgot-password", ""),
                );
                self.mail
                    .enqueue(email.as_str(), "You already have an account", body)
                    .await?;
            }
            Err(e) if e.is_conflict_on("organizations.name_key") => {
                return Err(PortalError::Invalid(vec![(
                    "organization",
                    "is already registered: ask one of its owners to invite you, or choose another name".into(),
                )]));
            }
            Err(e) => return Err(self.store_error(e).into()),
        }
        self.mail.notify();
        Ok(())
    }

    /// Follows a verification link: `true` when it verified the e-mail now.
    pub async fn verify_email(&self, token: &str) -> Result<bool, DomainError> {
        if token.is_empty() || token.len() > 128 {
            return Ok(false);
        }
        Ok(self
            .deps
            .store
            .verify_email_with_token(&sha256(token), self.deps.clock.now())
            .await
            .map_err(|e| self.store_error(e))?
            .is_some())
    }

    async fn start_session(
        &self,
        user_id: &str,
        stage: Stage,
    ) -> Result<StartedSession, DomainError> {
        let secret = self.secret();
        let row = self.session_row(&secret, user_id, stage);
        self.deps
            .store
            .insert_portal_session(&row)
            .await
            .map_err(|e| self.store_error(e))?;
        Ok(StartedSession { secret, stage })
    }

    fn session_row(&self, secret: &str, user_id: &str, stage: Stage) -> PortalSessionRow {
        let now = self.now_ms();
        PortalSessionRow {
            session_sha256: sha256(secret),
            user_id: user_id.to_owned(),
            csrf_token: self.secret(),
            stage: stage.as_str().into(),
            pending_totp: None,
            created_at: now,
            last_seen_at: now,
            expires_at: now + self.settings().session_absolute_secs * 1000,
        }
    }

    /// Counts a failed attempt on an account; the refusal to give.
    async fn failed_attempt(&self, user_id: &str) -> Result<Option<u32>, DomainError> {
        let settings = self.settings();
        let now = self.now_ms();
        let counted = self
            .deps
            .store
            .record_login_failure(
                user_id,
                now,
                settings.max_failures,
                settings.lock_secs * 1000,
            )
            .await
            .map_err(|e| self.store_error(e))?;
        Ok(match counted {
            Some((_, Some(until))) if until > now => {
                tracing::warn!("portal account locked after repeated failed logins");
                Some(self.lock_minutes(until, now))
            }
            _ => None,
        })
    }

    /// Checks an e-mail and password. On success starts a session: active, or waiting for
    /// the TOTP code, or (staff without TOTP) waiting for enrolment.
    pub async fn login(&self, email: &str, password: &str) -> Result<StartedSession, LoginRefusal> {
        let domain = LoginRefusal::Domain;
        let Ok(attempt) = Password::attempt(password) else {
            return Err(LoginRefusal::BadCredentials);
        };
        let user = match Email::parse(email) {
            Ok(email) => self
                .deps
                .store
                .user_auth_by_email(email.as_str())
                .await
                .map_err(|e| domain(self.store_error(e)))?,
            Err(_) => None,
        };
        let Some(user) = user else {
            crate::accounts::verify_password(attempt, crate::accounts::dummy_hash()).await;
            return Err(LoginRefusal::BadCredentials);
        };
        let now = self.now_ms();
        if let Some(until) = user.locked_until.filter(|u| *u > now) {
            return Err(LoginRefusal::Locked {
                minutes: self.lock_minutes(until, now),
            });
        }
        if !crate::accounts::verify_password(attempt, user.password_hash.clone()).await {
            return Err(match self.failed_attempt(&user.id).await.map_err(domain)? {
                Some(minutes) => LoginRefusal::Locked { minutes },
                None => LoginRefusal::BadCredentials,
            });
        }
        if user.email_verified_at.is_none() {
            let (token, mail) = self.verification(&user.id, &user.email, &user.name);
            self.deps
                .store
                .insert_account_token(&token, Some(&mail))
                .await
                .map_err(|e| domain(self.store_error(e)))?;
            self.mail.notify();
            return Err(LoginRefusal::Unverified);
        }
        let stage = if user.totp_secret.is_some() {
            Stage::SecondFactor
        } else if user.kind == "staff" {
            Stage::Enrol
        } else {
            Stage::Active
        };
        if stage != Stage::SecondFactor {
            self.deps
                .store
                .clear_user_failures(&user.id)
                .await
                .map_err(|e| domain(self.store_error(e)))?;
        }
        self.start_session(&user.id, stage).await.map_err(domain)
    }

    async fn session_parts(
        &self,
        secret: &str,
    ) -> Result<Option<(PortalSessionRow, UserAuthRow)>, DomainError> {
        if secret.is_empty() || secret.len() > 128 {
            return Ok(None);
        }
        let store = &self.deps.store;
        let sha = sha256(secret);
        let Some(row) = store
            .portal_session(&sha)
            .await
            .map_err(|e| self.store_error(e))?
        else {
            return Ok(None);
        };
        let now = self.now_ms();
        let idle_end = row.last_seen_at + self.settings().session_idle_secs * 1000;
        if now >= row.expires_at || now >= idle_end {
            store
                .delete_portal_session(&sha)
                .await
                .map_err(|e| self.store_error(e))?;
            return Ok(None);
        }
        let Some(user) = store
            .user_auth_by_id(&row.user_id)
            .await
            .map_err(|e| self.store_error(e))?
        else {
            return Ok(None);
        };
        // One write a minute at most per session keeps the idle clock without a write on
        // every page.
        if now - row.last_seen_at >= 60_000 {
            store
                .touch_portal_session(&sha, now)
                .await
                .map_err(|e| self.store_error(e))?;
        }
        Ok(Some((row, user)))
    }

    /// The live session of this cookie value (any stage); an expired one is deleted.
    pub async fn session(&self, secret: &str) -> Result<Option<PortalSession>, DomainError> {
        let Some((row, user)) = self.session_parts(secret).await? else {
            return Ok(None);
        };
        let unread_notifications = if row.stage == STAGE_ACTIVE {
            self.deps
                .store
                .unread_notifications(&user.id)
                .await
                .map_err(|e| self.store_error(e))?
        } else {
            0
        };
        Ok(Some((row, user)).and_then(|(row, user)| {
            Some(PortalSession {
                unread_notifications,
                stage: Stage::parse(&row.stage)?,
                user_id: user.id,
                email: user.email,
                name: user.name,
                staff: user.kind == "staff",
                staff_role: user.staff_role,
                has_totp: user.totp_secret.is_some(),
                csrf_token: row.csrf_token,
            })
        }))
    }

    /// The organizations of a user, by name.
    pub async fn organizations_of(&self, user_id: &str) -> Result<Vec<String>, DomainError> {
        Ok(self
            .deps
            .store
            .organizations_of(user_id)
            .await
            .map_err(|e| self.store_error(e))?
            .into_iter()
            .map(|o| o.name)
            .collect())
    }

    /// The second step of a login: the TOTP code. A wrong code counts as a failed login.
    pub async fn second_factor(&self, secret: &str, code: &str) -> Result<(), PortalError> {
        let Some((row, user)) = self.session_parts(secret).await? else {
            return Err(PortalError::NoSession);
        };
        if row.stage != STAGE_SECOND_FACTOR {
            return Err(PortalError::NoSession);
        }
        let Some(totp) = user.totp_secret.clone() else {
            return Err(PortalError::NoSession);
        };
        let now = self.now_ms();
        if let Some(until) = user.locked_until.filter(|u| *u > now) {
            return Err(PortalError::Locked {
                minutes: self.lock_minutes(until, now),
            });
        }
        let store = &self.deps.store;
        let step = TotpSecret::from_bytes(totp).matching_step(code, now.div_euclid(1000));
        let accepted = match step {
            Some(step) => store
                .use_totp_step(&user.id, step)
                .await
                .map_err(|e| self.store_error(e))?,
            None => false,
        };
        if !accepted {
            return Err(match self.failed_attempt(&user.id).await? {
                Some(minutes) => PortalError::Locked { minutes },
                None => PortalError::Invalid(vec![(
                    "code",
                    "is not the current code of your authenticator app (each code works once)"
                        .into(),
                )]),
            });
        }
        store
            .set_portal_session_stage(&row.session_sha256, STAGE_ACTIVE, None)
            .await
            .map_err(|e| self.store_error(e))?;
        store
            .clear_user_failures(&user.id)
            .await
            .map_err(|e| self.store_error(e))?;
        Ok(())
    }

    /// Starts (or shows again) a TOTP enrolment on a session that is active or waiting for
    /// enrolment, for an account without TOTP.
    pub async fn begin_enrolment(&self, secret: &str) -> Result<Enrolment, PortalError> {
        let Some((row, user)) = self.session_parts(secret).await? else {
            return Err(PortalError::NoSession);
        };
        if row.stage == STAGE_SECOND_FACTOR || user.totp_secret.is_some() {
            return Err(PortalError::NoSession);
        }
        let totp = match row.pending_totp.clone() {
            Some(bytes) => TotpSecret::from_bytes(bytes),
            None => {
                let fresh = TotpSecret::generate(self.deps.entropy.as_ref());
                self.deps
                    .store
                    .set_portal_session_stage(
                        &row.session_sha256,
                        &row.stage,
                        Some(fresh.as_bytes()),
                    )
                    .await
                    .map_err(|e| self.store_error(e))?;
                fresh
            }
        };
        let b32 = totp.base32();
        let grouped = b32
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        Ok(Enrolment {
            uri: totp.otpauth_uri(&self.settings().totp_issuer, &user.email),
            secret_grouped: grouped,
        })
    }

    /// Confirms a TOTP enrolment with a code from the app; TOTP is on from then and the
    /// session is active.
    pub async fn confirm_enrolment(&self, secret: &str, code: &str) -> Result<(), PortalError> {
        let Some((row, user)) = self.session_parts(secret).await? else {
            return Err(PortalError::NoSession);
        };
        let Some(pending) = row
            .pending_totp
            .clone()
            .filter(|_| user.totp_secret.is_none())
        else {
            return Err(PortalError::NoSession);
        };
        let totp = TotpSecret::from_bytes(pending);
        let Some(step) = totp.matching_step(code, self.now_ms().div_euclid(1000)) else {
            return Err(PortalError::Invalid(vec![(
                "code",
                "is not the current code of your authenticator app: check the secret and the phone's clock"
                    .into(),
            )]));
        };
        self.deps
            .store
            .enable_totp(&user.id, totp.as_bytes(), step, &row.session_sha256)
            .await
            .map_err(|e| self.store_error(e))?;
        Ok(())
    }

    /// Turns two-step sign-in off for a signed-in developer: the current password and a
    /// current code are both required (either wrong counts as a failed login). Staff keep
    /// it: it is required for reviewers and admins. The account is told by e-mail.
    pub async fn disable_totp(
        &self,
        secret: &str,
        password: &str,
        code: &str,
    ) -> Result<(), PortalError> {
        let Some((row, user)) = self.session_parts(secret).await? else {
            return Err(PortalError::NoSession);
        };
        if row.stage != STAGE_ACTIVE {
            return Err(PortalError::NoSession);
        }
        let Some(totp) = user.totp_secret.clone() else {
            return Err(PortalError::NoSession);
        };
        if user.kind == "staff" {
            return Err(PortalError::Invalid(vec![(
                "disable_code",
                "cannot be turned off: staff accounts must keep two-step sign-in".into(),
            )]));
        }
        let now = self.now_ms();
        if let Some(until) = user.locked_until.filter(|u| *u > now) {
            return Err(PortalError::Locked {
                minutes: self.lock_minutes(until, now),
            });
        }
        let password_ok = match Password::attempt(password) {
            Ok(attempt) => {
                crate::accounts::verify_password(attempt, user.password_hash.clone()).await
            }
            Err(_) => false,
        };
        let store = &self.deps.store;
        let code_ok = password_ok
            && match TotpSecret::from_bytes(totp).matching_step(code, now.div_euclid(1000)) {
                Some(step) => store
                    .use_totp_step(&user.id, step)
                    .await
                    .map_err(|e| self.store_error(e))?,
                None => false,
            };
        if !code_ok {
            if let Some(minutes) = self.failed_attempt(&user.id).await? {
                return Err(PortalError::Locked { minutes });
            }
            return Err(PortalError::Invalid(vec![if password_ok {
                (
                    "disable_code",
                    "is not the current code of your authenticator app (each code works once)"
                        .into(),
                )
            } else {
                ("disable_password", "is not your current password".into())
            }]));
        }
        store
            .disable_totp(&user.id)
            .await
            .map_err(|e| self.store_error(e))?;
        store
            .clear_user_failures(&user.id)
            .await
            .map_err(|e| self.store_error(e))?;
        let body = format!(
            "Hello,\n\nTwo-step sign-in was turned off for your {issuer} account. Signing in now asks only for your password.\n\nIf this was not you, reset your password at {forgot} and turn two-step sign-in on again.\n",
            issuer = self.settings().totp_issuer,
            forgot = self.link("/v2/accounts/forgot-password", ""),
        );
        self.mail
            .enqueue(&user.email, "Two-step sign-in was turned off", body)
            .await?;
        Ok(())
    }

    /// Ends a session.
    pub async fn logout(&self, secret: &str) -> Result<(), DomainError> {
        self.deps
            .store
            .delete_portal_session(&sha256(secret))
            .await
            .map_err(|e| self.store_error(e))
    }

    /// Sends a password reset link when the e-mail has an account; says nothing either way
    /// (the page answers the same). Refuses only an e-mail that does not parse.
    pub async fn request_reset(&self, email: &str) -> Result<(), PortalError> {
        let email =
            Email::parse(email).map_err(|e| PortalError::Invalid(vec![("email", reason(e))]))?;
        let Some(user) = self
            .deps
            .store
            .user_auth_by_email(email.as_str())
            .await
            .map_err(|e| self.store_error(e))?
        else {
            return Ok(());
        };
        let settings = self.settings();
        let token = self.secret();
        let now = self.now_ms();
        let row = AccountTokenRow {
            token_sha256: sha256(&token),
            user_id: user.id.clone(),
            purpose: "reset_password".into(),
            created_at: now,
            expires_at: now + settings.reset_secs * 1000,
            used_at: None,
        };
        let minutes = settings.reset_secs / 60;
        let body = format!(
            "Hello,\n\nTo choose a new password for your {issuer} account, open this link within {minutes} minutes:\n\n{link}\n\nThe link works once. If you did not ask for it, ignore this message: your password stays as it is.\n",
            issuer = settings.totp_issuer,
            link = self.link(RESET_PATH, &token),
        );
        let mail = self.mail.message(&user.email, "Reset your password", body);
        self.deps
            .store
            .insert_account_token(&row, Some(&mail))
            .await
            .map_err(|e| self.store_error(e))?;
        self.mail.notify();
        Ok(())
    }

    async fn reset_user(&self, token: &str) -> Result<Option<UserAuthRow>, DomainError> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        let store = &self.deps.store;
        let row = store
            .account_token(&sha256(token))
            .await
            .map_err(|e| self.store_error(e))?;
        let now = self.now_ms();
        let Some(row) = row
            .filter(|r| r.purpose == "reset_password" && r.used_at.is_none() && r.expires_at > now)
        else {
            return Ok(None);
        };
        store
            .user_auth_by_id(&row.user_id)
            .await
            .map_err(|e| self.store_error(e))
    }

    /// Whether a reset link can still be used.
    pub async fn reset_link_is_valid(&self, token: &str) -> Result<bool, DomainError> {
        Ok(self.reset_user(token).await?.is_some())
    }

    /// Sets a new password through a reset link: the link is spent, the lock cleared and
    /// every session of the account ended.
    pub async fn reset_password(&self, token: &str, password: &str) -> Result<(), PortalError> {
        let Some(user) = self.reset_user(token).await? else {
            return Err(PortalError::LinkExpired);
        };
        let email = Email::parse(&user.email).ok();
        let password = Password::parse_for(password, email.as_ref(), &user.name)
            .map_err(|e| PortalError::Invalid(vec![("password", reason(e))]))?;
        let hash = hash_password(&self.deps, password).await?;
        let done = self
            .deps
            .store
            .reset_password_with_token(&sha256(token), self.deps.clock.now(), &hash)
            .await
            .map_err(|e| self.store_error(e))?;
        match done {
            Some(_) => Ok(()),
            None => Err(PortalError::LinkExpired),
        }
    }

    /// Changes the password of a signed-in user: the current one must be right (a wrong
    /// one counts as a failed login). Every session of the account ends; the returned
    /// secret is this browser's new session.
    pub async fn change_password(
        &self,
        secret: &str,
        current: &str,
        new: &str,
    ) -> Result<String, PortalError> {
        let Some((row, user)) = self.session_parts(secret).await? else {
            return Err(PortalError::NoSession);
        };
        if row.stage != STAGE_ACTIVE {
            return Err(PortalError::NoSession);
        }
        let email = Email::parse(&user.email).ok();
        let new = Password::parse_for(new, email.as_ref(), &user.name)
            .map_err(|e| PortalError::Invalid(vec![("new_password", reason(e))]));
        let current_ok = match Password::attempt(current) {
            Ok(attempt) => {
                crate::accounts::verify_password(attempt, user.password_hash.clone()).await
            }
            Err(_) => false,
        };
        if !current_ok {
            if let Some(minutes) = self.failed_attempt(&user.id).await? {
                return Err(PortalError::Locked { minutes });
            }
            let mut errors = vec![(
                "current_password",
                "is not your current password".to_owned(),
            )];
            if let Err(PortalError::Invalid(more)) = new {
                errors.extend(more);
            }
            return Err(PortalError::Invalid(errors));
        }
        let hash = hash_password(&self.deps, new?).await?;
        let fresh = self.secret();
        let session = self.session_row(&fresh, &user.id, Stage::Active);
        self.deps
            .store
            .change_password(&user.id, &hash, self.now_ms(), &session)
            .await
            .map_err(|e| self.store_error(e))?;
        Ok(fresh)
    }
}

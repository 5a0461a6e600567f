//! `Access`: the production-access service over the store — the platform's terms of
//! service and their acceptance, requests (drafts, documents, submission), every move of
//! the state machine through one generic [`Access::transition`], the first-response clock,
//! notifications of the other side (e-mail through the outbox and in the app), and the
//! reviewer queue. Pages and the JSON API call the same functions.
//!
//! Who acts: a developer is a member of the request's organization (role `developer` of the
//! machine); staff act by their staff role (`reviewer` or `admin`). Only owners accept the
//! terms of service. See `docs/design/production-access.md`.

use super::calendar::BusinessCalendar;
use super::request::{CHECKLIST, DocumentKind, RequestForm, UploadProblem, check_form, check_pdf};
use super::sla::{Sla, SlaStatus};
use super::state::{
    AccessState, AccessStatus, Actor, ActorId, Approval, Role, Side, Transition, TransitionError,
};
use crate::clock::random_alphanumeric;
use crate::mail::Mail;
use crate::orgs::{OrgError, Role as OrgRole};
use crate::portal::Portal;
use crate::{Deps, DomainError};
use bb_store::{
    AccessDocumentRow, AccessDraft, AccessEffect, AccessRequestRow, AccessStatusChange,
    MailAttachment, NewAccessDocument, NewAccessRequest, NewMail, NewNotification, SlaChange,
    StaffRow, StoreError, TermsAcceptanceRow, TermsRow, TransitionOutcome,
};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

/// The terms of service shipped with the server: `(version, text, publication date)`.
pub const SHIPPED_TERMS: [(i64, &str, &str); 1] = [(
    1,
    include_str!("../../data/terms/v1.md"),
    "2026-12-01T00:00:00Z",
)];

/// States in which the developer may edit the form and upload documents.
pub const EDITABLE: [AccessState; 2] = [AccessState::Draft, AccessState::ChangesRequested];

/// "Due soon": at most this much business time left.
pub const DUE_SOON_HOURS: i64 = 8;

/// Who is asking: the signed-in account.
#[derive(Clone, Debug)]
pub struct Viewer {
    /// Account id.
    pub user_id: String,
    /// Name (for messages).
    pub name: String,
    /// Staff role (`reviewer`, `admin`), when staff.
    pub staff_role: Option<String>,
}

impl Viewer {
    /// The machine's role of a staff account, if it is one.
    pub fn staff(&self) -> Option<Role> {
        match self.staff_role.as_deref() {
            Some("admin") => Some(Role::Admin),
            Some(_) => Some(Role::Reviewer),
            None => None,
        }
    }
}

/// Why an operation was refused.
#[derive(Debug)]
pub enum AccessError {
    /// Fields and what is wrong with each (next to the fields; 400).
    Invalid(Vec<(String, String)>),
    /// Fields and what is wrong with each, with the worst problem (a logo too large: 413,
    /// of another type: 415; else 400).
    InvalidInput {
        /// `(field, message)`.
        errors: Vec<(String, String)>,
        /// The worst problem.
        problem: crate::app_registry::InputProblem,
    },
    /// A document was refused (413, 415 or 400, with the message for its field).
    Upload {
        /// Which.
        kind: DocumentKind,
        /// Why.
        problem: UploadProblem,
        /// The message.
        message: String,
    },
    /// Not a member of the organization, or no such request there (404).
    NotFound,
    /// Staff only (403).
    StaffOnly,
    /// Owners only (403).
    OwnersOnly,
    /// The organization has not accepted the current terms (409 with the version).
    TermsNotAccepted {
        /// The version to accept.
        version: i64,
    },
    /// The request cannot be edited in its state (409).
    NotEditable(AccessState),
    /// The state machine refused (409).
    Refused(TransitionError),
    /// Another move came first (409).
    Conflict,
    /// A policy change was refused: by its machine, or the app is not live, or another
    /// change is open (409).
    ChangeRefused(super::changes::ChangeRefusal),
    /// The store failed.
    Domain(DomainError),
}

impl From<DomainError> for AccessError {
    fn from(e: DomainError) -> Self {
        Self::Domain(e)
    }
}

impl std::fmt::Display for AccessError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Invalid(errors) => {
                let parts: Vec<String> = errors.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                write!(f, "{}", parts.join("; "))
            }
            Self::InvalidInput { errors, .. } => {
                let parts: Vec<String> = errors.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                write!(f, "{}", parts.join("; "))
            }
            Self::Upload { kind, message, .. } => write!(f, "{}: {message}", kind.as_str()),
            Self::NotFound => write!(f, "no such production-access request among yours"),
            Self::StaffOnly => write!(f, "only Blue Button staff can do this"),
            Self::OwnersOnly => write!(f, "only an owner of the organization can do this"),
            Self::TermsNotAccepted { version } => write!(
                f,
                "an owner of the organization must accept version {version} of the terms of service first"
            ),
            Self::NotEditable(state) => write!(
                f,
                "the request is {state}: it can be edited only as a draft or when changes are requested"
            ),
            Self::Refused(e) => write!(f, "{e}"),
            Self::Conflict => write!(
                f,
                "someone else moved this request first: reload it to see where it stands"
            ),
            Self::ChangeRefused(r) => write!(f, "{r}"),
            Self::Domain(e) => write!(f, "{e}"),
        }
    }
}

/// The terms of service as shown.
#[derive(Clone, Debug)]
pub struct TermsView {
    /// Version.
    pub version: i64,
    /// Text (Markdown, shown escaped).
    pub body: String,
    /// Publication date (UTC).
    pub published: String,
}

/// Where an organization stands with the terms.
#[derive(Clone, Debug)]
pub struct TermsStatus {
    /// The current terms.
    pub terms: TermsView,
    /// When and by whom (user id) the current version was accepted.
    pub accepted: Option<(String, String)>,
    /// The viewer is an owner (may accept).
    pub can_accept: bool,
}

/// The first-response clock as both sides see it.
#[derive(Clone, Debug)]
pub struct ClockView {
    /// Due (UTC, minutes, and in the team's time zone).
    pub due: String,
    /// Due, RFC 3339.
    pub due_at: DateTime<Utc>,
    /// Still running and past due.
    pub overdue: bool,
    /// Still running and due within [`DUE_SOON_HOURS`] business hours.
    pub due_soon: bool,
    /// When the team answered (stopping the clock).
    pub answered: Option<String>,
    /// Business hours left (negative: late), while running.
    pub remaining_hours: Option<i64>,
}

/// A request in a list or the queue.
#[derive(Clone, Debug)]
pub struct RequestSummary {
    /// Id.
    pub id: String,
    /// Organization id.
    pub organization_id: String,
    /// Organization name.
    pub organization: String,
    /// Application name.
    pub application: String,
    /// State.
    pub state: AccessState,
    /// Assigned reviewer's id.
    pub assignee: Option<String>,
    /// Assigned reviewer's name.
    pub assignee_name: Option<String>,
    /// The clock, once submitted.
    pub clock: Option<ClockView>,
    /// Created (UTC).
    pub created: String,
}

/// A document version as shown.
#[derive(Clone, Debug)]
pub struct DocumentView {
    /// Id (for the download link).
    pub id: i64,
    /// Kind.
    pub kind: DocumentKind,
    /// Version of that kind.
    pub version: i64,
    /// File name.
    pub file_name: String,
    /// SHA-256, hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: i64,
    /// `pending` (extraction), `done`, `failed`.
    pub extraction: String,
    /// Uploaded (UTC).
    pub uploaded: String,
}

/// A transition as shown in the history.
#[derive(Clone, Debug)]
pub struct HistoryEntry {
    /// From.
    pub from: String,
    /// To.
    pub to: String,
    /// Transition name.
    pub transition: String,
    /// Actor id.
    pub actor_id: String,
    /// Actor role.
    pub role: String,
    /// When (UTC).
    pub at: String,
    /// Why.
    pub reason: String,
}

/// One checklist item with its attestation.
#[derive(Clone, Debug)]
pub struct Attestation {
    /// Id.
    pub id: &'static str,
    /// The seed's wording.
    pub label: &'static str,
    /// Ticked.
    pub attested: bool,
}

/// Everything a request's page shows.
#[derive(Clone, Debug)]
pub struct RequestView {
    /// Summary (state, clock, names).
    pub summary: RequestSummary,
    /// Application id.
    pub application_id: Option<String>,
    /// The form as saved.
    pub form: RequestForm,
    /// Checklist.
    pub attestations: Vec<Attestation>,
    /// Every document version, by kind then version.
    pub documents: Vec<DocumentView>,
    /// History, oldest first.
    pub history: Vec<HistoryEntry>,
    /// The moves the viewer can make now.
    pub moves: Vec<Transition>,
    /// The developer may edit the form.
    pub editable: bool,
    /// First reviewer of an approval.
    pub approved_by: Option<String>,
    /// Second reviewer.
    pub confirmed_by: Option<String>,
    /// Terms version accepted at submission.
    pub terms_version: Option<i64>,
    /// The latest reason given by the team (changes requested, concerns…).
    pub latest_reason: Option<String>,
}

/// A queue filter.
#[derive(Clone, Debug, Default)]
pub struct QueueFilter {
    /// Only this state.
    pub state: Option<AccessState>,
    /// Only running clocks due within [`DUE_SOON_HOURS`] business hours (overdue included).
    pub due_soon: bool,
    /// Only overdue running clocks.
    pub overdue: bool,
    /// `me`, `unassigned`, or a reviewer's id.
    pub assignee: Option<String>,
}

/// A notification as shown.
#[derive(Clone, Debug)]
pub struct NotificationView {
    /// Text.
    pub body: String,
    /// When (UTC).
    pub created: String,
    /// Unread.
    pub unread: bool,
    /// Link to the request, for the viewer's side.
    pub link: Option<String>,
}

/// The developer's page of a request.
pub fn developer_path(organization_id: &str, request_id: &str) -> String {
    format!("/v2/accounts/organizations/{organization_id}/production-access/{request_id}/")
}

/// The reviewer's page of a request.
pub fn staff_path(request_id: &str) -> String {
    format!("/v2/staff/access/requests/{request_id}/")
}

fn when(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// The production-access service; cheap to clone.
#[derive(Clone)]
pub struct Access {
    pub(crate) deps: Arc<Deps>,
    pub(crate) mail: Mail,
    portal: Portal,
    pub(crate) policy: crate::policy::PolicyCheck,
    calendar: Arc<RwLock<BusinessCalendar>>,
    terms_ready: Arc<AtomicBool>,
}

impl Access {
    pub(crate) fn new(
        deps: Arc<Deps>,
        mail: Mail,
        portal: Portal,
        policy: crate::policy::PolicyCheck,
    ) -> Self {
        Self {
            deps,
            mail,
            policy,
            portal,
            calendar: Arc::new(RwLock::new(BusinessCalendar::default())),
            terms_ready: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Uses this business calendar for the clocks (`[access]` of the configuration).
    pub fn set_calendar(&self, calendar: BusinessCalendar) {
        if let Ok(mut slot) = self.calendar.write() {
            *slot = calendar;
        }
    }

    /// The calendar in force.
    pub fn calendar(&self) -> BusinessCalendar {
        self.calendar.read().map(|c| c.clone()).unwrap_or_default()
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.deps.clock.now()
    }

    pub(crate) fn portal_host(&self) -> String {
        let base = self.portal.settings().base_url;
        base.split("://")
            .nth(1)
            .unwrap_or(&base)
            .split(['/', ':'])
            .next()
            .unwrap_or("bluebutton")
            .to_owned()
    }

    pub(crate) fn store_error(&self, e: StoreError) -> AccessError {
        AccessError::Domain(self.portal_store_error(e))
    }

    /// A store error as the domain's (a production app's taken name is a conflict).
    pub(crate) fn portal_store_error(&self, e: StoreError) -> DomainError {
        DomainError::from_store(
            e,
            || crate::accounts::operation_id(&self.deps),
            &[("applications.name_key", "application name")],
        )
    }

    /// Writes the shipped terms versions that the store lacks (idempotent; run at start
    /// and before the first read).
    pub async fn ensure_terms(&self) -> Result<(), DomainError> {
        for (version, body, published) in SHIPPED_TERMS {
            let published_at = DateTime::parse_from_rfc3339(published)
                .map(|t| t.timestamp_millis())
                .unwrap_or(0);
            let row = TermsRow {
                version,
                body: body.to_owned(),
                sha256: Sha256::digest(body.as_bytes()).to_vec(),
                published_at,
            };
            self.deps
                .store
                .ensure_terms_version(&row)
                .await
                .map_err(|e| self.portal.store_error(e))?;
        }
        self.terms_ready.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// The current terms of service.
    pub async fn terms(&self) -> Result<TermsView, AccessError> {
        if !self.terms_ready.load(Ordering::Relaxed) {
            self.ensure_terms().await?;
        }
        let row = self
            .deps
            .store
            .current_terms(self.now().timestamp_millis())
            .await
            .map_err(|e| self.store_error(e))?
            .ok_or(AccessError::NotFound)?;
        Ok(TermsView {
            version: row.version,
            body: row.body,
            published: when(row.published_at),
        })
    }

    async fn member(&self, user_id: &str, organization_id: &str) -> Result<OrgRole, AccessError> {
        match self.portal.role_in(user_id, organization_id).await {
            Ok(role) => Ok(role),
            Err(OrgError::Domain(e)) => Err(AccessError::Domain(e)),
            Err(_) => Err(AccessError::NotFound),
        }
    }

    /// Where an organization stands with the current terms.
    pub async fn terms_status(
        &self,
        user_id: &str,
        organization_id: &str,
    ) -> Result<TermsStatus, AccessError> {
        let role = self.member(user_id, organization_id).await?;
        let terms = self.terms().await?;
        let accepted = self
            .deps
            .store
            .terms_acceptance(organization_id, terms.version)
            .await
            .map_err(|e| self.store_error(e))?
            .map(|a| (a.accepted_by.unwrap_or_default(), when(a.accepted_at)));
        Ok(TermsStatus {
            terms,
            accepted,
            can_accept: role == OrgRole::Owner,
        })
    }

    /// An owner accepts `version`, which must be the current one (a page shown before a
    /// new version was published is refused with the new version).
    pub async fn accept_terms(
        &self,
        user_id: &str,
        organization_id: &str,
        version: i64,
    ) -> Result<(), AccessError> {
        if self.member(user_id, organization_id).await? != OrgRole::Owner {
            return Err(AccessError::OwnersOnly);
        }
        let current = self.terms().await?.version;
        if version != current {
            return Err(AccessError::Invalid(vec![(
                "version".into(),
                format!(
                    "version {current} of the terms is now current: read it and accept that one"
                ),
            )]));
        }
        self.deps
            .store
            .accept_terms(&TermsAcceptanceRow {
                organization_id: organization_id.to_owned(),
                version,
                accepted_by: Some(user_id.to_owned()),
                accepted_at: self.now().timestamp_millis(),
            })
            .await
            .map_err(|e| self.store_error(e))?;
        tracing::info!(organization_id, version, "terms of service accepted");
        Ok(())
    }

    fn clock_of(&self, row: &AccessRequestRow) -> Option<ClockView> {
        let (started, due) = (row.sla_started_at?, row.sla_due_at?);
        let calendar = self.calendar();
        let start = DateTime::from_timestamp_millis(started)?;
        let due_at = DateTime::from_timestamp_millis(due)?;
        let now = self.now();
        let status: SlaStatus = Sla::FirstResponse.status(&calendar, start, now);
        let running = row.sla_stopped_at.is_none();
        let local = due_at.with_timezone(&calendar.time_zone());
        Some(ClockView {
            due: format!("{} ({})", when(due), local.format("%a %Y-%m-%d %H:%M %Z")),
            due_at,
            overdue: running && status.overdue,
            due_soon: running && status.remaining.num_hours() < DUE_SOON_HOURS,
            answered: row.sla_stopped_at.map(when),
            remaining_hours: running.then(|| status.remaining.num_hours()),
        })
    }

    fn summary(&self, row: &AccessRequestRow) -> RequestSummary {
        RequestSummary {
            id: row.id.clone(),
            organization_id: row.organization_id.clone(),
            organization: row.organization_name.clone(),
            application: row.application_name.clone().unwrap_or_default(),
            state: AccessState::parse(&row.state).unwrap_or(AccessState::Draft),
            assignee: row.assignee.clone(),
            assignee_name: row.assignee_name.clone(),
            clock: self.clock_of(row),
            created: when(row.created_at),
        }
    }

    async fn sandbox_apps(
        &self,
        organization_id: &str,
    ) -> Result<Vec<(String, String)>, AccessError> {
        Ok(self
            .deps
            .store
            .applications_of_organization(organization_id)
            .await
            .map_err(|e| self.store_error(e))?
            .into_iter()
            .filter(|a| a.environment == "sandbox")
            .map(|a| (a.id, a.name))
            .collect())
    }

    /// The organization's sandbox apps `(id, name)` (the form's choice).
    pub async fn applications(
        &self,
        user_id: &str,
        organization_id: &str,
    ) -> Result<Vec<(String, String)>, AccessError> {
        self.member(user_id, organization_id).await?;
        self.sandbox_apps(organization_id).await
    }

    /// An organization's requests (members only).
    pub async fn requests_of(
        &self,
        user_id: &str,
        organization_id: &str,
    ) -> Result<Vec<RequestSummary>, AccessError> {
        self.member(user_id, organization_id).await?;
        let rows = self
            .deps
            .store
            .access_requests_of(organization_id)
            .await
            .map_err(|e| self.store_error(e))?;
        Ok(rows.iter().map(|r| self.summary(r)).collect())
    }

    /// Starts a draft for a member, with whatever of the form is filled in (checked as a
    /// draft). The new request's id.
    pub async fn create(
        &self,
        user_id: &str,
        organization_id: &str,
        form: &RequestForm,
    ) -> Result<String, AccessError> {
        self.member(user_id, organization_id).await?;
        let draft = self.checked_draft(organization_id, form, false).await?;
        let id = random_alphanumeric(self.deps.entropy.as_ref(), 22);
        self.deps
            .store
            .insert_access_request(&NewAccessRequest {
                id: id.clone(),
                organization_id: organization_id.to_owned(),
                draft,
                state: AccessState::Draft.as_str().to_owned(),
                created_by: user_id.to_owned(),
                created_at: self.now().timestamp_millis(),
            })
            .await
            .map_err(|e| self.store_error(e))?;
        tracing::info!(organization_id, request_id = %id, "production-access draft started");
        Ok(id)
    }

    async fn checked_draft(
        &self,
        organization_id: &str,
        form: &RequestForm,
        complete: bool,
    ) -> Result<AccessDraft, AccessError> {
        let apps = self.sandbox_apps(organization_id).await?;
        let errors = check_form(form, |id| apps.iter().any(|(a, _)| a == id), complete);
        if !errors.is_empty() {
            return Err(AccessError::Invalid(errors));
        }
        Ok(AccessDraft {
            application_id: Some(form.application.trim().to_owned()).filter(|a| !a.is_empty()),
            use_case: form.use_case.trim().to_owned(),
            redirect_uris: form.redirect_lines().join("\n"),
            contact_name: form
                .contact_name
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            contact_email: form.contact_email.trim().to_owned(),
            contact_phone: form.contact_phone.trim().to_owned(),
            attestations: form.attestations_stored(),
        })
    }

    /// The request of `organization_id` with id `request_id`, for one of its members.
    async fn own_request(
        &self,
        user_id: &str,
        organization_id: &str,
        request_id: &str,
    ) -> Result<AccessRequestRow, AccessError> {
        self.member(user_id, organization_id).await?;
        self.row(request_id)
            .await?
            .filter(|r| r.organization_id == organization_id)
            .ok_or(AccessError::NotFound)
    }

    async fn row(&self, request_id: &str) -> Result<Option<AccessRequestRow>, AccessError> {
        if request_id.is_empty() || request_id.len() > 64 {
            return Ok(None);
        }
        self.deps
            .store
            .access_request(request_id)
            .await
            .map_err(|e| self.store_error(e))
    }

    fn editable(row: &AccessRequestRow) -> Result<(), AccessError> {
        let state = AccessState::parse(&row.state).unwrap_or(AccessState::Draft);
        if EDITABLE.contains(&state) {
            Ok(())
        } else {
            Err(AccessError::NotEditable(state))
        }
    }

    /// Saves the form of a draft (or of a request whose changes were requested): filled
    /// fields must be right, empty ones may stay empty; nothing is saved on error.
    pub async fn save_draft(
        &self,
        user_id: &str,
        organization_id: &str,
        request_id: &str,
        form: &RequestForm,
    ) -> Result<(), AccessError> {
        let row = self
            .own_request(user_id, organization_id, request_id)
            .await?;
        Self::editable(&row)?;
        let draft = self.checked_draft(organization_id, form, false).await?;
        let states: Vec<&str> = EDITABLE.iter().map(|s| s.as_str()).collect();
        let saved = self
            .deps
            .store
            .save_access_draft(request_id, &draft, &states, self.now().timestamp_millis())
            .await
            .map_err(|e| self.store_error(e))?;
        if saved {
            Ok(())
        } else {
            Err(AccessError::Conflict)
        }
    }

    /// Stores an uploaded document as the next version of its kind (never replacing one):
    /// at most 10 MB, a PDF; its text is extracted now (`done`, or `failed: reason`).
    pub async fn upload(
        &self,
        user_id: &str,
        organization_id: &str,
        request_id: &str,
        kind: DocumentKind,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<DocumentView, AccessError> {
        let row = self
            .own_request(user_id, organization_id, request_id)
            .await?;
        Self::editable(&row)?;
        if let Err((problem, why)) = check_pdf(&bytes) {
            return Err(AccessError::Upload {
                kind,
                problem,
                message: format!("{}: the file {why}", kind.label()),
            });
        }
        let file_name: String = file_name
            .chars()
            .filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '"'))
            .take(200)
            .collect();
        // The text, for the reviewers' policy report. A PDF whose text cannot be read (a
        // scan, a damaged file) is still kept, marked, and the developer is told on the
        // status page; the check itself is `policy_report`.
        let bytes = Arc::new(bytes);
        let (extraction, extracted_text) = match self
            .policy
            .extract("upload.pdf", bytes.clone())
            .await
        {
            Ok(text) => ("done".to_owned(), Some(text.text)),
            Err(e) => {
                tracing::info!(request_id, kind = kind.as_str(), reason = %e, "no text extracted");
                (format!("failed: {e}"), None)
            }
        };
        let bytes = Arc::try_unwrap(bytes).unwrap_or_else(|shared| shared.as_ref().clone());
        let doc = NewAccessDocument {
            request_id: request_id.to_owned(),
            kind: kind.as_str().to_owned(),
            file_name: if file_name.trim().is_empty() {
                format!("{}.pdf", kind.as_str())
            } else {
                file_name
            },
            sha256: Sha256::digest(&bytes).to_vec(),
            bytes,
            extraction,
            extracted_text,
            uploaded_by: user_id.to_owned(),
            uploaded_at: self.now().timestamp_millis(),
        };
        let stored = self
            .deps
            .store
            .insert_access_document(&doc)
            .await
            .map_err(|e| self.store_error(e))?;
        tracing::info!(
            request_id,
            kind = kind.as_str(),
            version = stored.version,
            "document stored"
        );
        Ok(document_view(stored))
    }

    /// A document's file name and bytes: for members of the request's organization and
    /// for staff (requests past the draft).
    pub async fn document(
        &self,
        viewer: &Viewer,
        request_id: &str,
        document_id: i64,
    ) -> Result<(String, Vec<u8>), AccessError> {
        self.visible(viewer, request_id).await?;
        self.deps
            .store
            .access_document_bytes(request_id, document_id)
            .await
            .map_err(|e| self.store_error(e))?
            .ok_or(AccessError::NotFound)
    }

    /// The policy report of one of the request's documents (the same engine as the CLI and
    /// the portal's self-service page), for the same viewers as [`Access::document`]. The
    /// inner error says why the file could not be checked (e.g. a scan without text).
    pub async fn policy_report(
        &self,
        viewer: &Viewer,
        request_id: &str,
        document_id: i64,
    ) -> Result<
        (
            String,
            Result<crate::policy::Checked, crate::policy::PolicyCheckError>,
        ),
        AccessError,
    > {
        let (file_name, bytes) = self.document(viewer, request_id, document_id).await?;
        let checked = self.policy.check(&file_name, Arc::new(bytes)).await;
        Ok((file_name, checked))
    }

    /// The request if the viewer may see it: staff every request past the draft, members
    /// their organization's.
    pub(crate) async fn visible(
        &self,
        viewer: &Viewer,
        request_id: &str,
    ) -> Result<AccessRequestRow, AccessError> {
        let row = self.row(request_id).await?.ok_or(AccessError::NotFound)?;
        if viewer.staff().is_some() {
            if row.state == AccessState::Draft.as_str() {
                return Err(AccessError::NotFound);
            }
            return Ok(row);
        }
        self.member(&viewer.user_id, &row.organization_id).await?;
        Ok(row)
    }

    /// The request's page for the viewer (developer of its organization, or staff).
    pub async fn view(
        &self,
        viewer: &Viewer,
        request_id: &str,
    ) -> Result<RequestView, AccessError> {
        let row = self.visible(viewer, request_id).await?;
        let store = &self.deps.store;
        let documents = store
            .access_documents(request_id)
            .await
            .map_err(|e| self.store_error(e))?
            .into_iter()
            .map(document_view)
            .collect();
        let transitions = store
            .access_transitions(request_id)
            .await
            .map_err(|e| self.store_error(e))?;
        let latest_reason = transitions
            .iter()
            .rev()
            .find(|t| t.role != Role::Developer.as_str() && !t.reason.is_empty())
            .map(|t| t.reason.clone());
        let history = transitions
            .into_iter()
            .map(|t| HistoryEntry {
                from: t.from_state,
                to: t.to_state,
                transition: t.transition,
                actor_id: t.actor_id,
                role: t.role,
                at: when(t.at),
                reason: t.reason,
            })
            .collect();
        let status = status_of(&row)?;
        let actor = self.actor_for(viewer, &row).await?;
        let form = form_of(&row);
        let attestations = CHECKLIST
            .iter()
            .map(|(id, label)| Attestation {
                id,
                label,
                attested: form.attestations.iter().any(|a| a == id),
            })
            .collect();
        Ok(RequestView {
            summary: self.summary(&row),
            application_id: row.application_id.clone(),
            editable: viewer.staff().is_none() && Self::editable(&row).is_ok(),
            moves: status.moves_for(&actor),
            approved_by: row.approved_by.clone(),
            confirmed_by: row.confirmed_by.clone(),
            terms_version: row.terms_version,
            form,
            attestations,
            documents,
            history,
            latest_reason,
        })
    }

    pub(crate) async fn actor_for(
        &self,
        viewer: &Viewer,
        row: &AccessRequestRow,
    ) -> Result<Actor, AccessError> {
        if let Some(role) = viewer.staff() {
            return Ok(Actor::new(viewer.user_id.clone(), role));
        }
        self.member(&viewer.user_id, &row.organization_id).await?;
        Ok(Actor::new(viewer.user_id.clone(), Role::Developer))
    }

    /// Saves the form and submits (or resubmits after requested changes): every field,
    /// both documents, every attestation and the current terms' acceptance are required.
    /// On a problem the form is still saved (nothing typed is lost) and every problem is
    /// reported by field.
    pub async fn submit(
        &self,
        viewer: &Viewer,
        organization_id: &str,
        request_id: &str,
        form: Option<&RequestForm>,
    ) -> Result<(), AccessError> {
        let row = self
            .own_request(&viewer.user_id, organization_id, request_id)
            .await?;
        if let Some(form) = form {
            self.save_draft(&viewer.user_id, organization_id, request_id, form)
                .await?;
        }
        let transition = if row.state == AccessState::ChangesRequested.as_str() {
            Transition::Resubmit
        } else {
            Transition::Submit
        };
        self.transition(request_id, transition, viewer, "").await
    }

    /// What a submission lacks: fields, documents, attestations (by field), or the terms.
    async fn check_complete(&self, row: &AccessRequestRow) -> Result<i64, AccessError> {
        let form = form_of(row);
        let apps = self.sandbox_apps(&row.organization_id).await?;
        let mut errors = check_form(&form, |id| apps.iter().any(|(a, _)| a == id), true);
        let documents = self
            .deps
            .store
            .access_documents(&row.id)
            .await
            .map_err(|e| self.store_error(e))?;
        for kind in DocumentKind::ALL {
            if !documents.iter().any(|d| d.kind == kind.as_str()) {
                errors.push((
                    kind.as_str().to_owned(),
                    format!("{}: upload it to submit the request", kind.label()),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(AccessError::Invalid(errors));
        }
        let terms = self.terms().await?;
        let accepted = self
            .deps
            .store
            .terms_acceptance(&row.organization_id, terms.version)
            .await
            .map_err(|e| self.store_error(e))?;
        if accepted.is_none() {
            return Err(AccessError::TermsNotAccepted {
                version: terms.version,
            });
        }
        Ok(terms.version)
    }

    /// Makes `transition` on a request as `viewer`, with `reason`: the machine's rules
    /// (role, state, four-eyes, reason), a submission's completeness, then one conditional
    /// update with the history row and the other side's notifications. Every move of the
    /// process goes through here (pages, JSON API, and the later demo, concerns and
    /// approval steps).
    pub async fn transition(
        &self,
        request_id: &str,
        transition: Transition,
        viewer: &Viewer,
        reason: &str,
    ) -> Result<(), AccessError> {
        let effect = super::golive::generic_effect(transition)?;
        self.transition_with(request_id, transition, viewer, reason, effect, None)
            .await
    }

    /// [`Access::transition`] with what the move writes besides the status (a booking, the
    /// demo's notes, concerns, responses), in the same transaction; with an invitation, the
    /// e-mails go to its recipients (both sides) with the `.ics` attached.
    pub(crate) async fn transition_with(
        &self,
        request_id: &str,
        transition: Transition,
        viewer: &Viewer,
        reason: &str,
        effect: AccessEffect,
        invite: Option<(Vec<(String, String)>, MailAttachment)>,
    ) -> Result<(), AccessError> {
        let row = self.visible(viewer, request_id).await?;
        let actor = self.actor_for(viewer, &row).await?;
        let status = status_of(&row)?;
        let now = self.now();
        let (next, record) = status
            .transition(transition, &actor, now, reason)
            .map_err(AccessError::Refused)?;
        let mut terms_version = None;
        if matches!(transition, Transition::Submit | Transition::Resubmit) {
            terms_version = Some(self.check_complete(&row).await?);
        }
        let now_ms = now.timestamp_millis();
        let sla = match (record.role.side(), transition) {
            (Side::Developer, Transition::Submit | Transition::Resubmit) => SlaChange::Start {
                started: now_ms,
                due: Sla::FirstResponse
                    .due(&self.calendar(), now)
                    .timestamp_millis(),
            },
            (Side::Team, _) => SlaChange::Stop { at: now_ms },
            _ => SlaChange::Keep,
        };
        let assignee = (transition == Transition::Claim).then(|| Some(viewer.user_id.clone()));
        let approval = next.approval();
        let change = AccessStatusChange {
            request_id: row.id.clone(),
            from_state: row.state.clone(),
            from_approved_by: row.approved_by.clone(),
            from_confirmed_by: row.confirmed_by.clone(),
            to_state: next.state().as_str().to_owned(),
            approved_by: approval.map(|a| a.approved_by.0.clone()),
            confirmed_by: approval.and_then(|a| a.confirmed_by.as_ref().map(|c| c.0.clone())),
            assignee,
            submitted_at: terms_version.map(|_| now_ms),
            terms_version,
            sla,
            transition: transition.as_str().to_owned(),
            actor_id: record.actor.0.clone(),
            role: record.role.as_str().to_owned(),
            at: now_ms,
            reason: record.reason.clone(),
        };
        let text = format!(
            "Production access request for {app} ({org}): {t} by {who}; it is now {to}.{why}",
            app = row.application_name.as_deref().unwrap_or("an app"),
            org = row.organization_name,
            who = viewer.name,
            t = transition.as_str().replace('_', " "),
            to = next.state().as_str().replace('_', " "),
            why = if record.reason.is_empty() {
                String::new()
            } else {
                format!(" Reason: {}", record.reason)
            },
        );
        let text = if transition == Transition::IssueCredentials {
            format!(
                "{text} Your production credentials are ready: a member of your organization can get a one-time link on the request's page (it opens once, within 5 minutes)."
            )
        } else {
            text
        };
        let (notes, mails) = self
            .notices(
                &row,
                record.notify(),
                row.assignee.as_deref(),
                &text,
                now_ms,
            )
            .await?;
        let mails = match invite {
            None => mails,
            Some((recipients, file)) => {
                let (_, mut invited) = self.notes_for(
                    &recipients,
                    &row,
                    &text,
                    &developer_path(&row.organization_id, &row.id),
                    now_ms,
                );
                for m in &mut invited {
                    m.attachments.push(file.clone());
                }
                invited
            }
        };
        let outcome = self
            .deps
            .store
            .apply_access_transition_with(&change, &notes, &mails, &effect)
            .await
            .map_err(|e| self.store_error(e))?;
        match outcome {
            TransitionOutcome::Moved => {}
            TransitionOutcome::Conflict => return Err(AccessError::Conflict),
            TransitionOutcome::SlotTaken => return Err(slot_taken()),
        }
        self.mail.notify();
        tracing::info!(
            request_id,
            transition = transition.as_str(),
            to = next.state().as_str(),
            "production-access transition"
        );
        Ok(())
    }

    /// In-app notifications and e-mails for one side: the developers (every member of the
    /// organization), or the team (the assigned reviewer, else every staff account).
    pub(crate) async fn notices(
        &self,
        row: &AccessRequestRow,
        side: Side,
        assignee: Option<&str>,
        text: &str,
        now_ms: i64,
    ) -> Result<(Vec<NewNotification>, Vec<NewMail>), AccessError> {
        let store = &self.deps.store;
        let (recipients, path): (Vec<(String, String)>, String) = match side {
            Side::Developer => (
                store
                    .members_of(&row.organization_id)
                    .await
                    .map_err(|e| self.store_error(e))?
                    .into_iter()
                    .map(|m| (m.user_id, m.email))
                    .collect(),
                developer_path(&row.organization_id, &row.id),
            ),
            Side::Team => {
                let staff: Vec<StaffRow> = store
                    .staff_members()
                    .await
                    .map_err(|e| self.store_error(e))?;
                let chosen: Vec<(String, String)> = staff
                    .iter()
                    .filter(|s| assignee.is_none_or(|a| a == s.id))
                    .map(|s| (s.id.clone(), s.email.clone()))
                    .collect();
                let chosen = if chosen.is_empty() {
                    staff.into_iter().map(|s| (s.id, s.email)).collect()
                } else {
                    chosen
                };
                (chosen, staff_path(&row.id))
            }
        };
        Ok(self.notes_for(&recipients, row, text, &path, now_ms))
    }

    pub(crate) fn notes_for(
        &self,
        recipients: &[(String, String)],
        row: &AccessRequestRow,
        text: &str,
        path: &str,
        now_ms: i64,
    ) -> (Vec<NewNotification>, Vec<NewMail>) {
        let base = self.portal.settings().base_url;
        let link = format!("{}{path}", base.trim_end_matches('/'));
        let subject = format!(
            "Production access: {}",
            row.application_name
                .as_deref()
                .unwrap_or(&row.organization_name)
        );
        let mut notes = Vec::new();
        let mut mails = Vec::new();
        for (user_id, email) in recipients {
            notes.push(NewNotification {
                user_id: user_id.clone(),
                request_id: Some(row.id.clone()),
                body: text.to_owned(),
                created_at: now_ms,
            });
            mails.push(self.mail.message(
                email,
                &subject,
                format!("Hello,\n\n{text}\n\nSee the request: {link}\n"),
            ));
        }
        (notes, mails)
    }

    /// Staff assign a request to a reviewer (or admin); the assignee is told.
    pub async fn assign(
        &self,
        viewer: &Viewer,
        request_id: &str,
        assignee_id: &str,
    ) -> Result<(), AccessError> {
        if viewer.staff().is_none() {
            return Err(AccessError::StaffOnly);
        }
        let row = self.visible(viewer, request_id).await?;
        let staff = self
            .deps
            .store
            .staff_members()
            .await
            .map_err(|e| self.store_error(e))?;
        let Some(target) = staff.iter().find(|s| s.id == assignee_id) else {
            return Err(AccessError::Invalid(vec![(
                "assignee".into(),
                "must be a reviewer or admin".into(),
            )]));
        };
        if AccessState::parse(&row.state).is_ok_and(AccessState::is_final) {
            return Err(AccessError::NotEditable(
                AccessState::parse(&row.state).unwrap_or(AccessState::Draft),
            ));
        }
        let now_ms = self.now().timestamp_millis();
        let text = format!(
            "{who} assigned you the production access request for {app} ({org}).",
            who = viewer.name,
            app = row.application_name.as_deref().unwrap_or("an app"),
            org = row.organization_name,
        );
        let (notes, mails) = self.notes_for(
            &[(target.id.clone(), target.email.clone())],
            &row,
            &text,
            &staff_path(&row.id),
            now_ms,
        );
        let done = self
            .deps
            .store
            .assign_access_request(request_id, &row.state, assignee_id, now_ms, &notes, &mails)
            .await
            .map_err(|e| self.store_error(e))?;
        if !done {
            return Err(AccessError::Conflict);
        }
        self.mail.notify();
        Ok(())
    }

    /// Every staff account `(id, name or e-mail)` (the assign choice).
    pub async fn reviewers(&self, viewer: &Viewer) -> Result<Vec<(String, String)>, AccessError> {
        if viewer.staff().is_none() {
            return Err(AccessError::StaffOnly);
        }
        Ok(self
            .deps
            .store
            .staff_members()
            .await
            .map_err(|e| self.store_error(e))?
            .into_iter()
            .map(|s| {
                let label = if s.name.is_empty() {
                    s.email
                } else {
                    format!("{} ({})", s.name, s.email)
                };
                (s.id, label)
            })
            .collect())
    }

    /// The reviewer queue: every request past the draft, filtered, by due date (requests
    /// without a running clock after, oldest first).
    pub async fn queue(
        &self,
        viewer: &Viewer,
        filter: &QueueFilter,
    ) -> Result<Vec<RequestSummary>, AccessError> {
        if viewer.staff().is_none() {
            return Err(AccessError::StaffOnly);
        }
        let rows = self
            .deps
            .store
            .access_queue()
            .await
            .map_err(|e| self.store_error(e))?;
        let mut out: Vec<RequestSummary> = rows
            .iter()
            .map(|r| self.summary(r))
            .filter(|s| filter.state.is_none_or(|st| s.state == st))
            .filter(|s| match filter.assignee.as_deref() {
                None | Some("") | Some("any") => true,
                Some("me") => s.assignee.as_deref() == Some(viewer.user_id.as_str()),
                Some("unassigned") => s.assignee.is_none(),
                Some(id) => s.assignee.as_deref() == Some(id),
            })
            .filter(|s| !filter.overdue || s.clock.as_ref().is_some_and(|c| c.overdue))
            .filter(|s| !filter.due_soon || s.clock.as_ref().is_some_and(|c| c.due_soon))
            .collect();
        // Running clocks first by due date; then the others.
        out.sort_by_key(|s| {
            let running = s.clock.as_ref().filter(|c| c.answered.is_none());
            (running.is_none(), running.map(|c| c.due_at))
        });
        Ok(out)
    }

    /// A user's newest notifications (at most 100).
    pub async fn notifications(
        &self,
        viewer: &Viewer,
    ) -> Result<Vec<NotificationView>, AccessError> {
        let staff = viewer.staff().is_some();
        Ok(self
            .deps
            .store
            .notifications_of(&viewer.user_id, 100)
            .await
            .map_err(|e| self.store_error(e))?
            .into_iter()
            .map(|n| NotificationView {
                link: match (&n.request_id, &n.organization_id) {
                    (Some(r), _) if staff => Some(staff_path(r)),
                    (Some(r), Some(o)) => Some(developer_path(o, r)),
                    _ => None,
                },
                body: n.body,
                created: when(n.created_at),
                unread: n.read_at.is_none(),
            })
            .collect())
    }

    /// How many notifications the user has not read.
    pub async fn unread(&self, user_id: &str) -> Result<i64, DomainError> {
        self.deps
            .store
            .unread_notifications(user_id)
            .await
            .map_err(|e| self.portal.store_error(e))
    }

    /// Marks the user's notifications read.
    pub async fn mark_read(&self, user_id: &str) -> Result<(), DomainError> {
        self.deps
            .store
            .mark_notifications_read(user_id, self.now().timestamp_millis())
            .await
            .map(|_| ())
            .map_err(|e| self.portal.store_error(e))
    }
}

fn status_of(row: &AccessRequestRow) -> Result<AccessStatus, AccessError> {
    let state = AccessState::parse(&row.state)
        .map_err(|e| AccessError::Domain(DomainError::invalid("state", e.to_string())))?;
    let approval = row.approved_by.as_ref().map(|a| Approval {
        approved_by: ActorId(a.clone()),
        confirmed_by: row.confirmed_by.clone().map(ActorId),
    });
    AccessStatus::from_parts(state, approval).map_err(AccessError::Refused)
}

fn form_of(row: &AccessRequestRow) -> RequestForm {
    RequestForm {
        application: row.application_id.clone().unwrap_or_default(),
        use_case: row.use_case.clone(),
        redirect_uris: row.redirect_uris.clone(),
        contact_name: row.contact_name.clone(),
        contact_email: row.contact_email.clone(),
        contact_phone: row.contact_phone.clone(),
        attestations: RequestForm::attestations_from(&row.attestations),
    }
}

fn document_view(d: AccessDocumentRow) -> DocumentView {
    DocumentView {
        id: d.id,
        kind: DocumentKind::parse(&d.kind).unwrap_or(DocumentKind::Terms),
        version: d.version,
        file_name: d.file_name,
        sha256: hex::encode(&d.sha256),
        size: d.size,
        extraction: d.extraction,
        uploaded: when(d.uploaded_at),
    }
}

/// The refusal of a booking whose slot went to someone else first.
pub(crate) fn slot_taken() -> AccessError {
    AccessError::Invalid(vec![(
        "slot".into(),
        "that slot was just taken: choose another one".into(),
    )])
}

pub(crate) fn status_of_row(row: &AccessRequestRow) -> Result<AccessStatus, AccessError> {
    status_of(row)
}

pub(crate) fn when_ms(ms: i64) -> String {
    when(ms)
}

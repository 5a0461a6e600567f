//! Policy changes of a live app (issue 7, part 5 — journey J5) as methods of [`Access`]:
//! the developer submits new drafts of the terms and/or privacy policy (PDF, the request
//! documents' checks and text extraction) with the draft notification to enrollees; the
//! change moves through its own machine ([`super::policy_change`]) with the decision clock
//! (5 business days, restarted at resubmission, stopped when the team asks for changes or
//! decides); each move is recorded and notifies the other side (e-mail through the outbox
//! and in the app, in the move's transaction). Until approval the app's published
//! documents stay the old versions; the approval publishes the new ones, dated, in its own
//! transaction ([`Access::published_documents`]). Reviewers read a word diff of old and new
//! text and the policy report of both privacy policies. Pages and the JSON API call these
//! functions. See `docs/design/production-access.md`.

use super::policy_change::{
    ChangeState, ChangeTransition, ChangeTransitionError, check_notice, moves_for, step,
};
use super::request::{DocumentKind, UploadProblem, check_pdf};
use super::service::{
    Access, AccessError, ClockView, DUE_SOON_HOURS, HistoryEntry, Viewer, developer_path,
    staff_path, when_ms,
};
use super::sla::Sla;
use super::state::{AccessState, Role, Side};
use super::word_diff::{WordDiff, word_diff};
use crate::clock::random_alphanumeric;
use crate::policy::{Checked, PolicyCheckError};
use bb_store::{
    AccessRequestRow, ChangeClock, ChangeDocumentRow, NewChangeDocument, NewChangeOutcome, NewMail,
    NewNotification, NewPolicyChange, PolicyChangeMove, PolicyChangeRow, PublishedDocumentRow,
};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::Arc;

/// Why a policy change was refused (409).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeRefusal {
    /// The change's machine refused the move.
    Machine(ChangeTransitionError),
    /// Only a live app can change its published documents.
    NotLive(AccessState),
    /// The request already has an open change.
    OpenExists,
    /// Another move came first.
    Conflict,
}

impl fmt::Display for ChangeRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Machine(e) => write!(f, "{e}"),
            Self::NotLive(state) => write!(
                f,
                "the request is {state}: policy changes are for live apps (before that, update the request's documents)"
            ),
            Self::OpenExists => write!(
                f,
                "this app already has a policy change under review: resubmit or withdraw that one first"
            ),
            Self::Conflict => write!(
                f,
                "someone else moved this policy change first: reload it to see where it stands"
            ),
        }
    }
}

fn refused(r: ChangeRefusal) -> AccessError {
    AccessError::ChangeRefused(r)
}

/// A new draft as uploaded.
#[derive(Clone, Debug)]
pub struct ChangeFile {
    /// Terms or privacy policy.
    pub kind: DocumentKind,
    /// File name as uploaded.
    pub file_name: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// A published document of an app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedDocument {
    /// Terms or privacy policy.
    pub kind: DocumentKind,
    /// `request` (approved with the request) or `change` (an approved policy change).
    pub source: String,
    /// Id in its table (for the download link of its source).
    pub document_id: i64,
    /// The change that published it.
    pub change_id: Option<String>,
    /// Version within the request or the change.
    pub version: i64,
    /// File name.
    pub file_name: String,
    /// SHA-256, hex.
    pub sha256: String,
    /// Publication; `None` while the app has not gone live.
    pub published_at: Option<DateTime<Utc>>,
    /// The same, for people (UTC).
    pub published: Option<String>,
}

/// A policy change in a list or the queue.
#[derive(Clone, Debug)]
pub struct ChangeSummary {
    /// Id.
    pub id: String,
    /// The request.
    pub request_id: String,
    /// Its organization.
    pub organization_id: String,
    /// Organization name.
    pub organization: String,
    /// Application name.
    pub application: String,
    /// State.
    pub state: ChangeState,
    /// Reviewer on it.
    pub assignee: Option<String>,
    /// Their name.
    pub assignee_name: Option<String>,
    /// Submitted (UTC).
    pub submitted: String,
    /// The decision clock (due in 5 business days).
    pub clock: ClockView,
}

/// A draft version.
#[derive(Clone, Debug)]
pub struct ChangeDocumentView {
    /// Id.
    pub id: i64,
    /// Kind.
    pub kind: DocumentKind,
    /// Version within the change.
    pub version: i64,
    /// File name.
    pub file_name: String,
    /// SHA-256, hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: i64,
    /// `done` or `failed: …`.
    pub extraction: String,
    /// Uploaded (UTC).
    pub uploaded: String,
}

/// Old against new for one kind the change carries.
#[derive(Clone, Debug)]
pub struct KindDiff {
    /// Kind.
    pub kind: DocumentKind,
    /// What is published now.
    pub old: Option<PublishedDocument>,
    /// The change's newest draft.
    pub new: ChangeDocumentView,
    /// The word diff of the extracted texts.
    pub diff: Option<WordDiff>,
    /// Why there is no diff (a text could not be extracted).
    pub missing: Option<String>,
}

/// Everything a change's page shows.
#[derive(Clone, Debug)]
pub struct ChangeView {
    /// Summary.
    pub summary: ChangeSummary,
    /// The draft notification to enrollees.
    pub notice: String,
    /// Every draft version, by kind then version.
    pub documents: Vec<ChangeDocumentView>,
    /// History, oldest first.
    pub history: Vec<HistoryEntry>,
    /// The moves the viewer can make now.
    pub moves: Vec<ChangeTransition>,
    /// Per kind: old, new, diff.
    pub diffs: Vec<KindDiff>,
    /// Who decided and when.
    pub decided: Option<(String, String)>,
    /// The latest reason given by the team.
    pub latest_reason: Option<String>,
}

/// A request's published documents and changes (the developer's policy-change page).
#[derive(Clone, Debug)]
pub struct ChangesOverview {
    /// Request id.
    pub request_id: String,
    /// Organization id.
    pub organization_id: String,
    /// Application name.
    pub application: String,
    /// The request's state.
    pub state: AccessState,
    /// What is published now.
    pub published: Vec<PublishedDocument>,
    /// Every change, newest first.
    pub changes: Vec<ChangeSummary>,
    /// A developer may submit a change now (live, none open).
    pub can_submit: bool,
}

/// The policy reports of the published privacy policy and of the change's newest draft.
pub type ReportPair = (
    Option<(String, Result<Checked, PolicyCheckError>)>,
    Option<(String, Result<Checked, PolicyCheckError>)>,
);

/// The developer's page of a change.
pub fn developer_change_path(organization_id: &str, request_id: &str, change_id: &str) -> String {
    format!(
        "{}policy-changes/{change_id}/",
        developer_path(organization_id, request_id)
    )
}

/// The reviewer's page of a change.
pub fn staff_change_path(request_id: &str, change_id: &str) -> String {
    format!("{}policy-changes/{change_id}/", staff_path(request_id))
}

fn published_view(p: PublishedDocumentRow) -> PublishedDocument {
    PublishedDocument {
        kind: DocumentKind::parse(&p.kind).unwrap_or(DocumentKind::Terms),
        source: p.source,
        document_id: p.document_id,
        change_id: p.change_id,
        version: p.version,
        file_name: p.file_name,
        sha256: hex::encode(&p.sha256),
        published_at: p.published_at.and_then(DateTime::from_timestamp_millis),
        published: p.published_at.map(when_ms),
    }
}

fn document_view(d: &ChangeDocumentRow) -> ChangeDocumentView {
    ChangeDocumentView {
        id: d.id,
        kind: DocumentKind::parse(&d.kind).unwrap_or(DocumentKind::Terms),
        version: d.version,
        file_name: d.file_name.clone(),
        sha256: hex::encode(&d.sha256),
        size: d.size,
        extraction: d.extraction.clone(),
        uploaded: when_ms(d.uploaded_at),
    }
}

fn state_of(row: &PolicyChangeRow) -> Result<ChangeState, AccessError> {
    ChangeState::parse(&row.state).ok_or_else(|| {
        AccessError::Domain(crate::DomainError::invalid(
            "state",
            format!("unknown policy-change state {}", row.state),
        ))
    })
}

/// Cleans an uploaded file name as the request documents do.
fn clean_name(raw: &str, kind: DocumentKind) -> String {
    let name: String = raw
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '"'))
        .take(200)
        .collect();
    if name.trim().is_empty() {
        format!("{}.pdf", kind.as_str())
    } else {
        name
    }
}

impl Access {
    /// The decision clock of a change as both sides see it.
    fn change_clock(&self, row: &PolicyChangeRow, state: ChangeState) -> ClockView {
        let calendar = self.calendar();
        let now = self.now();
        let start = DateTime::from_timestamp_millis(row.sla_started_at).unwrap_or(now);
        let due_at = DateTime::from_timestamp_millis(row.sla_due_at).unwrap_or(now);
        let status = Sla::PolicyChangeDecision.status(&calendar, start, now);
        let running = state.clock_runs() && row.sla_stopped_at.is_none();
        let local = due_at.with_timezone(&calendar.time_zone());
        ClockView {
            due: format!(
                "{} ({})",
                when_ms(row.sla_due_at),
                local.format("%a %Y-%m-%d %H:%M %Z")
            ),
            due_at,
            overdue: running && now >= due_at,
            due_soon: running && status.remaining.num_hours() < DUE_SOON_HOURS,
            answered: row.sla_stopped_at.map(when_ms),
            remaining_hours: running
                .then(|| calendar.business_hours_between(now, due_at).num_hours()),
        }
    }

    fn change_summary(&self, row: &PolicyChangeRow) -> ChangeSummary {
        let state = ChangeState::parse(&row.state).unwrap_or(ChangeState::Submitted);
        ChangeSummary {
            id: row.id.clone(),
            request_id: row.request_id.clone(),
            organization_id: row.organization_id.clone(),
            organization: row.organization_name.clone(),
            application: row.application_name.clone().unwrap_or_default(),
            state,
            assignee: row.assignee.clone(),
            assignee_name: row.assignee_name.clone(),
            submitted: when_ms(row.submitted_at),
            clock: self.change_clock(row, state),
        }
    }

    /// The app's published terms and privacy policy with their publication dates: the
    /// versions approved with the request (dated by going live) until an approved policy
    /// change publishes newer ones. Public information (for the directory): no viewer.
    pub async fn published_documents(
        &self,
        request_id: &str,
    ) -> Result<Vec<PublishedDocument>, AccessError> {
        Ok(self
            .deps
            .store
            .published_documents(request_id)
            .await
            .map_err(|e| self.store_error(e))?
            .into_iter()
            .map(published_view)
            .collect())
    }

    /// The request's published documents and its changes, for its developers and staff.
    pub async fn policy_changes(
        &self,
        viewer: &Viewer,
        request_id: &str,
    ) -> Result<ChangesOverview, AccessError> {
        let row = self.visible(viewer, request_id).await?;
        let state = AccessState::parse(&row.state).unwrap_or(AccessState::Draft);
        let changes: Vec<ChangeSummary> = self
            .deps
            .store
            .policy_changes_of(request_id)
            .await
            .map_err(|e| self.store_error(e))?
            .iter()
            .map(|c| self.change_summary(c))
            .collect();
        Ok(ChangesOverview {
            request_id: row.id.clone(),
            organization_id: row.organization_id.clone(),
            application: row.application_name.clone().unwrap_or_default(),
            can_submit: viewer.staff().is_none()
                && state == AccessState::Live
                && !changes.iter().any(|c| c.state.is_open()),
            state,
            published: self.published_documents(request_id).await?,
            changes,
        })
    }

    /// Checks the drafts (each a PDF ≤ 10 MB, at most one per kind) and extracts their
    /// text; the first refused file is the error, by its field.
    async fn checked_files(
        &self,
        viewer: &Viewer,
        files: Vec<ChangeFile>,
        now_ms: i64,
    ) -> Result<Vec<NewChangeDocument>, AccessError> {
        for f in &files {
            if let Err((problem, why)) = check_pdf(&f.bytes) {
                return Err(AccessError::Upload {
                    kind: f.kind,
                    problem,
                    message: format!("{}: the file {why}", f.kind.label()),
                });
            }
        }
        for kind in DocumentKind::ALL {
            if files.iter().filter(|f| f.kind == kind).count() > 1 {
                return Err(AccessError::Upload {
                    kind,
                    problem: UploadProblem::Invalid,
                    message: format!("{}: send one file", kind.label()),
                });
            }
        }
        let mut out = Vec::new();
        for f in files {
            let bytes = Arc::new(f.bytes);
            let (extraction, extracted_text) =
                match self.policy.extract("upload.pdf", bytes.clone()).await {
                    Ok(text) => ("done".to_owned(), Some(text.text)),
                    Err(e) => {
                        tracing::info!(kind = f.kind.as_str(), reason = %e, "no text extracted");
                        (format!("failed: {e}"), None)
                    }
                };
            let bytes = Arc::try_unwrap(bytes).unwrap_or_else(|shared| shared.as_ref().clone());
            out.push(NewChangeDocument {
                kind: f.kind.as_str().to_owned(),
                file_name: clean_name(&f.file_name, f.kind),
                sha256: Sha256::digest(&bytes).to_vec(),
                bytes,
                extraction,
                extracted_text,
                uploaded_by: viewer.user_id.clone(),
                uploaded_at: now_ms,
            });
        }
        Ok(out)
    }

    /// The other side's recipients `(user id, e-mail)` and the link path for them.
    async fn change_recipients(
        &self,
        row: &AccessRequestRow,
        side: Side,
        assignee: Option<&str>,
        change_id: &str,
    ) -> Result<(Vec<(String, String)>, String), AccessError> {
        let store = &self.deps.store;
        Ok(match side {
            Side::Developer => (
                store
                    .members_of(&row.organization_id)
                    .await
                    .map_err(|e| self.store_error(e))?
                    .into_iter()
                    .map(|m| (m.user_id, m.email))
                    .collect(),
                developer_change_path(&row.organization_id, &row.id, change_id),
            ),
            Side::Team => {
                let staff = store
                    .staff_members()
                    .await
                    .map_err(|e| self.store_error(e))?;
                let chosen: Vec<(String, String)> = staff
                    .iter()
                    .filter(|s| assignee.is_some_and(|a| a == s.id))
                    .map(|s| (s.id.clone(), s.email.clone()))
                    .collect();
                let chosen = if chosen.is_empty() {
                    staff.into_iter().map(|s| (s.id, s.email)).collect()
                } else {
                    chosen
                };
                (chosen, staff_change_path(&row.id, change_id))
            }
        })
    }

    async fn change_notices(
        &self,
        row: &AccessRequestRow,
        side: Side,
        assignee: Option<&str>,
        change_id: &str,
        text: &str,
        now_ms: i64,
    ) -> Result<(Vec<NewNotification>, Vec<NewMail>), AccessError> {
        let (recipients, path) = self
            .change_recipients(row, side, assignee, change_id)
            .await?;
        Ok(self.notes_for(&recipients, row, text, &path, now_ms))
    }

    /// A developer of a live app submits a policy change: new drafts (terms and/or privacy
    /// policy) and the notification to enrollees. Nothing is stored on any problem. The
    /// new change's id.
    pub async fn submit_policy_change(
        &self,
        viewer: &Viewer,
        request_id: &str,
        notice: &str,
        files: Vec<ChangeFile>,
    ) -> Result<String, AccessError> {
        let row = self.visible(viewer, request_id).await?;
        if self.actor_for(viewer, &row).await?.role != Role::Developer {
            return Err(AccessError::NotFound);
        }
        let state = AccessState::parse(&row.state).unwrap_or(AccessState::Draft);
        if state != AccessState::Live {
            return Err(refused(ChangeRefusal::NotLive(state)));
        }
        let mut errors = Vec::new();
        let notice = match check_notice(notice) {
            Ok(n) => n,
            Err(e) => {
                errors.push(("notice".to_owned(), e));
                String::new()
            }
        };
        if files.is_empty() {
            errors.push((
                "documents".to_owned(),
                "upload the new terms of service, the new privacy policy, or both".to_owned(),
            ));
        }
        let now = self.now();
        let now_ms = now.timestamp_millis();
        let documents = self.checked_files(viewer, files, now_ms).await?;
        if !errors.is_empty() {
            return Err(AccessError::Invalid(errors));
        }
        let id = random_alphanumeric(self.deps.entropy.as_ref(), 22);
        let due = Sla::PolicyChangeDecision.due(&self.calendar(), now);
        let kinds: Vec<&str> = documents.iter().map(|d| d.kind.as_str()).collect();
        let text = format!(
            "Policy change for {app} ({org}) submitted by {who}: new {what}. A decision is due by {due}.",
            app = row.application_name.as_deref().unwrap_or("an app"),
            org = row.organization_name,
            who = viewer.name,
            what = kinds.join(" and ").replace('_', " "),
            due = when_ms(due.timestamp_millis()),
        );
        let (notes, mails) = self
            .change_notices(&row, Side::Team, None, &id, &text, now_ms)
            .await?;
        let outcome = self
            .deps
            .store
            .insert_policy_change(
                &NewPolicyChange {
                    id: id.clone(),
                    request_id: request_id.to_owned(),
                    notice,
                    submitted_by: viewer.user_id.clone(),
                    submitted_at: now_ms,
                    due_at: due.timestamp_millis(),
                },
                &documents,
                &notes,
                &mails,
            )
            .await
            .map_err(|e| {
                if e.is_conflict_on("access_policy_changes.request_id") {
                    refused(ChangeRefusal::OpenExists)
                } else {
                    self.store_error(e)
                }
            })?;
        match outcome {
            NewChangeOutcome::Created => {}
            NewChangeOutcome::NotLive => return Err(refused(ChangeRefusal::NotLive(state))),
            NewChangeOutcome::OpenExists => return Err(refused(ChangeRefusal::OpenExists)),
        }
        self.mail.notify();
        tracing::info!(request_id, change_id = %id, "policy change submitted");
        Ok(id)
    }

    /// The change `change_id` of a request the viewer may see.
    async fn change_rows(
        &self,
        viewer: &Viewer,
        change_id: &str,
    ) -> Result<(PolicyChangeRow, AccessRequestRow), AccessError> {
        if change_id.is_empty() || change_id.len() > 64 {
            return Err(AccessError::NotFound);
        }
        let change = self
            .deps
            .store
            .policy_change(change_id)
            .await
            .map_err(|e| self.store_error(e))?
            .ok_or(AccessError::NotFound)?;
        let request = self.visible(viewer, &change.request_id).await?;
        Ok((change, request))
    }

    /// A move of a change: `claim`, `request_changes`, `approve`, `reject` (staff),
    /// `withdraw` (developer); `resubmit` keeps the notice and adds no draft (see
    /// [`Access::resubmit_policy_change`]). The approval publishes the newest drafts.
    pub async fn policy_change_move(
        &self,
        viewer: &Viewer,
        change_id: &str,
        transition: ChangeTransition,
        reason: &str,
    ) -> Result<(), AccessError> {
        self.change_move(viewer, change_id, transition, reason, None, Vec::new())
            .await
    }

    /// The developer resubmits after requested changes: the notice (required again) and
    /// any new drafts (each the next version of its kind); the decision clock restarts.
    pub async fn resubmit_policy_change(
        &self,
        viewer: &Viewer,
        change_id: &str,
        notice: &str,
        files: Vec<ChangeFile>,
    ) -> Result<(), AccessError> {
        let notice =
            check_notice(notice).map_err(|e| AccessError::Invalid(vec![("notice".into(), e)]))?;
        self.change_move(
            viewer,
            change_id,
            ChangeTransition::Resubmit,
            "",
            Some(notice),
            files,
        )
        .await
    }

    async fn change_move(
        &self,
        viewer: &Viewer,
        change_id: &str,
        transition: ChangeTransition,
        reason: &str,
        notice: Option<String>,
        files: Vec<ChangeFile>,
    ) -> Result<(), AccessError> {
        let (change, request) = self.change_rows(viewer, change_id).await?;
        let actor = self.actor_for(viewer, &request).await?;
        let from = state_of(&change)?;
        let now = self.now();
        let (to, record) = step(from, transition, &actor, now, reason)
            .map_err(|e| refused(ChangeRefusal::Machine(e)))?;
        let now_ms = now.timestamp_millis();
        let documents = self.checked_files(viewer, files, now_ms).await?;
        let clock = match (transition, record.actor.role.side()) {
            (ChangeTransition::Resubmit, _) => ChangeClock::Restart {
                started: now_ms,
                due: Sla::PolicyChangeDecision
                    .due(&self.calendar(), now)
                    .timestamp_millis(),
            },
            (ChangeTransition::Claim, _) => ChangeClock::Keep,
            (_, Side::Team) => ChangeClock::Stop,
            _ => ChangeClock::Keep,
        };
        let text = format!(
            "Policy change for {app} ({org}): {t} by {who}; it is now {to}.{why}",
            app = request.application_name.as_deref().unwrap_or("an app"),
            org = request.organization_name,
            t = transition.as_str().replace('_', " "),
            who = viewer.name,
            to = to.as_str().replace('_', " "),
            why = if record.reason.is_empty() {
                String::new()
            } else {
                format!(" Reason: {}", record.reason)
            },
        );
        let assignee = change.assignee.clone();
        let (notes, mails) = self
            .change_notices(
                &request,
                record.notify(),
                assignee.as_deref(),
                change_id,
                &text,
                now_ms,
            )
            .await?;
        let m = PolicyChangeMove {
            change_id: change.id.clone(),
            from_state: from.as_str().to_owned(),
            to_state: to.as_str().to_owned(),
            transition: transition.as_str().to_owned(),
            actor_id: viewer.user_id.clone(),
            role: actor.role.as_str().to_owned(),
            at: now_ms,
            reason: record.reason.clone(),
            assignee: (transition == ChangeTransition::Claim).then(|| viewer.user_id.clone()),
            notice,
            clock,
            decided: !to.is_open(),
            publish: to == ChangeState::Approved,
        };
        let moved = self
            .deps
            .store
            .apply_policy_change_move(&m, &documents, &notes, &mails)
            .await
            .map_err(|e| self.store_error(e))?;
        if !moved {
            return Err(refused(ChangeRefusal::Conflict));
        }
        self.mail.notify();
        tracing::info!(
            change_id,
            transition = transition.as_str(),
            to = to.as_str(),
            "policy-change transition"
        );
        Ok(())
    }

    /// A change's page for the viewer: the notice, drafts, history, the viewer's moves and
    /// the word diff of each kind it carries against what is published now.
    pub async fn policy_change(
        &self,
        viewer: &Viewer,
        change_id: &str,
    ) -> Result<ChangeView, AccessError> {
        let (change, request) = self.change_rows(viewer, change_id).await?;
        let actor = self.actor_for(viewer, &request).await?;
        let state = state_of(&change)?;
        let store = &self.deps.store;
        let rows = store
            .change_documents(change_id)
            .await
            .map_err(|e| self.store_error(e))?;
        let transitions = store
            .change_transitions(change_id)
            .await
            .map_err(|e| self.store_error(e))?;
        let published = self.published_documents(&request.id).await?;
        let published_rows = store
            .published_documents(&request.id)
            .await
            .map_err(|e| self.store_error(e))?;
        let mut diffs = Vec::new();
        for kind in DocumentKind::ALL {
            let Some(newest) = rows.iter().rev().find(|d| d.kind == kind.as_str()) else {
                continue;
            };
            let old_row = published_rows.iter().find(|p| p.kind == kind.as_str());
            let old = published.iter().find(|p| p.kind == kind).cloned();
            let (diff, missing) = match (
                old_row.and_then(|o| o.extracted_text.clone()),
                newest.extracted_text.clone(),
            ) {
                (Some(a), Some(b)) => {
                    let d = tokio::task::spawn_blocking(move || word_diff(&a, &b))
                        .await
                        .map_err(|e| {
                            AccessError::Domain(crate::DomainError::invalid("diff", e.to_string()))
                        })?;
                    (Some(d), None)
                }
                (None, _) if old_row.is_none() => (
                    None,
                    Some("nothing of this kind is published yet".to_owned()),
                ),
                (None, _) => (
                    None,
                    Some("the published version's text could not be extracted".to_owned()),
                ),
                (_, None) => (
                    None,
                    Some(format!(
                        "the new draft's text could not be extracted ({})",
                        newest.extraction
                    )),
                ),
            };
            diffs.push(KindDiff {
                kind,
                old,
                new: document_view(newest),
                diff,
                missing,
            });
        }
        let latest_reason = transitions
            .iter()
            .rev()
            .find(|t| t.role != Role::Developer.as_str() && !t.reason.is_empty())
            .map(|t| t.reason.clone());
        Ok(ChangeView {
            summary: self.change_summary(&change),
            notice: change.notice.clone(),
            documents: rows.iter().map(document_view).collect(),
            history: transitions
                .into_iter()
                .map(|t| HistoryEntry {
                    from: t.from_state,
                    to: t.to_state,
                    transition: t.transition,
                    actor_id: t.actor_id,
                    role: t.role,
                    at: when_ms(t.at),
                    reason: t.reason,
                })
                .collect(),
            moves: moves_for(state, actor.role),
            diffs,
            decided: change
                .decided_by
                .clone()
                .zip(change.decided_at.map(when_ms)),
            latest_reason,
        })
    }

    /// A change's draft (file name and bytes), for the viewers of the change.
    pub async fn change_document(
        &self,
        viewer: &Viewer,
        change_id: &str,
        document_id: i64,
    ) -> Result<(String, Vec<u8>), AccessError> {
        self.change_rows(viewer, change_id).await?;
        self.deps
            .store
            .change_document_bytes(change_id, document_id)
            .await
            .map_err(|e| self.store_error(e))?
            .ok_or(AccessError::NotFound)
    }

    /// The policy report of the published privacy policy and of the change's newest
    /// privacy-policy draft (the same engine as everywhere), side by side; both `None` when
    /// the change does not touch the privacy policy.
    pub async fn policy_change_reports(
        &self,
        viewer: &Viewer,
        change_id: &str,
    ) -> Result<ReportPair, AccessError> {
        let (change, request) = self.change_rows(viewer, change_id).await?;
        let store = &self.deps.store;
        let kind = DocumentKind::PrivacyPolicy.as_str();
        let rows = store
            .change_documents(&change.id)
            .await
            .map_err(|e| self.store_error(e))?;
        let Some(newest) = rows.iter().rev().find(|d| d.kind == kind) else {
            return Ok((None, None));
        };
        let new_bytes = store
            .change_document_bytes(&change.id, newest.id)
            .await
            .map_err(|e| self.store_error(e))?;
        let old = store
            .published_documents(&request.id)
            .await
            .map_err(|e| self.store_error(e))?
            .into_iter()
            .find(|p| p.kind == kind);
        let old_bytes = match &old {
            Some(p) if p.source == "change" => store
                .change_document_bytes(p.change_id.as_deref().unwrap_or_default(), p.document_id)
                .await
                .map_err(|e| self.store_error(e))?,
            Some(p) => store
                .access_document_bytes(&request.id, p.document_id)
                .await
                .map_err(|e| self.store_error(e))?,
            None => None,
        };
        let mut out = Vec::new();
        for found in [old_bytes, new_bytes] {
            out.push(match found {
                Some((name, bytes)) => {
                    let checked = self.policy.check(&name, Arc::new(bytes)).await;
                    Some((name, checked))
                }
                None => None,
            });
        }
        let new = out.pop().flatten();
        let old = out.pop().flatten();
        Ok((old, new))
    }

    /// The reviewers' queue of open policy changes, by due date (staff only).
    pub async fn policy_change_queue(
        &self,
        viewer: &Viewer,
    ) -> Result<Vec<ChangeSummary>, AccessError> {
        if viewer.staff().is_none() {
            return Err(AccessError::StaffOnly);
        }
        Ok(self
            .deps
            .store
            .open_policy_changes()
            .await
            .map_err(|e| self.store_error(e))?
            .iter()
            .map(|c| self.change_summary(c))
            .collect())
    }
}

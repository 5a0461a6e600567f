//! Production access (issue 7): the platform's terms of service and their acceptances,
//! production-access requests, their documents (every version kept), transitions and the
//! in-app notifications.
//!
//! A request's status moves only through [`Store::apply_access_transition`]: one
//! transaction whose `UPDATE` is conditional on the state (and the four-eyes columns) the
//! caller read, so of two reviewers moving the same request at once exactly one wins; the
//! history row, the in-app notifications and the e-mails are written in the same
//! transaction, or nothing is.

use crate::portal::{NewMail, insert_mail_tx};
use crate::{Store, StoreError, on_pool};

/// One version of the platform's terms of service.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct TermsRow {
    /// Version number (1, 2, …).
    pub version: i64,
    /// The text (Markdown, shown escaped).
    pub body: String,
    /// SHA-256 of the text.
    pub sha256: Vec<u8>,
    /// Publication time (ms).
    pub published_at: i64,
}

/// An organization's acceptance of a version.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct TermsAcceptanceRow {
    /// Organization.
    pub organization_id: String,
    /// Version accepted.
    pub version: i64,
    /// The owner who accepted.
    pub accepted_by: Option<String>,
    /// When (ms).
    pub accepted_at: i64,
}

/// The form's fields of a request (a draft may leave any of them empty).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessDraft {
    /// The sandbox application the request is for.
    pub application_id: Option<String>,
    /// Use case for enrollees.
    pub use_case: String,
    /// Redirect URIs, one per line.
    pub redirect_uris: String,
    /// Point of contact: name.
    pub contact_name: String,
    /// Point of contact: e-mail.
    pub contact_email: String,
    /// Point of contact: phone.
    pub contact_phone: String,
    /// Checklist ids attested, comma-separated.
    pub attestations: String,
}

/// A new request (a draft).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAccessRequest {
    /// Id.
    pub id: String,
    /// Organization.
    pub organization_id: String,
    /// The form.
    pub draft: AccessDraft,
    /// Initial state (`draft`).
    pub state: String,
    /// Who started it.
    pub created_by: String,
    /// When (ms).
    pub created_at: i64,
}

/// A request as stored, with its organization's and application's names.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AccessRequestRow {
    /// Id.
    pub id: String,
    /// Organization.
    pub organization_id: String,
    /// Its name.
    pub organization_name: String,
    /// Application.
    pub application_id: Option<String>,
    /// Its name.
    pub application_name: Option<String>,
    /// Use case.
    pub use_case: String,
    /// Redirect URIs, one per line.
    pub redirect_uris: String,
    /// Contact name.
    pub contact_name: String,
    /// Contact e-mail.
    pub contact_email: String,
    /// Contact phone.
    pub contact_phone: String,
    /// Checklist ids attested, comma-separated.
    pub attestations: String,
    /// State name.
    pub state: String,
    /// First reviewer of an approval.
    pub approved_by: Option<String>,
    /// Second reviewer of an approval.
    pub confirmed_by: Option<String>,
    /// Reviewer assigned.
    pub assignee: Option<String>,
    /// The assigned reviewer's name.
    pub assignee_name: Option<String>,
    /// Terms of service version accepted at submission.
    pub terms_version: Option<i64>,
    /// Who started it.
    pub created_by: Option<String>,
    /// Created (ms).
    pub created_at: i64,
    /// Last change (ms).
    pub updated_at: i64,
    /// First submission (ms).
    pub submitted_at: Option<i64>,
    /// The first-response clock's start (ms).
    pub sla_started_at: Option<i64>,
    /// Its due time (ms).
    pub sla_due_at: Option<i64>,
    /// When the team answered (ms); the clock stopped.
    pub sla_stopped_at: Option<i64>,
}

/// A document version to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAccessDocument {
    /// Request.
    pub request_id: String,
    /// `terms` or `privacy_policy`.
    pub kind: String,
    /// File name as uploaded.
    pub file_name: String,
    /// The PDF.
    pub bytes: Vec<u8>,
    /// Its SHA-256.
    pub sha256: Vec<u8>,
    /// Extraction status: `pending` until text extraction runs.
    pub extraction: String,
    /// Extracted text, when there is some.
    pub extracted_text: Option<String>,
    /// Uploader.
    pub uploaded_by: String,
    /// When (ms).
    pub uploaded_at: i64,
}

/// A stored document version (without its bytes).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AccessDocumentRow {
    /// Id.
    pub id: i64,
    /// Request.
    pub request_id: String,
    /// `terms` or `privacy_policy`.
    pub kind: String,
    /// 1, 2, … per request and kind.
    pub version: i64,
    /// File name.
    pub file_name: String,
    /// SHA-256.
    pub sha256: Vec<u8>,
    /// Size in bytes.
    pub size: i64,
    /// `pending`, `done` or `failed`.
    pub extraction: String,
    /// Extracted text.
    pub extracted_text: Option<String>,
    /// Uploader.
    pub uploaded_by: Option<String>,
    /// When (ms).
    pub uploaded_at: i64,
}

/// A stored transition.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AccessTransitionRow {
    /// Sequence.
    pub id: i64,
    /// Request.
    pub request_id: String,
    /// State before.
    pub from_state: String,
    /// State after.
    pub to_state: String,
    /// Transition name.
    pub transition: String,
    /// Actor's user id.
    pub actor_id: String,
    /// Actor's role.
    pub role: String,
    /// When (ms).
    pub at: i64,
    /// Why.
    pub reason: String,
}

/// What the first-response clock does on a move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlaChange {
    /// Nothing.
    Keep,
    /// Starts (again) at `started`, due at `due`.
    Start {
        /// Start (ms).
        started: i64,
        /// Due (ms).
        due: i64,
    },
    /// Stops at `at` (kept if it had stopped already).
    Stop {
        /// Stop (ms).
        at: i64,
    },
}

/// One status move, conditional on what the caller read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessStatusChange {
    /// Request.
    pub request_id: String,
    /// State read.
    pub from_state: String,
    /// Approver read.
    pub from_approved_by: Option<String>,
    /// Confirmer read.
    pub from_confirmed_by: Option<String>,
    /// New state.
    pub to_state: String,
    /// New approver.
    pub approved_by: Option<String>,
    /// New confirmer.
    pub confirmed_by: Option<String>,
    /// `Some(x)`: set the assignee to `x`; `None`: keep it.
    pub assignee: Option<Option<String>>,
    /// Set at a submission (kept when `None`).
    pub submitted_at: Option<i64>,
    /// Terms version of a submission (kept when `None`).
    pub terms_version: Option<i64>,
    /// The clock.
    pub sla: SlaChange,
    /// The history row.
    pub transition: String,
    /// Actor.
    pub actor_id: String,
    /// Actor's role.
    pub role: String,
    /// When (ms).
    pub at: i64,
    /// Why.
    pub reason: String,
}

/// An in-app notification to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewNotification {
    /// Recipient.
    pub user_id: String,
    /// About this request.
    pub request_id: Option<String>,
    /// Text.
    pub body: String,
    /// When (ms).
    pub created_at: i64,
}

/// A stored in-app notification.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct NotificationRow {
    /// Id.
    pub id: i64,
    /// Recipient.
    pub user_id: String,
    /// Request.
    pub request_id: Option<String>,
    /// The request's organization (for the link).
    pub organization_id: Option<String>,
    /// Text.
    pub body: String,
    /// When (ms).
    pub created_at: i64,
    /// Read (ms).
    pub read_at: Option<i64>,
}

/// A staff account (reviewer or admin).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct StaffRow {
    /// Id.
    pub id: String,
    /// E-mail.
    pub email: String,
    /// Name.
    pub name: String,
    /// `reviewer` or `admin`.
    pub staff_role: Option<String>,
}

const REQUEST_SELECT: &str = "SELECT r.id, r.organization_id, o.name AS organization_name, \
     r.application_id, a.name AS application_name, r.use_case, r.redirect_uris, \
     r.contact_name, r.contact_email, r.contact_phone, r.attestations, r.state, \
     r.approved_by, r.confirmed_by, r.assignee, u.name AS assignee_name, r.terms_version, \
     r.created_by, r.created_at, r.updated_at, r.submitted_at, r.sla_started_at, \
     r.sla_due_at, r.sla_stopped_at \
     FROM access_requests r JOIN organizations o ON o.id = r.organization_id \
     LEFT JOIN applications a ON a.id = r.application_id \
     LEFT JOIN users u ON u.id = r.assignee";

const DOCUMENT_COLUMNS: &str = "id, request_id, kind, version, file_name, sha256, size, \
     extraction, extracted_text, uploaded_by, uploaded_at";

/// Writes notifications inside `$tx`.
macro_rules! insert_notifications {
    ($tx:expr, $notes:expr) => {{
        for note in $notes {
            sqlx::query(
                "INSERT INTO access_notifications (user_id, request_id, body, created_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(&note.user_id)
            .bind(&note.request_id)
            .bind(&note.body)
            .bind(note.created_at)
            .execute(&mut *$tx)
            .await?;
        }
    }};
}
pub(crate) use insert_notifications;

impl Store {
    /// Publishes a terms version unless that version exists (idempotent at every start):
    /// `true` when it was written now.
    pub async fn ensure_terms_version(&self, terms: &TermsRow) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query(
                "INSERT INTO terms_versions (version, body, sha256, published_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (version) DO NOTHING",
            )
            .bind(terms.version)
            .bind(&terms.body)
            .bind(&terms.sha256)
            .bind(terms.published_at)
            .execute(pool)
            .await?
            .rows_affected() == 1)
        })
    }

    /// The current terms: the highest version published at or before `now`.
    pub async fn current_terms(&self, now: i64) -> Result<Option<TermsRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT version, body, sha256, published_at FROM terms_versions \
                 WHERE published_at <= $1 ORDER BY version DESC LIMIT 1",
            )
            .bind(now)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// Records an acceptance (a second acceptance of the same version keeps the first).
    pub async fn accept_terms(&self, acceptance: &TermsAcceptanceRow) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO terms_acceptances (organization_id, version, accepted_by, accepted_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (organization_id, version) DO NOTHING",
            )
            .bind(&acceptance.organization_id)
            .bind(acceptance.version)
            .bind(&acceptance.accepted_by)
            .bind(acceptance.accepted_at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// An organization's acceptance of a version.
    pub async fn terms_acceptance(
        &self,
        organization_id: &str,
        version: i64,
    ) -> Result<Option<TermsAcceptanceRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT organization_id, version, accepted_by, accepted_at FROM terms_acceptances \
                 WHERE organization_id = $1 AND version = $2",
            )
            .bind(organization_id)
            .bind(version)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// Inserts a new request.
    pub async fn insert_access_request(&self, new: &NewAccessRequest) -> Result<(), StoreError> {
        let d = &new.draft;
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO access_requests (id, organization_id, application_id, use_case, \
                 redirect_uris, contact_name, contact_email, contact_phone, attestations, state, \
                 created_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
            )
            .bind(&new.id)
            .bind(&new.organization_id)
            .bind(&d.application_id)
            .bind(&d.use_case)
            .bind(&d.redirect_uris)
            .bind(&d.contact_name)
            .bind(&d.contact_email)
            .bind(&d.contact_phone)
            .bind(&d.attestations)
            .bind(&new.state)
            .bind(&new.created_by)
            .bind(new.created_at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Saves the form of a request that is in one of `editable` states: `false` when it is
    /// not (any more).
    pub async fn save_access_draft(
        &self,
        id: &str,
        draft: &AccessDraft,
        editable: &[&str],
        now: i64,
    ) -> Result<bool, StoreError> {
        let states = editable.join(",");
        on_pool!(self, pool => {
            Ok(sqlx::query(
                "UPDATE access_requests SET application_id = $1, use_case = $2, redirect_uris = $3, \
                 contact_name = $4, contact_email = $5, contact_phone = $6, attestations = $7, \
                 updated_at = $8 \
                 WHERE id = $9 AND (',' || $10 || ',') LIKE ('%,' || state || ',%')",
            )
            .bind(&draft.application_id)
            .bind(&draft.use_case)
            .bind(&draft.redirect_uris)
            .bind(&draft.contact_name)
            .bind(&draft.contact_email)
            .bind(&draft.contact_phone)
            .bind(&draft.attestations)
            .bind(now)
            .bind(id)
            .bind(&states)
            .execute(pool)
            .await?
            .rows_affected() == 1)
        })
    }

    /// A request.
    pub async fn access_request(&self, id: &str) -> Result<Option<AccessRequestRow>, StoreError> {
        let sql = format!("{REQUEST_SELECT} WHERE r.id = $1");
        on_pool!(self, pool => {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?)
        })
    }

    /// An organization's requests, newest first.
    pub async fn access_requests_of(
        &self,
        organization_id: &str,
    ) -> Result<Vec<AccessRequestRow>, StoreError> {
        let sql = format!(
            "{REQUEST_SELECT} WHERE r.organization_id = $1 ORDER BY r.created_at DESC, r.id"
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(organization_id).fetch_all(pool).await?)
        })
    }

    /// Every request the team sees (all but drafts), by due time then age.
    pub async fn access_queue(&self) -> Result<Vec<AccessRequestRow>, StoreError> {
        let sql = format!(
            "{REQUEST_SELECT} WHERE r.state <> 'draft' \
             ORDER BY CASE WHEN r.sla_due_at IS NULL THEN 1 ELSE 0 END, r.sla_due_at, r.created_at, r.id"
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?)
        })
    }

    /// Stores a document as the next version of its kind for the request (never
    /// overwriting one); the stored row.
    pub async fn insert_access_document(
        &self,
        doc: &NewAccessDocument,
    ) -> Result<AccessDocumentRow, StoreError> {
        let size = i64::try_from(doc.bytes.len()).unwrap_or(i64::MAX);
        let sql = format!(
            "INSERT INTO access_documents (request_id, kind, version, file_name, bytes, sha256, \
             size, extraction, extracted_text, uploaded_by, uploaded_at) \
             VALUES ($1, $2, (SELECT COALESCE(MAX(version), 0) + 1 FROM access_documents \
                              WHERE request_id = $1 AND kind = $2), \
             $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {DOCUMENT_COLUMNS}"
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(&doc.request_id)
                .bind(&doc.kind)
                .bind(&doc.file_name)
                .bind(&doc.bytes)
                .bind(&doc.sha256)
                .bind(size)
                .bind(&doc.extraction)
                .bind(&doc.extracted_text)
                .bind(&doc.uploaded_by)
                .bind(doc.uploaded_at)
                .fetch_one(pool)
                .await?)
        })
    }

    /// Every document version of a request, by kind then version.
    pub async fn access_documents(
        &self,
        request_id: &str,
    ) -> Result<Vec<AccessDocumentRow>, StoreError> {
        let sql = format!(
            "SELECT {DOCUMENT_COLUMNS} FROM access_documents WHERE request_id = $1 ORDER BY kind, version"
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(request_id).fetch_all(pool).await?)
        })
    }

    /// A document's bytes, with its file name.
    pub async fn access_document_bytes(
        &self,
        request_id: &str,
        document_id: i64,
    ) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT file_name, bytes FROM access_documents WHERE request_id = $1 AND id = $2",
            )
            .bind(request_id)
            .bind(document_id)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// Moves a request's status when it is still what the caller read, and writes the
    /// history row, the notifications and the e-mails, in one transaction: `false` (and
    /// nothing written) when another move came first.
    pub async fn apply_access_transition(
        &self,
        change: &AccessStatusChange,
        notifications: &[NewNotification],
        mails: &[NewMail],
    ) -> Result<bool, StoreError> {
        let outcome = self
            .apply_access_transition_with(
                change,
                notifications,
                mails,
                &crate::access_review::AccessEffect::None,
            )
            .await?;
        Ok(outcome == crate::access_review::TransitionOutcome::Moved)
    }

    /// Assigns a request that is in state `state` to a reviewer, with its notifications and
    /// e-mails: `false` (nothing written) when the request is no longer in that state.
    pub async fn assign_access_request(
        &self,
        request_id: &str,
        state: &str,
        assignee: &str,
        now: i64,
        notifications: &[NewNotification],
        mails: &[NewMail],
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let moved = sqlx::query(
                "UPDATE access_requests SET assignee = $1, updated_at = $2 WHERE id = $3 AND state = $4",
            )
            .bind(assignee)
            .bind(now)
            .bind(request_id)
            .bind(state)
            .execute(&mut *tx)
            .await?
            .rows_affected() == 1;
            if !moved {
                tx.rollback().await?;
                return Ok(false);
            }
            insert_notifications!(tx, notifications);
            for mail in mails {
                insert_mail_tx!(tx, mail);
            }
            tx.commit().await?;
            Ok(true)
        })
    }

    /// A request's history, oldest first.
    pub async fn access_transitions(
        &self,
        request_id: &str,
    ) -> Result<Vec<AccessTransitionRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT id, request_id, from_state, to_state, transition, actor_id, role, at, reason \
                 FROM access_transitions WHERE request_id = $1 ORDER BY id",
            )
            .bind(request_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// A user's newest notifications.
    pub async fn notifications_of(
        &self,
        user_id: &str,
        limit: i64,
    ) -> Result<Vec<NotificationRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT n.id, n.user_id, n.request_id, r.organization_id, n.body, n.created_at, n.read_at \
                 FROM access_notifications n LEFT JOIN access_requests r ON r.id = n.request_id \
                 WHERE n.user_id = $1 ORDER BY n.id DESC LIMIT $2",
            )
            .bind(user_id)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }

    /// How many of a user's notifications are unread.
    pub async fn unread_notifications(&self, user_id: &str) -> Result<i64, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar(
                "SELECT count(*) FROM access_notifications WHERE user_id = $1 AND read_at IS NULL",
            )
            .bind(user_id)
            .fetch_one(pool)
            .await?)
        })
    }

    /// Marks every notification of a user read; how many were unread.
    pub async fn mark_notifications_read(
        &self,
        user_id: &str,
        now: i64,
    ) -> Result<u64, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query(
                "UPDATE access_notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL",
            )
            .bind(now)
            .bind(user_id)
            .execute(pool)
            .await?
            .rows_affected())
        })
    }

    /// Every staff account (reviewers and admins), by e-mail.
    pub async fn staff_members(&self) -> Result<Vec<StaffRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT id, email, name, staff_role FROM users WHERE kind = 'staff' ORDER BY email",
            )
            .fetch_all(pool)
            .await?)
        })
    }
}

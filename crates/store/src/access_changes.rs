//! Policy changes of a live app (issue 7, part 5 — journey J5): the change with its draft
//! notification to enrollees and decision clock, every draft document version (never
//! overwritten), the history of moves, and the publications that make an approved
//! change's versions the app's published documents.
//!
//! A change is created only while its request is `live` and only when the request has no
//! other open change (checked in the transaction, guarded by a partial unique index); it
//! moves only through [`Store::apply_policy_change_move`], one transaction whose `UPDATE`
//! is conditional on the state the caller read, with the new drafts, the publication (on
//! approval), the history row, the notifications and the e-mails — or nothing.

use crate::access::NewNotification;
use crate::portal::{NewMail, insert_mail_tx};
use crate::{Store, StoreError, on_pool};

/// A new change (state `submitted`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPolicyChange {
    /// Id.
    pub id: String,
    /// The request (must be `live`).
    pub request_id: String,
    /// The draft notification to enrollees.
    pub notice: String,
    /// The developer.
    pub submitted_by: String,
    /// When (ms).
    pub submitted_at: i64,
    /// The decision's due time (ms).
    pub due_at: i64,
}

/// A draft document to store with a change (the next version of its kind).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewChangeDocument {
    /// `terms` or `privacy_policy`.
    pub kind: String,
    /// File name.
    pub file_name: String,
    /// The PDF.
    pub bytes: Vec<u8>,
    /// Its SHA-256.
    pub sha256: Vec<u8>,
    /// `done` or `failed: reason`.
    pub extraction: String,
    /// Extracted text.
    pub extracted_text: Option<String>,
    /// Uploader.
    pub uploaded_by: String,
    /// When (ms).
    pub uploaded_at: i64,
}

/// A change as stored, with its request's organization and application names.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct PolicyChangeRow {
    /// Id.
    pub id: String,
    /// Request.
    pub request_id: String,
    /// The request's organization.
    pub organization_id: String,
    /// Its name.
    pub organization_name: String,
    /// The application's name.
    pub application_name: Option<String>,
    /// State name.
    pub state: String,
    /// The draft notification to enrollees.
    pub notice: String,
    /// The developer who submitted it.
    pub submitted_by: Option<String>,
    /// When (ms).
    pub submitted_at: i64,
    /// The reviewer who claimed it.
    pub assignee: Option<String>,
    /// Their name.
    pub assignee_name: Option<String>,
    /// The decision clock's start (ms; restarted at resubmission).
    pub sla_started_at: i64,
    /// Its due time (ms).
    pub sla_due_at: i64,
    /// When the team answered (ms): changes requested or decided.
    pub sla_stopped_at: Option<i64>,
    /// Who decided (approve, reject) or withdrew.
    pub decided_by: Option<String>,
    /// When (ms).
    pub decided_at: Option<i64>,
    /// Last change (ms).
    pub updated_at: i64,
}

/// A stored draft document (without its bytes).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ChangeDocumentRow {
    /// Id.
    pub id: i64,
    /// The change.
    pub change_id: String,
    /// `terms` or `privacy_policy`.
    pub kind: String,
    /// 1, 2, … per change and kind.
    pub version: i64,
    /// File name.
    pub file_name: String,
    /// SHA-256.
    pub sha256: Vec<u8>,
    /// Size in bytes.
    pub size: i64,
    /// `done` or `failed: …`.
    pub extraction: String,
    /// Extracted text.
    pub extracted_text: Option<String>,
    /// Uploader.
    pub uploaded_by: Option<String>,
    /// When (ms).
    pub uploaded_at: i64,
}

/// A stored move of a change.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ChangeTransitionRow {
    /// Sequence.
    pub id: i64,
    /// The change.
    pub change_id: String,
    /// State before.
    pub from_state: String,
    /// State after.
    pub to_state: String,
    /// Move.
    pub transition: String,
    /// Who.
    pub actor_id: String,
    /// In which role.
    pub role: String,
    /// When (ms).
    pub at: i64,
    /// Why.
    pub reason: String,
}

/// What a move does to the decision clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeClock {
    /// Nothing.
    Keep,
    /// Starts again (resubmission) at `started`, due at `due`.
    Restart {
        /// Start (ms).
        started: i64,
        /// Due (ms).
        due: i64,
    },
    /// Stops (the team answered).
    Stop,
}

/// One move of a change, conditional on the state the caller read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyChangeMove {
    /// The change.
    pub change_id: String,
    /// State read.
    pub from_state: String,
    /// New state.
    pub to_state: String,
    /// The move's name.
    pub transition: String,
    /// Who.
    pub actor_id: String,
    /// Role.
    pub role: String,
    /// When (ms).
    pub at: i64,
    /// Why.
    pub reason: String,
    /// Set the assignee (a claim).
    pub assignee: Option<String>,
    /// A new notice (a resubmission).
    pub notice: Option<String>,
    /// The clock.
    pub clock: ChangeClock,
    /// The change is decided (approved, rejected, withdrawn): record who and when.
    pub decided: bool,
    /// Approval: the change's newest version of each kind becomes published at `at`.
    pub publish: bool,
}

/// How a creation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewChangeOutcome {
    /// Stored.
    Created,
    /// The request is not live; nothing written.
    NotLive,
    /// The request already has an open change; nothing written.
    OpenExists,
}

/// A published document of a request: the version approved with the request (published
/// when the app went live) or the newest approved change's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedDocumentRow {
    /// `terms` or `privacy_policy`.
    pub kind: String,
    /// `request` (an `access_documents` id) or `change` (an `access_change_documents` id).
    pub source: String,
    /// The document's id in its table.
    pub document_id: i64,
    /// The change that published it.
    pub change_id: Option<String>,
    /// Version within the request or the change.
    pub version: i64,
    /// File name.
    pub file_name: String,
    /// SHA-256.
    pub sha256: Vec<u8>,
    /// Extracted text.
    pub extracted_text: Option<String>,
    /// Publication (ms); `None` while the app has not gone live.
    pub published_at: Option<i64>,
}

const CHANGE_SELECT: &str = "SELECT c.id, c.request_id, r.organization_id, o.name AS organization_name, \
     a.name AS application_name, c.state, c.notice, c.submitted_by, c.submitted_at, c.assignee, \
     u.name AS assignee_name, c.sla_started_at, c.sla_due_at, c.sla_stopped_at, c.decided_by, \
     c.decided_at, c.updated_at \
     FROM access_policy_changes c JOIN access_requests r ON r.id = c.request_id \
     JOIN organizations o ON o.id = r.organization_id \
     LEFT JOIN applications a ON a.id = r.application_id \
     LEFT JOIN users u ON u.id = c.assignee";

const CHANGE_DOC_COLUMNS: &str = "id, change_id, kind, version, file_name, sha256, size, \
     extraction, extracted_text, uploaded_by, uploaded_at";

const OPEN_STATES: &str = "('submitted', 'in_review', 'changes_requested')";

/// Inserts the drafts of change `$change` inside `$tx`, each the next version of its kind.
macro_rules! insert_change_documents {
    ($tx:expr, $change:expr, $docs:expr) => {{
        for d in $docs {
            sqlx::query(
                "INSERT INTO access_change_documents (change_id, kind, version, file_name, bytes, \
                 sha256, size, extraction, extracted_text, uploaded_by, uploaded_at) \
                 VALUES ($1, $2, (SELECT COALESCE(MAX(version), 0) + 1 FROM access_change_documents \
                                  WHERE change_id = $1 AND kind = $2), \
                 $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind($change)
            .bind(&d.kind)
            .bind(&d.file_name)
            .bind(&d.bytes)
            .bind(&d.sha256)
            .bind(i64::try_from(d.bytes.len()).unwrap_or(i64::MAX))
            .bind(&d.extraction)
            .bind(&d.extracted_text)
            .bind(&d.uploaded_by)
            .bind(d.uploaded_at)
            .execute(&mut *$tx)
            .await?;
        }
    }};
}

/// Writes a history row inside `$tx`.
macro_rules! insert_change_transition {
    ($tx:expr, $change:expr, $from:expr, $to:expr, $t:expr, $actor:expr, $role:expr, $at:expr, $reason:expr) => {{
        sqlx::query(
            "INSERT INTO access_change_transitions (change_id, from_state, to_state, transition, \
             actor_id, role, at, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind($change)
        .bind($from)
        .bind($to)
        .bind($t)
        .bind($actor)
        .bind($role)
        .bind($at)
        .bind($reason)
        .execute(&mut *$tx)
        .await?;
        let record = crate::audit::transition_record(
            "access.policy_change.transition",
            &format!("change={}", $change),
            $from,
            $to,
            $t,
            $actor,
            $role,
            $at,
        );
        crate::audit::append_audit_tx!($tx, std::slice::from_ref(&record));
    }};
}

impl Store {
    /// Creates a change with its drafts, its first history row (`submit`), the
    /// notifications and the e-mails, in one transaction — if the request is `live` and has
    /// no open change; otherwise nothing is written.
    pub async fn insert_policy_change(
        &self,
        change: &NewPolicyChange,
        documents: &[NewChangeDocument],
        notifications: &[NewNotification],
        mails: &[NewMail],
    ) -> Result<NewChangeOutcome, StoreError> {
        let open_sql = format!(
            "SELECT COUNT(*) FROM access_policy_changes WHERE request_id = $1 AND state IN {OPEN_STATES}"
        );
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            // Lock the request's row (PostgreSQL) and read its state.
            let live = sqlx::query(
                "UPDATE access_requests SET updated_at = updated_at WHERE id = $1 AND state = 'live'",
            )
            .bind(&change.request_id)
            .execute(&mut *tx)
            .await?
            .rows_affected() == 1;
            if !live {
                tx.rollback().await?;
                return Ok(NewChangeOutcome::NotLive);
            }
            let open: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(open_sql.clone()))
                .bind(&change.request_id)
                .fetch_one(&mut *tx)
                .await?;
            if open > 0 {
                tx.rollback().await?;
                return Ok(NewChangeOutcome::OpenExists);
            }
            sqlx::query(
                "INSERT INTO access_policy_changes (id, request_id, state, notice, submitted_by, \
                 submitted_at, sla_started_at, sla_due_at, updated_at) \
                 VALUES ($1, $2, 'submitted', $3, $4, $5, $5, $6, $5)",
            )
            .bind(&change.id)
            .bind(&change.request_id)
            .bind(&change.notice)
            .bind(&change.submitted_by)
            .bind(change.submitted_at)
            .bind(change.due_at)
            .execute(&mut *tx)
            .await?;
            insert_change_documents!(tx, &change.id, documents);
            insert_change_transition!(
                tx, &change.id, "", "submitted", "submit", &change.submitted_by, "developer",
                change.submitted_at, ""
            );
            crate::access::insert_notifications!(tx, notifications);
            for mail in mails {
                insert_mail_tx!(tx, mail);
            }
            tx.commit().await?;
            Ok(NewChangeOutcome::Created)
        })
    }

    /// Moves a change when it is still in the state the caller read, with its new drafts,
    /// the publication (approval), the history row, notifications and e-mails, in one
    /// transaction: `false` (nothing written) when another move came first.
    pub async fn apply_policy_change_move(
        &self,
        m: &PolicyChangeMove,
        documents: &[NewChangeDocument],
        notifications: &[NewNotification],
        mails: &[NewMail],
    ) -> Result<bool, StoreError> {
        let (mode, started, due) = match m.clock {
            ChangeClock::Keep => (0_i64, None, None),
            ChangeClock::Restart { started, due } => (1, Some(started), Some(due)),
            ChangeClock::Stop => (2, None, None),
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let moved = sqlx::query(
                "UPDATE access_policy_changes SET state = $1, updated_at = $2, \
                 assignee = COALESCE($3, assignee), notice = COALESCE($4, notice), \
                 sla_started_at = CASE WHEN $5 = 1 THEN $6 ELSE sla_started_at END, \
                 sla_due_at = CASE WHEN $5 = 1 THEN $7 ELSE sla_due_at END, \
                 sla_stopped_at = CASE WHEN $5 = 1 THEN NULL \
                                       WHEN $5 = 2 THEN COALESCE(sla_stopped_at, $2) \
                                       ELSE sla_stopped_at END, \
                 decided_by = CASE WHEN $8 THEN $9 ELSE decided_by END, \
                 decided_at = CASE WHEN $8 THEN $2 ELSE decided_at END \
                 WHERE id = $10 AND state = $11",
            )
            .bind(&m.to_state)
            .bind(m.at)
            .bind(&m.assignee)
            .bind(&m.notice)
            .bind(mode)
            .bind(started)
            .bind(due)
            .bind(m.decided)
            .bind(&m.actor_id)
            .bind(&m.change_id)
            .bind(&m.from_state)
            .execute(&mut *tx)
            .await?
            .rows_affected() == 1;
            if !moved {
                tx.rollback().await?;
                return Ok(false);
            }
            insert_change_documents!(tx, &m.change_id, documents);
            if m.publish {
                sqlx::query(
                    "INSERT INTO access_publications (request_id, kind, change_id, document_id, published_at) \
                     SELECT c.request_id, d.kind, d.change_id, d.id, $1 \
                     FROM access_change_documents d JOIN access_policy_changes c ON c.id = d.change_id \
                     WHERE d.change_id = $2 AND d.version = (SELECT MAX(x.version) FROM access_change_documents x \
                                                             WHERE x.change_id = d.change_id AND x.kind = d.kind) \
                     ORDER BY d.kind",
                )
                .bind(m.at)
                .bind(&m.change_id)
                .execute(&mut *tx)
                .await?;
            }
            insert_change_transition!(
                tx, &m.change_id, &m.from_state, &m.to_state, &m.transition, &m.actor_id, &m.role,
                m.at, &m.reason
            );
            crate::access::insert_notifications!(tx, notifications);
            for mail in mails {
                insert_mail_tx!(tx, mail);
            }
            tx.commit().await?;
            Ok(true)
        })
    }

    /// One change.
    pub async fn policy_change(&self, id: &str) -> Result<Option<PolicyChangeRow>, StoreError> {
        let sql = format!("{CHANGE_SELECT} WHERE c.id = $1");
        on_pool!(self, pool => {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?)
        })
    }

    /// A request's changes, newest first.
    pub async fn policy_changes_of(
        &self,
        request_id: &str,
    ) -> Result<Vec<PolicyChangeRow>, StoreError> {
        let sql =
            format!("{CHANGE_SELECT} WHERE c.request_id = $1 ORDER BY c.submitted_at DESC, c.id");
        on_pool!(self, pool => {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(request_id).fetch_all(pool).await?)
        })
    }

    /// Every open change (the reviewers' queue), by due date.
    pub async fn open_policy_changes(&self) -> Result<Vec<PolicyChangeRow>, StoreError> {
        let sql =
            format!("{CHANGE_SELECT} WHERE c.state IN {OPEN_STATES} ORDER BY c.sla_due_at, c.id");
        on_pool!(self, pool => {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?)
        })
    }

    /// A change's drafts, by kind then version.
    pub async fn change_documents(
        &self,
        change_id: &str,
    ) -> Result<Vec<ChangeDocumentRow>, StoreError> {
        let sql = format!(
            "SELECT {CHANGE_DOC_COLUMNS} FROM access_change_documents WHERE change_id = $1 \
             ORDER BY kind, version"
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(change_id).fetch_all(pool).await?)
        })
    }

    /// A draft's file name and bytes.
    pub async fn change_document_bytes(
        &self,
        change_id: &str,
        document_id: i64,
    ) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT file_name, bytes FROM access_change_documents WHERE change_id = $1 AND id = $2",
            )
            .bind(change_id)
            .bind(document_id)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// A change's history, oldest first.
    pub async fn change_transitions(
        &self,
        change_id: &str,
    ) -> Result<Vec<ChangeTransitionRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT id, change_id, from_state, to_state, transition, actor_id, role, at, reason \
                 FROM access_change_transitions WHERE change_id = $1 ORDER BY id",
            )
            .bind(change_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// The request's published documents, one per kind that has one: the newest
    /// publication of an approved change, else the request's newest version of that kind
    /// (the one approved with it), dated by the app's first `go_live` (none before).
    pub async fn published_documents(
        &self,
        request_id: &str,
    ) -> Result<Vec<PublishedDocumentRow>, StoreError> {
        type Published = (
            String,
            i64,
            String,
            i64,
            String,
            Vec<u8>,
            Option<String>,
            i64,
        );
        type Base = (String, i64, i64, String, Vec<u8>, Option<String>);
        on_pool!(self, pool => {
            let published: Vec<Published> = sqlx::query_as(
                "SELECT p.kind, d.id, d.change_id, d.version, d.file_name, d.sha256, d.extracted_text, \
                 p.published_at FROM access_publications p \
                 JOIN access_change_documents d ON d.id = p.document_id \
                 WHERE p.request_id = $1 AND p.id = (SELECT MAX(q.id) FROM access_publications q \
                                                    WHERE q.request_id = p.request_id AND q.kind = p.kind) \
                 ORDER BY p.kind",
            )
            .bind(request_id)
            .fetch_all(pool)
            .await?;
            let base: Vec<Base> = sqlx::query_as(
                "SELECT d.kind, d.id, d.version, d.file_name, d.sha256, d.extracted_text \
                 FROM access_documents d WHERE d.request_id = $1 \
                 AND d.version = (SELECT MAX(x.version) FROM access_documents x \
                                  WHERE x.request_id = d.request_id AND x.kind = d.kind) \
                 ORDER BY d.kind",
            )
            .bind(request_id)
            .fetch_all(pool)
            .await?;
            let live: Option<i64> = sqlx::query_scalar(
                "SELECT MIN(at) FROM access_transitions WHERE request_id = $1 AND transition = 'go_live'",
            )
            .bind(request_id)
            .fetch_one(pool)
            .await?;
            let mut out: Vec<PublishedDocumentRow> = published
                .into_iter()
                .map(|(kind, document_id, change_id, version, file_name, sha256, extracted_text, at)| {
                    PublishedDocumentRow {
                        kind,
                        source: "change".into(),
                        document_id,
                        change_id: Some(change_id),
                        version,
                        file_name,
                        sha256,
                        extracted_text,
                        published_at: Some(at),
                    }
                })
                .collect();
            for (kind, document_id, version, file_name, sha256, extracted_text) in base {
                if out.iter().any(|p| p.kind == kind) {
                    continue;
                }
                out.push(PublishedDocumentRow {
                    kind,
                    source: "request".into(),
                    document_id,
                    change_id: None,
                    version,
                    file_name,
                    sha256,
                    extracted_text,
                    published_at: live,
                });
            }
            out.sort_by(|a, b| a.kind.cmp(&b.kind));
            Ok(out)
        })
    }
}

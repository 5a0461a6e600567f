//! Policy changes over JSON (issue 7, part 5 — journey J5), on the same domain functions as
//! the pages (`bb_domain::access::Access`, `changes.rs`):
//!
//! | method and path | what |
//! |---|---|
//! | `GET /v2/access/requests/{id}/published-documents` | the app's published terms and privacy policy with their dates |
//! | `GET /v2/access/requests/{id}/policy-changes` | published documents, changes, whether a change can be submitted |
//! | `POST /v2/access/requests/{id}/policy-changes` | developer, multipart: `notice`, `terms` and/or `privacy_policy` PDFs (201; 400/413/415 by field; 409 not live or one open) |
//! | `GET /v2/access/policy-changes/{change}` | the change: notice, drafts, history, moves, word diffs |
//! | `POST /v2/access/policy-changes/{change}/transitions` | `{transition, reason}`: claim, request_changes, approve, reject (staff), withdraw (developer) |
//! | `POST /v2/access/policy-changes/{change}/resubmit` | developer, multipart: `notice` and new drafts |
//! | `GET /v2/staff/access/policy-changes` | staff: open changes by decision due date |
//!
//! Authentication and errors as in [`crate::access_api`]: the portal session cookie, the
//! session's CSRF value in `X-CSRF-Token` on changes, `{"detail"}` or `{"detail", "errors"}`
//! (a refused file also names its field in `errors`).

use crate::AppState;
use crate::access_api::{error, session, viewer};
use crate::errors::detail;
use crate::portal::{ACCESS_UPLOAD_LIMIT, upload_status};
use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bb_domain::access::AccessError;
use bb_domain::access::changes::{ChangeFile, ChangeSummary, ChangeView, PublishedDocument};
use bb_domain::access::policy_change::ChangeTransition;
use bb_domain::access::request::{DOCUMENT_MAX_BYTES, DocumentKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub(crate) fn routes() -> Router<AppState> {
    let uploads = Router::new()
        .route(
            "/v2/access/requests/{id}/policy-changes",
            get(overview).post(submit),
        )
        .route(
            "/v2/access/policy-changes/{change}/resubmit",
            post(resubmit),
        )
        .layer(DefaultBodyLimit::max(ACCESS_UPLOAD_LIMIT));
    Router::new()
        .route(
            "/v2/access/requests/{id}/published-documents",
            get(published),
        )
        .route("/v2/access/policy-changes/{change}", get(read))
        .route(
            "/v2/access/policy-changes/{change}/transitions",
            post(transition),
        )
        .route("/v2/staff/access/policy-changes", get(queue))
        .layer(DefaultBodyLimit::max(64 * 1024))
        .merge(uploads)
}

/// The policy-change operations of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(published, overview, submit, read, transition, resubmit, queue))]
pub(crate) struct PolicyChangeApi;

/// A published document.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct PublishedBody {
    /// `terms` or `privacy_policy`.
    kind: String,
    /// `request` (approved with the request) or `change` (an approved policy change).
    source: String,
    document_id: i64,
    change_id: Option<String>,
    version: i64,
    file_name: String,
    sha256: String,
    /// RFC 3339; null while the app has not gone live.
    published_at: Option<String>,
}

/// A change in a list.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ChangeSummaryBody {
    id: String,
    request_id: String,
    organization_id: String,
    organization: String,
    application: String,
    /// submitted, in_review, changes_requested, approved, rejected, withdrawn.
    state: String,
    assignee: Option<String>,
    /// RFC 3339: 5 business days after (re)submission.
    decision_due: String,
    overdue: bool,
    answered: Option<String>,
}

/// A request's published documents and changes.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct OverviewBody {
    request_id: String,
    state: String,
    published: Vec<PublishedBody>,
    changes: Vec<ChangeSummaryBody>,
    /// The caller may submit a change now (a developer; the app live; none open).
    can_submit: bool,
}

/// A draft version.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct DraftBody {
    id: i64,
    kind: String,
    version: i64,
    file_name: String,
    sha256: String,
    size: i64,
    /// `done` or `failed: reason`.
    extraction: String,
    uploaded: String,
}

/// A run of words of a diff.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SegmentBody {
    /// `equal`, `insert` or `delete`.
    op: &'static str,
    text: String,
}

/// Old against new for one document kind.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct DiffBody {
    kind: String,
    old: Option<PublishedBody>,
    new_document_id: i64,
    inserted: usize,
    deleted: usize,
    unchanged: usize,
    segments: Vec<SegmentBody>,
    /// Why there is no diff (a text could not be extracted, nothing published).
    missing: Option<String>,
}

/// A history row.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ChangeHistoryBody {
    transition: String,
    from: String,
    to: String,
    actor_id: String,
    role: String,
    at: String,
    reason: String,
}

/// A policy change.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ChangeBody {
    #[serde(flatten)]
    summary: ChangeSummaryBody,
    /// The draft notification to enrollees.
    notice: String,
    documents: Vec<DraftBody>,
    history: Vec<ChangeHistoryBody>,
    /// The moves the caller can make now.
    moves: Vec<String>,
    diffs: Vec<DiffBody>,
}

/// A move.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct ChangeMoveBody {
    /// claim, request_changes, approve, reject, withdraw.
    transition: String,
    /// Required by request_changes and reject.
    #[serde(default)]
    reason: String,
}

/// Problems by field.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ChangeProblemsBody {
    detail: String,
    errors: BTreeMap<String, String>,
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn published_body(p: PublishedDocument) -> PublishedBody {
    PublishedBody {
        kind: p.kind.as_str().to_owned(),
        source: p.source,
        document_id: p.document_id,
        change_id: p.change_id,
        version: p.version,
        file_name: p.file_name,
        sha256: p.sha256,
        published_at: p.published_at.map(rfc3339),
    }
}

fn summary_body(s: ChangeSummary) -> ChangeSummaryBody {
    ChangeSummaryBody {
        decision_due: rfc3339(s.clock.due_at),
        overdue: s.clock.overdue,
        answered: s.clock.answered.clone(),
        id: s.id,
        request_id: s.request_id,
        organization_id: s.organization_id,
        organization: s.organization,
        application: s.application,
        state: s.state.as_str().to_owned(),
        assignee: s.assignee,
    }
}

fn change_body(v: ChangeView) -> ChangeBody {
    ChangeBody {
        summary: summary_body(v.summary),
        notice: v.notice,
        documents: v
            .documents
            .into_iter()
            .map(|d| DraftBody {
                id: d.id,
                kind: d.kind.as_str().to_owned(),
                version: d.version,
                file_name: d.file_name,
                sha256: d.sha256,
                size: d.size,
                extraction: d.extraction,
                uploaded: d.uploaded,
            })
            .collect(),
        history: v
            .history
            .into_iter()
            .map(|h| ChangeHistoryBody {
                transition: h.transition,
                from: h.from,
                to: h.to,
                actor_id: h.actor_id,
                role: h.role,
                at: h.at,
                reason: h.reason,
            })
            .collect(),
        moves: v.moves.iter().map(|t| t.as_str().to_owned()).collect(),
        diffs: v
            .diffs
            .into_iter()
            .map(|d| {
                let (inserted, deleted, unchanged, segments) = match d.diff {
                    Some(w) => (
                        w.inserted,
                        w.deleted,
                        w.unchanged,
                        w.segments
                            .into_iter()
                            .map(|s| SegmentBody {
                                op: s.op.as_str(),
                                text: s.text,
                            })
                            .collect(),
                    ),
                    None => (0, 0, 0, Vec::new()),
                };
                DiffBody {
                    kind: d.kind.as_str().to_owned(),
                    old: d.old.map(published_body),
                    new_document_id: d.new.id,
                    inserted,
                    deleted,
                    unchanged,
                    segments,
                    missing: d.missing,
                }
            })
            .collect(),
    }
}

/// Errors: a refused file names its field; the rest as in the access API.
fn change_error(e: AccessError) -> Response {
    match e {
        AccessError::Upload {
            kind,
            problem,
            message,
        } => (
            upload_status(problem),
            Json(ChangeProblemsBody {
                detail: message.clone(),
                errors: BTreeMap::from([(kind.as_str().to_owned(), message)]),
            }),
        )
            .into_response(),
        other => error(other),
    }
}

/// The drafts and notice of a multipart body.
async fn read_drafts(mut multipart: Multipart) -> Result<(String, Vec<ChangeFile>), Response> {
    let too_large = |kind: &str| {
        let message = format!(
            "the file is larger than {} MB: upload a smaller PDF",
            DOCUMENT_MAX_BYTES / (1024 * 1024)
        );
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            Json(ChangeProblemsBody {
                detail: message.clone(),
                errors: BTreeMap::from([(kind.to_owned(), message)]),
            }),
        )
            .into_response()
    };
    let unreadable = || {
        detail(
            StatusCode::BAD_REQUEST,
            "The multipart body could not be read.",
        )
    };
    let mut notice = String::new();
    let mut files = Vec::new();
    loop {
        let mut part = match multipart.next_field().await {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large("file")),
            Err(_) => return Err(unreadable()),
        };
        let name = part.name().unwrap_or_default().to_owned();
        if let Some(kind) = DocumentKind::parse(&name) {
            let file_name = part.file_name().unwrap_or_default().to_owned();
            let mut bytes = Vec::new();
            loop {
                match part.chunk().await {
                    Ok(Some(chunk)) => {
                        if bytes.len() + chunk.len() > DOCUMENT_MAX_BYTES {
                            return Err(too_large(kind.as_str()));
                        }
                        bytes.extend_from_slice(&chunk);
                    }
                    Ok(None) => break,
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        return Err(too_large(kind.as_str()));
                    }
                    Err(_) => return Err(unreadable()),
                }
            }
            files.push(ChangeFile {
                kind,
                file_name,
                bytes,
            });
        } else if name == "notice" {
            match part.text().await {
                Ok(t) if t.len() <= 64 * 1024 => notice = t,
                _ => return Err(unreadable()),
            }
        }
    }
    Ok((notice, files))
}

async fn change_response(
    state: &AppState,
    s: &bb_domain::portal::PortalSession,
    change: &str,
    status: StatusCode,
) -> Response {
    match state
        .services
        .access
        .policy_change(&viewer(s), change)
        .await
    {
        Ok(v) => (status, Json(change_body(v))).into_response(),
        Err(e) => change_error(e),
    }
}

/// The app's published documents with their publication dates.
#[utoipa::path(get, path = "/v2/access/requests/{id}/published-documents", operation_id = "accessPublishedDocuments", tag = "Production access",
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "One per kind: the request's approved version (dated by going live) or the newest approved policy change's.", body = [PublishedBody]), (status = 404, description = "Not visible to the caller.", body = bb_proto::DetailBody)))]
pub(crate) async fn published(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let s = match session(&state, &headers, false).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state.services.access.policy_changes(&viewer(&s), &id).await {
        Ok(o) => Json(
            o.published
                .into_iter()
                .map(published_body)
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => change_error(e),
    }
}

/// A request's published documents and policy changes.
#[utoipa::path(get, path = "/v2/access/requests/{id}/policy-changes", operation_id = "accessPolicyChanges", tag = "Production access",
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "Published documents and changes, newest first.", body = OverviewBody), (status = 404, description = "Not visible to the caller.", body = bb_proto::DetailBody)))]
pub(crate) async fn overview(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let s = match session(&state, &headers, false).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state.services.access.policy_changes(&viewer(&s), &id).await {
        Ok(o) => Json(OverviewBody {
            request_id: o.request_id,
            state: o.state.as_str().to_owned(),
            published: o.published.into_iter().map(published_body).collect(),
            changes: o.changes.into_iter().map(summary_body).collect(),
            can_submit: o.can_submit,
        })
        .into_response(),
        Err(e) => change_error(e),
    }
}

/// Submits a policy change of a live app: new drafts and the notification to enrollees.
#[utoipa::path(post, path = "/v2/access/requests/{id}/policy-changes", operation_id = "accessSubmitPolicyChange", tag = "Production access",
    params(("id" = String, Path, description = "Request id")),
    request_body(content_type = "multipart/form-data", description = "Parts `notice` (text, ≤ 4000 characters), `terms` and/or `privacy_policy` (PDF, ≤ 10 MB each)."),
    responses((status = 201, description = "Submitted; the decision is due in 5 business days.", body = ChangeBody), (status = 400, description = "Notice missing or too long, no document, or a damaged PDF; by field.", body = ChangeProblemsBody), (status = 413, description = "A file over 10 MB.", body = ChangeProblemsBody), (status = 415, description = "Not a PDF.", body = ChangeProblemsBody), (status = 409, description = "The app is not live, or a change is already open.", body = bb_proto::DetailBody)))]
pub(crate) async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Response {
    let s = match session(&state, &headers, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (notice, files) = match read_drafts(multipart).await {
        Ok(read) => read,
        Err(r) => return r,
    };
    match state
        .services
        .access
        .submit_policy_change(&viewer(&s), &id, &notice, files)
        .await
    {
        Ok(change) => change_response(&state, &s, &change, StatusCode::CREATED).await,
        Err(e) => change_error(e),
    }
}

/// A policy change with its word diffs.
#[utoipa::path(get, path = "/v2/access/policy-changes/{change}", operation_id = "accessPolicyChange", tag = "Production access",
    params(("change" = String, Path, description = "Policy change id")),
    responses((status = 200, description = "The change.", body = ChangeBody), (status = 404, description = "Not visible to the caller.", body = bb_proto::DetailBody)))]
pub(crate) async fn read(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(change): Path<String>,
) -> Response {
    let s = match session(&state, &headers, false).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    change_response(&state, &s, &change, StatusCode::OK).await
}

/// A move of a policy change; `approve` publishes the new documents.
#[utoipa::path(post, path = "/v2/access/policy-changes/{change}/transitions", operation_id = "accessPolicyChangeTransition", tag = "Production access",
    params(("change" = String, Path, description = "Policy change id")), request_body = ChangeMoveBody,
    responses((status = 200, description = "Moved.", body = ChangeBody), (status = 400, description = "Unknown transition.", body = bb_proto::DetailBody), (status = 409, description = "Refused by the change's state machine (with the allowed moves), or another move came first.", body = bb_proto::DetailBody)))]
pub(crate) async fn transition(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(change): Path<String>,
    Json(body): Json<ChangeMoveBody>,
) -> Response {
    let s = match session(&state, &headers, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(t) = ChangeTransition::parse(&body.transition) else {
        return detail(
            StatusCode::BAD_REQUEST,
            format!("'{}' is not a policy-change transition.", body.transition),
        );
    };
    match state
        .services
        .access
        .policy_change_move(&viewer(&s), &change, t, &body.reason)
        .await
    {
        Ok(()) => change_response(&state, &s, &change, StatusCode::OK).await,
        Err(e) => change_error(e),
    }
}

/// Resubmits a change after requested changes: the notice again and any new drafts.
#[utoipa::path(post, path = "/v2/access/policy-changes/{change}/resubmit", operation_id = "accessResubmitPolicyChange", tag = "Production access",
    params(("change" = String, Path, description = "Policy change id")),
    request_body(content_type = "multipart/form-data", description = "Parts `notice` and optionally `terms` and/or `privacy_policy` (PDF, ≤ 10 MB each)."),
    responses((status = 200, description = "Back in review; the clock restarts.", body = ChangeBody), (status = 400, description = "By field.", body = ChangeProblemsBody), (status = 413, description = "A file over 10 MB.", body = ChangeProblemsBody), (status = 415, description = "Not a PDF.", body = ChangeProblemsBody), (status = 409, description = "Not waiting for the developer.", body = bb_proto::DetailBody)))]
pub(crate) async fn resubmit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(change): Path<String>,
    multipart: Multipart,
) -> Response {
    let s = match session(&state, &headers, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (notice, files) = match read_drafts(multipart).await {
        Ok(read) => read,
        Err(r) => return r,
    };
    match state
        .services
        .access
        .resubmit_policy_change(&viewer(&s), &change, &notice, files)
        .await
    {
        Ok(()) => change_response(&state, &s, &change, StatusCode::OK).await,
        Err(e) => change_error(e),
    }
}

/// Open policy changes, by decision due date (staff only).
#[utoipa::path(get, path = "/v2/staff/access/policy-changes", operation_id = "accessPolicyChangeQueue", tag = "Production access",
    responses((status = 200, description = "Open changes.", body = [ChangeSummaryBody]), (status = 403, description = "Not staff.", body = bb_proto::DetailBody)))]
pub(crate) async fn queue(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let s = match session(&state, &headers, false).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state.services.access.policy_change_queue(&viewer(&s)).await {
        Ok(rows) => Json(rows.into_iter().map(summary_body).collect::<Vec<_>>()).into_response(),
        Err(e) => change_error(e),
    }
}

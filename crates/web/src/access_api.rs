//! The production-access JSON API (issue 7 item 11), over the same domain functions as the
//! pages (`bb_domain::access::Access`):
//!
//! | method and path | what |
//! |---|---|
//! | `GET /v2/access/terms` | the current terms of service |
//! | `POST /v2/access/organizations/{org}/terms` | an owner accepts `{version}` (204) |
//! | `GET /v2/access/requests` | the requests of the user's organizations |
//! | `POST /v2/access/requests` | start a draft `{organization, …fields}` (201) |
//! | `GET /v2/access/requests/{id}` | a request (members; staff past the draft) |
//! | `PUT /v2/access/requests/{id}/draft` | save the fields (partial is fine) |
//! | `POST /v2/access/requests/{id}/documents/{kind}` | multipart `file`: a PDF ≤ 10 MB (201; 413, 415, 400) |
//! | `POST /v2/access/requests/{id}/submit` | submit or resubmit (400 with `errors` by field; 409 terms) |
//! | `POST /v2/access/requests/{id}/transitions` | `{transition, reason}` (409 when refused or lost) |
//! | `GET /v2/staff/access/queue` | staff: the queue (`state`, `due=soon|overdue`, `assignee=me|unassigned|ID`) |
//!
//! Authentication: the portal's session cookie (`bb_portal`, a signed-in session; staff
//! have passed TOTP) and, on every request that changes something, the session's CSRF
//! value in the `X-CSRF-Token` header (403 without it). Errors are `{"detail": …}`; form
//! problems add `errors: {field: message}`.

use crate::AppState;
use crate::errors::detail;
use crate::oauth::cookie;
use crate::portal::{ACCESS_UPLOAD_LIMIT, ct_eq, queue_filter, upload_status};
use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use bb_domain::access::request::{DOCUMENT_MAX_BYTES, DocumentKind, RequestForm};
use bb_domain::access::service::{RequestSummary, RequestView};
use bb_domain::access::{AccessError, Transition, Viewer};
use bb_domain::portal::{PortalSession, Stage};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub(crate) fn routes() -> Router<AppState> {
    let uploads = Router::new()
        .route(
            "/v2/access/requests/{id}/documents/{kind}",
            post(upload_document),
        )
        .layer(DefaultBodyLimit::max(ACCESS_UPLOAD_LIMIT));
    Router::new()
        .route("/v2/access/terms", get(terms))
        .route("/v2/access/organizations/{org}/terms", post(accept_terms))
        .route("/v2/access/requests", get(list).post(create))
        .route("/v2/access/requests/{id}", get(read))
        .route("/v2/access/requests/{id}/draft", put(save_draft))
        .route("/v2/access/requests/{id}/submit", post(submit))
        .route("/v2/access/requests/{id}/transitions", post(transition))
        .route("/v2/staff/access/queue", get(queue))
        .layer(DefaultBodyLimit::max(64 * 1024))
        .merge(uploads)
}

/// The production-access operations of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(terms, accept_terms, list, create, read, save_draft, upload_document, submit, transition, queue),
    tags((name = "Production access", description = "Terms of service, production-access requests, documents, transitions and the reviewer queue. Authenticated by the portal session cookie plus the session's CSRF value in `X-CSRF-Token` on changes."))
)]
pub(crate) struct AccessApi;

/// The current terms of service.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct TermsBody {
    version: i64,
    published: String,
    body: String,
}

/// An acceptance.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct AcceptBody {
    version: i64,
}

/// The request's fields (a draft may leave any out).
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub(crate) struct DraftBody {
    /// Organization id (creation only).
    organization: String,
    /// A sandbox application id of the organization.
    application: String,
    use_case: String,
    /// https or native-app scheme URIs.
    redirect_uris: Vec<String>,
    contact_name: String,
    contact_email: String,
    contact_phone: String,
    /// Checklist ids attested: collection, consent, disclosure, access, security,
    /// retention_deletion, sharing, sharing_duration, deidentified, revocation,
    /// dormant_accounts, policy_changes, vendors, breach, sale_of_company.
    attestations: Vec<String>,
}

impl DraftBody {
    fn form(&self) -> RequestForm {
        RequestForm {
            application: self.application.clone(),
            use_case: self.use_case.clone(),
            redirect_uris: self.redirect_uris.join("\n"),
            contact_name: self.contact_name.clone(),
            contact_email: self.contact_email.clone(),
            contact_phone: self.contact_phone.clone(),
            attestations: self.attestations.clone(),
        }
    }
}

/// A move.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct TransitionBody {
    /// e.g. `claim`, `request_changes`, `withdraw`.
    transition: String,
    /// Required by request_changes, raise_concerns, reject, cancel_demo, suspend, revoke.
    #[serde(default)]
    reason: String,
}

/// A request in a list.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SummaryBody {
    id: String,
    organization_id: String,
    organization: String,
    application: String,
    state: String,
    assignee: Option<String>,
    /// RFC 3339; set once submitted.
    first_response_due: Option<String>,
    overdue: bool,
    answered: Option<String>,
}

/// A document version.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct DocumentBody {
    id: i64,
    kind: String,
    version: i64,
    file_name: String,
    sha256: String,
    size: i64,
    /// `pending` until text extraction runs.
    extraction: String,
    uploaded: String,
}

/// A history row.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct HistoryBody {
    transition: String,
    from: String,
    to: String,
    actor_id: String,
    role: String,
    at: String,
    reason: String,
}

/// A request.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct RequestBody {
    id: String,
    organization_id: String,
    state: String,
    application_id: Option<String>,
    use_case: String,
    redirect_uris: Vec<String>,
    contact_name: String,
    contact_email: String,
    contact_phone: String,
    attestations: Vec<String>,
    first_response_due: Option<String>,
    overdue: bool,
    documents: Vec<DocumentBody>,
    history: Vec<HistoryBody>,
    /// The moves the caller can make now.
    moves: Vec<String>,
    approved_by: Option<String>,
    confirmed_by: Option<String>,
}

/// Form problems by field.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ProblemsBody {
    detail: String,
    errors: BTreeMap<String, String>,
}

fn summary_body(s: RequestSummary) -> SummaryBody {
    SummaryBody {
        first_response_due: s
            .clock
            .as_ref()
            .map(|c| c.due_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        overdue: s.clock.as_ref().is_some_and(|c| c.overdue),
        answered: s.clock.as_ref().and_then(|c| c.answered.clone()),
        id: s.id,
        organization_id: s.organization_id,
        organization: s.organization,
        application: s.application,
        state: s.state.as_str().to_owned(),
        assignee: s.assignee,
    }
}

fn request_body(v: RequestView) -> RequestBody {
    RequestBody {
        id: v.summary.id.clone(),
        organization_id: v.summary.organization_id.clone(),
        state: v.summary.state.as_str().to_owned(),
        application_id: v.application_id,
        use_case: v.form.use_case.clone(),
        redirect_uris: v.form.redirect_lines(),
        contact_name: v.form.contact_name.clone(),
        contact_email: v.form.contact_email.clone(),
        contact_phone: v.form.contact_phone.clone(),
        attestations: v.form.attestations.clone(),
        first_response_due: v
            .summary
            .clock
            .as_ref()
            .map(|c| c.due_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        overdue: v.summary.clock.as_ref().is_some_and(|c| c.overdue),
        documents: v
            .documents
            .into_iter()
            .map(|d| DocumentBody {
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
            .map(|h| HistoryBody {
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
        approved_by: v.approved_by,
        confirmed_by: v.confirmed_by,
    }
}

pub(crate) fn error(e: AccessError) -> Response {
    match e {
        AccessError::Invalid(errors) => (
            StatusCode::BAD_REQUEST,
            Json(ProblemsBody {
                detail: "Please correct the fields named in errors.".into(),
                errors: errors.into_iter().collect(),
            }),
        )
            .into_response(),
        AccessError::InvalidInput { errors, problem } => (
            match problem {
                bb_domain::app_registry::InputProblem::Invalid => StatusCode::BAD_REQUEST,
                bb_domain::app_registry::InputProblem::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                bb_domain::app_registry::InputProblem::WrongType => {
                    StatusCode::UNSUPPORTED_MEDIA_TYPE
                }
            },
            Json(ProblemsBody {
                detail: "Please correct the fields named in errors.".into(),
                errors: errors.into_iter().collect(),
            }),
        )
            .into_response(),
        AccessError::Upload {
            problem,
            ref message,
            ..
        } => detail(upload_status(problem), message.clone()),
        AccessError::NotFound => detail(StatusCode::NOT_FOUND, "Not found."),
        e @ (AccessError::StaffOnly | AccessError::OwnersOnly) => {
            detail(StatusCode::FORBIDDEN, e.to_string())
        }
        e @ (AccessError::TermsNotAccepted { .. }
        | AccessError::NotEditable(_)
        | AccessError::Refused(_)
        | AccessError::Conflict
        | AccessError::ChangeRefused(_)) => detail(StatusCode::CONFLICT, e.to_string()),
        AccessError::Domain(e) => crate::errors::ApiError(e).into_response(),
    }
}

/// The signed-in session; for changes, with its CSRF value in `X-CSRF-Token`.
pub(crate) async fn session(
    state: &AppState,
    headers: &HeaderMap,
    change: bool,
) -> Result<PortalSession, Response> {
    let Some(secret) = cookie(headers, "bb_portal").filter(|s| !s.is_empty()) else {
        return Err(detail(
            StatusCode::UNAUTHORIZED,
            "Sign in to the developer portal first.",
        ));
    };
    let session = match state.services.portal.session(secret).await {
        Ok(Some(s)) if s.stage == Stage::Active => s,
        Ok(_) => {
            return Err(detail(
                StatusCode::UNAUTHORIZED,
                "Sign in to the developer portal first.",
            ));
        }
        Err(e) => return Err(crate::errors::ApiError(e).into_response()),
    };
    if change {
        let sent = headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !ct_eq(sent, &session.csrf_token) {
            return Err(detail(
                StatusCode::FORBIDDEN,
                "Missing or wrong X-CSRF-Token header.",
            ));
        }
    }
    Ok(session)
}

pub(crate) fn viewer(s: &PortalSession) -> Viewer {
    Viewer {
        user_id: s.user_id.clone(),
        name: if s.name.is_empty() {
            s.email.clone()
        } else {
            s.name.clone()
        },
        staff_role: s.staff_role.clone(),
    }
}

async fn view(state: &AppState, s: &PortalSession, id: &str, status: StatusCode) -> Response {
    match state.services.access.view(&viewer(s), id).await {
        Ok(v) => (status, Json(request_body(v))).into_response(),
        Err(e) => error(e),
    }
}

/// The organization of a request the caller can see.
async fn org_of(state: &AppState, s: &PortalSession, id: &str) -> Result<String, Response> {
    state
        .services
        .access
        .view(&viewer(s), id)
        .await
        .map(|v| v.summary.organization_id)
        .map_err(error)
}

/// The current terms of service.
#[utoipa::path(get, path = "/v2/access/terms", operation_id = "accessTerms", tag = "Production access",
    responses((status = 200, description = "The current version.", body = TermsBody), (status = 401, description = "Not signed in.", body = bb_proto::DetailBody)))]
pub(crate) async fn terms(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(r) = session(&state, &headers, false).await {
        return r;
    }
    match state.services.access.terms().await {
        Ok(t) => Json(TermsBody {
            version: t.version,
            published: t.published,
            body: t.body,
        })
        .into_response(),
        Err(e) => error(e),
    }
}

/// An owner accepts the current terms for the organization.
#[utoipa::path(post, path = "/v2/access/organizations/{org}/terms", operation_id = "accessAcceptTerms", tag = "Production access",
    params(("org" = String, Path, description = "Organization id")), request_body = AcceptBody,
    responses((status = 204, description = "Accepted."), (status = 400, description = "Not the current version.", body = ProblemsBody), (status = 403, description = "Not an owner, or no CSRF header.", body = bb_proto::DetailBody)))]
pub(crate) async fn accept_terms(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(org): Path<String>,
    Json(body): Json<AcceptBody>,
) -> Response {
    let s = match session(&state, &headers, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state
        .services
        .access
        .accept_terms(&s.user_id, &org, body.version)
        .await
    {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => error(e),
    }
}

/// The requests of every organization of the caller.
#[utoipa::path(get, path = "/v2/access/requests", operation_id = "accessRequests", tag = "Production access",
    responses((status = 200, description = "Newest first, per organization.", body = [SummaryBody]), (status = 401, description = "Not signed in.", body = bb_proto::DetailBody)))]
pub(crate) async fn list(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let s = match session(&state, &headers, false).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let memberships = match state.services.portal.memberships(&s.user_id).await {
        Ok(m) => m,
        Err(e) => return crate::errors::ApiError(e).into_response(),
    };
    let mut out = Vec::new();
    for m in memberships {
        match state
            .services
            .access
            .requests_of(&s.user_id, &m.organization_id)
            .await
        {
            Ok(list) => out.extend(list.into_iter().map(summary_body)),
            Err(e) => return error(e),
        }
    }
    Json(out).into_response()
}

/// Starts a draft.
#[utoipa::path(post, path = "/v2/access/requests", operation_id = "accessCreateRequest", tag = "Production access",
    request_body = DraftBody,
    responses((status = 201, description = "The new draft.", body = RequestBody), (status = 400, description = "A filled field is wrong.", body = ProblemsBody), (status = 404, description = "Not a member of the organization.", body = bb_proto::DetailBody)))]
pub(crate) async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(body): Json<DraftBody>,
) -> Response {
    let s = match session(&state, &headers, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state
        .services
        .access
        .create(&s.user_id, &body.organization, &body.form())
        .await
    {
        Ok(id) => view(&state, &s, &id, StatusCode::CREATED).await,
        Err(e) => error(e),
    }
}

/// A request.
#[utoipa::path(get, path = "/v2/access/requests/{id}", operation_id = "accessRequest", tag = "Production access",
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "The request.", body = RequestBody), (status = 404, description = "Not visible to the caller.", body = bb_proto::DetailBody)))]
pub(crate) async fn read(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let s = match session(&state, &headers, false).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    view(&state, &s, &id, StatusCode::OK).await
}

/// Saves the fields of a draft (or of a request whose changes were requested).
#[utoipa::path(put, path = "/v2/access/requests/{id}/draft", operation_id = "accessSaveDraft", tag = "Production access",
    params(("id" = String, Path, description = "Request id")), request_body = DraftBody,
    responses((status = 200, description = "Saved.", body = RequestBody), (status = 400, description = "A filled field is wrong; nothing saved.", body = ProblemsBody), (status = 409, description = "Not editable in its state.", body = bb_proto::DetailBody)))]
pub(crate) async fn save_draft(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<DraftBody>,
) -> Response {
    let s = match session(&state, &headers, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let org = match org_of(&state, &s, &id).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    match state
        .services
        .access
        .save_draft(&s.user_id, &org, &id, &body.form())
        .await
    {
        Ok(()) => view(&state, &s, &id, StatusCode::OK).await,
        Err(e) => error(e),
    }
}

/// Uploads the terms (`terms`) or privacy policy (`privacy_policy`) PDF as a new version.
#[utoipa::path(post, path = "/v2/access/requests/{id}/documents/{kind}", operation_id = "accessUploadDocument", tag = "Production access",
    params(("id" = String, Path, description = "Request id"), ("kind" = String, Path, description = "`terms` or `privacy_policy`")),
    request_body(content_type = "multipart/form-data", description = "Part `file`: the PDF, at most 10 MB."),
    responses((status = 201, description = "Stored as the next version.", body = DocumentBody), (status = 400, description = "Empty or damaged PDF.", body = bb_proto::DetailBody), (status = 413, description = "Over 10 MB.", body = bb_proto::DetailBody), (status = 415, description = "Not a PDF.", body = bb_proto::DetailBody)))]
pub(crate) async fn upload_document(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, kind)): Path<(String, String)>,
    mut multipart: Multipart,
) -> Response {
    let s = match session(&state, &headers, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(kind) = DocumentKind::parse(&kind) else {
        return detail(StatusCode::NOT_FOUND, "Not found.");
    };
    let org = match org_of(&state, &s, &id).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let too_large = || {
        detail(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "The file is larger than {} MB.",
                DOCUMENT_MAX_BYTES / (1024 * 1024)
            ),
        )
    };
    let mut file = None;
    loop {
        let mut part = match multipart.next_field().await {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return too_large(),
            Err(_) => {
                return detail(
                    StatusCode::BAD_REQUEST,
                    "The multipart body could not be read.",
                );
            }
        };
        if part.name() != Some("file") {
            continue;
        }
        let name = part.file_name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        loop {
            match part.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > DOCUMENT_MAX_BYTES {
                        return too_large();
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return too_large(),
                Err(_) => {
                    return detail(
                        StatusCode::BAD_REQUEST,
                        "The multipart body could not be read.",
                    );
                }
            }
        }
        file = Some((name, bytes));
    }
    let Some((name, bytes)) = file else {
        return detail(
            StatusCode::BAD_REQUEST,
            "Send the PDF in a part named file.",
        );
    };
    match state
        .services
        .access
        .upload(&s.user_id, &org, &id, kind, &name, bytes)
        .await
    {
        Ok(d) => (
            StatusCode::CREATED,
            Json(DocumentBody {
                id: d.id,
                kind: d.kind.as_str().to_owned(),
                version: d.version,
                file_name: d.file_name,
                sha256: d.sha256,
                size: d.size,
                extraction: d.extraction,
                uploaded: d.uploaded,
            }),
        )
            .into_response(),
        Err(e) => error(e),
    }
}

/// Submits the request (or resubmits it after requested changes).
#[utoipa::path(post, path = "/v2/access/requests/{id}/submit", operation_id = "accessSubmit", tag = "Production access",
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "Submitted; `first_response_due` set.", body = RequestBody), (status = 400, description = "Missing fields, documents or attestations, by field.", body = ProblemsBody), (status = 409, description = "Terms not accepted, or not in a state to submit.", body = bb_proto::DetailBody)))]
pub(crate) async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let s = match session(&state, &headers, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let org = match org_of(&state, &s, &id).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    match state
        .services
        .access
        .submit(&viewer(&s), &org, &id, None)
        .await
    {
        Ok(()) => view(&state, &s, &id, StatusCode::OK).await,
        Err(e) => error(e),
    }
}

/// Makes a move of the state machine (either side; refused moves say which are allowed).
#[utoipa::path(post, path = "/v2/access/requests/{id}/transitions", operation_id = "accessTransition", tag = "Production access",
    params(("id" = String, Path, description = "Request id")), request_body = TransitionBody,
    responses((status = 200, description = "Moved.", body = RequestBody), (status = 400, description = "Unknown transition.", body = bb_proto::DetailBody), (status = 409, description = "Refused by the state machine, or another move came first.", body = bb_proto::DetailBody)))]
pub(crate) async fn transition(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<TransitionBody>,
) -> Response {
    let s = match session(&state, &headers, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(t) = Transition::parse(&body.transition) else {
        return detail(
            StatusCode::BAD_REQUEST,
            format!("'{}' is not a transition.", body.transition),
        );
    };
    match state
        .services
        .access
        .transition(&id, t, &viewer(&s), &body.reason)
        .await
    {
        Ok(()) => view(&state, &s, &id, StatusCode::OK).await,
        Err(e) => error(e),
    }
}

/// The reviewer queue (staff only), sorted by first-response due date.
#[utoipa::path(get, path = "/v2/staff/access/queue", operation_id = "accessQueue", tag = "Production access",
    params(("state" = Option<String>, Query, description = "Only this state"), ("due" = Option<String>, Query, description = "`soon` (8 business hours) or `overdue`"), ("assignee" = Option<String>, Query, description = "`me`, `unassigned` or a reviewer's id")),
    responses((status = 200, description = "The queue.", body = [SummaryBody]), (status = 403, description = "Not staff.", body = bb_proto::DetailBody)))]
pub(crate) async fn queue(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let s = match session(&state, &headers, false).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (filter, ..) = queue_filter(query.as_deref());
    match state.services.access.queue(&viewer(&s), &filter).await {
        Ok(rows) => Json(rows.into_iter().map(summary_body).collect::<Vec<_>>()).into_response(),
        Err(e) => error(e),
    }
}

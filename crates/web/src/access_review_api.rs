//! The review of a production-access request over JSON (issue 7, part 3), over the same
//! domain functions as the pages (`bb_domain::access::Access`, `review.rs`):
//!
//! | method and path | what |
//! |---|---|
//! | `GET /v2/access/slots` | slots ahead: free ones for developers, all for staff |
//! | `POST /v2/access/slots` | staff: publish `{date, times, meeting_link}` (201) |
//! | `PUT /v2/access/meeting-link` | staff: the default `{meeting_link}` (204) |
//! | `GET /v2/access/requests/{id}/review` | demos, concerns with responses, checklist (staff), approval |
//! | `POST /v2/access/requests/{id}/demo` | developer: book `{slot}` (400 "that slot was just taken") |
//! | `PUT /v2/access/requests/{id}/demo` | developer: reschedule to `{slot}` |
//! | `POST /v2/access/requests/{id}/demo/cancel` | either side: `{reason}` |
//! | `POST /v2/access/requests/{id}/demo/held` | staff: `{notes: {item: text}}` on the five items |
//! | `GET /v2/access/requests/{id}/demo.ics` | the latest invitation (`text/calendar`) |
//! | `POST /v2/access/requests/{id}/concerns` | staff: `{concerns: [{severity, body}]}` |
//! | `POST /v2/access/requests/{id}/concerns/{concern}/resolve` | staff |
//! | `POST /v2/access/requests/{id}/responses` | developer: `{responses: [{concern, body}]}` |
//! | `PUT /v2/access/requests/{id}/checks` | staff: `{checks: [{item, verdict, note}]}` |
//! | `POST /v2/access/requests/{id}/decision` | staff: `{decision: approve|reject|confirm_approval, reason}` |
//!
//! Authentication and errors as in [`crate::access_api`]: the portal session cookie, the
//! session's CSRF value in `X-CSRF-Token` on changes, `{"detail"}` or `{"detail", "errors"}`.

use crate::AppState;
use crate::access_api::{ProblemsBody, error, session, viewer};
use crate::errors::detail;
use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use bb_domain::access::Transition;
use bb_domain::access::review::{ReviewView, SlotView};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/access/slots", get(slots).post(publish))
        .route("/v2/access/meeting-link", put(meeting_link))
        .route("/v2/access/requests/{id}/review", get(review))
        .route("/v2/access/requests/{id}/demo", post(book).put(reschedule))
        .route("/v2/access/requests/{id}/demo/cancel", post(cancel))
        .route("/v2/access/requests/{id}/demo/held", post(held))
        .route("/v2/access/requests/{id}/demo.ics", get(ics))
        .route("/v2/access/requests/{id}/concerns", post(concerns))
        .route(
            "/v2/access/requests/{id}/concerns/{concern}/resolve",
            post(resolve),
        )
        .route("/v2/access/requests/{id}/responses", post(responses))
        .route("/v2/access/requests/{id}/checks", put(checks))
        .route("/v2/access/requests/{id}/decision", post(decision))
        .layer(DefaultBodyLimit::max(64 * 1024))
}

/// The review operations of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    slots,
    publish,
    meeting_link,
    review,
    book,
    reschedule,
    cancel,
    held,
    ics,
    concerns,
    resolve,
    responses,
    checks,
    decision
))]
pub(crate) struct ReviewApi;

/// A demo slot.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SlotBody {
    id: String,
    reviewer: String,
    /// RFC 3339 UTC; one hour long.
    starts_at: String,
    /// For people: UTC and the team's zone.
    label: String,
    free: bool,
}

fn slot_body(s: SlotView) -> SlotBody {
    SlotBody {
        id: s.id,
        reviewer: s.reviewer,
        starts_at: s
            .starts_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        label: s.label,
        free: s.free,
    }
}

/// Slots to publish.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct PublishBody {
    /// YYYY-MM-DD.
    date: String,
    /// HH:MM start times in the business calendar's zone, separated by commas or spaces.
    times: String,
    /// https link; empty for the reviewer's default.
    #[serde(default)]
    meeting_link: String,
}

/// How many slots were new.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct PublishedBody {
    published: u64,
}

/// A meeting link.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct LinkBody {
    meeting_link: String,
}

/// A slot to book or move to.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct SlotChoice {
    slot: String,
}

/// A reason.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct ReasonBody {
    #[serde(default)]
    reason: String,
}

/// Notes on the demo's five items: account_creation, medicare_authorization,
/// data_display, data_use, sharing.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct HeldBody {
    notes: BTreeMap<String, String>,
}

/// A concern to raise.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct NewConcernBody {
    /// low, medium, high or blocking.
    severity: String,
    body: String,
}

/// Concerns to raise.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct ConcernsBody {
    concerns: Vec<NewConcernBody>,
}

/// A response to a concern.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct ResponseItem {
    concern: i64,
    body: String,
}

/// Responses to open concerns.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct ResponsesBody {
    responses: Vec<ResponseItem>,
}

/// A checklist verdict.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct CheckItem {
    /// A checklist id (collection, consent, … sale_of_company).
    item: String,
    /// met, not_met or na.
    verdict: String,
    #[serde(default)]
    note: String,
}

/// Checklist verdicts (all saved or none).
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct ChecksBody {
    checks: Vec<CheckItem>,
}

/// The decision.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct DecisionBody {
    /// approve, reject or confirm_approval.
    decision: String,
    /// Required to approve or reject.
    #[serde(default)]
    reason: String,
}

/// A demo.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct DemoBody {
    id: String,
    /// booked, cancelled or held.
    status: String,
    when: String,
    meeting_link: String,
    sequence: i64,
    /// `[item wording, note]` once held.
    notes: Vec<(String, String)>,
}

/// A concern with its responses.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ConcernBody {
    id: i64,
    severity: String,
    body: String,
    raised: String,
    resolved: Option<String>,
    /// `[text, when]`.
    responses: Vec<(String, String)>,
}

/// A checklist item as ticked.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct CheckBody {
    item: String,
    label: String,
    /// met, not_met, na, or empty.
    verdict: String,
    note: String,
    by: Option<String>,
}

/// The review of a request.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ReviewBody {
    demos: Vec<DemoBody>,
    concerns: Vec<ConcernBody>,
    /// Staff only; empty for developers.
    checks: Vec<CheckBody>,
    awaiting_confirmation: bool,
    approved_by: Option<String>,
    confirmed_by: Option<String>,
}

fn review_body(r: ReviewView) -> ReviewBody {
    ReviewBody {
        demos: r
            .demos
            .into_iter()
            .map(|d| DemoBody {
                id: d.id,
                status: d.status,
                when: d.when,
                meeting_link: d.meeting_link,
                sequence: d.sequence,
                notes: d.notes,
            })
            .collect(),
        concerns: r
            .concerns
            .into_iter()
            .map(|c| ConcernBody {
                id: c.id,
                severity: c.severity,
                body: c.body,
                raised: c.raised,
                resolved: c.resolved,
                responses: c.responses,
            })
            .collect(),
        checks: r
            .checks
            .into_iter()
            .map(|c| CheckBody {
                item: c.id.to_owned(),
                label: c.label.to_owned(),
                verdict: c.verdict,
                note: c.note,
                by: c.by,
            })
            .collect(),
        awaiting_confirmation: r.awaiting_confirmation,
        approved_by: r.approved_by,
        confirmed_by: r.confirmed_by,
    }
}

/// The review after a change (or the change's error).
async fn after(
    state: &AppState,
    s: &bb_domain::portal::PortalSession,
    id: &str,
    result: Result<(), bb_domain::access::AccessError>,
) -> Response {
    if let Err(e) = result {
        return error(e);
    }
    match state.services.access.review(&viewer(s), id).await {
        Ok(r) => Json(review_body(r)).into_response(),
        Err(e) => error(e),
    }
}

/// Demo slots ahead.
#[utoipa::path(get, path = "/v2/access/slots", operation_id = "accessSlots", tag = "Production access",
    responses((status = 200, description = "Free slots for developers; every slot for staff.", body = [SlotBody]), (status = 401, description = "Not signed in.", body = bb_proto::DetailBody)))]
pub(crate) async fn slots(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let s = match session(&state, &headers, false).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state.services.access.slots(&viewer(&s)).await {
        Ok(list) => Json(list.into_iter().map(slot_body).collect::<Vec<_>>()).into_response(),
        Err(e) => error(e),
    }
}

/// A reviewer publishes one-hour slots.
#[utoipa::path(post, path = "/v2/access/slots", operation_id = "accessPublishSlots", tag = "Production access",
    request_body = PublishBody,
    responses((status = 201, description = "Published (slots already offered are kept).", body = PublishedBody), (status = 400, description = "Bad date, time or link.", body = ProblemsBody), (status = 403, description = "Not staff, or no CSRF header.", body = bb_proto::DetailBody)))]
pub(crate) async fn publish(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(body): Json<PublishBody>,
) -> Response {
    let s = match session(&state, &headers, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state
        .services
        .access
        .publish_slots(&viewer(&s), &body.date, &body.times, &body.meeting_link)
        .await
    {
        Ok(n) => (StatusCode::CREATED, Json(PublishedBody { published: n })).into_response(),
        Err(e) => error(e),
    }
}

/// A reviewer's default meeting link.
#[utoipa::path(put, path = "/v2/access/meeting-link", operation_id = "accessMeetingLink", tag = "Production access",
    request_body = LinkBody,
    responses((status = 204, description = "Saved."), (status = 400, description = "Not an https link.", body = ProblemsBody), (status = 403, description = "Not staff, or no CSRF header.", body = bb_proto::DetailBody)))]
pub(crate) async fn meeting_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(body): Json<LinkBody>,
) -> Response {
    let s = match session(&state, &headers, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state
        .services
        .access
        .set_meeting_link(&viewer(&s), &body.meeting_link)
        .await
    {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => error(e),
    }
}

/// The review of a request.
#[utoipa::path(get, path = "/v2/access/requests/{id}/review", operation_id = "accessReview", tag = "Production access",
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "Demos, concerns, checklist (staff) and approval.", body = ReviewBody), (status = 404, description = "Not visible to the caller.", body = bb_proto::DetailBody)))]
pub(crate) async fn review(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let s = match session(&state, &headers, false).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    after(&state, &s, &id, Ok(())).await
}

/// The developer books a free slot; both sides get the invitation.
#[utoipa::path(post, path = "/v2/access/requests/{id}/demo", operation_id = "accessBookDemo", tag = "Production access",
    params(("id" = String, Path, description = "Request id")), request_body = SlotChoice,
    responses((status = 200, description = "Booked.", body = ReviewBody), (status = 400, description = "No such slot, or that slot was just taken.", body = ProblemsBody), (status = 409, description = "Not in a state to book.", body = bb_proto::DetailBody)))]
pub(crate) async fn book(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<SlotChoice>,
) -> Response {
    let s = match session(&state, &headers, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let result = state
        .services
        .access
        .book_demo(&viewer(&s), &id, &body.slot)
        .await;
    after(&state, &s, &id, result).await
}

/// Moves the booked demo to another free slot (same UID, SEQUENCE + 1).
#[utoipa::path(put, path = "/v2/access/requests/{id}/demo", operation_id = "accessRescheduleDemo", tag = "Production access",
    params(("id" = String, Path, description = "Request id")), request_body = SlotChoice,
    responses((status = 200, description = "Moved.", body = ReviewBody), (status = 400, description = "No booked demo, no such slot, or that slot was just taken.", body = ProblemsBody), (status = 409, description = "Another move came first.", body = bb_proto::DetailBody)))]
pub(crate) async fn reschedule(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<SlotChoice>,
) -> Response {
    let s = match session(&state, &headers, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let result = state
        .services
        .access
        .reschedule_demo(&viewer(&s), &id, &body.slot)
        .await;
    after(&state, &s, &id, result).await
}

/// Either side calls the demo off with a reason (METHOD:CANCEL to both).
#[utoipa::path(post, path = "/v2/access/requests/{id}/demo/cancel", operation_id = "accessCancelDemo", tag = "Production access",
    params(("id" = String, Path, description = "Request id")), request_body = ReasonBody,
    responses((status = 200, description = "Cancelled.", body = ReviewBody), (status = 400, description = "No booked demo.", body = ProblemsBody), (status = 409, description = "Refused (a reason is required).", body = bb_proto::DetailBody)))]
pub(crate) async fn cancel(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<ReasonBody>,
) -> Response {
    let s = match session(&state, &headers, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let result = state
        .services
        .access
        .cancel_demo(&viewer(&s), &id, &body.reason)
        .await;
    after(&state, &s, &id, result).await
}

/// A reviewer records the demo held, with a note on each of the five items.
#[utoipa::path(post, path = "/v2/access/requests/{id}/demo/held", operation_id = "accessHoldDemo", tag = "Production access",
    params(("id" = String, Path, description = "Request id")), request_body = HeldBody,
    responses((status = 200, description = "Held.", body = ReviewBody), (status = 400, description = "A note is missing (errors by `demo_{item}`).", body = ProblemsBody), (status = 409, description = "Not in a state to hold.", body = bb_proto::DetailBody)))]
pub(crate) async fn held(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<HeldBody>,
) -> Response {
    let s = match session(&state, &headers, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let notes: Vec<(String, String)> = body.notes.into_iter().collect();
    let result = state
        .services
        .access
        .hold_demo(&viewer(&s), &id, &notes)
        .await;
    after(&state, &s, &id, result).await
}

/// The latest demo's invitation.
#[utoipa::path(get, path = "/v2/access/requests/{id}/demo.ics", operation_id = "accessDemoIcs", tag = "Production access",
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "RFC 5545: METHOD:REQUEST while booked or held, METHOD:CANCEL once called off.", content_type = "text/calendar"), (status = 404, description = "No demo, or not visible.", body = bb_proto::DetailBody)))]
pub(crate) async fn ics(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let s = match session(&state, &headers, false).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state.services.access.demo_ics(&viewer(&s), &id).await {
        Ok(text) => {
            let mut response = text.into_response();
            let h = response.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            );
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            h.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"demo.ics\""),
            );
            response
        }
        Err(e) => error(e),
    }
}

/// A reviewer raises concerns.
#[utoipa::path(post, path = "/v2/access/requests/{id}/concerns", operation_id = "accessRaiseConcerns", tag = "Production access",
    params(("id" = String, Path, description = "Request id")), request_body = ConcernsBody,
    responses((status = 200, description = "Raised.", body = ReviewBody), (status = 400, description = "Blank text or unknown severity (errors by `concern_{i}`).", body = ProblemsBody), (status = 409, description = "Not in a state to raise concerns.", body = bb_proto::DetailBody)))]
pub(crate) async fn concerns(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<ConcernsBody>,
) -> Response {
    let s = match session(&state, &headers, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let list: Vec<(String, String)> = body
        .concerns
        .into_iter()
        .map(|c| (c.severity, c.body))
        .collect();
    let result = state
        .services
        .access
        .raise_concerns(&viewer(&s), &id, &list)
        .await;
    after(&state, &s, &id, result).await
}

/// A reviewer marks a concern resolved.
#[utoipa::path(post, path = "/v2/access/requests/{id}/concerns/{concern}/resolve", operation_id = "accessResolveConcern", tag = "Production access",
    params(("id" = String, Path, description = "Request id"), ("concern" = i64, Path, description = "Concern id")),
    responses((status = 200, description = "Resolved.", body = ReviewBody), (status = 400, description = "No such open concern.", body = ProblemsBody), (status = 403, description = "Not staff.", body = bb_proto::DetailBody)))]
pub(crate) async fn resolve(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, concern)): Path<(String, i64)>,
) -> Response {
    let s = match session(&state, &headers, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let result = state
        .services
        .access
        .resolve_concern(&viewer(&s), &id, concern)
        .await;
    after(&state, &s, &id, result).await
}

/// The developer responds to the open concerns.
#[utoipa::path(post, path = "/v2/access/requests/{id}/responses", operation_id = "accessRespond", tag = "Production access",
    params(("id" = String, Path, description = "Request id")), request_body = ResponsesBody,
    responses((status = 200, description = "Responded.", body = ReviewBody), (status = 400, description = "An open concern is unanswered (errors by `response_{concern}`).", body = ProblemsBody), (status = 409, description = "Not in a state to respond.", body = bb_proto::DetailBody)))]
pub(crate) async fn responses(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<ResponsesBody>,
) -> Response {
    let s = match session(&state, &headers, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let list: Vec<(i64, String)> = body
        .responses
        .into_iter()
        .map(|r| (r.concern, r.body))
        .collect();
    let result = state.services.access.respond(&viewer(&s), &id, &list).await;
    after(&state, &s, &id, result).await
}

/// A reviewer ticks checklist items.
#[utoipa::path(put, path = "/v2/access/requests/{id}/checks", operation_id = "accessChecks", tag = "Production access",
    params(("id" = String, Path, description = "Request id")), request_body = ChecksBody,
    responses((status = 200, description = "Saved.", body = ReviewBody), (status = 400, description = "Unknown item or verdict; nothing saved.", body = ProblemsBody), (status = 403, description = "Not staff.", body = bb_proto::DetailBody)))]
pub(crate) async fn checks(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<ChecksBody>,
) -> Response {
    let s = match session(&state, &headers, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let list: Vec<(String, String, String)> = body
        .checks
        .into_iter()
        .map(|c| (c.item, c.verdict, c.note))
        .collect();
    let result = state
        .services
        .access
        .set_checks(&viewer(&s), &id, &list)
        .await;
    after(&state, &s, &id, result).await
}

/// The decision: approve or reject with reasons, or confirm another reviewer's approval.
#[utoipa::path(post, path = "/v2/access/requests/{id}/decision", operation_id = "accessDecision", tag = "Production access",
    params(("id" = String, Path, description = "Request id")), request_body = DecisionBody,
    responses((status = 200, description = "Decided.", body = ReviewBody), (status = 400, description = "Unknown decision or no reasons.", body = ProblemsBody), (status = 409, description = "Refused (e.g. the approver cannot confirm their own approval).", body = bb_proto::DetailBody)))]
pub(crate) async fn decision(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<DecisionBody>,
) -> Response {
    let s = match session(&state, &headers, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(t) = Transition::parse(&body.decision) else {
        return detail(
            StatusCode::BAD_REQUEST,
            format!("'{}' is not a decision.", body.decision),
        );
    };
    let result = state
        .services
        .access
        .decide(&viewer(&s), &id, t, &body.reason)
        .await;
    after(&state, &s, &id, result).await
}

//! The review of a production-access request on the pages (issue 7, part 3): the
//! reviewer's demo slots, booking, rescheduling and cancelling the demo, its `.ics`, the
//! demo held with the five notes, concerns and the developer's responses, the reviewer's
//! checklist, and the decision (approve, reject, confirm approval). Every form posts to
//! its own path, keeps what was typed on error with the message next to its field (400),
//! and shows a refusal of the state machine above the forms (409).
//!
//! | path | GET | POST |
//! |---|---|---|
//! | `/v2/accounts/organizations/{org}/production-access/{id}/demo/book` | | book a free `slot`: 303; 400 "that slot was just taken" |
//! | `…/{id}/demo/reschedule` | | move the booked demo to another `slot`: 303 |
//! | `…/{id}/demo/cancel` | | call it off with `cancel_reason`: 303 |
//! | `…/{id}/demo.ics` | the latest invitation | |
//! | `…/{id}/responses` | | `response_{concern}` for each open concern: 303 |
//! | `/v2/staff/access/slots` | staff: own slots, publish form, default meeting link | publish `date`, `times`, `meeting_link`: 303 |
//! | `/v2/staff/access/slots/link` | | staff: the default `default_link`: 303 |
//! | `/v2/staff/access/requests/{id}/demo.ics` | staff: the latest invitation | |
//! | `…/requests/{id}/demo/hold` | | staff: `demo_{item}` notes on the five items: 303 |
//! | `…/requests/{id}/demo/cancel` | | staff: call the demo off: 303 |
//! | `…/requests/{id}/concerns` | | staff: `concern_{i}` with `concern_{i}_severity`: 303 |
//! | `…/requests/{id}/concerns/{concern}/resolve` | | staff: 303 |
//! | `…/requests/{id}/checks` | | staff: `check_{item}` (met, not_met, na) and `check_{item}_note`: 303 |
//! | `…/requests/{id}/decision` | | staff: `decision` (approve, reject, confirm_approval) with `{decision}_reason`: 303 |

use super::access::{access_failure, request_page, staff_session, viewer};
use super::accounts::{active, ct_eq, field, forbidden, nav_of, pairs};
use super::views::{Field, Nav, render};
use crate::AppState;
use crate::oauth::see_other;
use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawForm, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bb_domain::access::request::CHECKLIST;
use bb_domain::access::review::{DEMO_CHECKLIST, ReviewView, SEVERITIES, SlotView};
use bb_domain::access::service::{RequestView, developer_path, staff_path};
use bb_domain::access::{AccessError, AccessState, Transition};
use bb_domain::portal::PortalSession;

const SLOTS_PAGE: &str = "/v2/staff/access/slots";

/// How many concern rows the reviewer's form offers at once.
const CONCERN_ROWS: usize = 3;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v2/accounts/organizations/{org}/production-access/{id}/demo/book",
            post(developer_book),
        )
        .route(
            "/v2/accounts/organizations/{org}/production-access/{id}/demo/reschedule",
            post(developer_reschedule),
        )
        .route(
            "/v2/accounts/organizations/{org}/production-access/{id}/demo/cancel",
            post(developer_cancel),
        )
        .route(
            "/v2/accounts/organizations/{org}/production-access/{id}/demo.ics",
            get(developer_ics),
        )
        .route(
            "/v2/accounts/organizations/{org}/production-access/{id}/responses",
            post(developer_respond),
        )
        .route("/v2/staff/access/slots", get(slots_page).post(slots_post))
        .route("/v2/staff/access/slots/link", post(link_post))
        .route("/v2/staff/access/requests/{id}/demo.ics", get(staff_ics))
        .route("/v2/staff/access/requests/{id}/demo/hold", post(staff_hold))
        .route(
            "/v2/staff/access/requests/{id}/demo/cancel",
            post(staff_cancel),
        )
        .route(
            "/v2/staff/access/requests/{id}/concerns",
            post(staff_concerns),
        )
        .route(
            "/v2/staff/access/requests/{id}/concerns/{concern}/resolve",
            post(staff_resolve),
        )
        .route("/v2/staff/access/requests/{id}/checks", post(staff_checks))
        .route(
            "/v2/staff/access/requests/{id}/decision",
            post(staff_decision),
        )
}

/// The moves made through the review forms rather than the generic move buttons.
pub(super) fn has_own_form(t: Transition) -> bool {
    matches!(
        t,
        Transition::ScheduleDemo
            | Transition::ScheduleAnotherDemo
            | Transition::CancelDemo
            | Transition::HoldDemo
            | Transition::RaiseConcerns
            | Transition::Respond
            | Transition::Approve
            | Transition::Reject
            | Transition::ConfirmApproval
            | Transition::SubmitListing
            | Transition::IssueCredentials
    )
}

/// The banner after a review form's 303.
pub(super) fn review_notice(done: &str) -> Option<String> {
    let text = match done {
        "booked" => "The demo is booked: the invitation (.ics) is on its way to both sides.",
        "rescheduled" => "The demo is moved: the updated invitation is on its way to both sides.",
        "cancelled" => "The demo is called off: both sides are told.",
        "held" => "The demo is recorded as held.",
        "concerns" => "The concerns are sent to the developer.",
        "responded" => "Your responses are sent to the review team.",
        "resolved" => "The concern is resolved.",
        "checks" => "The checklist is saved.",
        "approve" => "Approved: a second reviewer must confirm.",
        "reject" => "Rejected: the developer is told why.",
        "confirm_approval" => "The approval is confirmed.",
        "listing" => {
            "The listing is sent: the review team issues your production credentials next."
        }
        _ => return None,
    };
    Some(text.into())
}

/// What was posted and what was wrong with it, to show the forms again.
#[derive(Default)]
pub(crate) struct Entered {
    pub errors: Vec<(String, String)>,
    pub kept: Vec<(String, String)>,
}

impl Entered {
    fn error(&self, name: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|(f, _)| f == name)
            .map(|(_, m)| m.clone())
    }

    fn value(&self, name: &str) -> Option<String> {
        self.kept
            .iter()
            .find(|(f, _)| f == name)
            .map(|(_, v)| v.clone())
    }

    fn input(&self, name: String, label: String, default: &str) -> Input {
        Input {
            value: self.value(&name).unwrap_or_else(|| default.to_owned()),
            error: self.error(&name),
            name,
            label,
        }
    }

    fn field(&self, form_name: &str, error_name: &str) -> Field {
        Field {
            value: self.value(form_name).unwrap_or_default(),
            error: self.error(error_name),
        }
    }
}

/// A named input of a review form.
pub(crate) struct Input {
    pub name: String,
    pub label: String,
    pub value: String,
    pub error: Option<String>,
}

/// A slot to choose.
pub(crate) struct SlotOption {
    pub id: String,
    pub label: String,
    pub reviewer: String,
    pub selected: bool,
}

/// One row of the concerns form.
pub(crate) struct ConcernInput {
    pub body: Input,
    pub severity: Input,
}

/// One item of the reviewer's checklist form.
pub(crate) struct CheckInput {
    pub verdict: Input,
    pub note: Input,
    pub by: Option<String>,
}

/// The review forms of a request's page, filled from what was posted or saved.
pub(crate) struct ReviewForms {
    pub slot: Field,
    pub slots: Vec<SlotOption>,
    pub can_book: bool,
    pub can_reschedule: bool,
    pub can_cancel: bool,
    pub cancel_reason: Field,
    pub can_respond: bool,
    pub responses: Vec<Input>,
    pub can_hold: bool,
    pub hold: Vec<Input>,
    pub can_raise: bool,
    pub concerns: Vec<ConcernInput>,
    pub severities: &'static [&'static str],
    pub checks: Vec<CheckInput>,
    pub check_error: Option<String>,
    pub can_approve: bool,
    pub can_reject: bool,
    pub can_confirm: bool,
    pub approve_reason: Field,
    pub reject_reason: Field,
    pub confirm_reason: Field,
}

impl ReviewForms {
    pub(super) fn new(
        view: &RequestView,
        review: &ReviewView,
        slots: Vec<SlotView>,
        entered: &Entered,
    ) -> Self {
        let can = |t: Transition| view.moves.contains(&t);
        let chosen = entered.value("slot").unwrap_or_default();
        let staff = !review.checks.is_empty();
        Self {
            slot: entered.field("slot", "slot"),
            slots: slots
                .into_iter()
                .filter(|s| s.free)
                .map(|s| SlotOption {
                    selected: s.id == chosen,
                    id: s.id,
                    label: s.label,
                    reviewer: s.reviewer,
                })
                .collect(),
            can_book: !staff
                && (can(Transition::ScheduleDemo) || can(Transition::ScheduleAnotherDemo)),
            can_reschedule: !staff
                && view.summary.state == AccessState::DemoScheduled
                && review.booked.is_some(),
            can_cancel: can(Transition::CancelDemo),
            cancel_reason: entered.field("cancel_reason", "cancel_reason"),
            can_respond: can(Transition::Respond),
            responses: review
                .concerns
                .iter()
                .filter(|c| c.resolved.is_none())
                .map(|c| {
                    entered.input(
                        format!("response_{}", c.id),
                        format!("[{}] {}", c.severity, c.body),
                        "",
                    )
                })
                .collect(),
            can_hold: can(Transition::HoldDemo),
            hold: DEMO_CHECKLIST
                .iter()
                .map(|(id, label)| entered.input(format!("demo_{id}"), (*label).to_owned(), ""))
                .collect(),
            can_raise: can(Transition::RaiseConcerns),
            concerns: (0..CONCERN_ROWS)
                .map(|i| ConcernInput {
                    body: entered.input(format!("concern_{i}"), format!("Concern {}", i + 1), ""),
                    severity: entered.input(
                        format!("concern_{i}_severity"),
                        "Severity".into(),
                        "medium",
                    ),
                })
                .collect(),
            severities: &SEVERITIES,
            checks: review
                .checks
                .iter()
                .map(|c| CheckInput {
                    verdict: entered.input(
                        format!("check_{}", c.id),
                        c.label.to_owned(),
                        &c.verdict,
                    ),
                    note: entered.input(format!("check_{}_note", c.id), "Note".into(), &c.note),
                    by: c.by.clone(),
                })
                .collect(),
            check_error: entered.error("check"),
            can_approve: can(Transition::Approve),
            can_reject: can(Transition::Reject),
            can_confirm: can(Transition::ConfirmApproval),
            approve_reason: entered.field("approve_reason", "approve_reason"),
            reject_reason: entered.field("reject_reason", "reject_reason"),
            confirm_reason: entered.field("confirm_approval_reason", "confirm_approval_reason"),
        }
    }
}

/// The end of a review form: 303 with a notice, or the page again with the problem.
#[allow(clippy::too_many_arguments)]
async fn finish(
    state: &AppState,
    session: &PortalSession,
    id: &str,
    staff: bool,
    base: &str,
    done: &str,
    kept: Vec<(String, String)>,
    result: Result<(), AccessError>,
    rename: &[(&str, &str)],
) -> Response {
    let e = match result {
        Ok(()) => return see_other(&format!("{base}?done={done}")),
        Err(e) => e,
    };
    let kept: Vec<(String, String)> = kept
        .into_iter()
        .filter(|(k, _)| k != "csrf_token")
        .collect();
    match e {
        AccessError::Invalid(errors) => {
            let errors = errors
                .into_iter()
                .map(|(f, m)| {
                    let f = rename
                        .iter()
                        .find(|(from, _)| *from == f)
                        .map_or(f.clone(), |(_, to)| (*to).to_owned());
                    (f, m)
                })
                .collect();
            request_page(
                state,
                session,
                id,
                staff,
                None,
                Some(FIX.into()),
                StatusCode::BAD_REQUEST,
                &Entered { errors, kept },
            )
            .await
        }
        e @ (AccessError::Refused(_)
        | AccessError::Conflict
        | AccessError::NotEditable(_)
        | AccessError::TermsNotAccepted { .. }) => {
            request_page(
                state,
                session,
                id,
                staff,
                None,
                Some(e.to_string()),
                StatusCode::CONFLICT,
                &Entered {
                    errors: Vec::new(),
                    kept,
                },
            )
            .await
        }
        e => access_failure(e, nav_of(session), base),
    }
}

const FIX: &str = "Please fix the problems shown below.";

/// A signed-in developer posting on a request of their organization, CSRF checked.
async fn developer_post(
    state: &AppState,
    headers: &HeaderMap,
    org: &str,
    id: &str,
    body: Option<&[u8]>,
) -> Result<(PortalSession, Vec<(String, String)>), Response> {
    let pairs = body.map(pairs).unwrap_or_default();
    let (_, session) = active(state, headers).await?;
    if body.is_some() && !ct_eq(&field(&pairs, "csrf_token"), &session.csrf_token) {
        return Err(forbidden());
    }
    let mine = state
        .services
        .access
        .requests_of(&session.user_id, org)
        .await
        .and_then(|list| {
            list.iter()
                .any(|r| r.id == id)
                .then_some(())
                .ok_or(AccessError::NotFound)
        });
    if let Err(e) = mine {
        return Err(access_failure(
            e,
            nav_of(&session),
            "/v2/accounts/organizations/",
        ));
    }
    Ok((session, pairs))
}

/// A signed-in staff member's post, CSRF checked.
async fn staff_post(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(PortalSession, Vec<(String, String)>), Response> {
    let pairs = pairs(body);
    let session = staff_session(state, headers).await?;
    if !ct_eq(&field(&pairs, "csrf_token"), &session.csrf_token) {
        return Err(forbidden());
    }
    Ok((session, pairs))
}

async fn developer_book(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((org, id)): Path<(String, String)>,
    RawForm(body): RawForm,
) -> Response {
    let (session, pairs) = match developer_post(&state, &headers, &org, &id, Some(&body)).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let result = state
        .services
        .access
        .book_demo(&viewer(&session), &id, &field(&pairs, "slot"))
        .await;
    let base = developer_path(&org, &id);
    finish(
        &state,
        &session,
        &id,
        false,
        &base,
        "booked",
        pairs,
        result,
        &[],
    )
    .await
}

async fn developer_reschedule(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((org, id)): Path<(String, String)>,
    RawForm(body): RawForm,
) -> Response {
    let (session, pairs) = match developer_post(&state, &headers, &org, &id, Some(&body)).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let result = state
        .services
        .access
        .reschedule_demo(&viewer(&session), &id, &field(&pairs, "slot"))
        .await;
    let base = developer_path(&org, &id);
    finish(
        &state,
        &session,
        &id,
        false,
        &base,
        "rescheduled",
        pairs,
        result,
        &[],
    )
    .await
}

async fn developer_cancel(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((org, id)): Path<(String, String)>,
    RawForm(body): RawForm,
) -> Response {
    let (session, pairs) = match developer_post(&state, &headers, &org, &id, Some(&body)).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let result = state
        .services
        .access
        .cancel_demo(&viewer(&session), &id, &field(&pairs, "cancel_reason"))
        .await;
    let base = developer_path(&org, &id);
    finish(
        &state,
        &session,
        &id,
        false,
        &base,
        "cancelled",
        pairs,
        result,
        &[],
    )
    .await
}

async fn developer_respond(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((org, id)): Path<(String, String)>,
    RawForm(body): RawForm,
) -> Response {
    let (session, pairs) = match developer_post(&state, &headers, &org, &id, Some(&body)).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let responses: Vec<(i64, String)> = pairs
        .iter()
        .filter_map(|(k, v)| {
            let cid = k.strip_prefix("response_")?.parse::<i64>().ok()?;
            Some((cid, v.clone()))
        })
        .collect();
    let result = state
        .services
        .access
        .respond(&viewer(&session), &id, &responses)
        .await;
    let base = developer_path(&org, &id);
    finish(
        &state,
        &session,
        &id,
        false,
        &base,
        "responded",
        pairs,
        result,
        &[],
    )
    .await
}

fn ics_response(text: String) -> Response {
    let mut response = Response::new(Body::from(text));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"demo.ics\""),
    );
    response.into_response()
}

async fn developer_ics(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((org, id)): Path<(String, String)>,
) -> Response {
    let (session, _) = match developer_post(&state, &headers, &org, &id, None).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match state.services.access.demo_ics(&viewer(&session), &id).await {
        Ok(text) => ics_response(text),
        Err(e) => access_failure(e, nav_of(&session), &developer_path(&org, &id)),
    }
}

async fn staff_ics(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let session = match staff_session(&state, &headers).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    match state.services.access.demo_ics(&viewer(&session), &id).await {
        Ok(text) => ics_response(text),
        Err(e) => access_failure(e, nav_of(&session), &staff_path(&id)),
    }
}

async fn staff_hold(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    let (session, pairs) = match staff_post(&state, &headers, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let notes: Vec<(String, String)> = DEMO_CHECKLIST
        .iter()
        .map(|(item, _)| ((*item).to_owned(), field(&pairs, &format!("demo_{item}"))))
        .collect();
    let result = state
        .services
        .access
        .hold_demo(&viewer(&session), &id, &notes)
        .await;
    finish(
        &state,
        &session,
        &id,
        true,
        &staff_path(&id),
        "held",
        pairs,
        result,
        &[],
    )
    .await
}

async fn staff_cancel(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    let (session, pairs) = match staff_post(&state, &headers, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let result = state
        .services
        .access
        .cancel_demo(&viewer(&session), &id, &field(&pairs, "cancel_reason"))
        .await;
    finish(
        &state,
        &session,
        &id,
        true,
        &staff_path(&id),
        "cancelled",
        pairs,
        result,
        &[],
    )
    .await
}

async fn staff_concerns(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    let (session, pairs) = match staff_post(&state, &headers, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    // Rows left blank are skipped by the domain (a blank text keeps its default severity
    // out of the way: only rows with text count).
    let concerns: Vec<(String, String)> = (0..CONCERN_ROWS)
        .map(|i| {
            let text = field(&pairs, &format!("concern_{i}"));
            let severity = if text.trim().is_empty() {
                String::new()
            } else {
                field(&pairs, &format!("concern_{i}_severity"))
            };
            (severity, text)
        })
        .collect();
    let result = state
        .services
        .access
        .raise_concerns(&viewer(&session), &id, &concerns)
        .await;
    finish(
        &state,
        &session,
        &id,
        true,
        &staff_path(&id),
        "concerns",
        pairs,
        result,
        &[],
    )
    .await
}

async fn staff_resolve(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, concern)): Path<(String, String)>,
    RawForm(body): RawForm,
) -> Response {
    let (session, pairs) = match staff_post(&state, &headers, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Ok(concern) = concern.parse::<i64>() else {
        return access_failure(AccessError::NotFound, nav_of(&session), &staff_path(&id));
    };
    let result = state
        .services
        .access
        .resolve_concern(&viewer(&session), &id, concern)
        .await;
    match result {
        Ok(()) => see_other(&format!("{}?done=resolved", staff_path(&id))),
        Err(AccessError::Invalid(errors)) => {
            let message = errors
                .into_iter()
                .map(|(_, m)| m)
                .collect::<Vec<_>>()
                .join("; ");
            request_page(
                &state,
                &session,
                &id,
                true,
                None,
                Some(message),
                StatusCode::BAD_REQUEST,
                &Entered::default(),
            )
            .await
        }
        Err(e) => {
            finish(
                &state,
                &session,
                &id,
                true,
                &staff_path(&id),
                "resolved",
                pairs,
                Err(e),
                &[],
            )
            .await
        }
    }
}

async fn staff_checks(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    let (session, pairs) = match staff_post(&state, &headers, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let checks: Vec<(String, String, String)> = CHECKLIST
        .iter()
        .map(|(item, _)| {
            (
                (*item).to_owned(),
                field(&pairs, &format!("check_{item}")),
                field(&pairs, &format!("check_{item}_note")),
            )
        })
        .collect();
    let result = state
        .services
        .access
        .set_checks(&viewer(&session), &id, &checks)
        .await;
    finish(
        &state,
        &session,
        &id,
        true,
        &staff_path(&id),
        "checks",
        pairs,
        result,
        &[],
    )
    .await
}

async fn staff_decision(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    let (session, pairs) = match staff_post(&state, &headers, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let decision = field(&pairs, "decision");
    let transition = match Transition::parse(&decision) {
        Ok(t @ (Transition::Approve | Transition::Reject | Transition::ConfirmApproval)) => t,
        _ => {
            return request_page(
                &state,
                &session,
                &id,
                true,
                None,
                Some("Choose approve, reject or confirm the approval.".into()),
                StatusCode::BAD_REQUEST,
                &Entered::default(),
            )
            .await;
        }
    };
    let reason_field = format!("{}_reason", transition.as_str());
    let result = state
        .services
        .access
        .decide(
            &viewer(&session),
            &id,
            transition,
            &field(&pairs, &reason_field),
        )
        .await;
    finish(
        &state,
        &session,
        &id,
        true,
        &staff_path(&id),
        transition.as_str(),
        pairs,
        result,
        &[("reason", reason_field.as_str())],
    )
    .await
}

// ------------------------------------------------------------------------------------------
// The reviewer's slots
// ------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "portal/access_slots.html")]
pub(crate) struct SlotsPage {
    pub title: &'static str,
    pub nav: Nav,
    pub notice: Option<String>,
    pub message: Option<String>,
    pub time_zone: String,
    pub date: Field,
    pub times: Field,
    pub meeting_link: Field,
    pub default_link: Field,
    pub slots: Vec<SlotView>,
}

async fn slots_view(
    state: &AppState,
    session: &PortalSession,
    notice_text: Option<String>,
    entered: &Entered,
    status: StatusCode,
) -> Response {
    let access = &state.services.access;
    let v = viewer(session);
    let nav = nav_of(session);
    let slots = match access.slots(&v).await {
        Ok(s) => s.into_iter().filter(|s| s.reviewer == v.name).collect(),
        Err(e) => return access_failure(e, nav, "/v2/staff/access/"),
    };
    let saved = match access.meeting_link(&v).await {
        Ok(l) => l.unwrap_or_default(),
        Err(e) => return access_failure(e, nav, "/v2/staff/access/"),
    };
    let mut default_link = entered.field("default_link", "default_link");
    if entered.kept.is_empty() || entered.value("default_link").is_none() {
        default_link.value = saved;
    }
    render(
        &SlotsPage {
            title: "Your demo slots",
            nav,
            notice: notice_text,
            message: (!entered.errors.is_empty()).then(|| FIX.to_owned()),
            time_zone: access.calendar().time_zone().to_string(),
            date: entered.field("date", "date"),
            times: entered.field("times", "times"),
            meeting_link: entered.field("meeting_link", "meeting_link"),
            default_link,
            slots,
        },
        status,
    )
}

async fn slots_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let session = match staff_session(&state, &headers).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    let notice_text = match query.as_deref() {
        Some("done=link") => Some("Your default meeting link is saved.".to_owned()),
        Some("done=published") => Some("The slots are published.".to_owned()),
        _ => None,
    };
    slots_view(
        &state,
        &session,
        notice_text,
        &Entered::default(),
        StatusCode::OK,
    )
    .await
}

async fn slots_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let (session, pairs) = match staff_post(&state, &headers, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match state
        .services
        .access
        .publish_slots(
            &viewer(&session),
            &field(&pairs, "date"),
            &field(&pairs, "times"),
            &field(&pairs, "meeting_link"),
        )
        .await
    {
        Ok(_) => see_other(&format!("{SLOTS_PAGE}?done=published")),
        Err(AccessError::Invalid(errors)) => {
            let kept = pairs
                .into_iter()
                .filter(|(k, _)| k != "csrf_token")
                .collect();
            slots_view(
                &state,
                &session,
                None,
                &Entered { errors, kept },
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(e) => access_failure(e, nav_of(&session), SLOTS_PAGE),
    }
}

async fn link_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let (session, pairs) = match staff_post(&state, &headers, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match state
        .services
        .access
        .set_meeting_link(&viewer(&session), &field(&pairs, "default_link"))
        .await
    {
        Ok(()) => see_other(&format!("{SLOTS_PAGE}?done=link")),
        Err(AccessError::Invalid(errors)) => {
            let errors = errors
                .into_iter()
                .map(|(_, m)| ("default_link".to_owned(), m))
                .collect();
            let kept = pairs
                .into_iter()
                .filter(|(k, _)| k != "csrf_token")
                .collect();
            slots_view(
                &state,
                &session,
                None,
                &Entered { errors, kept },
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(e) => access_failure(e, nav_of(&session), SLOTS_PAGE),
    }
}

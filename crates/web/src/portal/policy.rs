//! The policy report in the portal (issue 8, item 7): the same engine as `bluebutton policy
//! check` (`bb_domain::policy`), shown
//!
//! | path | who |
//! |---|---|
//! | `/v2/accounts/policy-check` | a signed-in user uploads a draft (PDF, HTML or text, at most 10 MB) or gives its public https address (fetched under `bb_domain::policy_fetch`'s SSRF rules) and reads its report |
//! | `/v2/accounts/organizations/{org}/production-access/{id}/documents/{doc}/report` | the request's developers |
//! | `/v2/staff/access/requests/{id}/documents/{doc}/report` | staff, beside the document in the review console |
//!
//! The report is advisory: it is never a gate. Nothing is stored by the self-service page.

use super::access::{Upload, access_failure, read_multipart, staff_session, viewer};
use super::accounts::{active, ct_eq, nav_of};
use super::views::{Field, Nav, render};
use crate::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use bb_domain::access::request::CHECKLIST;
use bb_domain::access::{AccessError, Viewer};
use bb_domain::policy::{Checked, PolicyCheckError};
use bb_domain::policy::{PolicyExtractError, Report, Verdict};
use bb_domain::policy_fetch::FetchError;
use std::sync::Arc;

const SELF_SERVICE: &str = "/v2/accounts/policy-check";
/// Largest self-service upload: one file of 10 MB and the form's fields.
pub const POLICY_UPLOAD_LIMIT: usize = 10 * 1024 * 1024 + 64 * 1024;

/// The body limit of the self-service upload path (the middleware's declared-length check).
pub fn upload_limit_for(path: &str) -> Option<usize> {
    (path == SELF_SERVICE).then_some(POLICY_UPLOAD_LIMIT)
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(SELF_SERVICE, get(self_service_page).post(self_service_post))
        .layer(DefaultBodyLimit::max(POLICY_UPLOAD_LIMIT))
        .merge(
            Router::new()
                .route(
                    "/v2/accounts/organizations/{org}/production-access/{id}/documents/{doc}/report",
                    get(developer_report),
                )
                .route(
                    "/v2/staff/access/requests/{id}/documents/{doc}/report",
                    get(staff_report),
                )
                .layer(DefaultBodyLimit::max(super::FORM_LIMIT)),
        )
}

// ---- views ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "portal/policy_check.html")]
pub(crate) struct CheckPage {
    pub title: &'static str,
    pub nav: Nav,
    pub error: Option<String>,
    /// The policy's web address, as typed, with its error.
    pub url: Field,
    pub report: Option<ReportView>,
}

#[derive(Template)]
#[template(path = "portal/policy_report.html")]
pub(crate) struct DocumentReportPage {
    pub title: &'static str,
    pub nav: Nav,
    pub back: String,
    pub error: Option<String>,
    pub report: Option<ReportView>,
}

/// A report laid out for the page.
pub(crate) struct ReportView {
    pub file: String,
    pub words: usize,
    pub sentences: usize,
    pub grade_range: String,
    pub scores: Vec<(&'static str, String)>,
    pub hardest: Vec<(String, String)>,
    pub checklist: Vec<ItemView>,
    pub naming: Vec<(String, String)>,
    pub contradictions: Vec<(String, String, String)>,
}

pub(crate) struct ItemView {
    pub id: String,
    pub label: String,
    pub verdict: &'static str,
    pub evidence: Vec<String>,
}

pub(super) fn report_view(report: &Report) -> ReportView {
    let r = &report.readability;
    let f = |v: f64| format!("{v:.1}");
    ReportView {
        file: report.file.clone(),
        words: report.words,
        sentences: report.sentences,
        grade_range: format!("{:.1}–{:.1}", r.grade_range[0], r.grade_range[1]),
        scores: vec![
            ("Flesch Reading Ease", f(r.flesch_reading_ease)),
            ("Flesch–Kincaid grade", f(r.flesch_kincaid_grade)),
            ("SMOG", f(r.smog)),
            ("Gunning Fog", f(r.gunning_fog)),
            ("Coleman–Liau", f(r.coleman_liau)),
            ("Dale–Chall", f(r.dale_chall)),
            ("ARI", f(r.ari)),
        ],
        hardest: r
            .hardest_passages
            .iter()
            .map(|p| (f(p.grade), p.text.clone()))
            .collect(),
        checklist: report
            .checklist
            .iter()
            .map(|item| ItemView {
                label: CHECKLIST
                    .iter()
                    .find(|(id, _)| *id == item.id)
                    .map(|(_, label)| (*label).to_owned())
                    .unwrap_or_else(|| item.id.clone()),
                id: item.id.clone(),
                verdict: match item.verdict {
                    Verdict::Found => "found",
                    Verdict::Unclear => "unclear",
                    Verdict::Missing => "missing",
                },
                evidence: item.evidence.iter().map(|e| e.text.clone()).collect(),
            })
            .collect(),
        naming: report
            .naming
            .iter()
            .map(|n| (n.term.clone(), n.text.clone()))
            .collect(),
        contradictions: report
            .contradictions
            .iter()
            .map(|c| (c.topic.clone(), c.a.text.clone(), c.b.text.clone()))
            .collect(),
    }
}

fn outcome(checked: Result<Checked, PolicyCheckError>) -> (Option<ReportView>, Option<String>) {
    match checked {
        Ok(c) => (Some(report_view(&c.report)), None),
        Err(e) => (None, Some(e.to_string())),
    }
}

// ---- self-service --------------------------------------------------------------------

async fn self_service_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let page = CheckPage {
        title: "Check a privacy policy",
        nav: nav_of(&session),
        error: None,
        url: Field::default(),
        report: None,
    };
    render(&page, StatusCode::OK)
}

async fn self_service_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let (fields, files) = match read_multipart(multipart).await {
        Ok(read) => read,
        Err(response) => return response,
    };
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    if !ct_eq(csrf, &session.csrf_token) {
        return super::accounts::forbidden();
    }
    let address = fields
        .iter()
        .find(|(k, _)| k == "url")
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    let page = |status: StatusCode, error: Option<String>, url: Field, report| {
        let page = CheckPage {
            title: "Check a privacy policy",
            nav: nav_of(&session),
            error,
            url,
            report,
        };
        render(&page, status)
    };
    let kept = Field::value(&address);
    // A chosen file: its part has a name or bytes (an empty file input sends neither).
    let file: Option<&Upload> = files.iter().find(|(name, file_name, bytes, over)| {
        name == "file" && (!file_name.is_empty() || !bytes.is_empty() || *over)
    });
    let checked = match (file, address.is_empty()) {
        (Some(_), false) => {
            return page(
                StatusCode::BAD_REQUEST,
                Some("Give either a file or a web address, not both.".into()),
                kept,
                None,
            );
        }
        (None, true) => {
            return page(
                StatusCode::BAD_REQUEST,
                Some("Choose a file (a PDF, an HTML page or a text file) or give the policy's web address.".into()),
                kept,
                None,
            );
        }
        (Some((_, _, _, true)), true) => {
            return page(
                StatusCode::PAYLOAD_TOO_LARGE,
                Some("The file is larger than 10 MB.".into()),
                kept,
                None,
            );
        }
        (Some((_, file_name, bytes, _)), true) => {
            let name = if file_name.trim().is_empty() {
                "policy"
            } else {
                file_name.as_str()
            };
            state
                .services
                .policy
                .check(name, Arc::new(bytes.clone()))
                .await
        }
        (None, false) => state.services.policy.check_url(&address).await,
    };
    match checked {
        Ok(checked) => page(
            StatusCode::OK,
            None,
            kept,
            Some(report_view(&checked.report)),
        ),
        Err(PolicyCheckError::Fetch(e)) => {
            let status = match e {
                FetchError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                FetchError::ContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                FetchError::Network(_) | FetchError::Status(_) | FetchError::Resolve(_) => {
                    StatusCode::BAD_GATEWAY
                }
                _ => StatusCode::BAD_REQUEST,
            };
            let url = Field {
                value: address.clone(),
                error: Some(format!("This address was not checked: {e}.")),
            };
            page(status, None, url, None)
        }
        Err(PolicyCheckError::Extract(e)) => {
            let status = match e {
                PolicyExtractError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                _ => StatusCode::BAD_REQUEST,
            };
            page(
                status,
                Some(format!("The document could not be read: {e}")),
                kept,
                None,
            )
        }
        Err(e) => page(
            StatusCode::SERVICE_UNAVAILABLE,
            Some(e.to_string()),
            kept,
            None,
        ),
    }
}

// ---- a request's documents -----------------------------------------------------------

async fn document_report(
    state: &AppState,
    nav: Nav,
    who: &Viewer,
    id: &str,
    doc: &str,
    back: String,
) -> Response {
    let Ok(doc) = doc.parse::<i64>() else {
        return access_failure(AccessError::NotFound, nav, &back);
    };
    match state.services.access.policy_report(who, id, doc).await {
        Ok((_, checked)) => {
            let (report, error) = outcome(checked);
            let status = if error.is_some() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            let page = DocumentReportPage {
                title: "Policy report",
                nav,
                back,
                error,
                report,
            };
            render(&page, status)
        }
        Err(e) => access_failure(e, nav, &back),
    }
}

async fn developer_report(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((org, id, doc)): Path<(String, String, String)>,
) -> Response {
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let back = bb_domain::access::service::developer_path(&org, &id);
    if session.staff_role.is_some() {
        return access_failure(AccessError::NotFound, nav_of(&session), &back);
    }
    let who = viewer(&session);
    document_report(&state, nav_of(&session), &who, &id, &doc, back).await
}

async fn staff_report(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, doc)): Path<(String, String)>,
) -> Response {
    let session = match staff_session(&state, &headers).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    let back = bb_domain::access::service::staff_path(&id);
    let who = viewer(&session);
    document_report(&state, nav_of(&session), &who, &id, &doc, back).await
}

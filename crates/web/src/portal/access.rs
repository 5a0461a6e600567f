//! Production access pages (issue 7): the developer's side under the organization and the
//! reviewers' console under `/v2/staff/access/`.
//!
//! | path | GET | POST |
//! |---|---|---|
//! | `/v2/accounts/organizations/{org}/production-access/` | requests, terms status, start form | |
//! | `…/production-access/terms` | the current terms of service | owners accept: 303 back |
//! | `…/production-access/new` | | start a draft: 303 to its form |
//! | `…/production-access/{id}/` | status: state, due date, reason, history, documents | |
//! | `…/production-access/{id}/edit` | the form (multipart, two PDFs) | save or submit: 303; 400/413/415 errors next to the fields; 409 terms |
//! | `…/production-access/{id}/transition` | | a developer move (e.g. withdraw): 303 |
//! | `…/production-access/{id}/documents/{doc}` | the PDF | |
//! | `/v2/accounts/notifications/` | the user's notifications (marked read) | |
//! | `/v2/staff/access/` | staff: the queue with filters; others 403 | |
//! | `/v2/staff/access/requests/{id}/` | staff: the request and its moves | |
//! | `/v2/staff/access/requests/{id}/transition` | | staff: a move with its reason: 303; 409 refused or lost |
//! | `/v2/staff/access/requests/{id}/assign` | | staff: assign to a reviewer: 303 |
//! | `/v2/staff/access/requests/{id}/documents/{doc}` | staff: the PDF | |
//!
//! Staff pages need a signed-in staff session, which has passed TOTP (staff cannot sign
//! in without it). Upload forms take at most [`ACCESS_UPLOAD_LIMIT`] bytes; every other
//! form [`super::FORM_LIMIT`].

use super::accounts::{FIX_BELOW, active, ct_eq, failure, field, forbidden, nav_of, pairs};
use super::review::{Entered, ReviewForms, has_own_form, review_notice};
use super::views::{Field, Nav, notice, render};
use crate::AppState;
use crate::oauth::see_other;
use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Multipart, Path, RawForm, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bb_domain::access::request::{
    CHECKLIST, DOCUMENT_MAX_BYTES, DocumentKind, RequestForm, UploadProblem, attestation_field,
    check_pdf,
};
use bb_domain::access::review::ReviewView;
use bb_domain::access::service::{
    NotificationView, RequestSummary, RequestView, TermsStatus, developer_path, staff_path,
};
use bb_domain::access::{AccessError, AccessState, QueueFilter, Transition, Viewer};
use bb_domain::portal::PortalSession;

/// Largest production-access upload form: two PDFs of 10 MB and the fields.
pub const ACCESS_UPLOAD_LIMIT: usize = 21 * 1024 * 1024;

const STAFF_QUEUE: &str = "/v2/staff/access/";

/// The body limit of a path, when it is one of the upload routes (the middleware's
/// declared-length check allows these more than the server's default).
pub fn upload_limit_for(path: &str) -> Option<usize> {
    let upload = (path.starts_with("/v2/accounts/organizations/")
        && path.contains("/production-access/")
        && path.ends_with("/edit"))
        || (path.starts_with("/v2/access/requests/") && path.contains("/documents/"))
        || super::policy_change::is_upload(path);
    upload.then_some(ACCESS_UPLOAD_LIMIT)
}

pub(super) fn routes() -> Router<AppState> {
    let uploads = Router::new()
        .route(
            "/v2/accounts/organizations/{org}/production-access/{id}/edit",
            get(edit_page).post(edit_post),
        )
        .layer(DefaultBodyLimit::max(ACCESS_UPLOAD_LIMIT));
    let forms = Router::new()
        .route(
            "/v2/accounts/organizations/{org}/production-access/",
            get(list_page),
        )
        .route(
            "/v2/accounts/organizations/{org}/production-access/terms",
            get(terms_page).post(terms_post),
        )
        .route(
            "/v2/accounts/organizations/{org}/production-access/new",
            post(new_post),
        )
        .route(
            "/v2/accounts/organizations/{org}/production-access/{id}/",
            get(status_page),
        )
        .route(
            "/v2/accounts/organizations/{org}/production-access/{id}/transition",
            post(developer_transition),
        )
        .route(
            "/v2/accounts/organizations/{org}/production-access/{id}/documents/{doc}",
            get(developer_document),
        )
        .route("/v2/accounts/notifications/", get(notifications_page))
        .route("/v2/accounts/notifications", get(notifications_page))
        .route("/v2/staff/access/", get(queue_page))
        .route("/v2/staff/access", get(queue_page))
        .route("/v2/staff/access/requests/{id}/", get(staff_page))
        .route(
            "/v2/staff/access/requests/{id}/transition",
            post(staff_transition),
        )
        .route("/v2/staff/access/requests/{id}/assign", post(staff_assign))
        .route(
            "/v2/staff/access/requests/{id}/documents/{doc}",
            get(staff_document),
        )
        .layer(DefaultBodyLimit::max(super::FORM_LIMIT));
    uploads
        .merge(forms)
        .merge(super::review::routes().layer(DefaultBodyLimit::max(super::FORM_LIMIT)))
}

// ------------------------------------------------------------------------------------------
// Pages
// ------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "portal/access_list.html")]
pub(crate) struct ListPage {
    pub title: String,
    pub nav: Nav,
    pub org_id: String,
    pub notice: Option<&'static str>,
    pub terms: TermsStatus,
    pub requests: Vec<RequestSummary>,
}

#[derive(Template)]
#[template(path = "portal/access_terms.html")]
pub(crate) struct TermsPage {
    pub title: String,
    pub nav: Nav,
    pub org_id: String,
    pub message: Option<String>,
    pub terms: TermsStatus,
}

/// A checklist checkbox.
pub(crate) struct AttestBox {
    pub field: String,
    pub label: &'static str,
    pub checked: bool,
    pub error: Option<String>,
}

/// A document slot of the form: its versions so far and its error.
pub(crate) struct DocSlot {
    pub kind: &'static str,
    pub label: &'static str,
    pub versions: Vec<(i64, i64, String, String)>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/access_form.html")]
pub(crate) struct FormPage {
    pub title: String,
    pub nav: Nav,
    pub action: String,
    pub status_link: String,
    pub terms_link: String,
    pub message: Option<String>,
    pub notice: Option<&'static str>,
    pub apps: Vec<(String, String, bool)>,
    pub application: Field,
    pub use_case: Field,
    pub redirect_uris: Field,
    pub contact_name: Field,
    pub contact_email: Field,
    pub contact_phone: Field,
    pub documents: Vec<DocSlot>,
    pub files_again: bool,
    pub attestations: Vec<AttestBox>,
    pub latest_reason: Option<String>,
}

/// A move button.
pub(crate) struct MoveButton {
    pub transition: &'static str,
    pub label: String,
    pub needs_reason: bool,
}

#[derive(Template)]
#[template(path = "portal/access_request.html")]
pub(crate) struct RequestPage {
    pub title: String,
    pub nav: Nav,
    pub staff: bool,
    pub notice: Option<String>,
    pub message: Option<String>,
    pub base: String,
    pub edit_link: Option<String>,
    pub request: RequestView,
    pub app_name: String,
    pub moves: Vec<MoveButton>,
    pub reviewers: Vec<(String, String, bool)>,
    pub review: ReviewView,
    pub forms: ReviewForms,
    pub golive: bb_domain::access::golive::GoLiveView,
    pub listing_link: Option<String>,
    pub label_html: Option<String>,
    pub can_issue: bool,
}

#[derive(Template)]
#[template(path = "portal/notifications.html")]
pub(crate) struct NotificationsPage {
    pub title: &'static str,
    pub nav: Nav,
    pub notifications: Vec<NotificationView>,
}

#[derive(Template)]
#[template(path = "portal/staff_queue.html")]
pub(crate) struct QueuePage {
    pub title: &'static str,
    pub nav: Nav,
    pub states: Vec<(&'static str, bool)>,
    pub due: String,
    pub assignee: String,
    pub reviewers: Vec<(String, String)>,
    pub rows: Vec<RequestSummary>,
    pub changes: Vec<bb_domain::access::changes::ChangeSummary>,
}

pub(super) fn viewer(session: &PortalSession) -> Viewer {
    Viewer {
        user_id: session.user_id.clone(),
        name: if session.name.is_empty() {
            session.email.clone()
        } else {
            session.name.clone()
        },
        staff_role: session.staff_role.clone(),
    }
}

fn label(name: &str) -> &'static str {
    match name {
        "application" => "Application",
        "use_case" => "Use case for enrollees",
        "redirect_uris" => "Redirect URIs",
        "contact_name" => "Point of contact: name",
        "contact_email" => "Point of contact: e-mail",
        "contact_phone" => "Point of contact: phone",
        "terms" => "Terms of service (PDF)",
        "privacy_policy" => "Privacy policy (PDF)",
        n if n.starts_with("attest_") => "Attestation",
        _ => "This field",
    }
}

/// The status and page of an error that is not about fields.
pub(super) fn access_failure(e: AccessError, nav: Nav, back: &str) -> Response {
    let (status, title) = match &e {
        AccessError::NotFound => (StatusCode::NOT_FOUND, "Request not found"),
        AccessError::StaffOnly => (StatusCode::FORBIDDEN, "Staff only"),
        AccessError::OwnersOnly => (StatusCode::FORBIDDEN, "Owners only"),
        AccessError::TermsNotAccepted { .. } => (StatusCode::CONFLICT, "Terms of service"),
        AccessError::NotEditable(_)
        | AccessError::Refused(_)
        | AccessError::Conflict
        | AccessError::ChangeRefused(_) => (StatusCode::CONFLICT, "This move was refused"),
        AccessError::Invalid(_) | AccessError::InvalidInput { .. } | AccessError::Upload { .. } => {
            (StatusCode::BAD_REQUEST, "Please check the form")
        }
        AccessError::Domain(_) => {
            let AccessError::Domain(inner) = e else {
                return failure(bb_domain::DomainError::NotFound { what: "request" });
            };
            return failure(inner);
        }
    };
    notice(status, nav, title, &[&e.to_string()], Some((back, "Back")))
}

fn staff_only(session: &PortalSession) -> Option<Response> {
    session.staff_role.is_none().then(|| {
        notice(
            StatusCode::FORBIDDEN,
            nav_of(session),
            "Staff only",
            &["The review queue is shown to Blue Button staff only."],
            Some(("/v2/accounts/settings", "Back to your account")),
        )
    })
}

fn when_done(query: Option<&str>) -> Option<String> {
    query
        .map(|q| pairs(q.as_bytes()))
        .and_then(|p| crate::oauth::param(&p, "done"))
}

fn move_buttons(moves: &[Transition]) -> Vec<MoveButton> {
    moves
        .iter()
        .filter(|t| !matches!(t, Transition::Submit | Transition::Resubmit) && !has_own_form(**t))
        .map(|t| MoveButton {
            transition: t.as_str(),
            label: {
                let words = t.as_str().replace('_', " ");
                let mut chars = words.chars();
                chars
                    .next()
                    .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
                    .unwrap_or_default()
            },
            needs_reason: t.needs_reason(),
        })
        .collect()
}

// ------------------------------------------------------------------------------------------
// Developer side
// ------------------------------------------------------------------------------------------

async fn list_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(org): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let access = &state.services.access;
    let nav = nav_of(&session);
    let terms = match access.terms_status(&session.user_id, &org).await {
        Ok(t) => t,
        Err(e) => return access_failure(e, nav, "/v2/accounts/organizations/"),
    };
    let requests = match access.requests_of(&session.user_id, &org).await {
        Ok(r) => r,
        Err(e) => return access_failure(e, nav, "/v2/accounts/organizations/"),
    };
    let notice_text = match when_done(query.as_deref()).as_deref() {
        Some("terms") => Some("The terms of service are accepted for your organization."),
        _ => None,
    };
    render(
        &ListPage {
            title: "Production access".into(),
            nav,
            org_id: org,
            notice: notice_text,
            terms,
            requests,
        },
        StatusCode::OK,
    )
}

async fn terms_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(org): Path<String>,
) -> Response {
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let nav = nav_of(&session);
    match state
        .services
        .access
        .terms_status(&session.user_id, &org)
        .await
    {
        Ok(terms) => render(
            &TermsPage {
                title: format!("Terms of service, version {}", terms.terms.version),
                nav,
                org_id: org,
                message: None,
                terms,
            },
            StatusCode::OK,
        ),
        Err(e) => access_failure(e, nav, "/v2/accounts/organizations/"),
    }
}

async fn terms_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(org): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    let pairs = pairs(&body);
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if !ct_eq(&field(&pairs, "csrf_token"), &session.csrf_token) {
        return forbidden();
    }
    let version = field(&pairs, "version").parse::<i64>().unwrap_or(0);
    let access = &state.services.access;
    match access.accept_terms(&session.user_id, &org, version).await {
        Ok(()) => see_other(&format!(
            "/v2/accounts/organizations/{org}/production-access/?done=terms"
        )),
        Err(AccessError::Invalid(errors)) => {
            let terms = match access.terms_status(&session.user_id, &org).await {
                Ok(t) => t,
                Err(e) => {
                    return access_failure(e, nav_of(&session), "/v2/accounts/organizations/");
                }
            };
            render(
                &TermsPage {
                    title: format!("Terms of service, version {}", terms.terms.version),
                    nav: nav_of(&session),
                    org_id: org,
                    message: errors.first().map(|(_, m)| m.clone()),
                    terms,
                },
                StatusCode::BAD_REQUEST,
            )
        }
        Err(e) => access_failure(
            e,
            nav_of(&session),
            &format!("/v2/accounts/organizations/{org}/production-access/"),
        ),
    }
}

async fn new_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(org): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    let pairs = pairs(&body);
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if !ct_eq(&field(&pairs, "csrf_token"), &session.csrf_token) {
        return forbidden();
    }
    match state
        .services
        .access
        .create(&session.user_id, &org, &RequestForm::default())
        .await
    {
        Ok(id) => see_other(&format!("{}edit", developer_path(&org, &id))),
        Err(e) => access_failure(
            e,
            nav_of(&session),
            &format!("/v2/accounts/organizations/{org}/production-access/"),
        ),
    }
}

fn form_of(fields: &[(String, String)]) -> RequestForm {
    RequestForm {
        application: field(fields, "application"),
        use_case: field(fields, "use_case"),
        redirect_uris: field(fields, "redirect_uris"),
        contact_name: field(fields, "contact_name"),
        contact_email: field(fields, "contact_email"),
        contact_phone: field(fields, "contact_phone"),
        attestations: CHECKLIST
            .iter()
            .filter(|(id, _)| !field(fields, &attestation_field(id)).is_empty())
            .map(|(id, _)| (*id).to_owned())
            .collect(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    session: &PortalSession,
    org: &str,
    id: &str,
    form: Option<&RequestForm>,
    errors: &[(String, String)],
    message: Option<String>,
    notice_text: Option<&'static str>,
) -> Result<FormPage, Response> {
    let access = &state.services.access;
    let nav = nav_of(session);
    let view = access
        .view(&viewer(session), id)
        .await
        .map_err(|e| access_failure(e, nav.clone(), "/v2/accounts/organizations/"))?;
    if view.summary.organization_id != org {
        return Err(access_failure(
            AccessError::NotFound,
            nav,
            "/v2/accounts/organizations/",
        ));
    }
    let apps = access
        .applications(&session.user_id, org)
        .await
        .map_err(|e| access_failure(e, nav.clone(), "/v2/accounts/organizations/"))?;
    let form = form.cloned().unwrap_or_else(|| view.form.clone());
    let error_of = |name: &str| {
        let reasons: Vec<&str> = errors
            .iter()
            .filter(|(f, _)| f == name)
            .map(|(_, r)| r.as_str())
            .collect();
        (!reasons.is_empty()).then(|| format!("{}: {}", label(name), reasons.join("; ")))
    };
    let f = |name: &str, value: &str| Field {
        value: value.to_owned(),
        error: error_of(name),
    };
    let documents = DocumentKind::ALL
        .iter()
        .map(|kind| DocSlot {
            kind: kind.as_str(),
            label: kind.label(),
            versions: view
                .documents
                .iter()
                .filter(|d| d.kind == *kind)
                .map(|d| (d.id, d.version, d.file_name.clone(), d.sha256.clone()))
                .collect(),
            error: error_of(kind.as_str()),
        })
        .collect();
    let attestations = CHECKLIST
        .iter()
        .map(|(id, label)| AttestBox {
            field: attestation_field(id),
            label,
            checked: form.attestations.iter().any(|a| a == id),
            error: error_of(&attestation_field(id)),
        })
        .collect();
    let path = developer_path(org, id);
    Ok(FormPage {
        title: "Production access request".into(),
        nav,
        action: format!("{path}edit"),
        status_link: path,
        terms_link: format!("/v2/accounts/organizations/{org}/production-access/terms"),
        message,
        notice: notice_text,
        apps: apps
            .into_iter()
            .map(|(app_id, name)| {
                let selected = app_id == form.application;
                (app_id, name, selected)
            })
            .collect(),
        application: f("application", &form.application),
        use_case: f("use_case", &form.use_case),
        redirect_uris: f("redirect_uris", &form.redirect_uris),
        contact_name: f("contact_name", &form.contact_name),
        contact_email: f("contact_email", &form.contact_email),
        contact_phone: f("contact_phone", &form.contact_phone),
        documents,
        files_again: !errors.is_empty(),
        attestations,
        latest_reason: view.latest_reason.clone(),
    })
}

async fn edit_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((org, id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let notice_text = match when_done(query.as_deref()).as_deref() {
        Some("saved") => Some("Your draft is saved."),
        _ => None,
    };
    match form_page(&state, &session, &org, &id, None, &[], None, notice_text).await {
        Ok(page) => render(&page, StatusCode::OK),
        Err(response) => response,
    }
}

/// An uploaded file: `(field, file name, bytes, over the limit)`.
pub(super) type Upload = (String, String, Vec<u8>, bool);

/// Reads the form: text fields (each at most 16 KiB) and the `terms` and
/// `privacy_policy` files (kept up to 10 MB + 1 byte; more is only counted).
pub(super) async fn read_multipart(
    mut multipart: Multipart,
) -> Result<(Vec<(String, String)>, Vec<Upload>), Response> {
    let too_large = || {
        notice(
            StatusCode::PAYLOAD_TOO_LARGE,
            Nav::default(),
            "The form is too large",
            &[&format!(
                "The form could not be read: each PDF may be at most {} MB. Go back and choose smaller files.",
                DOCUMENT_MAX_BYTES / (1024 * 1024)
            )],
            None,
        )
    };
    let bad_form = || {
        notice(
            StatusCode::BAD_REQUEST,
            Nav::default(),
            "The form could not be read",
            &["Go back, reload the page and try again."],
            None,
        )
    };
    let mut fields = Vec::new();
    let mut files = Vec::new();
    loop {
        let mut part = match multipart.next_field().await {
            Ok(Some(part)) => part,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => return Err(bad_form()),
        };
        let name = part.name().unwrap_or_default().to_owned();
        if DocumentKind::parse(&name).is_some() || name == "file" {
            let file_name = part.file_name().unwrap_or_default().to_owned();
            let mut bytes = Vec::new();
            let mut over = false;
            loop {
                match part.chunk().await {
                    Ok(Some(chunk)) => {
                        if bytes.len() + chunk.len() > DOCUMENT_MAX_BYTES {
                            over = true;
                        } else {
                            bytes.extend_from_slice(&chunk);
                        }
                    }
                    Ok(None) => break,
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        return Err(too_large());
                    }
                    Err(_) => return Err(bad_form()),
                }
            }
            if over || !bytes.is_empty() {
                files.push((name, file_name, bytes, over));
            }
            continue;
        }
        match part.text().await {
            Ok(text) if text.len() <= 16 * 1024 => fields.push((name, text)),
            Ok(_) => return Err(bad_form()),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => return Err(bad_form()),
        }
    }
    Ok((fields, files))
}

/// The pure check of an upload: the problem and its message when refused.
pub(super) fn upload_problem(bytes: &[u8], over: bool) -> Option<(UploadProblem, String)> {
    if over {
        return Some((
            UploadProblem::TooLarge,
            format!(
                "the file is larger than {} MB: upload a smaller PDF",
                DOCUMENT_MAX_BYTES / (1024 * 1024)
            ),
        ));
    }
    check_pdf(bytes)
        .err()
        .map(|(problem, why)| (problem, format!("the file {why}")))
}

pub(crate) fn upload_status(problem: UploadProblem) -> StatusCode {
    match problem {
        UploadProblem::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        UploadProblem::WrongType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        UploadProblem::Invalid => StatusCode::BAD_REQUEST,
    }
}

async fn edit_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((org, id)): Path<(String, String)>,
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
    if !ct_eq(&field(&fields, "csrf_token"), &session.csrf_token) {
        return forbidden();
    }
    let form = form_of(&fields);
    let submitting = field(&fields, "action") == "submit";
    let access = &state.services.access;
    let back = |errors: Vec<(String, String)>, status: StatusCode, message: Option<String>| {
        let state = state.clone();
        let session = session.clone();
        let org = org.clone();
        let id = id.clone();
        let form = form.clone();
        async move {
            match form_page(
                &state,
                &session,
                &org,
                &id,
                Some(&form),
                &errors,
                message.or_else(|| Some(FIX_BELOW.to_owned())),
                None,
            )
            .await
            {
                Ok(page) => render(&page, status),
                Err(response) => response,
            }
        }
    };

    // 1. The files, checked before anything is saved.
    let mut errors = Vec::new();
    let mut worst: Option<UploadProblem> = None;
    for (name, _, bytes, over) in &files {
        let kind = DocumentKind::parse(name).unwrap_or(DocumentKind::Terms);
        if let Some((problem, message)) = upload_problem(bytes, *over) {
            errors.push((kind.as_str().to_owned(), message));
            worst = Some(match (worst, problem) {
                (Some(UploadProblem::TooLarge), _) | (_, UploadProblem::TooLarge) => {
                    UploadProblem::TooLarge
                }
                (Some(UploadProblem::WrongType), _) | (_, UploadProblem::WrongType) => {
                    UploadProblem::WrongType
                }
                _ => UploadProblem::Invalid,
            });
        }
    }
    if let Some(problem) = worst {
        return back(errors, upload_status(problem), None).await;
    }

    // 2. The fields (a draft may be partial; nothing saved on error).
    match access.save_draft(&session.user_id, &org, &id, &form).await {
        Ok(()) => {}
        Err(AccessError::Invalid(errors)) => {
            return back(errors, StatusCode::BAD_REQUEST, None).await;
        }
        Err(e) => return access_failure(e, nav_of(&session), &developer_path(&org, &id)),
    }

    // 3. The files, each a new version.
    for (name, file_name, bytes, _) in files {
        let kind = DocumentKind::parse(&name).unwrap_or(DocumentKind::Terms);
        match access
            .upload(&session.user_id, &org, &id, kind, &file_name, bytes)
            .await
        {
            Ok(_) => {}
            Err(AccessError::Upload {
                kind,
                problem,
                message,
            }) => {
                return back(
                    vec![(kind.as_str().to_owned(), message)],
                    upload_status(problem),
                    None,
                )
                .await;
            }
            Err(e) => return access_failure(e, nav_of(&session), &developer_path(&org, &id)),
        }
    }

    if !submitting {
        return see_other(&format!("{}edit?done=saved", developer_path(&org, &id)));
    }
    // 4. Submit: everything required; the draft stays saved whatever is missing.
    match access.submit(&viewer(&session), &org, &id, None).await {
        Ok(()) => see_other(&format!("{}?done=submitted", developer_path(&org, &id))),
        Err(AccessError::Invalid(errors)) => {
            back(
                errors,
                StatusCode::BAD_REQUEST,
                Some("Your draft is saved, but it cannot be submitted yet: fix the problems shown below.".into()),
            )
            .await
        }
        Err(e @ AccessError::TermsNotAccepted { .. }) => {
            back(
                Vec::new(),
                StatusCode::CONFLICT,
                Some(format!("Your draft is saved, but it cannot be submitted yet: {e}.")),
            )
            .await
        }
        Err(e) => access_failure(e, nav_of(&session), &developer_path(&org, &id)),
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn request_page(
    state: &AppState,
    session: &PortalSession,
    id: &str,
    staff: bool,
    notice_text: Option<String>,
    message: Option<String>,
    status: StatusCode,
    entered: &Entered,
) -> Response {
    let access = &state.services.access;
    let nav = nav_of(session);
    let view = match access.view(&viewer(session), id).await {
        Ok(v) => v,
        Err(e) => {
            return access_failure(
                e,
                nav,
                if staff {
                    STAFF_QUEUE
                } else {
                    "/v2/accounts/organizations/"
                },
            );
        }
    };
    let reviewers = if staff {
        match access.reviewers(&viewer(session)).await {
            Ok(list) => list
                .into_iter()
                .map(|(rid, name)| {
                    let selected = view.summary.assignee.as_deref() == Some(rid.as_str());
                    (rid, name, selected)
                })
                .collect(),
            Err(e) => return access_failure(e, nav, STAFF_QUEUE),
        }
    } else {
        Vec::new()
    };
    let base = if staff {
        staff_path(id)
    } else {
        developer_path(&view.summary.organization_id, id)
    };
    let review = match access.review(&viewer(session), id).await {
        Ok(r) => r,
        Err(e) => return access_failure(e, nav, &base),
    };
    let slots = if staff {
        Vec::new()
    } else {
        match access.slots(&viewer(session)).await {
            Ok(s) => s,
            Err(e) => return access_failure(e, nav, &base),
        }
    };
    let forms = ReviewForms::new(&view, &review, slots, entered);
    let golive = match access.golive(&viewer(session), id).await {
        Ok(g) => g,
        Err(e) => return access_failure(e, nav, &base),
    };
    let listing_link = (!staff && view.moves.contains(&Transition::SubmitListing))
        .then(|| format!("{base}listing"));
    let can_issue = staff && view.moves.contains(&Transition::IssueCredentials);
    let label_html = golive
        .listing
        .as_ref()
        .and_then(|l| l.label.as_ref())
        .map(|l| l.to_html());
    let page = RequestPage {
        title: format!(
            "Production access: {}",
            if view.summary.application.is_empty() {
                "draft"
            } else {
                &view.summary.application
            }
        ),
        nav,
        staff,
        notice: notice_text,
        message,
        edit_link: (!staff && view.editable).then(|| format!("{base}edit")),
        moves: move_buttons(&view.moves),
        app_name: view.summary.application.clone(),
        base,
        request: view,
        reviewers,
        review,
        forms,
        golive,
        listing_link,
        label_html,
        can_issue,
    };
    render(&page, status)
}

fn done_notice(query: Option<&str>) -> Option<String> {
    match when_done(query).as_deref() {
        Some("submitted") => Some(
            "Your request is submitted. The team responds within 24 business hours; the due date is below."
                .into(),
        ),
        Some("moved") => Some("Done.".into()),
        Some("assigned") => Some("The request is assigned.".into()),
        Some(other) => review_notice(other),
        _ => None,
    }
}

async fn status_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((org, id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if session.staff_role.is_none()
        && let Err(e) = state
            .services
            .access
            .requests_of(&session.user_id, &org)
            .await
            .and_then(|list| {
                list.iter()
                    .any(|r| r.id == id)
                    .then_some(())
                    .ok_or(AccessError::NotFound)
            })
    {
        return access_failure(e, nav_of(&session), "/v2/accounts/organizations/");
    }
    request_page(
        &state,
        &session,
        &id,
        false,
        done_notice(query.as_deref()),
        None,
        StatusCode::OK,
        &Entered::default(),
    )
    .await
}

async fn transition_from_form(
    state: &AppState,
    session: &PortalSession,
    id: &str,
    pairs: &[(String, String)],
    staff: bool,
    done: &str,
) -> Response {
    let Ok(transition) = Transition::parse(&field(pairs, "transition")) else {
        return request_page(
            state,
            session,
            id,
            staff,
            None,
            Some("Choose one of the moves shown.".into()),
            StatusCode::BAD_REQUEST,
            &Entered::default(),
        )
        .await;
    };
    match state
        .services
        .access
        .transition(id, transition, &viewer(session), &field(pairs, "reason"))
        .await
    {
        Ok(()) => see_other(&format!("{done}?done=moved")),
        Err(
            e @ (AccessError::Refused(_)
            | AccessError::Conflict
            | AccessError::Invalid(_)
            | AccessError::TermsNotAccepted { .. }),
        ) => {
            let status = if matches!(e, AccessError::Invalid(_)) {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::CONFLICT
            };
            request_page(
                state,
                session,
                id,
                staff,
                None,
                Some(e.to_string()),
                status,
                &Entered::default(),
            )
            .await
        }
        Err(e) => access_failure(e, nav_of(session), done),
    }
}

async fn developer_transition(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((org, id)): Path<(String, String)>,
    RawForm(body): RawForm,
) -> Response {
    let pairs = pairs(&body);
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if !ct_eq(&field(&pairs, "csrf_token"), &session.csrf_token) {
        return forbidden();
    }
    if let Err(e) = state
        .services
        .access
        .requests_of(&session.user_id, &org)
        .await
    {
        return access_failure(e, nav_of(&session), "/v2/accounts/organizations/");
    }
    let done = developer_path(&org, &id);
    transition_from_form(&state, &session, &id, &pairs, false, &done).await
}

pub(super) fn pdf_response(file_name: &str, bytes: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let safe: String = file_name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' '))
        .collect();
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response.into_response()
}

async fn document(
    state: &AppState,
    session: &PortalSession,
    id: &str,
    doc: &str,
    back: &str,
) -> Response {
    let Ok(doc) = doc.parse::<i64>() else {
        return access_failure(AccessError::NotFound, nav_of(session), back);
    };
    match state
        .services
        .access
        .document(&viewer(session), id, doc)
        .await
    {
        Ok((name, bytes)) => pdf_response(&name, bytes),
        Err(e) => access_failure(e, nav_of(session), back),
    }
}

async fn developer_document(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((org, id, doc)): Path<(String, String, String)>,
) -> Response {
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let back = developer_path(&org, &id);
    if session.staff_role.is_some() {
        return access_failure(AccessError::NotFound, nav_of(&session), &back);
    }
    document(&state, &session, &id, &doc, &back).await
}

async fn notifications_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let access = &state.services.access;
    let notifications = match access.notifications(&viewer(&session)).await {
        Ok(n) => n,
        Err(e) => return access_failure(e, nav_of(&session), "/v2/accounts/settings"),
    };
    if let Err(e) = access.mark_read(&session.user_id).await {
        return failure(e);
    }
    render(
        &NotificationsPage {
            title: "Notifications",
            nav: nav_of(&session),
            notifications,
        },
        StatusCode::OK,
    )
}

// ------------------------------------------------------------------------------------------
// Staff side
// ------------------------------------------------------------------------------------------

/// A queue filter from query parameters `state`, `due` (`soon`, `overdue`), `assignee`.
pub(crate) fn queue_filter(query: Option<&str>) -> (QueueFilter, String, String, String) {
    let pairs = query.map(|q| pairs(q.as_bytes())).unwrap_or_default();
    let state_name = field(&pairs, "state");
    let due = field(&pairs, "due");
    let assignee = field(&pairs, "assignee");
    let filter = QueueFilter {
        state: AccessState::parse(&state_name).ok(),
        due_soon: due == "soon",
        overdue: due == "overdue",
        assignee: (!assignee.is_empty()).then(|| assignee.clone()),
    };
    (filter, state_name, due, assignee)
}

async fn queue_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if let Some(response) = staff_only(&session) {
        return response;
    }
    let (filter, state_name, due, assignee) = queue_filter(query.as_deref());
    let access = &state.services.access;
    let v = viewer(&session);
    let rows = match access.queue(&v, &filter).await {
        Ok(rows) => rows,
        Err(e) => return access_failure(e, nav_of(&session), "/v2/accounts/settings"),
    };
    let reviewers = match access.reviewers(&v).await {
        Ok(r) => r,
        Err(e) => return access_failure(e, nav_of(&session), "/v2/accounts/settings"),
    };
    let changes = match access.policy_change_queue(&v).await {
        Ok(c) => c,
        Err(e) => return access_failure(e, nav_of(&session), "/v2/accounts/settings"),
    };
    render(
        &QueuePage {
            title: "Review queue",
            nav: nav_of(&session),
            states: AccessState::ALL
                .iter()
                .filter(|s| **s != AccessState::Draft)
                .map(|s| (s.as_str(), s.as_str() == state_name))
                .collect(),
            due,
            assignee,
            reviewers,
            rows,
            changes,
        },
        StatusCode::OK,
    )
}

pub(super) async fn staff_session(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<PortalSession, Response> {
    let (_, session) = active(state, headers).await?;
    match staff_only(&session) {
        Some(response) => Err(response),
        None => Ok(session),
    }
}

async fn staff_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let session = match staff_session(&state, &headers).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    request_page(
        &state,
        &session,
        &id,
        true,
        done_notice(query.as_deref()),
        None,
        StatusCode::OK,
        &Entered::default(),
    )
    .await
}

async fn staff_transition(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    let pairs = pairs(&body);
    let session = match staff_session(&state, &headers).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    if !ct_eq(&field(&pairs, "csrf_token"), &session.csrf_token) {
        return forbidden();
    }
    let done = staff_path(&id);
    transition_from_form(&state, &session, &id, &pairs, true, &done).await
}

async fn staff_assign(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    let pairs = pairs(&body);
    let session = match staff_session(&state, &headers).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    if !ct_eq(&field(&pairs, "csrf_token"), &session.csrf_token) {
        return forbidden();
    }
    match state
        .services
        .access
        .assign(&viewer(&session), &id, &field(&pairs, "assignee"))
        .await
    {
        Ok(()) => see_other(&format!("{}?done=assigned", staff_path(&id))),
        Err(
            e @ (AccessError::Invalid(_) | AccessError::Conflict | AccessError::NotEditable(_)),
        ) => {
            request_page(
                &state,
                &session,
                &id,
                true,
                None,
                Some(e.to_string()),
                StatusCode::BAD_REQUEST,
                &Entered::default(),
            )
            .await
        }
        Err(e) => access_failure(e, nav_of(&session), STAFF_QUEUE),
    }
}

async fn staff_document(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, doc)): Path<(String, String)>,
) -> Response {
    let session = match staff_session(&state, &headers).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    document(&state, &session, &id, &doc, STAFF_QUEUE).await
}

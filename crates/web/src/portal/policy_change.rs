//! Policy changes of a live app (issue 7, part 5 — journey J5) on the pages: the developer
//! submits new drafts and the notification to enrollees, reads the state and the decision's
//! due date, resubmits or withdraws; the reviewer reads the word diff of old and new text,
//! the policy reports of both privacy policies side by side and the notice, and claims,
//! requests changes, approves or rejects with reasons.
//!
//! | path | GET | POST |
//! |---|---|---|
//! | `/v2/accounts/organizations/{org}/production-access/{id}/policy-changes/` | published documents, changes, the new-change form | multipart: `notice`, `terms`, `privacy_policy` → 303 to the change; 400/413/415 next to the fields |
//! | `…/policy-changes/{change}/` | the change: state, due, notice, drafts, diff, history | |
//! | `…/policy-changes/{change}/resubmit` | | multipart: `notice` and new drafts |
//! | `…/policy-changes/{change}/transition` | | `withdraw` |
//! | `…/policy-changes/{change}/documents/{doc}` | a draft (PDF) | |
//! | `/v2/staff/access/requests/{id}/policy-changes/` | staff: the same overview | |
//! | `/v2/staff/access/requests/{id}/policy-changes/{change}/` | staff: diff, reports, notice, decision forms | |
//! | `…/{change}/transition` | | staff: `claim`, `request_changes`, `approve`, `reject` with `<move>_reason` |
//! | `…/{change}/documents/{doc}` | staff: a draft | |
//!
//! Field names: `notice`, `terms`, `privacy_policy`, `documents` (neither file given),
//! `request_changes_reason`, `approve_reason`, `reject_reason`; errors in
//! `<p id="FIELD-error">`. Upload forms take at most [`super::ACCESS_UPLOAD_LIMIT`] bytes.

use super::access::{
    Upload, access_failure, pdf_response, read_multipart, staff_session, upload_problem,
    upload_status, viewer,
};
use super::accounts::{FIX_BELOW, active, ct_eq, field, forbidden, nav_of, pairs};
use super::policy::{ReportView, report_view};
use super::views::{Field, Nav, render};
use crate::AppState;
use crate::oauth::see_other;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, RawForm, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use bb_domain::access::changes::{
    ChangeFile, ChangeView, ChangesOverview, developer_change_path, staff_change_path,
};
use bb_domain::access::policy_change::{ChangeTransition, check_notice};
use bb_domain::access::request::{DocumentKind, UploadProblem};
use bb_domain::access::service::{developer_path, staff_path};
use bb_domain::access::{AccessError, Viewer};
use bb_domain::portal::PortalSession;

const DEV: &str = "/v2/accounts/organizations/{org}/production-access/{id}/policy-changes";
const STAFF: &str = "/v2/staff/access/requests/{id}/policy-changes";

/// The upload routes (new change, resubmission; and the JSON twins).
pub(crate) fn is_upload(path: &str) -> bool {
    let page = path.starts_with("/v2/accounts/organizations/")
        && path.contains("/production-access/")
        && (path.ends_with("/policy-changes/") || path.ends_with("/resubmit"));
    let api = path.starts_with("/v2/access/")
        && (path.ends_with("/policy-changes") || path.ends_with("/resubmit"));
    page || api
}

pub(super) fn routes() -> Router<AppState> {
    let uploads = Router::new()
        .route(&format!("{DEV}/"), get(overview_page).post(new_post))
        .route(&format!("{DEV}/{{change}}/resubmit"), post(resubmit_post))
        .layer(DefaultBodyLimit::max(super::ACCESS_UPLOAD_LIMIT));
    let forms = Router::new()
        .route(&format!("{DEV}/{{change}}/"), get(developer_change))
        .route(
            &format!("{DEV}/{{change}}/transition"),
            post(developer_move),
        )
        .route(
            &format!("{DEV}/{{change}}/documents/{{doc}}"),
            get(developer_document),
        )
        .route(&format!("{STAFF}/"), get(staff_overview))
        .route(&format!("{STAFF}/{{change}}/"), get(staff_change))
        .route(&format!("{STAFF}/{{change}}/transition"), post(staff_move))
        .route(
            &format!("{STAFF}/{{change}}/documents/{{doc}}"),
            get(staff_document),
        )
        .layer(DefaultBodyLimit::max(super::FORM_LIMIT));
    uploads.merge(forms)
}

// ---- views ------------------------------------------------------------------------------

/// The drafts' form fields: the notice and the error of each field.
#[derive(Default)]
pub(crate) struct DraftFields {
    pub notice: Field,
    pub terms: Option<String>,
    pub privacy_policy: Option<String>,
    pub documents: Option<String>,
}

impl DraftFields {
    fn with(notice: &str, errors: &[(String, String)]) -> Self {
        let find = |name: &str| {
            errors
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        Self {
            notice: Field {
                value: notice.to_owned(),
                error: find("notice"),
            },
            terms: find("terms"),
            privacy_policy: find("privacy_policy"),
            documents: find("documents"),
        }
    }
}

#[derive(Template)]
#[template(path = "portal/policy_changes.html")]
pub(crate) struct OverviewPage {
    pub title: String,
    pub nav: Nav,
    pub base: String,
    pub request_link: String,
    pub message: Option<String>,
    pub overview: ChangesOverview,
    pub form: DraftFields,
}

/// One checklist item of the two reports.
pub(crate) struct CompareRow {
    pub id: String,
    pub label: String,
    pub old: &'static str,
    pub new: &'static str,
    pub changed: bool,
}

/// The two privacy-policy reports side by side.
pub(crate) struct Compare {
    pub old: Option<ReportView>,
    pub old_error: Option<String>,
    pub new: Option<ReportView>,
    pub new_error: Option<String>,
    pub rows: Vec<CompareRow>,
}

#[derive(Template)]
#[template(path = "portal/policy_change.html")]
pub(crate) struct ChangePage {
    pub title: String,
    pub nav: Nav,
    pub staff: bool,
    pub base: String,
    pub overview_link: String,
    pub notice: Option<String>,
    pub message: Option<String>,
    pub view: ChangeView,
    pub compare: Option<Compare>,
    pub form: DraftFields,
    pub reasons: Vec<(&'static str, Field)>,
    pub can_resubmit: bool,
    pub can_withdraw: bool,
}

impl ChangePage {
    /// The reason field of a decision move.
    pub fn reason(&self, transition: &str) -> Option<&Field> {
        self.reasons
            .iter()
            .find(|(t, _)| *t == transition)
            .map(|(_, f)| f)
    }

    /// The viewer may make this move now.
    pub fn can(&self, transition: &str) -> bool {
        self.view.moves.iter().any(|m| m.as_str() == transition)
    }
}

fn compare(
    old: Option<(
        String,
        Result<bb_domain::policy::Checked, bb_domain::policy::PolicyCheckError>,
    )>,
    new: Option<(
        String,
        Result<bb_domain::policy::Checked, bb_domain::policy::PolicyCheckError>,
    )>,
) -> Option<Compare> {
    let new = new?;
    let split = |r: Option<(String, Result<_, bb_domain::policy::PolicyCheckError>)>| match r {
        Some((_, Ok(c))) => {
            let c: bb_domain::policy::Checked = c;
            (Some(report_view(&c.report)), None)
        }
        Some((_, Err(e))) => (None, Some(e.to_string())),
        None => (
            None,
            Some("no privacy policy is published for this app".to_owned()),
        ),
    };
    let (old, old_error) = split(old);
    let (new, new_error) = split(Some(new));
    let rows = match &new {
        Some(n) => n
            .checklist
            .iter()
            .map(|item| {
                let before = old
                    .as_ref()
                    .and_then(|o| o.checklist.iter().find(|i| i.id == item.id))
                    .map_or("—", |i| i.verdict);
                CompareRow {
                    id: item.id.clone(),
                    label: item.label.clone(),
                    old: before,
                    new: item.verdict,
                    changed: before != item.verdict,
                }
            })
            .collect(),
        None => Vec::new(),
    };
    Some(Compare {
        old,
        old_error,
        new,
        new_error,
        rows,
    })
}

// ---- helpers ----------------------------------------------------------------------------

/// The drafts of a multipart form, each checked (size, type, end marker): the files, and
/// the refused ones' errors by field with the status of the worst.
fn drafts(files: Vec<Upload>) -> (Vec<ChangeFile>, Vec<(String, String)>, Option<StatusCode>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut worst: Option<UploadProblem> = None;
    for (name, file_name, bytes, over) in files {
        let Some(kind) = DocumentKind::parse(&name) else {
            continue;
        };
        if let Some((problem, message)) = upload_problem(&bytes, over) {
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
            continue;
        }
        out.push(ChangeFile {
            kind,
            file_name,
            bytes,
        });
    }
    (out, errors, worst.map(upload_status))
}

fn change_refusal_status(e: &AccessError) -> Option<StatusCode> {
    match e {
        AccessError::Invalid(_) => Some(StatusCode::BAD_REQUEST),
        AccessError::Upload { problem, .. } => Some(upload_status(*problem)),
        AccessError::ChangeRefused(_) | AccessError::Conflict => Some(StatusCode::CONFLICT),
        _ => None,
    }
}

fn errors_of(e: &AccessError) -> Vec<(String, String)> {
    match e {
        AccessError::Invalid(errors) => errors.clone(),
        AccessError::Upload { kind, message, .. } => {
            vec![(kind.as_str().to_owned(), message.clone())]
        }
        _ => Vec::new(),
    }
}

fn done_text(query: Option<&str>) -> Option<String> {
    let done = query
        .map(|q| pairs(q.as_bytes()))
        .and_then(|p| crate::oauth::param(&p, "done"))?;
    Some(
        match done.as_str() {
            "submitted" => "Your policy change is submitted. The team decides within 5 business days; the due date is below. Keep publishing the current documents until it is approved.",
            "resubmitted" => "Your policy change is resubmitted; the 5-business-day clock starts again.",
            "approved" => "The change is approved: the new documents are published.",
            _ => "Done.",
        }
        .to_owned(),
    )
}

// ---- overview and new change ----------------------------------------------------------------

#[allow(clippy::too_many_arguments)]
async fn overview(
    state: &AppState,
    session: &PortalSession,
    org: Option<&str>,
    id: &str,
    message: Option<String>,
    form: DraftFields,
    status: StatusCode,
) -> Response {
    let back = match org {
        Some(o) => developer_path(o, id),
        None => staff_path(id),
    };
    let overview = match state
        .services
        .access
        .policy_changes(&viewer(session), id)
        .await
    {
        Ok(o) if org.is_none_or(|o2| o2 == o.organization_id) => o,
        Ok(_) => return access_failure(AccessError::NotFound, nav_of(session), &back),
        Err(e) => return access_failure(e, nav_of(session), &back),
    };
    render(
        &OverviewPage {
            title: format!("Published documents: {}", overview.application),
            nav: nav_of(session),
            base: format!("{back}policy-changes/"),
            request_link: back,
            message,
            overview,
            form,
        },
        status,
    )
}

async fn overview_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((org, id)): Path<(String, String)>,
) -> Response {
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if session.staff_role.is_some() {
        return see_other(&format!("{}policy-changes/", staff_path(&id)));
    }
    overview(
        &state,
        &session,
        Some(&org),
        &id,
        None,
        DraftFields::default(),
        StatusCode::OK,
    )
    .await
}

async fn staff_overview(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let session = match staff_session(&state, &headers).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    overview(
        &state,
        &session,
        None,
        &id,
        None,
        DraftFields::default(),
        StatusCode::OK,
    )
    .await
}

async fn new_post(
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
    let notice = field(&fields, "notice");
    // Every problem at once, before anything is stored.
    let (files, mut errors, upload_status) = drafts(files);
    if let Err(e) = check_notice(&notice) {
        errors.push(("notice".into(), e));
    }
    if files.is_empty() && !errors.iter().any(|(k, _)| k != "notice") {
        errors.push((
            "documents".into(),
            "upload the new terms of service, the new privacy policy, or both".into(),
        ));
    }
    if !errors.is_empty() {
        let status = upload_status.unwrap_or(StatusCode::BAD_REQUEST);
        return overview(
            &state,
            &session,
            Some(&org),
            &id,
            Some(FIX_BELOW.into()),
            DraftFields::with(&notice, &errors),
            status,
        )
        .await;
    }
    match state
        .services
        .access
        .submit_policy_change(&viewer(&session), &id, &notice, files)
        .await
    {
        Ok(change) => see_other(&format!(
            "{}?done=submitted",
            developer_change_path(&org, &id, &change)
        )),
        Err(e) => match change_refusal_status(&e) {
            Some(status) => {
                let errors = errors_of(&e);
                overview(
                    &state,
                    &session,
                    Some(&org),
                    &id,
                    Some(if errors.is_empty() {
                        e.to_string()
                    } else {
                        FIX_BELOW.into()
                    }),
                    DraftFields::with(&notice, &errors),
                    status,
                )
                .await
            }
            None => access_failure(e, nav_of(&session), &developer_path(&org, &id)),
        },
    }
}

// ---- a change ---------------------------------------------------------------------------

struct Entered {
    form: DraftFields,
    reasons: Vec<(&'static str, Field)>,
}

impl Default for Entered {
    fn default() -> Self {
        Self {
            form: DraftFields::default(),
            reasons: ["request_changes", "approve", "reject"]
                .into_iter()
                .map(|t| (t, Field::default()))
                .collect(),
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn change_page(
    state: &AppState,
    session: &PortalSession,
    org: Option<&str>,
    id: &str,
    change: &str,
    notice: Option<String>,
    message: Option<String>,
    entered: Entered,
    status: StatusCode,
) -> Response {
    let access = &state.services.access;
    let who: Viewer = viewer(session);
    let back = match org {
        Some(o) => developer_path(o, id),
        None => staff_path(id),
    };
    let view = match access.policy_change(&who, change).await {
        Ok(v)
            if v.summary.request_id == id && org.is_none_or(|o| o == v.summary.organization_id) =>
        {
            v
        }
        Ok(_) => return access_failure(AccessError::NotFound, nav_of(session), &back),
        Err(e) => return access_failure(e, nav_of(session), &back),
    };
    let compare = if org.is_none() {
        match access.policy_change_reports(&who, change).await {
            Ok((old, new)) => compare(old, new),
            Err(e) => return access_failure(e, nav_of(session), &back),
        }
    } else {
        None
    };
    let base = match org {
        Some(o) => developer_change_path(o, id, change),
        None => staff_change_path(id, change),
    };
    let mut form = entered.form;
    if form.notice.value.is_empty() {
        form.notice.value = view.notice.clone();
    }
    let page = ChangePage {
        title: format!(
            "Policy change: {}",
            if view.summary.application.is_empty() {
                "app"
            } else {
                &view.summary.application
            }
        ),
        nav: nav_of(session),
        staff: org.is_none(),
        overview_link: format!("{back}policy-changes/"),
        base,
        notice,
        message,
        can_resubmit: view.moves.contains(&ChangeTransition::Resubmit),
        can_withdraw: view.moves.contains(&ChangeTransition::Withdraw),
        view,
        compare,
        form,
        reasons: entered.reasons,
    };
    render(&page, status)
}

async fn developer_change(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((org, id, change)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if session.staff_role.is_some() {
        return see_other(&staff_change_path(&id, &change));
    }
    change_page(
        &state,
        &session,
        Some(&org),
        &id,
        &change,
        done_text(query.as_deref()),
        None,
        Entered::default(),
        StatusCode::OK,
    )
    .await
}

async fn staff_change(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, change)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let session = match staff_session(&state, &headers).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    change_page(
        &state,
        &session,
        None,
        &id,
        &change,
        done_text(query.as_deref()),
        None,
        Entered::default(),
        StatusCode::OK,
    )
    .await
}

async fn resubmit_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((org, id, change)): Path<(String, String, String)>,
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
    let notice = field(&fields, "notice");
    let (files, mut errors, upload_status) = drafts(files);
    if let Err(e) = check_notice(&notice) {
        errors.push(("notice".into(), e));
    }
    let again = |errors: Vec<(String, String)>, message: String, status: StatusCode| {
        let state = state.clone();
        let session = session.clone();
        let (org, id, change, notice) = (org.clone(), id.clone(), change.clone(), notice.clone());
        async move {
            let entered = Entered {
                form: DraftFields::with(&notice, &errors),
                ..Entered::default()
            };
            change_page(
                &state,
                &session,
                Some(&org),
                &id,
                &change,
                None,
                Some(message),
                entered,
                status,
            )
            .await
        }
    };
    if !errors.is_empty() {
        return again(
            errors,
            FIX_BELOW.into(),
            upload_status.unwrap_or(StatusCode::BAD_REQUEST),
        )
        .await;
    }
    match state
        .services
        .access
        .resubmit_policy_change(&viewer(&session), &change, &notice, files)
        .await
    {
        Ok(()) => see_other(&format!(
            "{}?done=resubmitted",
            developer_change_path(&org, &id, &change)
        )),
        Err(e) => match change_refusal_status(&e) {
            Some(status) => {
                let errors = errors_of(&e);
                let message = if errors.is_empty() {
                    e.to_string()
                } else {
                    FIX_BELOW.into()
                };
                again(errors, message, status).await
            }
            None => access_failure(e, nav_of(&session), &developer_path(&org, &id)),
        },
    }
}

async fn move_from_form(
    state: &AppState,
    session: &PortalSession,
    org: Option<&str>,
    id: &str,
    change: &str,
    pairs: &[(String, String)],
) -> Response {
    let name = field(pairs, "transition");
    let Some(transition) = ChangeTransition::parse(&name) else {
        return change_page(
            state,
            session,
            org,
            id,
            change,
            None,
            Some("Choose one of the moves shown.".into()),
            Entered::default(),
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let reason_field = format!("{}_reason", transition.as_str());
    let reason = {
        let own = field(pairs, &reason_field);
        if own.is_empty() {
            field(pairs, "reason")
        } else {
            own
        }
    };
    let done = match org {
        Some(o) => developer_change_path(o, id, change),
        None => staff_change_path(id, change),
    };
    match state
        .services
        .access
        .policy_change_move(&viewer(session), change, transition, &reason)
        .await
    {
        Ok(()) => see_other(&format!(
            "{done}?done={}",
            if transition == ChangeTransition::Approve {
                "approved"
            } else {
                "moved"
            }
        )),
        Err(e) => {
            let Some(status) = change_refusal_status(&e) else {
                return access_failure(e, nav_of(session), &done);
            };
            let mut entered = Entered::default();
            let needs_reason = matches!(
                &e,
                AccessError::ChangeRefused(bb_domain::access::changes::ChangeRefusal::Machine(
                    bb_domain::access::policy_change::ChangeTransitionError::ReasonRequired { .. }
                        | bb_domain::access::policy_change::ChangeTransitionError::ReasonTooLong { .. }
                ))
            );
            let mut message = Some(e.to_string());
            for (t, f) in &mut entered.reasons {
                if *t == transition.as_str() {
                    f.value = reason.clone();
                    if needs_reason {
                        f.error = Some(e.to_string());
                        message = Some(FIX_BELOW.into());
                    }
                }
            }
            let status = if needs_reason {
                StatusCode::BAD_REQUEST
            } else {
                status
            };
            change_page(
                state, session, org, id, change, None, message, entered, status,
            )
            .await
        }
    }
}

async fn developer_move(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((org, id, change)): Path<(String, String, String)>,
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
    move_from_form(&state, &session, Some(&org), &id, &change, &pairs).await
}

async fn staff_move(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, change)): Path<(String, String)>,
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
    move_from_form(&state, &session, None, &id, &change, &pairs).await
}

async fn document(
    state: &AppState,
    session: &PortalSession,
    change: &str,
    doc: &str,
    back: &str,
) -> Response {
    let Ok(doc) = doc.parse::<i64>() else {
        return access_failure(AccessError::NotFound, nav_of(session), back);
    };
    let access = &state.services.access;
    let who = viewer(session);
    match access.change_document(&who, change, doc).await {
        Ok((name, bytes)) => pdf_response(&name, bytes),
        Err(e) => access_failure(e, nav_of(session), back),
    }
}

async fn developer_document(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((org, id, change, doc)): Path<(String, String, String, String)>,
) -> Response {
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let back = developer_path(&org, &id);
    if session.staff_role.is_some() {
        return access_failure(AccessError::NotFound, nav_of(&session), &back);
    }
    document(&state, &session, &change, &doc, &back).await
}

async fn staff_document(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, change, doc)): Path<(String, String, String)>,
) -> Response {
    let session = match staff_session(&state, &headers).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    let back = staff_path(&id);
    document(&state, &session, &change, &doc, &back).await
}

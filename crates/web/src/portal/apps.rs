//! The developer portal's apps over HTTP (BB2's `/v2/o/applications/` paths):
//!
//! | path | GET | POST |
//! |---|---|---|
//! | `/v2/o/applications/` | the apps of each of the user's organizations | |
//! | `/v2/o/applications/register/` | the form | 200 the app with its secret shown once; 400/413/415 form with errors |
//! | `/v2/o/applications/{id}/` | the app (never the secret) | |
//! | `/v2/o/applications/{id}/update/` | the form, filled | 303 to the app; 400/413/415 errors |
//! | `/v2/o/applications/{id}/delete/` | confirmation (owners) | 303 to the list |
//! | `/v2/o/applications/{id}/rotate-secret/` | | 200 the app with the new secret shown once |
//! | `/v2/o/applications/{id}/logo` | the uploaded logo (public: the consent page shows it) | |
//!
//! The register and update forms are `multipart/form-data` (the logo file) of at most
//! [`UPLOAD_LIMIT`] bytes; a logo over 100 KB gets 413 and a file that is not PNG or JPEG
//! 415, each with the form, its message next to the logo field and the other entries
//! kept. A secret is shown only in the answer to the POST that made it (`no-store`), never
//! in a URL and never again. Apps of organizations the user is not in are 404.

use super::accounts::{FIX_BELOW, active, ct_eq, failure, field, forbidden, nav_of, pairs};
use super::views::{Field, Nav, notice, render};
use crate::AppState;
use crate::oauth::see_other;
use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Multipart, Path, RawForm, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bb_domain::app_registry::{
    Actor, AppDetails, AppError, AppForm, CATEGORIES, InputProblem, LOGO_MAX_BYTES, LogoUpload,
    OrgApps,
};
use bb_domain::orgs::Role;
use bb_domain::portal::PortalSession;

/// Largest register or update form (the logo plus the text fields).
pub const UPLOAD_LIMIT: usize = 512 * 1024;
const LIST: &str = "/v2/o/applications/";
const REGISTER: &str = "/v2/o/applications/register/";

pub(super) fn routes() -> Router<AppState> {
    let uploads = Router::new()
        .route(REGISTER, get(register_page).post(register_post))
        .route(
            "/v2/o/applications/{id}/update/",
            get(update_page).post(update_post),
        )
        .layer(DefaultBodyLimit::max(UPLOAD_LIMIT));
    let forms = Router::new()
        .route(LIST, get(list_page))
        .route("/v2/o/applications", get(list_page))
        .route("/v2/o/applications/{id}/", get(detail_page))
        .route(
            "/v2/o/applications/{id}/delete/",
            get(delete_page).post(delete_post),
        )
        .route(
            "/v2/o/applications/{id}/rotate-secret/",
            axum::routing::post(rotate_post),
        )
        .route("/v2/o/applications/{id}/logo", get(logo))
        .layer(DefaultBodyLimit::max(super::FORM_LIMIT));
    uploads.merge(forms)
}

// ------------------------------------------------------------------------------------------
// Pages
// ------------------------------------------------------------------------------------------

/// A category checkbox.
pub(crate) struct CategoryOption {
    pub slug: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

/// An organization in the register form's choice.
pub(crate) struct OrgOption {
    pub id: String,
    pub name: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "portal/app_list.html")]
pub(crate) struct ListPage {
    pub title: &'static str,
    pub nav: Nav,
    pub notice: Option<&'static str>,
    pub groups: Vec<OrgApps>,
}

#[derive(Template)]
#[template(path = "portal/app_form.html")]
pub(crate) struct FormPage {
    pub title: String,
    pub nav: Nav,
    pub action: String,
    pub registering: bool,
    pub message: Option<String>,
    pub organizations: Vec<OrgOption>,
    pub organization: Field,
    pub name: Field,
    pub description: Field,
    pub website_uri: Field,
    pub policy_uri: Field,
    pub tos_uri: Field,
    pub redirect_uris: Field,
    pub support_email: Field,
    pub support_phone_number: Field,
    pub require_demographic_scopes: Field,
    pub data_access_type: Field,
    pub research_allowed: bool,
    pub categories: Vec<CategoryOption>,
    pub categories_error: Option<String>,
    pub logo: Field,
    /// The form came back with errors: a chosen file must be chosen again.
    pub logo_again: bool,
    pub current_logo: Option<String>,
    pub agree: Field,
}

#[derive(Template)]
#[template(path = "portal/app_detail.html")]
pub(crate) struct DetailPage {
    pub title: String,
    pub nav: Nav,
    pub notice: Option<&'static str>,
    pub secret: Option<String>,
    pub app: AppDetails,
    pub category_labels: Vec<&'static str>,
    pub can_delete: bool,
}

#[derive(Template)]
#[template(path = "portal/app_delete.html")]
pub(crate) struct DeletePage {
    pub title: String,
    pub nav: Nav,
    pub app: AppDetails,
}

fn label(field: &str) -> &'static str {
    match field {
        "organization" => "Organization",
        "name" => "App name",
        "description" => "Description",
        "logo" => "Logo",
        "website_uri" => "Website",
        "policy_uri" => "Privacy policy URL",
        "tos_uri" => "Terms of service URL",
        "redirect_uris" => "Redirect URIs",
        "support_email" => "Support e-mail",
        "support_phone_number" => "Support phone number",
        "require_demographic_scopes" => "Demographic information",
        "data_access_type" => "Data access type",
        "categories" => "Categories",
        "agree" => "Terms of service",
        _ => "This field",
    }
}

/// Builds the form page from what was typed and the errors (all of a field's errors,
/// joined).
#[allow(clippy::too_many_arguments)]
fn form_page(
    session: &PortalSession,
    registering: bool,
    action: String,
    form: &AppForm,
    errors: &[(&'static str, String)],
    organizations: Vec<OrgOption>,
    current_logo: Option<String>,
) -> FormPage {
    let error_of = |name: &str| {
        let reasons: Vec<&str> = errors
            .iter()
            .filter(|(f, _)| *f == name)
            .map(|(_, r)| r.as_str())
            .collect();
        (!reasons.is_empty()).then(|| format!("{}: {}", label(name), reasons.join("; ")))
    };
    let f = |name: &str, value: &str| Field {
        value: value.to_owned(),
        error: error_of(name),
    };
    FormPage {
        title: if registering {
            "Register an app".to_owned()
        } else {
            format!("Edit {}", form.name)
        },
        nav: nav_of(session),
        action,
        registering,
        message: (!errors.is_empty()).then(|| FIX_BELOW.to_owned()),
        organizations,
        organization: f("organization", &form.organization),
        name: f("name", &form.name),
        description: f("description", &form.description),
        website_uri: f("website_uri", &form.website_uri),
        policy_uri: f("policy_uri", &form.policy_uri),
        tos_uri: f("tos_uri", &form.tos_uri),
        redirect_uris: f("redirect_uris", &form.redirect_uris),
        support_email: f("support_email", &form.support_email),
        support_phone_number: f("support_phone_number", &form.support_phone_number),
        require_demographic_scopes: f(
            "require_demographic_scopes",
            &form.require_demographic_scopes,
        ),
        data_access_type: f("data_access_type", &form.data_access_type),
        research_allowed: session.staff || form.data_access_type == "RESEARCH_STUDY",
        categories: CATEGORIES
            .iter()
            .map(|(slug, label)| CategoryOption {
                slug,
                label,
                checked: form.categories.iter().any(|c| c == slug),
            })
            .collect(),
        categories_error: error_of("categories"),
        logo: Field {
            value: String::new(),
            error: error_of("logo"),
        },
        logo_again: !errors.is_empty(),
        current_logo,
        agree: f("agree", if form.agree { "on" } else { "" }),
    }
}

fn status_of(problem: InputProblem) -> StatusCode {
    match problem {
        InputProblem::Invalid => StatusCode::BAD_REQUEST,
        InputProblem::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        InputProblem::WrongType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
    }
}

fn not_found(nav: Nav) -> Response {
    notice(
        StatusCode::NOT_FOUND,
        nav,
        "App not found",
        &["There is no such app among your organizations' apps."],
        Some((LIST, "Your apps")),
    )
}

fn app_failure(e: AppError, nav: Nav) -> Response {
    match e {
        AppError::NotFound => not_found(nav),
        AppError::NotMember => notice(
            StatusCode::FORBIDDEN,
            nav,
            "Not your organization",
            &["You can register apps only in organizations you belong to."],
            Some((LIST, "Your apps")),
        ),
        AppError::OwnersOnly => notice(
            StatusCode::FORBIDDEN,
            nav,
            "Owners only",
            &["Only an owner of the app's organization can delete it."],
            Some((LIST, "Your apps")),
        ),
        AppError::Domain(e) => failure(e),
        AppError::Invalid { .. } => forbidden(),
    }
}

fn actor(session: &PortalSession) -> Actor<'_> {
    Actor {
        user_id: &session.user_id,
        staff: session.staff,
    }
}

async fn org_options(
    state: &AppState,
    session: &PortalSession,
    selected: &str,
) -> Result<Vec<OrgOption>, Response> {
    let memberships = state
        .services
        .portal
        .memberships(&session.user_id)
        .await
        .map_err(failure)?;
    let only = memberships.len() == 1;
    Ok(memberships
        .into_iter()
        .map(|m| OrgOption {
            selected: only || m.organization_id == selected,
            id: m.organization_id,
            name: m.name,
        })
        .collect())
}

/// Reads a multipart form: text fields (each at most 16 KiB), `categories` repeated, and
/// the `logo` file (reading stops past the logo limit, which is then reported).
pub(super) async fn read_multipart(
    mut multipart: Multipart,
) -> Result<(Vec<(String, String)>, Option<LogoUpload>), Response> {
    let too_large = || {
        notice(
            StatusCode::PAYLOAD_TOO_LARGE,
            Nav::default(),
            "The form is too large",
            &[&format!(
                "The form could not be read: a logo may be at most {} KB. Go back and choose a smaller file.",
                LOGO_MAX_BYTES / 1024
            )],
            Some((LIST, "Your apps")),
        )
    };
    let mut fields = Vec::new();
    let mut logo = None;
    loop {
        let next = multipart.next_field().await;
        let mut part = match next {
            Ok(Some(part)) => part,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => return Err(bad_form()),
        };
        let name = part.name().unwrap_or_default().to_owned();
        if name == "logo" {
            let content_type = part.content_type().unwrap_or_default().to_owned();
            let mut bytes = Vec::new();
            loop {
                match part.chunk().await {
                    Ok(Some(chunk)) => {
                        if bytes.len() <= LOGO_MAX_BYTES {
                            let room = LOGO_MAX_BYTES + 1 - bytes.len();
                            bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
                        }
                    }
                    Ok(None) => break,
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        return Err(too_large());
                    }
                    Err(_) => return Err(bad_form()),
                }
            }
            let chosen = !bytes.is_empty() || part.file_name().is_some_and(|n| !n.is_empty());
            if chosen && !bytes.is_empty() {
                logo = Some(LogoUpload {
                    content_type,
                    bytes,
                });
            }
            continue;
        }
        let text = match part.text().await {
            Ok(text) if text.len() <= 16 * 1024 => text,
            Ok(_) => return Err(bad_form()),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => return Err(bad_form()),
        };
        fields.push((name, text));
    }
    Ok((fields, logo))
}

fn bad_form() -> Response {
    notice(
        StatusCode::BAD_REQUEST,
        Nav::default(),
        "The form could not be read",
        &["Go back, reload the page and try again."],
        Some((LIST, "Your apps")),
    )
}

fn app_form(fields: &[(String, String)]) -> AppForm {
    AppForm {
        organization: field(fields, "organization"),
        name: field(fields, "name"),
        description: field(fields, "description"),
        website_uri: field(fields, "website_uri"),
        policy_uri: field(fields, "policy_uri"),
        tos_uri: field(fields, "tos_uri"),
        redirect_uris: field(fields, "redirect_uris"),
        support_email: field(fields, "support_email"),
        support_phone_number: field(fields, "support_phone_number"),
        require_demographic_scopes: field(fields, "require_demographic_scopes"),
        data_access_type: field(fields, "data_access_type"),
        categories: fields
            .iter()
            .filter(|(n, _)| n == "categories")
            .map(|(_, v)| v.clone())
            .collect(),
        agree: !field(fields, "agree").is_empty(),
        remove_logo: !field(fields, "remove_logo").is_empty(),
    }
}

fn detail(
    session: &PortalSession,
    app: AppDetails,
    notice_text: Option<&'static str>,
    secret: Option<String>,
) -> Response {
    let category_labels = CATEGORIES
        .iter()
        .filter(|(slug, _)| app.categories.iter().any(|c| c == slug))
        .map(|(_, label)| *label)
        .collect();
    let page = DetailPage {
        title: app.name.clone(),
        nav: nav_of(session),
        notice: notice_text,
        secret,
        can_delete: app.role == Role::Owner,
        category_labels,
        app,
    };
    render(&page, StatusCode::OK)
}

fn done_of(query: Option<&str>) -> Option<String> {
    query
        .map(|q| pairs(q.as_bytes()))
        .and_then(|p| crate::oauth::param(&p, "done"))
}

// ------------------------------------------------------------------------------------------
// Handlers
// ------------------------------------------------------------------------------------------

async fn list_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let groups = match state.services.apps.portal_list(&session.user_id).await {
        Ok(groups) => groups,
        Err(e) => return failure(e),
    };
    let notice_text = match done_of(query.as_deref()).as_deref() {
        Some("deleted") => Some("The app is deleted, and every token it held is revoked."),
        _ => None,
    };
    render(
        &ListPage {
            title: "Your apps",
            nav: nav_of(&session),
            notice: notice_text,
            groups,
        },
        StatusCode::OK,
    )
}

async fn register_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let wanted = query
        .map(|q| pairs(q.as_bytes()))
        .and_then(|p| crate::oauth::param(&p, "organization"))
        .unwrap_or_default();
    let organizations = match org_options(&state, &session, &wanted).await {
        Ok(o) => o,
        Err(response) => return response,
    };
    let form = AppForm {
        organization: wanted,
        require_demographic_scopes: "true".into(),
        data_access_type: "THIRTEEN_MONTH".into(),
        ..AppForm::default()
    };
    let page = form_page(
        &session,
        true,
        REGISTER.into(),
        &form,
        &[],
        organizations,
        None,
    );
    render(&page, StatusCode::OK)
}

async fn register_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let (fields, logo) = match read_multipart(multipart).await {
        Ok(read) => read,
        Err(response) => return response,
    };
    if !ct_eq(&field(&fields, "csrf_token"), &session.csrf_token) {
        return forbidden();
    }
    let form = app_form(&fields);
    match state
        .services
        .apps
        .portal_register(actor(&session), &form, logo.as_ref())
        .await
    {
        Ok(registered) => {
            match state
                .services
                .apps
                .portal_app(&session.user_id, &registered.app_id)
                .await
            {
                Ok(app) => detail(
                    &session,
                    app,
                    Some("Your app is registered."),
                    Some(registered.client_secret.reveal().to_owned()),
                ),
                Err(e) => app_failure(e, nav_of(&session)),
            }
        }
        Err(AppError::Invalid { errors, problem }) => {
            let organizations = match org_options(&state, &session, &form.organization).await {
                Ok(o) => o,
                Err(response) => return response,
            };
            let page = form_page(
                &session,
                true,
                REGISTER.into(),
                &form,
                &errors,
                organizations,
                None,
            );
            render(&page, status_of(problem))
        }
        Err(e) => app_failure(e, nav_of(&session)),
    }
}

async fn detail_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let notice_text = match done_of(query.as_deref()).as_deref() {
        Some("updated") => Some("Your changes are saved."),
        _ => None,
    };
    match state.services.apps.portal_app(&session.user_id, &id).await {
        Ok(app) => detail(&session, app, notice_text, None),
        Err(e) => app_failure(e, nav_of(&session)),
    }
}

async fn update_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match state.services.apps.portal_app(&session.user_id, &id).await {
        Ok(app) => {
            let page = form_page(
                &session,
                false,
                format!("/v2/o/applications/{}/update/", app.id),
                &app.form(),
                &[],
                Vec::new(),
                app.logo_path.clone(),
            );
            render(&page, StatusCode::OK)
        }
        Err(e) => app_failure(e, nav_of(&session)),
    }
}

async fn update_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Response {
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let (fields, logo) = match read_multipart(multipart).await {
        Ok(read) => read,
        Err(response) => return response,
    };
    if !ct_eq(&field(&fields, "csrf_token"), &session.csrf_token) {
        return forbidden();
    }
    let form = app_form(&fields);
    let apps = &state.services.apps;
    match apps
        .portal_update(actor(&session), &id, &form, logo.as_ref())
        .await
    {
        Ok(()) => see_other(&format!("/v2/o/applications/{id}/?done=updated")),
        Err(AppError::Invalid { errors, problem }) => {
            let current = match apps.portal_app(&session.user_id, &id).await {
                Ok(app) => app,
                Err(e) => return app_failure(e, nav_of(&session)),
            };
            let page = form_page(
                &session,
                false,
                format!("/v2/o/applications/{id}/update/"),
                &form,
                &errors,
                Vec::new(),
                current.logo_path,
            );
            render(&page, status_of(problem))
        }
        Err(e) => app_failure(e, nav_of(&session)),
    }
}

async fn delete_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match state.services.apps.portal_app(&session.user_id, &id).await {
        Ok(app) if app.role != Role::Owner => app_failure(AppError::OwnersOnly, nav_of(&session)),
        Ok(app) => render(
            &DeletePage {
                title: format!("Delete {}", app.name),
                nav: nav_of(&session),
                app,
            },
            StatusCode::OK,
        ),
        Err(e) => app_failure(e, nav_of(&session)),
    }
}

async fn delete_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    let form = pairs(&body);
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if !ct_eq(&field(&form, "csrf_token"), &session.csrf_token) {
        return forbidden();
    }
    match state
        .services
        .apps
        .portal_delete(actor(&session), &id)
        .await
    {
        Ok(()) => see_other(&format!("{LIST}?done=deleted")),
        Err(e) => app_failure(e, nav_of(&session)),
    }
}

async fn rotate_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    let form = pairs(&body);
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if !ct_eq(&field(&form, "csrf_token"), &session.csrf_token) {
        return forbidden();
    }
    let apps = &state.services.apps;
    let secret = match apps.portal_rotate_secret(actor(&session), &id).await {
        Ok(secret) => secret,
        Err(e) => return app_failure(e, nav_of(&session)),
    };
    match apps.portal_app(&session.user_id, &id).await {
        Ok(app) => detail(
            &session,
            app,
            Some("A new client secret is issued: the old one no longer works."),
            Some(secret.reveal().to_owned()),
        ),
        Err(e) => app_failure(e, nav_of(&session)),
    }
}

/// The uploaded logo: its own content type, `nosniff`, cacheable for a day (a new upload
/// is a new URL).
async fn logo(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match state.services.apps.logo(&id).await {
        Ok(Some(logo)) => {
            let mut response = Body::from(logo.bytes).into_response();
            let headers = response.headers_mut();
            if let Ok(value) = HeaderValue::from_str(&logo.content_type) {
                headers.insert(header::CONTENT_TYPE, value);
            }
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            );
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            );
            response
        }
        Ok(None) => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Not found",
        )
            .into_response(),
        Err(e) => failure(e),
    }
}

//! After approval on the pages (issue 7, part 4): the listing form, issuing production
//! credentials, one-time hand-off links and the page that shows the credentials once, and
//! the public directory of live apps with their privacy labels.
//!
//! | path | GET | POST |
//! |---|---|---|
//! | `/v2/accounts/organizations/{org}/production-access/{id}/listing` | the listing form | multipart: send it (303; 400, 413, 415 with the errors by field) |
//! | `…/production-access/{id}/handoff` | | a member makes a new one-time link: 303 to it |
//! | `/v2/staff/access/requests/{id}/credentials` | | staff: issue credentials (`note`): the page with the first link |
//! | `/v2/staff/access/requests/{id}/handoff` | | staff: a new link, shown on a page to hand over |
//! | `/v2/accounts/credentials/{token}` | a signed-in member: client id and a new secret once (`no-store`); 410 expired or used; 404 | |
//! | `/apps` | the public directory (`page`) | |
//! | `/apps/{app}/logo` | a listed app's logo | |
//!
//! Suspension, reinstatement, revocation and going live are the request page's move
//! buttons (`…/transition`), whose domain moves carry their effects.

use super::access::{access_failure, request_page, staff_session, viewer};
use super::accounts::{active, ct_eq, field, forbidden, nav_of, pairs};
use super::apps::read_multipart;
use super::review::Entered;
use super::views::{Field, Nav, notice, render};
use crate::AppState;
use crate::oauth::see_other;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, RawForm, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bb_domain::access::AccessError;
use bb_domain::access::golive::{
    DirectoryEntry, Handoff, IssuedLink, ListingForm, PLATFORMS, RETENTION, categories,
};
use bb_domain::access::service::{developer_path, staff_path};
use bb_domain::app_registry::InputProblem;
use bb_domain::portal::PortalSession;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v2/accounts/organizations/{org}/production-access/{id}/listing",
            get(listing_page).post(listing_post),
        )
        .layer(DefaultBodyLimit::max(super::UPLOAD_LIMIT))
        .merge(
            Router::new()
                .route(
                    "/v2/accounts/organizations/{org}/production-access/{id}/handoff",
                    post(developer_handoff),
                )
                .route(
                    "/v2/staff/access/requests/{id}/credentials",
                    post(staff_issue),
                )
                .route(
                    "/v2/staff/access/requests/{id}/handoff",
                    post(staff_handoff),
                )
                .route("/v2/accounts/credentials/{token}", get(open_link))
                .route("/apps", get(directory_page))
                .layer(DefaultBodyLimit::max(super::FORM_LIMIT)),
        )
}

#[derive(Template)]
#[template(path = "portal/access_listing.html")]
pub(crate) struct ListingPage {
    pub title: String,
    pub nav: Nav,
    pub message: Option<String>,
    pub action: String,
    pub back: String,
    pub name: Field,
    pub description: Field,
    pub website: Field,
    pub privacy_policy_uri: Field,
    pub terms_uri: Field,
    pub logo: Field,
    pub logo_again: bool,
    pub categories: Vec<(&'static str, &'static str, bool)>,
    pub categories_error: Option<String>,
    pub platforms: Vec<(&'static str, &'static str, bool)>,
    pub platforms_error: Option<String>,
    pub shares_data: Field,
    pub sells_data: Field,
    pub retention: Field,
    pub retention_choices: Vec<(&'static str, &'static str)>,
    pub retention_months: Field,
}

#[derive(Template)]
#[template(path = "portal/handoff_link.html")]
pub(crate) struct HandoffLinkPage {
    pub title: &'static str,
    pub nav: Nav,
    pub intro: &'static str,
    pub path: String,
    pub url: String,
    pub expires: String,
    pub back: String,
}

#[derive(Template)]
#[template(path = "portal/credentials.html")]
pub(crate) struct CredentialsPage {
    pub title: &'static str,
    pub nav: Nav,
    pub app_name: String,
    pub client_id: String,
    pub client_secret: String,
    pub back: String,
}

/// One app as the directory page shows it.
pub(crate) struct EntryView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub website_uri: String,
    pub policy_uri: String,
    pub tos_uri: String,
    pub logo_uri: Option<String>,
    pub platforms: Vec<String>,
    pub categories: Vec<(String, String)>,
    pub last_reviewed: Option<String>,
    pub label_html: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/directory.html")]
pub(crate) struct DirectoryPageView {
    pub title: &'static str,
    pub nav: Nav,
    pub entries: Vec<EntryView>,
    pub previous: Option<String>,
    pub next: Option<String>,
}

fn listing_form(fields: &[(String, String)]) -> ListingForm {
    let all = |name: &str| -> Vec<String> {
        fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    };
    ListingForm {
        name: field(fields, "name"),
        description: field(fields, "description"),
        website: field(fields, "website"),
        privacy_policy_uri: field(fields, "privacy_policy_uri"),
        terms_uri: field(fields, "terms_uri"),
        categories: all("categories"),
        platforms: all("platforms"),
        shares_data: field(fields, "shares_data"),
        sells_data: field(fields, "sells_data"),
        retention: field(fields, "retention"),
        retention_months: field(fields, "retention_months"),
    }
}

fn listing_view(
    nav: Nav,
    base: &str,
    form: &ListingForm,
    errors: &[(String, String)],
    message: Option<String>,
    logo_again: bool,
) -> ListingPage {
    let error = |name: &str| {
        errors
            .iter()
            .find(|(f, _)| f == name)
            .map(|(_, m)| m.clone())
    };
    let f = |name: &str, value: &str| Field {
        value: value.to_owned(),
        error: error(name),
    };
    ListingPage {
        title: "Directory listing".into(),
        nav,
        message,
        action: format!("{base}listing"),
        back: base.to_owned(),
        name: f("name", &form.name),
        description: f("description", &form.description),
        website: f("website", &form.website),
        privacy_policy_uri: f("privacy_policy_uri", &form.privacy_policy_uri),
        terms_uri: f("terms_uri", &form.terms_uri),
        logo: f("logo", ""),
        logo_again,
        categories: categories()
            .iter()
            .map(|(slug, label)| (*slug, *label, form.categories.iter().any(|c| c == slug)))
            .collect(),
        categories_error: error("categories"),
        platforms: PLATFORMS
            .iter()
            .map(|(v, label)| (*v, *label, form.platforms.iter().any(|p| p == v)))
            .collect(),
        platforms_error: error("platforms"),
        shares_data: f("shares_data", &form.shares_data),
        sells_data: f("sells_data", &form.sells_data),
        retention: f("retention", &form.retention),
        retention_choices: RETENTION.to_vec(),
        retention_months: f("retention_months", &form.retention_months),
    }
}

/// A signed-in developer on a request of their organization.
async fn developer(
    state: &AppState,
    headers: &HeaderMap,
    org: &str,
    id: &str,
) -> Result<PortalSession, Response> {
    let (_, session) = active(state, headers).await?;
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
    match mine {
        Ok(()) => Ok(session),
        Err(e) => Err(access_failure(
            e,
            nav_of(&session),
            "/v2/accounts/organizations/",
        )),
    }
}

async fn listing_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((org, id)): Path<(String, String)>,
) -> Response {
    let session = match developer(&state, &headers, &org, &id).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let base = developer_path(&org, &id);
    let access = &state.services.access;
    let form = match access.golive(&viewer(&session), &id).await {
        Ok(g) => match g.listing {
            Some(l) => l.form,
            None => {
                let name = access
                    .view(&viewer(&session), &id)
                    .await
                    .map(|v| v.summary.application)
                    .unwrap_or_default();
                ListingForm {
                    name,
                    ..ListingForm::default()
                }
            }
        },
        Err(e) => return access_failure(e, nav_of(&session), &base),
    };
    render(
        &listing_view(nav_of(&session), &base, &form, &[], None, false),
        StatusCode::OK,
    )
}

async fn listing_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((org, id)): Path<(String, String)>,
    multipart: Multipart,
) -> Response {
    let session = match developer(&state, &headers, &org, &id).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (fields, logo) = match read_multipart(multipart).await {
        Ok(read) => read,
        Err(r) => return r,
    };
    if !ct_eq(&field(&fields, "csrf_token"), &session.csrf_token) {
        return forbidden();
    }
    let base = developer_path(&org, &id);
    let form = listing_form(&fields);
    let result = state
        .services
        .access
        .submit_listing(&viewer(&session), &id, &form, logo.as_ref())
        .await;
    let sent_logo = logo.is_some();
    match result {
        Ok(()) => see_other(&format!("{base}?done=listing")),
        Err(AccessError::InvalidInput { errors, problem }) => {
            let status = match problem {
                InputProblem::Invalid => StatusCode::BAD_REQUEST,
                InputProblem::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                InputProblem::WrongType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            };
            render(
                &listing_view(
                    nav_of(&session),
                    &base,
                    &form,
                    &errors,
                    Some("Please fix the problems shown below.".into()),
                    sent_logo,
                ),
                status,
            )
        }
        Err(
            e @ (AccessError::Refused(_) | AccessError::Conflict | AccessError::NotEditable(_)),
        ) => render(
            &listing_view(
                nav_of(&session),
                &base,
                &form,
                &[],
                Some(e.to_string()),
                sent_logo,
            ),
            StatusCode::CONFLICT,
        ),
        Err(e) => access_failure(e, nav_of(&session), &base),
    }
}

fn link_page(
    state: &AppState,
    session: &PortalSession,
    link: &IssuedLink,
    intro: &'static str,
    back: String,
) -> Response {
    let base = state.services.portal.settings().base_url;
    render(
        &HandoffLinkPage {
            title: "One-time link to the production credentials",
            nav: nav_of(session),
            intro,
            url: format!("{}{}", base.trim_end_matches('/'), link.path),
            path: link.path.clone(),
            expires: link.expires_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            back,
        },
        StatusCode::OK,
    )
}

async fn developer_handoff(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((org, id)): Path<(String, String)>,
    RawForm(body): RawForm,
) -> Response {
    let session = match developer(&state, &headers, &org, &id).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !ct_eq(&field(&pairs(&body), "csrf_token"), &session.csrf_token) {
        return forbidden();
    }
    match state
        .services
        .access
        .new_handoff(&viewer(&session), &id)
        .await
    {
        Ok(link) => see_other(&link.path),
        Err(e) => access_failure(e, nav_of(&session), &developer_path(&org, &id)),
    }
}

/// A staff post, CSRF checked: the session and the fields.
async fn staff_form(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(PortalSession, Vec<(String, String)>), Response> {
    let session = staff_session(state, headers).await?;
    let fields = pairs(body);
    if !ct_eq(&field(&fields, "csrf_token"), &session.csrf_token) {
        return Err(forbidden());
    }
    Ok((session, fields))
}

async fn staff_issue(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    let (session, fields) = match staff_form(&state, &headers, &body).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let result = state
        .services
        .access
        .issue_credentials(&viewer(&session), &id, &field(&fields, "note"))
        .await;
    match result {
        Ok(link) => link_page(
            &state,
            &session,
            &link,
            "Production credentials are issued and the developers are told. Hand this link to a member of the organization (e.g. in the hand-off call); they can also get a new one on their request page.",
            staff_path(&id),
        ),
        Err(e @ (AccessError::Invalid(_) | AccessError::InvalidInput { .. })) => {
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
        Err(e @ (AccessError::Refused(_) | AccessError::Conflict)) => {
            request_page(
                &state,
                &session,
                &id,
                true,
                None,
                Some(e.to_string()),
                StatusCode::CONFLICT,
                &Entered::default(),
            )
            .await
        }
        Err(e) => access_failure(e, nav_of(&session), &staff_path(&id)),
    }
}

async fn staff_handoff(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    let (session, _) = match staff_form(&state, &headers, &body).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    match state
        .services
        .access
        .new_handoff(&viewer(&session), &id)
        .await
    {
        Ok(link) => link_page(
            &state,
            &session,
            &link,
            "A new link is made; older ones no longer open. Hand it to a member of the organization.",
            staff_path(&id),
        ),
        Err(e) => access_failure(e, nav_of(&session), &staff_path(&id)),
    }
}

async fn open_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let nav = nav_of(&session);
    let opened = state
        .services
        .access
        .open_handoff(&viewer(&session), &token, None)
        .await;
    let mut response = match opened {
        Ok(Handoff::Shown {
            request_path,
            app_name,
            client_id,
            client_secret,
        }) => render(
            &CredentialsPage {
                title: "Your production credentials",
                nav,
                app_name,
                client_id,
                client_secret: client_secret.reveal().to_owned(),
                back: request_path,
            },
            StatusCode::OK,
        ),
        Ok(Handoff::Expired { request_path }) => notice(
            StatusCode::GONE,
            nav,
            "This link has expired",
            &[
                "A link to production credentials opens within 5 minutes of being made, and only the newest link opens.",
                "Get a new link on the request's page.",
            ],
            Some((&request_path, "Get a new link")),
        ),
        Ok(Handoff::Used { request_path }) => notice(
            StatusCode::GONE,
            nav,
            "This link was already used",
            &[
                "A link to production credentials opens only once. If you did not copy the secret, get a new link: it issues a new secret and the old one stops working.",
            ],
            Some((&request_path, "Get a new link")),
        ),
        Ok(Handoff::Unknown) => notice(
            StatusCode::NOT_FOUND,
            nav,
            "Link not found",
            &[
                "This link does not exist, or it belongs to an organization you are not a member of.",
            ],
            Some(("/v2/accounts/organizations/", "Your organizations")),
        ),
        Err(e) => access_failure(e, nav, "/v2/accounts/organizations/"),
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// The page number of a query (`page`, from 1).
pub(crate) fn query_number(query: Option<&str>, name: &str) -> Option<usize> {
    let pairs = query.map(|q| pairs(q.as_bytes())).unwrap_or_default();
    crate::oauth::param(&pairs, name).map(|v| v.trim().parse::<usize>().unwrap_or(0))
}

fn entry_view(e: DirectoryEntry) -> EntryView {
    EntryView {
        label_html: e.label.as_ref().map(|l| l.to_html()),
        id: e.id,
        name: e.name,
        description: e.description,
        website_uri: e.website_uri,
        policy_uri: e.policy_uri,
        tos_uri: e.tos_uri,
        logo_uri: e.logo_uri,
        platforms: e.platforms,
        categories: e.categories,
        last_reviewed: e.last_reviewed,
    }
}

async fn directory_page(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let page = query_number(query.as_deref(), "page").unwrap_or(1);
    let size = bb_domain::access::golive::DIRECTORY_PAGE_SIZE;
    let found = match state.services.access.directory(page, size).await {
        Ok(found) => found,
        Err(e) => return super::accounts::failure(e),
    };
    let Some(found) = found else {
        return notice(
            StatusCode::NOT_FOUND,
            Nav::default(),
            "No such page",
            &["The directory has fewer pages."],
            Some(("/apps", "First page")),
        );
    };
    let view = DirectoryPageView {
        title: "Apps connected to Blue Button 2.0",
        nav: Nav::default(),
        previous: (found.page > 1).then(|| format!("/apps?page={}", found.page - 1)),
        next: found
            .has_next
            .then(|| format!("/apps?page={}", found.page + 1)),
        entries: found.results.into_iter().map(entry_view).collect(),
    };
    let mut response = render(&view, StatusCode::OK);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    response.into_response()
}

//! The enrollee's way through an authorization: `/v2/o/authorize` (GET, and POST for
//! SMART's `authorize-post`; with and without the trailing slash), the sandbox login at
//! `/mymedicare/login` (or the upstream provider and its callback
//! `/mymedicare/oidc-callback`), and the consent page `/v2/o/authorize/<flow id>/`.
//!
//! Until the client and its redirect URI are known good, errors are pages, never
//! redirects (RFC 6749 §4.1.2.1); after that, errors go back to the client as
//! `error=…&state=…`. BB2 answers a bad PKCE or a short `state` with 400, and so do we.

use super::{cookie, found, param, see_other, set_cookie, single_valued};
use crate::AppState;
use crate::pages::{self, ConsentView, ErrorKind, ErrorView, Lang, LoginError, LoginView};
use axum::Router;
use axum::extract::{Path, RawForm, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bb_domain::oauth::service::{
    AccessPeriod, AuthorizeError, AuthorizeParams, FlowError, FlowPage, LoginRefusal,
};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/o/authorize", get(authorize_get).post(authorize_post))
        .route("/v2/o/authorize/", get(authorize_get).post(authorize_post))
        .route(
            "/v2/o/authorize/{id}",
            get(consent_page).post(consent_decision),
        )
        .route(
            "/v2/o/authorize/{id}/",
            get(consent_page).post(consent_decision),
        )
        .route("/mymedicare/login", get(login_page).post(login_post))
        .route("/mymedicare/oidc-callback", get(upstream_callback))
}

fn pairs(raw: Option<&[u8]>) -> Vec<(String, String)> {
    raw.map(|bytes| url::form_urlencoded::parse(bytes).into_owned().collect())
        .unwrap_or_default()
}

fn lang_of(pairs: &[(String, String)], headers: &HeaderMap) -> Lang {
    Lang::negotiate(
        param(pairs, "lang").as_deref(),
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

fn error_page(lang: Lang, kind: ErrorKind, status: StatusCode) -> Response {
    with_page_csp(pages::error(&ErrorView { lang, kind }, status))
}

/// Pages load their stylesheet from here and may show an app's logo from any https
/// origin; nothing else (no scripts at all).
fn with_page_csp(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self' https: data:; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn flow_cookie_name(id: &str) -> String {
    // Flow ids are UUIDs: safe in a cookie name.
    format!("bb_flow_{}", id.replace('-', ""))
}

fn flow_error(lang: Lang, e: FlowError) -> Response {
    match e {
        FlowError::Gone | FlowError::NotLoggedIn => {
            error_page(lang, ErrorKind::FlowExpired, StatusCode::BAD_REQUEST)
        }
        FlowError::Forged => error_page(lang, ErrorKind::FlowExpired, StatusCode::FORBIDDEN),
        FlowError::NoData => error_page(lang, ErrorKind::NoData, StatusCode::FORBIDDEN),
        FlowError::Inactive { app_name } => error_page(
            lang,
            ErrorKind::AppInactive(app_name),
            StatusCode::UNAUTHORIZED,
        ),
        FlowError::Domain(e) => crate::errors::ApiError(e).into_response(),
    }
}

#[utoipa::path(
    get,
    path = "/v2/o/authorize/",
    operation_id = "authorize",
    tag = "OAuth",
    summary = "Start an authorization (code flow with PKCE)",
    description = "RFC 6749 §4.1.1 with PKCE (RFC 7636, S256 only). The enrollee then signs in (in the sandbox, `BBUser00000`/`PW00000!` …) and approves or denies on the consent page; the browser returns to `redirect_uri` with `code` and `state`. Also served without the trailing slash.",
    params(
        ("client_id" = String, Query, description = "The application's client id."),
        ("redirect_uri" = String, Query, description = "One of the application's registered redirect URIs."),
        ("response_type" = String, Query, description = "`code`."),
        ("state" = String, Query, description = "Opaque value returned with the code; at least 16 characters."),
        ("code_challenge" = String, Query, description = "PKCE: BASE64URL(SHA256(code_verifier)), unpadded."),
        ("code_challenge_method" = String, Query, description = "PKCE: `S256`."),
        ("scope" = Option<String>, Query, description = "Space-separated SMART scopes; default: every scope the application may have."),
        ("nonce" = Option<String>, Query, description = "OpenID Connect nonce, echoed in the ID token."),
        ("lang" = Option<String>, Query, description = "`en` or `es`: the language of the login and consent pages.")
    ),
    responses(
        (status = 302, description = "To the sandbox login page (`/mymedicare/login?flow=…`), or back to the redirect URI with `error` when the request names a valid client and redirect URI but is otherwise wrong."),
        (status = 400, description = "An HTML error page: unknown client, unregistered redirect URI, missing PKCE, ….", content_type = "text/html"),
        (status = 401, description = "An HTML error page: the application is inactive.", content_type = "text/html")
    ),
    security(())
)]
async fn authorize_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    authorize(state, headers, pairs(query.as_deref().map(str::as_bytes))).await
}

#[utoipa::path(
    post,
    path = "/v2/o/authorize/",
    operation_id = "authorizePost",
    tag = "OAuth",
    summary = "Start an authorization (form post)",
    description = "The same as GET, with the parameters in an `application/x-www-form-urlencoded` body.",
    params(
        ("client_id" = String, Query, description = "The application's client id."),
        ("redirect_uri" = String, Query, description = "One of the application's registered redirect URIs."),
        ("response_type" = String, Query, description = "`code`."),
        ("state" = String, Query, description = "Opaque value returned with the code; at least 16 characters."),
        ("code_challenge" = String, Query, description = "PKCE: BASE64URL(SHA256(code_verifier)), unpadded."),
        ("code_challenge_method" = String, Query, description = "PKCE: `S256`."),
        ("scope" = Option<String>, Query, description = "Space-separated SMART scopes; default: every scope the application may have."),
        ("nonce" = Option<String>, Query, description = "OpenID Connect nonce, echoed in the ID token."),
        ("lang" = Option<String>, Query, description = "`en` or `es`: the language of the login and consent pages.")
    ),
    responses(
        (status = 302, description = "To the sandbox login page (`/mymedicare/login?flow=…`), or back to the redirect URI with `error` when the request names a valid client and redirect URI but is otherwise wrong."),
        (status = 400, description = "An HTML error page: unknown client, unregistered redirect URI, missing PKCE, ….", content_type = "text/html"),
        (status = 401, description = "An HTML error page: the application is inactive.", content_type = "text/html")
    ),
    security(())
)]
async fn authorize_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    RawForm(form): RawForm,
) -> Response {
    let mut all = pairs(query.as_deref().map(str::as_bytes));
    all.extend(pairs(Some(&form)));
    authorize(state, headers, all).await
}

async fn authorize(state: AppState, headers: HeaderMap, pairs: Vec<(String, String)>) -> Response {
    let lang = lang_of(&pairs, &headers);
    let pairs = match single_valued(pairs) {
        Ok(p) => p,
        Err(why) => {
            return error_page(
                lang,
                ErrorKind::InvalidRequest(why),
                StatusCode::BAD_REQUEST,
            );
        }
    };
    let params = AuthorizeParams {
        client_id: param(&pairs, "client_id"),
        redirect_uri: param(&pairs, "redirect_uri"),
        response_type: param(&pairs, "response_type"),
        state: param(&pairs, "state"),
        code_challenge: param(&pairs, "code_challenge"),
        code_challenge_method: param(&pairs, "code_challenge_method"),
        scope: param(&pairs, "scope"),
        nonce: param(&pairs, "nonce"),
        client_secret_in_url: param(&pairs, "client_secret").is_some(),
        lang: lang.code().to_owned(),
    };
    match state.services.oauth.start_authorization(params).await {
        Ok(started) => {
            let mut response = found(&format!(
                "/mymedicare/login?flow={}&lang={}",
                started.flow_id, started.lang
            ));
            let max_age = state.services.oauth.settings().flow_secs;
            response.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(
                    &headers,
                    &flow_cookie_name(&started.flow_id),
                    &started.browser_secret,
                    max_age,
                ),
            );
            response
        }
        Err(AuthorizeError::UnknownClient) => {
            error_page(lang, ErrorKind::UnknownClient, StatusCode::BAD_REQUEST)
        }
        Err(AuthorizeError::BadRedirectUri) => {
            error_page(lang, ErrorKind::BadRedirectUri, StatusCode::BAD_REQUEST)
        }
        Err(AuthorizeError::Inactive { app_name }) => error_page(
            lang,
            ErrorKind::AppInactive(app_name),
            StatusCode::UNAUTHORIZED,
        ),
        Err(AuthorizeError::Invalid(why)) => error_page(
            lang,
            ErrorKind::InvalidRequest(why),
            StatusCode::BAD_REQUEST,
        ),
        Err(AuthorizeError::Redirect(url)) => found(&url),
        Err(AuthorizeError::Domain(e)) => crate::errors::ApiError(e).into_response(),
    }
}

/// The login page for a flow, or (no flow) for the connected-apps pages.
async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let pairs = pairs(query.as_deref().map(str::as_bytes));
    let lang = lang_of(&pairs, &headers);
    let flow_id = param(&pairs, "flow").unwrap_or_default();
    if flow_id.is_empty() {
        return super::enrollee::login_form(&state, &headers, lang, None, "").await;
    }
    let browser = cookie(&headers, &flow_cookie_name(&flow_id));
    let oauth = &state.services.oauth;
    if oauth.uses_upstream() {
        return match oauth.upstream_begin(&flow_id, browser).await {
            Ok(url) => found(&url),
            Err(e) => flow_error(lang, e),
        };
    }
    match oauth.flow(&flow_id, browser).await {
        Ok(page) => render_login(&page, lang, "", None),
        Err(e) => flow_error(lang, e),
    }
}

fn render_login(
    page: &FlowPage,
    lang: Lang,
    username: &str,
    error: Option<LoginError>,
) -> Response {
    let status = match error {
        Some(LoginError::Locked { .. }) => StatusCode::TOO_MANY_REQUESTS,
        Some(LoginError::BadCredentials) => StatusCode::UNAUTHORIZED,
        None => StatusCode::OK,
    };
    let mut response = with_page_csp(pages::login(&LoginView {
        lang,
        action: "/mymedicare/login",
        flow: &page.flow.id,
        next: "",
        csrf_token: &page.flow.csrf_token,
        username,
        error,
        app_name: Some(&page.app.name),
    }));
    *response.status_mut() = status;
    response
}

async fn login_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawForm(form): RawForm,
) -> Response {
    let pairs = pairs(Some(&form));
    let lang = lang_of(&pairs, &headers);
    let flow_id = param(&pairs, "flow").unwrap_or_default();
    let username = param(&pairs, "username").unwrap_or_default();
    let password = param(&pairs, "password").unwrap_or_default();
    let csrf = param(&pairs, "csrf_token").unwrap_or_default();
    if flow_id.is_empty() {
        return super::enrollee::login_submit(&state, &headers, lang, &username, &password, &csrf)
            .await;
    }
    let browser = cookie(&headers, &flow_cookie_name(&flow_id));
    let oauth = &state.services.oauth;
    match oauth
        .login_on_flow(&flow_id, browser, &csrf, &username, &password)
        .await
    {
        Ok(()) => see_other(&format!("/v2/o/authorize/{flow_id}/?lang={}", lang.code())),
        Err(LoginRefusal::Flow(e)) => flow_error(lang, e),
        Err(LoginRefusal::Domain(e)) => crate::errors::ApiError(e).into_response(),
        Err(refusal) => {
            let error = match refusal {
                LoginRefusal::Locked { minutes } => LoginError::Locked { minutes },
                _ => LoginError::BadCredentials,
            };
            match oauth.flow(&flow_id, browser).await {
                Ok(page) => render_login(&page, lang, &username, Some(error)),
                Err(e) => flow_error(lang, e),
            }
        }
    }
}

async fn upstream_callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let pairs = pairs(query.as_deref().map(str::as_bytes));
    let lang = lang_of(&pairs, &headers);
    let upstream_state = param(&pairs, "state").unwrap_or_default();
    let Some(flow_id) =
        bb_domain::oauth::upstream::UpstreamOidc::flow_id_of(&upstream_state).map(str::to_owned)
    else {
        return error_page(lang, ErrorKind::FlowExpired, StatusCode::BAD_REQUEST);
    };
    let Some(code) = param(&pairs, "code") else {
        // The provider refused (error=access_denied, …): nothing to log in with.
        return error_page(lang, ErrorKind::FlowExpired, StatusCode::BAD_REQUEST);
    };
    let browser = cookie(&headers, &flow_cookie_name(&flow_id));
    match state
        .services
        .oauth
        .upstream_finish(&upstream_state, &code, browser)
        .await
    {
        Ok(id) => found(&format!("/v2/o/authorize/{id}/")),
        Err(e) => flow_error(lang, e),
    }
}

fn is_uuid(id: &str) -> bool {
    uuid::Uuid::parse_str(id).is_ok()
}

#[utoipa::path(
    get,
    path = "/v2/o/authorize/{id}/",
    operation_id = "consentPage",
    tag = "OAuth",
    summary = "The consent page",
    description = "HTML page where the signed-in enrollee approves or denies the application (and chooses whether to share demographics). Also served without the trailing slash.",
    params(("id" = String, Path, description = "The authorization flow's id (a UUID), from the login redirect.")),
    responses(
        (status = 200, description = "The consent form (with a `csrf_token` hidden field).", content_type = "text/html"),
        (status = 400, description = "An HTML error page: the flow expired or is not this browser's.", content_type = "text/html"),
        (status = 404, description = "Not a flow id.", body = bb_proto::DetailBody)
    ),
    security(())
)]
async fn consent_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    if !is_uuid(&id) {
        return crate::errors::detail(StatusCode::NOT_FOUND, "Not found.");
    }
    let pairs = pairs(query.as_deref().map(str::as_bytes));
    let browser = cookie(&headers, &flow_cookie_name(&id));
    let oauth = &state.services.oauth;
    let page = match oauth.flow(&id, browser).await {
        Ok(page) => page,
        Err(e) => return flow_error(lang_of(&pairs, &headers), e),
    };
    let lang = match param(&pairs, "lang") {
        Some(_) => lang_of(&pairs, &headers),
        None => Lang::parse(&page.flow.lang).unwrap_or(Lang::En),
    };
    if page.flow.bene_id.is_none() {
        return found(&format!("/mymedicare/login?flow={id}&lang={}", lang.code()));
    }
    let other = match lang {
        Lang::En => "es",
        Lang::Es => "en",
    };
    let switch = format!("/v2/o/authorize/{id}/?lang={other}");
    let links = &page.app.links;
    let access = match page.period {
        AccessPeriod::OneHour => pages::AccessPeriod::OneHour,
        AccessPeriod::ThirteenMonths(end) => pages::AccessPeriod::ThirteenMonths {
            until: end.date_naive(),
        },
        AccessPeriod::NoEnd => pages::AccessPeriod::NoEnd,
    };
    let action = format!("/v2/o/authorize/{id}/?lang={}", lang.code());
    with_page_csp(pages::consent(&ConsentView {
        lang,
        action: &action,
        csrf_token: &page.flow.csrf_token,
        app_name: &page.app.name,
        organization: page.organization.as_deref(),
        logo_uri: links.logo_uri.as_deref(),
        website_uri: links.website_uri.as_deref(),
        policy_uri: links.policy_uri.as_deref(),
        tos_uri: links.tos_uri.as_deref(),
        claims: page.scopes.has_claims(),
        demographics: page.scopes.has_demographics(),
        access,
        lang_switch_href: &switch,
    }))
}

#[utoipa::path(
    post,
    path = "/v2/o/authorize/{id}/",
    operation_id = "consentDecision",
    tag = "OAuth",
    summary = "Approve or deny",
    description = "The consent form's post: `csrf_token`, `action` (`approve` or `deny`) and `share_demographic_scopes` (`on` to share). Also served without the trailing slash.",
    params(("id" = String, Path, description = "The authorization flow's id (a UUID), from the login redirect.")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`csrf_token=…&action=approve&share_demographic_scopes=on`"),
    responses(
        (status = 302, description = "Back to the redirect URI with `code` and `state` (approve) or `error=access_denied` (deny)."),
        (status = 400, description = "An HTML error page: the flow expired or is not this browser's.", content_type = "text/html"),
        (status = 404, description = "Not a flow id.", body = bb_proto::DetailBody)
    ),
    security(())
)]
async fn consent_decision(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    RawForm(form): RawForm,
) -> Response {
    if !is_uuid(&id) {
        return crate::errors::detail(StatusCode::NOT_FOUND, "Not found.");
    }
    let mut all = pairs(query.as_deref().map(str::as_bytes));
    let form = pairs(Some(&form));
    all.extend(form.iter().cloned());
    let lang = lang_of(&all, &headers);
    let approve = match param(&form, "action").as_deref() {
        Some("approve") => true,
        Some("deny") => false,
        // BB2's form posts `allow=Allow`; a missing choice is a denial, never consent.
        _ => param(&form, "allow").is_some_and(|v| v.eq_ignore_ascii_case("allow")),
    };
    let share = param(&form, "share_demographic_scopes")
        .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "on" | "true" | "1" | "yes"));
    let csrf = param(&form, "csrf_token").unwrap_or_default();
    let cookie_name = flow_cookie_name(&id);
    let browser = cookie(&headers, &cookie_name);
    match state
        .services
        .oauth
        .decide(&id, browser, &csrf, approve, share)
        .await
    {
        Ok(url) => {
            let mut response = found(&url);
            response.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(&headers, &cookie_name, "", 0),
            );
            response
        }
        Err(e) => flow_error(lang, e),
    }
}

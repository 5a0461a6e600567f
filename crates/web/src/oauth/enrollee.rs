//! The enrollee's own pages (J3): sign in with the sandbox login, see every app that can
//! read their data (since when, until when, what), revoke any of them — every token at
//! once — and see who read their data, from the audit trail.
//!
//! The sign-in form outside an authorization flow is protected by a double-submit value
//! (cookie `bb_login_csrf` equal to the form's `csrf_token`); the session's forms carry the
//! session's own CSRF value.

#![allow(clippy::result_large_err)] // early-return responses, built once per request

use super::{cookie, param, see_other, set_cookie};
use crate::AppState;
use crate::pages::{
    self, ConnectedApp, ConnectedAppsView, Lang, LoginError, LoginView, ReadRecord,
};
use axum::Router;
use axum::extract::{RawForm, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bb_domain::oauth::scopes::Scopes;
use bb_domain::oauth::service::{EnrolleeSession, LoginRefusal};
use chrono::DateTime;
use subtle::ConstantTimeEq;

const SESSION_COOKIE: &str = "bb_enrollee";
const LOGIN_CSRF_COOKIE: &str = "bb_login_csrf";
const PAGE: &str = "/mymedicare/connected-apps";

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(PAGE, get(connected_apps))
        .route("/mymedicare/connected-apps/", get(connected_apps))
        .route("/mymedicare/connected-apps/revoke", post(revoke))
        .route("/mymedicare/logout", post(logout))
}

fn csp(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self' https: data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn lang_of(query: Option<&str>, headers: &HeaderMap) -> Lang {
    let pairs: Vec<(String, String)> = query
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    Lang::negotiate(
        param(&pairs, "lang").as_deref(),
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// The sign-in form for the connected-apps pages, with a fresh double-submit value.
pub(super) async fn login_form(
    state: &AppState,
    headers: &HeaderMap,
    lang: Lang,
    error: Option<LoginError>,
    username: &str,
) -> Response {
    let csrf = bb_domain::clock::random_alphanumeric(state.services.entropy(), 40);
    let mut response = csp(pages::login(&LoginView {
        lang,
        action: "/mymedicare/login",
        flow: "",
        next: PAGE,
        csrf_token: &csrf,
        username,
        error,
        app_name: None,
    }));
    *response.status_mut() = match error {
        None => StatusCode::OK,
        Some(LoginError::BadCredentials) => StatusCode::UNAUTHORIZED,
        Some(LoginError::Locked { .. }) => StatusCode::TOO_MANY_REQUESTS,
    };
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(headers, LOGIN_CSRF_COOKIE, &csrf, 1800),
    );
    response
}

/// The sign-in form posted without a flow.
pub(super) async fn login_submit(
    state: &AppState,
    headers: &HeaderMap,
    lang: Lang,
    username: &str,
    password: &str,
    csrf: &str,
) -> Response {
    let expected = cookie(headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !bool::from(expected.as_bytes().ct_eq(csrf.as_bytes())) {
        return login_form(state, headers, lang, None, username).await;
    }
    match state
        .services
        .oauth
        .enrollee_login(username, password)
        .await
    {
        Ok(secret) => {
            let mut response = see_other(&format!("{PAGE}?lang={}", lang.code()));
            let max_age = state.services.oauth.settings().session_secs;
            let h = response.headers_mut();
            h.append(
                header::SET_COOKIE,
                set_cookie(headers, SESSION_COOKIE, &secret, max_age),
            );
            h.append(
                header::SET_COOKIE,
                set_cookie(headers, LOGIN_CSRF_COOKIE, "", 0),
            );
            response
        }
        Err(LoginRefusal::Locked { minutes }) => {
            login_form(
                state,
                headers,
                lang,
                Some(LoginError::Locked { minutes }),
                username,
            )
            .await
        }
        Err(LoginRefusal::Domain(e)) => crate::errors::ApiError(e).into_response(),
        Err(_) => {
            login_form(
                state,
                headers,
                lang,
                Some(LoginError::BadCredentials),
                username,
            )
            .await
        }
    }
}

async fn session(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<EnrolleeSession>, Response> {
    let Some(secret) = cookie(headers, SESSION_COOKIE).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    state
        .services
        .oauth
        .enrollee_session(secret)
        .await
        .map_err(|e| crate::errors::ApiError(e).into_response())
}

async fn render(
    state: &AppState,
    lang: Lang,
    who: &EnrolleeSession,
    notice: Option<String>,
) -> Response {
    let oauth = &state.services.oauth;
    let grants = match oauth.connected_apps(who.bene_id).await {
        Ok(g) => g,
        Err(e) => return crate::errors::ApiError(e).into_response(),
    };
    let events = match oauth.audit_of(who.bene_id, 200).await {
        Ok(e) => e,
        Err(e) => return crate::errors::ApiError(e).into_response(),
    };
    let date = |ms: i64| {
        DateTime::from_timestamp_millis(ms)
            .unwrap_or_default()
            .date_naive()
    };
    let apps = grants
        .into_iter()
        .map(|g| {
            let scopes = Scopes::from_stored(&g.grant.scopes);
            ConnectedApp {
                grant_id: g.grant.application_id.clone(),
                name: g.application_name,
                organization: g.organization_name,
                since: date(g.grant.created_at),
                until: g.grant.expires_at.map(date),
                claims: scopes.has_claims(),
                demographics: scopes.has_demographics(),
            }
        })
        .collect();
    let reads = events
        .into_iter()
        .filter(|e| e.action == "read")
        .map(|e| ReadRecord {
            at: DateTime::from_timestamp_millis(e.at).unwrap_or_default(),
            app_name: e.application_name.unwrap_or_default(),
            what: e.detail,
        })
        .collect();
    let revoke_action = format!("/mymedicare/connected-apps/revoke?lang={}", lang.code());
    csp(pages::connected_apps(&ConnectedAppsView {
        lang,
        csrf_token: &who.csrf_token,
        revoke_action: &revoke_action,
        logout_action: "/mymedicare/logout",
        apps,
        reads,
        notice,
    }))
}

async fn connected_apps(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let lang = lang_of(query.as_deref(), &headers);
    match session(&state, &headers).await {
        Ok(Some(who)) => render(&state, lang, &who, None).await,
        Ok(None) => see_other(&format!("/mymedicare/login?lang={}", lang.code())),
        Err(response) => response,
    }
}

fn csrf_ok(who: &EnrolleeSession, pairs: &[(String, String)]) -> bool {
    let sent = param(pairs, "csrf_token").unwrap_or_default();
    bool::from(sent.as_bytes().ct_eq(who.csrf_token.as_bytes()))
}

async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    RawForm(form): RawForm,
) -> Response {
    let lang = lang_of(query.as_deref(), &headers);
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&form).into_owned().collect();
    let who = match session(&state, &headers).await {
        Ok(Some(who)) => who,
        Ok(None) => return see_other(&format!("/mymedicare/login?lang={}", lang.code())),
        Err(response) => return response,
    };
    if !csrf_ok(&who, &pairs) {
        return crate::errors::detail(StatusCode::FORBIDDEN, "The form expired: reload the page.");
    }
    let grant_id = param(&pairs, "grant_id").unwrap_or_default();
    match state
        .services
        .oauth
        .enrollee_revoke(who.bene_id, &grant_id)
        .await
    {
        Ok(name) => render(&state, lang, &who, name).await,
        Err(e) => crate::errors::ApiError(e).into_response(),
    }
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawForm(form): RawForm,
) -> Response {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&form).into_owned().collect();
    if let Ok(Some(who)) = session(&state, &headers).await {
        if !csrf_ok(&who, &pairs) {
            return crate::errors::detail(
                StatusCode::FORBIDDEN,
                "The form expired: reload the page.",
            );
        }
        if let Some(secret) = cookie(&headers, SESSION_COOKIE)
            && let Err(e) = state.services.oauth.enrollee_logout(secret).await
        {
            return crate::errors::ApiError(e).into_response();
        }
    }
    let mut response = see_other("/mymedicare/login");
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&headers, SESSION_COOKIE, "", 0),
    );
    response
}

//! The authorization server's HTTP surface (see `docs/design/authorization.md`):
//!
//! - [`discovery`]: OpenID Connect Discovery 1.0 (`/.well-known/openid-configuration` and
//!   BB2's aliases), SMART App Launch 2.0 (`/v2/fhir/.well-known/smart-configuration`) and
//!   the ID token keys as a JWK Set (`/.well-known/jwks.json`);
//! - `flow`: `/v2/o/authorize`, the sandbox login, the upstream login callback, consent;
//! - `token`: `/v2/o/token/`, `/v2/o/revoke_token/`, `/v2/o/revoke/`, `/v2/o/introspect/`;
//! - `userinfo`: `/v2/connect/userinfo`;
//! - `enrollee`: the enrollee's connected-apps pages.
//!
//! Browser state is two kinds of cookies, both `HttpOnly; SameSite=Lax` (and `Secure`
//! behind https): `bb_flow_<id>` binds an authorization flow to the browser that started
//! it, `bb_enrollee` is a connected-apps session. Values are random; the store keeps only
//! their SHA-256.

pub mod discovery;
mod enrollee;
mod flow;
mod token;
mod userinfo;

use crate::AppState;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;

/// The discovery documents and the JWKS (not rate limited: small, cacheable, no state).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(openid_configuration),
        )
        .route(
            "/.well-known/openid-configuration-v2",
            get(openid_configuration),
        )
        .route(
            "/v2/connect/.well-known/openid-configuration",
            get(openid_configuration),
        )
        .route(
            "/v2/fhir/.well-known/smart-configuration",
            get(smart_configuration),
        )
        .route("/.well-known/jwks.json", get(jwks))
}

/// The authorization server's endpoints, rate limited per client address (and per OAuth
/// client, token and app where those are known; see `crate::ratelimit`).
pub fn limited_routes() -> Router<AppState> {
    flow::routes()
        .merge(token::routes())
        .merge(userinfo::routes())
        .merge(enrollee::routes())
}

/// The OAuth operations of the OpenAPI document (`crate::docs::openapi`). The discovery
/// aliases (`/.well-known/openid-configuration-v2`, `/v2/connect/.well-known/…`) are added
/// there as copies of this operation.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    openid_configuration,
    smart_configuration,
    jwks,
    flow::authorize_get,
    flow::authorize_post,
    flow::consent_page,
    flow::consent_decision,
    token::token,
    token::revoke_token,
    token::revoke,
    token::introspect,
    userinfo::userinfo,
))]
pub(crate) struct OAuthApi;

#[utoipa::path(
    get,
    path = "/.well-known/openid-configuration",
    operation_id = "openidConfiguration",
    tag = "Discovery",
    summary = "OpenID Connect Discovery document",
    description = "OpenID Connect Discovery 1.0 §3 (also RFC 8414 metadata): issuer, endpoints, scopes, PKCE methods, JWKS.",
    responses((status = 200, description = "The discovery document.", body = Object, content_type = "application/json")),
    security(())
)]
async fn openid_configuration(State(state): State<AppState>, headers: HeaderMap) -> Json<Value> {
    let issuer = state.services.oauth.issuer(origin(&headers));
    Json(discovery::openid_configuration(&issuer))
}

#[utoipa::path(
    get,
    path = "/v2/fhir/.well-known/smart-configuration",
    operation_id = "smartConfiguration",
    tag = "Discovery",
    summary = "SMART App Launch configuration",
    description = "SMART App Launch 2.0 §2.1: endpoints, scopes, PKCE `S256` and capabilities.",
    responses((status = 200, description = "The SMART configuration.", body = Object, content_type = "application/json")),
    security(())
)]
async fn smart_configuration(State(state): State<AppState>, headers: HeaderMap) -> Json<Value> {
    let issuer = state.services.oauth.issuer(origin(&headers));
    Json(discovery::smart_configuration(&issuer))
}

#[utoipa::path(
    get,
    path = "/.well-known/jwks.json",
    operation_id = "jwks",
    tag = "Discovery",
    summary = "ID token signing keys (JWK Set)",
    description = "RFC 7517 JWK Set of the RS256 keys that sign ID tokens.",
    responses((status = 200, description = "The JWK Set.", body = Object, content_type = "application/json")),
    security(())
)]
async fn jwks(State(state): State<AppState>) -> Response {
    match state.services.oauth.signing_keys() {
        Ok(keys) => Json(keys.jwks()).into_response(),
        Err(e) => crate::errors::ApiError(e).into_response(),
    }
}

/// The value of cookie `name`, if the request carries it.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, Secure when the client-visible
/// origin is https; `max_age` 0 deletes.
pub(crate) fn set_cookie(
    headers: &HeaderMap,
    name: &str,
    value: &str,
    max_age: i64,
) -> HeaderValue {
    let secure = if origin(headers).starts_with("https:") {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("bb_invalid=; Max-Age=0"))
}

/// A redirect (302 Found, as BB2's authorization views answer).
pub(crate) fn found(location: &str) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// A redirect after a form post (303 See Other: the browser follows with GET).
pub(crate) fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// Query or form pairs, refusing a repeated parameter (RFC 6749 §3.1, §3.2: "parameters
/// MUST NOT be included more than once").
pub(crate) fn single_valued(pairs: Vec<(String, String)>) -> Result<Vec<(String, String)>, String> {
    let mut seen = std::collections::BTreeSet::new();
    for (k, _) in &pairs {
        if !seen.insert(k.as_str()) {
            return Err(format!("parameter {k} is repeated"));
        }
    }
    Ok(pairs)
}

/// The value of `name` among pairs.
pub(crate) fn param(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// The client-visible origin, by the same rules as the FHIR paging links: the first
/// `X-Forwarded-Proto` (`http` or `https`, else `http`) and the first `X-Forwarded-Host`,
/// else `Host` (only host-name characters, else `localhost`).
pub fn origin(headers: &HeaderMap) -> String {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(',').next().unwrap_or(v).trim().to_owned())
    };
    let scheme = get("x-forwarded-proto")
        .filter(|s| s == "https" || s == "http")
        .unwrap_or_else(|| "http".into());
    let host = get("x-forwarded-host")
        .or_else(|| get("host"))
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        })
        .unwrap_or_else(|| "localhost".into());
    format!("{scheme}://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_and_repeated_parameters() {
        let h = headers(&[("cookie", "a=1; bb_flow_x=secret; b=2")]);
        assert_eq!(cookie(&h, "bb_flow_x"), Some("secret"));
        assert_eq!(cookie(&h, "c"), None);
        let set = set_cookie(
            &headers(&[("host", "h"), ("x-forwarded-proto", "https")]),
            "n",
            "v",
            60,
        );
        assert_eq!(
            set,
            "n=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"
        );
        let pairs = vec![
            ("a".to_owned(), "1".to_owned()),
            ("a".to_owned(), "2".to_owned()),
        ];
        assert!(single_valued(pairs).is_err());
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn origin_comes_from_host_and_forwarded_headers() {
        assert_eq!(
            origin(&headers(&[("host", "localhost:8000")])),
            "http://localhost:8000"
        );
        assert_eq!(
            origin(&headers(&[
                ("host", "10.0.0.5:8000"),
                ("x-forwarded-proto", "https"),
                ("x-forwarded-host", "sandbox.bluebutton.example"),
            ])),
            "https://sandbox.bluebutton.example"
        );
        assert_eq!(
            origin(&headers(&[
                ("host", "a.example"),
                ("x-forwarded-proto", "https, http")
            ])),
            "https://a.example"
        );
        // Anything but http/https, and hosts with odd characters, are not echoed.
        assert_eq!(
            origin(&headers(&[
                ("host", "evil.example/x?"),
                ("x-forwarded-proto", "javascript")
            ])),
            "http://localhost"
        );
        assert_eq!(origin(&HeaderMap::new()), "http://localhost");
    }
}

//! The client-facing OAuth endpoints: `/v2/o/token/` (RFC 6749 §3.2), `/v2/o/revoke_token/`
//! (RFC 7009), `/v2/o/revoke/` (BB2: ends the grant) and `/v2/o/introspect/` (RFC 7662),
//! each with and without the trailing slash.
//!
//! Bodies may be `application/x-www-form-urlencoded` (the Node SDK) or
//! `multipart/form-data` (the Python SDK), media-type parameters allowed; a parameter sent
//! twice is `invalid_request`. Clients authenticate with HTTP Basic (RFC 6749 §2.3.1: id
//! and secret form-encoded) or `client_id`/`client_secret` in the body; any other
//! `Authorization` scheme is ignored, because the Python SDK sends a stale `Bearer` header
//! with its code exchange. Answers carry `Cache-Control: no-store` (RFC 6749 §5.1).

#![allow(clippy::result_large_err)] // early-return responses, built once per request

use super::{param, single_valued};
use crate::AppState;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use bb_domain::oauth::service::{ClientCredentials, ClientSecretText, TokenError, TokenParams};
use bb_proto::OAuthErrorBody;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/o/token", post(token))
        .route("/v2/o/token/", post(token))
        .route("/v2/o/revoke_token", post(revoke_token))
        .route("/v2/o/revoke_token/", post(revoke_token))
        .route("/v2/o/revoke", post(revoke))
        .route("/v2/o/revoke/", post(revoke))
        .route("/v2/o/introspect", post(introspect).get(introspect))
        .route("/v2/o/introspect/", post(introspect).get(introspect))
}

/// An OAuth error response.
fn oauth_error(status: u16, error: &str, description: impl Into<String>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = (
        status,
        Json(OAuthErrorBody {
            error: error.to_owned(),
            error_description: Some(description.into()),
        }),
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if status == StatusCode::UNAUTHORIZED {
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"bluebutton\""),
        );
    }
    response
}

fn token_error(e: TokenError) -> Response {
    match e {
        TokenError::OAuth {
            status,
            error,
            description,
        } => oauth_error(status, error, description),
        TokenError::Domain(e) => crate::errors::ApiError(e).into_response(),
    }
}

fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// Reads the form body (urlencoded or multipart) plus the query string.
async fn form(
    state: &AppState,
    request: Request,
) -> Result<(HeaderMap, Vec<(String, String)>), Response> {
    let headers = request.headers().clone();
    // Parameters travel in the body (RFC 6749 §3.2, §2.3.1: a client secret never in a
    // URL); only introspection's GET form reads the query string.
    let mut pairs: Vec<(String, String)> = if request.method() == axum::http::Method::GET {
        request
            .uri()
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    if media == "multipart/form-data" {
        let mut multipart = Multipart::from_request(request, state)
            .await
            .map_err(|_| oauth_error(400, "invalid_request", "the multipart body is malformed"))?;
        loop {
            match multipart.next_field().await {
                Ok(Some(field)) => {
                    let name = field.name().unwrap_or_default().to_owned();
                    let value = field.text().await.map_err(|_| {
                        oauth_error(400, "invalid_request", "the multipart body is malformed")
                    })?;
                    pairs.push((name, value));
                }
                Ok(None) => break,
                Err(_) => {
                    return Err(oauth_error(
                        400,
                        "invalid_request",
                        "the multipart body is malformed",
                    ));
                }
            }
        }
    } else if media == "application/x-www-form-urlencoded" || media.is_empty() {
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|e| e.into_response())?;
        pairs.extend(url::form_urlencoded::parse(&body).into_owned());
    } else {
        return Err(oauth_error(
            400,
            "invalid_request",
            "send the parameters as application/x-www-form-urlencoded or multipart/form-data",
        ));
    }
    let pairs = single_valued(pairs).map_err(|why| oauth_error(400, "invalid_request", why))?;
    Ok((headers, pairs))
}

/// Client credentials from HTTP Basic, else from the body. With Basic, a `client_id` in
/// the body must name the same client.
fn credentials(
    headers: &HeaderMap,
    pairs: &[(String, String)],
) -> Result<ClientCredentials, Response> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .map(|(_, b64)| b64.trim().to_owned());
    let refused = || oauth_error(401, "invalid_client", "Client authentication failed.");
    if let Some(b64) = basic {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(refused)?;
        let (id, secret) = decoded.split_once(':').ok_or_else(refused)?;
        let unform = |s: &str| -> String {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        let (id, secret) = (unform(id), unform(secret));
        if param(pairs, "client_id").is_some_and(|body_id| body_id != id) {
            return Err(refused());
        }
        return Ok(ClientCredentials {
            client_id: Some(id),
            client_secret: Some(ClientSecretText(secret)),
        });
    }
    Ok(ClientCredentials {
        client_id: param(pairs, "client_id"),
        client_secret: param(pairs, "client_secret").map(ClientSecretText),
    })
}

/// A client's authenticated-call input: headers, single-valued parameters, credentials.
struct ClientCall {
    headers: HeaderMap,
    pairs: Vec<(String, String)>,
    client: ClientCredentials,
}

impl ClientCall {
    async fn read(state: &AppState, request: Request) -> Result<Self, Response> {
        let limits = request
            .extensions()
            .get::<crate::ratelimit::RateSlot>()
            .cloned();
        let (headers, pairs) = form(state, request).await?;
        let client = credentials(&headers, &pairs)?;
        if let (Some(limits), Some(client_id)) = (&limits, &client.client_id) {
            limits.client_call(client_id)?;
        }
        Ok(Self {
            headers,
            pairs,
            client,
        })
    }

    fn token(&self) -> Option<String> {
        param(&self.pairs, "token")
    }
}

/// Answers a client call: `ok` renders success, errors are RFC 6749 JSON.
fn answer<T>(result: Result<T, TokenError>, ok: impl FnOnce(T) -> Response) -> Response {
    match result {
        Ok(value) => no_store(ok(value)),
        Err(e) => token_error(e),
    }
}

#[utoipa::path(
    post,
    path = "/v2/o/token/",
    operation_id = "token",
    tag = "OAuth",
    summary = "Exchange a code, or refresh",
    description = "RFC 6749 §4.1.3 (with PKCE, RFC 7636) and §6. Clients authenticate with HTTP Basic or `client_id`/`client_secret` in the body; multipart bodies are accepted too. Answers carry `Cache-Control: no-store`. Also served at the path without the trailing slash.",
    request_body(content = bb_proto::TokenRequestForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Tokens.", body = bb_proto::TokenResponseBody),
        (status = 400, description = "`invalid_request`, `invalid_grant`, `unsupported_grant_type`, ….", body = bb_proto::OAuthErrorBody),
        (status = 401, description = "`invalid_client`: unknown client or wrong secret.", body = bb_proto::OAuthErrorBody)
    ),
    security(("client_basic" = []), ())
)]
async fn token(State(state): State<AppState>, request: Request) -> Response {
    let call = match ClientCall::read(&state, request).await {
        Ok(call) => call,
        Err(response) => return response,
    };
    let pairs = &call.pairs;
    let params = TokenParams {
        grant_type: param(pairs, "grant_type"),
        code: param(pairs, "code"),
        redirect_uri: param(pairs, "redirect_uri"),
        code_verifier: param(pairs, "code_verifier"),
        refresh_token: param(pairs, "refresh_token"),
        scope: param(pairs, "scope"),
        issuer: state.services.oauth.issuer(super::origin(&call.headers)),
        client: call.client.clone(),
    };
    answer(state.services.oauth.token(params).await, |body| {
        Json(body).into_response()
    })
}

#[utoipa::path(
    post,
    path = "/v2/o/revoke_token/",
    operation_id = "revokeToken",
    tag = "OAuth",
    summary = "Revoke one token",
    description = "RFC 7009: revokes an access or refresh token; an unknown token is still 200. Also served at the path without the trailing slash.",
    request_body(content = bb_proto::TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Revoked (or never valid)."),
        (status = 400, description = "`invalid_request`, `invalid_grant`, `unsupported_grant_type`, ….", body = bb_proto::OAuthErrorBody),
        (status = 401, description = "`invalid_client`: unknown client or wrong secret.", body = bb_proto::OAuthErrorBody)
    ),
    security(("client_basic" = []), ())
)]
async fn revoke_token(State(state): State<AppState>, request: Request) -> Response {
    match ClientCall::read(&state, request).await {
        Ok(call) => answer(
            state
                .services
                .oauth
                .revoke_token(&call.client, call.token().as_deref())
                .await,
            |()| StatusCode::OK.into_response(),
        ),
        Err(response) => response,
    }
}

#[utoipa::path(
    post,
    path = "/v2/o/revoke/",
    operation_id = "revokeGrant",
    tag = "OAuth",
    summary = "End the enrollee's grant",
    description = "BB2's grant revocation: ends the whole authorization behind the token (every access and refresh token of this app for this enrollee). Also served at the path without the trailing slash.",
    request_body(content = bb_proto::TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The grant ended."),
        (status = 400, description = "`invalid_request`, `invalid_grant`, `unsupported_grant_type`, ….", body = bb_proto::OAuthErrorBody),
        (status = 401, description = "`invalid_client`: unknown client or wrong secret.", body = bb_proto::OAuthErrorBody)
    ),
    security(("client_basic" = []), ())
)]
async fn revoke(State(state): State<AppState>, request: Request) -> Response {
    match ClientCall::read(&state, request).await {
        Ok(call) => answer(
            state
                .services
                .oauth
                .revoke_grant(&call.client, call.token().as_deref())
                .await,
            |()| StatusCode::OK.into_response(),
        ),
        Err(response) => response,
    }
}

#[utoipa::path(
    post,
    path = "/v2/o/introspect/",
    operation_id = "introspect",
    tag = "OAuth",
    summary = "Introspect a token",
    description = "RFC 7662: whether the token is live and issued to the calling client, with its scopes and patient. Also answers GET with the parameters in the query string. Also served at the path without the trailing slash.",
    request_body(content = bb_proto::TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The token's state (`active: false` for anything not live or not yours).", body = bb_proto::IntrospectionBody),
        (status = 400, description = "`invalid_request`, `invalid_grant`, `unsupported_grant_type`, ….", body = bb_proto::OAuthErrorBody),
        (status = 401, description = "`invalid_client`: unknown client or wrong secret.", body = bb_proto::OAuthErrorBody)
    ),
    security(("client_basic" = []), ())
)]
async fn introspect(State(state): State<AppState>, request: Request) -> Response {
    match ClientCall::read(&state, request).await {
        Ok(call) => answer(
            state
                .services
                .oauth
                .introspect(&call.client, call.token().as_deref())
                .await,
            |body| Json(body).into_response(),
        ),
        Err(response) => response,
    }
}

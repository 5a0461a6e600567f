//! The test client's HTTP calls, made in process through this server's own router
//! (`crate::router`, middleware and all): the same endpoints, parsing and checks an
//! outside client meets, without a network hop back to ourselves (which behind a proxy or
//! with a public issuer may not even be reachable from the server).

use crate::AppState;
use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, header};
use base64::Engine;
use serde_json::Value;
use tower::ServiceExt;

/// Largest answer read (a page of claims is far smaller).
const MAX_ANSWER: usize = 16 * 1024 * 1024;

/// An answer: status and body parsed as JSON (`Null` when it is not JSON).
pub(crate) struct Answer {
    pub status: u16,
    pub json: Value,
}

/// What to send.
pub(crate) enum Auth<'a> {
    /// `Authorization: Bearer`.
    Bearer(&'a str),
    /// `Authorization: Basic` with a client's credentials (RFC 6749 §2.3.1).
    Client { id: &'a str, secret: &'a str },
}

fn form_encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Sends a request to `path_and_query` as if it came to `origin` (its host and scheme, so
/// links in answers, such as paging links, name that origin).
pub(crate) async fn call(
    state: &AppState,
    origin: &str,
    method: Method,
    path_and_query: &str,
    auth: Auth<'_>,
    form: Option<&[(&str, &str)]>,
) -> Answer {
    let (scheme, host) = origin.split_once("://").unwrap_or(("http", origin));
    let mut builder = Request::builder()
        .method(method)
        .uri(path_and_query)
        .header(header::HOST, host)
        .header(header::ACCEPT, "application/json");
    if scheme == "https" {
        builder = builder.header("x-forwarded-proto", "https");
    }
    let authorization = match auth {
        Auth::Bearer(token) => format!("Bearer {token}"),
        Auth::Client { id, secret } => format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!(
                "{}:{}",
                form_encode(id),
                form_encode(secret)
            ))
        ),
    };
    if let Ok(value) = HeaderValue::from_str(&authorization) {
        builder = builder.header(header::AUTHORIZATION, value);
    }
    let body = match form {
        Some(fields) => {
            builder = builder.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            Body::from(
                url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(fields)
                    .finish(),
            )
        }
        None => Body::empty(),
    };
    let failed = |why: &str| Answer {
        status: 500,
        json: serde_json::json!({ "detail": why }),
    };
    let Ok(request) = builder.body(body) else {
        return failed("the test client could not build its request");
    };
    let Ok(response) = crate::router(state.clone()).oneshot(request).await;
    let status = response.status().as_u16();
    match axum::body::to_bytes(response.into_body(), MAX_ANSWER).await {
        Ok(bytes) => Answer {
            status,
            json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        },
        Err(_) => failed("the answer could not be read"),
    }
}

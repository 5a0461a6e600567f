//! Cross-cutting HTTP concerns: request ids and the access log, header and body limits,
//! security headers, and turning a panic into a 500 with an operation id.
//!
//! The access log records method, the matched route *template* (`/v2/fhir/Patient/{id}`,
//! never the concrete path or query, which may carry patient ids, codes or tokens),
//! status, latency and the request id. Nothing else about a request is logged here.

use crate::AppState;
use crate::errors::detail;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bb_domain::clock::new_id;
use std::time::Instant;
use tracing::Instrument;

/// Header carrying the request id, in and out.
pub(crate) static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the current request, for handlers that want to quote it.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// Accepts a caller's request id when it is short and plain, else makes one; opens the
/// request's tracing span; logs one line when the response is ready.
pub(crate) async fn observe(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| new_id(state.services.clock(), state.services.entropy()).to_string());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "<unmatched>".to_owned());
    let method = req.method().clone();
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", request_id = %id, method = %method, route = %route);
    let started = Instant::now();
    let mut response = next.run(req).instrument(span.clone()).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID.clone(), value);
    }
    let status = response.status().as_u16();
    let elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    span.in_scope(|| {
        if status >= 500 {
            tracing::warn!(status, elapsed_us, "request finished");
        } else {
            tracing::info!(status, elapsed_us, "request finished");
        }
    });
    response
}

/// 431 when a request carries too many headers or too many header bytes.
pub(crate) async fn limit_headers(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let headers = req.headers();
    let bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if headers.len() > state.config.max_headers || bytes > state.config.max_header_bytes {
        return detail(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!(
                "Request headers too large: at most {} headers and {} bytes.",
                state.config.max_headers, state.config.max_header_bytes
            ),
        );
    }
    next.run(req).await
}

/// 413 at once when `Content-Length` announces more than the limit; bodies without a
/// length are cut at the same limit by every body extractor (`DefaultBodyLimit`).
pub(crate) async fn limit_declared_body(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let limit = crate::portal::upload_limit_for(req.uri().path())
        .unwrap_or(state.config.max_body_bytes)
        .max(state.config.max_body_bytes);
    let limit = u64::try_from(limit).unwrap_or(u64::MAX);
    if declared.is_some_and(|n| n > limit) {
        return detail(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Request body too large: at most {limit} bytes."),
        );
    }
    next.run(req).await
}

/// Headers every response carries unless a route set its own. The API answers JSON only,
/// so the default CSP allows nothing; pages that need more set their own policy (none of
/// them allows `unsafe-inline` or framing). Behind a TLS-terminating proxy (the request
/// came with `X-Forwarded-Proto: https`, the same signal that makes cookies `Secure`),
/// responses also carry HSTS for a year; over plain http browsers ignore HSTS anyway
/// (RFC 6797 §8.1), so a forged header cannot pin anything.
pub(crate) async fn security_headers(req: Request, next: Next) -> Response {
    let over_tls = crate::oauth::origin(req.headers()).starts_with("https:");
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    if over_tls {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
        ),
    ] {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    response
}

/// Turns a panic into `500 {"detail": "Internal error (operation X)."}` and logs it
/// under that operation id (the panic message may hold data, so it goes to the log only).
#[derive(Clone)]
pub(crate) struct PanicToJson {
    state: AppState,
}

impl PanicToJson {
    pub(crate) fn new(state: AppState) -> Self {
        Self { state }
    }
}

impl tower_http::catch_panic::ResponseForPanic for PanicToJson {
    type ResponseBody = axum::body::Body;

    fn response_for_panic(
        &mut self,
        err: Box<dyn std::any::Any + Send + 'static>,
    ) -> axum::http::Response<Self::ResponseBody> {
        let operation_id =
            new_id(self.state.services.clock(), self.state.services.entropy()).to_string();
        let message = err
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| err.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(operation_id = %operation_id, panic = %message, "handler panicked");
        detail(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("Internal error (operation {operation_id})."),
        )
        .into_response()
    }
}

//! Rendering errors: one mapping from domain meaning to HTTP status, three body shapes.
//!
//! | `DomainError`   | status | JSON API (`{"detail"}`)        | FHIR (`OperationOutcome` code) | OAuth (`error`)   |
//! |-----------------|--------|--------------------------------|--------------------------------|-------------------|
//! | `Invalid`       | 400    | the field and reason           | `invalid`                      | `invalid_request` |
//! | `NotFound`      | 404    | `Not found.` (BB2's text)      | `not-found`                    | `invalid_request` |
//! | `Conflict`      | 409    | what exists already            | `conflict`                     | `invalid_request` |
//! | `Unavailable`   | 503    | `Service unavailable.`         | `transient`                    | `temporarily_unavailable` |
//! | `Internal`      | 500    | `Internal error (operation X)` | `exception`                    | `server_error`    |
//!
//! Internal detail never reaches a body: it was logged with the operation id when the
//! error was made (`DomainError::internal`); the body carries only that id. The table is
//! unit-tested below.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bb_domain::DomainError;
use bb_fhir::OperationOutcome;
use bb_proto::{DetailBody, OAuthErrorBody};

/// The status for a domain error, shared by every surface.
pub fn status_of(err: &DomainError) -> StatusCode {
    match err {
        DomainError::Invalid { .. } => StatusCode::BAD_REQUEST,
        DomainError::NotFound { .. } => StatusCode::NOT_FOUND,
        DomainError::Conflict { .. } => StatusCode::CONFLICT,
        DomainError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        DomainError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The message a client may see.
fn public_message(err: &DomainError) -> String {
    match err {
        DomainError::NotFound { .. } => "Not found.".to_owned(),
        DomainError::Unavailable(_) => "Service unavailable.".to_owned(),
        other => other.to_string(),
    }
}

/// A JSON API error: `{"detail": "..."}` as BB2's REST views answer.
#[derive(Debug)]
pub struct ApiError(pub DomainError);

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        Self(err)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        detail(status_of(&self.0), public_message(&self.0))
    }
}

/// A FHIR error rendered as an `OperationOutcome`.
#[derive(Debug)]
pub struct FhirError(pub DomainError);

impl IntoResponse for FhirError {
    fn into_response(self) -> Response {
        let code = match self.0 {
            DomainError::Invalid { .. } => "invalid",
            DomainError::NotFound { .. } => "not-found",
            DomainError::Conflict { .. } => "conflict",
            DomainError::Unavailable(_) => "transient",
            DomainError::Internal { .. } => "exception",
        };
        let body = OperationOutcome::error(code, public_message(&self.0));
        let mut response = (status_of(&self.0), Json(body)).into_response();
        response.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/fhir+json"),
        );
        response
    }
}

/// An OAuth endpoint error (RFC 6749 §5.2).
#[derive(Debug)]
pub struct OAuthError(pub DomainError);

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let error = match self.0 {
            DomainError::Unavailable(_) => "temporarily_unavailable",
            DomainError::Internal { .. } => "server_error",
            _ => "invalid_request",
        };
        let body = OAuthErrorBody {
            error: error.to_owned(),
            error_description: Some(public_message(&self.0)),
        };
        let mut response = (status_of(&self.0), Json(body)).into_response();
        response.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
        response
    }
}

/// `{"detail": message}` with a status.
pub(crate) fn detail(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        Json(DetailBody {
            detail: message.into(),
        }),
    )
        .into_response()
}

/// The largest extractor rejection text re-rendered by [`json_rejections`].
const REJECTION_TEXT_LIMIT: usize = 4096;

/// Response mapper for the JSON APIs (`/v2/access/…`, `/v2/staff/…`): axum's extractors
/// refuse a body or path they cannot parse (400 bad JSON or path value, 413 too large, 415
/// not `application/json`, 422 wrong shape) with a `text/plain` body; here those become the
/// API's own `{"detail": …}` with the same status and text, as the OpenAPI document says
/// (schemathesis found the plain-text answers). Every other response passes unchanged.
pub(crate) async fn json_rejections(response: Response) -> Response {
    let plain = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if !response.status().is_client_error() || !plain {
        return response;
    }
    let status = response.status();
    let text = axum::body::to_bytes(response.into_body(), REJECTION_TEXT_LIMIT)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_else(|_| "The request could not be read.".to_owned());
    detail(status, text)
}

/// Fallback for unknown paths: BB2's `404 {"detail": "Not found."}`.
pub(crate) async fn not_found() -> Response {
    detail(StatusCode::NOT_FOUND, "Not found.")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<DomainError> {
        vec![
            DomainError::invalid("email", "has no @"),
            DomainError::NotFound {
                what: "owner account",
            },
            DomainError::Conflict {
                what: "an account with this e-mail",
            },
            DomainError::Unavailable("cannot reach PostgreSQL at db:5432".into()),
            DomainError::Internal {
                operation_id: "op-123".into(),
            },
        ]
    }

    #[test]
    fn the_table_holds() {
        let statuses: Vec<u16> = all().iter().map(|e| status_of(e).as_u16()).collect();
        assert_eq!(statuses, vec![400, 404, 409, 503, 500]);
        let messages: Vec<String> = all().iter().map(public_message).collect();
        assert_eq!(
            messages,
            vec![
                "email: has no @",
                "Not found.",
                "an account with this e-mail already exists",
                "Service unavailable.",
                "internal error (operation op-123)",
            ]
        );
    }

    #[test]
    fn unavailable_detail_is_not_shown() {
        for render in [
            |e| ApiError(e).into_response(),
            |e| FhirError(e).into_response(),
            |e| OAuthError(e).into_response(),
        ] {
            let response: Response = render(DomainError::Unavailable(
                "cannot reach PostgreSQL at db:5432".into(),
            ));
            assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        }
    }

    #[test]
    fn fhir_errors_are_fhir_json() {
        let response = FhirError(DomainError::NotFound { what: "x" }).into_response();
        assert_eq!(
            response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/fhir+json")
        );
    }
}

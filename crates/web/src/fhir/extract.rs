//! The caller's patient: `Authorization: Bearer <token>` → the token's beneficiary, one
//! SHA-256 and one indexed lookup (`Fhir::authenticate`). A token in the query string
//! (`access_token=`) is refused with 400, as BB2 does; a missing, unknown, expired or
//! revoked token is 401 with DRF's message and a `WWW-Authenticate: Bearer` challenge.
//! A checked token's application and enrollee go into the request's usage slot (see
//! `usage.rs`), so the answer is counted for that app. On rate-limited routes the token
//! is counted against its limit before the lookup, and its application after it (a 429
//! from either; see `crate::ratelimit`).

use crate::AppState;
use crate::errors::detail;
use crate::fhir::usage::UsageSlot;
use crate::ratelimit::RateSlot;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bb_domain::fhir::{AuthError, PatientContext};

/// The patient a request may see.
#[derive(Clone, Debug)]
pub struct Patient(pub PatientContext);

fn unauthorized() -> Response {
    let mut response = detail(
        StatusCode::UNAUTHORIZED,
        "Authentication credentials were not provided.",
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"api\""),
    );
    response
}

impl FromRequestParts<AppState> for Patient {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let in_query = parts.uri.query().is_some_and(|q| {
            q.split('&')
                .any(|pair| pair.split('=').next() == Some("access_token"))
        });
        if in_query {
            return Err(detail(
                StatusCode::BAD_REQUEST,
                "Using access_token in the query string is not allowed: send it in the Authorization header.",
            ));
        }
        let Some(value) = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        else {
            return Err(unauthorized());
        };
        let token = match value.split_once(' ') {
            Some((scheme, token))
                if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
            {
                token.trim()
            }
            _ => return Err(unauthorized()),
        };
        let limits = parts.extensions.get::<RateSlot>().cloned();
        if let Some(limits) = &limits {
            limits.hit_token(token)?;
        }
        match state.services.fhir.authenticate(token).await {
            Ok(context) => {
                if let Some(limits) = &limits
                    && let Some(application_id) = &context.bearer().application_id
                {
                    limits.hit_app(application_id)?;
                }
                if let Some(slot) = parts.extensions.get::<UsageSlot>()
                    && let Some(application_id) = &context.bearer().application_id
                {
                    slot.fill(&state.services.usage, application_id, context.bene_id());
                }
                Ok(Self(context))
            }
            Err(AuthError::Invalid) => Err(unauthorized()),
            Err(AuthError::Domain(e)) => Err(crate::errors::ApiError(e).into_response()),
        }
    }
}

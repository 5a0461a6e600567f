//! Read and search handlers of Patient, Coverage and ExplanationOfBenefit (FHIR R4 RESTful
//! API, read and search-type; BB2 `views/read.py`, `views/search.py`). Statuses: 200; 400
//! bad parameter (`{"detail": …}`); 401 no token; 404 `{"detail": "Not found."}` for an id
//! that is not the caller's or does not exist.

use super::Patient;
use crate::AppState;
use crate::errors::{ApiError, detail};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use bb_domain::fhir::{FhirError, Links, RenderOptions};

type Params = Query<Vec<(String, String)>>;

/// FHIR JSON with BB2's content type.
fn fhir_json(body: Vec<u8>) -> Response {
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/fhir+json"),
    );
    response
}

fn answer(result: Result<Vec<u8>, FhirError>) -> Response {
    match result {
        Ok(body) => fhir_json(body),
        Err(FhirError::NotFound) => detail(StatusCode::NOT_FOUND, "Not found."),
        Err(FhirError::Forbidden) => detail(
            StatusCode::FORBIDDEN,
            "You do not have permission to perform this action.",
        ),
        Err(FhirError::Invalid(message)) => detail(StatusCode::BAD_REQUEST, message),
        Err(FhirError::Domain(e)) => ApiError(e).into_response(),
    }
}

/// The client-visible origin: `X-Forwarded-Proto`/`X-Forwarded-Host` when a proxy sets
/// them (BB2 builds links from the forwarded host too), else the `Host` header over http.
fn links(headers: &HeaderMap, uri: &Uri) -> Links {
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
    let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    Links {
        base: format!("{scheme}://{host}/v2/fhir/"),
        self_url: format!("{scheme}://{host}{path_and_query}"),
    }
}

fn options(headers: &HeaderMap) -> RenderOptions {
    RenderOptions {
        include_tax_numbers: headers
            .get("includetaxnumbers")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("true")),
    }
}

pub(super) async fn read_eob(
    State(state): State<AppState>,
    Patient(who): Patient,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    answer(
        state
            .services
            .fhir
            .read_eob(who, &id, options(&headers))
            .await,
    )
}

pub(super) async fn search_eob(
    State(state): State<AppState>,
    Patient(who): Patient,
    headers: HeaderMap,
    uri: Uri,
    Query(params): Params,
) -> Response {
    answer(
        state
            .services
            .fhir
            .search_eob(who, &params, &links(&headers, &uri), options(&headers))
            .await,
    )
}

pub(super) async fn read_patient(
    State(state): State<AppState>,
    Patient(who): Patient,
    Path(id): Path<String>,
) -> Response {
    answer(state.services.fhir.read_patient(who, &id).await)
}

pub(super) async fn search_patient(
    State(state): State<AppState>,
    Patient(who): Patient,
    headers: HeaderMap,
    uri: Uri,
    Query(params): Params,
) -> Response {
    answer(
        state
            .services
            .fhir
            .search_patient(who, &params, &links(&headers, &uri))
            .await,
    )
}

pub(super) async fn read_coverage(
    State(state): State<AppState>,
    Patient(who): Patient,
    Path(id): Path<String>,
) -> Response {
    answer(state.services.fhir.read_coverage(who, &id).await)
}

pub(super) async fn search_coverage(
    State(state): State<AppState>,
    Patient(who): Patient,
    headers: HeaderMap,
    uri: Uri,
    Query(params): Params,
) -> Response {
    answer(
        state
            .services
            .fhir
            .search_coverage(who, &params, &links(&headers, &uri))
            .await,
    )
}

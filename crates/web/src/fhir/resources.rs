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

#[utoipa::path(
    get,
    path = "/v2/fhir/ExplanationOfBenefit/{id}",
    operation_id = "readExplanationOfBenefit",
    tag = "FHIR",
    summary = "Read one claim as an ExplanationOfBenefit",
    description = "One of the enrollee's claims (Part A, B or D) in CARIN Blue Button form.",
    params(
        ("id" = String, Path, description = "The resource id (always the token's own enrollee's)."),
        ("IncludeTaxNumbers" = Option<bool>, Header, description = "`true` adds providers' tax numbers (ExplanationOfBenefit only).")
    ),
    responses(
        (status = 200, description = "FHIR R4 JSON.", body = ref("#/components/schemas/ExplanationOfBenefit"), content_type = "application/fhir+json"),
        (status = 401, description = "No bearer token, or not a live one.", body = bb_proto::DetailBody),
        (status = 403, description = "The token's scopes do not allow this read.", body = bb_proto::DetailBody),
        (status = 404, description = "Not the caller's, or absent.", body = bb_proto::DetailBody),
    ),
    security(("smart" = ["patient/ExplanationOfBenefit.read", "patient/ExplanationOfBenefit.rs"]))
)]
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

#[utoipa::path(
    get,
    path = "/v2/fhir/ExplanationOfBenefit",
    operation_id = "searchExplanationOfBenefit",
    tag = "FHIR",
    summary = "Search the enrollee's claims",
    description = "A searchset Bundle of the enrollee's ExplanationOfBenefit resources, paged with `_count`/`startIndex` and `next`/`previous` links. Also served at the path with a trailing slash.",
    params(
        ("_count" = Option<u32>, Query, description = "Page size (alias `count`): 0 to 50, default 10."),
        ("startIndex" = Option<u32>, Query, description = "Offset of the first entry of the page."),
        ("_lastUpdated" = Option<String>, Query, description = "Filter on the last update, repeatable: a date or instant, optionally prefixed with `lt`, `le`, `gt`, `ge` or `eq`."),
        ("patient" = Option<String>, Query, description = "Accepted; the token's own patient always applies."),
        ("type" = Option<String>, Query, description = "Comma list of claim types: carrier, dme, hha, hospice, inpatient, outpatient, pde, snf (each optionally prefixed `https://bluebutton.cms.gov/resources/codesystem/eob-type|`)."),
        ("service-date" = Option<String>, Query, description = "Filter on the billable period, repeatable, with the same prefixes as `_lastUpdated`."),
        ("IncludeTaxNumbers" = Option<bool>, Header, description = "`true` adds providers' tax numbers.")
    ),
    responses(
        (status = 200, description = "FHIR R4 JSON.", body = ref("#/components/schemas/Bundle"), content_type = "application/fhir+json"),
        (status = 401, description = "No bearer token, or not a live one.", body = bb_proto::DetailBody),
        (status = 403, description = "The token's scopes do not allow this read.", body = bb_proto::DetailBody),
        (status = 400, description = "A search parameter has a bad value.", body = bb_proto::DetailBody),
    ),
    security(("smart" = ["patient/ExplanationOfBenefit.read", "patient/ExplanationOfBenefit.rs"]))
)]
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

#[utoipa::path(
    get,
    path = "/v2/fhir/Patient/{id}",
    operation_id = "readPatient",
    tag = "FHIR",
    summary = "Read the enrollee's Patient",
    description = "The enrollee's demographics (needs the demographic scopes the enrollee shared).",
    params(
        ("id" = String, Path, description = "The enrollee's Patient id (the token response's `patient`).")
    ),
    responses(
        (status = 200, description = "FHIR R4 JSON.", body = ref("#/components/schemas/Patient"), content_type = "application/fhir+json"),
        (status = 401, description = "No bearer token, or not a live one.", body = bb_proto::DetailBody),
        (status = 403, description = "The token's scopes do not allow this read.", body = bb_proto::DetailBody),
        (status = 404, description = "Not the caller's, or absent.", body = bb_proto::DetailBody),
    ),
    security(("smart" = ["patient/Patient.read", "patient/Patient.rs"]))
)]
pub(super) async fn read_patient(
    State(state): State<AppState>,
    Patient(who): Patient,
    Path(id): Path<String>,
) -> Response {
    answer(state.services.fhir.read_patient(who, &id).await)
}

#[utoipa::path(
    get,
    path = "/v2/fhir/Patient",
    operation_id = "searchPatient",
    tag = "FHIR",
    summary = "Search Patient",
    description = "A searchset Bundle holding the token's own Patient. Also served at the path with a trailing slash.",
    params(
        ("_count" = Option<u32>, Query, description = "Page size (alias `count`): 0 to 50, default 10."),
        ("startIndex" = Option<u32>, Query, description = "Offset of the first entry of the page."),
        ("_lastUpdated" = Option<String>, Query, description = "Filter on the last update, repeatable: a date or instant, optionally prefixed with `lt`, `le`, `gt`, `ge` or `eq`."),
        ("_id" = Option<String>, Query, description = "Accepted; the token's own patient always applies."),
        ("identifier" = Option<String>, Query, description = "Accepted; the token's own patient always applies.")
    ),
    responses(
        (status = 200, description = "FHIR R4 JSON.", body = ref("#/components/schemas/Bundle"), content_type = "application/fhir+json"),
        (status = 401, description = "No bearer token, or not a live one.", body = bb_proto::DetailBody),
        (status = 403, description = "The token's scopes do not allow this read.", body = bb_proto::DetailBody),
        (status = 400, description = "A search parameter has a bad value.", body = bb_proto::DetailBody),
    ),
    security(("smart" = ["patient/Patient.read", "patient/Patient.rs"]))
)]
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

#[utoipa::path(
    get,
    path = "/v2/fhir/Coverage/{id}",
    operation_id = "readCoverage",
    tag = "FHIR",
    summary = "Read one Coverage",
    description = "One of the enrollee's Medicare coverages: `part-a-ID`, `part-b-ID`, `part-c-ID` or `part-d-ID`.",
    params(
        ("id" = String, Path, description = "Coverage id, e.g. `part-a-<patient id>`.")
    ),
    responses(
        (status = 200, description = "FHIR R4 JSON.", body = ref("#/components/schemas/Coverage"), content_type = "application/fhir+json"),
        (status = 401, description = "No bearer token, or not a live one.", body = bb_proto::DetailBody),
        (status = 403, description = "The token's scopes do not allow this read.", body = bb_proto::DetailBody),
        (status = 404, description = "Not the caller's, or absent.", body = bb_proto::DetailBody),
    ),
    security(("smart" = ["patient/Coverage.read", "patient/Coverage.rs"]))
)]
pub(super) async fn read_coverage(
    State(state): State<AppState>,
    Patient(who): Patient,
    Path(id): Path<String>,
) -> Response {
    answer(state.services.fhir.read_coverage(who, &id).await)
}

#[utoipa::path(
    get,
    path = "/v2/fhir/Coverage",
    operation_id = "searchCoverage",
    tag = "FHIR",
    summary = "Search the enrollee's Coverage",
    description = "A searchset Bundle of the enrollee's Part A, B, C and D coverages. Also served at the path with a trailing slash.",
    params(
        ("_count" = Option<u32>, Query, description = "Page size (alias `count`): 0 to 50, default 10."),
        ("startIndex" = Option<u32>, Query, description = "Offset of the first entry of the page."),
        ("_lastUpdated" = Option<String>, Query, description = "Filter on the last update, repeatable: a date or instant, optionally prefixed with `lt`, `le`, `gt`, `ge` or `eq`."),
        ("beneficiary" = Option<String>, Query, description = "Accepted; the token's own patient always applies.")
    ),
    responses(
        (status = 200, description = "FHIR R4 JSON.", body = ref("#/components/schemas/Bundle"), content_type = "application/fhir+json"),
        (status = 401, description = "No bearer token, or not a live one.", body = bb_proto::DetailBody),
        (status = 403, description = "The token's scopes do not allow this read.", body = bb_proto::DetailBody),
        (status = 400, description = "A search parameter has a bad value.", body = bb_proto::DetailBody),
    ),
    security(("smart" = ["patient/Coverage.read", "patient/Coverage.rs"]))
)]
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

//! The FHIR API of Blue Button 2.0 v2: `/v2/fhir/metadata`, and read and search of Patient,
//! Coverage and ExplanationOfBenefit, each with and without a trailing slash
//! (`apps/fhir/bluebutton/v2/urls.py`).
//!
//! Every data route takes the [`Patient`] extractor: the bearer token's patient, forced on
//! every query. Answers are `application/fhir+json`; errors are BB2's `{"detail": …}` with
//! its statuses (401 no or bad token, 400 bad parameter, 404 not this patient's or absent).
//! Bodies of 1 KB and more are gzipped when the client accepts it. Requests with a valid
//! token are counted per application for the usage dashboard ([`usage`]).

mod extract;
mod metadata;
mod resources;
pub(crate) mod usage;

pub use extract::Patient;

use crate::AppState;
use axum::Router;
use axum::routing::get;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{Predicate, SizeAbove};

/// The FHIR operations of the OpenAPI document (`crate::docs::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    metadata::capability_statement,
    resources::search_patient,
    resources::read_patient,
    resources::search_coverage,
    resources::read_coverage,
    resources::search_eob,
    resources::read_eob,
))]
pub(crate) struct FhirApi;

/// The FHIR routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/fhir/metadata", get(metadata::capability_statement))
        .route("/v2/fhir/metadata/", get(metadata::capability_statement))
        .route("/v2/fhir/Patient", get(resources::search_patient))
        .route("/v2/fhir/Patient/", get(resources::search_patient))
        .route("/v2/fhir/Patient/{id}", get(resources::read_patient))
        .route("/v2/fhir/Coverage", get(resources::search_coverage))
        .route("/v2/fhir/Coverage/", get(resources::search_coverage))
        .route("/v2/fhir/Coverage/{id}", get(resources::read_coverage))
        .route("/v2/fhir/ExplanationOfBenefit", get(resources::search_eob))
        .route("/v2/fhir/ExplanationOfBenefit/", get(resources::search_eob))
        .route(
            "/v2/fhir/ExplanationOfBenefit/{id}",
            get(resources::read_eob),
        )
        .layer(axum::middleware::from_fn(usage::count))
        .layer(
            CompressionLayer::new()
                .gzip(true)
                .no_br()
                .no_deflate()
                .no_zstd()
                .compress_when(
                    SizeAbove::new(1024)
                        .and(tower_http::compression::predicate::NotForContentType::GRPC),
                ),
        )
}

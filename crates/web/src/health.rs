//! `GET /health` and `GET /health/db`: 200 with `{"message": "all's well", …}` when every
//! check passes, 503 naming the failed checks otherwise (BB2 `apps/health`). Load
//! balancers poll these, so they are cheap: one trivial query and one schema read.

use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bb_domain::health::CheckResult;
use bb_proto::{HealthCheck, HealthReport};

/// Every check the server has (today: database and schema).
#[utoipa::path(
    get,
    path = "/health",
    operation_id = "health",
    tag = "Health",
    summary = "Every health check",
    responses(
        (status = 200, description = "All checks passed.", body = HealthReport),
        (status = 503, description = "A check failed; `failed` names it.", body = HealthReport)
    ),
    security(())
)]
pub(crate) async fn all(State(state): State<AppState>) -> Response {
    report(state.services.health.database().await)
}

/// Only the database checks.
#[utoipa::path(
    get,
    path = "/health/db",
    operation_id = "healthDatabase",
    tag = "Health",
    summary = "The database checks",
    responses(
        (status = 200, description = "The database answers and its schema is current.", body = HealthReport),
        (status = 503, description = "A check failed; `failed` names it.", body = HealthReport)
    ),
    security(())
)]
pub(crate) async fn database(State(state): State<AppState>) -> Response {
    report(state.services.health.database().await)
}

/// The health operations of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(all, database))]
pub(crate) struct HealthApi;

fn report(checks: Vec<CheckResult>) -> Response {
    let failed: Vec<String> = checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| c.name.to_owned())
        .collect();
    let ok = failed.is_empty();
    let body = HealthReport {
        message: if ok {
            "all's well".to_owned()
        } else {
            format!("unhealthy: {}", failed.join(", "))
        },
        status: if ok { "ok" } else { "fail" }.to_owned(),
        failed,
        checks: checks
            .into_iter()
            .map(|c| HealthCheck {
                name: c.name.to_owned(),
                ok: c.ok,
                reason: c.reason,
                elapsed_ms: c.elapsed_ms,
            })
            .collect(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}

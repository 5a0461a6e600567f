//! The HTTP surface of bluebutton (axum). It never names SQL: every handler calls a domain
//! service from [`AppState`] and renders the result or the error ([`errors`]).
//!
//! [`router`] assembles the routes and the middleware stack, outermost first:
//! panic catcher → request id and access log → header limits → body limit → timeout →
//! security headers → routes; the FHIR, OAuth and portal routes each have their rate-limit
//! middleware ([`ratelimit`]) innermost.

mod access_api;
mod access_review_api;
pub mod docs;
pub mod errors;
mod fhir;
mod golive_api;
mod health;
mod middleware;
pub mod oauth;
pub mod pages;
mod policy_change_api;
pub mod portal;
mod ratelimit;
pub use middleware::RequestId;
mod serve;
mod state;
pub mod testclient;

pub use serve::{ConnectionLimits, serve, serve_with};
pub use state::{AppState, WebConfig};

use axum::Router;
use axum::routing::get;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;

/// The site icon (browsers ask for it on every first page; a 404 shows as a console
/// error): a small SVG, cached for a day.
async fn favicon() -> impl axum::response::IntoResponse {
    const ICON: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\"><rect width=\"16\" height=\"16\" rx=\"3\" fill=\"#0b4778\"/><path d=\"M4 4h5a2 2 0 0 1 0 4H4zm0 4h6a2 2 0 0 1 0 4H4z\" fill=\"#fff\"/></svg>";
    (
        [
            (axum::http::header::CONTENT_TYPE, "image/svg+xml"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        ICON,
    )
}

/// Builds the application: routes plus the middleware stack.
pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
    let panic_state = state.clone();
    Router::new()
        .route("/health", get(health::all))
        .route("/health/db", get(health::database))
        .route("/favicon.ico", get(favicon))
        .merge(
            fhir::routes().route_layer(axum::middleware::from_fn_with_state(
                state.clone(),
                ratelimit::fhir,
            )),
        )
        .merge(oauth::routes())
        .merge(
            oauth::limited_routes().route_layer(axum::middleware::from_fn_with_state(
                state.clone(),
                ratelimit::oauth,
            )),
        )
        .merge(
            portal::routes().route_layer(axum::middleware::from_fn_with_state(
                state.clone(),
                ratelimit::portal,
            )),
        )
        .merge(
            Router::new()
                .merge(access_api::routes())
                .merge(access_review_api::routes())
                .merge(golive_api::routes())
                .merge(policy_change_api::routes())
                .layer(axum::middleware::map_response(errors::json_rejections)),
        )
        .merge(docs::routes())
        .merge(testclient::routes())
        .merge(pages::static_routes())
        .fallback(errors::not_found)
        .layer(
            ServiceBuilder::new()
                .layer(CatchPanicLayer::custom(middleware::PanicToJson::new(
                    panic_state,
                )))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    middleware::observe,
                ))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    middleware::limit_headers,
                ))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    middleware::limit_declared_body,
                ))
                .layer(axum::extract::DefaultBodyLimit::max(config.max_body_bytes))
                .layer(TimeoutLayer::with_status_code(
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                    config.request_timeout,
                ))
                .layer(axum::middleware::from_fn(middleware::security_headers)),
        )
        .with_state(state)
}

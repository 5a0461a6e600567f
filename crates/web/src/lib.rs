//! The HTTP surface of bluebutton (axum). It never names SQL: every handler calls a domain
//! service from [`AppState`] and renders the result or the error ([`errors`]).
//!
//! [`router`] assembles the routes and the middleware stack, outermost first:
//! panic catcher → request id and access log → header limits → body limit → timeout →
//! security headers → routes.

pub mod errors;
mod fhir;
mod health;
mod middleware;
pub mod pages;
pub mod oauth;
pub use middleware::RequestId;
mod serve;
mod state;

pub use serve::serve;
pub use state::{AppState, WebConfig};

use axum::Router;
use axum::routing::get;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;

/// Builds the application: routes plus the middleware stack.
pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
    let panic_state = state.clone();
    Router::new()
        .route("/health", get(health::all))
        .route("/health/db", get(health::database))
        .merge(fhir::routes())
        .merge(oauth::routes())
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

//! The built-in test client at `/testclient/` (BB2's `apps/testclient`): a developer signs
//! in as a sandbox enrollee through the real authorization pages, then looks at what an
//! app would get — Patient, Coverage, ExplanationOfBenefit (with paging), userinfo — and
//! refreshes the token. See `docs/design/testclient-and-usage.md`.
//!
//! | path | what |
//! |---|---|
//! | `GET /testclient/` | start page; with tokens, the token's patient, scopes, expiry and the data links |
//! | `GET /testclient/authorize` | new state and PKCE S256 verifier in the session, 302 to `/v2/o/authorize/` |
//! | `GET /testclient/callback` | state checked, code exchanged at the token endpoint, 303 to the start page |
//! | `GET /testclient/patient`, `coverage`, `eob`, `userinfo` | the call made, a summary, the JSON |
//! | `POST /testclient/refresh` | refresh grant (session CSRF value), 303 to the start page |
//!
//! It is a real client: every call goes through this server's own router ([`client`]),
//! in process — the token endpoint with HTTP Basic client credentials, the FHIR and
//! userinfo endpoints with the bearer token in the `Authorization` header (never in a URL,
//! never logged). Its redirect URI is `<origin>/testclient/callback` where the origin is
//! `[oauth] issuer` when configured, else the request's origin only when it is a loopback
//! host (never a public `Host` header). Pages need no script: askama templates in
//! `templates/testclient/`, the site's stylesheet, the portal's CSP and `no-store`.

mod client;
mod pages;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

/// The test client's routes (404 for all of them when `[testclient] enabled = false`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/testclient", get(pages::home))
        .route("/testclient/", get(pages::home))
        .route("/testclient/authorize", get(pages::authorize))
        .route("/testclient/callback", get(pages::callback))
        .route("/testclient/patient", get(pages::patient))
        .route("/testclient/coverage", get(pages::coverage))
        .route("/testclient/eob", get(pages::eob))
        .route("/testclient/userinfo", get(pages::userinfo))
        .route("/testclient/refresh", post(pages::refresh))
        .layer(axum::extract::DefaultBodyLimit::max(4096))
}

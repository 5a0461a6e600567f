//! The developer portal's pages (journey J1; see `docs/design/portal-accounts.md`). So far
//! the accounts: [`accounts`] has sign-up, e-mail verification, sign-in with the TOTP
//! step, TOTP enrolment, sign-out, password reset and change, and the account page, under
//! `/v2/accounts/` (BB2's paths); [`usage`] an application's usage dashboard at
//! `/v2/o/applications/{id}/usage`, its charts drawn by [`chart`] as inline SVG.
//!
//! Browser state: `bb_portal`, the session cookie (random, `HttpOnly; SameSite=Lax`,
//! `Secure` behind https; the store keeps its SHA-256), and `bb_portal_csrf`, the
//! double-submit value of the forms used before signing in. Forms of a signed-in session
//! carry the session's own CSRF value. Every form post is at most [`FORM_LIMIT`] bytes.

mod accounts;
mod chart;
mod usage;
mod views;

pub(crate) use views::render;

use crate::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;

/// Largest body of a portal form.
pub const FORM_LIMIT: usize = 16 * 1024;

/// Every portal route.
pub fn routes() -> Router<AppState> {
    accounts::routes()
        .merge(usage::routes())
        .layer(DefaultBodyLimit::max(FORM_LIMIT))
}

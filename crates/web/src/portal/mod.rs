//! The developer portal's pages (journey J1; see `docs/design/portal-accounts.md` and
//! `portal-apps.md`): [`accounts`] has sign-up, e-mail verification, sign-in with the TOTP
//! step, TOTP enrolment, sign-out, password reset and change, and the account page, under
//! `/v2/accounts/` (BB2's paths); [`orgs`] the organizations, members and invitations
//! (`/v2/accounts/organizations/`); [`apps`] the apps (`/v2/o/applications/`); [`usage`] an
//! application's usage dashboard at `/v2/o/applications/{id}/usage`, its charts drawn by
//! [`chart`] as inline SVG; [`access`] production access: the developer's requests under
//! `/v2/accounts/organizations/{org}/production-access/`, notifications, and the reviewers'
//! console under `/v2/staff/access/`; [`review`] the review forms on those pages (demo
//! slots and booking, `.ics`, concerns and responses, checklist, decision); [`golive`]
//! what follows the approval (listing form, credentials and their one-time links, the
//! public directory `/apps`); [`policy_change`] a live app's policy changes (J5): drafts,
//! the word diff, the reports side by side, the decision.
//!
//! Browser state: `bb_portal`, the session cookie (random, `HttpOnly; SameSite=Lax`,
//! `Secure` behind https; the store keeps its SHA-256), and `bb_portal_csrf`, the
//! double-submit value of the forms used before signing in. Forms of a signed-in session
//! carry the session's own CSRF value. Every form post is at most [`FORM_LIMIT`] bytes.

mod access;
mod accounts;
mod apps;
mod chart;
mod golive;
mod orgs;
mod policy;
mod policy_change;
mod review;
mod usage;
mod views;

pub use access::ACCESS_UPLOAD_LIMIT;
pub(crate) use access::{queue_filter, upload_status};
pub(crate) use accounts::ct_eq;
pub use apps::UPLOAD_LIMIT;
pub(crate) use golive::query_number;
pub use policy::POLICY_UPLOAD_LIMIT;
pub(crate) use views::render;

use crate::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;

/// Largest body of a portal form.
pub const FORM_LIMIT: usize = 16 * 1024;

/// Every portal route: forms of at most [`FORM_LIMIT`] bytes, the app forms with a logo
/// of at most [`UPLOAD_LIMIT`].
pub fn routes() -> Router<AppState> {
    accounts::routes()
        .merge(usage::routes())
        .merge(orgs::routes())
        .layer(DefaultBodyLimit::max(FORM_LIMIT))
        .merge(apps::routes())
        .merge(access::routes())
        .merge(golive::routes())
        .merge(policy_change::routes())
        .merge(policy::routes())
}

/// The body limit of a path when it is one of the upload routes (the middleware's
/// declared-length check allows these more than the server's default).
pub fn upload_limit_for(path: &str) -> Option<usize> {
    access::upload_limit_for(path).or_else(|| policy::upload_limit_for(path))
}

/// The page of a refused form submission (429): too many from this address.
pub(crate) fn too_many_requests(message: &str) -> axum::response::Response {
    views::notice(
        axum::http::StatusCode::TOO_MANY_REQUESTS,
        views::Nav::default(),
        "Too many requests",
        &[message],
        None,
    )
}

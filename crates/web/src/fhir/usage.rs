//! Counting API requests per application for the usage dashboard. [`count`] wraps the
//! FHIR and userinfo routes: it hands the request an empty [`UsageSlot`]; the [`Patient`]
//! extractor fills it once the bearer token names an application; after the answer the
//! middleware records the app, the enrollee and the status with `Usage::record` (in
//! memory, no store write). A request without a valid token fills nothing and is not
//! counted: it cannot be attributed to an app.
//!
//! [`Patient`]: super::Patient

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use bb_domain::usage::Usage;
use std::sync::{Arc, OnceLock};

/// Who made the request, once the bearer token was checked.
#[derive(Clone, Default)]
pub(crate) struct UsageSlot(Arc<OnceLock<(Usage, Arc<str>, i64)>>);

impl UsageSlot {
    /// Names the application and enrollee of the request (first call wins).
    pub(crate) fn fill(&self, usage: &Usage, application_id: &Arc<str>, bene_id: i64) {
        let _ = self.0.set((usage.clone(), application_id.clone(), bene_id));
    }
}

/// The middleware: counts the request once answered.
pub(crate) async fn count(mut request: Request, next: Next) -> Response {
    let slot = UsageSlot::default();
    request.extensions_mut().insert(slot.clone());
    let response = next.run(request).await;
    if let Some((usage, application_id, bene_id)) = slot.0.get() {
        usage.record(application_id, *bene_id, response.status().as_u16());
    }
    response
}

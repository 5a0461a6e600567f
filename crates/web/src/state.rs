//! `AppState`: the few shared things every handler may use. Kept small on purpose: the
//! domain services (each an `Arc` inside) and the web limits.

use bb_domain::Services;
use std::time::Duration;

/// Limits and settings of the HTTP layer.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// Largest request body accepted (413 above).
    pub max_body_bytes: usize,
    /// Largest total size of request header names and values (431 above).
    pub max_header_bytes: usize,
    /// Most request headers accepted (431 above).
    pub max_headers: usize,
    /// Longest a request may take before 503.
    pub request_timeout: Duration,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            max_header_bytes: 16 * 1024,
            max_headers: 100,
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// Domain services.
    pub services: Services,
    /// HTTP limits.
    pub config: WebConfig,
}

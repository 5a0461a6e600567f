//! [`Error`]: the SDK's one error type. OAuth errors carry the RFC 6749 `error` code,
//! FHIR errors the `OperationOutcome` or BB2's `{"detail"}`, other HTTP failures the
//! status; transport failures and timeouts are their own variants. No variant holds a
//! secret or a token.

use bb_fhir::OperationOutcome;

/// Something the SDK could not do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration is incomplete or malformed.
    #[error("configuration: {0}")]
    Config(String),
    /// The enrollee denied access (`error=access_denied` on the callback).
    #[error("the enrollee denied access (access_denied)")]
    AccessDenied,
    /// The callback's `state` is not the one this authorization sent.
    #[error("the callback's state does not match the authorization's")]
    StateMismatch,
    /// The callback is not a valid authorization response (no code, or an error other
    /// than `access_denied`).
    #[error("authorization callback: {0}")]
    Callback(String),
    /// The token endpoint refused (RFC 6749 §5.2: `invalid_grant`, `invalid_client`, …).
    #[error("OAuth error {error} (HTTP {status}){}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    OAuth {
        /// HTTP status.
        status: u16,
        /// The `error` code.
        error: String,
        /// `error_description`.
        description: Option<String>,
    },
    /// A FHIR or userinfo call failed with an `OperationOutcome` or BB2's `{"detail"}`.
    #[error("API error (HTTP {status}): {}", .detail.as_deref().unwrap_or("no detail"))]
    Api {
        /// HTTP status (401 unauthorized, 403 scope missing, 404, …).
        status: u16,
        /// The outcome, when the body was one.
        outcome: Option<OperationOutcome>,
        /// The human-readable detail (the outcome's diagnostics or BB2's `detail`).
        detail: Option<String>,
    },
    /// Any other unsuccessful HTTP answer.
    #[error("HTTP {status} from {what}")]
    Http {
        /// HTTP status.
        status: u16,
        /// What was called (method and path, no query).
        what: String,
        /// The start of the body.
        body: String,
    },
    /// Retries ran out; `last` is the final attempt's error.
    #[error("gave up after {attempts} attempts: {last}")]
    RetriesExhausted {
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: Box<Error>,
    },
    /// The request took longer than the configured timeout.
    #[error("timed out: {0}")]
    Timeout(String),
    /// The connection failed or broke.
    #[error("transport: {0}")]
    Transport(String),
    /// The answer was not the JSON expected.
    #[error("unexpected answer from {what}: {reason}")]
    Decode {
        /// What was called.
        what: String,
        /// Why it did not read.
        reason: String,
    },
    /// A refresh was needed but the token has no refresh token.
    #[error("the access token expired and there is no refresh token")]
    NoRefreshToken,
}

impl Error {
    /// The HTTP status behind the error, when there is one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::OAuth { status, .. } | Self::Api { status, .. } | Self::Http { status, .. } => {
                Some(*status)
            }
            Self::RetriesExhausted { last, .. } => last.status(),
            _ => None,
        }
    }

    /// The OAuth `error` code, for OAuth errors.
    pub fn oauth_code(&self) -> Option<&str> {
        match self {
            Self::OAuth { error, .. } => Some(error),
            _ => None,
        }
    }

    pub(crate) fn from_reqwest(what: &str, err: &reqwest::Error) -> Self {
        // reqwest's Display names the URL; ours never carry tokens (they go in headers).
        if err.is_timeout() {
            Self::Timeout(format!("{what}: {err}"))
        } else {
            Self::Transport(format!("{what}: {}", error_chain(err)))
        }
    }
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

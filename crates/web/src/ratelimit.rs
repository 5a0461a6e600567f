//! Rate limits on the HTTP surfaces (issue 10, item 5; the rules and the shared counting
//! are `bb_domain::ratelimit`). One middleware per surface, on that surface's routes only:
//!
//! | surface | counted by the middleware | counted inside | refusal body |
//! |---|---|---|---|
//! | FHIR (every `/v2/fhir/…` route, metadata included) | client address (`ip`) | the token (`token`) and its application (`app`), in the [`Patient`] extractor | FHIR `OperationOutcome`, code `throttled` |
//! | OAuth (authorize, login, consent, token, revoke, introspect, userinfo, connected apps) | client address (`oauth_ip`) | the OAuth client of token/revoke/introspect (`oauth_client`), checked by the id it claims, counted once it authenticated (not 401); userinfo's token and app as FHIR's | OAuth JSON `{"error": "rate_limited"}` |
//! | portal pages | client address (`portal_ip`), form submissions only (not GET) | | an HTML page |
//!
//! Every limited response carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
//! `X-RateLimit-Reset` (seconds until the window ends) of the tightest limit the request
//! met; a refusal is `429 Too Many Requests` with `Retry-After` in seconds. The client
//! address is the TCP peer, or `X-Forwarded-For` from a trusted proxy
//! (`[rate_limit] trusted_proxies`). With `[rate_limit] enabled = false` the middleware
//! passes requests through untouched.
//!
//! [`Patient`]: crate::fhir::Patient

#![allow(clippy::result_large_err)] // a refusal is the response itself, built once per request

use crate::AppState;
use axum::Json;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bb_domain::ratelimit::{Decision, LimitKind, RateLimiter, address_key};
use bb_fhir::OperationOutcome;
use bb_proto::OAuthErrorBody;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

static LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
static REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
static RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

/// Which API a limited route belongs to: decides the refusal's body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Surface {
    /// The FHIR API.
    Fhir,
    /// The OAuth endpoints.
    OAuth,
    /// The portal's pages.
    Portal,
}

/// The request's rate-limit state, for the extractors and handlers that learn more keys
/// (the token, the app, the OAuth client) once they parsed the request.
#[derive(Clone)]
pub(crate) struct RateSlot {
    limiter: RateLimiter,
    surface: Surface,
    inner: Arc<Mutex<SlotState>>,
}

#[derive(Default)]
struct SlotState {
    tightest: Option<Decision>,
    /// The OAuth client named by the request, counted when it authenticated.
    client: Option<String>,
}

impl RateSlot {
    fn note(&self, decision: Decision) {
        if let Ok(mut state) = self.inner.lock() {
            state.tightest = Some(match state.tightest {
                Some(before) => before.tighter(decision),
                None => decision,
            });
        }
    }

    /// Counts one request of `key` against `kind`; `Err` is the 429 to answer.
    pub(crate) fn hit(&self, kind: LimitKind, key: &[u8]) -> Result<(), Response> {
        match self.limiter.hit(kind, key) {
            Some(decision) => {
                self.note(decision);
                if decision.allowed {
                    Ok(())
                } else {
                    Err(self.refusal(decision, kind))
                }
            }
            None => Ok(()),
        }
    }

    /// The bearer call's token and, once known, its application (FHIR and userinfo).
    pub(crate) fn hit_token(&self, token: &str) -> Result<(), Response> {
        self.hit(LimitKind::Token, token.as_bytes())
    }

    /// The bearer call's application.
    pub(crate) fn hit_app(&self, application_id: &str) -> Result<(), Response> {
        self.hit(LimitKind::App, application_id.as_bytes())
    }

    /// An OAuth client call: refused at once when the client named is over its limit;
    /// counted after the answer unless the client failed to authenticate (401), so a
    /// caller who only knows a client's id cannot spend its allowance.
    pub(crate) fn client_call(&self, client_id: &str) -> Result<(), Response> {
        if let Some(decision) = self
            .limiter
            .peek(LimitKind::OAuthClient, client_id.as_bytes())
        {
            if !decision.allowed {
                self.note(decision);
                return Err(self.refusal(decision, LimitKind::OAuthClient));
            }
            if let Ok(mut state) = self.inner.lock() {
                state.client = Some(client_id.to_owned());
            }
        }
        Ok(())
    }

    fn refusal(&self, decision: Decision, kind: LimitKind) -> Response {
        let what = match kind {
            LimitKind::Token => "this access token",
            LimitKind::App => "this application",
            LimitKind::OAuthClient => "this client",
            LimitKind::Ip | LimitKind::OAuthIp | LimitKind::PortalIp => "this address",
        };
        let message = format!(
            "Too many requests from {what}: at most {} per window. Retry after {} seconds.",
            decision.limit, decision.reset_secs
        );
        too_many(self.surface, &message, decision)
    }
}

/// The 429 of `surface` for `message`, with `Retry-After` and the limit headers.
fn too_many(surface: Surface, message: &str, decision: Decision) -> Response {
    let mut response = match surface {
        Surface::Fhir => {
            let mut r = (
                StatusCode::TOO_MANY_REQUESTS,
                Json(OperationOutcome::error("throttled", message)),
            )
                .into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/fhir+json"),
            );
            r
        }
        Surface::OAuth => {
            let mut r = (
                StatusCode::TOO_MANY_REQUESTS,
                Json(OAuthErrorBody {
                    error: "rate_limited".to_owned(),
                    error_description: Some(message.to_owned()),
                }),
            )
                .into_response();
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Surface::Portal => crate::portal::too_many_requests(message),
    };
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(decision.reset_secs.max(1)),
    );
    response
}

fn set_headers(headers: &mut HeaderMap, decision: Decision) {
    headers.insert(LIMIT.clone(), HeaderValue::from(decision.limit));
    headers.insert(REMAINING.clone(), HeaderValue::from(decision.remaining));
    headers.insert(RESET.clone(), HeaderValue::from(decision.reset_secs));
}

/// The client's address key: the peer, or `X-Forwarded-For` from a trusted proxy. `None`
/// for a request that did not come over a socket (the test client's in-process calls).
fn client_key(limiter: &RateLimiter, request: &Request) -> Option<Vec<u8>> {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()?
        .0
        .ip();
    let settings = limiter.settings();
    let forwarded = request
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok());
    Some(address_key(settings.client_address(peer, forwarded)))
}

async fn limit(
    state: &AppState,
    surface: Surface,
    address_kind: LimitKind,
    mut request: Request,
    next: Next,
) -> Response {
    let limiter = &state.services.rate_limits;
    if !limiter.enabled() {
        return next.run(request).await;
    }
    let slot = RateSlot {
        limiter: limiter.clone(),
        surface,
        inner: Arc::new(Mutex::new(SlotState::default())),
    };
    let counted = surface != Surface::Portal
        || !matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::OPTIONS
        );
    if counted
        && let Some(key) = client_key(limiter, &request)
        && let Err(refused) = slot.hit(address_kind, &key)
    {
        return refused;
    }
    request.extensions_mut().insert(slot.clone());
    let mut response = next.run(request).await;
    let (tightest, client) = match slot.inner.lock() {
        Ok(mut s) => (s.tightest, s.client.take()),
        Err(_) => (None, None),
    };
    if let Some(client) = client
        && response.status() != StatusCode::UNAUTHORIZED
    {
        limiter.count(LimitKind::OAuthClient, client.as_bytes());
    }
    if let Some(decision) = tightest {
        set_headers(response.headers_mut(), decision);
    }
    response
}

/// The FHIR API's middleware.
pub(crate) async fn fhir(State(state): State<AppState>, request: Request, next: Next) -> Response {
    limit(&state, Surface::Fhir, LimitKind::Ip, request, next).await
}

/// The OAuth endpoints' middleware.
pub(crate) async fn oauth(State(state): State<AppState>, request: Request, next: Next) -> Response {
    limit(&state, Surface::OAuth, LimitKind::OAuthIp, request, next).await
}

/// The portal's middleware (form submissions only).
pub(crate) async fn portal(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    limit(&state, Surface::Portal, LimitKind::PortalIp, request, next).await
}

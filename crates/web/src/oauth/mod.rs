//! The authorization server's public metadata: OpenID Connect Discovery 1.0
//! (`/.well-known/openid-configuration`, RFC 8414 fields), SMART App Launch 2.0 §2.1
//! (`/v2/fhir/.well-known/smart-configuration`) and the ID token keys as a JWK Set
//! (`/.well-known/jwks.json`, RFC 7517 §5).
//!
//! The documents are built by the pure functions of [`discovery`] for the client-visible
//! origin of the request ([`origin`]); the JWKS comes from the domain's
//! [`SigningKeys`]. BB2 also answers `/.well-known/openid-configuration-v2` and
//! `/v2/connect/.well-known/openid-configuration` with the same v2 document.
//!
//! Not wired into [`crate::router`] yet: [`AppState`](crate::AppState) does not carry the
//! signing keys, so [`routes`] takes them as an argument.

pub mod discovery;

use axum::Json;
use axum::Router;
use axum::http::HeaderMap;
use axum::routing::get;
use bb_domain::oauth::SigningKeys;
use serde_json::Value;
use std::sync::Arc;

/// The discovery and JWKS routes. Generic over the router state so it merges into the
/// application's `Router<AppState>`; the keys are captured, not read from the state.
pub fn routes<S>(keys: Arc<SigningKeys>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(openid_configuration),
        )
        .route(
            "/.well-known/openid-configuration-v2",
            get(openid_configuration),
        )
        .route(
            "/v2/connect/.well-known/openid-configuration",
            get(openid_configuration),
        )
        .route(
            "/v2/fhir/.well-known/smart-configuration",
            get(smart_configuration),
        )
        .route(
            "/.well-known/jwks.json",
            get(move || {
                let keys = keys.clone();
                async move { Json(keys.jwks()) }
            }),
        )
}

async fn openid_configuration(headers: HeaderMap) -> Json<Value> {
    Json(discovery::openid_configuration(&origin(&headers)))
}

async fn smart_configuration(headers: HeaderMap) -> Json<Value> {
    Json(discovery::smart_configuration(&origin(&headers)))
}

/// The client-visible origin, by the same rules as the FHIR paging links: the first
/// `X-Forwarded-Proto` (`http` or `https`, else `http`) and the first `X-Forwarded-Host`,
/// else `Host` (only host-name characters, else `localhost`).
pub fn origin(headers: &HeaderMap) -> String {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(',').next().unwrap_or(v).trim().to_owned())
    };
    let scheme = get("x-forwarded-proto")
        .filter(|s| s == "https" || s == "http")
        .unwrap_or_else(|| "http".into());
    let host = get("x-forwarded-host")
        .or_else(|| get("host"))
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        })
        .unwrap_or_else(|| "localhost".into());
    format!("{scheme}://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use bb_domain::clock::SeededEntropy;
    use tower::ServiceExt;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn origin_comes_from_host_and_forwarded_headers() {
        assert_eq!(
            origin(&headers(&[("host", "localhost:8000")])),
            "http://localhost:8000"
        );
        assert_eq!(
            origin(&headers(&[
                ("host", "10.0.0.5:8000"),
                ("x-forwarded-proto", "https"),
                ("x-forwarded-host", "sandbox.bluebutton.example"),
            ])),
            "https://sandbox.bluebutton.example"
        );
        assert_eq!(
            origin(&headers(&[
                ("host", "a.example"),
                ("x-forwarded-proto", "https, http")
            ])),
            "https://a.example"
        );
        // Anything but http/https, and hosts with odd characters, are not echoed.
        assert_eq!(
            origin(&headers(&[
                ("host", "evil.example/x?"),
                ("x-forwarded-proto", "javascript")
            ])),
            "http://localhost"
        );
        assert_eq!(origin(&HeaderMap::new()), "http://localhost");
    }

    async fn get_json(router: Router, uri: &str, host: &'static str) -> (StatusCode, Value) {
        let request = Request::get(uri)
            .header(header::HOST, host)
            .body(Body::empty())
            .unwrap();
        let response = router.oneshot(request).await.unwrap();
        let status = response.status();
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, serde_json::from_slice(&body).unwrap())
    }

    fn router() -> (Router, Arc<SigningKeys>) {
        let keys = Arc::new(SigningKeys::from_config(&[], &SeededEntropy::new(5)).unwrap());
        (routes(keys.clone()), keys)
    }

    #[tokio::test]
    async fn routes_serve_the_documents_for_the_request_origin() {
        let (router, keys) = router();
        for path in [
            "/.well-known/openid-configuration",
            "/.well-known/openid-configuration-v2",
            "/v2/connect/.well-known/openid-configuration",
        ] {
            let (status, doc) = get_json(router.clone(), path, "bb.example:8000").await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(
                doc,
                discovery::openid_configuration("http://bb.example:8000")
            );
        }
        let (status, doc) = get_json(
            router.clone(),
            "/v2/fhir/.well-known/smart-configuration",
            "bb.example:8000",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            doc,
            discovery::smart_configuration("http://bb.example:8000")
        );

        let (status, jwks) = get_json(router, "/.well-known/jwks.json", "bb.example:8000").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(jwks, keys.jwks());
        assert_eq!(jwks["keys"][0]["kid"], keys.signing_kid());
    }
}

//! OAuth request parsing, end to end through the real router: the token, revocation and
//! introspection endpoints' bodies (`application/x-www-form-urlencoded` and
//! `multipart/form-data`), HTTP Basic client authentication, the authorize request (query
//! and form post: client id, redirect URI, state, PKCE challenge, scope grammar); and, in
//! process, the scope grammar and PKCE on their own.
//!
//! Input: a mode byte, then an `Authorization` header line and a `Content-Type` line
//! (empty: none), then the body (or the query string for GETs). Placeholders
//! (`{client_id}`, `{client_secret}`, `{basic}`, `{redirect_uri}`) stand for the registered
//! client's values. Properties: no panic anywhere (the server's panic catcher does not hide
//! one: libFuzzer aborts first) and never a 500 on client input. The last mode checks that
//! a parsed scope set prints to a string that parses to the same set, is covered by the
//! widest grant and loses its demographic scopes when asked; that an accepted PKCE
//! challenge is 43 unpadded base64url characters; and that a verifier of legal length
//! verifies against its own S256 challenge and no other.

#![no_main]

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bb_domain::oauth::pkce;
use bb_domain::oauth::scopes::Scopes;
use bb_fuzz::{harness, lines};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

const ENDPOINTS: [(Method, &str); 7] = [
    (Method::POST, "/v2/o/token/"),
    (Method::POST, "/v2/o/revoke_token/"),
    (Method::POST, "/v2/o/introspect/"),
    (Method::GET, "/v2/o/introspect/"),
    (Method::GET, "/v2/o/authorize/"),
    (Method::POST, "/v2/o/authorize/"),
    (Method::POST, "/v2/o/revoke/"),
];

fn grammar(text: &str) {
    if let Ok(set) = Scopes::parse(text) {
        let printed = set.to_string();
        assert_eq!(Scopes::parse(&printed).as_ref(), Ok(&set), "{printed:?}");
        assert_eq!(Scopes::from_stored(&printed), set, "{printed:?}");
        assert!(Scopes::for_app(true).covers(&set), "{printed:?}");
        assert!(!set.without_demographics().has_demographics());
    }
    let (challenge, verifier) = text.split_once('\n').unwrap_or((text, ""));
    if let Ok(stripped) = pkce::parse_challenge(Some(challenge), Some("S256")) {
        assert_eq!(stripped.len(), 43);
        assert!(!stripped.contains('='));
        assert!(challenge.starts_with(&stripped));
    }
    let own = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let legal = (43..=128).contains(&verifier.len());
    assert_eq!(pkce::verify(verifier, &own), legal);
    if let Ok(stripped) = pkce::parse_challenge(Some(challenge), Some("S256"))
        && stripped != own
    {
        assert!(!pkce::verify(verifier, &stripped));
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Some((method, path)) = ENDPOINTS.get(usize::from(mode) % (ENDPOINTS.len() + 1)) else {
        grammar(&String::from_utf8_lossy(rest));
        return;
    };
    let Some((head, body)) = lines(rest, 2) else {
        return;
    };
    let h = harness();
    let authorization = h.fill(&head[0]);
    let content_type = h.fill(&head[1]);
    let body = match std::str::from_utf8(body) {
        Ok(text) => h.fill(text).into_bytes(),
        Err(_) => body.to_vec(),
    };
    let mut builder = Request::builder().method(method.clone());
    let request = if *method == Method::GET {
        let Ok(query) = String::from_utf8(body) else {
            return;
        };
        builder = builder.uri(format!("{path}?{query}"));
        builder
            .header(header::HOST, "localhost:8000")
            .body(Body::empty())
    } else {
        builder = builder.uri(*path).header(header::HOST, "localhost:8000");
        if !content_type.is_empty() {
            builder = builder.header(header::CONTENT_TYPE, content_type);
        }
        builder.body(Body::from(body))
    };
    let Ok(mut request) = request else {
        return; // not a request a client could send (a bad URI or header)
    };
    if !authorization.is_empty() {
        let Ok(value) = authorization.parse() else {
            return;
        };
        request.headers_mut().insert(header::AUTHORIZATION, value);
    }
    let answer = h.send(request);
    assert_ne!(
        answer.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
});

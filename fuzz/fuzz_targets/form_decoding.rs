//! The developer portal's form decoding, end to end through the real router: urlencoded
//! forms (sign-up, sign-in, forgot and reset password, password change, invitations) and
//! the multipart app registration with its logo upload, each with its CSRF field, decoded
//! into the portal's form types and checked by the domain; and, in process, the domain
//! `parse` of the values those forms carry.
//!
//! Input: a mode byte, a `Content-Type` line (empty: urlencoded), then the body.
//! Placeholders: `{csrf}` (the anonymous forms' double-submit value, also sent as the
//! cookie), `{session_csrf}` and `{org}` (the signed-in developer's). Properties: no panic
//! and never a 500 on client input. The last mode parses the input's lines as an e-mail, a
//! password, an organization name, an app name, a redirect URI and the enumerations, and
//! checks that what parses is stable (its printed form parses to the same value).

#![no_main]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use bb_domain::accounts::{Email, OrganizationName, Password};
use bb_domain::apps::{AppName, DataAccessType, Environment, RedirectUri};
use bb_fuzz::{ANONYMOUS_CSRF, harness, lines};
use libfuzzer_sys::fuzz_target;

/// Form paths, and whether they need the signed-in session.
const FORMS: [(&str, bool); 7] = [
    ("/v2/accounts/create", false),
    ("/v2/accounts/login", false),
    ("/v2/accounts/forgot-password", false),
    (
        "/v2/accounts/reset-password/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        false,
    ),
    ("/v2/o/applications/register/", true),
    ("/v2/accounts/password-change", true),
    ("/v2/accounts/organizations/{org}/invite", true),
];

fn values(text: &str) {
    let mut parts = text.split('\n');
    let mut next = || parts.next().unwrap_or_default();
    let email = Email::parse(next());
    if let Ok(email) = &email {
        assert_eq!(Email::parse(email.as_str()).as_ref().ok(), Some(email));
        assert!(email.as_str().len() <= 254);
    }
    let _ = Password::parse(next(), email.as_ref().ok());
    let _ = Password::attempt(next());
    if let Ok(org) = OrganizationName::parse(next()) {
        assert_eq!(
            OrganizationName::parse(org.as_str()).ok(),
            Some(org.clone())
        );
    }
    if let Ok(name) = AppName::parse(next()) {
        assert_eq!(AppName::parse(name.as_str()).ok(), Some(name.clone()));
    }
    if let Ok(uri) = RedirectUri::parse(next()) {
        assert_eq!(RedirectUri::parse(uri.as_str()).ok(), Some(uri.clone()));
        assert!(url::Url::parse(uri.as_str()).is_ok());
    }
    if let Ok(kind) = DataAccessType::parse(next()) {
        assert_eq!(DataAccessType::parse(kind.as_str()).ok(), Some(kind));
    }
    if let Ok(env) = Environment::parse(next()) {
        assert_eq!(Environment::parse(env.as_str()).ok(), Some(env));
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Some(&(path, signed_in)) = FORMS.get(usize::from(mode) % (FORMS.len() + 1)) else {
        values(&String::from_utf8_lossy(rest));
        return;
    };
    let Some((head, body)) = lines(rest, 1) else {
        return;
    };
    let h = harness();
    let content_type = match h.fill(&head[0]) {
        t if t.is_empty() => "application/x-www-form-urlencoded".to_owned(),
        t => t,
    };
    let body = match std::str::from_utf8(body) {
        Ok(text) => h.fill(text).into_bytes(),
        Err(_) => body.to_vec(),
    };
    let cookie = if signed_in {
        h.session_cookie.clone()
    } else {
        format!("bb_portal_csrf={ANONYMOUS_CSRF}")
    };
    let request = Request::post(h.fill(path))
        .header(header::HOST, "localhost:8000")
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body));
    let Ok(request) = request else {
        return; // a header no client could send
    };
    let answer = h.send(request);
    assert_ne!(
        answer.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
});

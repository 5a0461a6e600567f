//! The authorization server's refusals over HTTP (docs/design/authorization.md, RFC 6749,
//! 7009, 7636, 7662, 9700): PKCE, state, redirect URIs, clients, codes, client
//! authentication, bodies, refresh, revocation, bearer tokens, other enrollees' data,
//! withheld demographics, data access types, inactive apps, the login and consent forms.
//!
//! At `/authorize`, a bad client, redirect URI, PKCE or state is a 400 HTML page and never
//! a redirect to the client; an unknown scope or response type goes back to the client as
//! `error=`. The token endpoint answers RFC 6749 §5.2 JSON; FHIR answers `{"detail": …}`.

use bb_domain::apps::DataAccessType;
use bb_domain::clock::Clock;
use bb_testkit::oauth::{
    Client, Pkce, STATE, basic_auth, encode, form_action, hidden, location, query_param,
    sandbox_user,
};
use bb_testkit::{TestApp, spawn_app};
use chrono::Duration;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

const REDIRECT: &str = "http://localhost:3001/api/bluebutton/callback/";
const UNKNOWN_CLIENT_ID: &str = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCd";

async fn sandbox() -> TestApp {
    spawn_app().await.with_sandbox(3).await
}

async fn client(app: &TestApp) -> Client {
    app.register_client("Negative", DataAccessType::ThirteenMonth, true, &[REDIRECT])
        .await
}

/// The parameters of a good authorization request.
fn params(client: &Client, pkce: &Pkce) -> Vec<(String, String)> {
    [
        ("client_id", client.client_id.as_str()),
        ("redirect_uri", client.redirect_uri.as_str()),
        ("state", STATE),
        ("response_type", "code"),
        ("code_challenge_method", "S256"),
        ("code_challenge", pkce.challenge.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// `params` with `key` set to `value`, or removed for `None`.
fn with(
    mut params: Vec<(String, String)>,
    key: &str,
    value: Option<&str>,
) -> Vec<(String, String)> {
    params.retain(|(k, _)| k != key);
    if let Some(value) = value {
        params.push((key.to_owned(), value.to_owned()));
    }
    params
}

fn authorize_url(app: &TestApp, params: &[(String, String)]) -> String {
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    app.url(&format!("/v2/o/authorize/?{}", query.join("&")))
}

/// GETs an authorize URL that must be refused with an HTML page of `status` and no
/// redirect at all; returns the page.
async fn error_page(app: &TestApp, url: &str, status: u16) -> String {
    let r = app.client.get(url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), status, "{url}");
    assert!(
        r.headers().get("location").is_none(),
        "an error page must not redirect: {url} → {}",
        location(&r)
    );
    let content_type = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = r.text().await.unwrap();
    assert!(html.contains("<html"), "{html}");
    html
}

/// GETs an authorize URL that must send the error back to the client; returns the
/// `Location`.
async fn error_redirect(app: &TestApp, url: &str, error: &str) -> String {
    let r = app.client.get(url).send().await.unwrap();
    assert_eq!(r.status(), 302, "{url}");
    let back = location(&r);
    assert!(back.starts_with(REDIRECT), "{back}");
    assert_eq!(
        query_param(&back, "error").as_deref(),
        Some(error),
        "{back}"
    );
    assert_eq!(
        query_param(&back, "state").as_deref(),
        Some(STATE),
        "{back}"
    );
    assert!(query_param(&back, "code").is_none());
    back
}

/// Asserts an RFC 6749 §5.2 error answer.
fn oauth_error(answer: &(u16, Value), status: u16, error: &str) {
    assert_eq!(answer.0, status, "{}", answer.1);
    assert_eq!(answer.1["error"], error, "{}", answer.1);
    assert!(answer.1["error_description"].is_string(), "{}", answer.1);
}

/// Asserts a DRF-style `{"detail": …}` answer.
fn detail(answer: &(u16, Value), status: u16) {
    assert_eq!(answer.0, status, "{}", answer.1);
    assert!(answer.1["detail"].is_string(), "{}", answer.1);
}

async fn send(request: reqwest::RequestBuilder) -> (u16, HeaderMap, Value) {
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.json().await.unwrap_or(Value::Null))
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("no {key} in {v}"))
}

/// The first resource id of a search bundle.
fn first_id(bundle: &Value) -> String {
    bundle["entry"][0]["resource"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("an entry in {bundle}"))
        .to_owned()
}

/// Posts a consent decision from a consent page (its CSRF value and action).
async fn decide(
    app: &TestApp,
    browser: &reqwest::Client,
    consent_html: &str,
    decision: &str,
) -> reqwest::Response {
    let action = app.url(&form_action(consent_html));
    browser
        .post(action)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "csrf_token={}&{decision}",
            encode(&hidden(consent_html, "csrf_token"))
        ))
        .send()
        .await
        .unwrap()
}

// ------------------------------------------------------------------------------ PKCE

#[tokio::test]
async fn pkce_missing_code_challenge_is_a_400_page() {
    let app = sandbox().await;
    let client = client(&app).await;
    let url = authorize_url(
        &app,
        &with(params(&client, &Pkce::new()), "code_challenge", None),
    );
    error_page(&app, &url, 400).await;
}

#[tokio::test]
async fn pkce_plain_method_is_a_400_page() {
    let app = sandbox().await;
    let client = client(&app).await;
    let pkce = Pkce::new();
    // With plain, the challenge is the verifier itself.
    let p = with(
        params(&client, &pkce),
        "code_challenge_method",
        Some("plain"),
    );
    let p = with(p, "code_challenge", Some(&pkce.verifier[..43]));
    error_page(&app, &authorize_url(&app, &p), 400).await;
}

#[tokio::test]
async fn pkce_missing_method_is_a_400_page() {
    let app = sandbox().await;
    let client = client(&app).await;
    let p = with(params(&client, &Pkce::new()), "code_challenge_method", None);
    error_page(&app, &authorize_url(&app, &p), 400).await;
}

#[tokio::test]
async fn pkce_malformed_challenges_are_400_pages() {
    let app = sandbox().await;
    let client = client(&app).await;
    let good = Pkce::new().challenge;
    for bad in [
        "short".to_owned(),
        good[..42].to_owned(),
        format!("{good}A"),
        // Standard base64 instead of base64url.
        format!("{}+/", &good[..41]),
        format!("{}..", &good[..41]),
    ] {
        let p = with(params(&client, &Pkce::new()), "code_challenge", Some(&bad));
        error_page(&app, &authorize_url(&app, &p), 400).await;
    }
}

#[tokio::test]
async fn pkce_wrong_verifier_at_token_is_invalid_grant() {
    let app = sandbox().await;
    let client = client(&app).await;
    let code = app.code_for(&client, &Pkce::new(), 1).await;
    let other = Pkce::from_verifier("another-verifier-0123456789-0123456789-abcdef");
    let answer = app.exchange(&client, &code, &other.verifier).await;
    oauth_error(&answer, 400, "invalid_grant");
}

#[tokio::test]
async fn pkce_missing_verifier_at_token_is_invalid_request() {
    let app = sandbox().await;
    let client = client(&app).await;
    let pkce = Pkce::new();
    let code = app.code_for(&client, &pkce, 1).await;
    let answer = app
        .token_request(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &client.redirect_uri),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
        ])
        .await;
    // RFC 6749 §5.2: a missing required parameter (RFC 7636 §4.5) is invalid_request.
    oauth_error(&answer, 400, "invalid_request");
    // The malformed request did not spend the code.
    let (status, body) = app.exchange(&client, &code, &pkce.verifier).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn pkce_verifier_of_42_characters_is_invalid_grant() {
    let app = sandbox().await;
    let client = client(&app).await;
    let pkce = Pkce::from_verifier(&"v".repeat(42));
    let code = app.code_for(&client, &pkce, 1).await;
    let answer = app.exchange(&client, &code, &pkce.verifier).await;
    oauth_error(&answer, 400, "invalid_grant");
}

#[tokio::test]
async fn pkce_verifier_of_129_characters_is_invalid_grant() {
    let app = sandbox().await;
    let client = client(&app).await;
    let pkce = Pkce::from_verifier(&"v".repeat(129));
    let code = app.code_for(&client, &pkce, 1).await;
    let answer = app.exchange(&client, &code, &pkce.verifier).await;
    oauth_error(&answer, 400, "invalid_grant");
}

#[tokio::test]
async fn pkce_verifiers_of_43_and_128_characters_work() {
    let app = sandbox().await;
    let client = client(&app).await;
    for n in [43, 128] {
        let pkce = Pkce::from_verifier(&"v".repeat(n));
        let code = app.code_for(&client, &pkce, 1).await;
        let (status, body) = app.exchange(&client, &code, &pkce.verifier).await;
        assert_eq!(status, 200, "{n}: {body}");
    }
}

// ------------------------------------------------------------------------------ state

#[tokio::test]
async fn state_missing_is_a_400_page() {
    let app = sandbox().await;
    let client = client(&app).await;
    let p = with(params(&client, &Pkce::new()), "state", None);
    error_page(&app, &authorize_url(&app, &p), 400).await;
}

#[tokio::test]
async fn state_of_15_characters_is_a_400_page() {
    let app = sandbox().await;
    let client = client(&app).await;
    let p = with(
        params(&client, &Pkce::new()),
        "state",
        Some("abcdefghijklmno"),
    );
    error_page(&app, &authorize_url(&app, &p), 400).await;
}

#[tokio::test]
async fn state_of_16_characters_is_accepted_and_echoed() {
    let app = sandbox().await;
    let client = client(&app).await;
    let state = "a b&c=d/e?f#g+h!"; // 16 characters that all need encoding care
    assert_eq!(state.chars().count(), 16);
    let p = with(params(&client, &Pkce::new()), "state", Some(state));
    let (user, password) = sandbox_user(1);
    let back = app
        .authorize_through(
            &app.browser(),
            &authorize_url(&app, &p),
            &user,
            &password,
            "action=approve",
        )
        .await;
    assert!(back.starts_with(REDIRECT), "{back}");
    assert_eq!(query_param(&back, "state").as_deref(), Some(state));
    assert!(query_param(&back, "code").is_some());
}

// ------------------------------------------------------------------------------ redirect URIs

#[tokio::test]
async fn redirect_uri_variants_are_400_pages_never_redirects() {
    let app = sandbox().await;
    let client = client(&app).await;
    for variant in [
        "http://localhost:3001/api/bluebutton/callback/extra",
        "http://localhost:3001/api/bluebutton/callback",
        "http://localhost:3002/api/bluebutton/callback/",
        "http://LOCALHOST:3001/api/bluebutton/callback/",
        "http://localhost:3001/API/bluebutton/callback/",
        "http://localhost:3001/api/bluebutton/callback/?x=1",
        "http://evil.example/api/bluebutton/callback/",
        "https://localhost:3001/api/bluebutton/callback/",
        "http://localhost:3001/api/bluebutton/callback/#frag",
        "http://localhost:3001/api/bluebutton/callback/%2e%2e/",
        "",
    ] {
        let p = with(params(&client, &Pkce::new()), "redirect_uri", Some(variant));
        error_page(&app, &authorize_url(&app, &p), 400).await;
    }
    // Even with other errors present, a bad redirect URI is never redirected to.
    let p = with(
        params(&client, &Pkce::new()),
        "redirect_uri",
        Some("http://evil.example/cb"),
    );
    let p = with(p, "scope", Some("patient/Nonsense.read"));
    let p = with(p, "response_type", Some("token"));
    error_page(&app, &authorize_url(&app, &p), 400).await;
}

#[tokio::test]
async fn missing_redirect_uri_with_two_registered_is_a_400_page() {
    let app = sandbox().await;
    let client = app
        .register_client(
            "Two URIs",
            DataAccessType::ThirteenMonth,
            true,
            &[REDIRECT, "http://localhost:3002/callback"],
        )
        .await;
    let p = with(params(&client, &Pkce::new()), "redirect_uri", None);
    error_page(&app, &authorize_url(&app, &p), 400).await;
}

#[tokio::test]
async fn missing_redirect_uri_with_one_registered_uses_it() {
    let app = sandbox().await;
    let client = client(&app).await;
    let pkce = Pkce::new();
    let p = with(params(&client, &pkce), "redirect_uri", None);
    let (user, password) = sandbox_user(1);
    let back = app
        .authorize_through(
            &app.browser(),
            &authorize_url(&app, &p),
            &user,
            &password,
            "action=approve",
        )
        .await;
    assert!(back.starts_with(REDIRECT), "{back}");
    let code = query_param(&back, "code").unwrap();
    // RFC 6749 §4.1.3: no redirect_uri at the token endpoint either.
    let (status, body) = app
        .token_request(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", &pkce.verifier),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
        ])
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn token_redirect_uri_must_match_the_authorization() {
    let app = sandbox().await;
    let client = app
        .register_client(
            "Two URIs",
            DataAccessType::ThirteenMonth,
            true,
            &[REDIRECT, "http://localhost:3002/callback"],
        )
        .await;
    let pkce = Pkce::new();
    let code = app.code_for(&client, &pkce, 1).await;
    let answer = app
        .token_request(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://localhost:3002/callback"),
            ("code_verifier", &pkce.verifier),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
        ])
        .await;
    oauth_error(&answer, 400, "invalid_grant");
}

// ------------------------------------------------------------------------------ clients, scope, response type

#[tokio::test]
async fn unknown_client_id_is_a_400_page() {
    let app = sandbox().await;
    let client = client(&app).await;
    for id in [
        Some(UNKNOWN_CLIENT_ID),
        Some("not a client id"),
        Some(""),
        None,
    ] {
        let p = with(params(&client, &Pkce::new()), "client_id", id);
        error_page(&app, &authorize_url(&app, &p), 400).await;
    }
}

#[tokio::test]
async fn client_secret_in_the_authorize_url_is_a_400_page() {
    let app = sandbox().await;
    let client = client(&app).await;
    let p = with(
        params(&client, &Pkce::new()),
        "client_secret",
        Some(&client.client_secret),
    );
    error_page(&app, &authorize_url(&app, &p), 400).await;
}

#[tokio::test]
async fn repeated_authorize_parameter_is_a_400_page() {
    let app = sandbox().await;
    let client = client(&app).await;
    let mut p = params(&client, &Pkce::new());
    p.push(("state".into(), "another-state-0123456789".into()));
    error_page(&app, &authorize_url(&app, &p), 400).await;
}

#[tokio::test]
async fn unknown_scope_redirects_invalid_scope() {
    let app = sandbox().await;
    let client = client(&app).await;
    for scope in [
        "patient/Nonsense.read",
        "patient/ExplanationOfBenefit.read token_management",
        "patient/AuditEvent.rs",
        "user/Patient.read",
    ] {
        let p = with(params(&client, &Pkce::new()), "scope", Some(scope));
        error_redirect(&app, &authorize_url(&app, &p), "invalid_scope").await;
    }
}

#[tokio::test]
async fn scope_outside_the_apps_is_invalid_scope() {
    let app = sandbox().await;
    let client = app
        .register_client(
            "No demographics",
            DataAccessType::ThirteenMonth,
            false,
            &[REDIRECT],
        )
        .await;
    // Only demographic scopes, which this app can never have: nothing left to grant.
    let p = with(
        params(&client, &Pkce::new()),
        "scope",
        Some("patient/Patient.read profile"),
    );
    error_redirect(&app, &authorize_url(&app, &p), "invalid_scope").await;
}

#[tokio::test]
async fn unsupported_response_type_redirects() {
    let app = sandbox().await;
    let client = client(&app).await;
    for response_type in ["token", "id_token", "code token"] {
        let p = with(
            params(&client, &Pkce::new()),
            "response_type",
            Some(response_type),
        );
        error_redirect(&app, &authorize_url(&app, &p), "unsupported_response_type").await;
    }
}

#[tokio::test]
async fn missing_response_type_redirects_invalid_request() {
    let app = sandbox().await;
    let client = client(&app).await;
    // RFC 6749 §4.1.2.1: a missing required parameter is invalid_request.
    let p = with(params(&client, &Pkce::new()), "response_type", None);
    error_redirect(&app, &authorize_url(&app, &p), "invalid_request").await;
}

// ------------------------------------------------------------------------------ codes

#[tokio::test]
async fn code_replay_is_invalid_grant_and_revokes_the_first_tokens() {
    let app = sandbox().await;
    let client = client(&app).await;
    let pkce = Pkce::new();
    let code = app.code_for(&client, &pkce, 1).await;
    let (status, first) = app.exchange(&client, &code, &pkce.verifier).await;
    assert_eq!(status, 200, "{first}");
    let access = str_of(&first, "access_token");
    assert_eq!(app.bearer_get(access, "/v2/fhir/Coverage/").await.0, 200);

    let again = app.exchange(&client, &code, &pkce.verifier).await;
    oauth_error(&again, 400, "invalid_grant");
    detail(&app.bearer_get(access, "/v2/fhir/Coverage/").await, 401);
    let refreshed = app
        .refresh(&client, str_of(&first, "refresh_token"), None)
        .await;
    oauth_error(&refreshed, 400, "invalid_grant");
}

/// The background purge keeps spent codes for a day after their end: a replay minutes later
/// is still recognised as one and still revokes what the code issued.
#[tokio::test]
async fn purge_keeps_spent_codes_long_enough_to_catch_a_replay() {
    let app = sandbox().await;
    let client = client(&app).await;
    let pkce = Pkce::new();
    let code = app.code_for(&client, &pkce, 1).await;
    let (status, first) = app.exchange(&client, &code, &pkce.verifier).await;
    assert_eq!(status, 200, "{first}");
    let access = str_of(&first, "access_token");

    app.clock.advance(Duration::minutes(5));
    let report = app.services.oauth.purge_expired().await.unwrap();
    assert_eq!(report.codes, 0, "{report:?}");
    let again = app.exchange(&client, &code, &pkce.verifier).await;
    oauth_error(&again, 400, "invalid_grant");
    assert!(
        again.1.to_string().contains("already used"),
        "answered as an unknown code: {}",
        again.1
    );
    detail(&app.bearer_get(access, "/v2/fhir/Coverage/").await, 401);

    // A day later the code is gone.
    app.clock.advance(Duration::hours(25));
    let report = app.services.oauth.purge_expired().await.unwrap();
    assert_eq!(report.codes, 1, "{report:?}");
}

#[tokio::test]
async fn a_new_consent_voids_unredeemed_codes() {
    let app = sandbox().await;
    let client = client(&app).await;
    let (user, password) = sandbox_user(1);
    let first = Pkce::new();
    let back = app
        .authorize_through(
            &app.browser(),
            &app.authorize_url(&client, &first, ""),
            &user,
            &password,
            "action=approve&share_demographic_scopes=on",
        )
        .await;
    let shared = query_param(&back, "code").unwrap();
    // Moments later the enrollee authorizes again, withholding demographics.
    app.clock.advance(Duration::seconds(5));
    let second = Pkce::from_verifier("second-verifier-0123456789-0123456789-abcdef");
    let back = app
        .authorize_through(
            &app.browser(),
            &app.authorize_url(&client, &second, ""),
            &user,
            &password,
            "action=approve",
        )
        .await;
    let withheld = query_param(&back, "code").unwrap();
    // The first consent's code cannot bring the demographics back.
    let answer = app.exchange(&client, &shared, &first.verifier).await;
    oauth_error(&answer, 400, "invalid_grant");
    let (status, tokens) = app.exchange(&client, &withheld, &second.verifier).await;
    assert_eq!(status, 200, "{tokens}");
    assert!(!str_of(&tokens, "scope").contains("patient/Patient"));
}

#[tokio::test]
async fn a_code_after_the_enrollee_revoked_is_invalid_grant() {
    let app = sandbox().await;
    let client = client(&app).await;
    let pkce = Pkce::new();
    let code = app.code_for(&client, &pkce, 1).await;
    let browser = app.browser();
    assert_eq!(app.enrollee_sign_in(&browser, 1).await.status(), 303);
    let html = browser
        .get(app.url("/mymedicare/connected-apps"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = browser
        .post(app.url("/mymedicare/connected-apps/revoke"))
        .form(&[
            ("grant_id", hidden(&html, "grant_id").as_str()),
            ("csrf_token", hidden(&html, "csrf_token").as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let answer = app.exchange(&client, &code, &pkce.verifier).await;
    oauth_error(&answer, 400, "invalid_grant");
}

#[tokio::test]
async fn concurrent_redemptions_of_one_code_have_one_winner() {
    let app = sandbox().await;
    let client = client(&app).await;
    let pkce = Pkce::new();
    let code = app.code_for(&client, &pkce, 1).await;
    let (a, b) = tokio::join!(
        app.exchange(&client, &code, &pkce.verifier),
        app.exchange(&client, &code, &pkce.verifier)
    );
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 400], "{} {}", a.1, b.1);
    let loser = if a.0 == 400 { a } else { b };
    oauth_error(&loser, 400, "invalid_grant");
}

#[tokio::test]
async fn concurrent_refreshes_of_one_token_have_one_winner() {
    let app = sandbox().await;
    let client = client(&app).await;
    let tokens = app.tokens_for(&client, 1).await;
    let refresh = str_of(&tokens, "refresh_token");
    let (a, b) = tokio::join!(
        app.refresh(&client, refresh, None),
        app.refresh(&client, refresh, None)
    );
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 400], "{} {}", a.1, b.1);
    let (winner, loser) = if a.0 == 200 { (a, b) } else { (b, a) };
    oauth_error(&loser, 400, "invalid_grant");
    assert_eq!(
        app.bearer_get(str_of(&winner.1, "access_token"), "/v2/fhir/Coverage/")
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn unknown_code_is_invalid_grant() {
    let app = sandbox().await;
    let client = client(&app).await;
    let answer = app
        .exchange(
            &client,
            "NoSuchCode0123456789abcdefghijklmnopqrst",
            &Pkce::new().verifier,
        )
        .await;
    oauth_error(&answer, 400, "invalid_grant");
    let answer = app
        .token_request(&[
            ("grant_type", "authorization_code"),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
        ])
        .await;
    oauth_error(&answer, 400, "invalid_request");
}

#[tokio::test]
async fn code_of_client_a_redeemed_by_client_b_is_invalid_grant() {
    let app = sandbox().await;
    let a = client(&app).await;
    let b = app
        .register_client("Other", DataAccessType::ThirteenMonth, true, &[REDIRECT])
        .await;
    let pkce = Pkce::new();
    let code = app.code_for(&a, &pkce, 1).await;
    let answer = app.exchange(&b, &code, &pkce.verifier).await;
    oauth_error(&answer, 400, "invalid_grant");
}

#[tokio::test]
async fn expired_code_is_invalid_grant() {
    let app = sandbox().await;
    let client = client(&app).await;
    let pkce = Pkce::new();
    let code = app.code_for(&client, &pkce, 1).await;
    app.clock.advance(Duration::seconds(61));
    let answer = app.exchange(&client, &code, &pkce.verifier).await;
    oauth_error(&answer, 400, "invalid_grant");
}

// ------------------------------------------------------------------------------ client authentication, bodies

#[tokio::test]
async fn wrong_secret_is_401_invalid_client_with_a_challenge() {
    let app = sandbox().await;
    let client = client(&app).await;
    let pkce = Pkce::new();
    let code = app.code_for(&client, &pkce, 1).await;
    let wrong = Client {
        client_secret: "wrong-secret".into(),
        ..client.clone()
    };
    for request in [
        app.client.post(app.url("/v2/o/token/")).form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", pkce.verifier.as_str()),
            ("client_id", client.client_id.as_str()),
            ("client_secret", "wrong-secret"),
        ]),
        app.client
            .post(app.url("/v2/o/token/"))
            .header("authorization", basic_auth(&wrong))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT),
                ("code_verifier", pkce.verifier.as_str()),
            ]),
        // No credentials at all.
        app.client.post(app.url("/v2/o/token/")).form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", pkce.verifier.as_str()),
            ("client_id", client.client_id.as_str()),
        ]),
    ] {
        let (status, headers, body) = send(request).await;
        oauth_error(&(status, body), 401, "invalid_client");
        assert!(headers.get("www-authenticate").is_some(), "{headers:?}");
    }
    // The failed attempts did not spend the code.
    let (status, body) = app.exchange(&client, &code, &pkce.verifier).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn basic_with_a_different_body_client_id_is_401() {
    let app = sandbox().await;
    let a = client(&app).await;
    let b = app
        .register_client("Other", DataAccessType::ThirteenMonth, true, &[REDIRECT])
        .await;
    let pkce = Pkce::new();
    let code = app.code_for(&a, &pkce, 1).await;
    let (status, headers, body) = send(
        app.client
            .post(app.url("/v2/o/token/"))
            .header("authorization", basic_auth(&a))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT),
                ("code_verifier", pkce.verifier.as_str()),
                ("client_id", b.client_id.as_str()),
            ]),
    )
    .await;
    oauth_error(&(status, body), 401, "invalid_client");
    assert!(headers.get("www-authenticate").is_some());
}

#[tokio::test]
async fn repeated_token_parameter_is_invalid_request() {
    let app = sandbox().await;
    let client = client(&app).await;
    let pkce = Pkce::new();
    let code = app.code_for(&client, &pkce, 1).await;
    let body = format!(
        "grant_type=authorization_code&code={code}&code={code}&redirect_uri={}&code_verifier={}&client_id={}&client_secret={}",
        encode(REDIRECT),
        encode(&pkce.verifier),
        client.client_id,
        encode(&client.client_secret)
    );
    let (status, _, json) = send(
        app.client
            .post(app.url("/v2/o/token/"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body),
    )
    .await;
    oauth_error(&(status, json), 400, "invalid_request");
}

#[tokio::test]
async fn unsupported_grant_types_are_refused() {
    let app = sandbox().await;
    let client = client(&app).await;
    for grant_type in ["password", "client_credentials", "implicit", "urn:x"] {
        let answer = app
            .token_request(&[
                ("grant_type", grant_type),
                ("username", "BBUser00001"),
                ("password", "PW00001!"),
                ("client_id", &client.client_id),
                ("client_secret", &client.client_secret),
            ])
            .await;
        oauth_error(&answer, 400, "unsupported_grant_type");
    }
}

#[tokio::test]
async fn missing_grant_type_is_invalid_request() {
    let app = sandbox().await;
    let client = client(&app).await;
    let pkce = Pkce::new();
    let code = app.code_for(&client, &pkce, 1).await;
    let answer = app
        .token_request(&[
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &pkce.verifier),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
        ])
        .await;
    oauth_error(&answer, 400, "invalid_request");
}

#[tokio::test]
async fn json_body_at_token_is_invalid_request() {
    let app = sandbox().await;
    let client = client(&app).await;
    let (status, _, body) = send(app.client.post(app.url("/v2/o/token/")).json(&json!({
        "grant_type": "refresh_token",
        "refresh_token": "x",
        "client_id": client.client_id,
        "client_secret": client.client_secret,
    })))
    .await;
    oauth_error(&(status, body), 400, "invalid_request");
}

// ------------------------------------------------------------------------------ refresh

#[tokio::test]
async fn refresh_token_reuse_is_invalid_grant() {
    let app = sandbox().await;
    let client = client(&app).await;
    let tokens = app.tokens_for(&client, 1).await;
    let refresh = str_of(&tokens, "refresh_token");
    let (status, renewed) = app.refresh(&client, refresh, None).await;
    assert_eq!(status, 200, "{renewed}");
    oauth_error(
        &app.refresh(&client, refresh, None).await,
        400,
        "invalid_grant",
    );
    // The rotated token still works.
    let (status, body) = app
        .refresh(&client, str_of(&renewed, "refresh_token"), None)
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn refresh_cannot_widen_the_scope() {
    let app = sandbox().await;
    let client = client(&app).await;
    let pkce = Pkce::new();
    let url = app.authorize_url(&client, &pkce, "scope=patient%2FExplanationOfBenefit.rs");
    let (user, password) = sandbox_user(1);
    let back = app
        .authorize_through(
            &app.browser(),
            &url,
            &user,
            &password,
            "action=approve&share_demographic_scopes=on",
        )
        .await;
    let code = query_param(&back, "code").unwrap();
    let (status, tokens) = app.exchange(&client, &code, &pkce.verifier).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["scope"], "patient/ExplanationOfBenefit.rs");
    assert!(tokens.get("id_token").is_none());
    let access = str_of(&tokens, "access_token");
    detail(&app.bearer_get(access, "/v2/fhir/Patient/").await, 403);
    detail(&app.bearer_get(access, "/v2/fhir/Coverage/").await, 403);
    assert_eq!(
        app.bearer_get(access, "/v2/fhir/ExplanationOfBenefit/")
            .await
            .0,
        200
    );

    let refresh = str_of(&tokens, "refresh_token");
    for wider in [
        "patient/Patient.rs",
        "patient/ExplanationOfBenefit.rs patient/Coverage.r",
        "patient/ExplanationOfBenefit.rs profile",
        "patient/ExplanationOfBenefit.rs openid",
    ] {
        let answer = app.refresh(&client, refresh, Some(wider)).await;
        oauth_error(&answer, 400, "invalid_scope");
    }
    oauth_error(
        &app.refresh(&client, refresh, Some("patient/Nonsense.read"))
            .await,
        400,
        "invalid_scope",
    );
    // The refused refreshes did not spend the refresh token.
    let (status, body) = app.refresh(&client, refresh, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "patient/ExplanationOfBenefit.rs");
}

#[tokio::test]
async fn refresh_with_another_clients_credentials_is_invalid_grant() {
    let app = sandbox().await;
    let a = client(&app).await;
    let b = app
        .register_client("Other", DataAccessType::ThirteenMonth, true, &[REDIRECT])
        .await;
    let tokens = app.tokens_for(&a, 1).await;
    let refresh = str_of(&tokens, "refresh_token");
    oauth_error(&app.refresh(&b, refresh, None).await, 400, "invalid_grant");
    // B's attempt did not spend A's token.
    let (status, body) = app.refresh(&a, refresh, None).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn unknown_or_missing_refresh_token_is_refused() {
    let app = sandbox().await;
    let client = client(&app).await;
    oauth_error(
        &app.refresh(&client, "NoSuchRefreshToken0123456789abcdefghijkl", None)
            .await,
        400,
        "invalid_grant",
    );
    let answer = app
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
        ])
        .await;
    oauth_error(&answer, 400, "invalid_request");
}

// ------------------------------------------------------------------------------ revocation, introspection

#[tokio::test]
async fn revoke_token_on_an_access_token_ends_it_at_once() {
    let app = sandbox().await;
    let client = client(&app).await;
    let tokens = app.tokens_for(&client, 1).await;
    let access = str_of(&tokens, "access_token");
    assert_eq!(app.bearer_get(access, "/v2/fhir/Coverage/").await.0, 200);
    assert_eq!(app.revoke_token(&client, access).await, 200);
    detail(&app.bearer_get(access, "/v2/fhir/Coverage/").await, 401);
    detail(&app.bearer_get(access, "/v2/connect/userinfo").await, 401);
    // Revoking again, or anything unknown, is still 200 (RFC 7009 §2.2).
    assert_eq!(app.revoke_token(&client, access).await, 200);
    assert_eq!(app.revoke_token(&client, "garbage").await, 200);
}

#[tokio::test]
async fn revoke_token_on_a_refresh_token_takes_its_access_token() {
    let app = sandbox().await;
    let client = client(&app).await;
    let tokens = app.tokens_for(&client, 1).await;
    let refresh = str_of(&tokens, "refresh_token");
    assert_eq!(app.revoke_token(&client, refresh).await, 200);
    detail(
        &app.bearer_get(str_of(&tokens, "access_token"), "/v2/fhir/Coverage/")
            .await,
        401,
    );
    oauth_error(
        &app.refresh(&client, refresh, None).await,
        400,
        "invalid_grant",
    );
}

#[tokio::test]
async fn revoke_ends_the_grant() {
    let app = sandbox().await;
    let client = client(&app).await;
    let tokens = app.tokens_for(&client, 1).await;
    let access = str_of(&tokens, "access_token");
    let refresh = str_of(&tokens, "refresh_token");
    assert_eq!(app.revoke_grant(&client, access).await, 200);
    detail(&app.bearer_get(access, "/v2/fhir/Coverage/").await, 401);
    oauth_error(
        &app.refresh(&client, refresh, None).await,
        400,
        "invalid_grant",
    );
    assert_eq!(
        app.introspect(&client, refresh).await.1,
        json!({"active": false})
    );
    // Always 200, whatever the token.
    assert_eq!(app.revoke_grant(&client, access).await, 200);
    assert_eq!(app.revoke_grant(&client, "garbage").await, 200);
}

#[tokio::test]
async fn revoking_another_apps_token_does_nothing() {
    let app = sandbox().await;
    let a = client(&app).await;
    let b = app
        .register_client("Other", DataAccessType::ThirteenMonth, true, &[REDIRECT])
        .await;
    let tokens = app.tokens_for(&a, 1).await;
    let access = str_of(&tokens, "access_token");
    let refresh = str_of(&tokens, "refresh_token");
    for token in [access, refresh] {
        assert_eq!(app.revoke_token(&b, token).await, 200);
        assert_eq!(app.revoke_grant(&b, token).await, 200);
        assert_eq!(app.introspect(&b, token).await.1, json!({"active": false}));
    }
    assert_eq!(app.bearer_get(access, "/v2/fhir/Coverage/").await.0, 200);
    assert_eq!(app.introspect(&a, access).await.1["active"], true);
    let (status, body) = app.refresh(&a, refresh, None).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn revocation_and_introspection_need_client_authentication() {
    let app = sandbox().await;
    let client = client(&app).await;
    let tokens = app.tokens_for(&client, 1).await;
    let access = str_of(&tokens, "access_token");
    for path in ["/v2/o/revoke_token/", "/v2/o/revoke/", "/v2/o/introspect/"] {
        let answer = app
            .form_post(
                path,
                &[
                    ("token", access),
                    ("client_id", &client.client_id),
                    ("client_secret", "wrong"),
                ],
            )
            .await;
        oauth_error(&answer, 401, "invalid_client");
        oauth_error(
            &app.form_post(path, &[("token", access)]).await,
            401,
            "invalid_client",
        );
    }
    assert_eq!(app.bearer_get(access, "/v2/fhir/Coverage/").await.0, 200);
}

#[tokio::test]
async fn introspection_shapes() {
    let app = sandbox().await;
    let client = client(&app).await;
    let tokens = app.tokens_for(&client, 1).await;
    let access = str_of(&tokens, "access_token");
    let refresh = str_of(&tokens, "refresh_token");
    let patient = str_of(&tokens, "patient");

    let (status, info) = app.introspect(&client, access).await;
    assert_eq!(status, 200, "{info}");
    let mut keys: Vec<&str> = info
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "active",
            "client_id",
            "exp",
            "iat",
            "patient",
            "scope",
            "sub",
            "token_type"
        ]
    );
    assert_eq!(info["active"], true);
    assert_eq!(info["client_id"], client.client_id.as_str());
    assert_eq!(info["token_type"], "access_token");
    assert_eq!(info["scope"], tokens["scope"]);
    assert_eq!(info["patient"], patient);
    assert_eq!(info["sub"], patient);
    let iat = info["iat"].as_i64().unwrap();
    assert_eq!(iat, bb_testkit::start_time().timestamp());
    assert_eq!(info["exp"].as_i64().unwrap() - iat, 3600);

    let (_, info) = app.introspect(&client, refresh).await;
    assert_eq!(info["active"], true, "{info}");
    assert_eq!(info["token_type"], "refresh_token");

    for garbage in ["garbage", ""] {
        let (status, info) = app.introspect(&client, garbage).await;
        assert_eq!((status, info), (200, json!({"active": false})));
    }
    // Expired: inactive with nothing else.
    app.clock.advance(Duration::seconds(3601));
    assert_eq!(
        app.introspect(&client, access).await.1,
        json!({"active": false})
    );
    // Revoked: likewise.
    assert_eq!(app.revoke_token(&client, refresh).await, 200);
    assert_eq!(
        app.introspect(&client, refresh).await.1,
        json!({"active": false})
    );
}

// ------------------------------------------------------------------------------ bearer tokens on FHIR

#[tokio::test]
async fn token_in_the_query_string_is_400() {
    let app = sandbox().await;
    let client = client(&app).await;
    let tokens = app.tokens_for(&client, 1).await;
    let access = str_of(&tokens, "access_token");
    let r = app
        .get(&format!("/v2/fhir/Patient/?access_token={access}"))
        .await;
    let status = r.status().as_u16();
    detail(&(status, r.json().await.unwrap()), 400);
    // Even alongside a good header.
    let answer = app
        .bearer_get(access, &format!("/v2/fhir/Coverage/?access_token={access}"))
        .await;
    detail(&answer, 400);
}

#[tokio::test]
async fn no_token_is_401() {
    let app = sandbox().await;
    for path in [
        "/v2/fhir/Patient/",
        "/v2/fhir/Coverage/",
        "/v2/fhir/ExplanationOfBenefit/",
        "/v2/connect/userinfo",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 401, "{path}");
        assert!(r.headers().get("www-authenticate").is_some());
        let body: Value = r.json().await.unwrap();
        assert!(body["detail"].is_string());
    }
}

#[tokio::test]
async fn garbage_tokens_are_401() {
    let app = sandbox().await;
    for token in ["garbage", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCd"] {
        detail(&app.bearer_get(token, "/v2/fhir/Patient/").await, 401);
    }
    // Another scheme is no bearer token.
    let r = app
        .client
        .get(app.url("/v2/fhir/Patient/"))
        .header("authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn expired_access_token_is_401() {
    let app = sandbox().await;
    let client = client(&app).await;
    let tokens = app.tokens_for(&client, 1).await;
    let access = str_of(&tokens, "access_token");
    app.clock.advance(Duration::seconds(3599));
    assert_eq!(app.bearer_get(access, "/v2/fhir/Coverage/").await.0, 200);
    app.clock.advance(Duration::seconds(1));
    detail(&app.bearer_get(access, "/v2/fhir/Coverage/").await, 401);
}

// ------------------------------------------------------------------------------ other enrollees' data

/// Tokens of users 1 and 2 of one app, with their patient ids.
async fn two_enrollees(app: &TestApp) -> (String, String, String, String) {
    let client = client(app).await;
    let one = app.tokens_for(&client, 1).await;
    let two = app.tokens_for(&client, 2).await;
    let (p1, p2) = (str_of(&one, "patient"), str_of(&two, "patient"));
    assert_ne!(p1, p2);
    (
        str_of(&one, "access_token").to_owned(),
        p1.to_owned(),
        str_of(&two, "access_token").to_owned(),
        p2.to_owned(),
    )
}

#[tokio::test]
async fn another_enrollees_patient_is_not_found() {
    let app = sandbox().await;
    let (one, p1, two, p2) = two_enrollees(&app).await;
    assert_eq!(
        app.bearer_get(&one, &format!("/v2/fhir/Patient/{p1}"))
            .await
            .0,
        200
    );
    assert_eq!(
        app.bearer_get(&two, &format!("/v2/fhir/Patient/{p2}"))
            .await
            .0,
        200
    );
    let answer = app
        .bearer_get(&one, &format!("/v2/fhir/Patient/{p2}"))
        .await;
    detail(&answer, 404);
    assert_eq!(answer.1["detail"], "Not found.");
}

#[tokio::test]
async fn another_enrollees_claim_is_not_found() {
    let app = sandbox().await;
    let (one, _, two, _) = two_enrollees(&app).await;
    let (status, bundle) = app.bearer_get(&two, "/v2/fhir/ExplanationOfBenefit/").await;
    assert_eq!(status, 200);
    let eob = first_id(&bundle);
    let path = format!("/v2/fhir/ExplanationOfBenefit/{eob}");
    assert_eq!(app.bearer_get(&two, &path).await.0, 200);
    detail(&app.bearer_get(&one, &path).await, 404);
}

#[tokio::test]
async fn another_enrollees_coverage_is_not_found() {
    let app = sandbox().await;
    let (one, _, two, p2) = two_enrollees(&app).await;
    let path = format!("/v2/fhir/Coverage/part-a-{p2}");
    assert_eq!(app.bearer_get(&two, &path).await.0, 200);
    detail(&app.bearer_get(&one, &path).await, 404);
}

#[tokio::test]
async fn searching_another_enrollees_id_is_empty() {
    let app = sandbox().await;
    let (one, p1, _, p2) = two_enrollees(&app).await;
    let (status, bundle) = app
        .bearer_get(&one, &format!("/v2/fhir/Patient/?_id={p2}"))
        .await;
    assert_eq!(status, 200, "{bundle}");
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["total"], 0, "{bundle}");
    assert!(
        bundle["entry"].as_array().is_none_or(Vec::is_empty),
        "{bundle}"
    );
    let (_, mine) = app
        .bearer_get(&one, &format!("/v2/fhir/Patient/?_id={p1}"))
        .await;
    assert_eq!(first_id(&mine), p1);
    // Claims and coverage searches stay the caller's whatever `patient`/`beneficiary` says.
    for path in [
        format!("/v2/fhir/ExplanationOfBenefit/?patient={p2}"),
        format!("/v2/fhir/Coverage/?beneficiary={p2}"),
        format!("/v2/fhir/Coverage/?beneficiary=Patient/{p2}"),
    ] {
        let (status, bundle) = app.bearer_get(&one, &path).await;
        if status == 200 {
            let leaked = bundle["entry"].to_string().contains(p2.as_str());
            assert!(!leaked, "{path}: {bundle}");
        } else {
            assert!(bundle["detail"].is_string(), "{path}: {status} {bundle}");
        }
    }
}

// ------------------------------------------------------------------------------ demographics

#[tokio::test]
async fn withheld_demographics_forbid_patient_and_userinfo() {
    let app = sandbox().await;
    let client = client(&app).await;
    let pkce = Pkce::new();
    let (user, password) = sandbox_user(1);
    let back = app
        .authorize_through(
            &app.browser(),
            &app.authorize_url(&client, &pkce, ""),
            &user,
            &password,
            "action=approve",
        )
        .await;
    let code = query_param(&back, "code").unwrap();
    let (status, tokens) = app.exchange(&client, &code, &pkce.verifier).await;
    assert_eq!(status, 200, "{tokens}");
    let scope = str_of(&tokens, "scope");
    assert!(
        !scope.contains("patient/Patient") && !scope.split(' ').any(|s| s == "profile"),
        "{scope}"
    );
    assert!(scope.contains("patient/Coverage") && scope.contains("patient/ExplanationOfBenefit"));
    let access = str_of(&tokens, "access_token");
    let patient = str_of(&tokens, "patient");
    detail(&app.bearer_get(access, "/v2/fhir/Patient/").await, 403);
    detail(
        &app.bearer_get(access, &format!("/v2/fhir/Patient/{patient}"))
            .await,
        403,
    );
    detail(&app.bearer_get(access, "/v2/connect/userinfo").await, 403);
    assert_eq!(app.bearer_get(access, "/v2/fhir/Coverage/").await.0, 200);
    assert_eq!(
        app.bearer_get(access, "/v2/fhir/ExplanationOfBenefit/")
            .await
            .0,
        200
    );
    // Refreshing cannot bring them back.
    let answer = app
        .refresh(
            &client,
            str_of(&tokens, "refresh_token"),
            Some("patient/Patient.read"),
        )
        .await;
    oauth_error(&answer, 400, "invalid_scope");
}

#[tokio::test]
async fn app_without_demographics_never_gets_them() {
    let app = sandbox().await;
    let client = app
        .register_client(
            "No demographics",
            DataAccessType::ThirteenMonth,
            false,
            &[REDIRECT],
        )
        .await;
    let pkce = Pkce::new();
    let browser = app.browser();
    let (user, password) = sandbox_user(1);
    let (_, html) = app
        .login_through(
            &browser,
            &app.authorize_url(&client, &pkce, ""),
            &user,
            &password,
        )
        .await;
    assert!(!html.contains("share_demographic_scopes"), "{html}");
    // Posting the checkbox anyway changes nothing.
    let r = decide(
        &app,
        &browser,
        &html,
        "action=approve&share_demographic_scopes=on",
    )
    .await;
    assert_eq!(r.status(), 302);
    let code = query_param(&location(&r), "code").unwrap();
    let (status, tokens) = app.exchange(&client, &code, &pkce.verifier).await;
    assert_eq!(status, 200, "{tokens}");
    let scope = str_of(&tokens, "scope");
    assert!(
        !scope.contains("patient/Patient") && !scope.contains("profile"),
        "{scope}"
    );
    let access = str_of(&tokens, "access_token");
    detail(&app.bearer_get(access, "/v2/fhir/Patient/").await, 403);
    detail(&app.bearer_get(access, "/v2/connect/userinfo").await, 403);
    assert_eq!(app.bearer_get(access, "/v2/fhir/Coverage/").await.0, 200);
}

// ------------------------------------------------------------------------------ data access types, grants

#[tokio::test]
async fn one_time_cannot_refresh_and_lasts_an_hour() {
    let app = sandbox().await;
    let client = app
        .register_client("Once", DataAccessType::OneTime, true, &[REDIRECT])
        .await;
    let tokens = app.tokens_for(&client, 1).await;
    assert_eq!(tokens["access_grant_expiration"], "2026-12-04T13:00:00Z");
    assert_eq!(tokens["expires_in"], 3600);
    let answer = app
        .refresh(&client, str_of(&tokens, "refresh_token"), None)
        .await;
    oauth_error(&answer, 403, "invalid_client");
    let access = str_of(&tokens, "access_token");
    assert_eq!(app.bearer_get(access, "/v2/fhir/Coverage/").await.0, 200);
    app.clock.advance(Duration::seconds(3600));
    detail(&app.bearer_get(access, "/v2/fhir/Coverage/").await, 401);
}

#[tokio::test]
async fn thirteen_month_grant_ends() {
    let app = sandbox().await;
    let client = client(&app).await;
    let tokens = app.tokens_for(&client, 1).await;
    let end = "2028-01-04T12:00:00Z";
    assert_eq!(tokens["access_grant_expiration"], end);
    // Half an hour before the end a refresh still works, and its token stops at the end.
    app.clock
        .advance(Duration::days(396) - Duration::minutes(30));
    let (status, renewed) = app
        .refresh(&client, str_of(&tokens, "refresh_token"), None)
        .await;
    assert_eq!(status, 200, "{renewed}");
    assert_eq!(renewed["access_grant_expiration"], end);
    assert_eq!(renewed["expires_in"], 1800);
    let access = str_of(&renewed, "access_token");
    assert_eq!(app.bearer_get(access, "/v2/fhir/Coverage/").await.0, 200);
    // 13 months and a day after consent.
    app.clock.advance(Duration::days(1) + Duration::minutes(30));
    let answer = app
        .refresh(&client, str_of(&renewed, "refresh_token"), None)
        .await;
    oauth_error(&answer, 401, "invalid_grant");
    detail(&app.bearer_get(access, "/v2/fhir/Coverage/").await, 401);
}

#[tokio::test]
async fn a_new_consent_replaces_the_old_tokens() {
    let app = sandbox().await;
    let client = client(&app).await;
    let first = app.tokens_for(&client, 1).await;
    let access = str_of(&first, "access_token");
    assert_eq!(app.bearer_get(access, "/v2/fhir/Coverage/").await.0, 200);
    let second = app.tokens_for(&client, 1).await;
    detail(&app.bearer_get(access, "/v2/fhir/Coverage/").await, 401);
    oauth_error(
        &app.refresh(&client, str_of(&first, "refresh_token"), None)
            .await,
        400,
        "invalid_grant",
    );
    assert_eq!(
        app.bearer_get(str_of(&second, "access_token"), "/v2/fhir/Coverage/")
            .await
            .0,
        200
    );
    // Another enrollee's consent to the same app leaves user 1's tokens alone.
    let _third = app.tokens_for(&client, 2).await;
    assert_eq!(
        app.bearer_get(str_of(&second, "access_token"), "/v2/fhir/Coverage/")
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn deny_redirects_access_denied_with_state() {
    let app = sandbox().await;
    let client = client(&app).await;
    let (user, password) = sandbox_user(1);
    let back = app
        .authorize_through(
            &app.browser(),
            &app.authorize_url(&client, &Pkce::new(), ""),
            &user,
            &password,
            "action=deny",
        )
        .await;
    assert!(back.starts_with(REDIRECT), "{back}");
    assert_eq!(
        query_param(&back, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(query_param(&back, "state").as_deref(), Some(STATE));
    assert!(query_param(&back, "code").is_none());
    // No choice at all is no consent either.
    let back = app
        .authorize_through(
            &app.browser(),
            &app.authorize_url(&client, &Pkce::new(), ""),
            &user,
            &password,
            "share_demographic_scopes=on",
        )
        .await;
    assert_eq!(
        query_param(&back, "error").as_deref(),
        Some("access_denied")
    );
}

#[tokio::test]
async fn inactive_app_is_refused_everywhere() {
    let app = sandbox().await;
    let client = client(&app).await;
    let tokens = app.tokens_for(&client, 1).await;
    let access = str_of(&tokens, "access_token");
    // A flow started before the switch.
    let browser = app.browser();
    let (user, password) = sandbox_user(2);
    let (_, consent) = app
        .login_through(
            &browser,
            &app.authorize_url(&client, &Pkce::new(), ""),
            &user,
            &password,
        )
        .await;
    assert!(
        app.store
            .set_application_active(&client.client_id, false, app.clock.now())
            .await
            .unwrap()
    );

    detail(&app.bearer_get(access, "/v2/fhir/Coverage/").await, 401);
    let answer = app
        .refresh(&client, str_of(&tokens, "refresh_token"), None)
        .await;
    oauth_error(&answer, 403, "invalid_client");
    assert!(
        answer.1["error_description"]
            .as_str()
            .unwrap()
            .contains("Negative"),
        "{}",
        answer.1
    );
    oauth_error(
        &app.introspect(&client, access).await,
        403,
        "invalid_client",
    );
    let url = app.authorize_url(&client, &Pkce::new(), "");
    let html = error_page(&app, &url, 401).await;
    assert!(html.contains("Negative"), "{html}");
    let r = decide(&app, &browser, &consent, "action=approve").await;
    assert_eq!(r.status(), 401);
    assert!(r.headers().get("location").is_none());

    // Switched back on, the old token works again (it was never revoked).
    app.store
        .set_application_active(&client.client_id, true, app.clock.now())
        .await
        .unwrap();
    assert_eq!(app.bearer_get(access, "/v2/fhir/Coverage/").await.0, 200);
}

// ------------------------------------------------------------------------------ login and consent forms

/// Starts a flow in `browser` and returns the login page's HTML.
async fn login_page(app: &TestApp, browser: &reqwest::Client, client: &Client) -> String {
    let r = browser
        .get(app.authorize_url(client, &Pkce::new(), ""))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let page = browser.get(app.url(&location(&r))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    page.text().await.unwrap()
}

async fn post_login(
    app: &TestApp,
    browser: &reqwest::Client,
    login_html: &str,
    user: &str,
    password: &str,
) -> reqwest::Response {
    browser
        .post(app.url("/mymedicare/login"))
        .form(&[
            ("username", user),
            ("password", password),
            ("flow", &hidden(login_html, "flow")),
            ("csrf_token", &hidden(login_html, "csrf_token")),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn flow_pages_resist_framing_caching_and_script() {
    let app = sandbox().await;
    let client = client(&app).await;
    let browser = app.browser();
    let r = browser
        .get(app.authorize_url(&client, &Pkce::new(), ""))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("bb_flow_"), "{cookie}");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    let login = browser.get(app.url(&location(&r))).send().await.unwrap();
    let (user, password) = sandbox_user(1);
    let (consent_url, _) = app
        .login_through(
            &browser,
            &app.authorize_url(&client, &Pkce::new(), ""),
            &user,
            &password,
        )
        .await;
    let consent = browser.get(&consent_url).send().await.unwrap();
    let error = app
        .client
        .get(app.url("/v2/o/authorize/?client_id=nobody"))
        .send()
        .await
        .unwrap();
    for (what, r) in [("login", login), ("consent", consent), ("error", error)] {
        let csp = r.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
        assert!(!csp.contains("script-src"), "{what}: {csp}");
        assert_eq!(r.headers()["cache-control"], "no-store", "{what}");
    }
}

#[tokio::test]
async fn wrong_password_is_a_401_login_page() {
    let app = sandbox().await;
    let client = client(&app).await;
    let browser = app.browser();
    let html = login_page(&app, &browser, &client).await;
    for (user, password) in [
        ("BBUser00001", "wrong"),
        ("BBUser00001", "PW00002!"),
        ("NoSuchUser", "PW00001!"),
        ("BBUser00001", ""),
    ] {
        let r = post_login(&app, &browser, &html, user, password).await;
        assert_eq!(r.status(), 401, "{user}/{password}");
        assert!(r.headers().get("location").is_none());
        let page = r.text().await.unwrap();
        assert!(page.contains("id=\"username-textbox\""), "{page}");
    }
    // The right password still works (the failures so far are below the limit).
    let r = post_login(&app, &browser, &html, "BBUser00001", "PW00001!").await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn five_failures_lock_the_user_name() {
    let app = sandbox().await;
    let client = client(&app).await;
    let browser = app.browser();
    let html = login_page(&app, &browser, &client).await;
    for attempt in 1..=4 {
        let r = post_login(&app, &browser, &html, "BBUser00001", "wrong").await;
        assert_eq!(r.status(), 401, "attempt {attempt}");
    }
    let r = post_login(&app, &browser, &html, "BBUser00001", "wrong").await;
    assert_eq!(r.status(), 429);
    // Locked, even with the right password, also with another case of the name.
    for name in ["BBUser00001", "bbuser00001"] {
        let r = post_login(&app, &browser, &html, name, "PW00001!").await;
        assert_eq!(r.status(), 429, "{name}");
        assert!(r.headers().get("location").is_none());
    }
    // Another user is not affected.
    let r = post_login(&app, &browser, &html, "BBUser00002", "PW00002!").await;
    assert_eq!(r.status(), 303);
    // After 30 minutes the lock is gone.
    app.clock.advance(Duration::minutes(31));
    let browser = app.browser();
    let html = login_page(&app, &browser, &client).await;
    let r = post_login(&app, &browser, &html, "BBUser00001", "PW00001!").await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn another_browser_cannot_use_the_flow() {
    let app = sandbox().await;
    let client = client(&app).await;
    let browser = app.browser();
    let login = login_page(&app, &browser, &client).await;
    // Login from another browser (no flow cookie).
    let thief = app.browser();
    let r = post_login(&app, &thief, &login, "BBUser00001", "PW00001!").await;
    assert_eq!(r.status(), 403);

    let (user, password) = sandbox_user(1);
    let (consent_url, html) = app
        .login_through(
            &browser,
            &app.authorize_url(&client, &Pkce::new(), ""),
            &user,
            &password,
        )
        .await;
    let r = thief.get(&consent_url).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = decide(&app, &thief, &html, "action=approve").await;
    assert_eq!(r.status(), 403);
    assert!(r.headers().get("location").is_none());
    // The owner can still decide.
    let r = decide(&app, &browser, &html, "action=approve").await;
    assert_eq!(r.status(), 302);
    assert!(query_param(&location(&r), "code").is_some());
}

#[tokio::test]
async fn wrong_csrf_is_refused() {
    let app = sandbox().await;
    let client = client(&app).await;
    let browser = app.browser();
    let login = login_page(&app, &browser, &client).await;
    let r = browser
        .post(app.url("/mymedicare/login"))
        .form(&[
            ("username", "BBUser00001"),
            ("password", "PW00001!"),
            ("flow", &hidden(&login, "flow")),
            ("csrf_token", "wrong"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    let (user, password) = sandbox_user(1);
    let (consent_url, _) = app
        .login_through(
            &browser,
            &app.authorize_url(&client, &Pkce::new(), ""),
            &user,
            &password,
        )
        .await;
    for body in ["csrf_token=wrong&action=approve", "action=approve"] {
        let r = browser
            .post(&consent_url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{body}");
        assert!(r.headers().get("location").is_none());
    }
}

#[tokio::test]
async fn consent_page_before_login_redirects_to_login() {
    let app = sandbox().await;
    let client = client(&app).await;
    let browser = app.browser();
    let r = browser
        .get(app.authorize_url(&client, &Pkce::new(), ""))
        .send()
        .await
        .unwrap();
    let login = location(&r);
    let flow = query_param(&login, "flow").unwrap();
    let r = browser
        .get(app.url(&format!("/v2/o/authorize/{flow}/")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let to = location(&r);
    assert!(to.starts_with("/mymedicare/login?"), "{to}");
    assert_eq!(query_param(&to, "flow").as_deref(), Some(flow.as_str()));
    // Posting a decision before login gives no code.
    let html = browser
        .get(app.url(&login))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = browser
        .post(app.url(&format!("/v2/o/authorize/{flow}/")))
        .form(&[
            ("csrf_token", hidden(&html, "csrf_token").as_str()),
            ("action", "approve"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());
    // Unknown flows.
    let r = browser
        .get(app.url("/v2/o/authorize/6f1c1d1e-0000-4000-8000-000000000001/"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn a_finished_flow_cannot_be_approved_twice() {
    let app = sandbox().await;
    let client = client(&app).await;
    let browser = app.browser();
    let (user, password) = sandbox_user(1);
    let (consent_url, html) = app
        .login_through(
            &browser,
            &app.authorize_url(&client, &Pkce::new(), ""),
            &user,
            &password,
        )
        .await;
    let r = decide(&app, &browser, &html, "action=approve").await;
    assert_eq!(r.status(), 302);
    let r = decide(&app, &browser, &html, "action=approve").await;
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());
    let r = browser.get(&consent_url).send().await.unwrap();
    assert_eq!(r.status(), 400);
    // Nor can a denied one.
    let browser = app.browser();
    let (_, html) = app
        .login_through(
            &browser,
            &app.authorize_url(&client, &Pkce::new(), ""),
            &user,
            &password,
        )
        .await;
    assert_eq!(
        decide(&app, &browser, &html, "action=deny").await.status(),
        302
    );
    let r = decide(&app, &browser, &html, "action=approve").await;
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn an_expired_flow_is_gone() {
    let app = sandbox().await;
    let client = client(&app).await;
    let browser = app.browser();
    let (user, password) = sandbox_user(1);
    let (_, html) = app
        .login_through(
            &browser,
            &app.authorize_url(&client, &Pkce::new(), ""),
            &user,
            &password,
        )
        .await;
    app.clock.advance(Duration::seconds(601));
    let r = decide(&app, &browser, &html, "action=approve").await;
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());
}

// ------------------------------------------------------------------------------ connected apps

#[tokio::test]
async fn connected_apps_revoke_with_a_wrong_csrf_is_403() {
    let app = sandbox().await;
    let client = client(&app).await;
    let tokens = app.tokens_for(&client, 1).await;
    let browser = app.browser();
    assert_eq!(app.enrollee_sign_in(&browser, 1).await.status(), 303);
    let html = browser
        .get(app.url("/mymedicare/connected-apps"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let grant_id = hidden(&html, "grant_id");
    for csrf in ["wrong", ""] {
        let r = browser
            .post(app.url("/mymedicare/connected-apps/revoke"))
            .form(&[("grant_id", grant_id.as_str()), ("csrf_token", csrf)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let body: Value = r.json().await.unwrap();
        assert!(body["detail"].is_string());
    }
    // Another browser (no session) with the right CSRF value is sent to sign in.
    let r = app
        .browser()
        .post(app.url("/mymedicare/connected-apps/revoke"))
        .form(&[
            ("grant_id", grant_id.as_str()),
            ("csrf_token", hidden(&html, "csrf_token").as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/mymedicare/login"));
    assert_eq!(
        app.bearer_get(str_of(&tokens, "access_token"), "/v2/fhir/Coverage/")
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn connected_apps_sign_in_refusals() {
    let app = sandbox().await;
    let browser = app.browser();
    // Wrong password: the form again, 401, no session.
    let page = browser
        .get(app.url("/mymedicare/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = browser
        .post(app.url("/mymedicare/login"))
        .form(&[
            ("username", "BBUser00001"),
            ("password", "wrong"),
            ("csrf_token", hidden(&page, "csrf_token").as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // A CSRF value not matching the cookie: the form again, no session.
    let r = browser
        .post(app.url("/mymedicare/login"))
        .form(&[
            ("username", "BBUser00001"),
            ("password", "PW00001!"),
            ("csrf_token", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), 303);
    let r = browser
        .get(app.url("/mymedicare/connected-apps"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn token_parameters_in_the_url_are_not_read() {
    let app = sandbox().await;
    let client = client(&app).await;
    let pkce = Pkce::new();
    let code = app.code_for(&client, &pkce, 1).await;
    // Everything but the grant type in the query string: the body lacks the client, so
    // the secret in the URL must not authenticate it.
    let url = format!(
        "/v2/o/token/?client_id={}&client_secret={}&code={code}&code_verifier={}&redirect_uri={}",
        client.client_id,
        client.client_secret,
        pkce.verifier,
        bb_testkit::oauth::encode(&client.redirect_uri)
    );
    let answer = send(
        app.client
            .post(app.url(&url))
            .form(&[("grant_type", "authorization_code")]),
    )
    .await;
    oauth_error(&(answer.0, answer.2), 401, "invalid_client");
    // The code was not spent: the proper request still works.
    let (status, body) = app.exchange(&client, &code, &pkce.verifier).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn discovery_does_not_advertise_the_implicit_flow() {
    let app = sandbox().await;
    let doc: Value = app
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(doc["response_types_supported"], json!(["code"]));
}

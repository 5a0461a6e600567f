//! The upstream OpenID Connect login (`bb_domain::oauth::upstream`) against a real provider:
//! npm `oidc-provider` on loopback (`tests/oidc/`), driven through its development login
//! and consent pages like a browser would.
//!
//! Runs when `BB_TEST_OIDC_PROVIDER` holds the issuer of a running provider started with
//! the client below (`tests/oidc/run-provider.sh`); otherwise each test says it is skipped.

use bb_domain::DomainError;
use bb_domain::clock::{Clock, SeededEntropy, SystemClock};
use bb_domain::oauth::upstream::{UpstreamConfig, UpstreamIdentity, UpstreamOidc, UpstreamPending};
use secrecy::SecretString;
use std::collections::HashMap;
use url::Url;

const CLIENT_ID: &str = "bluebutton-test";
const CLIENT_SECRET: &str = "bluebutton-test-secret-0123456789";
const REDIRECT_URI: &str = "http://127.0.0.1:9/cb";
const MBI: &str = "1S00E00AA00";

/// The provider's issuer, or `None` (and a note) when the tests are not wired to one.
fn provider() -> Option<String> {
    match std::env::var("BB_TEST_OIDC_PROVIDER") {
        Ok(issuer) if !issuer.is_empty() => Some(issuer),
        _ => {
            println!("skipped: BB_TEST_OIDC_PROVIDER not set");
            None
        }
    }
}

fn config(issuer: &str) -> UpstreamConfig {
    UpstreamConfig::new(
        issuer,
        CLIENT_ID,
        SecretString::from(CLIENT_SECRET),
        REDIRECT_URI,
    )
}

async fn discover(issuer: &str) -> UpstreamOidc {
    UpstreamOidc::discover(config(issuer)).await.unwrap()
}

/// What the provider sent back to the redirect URI.
struct Callback {
    state: String,
    code: String,
    iss: Option<String>,
}

/// A browser with its own cookie jar: follows the provider's redirects, signs in as
/// `login` on the login page and approves on the consent page, until the provider
/// redirects to [`REDIRECT_URI`].
async fn authorize(auth_url: &str, login: &str) -> Callback {
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut next = browser.get(auth_url);
    let mut at = Url::parse(auth_url).unwrap();
    for _ in 0..20 {
        let response = next.send().await.unwrap();
        let status = response.status();
        if status.is_redirection() {
            let location = response.headers()["location"].to_str().unwrap();
            let target = at.join(location).unwrap();
            if target.as_str().starts_with(REDIRECT_URI) {
                let query: HashMap<String, String> = target.query_pairs().into_owned().collect();
                assert!(
                    !query.contains_key("error"),
                    "the provider refused: {query:?}"
                );
                return Callback {
                    state: query["state"].clone(),
                    code: query["code"].clone(),
                    iss: query.get("iss").cloned(),
                };
            }
            next = browser.get(target.clone());
            at = target;
            continue;
        }
        let page = response.text().await.unwrap();
        assert!(status.is_success(), "HTTP {status} at {at}: {page}");
        let action = attribute_after(&page, "<form", "action").expect("a form on the page");
        let prompt = attribute_after(&page, r#"name="prompt""#, "value").expect("a prompt");
        let target = at.join(&action.replace("&amp;", "&")).unwrap();
        let form: Vec<(&str, &str)> = match prompt.as_str() {
            "login" => vec![("prompt", "login"), ("login", login), ("password", "any")],
            "consent" => vec![("prompt", "consent")],
            other => panic!("unexpected prompt {other}"),
        };
        next = browser.post(target.clone()).form(&form);
        at = target;
    }
    panic!("no redirect to {REDIRECT_URI} after 20 steps");
}

/// The value of `attribute="…"` in the first tag that follows `marker`.
fn attribute_after(page: &str, marker: &str, attribute: &str) -> Option<String> {
    let rest = &page[page.find(marker)?..];
    let rest = &rest[..rest.find('>')?];
    let start = rest.find(&format!(r#"{attribute}=""#))? + attribute.len() + 2;
    let len = rest[start..].find('"')?;
    Some(rest[start..start + len].to_owned())
}

/// A fresh login through the provider's pages.
async fn login(
    upstream: &UpstreamOidc,
    flow_id: &str,
    seed: u64,
    who: &str,
) -> (Callback, UpstreamPending) {
    let (url, pending) = upstream.start(flow_id, &SeededEntropy::new(seed));
    (authorize(&url, who).await, pending)
}

fn now() -> chrono::DateTime<chrono::Utc> {
    SystemClock.now()
}

fn invalid_field(result: Result<UpstreamIdentity, DomainError>) -> (&'static str, String) {
    match result {
        Err(DomainError::Invalid { field, reason }) => (field, reason),
        other => panic!("expected an Invalid error, got {other:?}"),
    }
}

#[tokio::test]
async fn enrollee_logs_in_and_the_mbi_comes_from_userinfo() {
    let Some(issuer) = provider() else { return };
    let upstream = discover(&issuer).await;
    assert_eq!(upstream.issuer(), issuer);
    let (callback, pending) = login(&upstream, "flow-1", 1, "enrollee1").await;
    assert_eq!(callback.state, pending.state);
    assert_eq!(UpstreamOidc::flow_id_of(&callback.state), Some("flow-1"));
    assert_eq!(callback.iss.as_deref(), Some(issuer.as_str()));

    // Another login's state: refused before the code is spent.
    let (other_url, _) = upstream.start("flow-1", &SeededEntropy::new(2));
    let other_state = Url::parse(&other_url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let (field, _) = invalid_field(
        upstream
            .finish(&other_state, &callback.code, &pending, now())
            .await,
    );
    assert_eq!(field, "state");

    let identity = upstream
        .finish(&callback.state, &callback.code, &pending, now())
        .await
        .unwrap();
    assert_eq!(identity.subject, "enrollee1");
    assert_eq!(identity.mbi.as_deref(), Some(MBI));
    assert!(!format!("{identity:?}").contains(MBI));

    // A code is good once.
    let (field, reason) = invalid_field(
        upstream
            .finish(&callback.state, &callback.code, &pending, now())
            .await,
    );
    assert_eq!(field, "code", "{reason}");
    assert!(!reason.contains(&callback.code));
}

#[tokio::test]
async fn mbi_in_the_id_token_and_keys_fetched_again_for_an_unknown_kid() {
    let Some(issuer) = provider() else { return };
    let upstream = discover(&issuer).await;
    let (url, pending) = upstream.start("flow-2", &SeededEntropy::new(3));
    // The claims request parameter puts the MBI in the ID token itself.
    let mut url = Url::parse(&url).unwrap();
    url.query_pairs_mut()
        .append_pair("claims", r#"{"id_token":{"mbi":null}}"#);
    let callback = authorize(url.as_str(), "enrollee1").await;

    upstream.forget_keys();
    assert_eq!(upstream.cached_key_count(), 0);
    let identity = upstream
        .finish(&callback.state, &callback.code, &pending, now())
        .await
        .unwrap();
    assert_eq!(identity.subject, "enrollee1");
    assert_eq!(identity.mbi.as_deref(), Some(MBI));
    assert!(
        upstream.cached_key_count() > 0,
        "the JWKS was fetched again"
    );
}

#[tokio::test]
async fn an_account_without_an_mbi_logs_in_without_one() {
    let Some(issuer) = provider() else { return };
    let upstream = discover(&issuer).await;
    let (callback, pending) = login(&upstream, "flow-3", 4, "someone-else").await;
    let identity = upstream
        .finish(&callback.state, &callback.code, &pending, now())
        .await
        .unwrap();
    assert_eq!(identity.subject, "someone-else");
    assert_eq!(identity.mbi, None);
}

#[tokio::test]
async fn a_tampered_nonce_is_refused() {
    let Some(issuer) = provider() else { return };
    let upstream = discover(&issuer).await;
    let (callback, mut pending) = login(&upstream, "flow-4", 5, "enrollee1").await;
    pending.nonce = "tampered".into();
    let (field, reason) = invalid_field(
        upstream
            .finish(&callback.state, &callback.code, &pending, now())
            .await,
    );
    assert_eq!(field, "id_token");
    assert!(reason.contains("nonce"), "{reason}");
}

#[tokio::test]
async fn a_wrong_code_verifier_is_refused() {
    let Some(issuer) = provider() else { return };
    let upstream = discover(&issuer).await;
    let (callback, mut pending) = login(&upstream, "flow-5", 6, "enrollee1").await;
    pending.code_verifier = "A".repeat(64);
    let (field, _) = invalid_field(
        upstream
            .finish(&callback.state, &callback.code, &pending, now())
            .await,
    );
    assert_eq!(field, "code");
}

#[tokio::test]
async fn an_expired_id_token_is_refused() {
    let Some(issuer) = provider() else { return };
    let upstream = discover(&issuer).await;
    let (callback, pending) = login(&upstream, "flow-6", 7, "enrollee1").await;
    let later = now() + chrono::Duration::hours(2);
    let (field, reason) = invalid_field(
        upstream
            .finish(&callback.state, &callback.code, &pending, later)
            .await,
    );
    assert_eq!(field, "id_token");
    assert!(reason.contains("expired"), "{reason}");
}

#[tokio::test]
async fn wrong_client_secret_is_unavailable_not_a_user_error() {
    let Some(issuer) = provider() else { return };
    let mut wrong = config(&issuer);
    wrong.client_secret = SecretString::from("not-the-secret");
    let upstream = UpstreamOidc::discover(wrong).await.unwrap();
    let (callback, pending) = login(&upstream, "flow-7", 8, "enrollee1").await;
    let err = upstream
        .finish(&callback.state, &callback.code, &pending, now())
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::Unavailable(_)), "{err:?}");
    assert!(!err.to_string().contains("not-the-secret"));
}

#[tokio::test]
async fn discovery_refuses_another_issuer_and_reports_an_unreachable_one() {
    let Some(issuer) = provider() else { return };
    // Same discovery URL, but the document's issuer differs by the trailing slash.
    let err = UpstreamOidc::discover(config(&format!("{issuer}/")))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DomainError::Invalid { field: "login", reason } if reason.contains("issuer")),
        "{err:?}"
    );
    // Another host name for the same server is another issuer too.
    let renamed = issuer.replace("127.0.0.1", "localhost");
    if renamed != issuer {
        assert!(UpstreamOidc::discover(config(&renamed)).await.is_err());
    }
    // Nothing listens on port 9 (discard): unreachable.
    let err = UpstreamOidc::discover(config("http://127.0.0.1:9"))
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::Unavailable(_)), "{err:?}");
    // Plain http off loopback is refused before any request.
    let err = UpstreamOidc::discover(config("http://idp.example"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, DomainError::Invalid { field: "login", .. }),
        "{err:?}"
    );
}

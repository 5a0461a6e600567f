//! The production login seam end to end: the server logs enrollees in through a real
//! OpenID Connect provider (npm `oidc-provider`, started by the test command on loopback
//! with `http://127.0.0.1:9413/mymedicare/oidc-callback` among its redirect URIs), then
//! the usual consent, code and FHIR call. Runs when `BB_TEST_OIDC_PROVIDER` names the
//! provider; otherwise it says it was skipped.

use bb_domain::apps::DataAccessType;
use bb_domain::oauth::upstream::{UpstreamConfig, UpstreamOidc};
use bb_testkit::oauth::{Pkce, hidden, query_param};
use bb_web::WebConfig;
use std::sync::Arc;
use url::Url;

const BIND: &str = "127.0.0.1:9413";
const CALLBACK: &str = "http://127.0.0.1:9413/mymedicare/oidc-callback";

#[tokio::test]
async fn enrollee_logs_in_upstream_then_consents_and_the_app_reads_claims() {
    let Ok(issuer) = std::env::var("BB_TEST_OIDC_PROVIDER") else {
        eprintln!("skipped: BB_TEST_OIDC_PROVIDER not set");
        return;
    };
    let upstream = UpstreamOidc::discover(UpstreamConfig::new(
        issuer,
        "bluebutton-test",
        secrecy::SecretString::from("bluebutton-test-secret-0123456789".to_owned()),
        CALLBACK,
    ))
    .await
    .unwrap();
    let upstream = Arc::new(upstream);
    let app = bb_testkit::spawn_app_custom(BIND, WebConfig::default(), move |s| {
        s.with_oauth(None, Some(upstream))
    })
    .await
    .with_sandbox(2)
    .await;
    // The provider's ID tokens carry real times.
    #[allow(clippy::disallowed_methods)]
    app.clock.set(chrono::Utc::now());
    let bene = -19_990_000_000_002_i64;
    let mbi = app.store.beneficiary_years(bene).await.unwrap()[0]
        .mbi
        .clone()
        .unwrap();
    let client = app
        .register_client(
            "Upstream App",
            DataAccessType::ThirteenMonth,
            true,
            &["http://localhost:3001/cb"],
        )
        .await;
    let pkce = Pkce::new();
    let browser = app.browser();

    // authorize → our login URL → the provider's pages → our callback → consent.
    let mut at = Url::parse(&app.authorize_url(&client, &pkce, "")).unwrap();
    let mut request = browser.get(at.clone());
    let consent_html = loop {
        let r = request.send().await.unwrap();
        if r.status().is_redirection() {
            let target = at.join(r.headers()["location"].to_str().unwrap()).unwrap();
            request = browser.get(target.clone());
            at = target;
            continue;
        }
        let status = r.status();
        let page = r.text().await.unwrap();
        assert!(status.is_success(), "HTTP {status} at {at}: {page}");
        if page.contains("id=\"approve\"") {
            break page;
        }
        // The provider's devInteractions: a login form, then a consent form.
        let form_at = page.find("<form").unwrap();
        let action = hidden_attr(&page[form_at..], "action");
        let prompt = hidden(&page, "prompt");
        let target = at.join(&action.replace("&amp;", "&")).unwrap();
        let login = format!("mbi-{mbi}");
        let fields: Vec<(&str, &str)> = if prompt == "login" {
            vec![("prompt", "login"), ("login", &login), ("password", "any")]
        } else {
            vec![("prompt", "consent")]
        };
        let r = browser
            .post(target.clone())
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_redirection(), "provider form: {}", r.status());
        let next = target
            .join(r.headers()["location"].to_str().unwrap())
            .unwrap();
        request = browser.get(next.clone());
        at = next;
    };
    assert!(at.path().starts_with("/v2/o/authorize/"), "{at}");
    let csrf = hidden(&consent_html, "csrf_token");
    let r = browser
        .post(at.clone())
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("action", "approve"),
            ("share_demographic_scopes", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let back = r.headers()["location"].to_str().unwrap().to_owned();
    let code = query_param(&back, "code").unwrap();
    let (status, tokens) = app.exchange(&client, &code, &pkce.verifier).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["patient"], bene.to_string());
    let access = tokens["access_token"].as_str().unwrap();
    let (status, bundle) = app
        .bearer_get(access, "/v2/fhir/ExplanationOfBenefit/")
        .await;
    assert_eq!(status, 200);
    assert_eq!(bundle["resourceType"], "Bundle");
}

fn hidden_attr(tag_start: &str, attribute: &str) -> String {
    let tag = &tag_start[..tag_start.find('>').unwrap_or(tag_start.len())];
    tag.split(&format!("{attribute}=\""))
        .nth(1)
        .and_then(|v| v.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

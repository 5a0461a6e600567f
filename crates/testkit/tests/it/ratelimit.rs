//! Rate limits over HTTP (issue 10, item 5): a refusal is 429 with `Retry-After` and the
//! body of its API (FHIR `OperationOutcome`, OAuth JSON, an HTML page on the portal);
//! every limited answer carries `X-RateLimit-Limit`, `-Remaining` and `-Reset`; the
//! token, app and address limits are independent; a new window (the fake clock moved)
//! starts afresh; `X-Forwarded-For` is believed only from a trusted proxy; the counts
//! reach the shared store.

use bb_domain::apps::DataAccessType;
use bb_domain::ratelimit::{LimitKind, RateLimitSettings, TrustedProxies, address_key};
use bb_testkit::{TestApp, spawn_app};
use serde_json::Value;
use std::time::Duration;

const REDIRECT: &str = "http://localhost:3001/callback";

/// Limits high enough for the set-up, then `settings` once tokens are in hand.
fn limits(settings: RateLimitSettings) -> RateLimitSettings {
    RateLimitSettings {
        sync_interval: Duration::from_secs(3600),
        ..settings
    }
}

fn header(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// `(limit, remaining, reset)` of an answer.
fn quota(r: &reqwest::Response) -> (Option<String>, Option<String>, Option<u32>) {
    (
        header(r, "x-ratelimit-limit"),
        header(r, "x-ratelimit-remaining"),
        header(r, "x-ratelimit-reset").and_then(|v| v.parse().ok()),
    )
}

async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Three tokens: two enrollees of app A, one of app B.
async fn tokens(app: &TestApp) -> (String, String, String, String) {
    let a = app
        .register_client("Limit A", DataAccessType::ThirteenMonth, true, &[REDIRECT])
        .await;
    let b = app
        .register_client("Limit B", DataAccessType::ThirteenMonth, true, &[REDIRECT])
        .await;
    let access = |v: Value| v["access_token"].as_str().unwrap().to_owned();
    let a0 = access(app.tokens_for(&a, 0).await);
    let a1 = access(app.tokens_for(&a, 1).await);
    let b0 = access(app.tokens_for(&b, 0).await);
    let app_a = app
        .store
        .application_by_client_id(&a.client_id)
        .await
        .unwrap()
        .unwrap()
        .id;
    (a0, a1, b0, app_a)
}

#[tokio::test]
async fn fhir_token_limit_answers_429_with_retry_after_and_headers_until_the_window_ends() {
    let app = spawn_app().await.with_sandbox(2).await;
    let (a0, a1, b0, _) = tokens(&app).await;
    app.services
        .rate_limits
        .configure(limits(RateLimitSettings {
            token: 3,
            ..RateLimitSettings::default()
        }));
    // The fake clock stands at 12:00:00: a fresh 60-second window.
    for remaining in ["2", "1", "0"] {
        let r = get(&app, &a0, "/v2/fhir/Coverage/").await;
        assert_eq!(r.status(), 200);
        assert_eq!(
            quota(&r),
            (Some("3".into()), Some(remaining.into()), Some(60))
        );
    }
    let refused = get(&app, &a0, "/v2/fhir/ExplanationOfBenefit/").await;
    assert_eq!(refused.status(), 429);
    assert_eq!(header(&refused, "retry-after").as_deref(), Some("60"));
    assert_eq!(
        header(&refused, "content-type").as_deref(),
        Some("application/fhir+json")
    );
    assert_eq!(
        quota(&refused),
        (Some("3".into()), Some("0".into()), Some(60))
    );
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["resourceType"], "OperationOutcome");
    assert_eq!(body["issue"][0]["code"], "throttled");
    assert!(
        body["issue"][0]["diagnostics"]
            .as_str()
            .unwrap()
            .contains("access token")
    );
    // Another token of the same app, and another app's token, have their own allowance.
    assert_eq!(get(&app, &a1, "/v2/fhir/Coverage/").await.status(), 200);
    assert_eq!(get(&app, &b0, "/v2/fhir/Coverage/").await.status(), 200);
    // 45 s later the same window has 15 s left; at 60 s a new one begins.
    app.clock.advance(chrono::Duration::seconds(45));
    let r = get(&app, &a0, "/v2/fhir/Coverage/").await;
    assert_eq!(r.status(), 429);
    assert_eq!(header(&r, "retry-after").as_deref(), Some("15"));
    app.clock.advance(chrono::Duration::seconds(15));
    let r = get(&app, &a0, "/v2/fhir/Coverage/").await;
    assert_eq!(r.status(), 200);
    assert_eq!(quota(&r), (Some("3".into()), Some("2".into()), Some(60)));
}

#[tokio::test]
async fn app_limit_covers_all_its_tokens_and_no_other_app() {
    let app = spawn_app().await.with_sandbox(2).await;
    let (a0, a1, b0, app_a) = tokens(&app).await;
    app.services
        .rate_limits
        .configure(limits(RateLimitSettings {
            app: 4,
            ..RateLimitSettings::default()
        }));
    let mut statuses = Vec::new();
    for token in [&a0, &a1, &a0, &a1, &a0, &a1] {
        statuses.push(
            get(&app, token, "/v2/fhir/Coverage/")
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, vec![200, 200, 200, 200, 429, 429]);
    let refused = get(&app, &a1, "/v2/connect/userinfo").await;
    assert_eq!(refused.status(), 429, "userinfo counts against the app too");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(
        body["error"], "rate_limited",
        "userinfo is an OAuth endpoint"
    );
    assert_eq!(get(&app, &b0, "/v2/fhir/Coverage/").await.status(), 200);
    // The counts reach the store, keyed by the app's hashed id.
    app.services.rate_limits.sync().await;
    assert_eq!(
        app.services
            .rate_limits
            .stored_count(LimitKind::App, app_a.as_bytes())
            .await
            .unwrap(),
        4
    );
}

#[tokio::test]
async fn address_limit_counts_every_fhir_call_and_believes_only_trusted_proxies() {
    let app = spawn_app().await.with_sandbox(2).await;
    let (a0, _, _, _) = tokens(&app).await;
    app.services
        .rate_limits
        .configure(limits(RateLimitSettings {
            ip: 3,
            ..RateLimitSettings::default()
        }));
    // Calls without a valid token count against the address as well.
    let statuses: Vec<u16> = [
        get(&app, "not-a-token", "/v2/fhir/Coverage/").await,
        get(&app, "not-a-token", "/v2/fhir/Patient/").await,
        get(&app, &a0, "/v2/fhir/Coverage/").await,
        get(&app, &a0, "/v2/fhir/Coverage/").await,
    ]
    .iter()
    .map(|r| r.status().as_u16())
    .collect();
    assert_eq!(statuses, vec![401, 401, 200, 429]);
    // A forged X-Forwarded-For from an untrusted peer changes nothing.
    let forged = app
        .client
        .get(app.url("/v2/fhir/Coverage/"))
        .bearer_auth(&a0)
        .header("x-forwarded-for", "198.51.100.1")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 429);
    assert!(
        app.services
            .rate_limits
            .peek(LimitKind::Ip, &address_key("127.0.0.1".parse().unwrap()))
            .is_some_and(|d| !d.allowed)
    );
    // Behind a trusted proxy each forwarded client has its own allowance.
    app.services
        .rate_limits
        .configure(limits(RateLimitSettings {
            ip: 3,
            trusted_proxies: TrustedProxies::parse(&["127.0.0.0/8", "10.0.0.0/8"]).unwrap(),
            ..RateLimitSettings::default()
        }));
    for client in ["198.51.100.1", "198.51.100.2"] {
        let r = app
            .client
            .get(app.url("/v2/fhir/Coverage/"))
            .bearer_auth(&a0)
            .header("x-forwarded-for", format!("{client}, 10.0.0.9"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{client}");
        assert_eq!(header(&r, "x-ratelimit-remaining").as_deref(), Some("2"));
    }
    // The proxy's own calls are its address's: every /v2/fhir route counts, metadata too.
    assert_eq!(app.get("/v2/fhir/metadata").await.status(), 429);
    // The discovery documents are not limited.
    let r = app.get("/.well-known/openid-configuration").await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "x-ratelimit-limit"), None);
}

#[tokio::test]
async fn oauth_endpoints_are_limited_per_address_and_per_authenticated_client() {
    let app = spawn_app().await.with_sandbox(1).await;
    let client = app
        .register_client("Limit C", DataAccessType::ThirteenMonth, true, &[REDIRECT])
        .await;
    let tokens = app.tokens_for(&client, 0).await;
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    app.services
        .rate_limits
        .configure(limits(RateLimitSettings {
            oauth_client: 2,
            ..RateLimitSettings::default()
        }));
    // A fresh window: the set-up's code exchange was this client's first counted call.
    app.clock.advance(chrono::Duration::seconds(60));
    let introspect = |secret: &'static str| {
        let app = &app;
        let client = client.clone();
        async move {
            let secret = if secret.is_empty() {
                client.client_secret.clone()
            } else {
                secret.to_owned()
            };
            app.client
                .post(app.url("/v2/o/introspect/"))
                .form(&[
                    ("token", "whatever"),
                    ("client_id", client.client_id.as_str()),
                    ("client_secret", secret.as_str()),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    // Someone who only knows the client id cannot spend its allowance: failed
    // authentications are not counted.
    for _ in 0..5 {
        assert_eq!(introspect("wrong-secret").await.status(), 401);
    }
    assert_eq!(introspect("").await.status(), 200);
    assert_eq!(introspect("").await.status(), 200);
    let refused = introspect("").await;
    assert_eq!(refused.status(), 429);
    assert!(header(&refused, "retry-after").is_some());
    assert_eq!(
        header(&refused, "cache-control").as_deref(),
        Some("no-store")
    );
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "rate_limited");
    // The refresh of the same client is refused too, before any token is spent.
    let (status, body) = app
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
        ])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (429, Some("rate_limited"))
    );
    app.clock.advance(chrono::Duration::seconds(60));
    let (status, _) = app
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
        ])
        .await;
    assert_eq!(
        status, 200,
        "the refresh token was not spent by the refusal"
    );

    // Per address: the authorize page counts too.
    app.services
        .rate_limits
        .configure(limits(RateLimitSettings {
            oauth_ip: 2,
            ..RateLimitSettings::default()
        }));
    app.clock.advance(chrono::Duration::seconds(60));
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let r = app.get("/v2/o/authorize/?client_id=nope").await;
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses[2], 429, "{statuses:?}");
    assert_ne!(statuses[1], 429, "{statuses:?}");
}

#[tokio::test]
async fn portal_form_submissions_are_limited_per_address_with_an_html_page() {
    let app = spawn_app().await;
    app.services
        .rate_limits
        .configure(limits(RateLimitSettings {
            portal_ip: 2,
            ..RateLimitSettings::default()
        }));
    let browser = app.browser();
    for _ in 0..2 {
        let r = app
            .portal_login(&browser, "nobody@example.org", "wrong password 1")
            .await;
        assert_ne!(r.status(), 429);
        assert!(header(&r, "x-ratelimit-limit").is_some());
    }
    let refused = app
        .portal_login(&browser, "nobody@example.org", "wrong password 1")
        .await;
    assert_eq!(refused.status(), 429);
    assert!(header(&refused, "retry-after").is_some());
    assert!(
        header(&refused, "content-type")
            .unwrap_or_default()
            .starts_with("text/html")
    );
    assert!(refused.text().await.unwrap().contains("Too many requests"));
    // Reading pages is not a submission.
    let page = app.get("/v2/accounts/login").await;
    assert_eq!(page.status(), 200);
    assert_eq!(header(&page, "x-ratelimit-limit"), None);
}

#[tokio::test]
async fn disabled_limits_count_nothing_and_add_no_headers() {
    let app = spawn_app().await.with_sandbox(2).await;
    let (a0, _, _, _) = tokens(&app).await;
    app.services.rate_limits.configure(RateLimitSettings {
        enabled: false,
        token: 1,
        ..RateLimitSettings::default()
    });
    for _ in 0..3 {
        let r = get(&app, &a0, "/v2/fhir/Coverage/").await;
        assert_eq!(r.status(), 200);
        assert_eq!(header(&r, "x-ratelimit-limit"), None);
    }
}

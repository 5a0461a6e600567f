//! The client SDK (`bb-sdk`) against the real server: the SDK plays the app (authorize URL,
//! code exchange, refresh, searches, every page, userinfo, revoke) while the test kit's
//! cookie-keeping browser does the enrollee's part (sandbox login, consent).
//!
//! Retries are the one thing the server cannot be made to answer on demand (a 503 or a
//! 429 on a FHIR GET): those tests start a small axum listener of their own that answers
//! 503/429 first and then a Bundle, and count what it received.

use bb_domain::apps::DataAccessType;
use bb_sdk::fhir::{Bundle, Coverage, ExplanationOfBenefit, Patient, Resource};
use bb_sdk::{AuthToken, BlueButton, Callback, Config, Error, RetrySettings};
use bb_testkit::oauth::{Client, sandbox_user};
use bb_testkit::{TestApp, spawn_app, start_time};
use chrono::{DateTime, Duration, Utc};
use futures_util::TryStreamExt;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

const CALLBACK: &str = "http://127.0.0.1:3001/callback";
const APPROVE_ALL: &str = "action=approve&share_demographic_scopes=on";

/// The SDK's clock in tests: moves only when told to.
struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    fn new() -> Arc<Self> {
        Arc::new(Self(Mutex::new(start_time())))
    }
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl bb_sdk::clock::Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

async fn server() -> (TestApp, Client) {
    let app = spawn_app().await.with_sandbox(3).await;
    let client = app
        .register_client("SDK App", DataAccessType::ThirteenMonth, true, &[CALLBACK])
        .await;
    (app, client)
}

fn config(base: &str, client: &Client) -> Config {
    Config::new(&client.client_id, client.client_secret.as_str(), CALLBACK)
        .unwrap()
        .with_base_url(base)
        .unwrap()
        .with_retry(RetrySettings::none())
}

fn sdk(app: &TestApp, client: &Client) -> BlueButton {
    BlueButton::new(config(&app.base_url, client)).unwrap()
}

/// The enrollee's part: login as `BBUser<user>` and the consent `decision`; returns the
/// callback the browser was sent to.
async fn browser_part(app: &TestApp, url: &str, user: u32, decision: &str) -> Callback {
    let (name, password) = sandbox_user(user);
    let back = app
        .authorize_through(&app.browser(), url, &name, &password, decision)
        .await;
    assert!(back.starts_with(CALLBACK), "redirected to {back}");
    Callback::from_url(&url::Url::parse(&back).unwrap())
}

/// The whole authorization with the SDK doing the app's part.
async fn connect(app: &TestApp, sdk: &BlueButton, user: u32) -> AuthToken {
    let request = sdk.authorize().unwrap();
    let callback = browser_part(app, request.url.as_str(), user, APPROVE_ALL).await;
    sdk.exchange(&request, &callback).await.unwrap()
}

#[tokio::test]
async fn the_sdk_authorizes_and_reads_patient_coverage_claims_and_userinfo() {
    let (app, client) = server().await;
    let sdk = sdk(&app, &client);
    let token = connect(&app, &sdk, 1).await;
    let patient_id = token.patient.clone().expect("the token names the patient");
    assert!(token.has_scope("profile"), "{:?}", token.scope);
    assert!(token.refresh_token.is_some());
    let mut session = sdk.session(token);

    let patients = session.patient().await.unwrap();
    assert_eq!(patients.total, Some(1));
    let patient: Vec<&Patient> = patients.resources().collect();
    assert_eq!(patient[0].id.as_deref(), Some(patient_id.as_str()));
    assert!(!patient[0].name.is_empty() && patient[0].birth_date.is_some());

    let coverage = session.coverage().await.unwrap();
    assert!(coverage.total.unwrap_or(0) >= 1);
    assert!(
        coverage
            .resources()
            .all(|c: &Coverage| c.resource_type == "Coverage"
                && c.beneficiary.as_ref().and_then(|b| b.reference.as_deref())
                    == Some(format!("Patient/{patient_id}").as_str()))
    );

    let first = session.explanation_of_benefit().await.unwrap();
    let total = first.total.expect("a searchset has a total");
    assert!(
        total > 10,
        "BBUser00001 has more than one page of claims ({total})"
    );
    assert_eq!(first.entry.len(), 10, "the default page size");

    let read: Patient = session.read("Patient", &patient_id).await.unwrap();
    assert_eq!(read.id.as_deref(), Some(patient_id.as_str()));

    let me = session.userinfo().await.unwrap();
    assert_eq!(me.sub, patient_id);
    assert!(me.name.is_some());
}

#[tokio::test]
async fn the_page_stream_follows_next_links_to_every_claim_once() {
    let (app, client) = server().await;
    let sdk = sdk(&app, &client);
    let mut session = sdk.session(connect(&app, &sdk, 1).await);
    let first: Bundle<ExplanationOfBenefit> = session
        .search("ExplanationOfBenefit", &[("_count", "7")])
        .await
        .unwrap();
    let total = usize::try_from(first.total.unwrap()).unwrap();
    let pages: Vec<Bundle<ExplanationOfBenefit>> =
        session.pages(first).try_collect().await.unwrap();
    assert_eq!(pages.len(), total.div_ceil(7), "one page per 7 claims");
    assert!(pages[..pages.len() - 1].iter().all(|p| p.entry.len() == 7));
    let mut ids: Vec<String> = pages
        .iter()
        .flat_map(|p| p.resources().filter_map(|e| e.id.clone()))
        .collect();
    assert_eq!(ids.len(), total);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total, "no claim twice");
    assert!(pages.last().unwrap().next_link().is_none());

    let all: Vec<ExplanationOfBenefit> = session
        .search_all("ExplanationOfBenefit", &[])
        .await
        .unwrap();
    assert_eq!(all.len(), total);
    assert!(all.iter().all(|e| e.claim_type().is_some()));
}

/// `value` read as `T` and written back is the same JSON.
fn round_trips<T: serde::de::DeserializeOwned + serde::Serialize>(what: &str, value: &Value) {
    let typed: T = serde_json::from_value(value.clone()).unwrap_or_else(|e| {
        panic!(
            "{what}: does not read as {}: {e}",
            std::any::type_name::<T>()
        )
    });
    assert_eq!(
        &serde_json::to_value(&typed).unwrap(),
        value,
        "{what}: lost or changed data"
    );
}

#[tokio::test]
async fn every_kind_of_response_the_server_sends_round_trips_through_the_typed_model() {
    let (app, client) = server().await;
    let sdk = sdk(&app, &client);
    let mut session = sdk.session(connect(&app, &sdk, 2).await);
    let patient_id = session.token().patient.clone().unwrap();
    let mut seen_types = std::collections::BTreeSet::new();

    let patients = session.get_json("fhir/Patient/").await.unwrap();
    round_trips::<Bundle<Patient>>("Patient search", &patients);
    let patient = session
        .get_json(&format!("fhir/Patient/{patient_id}"))
        .await
        .unwrap();
    round_trips::<Patient>("Patient read", &patient);

    let coverages = session.get_json("fhir/Coverage/").await.unwrap();
    round_trips::<Bundle<Coverage>>("Coverage search", &coverages);
    for entry in coverages["entry"].as_array().unwrap() {
        let id = entry["resource"]["id"].as_str().unwrap();
        let read = session
            .get_json(&format!("fhir/Coverage/{id}"))
            .await
            .unwrap();
        round_trips::<Coverage>(&format!("Coverage read {id}"), &read);
    }

    // Every claim of the enrollee, page by page as raw JSON, and each one read by id.
    let mut next = Some(app.url("/v2/fhir/ExplanationOfBenefit/?_count=50"));
    while let Some(url) = next {
        let page = session.get_json(&url).await.unwrap();
        round_trips::<Bundle<ExplanationOfBenefit>>("EOB page", &page);
        round_trips::<Bundle>("EOB page as Bundle<Resource>", &page);
        for entry in page["entry"].as_array().into_iter().flatten() {
            let resource = &entry["resource"];
            let typed: ExplanationOfBenefit = serde_json::from_value(resource.clone()).unwrap();
            seen_types.insert(typed.claim_type().unwrap().to_owned());
            let id = resource["id"].as_str().unwrap();
            let read = session
                .get_json(&format!("fhir/ExplanationOfBenefit/{id}"))
                .await
                .unwrap();
            round_trips::<ExplanationOfBenefit>(&format!("EOB read {id}"), &read);
            round_trips::<Resource>(&format!("EOB read {id} as Resource"), &read);
        }
        next = page["link"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["relation"] == "next")
            .map(|l| l["url"].as_str().unwrap().to_owned());
    }
    assert!(
        seen_types.len() >= 3,
        "several claim types were checked: {seen_types:?}"
    );

    let metadata = session.get_json("fhir/metadata").await.unwrap();
    round_trips::<Resource>("metadata", &metadata);
    let userinfo = session.get_json("connect/userinfo").await.unwrap();
    round_trips::<bb_sdk::UserInfo>("userinfo", &userinfo);
}

#[tokio::test]
async fn refresh_rotates_and_the_spent_refresh_token_is_refused() {
    let (app, client) = server().await;
    let sdk = sdk(&app, &client);
    let old = connect(&app, &sdk, 1).await;
    let mut session = sdk.session(old.clone());
    session.refresh().await.unwrap();
    assert_ne!(session.token().access_token, old.access_token);
    assert_ne!(session.token().refresh_token, old.refresh_token);
    assert!(session.patient().await.is_ok());

    let err = sdk.refresh(&old).await.unwrap_err();
    assert_eq!(
        (err.status(), err.oauth_code()),
        (Some(400), Some("invalid_grant")),
        "{err}"
    );

    // The old access token is refused, and with automatic refresh off nothing hides it.
    let strict =
        BlueButton::new(config(&app.base_url, &client).with_token_refresh_on_expire(false))
            .unwrap();
    let err = strict.session(old).patient().await.unwrap_err();
    assert!(matches!(err, Error::Api { status: 401, .. }), "{err:?}");
}

#[tokio::test]
async fn an_expired_token_by_the_local_clock_is_refreshed_before_the_call() {
    let (app, client) = server().await;
    let clock = TestClock::new();
    let sdk = sdk(&app, &client).with_clock(clock.clone());
    let token = connect(&app, &sdk, 1).await;
    assert_eq!(token.expires_at, start_time() + Duration::seconds(3600));
    let mut session = sdk.session(token.clone());

    clock.advance(Duration::seconds(3600 - 60));
    session.coverage().await.unwrap();
    assert_eq!(
        session.token(),
        &token,
        "a minute before expiry nothing is refreshed"
    );

    clock.advance(Duration::seconds(45)); // inside the 30 s margin
    session.coverage().await.unwrap();
    assert_ne!(
        session.token().access_token,
        token.access_token,
        "refreshed first"
    );
    assert_eq!(
        session.token().expires_at,
        start_time() + Duration::seconds(3600 - 15 + 3600)
    );
    // The server revoked the old access token on refresh: it was refreshed, not reused.
    let (status, _) = app
        .bearer_get(token.access_token.expose(), "/v2/fhir/Coverage/")
        .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_401_from_the_server_refreshes_once_and_the_call_succeeds() {
    let (app, client) = server().await;
    let sdk = sdk(&app, &client);
    let token = connect(&app, &sdk, 1).await;
    // The server's clock passes the access token's expiry; the SDK's local clock does not.
    app.clock.advance(Duration::hours(2));
    let (status, _) = app
        .bearer_get(token.access_token.expose(), "/v2/fhir/Patient/")
        .await;
    assert_eq!(status, 401, "the server no longer takes the token");

    let mut session = sdk.session(token.clone());
    let bundle = session.explanation_of_benefit().await.unwrap();
    assert!(bundle.total.unwrap() > 0);
    assert_ne!(session.token().access_token, token.access_token);

    let strict =
        BlueButton::new(config(&app.base_url, &client).with_token_refresh_on_expire(false))
            .unwrap();
    let err = strict.session(session.token().clone()).patient().await;
    assert!(err.is_ok(), "the refreshed token works: {err:?}");
}

#[tokio::test]
async fn revoke_disconnects_and_no_refresh_brings_the_grant_back() {
    let (app, client) = server().await;
    let sdk = sdk(&app, &client);
    let token = connect(&app, &sdk, 1).await;
    sdk.session(token.clone()).revoke().await.unwrap();

    let (status, _) = app
        .bearer_get(token.access_token.expose(), "/v2/fhir/Patient/")
        .await;
    assert_eq!(status, 401);
    // The session sees the 401, tries its one refresh, and the grant is gone.
    let err = sdk.session(token.clone()).patient().await.unwrap_err();
    assert_eq!(err.oauth_code(), Some("invalid_grant"), "{err:?}");
    let err = sdk.refresh(&token).await.unwrap_err();
    assert!(matches!(err, Error::OAuth { status: 400, .. }), "{err:?}");
}

#[tokio::test]
async fn denial_state_mismatch_and_bad_codes_are_typed_errors() {
    let (app, client) = server().await;
    let sdk = sdk(&app, &client);

    let request = sdk.authorize().unwrap();
    let callback = browser_part(&app, request.url.as_str(), 1, "action=deny").await;
    assert_eq!(callback.error.as_deref(), Some("access_denied"));
    assert!(matches!(
        sdk.exchange(&request, &callback).await,
        Err(Error::AccessDenied)
    ));

    let request = sdk.authorize().unwrap();
    let other = sdk.authorize().unwrap();
    let callback = browser_part(&app, request.url.as_str(), 1, APPROVE_ALL).await;
    assert!(matches!(
        sdk.exchange(&other, &callback).await,
        Err(Error::StateMismatch)
    ));
    // The right request still exchanges the code: the mismatch spent nothing.
    let token = sdk.exchange(&request, &callback).await.unwrap();
    // A code is single-use.
    let err = sdk.exchange(&request, &callback).await.unwrap_err();
    assert_eq!(err.oauth_code(), Some("invalid_grant"), "{err:?}");

    let wrong_secret = BlueButton::new(
        Config::new(&client.client_id, "not-the-secret", CALLBACK)
            .unwrap()
            .with_base_url(&app.base_url)
            .unwrap(),
    )
    .unwrap();
    let err = wrong_secret.refresh(&token).await.unwrap_err();
    assert_eq!(
        (err.status(), err.oauth_code()),
        (Some(401), Some("invalid_client")),
        "{err}"
    );
}

#[tokio::test]
async fn without_demographics_patient_and_userinfo_are_403_api_errors() {
    let (app, client) = server().await;
    let sdk = sdk(&app, &client);
    let request = sdk.authorize().unwrap();
    let callback = browser_part(&app, request.url.as_str(), 1, "action=approve").await;
    let mut session = sdk.session(sdk.exchange(&request, &callback).await.unwrap());
    assert!(!session.token().has_scope("profile"));
    for err in [
        session.patient().await.map(|_| ()).unwrap_err(),
        session.userinfo().await.map(|_| ()).unwrap_err(),
    ] {
        match err {
            Error::Api {
                status: 403,
                detail: Some(detail),
                ..
            } => {
                assert!(detail.contains("permission"), "{detail}");
            }
            other => panic!("expected a 403 API error, got {other:?}"),
        }
    }
    assert!(session.explanation_of_benefit().await.is_ok());
}

#[tokio::test]
async fn no_secret_or_token_appears_in_debug_output() {
    let (app, client) = server().await;
    let sdk = sdk(&app, &client);
    let request = sdk.authorize().unwrap();
    let callback = browser_part(&app, request.url.as_str(), 1, APPROVE_ALL).await;
    let token = sdk.exchange(&request, &callback).await.unwrap();
    let session = sdk.session(token.clone());
    let debug = format!(
        "{sdk:?} {request:?} {token:?} {session:?} {:?}",
        sdk.config()
    );
    let secrets = [
        client.client_secret.clone(),
        token.access_token.expose().to_owned(),
        token.refresh_token.as_ref().unwrap().expose().to_owned(),
        request.code_verifier.expose().to_owned(),
    ];
    for secret in &secrets {
        assert!(secret.len() >= 20);
        assert!(
            !debug.contains(secret.as_str()),
            "a secret in Debug output: {debug}"
        );
    }
    assert!(debug.contains("[redacted]"));
    assert!(
        debug.contains(&client.client_id),
        "the client id is not a secret"
    );
}

// --- retries, against a listener of the test's own -------------------------------------------

/// A bundle with one Patient, as a 200 answer.
fn tiny_bundle() -> Value {
    json!({"resourceType": "Bundle", "type": "searchset", "total": 1,
           "link": [{"relation": "self", "url": "/v2/fhir/Patient/"}],
           "entry": [{"resource": {"resourceType": "Patient", "id": "-1"}}]})
}

/// Starts a listener whose FHIR route answers `failures` times with `status` (and
/// `retry_after`, when given) and then 200; its token route always answers 503. Returns its
/// base URL and the count of requests to each.
async fn flaky_server(
    failures: usize,
    status: u16,
    retry_after: Option<&'static str>,
) -> (String, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    let fhir_hits = Arc::new(AtomicUsize::new(0));
    let token_hits = Arc::new(AtomicUsize::new(0));
    let (f, t) = (fhir_hits.clone(), token_hits.clone());
    let router = axum::Router::new()
        .route(
            "/v2/fhir/Patient/",
            axum::routing::get(move || {
                let f = f.clone();
                async move {
                    let n = f.fetch_add(1, Ordering::SeqCst);
                    if n < failures {
                        let mut response = (
                            StatusCode::from_u16(status).unwrap(),
                            axum::Json(json!({"resourceType": "OperationOutcome",
                                "issue": [{"severity": "error", "code": "transient", "diagnostics": "try again"}]})),
                        )
                            .into_response();
                        if let Some(value) = retry_after {
                            response
                                .headers_mut()
                                .insert("retry-after", value.parse().unwrap());
                        }
                        response
                    } else {
                        axum::Json(tiny_bundle()).into_response()
                    }
                }
            }),
        )
        .route(
            "/v2/o/token/",
            axum::routing::post(move || {
                let t = t.clone();
                async move {
                    t.fetch_add(1, Ordering::SeqCst);
                    (StatusCode::SERVICE_UNAVAILABLE, "down")
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{addr}"), fhir_hits, token_hits)
}

fn flaky_client(base: &str, retry: RetrySettings) -> BlueButton {
    let config = Config::new("id", "secret", CALLBACK)
        .unwrap()
        .with_base_url(base)
        .unwrap()
        .with_retry(retry);
    BlueButton::new(config).unwrap()
}

fn some_token() -> AuthToken {
    AuthToken {
        access_token: "access-token-for-the-flaky-server".into(),
        refresh_token: Some("refresh".into()),
        token_type: "Bearer".into(),
        expires_at: DateTime::<Utc>::MAX_UTC,
        scope: vec![],
        patient: Some("-1".into()),
        access_grant_expiration: None,
        id_token: None,
    }
}

fn quick_retries(total: u32) -> RetrySettings {
    RetrySettings {
        total,
        backoff_factor: 0.01,
        max_wait: std::time::Duration::from_secs(2),
        ..RetrySettings::default()
    }
}

#[tokio::test]
async fn a_503_with_retry_after_is_retried_after_the_wait_the_server_asked_for() {
    let (base, fhir_hits, _) = flaky_server(1, 503, Some("1")).await;
    let client = flaky_client(&base, quick_retries(3));
    let started = std::time::Instant::now();
    let bundle = client.session(some_token()).patient().await.unwrap();
    assert_eq!(bundle.total, Some(1));
    assert_eq!(fhir_hits.load(Ordering::SeqCst), 2);
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(950),
        "waited {:?}, not the Retry-After second",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_429_and_502s_are_retried_with_backoff_until_success() {
    let (base, fhir_hits, _) = flaky_server(3, 429, None).await;
    let client = flaky_client(&base, quick_retries(3));
    assert!(client.session(some_token()).patient().await.is_ok());
    assert_eq!(fhir_hits.load(Ordering::SeqCst), 4);

    let (base, fhir_hits, _) = flaky_server(2, 502, None).await;
    let mut no_502 = quick_retries(3);
    no_502.status_forcelist = vec![503];
    let err = flaky_client(&base, no_502)
        .session(some_token())
        .patient()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Api { status: 502, .. }),
        "not in the forcelist: {err:?}"
    );
    assert_eq!(fhir_hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn retries_run_out_with_the_last_outcome_and_token_calls_are_never_retried() {
    let (base, fhir_hits, token_hits) = flaky_server(usize::MAX, 503, None).await;
    let client = flaky_client(&base, quick_retries(2));
    let err = client.session(some_token()).patient().await.unwrap_err();
    match &err {
        Error::RetriesExhausted { attempts: 3, last } => match last.as_ref() {
            Error::Api {
                status: 503,
                outcome: Some(outcome),
                detail,
            } => {
                assert_eq!(outcome.issue[0].code, "transient");
                assert_eq!(detail.as_deref(), Some("try again"));
            }
            other => panic!("last error {other:?}"),
        },
        other => panic!("expected RetriesExhausted, got {other:?}"),
    }
    assert_eq!(err.status(), Some(503));
    assert_eq!(fhir_hits.load(Ordering::SeqCst), 3);

    let err = client.refresh(&some_token()).await.unwrap_err();
    assert!(matches!(err, Error::Http { status: 503, .. }), "{err:?}");
    assert_eq!(
        token_hits.load(Ordering::SeqCst),
        1,
        "one token request, no retry"
    );
}

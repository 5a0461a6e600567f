//! The authorization server over HTTP: the enrollee's journey (authorize → sandbox login →
//! consent → code → tokens → FHIR), refresh rotation, revocation and introspection.

use bb_domain::apps::DataAccessType;
use bb_testkit::oauth::{Pkce, STATE, query_param};
use bb_testkit::{TestApp, spawn_app};
use serde_json::Value;

const REDIRECT: &str = "http://localhost:3001/api/bluebutton/callback/";

async fn sandbox() -> TestApp {
    spawn_app().await.with_sandbox(3).await
}

#[tokio::test]
async fn journey_from_authorize_to_fhir_and_refresh() {
    let app = sandbox().await;
    let client = app
        .register_client("Journey", DataAccessType::ThirteenMonth, true, &[REDIRECT])
        .await;
    let pkce = Pkce::new();
    let browser = app.browser();
    let back = app
        .authorize_through(
            &browser,
            &app.authorize_url(&client, &pkce, ""),
            "BBUser00001",
            "PW00001!",
            "action=approve&share_demographic_scopes=on",
        )
        .await;
    assert!(back.starts_with(REDIRECT), "{back}");
    assert_eq!(query_param(&back, "state").as_deref(), Some(STATE));
    let code = query_param(&back, "code").unwrap();

    let (status, tokens) = app.exchange(&client, &code, &pkce.verifier).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert!(tokens.get("expires_at").is_none());
    let patient = tokens["patient"].as_str().unwrap().to_owned();
    assert_eq!(patient, "-19990000000002");
    // THIRTEEN_MONTH: 13 months after consent (the fake clock starts 2026-12-04T12:00Z).
    assert_eq!(tokens["access_grant_expiration"], "2028-01-04T12:00:00Z");
    let scope = tokens["scope"].as_str().unwrap();
    assert!(
        scope.contains("patient/Patient.read") && scope.contains("profile"),
        "{scope}"
    );
    assert!(
        tokens["id_token"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3)
    );

    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let (status, bundle) = app.bearer_get(&access, "/v2/fhir/Patient/").await;
    assert_eq!(status, 200);
    assert_eq!(bundle["entry"][0]["resource"]["id"], patient.as_str());
    let (status, _) = app
        .bearer_get(&access, "/v2/fhir/ExplanationOfBenefit/")
        .await;
    assert_eq!(status, 200);
    let (status, info) = app.bearer_get(&access, "/v2/connect/userinfo").await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["sub"], patient.as_str());

    // Refresh: new pair; the old access token dies, the old refresh token cannot be reused.
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let (status, renewed) = app
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
        ])
        .await;
    assert_eq!(status, 200, "{renewed}");
    assert_ne!(renewed["access_token"], tokens["access_token"]);
    let (status, _) = app.bearer_get(&access, "/v2/fhir/Patient/").await;
    assert_eq!(status, 401);
    let new_access = renewed["access_token"].as_str().unwrap();
    assert_eq!(
        app.bearer_get(new_access, "/v2/fhir/Coverage/").await.0,
        200
    );
    let (status, again) = app
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
        ])
        .await;
    assert_eq!(
        (status, again["error"].clone()),
        (400, Value::from("invalid_grant"))
    );
}

#[tokio::test]
async fn reads_reach_the_audit_trail_without_waiting_on_the_request() {
    let app = sandbox().await;
    let client = app
        .register_client("Audited", DataAccessType::ResearchStudy, true, &[REDIRECT])
        .await;
    let tokens = app.tokens_for(&client, 2).await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(app.bearer_get(access, "/v2/fhir/Coverage/").await.0, 200);
    let bene: i64 = tokens["patient"].as_str().unwrap().parse().unwrap();
    // The background writer, not a flush, puts the read in the store (it batches every
    // 100 ms); give it a few rounds.
    let mut reads = Vec::new();
    for _ in 0..50 {
        reads = app
            .store
            .audit_events_of(bene, 50)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "read")
            .collect();
        if !reads.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(reads.len(), 1, "{reads:?}");
    assert_eq!(reads[0].detail, "Coverage");
    assert_eq!(reads[0].application_name.as_deref(), Some("Audited"));
    let actions: Vec<String> = app
        .store
        .audit_events_of(bene, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for expected in ["login", "consent", "token"] {
        assert!(actions.iter().any(|a| a == expected), "{actions:?}");
    }
}

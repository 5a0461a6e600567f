//! Error bodies, request ids, limits and security headers.

use bb_testkit::{spawn_app, spawn_app_with};
use bb_web::WebConfig;

#[tokio::test]
async fn unknown_paths_answer_like_bb2() {
    let app = spawn_app().await;
    let response = app.get("/no/such/page?x=1").await;
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(body, serde_json::json!({"detail": "Not found."}));
}

#[tokio::test]
async fn request_ids_are_made_or_kept() {
    let app = spawn_app().await;
    let made = app.get("/health").await;
    let id = made
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let parsed = uuid::Uuid::parse_str(&id).unwrap_or_else(|e| panic!("{id}: {e}"));
    assert_eq!(parsed.get_version_num(), 7);

    let kept = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "trace-abc.123")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        kept.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("trace-abc.123")
    );

    let hostile = "x".repeat(65);
    let replaced = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", &hostile)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let id = replaced
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert_ne!(id, hostile);
    assert!(uuid::Uuid::parse_str(id).is_ok());
}

#[tokio::test]
async fn security_headers_are_set() {
    let app = spawn_app().await;
    let response = app.get("/health").await;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("x-frame-options"), "DENY");
    assert_eq!(header("referrer-policy"), "no-referrer");
    assert!(header("content-security-policy").starts_with("default-src 'none'"));
}

#[tokio::test]
async fn too_many_or_too_large_headers_get_431() {
    let app = spawn_app_with(WebConfig {
        max_headers: 20,
        max_header_bytes: 2048,
        ..WebConfig::default()
    })
    .await;
    let mut many = app.client.get(app.url("/health"));
    for n in 0..25 {
        many = many.header(format!("x-extra-{n}"), "1");
    }
    let response = many.send().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), 431);
    let body: serde_json::Value = response.json().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("at most 20 headers")
    );

    let large = app
        .client
        .get(app.url("/health"))
        .header("x-large", "y".repeat(4096))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(large.status(), 431);

    let fine = app
        .client
        .get(app.url("/health"))
        .header("x-small", "y".repeat(100))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(fine.status(), 200);
}

#[tokio::test]
async fn declared_body_over_the_limit_gets_413() {
    let app = spawn_app_with(WebConfig {
        max_body_bytes: 1024,
        ..WebConfig::default()
    })
    .await;
    let response = app
        .client
        .post(app.url("/health"))
        .body(vec![b'a'; 4096])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), 413);
    let body: serde_json::Value = response.json().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        body["detail"],
        "Request body too large: at most 1024 bytes."
    );
    let small = app
        .client
        .post(app.url("/health"))
        .body(vec![b'a'; 10])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        small.status(),
        405,
        "within the limit the request reaches routing"
    );
}

#[tokio::test]
async fn shutdown_is_graceful() {
    let app = spawn_app().await;
    let response = app.get("/health").await;
    assert_eq!(response.status(), 200);
    let addr = app.addr;
    app.shutdown().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "listener must be closed"
    );
}

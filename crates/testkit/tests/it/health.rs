//! `/health` and `/health/db`.

use bb_proto::HealthReport;
use bb_testkit::spawn_app;

#[tokio::test]
async fn healthy_server_says_all_is_well() {
    let app = spawn_app().await;
    for path in ["/health", "/health/db"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(
            response
                .headers()
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("no-store")
        );
        let report: HealthReport = response.json().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.message, "all's well");
        assert_eq!(report.status, "ok");
        assert!(report.failed.is_empty());
        let names: Vec<&str> = report.checks.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["database", "schema"]);
        assert!(report.checks.iter().all(|c| c.ok));
    }
}

#[tokio::test]
async fn unreachable_database_gives_503_naming_the_check() {
    let app = spawn_app().await;
    app.store.close().await;
    let response = app.get("/health/db").await;
    assert_eq!(response.status(), 503);
    let report: HealthReport = response.json().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.status, "fail");
    assert_eq!(report.failed, vec!["database".to_owned()]);
    assert_eq!(report.message, "unhealthy: database");
    let reason = report.checks[0].reason.clone().unwrap_or_default();
    assert_eq!(reason, "the database does not answer");
}

//! The usage dashboard: FHIR and userinfo calls made with an app's tokens (one an error)
//! are counted per UTC day, written in a batch, and shown to the app's developer as SVG
//! charts and a table; another developer gets 404, a browser without a session the
//! sign-in form.

use bb_domain::apps::DataAccessType;
use bb_testkit::oauth::location;
use bb_testkit::portal::Developer;
use bb_testkit::spawn_app;

const REDIRECT: &str = "http://localhost:3001/callback";

/// The cells of the table row for `date`.
fn row(html: &str, date: &str) -> Vec<String> {
    let at = html
        .find(&format!("<th scope=\"row\">{date}</th>"))
        .unwrap_or_else(|| panic!("no row {date}"));
    let end = at + html[at..].find("</tr>").unwrap();
    html[at..end]
        .split("<td")
        .skip(1)
        .map(|cell| {
            let start = cell.find('>').unwrap() + 1;
            cell[start..cell.find("</td>").unwrap()].to_owned()
        })
        .collect()
}

#[tokio::test]
async fn calls_are_counted_per_day_and_shown_to_the_apps_developer_only() {
    let app = spawn_app().await.with_sandbox(2).await;
    let client = app
        .register_client(
            "Usage App",
            DataAccessType::ThirteenMonth,
            true,
            &[REDIRECT],
        )
        .await;
    let id = app
        .store
        .application_by_client_id(&client.client_id)
        .await
        .unwrap()
        .unwrap()
        .id;
    let first = app.tokens_for(&client, 0).await;
    let token = first["access_token"].as_str().unwrap();
    let patient = first["patient"].as_str().unwrap();
    for (path, status) in [
        (format!("/v2/fhir/Patient/{patient}"), 200),
        ("/v2/fhir/Coverage/".to_owned(), 200),
        ("/v2/fhir/ExplanationOfBenefit/?_count=5".to_owned(), 200),
        (
            "/v2/fhir/ExplanationOfBenefit/carrier-999999999".to_owned(),
            404,
        ),
        ("/v2/connect/userinfo".to_owned(), 200),
    ] {
        assert_eq!(app.bearer_get(token, &path).await.0, status, "{path}");
    }
    // Calls without a valid token are not anyone's.
    assert_eq!(
        app.bearer_get("not-a-token", "/v2/fhir/Coverage/").await.0,
        401
    );
    // A second enrollee, and one call the next day.
    let second = app.tokens_for(&client, 1).await;
    let token2 = second["access_token"].as_str().unwrap();
    assert_eq!(app.bearer_get(token2, "/v2/fhir/Coverage/").await.0, 200);
    app.clock.advance(chrono::Duration::hours(13));
    assert_eq!(
        app.bearer_get(token2, "/v2/fhir/Coverage/").await.0,
        401,
        "expired"
    );
    let fresh = app.tokens_for(&client, 1).await;
    let token3 = fresh["access_token"].as_str().unwrap();
    assert_eq!(app.bearer_get(token3, "/v2/fhir/Coverage/").await.0, 200);

    // The developer who registered it (register_client's account) sees it.
    let browser = app.browser();
    let r = app
        .portal_login(&browser, "dev@example.org", "Correct-Horse-9-battery")
        .await;
    assert_eq!(r.status(), 303);
    let path = format!("/v2/o/applications/{id}/usage");
    let r = browser.get(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        !csp.contains("script") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("<h1>Usage of Usage App</h1>"), "{html}");
    // Day one: 6 requests (one 404), 2 enrollees; day two: 1 request, 1 enrollee.
    assert_eq!(row(&html, "2026-12-04"), ["6", "1", "0", "2"]);
    assert_eq!(row(&html, "2026-12-05"), ["1", "0", "0", "1"]);
    assert_eq!(row(&html, "2026-12-03"), ["0", "0", "0", "0"]);
    assert!(html.contains("<dd id=\"total-requests\">7</dd>"));
    assert!(html.contains("<dd id=\"total-errors\">1</dd>"));
    // Two inline SVG charts with their accessible names and descriptions.
    assert_eq!(html.matches("<svg class=\"chart-svg\"").count(), 2);
    assert!(html.contains("role=\"img\" aria-label=\"Requests per day\""));
    assert!(html.contains("<title id=\"chart-requests-svg-title\">Requests per day</title>"));
    assert!(
        html.contains("<title>Dec 4: 6 requests, 1 error</title>"),
        "{html}"
    );
    assert!(html.contains("<title>Dec 5: 1 enrollee</title>"));
    assert!(
        html.contains("class=\"chart-part\""),
        "errors drawn over the bars"
    );
    assert!(!html.contains("style=") && !html.contains("<script"));
    // 30 days by default; 7 on request (today is the last).
    assert_eq!(html.matches("<th scope=\"row\">").count(), 30);
    let week = browser
        .get(app.url(&format!("{path}?days=7")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(week.matches("<th scope=\"row\">").count(), 7);
    assert!(week.contains("<th scope=\"row\">2026-11-29</th>"));
    assert!(!week.contains("<th scope=\"row\">2026-11-28</th>"));

    // Anyone else: 404, as for an app that does not exist; no session: the sign-in form.
    let other = app.browser();
    app.signed_in_developer(&other, &Developer::new("someone@example.org"))
        .await;
    let r = other.get(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(!r.text().await.unwrap().contains("Usage App"));
    let r = other
        .get(app.url("/v2/o/applications/no-such-app/usage"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = app.browser().get(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/v2/accounts/login");
}

//! The built-in test client at `/testclient/`, driven as a developer's browser: authorize
//! through the real sandbox login and consent, the callback's code exchange, the Patient,
//! Coverage, paged ExplanationOfBenefit and userinfo pages, refresh; a forged state, a
//! missing session, the switch and the redirect URI's origin rules.

use bb_testkit::oauth::{hidden, location, query_param, sandbox_user};
use bb_testkit::{TestApp, spawn_app, spawn_app_custom};
use bb_web::WebConfig;

/// Text of the element with `id` (up to its first `<`).
fn by_id(html: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let start = at + html[at..].find('>').unwrap() + 1;
    let end = start + html[start..].find('<').unwrap();
    html[start..end]
        .replace("&#38;", "&")
        .replace("&#34;", "\"")
        .replace("&#47;", "/")
}

/// `href` of the link with `id`.
fn href(html: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let tag_start = html[..at].rfind('<').unwrap();
    let tag = &html[tag_start..at + html[at..].find('>').unwrap()];
    tag.split("href=\"")
        .nth(1)
        .and_then(|v| v.split('"').next())
        .unwrap()
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

async fn page(app: &TestApp, browser: &reqwest::Client, path: &str) -> String {
    let r = browser.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200, "GET {path}");
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    assert_eq!(r.headers()["cache-control"], "no-store");
    r.text().await.unwrap()
}

/// Authorizes the test client as `BBUser<n>` in `browser`; returns the callback URL the
/// authorization server sent the browser to (code and state in it).
async fn authorize(app: &TestApp, browser: &reqwest::Client, n: u32) -> String {
    let r = browser
        .get(app.url("/testclient/authorize"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("bb_testclient="))
        .expect("the session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let to = location(&r);
    assert!(
        to.starts_with(&format!("{}/v2/o/authorize/?", app.base_url)),
        "{to}"
    );
    assert_eq!(
        query_param(&to, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert_eq!(
        query_param(&to, "redirect_uri"),
        Some(format!("{}/testclient/callback", app.base_url))
    );
    let (user, password) = sandbox_user(n);
    let back = app
        .authorize_through(
            browser,
            &to,
            &user,
            &password,
            "action=approve&share_demographic_scopes=on",
        )
        .await;
    assert!(
        back.starts_with(&format!("{}/testclient/callback?", app.base_url)),
        "{back}"
    );
    back
}

#[tokio::test]
async fn authorize_then_patient_coverage_eob_pages_userinfo_and_refresh() {
    let app = spawn_app().await.with_sandbox(2).await;
    let browser = app.browser();
    let start = page(&app, &browser, "/testclient/").await;
    assert_eq!(href(&start, "authorize-link"), "/testclient/authorize");
    assert_eq!(
        by_id(&start, "testclient-callback"),
        format!("{}/testclient/callback", app.base_url)
    );

    let back = authorize(&app, &browser, 0).await;
    let r = browser.get(&back).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/testclient/?done=authorized");
    let home = page(&app, &browser, "/testclient/?done=authorized").await;
    let patient = by_id(&home, "token-patient");
    assert!(patient.parse::<i64>().is_ok(), "{patient}");
    assert!(
        by_id(&home, "token-scope").contains("patient/Patient.read")
            || home.contains("patient/Patient"),
        "{home}"
    );
    assert_eq!(by_id(&home, "token-expires"), "2026-12-04T13:00:00Z");
    // The same enrollee through the API directly, for comparison.
    let bene: i64 = patient.parse().unwrap();
    let direct = app.services.fhir.issue_token_for_tests(bene).await.unwrap();
    let (status, expected) = app
        .bearer_get(&direct, &format!("/v2/fhir/Patient/{patient}"))
        .await;
    assert_eq!(status, 200);

    // Patient: the call made (no token in it), a summary, the JSON.
    let html = page(&app, &browser, "/testclient/patient").await;
    assert_eq!(
        by_id(&html, "request-url"),
        format!("GET {}/v2/fhir/Patient/{patient}", app.base_url)
    );
    assert_eq!(by_id(&html, "response-status"), "200");
    let family = expected["name"][0]["family"].as_str().unwrap();
    assert!(html.contains(family), "the name is summarised");
    assert!(
        html.contains("&#34;resourceType&#34;: &#34;Patient&#34;"),
        "escaped JSON"
    );
    assert!(html.contains(&format!("&#34;id&#34;: &#34;{patient}&#34;")));
    assert!(!html.contains("access_token") && !html.contains("Bearer"));

    // Coverage: the parts.
    let html = page(&app, &browser, "/testclient/coverage").await;
    assert_eq!(
        by_id(&html, "request-url"),
        format!("GET {}/v2/fhir/Coverage/", app.base_url)
    );
    assert!(html.contains("Part A ("), "{html}");
    assert!(html.contains("&#34;resourceType&#34;: &#34;Bundle&#34;"));

    // ExplanationOfBenefit, two claims a page: page 1 links to page 2 and back.
    let html = page(&app, &browser, "/testclient/eob?_count=2").await;
    assert!(
        by_id(&html, "request-url")
            .ends_with("/v2/fhir/ExplanationOfBenefit/?startIndex=0&_count=2")
    );
    let (_, all) = app
        .bearer_get(&direct, "/v2/fhir/ExplanationOfBenefit/?_count=2")
        .await;
    let total = all["total"].as_i64().unwrap();
    assert!(total > 2, "the enrollee has claims on more than one page");
    assert!(
        html.contains(&format!("<dt>Claims in all</dt><dd>{total}</dd>")),
        "{html}"
    );
    assert!(html.contains("<dt>On this page</dt><dd>2</dd>"));
    assert!(!html.contains("id=\"page-previous\""));
    let next = href(&html, "page-next");
    assert_eq!(next, "/testclient/eob?startIndex=2&_count=2");
    let html = page(&app, &browser, &next).await;
    assert!(by_id(&html, "request-url").ends_with("?startIndex=2&_count=2"));
    assert_eq!(
        href(&html, "page-previous"),
        "/testclient/eob?startIndex=0&_count=2"
    );

    // Userinfo.
    let html = page(&app, &browser, "/testclient/userinfo").await;
    assert_eq!(by_id(&html, "response-status"), "200");
    assert!(
        html.contains(&format!("<dt>Patient</dt><dd>{patient}</dd>")),
        "{html}"
    );

    // Refresh: a POST with the session's CSRF value; a new token with a new end.
    app.clock.advance(chrono::Duration::minutes(30));
    let home = page(&app, &browser, "/testclient/").await;
    let csrf = hidden(&home, "csrf_token");
    let r = browser
        .post(app.url("/testclient/refresh"))
        .form(&[("csrf_token", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = browser
        .post(app.url("/testclient/refresh"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/testclient/?done=refreshed");
    let home = page(&app, &browser, "/testclient/?done=refreshed").await;
    assert_eq!(by_id(&home, "token-expires"), "2026-12-04T13:30:00Z");
    assert_eq!(by_id(&home, "token-refreshed"), "1 times");
    assert!(
        home.contains("the new access token ends at 2026-12-04T13:30:00Z"),
        "{home}"
    );
    // The refreshed token works.
    let html = page(&app, &browser, "/testclient/patient").await;
    assert_eq!(by_id(&html, "response-status"), "200");

    // The test client is an ordinary sandbox app of a built-in owner, its secret stored
    // only as a hash.
    let client_id = query_param(
        &location(
            &browser
                .get(app.url("/testclient/authorize"))
                .send()
                .await
                .unwrap(),
        ),
        "client_id",
    )
    .unwrap();
    let stored = app
        .store
        .application_by_client_id(&client_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.name, "Blue Button test client");
    assert_eq!(stored.environment, "sandbox");
    assert_eq!(stored.data_access_type, "THIRTEEN_MONTH");
    assert!(stored.require_demographic_scopes);
    assert_eq!(stored.client_secret_sha256.len(), 32);
    assert_eq!(
        stored.redirect_uris,
        [format!("{}/testclient/callback", app.base_url)]
    );
}

#[tokio::test]
async fn a_forged_state_is_refused_and_pages_need_a_session() {
    let app = spawn_app().await.with_sandbox(1).await;
    // Without a session every data page sends the browser to the start.
    let stranger = app.browser();
    for path in [
        "/testclient/patient",
        "/testclient/coverage",
        "/testclient/eob",
        "/testclient/userinfo",
    ] {
        let r = stranger.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 303, "{path}");
        assert_eq!(location(&r), "/testclient/");
    }
    let r = stranger
        .post(app.url("/testclient/refresh"))
        .form(&[("csrf_token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // A callback in a browser that started nothing.
    let r = stranger
        .get(app.url("/testclient/callback?code=abc&state=def"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    let browser = app.browser();
    let back = authorize(&app, &browser, 0).await;
    let code = query_param(&back, "code").unwrap();
    let forged = format!("/testclient/callback?code={code}&state=forged-state-0123456789");
    let r = browser.get(app.url(&forged)).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(html.contains("The state does not match"), "{html}");
    // The attempt is spent: even the right state is refused now, and nothing was kept.
    let r = browser.get(&back).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let r = browser
        .get(app.url("/testclient/patient"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // A denied authorization is reported, not exchanged.
    let other = app.browser();
    let r = other
        .get(app.url("/testclient/authorize"))
        .send()
        .await
        .unwrap();
    let to = location(&r);
    let (user, password) = sandbox_user(0);
    let back = app
        .authorize_through(&other, &to, &user, &password, "action=deny")
        .await;
    assert_eq!(
        query_param(&back, "error").as_deref(),
        Some("access_denied")
    );
    let r = other.get(&back).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("access_denied"));
}

#[tokio::test]
async fn redirect_uri_comes_from_the_issuer_or_a_loopback_origin_only() {
    // A public Host header without a configured issuer: refused.
    let app = spawn_app().await;
    let r = app
        .client
        .get(app.url("/testclient/authorize"))
        .header("host", "sandbox.evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = app
        .client
        .get(app.url("/testclient/"))
        .header("x-forwarded-host", "sandbox.evil.example")
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"testclient-origin\"") && !html.contains("evil"),
        "{html}"
    );
    // With `[oauth] issuer` the issuer names it, whatever the Host header says.
    let app = spawn_app_custom("127.0.0.1:0", WebConfig::default(), |s| {
        s.with_issuer("https://sandbox.bluebutton.example".into())
    })
    .await;
    let r = app
        .client
        .get(app.url("/testclient/authorize"))
        .header("host", "sandbox.evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let to = location(&r);
    assert!(
        to.starts_with("https://sandbox.bluebutton.example/v2/o/authorize/?"),
        "{to}"
    );
    assert_eq!(
        query_param(&to, "redirect_uri").as_deref(),
        Some("https://sandbox.bluebutton.example/testclient/callback")
    );
    // Switched off: not there at all.
    let app = spawn_app_custom("127.0.0.1:0", WebConfig::default(), |s| {
        s.with_testclient(false)
    })
    .await;
    for path in [
        "/testclient/",
        "/testclient/authorize",
        "/testclient/patient",
    ] {
        assert_eq!(app.get(path).await.status(), 404, "{path}");
    }
}

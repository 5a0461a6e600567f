//! The developer docs under `/docs/`: the guide pages, the data dictionary's search and
//! detail pages, the OpenAPI document and Swagger UI, and their security headers; the
//! documented token and introspection shapes against what the server really answers.

use bb_domain::apps::DataAccessType;
use bb_testkit::oauth::basic_auth;
use bb_testkit::spawn_app;
use serde_json::Value;

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

async fn page(app: &bb_testkit::TestApp, path: &str) -> (u16, String, String) {
    let r = app.get(path).await;
    let status = r.status().as_u16();
    let csp = header(&r, "content-security-policy");
    (status, csp, r.text().await.unwrap())
}

#[tokio::test]
async fn guide_pages_answer_with_their_headings_and_a_script_free_policy() {
    let app = spawn_app().await;
    for (path, heading) in [
        ("/docs", "Blue Button 2.0 API documentation"),
        ("/docs/", "Blue Button 2.0 API documentation"),
        ("/docs/getting-started", "Getting started"),
        ("/docs/authorization", "Authorization"),
        ("/docs/fhir/patient", "FHIR guide: Patient"),
        ("/docs/fhir/coverage", "FHIR guide: Coverage"),
        (
            "/docs/fhir/explanation-of-benefit",
            "FHIR guide: ExplanationOfBenefit",
        ),
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert!(
            header(&r, "content-type").starts_with("text/html"),
            "{path}"
        );
        let csp = header(&r, "content-security-policy");
        assert!(csp.contains("style-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("script-src"), "{path}: {csp}");
        let html = r.text().await.unwrap();
        assert!(html.contains(&format!("<h1>{heading}</h1>")), "{path}");
        assert!(!html.contains("<script"), "{path}");
        assert!(html.contains("aria-label=\"Documentation\""), "{path}");
    }
    let (status, _, html) = page(&app, "/docs/fhir/claims").await;
    assert_eq!(status, 404);
    assert!(html.contains("Page not found"));
}

#[tokio::test]
async fn fhir_guides_show_the_servers_own_answer_for_the_sandbox_enrollee() {
    // The example is what this server renders for BBUser00000 of a seed-1 sandbox.
    let app = spawn_app().await.with_sandbox(1).await;
    let bene = -19_990_000_000_001_i64;
    let token = app.services.fhir.issue_token_for_tests(bene).await.unwrap();
    let (status, served) = app
        .bearer_get(&token, &format!("/v2/fhir/Patient/{bene}"))
        .await;
    assert_eq!(status, 200);
    let (_, _, html) = page(&app, "/docs/fhir/patient").await;
    let start = html
        .find("<pre class=\"code\" id=\"example-json\"")
        .unwrap();
    let code = &html[start..];
    let json = &code[code.find("<code>").unwrap() + 6..code.find("</code>").unwrap()];
    let json = json
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let shown: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(shown["resourceType"], "Patient");
    assert_eq!(shown["id"], served["id"]);
    assert_eq!(shown["name"], served["name"]);
    assert_eq!(shown["birthDate"], served["birthDate"]);
}

#[tokio::test]
async fn the_dictionary_searches_names_labels_and_code_meanings_without_script() {
    let app = spawn_app().await;
    let (status, csp, html) = page(&app, "/docs/data-dictionary").await;
    assert_eq!(status, 200);
    assert!(csp.contains("form-action 'self'"));
    assert!(html.contains("<form class=\"form\" method=\"get\" action=\"/docs/data-dictionary\""));
    assert!(html.contains("variables match"));
    assert!(html.contains("id=\"next-page\""));

    // A variable by name, any case: it comes first.
    let (status, _, html) = page(&app, "/docs/data-dictionary?q=bene_id").await;
    assert_eq!(status, 200);
    let results = &html[html.find("id=\"results\"").unwrap()..];
    let first = results.find("/docs/data-dictionary/").unwrap();
    assert!(results[first..].starts_with("/docs/data-dictionary/BENE_ID\""));

    // A code's meaning finds its variable.
    let (_, _, html) = page(&app, "/docs/data-dictionary?q=Non-assigned+claim").await;
    assert!(
        html.contains("href=\"/docs/data-dictionary/ASGMNTCD\""),
        "{html}"
    );

    // Nothing matches: the count says so, the query is kept (escaped) in the form.
    let (status, _, html) = page(&app, "/docs/data-dictionary?q=%3Cno+such%3E").await;
    assert_eq!(status, 200);
    assert!(html.contains("No variable matches"));
    assert!(
        html.contains("value=\"&#60;no such&#62;\"") || html.contains("value=\"&lt;no such&gt;\"")
    );
    assert!(!html.contains("<no such>"));

    // A page past the end shows the last page; a bad page number the first.
    let (status, _, html) = page(&app, "/docs/data-dictionary?q=code&page=9999").await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"previous-page\""));
    let (status, _, _) = page(&app, "/docs/data-dictionary?page=x").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_variable_page_has_its_description_codes_and_fhir_mapping() {
    let app = spawn_app().await;
    let (status, _, html) = page(&app, "/docs/data-dictionary/BENE_RACE_CD").await;
    assert_eq!(status, 200);
    assert!(html.contains("<code>BENE_RACE_CD</code>: Beneficiary Race Code"));
    assert!(html.contains("<td><code>1</code></td><td>White</td>"));
    // A listing's column name reaches the variable, with its FHIR mapping.
    let (status, _, html) = page(&app, "/docs/data-dictionary/bene_enrollmt_ref_yr").await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"mappings\""));
    assert!(html.contains("coverage.extension[N].valueCoding.code"));
    let (status, _, _) = page(&app, "/docs/data-dictionary/NO_SUCH_VARIABLE").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_openapi_document_is_3_1_and_names_every_api_path() {
    let app = spawn_app().await;
    let r = app.get("/docs/openapi.json").await;
    assert_eq!(r.status(), 200);
    assert!(header(&r, "content-type").starts_with("application/json"));
    let doc: Value = r.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1."));
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/v2/fhir/metadata",
        "/v2/fhir/Patient",
        "/v2/fhir/Patient/{id}",
        "/v2/fhir/Coverage",
        "/v2/fhir/Coverage/{id}",
        "/v2/fhir/ExplanationOfBenefit",
        "/v2/fhir/ExplanationOfBenefit/{id}",
        "/v2/o/authorize/",
        "/v2/o/token/",
        "/v2/o/revoke_token/",
        "/v2/o/revoke/",
        "/v2/o/introspect/",
        "/v2/connect/userinfo",
        "/.well-known/openid-configuration",
        "/.well-known/openid-configuration-v2",
        "/v2/connect/.well-known/openid-configuration",
        "/v2/fhir/.well-known/smart-configuration",
        "/.well-known/jwks.json",
        "/health",
        "/health/db",
        "/docs/openapi.json",
        "/docs/data-dictionary",
    ] {
        assert!(paths.contains_key(path), "{path} missing");
    }
    let eob = &paths["/v2/fhir/ExplanationOfBenefit"]["get"];
    assert_eq!(
        eob["security"][0]["smart"][0],
        "patient/ExplanationOfBenefit.read"
    );
    let scopes =
        doc["components"]["securitySchemes"]["smart"]["flows"]["authorizationCode"]["scopes"]
            .as_object()
            .unwrap();
    let discovery: Value = app
        .get("/v2/fhir/.well-known/smart-configuration")
        .await
        .json()
        .await
        .unwrap();
    for scope in discovery["scopes_supported"].as_array().unwrap() {
        assert!(scopes.contains_key(scope.as_str().unwrap()), "{scope}");
    }
}

#[tokio::test]
async fn the_documented_token_and_introspection_fields_are_what_the_server_sends() {
    let app = spawn_app().await.with_sandbox(1).await;
    let client = app
        .register_client(
            "Docs",
            DataAccessType::ThirteenMonth,
            true,
            &["http://127.0.0.1:9/cb"],
        )
        .await;
    let doc: Value = app.get("/docs/openapi.json").await.json().await.unwrap();
    let schema = |name: &str| {
        doc["components"]["schemas"][name]["properties"]
            .as_object()
            .unwrap()
            .clone()
    };
    let tokens = app.tokens_for(&client, 0).await;
    let documented = schema("TokenResponseBody");
    for key in tokens.as_object().unwrap().keys() {
        assert!(
            documented.contains_key(key),
            "token response field {key} undocumented"
        );
    }
    let access = tokens["access_token"].as_str().unwrap();
    let r = app
        .client
        .post(app.url("/v2/o/introspect/"))
        .header("authorization", basic_auth(&client))
        .form(&[("token", access)])
        .send()
        .await
        .unwrap();
    let introspection: Value = r.json().await.unwrap();
    assert_eq!(introspection["active"], true);
    let documented = schema("IntrospectionBody");
    for key in introspection.as_object().unwrap().keys() {
        assert!(
            documented.contains_key(key),
            "introspection field {key} undocumented"
        );
    }
    let (status, userinfo) = app.bearer_get(access, "/v2/connect/userinfo").await;
    assert_eq!(status, 200);
    let documented = schema("UserInfoBody");
    for key in userinfo.as_object().unwrap().keys() {
        assert!(
            documented.contains_key(key),
            "userinfo field {key} undocumented"
        );
    }
}

#[tokio::test]
async fn swagger_ui_is_served_from_the_binary_under_its_own_policy() {
    let app = spawn_app().await;
    let r = app.get("/docs/openapi").await;
    assert!(r.status().is_redirection());
    assert_eq!(header(&r, "location"), "/docs/openapi/");
    let r = app.get("/docs/openapi/").await;
    assert_eq!(r.status(), 200);
    let csp = header(&r, "content-security-policy");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("http"), "{csp}");
    assert_eq!(header(&r, "x-frame-options"), "DENY");
    let html = r.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );
    // Its scripts come from the binary; the initializer points at our document.
    let r = app.get("/docs/openapi/swagger-initializer.js").await;
    assert_eq!(r.status(), 200);
    let js = r.text().await.unwrap();
    assert!(js.contains("/docs/openapi.json"), "{js}");
    assert!(!js.contains("https://"), "{js}");
    let r = app.get("/docs/openapi/swagger-ui-bundle.js").await;
    assert_eq!(r.status(), 200);
    // Its index.css is ours: contrast fixes and no unlabelled dark-mode toggle; and no
    // deep links (a link inside each operation's button).
    let r = app.get("/docs/openapi/index.css").await;
    assert_eq!(r.status(), 200);
    assert!(header(&r, "content-type").starts_with("text/css"));
    let css = r.text().await.unwrap();
    assert!(css.contains(".dark-mode-toggle { display: none"), "{css}");
    assert!(js.contains("\"deepLinking\": false"), "{js}");
    // The API keeps its own, stricter policy.
    let r = app.get("/health").await;
    assert_eq!(
        header(&r, "content-security-policy"),
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
    );
}

#[tokio::test]
async fn the_portal_links_to_the_docs() {
    let app = spawn_app().await;
    let (status, _, html) = page(&app, "/v2/accounts/login").await;
    assert_eq!(status, 200);
    assert!(html.contains("<a href=\"/docs/\" id=\"nav-docs\">Docs</a>"));
}

#[tokio::test]
#[ignore = "scripts/test runs it with BLUEBUTTON_OPENAPI_DUMP, then tests/validators/validate_openapi.py"]
async fn dump_openapi_document() {
    let target = std::env::var("BLUEBUTTON_OPENAPI_DUMP").expect("BLUEBUTTON_OPENAPI_DUMP");
    let app = spawn_app().await;
    let r = app.get("/docs/openapi.json").await;
    assert_eq!(r.status(), 200);
    let body = r.bytes().await.unwrap();
    serde_json::from_slice::<Value>(&body).unwrap();
    std::fs::write(target, &body).unwrap();
}

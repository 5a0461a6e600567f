//! More of the authorization server over HTTP, the accepting side: the Python SDK's PKCE,
//! native-app redirect URIs, the ways a client may authenticate and send its body, scope
//! narrowing on refresh, data access types, Spanish pages, the enrollee's connected apps,
//! discovery and the ID token.

use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use bb_domain::apps::DataAccessType;
use bb_testkit::oauth::{
    Client, Pkce, STATE, basic_auth, encode, hidden, jwt_header, location, query_param,
    sandbox_user,
};
use bb_testkit::{TestApp, spawn_app};
use reqwest::header::{ACCEPT_LANGUAGE, HeaderMap, HeaderValue};
use serde_json::Value;
use sha2::{Digest, Sha256};

const REDIRECT: &str = "http://localhost:3001/api/bluebutton/callback/";

async fn sandbox() -> TestApp {
    spawn_app().await.with_sandbox(3).await
}

async fn client(app: &TestApp) -> Client {
    app.register_client("More", DataAccessType::ThirteenMonth, true, &[REDIRECT])
        .await
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("no {key} in {v}"))
}

async fn send(request: reqwest::RequestBuilder) -> (u16, HeaderMap, Value) {
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.json().await.unwrap_or(Value::Null))
}

/// The code-exchange fields without client credentials.
fn code_fields<'a>(code: &'a str, pkce: &'a Pkce) -> Vec<(&'a str, &'a str)> {
    vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", pkce.verifier.as_str()),
    ]
}

async fn works(app: &TestApp, tokens: &Value) {
    assert_eq!(
        app.bearer_get(str_of(tokens, "access_token"), "/v2/fhir/Coverage/")
            .await
            .0,
        200
    );
}

// ------------------------------------------------------------------------------ PKCE, redirect URIs

#[tokio::test]
async fn python_sdk_padded_challenge_and_verifier_work() {
    let app = sandbox().await;
    let client = client(&app).await;
    // The Python SDK: a 44-character verifier ending in '=', a padded challenge.
    let verifier = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=";
    assert_eq!(verifier.len(), 44);
    let challenge = URL_SAFE.encode(Sha256::digest(verifier.as_bytes()));
    assert!(challenge.ends_with('=') && challenge.len() == 44);
    let pkce = Pkce {
        verifier: verifier.to_owned(),
        challenge: encode(&challenge),
    };
    let code = app.code_for(&client, &pkce, 1).await;
    let (status, tokens) = app.exchange(&client, &code, verifier).await;
    assert_eq!(status, 200, "{tokens}");
    works(&app, &tokens).await;
}

#[tokio::test]
async fn custom_scheme_redirect_works_end_to_end() {
    let app = sandbox().await;
    let native = "com.example.app:/oauth2redirect";
    let client = app
        .register_client("Native", DataAccessType::ThirteenMonth, true, &[native])
        .await;
    let pkce = Pkce::new();
    let (user, password) = sandbox_user(1);
    let back = app
        .authorize_through(
            &app.browser(),
            &app.authorize_url(&client, &pkce, ""),
            &user,
            &password,
            "action=approve&share_demographic_scopes=on",
        )
        .await;
    assert!(back.starts_with(&format!("{native}?code=")), "{back}");
    assert_eq!(query_param(&back, "state").as_deref(), Some(STATE));
    let code = query_param(&back, "code").unwrap();
    let (status, tokens) = app.exchange(&client, &code, &pkce.verifier).await;
    assert_eq!(status, 200, "{tokens}");
    works(&app, &tokens).await;
}

#[tokio::test]
async fn second_registered_redirect_uri_works() {
    let app = sandbox().await;
    let second = "http://127.0.0.1:8080/callback?app=1";
    let mut client = app
        .register_client(
            "Two URIs",
            DataAccessType::ThirteenMonth,
            true,
            &[REDIRECT, second],
        )
        .await;
    client.redirect_uri = second.to_owned();
    let pkce = Pkce::new();
    let code = app.code_for(&client, &pkce, 1).await;
    let (status, tokens) = app.exchange(&client, &code, &pkce.verifier).await;
    assert_eq!(status, 200, "{tokens}");
}

// ------------------------------------------------------------------------------ client authentication, bodies

#[tokio::test]
async fn basic_auth_works() {
    let app = sandbox().await;
    let client = client(&app).await;
    let pkce = Pkce::new();
    let code = app.code_for(&client, &pkce, 1).await;
    let (status, headers, tokens) = send(
        app.client
            .post(app.url("/v2/o/token/"))
            .header("authorization", basic_auth(&client))
            .form(&code_fields(&code, &pkce)),
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(headers["cache-control"], "no-store");
    works(&app, &tokens).await;
    // Basic on refresh too.
    let (status, _, renewed) = send(
        app.client
            .post(app.url("/v2/o/token"))
            .header("authorization", basic_auth(&client))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", str_of(&tokens, "refresh_token")),
            ]),
    )
    .await;
    assert_eq!(status, 200, "{renewed}");
}

#[tokio::test]
async fn basic_with_the_matching_body_client_id_works() {
    let app = sandbox().await;
    let client = client(&app).await;
    let pkce = Pkce::new();
    let code = app.code_for(&client, &pkce, 1).await;
    let mut fields = code_fields(&code, &pkce);
    fields.push(("client_id", &client.client_id));
    let (status, _, tokens) = send(
        app.client
            .post(app.url("/v2/o/token/"))
            .header("authorization", basic_auth(&client))
            .form(&fields),
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
}

#[tokio::test]
async fn a_stale_bearer_header_beside_body_credentials_is_ignored() {
    let app = sandbox().await;
    let client = client(&app).await;
    let pkce = Pkce::new();
    let code = app.code_for(&client, &pkce, 1).await;
    let mut fields = code_fields(&code, &pkce);
    fields.push(("client_id", &client.client_id));
    fields.push(("client_secret", &client.client_secret));
    let (status, _, tokens) = send(
        app.client
            .post(app.url("/v2/o/token/"))
            .header("authorization", "Bearer xyz")
            .form(&fields),
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
}

#[tokio::test]
async fn multipart_body_works() {
    let app = sandbox().await;
    let client = client(&app).await;
    let pkce = Pkce::new();
    let code = app.code_for(&client, &pkce, 1).await;
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in code_fields(&code, &pkce) {
        form = form.text(k.to_owned(), v.to_owned());
    }
    form = form
        .text("client_id", client.client_id.clone())
        .text("client_secret", client.client_secret.clone());
    let (status, _, tokens) = send(app.client.post(app.url("/v2/o/token/")).multipart(form)).await;
    assert_eq!(status, 200, "{tokens}");
    // Refresh the Python SDK's way too: multipart with a stale Bearer header.
    let form = reqwest::multipart::Form::new()
        .text("grant_type", "refresh_token")
        .text("refresh_token", str_of(&tokens, "refresh_token").to_owned())
        .text("client_id", client.client_id.clone())
        .text("client_secret", client.client_secret.clone());
    let (status, _, renewed) = send(
        app.client
            .post(app.url("/v2/o/token/"))
            .bearer_auth(str_of(&tokens, "access_token"))
            .multipart(form),
    )
    .await;
    assert_eq!(status, 200, "{renewed}");
    works(&app, &renewed).await;
}

#[tokio::test]
async fn form_body_with_a_charset_works() {
    let app = sandbox().await;
    let client = client(&app).await;
    let pkce = Pkce::new();
    let code = app.code_for(&client, &pkce, 1).await;
    let body = format!(
        "grant_type=authorization_code&code={code}&redirect_uri={}&code_verifier={}&client_id={}&client_secret={}",
        encode(REDIRECT),
        encode(&pkce.verifier),
        client.client_id,
        encode(&client.client_secret)
    );
    let (status, _, tokens) = send(
        app.client
            .post(app.url("/v2/o/token/"))
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=UTF-8",
            )
            .body(body),
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
}

// ------------------------------------------------------------------------------ refresh, access types

#[tokio::test]
async fn refresh_may_narrow_rs_to_r() {
    let app = sandbox().await;
    let client = client(&app).await;
    let tokens = app.tokens_for(&client, 1).await;
    let access = str_of(&tokens, "access_token");
    let (status, bundle) = app
        .bearer_get(access, "/v2/fhir/ExplanationOfBenefit/")
        .await;
    assert_eq!(status, 200);
    let eob = bundle["entry"][0]["resource"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let (status, narrowed) = app
        .refresh(
            &client,
            str_of(&tokens, "refresh_token"),
            Some("patient/ExplanationOfBenefit.r"),
        )
        .await;
    assert_eq!(status, 200, "{narrowed}");
    assert_eq!(narrowed["scope"], "patient/ExplanationOfBenefit.r");
    let access = str_of(&narrowed, "access_token");
    let (status, body) = app
        .bearer_get(access, &format!("/v2/fhir/ExplanationOfBenefit/{eob}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["id"], eob.as_str());
    for path in [
        "/v2/fhir/ExplanationOfBenefit/",
        "/v2/fhir/Coverage/",
        "/v2/fhir/Patient/",
        "/v2/connect/userinfo",
    ] {
        let (status, body) = app.bearer_get(access, path).await;
        assert_eq!(status, 403, "{path}: {body}");
        assert_eq!(
            body["detail"],
            "You do not have permission to perform this action."
        );
    }
    // The narrowed refresh token cannot widen back.
    let (status, body) = app
        .refresh(
            &client,
            str_of(&narrowed, "refresh_token"),
            Some("patient/ExplanationOfBenefit.rs"),
        )
        .await;
    assert_eq!(
        (status, body["error"].clone()),
        (400, "invalid_scope".into())
    );
}

#[tokio::test]
async fn research_study_grant_never_ends() {
    let app = sandbox().await;
    let client = app
        .register_client("Study", DataAccessType::ResearchStudy, true, &[REDIRECT])
        .await;
    let tokens = app.tokens_for(&client, 1).await;
    assert_eq!(tokens["access_grant_expiration"], "");
    // Years later the refresh token still works.
    app.clock.advance(chrono::Duration::days(3 * 366));
    let (status, renewed) = app
        .refresh(&client, str_of(&tokens, "refresh_token"), None)
        .await;
    assert_eq!(status, 200, "{renewed}");
    assert_eq!(renewed["access_grant_expiration"], "");
    assert_eq!(renewed["expires_in"], 3600);
    works(&app, &renewed).await;
}

#[tokio::test]
async fn userinfo_names_the_enrollee() {
    let app = sandbox().await;
    let client = client(&app).await;
    let tokens = app.tokens_for(&client, 1).await;
    let (status, info) = app
        .bearer_get(str_of(&tokens, "access_token"), "/v2/connect/userinfo")
        .await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["sub"], tokens["patient"]);
    assert_eq!(info["patient"], tokens["patient"]);
    assert!(!str_of(&info, "family_name").is_empty(), "{info}");
    assert_eq!(info["email"], "");
}

// ------------------------------------------------------------------------------ languages

fn browser_with_language(language: &'static str) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT_LANGUAGE, HeaderValue::from_static(language));
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap()
}

/// The login and consent pages of one flow.
async fn pages(app: &TestApp, browser: &reqwest::Client, url: &str) -> (String, String) {
    let r = browser.get(url).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let login = browser
        .get(app.url(&location(&r)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (user, password) = sandbox_user(1);
    let (_, consent) = app.login_through(browser, url, &user, &password).await;
    (login, consent)
}

#[tokio::test]
async fn lang_es_gives_spanish_login_and_consent() {
    let app = sandbox().await;
    let client = client(&app).await;
    let url = app.authorize_url(&client, &Pkce::new(), "lang=es");
    let (login, consent) = pages(&app, &app.browser(), &url).await;
    assert!(login.contains("<html lang=\"es\">"), "{login}");
    assert!(consent.contains("<html lang=\"es\">"), "{consent}");
    assert!(consent.contains("id=\"approve\"") && consent.contains("id=\"deny\""));
    // And English by default.
    let url = app.authorize_url(&client, &Pkce::new(), "");
    let (login, consent) = pages(&app, &app.browser(), &url).await;
    assert!(login.contains("<html lang=\"en\">"));
    assert!(consent.contains("<html lang=\"en\">"));
}

#[tokio::test]
async fn accept_language_es_mx_gives_spanish() {
    let app = sandbox().await;
    let client = client(&app).await;
    let url = app.authorize_url(&client, &Pkce::new(), "");
    let browser = browser_with_language("es-MX,es;q=0.9,en;q=0.8");
    let (login, consent) = pages(&app, &browser, &url).await;
    assert!(login.contains("<html lang=\"es\">"), "{login}");
    assert!(consent.contains("<html lang=\"es\">"), "{consent}");
    // The query parameter wins over the header.
    let url = app.authorize_url(&client, &Pkce::new(), "lang=en");
    let (login, consent) = pages(&app, &browser, &url).await;
    assert!(login.contains("<html lang=\"en\">"));
    assert!(consent.contains("<html lang=\"en\">"));
}

// ------------------------------------------------------------------------------ connected apps

#[tokio::test]
async fn connected_apps_list_reads_and_revoke() {
    let app = sandbox().await;
    let client = app
        .register_client(
            "Reader App",
            DataAccessType::ThirteenMonth,
            true,
            &[REDIRECT],
        )
        .await;
    let tokens = app.tokens_for(&client, 1).await;
    let access = str_of(&tokens, "access_token");

    let browser = app.browser();
    let r = app.enrollee_sign_in(&browser, 1).await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/mymedicare/connected-apps"));
    let page = |browser: reqwest::Client| {
        let url = app.url("/mymedicare/connected-apps");
        async move {
            let r = browser.get(url).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.text().await.unwrap()
        }
    };
    let html = page(browser.clone()).await;
    assert!(html.contains("Reader App"), "{html}");
    let grant_id = hidden(&html, "grant_id");
    assert!(html.contains(&format!("id=\"app-{grant_id}\"")));

    assert_eq!(
        app.bearer_get(access, "/v2/fhir/ExplanationOfBenefit/")
            .await
            .0,
        200
    );
    let html = page(browser.clone()).await;
    let reads = &html[html.find("id=\"reads\"").expect("a reads table")..];
    assert!(reads.contains("Reader App"), "{reads}");
    assert!(reads.contains("ExplanationOfBenefit"), "{reads}");

    let r = browser
        .post(app.url("/mymedicare/connected-apps/revoke"))
        .form(&[
            ("grant_id", grant_id.as_str()),
            ("csrf_token", hidden(&html, "csrf_token").as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let after = r.text().await.unwrap();
    assert!(
        !after.contains(&format!("id=\"app-{grant_id}\"")),
        "{after}"
    );
    assert!(after.contains("id=\"no-apps\""), "{after}");
    assert!(after.contains("id=\"notice\""), "{after}");
    assert_eq!(app.bearer_get(access, "/v2/fhir/Coverage/").await.0, 401);
    let (status, body) = app
        .refresh(&client, str_of(&tokens, "refresh_token"), None)
        .await;
    assert_eq!(
        (status, body["error"].clone()),
        (400, "invalid_grant".into())
    );
    let html = page(browser.clone()).await;
    assert!(!html.contains(&format!("id=\"app-{grant_id}\"")));
}

#[tokio::test]
async fn connected_apps_show_only_the_enrollees_own_apps() {
    let app = sandbox().await;
    let mine = app
        .register_client("Mine", DataAccessType::ThirteenMonth, true, &[REDIRECT])
        .await;
    let theirs = app
        .register_client("Theirs", DataAccessType::ThirteenMonth, true, &[REDIRECT])
        .await;
    let _ = app.tokens_for(&mine, 1).await;
    let other = app.tokens_for(&theirs, 2).await;
    let browser = app.browser();
    assert_eq!(app.enrollee_sign_in(&browser, 1).await.status(), 303);
    let html = browser
        .get(app.url("/mymedicare/connected-apps"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Mine") && !html.contains("Theirs"), "{html}");
    // Revoking an app the enrollee never connected does nothing to its other users.
    let r = browser
        .post(app.url("/mymedicare/connected-apps/revoke"))
        .form(&[
            ("grant_id", app_id(&app, &theirs).await.as_str()),
            ("csrf_token", hidden(&html, "csrf_token").as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    works(&app, &other).await;
}

/// The internal id (the connected-apps `grant_id`) of a client's application.
async fn app_id(app: &TestApp, client: &Client) -> String {
    app.store
        .application_by_client_id(&client.client_id)
        .await
        .unwrap()
        .unwrap()
        .id
}

// ------------------------------------------------------------------------------ discovery, ID token

#[tokio::test]
async fn discovery_documents() {
    let app = spawn_app().await;
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/openid-configuration-v2",
        "/v2/connect/.well-known/openid-configuration",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        let doc: Value = r.json().await.unwrap();
        assert_eq!(doc["issuer"], app.base_url.as_str());
        assert_eq!(doc["token_endpoint"], app.url("/v2/o/token/").as_str());
        assert_eq!(
            doc["authorization_endpoint"],
            app.url("/v2/o/authorize/").as_str()
        );
        assert_eq!(doc["jwks_uri"], app.url("/.well-known/jwks.json").as_str());
        assert_eq!(
            doc["code_challenge_methods_supported"],
            serde_json::json!(["S256"])
        );
        assert_eq!(
            doc["id_token_signing_alg_values_supported"],
            serde_json::json!(["RS256"])
        );
    }
    let r = app.get("/v2/fhir/.well-known/smart-configuration").await;
    assert_eq!(r.status(), 200);
    let smart: Value = r.json().await.unwrap();
    assert_eq!(
        smart["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(smart["token_endpoint"], app.url("/v2/o/token/").as_str());
    let capabilities: Vec<&str> = smart["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for needed in [
        "launch-standalone",
        "permission-offline",
        "permission-patient",
    ] {
        assert!(capabilities.contains(&needed), "{capabilities:?}");
    }
    assert!(
        smart["grant_types_supported"]
            .as_array()
            .unwrap()
            .contains(&Value::from("authorization_code"))
    );
}

#[tokio::test]
async fn id_token_is_signed_by_a_published_key() {
    let app = sandbox().await;
    let client = client(&app).await;
    let pkce = Pkce::new();
    let url = app.authorize_url(&client, &pkce, "nonce=n-0123456789");
    let (user, password) = sandbox_user(1);
    let back = app
        .authorize_through(
            &app.browser(),
            &url,
            &user,
            &password,
            "action=approve&share_demographic_scopes=on",
        )
        .await;
    let code = query_param(&back, "code").unwrap();
    let (status, tokens) = app.exchange(&client, &code, &pkce.verifier).await;
    assert_eq!(status, 200, "{tokens}");
    let id_token = str_of(&tokens, "id_token");
    let header = jwt_header(id_token);
    assert_eq!(header["alg"], "RS256");
    let kid = str_of(&header, "kid");

    let r = app.get("/.well-known/jwks.json").await;
    assert_eq!(r.status(), 200);
    let jwks: Value = r.json().await.unwrap();
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .unwrap_or_else(|| panic!("kid {kid} not in {jwks}"));
    assert_eq!(key["kty"], "RSA");
    assert!(key["n"].is_string() && key["e"].is_string());
    assert!(key.get("d").is_none(), "a private key was published");

    let payload = id_token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(claims["iss"], app.base_url.as_str());
    assert_eq!(claims["aud"], client.client_id.as_str());
    assert_eq!(claims["sub"], tokens["patient"]);
    assert_eq!(claims["nonce"], "n-0123456789");
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );
}

/// With `[oauth] issuer` configured, a forged `Host` or `X-Forwarded-Host` changes neither
/// the discovery documents nor the `iss` of ID tokens (BB2 takes both from configuration).
#[tokio::test]
async fn configured_issuer_ignores_the_host_header() {
    const ISSUER: &str = "https://api.bluebutton.example";
    let app = bb_testkit::spawn_app_custom("127.0.0.1:0", bb_web::WebConfig::default(), |s| {
        s.with_issuer(format!("{ISSUER}/"))
    })
    .await
    .with_sandbox(3)
    .await;
    let http = reqwest::Client::new();
    for path in [
        "/.well-known/openid-configuration",
        "/v2/fhir/.well-known/smart-configuration",
    ] {
        let doc: Value = http
            .get(app.url(path))
            .header("host", "evil.example")
            .header("x-forwarded-host", "evil.example")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            doc["token_endpoint"],
            format!("{ISSUER}/v2/o/token/").as_str(),
            "{path}"
        );
        if path.contains("openid") {
            assert_eq!(doc["issuer"], ISSUER);
            assert_eq!(
                doc["jwks_uri"],
                format!("{ISSUER}/.well-known/jwks.json").as_str()
            );
        }
    }

    let client = client(&app).await;
    let pkce = Pkce::new();
    let url = app.authorize_url(&client, &pkce, "");
    let (user, password) = sandbox_user(1);
    let back = app
        .authorize_through(&app.browser(), &url, &user, &password, "action=approve")
        .await;
    let code = query_param(&back, "code").unwrap();
    let (status, tokens) = app.exchange(&client, &code, &pkce.verifier).await;
    assert_eq!(status, 200, "{tokens}");
    let id_token = str_of(&tokens, "id_token");
    let payload = id_token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(claims["iss"], ISSUER);
}

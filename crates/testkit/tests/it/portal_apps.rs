//! The developer portal's apps over HTTP, as a browser: register with every field and read
//! it back; errors next to the fields with the entries kept and nothing saved; logo limits
//! (413, 415, 400) and the served logo; the secret shown once, checked at the token
//! endpoint and cut off by a rotation; deletion revoking tokens; 404 for other
//! organizations' apps.

use bb_testkit::oauth::{Client, location};
use bb_testkit::portal::Developer;
use bb_testkit::{TestApp, spawn_app};
use reqwest::multipart::{Form, Part};

/// The text of the element with this id (up to the next tag).
pub fn text_by_id(html: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let rest = &html[at..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest[open..].find('<').unwrap();
    rest[open..open + close].trim().to_owned()
}

/// The `value` of the selected (or only) organization option of the register form.
pub fn organization_option(html: &str) -> String {
    let at = html
        .find("name=\"organization\"")
        .expect("organization select");
    let rest = &html[at..];
    let at = rest.find("<option value=\"").unwrap() + "<option value=\"".len();
    rest[at..at + rest[at..].find('"').unwrap()].to_owned()
}

/// The app id of a detail page (from its rotate form's action).
pub fn app_id_of(html: &str) -> String {
    let end = html.find("/rotate-secret/").expect("a rotate form");
    let start = html[..end].rfind('/').unwrap() + 1;
    html[start..end].to_owned()
}

/// A PNG of `w`×`h`; `noisy` makes it incompressible.
pub fn png(w: u32, h: u32, noisy: bool) -> Vec<u8> {
    let mut img = image::RgbImage::new(w, h);
    let mut seed: u32 = 7;
    for pixel in img.pixels_mut() {
        if noisy {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let b = seed.to_le_bytes();
            *pixel = image::Rgb([b[1], b[2], b[3]]);
        } else {
            *pixel = image::Rgb([20, 90, 160]);
        }
    }
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// A JPEG of `w`×`h`.
pub fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb([200, 40, 40]));
    let mut out = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut out),
        image::ImageFormat::Jpeg,
    )
    .unwrap();
    out
}

/// Every field of the form, filled right.
pub fn full_fields(organization: &str, name: &str) -> Vec<(&'static str, String)> {
    vec![
        ("organization", organization.into()),
        ("name", name.into()),
        ("description", "Shows your claims on a timeline.".into()),
        ("website_uri", "https://timeline.example.org/".into()),
        ("policy_uri", "https://timeline.example.org/privacy".into()),
        ("tos_uri", "https://timeline.example.org/terms".into()),
        (
            "redirect_uris",
            "https://timeline.example.org/callback\nhttp://localhost:3000/cb".into(),
        ),
        ("support_email", "Help@Timeline.example.org".into()),
        ("support_phone_number", "+12025550123".into()),
        ("require_demographic_scopes", "false".into()),
        ("data_access_type", "ONE_TIME".into()),
        ("categories", "personal-health-record".into()),
        ("categories", "data-sharing".into()),
        ("agree", "on".into()),
    ]
}

/// Posts a multipart app form with the CSRF value and an optional logo
/// `(bytes, content type, file name)`.
pub async fn post_app_form(
    app: &TestApp,
    browser: &reqwest::Client,
    path: &str,
    csrf: &str,
    fields: &[(&'static str, String)],
    logo: Option<(Vec<u8>, &str, &str)>,
) -> reqwest::Response {
    let mut form = Form::new().text("csrf_token", csrf.to_owned());
    for (name, value) in fields {
        form = form.text(*name, value.clone());
    }
    if let Some((bytes, mime, file)) = logo {
        form = form.part(
            "logo",
            Part::bytes(bytes)
                .file_name(file.to_owned())
                .mime_str(mime)
                .unwrap(),
        );
    }
    browser
        .post(app.url(path))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// A signed-in developer's browser, the register form's CSRF value and their
/// organization's id.
pub async fn developer(
    app: &TestApp,
    email: &str,
    organization: &str,
) -> (reqwest::Client, String, String) {
    let browser = app.browser();
    let mut dev = Developer::new(email);
    dev.organization = organization.into();
    app.signed_in_developer(&browser, &dev).await;
    let (html, csrf) = app
        .form_page(&browser, "/v2/o/applications/register/")
        .await;
    let org = organization_option(&html);
    (browser, csrf, org)
}

/// Registers an app with every field; the detail page answered (with the secret).
pub async fn register(
    app: &TestApp,
    browser: &reqwest::Client,
    csrf: &str,
    org: &str,
    name: &str,
) -> String {
    let r = post_app_form(
        app,
        browser,
        "/v2/o/applications/register/",
        csrf,
        &full_fields(org, name),
        None,
    )
    .await;
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

#[tokio::test]
async fn register_with_every_field_and_read_back() {
    let app = spawn_app().await.with_sandbox(1).await;
    let (browser, csrf, org) = developer(&app, "ada@example.org", "Analytical Engines").await;

    let (html, _) = app
        .form_page(&browser, "/v2/o/applications/register/")
        .await;
    for input in [
        "name=\"name\"",
        "name=\"description\"",
        "name=\"logo\" type=\"file\"",
        "name=\"website_uri\"",
        "name=\"policy_uri\"",
        "name=\"tos_uri\"",
        "name=\"redirect_uris\"",
        "name=\"support_email\"",
        "name=\"support_phone_number\"",
        "name=\"require_demographic_scopes\"",
        "name=\"data_access_type\"",
        "name=\"categories\"",
        "name=\"agree\"",
        "enctype=\"multipart/form-data\"",
    ] {
        assert!(html.contains(input), "{input} missing");
    }
    assert!(
        !html.contains("value=\"RESEARCH_STUDY\""),
        "developers cannot choose RESEARCH_STUDY"
    );

    let r = post_app_form(
        &app,
        &browser,
        "/v2/o/applications/register/",
        &csrf,
        &full_fields(&org, "Claims Timeline"),
        Some((png(64, 48, false), "image/png", "logo.png")),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    let secret = text_by_id(&html, "client-secret");
    let client_id = text_by_id(&html, "client-id");
    assert_eq!((secret.len(), client_id.len()), (128, 40));
    let id = app_id_of(&html);

    // Read back: every field, never the secret.
    let page = browser
        .get(app.url(&format!("/v2/o/applications/{id}/")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(!html.contains(&secret), "the secret is shown only once");
    for (id_, expected) in [
        ("app-name", "Claims Timeline"),
        ("app-organization", "Analytical Engines"),
        ("client-id", client_id.as_str()),
        ("app-description", "Shows your claims on a timeline."),
        ("app-website", "https://timeline.example.org/"),
        ("app-policy", "https://timeline.example.org/privacy"),
        ("app-tos", "https://timeline.example.org/terms"),
        ("app-support-email", "help@timeline.example.org"),
        ("app-support-phone", "+12025550123"),
        ("app-demographics", "No"),
        ("app-data-access-type", "ONE_TIME"),
        ("app-categories", "Personal health record, Data sharing"),
    ] {
        assert_eq!(text_by_id(&html, id_), expected, "#{id_}");
    }
    assert!(html.contains("<code>https://timeline.example.org/callback</code><br><code>http://localhost:3000/cb</code>"));

    // The logo: served with its type, nosniff and a cache header; the consent page's
    // link (the app's logo_uri) is the same URL.
    let src = {
        let at = html.find("id=\"app-logo\"").unwrap();
        let start = html[..at].rfind("src=\"").unwrap() + 5;
        html[start..start + html[start..].find('"').unwrap()].replace("&#61;", "=")
    };
    assert!(
        src.starts_with(&format!("/v2/o/applications/{id}/logo?v=")),
        "{src}"
    );
    let logo = app.get(&src).await;
    assert_eq!(logo.status(), 200);
    assert_eq!(logo.headers()["content-type"], "image/png");
    assert_eq!(logo.headers()["x-content-type-options"], "nosniff");
    assert!(
        logo.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    assert_eq!(logo.bytes().await.unwrap().to_vec(), png(64, 48, false));
    let stored = app
        .store
        .application_by_client_id(&client_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.links.logo_uri.as_deref(), Some(src.as_str()));
    assert!(!stored.require_demographic_scopes);

    // The enrollee's consent page shows the uploaded logo, the organization and the links.
    let c = client(&client_id, &secret);
    let url = app.authorize_url(&c, &bb_testkit::oauth::Pkce::new(), "");
    let (user, password) = bb_testkit::oauth::sandbox_user(0);
    let (_, consent) = app
        .login_through(&app.browser(), &url, &user, &password)
        .await;
    for expected in [
        format!("<img class=\"app-logo\" src=\"{src}\""),
        "Analytical Engines".to_owned(),
        "href=\"https://timeline.example.org/privacy\"".to_owned(),
        "href=\"https://timeline.example.org/terms\"".to_owned(),
    ] {
        assert!(consent.contains(&expected), "{expected} missing: {consent}");
    }

    // Listed under its organization.
    let list = browser
        .get(app.url("/v2/o/applications/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("Analytical Engines") && list.contains("Claims Timeline"));
    assert!(!list.contains(&secret));

    // Edit: a JPEG logo replaces the PNG; other changes land; a reload never shows the
    // secret.
    let update = format!("/v2/o/applications/{id}/update/");
    let (form_html, csrf) = app.form_page(&browser, &update).await;
    assert!(form_html.contains("value=\"Claims Timeline\""));
    let mut fields = full_fields(&org, "Claims Timeline 2");
    fields.retain(|(n, _)| *n != "organization" && *n != "agree");
    fields.push(("require_demographic_scopes", "true".into()));
    fields.retain(|(n, v)| !(*n == "require_demographic_scopes" && v == "false"));
    let r = post_app_form(
        &app,
        &browser,
        &update,
        &csrf,
        &fields,
        Some((jpeg(32, 32), "image/jpeg", "logo.jpg")),
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        location(&r),
        format!("/v2/o/applications/{id}/?done=updated")
    );
    let html = browser
        .get(app.url(&location(&r)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(text_by_id(&html, "app-name"), "Claims Timeline 2");
    assert_eq!(text_by_id(&html, "app-demographics"), "Yes");
    let stored = app
        .store
        .application_by_client_id(&client_id)
        .await
        .unwrap()
        .unwrap();
    let src = stored.links.logo_uri.unwrap();
    let logo = app.get(&src).await;
    assert_eq!(logo.headers()["content-type"], "image/jpeg");
    assert_eq!(logo.bytes().await.unwrap().to_vec(), jpeg(32, 32));
}

#[tokio::test]
async fn bad_input_is_shown_next_to_fields_and_saves_nothing() {
    let app = spawn_app().await;
    let (browser, csrf, org) = developer(&app, "ada@example.org", "Analytical Engines").await;
    register(&app, &browser, &csrf, &org, "Claims Timeline").await;

    let mut fields = full_fields(&org, "CLAIMS timeline");
    for (name, value) in fields.iter_mut() {
        match *name {
            "description" => *value = "Our <b>great</b> app".into(),
            "support_phone_number" => *value = "call us".into(),
            "website_uri" => *value = "http://timeline.example.org/".into(),
            _ => {}
        }
    }
    fields.retain(|(n, _)| *n != "agree");
    let r = post_app_form(
        &app,
        &browser,
        "/v2/o/applications/register/",
        &csrf,
        &fields,
        None,
    )
    .await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    for (field, words) in [
        ("description", "HTML tags"),
        ("support_phone_number", "9 to 15 digits"),
        ("website_uri", "https"),
        ("agree", "agree to the terms"),
    ] {
        let error = text_by_id(&html, &format!("{field}-error"));
        assert!(error.contains(words), "{field}: {error}");
        assert!(
            html.contains(&format!("aria-describedby=\"{field}-error")),
            "{field}"
        );
    }
    // Entries kept.
    assert!(html.contains("value=\"CLAIMS timeline\""));
    assert!(
        html.contains("Our &#60;b&#62;great&#60;/b&#62; app")
            || html.contains("Our &lt;b&gt;great&lt;/b&gt; app"),
        "{html}"
    );
    assert!(html.contains("value=\"call us\""));
    assert!(html.contains("id=\"logo-again\""));

    // The same name in another case, alone: refused next to the name.
    let r = post_app_form(
        &app,
        &browser,
        "/v2/o/applications/register/",
        &csrf,
        &full_fields(&org, "CLAIMS timeline"),
        None,
    )
    .await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(
        text_by_id(&html, "name-error").contains("is taken"),
        "{html}"
    );

    // A developer cannot pick RESEARCH_STUDY.
    let mut fields = full_fields(&org, "Research Thing");
    fields.retain(|(n, _)| *n != "data_access_type");
    fields.push(("data_access_type", "RESEARCH_STUDY".into()));
    let r = post_app_form(
        &app,
        &browser,
        "/v2/o/applications/register/",
        &csrf,
        &fields,
        None,
    )
    .await;
    assert_eq!(r.status(), 400);
    assert!(text_by_id(&r.text().await.unwrap(), "data_access_type-error").contains("staff only"));

    // Nothing was saved by the refused forms; a bad CSRF value writes nothing either.
    let r = post_app_form(
        &app,
        &browser,
        "/v2/o/applications/register/",
        "wrong",
        &full_fields(&org, "Sneaky"),
        None,
    )
    .await;
    assert_eq!(r.status(), 403);
    let groups = app
        .services
        .apps
        .portal_list(
            &app.store
                .user_by_email("ada@example.org")
                .await
                .unwrap()
                .unwrap()
                .id,
        )
        .await
        .unwrap();
    let names: Vec<_> = groups[0].apps.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["Claims Timeline"]);
}

#[tokio::test]
async fn logo_uploads_are_refused_by_size_type_and_dimensions() {
    let app = spawn_app().await;
    let (browser, csrf, org) = developer(&app, "ada@example.org", "Analytical Engines").await;
    let big = png(300, 300, true);
    assert!(big.len() > 100 * 1024, "{}", big.len());
    let cases: [(Vec<u8>, &str, &str, u16, &str); 4] = [
        (big, "image/png", "big.png", 413, "larger than 100 KB"),
        (
            b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec(),
            "image/gif",
            "logo.gif",
            415,
            "PNG or JPEG",
        ),
        (
            b"just some text, not an image".to_vec(),
            "image/png",
            "logo.png",
            415,
            "PNG or JPEG",
        ),
        (
            png(600, 600, false),
            "image/png",
            "wide.png",
            400,
            "600×600",
        ),
    ];
    for (bytes, mime, file, status, words) in cases {
        let r = post_app_form(
            &app,
            &browser,
            "/v2/o/applications/register/",
            &csrf,
            &full_fields(&org, "Logo Test"),
            Some((bytes, mime, file)),
        )
        .await;
        assert_eq!(r.status(), status, "{file}");
        let html = r.text().await.unwrap();
        let error = text_by_id(&html, "logo-error");
        assert!(error.contains(words), "{file}: {error}");
        assert!(html.contains("value=\"Logo Test\""), "entries kept");
    }
    let user = app
        .store
        .user_by_email("ada@example.org")
        .await
        .unwrap()
        .unwrap();
    let groups = app.services.apps.portal_list(&user.id).await.unwrap();
    assert!(groups[0].apps.is_empty(), "nothing saved");
}

/// The client credentials as the OAuth helpers take them.
fn client(client_id: &str, secret: &str) -> Client {
    Client {
        client_id: client_id.into(),
        client_secret: secret.into(),
        redirect_uri: "http://localhost:3000/cb".into(),
    }
}

#[tokio::test]
async fn secret_is_shown_once_and_rotation_cuts_the_old_one() {
    let app = spawn_app().await.with_sandbox(2).await;
    let (browser, csrf, org) = developer(&app, "ada@example.org", "Analytical Engines").await;
    let html = register(&app, &browser, &csrf, &org, "Claims Timeline").await;
    let (id, client_id, secret) = (
        app_id_of(&html),
        text_by_id(&html, "client-id"),
        text_by_id(&html, "client-secret"),
    );
    let old = client(&client_id, &secret);

    // The token endpoint's client authentication accepts the secret: a whole code
    // exchange, then introspection.
    let tokens = app.tokens_for(&old, 1).await;
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.introspect(&old, &access).await.1["active"], true);

    // Rotate: POST with CSRF only.
    let rotate = format!("/v2/o/applications/{id}/rotate-secret/");
    let r = app.post_with_csrf(&browser, &rotate, "wrong", &[]).await;
    assert_eq!(r.status(), 403);
    let (_, csrf) = app
        .form_page(&browser, &format!("/v2/o/applications/{id}/"))
        .await;
    let r = app.post_with_csrf(&browser, &rotate, &csrf, &[]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let new_secret = text_by_id(&r.text().await.unwrap(), "client-secret");
    assert_eq!(new_secret.len(), 128);
    assert_ne!(new_secret, secret);

    let (status, body) = app.introspect(&old, &access).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let new = client(&client_id, &new_secret);
    assert_eq!(app.introspect(&new, &access).await.1["active"], true);

    // Never shown again.
    let html = browser
        .get(app.url(&format!("/v2/o/applications/{id}/")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains(&new_secret) && !html.contains(&secret));
    assert!(!html.contains("id=\"client-secret\""));
}

#[tokio::test]
async fn delete_removes_the_app_and_revokes_its_tokens() {
    let app = spawn_app().await.with_sandbox(2).await;
    let (browser, csrf, org) = developer(&app, "ada@example.org", "Analytical Engines").await;
    let html = register(&app, &browser, &csrf, &org, "Claims Timeline").await;
    let (id, client_id, secret) = (
        app_id_of(&html),
        text_by_id(&html, "client-id"),
        text_by_id(&html, "client-secret"),
    );
    let c = client(&client_id, &secret);
    let tokens = app.tokens_for(&c, 1).await;
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.bearer_get(&access, "/v2/fhir/Coverage/").await.0, 200);

    let delete = format!("/v2/o/applications/{id}/delete/");
    let (page, csrf) = app.form_page(&browser, &delete).await;
    assert!(page.contains("Delete Claims Timeline?"));
    let r = app.post_with_csrf(&browser, &delete, &csrf, &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/v2/o/applications/?done=deleted");

    assert_eq!(app.bearer_get(&access, "/v2/fhir/Coverage/").await.0, 401);
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let (status, _) = app
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ])
        .await;
    assert_eq!(status, 401);
    assert_eq!(
        browser
            .get(app.url(&format!("/v2/o/applications/{id}/")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert!(
        app.store
            .application_by_client_id(&client_id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(app.services.apps.logo(&id).await.unwrap().is_none());
}

#[tokio::test]
async fn other_organizations_apps_are_not_found() {
    let app = spawn_app().await;
    let (ada, csrf, org) = developer(&app, "ada@example.org", "Analytical Engines").await;
    let html = register(&app, &ada, &csrf, &org, "Claims Timeline").await;
    let id = app_id_of(&html);

    let (eve, eve_csrf, eve_org) = developer(&app, "eve@example.org", "Eavesdroppers").await;
    for path in ["/", "/update/", "/delete/"] {
        let r = eve
            .get(app.url(&format!("/v2/o/applications/{id}{path}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
    let r = app
        .post_with_csrf(
            &eve,
            &format!("/v2/o/applications/{id}/rotate-secret/"),
            &eve_csrf,
            &[],
        )
        .await;
    assert_eq!(r.status(), 404);
    let r = app
        .post_with_csrf(
            &eve,
            &format!("/v2/o/applications/{id}/delete/"),
            &eve_csrf,
            &[],
        )
        .await;
    assert_eq!(r.status(), 404);
    let r = post_app_form(
        &app,
        &eve,
        &format!("/v2/o/applications/{id}/update/"),
        &eve_csrf,
        &full_fields(&eve_org, "Stolen"),
        None,
    )
    .await;
    assert_eq!(r.status(), 404);
    // Registering into someone else's organization is refused too.
    let r = post_app_form(
        &app,
        &eve,
        "/v2/o/applications/register/",
        &eve_csrf,
        &full_fields(&org, "Planted"),
        None,
    )
    .await;
    assert_eq!(r.status(), 403);
    let list = eve
        .get(app.url("/v2/o/applications/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!list.contains("Claims Timeline") && list.contains("Eavesdroppers"));
    // Signed out: to the sign-in page.
    let r = app.get(&format!("/v2/o/applications/{id}/")).await;
    assert_eq!(r.status(), 303);
}

//! The developer portal's accounts over HTTP, as a browser: sign-up → e-mailed link →
//! sign-in → account page → sign-out; the lockout; password reset; TOTP enrolment and
//! sign-in; staff sent to enrolment; CSRF; form errors that keep the entries; cookies,
//! headers and body limits.

use bb_domain::clock::Clock;
use bb_domain::totp::{TotpSecret, step_of};
use bb_testkit::oauth::location;
use bb_testkit::portal::{Developer, base32_decode};
use bb_testkit::spawn_app;
use chrono::Duration;

fn set_cookies(r: &reqwest::Response) -> Vec<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn sign_up_verify_sign_in_and_out() {
    let app = spawn_app().await;
    let browser = app.browser();
    let dev = Developer::new("Ada@Example.org");

    let (html, _) = app.form_page(&browser, "/v2/accounts/create").await;
    assert!(html.contains("name=\"organization\""), "{html}");
    let r = app.sign_up(&browser, &dev).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Check your e-mail"));
    let link = app
        .mailed_link("ada@example.org", "Confirm your e-mail address")
        .await;
    assert!(
        link.starts_with("/v2/accounts/activation-verify/"),
        "{link}"
    );

    // Not confirmed yet: the right password is refused with a new link.
    let r = app.portal_login(&browser, &dev.email, &dev.password).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("not confirmed yet"));

    let r = browser.get(app.url(&link)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("E-mail address confirmed"));
    let again = browser.get(app.url(&link)).send().await.unwrap();
    assert_eq!(again.status(), 400, "a link works once");

    let r = app.portal_login(&browser, &dev.email, &dev.password).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/v2/accounts/settings");
    let session_cookie = set_cookies(&r)
        .into_iter()
        .find(|c| c.starts_with("bb_portal="))
        .expect("a session cookie");
    assert!(
        session_cookie.contains("HttpOnly")
            && session_cookie.contains("SameSite=Lax")
            && session_cookie.contains("Path=/"),
        "{session_cookie}"
    );
    let secret = session_cookie
        .trim_start_matches("bb_portal=")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(secret.len(), 43);

    let page = browser
        .get(app.url("/v2/accounts/settings"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for expected in [
        "Ada Lovelace",
        "ada@example.org",
        "Analytical Engines",
        "id=\"account-totp\">Off",
    ] {
        assert!(html.contains(expected), "{expected} missing: {html}");
    }

    // Sign out with the session's CSRF value: the session is gone, even for a copy of the
    // cookie.
    let csrf = bb_testkit::oauth::hidden(&html, "csrf_token");
    let r = app
        .post_with_csrf(&browser, "/v2/accounts/logout", &csrf, &[])
        .await;
    assert_eq!(
        (r.status().as_u16(), location(&r).as_str()),
        (303, "/v2/accounts/login")
    );
    let r = browser
        .get(app.url("/v2/accounts/settings"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r.status().as_u16(), location(&r).as_str()),
        (303, "/v2/accounts/login")
    );
    let copied = app
        .client
        .get(app.url("/v2/accounts/settings"))
        .header("cookie", format!("bb_portal={secret}"))
        .send()
        .await
        .unwrap();
    assert_eq!(copied.status(), 303);
}

#[tokio::test]
async fn sessions_cookies_are_secure_behind_https() {
    let app = spawn_app().await;
    app.services
        .accounts
        .create_verified_developer("dev@example.org", "Org", "violet tea kettle 42")
        .await
        .unwrap();
    let browser = app.browser();
    let (_, csrf) = app.form_page(&browser, "/v2/accounts/login").await;
    let r = browser
        .post(app.url("/v2/accounts/login"))
        .header("x-forwarded-proto", "https")
        .form(&[
            ("email", "dev@example.org"),
            ("password", "violet tea kettle 42"),
            ("csrf_token", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let cookie = set_cookies(&r).join("\n");
    assert!(
        cookie.contains("bb_portal=") && cookie.contains("; Secure"),
        "{cookie}"
    );
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account() {
    let app = spawn_app().await;
    app.services
        .accounts
        .create_verified_developer("dev@example.org", "Org", "violet tea kettle 42")
        .await
        .unwrap();
    let browser = app.browser();
    for _ in 0..4 {
        let r = app
            .portal_login(&browser, "dev@example.org", "not my password")
            .await;
        assert_eq!(r.status(), 401);
        let html = r.text().await.unwrap();
        assert!(html.contains("is not correct"), "{html}");
        assert!(
            html.contains("value=\"dev@example.org\""),
            "the e-mail is kept"
        );
    }
    let r = app
        .portal_login(&browser, "dev@example.org", "not my password")
        .await;
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("locked for 30 minutes"));
    let r = app
        .portal_login(&browser, "dev@example.org", "violet tea kettle 42")
        .await;
    assert_eq!(r.status(), 429, "locked even with the right password");
    app.clock.advance(Duration::minutes(30));
    let r = app
        .portal_login(&browser, "dev@example.org", "violet tea kettle 42")
        .await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn password_reset_by_e_mail() {
    let app = spawn_app().await;
    let old = app.browser();
    let dev = Developer::new("dev@example.org");
    app.signed_in_developer(&old, &dev).await;

    let browser = app.browser();
    let r = app
        .submit(
            &browser,
            "/v2/accounts/forgot-password",
            &[("email", "nobody@example.org")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let same = r.text().await.unwrap();
    let r = app
        .submit(
            &browser,
            "/v2/accounts/forgot-password",
            &[("email", "dev@example.org")],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.text().await.unwrap(),
        same,
        "the answer does not tell whether an account exists"
    );
    let link = app
        .mailed_link("dev@example.org", "Reset your password")
        .await;
    assert!(link.starts_with("/v2/accounts/reset-password/"), "{link}");

    let r = app.submit(&browser, &link, &[("password", "short")]).await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"password-error\""), "{html}");
    let r = app
        .submit(&browser, &link, &[("password", "a brand new passphrase")])
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Password changed"));

    // The old browser's session ended; the link is spent; the new password works.
    let r = old
        .get(app.url("/v2/accounts/settings"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        browser.get(app.url(&link)).send().await.unwrap().status(),
        400
    );
    assert_eq!(
        app.portal_login(&browser, "dev@example.org", &dev.password)
            .await
            .status(),
        401
    );
    assert_eq!(
        app.portal_login(&browser, "dev@example.org", "a brand new passphrase")
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn password_change_signs_other_browsers_out() {
    let app = spawn_app().await;
    let here = app.browser();
    let dev = Developer::new("dev@example.org");
    app.signed_in_developer(&here, &dev).await;
    let there = app.browser();
    assert_eq!(
        app.portal_login(&there, &dev.email, &dev.password)
            .await
            .status(),
        303
    );
    let (_, csrf) = app.form_page(&here, "/v2/accounts/settings").await;
    let r = app
        .post_with_csrf(
            &here,
            "/v2/accounts/password-change",
            &csrf,
            &[
                ("current_password", "wrong wrong wrong"),
                ("new_password", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(r.status(), 400);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("id=\"current_password-error\"")
    );
    let r = app
        .post_with_csrf(
            &here,
            "/v2/accounts/password-change",
            &csrf,
            &[
                ("current_password", &dev.password),
                ("new_password", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(
        (r.status().as_u16(), location(&r).as_str()),
        (303, "/v2/accounts/settings?done=password")
    );
    let page = here
        .get(app.url("/v2/accounts/settings?done=password"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "this browser got a new session");
    let r = there
        .get(app.url("/v2/accounts/settings"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "the other browser was signed out");
}

fn totp_secret(html: &str) -> TotpSecret {
    let start = html.find("id=\"totp-secret\">").expect("the secret") + 17;
    let end = start + html[start..].find("</code>").unwrap();
    TotpSecret::from_bytes(base32_decode(&html[start..end]))
}

#[tokio::test]
async fn totp_enrolment_then_sign_in_with_a_code() {
    let app = spawn_app().await;
    let browser = app.browser();
    let dev = Developer::new("dev@example.org");
    app.signed_in_developer(&browser, &dev).await;

    let (html, csrf) = app.form_page(&browser, "/v2/accounts/mfa/enrol").await;
    assert!(html.contains("otpauth://totp/Blue%20Button%20sandbox:dev%40example.org?secret="));
    let secret = totp_secret(&html);
    let step = step_of(app.clock.now().timestamp());
    let r = app
        .post_with_csrf(
            &browser,
            "/v2/accounts/mfa/enrol",
            &csrf,
            &[("code", "000000")],
        )
        .await;
    assert_eq!(r.status(), 400);
    let again = r.text().await.unwrap();
    assert!(again.contains("id=\"code-error\""), "{again}");
    assert_eq!(
        totp_secret(&again),
        secret,
        "the same secret until confirmed"
    );
    let code = secret.code_at(step);
    let r = app
        .post_with_csrf(
            &browser,
            "/v2/accounts/mfa/enrol",
            &csrf,
            &[("code", &code)],
        )
        .await;
    assert_eq!(location(&r), "/v2/accounts/settings?done=totp");
    let html = browser
        .get(app.url("/v2/accounts/settings?done=totp"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"account-totp\">On"), "{html}");

    // Sign out and in again: the code is asked for, the one used to enrol is spent.
    let csrf = bb_testkit::oauth::hidden(&html, "csrf_token");
    app.post_with_csrf(&browser, "/v2/accounts/logout", &csrf, &[])
        .await;
    let r = app.portal_login(&browser, &dev.email, &dev.password).await;
    assert_eq!(location(&r), "/v2/accounts/login/totp");
    let r = browser
        .get(app.url("/v2/accounts/settings"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        location(&r),
        "/v2/accounts/login/totp",
        "no page before the code"
    );
    let (_, csrf) = app.form_page(&browser, "/v2/accounts/login/totp").await;
    let r = app
        .post_with_csrf(
            &browser,
            "/v2/accounts/login/totp",
            &csrf,
            &[("code", &code)],
        )
        .await;
    assert_eq!(r.status(), 400, "a replayed code");
    app.clock.advance(Duration::seconds(30));
    let next = secret.code_at(step + 1);
    let r = app
        .post_with_csrf(
            &browser,
            "/v2/accounts/login/totp",
            &csrf,
            &[("code", &next)],
        )
        .await;
    assert_eq!(location(&r), "/v2/accounts/settings");
    assert_eq!(
        browser
            .get(app.url("/v2/accounts/settings"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn a_developer_turns_totp_off_with_password_and_code() {
    let app = spawn_app().await;
    let browser = app.browser();
    let dev = Developer::new("off@example.org");
    app.signed_in_developer(&browser, &dev).await;
    let (html, csrf) = app.form_page(&browser, "/v2/accounts/mfa/enrol").await;
    let secret = totp_secret(&html);
    let step = step_of(app.clock.now().timestamp());
    let r = app
        .post_with_csrf(
            &browser,
            "/v2/accounts/mfa/enrol",
            &csrf,
            &[("code", &secret.code_at(step))],
        )
        .await;
    assert_eq!(location(&r), "/v2/accounts/settings?done=totp");
    let (html, csrf) = app.form_page(&browser, "/v2/accounts/settings").await;
    assert!(html.contains("id=\"totp-disable-button\""), "{html}");
    app.clock.advance(Duration::seconds(30));
    let code = secret.code_at(step + 1);

    // A wrong password: its error, TOTP still on. Then the right password with a spent code.
    let r = app
        .post_with_csrf(
            &browser,
            "/v2/accounts/mfa/disable",
            &csrf,
            &[
                ("disable_password", "not my password at all"),
                ("disable_code", &code),
            ],
        )
        .await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"disable_password-error\""), "{page}");
    assert!(page.contains("id=\"account-totp\">On"), "{page}");
    let r = app
        .post_with_csrf(
            &browser,
            "/v2/accounts/mfa/disable",
            &csrf,
            &[
                ("disable_password", &dev.password),
                ("disable_code", &secret.code_at(step)),
            ],
        )
        .await;
    assert_eq!(r.status(), 400, "the code used to enrol is spent");
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("id=\"disable_code-error\"")
    );
    // Without the CSRF value: refused, nothing changes.
    let r = app
        .post_with_csrf(
            &browser,
            "/v2/accounts/mfa/disable",
            "wrong",
            &[("disable_password", &dev.password), ("disable_code", &code)],
        )
        .await;
    assert_eq!(r.status(), 403);

    let r = app
        .post_with_csrf(
            &browser,
            "/v2/accounts/mfa/disable",
            &csrf,
            &[("disable_password", &dev.password), ("disable_code", &code)],
        )
        .await;
    assert_eq!(location(&r), "/v2/accounts/settings?done=totp-off");
    let html = browser
        .get(app.url("/v2/accounts/settings?done=totp-off"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"account-totp\">Off"), "{html}");
    assert!(html.contains("id=\"enrol-link\""), "{html}");
    // The account is told; the message names no secret.
    let link = app
        .mailed_link(&dev.email, "Two-step sign-in was turned off")
        .await;
    assert!(link.contains("/v2/accounts/forgot-password"), "{link}");

    // Signing in again asks only for the password.
    let csrf = bb_testkit::oauth::hidden(&html, "csrf_token");
    app.post_with_csrf(&browser, "/v2/accounts/logout", &csrf, &[])
        .await;
    let r = app.portal_login(&browser, &dev.email, &dev.password).await;
    assert_eq!(location(&r), "/v2/accounts/settings");
}

#[tokio::test]
async fn staff_are_sent_to_enrolment_until_they_have_totp() {
    let app = spawn_app().await;
    app.services
        .accounts
        .create_staff("admin@example.org", "admin", "violet tea kettle 42")
        .await
        .unwrap();
    let browser = app.browser();
    let r = app
        .portal_login(&browser, "admin@example.org", "violet tea kettle 42")
        .await;
    assert_eq!(location(&r), "/v2/accounts/mfa/enrol");
    let r = browser
        .get(app.url("/v2/accounts/settings"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/v2/accounts/mfa/enrol");
    let (html, csrf) = app.form_page(&browser, "/v2/accounts/mfa/enrol").await;
    assert!(html.contains("Staff accounts must use two-step sign-in"));
    let code = totp_secret(&html).code_at(step_of(app.clock.now().timestamp()));
    let r = app
        .post_with_csrf(
            &browser,
            "/v2/accounts/mfa/enrol",
            &csrf,
            &[("code", &code)],
        )
        .await;
    assert_eq!(location(&r), "/v2/accounts/settings?done=totp");
    let html = browser
        .get(app.url("/v2/accounts/settings"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"account-role\">admin"), "{html}");
    // Staff keep it: no form to turn it off, and a forged post is refused.
    assert!(!html.contains("totp-disable-button"), "{html}");
    let csrf = bb_testkit::oauth::hidden(&html, "csrf_token");
    let r = app
        .post_with_csrf(
            &browser,
            "/v2/accounts/mfa/disable",
            &csrf,
            &[
                ("disable_password", "violet tea kettle 42"),
                ("disable_code", &code),
            ],
        )
        .await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("staff accounts must keep two-step sign-in"),
        "{page}"
    );
    assert!(page.contains("id=\"account-totp\">On"), "{page}");
}

#[tokio::test]
async fn forms_without_their_csrf_value_are_refused() {
    let app = spawn_app().await;
    let browser = app.browser();
    let dev = Developer::new("dev@example.org");
    // No token at all, and a token that is not the cookie's.
    let r = browser
        .post(app.url("/v2/accounts/create"))
        .form(&[
            ("name", dev.name.as_str()),
            ("email", dev.email.as_str()),
            ("organization", dev.organization.as_str()),
            ("password", dev.password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    app.form_page(&browser, "/v2/accounts/login").await;
    let r = app
        .post_with_csrf(
            &browser,
            "/v2/accounts/login",
            "forged-forged-forged-forged-forged-forge",
            &[("email", "dev@example.org"), ("password", "x")],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert!(
        app.store.outbox(10).await.unwrap().is_empty(),
        "nothing was written"
    );
    for path in [
        "/v2/accounts/forgot-password",
        "/v2/accounts/reset-password/abc",
    ] {
        let r = browser
            .post(app.url(path))
            .form(&[("email", "dev@example.org")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{path}");
    }

    // Signed in: the session's forms need the session's value.
    app.signed_in_developer(&browser, &dev).await;
    for path in ["/v2/accounts/logout", "/v2/accounts/password-change"] {
        let r = browser
            .post(app.url(path))
            .form(&[("current_password", dev.password.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{path}");
    }
    let r = browser
        .get(app.url("/v2/accounts/settings"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "still signed in");
}

#[tokio::test]
async fn form_errors_are_shown_next_to_fields_and_keep_the_entries() {
    let app = spawn_app().await;
    let browser = app.browser();
    let r = app
        .submit(
            &browser,
            "/v2/accounts/create",
            &[
                ("name", "Ada <b>Lovelace</b>"),
                ("email", "ada-at-example.org"),
                ("organization", "Analytical Engines"),
                ("password", "Password2024!!"),
            ],
        )
        .await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    for expected in [
        // Entries kept, escaped.
        "value=\"Ada &#60;b&#62;Lovelace&#60;/b&#62;\"",
        "value=\"ada-at-example.org\"",
        "value=\"Analytical Engines\"",
        // Errors next to their fields.
        "id=\"email-error\"",
        "aria-describedby=\"email-error\"",
        "id=\"password-error\"",
        "too common",
    ] {
        assert!(html.contains(expected), "{expected} missing: {html}");
    }
    assert!(
        !html.contains("Password2024!!"),
        "the password is never sent back"
    );
    assert!(!html.contains("id=\"name-error\""), "the name was fine");
    assert!(app.store.outbox(10).await.unwrap().is_empty());
}

#[tokio::test]
async fn pages_forbid_scripts_and_caching_and_bodies_are_bounded() {
    let app = spawn_app().await;
    for path in [
        "/v2/accounts/create",
        "/v2/accounts/login",
        "/v2/accounts/forgot-password",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("default-src 'none'") && !csp.contains("script-src"),
            "{csp}"
        );
        assert_eq!(h["cache-control"], "no-store");
        assert!(!r.text().await.unwrap().contains("<script"));
    }
    let big = "x".repeat(bb_web::portal::FORM_LIMIT + 1);
    let r = app
        .client
        .post(app.url("/v2/accounts/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("email={big}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(app.get("/v2/accounts/").await.status(), 303);
}

#[tokio::test]
async fn staff_see_the_outbox_without_bodies_and_developers_do_not() {
    let app = spawn_app().await;
    let dev_browser = app.browser();
    let dev = Developer::new("dev@example.org");
    app.signed_in_developer(&dev_browser, &dev).await;
    let r = dev_browser
        .get(app.url("/v2/accounts/staff/outbox"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a developer is not staff");

    app.services
        .accounts
        .create_staff("admin@example.org", "admin", "violet tea kettle 42")
        .await
        .unwrap();
    let browser = app.browser();
    let r = browser
        .get(app.url("/v2/accounts/staff/outbox"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        location(&r),
        "/v2/accounts/login",
        "signed out: to the sign-in form"
    );
    app.portal_login(&browser, "admin@example.org", "violet tea kettle 42")
        .await;
    let r = browser
        .get(app.url("/v2/accounts/staff/outbox"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        location(&r),
        "/v2/accounts/mfa/enrol",
        "not before two-step sign-in"
    );
    let (html, csrf) = app.form_page(&browser, "/v2/accounts/mfa/enrol").await;
    let code = totp_secret(&html).code_at(step_of(app.clock.now().timestamp()));
    app.post_with_csrf(
        &browser,
        "/v2/accounts/mfa/enrol",
        &csrf,
        &[("code", &code)],
    )
    .await;

    let r = browser
        .get(app.url("/v2/accounts/staff/outbox"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("<td>dev@example.org</td>"), "{html}");
    assert!(html.contains("Confirm your e-mail address"), "{html}");
    assert!(
        html.contains("waiting, next try"),
        "no SMTP in tests: {html}"
    );
    assert!(
        !html.contains("activation-verify"),
        "a message body (with its single-use link) was shown: {html}"
    );
}

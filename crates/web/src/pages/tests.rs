//! Tests of the pages: each page in both languages, the contract ids and names, escaping,
//! the access period texts, language negotiation and the stylesheet route.

use super::strings::{EN, ES, Strings};
use super::*;
use axum::body::Body;
use axum::http::Request;
use chrono::TimeZone;
use tower::ServiceExt;

const LANGS: [Lang; 2] = [Lang::En, Lang::Es];
const XSS: &str = "<script>alert(\"x\")</script>";
/// How askama escapes the start of [`XSS`].
const XSS_ESCAPED: &str = "&#60;script&#62;alert(&#34;x&#34;)";

async fn body(response: Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    String::from_utf8(bytes.to_vec()).expect("utf-8")
}

/// Status, content type and body of a page response.
async fn parts(response: Response) -> (StatusCode, String, String) {
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, content_type, body(response).await)
}

/// The whole start tag containing `needle`.
fn tag_with<'h>(html: &'h str, needle: &str) -> Option<&'h str> {
    let at = html.find(needle)?;
    let start = html[..at].rfind('<')?;
    let end = at + html[at..].find('>')?;
    Some(&html[start..=end])
}

/// The layout rules every page keeps.
fn assert_layout(html: &str, lang: Lang) {
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains(&format!("<html lang=\"{}\">", lang.code())));
    assert!(html.contains("<meta name=\"viewport\""));
    assert!(html.contains("<title>"));
    assert!(html.contains("<link rel=\"stylesheet\" href=\"/static/bb.css\">"));
    assert!(!html.to_ascii_lowercase().contains("<script"), "{html}");
    assert!(!html.contains("<style"));
    assert!(!html.contains(" style="));
    let has_handler = html.match_indices(" on").any(|(at, _)| {
        let name: String = html[at + 3..]
            .chars()
            .take_while(char::is_ascii_alphabetic)
            .collect();
        !name.is_empty() && html[at + 3 + name.len()..].starts_with('=')
    });
    assert!(!has_handler, "no event handler attributes");
}

fn login_view(lang: Lang) -> LoginView<'static> {
    LoginView {
        lang,
        action: "/mymedicare/login",
        flow: "6f1c1d1e-0000-4000-8000-000000000001",
        next: "",
        csrf_token: "csrf-123",
        username: "",
        error: None,
        app_name: None,
    }
}

fn consent_view(lang: Lang) -> ConsentView<'static> {
    ConsentView {
        lang,
        action: "/v2/o/authorize/6f1c1d1e-0000-4000-8000-000000000001/",
        csrf_token: "csrf-456",
        app_name: "Sample App",
        organization: Some("Sample Org"),
        logo_uri: None,
        website_uri: None,
        policy_uri: Some("https://example.com/privacy"),
        tos_uri: Some("https://example.com/terms"),
        claims: true,
        demographics: true,
        access: AccessPeriod::ThirteenMonths {
            until: NaiveDate::from_ymd_opt(2027, 12, 4).expect("date"),
        },
        lang_switch_href: "/v2/o/authorize/6f1c1d1e-0000-4000-8000-000000000001/?lang=es",
    }
}

fn apps_view(lang: Lang) -> ConnectedAppsView<'static> {
    let at = |h| {
        Utc.with_ymd_and_hms(2026, 3, 5, h, 7, 0)
            .single()
            .expect("time")
    };
    ConnectedAppsView {
        lang,
        csrf_token: "csrf-789",
        revoke_action: "/mymedicare/connected-apps/revoke",
        logout_action: "/mymedicare/logout",
        apps: vec![
            ConnectedApp {
                grant_id: "g1".to_owned(),
                name: "Sample App".to_owned(),
                organization: Some("Sample Org".to_owned()),
                since: NaiveDate::from_ymd_opt(2026, 1, 2).expect("date"),
                until: Some(NaiveDate::from_ymd_opt(2027, 2, 2).expect("date")),
                claims: true,
                demographics: false,
            },
            ConnectedApp {
                grant_id: "g2".to_owned(),
                name: "Research App".to_owned(),
                organization: None,
                since: NaiveDate::from_ymd_opt(2026, 2, 3).expect("date"),
                until: None,
                claims: true,
                demographics: true,
            },
        ],
        reads: vec![
            ReadRecord {
                at: at(9),
                app_name: "Older Reader".to_owned(),
                what: "Coverage".to_owned(),
            },
            ReadRecord {
                at: at(14),
                app_name: "Newer Reader".to_owned(),
                what: "ExplanationOfBenefit".to_owned(),
            },
        ],
        notice: None,
    }
}

// ---- language ----

#[test]
fn negotiate_query_beats_header() {
    assert_eq!(
        Lang::negotiate(Some("es"), Some("en-US,en;q=0.9")),
        Lang::Es
    );
    assert_eq!(
        Lang::negotiate(Some("en"), Some("es-MX,es;q=0.9")),
        Lang::En
    );
    assert_eq!(Lang::negotiate(Some("ES-MX"), None), Lang::Es);
    assert_eq!(Lang::negotiate(Some("en-us"), Some("es")), Lang::En);
    // An unknown query value falls back to the header.
    assert_eq!(Lang::negotiate(Some("fr"), Some("es")), Lang::Es);
}

#[test]
fn negotiate_reads_accept_language_q_values() {
    assert_eq!(
        Lang::negotiate(None, Some("es-MX,es;q=0.9,en;q=0.8")),
        Lang::Es
    );
    assert_eq!(
        Lang::negotiate(None, Some("en-US,en;q=0.9,es;q=0.5")),
        Lang::En
    );
    assert_eq!(Lang::negotiate(None, Some("en;q=0.3, es;q=0.7")), Lang::Es);
    assert_eq!(
        Lang::negotiate(None, Some("fr-FR,fr;q=0.9,es;q=0.8")),
        Lang::Es
    );
    assert_eq!(Lang::negotiate(None, Some("es;q=0,en;q=0.1")), Lang::En);
    assert_eq!(Lang::negotiate(None, Some("en, es")), Lang::En);
}

#[test]
fn negotiate_defaults_to_english() {
    assert_eq!(Lang::negotiate(None, None), Lang::En);
    assert_eq!(Lang::negotiate(None, Some("")), Lang::En);
    assert_eq!(Lang::negotiate(None, Some("%%%;;q=;,,")), Lang::En);
    assert_eq!(Lang::negotiate(None, Some("fr, de;q=0.5, *")), Lang::En);
    assert_eq!(Lang::negotiate(Some(""), Some("garbage")), Lang::En);
}

#[test]
fn lang_codes_round_trip() {
    for lang in LANGS {
        assert_eq!(Lang::parse(lang.code()), Some(lang));
    }
    assert_eq!(Lang::parse("es-mx"), Some(Lang::Es));
    assert_eq!(Lang::parse("EN_us"), Some(Lang::En));
    assert_eq!(Lang::parse("esp"), None);
    assert_eq!(Lang::parse(""), None);
}

// ---- strings ----

/// Placeholder names of a pattern, sorted.
fn slots(pattern: &str) -> Vec<String> {
    let mut names: Vec<String> = pieces(pattern)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Slot(name) => Some(name.to_owned()),
            Piece::Literal(_) => None,
        })
        .collect();
    names.sort();
    names
}

#[test]
fn every_language_fills_the_same_placeholders() {
    let patterns = |t: &'static Strings| {
        [
            t.date_pattern,
            t.datetime_pattern,
            t.login_heading_app,
            t.error_locked,
            t.consent_title,
            t.consent_heading,
            t.logo_alt,
            t.made_by,
            t.what_heading,
            t.access_sentence,
            t.period_thirteen_months,
            t.stop_sentence,
            t.err_inactive_title,
            t.err_inactive_text,
            t.err_no_data_text,
            t.revoked_notice,
            t.until_date,
            t.revoke_button_for,
        ]
    };
    for (en, es) in patterns(&EN).into_iter().zip(patterns(&ES)) {
        assert!(!slots(en).is_empty(), "{en}");
        assert_eq!(slots(en), slots(es), "{en} / {es}");
    }
}

#[test]
fn fill_keeps_unknown_placeholders_and_braces() {
    let segs = fill(
        "a {x} b {unknown} {Not-A-Slot} c",
        &[("x", Arg::Strong("X"))],
    );
    let text: String = segs.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(text, "a X b {unknown} {Not-A-Slot} c");
    assert_eq!(segs.iter().filter(|s| s.strong).count(), 1);
    assert_eq!(fill_text("{", &[]), "{");
    assert_eq!(fill_text("}{a}{", &[("a", "1")]), "}1{");
}

#[test]
fn dates_in_words() {
    let date = NaiveDate::from_ymd_opt(2027, 12, 4).expect("date");
    assert_eq!(date_words(&EN, date), "December 4, 2027");
    assert_eq!(date_words(&ES, date), "4 de diciembre de 2027");
    let at = Utc
        .with_ymd_and_hms(2026, 1, 9, 7, 5, 0)
        .single()
        .expect("time");
    assert_eq!(datetime_words(&EN, at), "January 9, 2026, 07:05 UTC");
    assert_eq!(datetime_words(&ES, at), "9 de enero de 2026, 07:05 UTC");
}

// ---- login ----

#[tokio::test]
async fn login_page_has_the_contract_fields_in_both_languages() {
    for lang in LANGS {
        let (status, content_type, html) = parts(login(&login_view(lang))).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(content_type, "text/html; charset=utf-8");
        assert_layout(&html, lang);
        assert!(
            html.contains("<form class=\"form\" method=\"post\" action=\"/mymedicare/login\">")
        );
        assert!(html.contains("<input id=\"username-textbox\" name=\"username\""));
        assert!(
            html.contains("<input id=\"password-textbox\" name=\"password\" type=\"password\"")
        );
        assert!(html.contains("<button id=\"login-button\" type=\"submit\""));
        assert!(html.contains("<label for=\"username-textbox\">"));
        assert!(html.contains("<label for=\"password-textbox\">"));
        assert!(html.contains("name=\"csrf_token\" value=\"csrf-123\""));
        assert!(html.contains("name=\"flow\" value=\"6f1c1d1e-0000-4000-8000-000000000001\""));
        assert!(html.contains("name=\"next\" value=\"\""));
        assert!(html.contains(&format!("name=\"lang\" value=\"{}\"", lang.code())));
        assert!(html.contains("BBUser00000 / PW00000!"));
        assert!(!html.contains("login-error"));
        let other = lang.other().code();
        assert!(html.contains(&format!(
            "href=\"?flow=6f1c1d1e-0000-4000-8000-000000000001&#38;lang={other}\""
        )));
    }
    let en = body(login(&login_view(Lang::En))).await;
    assert!(en.contains("Sandbox: use a synthetic user, e.g. BBUser00000 / PW00000!"));
    assert!(en.contains(">Sign in</button>"));
    let es = body(login(&login_view(Lang::Es))).await;
    assert!(es.contains(">Iniciar sesión</button>"));
    assert!(es.contains(">Contraseña</label>"));
}

#[tokio::test]
async fn login_names_the_app_and_shows_localized_errors() {
    let mut view = login_view(Lang::En);
    view.app_name = Some("Sample App");
    view.username = "BBUser00001";
    view.error = Some(LoginError::BadCredentials);
    let html = body(login(&view)).await;
    assert!(html.contains("Sign in to share your Medicare data with Sample App"));
    assert!(html.contains("role=\"alert\""));
    assert!(html.contains("The user name or password is not correct."));
    assert!(html.contains("value=\"BBUser00001\""));

    view.error = Some(LoginError::Locked { minutes: 30 });
    let html = body(login(&view)).await;
    assert!(
        html.contains("try again in <strong>30 minutes</strong>."),
        "{html}"
    );
    view.error = Some(LoginError::Locked { minutes: 1 });
    assert!(
        body(login(&view))
            .await
            .contains("<strong>1 minute</strong>.")
    );

    view.lang = Lang::Es;
    view.error = Some(LoginError::Locked { minutes: 30 });
    let html = body(login(&view)).await;
    assert!(html.contains("Inicie sesión para compartir sus datos de Medicare con Sample App"));
    assert!(html.contains("de nuevo en <strong>30 minutos</strong>."));
    view.error = Some(LoginError::BadCredentials);
    assert!(
        body(login(&view))
            .await
            .contains("El nombre de usuario o la contraseña no son correctos.")
    );
}

#[tokio::test]
async fn login_escapes_its_input() {
    let mut view = login_view(Lang::En);
    view.app_name = Some(XSS);
    view.username = "\"><script>x</script>";
    view.next = "/x?a=\"b\"";
    let html = body(login(&view)).await;
    assert_layout(&html, Lang::En);
    assert!(html.contains(XSS_ESCAPED), "{html}");
    assert!(html.contains("value=\"&#34;&#62;&#60;script&#62;x&#60;/script&#62;\""));
}

// ---- consent ----

#[tokio::test]
async fn consent_page_has_the_contract_fields_in_both_languages() {
    for lang in LANGS {
        let view = consent_view(lang);
        let (status, content_type, html) = parts(consent(&view)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(content_type, "text/html; charset=utf-8");
        assert_layout(&html, lang);
        assert_eq!(html.matches("<form").count(), 1, "one form");
        let form_start = html.find("<form").expect("form");
        let form_end = html.find("</form>").expect("form end");
        let form = &html[form_start..form_end];
        assert!(form.contains(&format!("action=\"{}\"", view.action)));
        assert!(form.contains("method=\"post\""));
        assert!(form.contains("<input type=\"hidden\" name=\"csrf_token\" value=\"csrf-456\">"));
        assert!(
            form.contains(
                "<button id=\"approve\" name=\"action\" value=\"approve\" type=\"submit\""
            )
        );
        assert!(
            form.contains("<button id=\"deny\" name=\"action\" value=\"deny\" type=\"submit\"")
        );
        assert!(form.contains(
            "<input type=\"checkbox\" id=\"share_demographic_scopes\" name=\"share_demographic_scopes\" value=\"on\" checked>"
        ));
        assert!(form.contains("<label for=\"share_demographic_scopes\">"));
        assert!(html.contains("Sample App"));
        assert!(html.contains("Sample Org"));
        assert!(
            html.contains("<a href=\"https://example.com/privacy\" rel=\"noopener noreferrer\"")
        );
        assert!(html.contains("<a href=\"https://example.com/terms\" rel=\"noopener noreferrer\""));
        assert!(html.contains("href=\"/mymedicare/connected-apps\""));
        assert!(html.contains("1-800-MEDICARE"));
        assert!(!html.contains("<img"), "no logo without logo_uri");
        assert!(html.contains(&format!("href=\"{}\"", view.lang_switch_href)));
    }
    let en = body(consent(&consent_view(Lang::En))).await;
    assert!(en.contains("Do you want to share your Medicare data with Sample App?"));
    assert!(en.contains("Made by Sample Org"));
    assert!(en.contains("doctor visits, hospital stays, prescriptions, and your coverage"));
    assert!(en.contains("Personal information: name, address, date of birth, race, sex"));
    assert!(en.contains(">Allow</button>"));
    assert!(en.contains(">Deny</button>"));
    assert!(en.contains("hreflang=\"es\""));
    let es = body(consent(&consent_view(Lang::Es))).await;
    assert!(es.contains("¿Desea compartir sus datos de Medicare con Sample App?"));
    assert!(
        es.contains("Información personal: nombre, dirección, fecha de nacimiento, raza, sexo")
    );
    assert!(es.contains(">Permitir</button>"));
    assert!(es.contains(">No permitir</button>"));
    assert!(es.contains("hreflang=\"en\""));
}

#[tokio::test]
async fn consent_checkbox_only_with_demographics() {
    for lang in LANGS {
        let mut view = consent_view(lang);
        let html = body(consent(&view)).await;
        let tag = tag_with(&html, "id=\"share_demographic_scopes\"").expect("checkbox");
        assert!(tag.contains(" checked"), "{tag}");

        view.demographics = false;
        let html = body(consent(&view)).await;
        assert!(!html.contains("share_demographic_scopes"));
        assert!(html.contains("id=\"claims-item\""));

        view.claims = false;
        let html = body(consent(&view)).await;
        assert!(!html.contains("claims-item"));
        assert!(html.contains(lang.strings().nothing_item));
    }
}

#[tokio::test]
async fn consent_states_the_access_period_in_both_languages() {
    let until = NaiveDate::from_ymd_opt(2027, 12, 4).expect("date");
    let cases = [
        (Lang::En, AccessPeriod::OneHour, "for 1 hour"),
        (
            Lang::En,
            AccessPeriod::ThirteenMonths { until },
            "for 13 months, until December 4, 2027",
        ),
        (Lang::En, AccessPeriod::NoEnd, "until you revoke it"),
        (Lang::Es, AccessPeriod::OneHour, "por 1 hora"),
        (
            Lang::Es,
            AccessPeriod::ThirteenMonths { until },
            "por 13 meses, hasta el 4 de diciembre de 2027",
        ),
        (
            Lang::Es,
            AccessPeriod::NoEnd,
            "hasta que usted retire el permiso",
        ),
    ];
    for (lang, access, expected) in cases {
        let mut view = consent_view(lang);
        view.access = access;
        let html = body(consent(&view)).await;
        let sentence = &html[html.find("id=\"access-period\"").expect("period")..];
        let sentence = &sentence[..sentence.find("</p>").expect("end")];
        assert!(
            sentence.contains(&format!(
                "Sample App {}",
                match lang {
                    Lang::En => "can see this information",
                    Lang::Es => "podrá ver esta información",
                }
            )),
            "{sentence}"
        );
        assert!(
            sentence.contains(&format!("<strong>{expected}</strong>.")),
            "{sentence}"
        );
    }
}

#[tokio::test]
async fn consent_shows_logo_and_safe_links_only() {
    let mut view = consent_view(Lang::En);
    view.logo_uri = Some("https://example.com/logo.png");
    view.website_uri = Some("https://example.com/");
    let html = body(consent(&view)).await;
    assert!(html.contains(
        "<img class=\"app-logo\" src=\"https://example.com/logo.png\" alt=\"Sample App logo\""
    ));
    assert!(
        html.contains(
            "<a href=\"https://example.com/\" rel=\"noopener noreferrer\">App website</a>"
        )
    );

    view.logo_uri = Some("javascript:alert(1)");
    view.website_uri = Some("javascript:alert(1)");
    view.policy_uri = Some(" JavaScript:alert(1)");
    view.tos_uri = Some("data:text/html,<b>x</b>");
    view.organization = None;
    let html = body(consent(&view)).await;
    assert!(!html.to_ascii_lowercase().contains("javascript:"));
    assert!(!html.contains("data:text"));
    assert!(!html.contains("<img"));
    assert!(!html.contains("app-links"));
    assert!(!html.contains("made-by"));
}

#[tokio::test]
async fn consent_escapes_the_app_name() {
    for lang in LANGS {
        let mut view = consent_view(lang);
        view.app_name = XSS;
        view.organization = Some(XSS);
        view.logo_uri = Some("https://example.com/\"onerror=\"x");
        view.lang_switch_href = "?lang=es\"><script>";
        let html = body(consent(&view)).await;
        assert_layout(&html, lang);
        assert!(html.contains(XSS_ESCAPED), "{html}");
        assert!(!html.contains("\"onerror"));
    }
}

// ---- errors ----

#[tokio::test]
async fn error_pages_in_both_languages() {
    let kinds = [
        ErrorKind::UnknownClient,
        ErrorKind::BadRedirectUri,
        ErrorKind::InvalidRequest("code_challenge_method must be S256".to_owned()),
        ErrorKind::AppInactive("Sample App".to_owned()),
        ErrorKind::FlowExpired,
        ErrorKind::NoData,
        ErrorKind::NotFound,
        ErrorKind::TooManyAttempts,
    ];
    for lang in LANGS {
        let mut titles = Vec::new();
        for kind in &kinds {
            let view = ErrorView {
                lang,
                kind: kind.clone(),
            };
            let (status, content_type, html) = parts(error(&view, StatusCode::BAD_REQUEST)).await;
            assert_eq!(status, StatusCode::BAD_REQUEST);
            assert_eq!(content_type, "text/html; charset=utf-8");
            assert_layout(&html, lang);
            let title = html[html.find("<title>").expect("title")..].to_owned();
            let title = title[..title.find("</title>").expect("end")].to_owned();
            assert!(!titles.contains(&title), "one title per kind: {title}");
            titles.push(title);
            assert!(html.contains("<h1 id=\"error-heading\">"));
        }
    }
    let inactive = ErrorView {
        lang: Lang::En,
        kind: ErrorKind::AppInactive("Sample App".to_owned()),
    };
    let html = body(error(&inactive, StatusCode::UNAUTHORIZED)).await;
    assert!(
        html.contains("This application, <strong>Sample App</strong>, is temporarily inactive.")
    );
    let invalid = ErrorView {
        lang: Lang::Es,
        kind: ErrorKind::InvalidRequest("state is too short".to_owned()),
    };
    let html = body(error(&invalid, StatusCode::BAD_REQUEST)).await;
    assert!(html.contains("No podemos completar esta solicitud"));
    assert!(html.contains("<code id=\"error-detail\">state is too short</code>"));
}

#[tokio::test]
async fn error_pages_escape_untrusted_text() {
    for kind in [
        ErrorKind::InvalidRequest(XSS.to_owned()),
        ErrorKind::AppInactive(XSS.to_owned()),
    ] {
        for lang in LANGS {
            let view = ErrorView {
                lang,
                kind: kind.clone(),
            };
            let html = body(error(&view, StatusCode::BAD_REQUEST)).await;
            assert_layout(&html, lang);
            assert!(html.contains(XSS_ESCAPED), "{html}");
        }
    }
}

// ---- connected apps ----

#[tokio::test]
async fn connected_apps_lists_apps_reads_and_forms() {
    for lang in LANGS {
        let (status, content_type, html) = parts(connected_apps(&apps_view(lang))).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(content_type, "text/html; charset=utf-8");
        assert_layout(&html, lang);
        for grant in ["g1", "g2"] {
            let tag = tag_with(&html, &format!("id=\"revoke-{grant}\"")).expect("revoke button");
            assert!(tag.starts_with("<button type=\"submit\""), "{tag}");
            assert!(tag.contains(&format!("revoke-{grant}\">")), "class: {tag}");
            assert!(html.contains(&format!(
                "<input type=\"hidden\" name=\"grant_id\" value=\"{grant}\">"
            )));
        }
        assert_eq!(
            html.matches("action=\"/mymedicare/connected-apps/revoke\"")
                .count(),
            2
        );
        assert_eq!(
            html.matches("name=\"csrf_token\" value=\"csrf-789\"")
                .count(),
            3
        );
        assert!(html.contains("action=\"/mymedicare/logout\""));
        assert!(html.contains("id=\"logout-button\""));
        assert!(html.contains("Sample Org"));
        assert!(!html.contains("no-apps"));
        let newer = html.find("Newer Reader").expect("newer");
        let older = html.find("Older Reader").expect("older");
        assert!(newer < older, "newest first");
        assert!(html.contains("<time datetime=\"2026-03-05T14:07:00Z\">"));
        assert!(html.contains("(ExplanationOfBenefit)"));
        assert!(html.contains(&format!("href=\"?lang={}\"", lang.other().code())));
    }
    let en = body(connected_apps(&apps_view(Lang::En))).await;
    assert!(en.contains("Who read my data"));
    assert!(en.contains("until February 2, 2027"));
    assert!(en.contains("until you revoke it"));
    assert!(en.contains("January 2, 2026"));
    assert!(en.contains("March 5, 2026, 14:07 UTC"));
    assert!(en.contains(">Revoke<"));
    let es = body(connected_apps(&apps_view(Lang::Es))).await;
    assert!(es.contains("Quién leyó mis datos"));
    assert!(es.contains("hasta el 2 de febrero de 2027"));
    assert!(es.contains("hasta que usted retire el permiso"));
    assert!(es.contains("5 de marzo de 2026, 14:07 UTC"));
}

#[tokio::test]
async fn connected_apps_empty_state_and_notice() {
    let cases = [
        (
            Lang::En,
            "No apps can see your Medicare data.",
            "Sample App can no longer see your Medicare data.",
        ),
        (
            Lang::Es,
            "Ninguna aplicación puede ver sus datos de Medicare.",
            "Sample App ya no puede ver sus datos de Medicare.",
        ),
    ];
    for (lang, empty, notice) in cases {
        let mut view = apps_view(lang);
        view.apps.clear();
        view.reads.clear();
        view.notice = Some("Sample App".to_owned());
        let html = body(connected_apps(&view)).await;
        assert_layout(&html, lang);
        assert!(html.contains(empty));
        assert!(html.contains(notice));
        assert!(html.contains("id=\"no-reads\""));
        assert!(!html.contains("revoke-"));
        assert!(html.contains("id=\"logout-button\""));
    }
}

#[tokio::test]
async fn connected_apps_escapes_names() {
    let mut view = apps_view(Lang::En);
    view.apps[0].name = XSS.to_owned();
    view.apps[0].grant_id = "\"><script>".to_owned();
    view.reads[0].app_name = XSS.to_owned();
    view.reads[0].what = XSS.to_owned();
    view.notice = Some(XSS.to_owned());
    let html = body(connected_apps(&view)).await;
    assert_layout(&html, Lang::En);
    assert!(html.contains(XSS_ESCAPED), "{html}");
}

// ---- static ----

#[tokio::test]
async fn stylesheet_route() {
    let app: Router = static_routes();
    let response = app
        .oneshot(
            Request::get("/static/bb.css")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    assert_eq!(headers[header::CONTENT_TYPE], "text/css; charset=utf-8");
    assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=3600");
    assert_eq!(body(response).await, STYLESHEET);
}

#[test]
fn templates_have_no_script_or_inline_style() {
    let templates = [
        include_str!("../../templates/base.html"),
        include_str!("../../templates/macros.html"),
        include_str!("../../templates/login.html"),
        include_str!("../../templates/consent.html"),
        include_str!("../../templates/error.html"),
        include_str!("../../templates/connected_apps.html"),
    ];
    for template in templates {
        assert!(!template.contains("<script"));
        assert!(!template.contains("<style"));
        assert!(!template.contains("style="));
        assert!(!template.contains("|safe"), "escaping stays on");
    }
}

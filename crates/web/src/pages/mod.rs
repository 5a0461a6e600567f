//! Server-rendered HTML pages of the enrollee journey: sandbox login, consent, error pages
//! and the enrollee's connected apps, in English and Spanish.
//!
//! Handlers build a view (`LoginView`, `ConsentView`, …) and call [`login`], [`consent`],
//! [`error`] or [`connected_apps`], which render askama templates from `crates/web/templates`
//! (one base layout extended by each page) into a complete response. Every visible word comes
//! from [`strings`], one file per language; a sentence with a changing part (an app name, a
//! date, a link) is a pattern with named placeholders that [`fill`] splits into segments the
//! templates print escaped. Pages carry no script and no inline style: the only stylesheet is
//! `/static/bb.css` ([`static_routes`]), which the pages' Content-Security-Policy allows.

mod strings;
#[cfg(test)]
mod tests;

use askama::Template;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};

use strings::Strings;

// ------------------------------------------------------------------------------------------
// Public API
// ------------------------------------------------------------------------------------------

/// Language of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// English (the default).
    #[default]
    En,
    /// Spanish.
    Es,
}

impl Lang {
    /// The page language: the `lang` query value (`es`, `es-mx`, `en`, `en-us`, any case)
    /// wins; then the highest-q of `es`/`en` in `Accept-Language` (the first on a tie);
    /// else English.
    pub fn negotiate(query_lang: Option<&str>, accept_language: Option<&str>) -> Lang {
        if let Some(lang) = query_lang.and_then(Lang::parse) {
            return lang;
        }
        let mut best: Option<(Lang, f32)> = None;
        for item in accept_language.unwrap_or("").split(',') {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::parse) else {
                continue;
            };
            let mut q = 1.0_f32;
            for param in parts {
                let param = param.trim();
                if let Some(value) = param
                    .strip_prefix("q=")
                    .or_else(|| param.strip_prefix("Q="))
                {
                    q = value
                        .trim()
                        .parse::<f32>()
                        .ok()
                        .filter(|q| (0.0..=1.0).contains(q))
                        .unwrap_or(0.0);
                }
            }
            if q > 0.0 && best.is_none_or(|(_, best_q)| q > best_q) {
                best = Some((lang, q));
            }
        }
        best.map_or(Lang::En, |(lang, _)| lang)
    }

    /// The language code: `"en"` or `"es"`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// Reads a language code or tag (`en`, `es`, `es-MX`, `en_US`, any case).
    pub fn parse(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next()?;
        if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else if primary.eq_ignore_ascii_case("es") {
            Some(Lang::Es)
        } else {
            None
        }
    }

    /// The other language (the target of the language switch).
    fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Es,
            Lang::Es => Lang::En,
        }
    }

    /// The words of this language.
    fn strings(self) -> &'static Strings {
        match self {
            Lang::En => &strings::EN,
            Lang::Es => &strings::ES,
        }
    }
}

/// How long an app may see the data, as stated on the consent page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessPeriod {
    /// `ONE_TIME`: one access token, one hour.
    OneHour,
    /// `THIRTEEN_MONTH`: until the grant's end.
    ThirteenMonths {
        /// Last day of access.
        until: NaiveDate,
    },
    /// `RESEARCH_STUDY`: until the enrollee revokes it.
    NoEnd,
}

/// The sandbox login form.
#[derive(Debug, Clone)]
pub struct LoginView<'a> {
    /// Page language.
    pub lang: Lang,
    /// Form action path, e.g. `/mymedicare/login`.
    pub action: &'a str,
    /// Hidden input `flow` (`""` for the connected-apps login).
    pub flow: &'a str,
    /// Hidden input `next` (`""` when none).
    pub next: &'a str,
    /// Hidden input `csrf_token`.
    pub csrf_token: &'a str,
    /// User name to refill after an error.
    pub username: &'a str,
    /// Why the last attempt failed.
    pub error: Option<LoginError>,
    /// The app the enrollee is signing in for, named in the heading.
    pub app_name: Option<&'a str>,
}

/// Why a login attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginError {
    /// Unknown user name or wrong password (never says which).
    BadCredentials,
    /// Too many failures: the user name is locked for this many more minutes.
    Locked {
        /// Minutes until the lock ends.
        minutes: u32,
    },
}

/// The consent page of an authorization flow.
#[derive(Debug, Clone)]
pub struct ConsentView<'a> {
    /// Page language.
    pub lang: Lang,
    /// Path the form posts to.
    pub action: &'a str,
    /// Hidden input `csrf_token`.
    pub csrf_token: &'a str,
    /// The app's name.
    pub app_name: &'a str,
    /// Who made the app.
    pub organization: Option<&'a str>,
    /// The app's logo (shown only for `http(s):`, `data:image/` or a local path).
    pub logo_uri: Option<&'a str>,
    /// The app's website (linked only when `http(s):`).
    pub website_uri: Option<&'a str>,
    /// The app's privacy policy (linked only when `http(s):`).
    pub policy_uri: Option<&'a str>,
    /// The app's terms of use (linked only when `http(s):`).
    pub tos_uri: Option<&'a str>,
    /// The app asks for claims (ExplanationOfBenefit, Coverage).
    pub claims: bool,
    /// The app asks for demographics: the checkbox is shown, checked.
    pub demographics: bool,
    /// How long the app will see the data.
    pub access: AccessPeriod,
    /// Link to this page in the other language.
    pub lang_switch_href: &'a str,
}

/// What went wrong, for the HTML error page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// `client_id` of no app.
    UnknownClient,
    /// `redirect_uri` not registered for the app.
    BadRedirectUri,
    /// Another bad parameter; the message is shown (escaped) for the app's makers.
    InvalidRequest(String),
    /// The app (named) is inactive.
    AppInactive(String),
    /// The authorization flow ended (10 minutes) or is unknown.
    FlowExpired,
    /// The enrollee matches no Medicare records.
    NoData,
    /// No such page.
    NotFound,
    /// Rate limit reached.
    TooManyAttempts,
}

/// An HTML error page.
#[derive(Debug, Clone)]
pub struct ErrorView {
    /// Page language.
    pub lang: Lang,
    /// What went wrong.
    pub kind: ErrorKind,
}

/// One app that can see the enrollee's data.
#[derive(Debug, Clone)]
pub struct ConnectedApp {
    /// The grant's id, posted back as `grant_id` to revoke.
    pub grant_id: String,
    /// The app's name.
    pub name: String,
    /// Who made the app.
    pub organization: Option<String>,
    /// Date of consent.
    pub since: NaiveDate,
    /// Last day of access; `None` until revoked.
    pub until: Option<NaiveDate>,
    /// The app sees claims.
    pub claims: bool,
    /// The app sees demographics.
    pub demographics: bool,
}

/// One read of the enrollee's data by an app (an audit record).
#[derive(Debug, Clone)]
pub struct ReadRecord {
    /// When.
    pub at: DateTime<Utc>,
    /// Which app.
    pub app_name: String,
    /// The FHIR resource type read, e.g. `ExplanationOfBenefit`.
    pub what: String,
}

/// The enrollee's connected apps page.
#[derive(Debug, Clone)]
pub struct ConnectedAppsView<'a> {
    /// Page language.
    pub lang: Lang,
    /// Hidden input `csrf_token` of every form.
    pub csrf_token: &'a str,
    /// Path each Revoke form posts `grant_id` and `csrf_token` to.
    pub revoke_action: &'a str,
    /// Path the sign-out form posts `csrf_token` to.
    pub logout_action: &'a str,
    /// Apps with access.
    pub apps: Vec<ConnectedApp>,
    /// Reads of the enrollee's data (any order; shown newest first).
    pub reads: Vec<ReadRecord>,
    /// Name of an app whose access was just revoked (shown as a notice).
    pub notice: Option<String>,
}

/// The login page: 200, `text/html; charset=utf-8`.
pub fn login(view: &LoginView) -> Response {
    render(&LoginPage::new(view), StatusCode::OK)
}

/// The consent page: 200, `text/html; charset=utf-8`.
pub fn consent(view: &ConsentView) -> Response {
    render(&ConsentPage::new(view), StatusCode::OK)
}

/// An error page with the given status.
pub fn error(view: &ErrorView, status: StatusCode) -> Response {
    render(&ErrorPage::new(view), status)
}

/// The connected apps page: 200, `text/html; charset=utf-8`.
pub fn connected_apps(view: &ConnectedAppsView) -> Response {
    render(&AppsPage::new(view), StatusCode::OK)
}

/// The stylesheet of every page, served at `GET /static/bb.css`.
pub fn static_routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/static/bb.css", get(stylesheet))
}

// ------------------------------------------------------------------------------------------
// Rendering
// ------------------------------------------------------------------------------------------

/// The stylesheet, compiled in.
const STYLESHEET: &str = include_str!("../../static/bb.css");

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// Renders a page; a template failure is logged and answered with a plain 500.
fn render<T: Template>(page: &T, status: StatusCode) -> Response {
    match page.render() {
        Ok(body) => {
            let mut response = (status, axum::response::Html(body)).into_response();
            // Pages carry CSRF values and personal data: never store them.
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(err) => {
            tracing::error!(error = %err, "page template failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "Internal server error",
            )
                .into_response()
        }
    }
}

/// A piece of a sentence: plain text, emphasised text or a link. Printed escaped by the
/// `rich` macro of `templates/macros.html`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Seg {
    text: String,
    strong: bool,
    href: Option<String>,
}

impl Seg {
    fn plain(text: &str) -> Seg {
        Seg {
            text: text.to_owned(),
            strong: false,
            href: None,
        }
    }

    /// The link target, if this segment is a link.
    pub(crate) fn link(&self) -> Option<&str> {
        self.href.as_deref()
    }
}

/// A value for a placeholder of a pattern.
#[derive(Debug, Clone, Copy)]
enum Arg<'a> {
    /// Plain text.
    Text(&'a str),
    /// Emphasised text.
    Strong(&'a str),
    /// A link: text and target.
    Link(&'a str, &'a str),
}

/// A pattern split at its `{name}` placeholders.
enum Piece<'p> {
    Literal(&'p str),
    Slot(&'p str),
}

fn pieces(pattern: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        let name = &after[..close];
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            out.push(Piece::Literal(&rest[..=open]));
            rest = after;
            continue;
        }
        if open > 0 {
            out.push(Piece::Literal(&rest[..open]));
        }
        out.push(Piece::Slot(name));
        rest = &after[close + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Literal(rest));
    }
    out
}

/// Fills a pattern's placeholders; an unknown placeholder stays as written.
fn fill(pattern: &str, args: &[(&str, Arg<'_>)]) -> Vec<Seg> {
    let mut out: Vec<Seg> = Vec::new();
    let push_plain = |out: &mut Vec<Seg>, text: &str| match out.last_mut() {
        Some(last) if !last.strong && last.href.is_none() => last.text.push_str(text),
        _ => out.push(Seg::plain(text)),
    };
    for piece in pieces(pattern) {
        match piece {
            Piece::Literal(text) => push_plain(&mut out, text),
            Piece::Slot(name) => match args.iter().find(|(n, _)| *n == name) {
                Some((_, Arg::Text(text))) => push_plain(&mut out, text),
                Some((_, Arg::Strong(text))) => out.push(Seg {
                    text: (*text).to_owned(),
                    strong: true,
                    href: None,
                }),
                Some((_, Arg::Link(text, href))) => out.push(Seg {
                    text: (*text).to_owned(),
                    strong: false,
                    href: Some((*href).to_owned()),
                }),
                None => push_plain(&mut out, &format!("{{{name}}}")),
            },
        }
    }
    out
}

/// Fills a pattern with plain text (for `<title>` and attributes).
fn fill_text(pattern: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(pattern.len() + 32);
    for piece in pieces(pattern) {
        match piece {
            Piece::Literal(text) => out.push_str(text),
            Piece::Slot(name) => match args.iter().find(|(n, _)| *n == name) {
                Some((_, value)) => out.push_str(value),
                None => {
                    out.push('{');
                    out.push_str(name);
                    out.push('}');
                }
            },
        }
    }
    out
}

/// A date in words: "December 4, 2027", "4 de diciembre de 2027".
fn date_words(t: &Strings, date: NaiveDate) -> String {
    let month = t.months.get(date.month0() as usize).copied().unwrap_or("");
    fill_text(
        t.date_pattern,
        &[
            ("month", month),
            ("day", &date.day().to_string()),
            ("year", &date.year().to_string()),
        ],
    )
}

/// A moment in UTC, in words with a 24-hour time.
fn datetime_words(t: &Strings, at: DateTime<Utc>) -> String {
    let date = date_words(t, at.date_naive());
    let time = at.format("%H:%M").to_string();
    fill_text(t.datetime_pattern, &[("date", &date), ("time", &time)])
}

/// The access period phrase: "for 1 hour", "for 13 months, until …", "until you revoke it".
fn period_words(t: &Strings, access: AccessPeriod) -> String {
    match access {
        AccessPeriod::OneHour => t.period_one_hour.to_owned(),
        AccessPeriod::ThirteenMonths { until } => {
            fill_text(t.period_thirteen_months, &[("date", &date_words(t, until))])
        }
        AccessPeriod::NoEnd => t.period_no_end.to_owned(),
    }
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// A link target worth printing: `http(s)://` only, so no `javascript:` or `data:` link.
fn web_url(uri: Option<&str>) -> Option<&str> {
    let uri = uri?.trim();
    (starts_with_ignore_case(uri, "https://") || starts_with_ignore_case(uri, "http://"))
        .then_some(uri)
}

/// An image source worth printing: `http(s)://`, `data:image/` or a path on this site.
fn image_url(uri: Option<&str>) -> Option<&str> {
    let trimmed = uri?.trim();
    let local = trimmed.starts_with('/') && !trimmed.starts_with("//");
    if local || starts_with_ignore_case(trimmed, "data:image/") {
        Some(trimmed)
    } else {
        web_url(Some(trimmed))
    }
}

/// A query-only link to the current page in another language, keeping `params`.
fn switch_query(params: &[(&str, &str)], lang: Lang) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        if !value.is_empty() {
            query.append_pair(name, value);
        }
    }
    query.append_pair("lang", lang.code());
    format!("?{}", query.finish())
}

// ------------------------------------------------------------------------------------------
// Templates
// ------------------------------------------------------------------------------------------
//
// Every page struct has the fields `base.html` reads: `t`, `lang_code`, `title`,
// `switch_href`.

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    t: &'static Strings,
    lang_code: &'static str,
    title: String,
    switch_href: Option<String>,
    heading: Vec<Seg>,
    action: &'a str,
    flow: &'a str,
    next: &'a str,
    csrf_token: &'a str,
    username: &'a str,
    error: Option<Vec<Seg>>,
}

impl<'a> LoginPage<'a> {
    fn new(view: &LoginView<'a>) -> Self {
        let t = view.lang.strings();
        let (title, heading) = match view.app_name {
            Some(app) => {
                let args = [("app", app)];
                (
                    fill_text(t.login_heading_app, &args),
                    fill(t.login_heading_app, &[("app", Arg::Text(app))]),
                )
            }
            None => (t.login_title.to_owned(), vec![Seg::plain(t.login_title)]),
        };
        let error = view.error.map(|error| match error {
            LoginError::BadCredentials => vec![Seg::plain(t.error_bad_credentials)],
            LoginError::Locked { minutes } => {
                let unit = if minutes == 1 {
                    t.minute_one
                } else {
                    t.minute_many
                };
                let minutes = format!("{minutes} {unit}");
                fill(t.error_locked, &[("minutes", Arg::Strong(&minutes))])
            }
        });
        LoginPage {
            t,
            lang_code: view.lang.code(),
            title,
            switch_href: Some(switch_query(
                &[("flow", view.flow), ("next", view.next)],
                view.lang.other(),
            )),
            heading,
            action: view.action,
            flow: view.flow,
            next: view.next,
            csrf_token: view.csrf_token,
            username: view.username,
            error,
        }
    }
}

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentPage<'a> {
    t: &'static Strings,
    lang_code: &'static str,
    title: String,
    switch_href: Option<String>,
    heading: Vec<Seg>,
    logo: Option<&'a str>,
    logo_alt: String,
    made_by: Option<Vec<Seg>>,
    website: Option<&'a str>,
    policy: Option<&'a str>,
    tos: Option<&'a str>,
    what_heading: Vec<Seg>,
    claims: bool,
    demographics: bool,
    access: Vec<Seg>,
    stop: Vec<Seg>,
    action: &'a str,
    csrf_token: &'a str,
}

impl<'a> ConsentPage<'a> {
    fn new(view: &ConsentView<'a>) -> Self {
        let t = view.lang.strings();
        let app = view.app_name;
        let period = period_words(t, view.access);
        let switch = view.lang_switch_href.trim();
        ConsentPage {
            t,
            lang_code: view.lang.code(),
            title: fill_text(t.consent_title, &[("app", app)]),
            switch_href: (!switch.is_empty()).then(|| switch.to_owned()),
            heading: fill(t.consent_heading, &[("app", Arg::Text(app))]),
            logo: image_url(view.logo_uri),
            logo_alt: fill_text(t.logo_alt, &[("app", app)]),
            made_by: view
                .organization
                .map(str::trim)
                .filter(|org| !org.is_empty())
                .map(|org| fill(t.made_by, &[("organization", Arg::Text(org))])),
            website: web_url(view.website_uri),
            policy: web_url(view.policy_uri),
            tos: web_url(view.tos_uri),
            what_heading: fill(t.what_heading, &[("app", Arg::Text(app))]),
            claims: view.claims,
            demographics: view.demographics,
            access: fill(
                t.access_sentence,
                &[("app", Arg::Text(app)), ("period", Arg::Strong(&period))],
            ),
            stop: fill(
                t.stop_sentence,
                &[
                    (
                        "link",
                        Arg::Link(t.connected_apps_link, "/mymedicare/connected-apps"),
                    ),
                    ("phone", Arg::Text(t.medicare_phone)),
                ],
            ),
            action: view.action,
            csrf_token: view.csrf_token,
        }
    }

    fn has_links(&self) -> bool {
        self.website.is_some() || self.policy.is_some() || self.tos.is_some()
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    t: &'static Strings,
    lang_code: &'static str,
    title: String,
    switch_href: Option<String>,
    heading: Vec<Seg>,
    text: Vec<Seg>,
    detail: Option<String>,
}

impl ErrorPage {
    fn new(view: &ErrorView) -> Self {
        let t = view.lang.strings();
        let mut detail = None;
        let (title, text) = match &view.kind {
            ErrorKind::UnknownClient => (
                t.err_unknown_client_title.to_owned(),
                vec![Seg::plain(t.err_unknown_client_text)],
            ),
            ErrorKind::BadRedirectUri => (
                t.err_bad_redirect_title.to_owned(),
                vec![Seg::plain(t.err_bad_redirect_text)],
            ),
            ErrorKind::InvalidRequest(message) => {
                let message = message.trim();
                if !message.is_empty() {
                    detail = Some(message.to_owned());
                }
                (
                    t.err_invalid_request_title.to_owned(),
                    vec![Seg::plain(t.err_invalid_request_text)],
                )
            }
            ErrorKind::AppInactive(app) => (
                fill_text(t.err_inactive_title, &[("app", app)]),
                fill(t.err_inactive_text, &[("app", Arg::Strong(app))]),
            ),
            ErrorKind::FlowExpired => (
                t.err_flow_expired_title.to_owned(),
                vec![Seg::plain(t.err_flow_expired_text)],
            ),
            ErrorKind::NoData => (
                t.err_no_data_title.to_owned(),
                fill(
                    t.err_no_data_text,
                    &[("phone", Arg::Strong(t.medicare_phone))],
                ),
            ),
            ErrorKind::NotFound => (
                t.err_not_found_title.to_owned(),
                vec![Seg::plain(t.err_not_found_text)],
            ),
            ErrorKind::TooManyAttempts => (
                t.err_too_many_title.to_owned(),
                vec![Seg::plain(t.err_too_many_text)],
            ),
        };
        ErrorPage {
            t,
            lang_code: view.lang.code(),
            heading: vec![Seg::plain(&title)],
            title,
            switch_href: None,
            text,
            detail,
        }
    }
}

/// One app on the connected apps page, in words.
struct AppRow {
    grant_id: String,
    name: String,
    organization: Option<String>,
    since: String,
    since_iso: String,
    until: String,
    until_iso: Option<String>,
    claims: bool,
    demographics: bool,
    revoke_for: String,
}

/// One read on the connected apps page, in words.
struct ReadRow {
    at: String,
    at_iso: String,
    app: String,
    what: String,
    resource: Option<String>,
}

#[derive(Template)]
#[template(path = "connected_apps.html")]
struct AppsPage<'a> {
    t: &'static Strings,
    lang_code: &'static str,
    title: String,
    switch_href: Option<String>,
    notice: Option<Vec<Seg>>,
    apps: Vec<AppRow>,
    reads: Vec<ReadRow>,
    csrf_token: &'a str,
    revoke_action: &'a str,
    logout_action: &'a str,
}

impl<'a> AppsPage<'a> {
    fn new(view: &ConnectedAppsView<'a>) -> Self {
        let t = view.lang.strings();
        let apps = view
            .apps
            .iter()
            .map(|app| AppRow {
                grant_id: app.grant_id.clone(),
                name: app.name.clone(),
                organization: app
                    .organization
                    .as_deref()
                    .map(str::trim)
                    .filter(|org| !org.is_empty())
                    .map(str::to_owned),
                since: date_words(t, app.since),
                since_iso: app.since.format("%Y-%m-%d").to_string(),
                until: match app.until {
                    Some(until) => fill_text(t.until_date, &[("date", &date_words(t, until))]),
                    None => t.period_no_end.to_owned(),
                },
                until_iso: app.until.map(|d| d.format("%Y-%m-%d").to_string()),
                claims: app.claims,
                demographics: app.demographics,
                revoke_for: fill_text(t.revoke_button_for, &[("app", &app.name)]),
            })
            .collect();
        let mut records: Vec<&ReadRecord> = view.reads.iter().collect();
        records.sort_by_key(|read| std::cmp::Reverse(read.at));
        let reads = records
            .into_iter()
            .map(|read| {
                let plain = match read.what.as_str() {
                    "ExplanationOfBenefit" => Some(t.what_eob),
                    "Coverage" => Some(t.what_coverage),
                    "Patient" => Some(t.what_patient),
                    "userinfo" | "UserInfo" => Some(t.what_userinfo),
                    _ => None,
                };
                ReadRow {
                    at: datetime_words(t, read.at),
                    at_iso: read.at.to_rfc3339_opts(SecondsFormat::Secs, true),
                    app: read.app_name.clone(),
                    what: plain.map_or_else(|| read.what.clone(), str::to_owned),
                    resource: plain.map(|_| read.what.clone()),
                }
            })
            .collect();
        AppsPage {
            t,
            lang_code: view.lang.code(),
            title: t.apps_title.to_owned(),
            switch_href: Some(switch_query(&[], view.lang.other())),
            notice: view
                .notice
                .as_deref()
                .map(|app| fill(t.revoked_notice, &[("app", Arg::Text(app))])),
            apps,
            reads,
            csrf_token: view.csrf_token,
            revoke_action: view.revoke_action,
            logout_action: view.logout_action,
        }
    }
}

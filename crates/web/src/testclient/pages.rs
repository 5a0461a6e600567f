//! The test client's pages and their handlers (see the module table in `mod.rs`).

use super::client::{Answer, Auth, call};
use crate::AppState;
use crate::oauth::{cookie, found, origin, see_other, set_cookie};
use crate::portal::render;
use askama::Template;
use axum::extract::{RawForm, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::Response;
use bb_domain::testclient::{CALLBACK_PATH, CallbackRefusal, SESSION_SECS, Session, Tokens};
use chrono::SecondsFormat;
use serde_json::Value;
use subtle::ConstantTimeEq;

const COOKIE: &str = "bb_testclient";
const HOME: &str = "/testclient/";
const PAGE_SIZE: u32 = 10;

#[derive(Template)]
#[template(path = "testclient/home.html")]
struct HomePage {
    title: &'static str,
    message: Option<String>,
    connected: Option<Connected>,
    csrf_token: String,
    callback: Option<String>,
}

/// What the start page shows of the tokens (never the tokens themselves).
struct Connected {
    patient: String,
    scope: String,
    expires_at: String,
    refreshed: u32,
}

#[derive(Template)]
#[template(path = "testclient/resource.html")]
struct ResourcePage {
    title: &'static str,
    request: String,
    status: u16,
    summary: Vec<(String, String)>,
    previous: Option<String>,
    next: Option<String>,
    json: String,
}

#[derive(Template)]
#[template(path = "testclient/notice.html")]
struct NoticePage {
    title: &'static str,
    paragraphs: Vec<String>,
}

fn notice(status: StatusCode, title: &'static str, paragraphs: &[&str]) -> Response {
    render(
        &NoticePage {
            title,
            paragraphs: paragraphs.iter().map(|p| (*p).to_owned()).collect(),
        },
        status,
    )
}

fn disabled() -> Response {
    notice(
        StatusCode::NOT_FOUND,
        "Not found",
        &["The test client is switched off on this server."],
    )
}

fn failure(e: &bb_domain::DomainError) -> Response {
    let status = crate::errors::status_of(e);
    let text = match e {
        bb_domain::DomainError::Internal { operation_id } => {
            format!("Something went wrong (operation {operation_id}). Try again.")
        }
        other => other.to_string(),
    };
    notice(status, "The test client is unavailable", &[text.as_str()])
}

/// Whether `origin`'s host is a loopback name (`localhost`, `127.0.0.1`, `[::1]`).
fn is_loopback(origin: &str) -> bool {
    let Some((_, host)) = origin.split_once("://") else {
        return false;
    };
    let name = if host.starts_with('[') {
        host.split_once(']')
            .map_or(host, |(h, _)| h)
            .trim_start_matches('[')
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    matches!(name, "localhost" | "127.0.0.1" | "::1")
}

/// The origin the test client's redirect URI names: `[oauth] issuer` when configured,
/// else the request's origin if it is a loopback one; `None` otherwise (a public `Host`
/// header is never trusted to name a redirect URI).
fn client_origin(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let configured = state.services.oauth.issuer(String::new());
    if !configured.is_empty() {
        return Some(configured);
    }
    let request = origin(headers);
    is_loopback(&request).then_some(request)
}

fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default()
}

fn get<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

fn with_set_cookie(mut response: Response, value: axum::http::HeaderValue) -> Response {
    response.headers_mut().append(header::SET_COOKIE, value);
    response
}

// ------------------------------------------------------------------------------------------
// Start, authorize, callback
// ------------------------------------------------------------------------------------------

pub(super) async fn home(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let testclient = &state.services.testclient;
    if !testclient.enabled() {
        return disabled();
    }
    let session = cookie(&headers, COOKIE).and_then(|c| testclient.session(c));
    let pairs = query_pairs(query.as_deref());
    let connected = session
        .as_ref()
        .and_then(|s| s.tokens.as_ref())
        .map(|t| Connected {
            patient: t.patient.clone(),
            scope: t.scope.clone(),
            expires_at: t.expires_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            refreshed: t.refreshed,
        });
    let message = match (get(&pairs, "done"), &connected) {
        (Some("refreshed"), Some(c)) => Some(format!(
            "The token was refreshed: the new access token ends at {}.",
            c.expires_at
        )),
        (Some("authorized"), Some(_)) => {
            Some("Authorized: the test client holds an access token for this enrollee.".into())
        }
        _ => None,
    };
    let page = HomePage {
        title: "Blue Button test client",
        message,
        connected,
        csrf_token: session.map(|s| s.csrf_token).unwrap_or_default(),
        callback: client_origin(&state, &headers).map(|o| format!("{o}{CALLBACK_PATH}")),
    };
    render(&page, StatusCode::OK)
}

pub(super) async fn authorize(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let testclient = &state.services.testclient;
    if !testclient.enabled() {
        return disabled();
    }
    let Some(client_origin) = client_origin(&state, &headers) else {
        return notice(
            StatusCode::BAD_REQUEST,
            "The test client needs a known address",
            &[
                "Its redirect URI must be registered exactly, so it is built from the server's configured public URL ([oauth] issuer) or, for a local sandbox, a loopback address (localhost, 127.0.0.1 or [::1]). Open the test client at one of those, or configure the issuer.",
            ],
        );
    };
    let redirect_uri = format!("{client_origin}{CALLBACK_PATH}");
    let app = match testclient.application(&redirect_uri).await {
        Ok(app) => app,
        Err(e) => return failure(&e),
    };
    let (value, pending) = testclient.begin(cookie(&headers, COOKIE), &redirect_uri);
    let url = format!(
        "{client_origin}/v2/o/authorize/?client_id={}&redirect_uri={}&response_type=code&state={}&code_challenge={}&code_challenge_method=S256",
        encode(&app.client_id),
        encode(&redirect_uri),
        encode(&pending.state),
        pending.challenge(),
    );
    with_set_cookie(
        found(&url),
        set_cookie(&headers, COOKIE, &value, SESSION_SECS),
    )
}

/// The token endpoint's answer as tokens, or what went wrong.
fn tokens_of(state: &AppState, answer: &Answer, refreshed: u32) -> Result<Tokens, String> {
    let text = |name: &str| {
        answer
            .json
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    if answer.status != 200 {
        return Err(format!(
            "The token endpoint answered {}: {}",
            answer.status,
            text("error_description")
                .or_else(|| text("error"))
                .unwrap_or_else(|| "no reason given".into())
        ));
    }
    let (Some(access), Some(refresh)) = (text("access_token"), text("refresh_token")) else {
        return Err("The token endpoint's answer has no tokens.".into());
    };
    let expires_in = answer
        .json
        .get("expires_in")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    Ok(Tokens::new(
        access,
        refresh,
        text("patient").unwrap_or_default(),
        text("scope").unwrap_or_default(),
        state.services.clock().now() + chrono::Duration::seconds(expires_in),
        refreshed,
    ))
}

pub(super) async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let testclient = &state.services.testclient;
    if !testclient.enabled() {
        return disabled();
    }
    let pairs = query_pairs(query.as_deref());
    let Some(value) = cookie(&headers, COOKIE) else {
        return notice(
            StatusCode::BAD_REQUEST,
            "No authorization in progress",
            &[
                "This browser has not started an authorization with the test client (or it ended). Start again from the test client's page.",
            ],
        );
    };
    let pending = match testclient.take_pending(value, get(&pairs, "state").unwrap_or_default()) {
        Ok(pending) => pending,
        Err(CallbackRefusal::StateMismatch) => {
            return notice(
                StatusCode::BAD_REQUEST,
                "The state does not match",
                &[
                    "The answer's state is not the one the test client sent, so it was refused (it may be forged or from an older attempt). Start again from the test client's page.",
                ],
            );
        }
        Err(CallbackRefusal::NoAuthorization) => {
            return notice(
                StatusCode::BAD_REQUEST,
                "No authorization in progress",
                &[
                    "This browser has no authorization in progress with the test client (it was used or it ended). Start again from the test client's page.",
                ],
            );
        }
    };
    if let Some(error) = get(&pairs, "error") {
        let text = format!(
            "The authorization server answered {error}{}{}.",
            if get(&pairs, "error_description").is_some() {
                ": "
            } else {
                ""
            },
            get(&pairs, "error_description").unwrap_or_default()
        );
        return notice(
            StatusCode::BAD_REQUEST,
            "The authorization was not granted",
            &[text.as_str()],
        );
    }
    let Some(code) = get(&pairs, "code") else {
        return notice(
            StatusCode::BAD_REQUEST,
            "No code",
            &["The answer carries no authorization code."],
        );
    };
    let app = match testclient.application(&pending.redirect_uri).await {
        Ok(app) => app,
        Err(e) => return failure(&e),
    };
    let client_origin = client_origin(&state, &headers).unwrap_or_else(|| origin(&headers));
    let answer = call(
        &state,
        &client_origin,
        Method::POST,
        "/v2/o/token/",
        Auth::Client {
            id: &app.client_id,
            secret: app.secret(),
        },
        Some(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &pending.redirect_uri),
            ("code_verifier", &pending.verifier),
        ]),
    )
    .await;
    match tokens_of(&state, &answer, 0) {
        Ok(tokens) => {
            testclient.set_tokens(value, tokens);
            see_other("/testclient/?done=authorized")
        }
        Err(why) => notice(
            StatusCode::BAD_GATEWAY,
            "The code could not be exchanged",
            &[why.as_str()],
        ),
    }
}

// ------------------------------------------------------------------------------------------
// Data pages
// ------------------------------------------------------------------------------------------

/// Why a data page cannot be shown.
enum NotConnected {
    /// `[testclient] enabled = false`.
    Disabled,
    /// No session or no tokens yet: back to the start page.
    NoTokens,
}

impl NotConnected {
    fn response(self) -> Response {
        match self {
            Self::Disabled => disabled(),
            Self::NoTokens => see_other(HOME),
        }
    }
}

/// The session's cookie value, session and tokens.
fn connected(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(String, Session, Tokens), NotConnected> {
    let testclient = &state.services.testclient;
    if !testclient.enabled() {
        return Err(NotConnected::Disabled);
    }
    let value = cookie(headers, COOKIE).ok_or(NotConnected::NoTokens)?;
    let session = testclient.session(value).ok_or(NotConnected::NoTokens)?;
    let tokens = session.tokens.clone().ok_or(NotConnected::NoTokens)?;
    Ok((value.to_owned(), session, tokens))
}

/// Calls `path` with the session's access token and shows the answer.
async fn show(
    state: &AppState,
    headers: &HeaderMap,
    title: &'static str,
    path: &str,
    summarise: fn(&Value) -> Vec<(String, String)>,
) -> Response {
    let (_, _, tokens) = match connected(state, headers) {
        Ok(found) => found,
        Err(refused) => return refused.response(),
    };
    let client_origin = client_origin(state, headers).unwrap_or_else(|| origin(headers));
    let answer = call(
        state,
        &client_origin,
        Method::GET,
        path,
        Auth::Bearer(tokens.access_token()),
        None,
    )
    .await;
    let summary = if answer.status == 200 {
        summarise(&answer.json)
    } else {
        vec![(
            "Error".to_owned(),
            answer
                .json
                .get("detail")
                .and_then(Value::as_str)
                .unwrap_or("the call failed")
                .to_owned(),
        )]
    };
    let page_link = |relation: &str| {
        let links = answer.json.get("link")?.as_array()?;
        let url = links
            .iter()
            .find(|l| l.get("relation").and_then(Value::as_str) == Some(relation))?
            .get("url")?
            .as_str()?;
        let pairs = query_pairs(url.split_once('?').map(|(_, q)| q));
        let start: u32 = get(&pairs, "startIndex")?.parse().ok()?;
        let count: u32 = get(&pairs, "_count")
            .and_then(|c| c.parse().ok())
            .unwrap_or(PAGE_SIZE);
        Some(format!("/testclient/eob?startIndex={start}&_count={count}"))
    };
    let page = ResourcePage {
        title,
        request: format!("GET {client_origin}{path}"),
        status: answer.status,
        summary,
        previous: page_link("previous"),
        next: page_link("next"),
        json: serde_json::to_string_pretty(&answer.json).unwrap_or_default(),
    };
    render(&page, StatusCode::OK)
}

fn str_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut at = value;
    for key in path {
        at = match key.parse::<usize>() {
            Ok(i) => at.get(i)?,
            Err(_) => at.get(*key)?,
        };
    }
    at.as_str()
}

fn summarise_patient(json: &Value) -> Vec<(String, String)> {
    let given = json
        .pointer("/name/0/given")
        .and_then(Value::as_array)
        .map(|g| {
            g.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    let family = str_at(json, &["name", "0", "family"]).unwrap_or_default();
    vec![
        (
            "Patient id".into(),
            str_at(json, &["id"]).unwrap_or_default().into(),
        ),
        ("Name".into(), format!("{given} {family}").trim().to_owned()),
        (
            "Birth date".into(),
            str_at(json, &["birthDate"]).unwrap_or_default().into(),
        ),
        (
            "Gender".into(),
            str_at(json, &["gender"]).unwrap_or_default().into(),
        ),
    ]
}

fn entries(json: &Value) -> Vec<&Value> {
    json.get("entry")
        .and_then(Value::as_array)
        .map(|e| e.iter().filter_map(|x| x.get("resource")).collect())
        .unwrap_or_default()
}

fn summarise_coverage(json: &Value) -> Vec<(String, String)> {
    let parts: Vec<String> = entries(json)
        .iter()
        .map(|c| {
            let part = c
                .get("class")
                .and_then(Value::as_array)
                .and_then(|classes| {
                    classes
                        .iter()
                        .filter_map(|k| k.get("value").and_then(Value::as_str))
                        .find(|v| v.starts_with("Part "))
                })
                .or_else(|| str_at(c, &["id"]))
                .unwrap_or("coverage");
            format!("{part} ({})", str_at(c, &["status"]).unwrap_or("unknown"))
        })
        .collect();
    vec![
        ("Coverages".into(), parts.len().to_string()),
        ("Parts".into(), parts.join(", ")),
    ]
}

fn summarise_eob(json: &Value) -> Vec<(String, String)> {
    let shown = entries(json);
    let types: std::collections::BTreeMap<String, usize> =
        shown.iter().fold(Default::default(), |mut m, e| {
            let kind = str_at(e, &["id"])
                .and_then(|id| id.split_once('-').map(|(t, _)| t))
                .unwrap_or("claim")
                .to_owned();
            *m.entry(kind).or_default() += 1;
            m
        });
    vec![
        (
            "Claims in all".into(),
            json.get("total")
                .and_then(Value::as_i64)
                .unwrap_or(0)
                .to_string(),
        ),
        ("On this page".into(), shown.len().to_string()),
        (
            "Types on this page".into(),
            types
                .iter()
                .map(|(k, n)| format!("{k} ×{n}"))
                .collect::<Vec<_>>()
                .join(", "),
        ),
    ]
}

fn summarise_userinfo(json: &Value) -> Vec<(String, String)> {
    vec![
        (
            "Patient".into(),
            str_at(json, &["patient"]).unwrap_or_default().into(),
        ),
        (
            "Name".into(),
            str_at(json, &["name"]).unwrap_or_default().into(),
        ),
    ]
}

pub(super) async fn patient(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let patient = match connected(&state, &headers) {
        Ok((_, _, tokens)) => tokens.patient,
        Err(refused) => return refused.response(),
    };
    let path = format!("/v2/fhir/Patient/{}", encode(&patient));
    show(&state, &headers, "Patient", &path, summarise_patient).await
}

pub(super) async fn coverage(State(state): State<AppState>, headers: HeaderMap) -> Response {
    show(
        &state,
        &headers,
        "Coverage",
        "/v2/fhir/Coverage/",
        summarise_coverage,
    )
    .await
}

pub(super) async fn eob(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let pairs = query_pairs(query.as_deref());
    let start: u32 = get(&pairs, "startIndex")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let count: u32 = get(&pairs, "_count")
        .and_then(|s| s.parse().ok())
        .filter(|c| (1..=50).contains(c))
        .unwrap_or(PAGE_SIZE);
    let path = format!("/v2/fhir/ExplanationOfBenefit/?startIndex={start}&_count={count}");
    show(
        &state,
        &headers,
        "ExplanationOfBenefit",
        &path,
        summarise_eob,
    )
    .await
}

pub(super) async fn userinfo(State(state): State<AppState>, headers: HeaderMap) -> Response {
    show(
        &state,
        &headers,
        "Userinfo",
        "/v2/connect/userinfo",
        summarise_userinfo,
    )
    .await
}

pub(super) async fn refresh(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let (value, session, tokens) = match connected(&state, &headers) {
        Ok(found) => found,
        Err(refused) => return refused.response(),
    };
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let sent = get(&pairs, "csrf_token").unwrap_or_default();
    let same = !sent.is_empty()
        && sent.len() == session.csrf_token.len()
        && bool::from(sent.as_bytes().ct_eq(session.csrf_token.as_bytes()));
    if !same {
        return notice(
            StatusCode::FORBIDDEN,
            "This form has expired",
            &[
                "For your security, the form could not be accepted. Go back, reload the page and try again.",
            ],
        );
    }
    let testclient = &state.services.testclient;
    let Some(client_origin) = client_origin(&state, &headers) else {
        return see_other(HOME);
    };
    let app = match testclient
        .application(&format!("{client_origin}{CALLBACK_PATH}"))
        .await
    {
        Ok(app) => app,
        Err(e) => return failure(&e),
    };
    let answer = call(
        &state,
        &client_origin,
        Method::POST,
        "/v2/o/token/",
        Auth::Client {
            id: &app.client_id,
            secret: app.secret(),
        },
        Some(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens.refresh_token()),
        ]),
    )
    .await;
    match tokens_of(&state, &answer, tokens.refreshed + 1) {
        Ok(new) => {
            testclient.set_tokens(&value, new);
            see_other("/testclient/?done=refreshed")
        }
        Err(why) => notice(
            StatusCode::BAD_GATEWAY,
            "The token could not be refreshed",
            &[why.as_str()],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_hosts_name_the_redirect_uri() {
        for ok in [
            "http://localhost",
            "http://localhost:8000",
            "http://127.0.0.1:41234",
            "http://[::1]:8000",
            "http://[::1]",
        ] {
            assert!(is_loopback(ok), "{ok}");
        }
        for bad in [
            "http://evil.example",
            "http://localhost.evil.example:80",
            "http://127.0.0.2:8000",
            "https://sandbox.bluebutton.example",
            "localhost",
        ] {
            assert!(!is_loopback(bad), "{bad}");
        }
    }
}

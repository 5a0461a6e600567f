//! Developer and staff accounts over HTTP (BB2's `/v2/accounts/` paths):
//!
//! | path | GET | POST |
//! |---|---|---|
//! | `/v2/accounts/create` | sign-up form | 200 "check your e-mail", 400 form with errors |
//! | `/v2/accounts/activation-verify/{token}` | 200 confirmed, 400 link expired or used | |
//! | `/v2/accounts/login` | sign-in form | 303 onwards; 401 wrong, 403 unverified, 429 locked |
//! | `/v2/accounts/login/totp` | code form | 303 to the account; 400 wrong code, 429 locked |
//! | `/v2/accounts/mfa/enrol` | secret and code form | 303 to the account; 400 wrong code |
//! | `/v2/accounts/mfa/disable` | | developers: password and code, 303 to the account; 400 wrong, 429 locked; staff 400 (required) |
//! | `/v2/accounts/logout` | | 303 to the sign-in form |
//! | `/v2/accounts/forgot-password` | e-mail form | 200 "if it has an account…" |
//! | `/v2/accounts/reset-password/{token}` | new password form; 400 link expired | 200 done; 400 errors |
//! | `/v2/accounts/settings` | the account page | |
//! | `/v2/accounts/password-change` | | 303 to the account; 400 errors, 429 locked |
//! | `/v2/accounts/staff/outbox` | staff: the e-mail outbox (no bodies); others 403 | |
//!
//! Every POST without its CSRF value gets 403. Pages that need a session send a browser
//! without one to the sign-in form, and a session still at the TOTP or enrolment step to
//! that step.

use super::views::{
    AccountPage, CodePage, EnrolmentView, Field, ForgotPage, LoginPage, Nav, ResetPage, SignUpPage,
    notice, render,
};
use crate::AppState;
use crate::oauth::{cookie, param, see_other, set_cookie};
use axum::Router;
use axum::extract::{Path, RawForm, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use bb_domain::DomainError;
use bb_domain::portal::{LoginRefusal, PortalError, PortalSession, SignUpForm, Stage};
use subtle::ConstantTimeEq;

const SESSION_COOKIE: &str = "bb_portal";
const CSRF_COOKIE: &str = "bb_portal_csrf";
const CSRF_LEN: usize = 40;
pub(super) const LOGIN: &str = "/v2/accounts/login";
const TOTP: &str = "/v2/accounts/login/totp";
const ENROL: &str = "/v2/accounts/mfa/enrol";
const DISABLE: &str = "/v2/accounts/mfa/disable";
const ACCOUNT: &str = "/v2/accounts/settings";

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/accounts", get(home))
        .route("/v2/accounts/", get(home))
        .route("/v2/accounts/create", get(signup_page).post(signup_post))
        .route("/v2/accounts/activation-verify/{token}", get(verify))
        .route("/v2/accounts/activation-verify/{token}/", get(verify))
        .route(LOGIN, get(login_page).post(login_post))
        .route(TOTP, get(totp_page).post(totp_post))
        .route(ENROL, get(enrol_page).post(enrol_post))
        .route(DISABLE, post(disable_post))
        .route("/v2/accounts/logout", post(logout))
        .route(
            "/v2/accounts/forgot-password",
            get(forgot_page).post(forgot_post),
        )
        .route(
            "/v2/accounts/reset-password/{token}",
            get(reset_page).post(reset_post),
        )
        .route(ACCOUNT, get(account_page))
        .route("/v2/accounts/staff/outbox", get(outbox_page))
        .route("/v2/accounts/password-change", post(password_change))
}

// ------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------

pub(super) fn pairs(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

pub(super) fn field(pairs: &[(String, String)], name: &str) -> String {
    param(pairs, name).unwrap_or_default()
}

pub(crate) fn ct_eq(a: &str, b: &str) -> bool {
    !a.is_empty() && a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The double-submit value for a form shown before sign-in: the browser's cookie when it
/// has a well-formed one (so two open tabs both work), else a new one to set.
pub(super) fn anonymous_csrf(
    state: &AppState,
    headers: &HeaderMap,
) -> (String, Option<HeaderValue>) {
    if let Some(value) = cookie(headers, CSRF_COOKIE)
        .filter(|v| v.len() == CSRF_LEN && v.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return (value.to_owned(), None);
    }
    let fresh = bb_domain::clock::random_alphanumeric(state.services.entropy(), CSRF_LEN);
    let set = set_cookie(headers, CSRF_COOKIE, &fresh, 3600);
    (fresh, Some(set))
}

pub(super) fn with_cookie(mut response: Response, set: Option<HeaderValue>) -> Response {
    if let Some(set) = set {
        response.headers_mut().append(header::SET_COOKIE, set);
    }
    response
}

pub(super) fn anonymous_csrf_ok(headers: &HeaderMap, pairs: &[(String, String)]) -> bool {
    ct_eq(
        &field(pairs, "csrf_token"),
        cookie(headers, CSRF_COOKIE).unwrap_or_default(),
    )
}

pub(super) fn forbidden() -> Response {
    notice(
        StatusCode::FORBIDDEN,
        Nav::default(),
        "This form has expired",
        &[
            "For your security, the form could not be accepted. Go back, reload the page and try again.",
        ],
        None,
    )
}

/// A failure of the store or a bug: the status of the error table, the operation id only.
pub(super) fn failure(e: DomainError) -> Response {
    let status = crate::errors::status_of(&e);
    let text = match &e {
        DomainError::Unavailable(_) => {
            "The service is unavailable right now. Try again in a moment.".to_owned()
        }
        DomainError::Internal { operation_id } => {
            format!("Something went wrong (operation {operation_id}). Try again.")
        }
        other => other.to_string(),
    };
    notice(
        status,
        Nav::default(),
        "Something went wrong",
        &[&text],
        None,
    )
}

fn lock_message(minutes: u32) -> String {
    let unit = if minutes == 1 { "minute" } else { "minutes" };
    format!(
        "Too many failed attempts: this account is locked for {minutes} {unit}. You can reset your password meanwhile."
    )
}

/// The session cookie's value and its live session, if any.
pub(super) async fn current(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(String, PortalSession)>, Response> {
    let Some(secret) = cookie(headers, SESSION_COOKIE).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    match state.services.portal.session(secret).await {
        Ok(Some(session)) => Ok(Some((secret.to_owned(), session))),
        Ok(None) => Ok(None),
        Err(e) => Err(failure(e)),
    }
}

/// Where a session at `stage` belongs.
fn onwards(stage: Stage) -> Response {
    see_other(match stage {
        Stage::Active => ACCOUNT,
        Stage::SecondFactor => TOTP,
        Stage::Enrol => ENROL,
    })
}

pub(super) fn nav_of(session: &PortalSession) -> Nav {
    Nav {
        signed_in: (session.stage == Stage::Active).then(|| session.email.clone()),
        csrf_token: session.csrf_token.clone(),
        unread: session.unread_notifications,
        staff: session.staff_role.is_some(),
    }
}

/// The signed-in session, or the response that sends the browser where it belongs.
pub(super) async fn active(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(String, PortalSession), Response> {
    match current(state, headers).await? {
        Some((secret, session)) if session.stage == Stage::Active => Ok((secret, session)),
        Some((_, session)) => Err(onwards(session.stage)),
        None => Err(see_other(LOGIN)),
    }
}

fn session_cookie(state: &AppState, headers: &HeaderMap, secret: &str) -> HeaderValue {
    let max_age = state.services.portal.settings().session_absolute_secs;
    set_cookie(headers, SESSION_COOKIE, secret, max_age)
}

fn fields_of(errors: Vec<(&'static str, String)>) -> impl Fn(&str, &str) -> Field {
    move |name: &str, value: &str| Field {
        value: value.to_owned(),
        error: errors
            .iter()
            .filter(|(f, _)| *f == name)
            .map(|(_, reason)| format!("{}: {reason}", label(name)))
            .next(),
    }
}

fn label(field: &str) -> &'static str {
    match field {
        "name" => "Your name",
        "email" => "E-mail address",
        "organization" => "Organization name",
        "password" => "Password",
        "current_password" => "Current password",
        "new_password" => "New password",
        "code" => "Code",
        _ => "This field",
    }
}

pub(super) const FIX_BELOW: &str = "Please correct the fields marked below.";

// ------------------------------------------------------------------------------------------
// Sign-up and verification
// ------------------------------------------------------------------------------------------

async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match current(&state, &headers).await {
        Ok(Some((_, session))) => onwards(session.stage),
        Ok(None) => see_other(LOGIN),
        Err(response) => response,
    }
}

async fn signup_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Ok(Some((_, session))) = current(&state, &headers).await {
        return onwards(session.stage);
    }
    let (csrf_token, set) = anonymous_csrf(&state, &headers);
    let page = SignUpPage {
        title: "Create a developer account",
        nav: Nav::default(),
        csrf_token,
        message: None,
        name: Field::default(),
        email: Field::default(),
        organization: Field::default(),
        password: Field::default(),
    };
    with_cookie(render(&page, StatusCode::OK), set)
}

async fn signup_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let pairs = pairs(&body);
    if !anonymous_csrf_ok(&headers, &pairs) {
        return forbidden();
    }
    let form = SignUpForm {
        name: field(&pairs, "name"),
        email: field(&pairs, "email"),
        organization: field(&pairs, "organization"),
        password: field(&pairs, "password"),
    };
    match state.services.portal.sign_up(&form).await {
        Ok(()) => notice(
            StatusCode::OK,
            Nav::default(),
            "Check your e-mail",
            &[
                "We sent a link to the address you gave. Open it within 7 days to confirm your address, then sign in.",
                "If no message arrives, look in your spam folder, or sign in: signing in with an unconfirmed address sends a new link.",
            ],
            Some((LOGIN, "Go to sign in")),
        ),
        Err(PortalError::Invalid(errors)) => {
            let f = fields_of(errors);
            let (csrf_token, set) = anonymous_csrf(&state, &headers);
            let page = SignUpPage {
                title: "Create a developer account",
                nav: Nav::default(),
                csrf_token,
                message: Some(FIX_BELOW.into()),
                name: f("name", &form.name),
                email: f("email", &form.email),
                organization: f("organization", &form.organization),
                // A password is never sent back.
                password: f("password", ""),
            };
            with_cookie(render(&page, StatusCode::BAD_REQUEST), set)
        }
        Err(PortalError::Domain(e)) => failure(e),
        Err(_) => forbidden(),
    }
}

async fn verify(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match state.services.portal.verify_email(&token).await {
        Ok(true) => notice(
            StatusCode::OK,
            Nav::default(),
            "E-mail address confirmed",
            &["Thank you: your developer account is ready."],
            Some((LOGIN, "Sign in")),
        ),
        Ok(false) => notice(
            StatusCode::BAD_REQUEST,
            Nav::default(),
            "This link cannot be used",
            &[
                "The link has expired or was already used. If your address is not confirmed yet, sign in: we send you a new link.",
            ],
            Some((LOGIN, "Sign in")),
        ),
        Err(e) => failure(e),
    }
}

// ------------------------------------------------------------------------------------------
// Sign-in, second step, enrolment, sign-out
// ------------------------------------------------------------------------------------------

fn login_form(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    email: &str,
    message: Option<String>,
) -> Response {
    let (csrf_token, set) = anonymous_csrf(state, headers);
    let page = LoginPage {
        title: "Sign in",
        nav: Nav::default(),
        csrf_token,
        message,
        email: Field::value(email),
        password: Field::default(),
    };
    with_cookie(render(&page, status), set)
}

async fn login_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match current(&state, &headers).await {
        Ok(Some((_, session))) => onwards(session.stage),
        Ok(None) => login_form(&state, &headers, StatusCode::OK, "", None),
        Err(response) => response,
    }
}

async fn login_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let pairs = pairs(&body);
    if !anonymous_csrf_ok(&headers, &pairs) {
        return forbidden();
    }
    let email = field(&pairs, "email");
    let password = field(&pairs, "password");
    match state.services.portal.login(&email, &password).await {
        Ok(started) => {
            let mut response = onwards(started.stage);
            let set = session_cookie(&state, &headers, &started.secret);
            response.headers_mut().append(header::SET_COOKIE, set);
            response
        }
        Err(LoginRefusal::BadCredentials) => login_form(
            &state,
            &headers,
            StatusCode::UNAUTHORIZED,
            &email,
            Some("The e-mail address or the password is not correct.".into()),
        ),
        Err(LoginRefusal::Locked { minutes }) => login_form(
            &state,
            &headers,
            StatusCode::TOO_MANY_REQUESTS,
            &email,
            Some(lock_message(minutes)),
        ),
        Err(LoginRefusal::Unverified) => login_form(
            &state,
            &headers,
            StatusCode::FORBIDDEN,
            &email,
            Some("Your e-mail address is not confirmed yet. We sent a new link to it: open it, then sign in.".into()),
        ),
        Err(LoginRefusal::Domain(e)) => failure(e),
    }
}

fn code_page(
    session: &PortalSession,
    status: StatusCode,
    enrolment: Option<EnrolmentView>,
    error: Option<String>,
    message: Option<String>,
) -> Response {
    let enrolling = enrolment.is_some();
    let page = CodePage {
        title: if enrolling {
            "Set up two-step sign-in"
        } else {
            "Two-step sign-in"
        },
        nav: nav_of(session),
        action: if enrolling { ENROL } else { TOTP },
        csrf_token: session.csrf_token.clone(),
        message,
        required: session.stage == Stage::Enrol,
        enrolment,
        code: Field {
            value: String::new(),
            error,
        },
    };
    render(&page, status)
}

async fn totp_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match current(&state, &headers).await {
        Ok(Some((_, session))) if session.stage == Stage::SecondFactor => {
            code_page(&session, StatusCode::OK, None, None, None)
        }
        Ok(Some((_, session))) => onwards(session.stage),
        Ok(None) => see_other(LOGIN),
        Err(response) => response,
    }
}

async fn totp_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let pairs = pairs(&body);
    let (secret, session) = match current(&state, &headers).await {
        Ok(Some(found)) => found,
        Ok(None) => return see_other(LOGIN),
        Err(response) => return response,
    };
    if !ct_eq(&field(&pairs, "csrf_token"), &session.csrf_token) {
        return forbidden();
    }
    if session.stage != Stage::SecondFactor {
        return onwards(session.stage);
    }
    match state
        .services
        .portal
        .second_factor(&secret, &field(&pairs, "code"))
        .await
    {
        Ok(()) => see_other(ACCOUNT),
        Err(PortalError::Invalid(errors)) => {
            let error = fields_of(errors)("code", "").error;
            code_page(&session, StatusCode::BAD_REQUEST, None, error, None)
        }
        Err(PortalError::Locked { minutes }) => code_page(
            &session,
            StatusCode::TOO_MANY_REQUESTS,
            None,
            None,
            Some(lock_message(minutes)),
        ),
        Err(PortalError::Domain(e)) => failure(e),
        Err(_) => see_other(LOGIN),
    }
}

async fn enrolment_view(
    state: &AppState,
    secret: &str,
) -> Result<EnrolmentView, Option<DomainError>> {
    match state.services.portal.begin_enrolment(secret).await {
        Ok(e) => Ok(EnrolmentView {
            uri: e.uri,
            secret_grouped: e.secret_grouped,
        }),
        Err(PortalError::Domain(e)) => Err(Some(e)),
        Err(_) => Err(None),
    }
}

async fn enrol_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (secret, session) = match current(&state, &headers).await {
        Ok(Some(found)) => found,
        Ok(None) => return see_other(LOGIN),
        Err(response) => return response,
    };
    if session.stage == Stage::SecondFactor || session.has_totp {
        return onwards(session.stage);
    }
    match enrolment_view(&state, &secret).await {
        Ok(view) => code_page(&session, StatusCode::OK, Some(view), None, None),
        Err(Some(e)) => failure(e),
        Err(None) => onwards(session.stage),
    }
}

async fn enrol_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let pairs = pairs(&body);
    let (secret, session) = match current(&state, &headers).await {
        Ok(Some(found)) => found,
        Ok(None) => return see_other(LOGIN),
        Err(response) => return response,
    };
    if !ct_eq(&field(&pairs, "csrf_token"), &session.csrf_token) {
        return forbidden();
    }
    match state
        .services
        .portal
        .confirm_enrolment(&secret, &field(&pairs, "code"))
        .await
    {
        Ok(()) => see_other(&format!("{ACCOUNT}?done=totp")),
        Err(PortalError::Invalid(errors)) => {
            let error = fields_of(errors)("code", "").error;
            match enrolment_view(&state, &secret).await {
                Ok(view) => code_page(&session, StatusCode::BAD_REQUEST, Some(view), error, None),
                Err(Some(e)) => failure(e),
                Err(None) => onwards(session.stage),
            }
        }
        Err(PortalError::Domain(e)) => failure(e),
        Err(_) => onwards(session.stage),
    }
}

async fn disable_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let pairs = pairs(&body);
    let (secret, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if !ct_eq(&field(&pairs, "csrf_token"), &session.csrf_token) {
        return forbidden();
    }
    if session.staff_role.is_some() {
        // The domain refuses it too; say it where staff read it (they have no such form).
        let message =
            "Two-step sign-in cannot be turned off: staff accounts must keep two-step sign-in.";
        return account_view(
            &state,
            &session,
            StatusCode::BAD_REQUEST,
            None,
            Some(message.into()),
            Vec::new(),
        )
        .await;
    }
    let result = state
        .services
        .portal
        .disable_totp(
            &secret,
            &field(&pairs, "disable_password"),
            &field(&pairs, "disable_code"),
        )
        .await;
    let (status, message, errors) = match result {
        Ok(()) => return see_other(&format!("{ACCOUNT}?done=totp-off")),
        Err(PortalError::Invalid(errors)) => {
            (StatusCode::BAD_REQUEST, FIX_BELOW.to_owned(), errors)
        }
        Err(PortalError::Locked { minutes }) => (
            StatusCode::TOO_MANY_REQUESTS,
            lock_message(minutes),
            Vec::new(),
        ),
        Err(PortalError::Domain(e)) => return failure(e),
        Err(_) => return see_other(ACCOUNT),
    };
    account_view(&state, &session, status, None, Some(message), errors).await
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let pairs = pairs(&body);
    match current(&state, &headers).await {
        Ok(Some((secret, session))) => {
            if !ct_eq(&field(&pairs, "csrf_token"), &session.csrf_token) {
                return forbidden();
            }
            if let Err(e) = state.services.portal.logout(&secret).await {
                return failure(e);
            }
        }
        Ok(None) => {}
        Err(response) => return response,
    }
    let mut response = see_other(LOGIN);
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&headers, SESSION_COOKIE, "", 0),
    );
    response
}

// ------------------------------------------------------------------------------------------
// Password reset and change, the account page
// ------------------------------------------------------------------------------------------

fn forgot_form(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    email: Field,
    message: Option<String>,
) -> Response {
    let (csrf_token, set) = anonymous_csrf(state, headers);
    let page = ForgotPage {
        title: "Reset your password",
        nav: Nav::default(),
        csrf_token,
        message,
        email,
    };
    with_cookie(render(&page, status), set)
}

async fn forgot_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    forgot_form(&state, &headers, StatusCode::OK, Field::default(), None)
}

async fn forgot_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let pairs = pairs(&body);
    if !anonymous_csrf_ok(&headers, &pairs) {
        return forbidden();
    }
    let email = field(&pairs, "email");
    match state.services.portal.request_reset(&email).await {
        Ok(()) => {
            let minutes = state.services.portal.settings().reset_secs / 60;
            let text = format!(
                "If an account uses this address, we sent it a link to choose a new password. The link works once, within {minutes} minutes."
            );
            notice(
                StatusCode::OK,
                Nav::default(),
                "Check your e-mail",
                &[&text],
                Some((LOGIN, "Back to sign in")),
            )
        }
        Err(PortalError::Invalid(errors)) => forgot_form(
            &state,
            &headers,
            StatusCode::BAD_REQUEST,
            fields_of(errors)("email", &email),
            Some(FIX_BELOW.into()),
        ),
        Err(PortalError::Domain(e)) => failure(e),
        Err(_) => forbidden(),
    }
}

fn link_expired() -> Response {
    notice(
        StatusCode::BAD_REQUEST,
        Nav::default(),
        "This link cannot be used",
        &["The password reset link has expired or was already used. Ask for a new one."],
        Some(("/v2/accounts/forgot-password", "Ask for a new link")),
    )
}

fn reset_form(
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
    status: StatusCode,
    password: Field,
) -> Response {
    let (csrf_token, set) = anonymous_csrf(state, headers);
    let page = ResetPage {
        title: "Choose a new password",
        nav: Nav::default(),
        action: format!("/v2/accounts/reset-password/{token}"),
        csrf_token,
        message: password.error.as_ref().map(|_| FIX_BELOW.to_owned()),
        password,
    };
    with_cookie(render(&page, status), set)
}

/// Reset tokens are 43 alphanumerics; anything else is refused before it reaches a form
/// action.
fn token_shape_ok(token: &str) -> bool {
    !token.is_empty() && token.len() <= 128 && token.bytes().all(|b| b.is_ascii_alphanumeric())
}

async fn reset_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    if !token_shape_ok(&token) {
        return link_expired();
    }
    match state.services.portal.reset_link_is_valid(&token).await {
        Ok(true) => reset_form(&state, &headers, &token, StatusCode::OK, Field::default()),
        Ok(false) => link_expired(),
        Err(e) => failure(e),
    }
}

async fn reset_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    let pairs = pairs(&body);
    if !anonymous_csrf_ok(&headers, &pairs) {
        return forbidden();
    }
    if !token_shape_ok(&token) {
        return link_expired();
    }
    match state
        .services
        .portal
        .reset_password(&token, &field(&pairs, "password"))
        .await
    {
        Ok(()) => {
            let mut response = notice(
                StatusCode::OK,
                Nav::default(),
                "Password changed",
                &[
                    "Your new password is saved, and every device that was signed in to your account is signed out.",
                ],
                Some((LOGIN, "Sign in")),
            );
            response.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(&headers, SESSION_COOKIE, "", 0),
            );
            response
        }
        Err(PortalError::Invalid(errors)) => reset_form(
            &state,
            &headers,
            &token,
            StatusCode::BAD_REQUEST,
            fields_of(errors)("password", ""),
        ),
        Err(PortalError::LinkExpired) => link_expired(),
        Err(PortalError::Domain(e)) => failure(e),
        Err(_) => forbidden(),
    }
}

async fn account_view(
    state: &AppState,
    session: &PortalSession,
    status: StatusCode,
    notice_text: Option<&'static str>,
    message: Option<String>,
    errors: Vec<(&'static str, String)>,
) -> Response {
    let organizations = match state
        .services
        .portal
        .organizations_of(&session.user_id)
        .await
    {
        Ok(o) => o,
        Err(e) => return failure(e),
    };
    let f = fields_of(errors);
    let page = AccountPage {
        title: "Your account",
        nav: nav_of(session),
        notice: notice_text,
        name: session.name.clone(),
        email: session.email.clone(),
        staff_role: session.staff_role.clone(),
        organizations,
        has_totp: session.has_totp,
        message,
        current_password: f("current_password", ""),
        new_password: f("new_password", ""),
        disable_password: f("disable_password", ""),
        disable_code: f("disable_code", ""),
    };
    render(&page, status)
}

async fn account_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let done = query
        .as_deref()
        .map(|q| pairs(q.as_bytes()))
        .and_then(|p| param(&p, "done"));
    let notice_text = match done.as_deref() {
        Some("totp") => {
            Some("Two-step sign-in is on: from now on, signing in asks for a code from your app.")
        }
        Some("password") => Some("Your password is changed. Other devices were signed out."),
        Some("totp-off") => Some(
            "Two-step sign-in is off: signing in asks only for your password. We sent you an e-mail about it.",
        ),
        _ => None,
    };
    account_view(
        &state,
        &session,
        StatusCode::OK,
        notice_text,
        None,
        Vec::new(),
    )
    .await
}

/// The newest messages shown on the staff outbox page.
const OUTBOX_ROWS: i64 = 200;

async fn outbox_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if session.staff_role.is_none() {
        return notice(
            StatusCode::FORBIDDEN,
            nav_of(&session),
            "Staff only",
            &["The outbox is shown to Blue Button staff only."],
            Some((ACCOUNT, "Back to your account")),
        );
    }
    let rows = match state.services.mail.outbox(OUTBOX_ROWS).await {
        Ok(rows) => rows,
        Err(e) => return failure(e),
    };
    let when = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default()
    };
    let rows = rows
        .into_iter()
        .map(|row| super::views::OutboxLine {
            id: row.id,
            status: match (row.sent_at, row.failed_at) {
                (Some(at), _) => format!("sent {}", when(at)),
                (None, Some(at)) => format!("gave up {}", when(at)),
                (None, None) => format!("waiting, next try {}", when(row.next_attempt_at)),
            },
            recipient: row.recipient,
            subject: row.subject,
            queued: when(row.created_at),
            attempts: row.attempts,
            last_error: row.last_error.unwrap_or_default(),
        })
        .collect();
    render(
        &super::views::OutboxPage {
            title: "E-mail outbox",
            nav: nav_of(&session),
            rows,
        },
        StatusCode::OK,
    )
}

async fn password_change(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let pairs = pairs(&body);
    let (secret, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if !ct_eq(&field(&pairs, "csrf_token"), &session.csrf_token) {
        return forbidden();
    }
    match state
        .services
        .portal
        .change_password(
            &secret,
            &field(&pairs, "current_password"),
            &field(&pairs, "new_password"),
        )
        .await
    {
        Ok(fresh) => {
            let mut response = see_other(&format!("{ACCOUNT}?done=password"));
            let set = session_cookie(&state, &headers, &fresh);
            response.headers_mut().append(header::SET_COOKIE, set);
            response
        }
        Err(PortalError::Invalid(errors)) => {
            account_view(
                &state,
                &session,
                StatusCode::BAD_REQUEST,
                None,
                Some(FIX_BELOW.into()),
                errors,
            )
            .await
        }
        Err(PortalError::Locked { minutes }) => {
            account_view(
                &state,
                &session,
                StatusCode::TOO_MANY_REQUESTS,
                None,
                Some(lock_message(minutes)),
                Vec::new(),
            )
            .await
        }
        Err(PortalError::Domain(e)) => failure(e),
        Err(_) => see_other(LOGIN),
    }
}

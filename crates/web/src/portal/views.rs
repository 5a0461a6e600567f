//! The portal's pages as askama templates (`templates/portal/`), and how a page becomes a
//! response: HTML, `Cache-Control: no-store` (pages carry CSRF values), and an enforced
//! CSP that allows nothing but the site's stylesheet (no script anywhere).

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A form field: what was typed (kept on error; never for passwords) and its error.
#[derive(Debug, Clone, Default)]
pub(crate) struct Field {
    pub value: String,
    pub error: Option<String>,
}

impl Field {
    pub fn value(value: &str) -> Self {
        Self {
            value: value.to_owned(),
            error: None,
        }
    }
}

/// The header's account links: who is signed in (with the sign-out form's CSRF value).
#[derive(Debug, Clone, Default)]
pub(crate) struct Nav {
    pub signed_in: Option<String>,
    pub csrf_token: String,
    /// Unread production-access notifications.
    pub unread: i64,
    /// Staff: the review queue's link.
    pub staff: bool,
}

#[derive(Template)]
#[template(path = "portal/signup.html")]
pub(crate) struct SignUpPage {
    pub title: &'static str,
    pub nav: Nav,
    pub csrf_token: String,
    pub message: Option<String>,
    pub name: Field,
    pub email: Field,
    pub organization: Field,
    pub password: Field,
}

#[derive(Template)]
#[template(path = "portal/login.html")]
pub(crate) struct LoginPage {
    pub title: &'static str,
    pub nav: Nav,
    pub csrf_token: String,
    pub message: Option<String>,
    pub email: Field,
    pub password: Field,
}

/// What the enrolment page shows of the secret.
pub(crate) struct EnrolmentView {
    pub uri: String,
    pub secret_grouped: String,
}

#[derive(Template)]
#[template(path = "portal/code.html")]
pub(crate) struct CodePage {
    pub title: &'static str,
    pub nav: Nav,
    pub action: &'static str,
    pub csrf_token: String,
    pub message: Option<String>,
    pub enrolment: Option<EnrolmentView>,
    pub required: bool,
    pub code: Field,
}

#[derive(Template)]
#[template(path = "portal/forgot.html")]
pub(crate) struct ForgotPage {
    pub title: &'static str,
    pub nav: Nav,
    pub csrf_token: String,
    pub message: Option<String>,
    pub email: Field,
}

#[derive(Template)]
#[template(path = "portal/reset.html")]
pub(crate) struct ResetPage {
    pub title: &'static str,
    pub nav: Nav,
    pub action: String,
    pub csrf_token: String,
    pub message: Option<String>,
    pub password: Field,
}

#[derive(Template)]
#[template(path = "portal/notice.html")]
pub(crate) struct NoticePage {
    pub title: String,
    pub nav: Nav,
    /// `alert-success` or `alert-error`.
    pub class: &'static str,
    pub paragraphs: Vec<String>,
    pub next: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "portal/account.html")]
pub(crate) struct AccountPage {
    pub title: &'static str,
    pub nav: Nav,
    pub notice: Option<&'static str>,
    pub name: String,
    pub email: String,
    pub staff_role: Option<String>,
    pub organizations: Vec<String>,
    pub has_totp: bool,
    pub message: Option<String>,
    pub current_password: Field,
    pub new_password: Field,
    pub disable_password: Field,
    pub disable_code: Field,
}

#[derive(Template)]
#[template(path = "portal/outbox.html")]
pub(crate) struct OutboxPage {
    pub title: &'static str,
    pub nav: Nav,
    pub rows: Vec<OutboxLine>,
}

/// One message of the outbox as staff see it: never its body (links with tokens).
pub(crate) struct OutboxLine {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub queued: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: String,
}

/// The pages' policy: the stylesheet from this origin, forms posting here, nothing else.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Renders a page with `status`; a template failure is logged and answered with a 500.
pub(crate) fn render<T: Template>(page: &T, status: StatusCode) -> Response {
    let mut response = match page.render() {
        Ok(body) => (status, axum::response::Html(body)).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "portal template failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "Internal server error",
            )
                .into_response()
        }
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A page that only tells something.
pub(crate) fn notice(
    status: StatusCode,
    nav: Nav,
    title: &str,
    paragraphs: &[&str],
    next: Option<(&str, &str)>,
) -> Response {
    render(
        &NoticePage {
            title: title.to_owned(),
            nav,
            class: if status.is_success() {
                "alert-success"
            } else {
                "alert-error"
            },
            paragraphs: paragraphs.iter().map(|p| (*p).to_owned()).collect(),
            next: next.map(|(href, text)| (href.to_owned(), text.to_owned())),
        },
        status,
    )
}

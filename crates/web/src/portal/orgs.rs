//! Organizations over HTTP (`/v2/accounts/organizations/`):
//!
//! | path | GET | POST |
//! |---|---|---|
//! | `/v2/accounts/organizations/` | the user's organizations | |
//! | `/v2/accounts/organizations/{org}/` | members, invitations (owners), forms; 403 for non-members | |
//! | `/v2/accounts/organizations/{org}/invite` | | owners: 303 back; 400 errors next to the fields |
//! | `/v2/accounts/organizations/{org}/members/{user}/role` | | owners: 303 back; 400 last owner |
//! | `/v2/accounts/organizations/{org}/members/{user}/remove` | | owners: 303 back; 400 last owner |
//! | `/v2/accounts/organizations/{org}/leave` | | 303 to the list; 400 last owner |
//! | `/v2/accounts/organizations/invitations/{token}` | signed in as the invited address: accept form; otherwise where to go | accept: 303 to the organization |
//! | `/v2/accounts/organizations/invitations/{token}/signup` | sign-up prefilled with the invited address | 200 "check your e-mail"; 400 errors |
//!
//! The organization comes from the path; every POST carries the CSRF value.

use super::accounts::{
    FIX_BELOW, LOGIN, active, anonymous_csrf, anonymous_csrf_ok, ct_eq, current, failure, field,
    forbidden, nav_of, pairs, with_cookie,
};
use super::views::{Field, Nav, notice, render};
use crate::AppState;
use crate::oauth::see_other;
use askama::Template;
use axum::Router;
use axum::extract::{Path, RawForm, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use bb_domain::orgs::{InvitationView, Membership, OrgError, OrganizationView, Role};
use bb_domain::portal::{PortalSession, SignUpForm, Stage};

const ORGS: &str = "/v2/accounts/organizations/";

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(ORGS, get(list_page))
        .route("/v2/accounts/organizations", get(list_page))
        .route("/v2/accounts/organizations/{org}/", get(org_page))
        .route("/v2/accounts/organizations/{org}/invite", post(invite))
        .route(
            "/v2/accounts/organizations/{org}/members/{user}/role",
            post(set_role),
        )
        .route(
            "/v2/accounts/organizations/{org}/members/{user}/remove",
            post(remove),
        )
        .route("/v2/accounts/organizations/{org}/leave", post(leave))
        .route(
            "/v2/accounts/organizations/invitations/{token}",
            get(invitation_page).post(accept),
        )
        .route(
            "/v2/accounts/organizations/invitations/{token}/signup",
            get(signup_page).post(signup_post),
        )
}

#[derive(Template)]
#[template(path = "portal/org_list.html")]
pub(crate) struct ListPage {
    pub title: &'static str,
    pub nav: Nav,
    pub notice: Option<&'static str>,
    pub organizations: Vec<Membership>,
}

#[derive(Template)]
#[template(path = "portal/org.html")]
pub(crate) struct OrgPage {
    pub title: String,
    pub nav: Nav,
    pub notice: Option<&'static str>,
    pub message: Option<String>,
    pub org: OrganizationView,
    pub me: String,
    pub is_owner: bool,
    pub email: Field,
    pub role: Field,
}

#[derive(Template)]
#[template(path = "portal/invitation.html")]
pub(crate) struct InvitationPage {
    pub title: &'static str,
    pub nav: Nav,
    pub action: String,
    pub invitation: InvitationView,
}

#[derive(Template)]
#[template(path = "portal/invited_signup.html")]
pub(crate) struct InvitedSignUpPage {
    pub title: &'static str,
    pub nav: Nav,
    pub action: String,
    pub csrf_token: String,
    pub message: Option<String>,
    pub invitation: InvitationView,
    pub name: Field,
    pub password: Field,
}

fn label(field: &str) -> &'static str {
    match field {
        "email" => "E-mail address",
        "role" => "Role",
        "name" => "Your name",
        "password" => "Password",
        _ => "This field",
    }
}

fn error_of(errors: &[(&'static str, String)], name: &str) -> Option<String> {
    errors
        .iter()
        .find(|(f, _)| *f == name)
        .map(|(_, r)| format!("{}: {r}", label(name)))
}

const LAST_OWNER: &str =
    "An organization needs at least one owner: make another member an owner first.";

fn org_failure(e: OrgError, nav: Nav) -> Response {
    match e {
        OrgError::NotMember => notice(
            StatusCode::FORBIDDEN,
            nav,
            "Not your organization",
            &["You are not a member of this organization."],
            Some((ORGS, "Your organizations")),
        ),
        OrgError::OwnersOnly => notice(
            StatusCode::FORBIDDEN,
            nav,
            "Owners only",
            &["Only an owner of the organization can do this."],
            Some((ORGS, "Your organizations")),
        ),
        OrgError::LinkExpired => link_unusable(nav),
        OrgError::Domain(e) => failure(e),
        OrgError::LastOwner | OrgError::Invalid(_) => notice(
            StatusCode::BAD_REQUEST,
            nav,
            "Not possible",
            &[LAST_OWNER],
            Some((ORGS, "Your organizations")),
        ),
    }
}

fn link_unusable(nav: Nav) -> Response {
    notice(
        StatusCode::BAD_REQUEST,
        nav,
        "This invitation cannot be used",
        &[
            "The invitation has expired, was already used, or is for another e-mail address. Ask the organization's owner for a new one.",
        ],
        Some((LOGIN, "Sign in")),
    )
}

async fn org_view(
    state: &AppState,
    session: &PortalSession,
    org: &str,
    status: StatusCode,
    notice_text: Option<&'static str>,
    message: Option<String>,
    invite: (&str, &str, &[(&'static str, String)]),
) -> Response {
    match state
        .services
        .portal
        .organization(&session.user_id, org)
        .await
    {
        Ok(view) => {
            let (email, role, errors) = invite;
            let page = OrgPage {
                title: view.name.clone(),
                nav: nav_of(session),
                notice: notice_text,
                message,
                is_owner: view.role == Role::Owner,
                me: session.user_id.clone(),
                org: view,
                email: Field {
                    value: email.to_owned(),
                    error: error_of(errors, "email"),
                },
                role: Field {
                    value: role.to_owned(),
                    error: error_of(errors, "role"),
                },
            };
            render(&page, status)
        }
        Err(e) => org_failure(e, nav_of(session)),
    }
}

fn org_path(org: &str, done: &str) -> String {
    format!("{ORGS}{org}/?done={done}")
}

async fn list_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let organizations = match state.services.portal.memberships(&session.user_id).await {
        Ok(m) => m,
        Err(e) => return failure(e),
    };
    let done = query
        .map(|q| pairs(q.as_bytes()))
        .and_then(|p| crate::oauth::param(&p, "done"));
    render(
        &ListPage {
            title: "Your organizations",
            nav: nav_of(&session),
            notice: (done.as_deref() == Some("left")).then_some("You left the organization."),
            organizations,
        },
        StatusCode::OK,
    )
}

async fn org_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(org): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let (_, session) = match active(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let done = query
        .map(|q| pairs(q.as_bytes()))
        .and_then(|p| crate::oauth::param(&p, "done"));
    let notice_text = match done.as_deref() {
        Some("invited") => Some("The invitation is sent. It works once, within 7 days."),
        Some("removed") => Some("The member is removed."),
        Some("role") => Some("The role is changed."),
        Some("joined") => Some("Welcome: you joined the organization."),
        _ => None,
    };
    org_view(
        &state,
        &session,
        &org,
        StatusCode::OK,
        notice_text,
        None,
        ("", "developer", &[]),
    )
    .await
}

/// The signed-in session and the posted form, once the CSRF value is right.
async fn posted(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(PortalSession, Vec<(String, String)>), Response> {
    let form = pairs(body);
    let (_, session) = active(state, headers).await?;
    if !ct_eq(&field(&form, "csrf_token"), &session.csrf_token) {
        return Err(forbidden());
    }
    Ok((session, form))
}

async fn invite(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(org): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    let (session, form) = match posted(&state, &headers, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let email = field(&form, "email");
    let role = field(&form, "role");
    match state
        .services
        .portal
        .invite(&session.user_id, &org, &email, &role)
        .await
    {
        Ok(()) => see_other(&org_path(&org, "invited")),
        Err(OrgError::Invalid(errors)) => {
            org_view(
                &state,
                &session,
                &org,
                StatusCode::BAD_REQUEST,
                None,
                Some(FIX_BELOW.into()),
                (&email, &role, &errors),
            )
            .await
        }
        Err(e) => org_failure(e, nav_of(&session)),
    }
}

/// Shows the organization page again with the last-owner message (400).
async fn last_owner(state: &AppState, session: &PortalSession, org: &str) -> Response {
    org_view(
        state,
        session,
        org,
        StatusCode::BAD_REQUEST,
        None,
        Some(LAST_OWNER.into()),
        ("", "developer", &[]),
    )
    .await
}

async fn set_role(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((org, user)): Path<(String, String)>,
    RawForm(body): RawForm,
) -> Response {
    let (session, form) = match posted(&state, &headers, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match state
        .services
        .portal
        .set_role(&session.user_id, &org, &user, &field(&form, "role"))
        .await
    {
        Ok(()) => see_other(&org_path(&org, "role")),
        Err(OrgError::LastOwner) => last_owner(&state, &session, &org).await,
        Err(OrgError::Invalid(errors)) => {
            org_view(
                &state,
                &session,
                &org,
                StatusCode::BAD_REQUEST,
                None,
                errors.first().map(|(_, r)| format!("Role: {r}")),
                ("", "developer", &[]),
            )
            .await
        }
        Err(e) => org_failure(e, nav_of(&session)),
    }
}

async fn remove(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((org, user)): Path<(String, String)>,
    RawForm(body): RawForm,
) -> Response {
    let (session, _) = match posted(&state, &headers, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match state
        .services
        .portal
        .remove_member(&session.user_id, &org, &user)
        .await
    {
        Ok(()) if user == session.user_id => see_other(&format!("{ORGS}?done=left")),
        Ok(()) => see_other(&org_path(&org, "removed")),
        Err(OrgError::LastOwner) => last_owner(&state, &session, &org).await,
        Err(e) => org_failure(e, nav_of(&session)),
    }
}

async fn leave(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(org): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    let (session, _) = match posted(&state, &headers, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match state
        .services
        .portal
        .remove_member(&session.user_id, &org, &session.user_id)
        .await
    {
        Ok(()) => see_other(&format!("{ORGS}?done=left")),
        Err(OrgError::LastOwner) => last_owner(&state, &session, &org).await,
        Err(e) => org_failure(e, nav_of(&session)),
    }
}

fn invitation_path(token: &str) -> String {
    format!("{}{token}", bb_domain::orgs::INVITATION_PATH)
}

async fn invitation_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let invitation = match state.services.portal.invitation(&token).await {
        Ok(view) => view,
        Err(e) => return org_failure(e, Nav::default()),
    };
    let session = match current(&state, &headers).await {
        Ok(found) => found.map(|(_, s)| s),
        Err(response) => return response,
    };
    match session {
        Some(session) if session.stage == Stage::Active => {
            if session.email == invitation.email {
                render(
                    &InvitationPage {
                        title: "Join an organization",
                        nav: nav_of(&session),
                        action: invitation_path(&token),
                        invitation,
                    },
                    StatusCode::OK,
                )
            } else {
                let text = format!(
                    "This invitation is for {}, and you are signed in as {}. Sign out, then open the link again.",
                    invitation.email, session.email
                );
                notice(
                    StatusCode::FORBIDDEN,
                    nav_of(&session),
                    "This invitation is for another address",
                    &[&text],
                    None,
                )
            }
        }
        _ if invitation.has_account => {
            let text = format!(
                "To join {}, sign in as {}, then open the link in the e-mail again.",
                invitation.organization, invitation.email
            );
            notice(
                StatusCode::OK,
                Nav::default(),
                "Sign in to accept the invitation",
                &[&text],
                Some((LOGIN, "Sign in")),
            )
        }
        _ => see_other(&format!("{}/signup", invitation_path(&token))),
    }
}

async fn accept(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    let (session, _) = match posted(&state, &headers, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match state
        .services
        .portal
        .accept_invitation(&session.user_id, &session.email, &token)
        .await
    {
        Ok(org) => see_other(&org_path(&org, "joined")),
        Err(e) => org_failure(e, nav_of(&session)),
    }
}

fn invited_signup_form(
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
    invitation: InvitationView,
    status: StatusCode,
    name: &str,
    errors: &[(&'static str, String)],
) -> Response {
    let (csrf_token, set) = anonymous_csrf(state, headers);
    let page = InvitedSignUpPage {
        title: "Create your developer account",
        nav: Nav::default(),
        action: format!("{}/signup", invitation_path(token)),
        csrf_token,
        message: (!errors.is_empty()).then(|| FIX_BELOW.to_owned()),
        invitation,
        name: Field {
            value: name.to_owned(),
            error: error_of(errors, "name"),
        },
        password: Field {
            value: String::new(),
            error: error_of(errors, "password"),
        },
    };
    with_cookie(render(&page, status), set)
}

async fn signup_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    match state.services.portal.invitation(&token).await {
        Ok(view) if view.has_account => see_other(&invitation_path(&token)),
        Ok(view) => invited_signup_form(&state, &headers, &token, view, StatusCode::OK, "", &[]),
        Err(e) => org_failure(e, Nav::default()),
    }
}

async fn signup_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    let form = pairs(&body);
    if !anonymous_csrf_ok(&headers, &form) {
        return forbidden();
    }
    let portal = &state.services.portal;
    let view = match portal.invitation(&token).await {
        Ok(view) => view,
        Err(e) => return org_failure(e, Nav::default()),
    };
    let name = field(&form, "name");
    let sign_up = SignUpForm {
        name: name.clone(),
        email: view.email.clone(),
        organization: view.organization.clone(),
        password: field(&form, "password"),
    };
    match portal.sign_up_invited(&token, &sign_up).await {
        Ok(()) => {
            let text = format!(
                "We sent a link to {}. Open it to confirm your address: you then join {} and can sign in.",
                view.email, view.organization
            );
            notice(
                StatusCode::OK,
                Nav::default(),
                "Check your e-mail",
                &[&text],
                Some((LOGIN, "Sign in")),
            )
        }
        Err(OrgError::Invalid(errors)) => invited_signup_form(
            &state,
            &headers,
            &token,
            view,
            StatusCode::BAD_REQUEST,
            &name,
            &errors,
        ),
        Err(e) => org_failure(e, Nav::default()),
    }
}

//! After approval over JSON (issue 7, part 4), on the same domain functions as the pages
//! (`bb_domain::access::golive`):
//!
//! | method and path | what |
//! |---|---|
//! | `GET /v2/access/requests/{id}/golive` | listing, privacy label, production client id, link audit (staff) |
//! | `POST /v2/access/requests/{id}/listing` | developer, multipart: the listing and an optional `logo` (400, 413, 415 with `errors`) |
//! | `POST /v2/access/requests/{id}/credentials` | staff, `{note}`: issue credentials; 201 with the first one-time link (409 before the second reviewer's confirmation) |
//! | `POST /v2/access/requests/{id}/handoff` | a member or staff: a new one-time link (older ones stop opening) |
//! | `POST /v2/access/credentials/{token}` | a signed-in member: `{client_id, client_secret}` once (`no-store`); 410 expired or used; 404 |
//! | `GET /.well-known/applications` | the public directory in BB2's shape (`count`, `next`, `previous`, `results`), `page`, `page_size` ≤ 10000 |
//! | `GET /apps/{app}/logo` | a listed app's logo |
//!
//! `go_live`, `suspend`, `reinstate` and `revoke` are `POST /v2/access/requests/{id}/transitions`.

use crate::AppState;
use crate::access_api::{error, session, viewer};
use crate::errors::detail;
use crate::portal::query_number;
use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bb_domain::access::AccessError;
use bb_domain::access::golive::{
    DIRECTORY_MAX_PAGE_SIZE, DIRECTORY_PAGE_SIZE, DirectoryEntry, GoLiveView, Handoff, IssuedLink,
    ListingForm,
};
use bb_domain::app_registry::{InputProblem, LOGO_MAX_BYTES, LogoUpload};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/access/requests/{id}/listing", post(listing))
        .layer(DefaultBodyLimit::max(crate::portal::UPLOAD_LIMIT))
        .merge(
            Router::new()
                .route("/v2/access/requests/{id}/golive", get(golive))
                .route("/v2/access/requests/{id}/credentials", post(credentials))
                .route("/v2/access/requests/{id}/handoff", post(handoff))
                .route("/v2/access/credentials/{token}", post(open))
                .route("/.well-known/applications", get(directory))
                .route("/apps/{app}/logo", get(logo))
                .layer(DefaultBodyLimit::max(64 * 1024)),
        )
}

/// The after-approval operations of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(golive, listing, credentials, handoff, open, directory, logo),
    tags((name = "Production access", description = "After approval: listing, production credentials and their one-time hand-off, the public directory."))
)]
pub(crate) struct GoLiveApi;

/// A privacy label row.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct LabelRowBody {
    /// `use`, `sharing`, `sale`, `storage`, `security`, `breach`, `access`, `changes`, `contact`.
    section: String,
    question: String,
    /// `Yes`, `No` or `Not stated`.
    answer: String,
    detail: Option<String>,
    /// The policy's passage the answer rests on.
    evidence: Option<String>,
}

fn label_body(label: &bb_domain::access::golive::PrivacyLabel) -> Vec<LabelRowBody> {
    label
        .rows
        .iter()
        .map(|r| LabelRowBody {
            section: r.section.clone(),
            question: r.question.clone(),
            answer: r.answer.as_str().to_owned(),
            detail: r.detail.clone(),
            evidence: r.evidence.as_ref().map(|e| e.text.clone()),
        })
        .collect()
}

/// A listing as sent.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ListingBody {
    name: String,
    description: String,
    website: String,
    privacy_policy_uri: String,
    terms_uri: String,
    categories: Vec<String>,
    platforms: Vec<String>,
    shares_data: String,
    sells_data: String,
    retention: String,
    retention_months: Option<String>,
    has_logo: bool,
    submitted: String,
    privacy_label: Vec<LabelRowBody>,
    /// Where the answers and the request's privacy policy disagree (advisory).
    contradictions: Vec<FormContradictionBody>,
}

/// An answer of the listing and a passage of the privacy policy that say opposite things.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct FormContradictionBody {
    /// `sale`, `sharing` or `retention`.
    topic: String,
    /// The answer, in words.
    answer: String,
    /// The policy's passage.
    passage: String,
    /// The passage's character offsets in the extracted text.
    start: usize,
    /// End (exclusive).
    end: usize,
}

/// One opening of a hand-off link.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct HandoffViewBody {
    who: String,
    at: String,
    /// `shown`, `expired`, `used`, `unknown`.
    outcome: String,
}

/// The after-approval state of a request.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct GoLiveBody {
    listing: Option<ListingBody>,
    /// The production app's client id, once issued.
    client_id: Option<String>,
    /// Whether the production app is on.
    active: Option<bool>,
    /// A new one-time link may be made.
    can_link: bool,
    /// Staff only: every opening of a link.
    handoff_views: Vec<HandoffViewBody>,
}

fn golive_body(g: GoLiveView) -> GoLiveBody {
    GoLiveBody {
        listing: g.listing.map(|l| ListingBody {
            privacy_label: l.label.as_ref().map(label_body).unwrap_or_default(),
            contradictions: l
                .contradictions
                .iter()
                .map(|c| FormContradictionBody {
                    topic: c.topic.clone(),
                    answer: c.a.text.clone(),
                    passage: c.b.text.clone(),
                    start: c.b.start,
                    end: c.b.end,
                })
                .collect(),
            name: l.form.name,
            description: l.form.description,
            website: l.form.website,
            privacy_policy_uri: l.form.privacy_policy_uri,
            terms_uri: l.form.terms_uri,
            categories: l.form.categories,
            platforms: l.form.platforms,
            shares_data: l.form.shares_data,
            sells_data: l.form.sells_data,
            retention: l.form.retention,
            retention_months: Some(l.form.retention_months).filter(|m| !m.is_empty()),
            has_logo: l.has_logo,
            submitted: l.submitted,
        }),
        client_id: g.client_id,
        active: g.active,
        can_link: g.can_link,
        handoff_views: g
            .audit
            .into_iter()
            .map(|v| HandoffViewBody {
                who: v.who,
                at: v.at,
                outcome: v.outcome,
            })
            .collect(),
    }
}

/// A one-time link, shown once.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct LinkBody {
    /// The absolute link.
    url: String,
    /// Its path (`/v2/accounts/credentials/{token}`; JSON clients POST to `/v2/access/credentials/{token}`).
    path: String,
    /// RFC 3339; the link opens strictly before.
    expires_at: String,
}

fn link_body(state: &AppState, link: &IssuedLink) -> LinkBody {
    let base = state.services.portal.settings().base_url;
    LinkBody {
        url: format!("{}{}", base.trim_end_matches('/'), link.path),
        path: link.path.clone(),
        expires_at: link.expires_at.to_rfc3339(),
    }
}

/// A note with the credentials.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub(crate) struct NoteBody {
    note: String,
}

/// The production credentials, shown once.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct CredentialsBody {
    client_id: String,
    client_secret: String,
    app_name: String,
}

/// Field problems.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ListingProblemsBody {
    detail: String,
    errors: BTreeMap<String, String>,
}

fn listing_error(e: AccessError) -> Response {
    match e {
        AccessError::InvalidInput { errors, problem } => (
            match problem {
                InputProblem::Invalid => StatusCode::BAD_REQUEST,
                InputProblem::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                InputProblem::WrongType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            },
            Json(ListingProblemsBody {
                detail: "Please correct the fields named in errors.".into(),
                errors: errors.into_iter().collect(),
            }),
        )
            .into_response(),
        e => error(e),
    }
}

#[utoipa::path(get, path = "/v2/access/requests/{id}/golive", operation_id = "accessGoLive", tag = "Production access",
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "The listing, the production app and (staff) the link audit.", body = GoLiveBody), (status = 401, description = "Not signed in.", body = bb_proto::DetailBody), (status = 404, description = "No such request among the viewer's.", body = bb_proto::DetailBody)))]
pub(crate) async fn golive(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let s = match session(&state, &headers, false).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state.services.access.golive(&viewer(&s), &id).await {
        Ok(g) => Json(golive_body(g)).into_response(),
        Err(e) => error(e),
    }
}

/// Reads the listing's multipart body: text fields, `categories` and `platforms` repeated,
/// an optional `logo` file (kept up to one byte past the limit, which is then reported).
async fn read_listing(
    mut multipart: Multipart,
) -> Result<(ListingForm, Option<LogoUpload>), Response> {
    let unreadable = || {
        detail(
            StatusCode::BAD_REQUEST,
            "The multipart body could not be read.",
        )
    };
    let too_large = || {
        detail(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("The logo is larger than {} KB.", LOGO_MAX_BYTES / 1024),
        )
    };
    let mut form = ListingForm::default();
    let mut logo = None;
    loop {
        let mut part = match multipart.next_field().await {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => return Err(unreadable()),
        };
        let name = part.name().unwrap_or_default().to_owned();
        if name == "logo" {
            let content_type = part.content_type().unwrap_or_default().to_owned();
            let mut bytes = Vec::new();
            loop {
                match part.chunk().await {
                    Ok(Some(chunk)) => {
                        if bytes.len() <= LOGO_MAX_BYTES {
                            let room = LOGO_MAX_BYTES + 1 - bytes.len();
                            bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
                        }
                    }
                    Ok(None) => break,
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        return Err(too_large());
                    }
                    Err(_) => return Err(unreadable()),
                }
            }
            if !bytes.is_empty() {
                logo = Some(LogoUpload {
                    content_type,
                    bytes,
                });
            }
            continue;
        }
        let text = match part.text().await {
            Ok(t) if t.len() <= 16 * 1024 => t,
            Ok(_) => return Err(unreadable()),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => return Err(unreadable()),
        };
        match name.as_str() {
            "name" => form.name = text,
            "description" => form.description = text,
            "website" => form.website = text,
            "privacy_policy_uri" => form.privacy_policy_uri = text,
            "terms_uri" => form.terms_uri = text,
            "categories" => form.categories.push(text),
            "platforms" => form.platforms.push(text),
            "shares_data" => form.shares_data = text,
            "sells_data" => form.sells_data = text,
            "retention" => form.retention = text,
            "retention_months" => form.retention_months = text,
            _ => {}
        }
    }
    Ok((form, logo))
}

#[utoipa::path(post, path = "/v2/access/requests/{id}/listing", operation_id = "accessSubmitListing", tag = "Production access",
    params(("id" = String, Path, description = "Request id")),
    request_body(content_type = "multipart/form-data", description = "Fields `name`, `description` (≤ 415 characters, plain text), `website`, `privacy_policy_uri`, `terms_uri` (https), `categories` and `platforms` (repeated; web, ios, android, desktop), `shares_data` and `sells_data` (yes/no), `retention` (deleted_on_exit, months, indefinitely) with `retention_months`, and an optional `logo` (PNG/JPEG ≤ 100 KB, ≤ 512×512)."),
    responses((status = 200, description = "Sent: the request is listing_submitted.", body = GoLiveBody), (status = 400, description = "Field problems.", body = ListingProblemsBody), (status = 413, description = "Logo too large.", body = ListingProblemsBody), (status = 415, description = "Logo not PNG or JPEG.", body = ListingProblemsBody), (status = 409, description = "Not approved, or another move came first.", body = bb_proto::DetailBody)))]
pub(crate) async fn listing(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Response {
    let s = match session(&state, &headers, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (form, logo) = match read_listing(multipart).await {
        Ok(read) => read,
        Err(r) => return r,
    };
    let access = &state.services.access;
    if let Err(e) = access
        .submit_listing(&viewer(&s), &id, &form, logo.as_ref())
        .await
    {
        return listing_error(e);
    }
    match access.golive(&viewer(&s), &id).await {
        Ok(g) => Json(golive_body(g)).into_response(),
        Err(e) => error(e),
    }
}

#[utoipa::path(post, path = "/v2/access/requests/{id}/credentials", operation_id = "accessIssueCredentials", tag = "Production access",
    params(("id" = String, Path, description = "Request id")), request_body = NoteBody,
    responses((status = 201, description = "The production app is made; the first one-time link (valid 5 minutes).", body = LinkBody), (status = 403, description = "Staff only.", body = bb_proto::DetailBody), (status = 409, description = "Refused: e.g. the approval is not confirmed by a second reviewer.", body = bb_proto::DetailBody)))]
pub(crate) async fn credentials(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let s = match session(&state, &headers, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let note = if body.is_empty() {
        String::new()
    } else {
        match serde_json::from_slice::<NoteBody>(&body) {
            Ok(b) => b.note,
            Err(_) => {
                return detail(
                    StatusCode::BAD_REQUEST,
                    "The body must be {\"note\": text}.",
                );
            }
        }
    };
    match state
        .services
        .access
        .issue_credentials(&viewer(&s), &id, &note)
        .await
    {
        Ok(link) => no_store((StatusCode::CREATED, Json(link_body(&state, &link))).into_response()),
        Err(e) => error(e),
    }
}

#[utoipa::path(post, path = "/v2/access/requests/{id}/handoff", operation_id = "accessNewHandoff", tag = "Production access",
    params(("id" = String, Path, description = "Request id")),
    responses((status = 201, description = "A new one-time link; older ones no longer open.", body = LinkBody), (status = 404, description = "No such request among the viewer's.", body = bb_proto::DetailBody), (status = 409, description = "No credentials issued, or not in a state that allows it.", body = bb_proto::DetailBody)))]
pub(crate) async fn handoff(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let s = match session(&state, &headers, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state.services.access.new_handoff(&viewer(&s), &id).await {
        Ok(link) => no_store((StatusCode::CREATED, Json(link_body(&state, &link))).into_response()),
        Err(e) => error(e),
    }
}

fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

#[utoipa::path(post, path = "/v2/access/credentials/{token}", operation_id = "accessOpenHandoff", tag = "Production access",
    params(("token" = String, Path, description = "The one-time link's token")),
    responses((status = 200, description = "The client id and a new client secret, shown this once.", body = CredentialsBody), (status = 404, description = "No such link, or not for this viewer.", body = bb_proto::DetailBody), (status = 410, description = "Expired (5 minutes, or replaced by a newer link) or already used.", body = bb_proto::DetailBody)))]
pub(crate) async fn open(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let s = match session(&state, &headers, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let response = match state
        .services
        .access
        .open_handoff(&viewer(&s), &token, None)
        .await
    {
        Ok(Handoff::Shown {
            app_name,
            client_id,
            client_secret,
            ..
        }) => Json(CredentialsBody {
            client_id,
            client_secret: client_secret.reveal().to_owned(),
            app_name,
        })
        .into_response(),
        Ok(Handoff::Expired { .. }) => detail(
            StatusCode::GONE,
            "This link has expired (links open within 5 minutes, and only the newest). Make a new one.",
        ),
        Ok(Handoff::Used { .. }) => detail(
            StatusCode::GONE,
            "This link was already used. Make a new one: it issues a new secret.",
        ),
        Ok(Handoff::Unknown) => detail(StatusCode::NOT_FOUND, "Not found."),
        Err(e) => error(e),
    };
    no_store(response)
}

/// A category of a listed app (BB2's application label).
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct LabelBody {
    name: String,
    slug: String,
    description: String,
}

/// A live app, in BB2's `ApplicationListSerializer` fields plus `platforms`,
/// `last_reviewed` and `privacy_label`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct DirectoryAppBody {
    id: String,
    name: String,
    website_uri: String,
    logo_uri: Option<String>,
    tos_uri: String,
    policy_uri: String,
    support_email: Option<String>,
    support_phone_number: Option<String>,
    description: String,
    labels: Vec<LabelBody>,
    platforms: Vec<String>,
    /// Date (UTC) of the last move made by the review team.
    last_reviewed: Option<String>,
    privacy_label: Vec<LabelRowBody>,
}

/// A page of the directory (DRF's `PageNumberPagination`).
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct DirectoryBody {
    count: usize,
    next: Option<String>,
    previous: Option<String>,
    results: Vec<DirectoryAppBody>,
}

fn app_body(base: &str, e: DirectoryEntry) -> DirectoryAppBody {
    DirectoryAppBody {
        privacy_label: e.label.as_ref().map(label_body).unwrap_or_default(),
        id: e.id,
        name: e.name,
        website_uri: e.website_uri,
        logo_uri: e.logo_uri.map(|p| format!("{base}{p}")),
        tos_uri: e.tos_uri,
        policy_uri: e.policy_uri,
        support_email: e.support_email,
        support_phone_number: e.support_phone_number,
        description: e.description,
        labels: e
            .categories
            .into_iter()
            .map(|(slug, name)| LabelBody {
                description: name.clone(),
                name,
                slug,
            })
            .collect(),
        platforms: e.platforms,
        last_reviewed: e.last_reviewed,
    }
}

#[utoipa::path(get, path = "/.well-known/applications", operation_id = "publicApplications", tag = "Production access",
    params(("page" = Option<usize>, Query, description = "Page, from 1"), ("page_size" = Option<usize>, Query, description = "Apps per page (default 10, at most 10000)")),
    responses((status = 200, description = "Live apps by name.", body = DirectoryBody), (status = 404, description = "Invalid page.", body = bb_proto::DetailBody)))]
pub(crate) async fn directory(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Response {
    let q = query.as_deref();
    let page = query_number(q, "page").unwrap_or(1);
    let size = match query_number(q, "page_size") {
        Some(0) | None => DIRECTORY_PAGE_SIZE,
        Some(n) => n.min(DIRECTORY_MAX_PAGE_SIZE),
    };
    let found = match state.services.access.directory(page, size).await {
        Ok(Some(found)) => found,
        Ok(None) => return detail(StatusCode::NOT_FOUND, "Invalid page."),
        Err(e) => return crate::errors::ApiError(e).into_response(),
    };
    let base = state.services.portal.settings().base_url;
    let base = base.trim_end_matches('/');
    let size_q = if size == DIRECTORY_PAGE_SIZE {
        String::new()
    } else {
        format!("&page_size={size}")
    };
    let link = |p: usize| format!("{base}/.well-known/applications?page={p}{size_q}");
    let body = DirectoryBody {
        count: found.count,
        next: found.has_next.then(|| link(found.page + 1)),
        previous: (found.page > 1).then(|| {
            if found.page == 2 && size_q.is_empty() {
                format!("{base}/.well-known/applications")
            } else {
                link(found.page - 1)
            }
        }),
        results: found
            .results
            .into_iter()
            .map(|e| app_body(base, e))
            .collect(),
    };
    Json(body).into_response()
}

#[utoipa::path(get, path = "/apps/{app}/logo", operation_id = "directoryLogo", tag = "Production access",
    params(("app" = String, Path, description = "The listed app's id")),
    responses((status = 200, description = "The logo (image/png or image/jpeg)."), (status = 404, description = "No listed app with a logo.", body = bb_proto::DetailBody)))]
pub(crate) async fn logo(State(state): State<AppState>, Path(app): Path<String>) -> Response {
    match state.services.access.directory_logo(&app).await {
        Ok(Some((content_type, bytes))) => {
            let mut r = bytes.into_response();
            let headers = r.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&content_type) {
                headers.insert(header::CONTENT_TYPE, v);
            }
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            );
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'"),
            );
            r
        }
        Ok(None) => detail(StatusCode::NOT_FOUND, "Not found."),
        Err(e) => crate::errors::ApiError(e).into_response(),
    }
}

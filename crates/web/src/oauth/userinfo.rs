//! `/v2/connect/userinfo` (OpenID Connect Core §5.3, BB2 `oauth2_profile.py`): the
//! enrollee's name for a token with the `profile` scope; 403 when the enrollee withheld
//! demographics (or the app never asked), as BB2 does. Counted per application like the
//! FHIR calls (`fhir::usage`).

use crate::AppState;
use crate::errors::detail;
use crate::fhir::Patient;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/connect/userinfo", get(userinfo))
        .route("/v2/connect/userinfo/", get(userinfo))
        .layer(axum::middleware::from_fn(crate::fhir::usage::count))
}

#[utoipa::path(
    get,
    path = "/v2/connect/userinfo",
    operation_id = "userinfo",
    tag = "OAuth",
    summary = "The enrollee's name (OpenID Connect UserInfo)",
    description = "Needs the `profile` scope and the enrollee's consent to share demographics. Also served at `/v2/connect/userinfo/`.",
    responses(
        (status = 200, description = "The enrollee's name and Patient id.", body = bb_proto::UserInfoBody),
        (status = 401, description = "No bearer token, or not a live one.", body = bb_proto::DetailBody),
        (status = 403, description = "No `profile` scope, or demographics withheld.", body = bb_proto::DetailBody)
    ),
    security(("smart" = ["profile"]))
)]
async fn userinfo(State(state): State<AppState>, Patient(who): Patient) -> Response {
    if !who.access().can_profile() {
        return detail(
            StatusCode::FORBIDDEN,
            "You do not have permission to perform this action.",
        );
    }
    let oauth = &state.services.oauth;
    let (given, family) = match oauth.enrollee_name(who.bene_id()).await {
        Ok(name) => name,
        Err(e) => return crate::errors::ApiError(e).into_response(),
    };
    oauth.record_read(who.bearer(), "profile");
    let patient = who.bene_id().to_string();
    let name = [given.as_str(), family.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    Json(json!({
        "sub": patient,
        "name": name,
        "given_name": given,
        "family_name": family,
        "email": "",
        "iat": who.bearer().issued_at / 1000,
        "patient": patient,
    }))
    .into_response()
}

//! The OpenAPI 3.1 document of the public API, served at `/docs/openapi.json` and shown by
//! Swagger UI at `/docs/openapi/`.
//!
//! The operations come from the `#[utoipa::path]` annotations on the handlers themselves
//! (`fhir/`, `oauth/`, `health.rs`, this module's pages), gathered per module
//! (`FhirApi`, `OAuthApi`, `HealthApi`, [`DocsApi`]) and merged. Then, on the JSON:
//! the security schemes (`smart`: OAuth 2.0 authorization code with PKCE and the SMART
//! scopes of discovery; `client_basic`: HTTP Basic client authentication), the FHIR
//! resource schemas (an object with `resourceType` pointing at the R4 specification, not a
//! model of all of FHIR), the discovery aliases as copies of their operation, and Swagger
//! UI's own page. Built once, on first use.

use crate::oauth::discovery::SCOPES_SUPPORTED;
use serde_json::{Map, Value, json};
use std::sync::LazyLock;
use utoipa::OpenApi;

/// The docs pages' operations and the document's info and tags.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Blue Button 2.0 API (bluebutton)",
        description = "Medicare claims data for the enrollees who authorize your application, as FHIR R4 (CARIN Blue Button), behind OAuth 2.0 with PKCE and SMART scopes. Guides: [/docs/](/docs/).",
        license(name = "CC0-1.0", identifier = "CC0-1.0")
    ),
    paths(
        super::index,
        super::getting_started,
        super::authorization,
        super::fhir_guide,
        super::dictionary_search,
        super::dictionary_variable,
        super::openapi_json,
    ),
    tags(
        (name = "FHIR", description = "FHIR R4 reads and searches of the authorizing enrollee's data.", external_docs(url = "https://hl7.org/fhir/R4/http.html", description = "FHIR R4 RESTful API")),
        (name = "OAuth", description = "The authorization server: authorization code flow with PKCE, tokens, revocation, introspection, UserInfo."),
        (name = "Discovery", description = "OpenID Connect and SMART discovery documents, signing keys."),
        (name = "Health", description = "Liveness and database checks."),
        (name = "Docs", description = "These developer docs: guides, data dictionary, this document.")
    )
)]
pub(crate) struct DocsApi;

/// `(alias, canonical path, operation id suffix)`: routes served by the same handler under
/// a second path.
const ALIASES: [(&str, &str, &str); 2] = [
    (
        "/.well-known/openid-configuration-v2",
        "/.well-known/openid-configuration",
        "V2",
    ),
    (
        "/v2/connect/.well-known/openid-configuration",
        "/.well-known/openid-configuration",
        "Connect",
    ),
];

/// FHIR resource schemas: `(name, specification page, what it is here)`.
const FHIR_RESOURCES: [(&str, &str, &str); 5] = [
    (
        "Patient",
        "https://hl7.org/fhir/R4/patient.html",
        "The enrollee's demographics (C4BB Patient).",
    ),
    (
        "Coverage",
        "https://hl7.org/fhir/R4/coverage.html",
        "One Medicare coverage: Part A, B, C or D (C4BB Coverage).",
    ),
    (
        "ExplanationOfBenefit",
        "https://hl7.org/fhir/R4/explanationofbenefit.html",
        "One claim: carrier, DME, HHA, hospice, inpatient, outpatient, SNF or Part D event (C4BB ExplanationOfBenefit profiles).",
    ),
    (
        "Bundle",
        "https://hl7.org/fhir/R4/bundle.html",
        "A searchset Bundle: `total`, `link` (self, first, previous, next, last) and `entry[].resource`.",
    ),
    (
        "CapabilityStatement",
        "https://hl7.org/fhir/R4/capabilitystatement.html",
        "What the server supports.",
    ),
];

/// The document, as served.
pub(crate) fn document() -> &'static Value {
    static DOCUMENT: LazyLock<Value> = LazyLock::new(build);
    &DOCUMENT
}

/// The document as JSON text, as served.
pub(crate) fn document_text() -> &'static str {
    static TEXT: LazyLock<String> =
        LazyLock::new(|| serde_json::to_string(document()).unwrap_or_default());
    &TEXT
}

fn build() -> Value {
    let mut api = DocsApi::openapi();
    api.merge(crate::fhir::FhirApi::openapi());
    api.merge(crate::oauth::OAuthApi::openapi());
    api.merge(crate::health::HealthApi::openapi());
    api.merge(crate::access_api::AccessApi::openapi());
    api.merge(crate::access_review_api::ReviewApi::openapi());
    api.merge(crate::golive_api::GoLiveApi::openapi());
    api.merge(crate::policy_change_api::PolicyChangeApi::openapi());
    let mut doc = serde_json::to_value(&api).unwrap_or(Value::Null);
    let Some(root) = doc.as_object_mut() else {
        return doc;
    };
    // No `servers`: OpenAPI's default is the one server at `/`, the document's own origin
    // (and Swagger UI draws its server picker without a label, which axe-core refuses).
    root.insert(
        "externalDocs".into(),
        json!({"url": "/docs/", "description": "Guides and data dictionary"}),
    );

    let components = root
        .entry("components")
        .or_insert_with(|| json!({}))
        .as_object_mut();
    if let Some(components) = components {
        let scopes: Map<String, Value> = SCOPES_SUPPORTED
            .iter()
            .map(|s| {
                (
                    (*s).to_owned(),
                    Value::String(scope_description(s).to_owned()),
                )
            })
            .collect();
        components.insert(
            "securitySchemes".into(),
            json!({
                "smart": {
                    "type": "oauth2",
                    "description": "OAuth 2.0 authorization code flow with PKCE (S256, required) and SMART App Launch scopes; the access token is sent as `Authorization: Bearer …`.",
                    "flows": {"authorizationCode": {
                        "authorizationUrl": "/v2/o/authorize/",
                        "tokenUrl": "/v2/o/token/",
                        "refreshUrl": "/v2/o/token/",
                        "scopes": scopes,
                    }},
                },
                "client_basic": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "Client authentication: the client id and secret (form-encoded) as HTTP Basic credentials; `client_id`/`client_secret` in the form also work.",
                },
            }),
        );
        let schemas = components
            .entry("schemas")
            .or_insert_with(|| json!({}))
            .as_object_mut();
        if let Some(schemas) = schemas {
            for (name, url, what) in FHIR_RESOURCES {
                schemas.insert(
                    name.into(),
                    json!({
                        "type": "object",
                        "description": format!("A FHIR R4 {name} resource. {what} Not modelled here: see the specification."),
                        "externalDocs": {"url": url},
                        "required": ["resourceType"],
                        "properties": {
                            "resourceType": {"type": "string", "const": name},
                            "id": {"type": "string"},
                            "meta": {"type": "object"},
                        },
                        "additionalProperties": true,
                    }),
                );
            }
        }
    }

    if let Some(paths) = root.get_mut("paths").and_then(Value::as_object_mut) {
        for (alias, canonical, suffix) in ALIASES {
            if let Some(mut item) = paths.get(canonical).cloned() {
                if let Some(ops) = item.as_object_mut() {
                    for op in ops.values_mut().filter_map(Value::as_object_mut) {
                        if let Some(Value::String(id)) = op.get_mut("operationId") {
                            id.push_str(suffix);
                        }
                        op.insert(
                            "description".into(),
                            Value::String(format!("An alias of `{canonical}` (BB2 serves both).")),
                        );
                    }
                }
                paths.insert(alias.into(), item);
            }
        }
        for (path, item) in paths.iter_mut() {
            let Some(ops) = item.as_object_mut() else {
                continue;
            };
            // Rate-limited routes (crate::ratelimit): FHIR answers an OperationOutcome,
            // the OAuth endpoints an OAuth error body.
            let limited = if path.starts_with("/v2/fhir/") {
                Some("application/fhir+json")
            } else if (path.starts_with("/v2/o/") || path.starts_with("/v2/connect/userinfo"))
                && !path.contains(".well-known")
            {
                Some("application/json")
            } else {
                None
            };
            if let Some(media) = limited {
                for op in ops.values_mut().filter_map(Value::as_object_mut) {
                    document_rate_limit(op, media);
                }
            }
            if path.starts_with("/v2/access/") || path.starts_with("/v2/staff/") {
                for op in ops.values_mut().filter_map(Value::as_object_mut) {
                    document_api_errors(op);
                }
            } else if path.starts_with("/v2/o/authorize/")
                && let Some(op) = ops.get_mut("post").and_then(Value::as_object_mut)
            {
                document_form_rejection(op);
            }
        }
        paths.insert(
            "/docs/openapi/".into(),
            json!({"get": {
                "tags": ["Docs"],
                "operationId": "swaggerUi",
                "summary": "Swagger UI over this document",
                "description": "Served from the binary (no CDN); `/docs/openapi` redirects here, and the page's scripts and styles are under `/docs/openapi/`.",
                "responses": {"200": {"description": "The Swagger UI page.", "content": {"text/html": {}}}},
                "security": [],
            }}),
        );
    }
    doc
}

/// The 429 of a rate-limited operation, with `Retry-After` and the `X-RateLimit-*`
/// headers (docs/security.md, item 5).
fn document_rate_limit(op: &mut Map<String, Value>, media: &str) {
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
        return;
    };
    let integer =
        |description: &str| json!({"description": description, "schema": {"type": "integer"}});
    responses.entry("429").or_insert_with(|| {
        json!({
            "description": "Too many requests: a rate limit (per token, application, client address or OAuth client) is spent until the window ends.",
            "headers": {
                "Retry-After": integer("Seconds until the request may be sent again."),
                "X-RateLimit-Limit": integer("Requests allowed in the window."),
                "X-RateLimit-Remaining": integer("Requests left in the window."),
                "X-RateLimit-Reset": integer("Seconds until the window ends."),
            },
            "content": {media: {}},
        })
    });
}

/// `{"detail": …}` as the body of a JSON API response.
fn detail_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DetailBody"}}},
    })
}

/// The answers every operation of the session-authenticated JSON APIs (`/v2/access/…`,
/// `/v2/staff/…`) can give besides its own, each `{"detail": …}`
/// (`errors::json_rejections`): 401 without a signed-in portal session; with a JSON body,
/// 400 (not JSON), 413 (over the limit), 415 (not `application/json`) and 422 (not the
/// documented shape); with path parameters, 400 (a value not of its type). A 400 the
/// operation documents with another body (form problems) then allows either.
/// schemathesis found each undocumented (tests/schemathesis).
fn document_api_errors(op: &mut Map<String, Value>) {
    let json_body = op
        .get("requestBody")
        .and_then(|b| b.get("content"))
        .and_then(|c| c.get("application/json"))
        .is_some();
    let path_params = op
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|ps| ps.iter().any(|p| p["in"] == "path"));
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
        return;
    };
    let mut add = |status: &str, description: &str| {
        responses
            .entry(status)
            .or_insert_with(|| detail_response(description));
    };
    add("401", "Not signed in to the developer portal.");
    if json_body {
        add("413", "The body is over the limit.");
        add("415", "The body is not `Content-Type: application/json`.");
        add("422", "The JSON does not have the documented shape.");
    }
    if json_body || path_params {
        let detail = json!({"$ref": "#/components/schemas/DetailBody"});
        let bad = responses.entry("400").or_insert_with(|| {
            detail_response("The body is not JSON, or a path value is not of its type.")
        });
        let mut widened = false;
        if let Some(schema) = bad
            .get_mut("content")
            .and_then(|c| c.get_mut("application/json"))
            .and_then(|j| j.get_mut("schema"))
            && *schema != detail
        {
            let own = schema.take();
            *schema = json!({"anyOf": [own, detail]});
            widened = true;
        }
        if let (true, Some(Value::String(text))) = (widened, bad.get_mut("description")) {
            text.push_str(
                " Or `{\"detail\"}`: the body is not JSON, or a path value is not of its type.",
            );
        }
    }
}

/// The authorization endpoint's form posts refuse another media type with axum's plain
/// text 415 (a browser always sends the form encoded); schemathesis found it undocumented.
fn document_form_rejection(op: &mut Map<String, Value>) {
    if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
        responses.entry("415").or_insert_with(|| {
            json!({
                "description": "The body is not `application/x-www-form-urlencoded`.",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            })
        });
    }
}

/// What a scope grants, for the security scheme's scope list.
fn scope_description(scope: &str) -> &'static str {
    match scope {
        "openid" => "An OpenID Connect ID token with the token response.",
        "profile" => "The enrollee's name at /v2/connect/userinfo.",
        "launch/patient" => "The patient context (the token response's `patient`).",
        "patient/Patient.read" | "patient/Patient.rs" => "Read the enrollee's Patient.",
        "patient/Coverage.read" | "patient/Coverage.rs" => {
            "Read and search the enrollee's Coverage."
        }
        "patient/ExplanationOfBenefit.read" | "patient/ExplanationOfBenefit.rs" => {
            "Read and search the enrollee's claims (ExplanationOfBenefit)."
        }
        _ => "A SMART scope.",
    }
}

//! `GET /v2/fhir/metadata`: the CapabilityStatement BB2 serves (`apps/fhir/bluebutton/views/
//! home.py`): BFD's statement (`data/reference/bfd-v2-responses/metadata.json`) cut to
//! Patient, Coverage and ExplanationOfBenefit with interactions read and search-type, and
//! `rest[0].security` saying OAuth with SMART's oauth-uris extension pointing at this
//! server. Built once per process from the embedded statement; no token needed.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

const BFD_STATEMENT: &str =
    include_str!("../../../../data/reference/bfd-v2-responses/metadata.json");

fn statement(origin: &str) -> Value {
    let mut value: Value = serde_json::from_str(BFD_STATEMENT).unwrap_or_else(|_| json!({}));
    let now = "2026-12-04";
    if let Some(o) = value.as_object_mut() {
        o.insert("id".into(), json!("bluebutton-v2"));
        o.insert("date".into(), json!(now));
        o.insert(
            "software".into(),
            json!({"name": "Blue Button API: Direct", "version": env!("CARGO_PKG_VERSION")}),
        );
        o.insert(
            "implementation".into(),
            json!({"description": "bluebutton", "url": format!("{origin}/v2/fhir")}),
        );
        o.insert(
            "format".into(),
            json!(["application/json", "application/fhir+json"]),
        );
    }
    if let Some(rest) = value.pointer_mut("/rest/0").and_then(Value::as_object_mut) {
        if let Some(resources) = rest.get_mut("resource").and_then(Value::as_array_mut) {
            resources.retain(|r| {
                matches!(
                    r["type"].as_str(),
                    Some("Patient" | "Coverage" | "ExplanationOfBenefit")
                )
            });
            for r in resources.iter_mut() {
                r["interaction"] = json!([{"code": "read"}, {"code": "search-type"}]);
            }
        }
        rest.insert(
            "security".into(),
            json!({
                "extension": [{
                    "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                    "extension": [
                        {"url": "authorize", "valueUri": format!("{origin}/v2/o/authorize/")},
                        {"url": "token", "valueUri": format!("{origin}/v2/o/token/")},
                        {"url": "revoke", "valueUri": format!("{origin}/v2/o/revoke_token/")}
                    ]
                }],
                "service": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/restful-security-service", "code": "OAuth", "display": "OAuth"}], "text": "OAuth"}]
            }),
        );
    }
    value
}

#[utoipa::path(
    get,
    path = "/v2/fhir/metadata",
    operation_id = "capabilityStatement",
    tag = "FHIR",
    summary = "The server's CapabilityStatement",
    description = "What the FHIR API supports (FHIR R4 `metadata` interaction); no token needed. Also served at `/v2/fhir/metadata/`.",
    responses(
        (status = 200, description = "A FHIR R4 CapabilityStatement.", body = ref("#/components/schemas/CapabilityStatement"), content_type = "application/fhir+json")
    ),
    security(())
)]
pub(super) async fn capability_statement(headers: HeaderMap) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .filter(|s| *s == "https")
        .unwrap_or("http");
    let body = serde_json::to_vec(&statement(&format!("{scheme}://{host}"))).unwrap_or_default();
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/fhir+json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_resources_read_and_search_with_smart_security() {
        let s = statement("https://example.org");
        let types: Vec<&str> = s["rest"][0]["resource"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["type"].as_str())
            .collect();
        assert_eq!(types, vec!["Coverage", "ExplanationOfBenefit", "Patient"]);
        assert_eq!(
            s["rest"][0]["security"]["extension"][0]["extension"][0]["valueUri"],
            "https://example.org/v2/o/authorize/"
        );
        assert_eq!(s["fhirVersion"], "4.0.1");
        assert!(!s.to_string().contains("IGNORED_FIELD"));
    }
}

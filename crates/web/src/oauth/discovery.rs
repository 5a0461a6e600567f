//! The discovery documents of the authorization server, as pure functions of the issuer
//! origin: OpenID Connect Discovery 1.0 §3 (`/.well-known/openid-configuration`, whose
//! fields are also RFC 8414's authorization server metadata) and SMART App Launch 2.0 §2.1
//! (`/v2/fhir/.well-known/smart-configuration`).
//!
//! Contents follow BB2 (`apps/wellknown/views/openid.py`, `apps/wellknown/constants.py`):
//! v2 endpoint URLs, grants `authorization_code` and `refresh_token` (SMART: only
//! `authorization_code`), PKCE `S256` only, BB2's 8 SMART capabilities and 9 scopes. Beyond
//! BB2 the OpenID document also names the JWKS, introspection endpoint, scopes, subject
//! type, ID token algorithm and client authentication methods, which OpenID Connect
//! Discovery requires or clients look for.

use serde_json::{Value, json};

/// BB2's `SCOPES_SUPPORTED` (`apps/wellknown/constants.py`), in its order.
pub const SCOPES_SUPPORTED: [&str; 9] = [
    "openid",
    "profile",
    "launch/patient",
    "patient/Patient.read",
    "patient/ExplanationOfBenefit.read",
    "patient/Coverage.read",
    "patient/Patient.rs",
    "patient/ExplanationOfBenefit.rs",
    "patient/Coverage.rs",
];

/// BB2's SMART `CAPABILITIES` (`apps/wellknown/constants.py`), in its order.
pub const CAPABILITIES: [&str; 8] = [
    "client-confidential-symmetric",
    "context-standalone-patient",
    "launch-standalone",
    "permission-offline",
    "permission-patient",
    "permission-v1",
    "permission-v2",
    "authorize-post",
];

/// PKCE methods: S256 only (SMART 2.0 "SHALL NOT support the plain method").
pub const CODE_CHALLENGE_METHODS_SUPPORTED: [&str; 1] = ["S256"];

/// The OAuth endpoints of API version 2 under `origin` (no trailing slash on `origin`).
struct Endpoints {
    authorization: String,
    token: String,
    revocation: String,
    introspection: String,
    userinfo: String,
    jwks: String,
    fhir_metadata: String,
}

impl Endpoints {
    fn v2(origin: &str) -> Self {
        let origin = origin.trim_end_matches('/');
        Self {
            authorization: format!("{origin}/v2/o/authorize/"),
            token: format!("{origin}/v2/o/token/"),
            revocation: format!("{origin}/v2/o/revoke_token/"),
            introspection: format!("{origin}/v2/o/introspect/"),
            userinfo: format!("{origin}/v2/connect/userinfo"),
            jwks: format!("{origin}/.well-known/jwks.json"),
            fhir_metadata: format!("{origin}/v2/fhir/metadata"),
        }
    }
}

/// The OpenID Provider configuration (OpenID Connect Discovery 1.0 §3, RFC 8414 §2) for
/// the issuer `origin`, e.g. `http://localhost:8000`. The `issuer` is `origin` exactly:
/// ID tokens must carry the same `iss`.
pub fn openid_configuration(origin: &str) -> Value {
    let issuer = origin.trim_end_matches('/');
    let e = Endpoints::v2(issuer);
    json!({
        "issuer": issuer,
        "authorization_endpoint": e.authorization,
        "token_endpoint": e.token,
        "revocation_endpoint": e.revocation,
        "introspection_endpoint": e.introspection,
        "userinfo_endpoint": e.userinfo,
        "jwks_uri": e.jwks,
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": CODE_CHALLENGE_METHODS_SUPPORTED,
        "scopes_supported": SCOPES_SUPPORTED,
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "fhir_metadata_uri": e.fhir_metadata,
        "ui_locales_supported": ["en", "es"],
    })
}

/// The SMART configuration (SMART App Launch 2.0 §2.1) for the issuer `origin`, as BB2's
/// v2 serves it: its endpoints, grant `authorization_code`, response types, its 9 scopes,
/// PKCE `S256` and its 8 capabilities.
pub fn smart_configuration(origin: &str) -> Value {
    let e = Endpoints::v2(origin);
    json!({
        "authorization_endpoint": e.authorization,
        "revocation_endpoint": e.revocation,
        "token_endpoint": e.token,
        "grant_types_supported": ["authorization_code"],
        "response_types_supported": ["code"],
        "scopes_supported": SCOPES_SUPPORTED,
        "code_challenge_methods_supported": CODE_CHALLENGE_METHODS_SUPPORTED,
        "capabilities": CAPABILITIES,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "http://localhost:8000";

    fn strings(value: &Value) -> Vec<&str> {
        value
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect()
    }

    #[test]
    fn openid_configuration_has_bb2_v2_endpoint_urls() {
        let doc = openid_configuration(ORIGIN);
        assert_eq!(doc["issuer"], "http://localhost:8000");
        assert_eq!(
            doc["authorization_endpoint"],
            "http://localhost:8000/v2/o/authorize/"
        );
        assert_eq!(doc["token_endpoint"], "http://localhost:8000/v2/o/token/");
        assert_eq!(
            doc["revocation_endpoint"],
            "http://localhost:8000/v2/o/revoke_token/"
        );
        assert_eq!(
            doc["introspection_endpoint"],
            "http://localhost:8000/v2/o/introspect/"
        );
        assert_eq!(
            doc["userinfo_endpoint"],
            "http://localhost:8000/v2/connect/userinfo"
        );
        assert_eq!(
            doc["jwks_uri"],
            "http://localhost:8000/.well-known/jwks.json"
        );
        assert_eq!(
            doc["fhir_metadata_uri"],
            "http://localhost:8000/v2/fhir/metadata"
        );
    }

    #[test]
    fn openid_configuration_has_the_required_and_bb2_fields() {
        let doc = openid_configuration(ORIGIN);
        // OpenID Connect Discovery 1.0 §3 REQUIRED members.
        for required in [
            "issuer",
            "authorization_endpoint",
            "token_endpoint",
            "jwks_uri",
            "response_types_supported",
            "subject_types_supported",
            "id_token_signing_alg_values_supported",
        ] {
            assert!(doc.get(required).is_some(), "missing {required}");
        }
        assert_eq!(
            strings(&doc["grant_types_supported"]),
            ["authorization_code", "refresh_token"]
        );
        assert_eq!(strings(&doc["response_types_supported"]), ["code"]);
        assert_eq!(strings(&doc["subject_types_supported"]), ["public"]);
        assert_eq!(
            strings(&doc["id_token_signing_alg_values_supported"]),
            ["RS256"]
        );
        assert_eq!(
            strings(&doc["token_endpoint_auth_methods_supported"]),
            ["client_secret_basic", "client_secret_post"]
        );
        assert_eq!(strings(&doc["ui_locales_supported"]), ["en", "es"]);
        assert_eq!(strings(&doc["scopes_supported"]), SCOPES_SUPPORTED);
        assert_eq!(doc.as_object().unwrap().len(), 16);
    }

    #[test]
    fn pkce_is_s256_only_in_both_documents() {
        for doc in [openid_configuration(ORIGIN), smart_configuration(ORIGIN)] {
            assert_eq!(strings(&doc["code_challenge_methods_supported"]), ["S256"]);
        }
    }

    #[test]
    fn smart_configuration_is_bb2s() {
        let doc = smart_configuration(ORIGIN);
        assert_eq!(
            doc["authorization_endpoint"],
            "http://localhost:8000/v2/o/authorize/"
        );
        assert_eq!(doc["token_endpoint"], "http://localhost:8000/v2/o/token/");
        assert_eq!(
            doc["revocation_endpoint"],
            "http://localhost:8000/v2/o/revoke_token/"
        );
        assert_eq!(
            strings(&doc["grant_types_supported"]),
            ["authorization_code"]
        );
        assert_eq!(strings(&doc["response_types_supported"]), ["code"]);
        assert_eq!(
            strings(&doc["capabilities"]),
            [
                "client-confidential-symmetric",
                "context-standalone-patient",
                "launch-standalone",
                "permission-offline",
                "permission-patient",
                "permission-v1",
                "permission-v2",
                "authorize-post",
            ]
        );
        assert_eq!(
            strings(&doc["scopes_supported"]),
            [
                "openid",
                "profile",
                "launch/patient",
                "patient/Patient.read",
                "patient/ExplanationOfBenefit.read",
                "patient/Coverage.read",
                "patient/Patient.rs",
                "patient/ExplanationOfBenefit.rs",
                "patient/Coverage.rs",
            ]
        );
        // BB2 drops these from the SMART document.
        for absent in [
            "issuer",
            "userinfo_endpoint",
            "fhir_metadata_uri",
            "ui_locales_supported",
        ] {
            assert!(doc.get(absent).is_none(), "unexpected {absent}");
        }
        assert_eq!(doc.as_object().unwrap().len(), 8);
    }

    #[test]
    fn a_trailing_slash_on_the_origin_is_ignored() {
        let doc = openid_configuration("https://sandbox.example/");
        assert_eq!(doc["issuer"], "https://sandbox.example");
        assert_eq!(doc["token_endpoint"], "https://sandbox.example/v2/o/token/");
        assert_eq!(
            smart_configuration("https://sandbox.example/")["token_endpoint"],
            "https://sandbox.example/v2/o/token/"
        );
    }
}

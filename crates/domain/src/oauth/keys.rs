//! RS256 keys that sign OpenID Connect ID tokens, and the JWKS that publishes them.
//!
//! Specifications: RFC 7515 (JWS compact serialization), RFC 7517 (JWK and JWK Set),
//! RFC 7518 §3.3 (RS256: RSASSA-PKCS1-v1_5 with SHA-256, keys of 2048 bits or more),
//! RFC 7519 (JWT), RFC 7638 (JWK thumbprint, the `kid` of a generated key) and OpenID
//! Connect Core 1.0 §2 (the ID token claims).
//!
//! # Configuration and rotation
//!
//! [`SigningKeys::from_config`] takes a list of `(kid, PEM)` pairs, each PEM a PKCS#8 RSA
//! private key (`-----BEGIN PRIVATE KEY-----`). The **first** key signs every new ID token;
//! **all** keys are published in [`SigningKeys::jwks`]. To rotate: add the new key at the
//! front of the list and keep the old one after it until every ID token it signed has
//! expired, then drop it.
//!
//! # No key configured
//!
//! With an empty list the server generates one RSA 2048 key at start from the injected
//! randomness ([`Entropy`]) and logs a warning: that key lives only in this process, so
//! ID tokens it signed **will not verify across restarts or replicas** (another process
//! publishes another key). Configure keys for anything but a single development server.
//!
//! # Secrets
//!
//! Private keys are never logged or shown: `Debug` prints only the `kid`s, and errors name
//! the `kid`, never the PEM. Signing uses RSA blinding with a CSPRNG seeded from the
//! injected randomness (the `rsa` crate's RUSTSEC-2023-0071 timing channel concerns
//! unblinded private-key operations).

use crate::DomainError;
use crate::clock::Entropy;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::SeedableRng;
use rand::rngs::ChaCha20Rng;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::DecodePrivateKey;
use rsa::rand_core::{TryCryptoRng, TryRng};
use rsa::sha2::{Digest, Sha256};
use rsa::signature::{RandomizedSigner, SignatureEncoding, Verifier};
use rsa::traits::PublicKeyParts;
use rsa::{PrivateKey, PublicKey};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::convert::Infallible;
use std::fmt;
use std::sync::Mutex;

/// The only JWS algorithm issued and accepted.
pub const ALG: &str = "RS256";

/// Size of the key generated when none is configured.
pub const GENERATED_KEY_BITS: usize = 2048;

/// Smallest RSA modulus accepted from configuration (RFC 7518 §3.3).
pub const MIN_KEY_BITS: usize = 2048;

/// The claims of an ID token (OpenID Connect Core 1.0 §2), as BB2 issues them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdTokenClaims {
    /// Issuer: the server's origin.
    pub iss: String,
    /// Subject: the patient's FHIR id.
    pub sub: String,
    /// Audience: the client id.
    pub aud: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// When the beneficiary logged in, seconds since the epoch.
    pub auth_time: i64,
    /// The `nonce` of the authorization request, when it carried one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// The patient's FHIR id (BB2's extra claim, equal to `sub`).
    pub patient: String,
}

/// The JOSE header of the tokens signed here (RFC 7515 §4).
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    alg: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    typ: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kid: Option<String>,
}

/// One key: its id, the private half for signing, the public half and its JWK.
struct Key {
    kid: String,
    signing: SigningKey<Sha256>,
    verifying: VerifyingKey<Sha256>,
    jwk: Value,
}

impl Key {
    fn new(kid: String, private: PrivateKey) -> Self {
        let public = private.to_public_key();
        let jwk = json!({
            "kty": "RSA",
            "use": "sig",
            "alg": ALG,
            "kid": kid,
            "n": URL_SAFE_NO_PAD.encode(public.n_bytes()),
            "e": URL_SAFE_NO_PAD.encode(public.e_bytes()),
        });
        Self {
            kid,
            verifying: VerifyingKey::new(public),
            signing: SigningKey::new(private),
            jwk,
        }
    }
}

/// The ID token signing keys: the first signs, all are published.
pub struct SigningKeys {
    /// Never empty: the constructor guarantees at least one key.
    keys: Vec<Key>,
    /// Randomness for RSA blinding, seeded once from the injected entropy.
    blinding: Mutex<ChaCha20Rng>,
}

impl fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKeys")
            .field("kids", &self.kids())
            .finish_non_exhaustive()
    }
}

impl SigningKeys {
    /// Builds the keys from configuration: `(kid, PKCS#8 PEM)` pairs, the first signs.
    ///
    /// With no pair, generates one RSA 2048 key from `entropy` and logs a warning (see the
    /// module documentation: such tokens do not verify across restarts or replicas).
    ///
    /// # Errors
    /// [`DomainError::Invalid`] for an empty, malformed or repeated `kid`, a PEM that is
    /// not a PKCS#8 RSA private key, or a key under 2048 bits; `Internal` if generation
    /// fails.
    pub fn from_config(
        pems: &[(String, String)],
        entropy: &dyn Entropy,
    ) -> Result<Self, DomainError> {
        let mut keys: Vec<Key> = Vec::with_capacity(pems.len().max(1));
        for (kid, pem) in pems {
            check_kid(kid)?;
            if keys.iter().any(|k| &k.kid == kid) {
                return Err(DomainError::invalid(
                    "signing_keys",
                    format!("kid {kid:?} is listed twice"),
                ));
            }
            // The parser's error is not shown: it could quote part of the input.
            let private = PrivateKey::from_pkcs8_pem(pem).map_err(|_| {
                DomainError::invalid(
                    "signing_keys",
                    format!("key {kid:?} is not a PKCS#8 RSA private key (BEGIN PRIVATE KEY)"),
                )
            })?;
            let bits = private.size() * 8;
            if bits < MIN_KEY_BITS {
                return Err(DomainError::invalid(
                    "signing_keys",
                    format!("key {kid:?} has {bits} bits; RS256 needs at least {MIN_KEY_BITS}"),
                ));
            }
            keys.push(Key::new(kid.clone(), private));
        }
        if keys.is_empty() {
            let private = generate(entropy, GENERATED_KEY_BITS)?;
            let kid = thumbprint(&private.to_public_key());
            tracing::warn!(
                kid = %kid,
                "no ID token signing key configured: generated an ephemeral RSA {GENERATED_KEY_BITS} key; \
                 ID tokens will not verify across restarts or replicas"
            );
            keys.push(Key::new(kid, private));
        }
        let mut seed = [0u8; 32];
        entropy.fill(&mut seed);
        Ok(Self {
            keys,
            blinding: Mutex::new(ChaCha20Rng::from_seed(seed)),
        })
    }

    /// The `kid`s, the signing one first.
    pub fn kids(&self) -> Vec<&str> {
        self.keys.iter().map(|k| k.kid.as_str()).collect()
    }

    /// The `kid` of the key that signs new tokens.
    pub fn signing_kid(&self) -> &str {
        self.keys.first().map_or("", |k| k.kid.as_str())
    }

    /// The JWK Set of every key (RFC 7517 §5): `{"keys": [{kty, use, alg, kid, n, e}, …]}`.
    pub fn jwks(&self) -> Value {
        json!({ "keys": self.keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>() })
    }

    /// Signs `claims` with the first key: a compact JWS (RFC 7515 §7.1) with header
    /// `{"alg":"RS256","typ":"JWT","kid":…}`.
    ///
    /// # Errors
    /// `Internal` if serialization or the RSA operation fails (neither should).
    pub fn sign_id_token(&self, claims: &IdTokenClaims) -> Result<String, DomainError> {
        // The shared generator is held only to seed this signature's own: signatures run
        // on every core at once (an RSA signature is milliseconds; the lock, nanoseconds).
        let mut rng = {
            let mut shared = self.blinding.lock().unwrap_or_else(|p| p.into_inner());
            let mut seed = [0u8; 32];
            rand::Rng::fill_bytes(&mut *shared, &mut seed);
            ChaCha20Rng::from_seed(seed)
        };
        let key = self.keys.first().ok_or_else(|| {
            DomainError::internal(operation_id(&mut rng), &KeyError("no signing key"))
        })?;
        let header = Header {
            alg: ALG.into(),
            typ: Some("JWT".into()),
            kid: Some(key.kid.clone()),
        };
        let header = serde_json::to_vec(&header)
            .map_err(|e| DomainError::internal(operation_id(&mut rng), &e))?;
        let payload = serde_json::to_vec(claims)
            .map_err(|e| DomainError::internal(operation_id(&mut rng), &e))?;
        let mut token = URL_SAFE_NO_PAD.encode(header);
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(payload));
        let signature = key
            .signing
            .try_sign_with_rng(&mut rng, token.as_bytes())
            .map_err(|e| DomainError::internal(operation_id(&mut rng), &e))?;
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(signature.to_bytes()));
        Ok(token)
    }

    /// Checks a compact JWS signed by one of these keys and returns its claims: the header
    /// must say `RS256` and name a published `kid`, the signature must verify. Times
    /// (`exp`, `iat`) and audience are not checked here.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] (field `id_token`) for any malformed or unverified token.
    pub fn verify_id_token(&self, token: &str) -> Result<IdTokenClaims, DomainError> {
        let bad = |reason: &str| DomainError::invalid("id_token", reason);
        let mut parts = token.split('.');
        let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("not a compact JWS (three dot-separated parts)"));
        };
        let header: Header = URL_SAFE_NO_PAD
            .decode(header_b64)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| bad("malformed header"))?;
        if header.alg != ALG {
            return Err(bad("alg is not RS256"));
        }
        let kid = header.kid.ok_or_else(|| bad("header has no kid"))?;
        let key = self
            .keys
            .iter()
            .find(|k| k.kid == kid)
            .ok_or_else(|| bad("unknown kid"))?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature_b64)
            .ok()
            .and_then(|bytes| Signature::try_from(bytes.as_slice()).ok())
            .ok_or_else(|| bad("malformed signature"))?;
        let signed = &token[..header_b64.len() + 1 + payload_b64.len()];
        key.verifying
            .verify(signed.as_bytes(), &signature)
            .map_err(|_| bad("signature does not verify"))?;
        URL_SAFE_NO_PAD
            .decode(payload_b64)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| bad("malformed claims"))
    }
}

/// A `kid` is 1 to 64 characters of `[A-Za-z0-9._-]`.
fn check_kid(kid: &str) -> Result<(), DomainError> {
    let ok = !kid.is_empty()
        && kid.len() <= 64
        && kid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "signing_keys",
            format!("kid {kid:?} must be 1 to 64 characters of A-Z a-z 0-9 . _ -"),
        ))
    }
}

/// Generates an RSA key from the injected randomness.
fn generate(entropy: &dyn Entropy, bits: usize) -> Result<PrivateKey, DomainError> {
    PrivateKey::new(&mut EntropyRng(entropy), bits)
        .map_err(|e| DomainError::internal(operation_id(&mut EntropyRng(entropy)), &e))
}

/// The RFC 7638 JWK thumbprint (SHA-256, base64url) of an RSA public key.
fn thumbprint(public: &PublicKey) -> String {
    // Members in lexicographic order, no whitespace (RFC 7638 §3.2).
    let canonical = format!(
        r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
        URL_SAFE_NO_PAD.encode(public.e_bytes()),
        URL_SAFE_NO_PAD.encode(public.n_bytes()),
    );
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// A fresh operation id (a random UUID from the injected randomness) for a logged
/// internal error.
fn operation_id(rng: &mut dyn rand::Rng) -> String {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// An internal failure of this module, for the log.
#[derive(Debug)]
struct KeyError(&'static str);

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for KeyError {}

/// The injected [`Entropy`] as the cryptographic RNG the `rsa` crate asks for.
struct EntropyRng<'a>(&'a dyn Entropy);

impl TryRng for EntropyRng<'_> {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut buf = [0u8; 4];
        self.0.fill(&mut buf);
        Ok(u32::from_le_bytes(buf))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut buf = [0u8; 8];
        self.0.fill(&mut buf);
        Ok(u64::from_le_bytes(buf))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.0.fill(dst);
        Ok(())
    }
}

/// [`Entropy`] promises cryptographically strong bytes.
impl TryCryptoRng for EntropyRng<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SeededEntropy;
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};
    use std::sync::OnceLock;

    /// Two PKCS#8 PEMs, generated once for the whole module (key generation is slow).
    fn pems() -> &'static [String; 2] {
        static PEMS: OnceLock<[String; 2]> = OnceLock::new();
        PEMS.get_or_init(|| {
            let entropy = SeededEntropy::new(7);
            let pem = |_| {
                generate(&entropy, 2048)
                    .unwrap()
                    .to_pkcs8_pem(LineEnding::LF)
                    .unwrap()
                    .to_string()
            };
            [pem(0), pem(1)]
        })
    }

    fn configured(kids: &[&str]) -> SigningKeys {
        let pairs: Vec<(String, String)> = kids
            .iter()
            .zip(pems().iter())
            .map(|(kid, pem)| ((*kid).to_string(), pem.clone()))
            .collect();
        SigningKeys::from_config(&pairs, &SeededEntropy::new(1)).unwrap()
    }

    fn claims() -> IdTokenClaims {
        IdTokenClaims {
            iss: "http://localhost:8000".into(),
            sub: "-19990000000001".into(),
            aud: "abcdefghijklmnopqrstuvwxyz0123456789ABCD".into(),
            exp: 1_800_003_600,
            iat: 1_800_000_000,
            auth_time: 1_799_999_990,
            nonce: Some("n-0S6_WzA2Mj".into()),
            patient: "-19990000000001".into(),
        }
    }

    fn b64_json(part: &str) -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    #[test]
    fn jwks_has_the_rfc_7517_members_base64url_without_padding() {
        let keys = configured(&["k1"]);
        let jwks = keys.jwks();
        let list = jwks["keys"].as_array().unwrap();
        assert_eq!(list.len(), 1);
        let jwk = list[0].as_object().unwrap();
        let mut names: Vec<&str> = jwk.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, ["alg", "e", "kid", "kty", "n", "use"]);
        assert_eq!(jwk["kty"], "RSA");
        assert_eq!(jwk["use"], "sig");
        assert_eq!(jwk["alg"], "RS256");
        assert_eq!(jwk["kid"], "k1");
        assert_eq!(jwk["e"], "AQAB");
        let n = jwk["n"].as_str().unwrap();
        assert!(!n.contains('=') && !n.contains('+') && !n.contains('/'));
        let modulus = URL_SAFE_NO_PAD.decode(n).unwrap();
        assert_eq!(modulus.len(), 256, "2048-bit modulus, no leading zero byte");
        assert_ne!(modulus[0], 0);
    }

    #[test]
    fn signed_token_verifies_and_carries_the_claims() {
        let keys = configured(&["k1"]);
        let token = keys.sign_id_token(&claims()).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert!(!token.contains('='));
        assert_eq!(
            b64_json(parts[0]),
            json!({"alg": "RS256", "typ": "JWT", "kid": "k1"})
        );
        let payload = b64_json(parts[1]);
        assert_eq!(payload["sub"], "-19990000000001");
        assert_eq!(payload["patient"], "-19990000000001");
        assert_eq!(payload["nonce"], "n-0S6_WzA2Mj");
        assert_eq!(keys.verify_id_token(&token).unwrap(), claims());
    }

    #[test]
    fn nonce_is_omitted_when_absent() {
        let keys = configured(&["k1"]);
        let without = IdTokenClaims {
            nonce: None,
            ..claims()
        };
        let token = keys.sign_id_token(&without).unwrap();
        let payload = b64_json(token.split('.').nth(1).unwrap());
        assert!(payload.get("nonce").is_none());
        assert_eq!(keys.verify_id_token(&token).unwrap(), without);
    }

    #[test]
    fn tampered_tokens_fail_verification() {
        let keys = configured(&["k1"]);
        let token = keys.sign_id_token(&claims()).unwrap();
        let parts: Vec<&str> = token.split('.').collect();

        let forged = IdTokenClaims {
            sub: "-19990000000002".into(),
            patient: "-19990000000002".into(),
            ..claims()
        };
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        let swapped = format!("{}.{forged_payload}.{}", parts[0], parts[2]);
        assert!(keys.verify_id_token(&swapped).is_err());

        let mut sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        sig[10] ^= 1;
        let flipped = format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(sig));
        assert!(keys.verify_id_token(&flipped).is_err());

        let none_alg = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","kid":"k1"}"#);
        assert!(
            keys.verify_id_token(&format!("{none_alg}.{}.", parts[1]))
                .is_err()
        );
        let hs256 = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT","kid":"k1"}"#);
        assert!(
            keys.verify_id_token(&format!("{hs256}.{}.{}", parts[1], parts[2]))
                .is_err()
        );
        assert!(keys.verify_id_token("a.b").is_err());
        assert!(keys.verify_id_token(&format!("{token}.x")).is_err());
    }

    #[test]
    fn first_key_signs_and_every_key_is_published() {
        let keys = configured(&["new", "old"]);
        assert_eq!(keys.kids(), ["new", "old"]);
        assert_eq!(keys.signing_kid(), "new");
        let jwks = keys.jwks();
        let kids: Vec<&str> = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap())
            .collect();
        assert_eq!(kids, ["new", "old"]);
        assert_ne!(jwks["keys"][0]["n"], jwks["keys"][1]["n"]);

        let token = keys.sign_id_token(&claims()).unwrap();
        assert_eq!(b64_json(token.split('.').next().unwrap())["kid"], "new");
        assert!(keys.verify_id_token(&token).is_ok());

        // A token the old key signed (before rotation) still verifies after it.
        let before = configured(&["old"]);
        let rotated = {
            let pairs = [
                ("new".to_string(), pems()[1].clone()),
                ("old".to_string(), pems()[0].clone()),
            ];
            SigningKeys::from_config(&pairs, &SeededEntropy::new(2)).unwrap()
        };
        let old_token = before.sign_id_token(&claims()).unwrap();
        assert_eq!(rotated.verify_id_token(&old_token).unwrap(), claims());
        // Once the old key is dropped, its tokens no longer verify.
        let dropped = SigningKeys::from_config(
            &[("new".to_string(), pems()[1].clone())],
            &SeededEntropy::new(3),
        )
        .unwrap();
        assert!(dropped.verify_id_token(&old_token).is_err());
    }

    #[test]
    fn without_configuration_one_2048_bit_key_is_generated() {
        let keys = SigningKeys::from_config(&[], &SeededEntropy::new(42)).unwrap();
        assert_eq!(keys.kids().len(), 1);
        let jwk = &keys.jwks()["keys"][0];
        assert_eq!(jwk["kid"], keys.signing_kid());
        // The kid is the RFC 7638 thumbprint: 32 bytes of SHA-256, base64url.
        assert_eq!(
            URL_SAFE_NO_PAD.decode(keys.signing_kid()).unwrap().len(),
            32
        );
        assert_eq!(
            URL_SAFE_NO_PAD
                .decode(jwk["n"].as_str().unwrap())
                .unwrap()
                .len(),
            256
        );
        let token = keys.sign_id_token(&claims()).unwrap();
        assert_eq!(keys.verify_id_token(&token).unwrap(), claims());
    }

    #[test]
    fn bad_configuration_is_refused_without_echoing_the_key() {
        let entropy = SeededEntropy::new(1);
        let pem = pems()[0].clone();
        let err = |pairs: &[(String, String)]| {
            SigningKeys::from_config(pairs, &entropy)
                .unwrap_err()
                .to_string()
        };
        let garbage = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n";
        let msg = err(&[("k1".into(), garbage.into())]);
        assert!(msg.contains("PKCS#8") && !msg.contains("c2VjcmV0"), "{msg}");
        assert!(err(&[("".into(), pem.clone())]).contains("kid"));
        assert!(err(&[("a b".into(), pem.clone())]).contains("kid"));
        assert!(err(&[("k".into(), pem.clone()), ("k".into(), pem.clone())]).contains("twice"));
    }

    #[test]
    fn keys_under_2048_bits_are_refused() {
        let entropy = SeededEntropy::new(9);
        let small = generate(&entropy, 1024)
            .unwrap()
            .to_pkcs8_pem(LineEnding::LF)
            .unwrap()
            .to_string();
        let err = SigningKeys::from_config(&[("small".into(), small)], &entropy).unwrap_err();
        assert!(err.to_string().contains("1024 bits"), "{err}");
    }

    #[test]
    fn generation_is_a_function_of_the_injected_randomness() {
        let a = SigningKeys::from_config(&[], &SeededEntropy::new(11)).unwrap();
        let b = SigningKeys::from_config(&[], &SeededEntropy::new(11)).unwrap();
        let c = SigningKeys::from_config(&[], &SeededEntropy::new(12)).unwrap();
        assert_eq!(a.jwks(), b.jwks());
        assert_ne!(a.signing_kid(), c.signing_kid());
    }

    #[test]
    fn debug_shows_kids_and_no_key_material() {
        let keys = configured(&["k1", "k2"]);
        let shown = format!("{keys:?}");
        assert!(shown.contains("k1") && shown.contains("k2"), "{shown}");
        let n = keys.jwks()["keys"][0]["n"].as_str().unwrap().to_string();
        assert!(
            !shown.contains(&n[..16]) && !shown.contains("PRIVATE"),
            "{shown}"
        );
        assert!(shown.len() < 200, "{shown}");
    }
}

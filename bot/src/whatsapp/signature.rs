//! Webhook authenticity: `X-Hub-Signature-256` (HMAC-SHA256 of the raw body with the app secret,
//! checked in constant time, old secret accepted during rotation) and the GET verify token.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// The app secret, and during a rotation the previous one.
#[derive(Clone)]
pub struct AppSecrets {
    current: Vec<u8>,
    previous: Option<Vec<u8>>,
}

impl std::fmt::Debug for AppSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppSecrets")
            .field("current", &"***")
            .field("previous", &self.previous.as_ref().map(|_| "***"))
            .finish()
    }
}

impl AppSecrets {
    pub fn new(current: &str, previous: Option<&str>) -> AppSecrets {
        AppSecrets {
            current: current.as_bytes().to_vec(),
            previous: previous.map(|p| p.as_bytes().to_vec()),
        }
    }
}

/// Why a POST is not from Meta.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no X-Hub-Signature-256 header")]
    Missing,
    #[error("X-Hub-Signature-256 is not sha256=<64 hex digits>")]
    Malformed,
    #[error("signature does not match")]
    Mismatch,
}

/// Checks the header against HMAC-SHA256 of the exact raw body with each secret, in constant time.
pub fn verify(
    raw_body: &[u8],
    header: Option<&[u8]>,
    secrets: &AppSecrets,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let hex_digest = header
        .strip_prefix(b"sha256=")
        .ok_or(SignatureError::Malformed)?;
    if hex_digest.len() != 64 {
        return Err(SignatureError::Malformed);
    }
    let digest = hex::decode(hex_digest).map_err(|_| SignatureError::Malformed)?;
    for secret in std::iter::once(&secrets.current).chain(secrets.previous.as_ref()) {
        let Ok(mut mac) = HmacSha256::new_from_slice(secret) else {
            continue;
        };
        mac.update(raw_body);
        if mac.verify_slice(&digest).is_ok() {
            return Ok(());
        }
    }
    Err(SignatureError::Mismatch)
}

/// The header value Meta would send for `raw_body` (for tests and load generators).
pub fn sign(raw_body: &[u8], secret: &str) -> String {
    match HmacSha256::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(raw_body);
            format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
        }
        // HMAC accepts keys of any length; this arm exists only because the API is fallible.
        Err(_) => String::new(),
    }
}

/// Constant-time comparison of the GET verification token.
pub fn verify_token_matches(given: &str, expected: &str) -> bool {
    !expected.is_empty() && given.as_bytes().ct_eq(expected.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const SECRET: &str = "test_app_secret";

    fn secrets() -> AppSecrets {
        AppSecrets::new(SECRET, None)
    }

    #[test]
    fn the_published_vectors_verify() {
        let empty = br#"{"object":"whatsapp_business_account","entry":[]}"#;
        let expected = "sha256=dec6a680679a968e7e0319355b23599cbfc54502c0784668e9618baa0c633756";
        assert_eq!(sign(empty, SECRET), expected);
        assert_eq!(verify(empty, Some(expected.as_bytes()), &secrets()), Ok(()));
        // Meta signs the escaped bytes it sends; the same text as raw UTF-8 is a different body.
        let escaped = br#"{"text":{"body":"caf\u00e9 \/ \ud83d\ude00"}}"#;
        let raw = r#"{"text":{"body":"café / 😀"}}"#.as_bytes();
        assert_eq!(
            sign(escaped, SECRET),
            "sha256=dfeb79295584bde635cd694aa61e8266cccbf10c6c9e02a54c798f198725e33f"
        );
        assert_eq!(
            sign(raw, SECRET),
            "sha256=929c91263186d49faeb20d00ab92f06a3fdf1b909f643230c9f00b2bcdc266fb"
        );
        let escaped_signature = sign(escaped, SECRET);
        assert_eq!(
            verify(escaped, Some(escaped_signature.as_bytes()), &secrets()),
            Ok(())
        );
        assert_eq!(
            verify(raw, Some(escaped_signature.as_bytes()), &secrets()),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn forged_missing_and_malformed_signatures_are_refused() {
        let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
        let good = sign(body, SECRET);
        assert_eq!(verify(body, None, &secrets()), Err(SignatureError::Missing));
        assert_eq!(
            verify(body, Some(b"dec6a680"), &secrets()),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(body, Some(b"sha256=zz"), &secrets()),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(body, Some(&good.as_bytes()[..good.len() - 2]), &secrets()),
            Err(SignatureError::Malformed)
        );
        let not_hex = format!("sha256={}", "g".repeat(64));
        assert_eq!(
            verify(body, Some(not_hex.as_bytes()), &secrets()),
            Err(SignatureError::Malformed)
        );
        let wrong_secret = sign(body, "another_secret");
        assert_eq!(
            verify(body, Some(wrong_secret.as_bytes()), &secrets()),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&body[..body.len() - 1], Some(good.as_bytes()), &secrets()),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(
                body,
                Some(good.to_uppercase().replace("SHA256=", "sha256=").as_bytes()),
                &secrets()
            ),
            Ok(())
        );
    }

    #[test]
    fn the_old_secret_works_only_while_configured() {
        let body = b"{}";
        let old = sign(body, "old_secret");
        assert_eq!(
            verify(
                body,
                Some(old.as_bytes()),
                &AppSecrets::new(SECRET, Some("old_secret"))
            ),
            Ok(())
        );
        assert_eq!(
            verify(body, Some(old.as_bytes()), &AppSecrets::new(SECRET, None)),
            Err(SignatureError::Mismatch)
        );
        let shown = format!("{:?}", AppSecrets::new(SECRET, Some("old_secret")));
        assert!(
            !shown.contains("old_secret") && !shown.contains(SECRET),
            "{shown}"
        );
    }

    #[test]
    fn verify_tokens_compare_exactly() {
        assert!(verify_token_matches("my-token", "my-token"));
        assert!(!verify_token_matches("my-token ", "my-token"));
        assert!(
            !verify_token_matches("", ""),
            "an unset token never matches"
        );
    }

    proptest! {
        #[test]
        fn never_panics_and_round_trips(body in proptest::collection::vec(any::<u8>(), 0..512), header in proptest::collection::vec(any::<u8>(), 0..80)) {
            let _ = verify(&body, Some(&header), &secrets());
            let signature = sign(&body, SECRET);
            prop_assert_eq!(verify(&body, Some(signature.as_bytes()), &secrets()), Ok(()));
        }
    }
}

//! Who may open a shop's books on the panel: one-time login codes sent over WhatsApp, and the sessions they open.
//!
//! A login is two steps in one browser. Asking for a code gives the browser a random *challenge*
//! (its cookie) and, when the phone is one of a shop's, stores a six-digit code bound to that
//! challenge and puts it in the outbox for the phone. Entering the code in that same browser
//! opens a session: another random token, kept in a cookie, of which only the SHA-256 is stored.
//!
//! Why the code is an HMAC under a server secret and not argon2 or a plain hash: six digits are
//! a million values, so any unkeyed hash of them — argon2 included — is undone from a copy of the
//! table by trying them all (argon2 only makes that take hours instead of a second, and costs
//! every honest login that CPU). A key that lives outside the database makes the stored value
//! useless without it; the five tries and five minutes bound guessing online. Session and
//! challenge tokens are 256 random bits, so their plain SHA-256 is already unguessable.

mod codes;
pub mod operators;
mod sessions;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::books::BooksError;
use crate::store::StoreError;

pub(crate) use codes::typed_code;
pub use codes::{
    CodeRefused, CodeRequested, LoginCode, Opened, SentCode, code_in_message, request_code,
    verify_code,
};
pub use sessions::{Session, SessionInfo, live_sessions, revoke, revoke_id, revoke_phone, session};

/// How long a login code works.
pub const CODE_VALIDITY: chrono::Duration = chrono::Duration::minutes(5);
/// At most this many codes are made for one phone in `CODES_WINDOW`, whichever process (and
/// whichever browser) asks: the database counts them, so the limit holds across every process
/// on one database, where each process's in-memory limiter only sees its own requests.
pub const MAX_CODES_PER_WINDOW: i64 = 5;
pub const CODES_WINDOW: chrono::Duration = chrono::Duration::minutes(15);
/// Wrong or right, a code may be tried this many times.
pub const MAX_ATTEMPTS: i64 = 5;
/// How long a session lasts from the login (then the code is asked again).
pub const SESSION_VALIDITY: chrono::Duration = chrono::Duration::days(7);
/// Random bytes in a challenge or session token (256 bits).
const TOKEN_BYTES: usize = 32;
/// Characters of a token as written: base64url without padding.
pub const TOKEN_CHARS: usize = 43;
/// The outbox kind of a login code (the sender sends it as the authentication template when
/// the 24-hour window is closed).
pub const LOGIN_CODE_KIND: &str = "login_code";
/// Characters of a server secret given by configuration.
pub const MIN_SECRET_CHARS: usize = 32;

/// What can go wrong with a login.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("the operating system gave no random bytes: {0}")]
    Randomness(getrandom::Error),
    #[error("the panel secret must be at least {MIN_SECRET_CHARS} characters")]
    WeakSecret,
    #[error("too many login codes asked for this phone; try again later")]
    TooManyCodes,
    #[error(transparent)]
    Books(#[from] BooksError),
}

impl From<sqlx::Error> for AccessError {
    fn from(error: sqlx::Error) -> Self {
        AccessError::Books(error.into())
    }
}

impl From<StoreError> for AccessError {
    fn from(error: StoreError) -> Self {
        AccessError::Books(error.into())
    }
}

/// The server's secret: keys the login codes' hashes and the panel's form tokens. It is never
/// written to the database.
#[derive(Clone)]
pub struct AccessKey([u8; 32]);

impl std::fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessKey(***)")
    }
}

impl AccessKey {
    /// The key of a configured secret (at least [`MIN_SECRET_CHARS`] characters).
    pub fn from_secret(secret: &str) -> Result<AccessKey, AccessError> {
        if secret.chars().count() < MIN_SECRET_CHARS {
            return Err(AccessError::WeakSecret);
        }
        Ok(AccessKey(Sha256::digest(secret.as_bytes()).into()))
    }

    /// A key drawn for this process only: codes and forms of an earlier run stop working.
    pub fn random() -> Result<AccessKey, AccessError> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(AccessError::Randomness)?;
        Ok(AccessKey(key))
    }

    /// HMAC-SHA256 of `parts`, each length-prefixed so that no two lists of parts collide.
    pub fn sign(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }
}

/// A random token for a cookie or a form: shown to the browser, never stored as is.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// 256 bits from the operating system's CSPRNG, as 43 characters of base64url.
    pub fn new() -> Result<Secret, AccessError> {
        let mut bytes = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut bytes).map_err(AccessError::Randomness)?;
        Ok(Secret(URL_SAFE_NO_PAD.encode(bytes)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Whether `text` has the shape of a token we issue (checked before any query).
pub fn is_token(text: &str) -> bool {
    text.len() == TOKEN_CHARS
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// How a token is stored: the hex SHA-256.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_tokens_and_nothing_secret_is_printed() {
        let secret = Secret::new().expect("secret");
        assert!(is_token(secret.as_str()));
        assert!(!is_token("short"));
        assert!(!is_token(&("a".repeat(42) + "=")));
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        assert_eq!(
            format!("{:?}", AccessKey::random().expect("key")),
            "AccessKey(***)"
        );
    }
}

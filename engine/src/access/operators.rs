//! Operator accounts: an email and an argon2id password, added from the command line, and the panel sessions they open (every shop, read-only).
//!
//! Why argon2 here and an HMAC for login codes: a password is chosen by a person and may be
//! guessable from a list, so what is stored must be slow to try guesses against; a login code
//! is random and short-lived, which a keyed hash protects better.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{AccessError, SESSION_VALIDITY, Secret, is_token, token_hash};
use crate::store::{Db, is_unique_violation};
use crate::time::to_millis;

/// The shortest password an operator may have.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest, so a huge body cannot make the server hash megabytes.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// An operator as stored (never the password's hash outside this module).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub id: i64,
    pub email: String,
}

/// A signed-in operator's browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorSession {
    pub id: i64,
    pub operator: Operator,
    pub expires_at: i64,
    /// Form tokens are derived from it, as for a shop's session.
    pub token_hash: String,
}

/// A right password: the session and the token for its cookie.
#[derive(Debug)]
pub struct OperatorOpened {
    pub session: OperatorSession,
    pub token: Secret,
}

/// Why an operator could not be added.
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    #[error("'{0}' is not an email address")]
    InvalidEmail(String),
    #[error("a password must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters")]
    WeakPassword,
    #[error("an operator with the email {0} exists already")]
    Exists(String),
    #[error("the password could not be hashed: {0}")]
    Hash(String),
    #[error(transparent)]
    Access(#[from] AccessError),
}

impl From<sqlx::Error> for OperatorError {
    fn from(error: sqlx::Error) -> Self {
        OperatorError::Access(error.into())
    }
}

/// An email as stored: trimmed, lower case, one `@` with something on both sides.
pub fn normalize_email(email: &str) -> Option<String> {
    let email = email.trim().to_lowercase();
    let (user, domain) = email.split_once('@')?;
    let valid = !user.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    valid.then_some(email)
}

fn password_ok(password: &str) -> bool {
    (MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&password.chars().count())
}

/// Adds an operator with `password`, stored as its argon2id hash.
pub async fn add_operator(
    db: &Db,
    email: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<Operator, OperatorError> {
    let email =
        normalize_email(email).ok_or_else(|| OperatorError::InvalidEmail(email.to_string()))?;
    if !password_ok(password) {
        return Err(OperatorError::WeakPassword);
    }
    let hash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|error| OperatorError::Hash(error.to_string()))?
        .to_string();
    let inserted: Result<i64, sqlx::Error> = sqlx::query_scalar(
        "INSERT INTO operators (email, password_hash, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(&email)
    .bind(&hash)
    .bind(to_millis(now))
    .fetch_one(&mut *db.writer().await.map_err(AccessError::from)?)
    .await;
    match inserted {
        Ok(id) => Ok(Operator { id, email }),
        Err(error) if is_unique_violation(&error) => Err(OperatorError::Exists(email)),
        Err(error) => Err(error.into()),
    }
}

/// A hash of a password nobody has, checked when the email is unknown, so a wrong email takes
/// as long as a wrong password and the answer does not tell which one was wrong.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        Argon2::default()
            .hash_password(b"no operator has this password, it only spends the time")
            .map(|hash| hash.to_string())
            .unwrap_or_default()
    })
}

/// Checks an operator's email and password; a right pair opens a session. `None` for a wrong
/// email or password alike.
pub async fn log_in(
    db: &Db,
    email: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<Option<OperatorOpened>, AccessError> {
    let found = match normalize_email(email) {
        Some(email) => {
            sqlx::query("SELECT id, email, password_hash FROM operators WHERE email = $1")
                .bind(email)
                .fetch_optional(db.pool())
                .await?
        }
        None => None,
    };
    let (stored, operator) = match &found {
        Some(row) => (
            row.try_get::<String, _>("password_hash")?,
            Some(Operator {
                id: row.try_get("id")?,
                email: row.try_get("email")?,
            }),
        ),
        None => (decoy_hash().to_string(), None),
    };
    let password = password.to_string();
    // Hashing takes tens of milliseconds of CPU: off the async threads.
    let verified = tokio::task::spawn_blocking(move || {
        password_ok(&password)
            && Argon2::default()
                .verify_password(password.as_bytes(), stored.as_str())
                .is_ok()
    })
    .await
    .unwrap_or(false);
    let Some(operator) = operator.filter(|_| verified) else {
        return Ok(None);
    };
    let token = Secret::new()?;
    let hash = token_hash(token.as_str());
    let expires_at = to_millis(now + SESSION_VALIDITY);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO operator_sessions (operator_id, token_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(operator.id)
    .bind(&hash)
    .bind(to_millis(now))
    .bind(expires_at)
    .fetch_one(&mut *db.writer().await?)
    .await?;
    Ok(Some(OperatorOpened {
        session: OperatorSession {
            id,
            operator,
            expires_at,
            token_hash: hash,
        },
        token,
    }))
}

/// The live operator session of a cookie's token.
pub async fn operator_session(
    db: &Db,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<OperatorSession>, AccessError> {
    if !is_token(token) {
        return Ok(None);
    }
    let row = sqlx::query(
        "SELECT s.id, s.expires_at, s.token_hash, o.id AS operator_id, o.email \
         FROM operator_sessions s JOIN operators o ON o.id = s.operator_id \
         WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2",
    )
    .bind(token_hash(token))
    .bind(to_millis(now))
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(OperatorSession {
        id: row.try_get("id")?,
        operator: Operator {
            id: row.try_get("operator_id")?,
            email: row.try_get("email")?,
        },
        expires_at: row.try_get("expires_at")?,
        token_hash: row.try_get("token_hash")?,
    }))
}

/// Ends an operator's session (logout).
pub async fn end_operator_session(
    db: &Db,
    session: &OperatorSession,
    now: DateTime<Utc>,
) -> Result<(), AccessError> {
    sqlx::query(
        "UPDATE operator_sessions SET revoked_at = $1 WHERE id = $2 AND operator_id = $3 AND revoked_at IS NULL",
    )
    .bind(to_millis(now))
    .bind(session.id)
    .bind(session.operator.id)
    .execute(&mut *db.writer().await?)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_stored_in_one_form() {
        assert_eq!(
            normalize_email("  Ops@Execora.IN "),
            Some("ops@execora.in".to_string())
        );
        for bad in [
            "ops",
            "@execora.in",
            "ops@",
            "ops@execora",
            "o ps@x.in",
            "a@b@c.in",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_password_is_stored_as_argon2id_and_checks_only_itself() {
        let hash = Argon2::default()
            .hash_password(b"correct horse battery")
            .expect("hash")
            .to_string();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains("correct"));
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery", hash.as_str())
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"correct horse batterY", hash.as_str())
                .is_err()
        );
    }
}

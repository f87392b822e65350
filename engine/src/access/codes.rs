//! Login codes: six digits for a phone, bound to the browser that asked, hashed under the server key, five tries in five minutes.

use chrono::{DateTime, Utc};
use sqlx::Row;
use subtle::ConstantTimeEq;

use super::sessions::session_by_id;
use super::{
    AccessError, AccessKey, CODE_VALIDITY, CODES_WINDOW, LOGIN_CODE_KIND, MAX_ATTEMPTS,
    MAX_CODES_PER_WINDOW, SESSION_VALIDITY, Secret, Session, is_token, token_hash,
};
use crate::books::{MerchantId, merchants};
use crate::messages::{self, Delivery, MessageId, NewOutbound};
use crate::phone::Phone;
use crate::reply;
use crate::store::Db;
use crate::time::to_millis;

/// Six digits, drawn without bias. Shown once, to the phone; never stored as is.
#[derive(Clone, PartialEq, Eq)]
pub struct LoginCode(String);

impl LoginCode {
    pub(crate) fn new() -> Result<LoginCode, AccessError> {
        // 4_294_000_000 is the largest multiple of a million under 2^32: drawing again above it
        // keeps every code equally likely.
        loop {
            let mut bytes = [0u8; 4];
            getrandom::fill(&mut bytes).map_err(AccessError::Randomness)?;
            let n = u32::from_be_bytes(bytes);
            if n < 4_294_000_000 {
                return Ok(LoginCode(format!("{:06}", n % 1_000_000)));
            }
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for LoginCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginCode(***)")
    }
}

/// The code as typed: spaces and dashes between the digits are allowed, anything else is not a code.
pub(crate) fn typed_code(typed: &str) -> Option<String> {
    let digits: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

fn code_hash(key: &AccessKey, challenge_hash: &str, code: &str) -> String {
    hex::encode(key.sign(&[b"login-code", challenge_hash.as_bytes(), code.as_bytes()]))
}

/// A code just put in the outbox for a shop's phone.
#[derive(Debug, Clone)]
pub struct SentCode {
    pub merchant: MerchantId,
    pub phone: Phone,
    pub message: MessageId,
    pub code: LoginCode,
}

/// What asking for a code did. The browser gets the challenge either way, so the page cannot
/// tell whether a number is registered.
#[derive(Debug, Clone)]
pub struct CodeRequested {
    pub challenge: Secret,
    /// `None` when the phone is not one of any shop's.
    pub sent: Option<SentCode>,
}

/// Stores a new code for `phone` (when it is a shop's) and its WhatsApp message, in the shop's
/// language, with `delivery` (`Sandbox` keeps it in the outbox, `Queued` hands it to the sender).
pub async fn request_code(
    db: &Db,
    key: &AccessKey,
    phone: &Phone,
    delivery: Delivery,
    now: DateTime<Utc>,
) -> Result<CodeRequested, AccessError> {
    let challenge = Secret::new()?;
    let challenge_hash = token_hash(challenge.as_str());
    let code = LoginCode::new()?;
    let at = to_millis(now);
    let shop = merchants::find_by_phone(db, phone).await?;
    let mut tx = db.begin().await?;
    // Counted in the transaction that adds the row, exactly: on SQLite the one writer takes
    // these transactions in turn; on PostgreSQL the phone's advisory lock does (a count alone
    // would let every racing request see the same four).
    if db.backend() == crate::store::Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(format!("login_codes:{}", phone.as_str()))
            .execute(&mut *tx)
            .await?;
    }
    let recent: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM login_codes WHERE phone = $1 AND created_at > $2")
            .bind(phone.as_str())
            .bind(to_millis(now - CODES_WINDOW))
            .fetch_one(&mut *tx)
            .await?;
    if recent >= MAX_CODES_PER_WINDOW {
        return Err(AccessError::TooManyCodes);
    }
    // A number that is no shop's gets the same row, without a shop and with a code that is
    // never sent, so trying codes answers alike ("wrong, 4 tries left") either way.
    sqlx::query(
        "INSERT INTO login_codes (merchant_id, phone, challenge_hash, code_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(shop.as_ref().map(|(merchant, _)| merchant.id.0))
    .bind(phone.as_str())
    .bind(&challenge_hash)
    .bind(code_hash(key, &challenge_hash, code.as_str()))
    .bind(at)
    .bind(to_millis(now + CODE_VALIDITY))
    .execute(&mut *tx)
    .await?;
    let Some((merchant, _role)) = shop else {
        tx.commit().await?;
        return Ok(CodeRequested {
            challenge,
            sent: None,
        });
    };
    let body = reply::login_code(merchant.locale, code.as_str());
    let message = messages::record_outbound_in(
        &mut tx,
        &NewOutbound {
            merchant: Some(merchant.id),
            peer: phone.as_str(),
            kind: LOGIN_CODE_KIND,
            body: &body,
            in_reply_to: None,
            options: None,
            status: delivery,
            at,
        },
    )
    .await?;
    tx.commit().await?;
    db.wake(crate::store::Work::Outbound);
    Ok(CodeRequested {
        challenge,
        sent: Some(SentCode {
            merchant: merchant.id,
            phone: phone.clone(),
            message,
            code,
        }),
    })
}

/// The six digits of a login-code message (the sender passes them to the authentication
/// template); `None` when the body does not start with them.
pub fn code_in_message(body: &str) -> Option<&str> {
    let code = body.get(..6)?;
    (code.bytes().all(|b| b.is_ascii_digit())
        && !body[6..].starts_with(|c: char| c.is_ascii_digit()))
    .then_some(code)
}

/// Why a code did not open a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRefused {
    /// No code for this browser, or it expired, or it was already used.
    Expired,
    /// Wrong code; this many tries are left.
    Wrong { tries_left: i64 },
    /// The code has been tried [`MAX_ATTEMPTS`] times: ask for a new one.
    NoTriesLeft,
}

/// A session just opened: its token goes into the cookie, only its hash is stored.
#[derive(Debug, Clone)]
pub struct Opened {
    pub token: Secret,
    pub session: Session,
}

/// Checks `typed` against the code of `challenge`; a right code opens a session for its phone.
/// Every check counts as a try, right or wrong, before the comparison.
pub async fn verify_code(
    db: &Db,
    key: &AccessKey,
    challenge: &str,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<Result<Opened, CodeRefused>, AccessError> {
    if !is_token(challenge) {
        return Ok(Err(CodeRefused::Expired));
    }
    let challenge_hash = token_hash(challenge);
    let at = to_millis(now);
    let row = sqlx::query(
        "SELECT id, attempts FROM login_codes WHERE challenge_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(&challenge_hash)
    .bind(at)
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else {
        return Ok(Err(CodeRefused::Expired));
    };
    let id: i64 = row.try_get("id")?;
    if row.try_get::<i64, _>("attempts")? >= MAX_ATTEMPTS {
        return Ok(Err(CodeRefused::NoTriesLeft));
    }
    // The try is counted by a conditional UPDATE, so two tries side by side cannot both slip
    // under the limit.
    let counted = sqlx::query(
        "UPDATE login_codes SET attempts = attempts + 1 WHERE id = $1 AND attempts < $2 AND used_at IS NULL \
         AND expires_at > $3 RETURNING attempts, code_hash, merchant_id, phone",
    )
    .bind(id)
    .bind(MAX_ATTEMPTS)
    .bind(at)
    .fetch_optional(&mut *db.writer().await?)
    .await?;
    let Some(counted) = counted else {
        return Ok(Err(CodeRefused::NoTriesLeft));
    };
    let attempts: i64 = counted.try_get("attempts")?;
    let stored: String = counted.try_get("code_hash")?;
    // A row without a shop (a number that is no shop's) never opens anything, even on a lucky guess.
    let merchant: Option<i64> = counted.try_get("merchant_id")?;
    let matches = merchant.is_some()
        && typed_code(typed).is_some_and(|code| {
            code_hash(key, &challenge_hash, &code)
                .as_bytes()
                .ct_eq(stored.as_bytes())
                .into()
        });
    if !matches {
        return Ok(Err(if attempts >= MAX_ATTEMPTS {
            CodeRefused::NoTriesLeft
        } else {
            CodeRefused::Wrong {
                tries_left: MAX_ATTEMPTS - attempts,
            }
        }));
    }
    let Some(merchant) = merchant.map(MerchantId) else {
        return Ok(Err(CodeRefused::Expired));
    };
    let phone = Phone::from_stored(counted.try_get("phone")?);
    let token = Secret::new()?;
    let mut tx = db.begin().await?;
    // One session per code, even when the right code arrives twice at once.
    let used = sqlx::query("UPDATE login_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
        .bind(at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if used.rows_affected() != 1 {
        return Ok(Err(CodeRefused::Expired));
    }
    let expires_at = to_millis(now + SESSION_VALIDITY);
    let session_id: i64 = sqlx::query_scalar(
        "INSERT INTO panel_sessions (merchant_id, phone, token_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(merchant.0)
    .bind(phone.as_str())
    .bind(token_hash(token.as_str()))
    .bind(at)
    .bind(expires_at)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    let Some(session) = session_by_id(db, session_id, at).await? else {
        return Ok(Err(CodeRefused::Expired));
    };
    Ok(Ok(Opened { token, session }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_six_digits_and_typed_codes_may_have_spaces_or_dashes() {
        for _ in 0..200 {
            let code = LoginCode::new().expect("code");
            assert_eq!(code.as_str().len(), 6);
            assert!(code.as_str().bytes().all(|b| b.is_ascii_digit()));
        }
        assert_eq!(typed_code(" 123 456 ").as_deref(), Some("123456"));
        assert_eq!(typed_code("123-456").as_deref(), Some("123456"));
        assert_eq!(typed_code("12345"), None);
        assert_eq!(typed_code("1234567"), None);
        assert_eq!(typed_code("12345a"), None);
        assert_eq!(typed_code("१२३४५६"), None);
    }

    #[test]
    fn the_code_hash_depends_on_the_key_the_challenge_and_the_code() {
        let a = AccessKey::from_secret(&"a".repeat(32)).expect("key");
        let b = AccessKey::from_secret(&"b".repeat(32)).expect("key");
        let base = code_hash(&a, "challenge", "123456");
        assert_eq!(base.len(), 64);
        assert_ne!(base, code_hash(&b, "challenge", "123456"));
        assert_ne!(base, code_hash(&a, "challenge2", "123456"));
        assert_ne!(base, code_hash(&a, "challenge", "123457"));
        assert!(matches!(
            AccessKey::from_secret("short"),
            Err(AccessError::WeakSecret)
        ));
    }

    #[test]
    fn nothing_of_a_code_is_printed() {
        assert_eq!(
            format!("{:?}", LoginCode("123456".into())),
            "LoginCode(***)"
        );
    }

    #[test]
    fn the_code_is_read_back_from_the_start_of_its_message() {
        assert_eq!(code_in_message("042917 is your code"), Some("042917"));
        assert_eq!(code_in_message("0429171 is not"), None);
        assert_eq!(code_in_message("code 042917"), None);
        assert_eq!(code_in_message("04291"), None);
    }
}

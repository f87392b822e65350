//! Deleting a customer: a six-digit code sent to the owner's WhatsApp, then one transaction that anonymises the customer and erases what named them, keeping every booked amount.
//!
//! The code works like a panel login code (`access::codes`): drawn without bias, stored as an
//! HMAC under the server key bound to the random challenge of the request that asked, five tries
//! counted before comparing, five minutes, used once in the transaction that deletes.

use sqlx::Row;
use subtle::ConstantTimeEq;

use super::RightsError;
use super::erase::{Person, erase};
use crate::access::{
    AccessKey, CODE_VALIDITY, CodeRefused, LOGIN_CODE_KIND, LoginCode, MAX_ATTEMPTS, Secret,
    is_token, token_hash, typed_code,
};
use crate::books::{Books, CustomerId, merchants};
use crate::messages::{self, Delivery, MessageId, NewOutbound};
use crate::phone::Phone;
use crate::recordings::Recordings;
use crate::reply;
use crate::store::Work;
use crate::time::to_millis;

/// Who asked for the deletion, kept in `customer_deletions` (a shop phone, never the customer's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requester {
    /// The owner signed in on the panel, by their phone.
    Panel(Phone),
    /// The operator's `execora customer delete`.
    Cli,
}

impl Requester {
    fn who(&self) -> &str {
        match self {
            Requester::Panel(phone) => phone.as_str(),
            Requester::Cli => "cli",
        }
    }

    fn source(&self) -> &'static str {
        match self {
            Requester::Panel(_) => "panel",
            Requester::Cli => "cli",
        }
    }
}

/// A code just put in the outbox for the owner.
#[derive(Debug, Clone)]
pub struct DeletionRequested {
    /// Goes back to whoever asked (a hidden form field, the CLI's memory); only its hash is stored.
    pub challenge: Secret,
    pub owner: Phone,
    pub message: MessageId,
    pub code: LoginCode,
    /// Unix ms.
    pub expires_at: i64,
}

/// What a deletion did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deleted {
    pub customer: CustomerId,
    pub messages_redacted: u64,
    pub recordings_purged: u64,
    pub reminders_cancelled: u64,
    pub pay_links_removed: u64,
}

fn code_hash(key: &AccessKey, challenge_hash: &str, customer: CustomerId, code: &str) -> String {
    hex::encode(key.sign(&[
        b"deletion-code",
        challenge_hash.as_bytes(),
        customer.0.to_string().as_bytes(),
        code.as_bytes(),
    ]))
}

async fn person(books: &Books, customer: CustomerId) -> Result<Person, RightsError> {
    let found = books.customer(customer).await?;
    let deleted_at: Option<i64> =
        sqlx::query_scalar("SELECT deleted_at FROM customers WHERE merchant_id = $1 AND id = $2")
            .bind(books.merchant_id().0)
            .bind(customer.0)
            .fetch_one(books.db().pool())
            .await?;
    if deleted_at.is_some() {
        return Err(RightsError::AlreadyDeleted(customer));
    }
    Ok(Person {
        name: found.name,
        nickname: found.nickname,
        phone: found.phone.map(|p| p.as_str().to_string()),
    })
}

/// Sends a deletion code for `customer` to the shop's owner (the first owner phone), in the
/// shop's language, with `delivery` (`Sandbox` keeps it in the outbox). Another shop's customer
/// is `CustomerNotFound`; one already deleted is `AlreadyDeleted`.
pub async fn request_deletion(
    books: &Books,
    key: &AccessKey,
    customer: CustomerId,
    by: &Requester,
    delivery: Delivery,
) -> Result<DeletionRequested, RightsError> {
    person(books, customer).await?;
    let merchant = books.merchant();
    let owner = merchants::owner_phone(books.db(), merchant.id)
        .await?
        .ok_or(RightsError::NoOwnerPhone)?;
    let challenge = Secret::new()?;
    let challenge_hash = token_hash(challenge.as_str());
    let code = LoginCode::new()?;
    let now = books.now();
    let at = to_millis(now);
    let expires_at = to_millis(now + CODE_VALIDITY);
    let mut tx = books.db().begin().await?;
    sqlx::query(
        "INSERT INTO deletion_codes (merchant_id, customer_id, requested_by, challenge_hash, code_hash, \
         created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(merchant.id.0)
    .bind(customer.0)
    .bind(by.who())
    .bind(&challenge_hash)
    .bind(code_hash(key, &challenge_hash, customer, code.as_str()))
    .bind(at)
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    // Sent as a login code is: the body starts with the digits, so the sender can fall back to
    // the authentication template when the 24-hour window is closed.
    let body = reply::deletion_code(merchant.locale, code.as_str(), customer.0);
    let message = messages::record_outbound_in(
        &mut tx,
        &NewOutbound {
            merchant: Some(merchant.id),
            peer: owner.as_str(),
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
    books.db().wake(Work::Outbound);
    Ok(DeletionRequested {
        challenge,
        owner,
        message,
        code,
        expires_at,
    })
}

/// Checks `typed` against the code of `challenge` for `customer`; a right code deletes the
/// customer (see the module's doc). Every check counts as a try before the comparison.
/// `recordings` is the archive the shop's voice notes were filed in, if this process has it.
pub async fn confirm_deletion(
    books: &Books,
    key: &AccessKey,
    recordings: Option<&Recordings>,
    customer: CustomerId,
    challenge: &str,
    typed: &str,
    by: &Requester,
) -> Result<Result<Deleted, CodeRefused>, RightsError> {
    if !is_token(challenge) {
        return Ok(Err(CodeRefused::Expired));
    }
    let challenge_hash = token_hash(challenge);
    let merchant = books.merchant_id().0;
    let at = to_millis(books.now());
    let counted = sqlx::query(
        "UPDATE deletion_codes SET attempts = attempts + 1 WHERE merchant_id = $1 AND customer_id = $2 \
         AND challenge_hash = $3 AND attempts < $4 AND used_at IS NULL AND expires_at > $5 \
         RETURNING id, attempts, code_hash",
    )
    .bind(merchant)
    .bind(customer.0)
    .bind(&challenge_hash)
    .bind(MAX_ATTEMPTS)
    .bind(at)
    .fetch_optional(&mut *books.db().writer().await?)
    .await?;
    let Some(counted) = counted else {
        // Either no live code for this request, or its tries are spent: say which.
        let spent: Option<i64> = sqlx::query_scalar(
            "SELECT attempts FROM deletion_codes WHERE merchant_id = $1 AND customer_id = $2 \
             AND challenge_hash = $3 AND used_at IS NULL AND expires_at > $4",
        )
        .bind(merchant)
        .bind(customer.0)
        .bind(&challenge_hash)
        .bind(at)
        .fetch_optional(books.db().pool())
        .await?;
        return Ok(Err(match spent {
            Some(_) => CodeRefused::NoTriesLeft,
            None => CodeRefused::Expired,
        }));
    };
    let id: i64 = counted.try_get("id")?;
    let attempts: i64 = counted.try_get("attempts")?;
    let stored: String = counted.try_get("code_hash")?;
    let matches = typed_code(typed).is_some_and(|code| {
        code_hash(key, &challenge_hash, customer, &code)
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
    let person = person(books, customer).await?;
    let mut tx = books.db().begin().await?;
    let used = sqlx::query(
        "UPDATE deletion_codes SET used_at = $1 WHERE merchant_id = $2 AND id = $3 AND used_at IS NULL",
    )
    .bind(at)
    .bind(merchant)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if used.rows_affected() != 1 {
        return Ok(Err(CodeRefused::Expired));
    }
    let deleted = erase(&mut tx, books, customer, &person, recordings, at).await?;
    sqlx::query(
        "INSERT INTO customer_deletions (merchant_id, customer_id, requested_by, source, messages_redacted, \
         recordings_purged, reminders_cancelled, pay_links_removed, deleted_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(merchant)
    .bind(customer.0)
    .bind(by.who())
    .bind(by.source())
    .bind(count(deleted.messages_redacted))
    .bind(count(deleted.recordings_purged))
    .bind(count(deleted.reminders_cancelled))
    .bind(count(deleted.pay_links_removed))
    .bind(at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(
        merchant,
        customer = customer.0,
        messages = deleted.messages_redacted,
        recordings = deleted.recordings_purged,
        "customer deleted"
    );
    Ok(Ok(deleted))
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

//! Messages from phones no shop has registered: a shop's customers writing back, and new shops opening.

use sqlx::Row;

use crate::books::merchants::{self, Merchant, NewMerchant};
use crate::books::{BooksError, MerchantId};
use crate::messages::MessageId;
use crate::phone::Phone;
use crate::reply::Locale;
use crate::store::{Db, is_unique_violation};

/// A shop's name as a stranger may type it: long enough to mean something, short enough for a
/// WhatsApp header and an invoice.
const SHOP_NAME_CHARS: std::ops::RangeInclusive<usize> = 2..=60;

/// The shop a customer's message belongs to, and who they are in its books.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerThread {
    pub merchant: Merchant,
    /// The customer's name in that shop's books, when their phone is on a customer.
    pub customer_name: Option<String>,
    /// The owner's phone, who is told what the customer wrote.
    pub owner_phone: Option<Phone>,
}

/// Which shop a message from `phone` (not a shop's own phone) belongs to, if any: the shop whose
/// message it quotes, else the last shop that wrote to that phone, else the one shop that has the
/// phone on a customer. Several shops with that customer and no message between them: none, so a
/// customer's words never reach a shop they did not write to.
pub async fn customer_thread(
    db: &Db,
    phone: &Phone,
    quoted: Option<&str>,
) -> Result<Option<CustomerThread>, BooksError> {
    let mut merchant: Option<i64> = None;
    if let Some(quoted) = quoted {
        // The peer must match: a quoted id is only ever one of our messages to this same phone.
        merchant = sqlx::query_scalar(
            "SELECT merchant_id FROM messages WHERE wa_message_id = $1 AND direction = 'out' \
             AND peer = $2 AND merchant_id IS NOT NULL",
        )
        .bind(quoted)
        .bind(phone.as_str())
        .fetch_optional(db.pool())
        .await?
        .flatten();
    }
    if merchant.is_none() {
        merchant = sqlx::query_scalar(
            "SELECT merchant_id FROM messages WHERE peer = $1 AND direction = 'out' \
             AND merchant_id IS NOT NULL ORDER BY id DESC LIMIT 1",
        )
        .bind(phone.as_str())
        .fetch_optional(db.pool())
        .await?
        .flatten();
    }
    if merchant.is_none() {
        let shops: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT merchant_id FROM customers WHERE phone = $1 ORDER BY merchant_id LIMIT 2",
        )
        .bind(phone.as_str())
        .fetch_all(db.pool())
        .await?;
        if let [only] = shops.as_slice() {
            merchant = Some(*only);
        }
    }
    let Some(merchant) = merchant.map(MerchantId) else {
        return Ok(None);
    };
    let merchant = merchants::get(db, merchant).await?;
    let customer_name: Option<String> =
        sqlx::query_scalar("SELECT name FROM customers WHERE merchant_id = $1 AND phone = $2")
            .bind(merchant.id.0)
            .bind(phone.as_str())
            .fetch_optional(db.pool())
            .await?;
    let owner_phone: Option<String> = sqlx::query_scalar(
        "SELECT phone FROM merchant_phones WHERE merchant_id = $1 AND role = 'owner' ORDER BY id LIMIT 1",
    )
    .bind(merchant.id.0)
    .fetch_optional(db.pool())
    .await?;
    Ok(Some(CustomerThread {
        merchant,
        customer_name,
        // Stored phones are already in their full form: parsing one again could add a 91.
        owner_phone: owner_phone.map(Phone::from_stored),
    }))
}

/// Whether `phone` was already sent a "passed on" notice by `merchant` since `since` (unix ms),
/// so a chatty customer is thanked once, not after every message.
pub async fn acknowledged_since(
    db: &Db,
    merchant: MerchantId,
    phone: &Phone,
    since: i64,
) -> Result<bool, BooksError> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM messages WHERE merchant_id = $1 AND peer = $2 AND direction = 'out' \
         AND kind = 'notice' AND created_at >= $3 LIMIT 1",
    )
    .bind(merchant.0)
    .bind(phone.as_str())
    .bind(since)
    .fetch_optional(db.pool())
    .await?;
    Ok(found.is_some())
}

/// The message that opened the shop of `phone` through signup, if signup opened it.
pub async fn opened_by(db: &Db, phone: &Phone) -> Result<Option<MessageId>, BooksError> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT message_id FROM signups WHERE phone = $1 AND state = 'opened'")
            .bind(phone.as_str())
            .fetch_optional(db.pool())
            .await?
            .flatten();
    Ok(id.map(MessageId))
}

/// Where an open signup stands after a stranger's message.
#[derive(Debug, Clone, PartialEq)]
pub enum SignupStep {
    /// First contact: they were asked for the shop's name.
    AskedName,
    /// What they sent cannot be a shop's name; they are asked again.
    NameRefused,
    /// The shop is open with this phone as its owner (also when a retried job sees it again).
    Opened(Merchant),
    /// This phone already belongs to a shop, opened by an earlier message: nothing to do here.
    AlreadyOpen(Merchant),
}

/// Defaults for shops opened by signup.
#[derive(Debug, Clone)]
pub struct SignupDefaults {
    pub locale: Locale,
    pub timezone: String,
}

/// One step of open signup for `phone`, whose message `message` said `text` (`None` for a voice
/// note or other media, which cannot name a shop). Idempotent per message: the shop is opened in
/// the same transaction that records which message opened it, so a retried job finds it.
pub async fn signup(
    db: &Db,
    phone: &Phone,
    message: MessageId,
    text: Option<&str>,
    defaults: &SignupDefaults,
    at: i64,
) -> Result<SignupStep, BooksError> {
    let row = sqlx::query("SELECT state, merchant_id, message_id FROM signups WHERE phone = $1")
        .bind(phone.as_str())
        .fetch_optional(db.pool())
        .await?;
    let Some(row) = row else {
        let inserted = sqlx::query(
            "INSERT INTO signups (phone, state, created_at, updated_at) VALUES ($1, 'awaiting_name', $2, $2)",
        )
        .bind(phone.as_str())
        .bind(at)
        .execute(&mut *db.writer().await?)
        .await;
        return match inserted {
            Ok(_) => Ok(SignupStep::AskedName),
            // Two first messages at once: the other one asked.
            Err(e) if is_unique_violation(&e) => Ok(SignupStep::AskedName),
            Err(e) => Err(e.into()),
        };
    };
    let state: String = row.try_get("state")?;
    if state == "opened" {
        let merchant = match row.try_get::<Option<i64>, _>("merchant_id")? {
            Some(id) => merchants::get(db, MerchantId(id)).await?,
            None => return Err(BooksError::InvalidName("signup opened without a shop")),
        };
        let opened_by: Option<i64> = row.try_get("message_id")?;
        return Ok(if opened_by == Some(message.0) {
            SignupStep::Opened(merchant)
        } else {
            SignupStep::AlreadyOpen(merchant)
        });
    }
    let Some(name) = text.map(str::trim).filter(|name| {
        SHOP_NAME_CHARS.contains(&name.chars().count())
            && !name.chars().any(char::is_control)
            && name.chars().any(char::is_alphabetic)
    }) else {
        return Ok(SignupStep::NameRefused);
    };
    let mut tx = db.begin().await?;
    let created = merchants::create_in(
        &mut tx,
        NewMerchant {
            name: name.to_string(),
            owner_phone: phone.as_str().to_string(),
            locale: defaults.locale,
            timezone: Some(defaults.timezone.clone()),
            upi_id: None,
        },
        phone,
        at,
    )
    .await;
    let merchant = match created {
        Ok(merchant) => merchant,
        Err(BooksError::PhoneTaken(_)) => return lost_race(db, tx, phone).await,
        Err(e) => return Err(e),
    };
    let claimed = sqlx::query(
        "UPDATE signups SET state = 'opened', merchant_id = $1, message_id = $2, updated_at = $3 \
         WHERE phone = $4 AND state = 'awaiting_name'",
    )
    .bind(merchant.id.0)
    .bind(message.0)
    .bind(at)
    .bind(phone.as_str())
    .execute(&mut *tx)
    .await?;
    if claimed.rows_affected() != 1 {
        return lost_race(db, tx, phone).await;
    }
    tx.commit().await?;
    Ok(SignupStep::Opened(merchant))
}

/// Another message opened a shop for this phone first (or it was registered meanwhile): this
/// transaction's shop is rolled back and the phone's shop is the answer.
async fn lost_race(db: &Db, tx: crate::store::Tx, phone: &Phone) -> Result<SignupStep, BooksError> {
    tx.rollback().await?;
    match merchants::find_by_phone(db, phone).await? {
        Some((merchant, _)) => Ok(SignupStep::AlreadyOpen(merchant)),
        None => Err(BooksError::PhoneTaken(phone.to_string())),
    }
}

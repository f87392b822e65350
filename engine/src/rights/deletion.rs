//! Deleting a customer: a six-digit code sent to the owner's WhatsApp, then one transaction that anonymises the customer and erases what named them, keeping every booked amount.
//!
//! The code works like a panel login code (`access::codes`): drawn without bias, stored as an
//! HMAC under the server key bound to the random challenge of the request that asked, five tries
//! counted before comparing, five minutes, used once in the transaction that deletes.

use sqlx::Row;
use subtle::ConstantTimeEq;

use super::RightsError;
use super::mentions::{self, like_pattern};
use crate::access::{
    AccessKey, CODE_VALIDITY, CodeRefused, LOGIN_CODE_KIND, LoginCode, MAX_ATTEMPTS, Secret,
    is_token, token_hash, typed_code,
};
use crate::books::{Books, CustomerId, merchants, names};
use crate::messages::{self, Delivery, MessageId, NewOutbound};
use crate::phone::Phone;
use crate::recordings::Recordings;
use crate::reply;
use crate::store::{Tx, Work};
use crate::time::to_millis;

/// A deleted customer's name is this and their id: "Deleted customer #42".
pub const DELETED_NAME_PREFIX: &str = "Deleted customer #";
/// What a deleted operation's stored outcome becomes (the migration's trigger allows exactly it).
const REDACTED_OUTCOME: &str = "\"redacted\"";

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

/// The customer's row as deletion reads it.
struct Person {
    name: String,
    nickname: Option<String>,
    phone: Option<String>,
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

/// Everything of one deletion, inside its transaction.
async fn erase(
    tx: &mut Tx,
    books: &Books,
    customer: CustomerId,
    person: &Person,
    recordings: Option<&Recordings>,
    at: i64,
) -> Result<Deleted, RightsError> {
    let merchant = books.merchant_id().0;
    let needles = mentions::needles(
        &person.name,
        person.nickname.as_deref(),
        person.phone.as_deref(),
    );
    let mut redact: Vec<i64> = Vec::new();

    // The customer's own conversation: the row stays (ids, direction, status), the number goes.
    if let Some(phone) = &person.phone {
        sqlx::query(
            "UPDATE messages SET status = 'failed', error_title = 'customer deleted', updated_at = $3 \
             WHERE merchant_id = $1 AND peer = $2 AND direction = 'out' AND status = 'queued'",
        )
        .bind(merchant)
        .bind(phone)
        .bind(at)
        .execute(&mut **tx)
        .await?;
        let own: Vec<i64> = sqlx::query_scalar(
            "UPDATE messages SET peer = $3, peer_user_id = NULL WHERE merchant_id = $1 AND peer = $2 RETURNING id",
        )
        .bind(merchant)
        .bind(phone)
        .bind(format!("deleted-customer-{}", customer.0))
        .fetch_all(&mut **tx)
        .await?;
        redact.extend(own);
    }

    // The messages that booked for the customer (keyed `<wamid>#<n>`) and what answered them.
    let keys: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT o.idempotency_key FROM operations o JOIN ledger_entries e \
         ON e.merchant_id = o.merchant_id AND e.operation_id = o.id \
         WHERE o.merchant_id = $1 AND e.customer_id = $2 AND o.idempotency_key IS NOT NULL",
    )
    .bind(merchant)
    .bind(customer.0)
    .fetch_all(&mut **tx)
    .await?;
    for key in keys {
        let Some((wamid, _)) = key.rsplit_once('#') else {
            continue;
        };
        let booked: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM messages WHERE merchant_id = $1 AND wa_message_id = $2",
        )
        .bind(merchant)
        .bind(wamid)
        .fetch_all(&mut **tx)
        .await?;
        for id in booked {
            redact.push(id);
            let answers: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM messages WHERE merchant_id = $1 AND in_reply_to = $2",
            )
            .bind(merchant)
            .bind(id)
            .fetch_all(&mut **tx)
            .await?;
            redact.extend(answers);
        }
    }

    // Any other message of the shop that names the customer (a notice to the owner, the digest).
    for needle in &needles {
        let rows = sqlx::query(
            "SELECT id, body, transcript, options FROM messages WHERE merchant_id = $1 AND redacted_at IS NULL \
             AND (LOWER(body) LIKE LOWER($2) ESCAPE '\\' OR LOWER(COALESCE(transcript, '')) LIKE LOWER($2) ESCAPE '\\' \
             OR LOWER(COALESCE(options, '')) LIKE LOWER($2) ESCAPE '\\')",
        )
        .bind(merchant)
        .bind(like_pattern(needle))
        .fetch_all(&mut **tx)
        .await?;
        for row in &rows {
            let texts = [
                row.try_get::<String, _>("body")?,
                row.try_get::<Option<String>, _>("transcript")?
                    .unwrap_or_default(),
                row.try_get::<Option<String>, _>("options")?
                    .unwrap_or_default(),
            ];
            if texts.iter().any(|text| mentions::names(text, needle)) {
                redact.push(row.try_get("id")?);
            }
        }
    }
    redact.sort_unstable();
    redact.dedup();
    let mut messages_redacted = 0;
    for id in &redact {
        let done = sqlx::query(
            "UPDATE messages SET body = '', transcript = NULL, options = NULL, redacted_at = $3 \
             WHERE merchant_id = $1 AND id = $2 AND redacted_at IS NULL",
        )
        .bind(merchant)
        .bind(id)
        .bind(at)
        .execute(&mut **tx)
        .await?;
        messages_redacted += done.rows_affected();
    }
    // The redacted ones may have been redacted before (retention): their notes still go.
    let mut recordings_purged = 0;
    if let Some(recordings) = recordings {
        for id in &redact {
            let row = sqlx::query(
                "SELECT audio_key, transcript_key FROM recordings WHERE merchant_id = $1 AND message_id = $2 \
                 AND purged_at IS NULL",
            )
            .bind(merchant)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
            let Some(row) = row else { continue };
            recordings
                .delete(&row.try_get::<String, _>("audio_key")?)
                .await?;
            if let Some(transcript) = row.try_get::<Option<String>, _>("transcript_key")? {
                recordings.delete(&transcript).await?;
            }
            sqlx::query(
                "UPDATE recordings SET purged_at = $3 WHERE merchant_id = $1 AND message_id = $2",
            )
            .bind(merchant)
            .bind(id)
            .bind(at)
            .execute(&mut **tx)
            .await?;
            recordings_purged += 1;
        }
    }

    // Reminders: the waiting ones are cancelled, the customer's replies leave the timelines.
    let cancelled: Vec<i64> = sqlx::query_scalar(
        "UPDATE reminders SET status = 'cancelled', updated_at = $3 \
         WHERE merchant_id = $1 AND customer_id = $2 AND status = 'scheduled' RETURNING id",
    )
    .bind(merchant)
    .bind(customer.0)
    .bind(at)
    .fetch_all(&mut **tx)
    .await?;
    for reminder in &cancelled {
        sqlx::query(
            "INSERT INTO reminder_events (merchant_id, reminder_id, kind, at) VALUES ($1, $2, 'cancelled', $3)",
        )
        .bind(merchant)
        .bind(reminder)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query(
        "UPDATE reminder_series SET ended_at = $3, end_reason = 'stopped' \
         WHERE merchant_id = $1 AND customer_id = $2 AND ended_at IS NULL",
    )
    .bind(merchant)
    .bind(customer.0)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE reminder_events SET detail = NULL WHERE merchant_id = $1 AND detail IS NOT NULL \
         AND reminder_id IN (SELECT id FROM reminders WHERE merchant_id = $1 AND customer_id = $2)",
    )
    .bind(merchant)
    .bind(customer.0)
    .execute(&mut **tx)
    .await?;

    let pay_links =
        sqlx::query("DELETE FROM pay_links WHERE merchant_id = $1 AND customer_id = $2")
            .bind(merchant)
            .bind(customer.0)
            .execute(&mut **tx)
            .await?
            .rows_affected();

    // Conversations in progress that hold the name (the active customer, a pending question).
    for needle in &needles {
        sqlx::query(
            "DELETE FROM dialog_states WHERE merchant_id = $1 AND LOWER(state) LIKE LOWER($2) ESCAPE '\\'",
        )
        .bind(merchant)
        .bind(like_pattern(needle))
        .execute(&mut **tx)
        .await?;
    }

    // The books: amounts, kinds and links stay; notes and stored outcomes that can name go.
    sqlx::query(
        "UPDATE ledger_entries SET note = NULL, redacted_at = $3 \
         WHERE merchant_id = $1 AND customer_id = $2 AND redacted_at IS NULL",
    )
    .bind(merchant)
    .bind(customer.0)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    let linked = "SELECT operation_id FROM ledger_entries WHERE merchant_id = $1 AND customer_id = $2 \
         UNION SELECT operation_id FROM invoices WHERE merchant_id = $1 AND customer_id = $2 \
         UNION SELECT operation_id FROM reminders WHERE merchant_id = $1 AND customer_id = $2 AND operation_id IS NOT NULL \
         UNION SELECT operation_id FROM reminder_series WHERE merchant_id = $1 AND customer_id = $2 AND operation_id IS NOT NULL";
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE operations SET outcome = $3, redacted_at = $4 WHERE merchant_id = $1 AND redacted_at IS NULL \
         AND (id IN ({linked}) OR id IN (SELECT undone_by FROM operations WHERE merchant_id = $1 \
         AND undone_by IS NOT NULL AND id IN ({linked})))"
    )))
    .bind(merchant)
    .bind(customer.0)
    .bind(REDACTED_OUTCOME)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    for needle in &needles {
        let rows = sqlx::query(
            "SELECT id, outcome FROM operations WHERE merchant_id = $1 AND redacted_at IS NULL \
             AND LOWER(outcome) LIKE LOWER($2) ESCAPE '\\'",
        )
        .bind(merchant)
        .bind(like_pattern(needle))
        .fetch_all(&mut **tx)
        .await?;
        for row in &rows {
            if !mentions::names(&row.try_get::<String, _>("outcome")?, needle) {
                continue;
            }
            sqlx::query(
                "UPDATE operations SET outcome = $3, redacted_at = $4 WHERE merchant_id = $1 AND id = $2",
            )
            .bind(merchant)
            .bind(row.try_get::<i64, _>("id")?)
            .bind(REDACTED_OUTCOME)
            .bind(at)
            .execute(&mut **tx)
            .await?;
        }
    }

    let name = format!("{DELETED_NAME_PREFIX}{}", customer.0);
    sqlx::query(
        "UPDATE customers SET name = $3, phone = NULL, nickname = NULL, search_key = $4, deleted_at = $5 \
         WHERE merchant_id = $1 AND id = $2",
    )
    .bind(merchant)
    .bind(customer.0)
    .bind(&name)
    .bind(names::search_key(&name))
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(Deleted {
        customer,
        messages_redacted,
        recordings_purged,
        reminders_cancelled: cancelled.len() as u64,
        pay_links_removed: pay_links,
    })
}

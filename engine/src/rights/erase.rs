//! The one transaction of a confirmed deletion: the customer anonymised, what named them erased, every booked amount and link kept.

use sqlx::Row;

use super::RightsError;
use super::deletion::Deleted;
use super::mentions::{self, like_pattern};
use crate::books::{Books, CustomerId, names};
use crate::recordings::Recordings;
use crate::store::Tx;

/// A deleted customer's name is this and their id: "Deleted customer #42".
pub const DELETED_NAME_PREFIX: &str = "Deleted customer #";
/// What a deleted operation's stored outcome becomes (the migration's trigger allows exactly it).
const REDACTED_OUTCOME: &str = "\"redacted\"";

/// The customer's row as deletion reads it.
pub(super) struct Person {
    pub(super) name: String,
    pub(super) nickname: Option<String>,
    pub(super) phone: Option<String>,
}

/// Everything of one deletion, inside its transaction.
pub(super) async fn erase(
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

//! Pay links: an unguessable token that opens one customer's dues at one shop, for a limited time.
//!
//! The token is 256 bits from the operating system's CSPRNG, written URL-safe (43 characters of
//! base64url). Only its SHA-256 is stored, so a copy of the database holds no working link; a
//! token is looked up by that hash. An unknown, expired or malformed token opens nothing, and
//! the caller cannot tell which (the page answers all three with the same 404).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::ledger::EntryKind;
use super::merchants;
use super::{Books, BooksError, CustomerId, MerchantId};
use crate::money::Paise;
use crate::reply::Locale;
use crate::store::Db;
use crate::time::{ManualClock, from_millis, local, to_millis};
use crate::upi::UpiLink;

/// How long a link works unless told otherwise.
pub const DEFAULT_VALIDITY: chrono::Duration = chrono::Duration::days(30);
/// Ledger entries a page shows, newest first.
pub const PAGE_ENTRIES: i64 = 5;
/// Random bytes in a token: 256 bits, twice the 128 an attacker would have to guess.
const TOKEN_BYTES: usize = 32;
/// Characters of a token as written: base64url without padding of [`TOKEN_BYTES`].
pub const TOKEN_CHARS: usize = 43;

/// A working link's secret, as it goes into the URL. Shown once, when issued; never stored.
#[derive(Clone, PartialEq, Eq)]
pub struct PayToken(String);

impl PayToken {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PayToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A token opens the books of a customer: it stays out of logs.
impl std::fmt::Debug for PayToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PayToken(***)")
    }
}

/// A link just issued: its token (for the URL) and when it stops working (unix ms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedPayLink {
    pub token: PayToken,
    pub customer: CustomerId,
    pub expires_at: i64,
}

/// Why a link could not be issued.
#[derive(Debug, thiserror::Error)]
pub enum PayLinkError {
    #[error("the operating system gave no random bytes: {0}")]
    Randomness(getrandom::Error),
    #[error("a pay link must be valid for a positive time")]
    InvalidValidity,
    #[error(transparent)]
    Books(#[from] BooksError),
}

impl From<sqlx::Error> for PayLinkError {
    fn from(error: sqlx::Error) -> Self {
        PayLinkError::Books(error.into())
    }
}

impl From<crate::store::StoreError> for PayLinkError {
    fn from(error: crate::store::StoreError) -> Self {
        PayLinkError::Books(error.into())
    }
}

/// One line of the page: the day (in the shop's zone), what it was, and the signed amount
/// (`> 0`: the customer owes more).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PayEntry {
    pub date: NaiveDate,
    pub kind: EntryKind,
    pub amount: Paise,
}

/// What a pay link shows: one shop, one customer, and nothing else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PayView {
    pub merchant: MerchantId,
    pub shop_name: String,
    pub locale: Locale,
    /// The shop's zone (IANA name): dates on the page are its days.
    pub zone: String,
    pub upi_id: Option<String>,
    pub customer: CustomerId,
    pub customer_name: String,
    /// The customer's balance: positive is owed to the shop, negative an advance.
    pub due: Paise,
    /// The last [`PAGE_ENTRIES`] entries, newest first.
    pub entries: Vec<PayEntry>,
    pub expires_at: i64,
}

impl PayView {
    /// The UPI request to pay this shop, amount prefilled when something is due; `None` when
    /// the shop has no UPI id.
    pub fn upi_link(&self) -> Option<UpiLink> {
        self.upi_id.as_ref().map(|address| UpiLink {
            payee_address: address.clone(),
            payee_name: self.shop_name.clone(),
            amount: Some(self.due).filter(|due| due.is_positive()),
            note: self.customer_name.clone(),
        })
    }
}

/// A fresh random token, as links are issued with.
fn new_token() -> Result<String, PayLinkError> {
    let mut secret = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut secret).map_err(PayLinkError::Randomness)?;
    Ok(URL_SAFE_NO_PAD.encode(secret))
}

/// Issues, inside `tx` (a reminder claim's), one link of `DEFAULT_VALIDITY` for each of
/// `customers` (each with their shop, of any shops), in one statement: the sends then need no write of their own before
/// WhatsApp is called. Links are returned in the customers' order.
pub(super) async fn issue_many(
    tx: &mut crate::store::Tx,
    customers: &[(MerchantId, CustomerId)],
    now: i64,
) -> Result<Vec<IssuedPayLink>, PayLinkError> {
    if customers.is_empty() {
        return Ok(Vec::new());
    }
    let expires_at = now.saturating_add(DEFAULT_VALIDITY.num_milliseconds());
    let mut links = Vec::with_capacity(customers.len());
    for (_, customer) in customers {
        links.push(IssuedPayLink {
            token: PayToken(new_token()?),
            customer: *customer,
            expires_at,
        });
    }
    let values = (0..links.len())
        .map(|n| format!("(${}, ${}, ${}, $1, $2)", 3 * n + 3, 3 * n + 4, 3 * n + 5))
        .collect::<Vec<_>>()
        .join(", ");
    let mut insert = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO pay_links (merchant_id, customer_id, token_hash, created_at, expires_at) VALUES {values}"
    )))
    .bind(now)
    .bind(expires_at);
    for ((merchant, _), link) in customers.iter().zip(&links) {
        insert = insert
            .bind(merchant.0)
            .bind(link.customer.0)
            .bind(token_hash(link.token.as_str()));
    }
    insert.execute(&mut **tx).await?;
    Ok(links)
}

/// The stored form of a token: lowercase hex of its SHA-256.
fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A token as we issue them, or `None`: wrong length, a character outside base64url, or bits
/// that no issued token has (the last character of 32 bytes carries 4 bits, the rest zero).
fn well_formed(token: &str) -> bool {
    token.len() == TOKEN_CHARS
        && URL_SAFE_NO_PAD
            .decode(token)
            .is_ok_and(|bytes| bytes.len() == TOKEN_BYTES)
}

impl Books {
    /// Issues a link to `customer`'s page, working for [`DEFAULT_VALIDITY`] from now.
    pub async fn issue_pay_link(
        &self,
        customer: CustomerId,
    ) -> Result<IssuedPayLink, PayLinkError> {
        self.issue_pay_link_for(customer, DEFAULT_VALIDITY).await
    }

    /// Issues a link to `customer`'s page, working for `valid_for` from now (the clock's).
    pub async fn issue_pay_link_for(
        &self,
        customer: CustomerId,
        valid_for: chrono::Duration,
    ) -> Result<IssuedPayLink, PayLinkError> {
        if valid_for <= chrono::Duration::zero() {
            return Err(PayLinkError::InvalidValidity);
        }
        self.customer(customer).await?;
        let token = new_token()?;
        let now = self.now_ms();
        let expires_at = now.saturating_add(valid_for.num_milliseconds());
        sqlx::query(
            "INSERT INTO pay_links (merchant_id, customer_id, token_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(self.mid())
        .bind(customer.0)
        .bind(token_hash(&token))
        .bind(now)
        .bind(expires_at)
        .execute(&mut *self.db.writer().await?)
        .await?;
        Ok(IssuedPayLink {
            token: PayToken(token),
            customer,
            expires_at,
        })
    }
}

/// What `token` opens at `now`: `None` for an unknown, expired or malformed token alike.
pub async fn open(db: &Db, token: &str, now: DateTime<Utc>) -> Result<Option<PayView>, BooksError> {
    if !well_formed(token) {
        return Ok(None);
    }
    let now_ms = to_millis(now);
    let Some(row) = sqlx::query(
        "SELECT merchant_id, customer_id, expires_at FROM pay_links \
         WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(token_hash(token))
    .bind(now_ms)
    .fetch_optional(db.pool())
    .await?
    else {
        return Ok(None);
    };
    let merchant = merchants::get(db, MerchantId(row.try_get("merchant_id")?)).await?;
    let customer = CustomerId(row.try_get("customer_id")?);
    let expires_at: i64 = row.try_get("expires_at")?;
    // The page only reads, at the moment it was asked for.
    let books = Books {
        db: db.clone(),
        merchant,
        clock: ManualClock::new(now),
    };
    let zone = books.zone();
    let person = books.customer(customer).await?;
    let statement = books.statement(customer, PAGE_ENTRIES, None).await?;
    let entries = statement
        .lines
        .into_iter()
        .map(|line| PayEntry {
            date: local(from_millis(line.entry.created_at), zone).date_naive(),
            kind: line.entry.kind,
            amount: line.entry.amount,
        })
        .collect();
    let merchant = books.merchant;
    Ok(Some(PayView {
        merchant: merchant.id,
        shop_name: merchant.name,
        locale: merchant.locale,
        zone: merchant.timezone,
        upi_id: merchant.upi_id,
        customer,
        customer_name: person.name,
        due: person.balance,
        entries,
        expires_at,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tokens_of_the_issued_shape_are_well_formed() {
        let issued = URL_SAFE_NO_PAD.encode([7u8; TOKEN_BYTES]);
        assert_eq!(issued.len(), TOKEN_CHARS);
        assert!(well_formed(&issued));
        assert!(!well_formed(""));
        assert!(!well_formed(&issued[1..]));
        assert!(!well_formed(&format!("{issued}A")));
        assert!(!well_formed(&issued.replace(|_| true, "+")[..TOKEN_CHARS]));
        let mut padded = issued[..TOKEN_CHARS - 1].to_string();
        padded.push('=');
        assert!(!well_formed(&padded));
        assert!(!well_formed("../../etc/passwd"));
        assert!(!well_formed(&"€".repeat(15)));
    }

    #[test]
    fn a_token_is_stored_as_its_sha_256_and_never_as_itself() {
        let token = URL_SAFE_NO_PAD.encode([1u8; TOKEN_BYTES]);
        let stored = token_hash(&token);
        assert_eq!(stored.len(), 64);
        assert!(!stored.contains(&token));
        assert_eq!(stored, token_hash(&token));
        assert_ne!(
            stored,
            token_hash(&URL_SAFE_NO_PAD.encode([2u8; TOKEN_BYTES]))
        );
    }

    #[test]
    fn a_token_never_shows_in_debug_output() {
        let token = PayToken("secret-token".into());
        assert_eq!(format!("{token:?}"), "PayToken(***)");
        assert_eq!(token.to_string(), "secret-token");
    }
}

//! Panel sessions: a signed-in browser's shop and phone, the role read fresh on every request, expiry and logout.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{AccessError, is_token, token_hash};
use crate::books::{MerchantId, Role};
use crate::phone::Phone;
use crate::reply::Locale;
use crate::store::Db;
use crate::time::to_millis;

/// A signed-in browser: whose shop, which phone, and that phone's role there now.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id: i64,
    pub merchant: MerchantId,
    pub phone: Phone,
    pub role: Role,
    pub locale: Locale,
    pub expires_at: i64,
    /// The stored hash of the session's token; form tokens are derived from it.
    pub token_hash: String,
}

const SESSION_SELECT: &str = "SELECT s.id, s.merchant_id, s.phone, s.expires_at, s.token_hash, p.role, m.locale \
     FROM panel_sessions s \
     JOIN merchant_phones p ON p.merchant_id = s.merchant_id AND p.phone = s.phone \
     JOIN merchants m ON m.id = s.merchant_id";

fn session_from_row(row: &sqlx::any::AnyRow) -> Result<Session, sqlx::Error> {
    let role: String = row.try_get("role")?;
    let locale: String = row.try_get("locale")?;
    Ok(Session {
        id: row.try_get("id")?,
        merchant: MerchantId(row.try_get("merchant_id")?),
        phone: Phone::from_stored(row.try_get("phone")?),
        role: Role::parse(&role).unwrap_or(Role::Staff),
        locale: Locale::parse(&locale).unwrap_or_default(),
        expires_at: row.try_get("expires_at")?,
        token_hash: row.try_get("token_hash")?,
    })
}

pub(super) async fn session_by_id(
    db: &Db,
    id: i64,
    at: i64,
) -> Result<Option<Session>, AccessError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SESSION_SELECT} WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2"
    )))
    .bind(id)
    .bind(at)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.as_ref().map(session_from_row).transpose()?)
}

/// The live session of a cookie's token: `None` for a malformed, unknown, expired or revoked
/// one, and for a phone that is no longer the shop's.
pub async fn session(
    db: &Db,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<Session>, AccessError> {
    if !is_token(token) {
        return Ok(None);
    }
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SESSION_SELECT} WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2"
    )))
    .bind(token_hash(token))
    .bind(to_millis(now))
    .fetch_optional(db.pool())
    .await?;
    Ok(row.as_ref().map(session_from_row).transpose()?)
}

/// Ends a session (logout): its token opens nothing any more.
pub async fn revoke(db: &Db, session: &Session, now: DateTime<Utc>) -> Result<(), AccessError> {
    sqlx::query(
        "UPDATE panel_sessions SET revoked_at = $1 WHERE merchant_id = $2 AND id = $3 AND revoked_at IS NULL",
    )
    .bind(to_millis(now))
    .bind(session.merchant.0)
    .bind(session.id)
    .execute(&mut *db.writer().await?)
    .await?;
    Ok(())
}

/// A live session as the shop's settings list it (never its token).
#[derive(Debug, Clone, PartialEq)]
pub struct SessionInfo {
    pub id: i64,
    pub phone: Phone,
    pub role: Role,
    pub created_at: i64,
    pub expires_at: i64,
}

/// The shop's live sessions, newest first.
pub async fn live_sessions(
    db: &Db,
    merchant: MerchantId,
    now: DateTime<Utc>,
) -> Result<Vec<SessionInfo>, AccessError> {
    let rows = sqlx::query(
        "SELECT s.id, s.phone, s.created_at, s.expires_at, p.role FROM panel_sessions s \
         JOIN merchant_phones p ON p.merchant_id = s.merchant_id AND p.phone = s.phone \
         WHERE s.merchant_id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 ORDER BY s.id DESC",
    )
    .bind(merchant.0)
    .bind(to_millis(now))
    .fetch_all(db.pool())
    .await?;
    let sessions = rows
        .iter()
        .map(|row| {
            let role: String = row.try_get("role")?;
            Ok(SessionInfo {
                id: row.try_get("id")?,
                phone: Phone::from_stored(row.try_get("phone")?),
                role: Role::parse(&role).unwrap_or(Role::Staff),
                created_at: row.try_get("created_at")?,
                expires_at: row.try_get("expires_at")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(sessions)
}

/// Ends the shop's session `id`; `false` when the shop has no such live session.
pub async fn revoke_id(
    db: &Db,
    merchant: MerchantId,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, AccessError> {
    let ended = sqlx::query(
        "UPDATE panel_sessions SET revoked_at = $1 WHERE merchant_id = $2 AND id = $3 AND revoked_at IS NULL",
    )
    .bind(to_millis(now))
    .bind(merchant.0)
    .bind(id)
    .execute(&mut *db.writer().await?)
    .await?;
    Ok(ended.rows_affected() > 0)
}

/// Ends every session of `phone` in the shop ("log out everywhere"); how many were live.
pub async fn revoke_phone(
    db: &Db,
    merchant: MerchantId,
    phone: &Phone,
    now: DateTime<Utc>,
) -> Result<u64, AccessError> {
    let ended = sqlx::query(
        "UPDATE panel_sessions SET revoked_at = $1 WHERE merchant_id = $2 AND phone = $3 AND revoked_at IS NULL",
    )
    .bind(to_millis(now))
    .bind(merchant.0)
    .bind(phone.as_str())
    .execute(&mut *db.writer().await?)
    .await?;
    Ok(ended.rows_affected())
}

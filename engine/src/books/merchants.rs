//! The merchant directory: shops, their owner and staff phones, locale, zone and UPI id.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::quiet_hours::QuietHours;
use super::{BooksError, MerchantId, validate_name};
use crate::phone::Phone;
use crate::reply::Locale;
use crate::store::{Db, is_unique_violation};
use crate::time::{Clock, DEFAULT_TIMEZONE, parse_zone, to_millis};

/// A shop using Execora.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Merchant {
    pub id: MerchantId,
    pub name: String,
    pub locale: Locale,
    pub timezone: String,
    pub upi_id: Option<String>,
    pub created_at: i64,
}

impl Merchant {
    /// The merchant's zone; a stored name that no longer parses falls back to India.
    pub fn zone(&self) -> Tz {
        parse_zone(&self.timezone).unwrap_or(chrono_tz::Asia::Kolkata)
    }
}

/// What a phone may do for its shop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Staff,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Staff => "staff",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "owner" => Some(Role::Owner),
            "staff" => Some(Role::Staff),
            _ => None,
        }
    }
}

/// A phone registered to a shop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MerchantPhone {
    pub merchant_id: MerchantId,
    pub phone: Phone,
    pub role: Role,
}

/// What is needed to open a shop.
#[derive(Debug, Clone)]
pub struct NewMerchant {
    pub name: String,
    pub owner_phone: String,
    pub locale: Locale,
    pub timezone: Option<String>,
    pub upi_id: Option<String>,
}

const MERCHANT_COLUMNS: &str = "id, name, locale, timezone, upi_id, created_at";

fn merchant_from_row(row: &AnyRow) -> Result<Merchant, sqlx::Error> {
    let locale: String = row.try_get("locale")?;
    Ok(Merchant {
        id: MerchantId(row.try_get("id")?),
        name: row.try_get("name")?,
        locale: Locale::parse(&locale).unwrap_or_default(),
        timezone: row.try_get("timezone")?,
        upi_id: row.try_get("upi_id")?,
        created_at: row.try_get("created_at")?,
    })
}

/// A UPI id looks like `name@bank`.
fn validate_upi(upi: &str) -> Result<String, BooksError> {
    let upi = upi.trim();
    let valid = upi.len() <= 80
        && upi.split_once('@').is_some_and(|(user, bank)| {
            !user.is_empty()
                && !bank.is_empty()
                && upi
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "@.-_".contains(c))
        });
    if valid {
        Ok(upi.to_string())
    } else {
        Err(BooksError::InvalidName("a UPI id looks like name@bank"))
    }
}

/// Opens a shop with its owner's phone, in one transaction.
pub async fn create(db: &Db, new: NewMerchant, clock: &dyn Clock) -> Result<Merchant, BooksError> {
    let phone = Phone::parse(&new.owner_phone)?;
    let mut tx = db.begin().await?;
    let merchant = create_in(&mut tx, new, &phone, to_millis(clock.now())).await?;
    tx.commit().await?;
    Ok(merchant)
}

/// Opens a shop owned by `phone` inside the caller's transaction (signup opens it together with
/// its bookkeeping, for a phone read from Meta's sender id rather than typed, so `new.owner_phone`
/// is not parsed again here).
pub(crate) async fn create_in(
    tx: &mut crate::store::Tx,
    new: NewMerchant,
    phone: &Phone,
    now: i64,
) -> Result<Merchant, BooksError> {
    let name = validate_name(&new.name)?;
    let timezone = new.timezone.unwrap_or_else(|| DEFAULT_TIMEZONE.to_string());
    parse_zone(&timezone)?;
    let upi_id = new.upi_id.as_deref().map(validate_upi).transpose()?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO merchants (name, locale, timezone, upi_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(&name)
    .bind(new.locale.as_str())
    .bind(&timezone)
    .bind(&upi_id)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    insert_phone(tx, MerchantId(id), phone, Role::Owner, now).await?;
    Ok(Merchant {
        id: MerchantId(id),
        name,
        locale: new.locale,
        timezone,
        upi_id,
        created_at: now,
    })
}

async fn insert_phone(
    tx: &mut crate::store::Tx,
    merchant: MerchantId,
    phone: &Phone,
    role: Role,
    now: i64,
) -> Result<(), BooksError> {
    let inserted = sqlx::query("INSERT INTO merchant_phones (merchant_id, phone, role, created_at) VALUES ($1, $2, $3, $4)")
        .bind(merchant.0)
        .bind(phone.as_str())
        .bind(role.as_str())
        .bind(now)
        .execute(&mut **tx)
        .await;
    match inserted {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(BooksError::PhoneTaken(phone.to_string())),
        Err(e) => Err(e.into()),
    }
}

/// Registers another phone (staff or a second owner) for a shop.
pub async fn add_phone(
    db: &Db,
    merchant: MerchantId,
    phone: &str,
    role: Role,
    clock: &dyn Clock,
) -> Result<MerchantPhone, BooksError> {
    let phone = Phone::parse(phone)?;
    get(db, merchant).await?;
    let mut tx = db.begin().await?;
    insert_phone(&mut tx, merchant, &phone, role, to_millis(clock.now())).await?;
    tx.commit().await?;
    Ok(MerchantPhone {
        merchant_id: merchant,
        phone,
        role,
    })
}

/// What taking a phone off a shop did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneRemoval {
    Removed,
    /// The phone is not one of the shop's.
    NotFound,
    /// It is the shop's only owner phone: a shop always keeps one.
    LastOwner,
}

/// The shop's phones, owners first, each in the order it was added.
pub async fn phones(db: &Db, merchant: MerchantId) -> Result<Vec<MerchantPhone>, BooksError> {
    let rows = sqlx::query(
        "SELECT phone, role FROM merchant_phones WHERE merchant_id = $1 \
         ORDER BY CASE WHEN role = 'owner' THEN 0 ELSE 1 END, id",
    )
    .bind(merchant.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let role: String = row.try_get("role")?;
            Ok(MerchantPhone {
                merchant_id: merchant,
                phone: Phone::from_stored(row.try_get("phone")?),
                role: Role::parse(&role).unwrap_or(Role::Staff),
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(BooksError::from)
}

/// Takes `phone` off the shop (its panel sessions stop working at once, since they are joined
/// to the shop's phones); the last owner phone is kept.
pub async fn remove_phone(
    db: &Db,
    merchant: MerchantId,
    phone: &Phone,
) -> Result<PhoneRemoval, BooksError> {
    let mut tx = db.begin().await?;
    let role: Option<String> = sqlx::query_scalar(
        "SELECT role FROM merchant_phones WHERE merchant_id = $1 AND phone = $2",
    )
    .bind(merchant.0)
    .bind(phone.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(role) = role else {
        return Ok(PhoneRemoval::NotFound);
    };
    if Role::parse(&role) == Some(Role::Owner) {
        let owners: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM merchant_phones WHERE merchant_id = $1 AND role = 'owner'",
        )
        .bind(merchant.0)
        .fetch_one(&mut *tx)
        .await?;
        if owners <= 1 {
            return Ok(PhoneRemoval::LastOwner);
        }
    }
    sqlx::query("DELETE FROM merchant_phones WHERE merchant_id = $1 AND phone = $2")
        .bind(merchant.0)
        .bind(phone.as_str())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(PhoneRemoval::Removed)
}

/// Changes the language the shop is answered in (and its panel's).
pub async fn set_locale(db: &Db, merchant: MerchantId, locale: Locale) -> Result<(), BooksError> {
    let changed = sqlx::query("UPDATE merchants SET locale = $1 WHERE id = $2")
        .bind(locale.as_str())
        .bind(merchant.0)
        .execute(&mut *db.writer().await?)
        .await?;
    if changed.rows_affected() == 0 {
        return Err(BooksError::MerchantNotFound(merchant));
    }
    Ok(())
}

/// Sets the UPI id customers pay to (`None` clears it); the stored value.
pub async fn set_upi_id(
    db: &Db,
    merchant: MerchantId,
    upi: Option<&str>,
) -> Result<Option<String>, BooksError> {
    let upi = upi.map(validate_upi).transpose()?;
    let changed = sqlx::query("UPDATE merchants SET upi_id = $1 WHERE id = $2")
        .bind(upi.as_deref())
        .bind(merchant.0)
        .execute(&mut *db.writer().await?)
        .await?;
    if changed.rows_affected() == 0 {
        return Err(BooksError::MerchantNotFound(merchant));
    }
    Ok(upi)
}

pub async fn get(db: &Db, id: MerchantId) -> Result<Merchant, BooksError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {MERCHANT_COLUMNS} FROM merchants WHERE id = $1"
    )))
    .bind(id.0)
    .fetch_optional(db.pool())
    .await?;
    match row {
        Some(row) => Ok(merchant_from_row(&row)?),
        None => Err(BooksError::MerchantNotFound(id)),
    }
}

/// The shop a phone belongs to, and its role there.
pub async fn find_by_phone(db: &Db, phone: &Phone) -> Result<Option<(Merchant, Role)>, BooksError> {
    // One query: the webhook asks this for every arriving message.
    let row = sqlx::query(
        "SELECT m.id, m.name, m.locale, m.timezone, m.upi_id, m.created_at, p.role \
         FROM merchant_phones p JOIN merchants m ON m.id = p.merchant_id WHERE p.phone = $1",
    )
    .bind(phone.as_str())
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let merchant = merchant_from_row(&row)?;
    let role: String = row.try_get("role")?;
    Ok(Some((merchant, Role::parse(&role).unwrap_or(Role::Staff))))
}

/// Finds a shop by id (`"12"`) or by any of its registered phones.
pub async fn find(db: &Db, id_or_phone: &str) -> Result<Option<Merchant>, BooksError> {
    let text = id_or_phone.trim();
    if let Ok(phone) = Phone::parse(text)
        && let Some((merchant, _)) = find_by_phone(db, &phone).await?
    {
        return Ok(Some(merchant));
    }
    match text.parse::<i64>() {
        Ok(id) => match get(db, MerchantId(id)).await {
            Ok(m) => Ok(Some(m)),
            Err(BooksError::MerchantNotFound(_)) => Ok(None),
            Err(e) => Err(e),
        },
        Err(_) => Ok(None),
    }
}

/// All shops with their phones, oldest first.
pub async fn list(db: &Db) -> Result<Vec<(Merchant, Vec<MerchantPhone>)>, BooksError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {MERCHANT_COLUMNS} FROM merchants ORDER BY id"
    )))
    .fetch_all(db.pool())
    .await?;
    let phones = sqlx::query("SELECT merchant_id, phone, role FROM merchant_phones ORDER BY id")
        .fetch_all(db.pool())
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let merchant = merchant_from_row(row)?;
        let mut own = Vec::new();
        for p in &phones {
            if p.try_get::<i64, _>("merchant_id")? == merchant.id.0 {
                let role: String = p.try_get("role")?;
                own.push(MerchantPhone {
                    merchant_id: merchant.id,
                    phone: Phone::from_stored(p.try_get("phone")?),
                    role: Role::parse(&role).unwrap_or(Role::Staff),
                });
            }
        }
        out.push((merchant, own));
    }
    Ok(out)
}

/// Settings a shop's owner chooses; what the dialog enforces on every message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopSettings {
    /// A payment, udhaar or bill above this is booked only after the merchant's yes.
    pub large_amount: crate::money::Paise,
    /// How long after issuing it staff may cancel a bill (the owner always may).
    pub cancel_window_minutes: i64,
    /// At most this many reminders leave the shop in one of its days; the rest wait for the next
    /// morning.
    pub reminder_daily_cap: i64,
    /// Every customer with dues is reminded every this many days ("sab udhaar walon ko har 3 din
    /// reminder"); `None`: off.
    pub auto_reminder_days: Option<i64>,
    /// No reminder reaches a customer in this part of the shop's day; one due in it waits.
    #[serde(default)]
    pub quiet_hours: QuietHours,
}

/// The reminders one shop sends in one of its days unless its owner chose otherwise.
pub const DEFAULT_REMINDER_DAILY_CAP: i64 = 200;
/// The least a shop's daily reminder cap may be set to (to stop reminders, cancel them).
pub const MIN_REMINDER_DAILY_CAP: i64 = 1;
/// The most a shop's daily reminder cap may be set to.
pub const MAX_REMINDER_DAILY_CAP: i64 = 100_000;
/// The longest interval of automatic reminders, in days.
pub const MAX_REMINDER_EVERY_DAYS: i64 = 365;

impl Default for ShopSettings {
    fn default() -> Self {
        ShopSettings {
            large_amount: crate::money::Paise::new(50_000 * 100),
            cancel_window_minutes: 24 * 60,
            reminder_daily_cap: DEFAULT_REMINDER_DAILY_CAP,
            auto_reminder_days: None,
            quiet_hours: QuietHours::default(),
        }
    }
}

/// A change to some of a shop's settings; `None` keeps the current value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SettingsChange {
    pub large_amount: Option<crate::money::Paise>,
    pub cancel_window_minutes: Option<i64>,
    pub reminder_daily_cap: Option<i64>,
    /// `Some(None)` turns the shop-wide automatic reminders off.
    pub auto_reminder_days: Option<Option<i64>>,
    pub quiet_hours: Option<QuietHours>,
}

/// The shop's settings; a shop that never changed them has the defaults.
pub async fn settings(db: &Db, merchant: MerchantId) -> Result<ShopSettings, BooksError> {
    let row = sqlx::query(
        "SELECT large_amount_paise, cancel_window_minutes, reminder_daily_cap, auto_reminder_days, \
         quiet_from_minute, quiet_until_minute FROM merchant_settings WHERE merchant_id = $1",
    )
    .bind(merchant.0)
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else {
        return Ok(ShopSettings::default());
    };
    Ok(settings_from_row(&row)?)
}

/// Several shops at once (a reminder claim's): each shop with its zone and settings, in two
/// statements.
pub(super) async fn shops_with_settings(
    db: &Db,
    ids: &[MerchantId],
) -> Result<Vec<(Merchant, ShopSettings)>, BooksError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = (1..=ids.len())
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut shops = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {MERCHANT_COLUMNS} FROM merchants WHERE id IN ({list})"
    )));
    let mut settings = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT merchant_id, large_amount_paise, cancel_window_minutes, reminder_daily_cap, \
         auto_reminder_days, quiet_from_minute, quiet_until_minute FROM merchant_settings \
         WHERE merchant_id IN ({list})"
    )));
    for id in ids {
        shops = shops.bind(id.0);
        settings = settings.bind(id.0);
    }
    let mut chosen: std::collections::HashMap<i64, ShopSettings> = std::collections::HashMap::new();
    for row in settings.fetch_all(db.pool()).await? {
        chosen.insert(row.try_get("merchant_id")?, settings_from_row(&row)?);
    }
    let mut found = Vec::with_capacity(ids.len());
    for row in shops.fetch_all(db.pool()).await? {
        let merchant = merchant_from_row(&row)?;
        let settings = chosen.remove(&merchant.id.0).unwrap_or_default();
        found.push((merchant, settings));
    }
    Ok(found)
}

/// A `merchant_settings` row as the shop's settings.
fn settings_from_row(row: &AnyRow) -> Result<ShopSettings, sqlx::Error> {
    Ok(ShopSettings {
        large_amount: crate::money::Paise::new(row.try_get("large_amount_paise")?),
        cancel_window_minutes: row.try_get("cancel_window_minutes")?,
        reminder_daily_cap: row.try_get("reminder_daily_cap")?,
        auto_reminder_days: row.try_get("auto_reminder_days")?,
        // The table's checks keep both ends in the day and apart; a row that somehow is not
        // keeps the default rather than breaking every reminder of the shop.
        quiet_hours: u16::try_from(row.try_get::<i64, _>("quiet_from_minute")?)
            .ok()
            .zip(u16::try_from(row.try_get::<i64, _>("quiet_until_minute")?).ok())
            .and_then(|(from, until)| QuietHours::new(from, until).ok())
            .unwrap_or_default(),
    })
}

/// Applies `change` to the shop's settings and returns them as they now are.
pub async fn set_settings(
    db: &Db,
    merchant: MerchantId,
    change: SettingsChange,
    clock: &dyn Clock,
) -> Result<ShopSettings, BooksError> {
    get(db, merchant).await?;
    let current = settings(db, merchant).await?;
    let next = ShopSettings {
        large_amount: change.large_amount.unwrap_or(current.large_amount),
        cancel_window_minutes: change
            .cancel_window_minutes
            .unwrap_or(current.cancel_window_minutes),
        reminder_daily_cap: change
            .reminder_daily_cap
            .unwrap_or(current.reminder_daily_cap),
        auto_reminder_days: change
            .auto_reminder_days
            .unwrap_or(current.auto_reminder_days),
        quiet_hours: change.quiet_hours.unwrap_or(current.quiet_hours),
    };
    if !next.large_amount.is_positive() || next.large_amount > crate::money::MAX_BOOKING {
        return Err(BooksError::InvalidAmount(
            "the large amount must be more than zero and at most ₹10 crore",
        ));
    }
    if !(0..=366 * 24 * 60).contains(&next.cancel_window_minutes) {
        return Err(BooksError::InvalidQuantity(
            "the cancel window must be between 0 minutes and a year",
        ));
    }
    if !(MIN_REMINDER_DAILY_CAP..=MAX_REMINDER_DAILY_CAP).contains(&next.reminder_daily_cap) {
        return Err(BooksError::InvalidQuantity(
            "the daily reminder cap must be between 1 and 100000",
        ));
    }
    if next
        .auto_reminder_days
        .is_some_and(|days| !(1..=MAX_REMINDER_EVERY_DAYS).contains(&days))
    {
        return Err(BooksError::InvalidQuantity(
            "automatic reminders go every 1 to 365 days",
        ));
    }
    let mut tx = db.begin().await?;
    store_settings(&mut tx, merchant, &next, to_millis(clock.now())).await?;
    tx.commit().await?;
    Ok(next)
}

/// Writes a shop's whole settings row inside the caller's transaction.
pub(crate) async fn store_settings(
    tx: &mut crate::store::Tx,
    merchant: MerchantId,
    settings: &ShopSettings,
    now: i64,
) -> Result<(), BooksError> {
    sqlx::query(
        "INSERT INTO merchant_settings (merchant_id, large_amount_paise, cancel_window_minutes, \
         reminder_daily_cap, auto_reminder_days, quiet_from_minute, quiet_until_minute, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (merchant_id) DO UPDATE SET \
         large_amount_paise = excluded.large_amount_paise, \
         cancel_window_minutes = excluded.cancel_window_minutes, \
         reminder_daily_cap = excluded.reminder_daily_cap, \
         auto_reminder_days = excluded.auto_reminder_days, \
         quiet_from_minute = excluded.quiet_from_minute, \
         quiet_until_minute = excluded.quiet_until_minute, updated_at = excluded.updated_at",
    )
    .bind(merchant.0)
    .bind(settings.large_amount.as_i64())
    .bind(settings.cancel_window_minutes)
    .bind(settings.reminder_daily_cap)
    .bind(settings.auto_reminder_days)
    .bind(i64::from(settings.quiet_hours.from_minute()))
    .bind(i64::from(settings.quiet_hours.until_minute()))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The role of `phone` in this shop; `None` when the phone is not one of the shop's.
pub async fn role_of(
    db: &Db,
    merchant: MerchantId,
    phone: &str,
) -> Result<Option<Role>, BooksError> {
    let Ok(phone) = Phone::parse(phone) else {
        return Ok(None);
    };
    let role: Option<String> = sqlx::query_scalar(
        "SELECT role FROM merchant_phones WHERE merchant_id = $1 AND phone = $2",
    )
    .bind(merchant.0)
    .bind(phone.as_str())
    .fetch_optional(db.pool())
    .await?;
    Ok(role.map(|r| Role::parse(&r).unwrap_or(Role::Staff)))
}

/// The shop's first owner phone (the one it was opened with), where notices to the merchant go.
pub async fn owner_phone(db: &Db, merchant: MerchantId) -> Result<Option<Phone>, BooksError> {
    let phone: Option<String> = sqlx::query_scalar(
        "SELECT phone FROM merchant_phones WHERE merchant_id = $1 AND role = 'owner' ORDER BY id LIMIT 1",
    )
    .bind(merchant.0)
    .fetch_optional(db.pool())
    .await?;
    Ok(phone.map(|p| Phone::from_wa_id(&p)).transpose()?)
}

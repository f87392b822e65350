//! Customers of a merchant: adding (deduplicated by phone), fuzzy lookup by name, listing.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::names::{self, Candidate, Resolution};
use super::{Books, BooksError, CustomerId, Found, validate_name};
use crate::money::Paise;
use crate::phone::Phone;

/// A customer as stored, with the cached balance (always equal to the sum of their ledger entries).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: CustomerId,
    pub name: String,
    pub phone: Option<Phone>,
    pub nickname: Option<String>,
    pub balance: Paise,
    pub created_at: i64,
}

/// How a list of customers is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CustomerOrder {
    /// A→Z by name.
    #[default]
    Name,
    /// Largest dues first (advances last).
    Dues,
}

/// What is needed to add a customer.
#[derive(Debug, Clone, Default)]
pub struct NewCustomer {
    pub name: String,
    pub phone: Option<String>,
    pub nickname: Option<String>,
}

pub(super) const CUSTOMER_COLUMNS: &str = "id, name, phone, nickname, balance_paise, created_at";

pub(super) fn customer_from_row(row: &AnyRow) -> Result<Customer, sqlx::Error> {
    Ok(Customer {
        id: CustomerId(row.try_get("id")?),
        name: row.try_get("name")?,
        phone: row
            .try_get::<Option<String>, _>("phone")?
            .map(Phone::from_stored),
        nickname: row.try_get("nickname")?,
        balance: Paise::new(row.try_get("balance_paise")?),
        created_at: row.try_get("created_at")?,
    })
}

impl Books {
    /// The shop's customer and product names, most recently added first, for speech-to-text to
    /// spell the way the books do. At most `limit` of each.
    pub async fn vocabulary(&self, limit: i64) -> Result<Vec<String>, BooksError> {
        let mut names: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM customers WHERE merchant_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(self.merchant_id().0)
        .bind(limit)
        .fetch_all(self.db().pool())
        .await?;
        let products: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM products WHERE merchant_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(self.merchant_id().0)
        .bind(limit)
        .fetch_all(self.db().pool())
        .await?;
        names.extend(products);
        Ok(names)
    }

    /// Adds a customer. A phone already on this merchant's books returns that customer
    /// (`created == false`) instead of a duplicate.
    pub async fn add_customer(&self, new: NewCustomer) -> Result<(Customer, bool), BooksError> {
        let name = validate_name(&new.name)?;
        let nickname = new.nickname.as_deref().map(validate_name).transpose()?;
        let phone = new.phone.as_deref().map(Phone::parse).transpose()?;
        let key = names::search_key(&name);
        let now = self.now_ms();
        let inserted = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO customers (merchant_id, name, phone, nickname, search_key, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (merchant_id, phone) DO NOTHING RETURNING {CUSTOMER_COLUMNS}"
        )))
        .bind(self.mid())
        .bind(&name)
        .bind(phone.as_ref().map(Phone::as_str))
        .bind(&nickname)
        .bind(&key)
        .bind(now)
        .fetch_optional(&mut *self.db.writer().await?)
        .await?;
        if let Some(row) = inserted {
            return Ok((customer_from_row(&row)?, true));
        }
        let existing = match &phone {
            Some(phone) => self.customer_by_phone(phone).await?,
            None => None,
        };
        existing
            .map(|c| (c, false))
            .ok_or(BooksError::InvalidName("could not be stored"))
    }

    pub async fn customer(&self, id: CustomerId) -> Result<Customer, BooksError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE merchant_id = $1 AND id = $2"
        )))
        .bind(self.mid())
        .bind(id.0)
        .fetch_optional(self.db.pool())
        .await?;
        match row {
            Some(row) => Ok(customer_from_row(&row)?),
            None => Err(BooksError::CustomerNotFound(id)),
        }
    }

    pub async fn customer_by_phone(&self, phone: &Phone) -> Result<Option<Customer>, BooksError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE merchant_id = $1 AND phone = $2"
        )))
        .bind(self.mid())
        .bind(phone.as_str())
        .fetch_optional(self.db.pool())
        .await?;
        Ok(row.as_ref().map(customer_from_row).transpose()?)
    }

    /// Customers by name, A→Z, `limit` at a time starting after `offset`.
    pub async fn customers(&self, limit: i64, offset: i64) -> Result<Vec<Customer>, BooksError> {
        self.customers_by(CustomerOrder::Name, limit, offset).await
    }

    /// Customers in `order`, `limit` at a time starting after `offset`.
    pub async fn customers_by(
        &self,
        order: CustomerOrder,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Customer>, BooksError> {
        let order_by = match order {
            CustomerOrder::Name => "name, id",
            CustomerOrder::Dues => "balance_paise DESC, name, id",
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE merchant_id = $1 ORDER BY {order_by} LIMIT $2 OFFSET $3"
        )))
        .bind(self.mid())
        .bind(limit.clamp(1, 1000))
        .bind(offset.max(0))
        .fetch_all(self.db.pool())
        .await?;
        Ok(rows
            .iter()
            .map(customer_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// How many customers the shop has.
    pub async fn customer_count(&self) -> Result<i64, BooksError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM customers WHERE merchant_id = $1")
                .bind(self.mid())
                .fetch_one(self.db.pool())
                .await?,
        )
    }

    /// Customers whose name or nickname is close to `said`, best first, at most `limit`: the
    /// same spelling- and script-tolerant ranking the bot uses, as a list to pick from.
    pub async fn search_customers(
        &self,
        said: &str,
        limit: usize,
    ) -> Result<Vec<Customer>, BooksError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE merchant_id = $1"
        )))
        .bind(self.mid())
        .fetch_all(self.db.pool())
        .await?;
        let customers: Vec<Customer> = rows
            .iter()
            .map(customer_from_row)
            .collect::<Result<_, _>>()?;
        let ranked = names::rank(
            said,
            customers.iter().enumerate().map(|(index, c)| Candidate {
                id: index,
                name: c.name.as_str(),
                nickname: c.nickname.as_deref(),
            }),
        );
        Ok(ranked
            .into_iter()
            .take(limit)
            .filter_map(|r| customers.get(r.id).cloned())
            .collect())
    }

    /// Finds customers by a name as said ("Raahul", "sharma ji", "राहुल", a nickname).
    /// Loads this merchant's names and ranks them in memory: a shop has hundreds to a few
    /// thousand customers, and spelling-tolerant ranking cannot be expressed in portable SQL.
    pub async fn find_customers(
        &self,
        said: &str,
        limit: usize,
    ) -> Result<Found<Customer>, BooksError> {
        let rows = sqlx::query("SELECT id, name, nickname FROM customers WHERE merchant_id = $1")
            .bind(self.mid())
            .fetch_all(self.db.pool())
            .await?;
        let mut people: Vec<(i64, String, Option<String>)> = Vec::with_capacity(rows.len());
        for row in &rows {
            people.push((
                row.try_get("id")?,
                row.try_get("name")?,
                row.try_get("nickname")?,
            ));
        }
        let candidates = people.iter().map(|(id, name, nickname)| Candidate {
            id: CustomerId(*id),
            name: name.as_str(),
            nickname: nickname.as_deref(),
        });
        Ok(match names::resolve(said, candidates, limit.max(1)) {
            Resolution::One(best) => Found::One(self.customer(best.id).await?),
            Resolution::Ambiguous(ranked) => {
                let mut found = Vec::with_capacity(ranked.len());
                for r in ranked {
                    found.push(self.customer(r.id).await?);
                }
                Found::Several(found)
            }
            Resolution::None => Found::None,
        })
    }
}

//! The merchant's catalog: products with unit, price and exact stock, and the stock movement history.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::names;
use super::operations::{self, Booked, Origin, Started};
use super::{Books, BooksError, Found, ProductId, validate_name};
use crate::money::Paise;
use crate::quantity::{Quantity, Unit};
use crate::store::Tx;

/// A catalog item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    pub id: ProductId,
    pub name: String,
    pub unit: Unit,
    pub price: Paise,
    pub stock: Quantity,
    pub low_stock: Option<Quantity>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Product {
    /// True when the merchant set a low-stock level and stock is at or under it.
    pub fn is_low(&self) -> bool {
        self.low_stock.is_some_and(|level| self.stock <= level)
    }
}

/// What is needed to add (or re-price) a catalog item.
#[derive(Debug, Clone)]
pub struct NewProduct {
    pub name: String,
    pub price: Paise,
    pub unit: Unit,
    pub low_stock: Option<Quantity>,
}

/// The result of a stock change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockChanged {
    pub product: ProductId,
    pub name: String,
    pub unit: Unit,
    pub delta: Quantity,
    pub stock: Quantity,
}

/// Lowest score at which a product name counts as a match at all.
const PRODUCT_MATCH_FLOOR: f32 = 0.75;
/// How far ahead the best product must be to be taken without asking.
const PRODUCT_CLEAR_LEAD: f32 = 0.08;

pub(super) const PRODUCT_COLUMNS: &str =
    "id, name, unit, price_paise, stock_milli, low_stock_milli, created_at, updated_at";

pub(super) fn product_from_row(row: &AnyRow) -> Result<Product, sqlx::Error> {
    let unit: String = row.try_get("unit")?;
    Ok(Product {
        id: ProductId(row.try_get("id")?),
        name: row.try_get("name")?,
        unit: Unit::parse(&unit).unwrap_or(Unit::Piece),
        price: Paise::new(row.try_get("price_paise")?),
        stock: Quantity::from_milli(row.try_get("stock_milli")?),
        low_stock: row
            .try_get::<Option<i64>, _>("low_stock_milli")?
            .map(Quantity::from_milli),
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Moves stock by `delta` inside `tx`, appending the movement; returns the new stock.
pub(super) async fn move_stock(
    tx: &mut Tx,
    merchant: i64,
    product: ProductId,
    operation: i64,
    delta: Quantity,
    reason: &str,
    now: i64,
) -> Result<Quantity, BooksError> {
    let stock: Option<i64> = sqlx::query_scalar(
        "UPDATE products SET stock_milli = stock_milli + $1, updated_at = $2 \
         WHERE merchant_id = $3 AND id = $4 RETURNING stock_milli",
    )
    .bind(delta.milli())
    .bind(now)
    .bind(merchant)
    .bind(product.0)
    .fetch_optional(&mut **tx)
    .await?;
    let stock = stock.ok_or(BooksError::ProductNotFound(product))?;
    sqlx::query(
        "INSERT INTO stock_movements (merchant_id, product_id, operation_id, delta_milli, reason, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(merchant)
    .bind(product.0)
    .bind(operation)
    .bind(delta.milli())
    .bind(reason)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(Quantity::from_milli(stock))
}

impl Books {
    /// Adds a product, or updates price, unit and low-stock level of the one with the same name.
    /// Returns the product and whether it was new.
    pub async fn upsert_product(&self, new: NewProduct) -> Result<(Product, bool), BooksError> {
        let name = validate_name(&new.name)?;
        if !new.price.is_positive() || new.price > crate::money::MAX_BOOKING {
            return Err(BooksError::InvalidAmount(
                "a price must be more than zero and at most ₹10 crore",
            ));
        }
        if new.low_stock.is_some_and(|l| l.milli() < 0) {
            return Err(BooksError::InvalidQuantity(
                "a low-stock level cannot be negative",
            ));
        }
        let key = names::search_key(&name);
        let now = self.now_ms();
        let existing: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM products WHERE merchant_id = $1 AND search_key = $2",
        )
        .bind(self.mid())
        .bind(&key)
        .fetch_optional(self.db.pool())
        .await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO products (merchant_id, name, search_key, unit, price_paise, low_stock_milli, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
             ON CONFLICT (merchant_id, search_key) DO UPDATE SET unit = excluded.unit, price_paise = excluded.price_paise, \
             low_stock_milli = COALESCE(excluded.low_stock_milli, products.low_stock_milli), updated_at = excluded.updated_at \
             RETURNING {PRODUCT_COLUMNS}"
        )))
        .bind(self.mid())
        .bind(&name)
        .bind(&key)
        .bind(new.unit.as_str())
        .bind(new.price.as_i64())
        .bind(new.low_stock.map(Quantity::milli))
        .bind(now)
        .fetch_one(&mut *self.db.writer().await?)
        .await?;
        Ok((product_from_row(&row)?, existing.is_none()))
    }

    pub async fn product(&self, id: ProductId) -> Result<Product, BooksError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PRODUCT_COLUMNS} FROM products WHERE merchant_id = $1 AND id = $2"
        )))
        .bind(self.mid())
        .bind(id.0)
        .fetch_optional(self.db.pool())
        .await?;
        match row {
            Some(row) => Ok(product_from_row(&row)?),
            None => Err(BooksError::ProductNotFound(id)),
        }
    }

    /// The catalog, A→Z.
    pub async fn products(&self, limit: i64, offset: i64) -> Result<Vec<Product>, BooksError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PRODUCT_COLUMNS} FROM products WHERE merchant_id = $1 ORDER BY name, id LIMIT $2 OFFSET $3"
        )))
        .bind(self.mid())
        .bind(limit.clamp(1, 1000))
        .bind(offset.max(0))
        .fetch_all(self.db.pool())
        .await?;
        Ok(rows
            .iter()
            .map(product_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// Sets one product's price and low-stock level (`None` takes the level off), with the
    /// same limits as adding it. Stock is not touched: it moves only through bookings.
    pub async fn update_product(
        &self,
        id: ProductId,
        price: Paise,
        low_stock: Option<Quantity>,
    ) -> Result<Product, BooksError> {
        if !price.is_positive() || price > crate::money::MAX_BOOKING {
            return Err(BooksError::InvalidAmount(
                "a price must be more than zero and at most ₹10 crore",
            ));
        }
        if low_stock.is_some_and(|l| l.milli() < 0) {
            return Err(BooksError::InvalidQuantity(
                "a low-stock level cannot be negative",
            ));
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE products SET price_paise = $1, low_stock_milli = $2, updated_at = $3 \
             WHERE merchant_id = $4 AND id = $5 RETURNING {PRODUCT_COLUMNS}"
        )))
        .bind(price.as_i64())
        .bind(low_stock.map(Quantity::milli))
        .bind(self.now_ms())
        .bind(self.mid())
        .bind(id.0)
        .fetch_optional(&mut *self.db.writer().await?)
        .await?
        .ok_or(BooksError::ProductNotFound(id))?;
        Ok(product_from_row(&row)?)
    }

    /// Finds a product by the words said ("doodh" finds "Milk", "parle g" finds "Parle-G").
    pub async fn find_products(
        &self,
        said: &str,
        limit: usize,
    ) -> Result<Found<Product>, BooksError> {
        let rows = sqlx::query("SELECT id, name FROM products WHERE merchant_id = $1")
            .bind(self.mid())
            .fetch_all(self.db.pool())
            .await?;
        let mut scored: Vec<(f32, i64)> = Vec::new();
        for row in &rows {
            let name: String = row.try_get("name")?;
            let score = names::product_score(said, &name);
            if score >= PRODUCT_MATCH_FLOOR {
                scored.push((score, row.try_get("id")?));
            }
        }
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let clear = match scored.as_slice() {
            [] => return Ok(Found::None),
            [_] => true,
            [best, second, ..] => best.0 - second.0 >= PRODUCT_CLEAR_LEAD,
        };
        if clear {
            return Ok(Found::One(self.product(ProductId(scored[0].1)).await?));
        }
        let mut several = Vec::new();
        for (_, id) in scored.into_iter().take(limit.max(1)) {
            several.push(self.product(ProductId(id)).await?);
        }
        Ok(Found::Several(several))
    }

    /// Products at or under their low-stock level.
    pub async fn low_stock(&self) -> Result<Vec<Product>, BooksError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PRODUCT_COLUMNS} FROM products WHERE merchant_id = $1 \
             AND low_stock_milli IS NOT NULL AND stock_milli <= low_stock_milli ORDER BY name, id"
        )))
        .bind(self.mid())
        .fetch_all(self.db.pool())
        .await?;
        Ok(rows
            .iter()
            .map(product_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// Adds (restock) or removes (adjustment) stock; `qty` may be in another unit of the same measure.
    pub async fn adjust_stock(
        &self,
        product: ProductId,
        qty: Quantity,
        unit: Option<Unit>,
        origin: &Origin,
    ) -> Result<Booked<StockChanged>, BooksError> {
        if qty.milli() == 0 {
            return Err(BooksError::InvalidQuantity("must not be zero"));
        }
        let item = self.product(product).await?;
        let delta = match unit {
            Some(unit) => unit
                .convert(qty, item.unit)
                .ok_or(BooksError::InvalidQuantity(
                    "that unit does not fit how this product is sold",
                ))?,
            None => qty,
        };
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let operation = match operations::start(&mut tx, self.mid(), "stock", origin, now).await? {
            Started::New(op) => op,
            Started::Replay(done) => return Ok(done),
        };
        let reason = if delta.is_positive() {
            "restock"
        } else {
            "adjustment"
        };
        let stock = move_stock(
            &mut tx,
            self.mid(),
            product,
            operation.0,
            delta,
            reason,
            now,
        )
        .await?;
        let changed = StockChanged {
            product,
            name: item.name,
            unit: item.unit,
            delta,
            stock,
        };
        let booked = operations::finish(&mut tx, self.mid(), operation, changed).await?;
        tx.commit().await?;
        Ok(booked)
    }
}

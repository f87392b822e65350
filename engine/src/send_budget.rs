//! A sender's throughput shared by every process through the database: how many messages one number may still send in the current second.

use crate::store::{Db, StoreError};

/// A second is handed out in this many slices: by the end of slice `k` at most
/// `ceil(per_second * (k + 1) / SLICES)` of the second's messages have gone, so a second's
/// budget is spread over it rather than spent in one burst at its start.
pub const SLICES: i64 = 10;

/// Milliseconds in one slice.
pub const SLICE_MS: i64 = 1000 / SLICES;

/// How many of `per_second` may have gone by the end of the slice `now` (unix ms) falls in.
pub fn allowance(per_second: i64, now: i64) -> i64 {
    let slice = now.rem_euclid(1000) / SLICE_MS;
    (per_second.max(1) * (slice + 1) + SLICES - 1) / SLICES
}

/// Takes up to `want` sends from `number`'s budget of `per_second` a second, at `now` (unix ms,
/// the caller's clock); returns how many it may send (0: none until the next slice).
///
/// One atomic upsert of the number's row (`send_budget`), which on PostgreSQL is row-locked for
/// the statement, so takers in any number of processes together never exceed `per_second` in a
/// second. The row's second only moves forward: a taker whose clock is behind takes from the
/// current second's remainder instead of opening an old second again, so clocks that disagree
/// between hosts cannot raise the rate.
pub async fn take(
    db: &Db,
    number: &str,
    per_second: i64,
    want: i64,
    now: i64,
) -> Result<i64, StoreError> {
    if want <= 0 {
        return Ok(0);
    }
    let second = now.div_euclid(1000);
    let allowed = allowance(per_second, now);
    let first = want.min(allowed);
    let granted: i64 = sqlx::query_scalar(
        "INSERT INTO send_budget (number, second, used, granted) VALUES ($1, $2, $3, $3) \
         ON CONFLICT (number) DO UPDATE SET \
         used = CASE WHEN excluded.second > send_budget.second THEN excluded.used \
              WHEN $4 - send_budget.used <= 0 THEN send_budget.used \
              WHEN $4 - send_budget.used < $5 THEN $4 \
              ELSE send_budget.used + $5 END, \
         granted = CASE WHEN excluded.second > send_budget.second THEN excluded.granted \
              WHEN $4 - send_budget.used <= 0 THEN 0 \
              WHEN $4 - send_budget.used < $5 THEN $4 - send_budget.used \
              ELSE $5 END, \
         second = CASE WHEN excluded.second > send_budget.second THEN excluded.second \
              ELSE send_budget.second END \
         RETURNING granted",
    )
    .bind(number)
    .bind(second)
    .bind(first)
    .bind(allowed)
    .bind(want)
    .fetch_one(&mut *db.writer().await?)
    .await?;
    Ok(granted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_is_handed_out_evenly_and_never_beyond_its_rate() {
        assert_eq!(allowance(1000, 0), 100);
        assert_eq!(allowance(1000, 99), 100);
        assert_eq!(allowance(1000, 100), 200);
        assert_eq!(allowance(1000, 999), 1000);
        assert_eq!(allowance(1000, 1000), 100, "a new second");
        // Low rates still send in the first slice, and never more than the rate.
        assert_eq!(allowance(1, 0), 1);
        assert_eq!(allowance(1, 999), 1);
        assert_eq!(allowance(25, 0), 3);
        assert_eq!(allowance(25, 999), 25);
        assert_eq!(allowance(0, 500), 1, "at least one a second");
    }
}

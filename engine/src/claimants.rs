//! Which inbound workers are alive: each claim names its worker (a claimant), each claimant
//! shows signs of life, and the claims of a claimant gone silent go back in line.

use crate::store::{Db, StoreError};

/// A claimant silent this long is dead (its process was killed, or its worker panicked and was
/// started again under a new name); its claims are taken again. Workers touch their row every
/// `SIGN_OF_LIFE_EVERY`, so a live one is never this silent.
pub const SILENT_FOR_MS: i64 = 20_000;
/// How often a worker shows it is alive, and looks for claims whose worker is not.
pub const SIGN_OF_LIFE_EVERY: std::time::Duration = std::time::Duration::from_secs(5);
/// A claim this old is taken again even though its worker still shows signs of life: no message
/// takes this long (every call a worker makes has a timeout), so its worker is stuck, and
/// processing a message again books nothing twice. Also the only rule for claims made before
/// claims named their worker.
pub const HELD_AT_MOST_MS: i64 = 30 * 60_000;
/// A claim that names no worker (made by a version before 0020) is taken again after this long,
/// as it always was: its sender's later messages wait behind it.
pub const UNNAMED_HELD_AT_MOST_MS: i64 = 5 * 60_000;
/// Claimants not seen for this long are forgotten.
const FORGOTTEN_AFTER_MS: i64 = 24 * 3_600_000;

/// The name one run of an inbound worker claims messages under: unique across processes and
/// restarts (random, with the process id for the operator who reads it).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Claimant(String);

impl Claimant {
    /// A new name. Randomness failing (no entropy source) falls back to the process id and the
    /// time in nanoseconds, still unique for one machine.
    pub fn fresh() -> Claimant {
        let mut bytes = [0u8; 8];
        let suffix = match getrandom::fill(&mut bytes) {
            Ok(()) => hex::encode(bytes),
            Err(_) => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|elapsed| elapsed.as_nanos().to_string())
                .unwrap_or_default(),
        };
        Claimant(format!("{}-{suffix}", std::process::id()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Records that `claimant` is alive at `at` (unix ms): the first call registers it.
pub async fn sign_of_life(db: &Db, claimant: &Claimant, at: i64) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO claimants (id, started_at, seen_at) VALUES ($1, $2, $2) \
         ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at",
    )
    .bind(claimant.as_str())
    .bind(at)
    .execute(&mut *db.writer().await?)
    .await?;
    Ok(())
}

/// Forgets a claimant that stopped cleanly (every claim of it finished).
pub async fn retire(db: &Db, claimant: &Claimant) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM claimants WHERE id = $1")
        .bind(claimant.as_str())
        .execute(&mut *db.writer().await?)
        .await?;
    Ok(())
}

/// Puts back in line, as of `at` (unix ms), every inbound message whose claimant has been silent
/// for `SILENT_FOR_MS` (or was never seen), every claim older than `HELD_AT_MOST_MS`, and every
/// claim made before claims named their worker (a process of the version before, during an
/// upgrade) older than `UNNAMED_HELD_AT_MOST_MS`.
/// Processing is idempotent by message id, so a second run books nothing twice; the try the dead
/// worker made still counts, so a message that kills its worker every time ends `dead` too.
/// Returns how many messages went back.
pub async fn requeue_abandoned(db: &Db, at: i64) -> Result<u64, StoreError> {
    let mut writer = db.writer().await?;
    let requeued = sqlx::query(
        "UPDATE messages SET status = 'received', claimed_by = NULL \
         WHERE direction = 'in' AND status = 'processing' AND (updated_at < $1 \
         OR (claimed_by IS NULL AND updated_at < $3) \
         OR (claimed_by IS NOT NULL AND claimed_by NOT IN \
             (SELECT id FROM claimants WHERE seen_at >= $2)))",
    )
    .bind(at - HELD_AT_MOST_MS)
    .bind(at - SILENT_FOR_MS)
    .bind(at - UNNAMED_HELD_AT_MOST_MS)
    .execute(&mut *writer)
    .await?
    .rows_affected();
    sqlx::query("DELETE FROM claimants WHERE seen_at < $1")
        .bind(at - FORGOTTEN_AFTER_MS)
        .execute(&mut *writer)
        .await?;
    Ok(requeued)
}

//! The archive of voice notes: each note's original audio and its transcript in an object store, one row per message, purged after the retention.
//!
//! Objects live under `{merchant}/{yyyy}/{mm}/{dd}/{message}.{ext}` (and `.txt` for the
//! transcript), dated by the message's UTC day, so an operator can find or export one shop's
//! notes with ordinary tools. The row in `recordings` is the index: reads go through it, scoped
//! by merchant, and the retention sweep walks it rather than listing the bucket.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Datelike, TimeDelta};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::books::MerchantId;
use crate::messages::MessageId;
use crate::store::{Db, StoreError};

/// One archived voice note, as its row says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    pub merchant: MerchantId,
    pub message: MessageId,
    pub audio_key: String,
    pub transcript_key: Option<String>,
    /// Size of the audio object.
    pub bytes: i64,
    /// Unix milliseconds; the time the archive was asked for, which dates the keys.
    pub created_at: i64,
    /// When the retention sweep deleted the objects; the row stays as a record that they existed.
    pub purged_at: Option<i64>,
}

/// Why archiving or reading a recording failed. Messages carry no credentials.
#[derive(Debug, thiserror::Error)]
pub enum RecordingsError {
    #[error("the recordings location must be a path, file://… or s3://…, not a {0}:// URL")]
    UnsupportedScheme(String),
    #[error("the recordings location is not valid: {0}")]
    InvalidLocation(String),
    #[error("could not create the recordings directory {path}: {source}")]
    CreateDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("message {} of merchant {merchant} is not stored", .message.0)]
    UnknownMessage {
        merchant: MerchantId,
        message: MessageId,
    },
    #[error("'{0}' is not an audio file extension")]
    BadExtension(String),
    #[error("{0} is not a time a recording can be filed under")]
    BadTime(i64),
    #[error("the recording of message {} was purged", .0.0)]
    Purged(MessageId),
    #[error("object store: {0}")]
    Store(#[from] object_store::Error),
    #[error(transparent)]
    Db(#[from] StoreError),
}

impl From<sqlx::Error> for RecordingsError {
    fn from(error: sqlx::Error) -> Self {
        RecordingsError::Db(StoreError::Query(error))
    }
}

/// The archive: an object store for the bytes and the `recordings` table for the index.
/// Cheap to clone and share.
#[derive(Clone)]
pub struct Recordings {
    store: Arc<dyn ObjectStore>,
    retention: Option<TimeDelta>,
    /// Where the objects go, for the start-up log; never with credentials.
    location: String,
}

impl fmt::Debug for Recordings {
    // The S3 client's own Debug can include its credential provider, so it is left out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recordings")
            .field("location", &self.location)
            .field("retention", &self.retention)
            .finish()
    }
}

const COLUMNS: &str =
    "merchant_id, message_id, audio_key, transcript_key, bytes, created_at, purged_at";
/// Rows the retention sweep handles per query, so one sweep never holds a huge result.
const PURGE_BATCH: i64 = 200;
/// Options an s3:// URL may carry. Credentials are not among them: they come from the AWS_*
/// environment (or the instance's role), never from a URL that ends up in logs.
const S3_OPTIONS: [&str; 3] = ["endpoint", "region", "allow_http"];

impl Recordings {
    /// Opens the archive at `url`:
    /// - a path or `file:///var/lib/execora/recordings`: a directory, created if missing, with
    ///   every write fsynced;
    /// - `s3://bucket/prefix?endpoint=http://minio:9000&region=…&allow_http=true`: a bucket
    ///   (and optional key prefix), credentials and defaults from the AWS_* environment.
    ///
    /// `retention_days` of `None` keeps recordings for ever.
    pub fn from_url(url: &str, retention_days: Option<u32>) -> Result<Recordings, RecordingsError> {
        let url = url.trim();
        let retention = match retention_days {
            None => None,
            Some(days) => Some(TimeDelta::try_days(i64::from(days)).ok_or_else(|| {
                RecordingsError::InvalidLocation(format!("{days} days is not a retention"))
            })?),
        };
        let (store, location) = match url.split_once("://") {
            None => local(url)?,
            Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
                "file" => local(rest)?,
                "s3" => s3(url)?,
                other => {
                    return Err(RecordingsError::UnsupportedScheme(
                        other.chars().take(20).collect(),
                    ));
                }
            },
        };
        Ok(Recordings {
            store,
            retention,
            location,
        })
    }

    /// Where recordings are kept, e.g. "file:///var/lib/execora/recordings" or "s3://notes/shop".
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Files the note and its transcript and records them. Once per message: when the message
    /// is archived already, nothing is written and the existing row is returned.
    #[tracing::instrument(skip_all, fields(merchant = merchant.0, message = message.0))]
    // Each argument is a separate fact the caller has at hand; a struct would only rename them.
    #[allow(clippy::too_many_arguments)]
    pub async fn archive(
        &self,
        db: &Db,
        merchant: MerchantId,
        message: MessageId,
        at_ms: i64,
        audio: &[u8],
        extension: &str,
        transcript: Option<&str>,
    ) -> Result<Recording, RecordingsError> {
        if let Some(existing) = self.for_message(db, merchant, message).await? {
            return Ok(existing);
        }
        check_extension(extension)?;
        // Checked before writing, so a wrong id leaves no orphan objects behind.
        let owned: Option<i64> =
            sqlx::query_scalar("SELECT id FROM messages WHERE id = $1 AND merchant_id = $2")
                .bind(message.0)
                .bind(merchant.0)
                .fetch_optional(db.pool())
                .await?;
        if owned.is_none() {
            return Err(RecordingsError::UnknownMessage { merchant, message });
        }
        let stem = key_stem(merchant, message, at_ms)?;
        let audio_key = format!("{stem}.{extension}");
        self.store
            .put(&object_path(&audio_key)?, PutPayload::from(audio.to_vec()))
            .await?;
        let transcript_key = match transcript {
            Some(text) => {
                let key = format!("{stem}.txt");
                self.store
                    .put(&object_path(&key)?, PutPayload::from(text.to_string()))
                    .await?;
                Some(key)
            }
            None => None,
        };
        // Two workers archiving the same message at once both write the same note's bytes to
        // the same keys; the first row wins and both return it.
        sqlx::query(
            "INSERT INTO recordings (merchant_id, message_id, audio_key, transcript_key, bytes, created_at) \
             SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM messages WHERE id = $2 AND merchant_id = $1) \
             ON CONFLICT (merchant_id, message_id) DO NOTHING",
        )
        .bind(merchant.0)
        .bind(message.0)
        .bind(&audio_key)
        .bind(transcript_key.as_deref())
        .bind(i64::try_from(audio.len()).unwrap_or(i64::MAX))
        .bind(at_ms)
        .execute(&mut *db.writer().await?)
        .await?;
        self.for_message(db, merchant, message)
            .await?
            .ok_or(RecordingsError::UnknownMessage { merchant, message })
    }

    /// The recording of one of this merchant's messages; another merchant's message is `None`.
    pub async fn for_message(
        &self,
        db: &Db,
        merchant: MerchantId,
        message: MessageId,
    ) -> Result<Option<Recording>, RecordingsError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM recordings WHERE merchant_id = $1 AND message_id = $2"
        )))
        .bind(merchant.0)
        .bind(message.0)
        .fetch_optional(db.pool())
        .await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }

    /// The audio as filed. A purged recording is an error, not empty audio.
    pub async fn audio(&self, recording: &Recording) -> Result<Vec<u8>, RecordingsError> {
        if recording.purged_at.is_some() {
            return Err(RecordingsError::Purged(recording.message));
        }
        let found = self.store.get(&object_path(&recording.audio_key)?).await?;
        Ok(found.bytes().await?.to_vec())
    }

    /// Deletes the objects of every recording older than the retention and marks its row
    /// purged; returns how many. Runs for the whole service (it is the operator's sweep, not a
    /// merchant's request), in batches. An object already gone counts as deleted.
    pub async fn purge_expired(&self, db: &Db, now_ms: i64) -> Result<usize, RecordingsError> {
        let Some(retention) = self.retention else {
            return Ok(0);
        };
        let cutoff = now_ms.saturating_sub(retention.num_milliseconds());
        let mut purged = 0;
        loop {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM recordings WHERE purged_at IS NULL AND created_at < $1 \
                 ORDER BY created_at LIMIT $2"
            )))
            .bind(cutoff)
            .bind(PURGE_BATCH)
            .fetch_all(db.pool())
            .await?;
            for row in &rows {
                let recording = from_row(row)?;
                self.delete(&recording.audio_key).await?;
                if let Some(key) = &recording.transcript_key {
                    self.delete(key).await?;
                }
                let marked = sqlx::query(
                    "UPDATE recordings SET purged_at = $1 \
                     WHERE merchant_id = $2 AND message_id = $3 AND purged_at IS NULL",
                )
                .bind(now_ms)
                .bind(recording.merchant.0)
                .bind(recording.message.0)
                .execute(&mut *db.writer().await?)
                .await?;
                purged += usize::try_from(marked.rows_affected()).unwrap_or(0);
            }
            if i64::try_from(rows.len()).unwrap_or(i64::MAX) < PURGE_BATCH {
                break;
            }
        }
        if purged > 0 {
            tracing::info!(purged, "expired voice recordings deleted");
        }
        Ok(purged)
    }

    pub(crate) async fn delete(&self, key: &str) -> Result<(), RecordingsError> {
        match self.store.delete(&object_path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }
}

fn local(path: &str) -> Result<(Arc<dyn ObjectStore>, String), RecordingsError> {
    if path.is_empty() {
        return Err(RecordingsError::InvalidLocation(
            "the directory is empty".into(),
        ));
    }
    std::fs::create_dir_all(path).map_err(|source| RecordingsError::CreateDir {
        path: path.to_string(),
        source,
    })?;
    let store = LocalFileSystem::new_with_prefix(path)?
        // The row is committed durably, so the file it points at must be on disk too.
        .with_fsync(true)
        // Purging a day's last note removes the day's directory.
        .with_automatic_cleanup(true);
    let absolute = std::fs::canonicalize(path)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.to_string());
    Ok((Arc::new(store), format!("file://{absolute}")))
}

fn s3(url: &str) -> Result<(Arc<dyn ObjectStore>, String), RecordingsError> {
    let invalid = |why: String| RecordingsError::InvalidLocation(why);
    let parsed = reqwest::Url::parse(url).map_err(|e| invalid(format!("not a URL: {e}")))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(invalid(
            "credentials do not belong in the URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
                .into(),
        ));
    }
    let bucket = parsed
        .host_str()
        .filter(|b| !b.is_empty())
        .ok_or_else(|| invalid("an s3:// URL needs a bucket: s3://bucket/prefix".into()))?
        .to_string();
    let prefix = parsed.path().trim_matches('/').to_string();
    let mut builder = AmazonS3Builder::from_env().with_bucket_name(&bucket);
    let mut endpoint = None;
    for (key, value) in parsed.query_pairs() {
        match key.as_ref() {
            "endpoint" => {
                endpoint = Some(value.to_string());
                builder = builder.with_endpoint(value.as_ref());
            }
            "region" => builder = builder.with_region(value.as_ref()),
            "allow_http" => {
                let allow = value.parse::<bool>().map_err(|_| {
                    invalid(format!("allow_http must be true or false, not '{value}'"))
                })?;
                builder = builder.with_allow_http(allow);
            }
            other => {
                return Err(invalid(format!(
                    "unknown option '{}'; an s3:// URL takes {}",
                    other.chars().take(40).collect::<String>(),
                    S3_OPTIONS.join(", ")
                )));
            }
        }
    }
    let bucket_store = builder
        .build()
        .map_err(|e| invalid(format!("the S3 client could not be set up: {e}")))?;
    let mut location = format!("s3://{bucket}");
    if !prefix.is_empty() {
        location = format!("{location}/{prefix}");
    }
    if let Some(endpoint) = endpoint {
        location = format!("{location} at {endpoint}");
    }
    let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
        Arc::new(bucket_store)
    } else {
        let prefix = Path::parse(&prefix).map_err(|e| invalid(format!("the prefix: {e}")))?;
        Arc::new(PrefixStore::new(bucket_store, prefix))
    };
    Ok((store, location))
}

/// Lowercase letters and digits only: the extension becomes part of a key, and `txt` is the
/// transcript's.
fn check_extension(extension: &str) -> Result<(), RecordingsError> {
    let fine = (1..=5).contains(&extension.len())
        && extension
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && extension != "txt";
    if fine {
        Ok(())
    } else {
        Err(RecordingsError::BadExtension(
            extension.chars().take(20).collect(),
        ))
    }
}

/// `{merchant}/{yyyy}/{mm}/{dd}/{message}`, dated by the UTC day of `at_ms`.
fn key_stem(
    merchant: MerchantId,
    message: MessageId,
    at_ms: i64,
) -> Result<String, RecordingsError> {
    let at = DateTime::from_timestamp_millis(at_ms).ok_or(RecordingsError::BadTime(at_ms))?;
    Ok(format!(
        "{}/{:04}/{:02}/{:02}/{}",
        merchant.0,
        at.year(),
        at.month(),
        at.day(),
        message.0
    ))
}

fn object_path(key: &str) -> Result<Path, RecordingsError> {
    Path::parse(key).map_err(|e| RecordingsError::Store(e.into()))
}

fn from_row(row: &AnyRow) -> Result<Recording, sqlx::Error> {
    Ok(Recording {
        merchant: MerchantId(row.try_get("merchant_id")?),
        message: MessageId(row.try_get("message_id")?),
        audio_key: row.try_get("audio_key")?,
        transcript_key: row.try_get("transcript_key")?,
        bytes: row.try_get("bytes")?,
        created_at: row.try_get("created_at")?,
        purged_at: row.try_get("purged_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_dated_by_the_utc_day() {
        // 2026-11-22 23:30 UTC is already the 23rd in India; the key follows UTC.
        let at = DateTime::parse_from_rfc3339("2026-11-22T23:30:00Z")
            .map(|t| t.timestamp_millis())
            .unwrap_or_default();
        assert_eq!(
            key_stem(MerchantId(7), MessageId(42), at).ok(),
            Some("7/2026/11/22/42".to_string())
        );
        assert!(matches!(
            key_stem(MerchantId(7), MessageId(42), i64::MAX),
            Err(RecordingsError::BadTime(_))
        ));
    }

    #[test]
    fn extensions_are_short_plain_words() {
        for fine in ["ogg", "opus", "wav", "m4a", "mp3"] {
            assert!(check_extension(fine).is_ok(), "{fine}");
        }
        for bad in ["", "txt", "OGG", "../x", "o/g", "oggggg", "og g"] {
            assert!(check_extension(bad).is_err(), "{bad}");
        }
    }
}

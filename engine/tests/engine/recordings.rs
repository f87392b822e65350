//! The voice-note archive: both objects filed under dated keys, once per message, each shop sees its own, old notes purged.

use execora_engine::books::MerchantId;
use execora_engine::messages::{self, Delivery, MessageId, NewInbound};
use execora_engine::recordings::{Recording, Recordings, RecordingsError};
use execora_engine::store::Db;

use crate::support::{shop, start_time};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// Not a real Ogg stream; the archive files whatever bytes it is given.
const NOTE: &[u8] = b"OggS\x00\x02voice note bytes";

async fn voice_note(db: &Db, merchant: MerchantId, wamid: &str) -> MessageId {
    messages::record_inbound(
        db,
        &NewInbound {
            merchant: Some(merchant),
            channel_id: wamid,
            peer: "919812345678",
            peer_user_id: None,
            kind: "audio",
            body: "",
            media_id: Some("media-1"),
            context_id: None,
            status: Delivery::Received,
            at: start_time().timestamp_millis(),
        },
    )
    .await
    .expect("store message")
    .expect("a new message")
}

fn archive_in(dir: &tempfile::TempDir, retention_days: Option<u32>) -> Recordings {
    let path = dir.path().join("recordings");
    Recordings::from_url(&path.display().to_string(), retention_days).expect("open archive")
}

fn file(dir: &tempfile::TempDir, key: &str) -> std::path::PathBuf {
    dir.path().join("recordings").join(key)
}

async fn a_voice_note_and_its_transcript_are_filed_under_dated_keys(db: Db) {
    let dir = tempfile::tempdir().expect("temp dir");
    let archive = archive_in(&dir, None);
    let merchant = shop(&db, "Awaaz Kirana").await.books.merchant_id();
    let message = voice_note(&db, merchant, "wamid.VOICE1").await;
    let at = start_time().timestamp_millis();

    let filing = archive.archive(
        &db,
        merchant,
        message,
        at,
        NOTE,
        "ogg",
        Some("Rahul ne 200 diye"),
    );
    // The bot archives from job workers on a multi-threaded runtime.
    fn assert_send<T: Send>(_: &T) {}
    assert_send(&filing);
    let recording = filing.await.expect("archive");

    let stem = format!("{}/2026/11/22/{}", merchant.0, message.0);
    assert_eq!(
        recording,
        Recording {
            merchant,
            message,
            audio_key: format!("{stem}.ogg"),
            transcript_key: Some(format!("{stem}.txt")),
            bytes: NOTE.len() as i64,
            created_at: at,
            purged_at: None,
        }
    );
    assert_eq!(
        std::fs::read(file(&dir, &recording.audio_key)).expect("audio file"),
        NOTE
    );
    assert_eq!(
        std::fs::read_to_string(file(&dir, &format!("{stem}.txt"))).expect("transcript file"),
        "Rahul ne 200 diye"
    );
    assert_eq!(archive.audio(&recording).await.expect("read back"), NOTE);
    assert_eq!(
        archive
            .for_message(&db, merchant, message)
            .await
            .expect("lookup"),
        Some(recording)
    );

    // A note with no transcript yet gets no .txt.
    let second = voice_note(&db, merchant, "wamid.VOICE2").await;
    let untranscribed = archive
        .archive(&db, merchant, second, at, NOTE, "ogg", None)
        .await
        .expect("archive");
    assert_eq!(untranscribed.transcript_key, None);
    assert!(!file(&dir, &format!("{}/2026/11/22/{}.txt", merchant.0, second.0)).exists());
}

async fn archiving_a_message_twice_keeps_the_first(db: Db) {
    let dir = tempfile::tempdir().expect("temp dir");
    let archive = archive_in(&dir, None);
    let merchant = shop(&db, "Awaaz Kirana").await.books.merchant_id();
    let message = voice_note(&db, merchant, "wamid.TWICE").await;
    let at = start_time().timestamp_millis();
    let first = archive
        .archive(&db, merchant, message, at, NOTE, "ogg", Some("pehla"))
        .await
        .expect("first");
    // A retried job: later, other bytes, another transcript.
    let again = archive
        .archive(
            &db,
            merchant,
            message,
            at + DAY_MS,
            b"OggS other bytes",
            "ogg",
            Some("doosra"),
        )
        .await
        .expect("again");
    assert_eq!(again, first);
    assert_eq!(
        std::fs::read(file(&dir, &first.audio_key)).expect("audio"),
        NOTE
    );
    let transcript_key = first.transcript_key.as_deref().expect("transcript key");
    assert_eq!(
        std::fs::read_to_string(file(&dir, transcript_key)).expect("transcript"),
        "pehla"
    );
    assert!(
        !dir.path()
            .join("recordings")
            .join(format!("{}/2026/11/23", merchant.0))
            .exists(),
        "nothing was filed under the second call's day"
    );
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM recordings")
        .fetch_one(db.pool())
        .await
        .expect("count");
    assert_eq!(rows, 1);
}

async fn a_shop_never_reaches_another_shops_recordings(db: Db) {
    let dir = tempfile::tempdir().expect("temp dir");
    let archive = archive_in(&dir, None);
    let a = shop(&db, "A Kirana").await.books.merchant_id();
    let b = shop(&db, "B Dairy").await.books.merchant_id();
    let b_message = voice_note(&db, b, "wamid.B").await;
    let at = start_time().timestamp_millis();
    let b_recording = archive
        .archive(&db, b, b_message, at, NOTE, "ogg", Some("B ka note"))
        .await
        .expect("archive B");

    assert_eq!(
        archive
            .for_message(&db, a, b_message)
            .await
            .expect("lookup"),
        None
    );
    assert!(
        archive
            .for_message(&db, b, b_message)
            .await
            .expect("lookup")
            .is_some()
    );
    // Filing B's message under A is refused and writes nothing.
    let refused = archive
        .archive(&db, a, b_message, at, b"OggS from A", "ogg", Some("A"))
        .await;
    assert!(
        matches!(refused, Err(RecordingsError::UnknownMessage { merchant, message }) if merchant == a && message == b_message),
        "{refused:?}"
    );
    assert!(!dir.path().join("recordings").join(a.0.to_string()).exists());
    assert_eq!(
        std::fs::read(file(&dir, &b_recording.audio_key)).expect("B's audio"),
        NOTE
    );
    // A message id that does not exist at all is refused the same way.
    assert!(matches!(
        archive
            .archive(&db, a, MessageId(i64::MAX / 2), at, NOTE, "ogg", None)
            .await,
        Err(RecordingsError::UnknownMessage { .. })
    ));
}

async fn expired_recordings_are_purged_and_newer_ones_kept(db: Db) {
    let dir = tempfile::tempdir().expect("temp dir");
    let archive = archive_in(&dir, Some(30));
    let merchant = shop(&db, "Awaaz Kirana").await.books.merchant_id();
    let start = start_time().timestamp_millis();
    let old = voice_note(&db, merchant, "wamid.OLD").await;
    let gone = voice_note(&db, merchant, "wamid.GONE").await;
    let recent = voice_note(&db, merchant, "wamid.RECENT").await;
    let old_recording = archive
        .archive(&db, merchant, old, start, NOTE, "ogg", Some("purana"))
        .await
        .expect("old");
    let gone_recording = archive
        .archive(&db, merchant, gone, start + 1, NOTE, "ogg", None)
        .await
        .expect("gone");
    let recent_recording = archive
        .archive(
            &db,
            merchant,
            recent,
            start + 20 * DAY_MS,
            NOTE,
            "ogg",
            Some("naya"),
        )
        .await
        .expect("recent");
    // Someone already removed this file by hand; the sweep carries on.
    std::fs::remove_file(file(&dir, &gone_recording.audio_key)).expect("remove by hand");

    let now = start + 35 * DAY_MS;
    assert_eq!(archive.purge_expired(&db, now).await.expect("purge"), 2);

    assert!(!file(&dir, &old_recording.audio_key).exists());
    let old_transcript = old_recording.transcript_key.as_deref().expect("key");
    assert!(!file(&dir, old_transcript).exists());
    assert!(file(&dir, &recent_recording.audio_key).exists());
    let recent_transcript = recent_recording.transcript_key.as_deref().expect("key");
    assert!(file(&dir, recent_transcript).exists());

    let old_after = archive
        .for_message(&db, merchant, old)
        .await
        .expect("lookup")
        .expect("the row stays");
    assert_eq!(old_after.purged_at, Some(now));
    assert!(matches!(
        archive.audio(&old_after).await,
        Err(RecordingsError::Purged(id)) if id == old
    ));
    let recent_after = archive
        .for_message(&db, merchant, recent)
        .await
        .expect("lookup")
        .expect("row");
    assert_eq!(recent_after.purged_at, None);
    assert_eq!(archive.audio(&recent_after).await.expect("audio"), NOTE);

    // Nothing more to do until the recent one ages too.
    assert_eq!(archive.purge_expired(&db, now).await.expect("again"), 0);
    assert_eq!(
        archive
            .purge_expired(&db, start + 51 * DAY_MS)
            .await
            .expect("later"),
        1
    );
    // Without a retention nothing is ever purged.
    let keep_all = archive_in(&dir, None);
    assert_eq!(
        keep_all
            .purge_expired(&db, start + 1000 * DAY_MS)
            .await
            .expect("keep"),
        0
    );
}

crate::on_both_databases!(
    a_voice_note_and_its_transcript_are_filed_under_dated_keys,
    archiving_a_message_twice_keeps_the_first,
    a_shop_never_reaches_another_shops_recordings,
    expired_recordings_are_purged_and_newer_ones_kept,
);

#[test]
fn locations_other_than_a_path_file_or_s3_are_refused() {
    for url in ["ftp://x", "http://bucket/x", "gs://bucket"] {
        let result = Recordings::from_url(url, None);
        assert!(
            matches!(result, Err(RecordingsError::UnsupportedScheme(_))),
            "{url}: {result:?}"
        );
    }
    let message = Recordings::from_url("ftp://x", None)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(message.contains("ftp"), "{message}");
}

#[test]
fn a_file_url_opens_and_creates_the_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("deep").join("notes");
    let archive =
        Recordings::from_url(&format!("file://{}", path.display()), Some(90)).expect("open");
    assert!(path.is_dir());
    assert!(
        archive.location().starts_with("file:///"),
        "{}",
        archive.location()
    );
}

#[test]
fn an_s3_url_with_options_builds_without_touching_the_network() {
    let archive = Recordings::from_url(
        "s3://execora-notes/prod/voice?endpoint=http://127.0.0.1:9&region=ap-south-1&allow_http=true",
        Some(30),
    )
    .expect("s3 archive");
    assert_eq!(
        archive.location(),
        "s3://execora-notes/prod/voice at http://127.0.0.1:9"
    );
    assert!(Recordings::from_url("s3://execora-notes", None).is_ok());
    for (url, why) in [
        ("s3:///prefix", "no bucket"),
        (
            "s3://bucket?secret_access_key=SHHH123",
            "credentials in the URL",
        ),
        ("s3://key:SHHH123@bucket/x", "credentials in the URL"),
        ("s3://bucket?allow_http=maybe", "not a bool"),
    ] {
        let result = Recordings::from_url(url, None);
        assert!(
            matches!(result, Err(RecordingsError::InvalidLocation(_))),
            "{why}: {result:?}"
        );
        let text = result.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(!text.contains("SHHH123"), "{why}: {text}");
    }
}

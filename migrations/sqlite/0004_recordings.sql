-- The archive of voice notes: where each note's audio and transcript are kept, until retention purges them.
-- Keep in step with migrations/postgres/0004_recordings.sql.
-- messages has no UNIQUE (merchant_id, id) to point a composite key at, so the row references
-- merchants and messages separately and the one INSERT checks that the message is the merchant's.
CREATE TABLE recordings (
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    message_id INTEGER NOT NULL REFERENCES messages (id),
    audio_key TEXT NOT NULL,
    transcript_key TEXT,
    bytes INTEGER NOT NULL CHECK (bytes >= 0),
    created_at INTEGER NOT NULL,
    purged_at INTEGER,
    PRIMARY KEY (merchant_id, message_id)
);
-- What the retention sweep reads: live recordings, oldest first.
CREATE INDEX recordings_live_by_age ON recordings (created_at) WHERE purged_at IS NULL;

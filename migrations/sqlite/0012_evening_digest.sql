-- The merchant's evening digest: when each shop wants it, and the one digest of each shop-day.
-- Keep in step with migrations/postgres/0012_evening_digest.sql.
--
-- A shop without a `digest_settings` row gets its digest at 21:00 in its zone (`at_minute` is
-- minutes after local midnight; `enabled` 0 is off and keeps the time for when it is turned on).
-- A `digests` row is the claim of one shop's digest for one local date (`day`, YYYY-MM-DD): it is
-- inserted in the same transaction as the outbox message that carries the digest, and its
-- primary key lets only one process, of however many share the database, write it.
CREATE TABLE digest_settings (
    merchant_id INTEGER PRIMARY KEY REFERENCES merchants (id),
    enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    at_minute INTEGER NOT NULL DEFAULT 1260 CHECK (at_minute >= 0 AND at_minute < 1440),
    updated_at INTEGER NOT NULL
);

CREATE TABLE digests (
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    day TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('text', 'template', 'no_phone')),
    message_id INTEGER,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (merchant_id, day),
    FOREIGN KEY (merchant_id, message_id) REFERENCES messages (merchant_id, id)
);

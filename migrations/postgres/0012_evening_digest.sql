-- The merchant's evening digest: when each shop wants it, and the one digest of each shop-day.
-- Keep in step with migrations/sqlite/0012_evening_digest.sql (which explains the columns).
CREATE TABLE digest_settings (
    merchant_id BIGINT PRIMARY KEY REFERENCES merchants (id),
    enabled BIGINT NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    at_minute BIGINT NOT NULL DEFAULT 1260 CHECK (at_minute >= 0 AND at_minute < 1440),
    updated_at BIGINT NOT NULL
);

CREATE TABLE digests (
    merchant_id BIGINT NOT NULL REFERENCES merchants (id),
    day TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('text', 'template', 'no_phone')),
    message_id BIGINT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (merchant_id, day),
    FOREIGN KEY (merchant_id, message_id) REFERENCES messages (merchant_id, id)
);

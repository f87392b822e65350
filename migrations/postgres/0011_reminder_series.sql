-- Automatic reminders, the shop's reminder settings, and customers' replies on the timeline.
-- Keep in step with migrations/sqlite/0011_reminder_series.sql (which explains the tables).

CREATE TABLE reminder_series (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merchant_id BIGINT NOT NULL REFERENCES merchants (id),
    customer_id BIGINT NOT NULL,
    operation_id BIGINT,
    every_days BIGINT NOT NULL CHECK (every_days BETWEEN 1 AND 365),
    amount_paise BIGINT CHECK (amount_paise > 0),
    created_at BIGINT NOT NULL,
    ended_at BIGINT,
    end_reason TEXT CHECK (end_reason IN ('stopped', 'all_stopped', 'paid', 'replaced')),
    CHECK ((ended_at IS NULL) = (end_reason IS NULL)),
    UNIQUE (merchant_id, id),
    FOREIGN KEY (merchant_id, customer_id) REFERENCES customers (merchant_id, id),
    FOREIGN KEY (merchant_id, operation_id) REFERENCES operations (merchant_id, id)
);
CREATE UNIQUE INDEX reminder_series_running ON reminder_series (merchant_id, customer_id)
    WHERE ended_at IS NULL;
CREATE INDEX reminder_series_by_customer ON reminder_series (merchant_id, customer_id, id);

ALTER TABLE reminders ADD COLUMN recurrence TEXT NOT NULL DEFAULT 'once'
    CHECK (recurrence IN ('once', 'series', 'shop'));
ALTER TABLE reminders ADD COLUMN series_id BIGINT;
ALTER TABLE reminders ADD CONSTRAINT reminders_series_matches
    CHECK ((recurrence = 'series') = (series_id IS NOT NULL));
ALTER TABLE reminders ADD CONSTRAINT reminders_series_same_shop
    FOREIGN KEY (merchant_id, series_id) REFERENCES reminder_series (merchant_id, id);
CREATE INDEX reminders_by_series ON reminders (merchant_id, series_id);

ALTER TABLE reminder_events DROP CONSTRAINT reminder_events_kind_check;
ALTER TABLE reminder_events ADD CONSTRAINT reminder_events_kind_check CHECK (kind IN ('scheduled', 'moved',
    'cancelled', 'sending', 'retry', 'sent', 'delivered', 'read', 'failed', 'settled', 'needs_review', 'replied'));
ALTER TABLE reminder_events ADD COLUMN message_id BIGINT;
ALTER TABLE reminder_events ADD CONSTRAINT reminder_events_message_same_shop
    FOREIGN KEY (merchant_id, message_id) REFERENCES messages (merchant_id, id);
CREATE UNIQUE INDEX reminder_events_reply ON reminder_events (merchant_id, message_id);

ALTER TABLE merchant_settings ADD COLUMN reminder_daily_cap BIGINT NOT NULL DEFAULT 200
    CHECK (reminder_daily_cap BETWEEN 0 AND 100000);
ALTER TABLE merchant_settings ADD COLUMN auto_reminder_days BIGINT
    CHECK (auto_reminder_days BETWEEN 1 AND 365);

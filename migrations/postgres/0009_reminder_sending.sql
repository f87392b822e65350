-- Reminders that are sent: statuses for every step, the send's bookkeeping, and a timeline.
-- Keep in step with migrations/sqlite/0009_reminder_sending.sql (which explains the columns).

ALTER TABLE reminders DROP CONSTRAINT reminders_status_check;
ALTER TABLE reminders ADD CONSTRAINT reminders_status_check CHECK (status IN ('scheduled', 'sending', 'sent',
    'delivered', 'read', 'failed', 'settled', 'cancelled', 'needs_review'));
ALTER TABLE reminders ADD COLUMN kind TEXT NOT NULL DEFAULT 'payment' CHECK (kind IN ('payment'));
ALTER TABLE reminders ADD COLUMN run_at BIGINT;
UPDATE reminders SET run_at = due_at;
ALTER TABLE reminders ALTER COLUMN run_at SET NOT NULL;
ALTER TABLE reminders ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE reminders ADD COLUMN claimed_at BIGINT;
ALTER TABLE reminders ADD COLUMN sent_amount_paise BIGINT;
ALTER TABLE reminders ADD COLUMN wa_message_id TEXT UNIQUE;
ALTER TABLE reminders ADD COLUMN error_code BIGINT;
ALTER TABLE reminders ADD COLUMN error_title TEXT;
DROP INDEX reminders_due;
CREATE INDEX reminders_due ON reminders (status, run_at);

CREATE TABLE reminder_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merchant_id BIGINT NOT NULL,
    reminder_id BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('scheduled', 'moved', 'cancelled', 'sending', 'retry', 'sent',
        'delivered', 'read', 'failed', 'settled', 'needs_review')),
    at BIGINT NOT NULL,
    amount_paise BIGINT,
    error_code BIGINT,
    detail TEXT,
    FOREIGN KEY (merchant_id, reminder_id) REFERENCES reminders (merchant_id, id)
);
CREATE INDEX reminder_events_by_reminder ON reminder_events (merchant_id, reminder_id, id);
INSERT INTO reminder_events (merchant_id, reminder_id, kind, at)
SELECT merchant_id, id, 'scheduled', created_at FROM reminders;

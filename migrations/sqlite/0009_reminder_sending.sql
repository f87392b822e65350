-- Reminders that are sent: statuses for every step, the send's bookkeeping, and a timeline.
-- Keep in step with migrations/postgres/0009_reminder_sending.sql.
--
-- The reminder row is its own job (see docs/ARCHITECTURE.md, "Reminders"): `run_at` is when the
-- worker may next take it (its due time, later after a failure that sent nothing), `claimed_at`
-- when a worker marked it `sending` before calling WhatsApp. A row found `sending` long after its
-- claim is never sent again: it waits for a status webhook carrying its key, or for the merchant
-- (`needs_review`). `settled`: the customer owed nothing when it fell due. `kind` leaves room for
-- other reminders (recurring ones) without another rebuild.
-- SQLite cannot change a CHECK constraint, so the table is rebuilt (nothing references it yet).

CREATE TABLE reminders_0009 (
    id INTEGER PRIMARY KEY,
    merchant_id INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    operation_id INTEGER,
    kind TEXT NOT NULL DEFAULT 'payment' CHECK (kind IN ('payment')),
    amount_paise INTEGER,
    due_at INTEGER NOT NULL,
    run_at INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'sending', 'sent', 'delivered', 'read', 'failed',
        'settled', 'cancelled', 'needs_review')),
    attempts INTEGER NOT NULL DEFAULT 0,
    claimed_at INTEGER,
    sent_amount_paise INTEGER,
    wa_message_id TEXT UNIQUE,
    error_code INTEGER,
    error_title TEXT,
    message_id INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (merchant_id, id),
    FOREIGN KEY (merchant_id, customer_id) REFERENCES customers (merchant_id, id),
    FOREIGN KEY (merchant_id, operation_id) REFERENCES operations (merchant_id, id),
    FOREIGN KEY (merchant_id, message_id) REFERENCES messages (merchant_id, id)
);
INSERT INTO reminders_0009 (id, merchant_id, customer_id, operation_id, amount_paise, due_at, run_at, status,
    message_id, created_at, updated_at)
SELECT id, merchant_id, customer_id, operation_id, amount_paise, due_at, due_at, status,
    message_id, created_at, updated_at FROM reminders;
DROP TABLE reminders;
ALTER TABLE reminders_0009 RENAME TO reminders;
CREATE INDEX reminders_due ON reminders (status, run_at);
CREATE INDEX reminders_by_customer ON reminders (merchant_id, customer_id);

-- What happened to each reminder, in order: the merchant's "did it go?" and the panel's timeline.
CREATE TABLE reminder_events (
    id INTEGER PRIMARY KEY,
    merchant_id INTEGER NOT NULL,
    reminder_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('scheduled', 'moved', 'cancelled', 'sending', 'retry', 'sent',
        'delivered', 'read', 'failed', 'settled', 'needs_review')),
    at INTEGER NOT NULL,
    amount_paise INTEGER,
    error_code INTEGER,
    detail TEXT,
    FOREIGN KEY (merchant_id, reminder_id) REFERENCES reminders (merchant_id, id)
);
CREATE INDEX reminder_events_by_reminder ON reminder_events (merchant_id, reminder_id, id);
INSERT INTO reminder_events (merchant_id, reminder_id, kind, at)
SELECT merchant_id, id, 'scheduled', created_at FROM reminders;

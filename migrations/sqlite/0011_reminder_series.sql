-- no-transaction
-- Automatic reminders, the shop's reminder settings, and customers' replies on the timeline.
-- Keep in step with migrations/postgres/0011_reminder_series.sql.
--
-- `reminder_series`: "Rahul ko har hafte reminder bhejo". A running series (no `ended_at`) has one
-- open reminder at a time; when it is sent (or fails, or goes to review) the next one is booked
-- `every_days` later, in the same transaction. It ends when the merchant stops it (`stopped`: this
-- customer; `all_stopped`: "sab auto reminder band karo"), when the customer owes nothing at sending
-- time (`paid`), or when a new interval replaces it (`replaced`). At most one runs per customer.
-- A row ended `stopped` also says "no automatic reminders for this customer" to the shop-wide
-- setting below, until the merchant starts a series for them again.
--
-- `reminders.recurrence`: `once` (asked for once), `series` (of `series_id`) or `shop` (booked by
-- the shop-wide setting `merchant_settings.auto_reminder_days` for a customer with dues).
-- `reminder_events`: `replied` is a customer's message answering a reminder (`message_id`, its text
-- in `detail`), recorded once per message.
-- `merchant_settings.reminder_daily_cap`: reminders one shop sends in one of its days (was the
-- constant 200).
--
-- SQLite cannot add a foreign key or change a CHECK, so reminders and reminder_events are rebuilt
-- as in 0006: foreign keys off (ignored inside a transaction, so this migration opens its own),
-- new table, copy, drop, rename, indexes; PRAGMA foreign_key_check must find nothing before COMMIT.

PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE reminder_series (
    id INTEGER PRIMARY KEY,
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    customer_id INTEGER NOT NULL,
    operation_id INTEGER,
    every_days INTEGER NOT NULL CHECK (every_days BETWEEN 1 AND 365),
    amount_paise INTEGER CHECK (amount_paise > 0),
    created_at INTEGER NOT NULL,
    ended_at INTEGER,
    end_reason TEXT CHECK (end_reason IN ('stopped', 'all_stopped', 'paid', 'replaced')),
    CHECK ((ended_at IS NULL) = (end_reason IS NULL)),
    UNIQUE (merchant_id, id),
    FOREIGN KEY (merchant_id, customer_id) REFERENCES customers (merchant_id, id),
    FOREIGN KEY (merchant_id, operation_id) REFERENCES operations (merchant_id, id)
);
CREATE UNIQUE INDEX reminder_series_running ON reminder_series (merchant_id, customer_id)
    WHERE ended_at IS NULL;
CREATE INDEX reminder_series_by_customer ON reminder_series (merchant_id, customer_id, id);

CREATE TABLE reminders_0011 (
    id INTEGER PRIMARY KEY,
    merchant_id INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    operation_id INTEGER,
    kind TEXT NOT NULL DEFAULT 'payment' CHECK (kind IN ('payment')),
    recurrence TEXT NOT NULL DEFAULT 'once' CHECK (recurrence IN ('once', 'series', 'shop')),
    series_id INTEGER,
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
    CHECK ((recurrence = 'series') = (series_id IS NOT NULL)),
    UNIQUE (merchant_id, id),
    FOREIGN KEY (merchant_id, customer_id) REFERENCES customers (merchant_id, id),
    FOREIGN KEY (merchant_id, operation_id) REFERENCES operations (merchant_id, id),
    FOREIGN KEY (merchant_id, message_id) REFERENCES messages (merchant_id, id),
    FOREIGN KEY (merchant_id, series_id) REFERENCES reminder_series (merchant_id, id)
);
INSERT INTO reminders_0011 (id, merchant_id, customer_id, operation_id, kind, amount_paise, due_at, run_at,
    status, attempts, claimed_at, sent_amount_paise, wa_message_id, error_code, error_title, message_id,
    created_at, updated_at)
SELECT id, merchant_id, customer_id, operation_id, kind, amount_paise, due_at, run_at,
    status, attempts, claimed_at, sent_amount_paise, wa_message_id, error_code, error_title, message_id,
    created_at, updated_at FROM reminders;
DROP TABLE reminders;
ALTER TABLE reminders_0011 RENAME TO reminders;
CREATE INDEX reminders_due ON reminders (status, run_at);
CREATE INDEX reminders_by_customer ON reminders (merchant_id, customer_id);
CREATE INDEX reminders_by_series ON reminders (merchant_id, series_id);

CREATE TABLE reminder_events_0011 (
    id INTEGER PRIMARY KEY,
    merchant_id INTEGER NOT NULL,
    reminder_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('scheduled', 'moved', 'cancelled', 'sending', 'retry', 'sent',
        'delivered', 'read', 'failed', 'settled', 'needs_review', 'replied')),
    at INTEGER NOT NULL,
    amount_paise INTEGER,
    error_code INTEGER,
    detail TEXT,
    message_id INTEGER,
    FOREIGN KEY (merchant_id, reminder_id) REFERENCES reminders (merchant_id, id),
    FOREIGN KEY (merchant_id, message_id) REFERENCES messages (merchant_id, id)
);
INSERT INTO reminder_events_0011 (id, merchant_id, reminder_id, kind, at, amount_paise, error_code, detail)
SELECT id, merchant_id, reminder_id, kind, at, amount_paise, error_code, detail FROM reminder_events;
DROP TABLE reminder_events;
ALTER TABLE reminder_events_0011 RENAME TO reminder_events;
CREATE INDEX reminder_events_by_reminder ON reminder_events (merchant_id, reminder_id, id);
CREATE UNIQUE INDEX reminder_events_reply ON reminder_events (merchant_id, message_id);

ALTER TABLE merchant_settings ADD COLUMN reminder_daily_cap INTEGER NOT NULL DEFAULT 200
    CHECK (reminder_daily_cap BETWEEN 0 AND 100000);
ALTER TABLE merchant_settings ADD COLUMN auto_reminder_days INTEGER
    CHECK (auto_reminder_days BETWEEN 1 AND 365);

-- Foreign keys were off for the rebuild: every reference is checked before the commit.
CREATE TEMP TABLE migration_0011_foreign_keys (violations INTEGER NOT NULL CHECK (violations = 0));
INSERT INTO migration_0011_foreign_keys SELECT count(*) FROM pragma_foreign_key_check;
DROP TABLE migration_0011_foreign_keys;

COMMIT;
PRAGMA foreign_keys = ON;

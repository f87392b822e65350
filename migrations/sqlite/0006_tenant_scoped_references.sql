-- no-transaction
-- Tenant-scoped references and append-only history, SQLite dialect.
-- Keep in step with migrations/postgres/0006_tenant_scoped_references.sql.
--
-- Every remaining reference between a shop's rows becomes a composite foreign key
-- (merchant_id, x_id) -> x (merchant_id, id), so the database refuses a link to another shop's row:
--   operations.undone_by, ledger_entries.reverses_entry_id, reminders.operation_id,
--   reminders.message_id, messages.in_reply_to, recordings.message_id.
-- SQLite cannot add a foreign key to a table, so these tables are rebuilt: new table, copy, drop,
-- rename, then their indexes and triggers again. Dropping a table that others reference needs
-- foreign keys off, and that pragma is ignored inside a transaction, so this migration runs
-- outside sqlx's transaction and opens its own. The copy is checked afterwards: the COMMIT is
-- only reached if PRAGMA foreign_key_check finds nothing (the CHECK below fails otherwise, and
-- the open transaction is rolled back when the failed migration's connection is closed).
--
-- Messages from strangers have no shop (merchant_id NULL). A reply with a shop must answer a
-- message of the same shop; a reply without a shop is not a tenant row and only has to answer an
-- existing message (the plain foreign key stays for it). A signup is keyed by phone and points at
-- the stranger's message that opened its shop, which belongs to no shop yet when the signup is
-- written: a trigger lets it point only at a message that is shop-less or the opened shop's.

PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

-- Existing rows must already keep the promise: a cross-shop link found here stops the migration.
CREATE TEMP TABLE migration_0006_cross_shop (found INTEGER NOT NULL CHECK (found = 0));
INSERT INTO migration_0006_cross_shop
SELECT (SELECT count(*) FROM operations o JOIN operations u ON u.id = o.undone_by
        WHERE u.merchant_id <> o.merchant_id)
     + (SELECT count(*) FROM ledger_entries e JOIN ledger_entries r ON r.id = e.reverses_entry_id
        WHERE r.merchant_id <> e.merchant_id)
     + (SELECT count(*) FROM reminders r JOIN operations o ON o.id = r.operation_id
        WHERE o.merchant_id <> r.merchant_id)
     + (SELECT count(*) FROM reminders r JOIN messages m ON m.id = r.message_id
        WHERE m.merchant_id IS NOT r.merchant_id)
     + (SELECT count(*) FROM messages m JOIN messages p ON p.id = m.in_reply_to
        WHERE m.merchant_id IS NOT NULL AND p.merchant_id IS NOT m.merchant_id)
     + (SELECT count(*) FROM recordings r JOIN messages m ON m.id = r.message_id
        WHERE m.merchant_id IS NOT r.merchant_id)
     + (SELECT count(*) FROM signups s JOIN messages m ON m.id = s.message_id
        WHERE m.merchant_id IS NOT NULL AND m.merchant_id IS NOT s.merchant_id);
DROP TABLE migration_0006_cross_shop;

-- operations: undone_by names the undoing operation of the same shop.
CREATE TABLE operations_0006 (
    id INTEGER PRIMARY KEY,
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    kind TEXT NOT NULL,
    idempotency_key TEXT,
    source TEXT NOT NULL,
    actor TEXT,
    outcome TEXT NOT NULL DEFAULT '{}',
    undone_by INTEGER,
    created_at INTEGER NOT NULL,
    UNIQUE (merchant_id, id),
    UNIQUE (merchant_id, idempotency_key),
    FOREIGN KEY (merchant_id, undone_by) REFERENCES operations (merchant_id, id)
);
INSERT INTO operations_0006 (id, merchant_id, kind, idempotency_key, source, actor, outcome, undone_by, created_at)
SELECT id, merchant_id, kind, idempotency_key, source, actor, outcome, undone_by, created_at FROM operations;
DROP TABLE operations;
ALTER TABLE operations_0006 RENAME TO operations;

-- ledger_entries: a reversal reverses an entry of the same shop.
CREATE TABLE ledger_entries_0006 (
    id INTEGER PRIMARY KEY,
    merchant_id INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    operation_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('sale', 'payment', 'credit', 'reversal')),
    amount_paise INTEGER NOT NULL CHECK (amount_paise <> 0),
    mode TEXT CHECK (mode IN ('cash', 'upi', 'card', 'bank', 'cheque')),
    source TEXT NOT NULL,
    source_ref TEXT,
    invoice_id INTEGER,
    reverses_entry_id INTEGER UNIQUE,
    note TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (merchant_id, id),
    FOREIGN KEY (merchant_id, customer_id) REFERENCES customers (merchant_id, id),
    FOREIGN KEY (merchant_id, operation_id) REFERENCES operations (merchant_id, id),
    FOREIGN KEY (merchant_id, invoice_id) REFERENCES invoices (merchant_id, id),
    FOREIGN KEY (merchant_id, reverses_entry_id) REFERENCES ledger_entries (merchant_id, id)
);
INSERT INTO ledger_entries_0006 (id, merchant_id, customer_id, operation_id, kind, amount_paise, mode, source,
    source_ref, invoice_id, reverses_entry_id, note, created_at)
SELECT id, merchant_id, customer_id, operation_id, kind, amount_paise, mode, source,
    source_ref, invoice_id, reverses_entry_id, note, created_at FROM ledger_entries;
DROP TABLE ledger_entries;
ALTER TABLE ledger_entries_0006 RENAME TO ledger_entries;
CREATE INDEX ledger_by_customer ON ledger_entries (merchant_id, customer_id, id);
CREATE INDEX ledger_by_time ON ledger_entries (merchant_id, created_at);
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;

-- messages: (merchant_id, id) is unique so shop rows can point at a message of their own shop,
-- and a shop's reply answers a message of that shop.
CREATE TABLE messages_0006 (
    id INTEGER PRIMARY KEY,
    merchant_id INTEGER REFERENCES merchants (id),
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    wa_message_id TEXT UNIQUE,
    peer TEXT NOT NULL,
    peer_user_id TEXT,
    kind TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    transcript TEXT,
    media_id TEXT,
    status TEXT NOT NULL,
    error_code INTEGER,
    error_title TEXT,
    in_reply_to INTEGER REFERENCES messages (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    options TEXT,
    context_id TEXT,
    UNIQUE (merchant_id, id),
    FOREIGN KEY (merchant_id, in_reply_to) REFERENCES messages (merchant_id, id)
);
INSERT INTO messages_0006 (id, merchant_id, direction, wa_message_id, peer, peer_user_id, kind, body, transcript,
    media_id, status, error_code, error_title, in_reply_to, created_at, updated_at, attempts, next_attempt_at,
    options, context_id)
SELECT id, merchant_id, direction, wa_message_id, peer, peer_user_id, kind, body, transcript,
    media_id, status, error_code, error_title, in_reply_to, created_at, updated_at, attempts, next_attempt_at,
    options, context_id FROM messages;
DROP TABLE messages;
ALTER TABLE messages_0006 RENAME TO messages;
-- The unique (merchant_id, id) key is the old messages_by_merchant index.
CREATE INDEX messages_outbox ON messages (direction, status, next_attempt_at);
CREATE INDEX messages_out_by_peer ON messages (peer, id) WHERE direction = 'out';

-- reminders: the booking that scheduled it and the message that sent it are the shop's own.
CREATE TABLE reminders_0006 (
    id INTEGER PRIMARY KEY,
    merchant_id INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    operation_id INTEGER,
    amount_paise INTEGER,
    due_at INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'sending', 'sent', 'delivered', 'read', 'failed', 'cancelled')),
    message_id INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (merchant_id, id),
    FOREIGN KEY (merchant_id, customer_id) REFERENCES customers (merchant_id, id),
    FOREIGN KEY (merchant_id, operation_id) REFERENCES operations (merchant_id, id),
    FOREIGN KEY (merchant_id, message_id) REFERENCES messages (merchant_id, id)
);
INSERT INTO reminders_0006 (id, merchant_id, customer_id, operation_id, amount_paise, due_at, status, message_id,
    created_at, updated_at)
SELECT id, merchant_id, customer_id, operation_id, amount_paise, due_at, status, message_id,
    created_at, updated_at FROM reminders;
DROP TABLE reminders;
ALTER TABLE reminders_0006 RENAME TO reminders;
CREATE INDEX reminders_due ON reminders (status, due_at);
CREATE INDEX reminders_by_customer ON reminders (merchant_id, customer_id);

-- recordings: the archived voice note is a message of the same shop.
CREATE TABLE recordings_0006 (
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    message_id INTEGER NOT NULL,
    audio_key TEXT NOT NULL,
    transcript_key TEXT,
    bytes INTEGER NOT NULL CHECK (bytes >= 0),
    created_at INTEGER NOT NULL,
    purged_at INTEGER,
    PRIMARY KEY (merchant_id, message_id),
    FOREIGN KEY (merchant_id, message_id) REFERENCES messages (merchant_id, id)
);
INSERT INTO recordings_0006 (merchant_id, message_id, audio_key, transcript_key, bytes, created_at, purged_at)
SELECT merchant_id, message_id, audio_key, transcript_key, bytes, created_at, purged_at FROM recordings;
DROP TABLE recordings;
ALTER TABLE recordings_0006 RENAME TO recordings;
CREATE INDEX recordings_live_by_age ON recordings (created_at) WHERE purged_at IS NULL;

-- signups: the opening message is the stranger's (no shop yet) or already the opened shop's.
CREATE TRIGGER signups_message_of_shop_on_insert BEFORE INSERT ON signups
WHEN NEW.message_id IS NOT NULL AND EXISTS (SELECT 1 FROM messages m WHERE m.id = NEW.message_id
    AND m.merchant_id IS NOT NULL AND m.merchant_id IS NOT NEW.merchant_id)
BEGIN SELECT RAISE(ABORT, 'signups.message_id belongs to another shop'); END;
CREATE TRIGGER signups_message_of_shop_on_update BEFORE UPDATE OF merchant_id, message_id ON signups
WHEN NEW.message_id IS NOT NULL AND EXISTS (SELECT 1 FROM messages m WHERE m.id = NEW.message_id
    AND m.merchant_id IS NOT NULL AND m.merchant_id IS NOT NEW.merchant_id)
BEGIN SELECT RAISE(ABORT, 'signups.message_id belongs to another shop'); END;

-- Append-only stock history, like the ledger.
CREATE TRIGGER stock_movements_no_update BEFORE UPDATE ON stock_movements
BEGIN SELECT RAISE(ABORT, 'stock_movements is append-only'); END;
CREATE TRIGGER stock_movements_no_delete BEFORE DELETE ON stock_movements
BEGIN SELECT RAISE(ABORT, 'stock_movements is append-only'); END;

-- An operation's booked facts never change. Two columns are written after the row: `outcome`
-- once, from the '{}' it is inserted with, when the booking finishes in the same transaction; and
-- `undone_by` once, from NULL, when the booking is undone or its bill cancelled.
CREATE TRIGGER operations_booked_facts_are_fixed BEFORE UPDATE ON operations
WHEN NEW.id IS NOT OLD.id OR NEW.merchant_id IS NOT OLD.merchant_id OR NEW.kind IS NOT OLD.kind
    OR NEW.idempotency_key IS NOT OLD.idempotency_key OR NEW.source IS NOT OLD.source
    OR NEW.actor IS NOT OLD.actor OR NEW.created_at IS NOT OLD.created_at
    OR (NEW.outcome IS NOT OLD.outcome AND OLD.outcome <> '{}')
    OR (NEW.undone_by IS NOT OLD.undone_by AND OLD.undone_by IS NOT NULL)
BEGIN SELECT RAISE(ABORT, 'operations keep what was booked: only outcome (once) and undone_by (once) are set later'); END;
CREATE TRIGGER operations_no_delete BEFORE DELETE ON operations
BEGIN SELECT RAISE(ABORT, 'operations is append-only'); END;

-- Foreign keys were off for the rebuild: every reference is checked before the commit.
CREATE TEMP TABLE migration_0006_foreign_keys (violations INTEGER NOT NULL CHECK (violations = 0));
INSERT INTO migration_0006_foreign_keys SELECT count(*) FROM pragma_foreign_key_check;
DROP TABLE migration_0006_foreign_keys;

COMMIT;
PRAGMA foreign_keys = ON;

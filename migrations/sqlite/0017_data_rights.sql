-- Data rights: a customer deleted at the shop's request, and message texts that age out.
-- Keep in step with migrations/postgres/0017_data_rights.sql.
--
-- Deleting a customer keeps the books true: the customer row, their ledger entries, bills and
-- operations stay (amounts, kinds and links never change), but what says who they were goes.
-- The row's name becomes "Deleted customer #id" and its phone and nickname NULL (`deleted_at`).
-- Two booked records hold free text that can name a person, so each gains a one-way redaction:
-- a ledger entry's `note` may be set to NULL once, with `redacted_at` (everything else of the
-- entry stays refused by the trigger), and an operation's stored `outcome` may be replaced once
-- by the JSON string "redacted", with `redacted_at`. A message keeps its row and ids when its
-- body, transcript and options are cleared (`redacted_at`), by a deletion or by the retention.

ALTER TABLE customers ADD COLUMN deleted_at INTEGER;
ALTER TABLE messages ADD COLUMN redacted_at INTEGER;
ALTER TABLE ledger_entries ADD COLUMN redacted_at INTEGER;
ALTER TABLE operations ADD COLUMN redacted_at INTEGER;

-- The retention sweep reads messages not yet redacted, oldest first.
CREATE INDEX messages_unredacted_by_age ON messages (created_at) WHERE redacted_at IS NULL;

DROP TRIGGER ledger_entries_no_update;
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
WHEN NOT (OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL AND NEW.note IS NULL
    AND NEW.id IS OLD.id AND NEW.merchant_id IS OLD.merchant_id AND NEW.customer_id IS OLD.customer_id
    AND NEW.operation_id IS OLD.operation_id AND NEW.kind IS OLD.kind
    AND NEW.amount_paise IS OLD.amount_paise AND NEW.mode IS OLD.mode AND NEW.source IS OLD.source
    AND NEW.source_ref IS OLD.source_ref AND NEW.invoice_id IS OLD.invoice_id
    AND NEW.reverses_entry_id IS OLD.reverses_entry_id AND NEW.created_at IS OLD.created_at)
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only: only its note is redacted, once'); END;

DROP TRIGGER operations_booked_facts_are_fixed;
CREATE TRIGGER operations_booked_facts_are_fixed BEFORE UPDATE ON operations
WHEN NEW.id IS NOT OLD.id OR NEW.merchant_id IS NOT OLD.merchant_id OR NEW.kind IS NOT OLD.kind
    OR NEW.idempotency_key IS NOT OLD.idempotency_key OR NEW.source IS NOT OLD.source
    OR NEW.actor IS NOT OLD.actor OR NEW.created_at IS NOT OLD.created_at
    OR (NEW.redacted_at IS NOT OLD.redacted_at
        AND (OLD.redacted_at IS NOT NULL OR NEW.outcome IS NOT '"redacted"'))
    OR (NEW.outcome IS NOT OLD.outcome AND OLD.outcome <> '{}' AND NEW.redacted_at IS OLD.redacted_at)
    OR (NEW.undone_by IS NOT OLD.undone_by AND OLD.undone_by IS NOT NULL)
BEGIN SELECT RAISE(ABORT, 'operations keep what was booked: only outcome (once, and its redaction) and undone_by (once) are set later'); END;

-- A code sent to the owner's WhatsApp to confirm deleting one customer: bound to the request
-- that asked (SHA-256 of its random challenge), the code kept as an HMAC under the server key,
-- five tries in five minutes, used once.
CREATE TABLE deletion_codes (
    id INTEGER PRIMARY KEY,
    merchant_id INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    requested_by TEXT NOT NULL,
    challenge_hash TEXT NOT NULL UNIQUE CHECK (length(challenge_hash) = 64),
    code_hash TEXT NOT NULL CHECK (length(code_hash) = 64),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL CHECK (expires_at > created_at),
    used_at INTEGER,
    UNIQUE (merchant_id, id),
    FOREIGN KEY (merchant_id, customer_id) REFERENCES customers (merchant_id, id)
);

-- Who deleted which customer and when, and what went; nothing here names the person.
CREATE TABLE customer_deletions (
    id INTEGER PRIMARY KEY,
    merchant_id INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    requested_by TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('panel', 'cli')),
    messages_redacted INTEGER NOT NULL,
    recordings_purged INTEGER NOT NULL,
    reminders_cancelled INTEGER NOT NULL,
    pay_links_removed INTEGER NOT NULL,
    deleted_at INTEGER NOT NULL,
    UNIQUE (merchant_id, id),
    UNIQUE (merchant_id, customer_id),
    FOREIGN KEY (merchant_id, customer_id) REFERENCES customers (merchant_id, id)
);

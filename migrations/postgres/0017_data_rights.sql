-- Data rights: a customer deleted at the shop's request, and message texts that age out.
-- Keep in step with migrations/sqlite/0017_data_rights.sql.
--
-- Deleting a customer keeps the books true: the customer row, their ledger entries, bills and
-- operations stay (amounts, kinds and links never change), but what says who they were goes.
-- The row's name becomes "Deleted customer #id" and its phone and nickname NULL (`deleted_at`).
-- Two booked records hold free text that can name a person, so each gains a one-way redaction:
-- a ledger entry's `note` may be set to NULL once, with `redacted_at` (everything else of the
-- entry stays refused by the trigger), and an operation's stored `outcome` may be replaced once
-- by the JSON string "redacted", with `redacted_at`. A message keeps its row and ids when its
-- body, transcript and options are cleared (`redacted_at`), by a deletion or by the retention.

ALTER TABLE customers ADD COLUMN deleted_at BIGINT;
ALTER TABLE messages ADD COLUMN redacted_at BIGINT;
ALTER TABLE ledger_entries ADD COLUMN redacted_at BIGINT;
ALTER TABLE operations ADD COLUMN redacted_at BIGINT;

-- The retention sweep reads messages not yet redacted, oldest first.
CREATE INDEX messages_unredacted_by_age ON messages (created_at) WHERE redacted_at IS NULL;

CREATE OR REPLACE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL
        AND NEW.note IS NULL
        AND (NEW.id, NEW.merchant_id, NEW.customer_id, NEW.operation_id, NEW.kind, NEW.amount_paise,
             NEW.mode, NEW.source, NEW.source_ref, NEW.invoice_id, NEW.reverses_entry_id, NEW.created_at)
            IS NOT DISTINCT FROM
            (OLD.id, OLD.merchant_id, OLD.customer_id, OLD.operation_id, OLD.kind, OLD.amount_paise,
             OLD.mode, OLD.source, OLD.source_ref, OLD.invoice_id, OLD.reverses_entry_id, OLD.created_at)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'ledger_entries is append-only: only its note is redacted, once';
END;
$$;

CREATE OR REPLACE FUNCTION operations_booked_facts_are_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'operations is append-only';
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id OR NEW.merchant_id IS DISTINCT FROM OLD.merchant_id
        OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.idempotency_key IS DISTINCT FROM OLD.idempotency_key
        OR NEW.source IS DISTINCT FROM OLD.source OR NEW.actor IS DISTINCT FROM OLD.actor
        OR NEW.created_at IS DISTINCT FROM OLD.created_at
        OR (NEW.redacted_at IS DISTINCT FROM OLD.redacted_at
            AND (OLD.redacted_at IS NOT NULL OR NEW.outcome IS DISTINCT FROM '"redacted"'))
        OR (NEW.outcome IS DISTINCT FROM OLD.outcome AND OLD.outcome <> '{}'
            AND NEW.redacted_at IS NOT DISTINCT FROM OLD.redacted_at)
        OR (NEW.undone_by IS DISTINCT FROM OLD.undone_by AND OLD.undone_by IS NOT NULL) THEN
        RAISE EXCEPTION 'operations keep what was booked: only outcome (once, and its redaction) and undone_by (once) are set later';
    END IF;
    RETURN NEW;
END;
$$;

-- A code sent to the owner's WhatsApp to confirm deleting one customer: bound to the request
-- that asked (SHA-256 of its random challenge), the code kept as an HMAC under the server key,
-- five tries in five minutes, used once.
CREATE TABLE deletion_codes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merchant_id BIGINT NOT NULL,
    customer_id BIGINT NOT NULL,
    requested_by TEXT NOT NULL,
    challenge_hash TEXT NOT NULL UNIQUE CHECK (length(challenge_hash) = 64),
    code_hash TEXT NOT NULL CHECK (length(code_hash) = 64),
    attempts BIGINT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL CHECK (expires_at > created_at),
    used_at BIGINT,
    UNIQUE (merchant_id, id),
    FOREIGN KEY (merchant_id, customer_id) REFERENCES customers (merchant_id, id)
);

-- Who deleted which customer and when, and what went; nothing here names the person.
CREATE TABLE customer_deletions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merchant_id BIGINT NOT NULL,
    customer_id BIGINT NOT NULL,
    requested_by TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('panel', 'cli')),
    messages_redacted BIGINT NOT NULL,
    recordings_purged BIGINT NOT NULL,
    reminders_cancelled BIGINT NOT NULL,
    pay_links_removed BIGINT NOT NULL,
    deleted_at BIGINT NOT NULL,
    UNIQUE (merchant_id, id),
    UNIQUE (merchant_id, customer_id),
    FOREIGN KEY (merchant_id, customer_id) REFERENCES customers (merchant_id, id)
);

-- Tenant-scoped references and append-only history, PostgreSQL dialect.
-- Keep in step with migrations/sqlite/0006_tenant_scoped_references.sql.
--
-- Every remaining reference between a shop's rows becomes a composite foreign key
-- (merchant_id, x_id) -> x (merchant_id, id), so the database refuses a link to another shop's row:
--   operations.undone_by, ledger_entries.reverses_entry_id, reminders.operation_id,
--   reminders.message_id, messages.in_reply_to, recordings.message_id.
-- Adding a constraint validates the existing rows: a cross-shop link stops the migration.
--
-- Messages from strangers have no shop (merchant_id NULL). A reply with a shop must answer a
-- message of the same shop; a reply without a shop is not a tenant row and only has to answer an
-- existing message (the plain foreign key stays for it). A signup is keyed by phone and points at
-- the stranger's message that opened its shop, which belongs to no shop yet when the signup is
-- written: a trigger lets it point only at a message that is shop-less or the opened shop's.

-- operations: undone_by names the undoing operation of the same shop.
ALTER TABLE operations ADD CONSTRAINT operations_undone_by_same_shop
    FOREIGN KEY (merchant_id, undone_by) REFERENCES operations (merchant_id, id);

-- ledger_entries: a reversal reverses an entry of the same shop.
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_reverses_entry_id_fkey;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_reverses_same_shop
    FOREIGN KEY (merchant_id, reverses_entry_id) REFERENCES ledger_entries (merchant_id, id);

-- messages: (merchant_id, id) is unique so shop rows can point at a message of their own shop
-- (it replaces the messages_by_merchant index), and a shop's reply answers a message of that shop.
ALTER TABLE messages ADD CONSTRAINT messages_merchant_id_id_key UNIQUE (merchant_id, id);
DROP INDEX messages_by_merchant;
ALTER TABLE messages ADD CONSTRAINT messages_reply_same_shop
    FOREIGN KEY (merchant_id, in_reply_to) REFERENCES messages (merchant_id, id);

-- reminders: the booking that scheduled it and the message that sent it are the shop's own.
ALTER TABLE reminders ADD CONSTRAINT reminders_operation_same_shop
    FOREIGN KEY (merchant_id, operation_id) REFERENCES operations (merchant_id, id);
ALTER TABLE reminders ADD CONSTRAINT reminders_message_same_shop
    FOREIGN KEY (merchant_id, message_id) REFERENCES messages (merchant_id, id);

-- recordings: the archived voice note is a message of the same shop.
ALTER TABLE recordings DROP CONSTRAINT recordings_message_id_fkey;
ALTER TABLE recordings ADD CONSTRAINT recordings_message_same_shop
    FOREIGN KEY (merchant_id, message_id) REFERENCES messages (merchant_id, id);

-- signups: the opening message is the stranger's (no shop yet) or already the opened shop's.
CREATE FUNCTION signups_message_of_shop() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.message_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM messages m WHERE m.id = NEW.message_id
        AND m.merchant_id IS NOT NULL AND m.merchant_id IS DISTINCT FROM NEW.merchant_id
    ) THEN
        RAISE EXCEPTION 'signups.message_id belongs to another shop' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER signups_message_of_shop BEFORE INSERT OR UPDATE OF merchant_id, message_id ON signups
FOR EACH ROW EXECUTE FUNCTION signups_message_of_shop();
-- Existing signups must keep the same promise.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM signups s JOIN messages m ON m.id = s.message_id
               WHERE m.merchant_id IS NOT NULL AND m.merchant_id IS DISTINCT FROM s.merchant_id) THEN
        RAISE EXCEPTION 'a signup points at another shop''s message; fix it before migrating';
    END IF;
END;
$$;

-- Append-only stock history, like the ledger.
CREATE FUNCTION stock_movements_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'stock_movements is append-only';
END;
$$;
CREATE TRIGGER stock_movements_no_change BEFORE UPDATE OR DELETE ON stock_movements
FOR EACH ROW EXECUTE FUNCTION stock_movements_append_only();

-- An operation's booked facts never change. Two columns are written after the row: `outcome`
-- once, from the '{}' it is inserted with, when the booking finishes in the same transaction; and
-- `undone_by` once, from NULL, when the booking is undone or its bill cancelled.
CREATE FUNCTION operations_booked_facts_are_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'operations is append-only';
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id OR NEW.merchant_id IS DISTINCT FROM OLD.merchant_id
        OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.idempotency_key IS DISTINCT FROM OLD.idempotency_key
        OR NEW.source IS DISTINCT FROM OLD.source OR NEW.actor IS DISTINCT FROM OLD.actor
        OR NEW.created_at IS DISTINCT FROM OLD.created_at
        OR (NEW.outcome IS DISTINCT FROM OLD.outcome AND OLD.outcome <> '{}')
        OR (NEW.undone_by IS DISTINCT FROM OLD.undone_by AND OLD.undone_by IS NOT NULL) THEN
        RAISE EXCEPTION 'operations keep what was booked: only outcome (once) and undone_by (once) are set later';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER operations_booked_facts_are_fixed BEFORE UPDATE OR DELETE ON operations
FOR EACH ROW EXECUTE FUNCTION operations_booked_facts_are_fixed();

-- TRUNCATE skips row triggers, so history also refuses it, statement by statement.
CREATE FUNCTION history_is_not_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: TRUNCATE is refused', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
FOR EACH STATEMENT EXECUTE FUNCTION history_is_not_truncated();
CREATE TRIGGER stock_movements_no_truncate BEFORE TRUNCATE ON stock_movements
FOR EACH STATEMENT EXECUTE FUNCTION history_is_not_truncated();
CREATE TRIGGER operations_no_truncate BEFORE TRUNCATE ON operations
FOR EACH STATEMENT EXECUTE FUNCTION history_is_not_truncated();

-- Execora's books, PostgreSQL dialect. Keep in step with migrations/sqlite/0001_books.sql.
-- Every business row carries merchant_id, and references between tenant rows go through
-- (merchant_id, id) so the database itself refuses a cross-merchant link.
-- All *_at columns are unix milliseconds, UTC. Money is integer paise; quantities are thousandths.

CREATE TABLE merchants (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL,
    locale TEXT NOT NULL DEFAULT 'hi-Latn' CHECK (locale IN ('hi-Latn', 'hi', 'en')),
    timezone TEXT NOT NULL DEFAULT 'Asia/Kolkata',
    upi_id TEXT,
    next_invoice_number BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);

CREATE TABLE merchant_phones (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merchant_id BIGINT NOT NULL REFERENCES merchants (id),
    phone TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'staff')),
    created_at BIGINT NOT NULL
);

CREATE TABLE customers (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merchant_id BIGINT NOT NULL REFERENCES merchants (id),
    name TEXT NOT NULL,
    phone TEXT,
    nickname TEXT,
    search_key TEXT NOT NULL,
    balance_paise BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    UNIQUE (merchant_id, id),
    UNIQUE (merchant_id, phone)
);
CREATE INDEX customers_by_key ON customers (merchant_id, search_key);

CREATE TABLE products (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merchant_id BIGINT NOT NULL REFERENCES merchants (id),
    name TEXT NOT NULL,
    search_key TEXT NOT NULL,
    unit TEXT NOT NULL,
    price_paise BIGINT NOT NULL CHECK (price_paise >= 0),
    stock_milli BIGINT NOT NULL DEFAULT 0,
    low_stock_milli BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (merchant_id, id),
    UNIQUE (merchant_id, search_key)
);

-- One row per booking action (payment, bill, stock change…): the unit of idempotency and undo.
CREATE TABLE operations (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merchant_id BIGINT NOT NULL REFERENCES merchants (id),
    kind TEXT NOT NULL,
    idempotency_key TEXT,
    source TEXT NOT NULL,
    actor TEXT,
    outcome TEXT NOT NULL DEFAULT '{}',
    undone_by BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (merchant_id, id),
    UNIQUE (merchant_id, idempotency_key)
);

CREATE TABLE invoices (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merchant_id BIGINT NOT NULL REFERENCES merchants (id),
    number BIGINT NOT NULL,
    customer_id BIGINT,
    operation_id BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('issued', 'cancelled')),
    total_paise BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    cancelled_at BIGINT,
    UNIQUE (merchant_id, id),
    UNIQUE (merchant_id, number),
    FOREIGN KEY (merchant_id, customer_id) REFERENCES customers (merchant_id, id),
    FOREIGN KEY (merchant_id, operation_id) REFERENCES operations (merchant_id, id)
);
CREATE INDEX invoices_by_customer ON invoices (merchant_id, customer_id, id);
CREATE INDEX invoices_by_time ON invoices (merchant_id, created_at);

CREATE TABLE invoice_items (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merchant_id BIGINT NOT NULL,
    invoice_id BIGINT NOT NULL,
    product_id BIGINT,
    product_name TEXT NOT NULL,
    qty_milli BIGINT NOT NULL CHECK (qty_milli > 0),
    unit TEXT NOT NULL,
    unit_price_paise BIGINT NOT NULL CHECK (unit_price_paise >= 0),
    line_total_paise BIGINT NOT NULL,
    FOREIGN KEY (merchant_id, invoice_id) REFERENCES invoices (merchant_id, id),
    FOREIGN KEY (merchant_id, product_id) REFERENCES products (merchant_id, id)
);
CREATE INDEX invoice_items_by_invoice ON invoice_items (merchant_id, invoice_id);

-- Append-only: amount_paise > 0 means the customer owes more, < 0 means less.
CREATE TABLE ledger_entries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merchant_id BIGINT NOT NULL,
    customer_id BIGINT NOT NULL,
    operation_id BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('sale', 'payment', 'credit', 'reversal')),
    amount_paise BIGINT NOT NULL CHECK (amount_paise <> 0),
    mode TEXT CHECK (mode IN ('cash', 'upi', 'card', 'bank', 'cheque')),
    source TEXT NOT NULL,
    source_ref TEXT,
    invoice_id BIGINT,
    reverses_entry_id BIGINT UNIQUE REFERENCES ledger_entries (id),
    note TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (merchant_id, id),
    FOREIGN KEY (merchant_id, customer_id) REFERENCES customers (merchant_id, id),
    FOREIGN KEY (merchant_id, operation_id) REFERENCES operations (merchant_id, id),
    FOREIGN KEY (merchant_id, invoice_id) REFERENCES invoices (merchant_id, id)
);
CREATE INDEX ledger_by_customer ON ledger_entries (merchant_id, customer_id, id);
CREATE INDEX ledger_by_time ON ledger_entries (merchant_id, created_at);

CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger_entries is append-only';
END;
$$;
CREATE TRIGGER ledger_entries_no_change BEFORE UPDATE OR DELETE ON ledger_entries
FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();

-- Append-only history of stock; products.stock_milli is its running total.
CREATE TABLE stock_movements (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merchant_id BIGINT NOT NULL,
    product_id BIGINT NOT NULL,
    operation_id BIGINT NOT NULL,
    delta_milli BIGINT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('sale', 'restock', 'adjustment', 'reversal')),
    created_at BIGINT NOT NULL,
    FOREIGN KEY (merchant_id, product_id) REFERENCES products (merchant_id, id),
    FOREIGN KEY (merchant_id, operation_id) REFERENCES operations (merchant_id, id)
);
CREATE INDEX stock_movements_by_product ON stock_movements (merchant_id, product_id, id);

CREATE TABLE reminders (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merchant_id BIGINT NOT NULL,
    customer_id BIGINT NOT NULL,
    operation_id BIGINT,
    amount_paise BIGINT,
    due_at BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'sending', 'sent', 'delivered', 'read', 'failed', 'cancelled')),
    message_id BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (merchant_id, id),
    FOREIGN KEY (merchant_id, customer_id) REFERENCES customers (merchant_id, id)
);
CREATE INDEX reminders_due ON reminders (status, due_at);
CREATE INDEX reminders_by_customer ON reminders (merchant_id, customer_id);

-- Every WhatsApp (or sandbox/chat) message in or out. merchant_id is NULL for unknown senders.
CREATE TABLE messages (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merchant_id BIGINT REFERENCES merchants (id),
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    wa_message_id TEXT UNIQUE,
    peer TEXT NOT NULL,
    peer_user_id TEXT,
    kind TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    transcript TEXT,
    media_id TEXT,
    status TEXT NOT NULL,
    error_code BIGINT,
    error_title TEXT,
    in_reply_to BIGINT REFERENCES messages (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX messages_by_merchant ON messages (merchant_id, id);
CREATE INDEX messages_by_peer ON messages (peer, id);

-- Per-sender conversation state (active customer, pending question, last booking), as JSON.
CREATE TABLE dialog_states (
    merchant_id BIGINT NOT NULL REFERENCES merchants (id),
    sender TEXT NOT NULL,
    state TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (merchant_id, sender)
);

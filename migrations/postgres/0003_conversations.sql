-- The message a customer replied to (WhatsApp's context id), so their reply finds its shop.
ALTER TABLE messages ADD COLUMN context_id TEXT;

-- Open signup: a phone that asked to open a shop, and the shop it opened (with the message that
-- opened it, so a retried job repeats the welcome instead of opening a second shop).
CREATE TABLE signups (
    phone TEXT PRIMARY KEY,
    state TEXT NOT NULL CHECK (state IN ('awaiting_name', 'opened')),
    merchant_id BIGINT REFERENCES merchants (id),
    message_id BIGINT REFERENCES messages (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

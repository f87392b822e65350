-- Pay links: a customer's own page of dues, reached by an unguessable token.
-- Keep in step with migrations/postgres/0008_pay_links.sql.
--
-- Only the SHA-256 of a token is stored (64 hex digits), so a copy of the database does not hold
-- a single working link. A link belongs to one shop and one of that shop's customers (the
-- composite key refuses another shop's customer) and works until `expires_at` (unix ms).
CREATE TABLE pay_links (
    id INTEGER PRIMARY KEY,
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    customer_id INTEGER NOT NULL,
    token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL CHECK (expires_at > created_at),
    UNIQUE (merchant_id, id),
    FOREIGN KEY (merchant_id, customer_id) REFERENCES customers (merchant_id, id)
);
CREATE INDEX pay_links_by_customer ON pay_links (merchant_id, customer_id, expires_at);

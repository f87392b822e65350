-- Operator accounts: the service's own people, who see every shop on the panel, read-only.
-- Keep in step with migrations/postgres/0013_operators.sql.
--
-- A password is stored as its argon2id PHC string (salt and parameters included); an operator
-- is added with `execora admin add`. Operator sessions are apart from the shops' panel_sessions:
-- they belong to no shop, and only the SHA-256 of the cookie's token is stored.
CREATE TABLE operators (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE operator_sessions (
    id INTEGER PRIMARY KEY,
    operator_id INTEGER NOT NULL REFERENCES operators (id),
    token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL CHECK (expires_at > created_at),
    revoked_at INTEGER
);

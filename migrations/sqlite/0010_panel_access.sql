-- The panel's logins: one-time codes sent over WhatsApp, and the sessions they open.
-- Keep in step with migrations/postgres/0010_panel_access.sql.
--
-- A code row belongs to one login attempt in one browser: `challenge_hash` is the SHA-256 of a
-- random token kept in that browser's cookie, `code_hash` the HMAC-SHA256 of the six digits under
-- a server secret that is not in the database (a copy of this table cannot be brute-forced offline:
-- a million codes are nothing to hash, a secret key is). At most five tries, five minutes.
-- A number that is no shop's gets a row too, with no shop and a code nobody was sent, so that
-- asking for a code and trying one answer alike whether a number is registered or not.
CREATE TABLE login_codes (
    id INTEGER PRIMARY KEY,
    merchant_id INTEGER REFERENCES merchants (id),
    phone TEXT NOT NULL,
    challenge_hash TEXT NOT NULL UNIQUE CHECK (length(challenge_hash) = 64),
    code_hash TEXT NOT NULL CHECK (length(code_hash) = 64),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL CHECK (expires_at > created_at),
    used_at INTEGER
);
CREATE INDEX login_codes_by_phone ON login_codes (phone, created_at);

-- A signed-in browser. Only the SHA-256 of its cookie's token is stored. The role is not stored:
-- it is read from merchant_phones on every request, so a phone taken off the shop loses access.
CREATE TABLE panel_sessions (
    id INTEGER PRIMARY KEY,
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    phone TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL CHECK (expires_at > created_at),
    revoked_at INTEGER,
    UNIQUE (merchant_id, id)
);
CREATE INDEX panel_sessions_by_merchant ON panel_sessions (merchant_id, expires_at);

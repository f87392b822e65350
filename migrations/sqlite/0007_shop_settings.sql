-- Shop settings the dialog enforces. Keep in step with migrations/postgres/0007_shop_settings.sql.
-- One row per shop, written by `execora merchant set`; a shop without a row has the defaults
-- (₹50,000 asks before booking, staff may cancel a bill for 24 hours).
CREATE TABLE merchant_settings (
    merchant_id INTEGER PRIMARY KEY REFERENCES merchants (id),
    large_amount_paise INTEGER NOT NULL DEFAULT 5000000 CHECK (large_amount_paise > 0),
    cancel_window_minutes INTEGER NOT NULL DEFAULT 1440 CHECK (cancel_window_minutes >= 0),
    updated_at INTEGER NOT NULL
);

-- Each shop's quiet hours, and what the pipeline understood of each inbound message.
-- Keep in step with migrations/postgres/0016_quiet_hours_and_readings.sql.
--
-- `quiet_from_minute`/`quiet_until_minute`: minutes after the shop's local midnight between which
-- no reminder reaches a customer (21:00-09:00 unless the owner chose otherwise); a start later
-- than the end crosses midnight. `messages.understood`: the parser's reading of an inbound
-- message as the contract prints it (`{"commands": [...], "confident": ...}`), written when the
-- pipeline handles it; NULL for messages nobody read (outbound, customers', refused).
ALTER TABLE merchant_settings ADD COLUMN quiet_from_minute INTEGER NOT NULL DEFAULT 1260
    CHECK (quiet_from_minute >= 0 AND quiet_from_minute < 1440);
ALTER TABLE merchant_settings ADD COLUMN quiet_until_minute INTEGER NOT NULL DEFAULT 540
    CHECK (quiet_until_minute >= 0 AND quiet_until_minute < 1440);
ALTER TABLE messages ADD COLUMN understood TEXT;

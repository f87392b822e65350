-- Reminders sent side by side (issue #13): claims of due reminders, from any task or process,
-- take turns on the one row of reminder_claim_lock (an UPDATE locks it until the claim commits
-- on PostgreSQL; SQLite's one writer already serialises them), so the shop's daily cap and "once
-- a day per customer", decided inside the claim, hold however many senders run.
-- Keep in step with the other dialect's 0015_send_budget.sql.
CREATE TABLE reminder_claim_lock (
    id BIGINT PRIMARY KEY,
    claimed_at BIGINT NOT NULL
);
INSERT INTO reminder_claim_lock (id, claimed_at) VALUES (1, 0);
-- The policy counts a shop's reminders being sent and sent today on every claim.
CREATE INDEX reminders_sending ON reminders (merchant_id, customer_id) WHERE status = 'sending';
CREATE INDEX reminder_events_sent ON reminder_events (merchant_id, at) WHERE kind = 'sent';

-- Delivery statuses that arrived before the send they are about was recorded: Meta can call the
-- webhook with "sent", "delivered" or "read" (or "failed") for a reply before the sender has
-- written the reply's wamid, and such a status, matching no message, was acknowledged and lost.
-- It waits here; recording the send applies it (`messages::mark_sent`), and an hourly sweep
-- applies what a race left behind and forgets, after a week, statuses of messages we never sent.
CREATE TABLE early_statuses (
    wa_message_id TEXT NOT NULL,
    status TEXT NOT NULL,
    error_code BIGINT,
    error_title TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX early_statuses_by_wamid ON early_statuses (wa_message_id);
CREATE INDEX early_statuses_by_age ON early_statuses (at);
-- Keep in step with the other dialect's 0025_early_statuses.sql.

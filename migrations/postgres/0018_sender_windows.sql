-- Each sender's per-minute message window, shared by every `execora serve` process on the
-- database: the inbox places a new message in its sender's window in the transaction that
-- stores it (engine/src/senders.rs), so a sender gets the limit once, not once per process.
-- Keyed by the sender (a WhatsApp id), not by shop: strangers have no shop, and the limit is
-- the sender's whichever shop they write to.
-- Keep in step with the other dialect's 0018_sender_windows.sql.
CREATE TABLE sender_windows (
    peer TEXT PRIMARY KEY,
    -- unix ms: when the sender's current run of windows started
    started_at BIGINT NOT NULL,
    -- places taken since started_at, the last ones possibly in windows still to come
    used BIGINT NOT NULL,
    -- unix ms: when the sender was last told to slow down
    noticed_at BIGINT
);

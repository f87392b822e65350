-- Who holds an inbound message's claim, and whether it is still alive: each running inbound
-- worker (one per `execora serve` process run, a new one after each restart) has a row here
-- that it touches every few seconds, and every claim names its worker. A claim whose worker
-- has gone silent is put back in line within seconds, instead of after the five minutes a
-- claim's age alone needed (a process killed mid-message held its message that long).
-- Keep in step with the other dialect's 0020_claim_leases.sql.
CREATE TABLE claimants (
    id TEXT PRIMARY KEY,
    -- unix ms
    started_at INTEGER NOT NULL,
    -- unix ms: the worker's last sign of life
    seen_at INTEGER NOT NULL
);
ALTER TABLE messages ADD COLUMN claimed_by TEXT;
-- The id of the webhook request that delivered an arriving message (`x-request-id`), so the
-- worker's log lines for it carry the same request id as the webhook's.
ALTER TABLE messages ADD COLUMN request_id TEXT;
-- Arriving messages are answered in order per sender: a claim looks for an earlier message of
-- the same sender still waiting or in work. Only those rows are in this index, so it stays the
-- size of the queue, not of the history.
CREATE INDEX messages_pending_by_peer ON messages (peer, id)
    WHERE direction = 'in' AND status IN ('received', 'deferred', 'processing');
-- The queue itself in arrival order: a claim walks the waiting messages by id and stops at the
-- first whose sender is free, instead of sorting every waiting message (a backlog of 17,000
-- made each claim cost seconds without it).
CREATE INDEX messages_waiting_in_order ON messages (id)
    WHERE direction = 'in' AND status IN ('received', 'deferred');

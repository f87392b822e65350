-- The queues' indexes, each serving only its own direction.
--
-- The reply sender claims the oldest queued outbound message: `ORDER BY id LIMIT 1` over the
-- queued ones. PostgreSQL answered it by walking the primary key from the oldest message of all
-- and filtering (9 ms a claim at 66,000 messages, growing with the history: in a soak the
-- sender's claim was the database's largest cost, 11 ms on average); SQLite sorted every queued
-- row. This index holds only the queue, in id order, so a claim reads its first row.
CREATE INDEX messages_queued_in_order ON messages (id)
    WHERE direction = 'out' AND status = 'queued';
-- The outbox's index was on (direction, status, …) for both directions, and so the cheapest-looking
-- way, to a planner whose statistics lag a fast-growing inbound queue, to answer "does this sender
-- have a message pending": it read every pending message for each one the inbound claim walked
-- (90 ms a claim with 10,000 waiting). Kept for outbound messages only, the sender's own rows are
-- found through `messages_pending_by_peer`.
DROP INDEX messages_outbox;
CREATE INDEX messages_outbox ON messages (status, next_attempt_at) WHERE direction = 'out';
-- Whether a sender has a message in work (the inbound claim's second question): only the few
-- messages being processed, so the answer never reads the sender's backlog.
CREATE INDEX messages_processing_by_peer ON messages (peer)
    WHERE direction = 'in' AND status = 'processing';
-- Dead inbound messages, counted for /metrics and listed by `execora inbox --dead`.
CREATE INDEX messages_dead_in ON messages (id) WHERE direction = 'in' AND status = 'dead';
-- Keep in step with the other dialect's 0022_outbound_queue_order.sql (PostgreSQL also tunes autovacuum).

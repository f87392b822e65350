-- The reply sender claims the oldest queued outbound message: `ORDER BY id LIMIT 1` over the
-- queued ones. PostgreSQL answered it by walking the primary key from the oldest message of all
-- and filtering (9 ms a claim at 66,000 messages, growing with the history: in a soak the
-- sender's claim was the database's largest cost, 11 ms on average); SQLite sorted every queued
-- row. This index holds only the queue, in id order, so a claim reads its first row.
-- Keep in step with the other dialect's 0022_outbound_queue_order.sql.
CREATE INDEX messages_queued_in_order ON messages (id)
    WHERE direction = 'out' AND status = 'queued';

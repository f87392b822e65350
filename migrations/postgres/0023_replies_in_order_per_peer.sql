-- The reply sender works on several replies at once, and a customer's or a shop's replies must
-- still reach them in the order they were written: a reply is claimed only when no earlier one to
-- the same number is queued or being sent. This index holds only those unsent replies, by number
-- and id, so that question reads one or two rows however long the history to that number is
-- (`messages_out_by_peer` holds every reply ever sent).
CREATE INDEX messages_unsent_by_peer ON messages (peer, id)
    WHERE direction = 'out' AND status IN ('queued', 'sending');
-- Keep in step with the other dialect's 0023_replies_in_order_per_peer.sql.

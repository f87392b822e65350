-- One waiting shop-wide automatic reminder per customer, whichever process books it: two
-- `execora serve` processes running the shop round at once on PostgreSQL (read committed) could
-- both see none waiting and both book one; the second insert now fails and is skipped.
-- Keep in step with the other dialect's 0014_one_shop_round_reminder.sql.
-- Duplicates such a race already left are cancelled first (the oldest one stands).
UPDATE reminders SET status = 'cancelled'
WHERE recurrence = 'shop' AND status = 'scheduled'
  AND id NOT IN (SELECT MIN(id) FROM reminders WHERE recurrence = 'shop'
                 AND status IN ('scheduled', 'sending') GROUP BY merchant_id, customer_id);
CREATE UNIQUE INDEX reminders_one_waiting_shop_round ON reminders (merchant_id, customer_id)
    WHERE recurrence = 'shop' AND status IN ('scheduled', 'sending');

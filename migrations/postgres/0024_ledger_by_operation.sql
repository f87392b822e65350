-- An operation's entries, found by the operation: an undo reverses them (`ledger::reverse_operation_entries`)
-- and the ledger's foreign key to `operations` checks them. Without this index both read every
-- entry of the shop (the best SQLite could do was `ledger_by_time` on the shop alone), a cost
-- that grows with the shop's history.
CREATE INDEX ledger_by_operation ON ledger_entries (merchant_id, operation_id);
-- Keep in step with the other dialect's 0024_ledger_by_operation.sql.

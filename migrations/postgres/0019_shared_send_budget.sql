-- The business number's send throughput, shared by every `execora serve` process on one
-- PostgreSQL (engine::send_budget; SQLite, served by one process, keeps an in-memory limiter but
-- has the table too, so both dialects share the schema): per number, the current second (unix
-- seconds) and how many messages have been handed out in it; `granted` is what the last take got
-- (read back by its RETURNING). A row's second only ever moves forward.
-- Keep in step with the other dialect's 0019_shared_send_budget.sql.
CREATE TABLE send_budget (
    number TEXT PRIMARY KEY,
    second BIGINT NOT NULL,
    used BIGINT NOT NULL,
    granted BIGINT NOT NULL
);

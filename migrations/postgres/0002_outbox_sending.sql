-- The outbox as the sender's queue: tries so far, when to try again, and a question's reply buttons.
ALTER TABLE messages ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN next_attempt_at BIGINT;
ALTER TABLE messages ADD COLUMN options TEXT;
CREATE INDEX messages_outbox ON messages (direction, status, next_attempt_at);

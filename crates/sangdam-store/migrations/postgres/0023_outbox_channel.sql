-- The outbox serves lanes: each message says how it goes out, and each sender claims only its
-- own lane from the one lease-based queue. Email is the only lane so far; another (a text
-- message) widens the check and adds a sender, not another queue.

ALTER TABLE mail_outbox ADD COLUMN channel TEXT NOT NULL DEFAULT 'email' CHECK (channel IN ('email'));
DROP INDEX mail_outbox_due;
CREATE INDEX mail_outbox_due ON mail_outbox (channel, status, next_attempt_at);

-- icpdesk schema 3. filings.returns numbers each return of a filing: its
-- reminders and overdue notice are keyed by it, so a second return (even one
-- recorded with the same time) starts new ones. mailbox_checkpoints.caught_up_at
-- is when the watcher last had every message at the server recorded: the
-- deadline sweep does not flag a filing overdue past it, so a resubmission
-- that arrived in time but was not read yet is never called late.

ALTER TABLE filings ADD COLUMN returns INTEGER NOT NULL DEFAULT 0;
UPDATE filings SET returns = 1 WHERE returned_at IS NOT NULL;
ALTER TABLE mailbox_checkpoints ADD COLUMN caught_up_at TIMESTAMPTZ;

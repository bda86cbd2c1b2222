-- icpdesk schema 6: claims that a dead process cannot hold for long, bounce
-- tokens, one run per schedule tick, and the mailbox holder's status.
--
-- An outbox claim is held by a named worker (claimed_by) for a short lease
-- that the worker renews while it sends. The next claim of any worker takes
-- back a claim whose lease ran out, oldest first, through outbox_claims_idx.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
CREATE INDEX outbox_claims_idx ON outbox (lease_until, id) WHERE status = 'sending';

-- VERP: a random token per email, put in its envelope sender when
-- [smtp] bounce_address is set, so that a bounce names the email it is about
-- and cannot be forged by quoting a Message-ID. Emails not sent yet get one now.
ALTER TABLE outbox ADD COLUMN bounce_token TEXT NOT NULL DEFAULT '';
UPDATE outbox SET bounce_token = replace(gen_random_uuid()::text, '-', '') WHERE status IN ('queued', 'sending');
CREATE UNIQUE INDEX outbox_bounce_token_idx ON outbox (bounce_token) WHERE bounce_token <> '';

-- A scheduled run records its (job, tick) before it starts: with several
-- replicas, the first to record a tick runs it and the others skip it.
-- Runs started by hand have no tick.
ALTER TABLE job_runs ADD COLUMN tick TIMESTAMPTZ;
ALTER TABLE job_runs ADD COLUMN runner TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX job_runs_tick_idx ON job_runs (job, tick);

-- The replica holding a mailbox writes its IMAP status here every few
-- seconds, so a standby's /readyz can report it.
CREATE TABLE mailbox_status (
    mailbox       TEXT PRIMARY KEY,
    holder        TEXT NOT NULL,
    connected     BOOLEAN NOT NULL,
    mode          TEXT NOT NULL DEFAULT '',
    last_pass     TIMESTAMPTZ,
    last_error    TEXT NOT NULL DEFAULT '',
    last_error_at TIMESTAMPTZ,
    updated_at    TIMESTAMPTZ NOT NULL
);

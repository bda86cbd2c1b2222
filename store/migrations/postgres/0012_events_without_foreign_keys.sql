-- icpdesk schema 12 (issue 14): events no longer carry foreign keys.
--
-- Filings and accounts are never deleted, and every event names a filing
-- or account read in its own transaction: the checks proved nothing, yet
-- each one locked the row it named (FOR KEY SHARE: a write of the row's
-- header and a WAL record), and so did the locks taken before them to
-- keep the event clock the last lock awaited. Every email marked sent paid
-- for both on the mailer's sending path, as did every event of an ingest
-- batch. Without the checks, no filing or account is locked for an event.
ALTER TABLE events DROP CONSTRAINT IF EXISTS events_filing_id_fkey;
ALTER TABLE events DROP CONSTRAINT IF EXISTS events_account_id_fkey;

CREATE OR REPLACE FUNCTION email_sent_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    seq_now BIGINT;
BEGIN
    UPDATE event_clock SET seq = seq + 1 WHERE id = 1 RETURNING seq INTO seq_now;
    INSERT INTO events (filing_id, account_id, actor, actor_name, action, details, created_at, commit_seq)
        VALUES (NEW.filing_id, NEW.account_id, 'mailer', '', 'email_sent',
                jsonb_build_object('outbox_id', NEW.id, 'kind', NEW.kind), NEW.sent_at, seq_now);
    RETURN NULL;
END
$$;

-- icpdesk schema 10 (issue 14): fewer writes per message and per email.
--
-- inbound_moves rows are only ever inserted from a SELECT of the message
-- they note, and messages are never deleted:
-- the foreign key proved nothing, and its check locked each message's row
-- (FOR KEY SHARE: a write of the row's header and a WAL record per moved
-- message, thousands a backlog pass).
ALTER TABLE inbound_moves DROP CONSTRAINT IF EXISTS inbound_moves_inbound_id_fkey;

-- An email marked sent wrote its email_sent event, then stamped it with the
-- commit number: the event row and its four index entries were written
-- twice, on the mailer's sending path. It is now written once, stamped:
-- the rows its foreign keys name are locked first (as the checks lock
-- them), then the clock, so the clock stays the last lock awaited. Other
-- events of the transaction are stamped at its end (Tx.finishEvents).
CREATE OR REPLACE FUNCTION email_sent_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    seq_now BIGINT;
BEGIN
    PERFORM 1 FROM filings WHERE id = NEW.filing_id FOR KEY SHARE;
    PERFORM 1 FROM accounts WHERE id = NEW.account_id FOR KEY SHARE;
    UPDATE event_clock SET seq = seq + 1 WHERE id = 1 RETURNING seq INTO seq_now;
    INSERT INTO events (filing_id, account_id, actor, actor_name, action, details, created_at, commit_seq)
        VALUES (NEW.filing_id, NEW.account_id, 'mailer', '', 'email_sent',
                jsonb_build_object('outbox_id', NEW.id, 'kind', NEW.kind), NEW.sent_at, seq_now);
    RETURN NULL;
END
$$;

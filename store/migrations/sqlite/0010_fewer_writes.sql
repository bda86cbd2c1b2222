-- icpdesk schema 10 (issue 14): fewer writes per message and per email.
--
-- inbound_moves rows are only ever inserted from a SELECT of the message
-- they note, and messages are never deleted:
-- the foreign key proved nothing and cost a lookup per moved message.
-- SQLite drops a constraint by rebuilding the table.
CREATE TABLE inbound_moves_new (
    inbound_id BIGINT PRIMARY KEY,
    moved_at   DATETIME NOT NULL
);
INSERT INTO inbound_moves_new (inbound_id, moved_at) SELECT inbound_id, moved_at FROM inbound_moves;
DROP TABLE inbound_moves;
ALTER TABLE inbound_moves_new RENAME TO inbound_moves;

-- An email marked sent writes its email_sent event once, already stamped
-- with the next commit number, rather than writing and then stamping it.
-- Other events of the transaction are stamped at its end.
DROP TRIGGER outbox_sent_event;
CREATE TRIGGER outbox_sent_event AFTER UPDATE OF status ON outbox
WHEN NEW.status = 'sent' AND OLD.status <> 'sent'
BEGIN
    UPDATE event_clock SET seq = seq + 1 WHERE id = 1;
    INSERT INTO events (filing_id, account_id, actor, actor_name, action, details, created_at, commit_seq)
        VALUES (NEW.filing_id, NEW.account_id, 'mailer', '', 'email_sent',
                json_object('outbox_id', NEW.id, 'kind', NEW.kind), NEW.sent_at,
                (SELECT seq FROM event_clock WHERE id = 1));
END;

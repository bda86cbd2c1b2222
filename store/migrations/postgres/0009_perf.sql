-- icpdesk schema 9 (issue 14; numbered 0007 on the perf branch, 0009 once
-- merged). A received message's row is written once: noting that it was
-- moved out of the mailbox no longer rewrites it (moved_at was in a partial
-- index's predicate, so the update wrote a new copy of the row and of every
-- index entry) but adds a small row here.
CREATE TABLE inbound_moves (
    inbound_id BIGINT PRIMARY KEY REFERENCES inbound_messages (id),
    moved_at   TIMESTAMPTZ NOT NULL
);
INSERT INTO inbound_moves (inbound_id, moved_at)
    SELECT id, moved_at FROM inbound_messages WHERE moved_at IS NOT NULL;
DROP INDEX inbound_unmoved_idx;
ALTER TABLE inbound_messages DROP COLUMN moved_at;

-- No query reads inbound_messages by decision and time: the unlinked list
-- (filing_id IS NULL) uses inbound_filing_idx, and every index is written
-- for each message received.
DROP INDEX inbound_decision_idx;

-- The one query by sender counts the acknowledgements sent to it
-- (InboundAcksSince: ack = 'queued'); most messages get none, and need no
-- entry in this index.
DROP INDEX inbound_sender_idx;
CREATE INDEX inbound_acks_idx ON inbound_messages (sender, created_at) WHERE ack = 'queued';

-- icpdesk schema 2: what the inbox records beyond schema 1. Whether the
-- sender was the filing account's registered address; what became of the
-- acknowledgement (the per-sender hourly limit counts 'queued' ones); messages
-- too large to read, recorded from their headers for staff; attachment names;
-- the linker's note for staff ("ambiguous: BA-…, BA-…").

ALTER TABLE inbound_messages ADD COLUMN sender_verified BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE inbound_messages ADD COLUMN ack TEXT NOT NULL DEFAULT ''
    CHECK (ack IN ('', 'queued', 'rate_limited', 'suppressed'));
ALTER TABLE inbound_messages ADD COLUMN oversize BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE inbound_messages ADD COLUMN size BIGINT NOT NULL DEFAULT 0;
ALTER TABLE inbound_messages ADD COLUMN attachments TEXT NOT NULL DEFAULT '';
ALTER TABLE inbound_messages ADD COLUMN note TEXT NOT NULL DEFAULT '';

-- The acknowledgement limit counts a sender's recent messages.
CREATE INDEX inbound_sender_idx ON inbound_messages (sender, created_at);

-- Message text is stored for staff, about 20 KB a message: lz4 compresses it
-- several times faster than the default pglz, which in a backlog was a
-- third of the ingest time. Servers built without lz4 keep pglz.
DO $$
BEGIN
    ALTER TABLE inbound_messages ALTER COLUMN body_text SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    NULL;
END
$$;

-- icpdesk schema 4. The watcher's first pass on each connection looks up
-- the recorded messages not yet noted as moved out of the mailbox: those no
-- longer there were moved by a process that died before noting it.
CREATE INDEX inbound_unmoved_idx ON inbound_messages (mailbox, uidvalidity, uid) WHERE moved_at IS NULL;

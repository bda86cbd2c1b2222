-- icpdesk schema 14 (issue 14): the statement that marks emails sent
-- writes their email_sent events itself (Store.MarkSent), in the same
-- statement as before, so the mailer's round trip stays one. The trigger
-- that wrote them ran a PL/pgSQL function per email: about a tenth of the
-- mark (30 of 350 µs, measured alternating on an idle machine), and the
-- mark is the longest step on the sending path. Only MarkSent marks
-- emails sent.
DROP TRIGGER outbox_sent_event ON outbox;
DROP FUNCTION email_sent_event();

-- icpdesk schema 11 (issue 14): the applicant's own words are mostly the
-- start of the message's text (a message that quotes nothing), perhaps
-- after a line of their own subject, and were stored twice: a backlog of
-- such messages spent a quarter of its bytes, and of the database's work
-- on them, on the copy. When own_text_chars is above 0, the own words are
-- own_text followed by the first own_text_chars characters of body_text;
-- the store reads them back as before.
ALTER TABLE inbound_messages ADD COLUMN own_text_chars INTEGER NOT NULL DEFAULT 0;

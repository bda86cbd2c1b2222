-- icpdesk schema 14 (issue 14): on PostgreSQL the statement that marks
-- emails sent writes their events itself, where a trigger's PL/pgSQL
-- function did. SQLite's trigger is one more statement in process, with
-- no round trip or function call to save. Nothing changes here; the number
-- keeps both databases' schema versions in step.
SELECT 1;

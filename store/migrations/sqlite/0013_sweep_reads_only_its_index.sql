-- icpdesk schema 13 (issue 14): the deadline sweep's search reads only its
-- index. It reads id, reference and deadline of the filings past their
-- deadline, in deadline order; with reference in the index (SQLite has no
-- INCLUDE: it is a last key column), the search need not read the table.
DROP INDEX filings_awaiting_deadline_idx;
CREATE INDEX filings_awaiting_deadline_idx ON filings (deadline, id, reference)
    WHERE deadline IS NOT NULL AND NOT overdue;

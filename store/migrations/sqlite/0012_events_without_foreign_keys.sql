-- icpdesk schema 12 (issue 14): on PostgreSQL, events lose their foreign
-- keys, whose checks locked the filing and account of every event. SQLite
-- has no row locks: a check is one index lookup, and dropping it would
-- rebuild the events table. Nothing changes here; the number keeps both
-- databases' schema versions in step.
SELECT 1;

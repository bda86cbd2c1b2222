-- icpdesk schema 5 (SQLite): the same as the PostgreSQL schema 5. the staff work queue, what the inbox read in a message,
-- and the staff decisions off the happy path.
--
-- work_items holds everything icpdesk could not settle alone. Each item is
-- opened in the transaction of its cause and closed by the staff action that
-- resolves it; `cause` names what it is about, and one cause has at most one
-- open item.

CREATE TABLE work_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL CHECK (kind IN ('reply_needed', 'unmatched', 'unverified', 'unparseable', 'misread',
                    'late_resubmission', 'overdue', 'email_failed', 'bounce')),
    cause       TEXT NOT NULL,
    filing_id   BIGINT REFERENCES filings (id),
    account_id  BIGINT REFERENCES accounts (id),
    inbound_id  BIGINT REFERENCES inbound_messages (id),
    outbox_id   BIGINT REFERENCES outbox (id),
    details     TEXT NOT NULL DEFAULT '{}',
    opened_at   DATETIME NOT NULL,
    closed_at   DATETIME,
    closed_by   TEXT NOT NULL DEFAULT '',
    resolution  TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX work_items_open_cause_idx ON work_items (cause) WHERE closed_at IS NULL;
CREATE INDEX work_items_open_kind_idx ON work_items (kind, opened_at, id) WHERE closed_at IS NULL;
CREATE INDEX work_items_filing_idx ON work_items (filing_id) WHERE filing_id IS NOT NULL;
CREATE INDEX work_items_inbound_idx ON work_items (inbound_id) WHERE inbound_id IS NOT NULL;
CREATE INDEX work_items_outbox_idx ON work_items (outbox_id) WHERE outbox_id IS NOT NULL;

-- What the inbox read: the applicant's own words and the statements in
-- them, the sender authentication result, whether a person must answer,
-- the headers staff need to read and answer the message, attachments with
-- their types and sizes.
ALTER TABLE inbound_messages ADD COLUMN own_text TEXT NOT NULL DEFAULT '';
ALTER TABLE inbound_messages ADD COLUMN acts TEXT NOT NULL DEFAULT '';
ALTER TABLE inbound_messages ADD COLUMN authenticated TEXT NOT NULL DEFAULT ''
    CHECK (authenticated IN ('', 'pass', 'fail', 'none'));
ALTER TABLE inbound_messages ADD COLUMN auth_note TEXT NOT NULL DEFAULT '';
ALTER TABLE inbound_messages ADD COLUMN needs_reply BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE inbound_messages ADD COLUMN header_info TEXT NOT NULL DEFAULT '';
ALTER TABLE inbound_messages ADD COLUMN thread_refs TEXT NOT NULL DEFAULT '';
ALTER TABLE inbound_messages ADD COLUMN attachment_info TEXT NOT NULL DEFAULT '';

-- A filing can be closed (withdrawn, or a late resubmission declined); a
-- deadline can be extended, restarting reminders (extensions); a
-- resubmission keeps the deadline it ended (last_deadline) so it can be
-- undone. Staff may cancel an email that failed. SQLite cannot change a
-- CHECK constraint, so filings and outbox are rebuilt (the migration runs
-- with foreign keys off and checks them before committing).
CREATE TABLE filings_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    reference     TEXT NOT NULL UNIQUE,
    account_id    BIGINT NOT NULL REFERENCES accounts (id),
    subject_type  TEXT NOT NULL CHECK (subject_type IN ('enterprise', 'institution', 'government', 'school', 'social_org', 'individual')),
    subject_name  TEXT NOT NULL,
    website_name  TEXT NOT NULL,
    stage         TEXT NOT NULL CHECK (stage IN ('draft', 'provider_review', 'bureau_review', 'returned', 'approved', 'closed')),
    return_reason TEXT NOT NULL DEFAULT '',
    return_source TEXT NOT NULL DEFAULT '' CHECK (return_source IN ('', 'provider', 'bureau')),
    returned_at   DATETIME,
    deadline      DATETIME,
    overdue       BOOLEAN NOT NULL DEFAULT FALSE,
    late          BOOLEAN NOT NULL DEFAULT FALSE,
    icp_number    TEXT NOT NULL DEFAULT '',
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL,
    submitted_at  DATETIME,
    approved_at   DATETIME,
    returns       INTEGER NOT NULL DEFAULT 0,
    extensions    INTEGER NOT NULL DEFAULT 0,
    last_deadline DATETIME,
    close_reason  TEXT NOT NULL DEFAULT '' CHECK (close_reason IN ('', 'withdrawn', 'expired')),
    close_note    TEXT NOT NULL DEFAULT '',
    closed_at     DATETIME
);
INSERT INTO filings_new (id, reference, account_id, subject_type, subject_name, website_name, stage, return_reason,
    return_source, returned_at, deadline, overdue, late, icp_number, version, created_at, updated_at, submitted_at,
    approved_at, returns)
    SELECT id, reference, account_id, subject_type, subject_name, website_name, stage, return_reason,
    return_source, returned_at, deadline, overdue, late, icp_number, version, created_at, updated_at, submitted_at,
    approved_at, returns FROM filings;
DROP TABLE filings;
ALTER TABLE filings_new RENAME TO filings;
CREATE INDEX filings_account_idx ON filings (account_id);
CREATE INDEX filings_stage_idx ON filings (stage);
CREATE INDEX filings_awaiting_deadline_idx ON filings (deadline, id) WHERE deadline IS NOT NULL AND NOT overdue;
CREATE INDEX filings_icp_number_idx ON filings (icp_number) WHERE icp_number <> '';

CREATE TABLE outbox_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL,
    language        TEXT NOT NULL CHECK (language IN ('zh-CN', 'en')),
    recipient       TEXT NOT NULL,
    filing_id       BIGINT REFERENCES filings (id),
    account_id      BIGINT REFERENCES accounts (id),
    inbound_id      BIGINT REFERENCES inbound_messages (id),
    dedup_key       TEXT NOT NULL UNIQUE,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at DATETIME NOT NULL,
    lease_until     DATETIME,
    last_error      TEXT NOT NULL DEFAULT '',
    message_id      TEXT NOT NULL DEFAULT '',
    created_at      DATETIME NOT NULL,
    sent_at         DATETIME
);
INSERT INTO outbox_new SELECT id, kind, language, recipient, filing_id, account_id, inbound_id, dedup_key, payload,
    status, attempts, next_attempt_at, lease_until, last_error, message_id, created_at, sent_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at, id) WHERE status = 'queued';
CREATE INDEX outbox_message_id_idx ON outbox (message_id) WHERE message_id <> '';
CREATE INDEX outbox_filing_idx ON outbox (filing_id);
CREATE INDEX outbox_status_idx ON outbox (status, created_at);

-- What waited for staff before the queue existed becomes open items.
INSERT INTO work_items (kind, cause, filing_id, inbound_id, opened_at)
    SELECT CASE
               WHEN i.error LIKE 'unparseable%' OR i.error LIKE 'could not apply%' THEN 'unparseable'
               WHEN i.decision = 'unverified' THEN 'unverified'
               ELSE 'unmatched' END,
           CASE
               WHEN i.error LIKE 'unparseable%' OR i.error LIKE 'could not apply%' THEN 'unparseable'
               WHEN i.decision = 'unverified' THEN 'unverified'
               ELSE 'unmatched' END || ':inbound:' || i.id,
           i.filing_id, i.id, i.created_at
    FROM inbound_messages i
    WHERE i.decision IN ('unmatched', 'unverified') AND i.classification = 'human';
INSERT INTO work_items (kind, cause, filing_id, account_id, outbox_id, opened_at)
    SELECT 'email_failed', 'email_failed:outbox:' || o.id, o.filing_id, o.account_id, o.id, o.created_at
    FROM outbox o WHERE o.status = 'failed' AND o.kind NOT IN ('staff_alert', 'staff_digest');
INSERT INTO work_items (kind, cause, filing_id, account_id, outbox_id, opened_at)
    SELECT 'bounce', 'bounce:outbox:' || o.id, o.filing_id, o.account_id, o.id, o.created_at
    FROM outbox o WHERE o.status = 'bounced';
INSERT INTO work_items (kind, cause, filing_id, account_id, opened_at)
    SELECT 'overdue', 'overdue:filing:' || f.id || ':r' || f.returns || ':e0', f.id, f.account_id, f.updated_at
    FROM filings f WHERE f.overdue AND f.deadline IS NOT NULL;
INSERT INTO work_items (kind, cause, filing_id, account_id, opened_at)
    SELECT 'late_resubmission', 'late_resubmission:filing:' || f.id || ':r' || f.returns || ':e0', f.id, f.account_id, f.updated_at
    FROM filings f WHERE f.late AND f.stage = 'provider_review';

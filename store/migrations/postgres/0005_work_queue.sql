-- icpdesk schema 5: the staff work queue, what the inbox read in a message,
-- and the staff decisions off the happy path.
--
-- work_items holds everything icpdesk could not settle alone. Each item is
-- opened in the transaction of its cause and closed by the staff action that
-- resolves it; `cause` names what it is about, and one cause has at most one
-- open item.

CREATE TABLE work_items (
    id          BIGSERIAL PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('reply_needed', 'unmatched', 'unverified', 'unparseable', 'misread',
                    'late_resubmission', 'overdue', 'email_failed', 'bounce')),
    cause       TEXT NOT NULL,
    filing_id   BIGINT REFERENCES filings (id),
    account_id  BIGINT REFERENCES accounts (id),
    inbound_id  BIGINT REFERENCES inbound_messages (id),
    outbox_id   BIGINT REFERENCES outbox (id),
    details     JSONB NOT NULL DEFAULT '{}',
    opened_at   TIMESTAMPTZ NOT NULL,
    closed_at   TIMESTAMPTZ,
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
-- resubmission keeps the deadline it ended (last_deadline) so it can be undone.
ALTER TABLE filings DROP CONSTRAINT filings_stage_check;
ALTER TABLE filings ADD CONSTRAINT filings_stage_check
    CHECK (stage IN ('draft', 'provider_review', 'bureau_review', 'returned', 'approved', 'closed'));
ALTER TABLE filings ADD COLUMN extensions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE filings ADD COLUMN last_deadline TIMESTAMPTZ;
ALTER TABLE filings ADD COLUMN close_reason TEXT NOT NULL DEFAULT ''
    CHECK (close_reason IN ('', 'withdrawn', 'expired'));
ALTER TABLE filings ADD COLUMN close_note TEXT NOT NULL DEFAULT '';
ALTER TABLE filings ADD COLUMN closed_at TIMESTAMPTZ;

-- Staff may cancel an email that failed.
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
    CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'cancelled'));

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

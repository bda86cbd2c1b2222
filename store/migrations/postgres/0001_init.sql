-- icpdesk schema 1: accounts, filings, audit events, the outbox, the inbound
-- message log, mailbox checkpoints and job runs. All times are UTC TIMESTAMPTZ.

CREATE TABLE accounts (
    id            BIGSERIAL PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE CHECK (email = lower(email)),
    name          TEXT NOT NULL,
    language      TEXT NOT NULL CHECK (language IN ('zh-CN', 'en')),
    status        TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    customer      BOOLEAN NOT NULL DEFAULT FALSE,
    reject_reason TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE filings (
    id            BIGSERIAL PRIMARY KEY,
    reference     TEXT NOT NULL UNIQUE,
    account_id    BIGINT NOT NULL REFERENCES accounts (id),
    subject_type  TEXT NOT NULL CHECK (subject_type IN ('enterprise', 'institution', 'government', 'school', 'social_org', 'individual')),
    subject_name  TEXT NOT NULL,
    website_name  TEXT NOT NULL,
    stage         TEXT NOT NULL CHECK (stage IN ('draft', 'provider_review', 'bureau_review', 'returned', 'approved')),
    return_reason TEXT NOT NULL DEFAULT '',
    return_source TEXT NOT NULL DEFAULT '' CHECK (return_source IN ('', 'provider', 'bureau')),
    returned_at   TIMESTAMPTZ,
    deadline      TIMESTAMPTZ,
    overdue       BOOLEAN NOT NULL DEFAULT FALSE,
    late          BOOLEAN NOT NULL DEFAULT FALSE,
    icp_number    TEXT NOT NULL DEFAULT '',
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    submitted_at  TIMESTAMPTZ,
    approved_at   TIMESTAMPTZ
);
CREATE INDEX filings_account_idx ON filings (account_id);
CREATE INDEX filings_stage_idx ON filings (stage);
-- The deadline sweep and reminders read only filings awaiting resubmission.
CREATE INDEX filings_awaiting_deadline_idx ON filings (deadline, id) WHERE deadline IS NOT NULL AND NOT overdue;
CREATE INDEX filings_icp_number_idx ON filings (icp_number) WHERE icp_number <> '';

CREATE TABLE filing_persons (
    filing_id      BIGINT NOT NULL REFERENCES filings (id) ON DELETE CASCADE,
    role           TEXT NOT NULL CHECK (role IN ('legal_representative', 'subject_responsible', 'website_responsible')),
    name           TEXT NOT NULL,
    id_fingerprint TEXT NOT NULL,
    id_masked      TEXT NOT NULL,
    phone          TEXT NOT NULL DEFAULT '',
    email          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (filing_id, role)
);
CREATE INDEX filing_persons_fingerprint_idx ON filing_persons (id_fingerprint);

CREATE TABLE filing_domains (
    filing_id  BIGINT NOT NULL REFERENCES filings (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    name       TEXT NOT NULL,
    ascii      TEXT NOT NULL,
    registrant TEXT NOT NULL,
    PRIMARY KEY (filing_id, position)
);
CREATE INDEX filing_domains_ascii_idx ON filing_domains (ascii);

CREATE TABLE events (
    id         BIGSERIAL PRIMARY KEY,
    filing_id  BIGINT REFERENCES filings (id),
    account_id BIGINT REFERENCES accounts (id),
    actor      TEXT NOT NULL,
    actor_name TEXT NOT NULL DEFAULT '',
    action     TEXT NOT NULL,
    from_stage TEXT NOT NULL DEFAULT '',
    to_stage   TEXT NOT NULL DEFAULT '',
    details    JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX events_filing_idx ON events (filing_id, id);
CREATE INDEX events_account_idx ON events (account_id, id);
CREATE INDEX events_created_idx ON events (created_at);

CREATE TABLE inbound_messages (
    id             BIGSERIAL PRIMARY KEY,
    mailbox        TEXT NOT NULL,
    uidvalidity    BIGINT NOT NULL,
    uid            BIGINT NOT NULL,
    message_id     TEXT NOT NULL,
    sender         TEXT NOT NULL DEFAULT '',
    subject        TEXT NOT NULL DEFAULT '',
    received_at    TIMESTAMPTZ NOT NULL,
    classification TEXT NOT NULL DEFAULT '',
    decision       TEXT NOT NULL DEFAULT '',
    linked_by      TEXT NOT NULL DEFAULT '',
    filing_id      BIGINT REFERENCES filings (id),
    error          TEXT NOT NULL DEFAULT '',
    body_text      TEXT NOT NULL DEFAULT '',
    raw            BYTEA,
    moved_at       TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (mailbox, uidvalidity, uid),
    UNIQUE (message_id)
);
CREATE INDEX inbound_filing_idx ON inbound_messages (filing_id);
CREATE INDEX inbound_decision_idx ON inbound_messages (decision, created_at);

CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    kind            TEXT NOT NULL,
    language        TEXT NOT NULL CHECK (language IN ('zh-CN', 'en')),
    recipient       TEXT NOT NULL,
    filing_id       BIGINT REFERENCES filings (id),
    account_id      BIGINT REFERENCES accounts (id),
    inbound_id      BIGINT REFERENCES inbound_messages (id),
    dedup_key       TEXT NOT NULL UNIQUE,
    payload         JSONB NOT NULL,
    status          TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'bounced')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    lease_until     TIMESTAMPTZ,
    last_error      TEXT NOT NULL DEFAULT '',
    message_id      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ
);
-- The mailer's claim reads only queued rows, oldest due first.
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at, id) WHERE status = 'queued';
CREATE INDEX outbox_message_id_idx ON outbox (message_id) WHERE message_id <> '';
CREATE INDEX outbox_filing_idx ON outbox (filing_id);
CREATE INDEX outbox_status_idx ON outbox (status, created_at);

CREATE TABLE mailbox_checkpoints (
    mailbox     TEXT PRIMARY KEY,
    uidvalidity BIGINT NOT NULL,
    last_uid    BIGINT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE job_runs (
    id          BIGSERIAL PRIMARY KEY,
    job         TEXT NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    status      TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed', 'skipped')),
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX job_runs_job_idx ON job_runs (job, started_at);

-- icpdesk schema 7: the HTTP API's tokens and idempotency keys, and the
-- commit order of events for the events feed.
--
-- Event ids come from a sequence, taken when a row is inserted, so a
-- transaction that commits later can hold a smaller id than one already
-- committed: a feed read by id would skip it. Each transaction that writes
-- events takes the next number of event_clock just before it commits (a row
-- lock held until the commit, so numbers are handed out in commit order)
-- and stamps its events with it. The feed reads by (commit_seq, id).
ALTER TABLE events ADD COLUMN commit_seq BIGINT;
UPDATE events SET commit_seq = id;
CREATE INDEX events_commit_idx ON events (commit_seq, id);

CREATE TABLE event_clock (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL
);
INSERT INTO event_clock (id, seq) SELECT 1, COALESCE(MAX(id), 0) FROM events;

-- Bearer tokens: only the SHA-256 of the secret is kept. last_used_at is
-- written at most once a minute per token, not on every request.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL UNIQUE,
    hash         TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   DATETIME NOT NULL,
    last_used_at DATETIME,
    revoked_at   DATETIME
);

-- Idempotency-Key: the first response to a key, replayed to a retry with
-- the same request; a different request under the same key is refused.
CREATE TABLE api_idempotency (
    token_id     BIGINT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0,
    content_type TEXT NOT NULL DEFAULT '',
    body         BLOB,
    created_at   DATETIME NOT NULL,
    PRIMARY KEY (token_id, key)
);
CREATE INDEX api_idempotency_created_idx ON api_idempotency (created_at);

-- The filing list's orders and filters, so a page costs the same at any depth.
CREATE INDEX filings_updated_idx ON filings (updated_at DESC, id DESC);
CREATE INDEX filings_stage_updated_idx ON filings (stage, updated_at DESC, id DESC);
CREATE INDEX filings_account_updated_idx ON filings (account_id, updated_at DESC, id DESC);

-- An email marked sent writes its email_sent event for the feed in the
-- same statement, stamped with the next commit number (SQLite runs one
-- write transaction at a time, so the order is the commit order).
CREATE TRIGGER outbox_sent_event AFTER UPDATE OF status ON outbox
WHEN NEW.status = 'sent' AND OLD.status <> 'sent'
BEGIN
    INSERT INTO events (filing_id, account_id, actor, actor_name, action, details, created_at)
        VALUES (NEW.filing_id, NEW.account_id, 'mailer', '', 'email_sent',
                json_object('outbox_id', NEW.id, 'kind', NEW.kind), NEW.sent_at);
    UPDATE event_clock SET seq = seq + 1 WHERE id = 1;
    UPDATE events SET commit_seq = (SELECT seq FROM event_clock WHERE id = 1) WHERE commit_seq IS NULL;
END;

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
    id           BIGSERIAL PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    hash         TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);

-- Idempotency-Key: the first response to a key, replayed to a retry with
-- the same request; a different request under the same key is refused.
CREATE TABLE api_idempotency (
    token_id     BIGINT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0,
    content_type TEXT NOT NULL DEFAULT '',
    body         BYTEA,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (token_id, key)
);
CREATE INDEX api_idempotency_created_idx ON api_idempotency (created_at);

-- The filing list's orders and filters, so a page costs the same at any depth.
CREATE INDEX filings_updated_idx ON filings (updated_at DESC, id DESC);
CREATE INDEX filings_stage_updated_idx ON filings (stage, updated_at DESC, id DESC);
CREATE INDEX filings_account_updated_idx ON filings (account_id, updated_at DESC, id DESC);

-- Text search in the filing list (?q=) reads trigram indexes when pg_trgm
-- can be installed (a trusted extension since PostgreSQL 13: the database
-- owner may). It goes in schema public, so schemas of their own (tests)
-- share one. Where it cannot be installed the search scans the filings,
-- and nothing else changes.
DO $$
DECLARE
    ext_schema TEXT;
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'pg_trgm is not available (%): filing text search will scan', SQLERRM;
    END;
    SELECT n.nspname INTO ext_schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
    IF ext_schema IS NOT NULL THEN
        EXECUTE format('CREATE INDEX filings_search_trgm_idx ON filings USING gin ((lower(reference || %L || subject_name || %L || website_name)) %I.gin_trgm_ops)', ' ', ' ', ext_schema);
        EXECUTE format('CREATE INDEX filing_domains_search_trgm_idx ON filing_domains USING gin ((lower(name) || %L || ascii) %I.gin_trgm_ops)', ' ', ext_schema);
        EXECUTE format('CREATE INDEX accounts_email_trgm_idx ON accounts USING gin (email %I.gin_trgm_ops)', ext_schema);
    END IF;
END $$;

-- An email marked sent (by the mailer's one-statement mark, or a batch)
-- writes its email_sent event for the feed in the same statement, so the
-- mailer's round trip stays one. The event is stamped with the next commit
-- number as Tx.stampEvents does: the insert's foreign-key checks run at the
-- end of the insert, before the clock is locked, so the clock stays the
-- last lock taken. Mark emails sent only as the last change of a
-- transaction (the mailer does): the clock is then held from here on.
CREATE FUNCTION email_sent_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO events (filing_id, account_id, actor, actor_name, action, details, created_at)
        VALUES (NEW.filing_id, NEW.account_id, 'mailer', '', 'email_sent',
                jsonb_build_object('outbox_id', NEW.id, 'kind', NEW.kind), NEW.sent_at);
    WITH c AS (UPDATE event_clock SET seq = seq + 1 WHERE id = 1 RETURNING seq)
    UPDATE events SET commit_seq = c.seq FROM c WHERE events.commit_seq IS NULL;
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_sent_event AFTER UPDATE OF status ON outbox FOR EACH ROW
    WHEN (NEW.status = 'sent' AND OLD.status IS DISTINCT FROM 'sent')
    EXECUTE FUNCTION email_sent_event();

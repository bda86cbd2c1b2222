-- icpdesk schema 7: the staff console's sign-in.
--
-- Staff members sign in with a password (argon2id, package password) that
-- they choose through a one-time link; only a hash of that link's token is
-- kept, so a copy of the database cannot be used to sign in. Sessions live
-- here too, so signing out, disabling a member or resetting a password ends
-- them on every replica at once. A session's cookie holds a random token;
-- the table holds only its SHA-256.
CREATE TABLE staff_users (
    id               BIGSERIAL PRIMARY KEY,
    email            TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('staff', 'admin')),
    password_hash    TEXT NOT NULL DEFAULT '',
    disabled         BOOLEAN NOT NULL DEFAULT FALSE,
    setup_token_hash TEXT,
    setup_expires_at TIMESTAMPTZ,
    oidc_subject     TEXT,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX staff_users_setup_idx ON staff_users (setup_token_hash) WHERE setup_token_hash IS NOT NULL;
CREATE UNIQUE INDEX staff_users_oidc_idx ON staff_users (oidc_subject) WHERE oidc_subject IS NOT NULL;

CREATE TABLE staff_sessions (
    id           BIGSERIAL PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    address      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX staff_sessions_user_idx ON staff_sessions (user_id);
CREATE INDEX staff_sessions_expires_idx ON staff_sessions (expires_at);

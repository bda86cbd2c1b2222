package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// APIToken is a bearer token of the HTTP API, without its secret (only the
// secret's SHA-256 is stored).
type APIToken struct {
	ID         int64      `json:"id" db:"id"`
	Name       string     `json:"name" db:"name"`
	Hash       string     `json:"-" db:"hash"`
	Scopes     []string   `json:"scopes" db:"-"`
	ScopeText  string     `json:"-" db:"scopes"`
	CreatedBy  string     `json:"created_by,omitempty" db:"created_by"`
	CreatedAt  time.Time  `json:"created_at" db:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty" db:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty" db:"revoked_at"`
}

func (t *APIToken) split() { t.Scopes = strings.Fields(t.ScopeText) }

const apiTokenColumns = `id, name, hash, scopes, created_by, created_at, last_used_at, revoked_at`

// CreateAPIToken stores a new token by the SHA-256 of its secret; a name in
// use (revoked or not) is ErrExists.
func (s *Store) CreateAPIToken(ctx context.Context, name, hash string, scopes []string, by string) (APIToken, error) {
	tok := APIToken{Name: name, Hash: hash, Scopes: scopes, ScopeText: strings.Join(scopes, " "), CreatedBy: by, CreatedAt: dbTime(s.now())}
	err := s.db.GetContext(ctx, &tok.ID, s.db.Rebind(`INSERT INTO api_tokens (name, hash, scopes, created_by, created_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`), tok.Name, tok.Hash, tok.ScopeText, tok.CreatedBy, tok.CreatedAt)
	if isUniqueViolation(err) {
		return APIToken{}, fmt.Errorf("token %q: %w", name, ErrExists)
	}
	if err != nil {
		return APIToken{}, fmt.Errorf("create token %q: %w", name, err)
	}
	return tok, nil
}

// APITokens lists every token, revoked ones too, by name.
func (s *Store) APITokens(ctx context.Context) ([]APIToken, error) {
	var out []APIToken
	if err := s.db.SelectContext(ctx, &out, `SELECT `+apiTokenColumns+` FROM api_tokens ORDER BY name`); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	for i := range out {
		out[i].split()
	}
	return out, nil
}

// APITokenByHash finds a token by its secret's hash, revoked or not.
func (s *Store) APITokenByHash(ctx context.Context, hash string) (APIToken, error) {
	var tok APIToken
	err := s.db.GetContext(ctx, &tok, s.db.Rebind(`SELECT `+apiTokenColumns+` FROM api_tokens WHERE hash = ?`), hash)
	if errors.Is(err, sql.ErrNoRows) {
		return APIToken{}, ErrNotFound
	}
	if err != nil {
		return APIToken{}, fmt.Errorf("read token: %w", err)
	}
	tok.split()
	return tok, nil
}

// RevokeAPIToken revokes a token by name; it keeps its row (and name) for
// the record. Revoking a revoked token changes nothing.
func (s *Store) RevokeAPIToken(ctx context.Context, name string) (APIToken, error) {
	var tok APIToken
	err := s.InTx(ctx, func(t *Tx) error {
		if err := t.get(ctx, &tok, `SELECT `+apiTokenColumns+` FROM api_tokens WHERE name = ?`+t.forUpdate(), name); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("token %q: %w", name, ErrNotFound)
			}
			return fmt.Errorf("read token %q: %w", name, err)
		}
		if tok.RevokedAt != nil {
			return nil
		}
		now := dbTime(s.now())
		tok.RevokedAt = &now
		if _, err := t.exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ?`, now, tok.ID); err != nil {
			return fmt.Errorf("revoke token %q: %w", name, err)
		}
		return nil
	})
	tok.split()
	return tok, err
}

// TouchAPIToken records that a token was used at, unless it was recorded
// less than a minute before (the caller also limits how often it asks).
func (s *Store) TouchAPIToken(ctx context.Context, id int64, at time.Time) error {
	at = dbTime(at)
	if _, err := s.db.ExecContext(ctx, s.db.Rebind(`UPDATE api_tokens SET last_used_at = ?
		WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`), at, id, at.Add(-time.Minute)); err != nil {
		return fmt.Errorf("record token use: %w", err)
	}
	return nil
}

// Idempotency is the record of a request made under an Idempotency-Key.
// Status 0 means the first request is still being carried out.
type Idempotency struct {
	RequestHash string    `db:"request_hash"`
	Status      int       `db:"status"`
	ContentType string    `db:"content_type"`
	Body        []byte    `db:"body"`
	CreatedAt   time.Time `db:"created_at"`
}

// IdempotencyTTL is how long a key's response is kept for retries.
const IdempotencyTTL = 24 * time.Hour

// IdempotencyStale is how long a claimed key may wait for its action; the
// API gives a write a minute.
const IdempotencyStale = 2 * time.Minute

// IdempotencyApplied is the status of a key whose action committed but
// whose answer was not stored (the process died in between).
const IdempotencyApplied = -1

type idemKey struct{}

type idemMark struct {
	tokenID int64
	key     string
}

// WithIdempotencyKey marks ctx as carrying out the request claimed under
// the token's key: each transaction committed under it records, in itself,
// that the action took effect, so a retry after a crash is never carried
// out a second time.
func WithIdempotencyKey(ctx context.Context, tokenID int64, key string) context.Context {
	return context.WithValue(ctx, idemKey{}, idemMark{tokenID, key})
}

// markIdempotency records, in t, that the request claimed under ctx's key
// took effect.
func (t *Tx) markIdempotency(ctx context.Context) error {
	m, ok := ctx.Value(idemKey{}).(idemMark)
	if !ok {
		return nil
	}
	if _, err := t.exec(ctx, `UPDATE api_idempotency SET status = ? WHERE token_id = ? AND key = ? AND status = 0`,
		IdempotencyApplied, m.tokenID, m.key); err != nil {
		return fmt.Errorf("idempotency key: %w", err)
	}
	return nil
}

// ClaimIdempotency records that the token's request under key (with this
// hash) is being carried out, and returns true; when the key was used
// already it returns the record of that use and false. Keys older than
// IdempotencyTTL are forgotten first.
func (s *Store) ClaimIdempotency(ctx context.Context, tokenID int64, key, hash string) (Idempotency, bool, error) {
	now := dbTime(s.now())
	// Forget expired keys: this one now, all of them at most once an hour.
	q, args := `DELETE FROM api_idempotency WHERE token_id = ? AND key = ? AND created_at < ?`, []any{tokenID, key, now.Add(-IdempotencyTTL)}
	s.mu.Lock()
	if now.Sub(s.idemPurged) > time.Hour {
		s.idemPurged = now
		q, args = `DELETE FROM api_idempotency WHERE created_at < ?`, []any{now.Add(-IdempotencyTTL)}
	}
	s.mu.Unlock()
	if _, err := s.db.ExecContext(ctx, s.db.Rebind(q), args...); err != nil {
		return Idempotency{}, false, fmt.Errorf("idempotency key: %w", err)
	}
	var claimed int64
	// A claim left unfinished for IdempotencyStale without its action
	// committed (status 0: the process died before the commit) is taken
	// over: nothing was done, so the retry does it.
	err := s.db.GetContext(ctx, &claimed, s.db.Rebind(`INSERT INTO api_idempotency (token_id, key, request_hash, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (token_id, key) DO UPDATE SET created_at = excluded.created_at
		WHERE api_idempotency.status = 0 AND api_idempotency.request_hash = excluded.request_hash AND api_idempotency.created_at < ?
		RETURNING token_id`), tokenID, key, hash, now, now.Add(-IdempotencyStale))
	if err == nil {
		return Idempotency{RequestHash: hash, CreatedAt: now}, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Idempotency{}, false, fmt.Errorf("idempotency key: %w", err)
	}
	var rec Idempotency
	if err := s.db.GetContext(ctx, &rec, s.db.Rebind(`SELECT request_hash, status, content_type, body, created_at
		FROM api_idempotency WHERE token_id = ? AND key = ?`), tokenID, key); err != nil {
		return Idempotency{}, false, fmt.Errorf("idempotency key: %w", err)
	}
	return rec, false, nil
}

// FinishIdempotency stores the response to the request claimed under key.
func (s *Store) FinishIdempotency(ctx context.Context, tokenID int64, key string, status int, contentType string, body []byte) error {
	if _, err := s.db.ExecContext(ctx, s.db.Rebind(`UPDATE api_idempotency SET status = ?, content_type = ?, body = ?
		WHERE token_id = ? AND key = ? AND status IN (0, ?)`), status, contentType, body, tokenID, key, IdempotencyApplied); err != nil {
		return fmt.Errorf("idempotency key: store the response: %w", err)
	}
	return nil
}

// ForgetIdempotency drops a claim whose request failed on our side before
// anything took effect, so a retry is carried out afresh. A claim whose
// action committed is kept (as applied).
func (s *Store) ForgetIdempotency(ctx context.Context, tokenID int64, key string) error {
	if _, err := s.db.ExecContext(ctx, s.db.Rebind(`DELETE FROM api_idempotency WHERE token_id = ? AND key = ? AND status = 0`), tokenID, key); err != nil {
		return fmt.Errorf("idempotency key: %w", err)
	}
	return nil
}

package desk

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"example.com/icpdesk/store"
)

// API token scopes.
const (
	// ScopeRead reads everything: accounts, filings, the queue, mail, the feed.
	ScopeRead = "read"
	// ScopeFilingsWrite creates and decides accounts, imports and updates
	// filings and takes stage actions.
	ScopeFilingsWrite = "filings:write"
	// ScopeStaff works the queue: received messages, work items, the outbox.
	ScopeStaff = "staff"
)

// Scopes lists the scopes a token may have.
var Scopes = []string{ScopeRead, ScopeFilingsWrite, ScopeStaff}

// ErrUnauthorized is a missing, unknown or revoked token.
var ErrUnauthorized = errors.New("invalid or revoked token")

// tokenPrefix marks icpdesk's secrets so secret scanners and people can
// recognise one.
const tokenPrefix = "icpd_"

var tokenName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// CheckToken checks a new token's name and scopes, as CreateToken will,
// and returns them cleaned: the name trimmed, the scopes without repeats.
// The console asks it before its confirmation step.
func CheckToken(name string, scopes []string) (string, []string, error) {
	name = strings.TrimSpace(name)
	if !tokenName.MatchString(name) {
		return "", nil, inputf("token name %q: want 1 to 63 lower-case letters, digits, '.', '_' or '-' (e.g. filing-system)", name)
	}
	if len(scopes) == 0 {
		return "", nil, inputf("a token needs at least one scope (%s)", strings.Join(Scopes, ", "))
	}
	var clean []string
	for _, sc := range scopes {
		sc = strings.TrimSpace(sc)
		if !slices.Contains(Scopes, sc) {
			return "", nil, inputf("unknown scope %q: want %s", sc, strings.Join(Scopes, ", "))
		}
		if !slices.Contains(clean, sc) {
			clean = append(clean, sc)
		}
	}
	return name, clean, nil
}

// CreateToken makes a new API token and returns it with its secret, which
// is shown once: only its SHA-256 is stored.
func (s *Service) CreateToken(ctx context.Context, name string, scopes []string, by store.Actor) (store.APIToken, string, error) {
	name, clean, err := CheckToken(name, scopes)
	if err != nil {
		return store.APIToken{}, "", err
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return store.APIToken{}, "", fmt.Errorf("make a token secret: %w", err)
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	tok, err := s.store.CreateAPIToken(ctx, name, hashToken(secret), clean, by.Name)
	if err != nil {
		return store.APIToken{}, "", err
	}
	return tok, secret, nil
}

// Tokens lists the API tokens, revoked ones too, with when each was last used.
func (s *Service) Tokens(ctx context.Context) ([]store.APIToken, error) {
	return s.store.APITokens(ctx)
}

// RevokeToken revokes a token by name; requests with it are refused from
// then on (by other replicas within TokenCacheTTL).
func (s *Service) RevokeToken(ctx context.Context, name string) (store.APIToken, error) {
	tok, err := s.store.RevokeAPIToken(ctx, name)
	if err != nil {
		return tok, err
	}
	s.tokens.forget(tok.Hash)
	return tok, nil
}

// Authenticate returns the live token whose secret this is, or
// ErrUnauthorized. Tokens found are kept in memory for TokenCacheTTL, and
// their last use is written at most once a minute, so a request costs no
// database write and usually no read.
func (s *Service) Authenticate(ctx context.Context, secret string) (store.APIToken, error) {
	if !strings.HasPrefix(secret, tokenPrefix) || len(secret) > 100 {
		return store.APIToken{}, ErrUnauthorized
	}
	h := hashToken(secret)
	now := s.store.Now()
	tok, ok := s.tokens.get(h, now)
	if !ok {
		var err error
		tok, err = s.store.APITokenByHash(ctx, h)
		if errors.Is(err, store.ErrNotFound) {
			return store.APIToken{}, ErrUnauthorized
		}
		if err != nil {
			return store.APIToken{}, err
		}
		s.tokens.put(h, tok, now)
	}
	if tok.RevokedAt != nil {
		return store.APIToken{}, ErrUnauthorized
	}
	if s.tokens.touchDue(tok.ID, now) {
		if err := s.store.TouchAPIToken(ctx, tok.ID, now); err != nil {
			return tok, err
		}
	}
	return tok, nil
}

// HasScope says whether the token grants scope.
func HasScope(tok store.APIToken, scope string) bool { return slices.Contains(tok.Scopes, scope) }

func hashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// TokenCacheTTL bounds how long a token revoked on another replica is
// still accepted here.
const TokenCacheTTL = 10 * time.Second

// touchEvery is how often a token's last use is written.
const touchEvery = time.Minute

type tokenCache struct {
	mu      sync.Mutex
	byHash  map[string]cachedToken
	touched map[int64]time.Time
}

type cachedToken struct {
	tok   store.APIToken
	until time.Time
}

func (c *tokenCache) get(h string, now time.Time) (store.APIToken, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byHash[h]
	if !ok || now.After(e.until) {
		return store.APIToken{}, false
	}
	return e.tok, true
}

func (c *tokenCache) put(h string, tok store.APIToken, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byHash == nil {
		c.byHash = map[string]cachedToken{}
	}
	if len(c.byHash) > 10000 {
		clear(c.byHash)
	}
	c.byHash[h] = cachedToken{tok: tok, until: now.Add(TokenCacheTTL)}
}

func (c *tokenCache) forget(h string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.byHash, h)
}

func (c *tokenCache) touchDue(id int64, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.touched == nil {
		c.touched = map[int64]time.Time{}
	}
	if last, ok := c.touched[id]; ok && now.Sub(last) < touchEvery && !now.Before(last) {
		return false
	}
	c.touched[id] = now
	return true
}

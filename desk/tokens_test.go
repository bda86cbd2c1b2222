package desk_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"example.com/icpdesk/desk"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// TestTokens: a token is shown once and stored as a hash; bad names and
// scopes are refused; Authenticate finds live tokens only and records the
// last use at most once a minute; a revoked token is refused at once.
func TestTokens(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
			clock := now
			st := storetest.Open(t, d, store.WithClock(func() time.Time { return clock }))
			svc := desk.New(st, nil, nil)
			for _, bad := range []struct {
				name   string
				scopes []string
			}{{"", []string{"read"}}, {"Has Space", []string{"read"}}, {"fs", nil}, {"fs", []string{"admin"}}} {
				if _, _, err := svc.CreateToken(ctx, bad.name, bad.scopes, staff); !errors.Is(err, desk.ErrInput) {
					t.Errorf("CreateToken(%q, %v): %v, want ErrInput", bad.name, bad.scopes, err)
				}
			}
			tok, secret, err := svc.CreateToken(ctx, "filing-system", []string{"read", "filings:write", "read"}, staff)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(secret, "icpd_") || len(secret) < 40 || strings.Join(tok.Scopes, " ") != "read filings:write" {
				t.Fatalf("token %+v, secret %q", tok, secret)
			}
			if _, _, err := svc.CreateToken(ctx, "filing-system", []string{"read"}, staff); !errors.Is(err, store.ErrExists) {
				t.Fatalf("a second token of the same name: %v", err)
			}
			toks, err := svc.Tokens(ctx)
			if err != nil || len(toks) != 1 || toks[0].Hash == secret || strings.Contains(toks[0].Hash, secret[5:]) || toks[0].LastUsedAt != nil {
				t.Fatalf("stored token: %+v %v", toks, err)
			}
			for _, wrong := range []string{"", "icpd_", secret + "x", strings.ToUpper(secret)} {
				if _, err := svc.Authenticate(ctx, wrong); !errors.Is(err, desk.ErrUnauthorized) {
					t.Errorf("Authenticate(%q): %v", wrong, err)
				}
			}
			got, err := svc.Authenticate(ctx, secret)
			if err != nil || got.Name != "filing-system" || !desk.HasScope(got, "filings:write") || desk.HasScope(got, "staff") {
				t.Fatalf("Authenticate: %+v %v", got, err)
			}
			lastUsed := func() *time.Time {
				toks, err := svc.Tokens(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return toks[0].LastUsedAt
			}
			if lu := lastUsed(); lu == nil || !lu.Equal(now) {
				t.Fatalf("last used %v, want %v", lu, now)
			}
			clock = now.Add(30 * time.Second)
			if _, err := svc.Authenticate(ctx, secret); err != nil {
				t.Fatal(err)
			}
			if lu := lastUsed(); !lu.Equal(now) {
				t.Fatalf("last use written again within a minute: %v", lu)
			}
			clock = now.Add(2 * time.Minute)
			if _, err := svc.Authenticate(ctx, secret); err != nil {
				t.Fatal(err)
			}
			if lu := lastUsed(); !lu.Equal(clock) {
				t.Fatalf("last use %v, want %v", lu, clock)
			}
			other := desk.New(st, nil, nil) // another replica, which has seen the token
			if _, err := other.Authenticate(ctx, secret); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.RevokeToken(ctx, "filing-system"); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Authenticate(ctx, secret); !errors.Is(err, desk.ErrUnauthorized) {
				t.Fatalf("revoked token: %v", err)
			}
			if _, err := svc.RevokeToken(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("revoke an unknown token: %v", err)
			}
			// The other replica accepts it until its cache runs out (10 s).
			if _, err := other.Authenticate(ctx, secret); err != nil {
				t.Fatalf("revoked token on another replica within the cache's time: %v", err)
			}
			clock = clock.Add(11 * time.Second)
			if _, err := other.Authenticate(ctx, secret); !errors.Is(err, desk.ErrUnauthorized) {
				t.Fatalf("revoked token on another replica after 11 s: %v", err)
			}
		})
	}
}

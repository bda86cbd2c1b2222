package api_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"example.com/icpdesk/api"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
	"example.com/icpdesk/throttle"
)

// TestAuthAndScopes: 401 without a valid token (none, another scheme, an
// unknown or revoked one), 403 outside the token's scope for every scope,
// and the OpenAPI document open to all.
func TestAuthAndScopes(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.setup("BA-2026-000123", "zhangsan@example.cn")
		unauth := []req{
			{method: "GET", path: "/api/v1/filings"},
			{method: "GET", path: "/api/v1/filings", header: map[string]string{"Authorization": "Basic dXNlcjpwYXNz"}},
			{method: "GET", path: "/api/v1/filings", header: map[string]string{"Authorization": "Bearer"}},
			{method: "GET", path: "/api/v1/filings", token: "icpd_not-a-real-token"},
			{method: "GET", path: "/api/v1/filings", token: "nonsense"},
			{method: "POST", path: "/api/v1/filings/BA-2026-000123/actions", body: map[string]any{"action": "submit"}},
		}
		for _, r := range unauth {
			r.invalid = r.token == "" // the document requires the bearer scheme
			out := e.do(r)
			if out.status != 401 || out.header.Get("WWW-Authenticate") == "" {
				t.Fatalf("%+v: %d %s", r, out.status, out.body)
			}
			out.problem(t)
		}

		// Each scope opens its own doors and no others.
		type door struct {
			r     req
			scope string
		}
		doors := []door{
			{req{method: "GET", path: "/api/v1/filings/BA-2026-000123"}, "read"},
			{req{method: "GET", path: "/api/v1/events"}, "read"},
			{req{method: "GET", path: "/api/v1/queue"}, "read"},
			{req{method: "POST", path: "/api/v1/filings/BA-2026-000123/actions", body: map[string]any{"action": "submit"}}, "write"},
			{req{method: "POST", path: "/api/v1/accounts", body: map[string]any{"email": "li@example.cn", "name": "李四"}}, "write"},
			{req{method: "POST", path: "/api/v1/queue/1/handle", body: map[string]any{"note": "x"}}, "staff"},
			{req{method: "POST", path: "/api/v1/outbox/1/cancel", body: map[string]any{"note": "x"}}, "staff"},
		}
		for _, d := range doors {
			for _, tok := range []string{"read", "write", "staff"} {
				r := d.r
				r.token = e.tok[tok]
				before := e.countEvents()
				out := e.do(r)
				if tok != d.scope {
					if out.status != 403 {
						t.Fatalf("%s %s with a %s token: %d, want 403", r.method, r.path, tok, out.status)
					}
					if p := out.problem(t); !strings.HasSuffix(p.Type, ":forbidden") {
						t.Fatalf("403 type %s", p.Type)
					}
					if e.countEvents() != before {
						t.Fatalf("a refused request changed something")
					}
					continue
				}
				if out.status == 401 || out.status == 403 {
					t.Fatalf("%s %s with a %s token: %d %s", r.method, r.path, tok, out.status, out.body)
				}
			}
		}

		// Revoked: refused at once in this process.
		if _, err := e.svc.RevokeToken(ctx, "read"); err != nil {
			t.Fatal(err)
		}
		e.must(401, req{method: "GET", path: "/api/v1/filings", token: e.tok["read"]})
		toks, err := e.svc.Tokens(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range toks {
			if tok.Name == "fs" && tok.LastUsedAt == nil {
				t.Errorf("token fs used but no last use recorded")
			}
			if tok.Name == "read" && tok.RevokedAt == nil {
				t.Errorf("token read not shown revoked")
			}
		}
		e.must(200, req{method: "GET", path: "/api/v1/openapi.json"})
		e.must(404, req{method: "GET", path: "/api/v1/nothing-here", token: e.tok["all"], invalid: true}).problem(t)
		out := e.must(405, req{method: "DELETE", path: "/api/v1/filings/BA-2026-000123", token: e.tok["all"], invalid: true})
		if out.header.Get("Allow") != "GET, PUT" {
			t.Fatalf("Allow: %q", out.header.Get("Allow"))
		}
		out.problem(t)
	})
}

// TestFailedAuthIsSlowed: after the free failures from one address, the
// next attempt is refused (429, Retry-After) even with a good token, and
// other addresses are not held up.
func TestFailedAuthIsSlowed(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	clock := &now
	lim := throttle.New(3, time.Second, time.Minute, 15*time.Minute).WithClock(func() time.Time { return *clock })
	e := newEnv(t, storetest.Open(t, store.SQLite), func(o *api.Options) { o.Failures = lim })
	for i := 0; i < 3; i++ {
		e.must(401, req{method: "GET", path: "/api/v1/filings", token: "icpd_wrong"})
	}
	e.must(401, req{method: "GET", path: "/api/v1/filings", token: "icpd_wrong"}) // the 4th starts the wait
	out := e.must(429, req{method: "GET", path: "/api/v1/filings", token: e.tok["read"]})
	if out.header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	out.problem(t)
	// Another address is not slowed.
	r := httptest.NewRequest("GET", "/api/v1/filings", nil)
	r.RemoteAddr = "198.51.100.7:5555"
	r.Header.Set("Authorization", "Bearer "+e.tok["read"])
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	if rec.Code != 200 {
		t.Fatalf("another address: %d %s", rec.Code, rec.Body)
	}
	// After the wait, a good token passes and clears the address.
	later := now.Add(2 * time.Minute)
	clock = &later
	e.must(200, req{method: "GET", path: "/api/v1/filings", token: e.tok["read"]})
}

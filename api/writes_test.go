package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/icpdesk/desk"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// TestIdempotentRetries: a retry with the same key and body gets the first
// answer without acting again; another body under the key is 422; keys
// are per token; an error answer is replayed too.
func TestIdempotentRetries(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		const ref = "BA-2026-000123"
		e.setup(ref, "zhangsan@example.cn")
		submit := req{method: "POST", path: "/api/v1/filings/" + ref + "/actions", token: e.tok["fs"],
			body: map[string]any{"action": "submit"}, header: map[string]string{"Idempotency-Key": "k-1"}}
		first := e.must(200, submit)
		events := e.countEvents()
		again := e.must(200, submit)
		if !bytes.Equal(first.body, again.body) || again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("retry: %s / %s (replayed %q)", first.body, again.body, again.header.Get("Idempotent-Replayed"))
		}
		if e.countEvents() != events {
			t.Fatal("the retry acted again")
		}
		// Without the key the same request is a new one: refused now.
		if p := e.must(409, req{method: submit.method, path: submit.path, token: submit.token, body: submit.body}).problem(t); p.Stage != "provider_review" {
			t.Fatalf("409 without current stage: %+v", p)
		}
		other := submit
		other.body = map[string]any{"action": "to_bureau"}
		if p := e.must(422, other).problem(t); !strings.HasSuffix(p.Type, ":idempotency-key-reused") || p.Field != "Idempotency-Key" {
			t.Fatalf("another body under the key: %+v", p)
		}
		if e.countEvents() != events {
			t.Fatal("a refused key acted")
		}
		// The same key from another token is that token's own.
		mine := submit
		mine.token = e.tok["all"]
		mine.body = map[string]any{"action": "to_bureau"}
		e.must(200, mine)
		// An error is kept as the answer too: the retry gets the same 409
		// although the action would now be allowed... it is not acted on.
		bad := req{method: "POST", path: "/api/v1/filings/" + ref + "/actions", token: e.tok["fs"],
			body: map[string]any{"action": "submit"}, header: map[string]string{"Idempotency-Key": "k-2"}}
		b1 := e.must(409, bad)
		b2 := e.must(409, bad)
		if !bytes.Equal(b1.body, b2.body) {
			t.Fatalf("error replay differs: %s / %s", b1.body, b2.body)
		}
		// PUT honours it as well.
		put := req{method: "PUT", path: "/api/v1/filings/BA-2026-000124", token: e.tok["fs"],
			body: map[string]any{"ref": "BA-2026-000124", "account": "zhangsan@example.cn"}, header: map[string]string{"Idempotency-Key": "k-3"}}
		p1 := e.do(put)
		p2 := e.do(put)
		if p1.status != p2.status || !bytes.Equal(p1.body, p2.body) {
			t.Fatalf("PUT replay: %d %s / %d %s", p1.status, p1.body, p2.status, p2.body)
		}
	})
}

// TestBadInput: each kind of bad input gets its problem type and field,
// with the right status, and changes nothing.
func TestBadInput(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		const ref = "BA-2026-000123"
		e.setup(ref, "zhangsan@example.cn")
		acts := "/api/v1/filings/" + ref + "/actions"
		cases := []struct {
			name   string
			r      req
			status int
			typ    string
			field  string
		}{
			{"malformed JSON", req{method: "POST", path: acts, body: `{"action": "submit"`}, 400, "malformed-json", ""},
			{"not JSON", req{method: "POST", path: acts, body: `action=submit`}, 400, "malformed-json", ""},
			{"trailing data", req{method: "POST", path: acts, body: `{"action": "submit"} {}`}, 400, "malformed-json", ""},
			{"unknown field", req{method: "POST", path: acts, body: `{"action": "submit", "stage": "approved"}`}, 400, "unknown-field", "stage"},
			{"wrong type", req{method: "POST", path: acts, body: `{"action": "extend", "days": "seven"}`}, 400, "wrong-type", "days"},
			{"wrong type (array)", req{method: "POST", path: acts, body: `[]`}, 400, "wrong-type", "(body)"},
			{"missing action", req{method: "POST", path: acts, body: `{}`}, 422, "missing-field", "action"},
			{"unknown action", req{method: "POST", path: acts, body: `{"action": "teleport"}`}, 422, "invalid-input", "action"},
			{"disallowed transition", req{method: "POST", path: acts, body: `{"action": "approve", "icp_number": "浙ICP备12345678号-1"}`}, 409, "transition-not-allowed", ""},
			{"unknown filing", req{method: "POST", path: "/api/v1/filings/BA-2026-999999/actions", body: `{"action": "submit"}`}, 404, "not-found", ""},
			{"filing rules", req{method: "PUT", path: "/api/v1/filings/BA-2026-000200", body: `{"ref": "BA-2026-000200", "account": "nobody@example.cn"}`}, 422, "invalid-filing", ""},
			{"ref mismatch", req{method: "PUT", path: "/api/v1/filings/BA-2026-000200", body: `{"ref": "BA-2026-000201"}`}, 422, "invalid-input", "ref"},
			{"unknown field in filing", req{method: "PUT", path: "/api/v1/filings/BA-2026-000200", body: `{"ref": "BA-2026-000200", "website": {"nmae": "x"}}`}, 400, "unknown-field", "nmae"},
			{"account without email", req{method: "POST", path: "/api/v1/accounts", body: `{"name": "王五"}`}, 422, "missing-field", "email"},
			{"account bad language", req{method: "POST", path: "/api/v1/accounts", body: `{"email": "w@example.cn", "name": "王五", "language": "fr"}`}, 422, "invalid-input", ""},
			{"reject without reason", req{method: "POST", path: "/api/v1/accounts/zhangsan@example.cn/reject", body: `{}`}, 422, "invalid-input", "reason"},
			{"bad stage", req{method: "GET", path: "/api/v1/filings?stage=lost"}, 400, "invalid-parameter", "stage"},
			{"bad limit", req{method: "GET", path: "/api/v1/filings?limit=0"}, 400, "invalid-parameter", "limit"},
			{"bad cursor", req{method: "GET", path: "/api/v1/filings?after=xyz"}, 400, "bad-cursor", "after"},
			{"bad feed cursor", req{method: "GET", path: "/api/v1/events?after=x-y"}, 400, "invalid-parameter", "after"},
			{"bad wait", req{method: "GET", path: "/api/v1/events?wait=10h"}, 400, "invalid-parameter", "wait"},
			{"bad id", req{method: "GET", path: "/api/v1/queue/abc"}, 400, "invalid-parameter", "id"},
			{"bad outbox status", req{method: "GET", path: "/api/v1/outbox?status=lost"}, 400, "invalid-parameter", "status"},
			{"long idempotency key", req{method: "POST", path: acts, body: `{"action": "submit"}`, header: map[string]string{"Idempotency-Key": strings.Repeat("k", 300)}}, 400, "invalid-idempotency-key", "Idempotency-Key"},
		}
		before := e.countEvents()
		for _, c := range cases {
			c.r.token = e.tok["all"]
			// Bad input breaks the document on purpose; its answer is checked.
			c.r.invalid = true
			out := e.do(c.r)
			if out.status != c.status {
				t.Errorf("%s: status %d, want %d: %s", c.name, out.status, c.status, out.body)
				continue
			}
			p := out.problem(t)
			if p.Type != "urn:icpdesk:problem:"+c.typ || (c.field != "" && p.Field != c.field) {
				t.Errorf("%s: type %s field %q, want %s %q (%s)", c.name, p.Type, p.Field, c.typ, c.field, p.Detail)
			}
			if c.status == 409 && (p.Stage != "draft" || !strings.Contains(p.Detail, "draft")) {
				t.Errorf("%s: 409 should name the current stage: %+v", c.name, p)
			}
			if c.name == "disallowed transition" && !strings.Contains(p.Detail, "draft → approved") {
				t.Errorf("%s: detail should name both stages: %s", c.name, p.Detail)
			}
			if c.name == "filing rules" && len(p.Problems) == 0 {
				t.Errorf("%s: no problems listed", c.name)
			}
		}
		if e.countEvents() != before {
			t.Fatal("bad input changed something")
		}
		d, err := e.st.FilingByRef(ctx, ref)
		if err != nil || d.Filing.Stage != "draft" {
			t.Fatalf("filing after bad input: %v %v", d.Filing.Stage, err)
		}
	})
}

// TestBodyLimit: a body over [http] api_max_body is 413, whether it says
// its length or not, and nothing is stored.
func TestBodyLimit(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		big := `{"ref": "BA-2026-000300", "account": "` + strings.Repeat("a", 2<<20) + `"}`
		before := e.countEvents()
		p := e.must(413, req{method: "PUT", path: "/api/v1/filings/BA-2026-000300", token: e.tok["all"], body: big, invalid: true}).problem(t)
		if !strings.HasSuffix(p.Type, ":too-large") {
			t.Fatalf("413 type %s", p.Type)
		}
		if e.countEvents() != before {
			t.Fatal("a refused body changed something")
		}
	})
}

// TestConcurrentActions: the same action sent at once many times moves the
// filing once; every other request gets 409 with the stage it is now in.
func TestConcurrentActions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		const ref = "BA-2026-000123"
		e.setup(ref, "zhangsan@example.cn")
		const n = 8
		var wg sync.WaitGroup
		statuses := make([]int, n)
		stages := make([]string, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := e.act(ref, e.tok["fs"], map[string]any{"action": "submit"})
				statuses[i] = r.status
				if r.status == 409 {
					var p problem
					r.json(t, &p)
					stages[i] = p.Stage
				}
			}()
		}
		wg.Wait()
		won := 0
		for i, st := range statuses {
			switch st {
			case 200:
				won++
			case 409:
				if stages[i] != "provider_review" {
					t.Errorf("loser %d: current stage %q", i, stages[i])
				}
			default:
				t.Errorf("request %d: status %d", i, st)
			}
		}
		if won != 1 {
			t.Fatalf("%d requests won, want 1 (%v)", won, statuses)
		}
		emails, err := s.ListOutbox(ctx, store.OutboxFilter{FilingRef: ref})
		if err != nil {
			t.Fatal(err)
		}
		submitted := 0
		for _, m := range emails {
			if m.Kind == "filing_submitted" {
				submitted++
			}
		}
		if submitted != 1 {
			t.Fatalf("%d checklist emails, want 1", submitted)
		}
	})
}

// TestIdempotentRetriesAtOnce: the same request under one key sent several
// times at once acts once; the others get the first answer or are told the
// first is still running (409), never a second action.
func TestIdempotentRetriesAtOnce(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		const ref = "BA-2026-000123"
		e.setup(ref, "zhangsan@example.cn")
		for _, a := range []map[string]any{{"action": "submit"}, {"action": "to_bureau"}, {"action": "return", "by": "bureau", "reason": "材料不全"}} {
			if r := e.act(ref, e.tok["fs"], a); r.status != 200 {
				t.Fatalf("%v: %s", a, r.body)
			}
		}
		// An extension can be granted again and again: only the key stops
		// a second one.
		extend := map[string]any{"action": "extend", "days": 1}
		before := e.countEvents()
		const n = 6
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = e.do(req{method: "POST", path: "/api/v1/filings/" + ref + "/actions", token: e.tok["fs"],
					body: extend, header: map[string]string{"Idempotency-Key": "once"}}).status
			}()
		}
		wg.Wait()
		for _, st := range statuses {
			if st != 200 && st != 409 {
				t.Fatalf("statuses %v", statuses)
			}
		}
		evs, err := e.st.FeedEvents(ctx, store.FeedCursor{}, 1000)
		if err != nil {
			t.Fatal(err)
		}
		extends := 0
		for _, ev := range evs[before:] {
			if ev.Action == "extend" {
				extends++
			}
		}
		if extends != 1 {
			t.Fatalf("%d extend events for %d requests under one key (%v)", extends, n, statuses)
		}
		// Afterwards every retry gets the stored answer.
		e.must(200, req{method: "POST", path: "/api/v1/filings/" + ref + "/actions", token: e.tok["fs"],
			body: extend, header: map[string]string{"Idempotency-Key": "once"}})
		// And the same request without a key acts again: the test would see it.
		e.must(200, e.actReq(ref, extend))
		if d, err := e.st.FilingByRef(ctx, ref); err != nil || d.Filing.Extensions != 2 {
			t.Fatalf("extensions %d, %v", d.Filing.Extensions, err)
		}
	})
}

// TestIdempotencyKeysExpire: after a day a key is free again: the same
// request under it acts anew.
func TestIdempotencyKeysExpire(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	clock := now
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		clock = now
		e := newEnv(t, s)
		const ref = "BA-2026-000123"
		e.setup(ref, "zhangsan@example.cn")
		for _, a := range []map[string]any{{"action": "submit"}, {"action": "to_bureau"}, {"action": "return", "by": "bureau", "reason": "材料不全"}} {
			e.must(200, e.actReq(ref, a))
		}
		r := e.actReq(ref, map[string]any{"action": "extend", "days": 1})
		r.header = map[string]string{"Idempotency-Key": "day-1"}
		e.must(200, r)
		clock = now.Add(25 * time.Hour)
		if out := e.must(200, r); out.header.Get("Idempotent-Replayed") != "" {
			t.Fatal("a key older than a day was replayed")
		}
		if d, err := e.st.FilingByRef(ctx, ref); err != nil || d.Filing.Extensions != 2 {
			t.Fatalf("extensions %d, %v", d.Filing.Extensions, err)
		}
	}, store.WithClock(func() time.Time { return clock }))
}

// TestIdempotencyAfterACrash: a key claimed by a request that never
// committed (the process died first) is taken over by the retry after a
// while, which acts; a key whose action committed but whose answer was
// never stored is not acted on again (409 saying so).
func TestIdempotencyAfterACrash(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	clock := now
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		clock = now
		e := newEnv(t, s)
		const ref = "BA-2026-000123"
		e.setup(ref, "zhangsan@example.cn")
		toks, err := e.svc.Tokens(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var fsID int64
		for _, tok := range toks {
			if tok.Name == "fs" {
				fsID = tok.ID
			}
		}
		body := `{"action":"submit"}`
		path := "/api/v1/filings/" + ref + "/actions"
		sum := sha256.Sum256([]byte("POST " + path + "\n" + body))
		hash := hex.EncodeToString(sum[:])

		// 1. Claimed, then the process died before the commit.
		if _, claimed, err := s.ClaimIdempotency(ctx, fsID, "died-early", hash); err != nil || !claimed {
			t.Fatal(claimed, err)
		}
		r := req{method: "POST", path: path, token: e.tok["fs"], body: body, header: map[string]string{"Idempotency-Key": "died-early"}}
		if p := e.must(409, r).problem(t); !strings.HasSuffix(p.Type, ":idempotency-key-in-progress") {
			t.Fatalf("while the first may still run: %+v", p)
		}
		clock = now.Add(3 * time.Minute)
		e.must(200, r)
		if d, _ := s.FilingByRef(ctx, ref); d.Filing.Stage != "provider_review" {
			t.Fatalf("the retry did not act: %s", d.Filing.Stage)
		}

		// 2. The action committed, the answer was never stored.
		body2 := `{"action":"to_bureau"}`
		sum = sha256.Sum256([]byte("POST " + path + "\n" + body2))
		if _, claimed, err := s.ClaimIdempotency(ctx, fsID, "died-late", hex.EncodeToString(sum[:])); err != nil || !claimed {
			t.Fatal(claimed, err)
		}
		if _, err := e.svc.Act(store.WithIdempotencyKey(ctx, fsID, "died-late"), ref, desk.ActionInput{Action: "to_bureau"}, store.Actor{Name: "api:fs"}); err != nil {
			t.Fatal(err)
		}
		clock = now.Add(10 * time.Minute)
		before := e.countEvents()
		r2 := req{method: "POST", path: path, token: e.tok["fs"], body: body2, header: map[string]string{"Idempotency-Key": "died-late"}}
		if p := e.must(409, r2).problem(t); !strings.HasSuffix(p.Type, ":idempotency-key-applied") {
			t.Fatalf("a committed action's key: %+v", p)
		}
		if e.countEvents() != before {
			t.Fatal("the retry acted again")
		}
	}, store.WithClock(func() time.Time { return clock }))
}

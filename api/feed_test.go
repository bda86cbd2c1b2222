package api_test

import (
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/lib/pq"
	_ "modernc.org/sqlite"

	"example.com/icpdesk/desk"
	"example.com/icpdesk/filing/filingtest"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// TestFeedExactlyOnce: while writers on two replicas (two stores on one
// database) change filings and a mailer marks emails sent, a consumer
// follows the feed in small pages, through either replica's API in turn
// (as after a restart or behind a load balancer), keeping only its cursor.
// It must see every committed event exactly once, in increasing position.
func TestFeedExactlyOnce(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			url := storetest.URL(t, d)
			s1 := openStore(t, url, true)
			s2 := openStore(t, url, false)
			e1, e2 := newEnv(t, s1), newEnvTokens(t, s2)
			e2.tok = e1.tok // the same tokens, stored once

			const writers, filingsEach = 4, 6
			for w := 0; w < writers; w++ {
				email := fmt.Sprintf("w%d@example.cn", w)
				if _, err := e1.svc.AddAccount(ctx, desk.AccountInput{Email: email, Name: "张三", Customer: true}, store.Actor{Name: "t"}); err != nil {
					t.Fatal(err)
				}
				for i := 0; i < filingsEach; i++ {
					if _, probs, err := e1.svc.ImportFiling(ctx, filingtest.Enterprise(fmt.Sprintf("BA-2026-%03d%03d", w, i), email), store.Actor{Name: "t"}); err != nil || len(probs) > 0 {
						t.Fatal(err, probs)
					}
				}
			}

			var done atomic.Bool
			var wg, writing sync.WaitGroup
			errs := make(chan error, 100)
			steps := []desk.ActionInput{{Action: "submit"}, {Action: "to_bureau"}, {Action: "return", ReturnBy: "bureau", Reason: "网站名称与主体不符"},
				{Action: "resubmit"}, {Action: "to_bureau"}, {Action: "approve", ICPNumber: "浙ICP备12345678号-1"}}
			for w := 0; w < writers; w++ {
				writing.Add(1)
				go func() {
					defer writing.Done()
					svc := e1.svc
					if w%2 == 1 {
						svc = e2.svc
					}
					for _, st := range steps {
						for i := 0; i < filingsEach; i++ {
							if _, err := svc.Act(ctx, fmt.Sprintf("BA-2026-%03d%03d", w, i), st, store.Actor{Name: fmt.Sprintf("writer%d", w)}); err != nil {
								errs <- err
								return
							}
						}
					}
				}()
			}
			// The inbox recording replies about the same filings: their
			// events and work items are written last in the transaction,
			// already stamped (Tx.finishEvents), while the writers hold the
			// filings' row locks.
			writing.Add(1)
			go func() {
				defer writing.Done()
				for n := 0; n < 12; n++ {
					var plans []store.InboundPlan
					for w := 0; w < writers; w++ {
						d, err := s2.FilingByRef(ctx, fmt.Sprintf("BA-2026-%03d%03d", w, n%filingsEach))
						if err != nil {
							errs <- err
							return
						}
						fid := d.Filing.ID
						msgID := fmt.Sprintf("reply.%d.%d@example.com", n, w)
						plans = append(plans, store.InboundPlan{
							Message: store.InboundMessage{Mailbox: "INBOX", UIDValidity: 1, UID: int64(n*writers + w + 1), MessageID: msgID,
								Sender: "w@example.cn", Subject: "请问", ReceivedAt: time.Now(), Classification: "human", Decision: "correspondence", FilingID: &fid},
							Events: []store.InboundEvent{{FilingID: fid, AccountID: d.Filing.AccountID, Actor: "applicant", Action: "email_received", At: time.Now()}},
							Items:  []store.NewWorkItem{{Kind: "reply_needed", FilingID: fid, AccountID: d.Filing.AccountID, At: time.Now(), Actor: "applicant"}},
						})
					}
					if err := s2.InTx(ctx, func(tx *store.Tx) error { _, err := tx.ApplyInbound(ctx, plans); return err }); err != nil {
						errs <- err
						return
					}
				}
			}()
			// A mailer marking emails sent one by one (the single-statement
			// path) and in batches.
			wg.Add(1)
			go func() {
				defer wg.Done()
				for !done.Load() {
					msgs, err := s2.ClaimDue(ctx, "test-mailer", time.Now().Add(time.Hour), 5, time.Minute)
					if err != nil {
						errs <- err
						return
					}
					var marks []store.SentMark
					for _, m := range msgs {
						marks = append(marks, store.SentMark{ID: m.ID, SentAt: time.Now()})
					}
					if len(marks) == 1 || len(marks) > 2 {
						for _, m := range marks {
							if _, err := s2.MarkSent(ctx, []store.SentMark{m}); err != nil {
								errs <- err
								return
							}
						}
					} else if len(marks) > 0 {
						if _, err := s2.MarkSent(ctx, marks); err != nil {
							errs <- err
							return
						}
					}
					time.Sleep(time.Millisecond)
				}
			}()

			seen := map[int64]int{}
			var order []store.FeedEvent
			cursor := "0"
			poll := func(n int) int {
				e := e1
				if n%2 == 1 {
					e = e2
				}
				var page feedPage
				e.must(200, req{method: "GET", path: "/api/v1/events?limit=7&wait=50ms&after=" + cursor, token: e.tok["read"]}).json(t, &page)
				for _, ev := range page.Events {
					seen[ev.ID]++
					order = append(order, ev)
				}
				cursor = page.Next
				return len(page.Events)
			}
			writersDone := make(chan struct{})
			go func() {
				// The writers end by themselves; the mailer when they have.
				writing.Wait()
				close(writersDone)
			}()
			for n := 0; ; n++ {
				poll(n)
				select {
				case <-writersDone:
				default:
					continue
				}
				break
			}
			done.Store(true)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			for n := 0; poll(n) > 0; n++ {
			}

			all := allEventIDs(t, d, url)
			if len(all) < writers*filingsEach*len(steps) {
				t.Fatalf("only %d events written", len(all))
			}
			for _, id := range all {
				if seen[id] != 1 {
					t.Errorf("event %d seen %d times", id, seen[id])
				}
			}
			if len(seen) != len(all) {
				t.Errorf("the feed gave %d events, the database has %d", len(seen), len(all))
			}
			sent, received, opened := 0, 0, 0
			for i, ev := range order {
				switch ev.Action {
				case "email_sent":
					sent++
				case "email_received":
					received++
				case "work_item_opened":
					opened++
				}
				if i > 0 && !cursorLess(order[i-1].Cursor, ev.Cursor) {
					t.Fatalf("position %s after %s", ev.Cursor, order[i-1].Cursor)
				}
			}
			if sent == 0 {
				t.Errorf("no email_sent events in the feed")
			}
			if received != 12*writers || opened < 12*writers {
				t.Errorf("the inbox's events in the feed: %d received (want %d), %d items opened", received, 12*writers, opened)
			}
			t.Logf("%d events, %d of them email_sent, followed exactly once", len(order), sent)
		})
	}
}

func cursorLess(a, b string) bool {
	ca, err1 := store.ParseFeedCursor(a)
	cb, err2 := store.ParseFeedCursor(b)
	return err1 == nil && err2 == nil && (ca.Seq < cb.Seq || ca.Seq == cb.Seq && ca.ID < cb.ID)
}

func openStore(t *testing.T, url string, migrate bool) *store.Store {
	t.Helper()
	s, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if migrate {
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// newEnvTokens is an API over st without creating tokens (another replica).
func newEnvTokens(t *testing.T, st *store.Store) *env {
	e := &env{t: t, st: st, tok: map[string]string{}}
	base := newEnvNoTokens(t, st)
	e.svc, e.api, e.h = base.svc, base.api, base.h
	return e
}

// allEventIDs reads every event id straight from the database, stamped or not.
func allEventIDs(t *testing.T, d store.Dialect, url string) []int64 {
	t.Helper()
	driver, dsn := "postgres", url
	if d == store.SQLite {
		driver, dsn = "sqlite", "file:"+strings.TrimPrefix(url, "sqlite://")
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT id FROM events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	var unstamped int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE commit_seq IS NULL`).Scan(&unstamped); err != nil {
		t.Fatal(err)
	}
	if unstamped > 0 {
		t.Errorf("%d committed events without a commit number", unstamped)
	}
	return out
}

// TestFeedLongPoll: a waiting feed answers as soon as an event is
// committed, an empty wait answers at once with the cursor it was given,
// and Drain (shutdown) ends a wait at once.
func TestFeedLongPoll(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		const ref = "BA-2026-000123"
		e.setup(ref, "zhangsan@example.cn")
		var end feedPage
		e.must(200, req{method: "GET", path: "/api/v1/events?after=end", token: e.tok["read"]}).json(t, &end)
		got := make(chan feedPage, 1)
		start := time.Now()
		go func() {
			var p feedPage
			e.must(200, req{method: "GET", path: "/api/v1/events?wait=20s&after=" + end.Next, token: e.tok["read"]}).json(t, &p)
			got <- p
		}()
		time.Sleep(300 * time.Millisecond)
		if r := e.act(ref, e.tok["fs"], map[string]any{"action": "submit"}); r.status != 200 {
			t.Fatalf("submit: %s", r.body)
		}
		p := <-got
		if took := time.Since(start); took > 5*time.Second || len(p.Events) == 0 || p.Events[0].Action != "submit" {
			t.Fatalf("after %v: %+v", took, p)
		}

		var empty feedPage
		start = time.Now()
		e.must(200, req{method: "GET", path: "/api/v1/events?wait=0s&after=" + p.Next, token: e.tok["read"]}).json(t, &empty)
		if len(empty.Events) != 0 || empty.Next != p.Next || time.Since(start) > time.Second {
			t.Fatalf("empty wait: %+v", empty)
		}

		go func() {
			var p2 feedPage
			e.must(200, req{method: "GET", path: "/api/v1/events?wait=20s&after=" + p.Next, token: e.tok["read"]}).json(t, &p2)
			got <- p2
		}()
		time.Sleep(300 * time.Millisecond)
		start = time.Now()
		e.api.Drain()
		select {
		case p2 := <-got:
			if len(p2.Events) != 0 || p2.Next != p.Next {
				t.Fatalf("drained: %+v", p2)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Drain did not end the wait")
		}
	})
}

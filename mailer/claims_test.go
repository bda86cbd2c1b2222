package mailer_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/mailer"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// realTimeEnv is an env whose store and mailers run on the real clock, for
// the tests in which leases must really run out.
func realTimeEnv(t *testing.T, d store.Dialect) (*env, *store.Store) {
	e := newEnv(t, d)
	st, err := store.Open(ctx, e.url, store.WithStaff([]string{staffAddr}, filing.LangChinese), store.WithMessageIDDomain("example.cn"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return e, st
}

func realTimeService(t *testing.T, e *env, st mailer.Store, set mailer.Settings) *mailer.Service {
	t.Helper()
	svc, err := mailer.New(st, e.r, set)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := svc.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
		if n := svc.Panics(); n > 0 {
			t.Errorf("%d panics recovered", n)
		}
	})
	return svc
}

// claimAs claims every due row for a worker that then dies.
func claimAs(t *testing.T, st *store.Store, owner string, lease time.Duration) []store.OutboxMessage {
	t.Helper()
	got, err := st.ClaimDue(ctx, owner, time.Now(), 1000, lease)
	if err != nil || len(got) == 0 {
		t.Fatalf("claim as %s: %d rows, %v", owner, len(got), err)
	}
	return got
}

// TestDeadWorkersEmailsGoOutWhenItsClaimRunsOut: a worker on another
// machine claims emails and dies. A running mailer sends them as soon as
// the short claim runs out: it wakes for it (no janitor, no sweep).
func TestDeadWorkersEmailsGoOutWhenItsClaimRunsOut(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			e, st := realTimeEnv(t, d)
			e.enqueue(st, "orphan", 5, nil)
			claimAs(t, st, "another-host:4242:worker-1", 2*time.Second)
			set := e.settings()
			set.Sweep = time.Hour
			svc := realTimeService(t, e, st, set)
			if err := svc.Start(ctx); err != nil {
				t.Fatal(err)
			}
			got := byMessageID(t, e.sink.waitFor(5))
			if len(got) != 5 {
				t.Fatalf("%d distinct messages", len(got))
			}
			// The last delivery is recorded just after the server took it.
			for deadline := time.Now().Add(10 * time.Second); len(e.rows(store.OutboxFilter{Status: store.OutboxSent})) < 5 && time.Now().Before(deadline); {
				time.Sleep(20 * time.Millisecond)
			}
			for _, r := range e.rows(store.OutboxFilter{}) {
				if r.Status != store.OutboxSent || r.Attempts != 2 {
					t.Errorf("row %d: %s after %d attempts", r.ID, r.Status, r.Attempts)
				}
			}
		})
	}
}

// TestRestartTakesBackAtFirstClaim: the claims of a process of this machine
// that was killed are taken back by the next mailer's first claim, long
// before they would run out.
func TestRestartTakesBackAtFirstClaim(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			e, st := realTimeEnv(t, d)
			e.enqueue(st, "predecessor", 4, nil)
			cmd := exec.Command("true")
			if err := cmd.Run(); err != nil {
				t.Skip("cannot start a process:", err)
			}
			host, _, _ := strings.Cut(store.ProcessName(), ":")
			dead := fmt.Sprintf("%s:%d:worker-1", host, cmd.Process.Pid)
			if !store.ProcessGone(dead) {
				t.Skip("the pid was reused at once")
			}
			claimAs(t, st, dead, time.Hour)
			sum, err := realTimeService(t, e, st, e.settings()).DrainOnce(ctx)
			if err != nil || sum.Sent != 4 {
				t.Fatalf("first drain after the restart: %+v %v", sum, err)
			}
			if n := len(byMessageID(t, e.sink.messages())); n != 4 {
				t.Fatalf("%d messages", n)
			}
		})
	}
}

// TestClaimRenewedWhileSending: a worker that sends for longer than its
// lease renews its claims, so a second worker polling all the while never
// takes them and nothing goes out twice.
func TestClaimRenewedWhileSending(t *testing.T) {
	e, st := realTimeEnv(t, store.Postgres)
	const n = 12
	e.enqueue(st, "slow", n, nil)
	e.sink.onData(func(received) error {
		time.Sleep(250 * time.Millisecond) // 3 s in all, beyond the 2 s lease
		return nil
	})
	set := e.settings()
	set.Timeout, set.ClaimLease = time.Second, 2*time.Second
	first := realTimeService(t, e, st, set)
	other, err := store.Open(ctx, e.url)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	second := realTimeService(t, e, other, set)
	done := make(chan struct{})
	var firstErr error
	var firstSum mailer.Summary
	go func() {
		defer close(done)
		firstSum, firstErr = first.DrainOnce(ctx)
	}()
	time.Sleep(100 * time.Millisecond) // the first claims everything
	var stolen int
	for polling := true; polling; {
		select {
		case <-done:
			polling = false
		case <-time.After(100 * time.Millisecond):
			sum, err := second.DrainOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			stolen += sum.Claimed
		}
	}
	// Without renewals, the first would have stopped once its claim ran
	// short (releasing the rest) or the second would have taken the rows.
	if firstErr != nil || firstSum.Sent != n || firstSum.Claimed != n || firstSum.Released != 0 || stolen != 0 {
		t.Fatalf("first worker %+v (%v); the second claimed %d", firstSum, firstErr, stolen)
	}
	if got := byMessageID(t, e.sink.messages()); len(got) != n {
		t.Fatalf("%d distinct messages, want %d", len(got), n)
	}
}

// TestEachDeliveryRecordedBeforeTheNextEnds: when the server receives a
// message's content, every message it accepted before is already recorded
// as sent. So a crash at any moment leaves at most the message in flight
// delivered and unrecorded.
func TestEachDeliveryRecordedBeforeTheNextEnds(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d)
			const n = 30
			e.enqueue(e.st, "seq", n, nil)
			var checked atomic.Int32
			e.sink.onData(func(r received) error {
				// Runs before the server accepts r: every earlier message
				// must be recorded now.
				for _, m := range e.sink.messages() {
					h := parse(t, m.Data).Header
					id, _ := h.MessageID()
					for _, row := range e.rows(store.OutboxFilter{}) {
						if row.MessageID == id && row.Status != store.OutboxSent {
							t.Errorf("message %s was accepted and is still %s while the next one is sent", id, row.Status)
						}
					}
				}
				checked.Add(1)
				return nil
			})
			if sum := e.drain(e.service(e.settings())); sum.Sent != n {
				t.Fatalf("summary %+v", sum)
			}
			if checked.Load() != n {
				t.Fatalf("checked %d messages", checked.Load())
			}
		})
	}
}

// failingMarks is a store on which recording a delivery fails.
type failingMarks struct {
	*store.Store
	calls atomic.Int32
}

func (f *failingMarks) MarkSent(context.Context, []store.SentMark) (int, error) {
	f.calls.Add(1)
	return 0, errors.New("database unreachable")
}

// TestStopsSendingWhenDeliveriesCannotBeRecorded: if a delivery cannot be
// recorded, the next message is abandoned before its end and nothing more
// is sent: unrecorded deliveries never pile up.
func TestStopsSendingWhenDeliveriesCannotBeRecorded(t *testing.T) {
	e := newEnv(t, store.SQLite)
	ids := e.enqueue(e.st, "norecord", 5, nil)
	fm := &failingMarks{Store: e.st}
	svc, err := mailer.New(fm, e.r, e.settings(), mailer.WithClock(e.c.Now))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := svc.DrainOnce(ctx)
	if err == nil || !strings.Contains(err.Error(), "database unreachable") {
		t.Fatalf("drain: %+v %v", sum, err)
	}
	time.Sleep(100 * time.Millisecond) // let the server see the connection drop
	if got := e.sink.messages(); len(got) != 1 {
		t.Fatalf("the server accepted %d messages, want only the first", len(got))
	}
	if r := e.row(ids[0]); r.Status != store.OutboxSending {
		t.Fatalf("the delivered row: %+v", r)
	}
	for _, id := range ids[1:] {
		if r := e.row(id); r.Status != store.OutboxQueued || r.Attempts != 0 {
			t.Errorf("row %d, never delivered, is %s after %d attempts", id, r.Status, r.Attempts)
		}
	}
}

package store_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"example.com/icpdesk/store"
)

// TestClaimTakenBackAfterOwnerDies: a worker claims emails with a short
// lease and dies (it stops renewing); once the lease has run out, the next
// claim of another worker takes them back, with no janitor involved, counting
// the attempt again. The dead worker can then no longer reschedule, fail or
// release them; a delivery it made is still recorded.
func TestClaimTakenBackAfterOwnerDies(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		const dead, alive = "web1:111:worker-1", "web2:222:worker-1"
		const lease = 30 * time.Second
		ids := enqueueMail(t, s, "d", 3, 0)
		got, err := s.ClaimDue(ctx, dead, c.Now(), 10, lease)
		if err != nil || len(got) != 3 {
			t.Fatalf("claim: %v %v", got, err)
		}
		// While the lease runs, nobody else gets the rows; renewing keeps them.
		c.Set(c.Now().Add(20 * time.Second))
		if got, err := s.ClaimDue(ctx, alive, c.Now(), 10, lease); err != nil || len(got) != 0 {
			t.Fatalf("claimed %d rows under a running lease (%v)", len(got), err)
		}
		renewed, err := s.RenewClaims(ctx, dead, ids, c.Now(), lease)
		if err != nil || len(renewed) != 3 {
			t.Fatalf("renewed %v (%v)", renewed, err)
		}
		c.Set(c.Now().Add(25 * time.Second)) // 45 s after the claim, 25 s after the renewal
		if got, err := s.ClaimDue(ctx, alive, c.Now(), 10, lease); err != nil || len(got) != 0 {
			t.Fatalf("claimed %d renewed rows (%v)", len(got), err)
		}
		// The holder dies: no more renewals. After the lease, the next claim
		// takes the rows back, oldest lease first, before any queued row.
		later := enqueueMail(t, s, "q", 1, 0)
		c.Set(c.Now().Add(lease))
		got, err = s.ClaimDue(ctx, alive, c.Now(), 2, lease)
		if err != nil || len(got) != 2 || got[0].ID != ids[0] || got[1].ID != ids[1] {
			t.Fatalf("took back %+v (%v), want rows %v", got, err, ids[:2])
		}
		if got[0].Attempts != 2 || !got[0].LeaseUntil.Equal(c.Now().Add(lease)) || got[0].Notice.Password != mailPassword {
			t.Fatalf("taken back row %+v", got[0])
		}
		got, err = s.ClaimDue(ctx, alive, c.Now(), 10, lease)
		if err != nil || len(got) != 2 || got[0].ID != ids[2] || got[1].ID != later[0] {
			t.Fatalf("second claim %+v (%v), want the last expired row then the queued one", got, err)
		}
		if r := outboxRow(t, s, ids[0]); r.Status != store.OutboxSending || r.Attempts != 2 {
			t.Fatalf("row after take-back: %+v", r)
		}
		// The dead worker (say, it was only hung) cannot undo the new claim.
		if renewed, err := s.RenewClaims(ctx, dead, ids, c.Now(), lease); err != nil || len(renewed) != 0 {
			t.Fatalf("the old holder renewed %v (%v)", renewed, err)
		}
		if n, err := s.MarkRetry(ctx, dead, []store.RetryMark{{ID: ids[0], NextAttemptAt: c.Now().Add(time.Hour), Error: "451"}}); err != nil || n != 0 {
			t.Fatalf("the old holder rescheduled %d rows (%v)", n, err)
		}
		if err := s.ReleaseClaims(ctx, dead, ids); err != nil {
			t.Fatal(err)
		}
		if _, err := s.MarkFailed(ctx, store.OutboxFailure{Owner: dead, ID: ids[0], At: c.Now(), Error: "550"}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("the old holder failed the row: %v", err)
		}
		for _, id := range ids {
			if r := outboxRow(t, s, id); r.Status != store.OutboxSending || r.Attempts != 2 {
				t.Fatalf("row %d after the old holder's attempts: %+v", id, r)
			}
		}
		// What the old holder did deliver is recorded all the same.
		if n, err := s.MarkSent(ctx, []store.SentMark{{ID: ids[0], SentAt: c.Now()}}); err != nil || n != 1 {
			t.Fatalf("marked %d sent (%v)", n, err)
		}
		// The new holder's own marks work as ever.
		if n, err := s.MarkRetry(ctx, alive, []store.RetryMark{{ID: ids[1], NextAttemptAt: c.Now().Add(time.Hour), Error: "451"}}); err != nil || n != 1 {
			t.Fatalf("the new holder rescheduled %d rows (%v)", n, err)
		}
		if err := s.ReleaseClaims(ctx, alive, []int64{ids[2]}); err != nil {
			t.Fatal(err)
		}
		if r := outboxRow(t, s, ids[2]); r.Status != store.OutboxQueued || r.Attempts != 1 {
			t.Fatalf("released row: %+v", r)
		}
	})
}

// TestTakeBackDeadClaims: a process restarted after a kill takes back at
// once the claims of processes of this machine that no longer run, and
// only theirs: not a running process's, not another machine's.
func TestTakeBackDeadClaims(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		host, _, _ := strings.Cut(store.ProcessName(), ":")
		cmd := exec.Command("true")
		if err := cmd.Run(); err != nil {
			t.Skip("cannot start a process to outlive:", err)
		}
		deadOwner := fmt.Sprintf("%s:%d:worker-1", host, cmd.Process.Pid)
		owners := []string{
			deadOwner,
			fmt.Sprintf("%s:%d:worker-1", host, os.Getppid()), // runs
			store.ProcessName() + ":worker-9",                 // this process
			fmt.Sprintf("another-host:%d:worker-1", cmd.Process.Pid),
		}
		if !store.ProcessGone(deadOwner) {
			t.Skipf("pid %d was reused at once", cmd.Process.Pid)
		}
		for i, o := range owners {
			if store.ProcessGone(o) != (i == 0) {
				t.Fatalf("ProcessGone(%q) = %v", o, !(i == 0))
			}
			enqueueMail(t, s, fmt.Sprintf("o%d-", i), 1, 0)
			if got, err := s.ClaimDue(ctx, o, c.Now(), 1, time.Minute); err != nil || len(got) != 1 {
				t.Fatalf("claim for %s: %v %v", o, got, err)
			}
		}
		n, err := s.TakeBackDeadClaims(ctx, c.Now())
		if err != nil || n != 1 {
			t.Fatalf("took back %d claims (%v), want the dead process's 1", n, err)
		}
		got, err := s.ClaimDue(ctx, store.ProcessName()+":worker-1", c.Now(), 10, time.Minute)
		if err != nil || len(got) != 1 || got[0].Recipient != "o0-0@example.cn" || got[0].Attempts != 2 {
			t.Fatalf("claimed %+v (%v), want only the dead process's email", got, err)
		}
	})
}

func TestProcessName(t *testing.T) {
	name := store.ProcessName()
	host, pid, ok := strings.Cut(name, ":")
	if !ok || host == "" || pid != fmt.Sprint(os.Getpid()) {
		t.Fatalf("process name %q", name)
	}
	for _, bad := range []string{"", "nonsense", host, host + ":x:worker-1", host + ":-1", name, name + ":worker-2"} {
		if store.ProcessGone(bad) {
			t.Errorf("ProcessGone(%q)", bad)
		}
	}
}

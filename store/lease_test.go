package store_test

import (
	"errors"
	"testing"
	"time"

	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

func TestLeaseExclusiveAndTakenOver(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			// On PostgreSQL two replicas (two stores on one database); on
			// SQLite the one process that may use the file.
			a := storetest.Open(t, d)
			b := a
			if d == store.Postgres {
				var err error
				if b, err = store.Open(ctx, a.URLForTest()); err != nil {
					t.Fatal(err)
				}
				defer b.Close()
			}
			l, err := a.TryLease(ctx, "imap:INBOX")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.TryLease(ctx, "imap:INBOX"); !errors.Is(err, store.ErrLeaseHeld) {
				t.Fatalf("second holder: %v", err)
			}
			other, err := b.TryLease(ctx, "imap:Other")
			if err != nil {
				t.Fatalf("a different name is independent: %v", err)
			}
			other.Release()
			l.Release()
			l.Release()
			l2, err := b.TryLease(ctx, "imap:INBOX")
			if err != nil {
				t.Fatalf("after release: %v", err)
			}
			l2.Release()
		})
	}
}

// TestLeaseFreedWhenHolderDies: the holder's database session ends without a
// release (the process was killed); the standby takes the lease over.
func TestLeaseFreedWhenHolderDies(t *testing.T) {
	u := storetest.URL(t, store.Postgres)
	holder, err := store.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	standby, err := store.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer standby.Close()
	l, err := holder.TryLease(ctx, "imap:INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if err := store.TerminateLeaseSessionForTest(ctx, standby, "imap:INBOX"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-l.Lost():
	case <-time.After(30 * time.Second):
		t.Fatal("the holder never noticed it lost its session")
	}
	l2, err := standby.TryLease(ctx, "imap:INBOX")
	if err != nil {
		t.Fatalf("standby could not take over: %v", err)
	}
	l2.Release()
	l.Release()
	holder.Close()
}

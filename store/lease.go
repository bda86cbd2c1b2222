package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
)

// ErrLeaseHeld is returned by TryLease when another replica holds the lease.
var ErrLeaseHeld = errors.New("held by another replica")

// Lease is an exclusive claim on a named resource (one IMAP consumer per
// mailbox) across replicas. On PostgreSQL it is a session advisory lock on a
// connection pinned for the lease's life: if the holder dies, its connection
// closes and the lock goes with it, so a standby's next TryLease succeeds.
type Lease struct {
	name string
	conn *sqlx.Conn
	lost chan struct{}
	stop chan struct{}
	once sync.Once
	wg   sync.WaitGroup
	// unlock releases an in-process (SQLite) lease.
	unlock func()
}

// leaseCheck is how often a held lease checks its connection: a holder
// that lost its session must stop consuming promptly.
const leaseCheck = time.Second

// TryLease takes the lease named name, or returns ErrLeaseHeld. The caller
// must Release it, and stop using the resource when Lost is closed.
func (s *Store) TryLease(ctx context.Context, name string) (*Lease, error) {
	l := &Lease{name: name, lost: make(chan struct{}), stop: make(chan struct{})}
	if s.dialect != Postgres {
		// One process serves a SQLite database; exclusion within it suffices.
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.leases == nil {
			s.leases = map[string]bool{}
		}
		if s.leases[name] {
			return nil, fmt.Errorf("lease %s: %w", name, ErrLeaseHeld)
		}
		s.leases[name] = true
		l.unlock = func() {
			s.mu.Lock()
			delete(s.leases, name)
			s.mu.Unlock()
		}
		return l, nil
	}
	conn, err := s.db.Connx(ctx)
	if err != nil {
		return nil, fmt.Errorf("lease %s: %w", name, err)
	}
	var got bool
	if err := conn.QueryRowxContext(ctx, `SELECT pg_try_advisory_lock(hashtext(current_schema() || ':icpdesk:lease:' || $1))`, name).Scan(&got); err != nil {
		conn.Close()
		return nil, fmt.Errorf("lease %s: %w", name, err)
	}
	if !got {
		conn.Close()
		return nil, fmt.Errorf("lease %s: %w", name, ErrLeaseHeld)
	}
	l.conn = conn
	l.wg.Add(1)
	go l.watch()
	return l, nil
}

// watch closes Lost when the pinned connection stops answering.
func (l *Lease) watch() {
	defer l.wg.Done()
	t := time.NewTicker(leaseCheck)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 2*leaseCheck)
			err := l.conn.PingContext(ctx)
			cancel()
			if err != nil {
				close(l.lost)
				return
			}
		}
	}
}

// Lost is closed when the lease can no longer be trusted (its database
// session broke); the holder must stop and try to take it again.
func (l *Lease) Lost() <-chan struct{} { return l.lost }

// Name is the leased resource.
func (l *Lease) Name() string { return l.name }

// Release gives the lease up. Releasing twice is harmless.
func (l *Lease) Release() {
	l.once.Do(func() {
		close(l.stop)
		l.wg.Wait()
		if l.unlock != nil {
			l.unlock()
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var unlocked bool
		err := l.conn.QueryRowxContext(ctx, `SELECT pg_advisory_unlock(hashtext(current_schema() || ':icpdesk:lease:' || $1))`, l.name).Scan(&unlocked)
		closePinned(l.conn, err == nil && unlocked)
	})
}

// closePinned returns a pinned connection to the pool, or, when a session
// lock may still be held on it, discards it: the pool would otherwise keep the
// session, and the lock with it, for as long as it reuses the connection.
func closePinned(conn *sqlx.Conn, clean bool) {
	if !clean {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	_ = conn.Close()
}

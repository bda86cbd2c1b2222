package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// finishEvents writes the events held for later and gives every event of
// the transaction its commit number (stampEvents). Events held for later
// are written already stamped, after the clock is taken: each is written
// once, where stamping rewrites a row and its index entries (a backlog's
// events are thousands a pass). Writing them takes no lock (on PostgreSQL
// events have no foreign keys since schema 12), so the clock is still never
// held while another lock is awaited.
func (t *Tx) finishEvents(ctx context.Context) error {
	later := t.later
	t.later = nil
	if len(later) == 0 {
		if t.events {
			return t.stampEvents(ctx)
		}
		return nil
	}
	if t.s.dialect != Postgres {
		// One transaction at a time: nothing to gain, write and stamp.
		if _, err := t.writeEvents(ctx, later, 0); err != nil {
			return err
		}
		t.events = true
		return t.stampEvents(ctx)
	}
	var seq int64
	if err := t.tx.GetContext(ctx, &seq, `UPDATE event_clock SET seq = seq + 1 WHERE id = 1 RETURNING seq`); err != nil {
		return fmt.Errorf("stamp events with their commit order: %w", err)
	}
	if t.events {
		if _, err := t.tx.ExecContext(ctx, `UPDATE events SET commit_seq = $1 WHERE commit_seq IS NULL`, seq); err != nil {
			return fmt.Errorf("stamp events with their commit order: %w", err)
		}
	}
	if len(later) >= copyEventsMin {
		if err := t.copyEvents(ctx, later, seq); err != nil {
			return err
		}
	} else if _, err := t.writeEvents(ctx, later, seq); err != nil {
		return err
	}
	t.events = true
	return nil
}

// stampEvents gives the transaction's events the next commit number, just
// before it commits. The clock's row lock is held until the commit, so a
// transaction can take number n+1 only after the one holding n has
// committed and is visible: a reader that sees n+1 sees n. Taking it last
// keeps the lock short and means it is never held while another lock is
// awaited, so it cannot deadlock. On SQLite transactions run one at a time
// anyway; the same statements keep one feed query for both.
func (t *Tx) stampEvents(ctx context.Context) error {
	if t.s.dialect == Postgres {
		if _, err := t.tx.ExecContext(ctx, `WITH c AS (UPDATE event_clock SET seq = seq + 1 WHERE id = 1 RETURNING seq)
			UPDATE events SET commit_seq = c.seq FROM c WHERE events.commit_seq IS NULL`); err != nil {
			return fmt.Errorf("stamp events with their commit order: %w", err)
		}
		return nil
	}
	var seq int64
	if err := t.get(ctx, &seq, `UPDATE event_clock SET seq = seq + 1 WHERE id = 1 RETURNING seq`); err != nil {
		return fmt.Errorf("stamp events with their commit order: %w", err)
	}
	if _, err := t.exec(ctx, `UPDATE events SET commit_seq = ? WHERE commit_seq IS NULL`, seq); err != nil {
		return fmt.Errorf("stamp events with their commit order: %w", err)
	}
	return nil
}

// wakeEvents wakes every EventsWait waiter after a commit that wrote events.
func (s *Store) wakeEvents() {
	s.mu.Lock()
	if s.eventsCh != nil {
		close(s.eventsCh)
		s.eventsCh = nil
	}
	s.mu.Unlock()
}

// EventsWait returns a channel closed at the next commit in this process
// that writes events. Other replicas' commits do not close it: a waiter
// also polls (the API's feed does, every EventsPoll).
func (s *Store) EventsWait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.eventsCh == nil {
		s.eventsCh = make(chan struct{})
	}
	return s.eventsCh
}

// EventsPoll is how often a feed waiting for events looks for those other
// replicas committed.
const EventsPoll = 500 * time.Millisecond

// FeedEvent is one event of the events feed.
type FeedEvent struct {
	// Cursor is this event's position: the feed after it starts at the next.
	Cursor    string          `json:"cursor"`
	ID        int64           `json:"id" db:"id"`
	Action    string          `json:"action" db:"action"`
	Actor     string          `json:"actor" db:"actor"`
	ActorName string          `json:"actor_name,omitempty" db:"actor_name"`
	Filing    string          `json:"filing,omitempty" db:"reference"`
	Account   string          `json:"account,omitempty" db:"email"`
	From      string          `json:"from,omitempty" db:"from_stage"`
	To        string          `json:"to,omitempty" db:"to_stage"`
	Details   json.RawMessage `json:"details" db:"-"`
	At        time.Time       `json:"at" db:"created_at"`
	Seq       int64           `json:"-" db:"commit_seq"`
	RawDetail string          `json:"-" db:"details"`
}

// FeedCursor is a position in the feed: after the event with this commit
// number and id. The zero cursor is the start.
type FeedCursor struct{ Seq, ID int64 }

func (c FeedCursor) String() string {
	return strconv.FormatInt(c.Seq, 10) + "-" + strconv.FormatInt(c.ID, 10)
}

// ParseFeedCursor reads a cursor the feed handed out; "" and "0" are the start.
func ParseFeedCursor(s string) (FeedCursor, error) {
	if s == "" || s == "0" {
		return FeedCursor{}, nil
	}
	a, b, ok := strings.Cut(s, "-")
	seq, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || seq < 0 || id < 0 {
		return FeedCursor{}, fmt.Errorf("%w: %q", ErrBadCursor, s)
	}
	return FeedCursor{Seq: seq, ID: id}, nil
}

// FeedEnd is the cursor after the last committed event: a consumer that
// wants only what happens from now on starts there.
func (s *Store) FeedEnd(ctx context.Context) (FeedCursor, error) {
	var c struct {
		Seq int64 `db:"commit_seq"`
		ID  int64 `db:"id"`
	}
	err := s.db.GetContext(ctx, &c, `SELECT COALESCE(MAX(commit_seq), 0) AS commit_seq, 0 AS id FROM events`)
	if err != nil {
		return FeedCursor{}, fmt.Errorf("read the feed's end: %w", err)
	}
	// Every event of the last commit is before (seq, max id).
	if err := s.db.GetContext(ctx, &c.ID, s.db.Rebind(`SELECT COALESCE(MAX(id), 0) FROM events WHERE commit_seq = ?`), c.Seq); err != nil {
		return FeedCursor{}, fmt.Errorf("read the feed's end: %w", err)
	}
	return FeedCursor{Seq: c.Seq, ID: c.ID}, nil
}

// FeedEvents returns up to limit committed events after the cursor, in
// commit order (events of one transaction by id).
func (s *Store) FeedEvents(ctx context.Context, after FeedCursor, limit int) ([]FeedEvent, error) {
	if limit <= 0 {
		limit = 100
	}
	var out []FeedEvent
	err := s.db.SelectContext(ctx, &out, s.db.Rebind(`SELECT e.commit_seq, e.id, e.action, e.actor, e.actor_name,
		COALESCE(f.reference, '') AS reference, COALESCE(a.email, '') AS email,
		e.from_stage, e.to_stage, e.details, e.created_at
		FROM events e LEFT JOIN filings f ON f.id = e.filing_id LEFT JOIN accounts a ON a.id = e.account_id
		WHERE (e.commit_seq, e.id) > (?, ?)
		ORDER BY e.commit_seq, e.id LIMIT `+strconv.Itoa(limit)), after.Seq, after.ID)
	if err != nil {
		return nil, fmt.Errorf("read the events feed: %w", err)
	}
	for i := range out {
		out[i].Details = json.RawMessage(out[i].RawDetail)
		out[i].Cursor = FeedCursor{Seq: out[i].Seq, ID: out[i].ID}.String()
	}
	return out, nil
}

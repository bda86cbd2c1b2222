package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
)

// A dry run carries out a job exactly as it would run (the same rules, the
// same statements) and rolls every transaction back, keeping a record of
// what it would have written: `jobs run NAME --now <future>` shows what a
// sweep would flag and send without flagging or sending anything.

// DryRun records what the transactions of a dry run would have written.
type DryRun struct {
	mu     sync.Mutex
	Emails []DryEmail
	Events []DryEvent
}

// DryEmail is an email a dry run would have queued.
type DryEmail struct {
	Kind      string `db:"kind" json:"kind"`
	Recipient string `db:"recipient" json:"recipient"`
	Filing    string `db:"reference" json:"filing,omitempty"`
}

// DryEvent is a change a dry run would have made. For a work item opened or
// closed, Item is its kind.
type DryEvent struct {
	Action  string `db:"action" json:"action"`
	Filing  string `db:"reference" json:"filing,omitempty"`
	Item    string `db:"-" json:"item,omitempty"`
	Details string `db:"details" json:"-"`
}

type dryRunKey struct{}

// WithDryRun returns a context in which every Store.InTx rolls back,
// recording into d what it would have written.
func WithDryRun(ctx context.Context, d *DryRun) context.Context {
	return context.WithValue(ctx, dryRunKey{}, d)
}

func dryRunFrom(ctx context.Context) *DryRun {
	d, _ := ctx.Value(dryRunKey{}).(*DryRun)
	return d
}

// marks are the highest outbox and event ids a transaction started with.
type marks struct{ outbox, events int64 }

func (t *Tx) marks(ctx context.Context) (marks, error) {
	var m marks
	if err := t.get(ctx, &m.outbox, `SELECT COALESCE(MAX(id), 0) FROM outbox`); err != nil {
		return m, fmt.Errorf("dry run: %w", err)
	}
	if err := t.get(ctx, &m.events, `SELECT COALESCE(MAX(id), 0) FROM events`); err != nil {
		return m, fmt.Errorf("dry run: %w", err)
	}
	return m, nil
}

// record reads what the transaction wrote since m, before it is rolled back.
func (t *Tx) record(ctx context.Context, d *DryRun, m marks) error {
	var emails []DryEmail
	if err := t.selectRows(ctx, &emails, `SELECT o.kind, o.recipient, COALESCE(f.reference, '') AS reference
		FROM outbox o LEFT JOIN filings f ON f.id = o.filing_id WHERE o.id > ? ORDER BY o.id`, m.outbox); err != nil {
		return fmt.Errorf("dry run: %w", err)
	}
	var events []DryEvent
	if err := t.selectRows(ctx, &events, `SELECT e.action, COALESCE(f.reference, '') AS reference, e.details
		FROM events e LEFT JOIN filings f ON f.id = e.filing_id WHERE e.id > ? ORDER BY e.id`, m.events); err != nil {
		return fmt.Errorf("dry run: %w", err)
	}
	for i := range events {
		var d struct {
			Kind string `json:"kind"`
		}
		if json.Unmarshal([]byte(events[i].Details), &d) == nil {
			events[i].Item = d.Kind
		}
	}
	d.mu.Lock()
	d.Emails = append(d.Emails, emails...)
	d.Events = append(d.Events, events...)
	d.mu.Unlock()
	return nil
}

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"example.com/icpdesk/filing"
)

// This file is the staff work queue's SQL. An item is opened in the
// transaction of its cause (OpenWorkItems, called by the inbox, the stage
// changes and the mailer) and closed by the staff action that resolves it
// (CloseWorkItems), with who, when, how and a note. A partial unique index
// keeps one open item per cause.

// WorkItem is one thing waiting for staff.
type WorkItem struct {
	ID        int64           `json:"id" db:"id"`
	Kind      filing.WorkKind `json:"kind" db:"kind"`
	Cause     string          `json:"cause" db:"cause"`
	FilingID  *int64          `json:"-" db:"filing_id"`
	AccountID *int64          `json:"-" db:"account_id"`
	InboundID *int64          `json:"inbound_id,omitempty" db:"inbound_id"`
	OutboxID  *int64          `json:"outbox_id,omitempty" db:"outbox_id"`
	// Details are what the cause said, for staff: the question asked, the
	// failure reason, the deadline.
	Details    JSONText   `json:"details,omitempty" db:"details"`
	OpenedAt   time.Time  `json:"opened_at" db:"opened_at"`
	ClosedAt   *time.Time `json:"closed_at,omitempty" db:"closed_at"`
	ClosedBy   string     `json:"closed_by,omitempty" db:"closed_by"`
	Resolution string     `json:"resolution,omitempty" db:"resolution"`
	Note       string     `json:"note,omitempty" db:"note"`

	// Read with the item, for lists: the filing, the message, the email.
	FilingRef string     `json:"filing,omitempty" db:"filing_ref"`
	Stage     string     `json:"stage,omitempty" db:"stage"`
	Deadline  *time.Time `json:"deadline,omitempty" db:"deadline"`
	Sender    string     `json:"sender,omitempty" db:"sender"`
	Subject   string     `json:"subject,omitempty" db:"subject"`
	Recipient string     `json:"recipient,omitempty" db:"recipient"`
	EmailKind string     `json:"email_kind,omitempty" db:"email_kind"`
	LastError string     `json:"last_error,omitempty" db:"last_error"`
}

// Open reports whether the item still waits for staff.
func (w WorkItem) Open() bool { return w.ClosedAt == nil }

// NewWorkItem is an item to open. Zero ids are none.
type NewWorkItem struct {
	Kind      filing.WorkKind
	Cause     string
	FilingID  int64
	AccountID int64
	InboundID int64
	OutboxID  int64
	Details   map[string]any
	At        time.Time
	// Actor is who or what opened it, for the audit event.
	Actor     filing.Actor
	ActorName string
}

// OpenWorkItems opens items in the caller's transaction, one statement per
// few hundred, and writes an audit event for each. A cause that already has
// an open item is left alone: the same question asked twice is one item. It
// returns how many it opened.
func (t *Tx) OpenWorkItems(ctx context.Context, items []NewWorkItem) (int, error) {
	opened := 0
	for start := 0; start < len(items); start += bulkRows {
		chunk := items[start:min(start+bulkRows, len(items))]
		var b strings.Builder
		b.WriteString(`INSERT INTO work_items (kind, cause, filing_id, account_id, inbound_id, outbox_id, details, opened_at) VALUES `)
		args := make([]any, 0, len(chunk)*8)
		seen := map[string]bool{}
		n := 0
		for _, it := range chunk {
			if !it.Kind.Valid() || it.Cause == "" {
				return opened, fmt.Errorf("open work item: kind %q cause %q", it.Kind, it.Cause)
			}
			if seen[it.Cause] {
				continue // one statement may not name a cause twice (PostgreSQL refuses)
			}
			seen[it.Cause] = true
			details := []byte("{}")
			if len(it.Details) > 0 {
				var err error
				if details, err = jsonMarshal(it.Details); err != nil {
					return opened, err
				}
			}
			at := it.At
			if at.IsZero() {
				at = t.s.now()
			}
			if n > 0 {
				b.WriteString(", ")
			}
			n++
			b.WriteString(`(?, ?, ?, ?, ?, ?, ?, ?)`)
			args = append(args, string(it.Kind), it.Cause, nullID(it.FilingID), nullID(it.AccountID), nullID(it.InboundID),
				nullID(it.OutboxID), string(details), dbTime(at))
		}
		b.WriteString(` ON CONFLICT (cause) WHERE closed_at IS NULL DO NOTHING RETURNING cause`)
		var causes []string
		if err := t.selectRows(ctx, &causes, b.String(), args...); err != nil {
			return opened, fmt.Errorf("open %d work items: %w", n, err)
		}
		opened += len(causes)
		if len(causes) == 0 {
			continue
		}
		byCause := make(map[string]NewWorkItem, len(chunk))
		for _, it := range chunk {
			byCause[it.Cause] = it
		}
		events := make([]event, 0, len(causes))
		for _, c := range causes {
			it := byCause[c]
			at := it.At
			if at.IsZero() {
				at = t.s.now()
			}
			actor := it.Actor
			if actor == "" {
				actor = filing.ActorScheduler
			}
			details := map[string]any{"kind": string(it.Kind), "cause": it.Cause}
			if it.InboundID != 0 {
				details["inbound_id"] = it.InboundID
			}
			if it.OutboxID != 0 {
				details["outbox_id"] = it.OutboxID
			}
			events = append(events, event{FilingID: it.FilingID, AccountID: it.AccountID, Actor: actor, ActorName: it.ActorName,
				Action: "work_item_opened", Details: details, At: at})
		}
		if _, err := t.insertEvents(ctx, events); err != nil {
			return opened, err
		}
	}
	return opened, nil
}

// WorkSelector names the open items a staff action or a change closes: by
// id, or every open item of the given kinds (all kinds when empty) about a
// filing, a message or an email.
type WorkSelector struct {
	ID        int64
	FilingIDs []int64
	InboundID int64
	OutboxID  int64
	Kinds     []filing.WorkKind
}

// WorkClosure is how items were resolved.
type WorkClosure struct {
	By         string
	Actor      filing.Actor
	Resolution filing.Resolution
	Note       string
	At         time.Time
}

// ClosedWorkItem is an item CloseWorkItems closed.
type ClosedWorkItem struct {
	ID       int64           `db:"id"`
	Kind     filing.WorkKind `db:"kind"`
	FilingID *int64          `db:"filing_id"`
}

// CloseWorkItems closes the open items sel names, recording who closed them,
// how and why, with an audit event each. Closing nothing is not an error:
// the caller says whether it expected an item.
func (t *Tx) CloseWorkItems(ctx context.Context, sel WorkSelector, c WorkClosure) ([]ClosedWorkItem, error) {
	var where []string
	var args []any
	switch {
	case sel.ID != 0:
		where, args = append(where, `id = ?`), append(args, sel.ID)
	case len(sel.FilingIDs) > 0:
		where, args = append(where, `filing_id IN (?)`), append(args, sel.FilingIDs)
	case sel.InboundID != 0:
		where, args = append(where, `inbound_id = ?`), append(args, sel.InboundID)
	case sel.OutboxID != 0:
		where, args = append(where, `outbox_id = ?`), append(args, sel.OutboxID)
	default:
		return nil, errors.New("close work items: no item named")
	}
	if len(sel.Kinds) > 0 {
		kinds := make([]string, len(sel.Kinds))
		for i, k := range sel.Kinds {
			kinds[i] = string(k)
		}
		where, args = append(where, `kind IN (?)`), append(args, kinds)
	}
	at := c.At
	if at.IsZero() {
		at = t.s.now()
	}
	q, inArgs, err := t.inList(`UPDATE work_items SET closed_at = ?, closed_by = ?, resolution = ?, note = ?
		WHERE closed_at IS NULL AND `+strings.Join(where, " AND ")+` RETURNING id, kind, filing_id`,
		append([]any{dbTime(at), c.By, string(c.Resolution), filing.OneLine(c.Note)}, args...)...)
	if err != nil {
		return nil, err
	}
	var closed []ClosedWorkItem
	if err := t.tx.SelectContext(ctx, &closed, q, inArgs...); err != nil {
		return nil, fmt.Errorf("close work items: %w", err)
	}
	if len(closed) == 0 {
		return nil, nil
	}
	actor := c.Actor
	if actor == "" {
		actor = filing.ActorStaff
	}
	events := make([]event, len(closed))
	for i, w := range closed {
		var fid int64
		if w.FilingID != nil {
			fid = *w.FilingID
		}
		details := map[string]any{"item_id": w.ID, "kind": string(w.Kind), "resolution": string(c.Resolution)}
		if c.Note != "" {
			details["note"] = filing.OneLine(c.Note)
		}
		events[i] = event{FilingID: fid, Actor: actor, ActorName: c.By, Action: "work_item_closed", Details: details, At: at}
	}
	if _, err := t.insertEvents(ctx, events); err != nil {
		return nil, err
	}
	return closed, nil
}

const workItemColumns = `w.id, w.kind, w.cause, w.filing_id, w.account_id, w.inbound_id, w.outbox_id, w.details, w.opened_at,
	w.closed_at, w.closed_by, w.resolution, w.note,
	COALESCE(f.reference, '') AS filing_ref, COALESCE(f.stage, '') AS stage, f.deadline,
	COALESCE(i.sender, '') AS sender, COALESCE(i.subject, '') AS subject,
	COALESCE(o.recipient, '') AS recipient, COALESCE(o.kind, '') AS email_kind, COALESCE(o.last_error, '') AS last_error`

const workItemJoins = ` FROM work_items w
	LEFT JOIN filings f ON f.id = w.filing_id
	LEFT JOIN inbound_messages i ON i.id = w.inbound_id
	LEFT JOIN outbox o ON o.id = w.outbox_id`

// WorkFilter selects items to list.
type WorkFilter struct {
	Kind filing.WorkKind // empty: every kind
	All  bool            // closed ones too
	// FilingID, InboundID and OutboxID narrow to one filing, message or email.
	FilingID  int64
	InboundID int64
	OutboxID  int64
	// Limit caps the rows (default 100); After pages on by id.
	Limit int
	After int64
}

// ListWorkItems returns items oldest first (open ones by when they were
// opened), with the filing, message and email they are about.
func (s *Store) ListWorkItems(ctx context.Context, f WorkFilter) ([]WorkItem, error) {
	q := `SELECT ` + workItemColumns + workItemJoins + ` WHERE 1 = 1`
	var args []any
	if !f.All {
		q += ` AND w.closed_at IS NULL`
	}
	if f.Kind != "" {
		q += ` AND w.kind = ?`
		args = append(args, string(f.Kind))
	}
	if f.FilingID != 0 {
		q += ` AND w.filing_id = ?`
		args = append(args, f.FilingID)
	}
	if f.InboundID != 0 {
		q += ` AND w.inbound_id = ?`
		args = append(args, f.InboundID)
	}
	if f.OutboxID != 0 {
		q += ` AND w.outbox_id = ?`
		args = append(args, f.OutboxID)
	}
	if f.After != 0 {
		q += ` AND w.id > ?`
		args = append(args, f.After)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q += fmt.Sprintf(` ORDER BY w.opened_at, w.id LIMIT %d`, limit)
	var out []WorkItem
	if err := s.db.SelectContext(ctx, &out, s.db.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("list work items: %w", err)
	}
	return out, nil
}

// WorkItemByID reads one item, open or closed.
func (s *Store) WorkItemByID(ctx context.Context, id int64) (WorkItem, error) {
	var w WorkItem
	err := s.db.GetContext(ctx, &w, s.db.Rebind(`SELECT `+workItemColumns+workItemJoins+` WHERE w.id = ?`), id)
	if errors.Is(err, sql.ErrNoRows) {
		return w, fmt.Errorf("work item %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return w, fmt.Errorf("read work item %d: %w", id, err)
	}
	return w, nil
}

// WorkCount is how many items of a kind are open, and since when the oldest.
type WorkCount struct {
	Kind   filing.WorkKind `db:"kind" json:"kind"`
	Open   int             `db:"n" json:"open"`
	Oldest *time.Time      `db:"oldest" json:"oldest,omitempty"`
}

// CountOpenWorkItems counts open items by kind, for the digest, the metrics
// and the console: true totals, whatever a list shows.
func (s *Store) CountOpenWorkItems(ctx context.Context) ([]WorkCount, error) {
	var out []WorkCount
	if err := s.db.SelectContext(ctx, &out, `SELECT kind, COUNT(*) AS n, MIN(opened_at) AS oldest
		FROM work_items WHERE closed_at IS NULL GROUP BY kind ORDER BY kind`); err != nil {
		return nil, fmt.Errorf("count work items: %w", err)
	}
	return out, nil
}

// JSONText is a JSON column as read: PostgreSQL returns JSONB as bytes,
// SQLite returns TEXT as a string; both become raw JSON.
type JSONText json.RawMessage

// Scan implements sql.Scanner.
func (j *JSONText) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*j = nil
	case []byte:
		*j = append(JSONText(nil), x...)
	case string:
		*j = JSONText(x)
	default:
		return fmt.Errorf("JSON column: unexpected %T", v)
	}
	return nil
}

// MarshalJSON writes the JSON as it is ("null" when empty).
func (j JSONText) MarshalJSON() ([]byte, error) {
	if len(j) == 0 {
		return []byte("null"), nil
	}
	return j, nil
}

// CountFilingsByStage counts filings in each stage.
func (s *Store) CountFilingsByStage(ctx context.Context) (map[filing.Stage]int, error) {
	var rows []struct {
		Stage string `db:"stage"`
		N     int    `db:"n"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT stage, COUNT(*) AS n FROM filings GROUP BY stage`); err != nil {
		return nil, fmt.Errorf("count filings: %w", err)
	}
	out := map[filing.Stage]int{}
	for _, r := range rows {
		out[filing.Stage(r.Stage)] = r.N
	}
	return out, nil
}

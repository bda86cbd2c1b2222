package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"example.com/icpdesk/filing"
)

// event is one audit row: who did what to which filing or account, when.
type event struct {
	FilingID  int64
	AccountID int64
	Actor     filing.Actor
	ActorName string
	Action    string
	From, To  filing.Stage
	Details   map[string]any
	At        time.Time
}

func (t *Tx) insertEvent(ctx context.Context, e event) error {
	_, err := t.insertEventID(ctx, e)
	return err
}

// detailsJSON is an event's details as stored: {} when it has none.
func (e event) detailsJSON() (string, error) {
	if len(e.Details) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(e.Details)
	if err != nil {
		return "", fmt.Errorf("event details: %w", err)
	}
	return string(b), nil
}

func (t *Tx) insertEventID(ctx context.Context, e event) (int64, error) {
	details, err := e.detailsJSON()
	if err != nil {
		return 0, err
	}
	t.events = true
	var id int64
	err = t.get(ctx, &id, `INSERT INTO events (filing_id, account_id, actor, actor_name, action, from_stage, to_stage, details, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		nullID(e.FilingID), nullID(e.AccountID), string(e.Actor), e.ActorName, e.Action, string(e.From), string(e.To), details, dbTime(e.At))
	if err != nil {
		return 0, fmt.Errorf("write event %s: %w", e.Action, err)
	}
	return id, nil
}

// Event is an audit event as the CLI shows it.
type Event struct {
	ID        int64           `json:"id" db:"id"`
	Actor     string          `json:"actor" db:"actor"`
	ActorName string          `json:"actor_name,omitempty" db:"actor_name"`
	Action    string          `json:"action" db:"action"`
	From      string          `json:"from,omitempty" db:"from_stage"`
	To        string          `json:"to,omitempty" db:"to_stage"`
	Details   json.RawMessage `json:"details" db:"details"`
	At        time.Time       `json:"at" db:"created_at"`
}

// FilingEvents returns a filing's audit trail, oldest first. Rows are
// scanned by hand: a timeline can be long, and reflection per row was the
// larger part of reading it.
func (s *Store) FilingEvents(ctx context.Context, filingID int64) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(`SELECT id, actor, actor_name, action, from_stage, to_stage, details, created_at
		FROM events WHERE filing_id = ? ORDER BY id`), filingID)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var details []byte
		if err := rows.Scan(&e.ID, &e.Actor, &e.ActorName, &e.Action, &e.From, &e.To, &details, &e.At); err != nil {
			return nil, fmt.Errorf("read events: %w", err)
		}
		e.Details = json.RawMessage(details)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return out, nil
}

func jsonMarshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return b, nil
}

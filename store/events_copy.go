package store

import (
	"context"
	"fmt"
)

// copyEventsMin is the smallest set of deferred events written with COPY:
// a backlog's transaction writes a few hundred, and a multi-row INSERT of
// them is a statement of thousands of parameters that PostgreSQL parses and
// plans each time (issue 14). A few go in the INSERT.
const copyEventsMin = 32

// copyEvents writes events stamped with commit number seq, with COPY. It is
// for events whose ids nobody needs (Tx.finishEvents), on PostgreSQL.
func (t *Tx) copyEvents(ctx context.Context, events []event, seq int64) error {
	stmt, err := t.tx.PrepareContext(ctx, `COPY events (filing_id, account_id, actor, actor_name, action, from_stage, to_stage, details, created_at, commit_seq) FROM STDIN`)
	if err != nil {
		return fmt.Errorf("write %d events: %w", len(events), err)
	}
	defer stmt.Close()
	for _, e := range events {
		details, err := e.detailsJSON()
		if err != nil {
			return err
		}
		if _, err := stmt.ExecContext(ctx, nullID(e.FilingID), nullID(e.AccountID), string(e.Actor), e.ActorName, e.Action,
			string(e.From), string(e.To), details, dbTime(e.At), seq); err != nil {
			return fmt.Errorf("write event %s: %w", e.Action, err)
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return fmt.Errorf("write %d events: %w", len(events), err)
	}
	return nil
}

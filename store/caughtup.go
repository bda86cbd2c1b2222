package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// MarkCaughtUp records that every message in the mailbox at the server at
// time at has been recorded: the watcher calls it after each complete pass
// and while IDLE is healthy. The deadline sweep reads it.
func (s *Store) MarkCaughtUp(ctx context.Context, mailbox string, uidValidity uint32, at time.Time) error {
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`INSERT INTO mailbox_checkpoints (mailbox, uidvalidity, last_uid, updated_at, caught_up_at)
		VALUES (?, ?, 0, ?, ?)
		ON CONFLICT (mailbox) DO UPDATE SET caught_up_at = CASE
			WHEN mailbox_checkpoints.caught_up_at > excluded.caught_up_at THEN mailbox_checkpoints.caught_up_at
			ELSE excluded.caught_up_at END`),
		mailbox, int64(uidValidity), dbTime(at), dbTime(at))
	if err != nil {
		return fmt.Errorf("mark %s caught up: %w", mailbox, err)
	}
	return nil
}

// InboxCaughtUp returns the latest time the watched mailbox was known to be
// fully recorded, and false when no inbox has ever run (then nothing can be
// waiting in it for icpdesk).
func (s *Store) InboxCaughtUp(ctx context.Context) (time.Time, bool, error) {
	var t sql.NullTime
	if err := s.db.GetContext(ctx, &t, `SELECT MAX(caught_up_at) FROM mailbox_checkpoints`); err != nil {
		return time.Time{}, false, fmt.Errorf("read inbox progress: %w", err)
	}
	return t.Time, t.Valid, nil
}

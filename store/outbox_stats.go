package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// OutboxQueue reports how many emails wait to be sent and since when the
// oldest has waited, for the metrics endpoint.
func (s *Store) OutboxQueue(ctx context.Context) (depth int, oldest time.Time, err error) {
	var row struct {
		N      int          `db:"n"`
		Oldest sql.NullTime `db:"oldest"`
	}
	if err := s.db.GetContext(ctx, &row, `SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE status IN ('queued', 'sending')`); err != nil {
		return 0, time.Time{}, fmt.Errorf("outbox queue: %w", err)
	}
	return row.N, row.Oldest.Time, nil
}

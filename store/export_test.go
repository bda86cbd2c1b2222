package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

// ExecForTest runs a statement outside the store's API, for tests that must
// set up states the API refuses to create.
func ExecForTest(ctx context.Context, s *Store, q string, args ...any) error {
	_, err := s.db.ExecContext(ctx, s.db.Rebind(q), args...)
	return err
}

// GetForTest reads one value outside the store's API.
func GetForTest(ctx context.Context, s *Store, dest any, q string, args ...any) error {
	return s.db.GetContext(ctx, dest, s.db.Rebind(q), args...)
}

// DumpForTest renders every row of every table as text, for tests that look
// for data that must never be stored.
func DumpForTest(ctx context.Context, t testing.TB, s *Store) string {
	t.Helper()
	var tables []string
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if s.dialect == Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	}
	if err := s.db.SelectContext(ctx, &tables, q); err != nil {
		t.Fatal(err)
	}
	sort.Strings(tables)
	if len(tables) < 8 {
		t.Fatalf("dump found only tables %v", tables)
	}
	var b strings.Builder
	for _, table := range tables {
		rows, err := s.db.QueryxContext(ctx, `SELECT * FROM `+table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			vals, err := rows.SliceScan()
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s:", table)
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, " %v", v)
			}
			b.WriteByte('\n')
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return b.String()
}

// ExplainSweepForTest returns the plan of the sweep's search query.
func ExplainSweepForTest(ctx context.Context, s *Store, now time.Time) (string, error) {
	var lines []string
	err := s.db.SelectContext(ctx, &lines, `EXPLAIN `+s.db.Rebind(sweepQuery), sweepArgs(now, time.Time{}, 0)...)
	return strings.Join(lines, "\n"), err
}

// BareDueSelectForTest is the limit of the sweep's search: one indexed
// SELECT of every due row.
func BareDueSelectForTest(ctx context.Context, s *Store, now time.Time) (int, error) {
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(`SELECT id, reference, deadline, returned_at FROM filings
		WHERE deadline IS NOT NULL AND NOT overdue AND deadline <= ?`), dbTime(now.Add(-time.Second)))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}

// SweepFindOnlyForTest runs the sweep's paged search without changing anything.
func SweepFindOnlyForTest(ctx context.Context, s *Store, now time.Time) (int, error) {
	n := 0
	var after time.Time
	var afterID int64
	for {
		due, err := s.dueFilings(ctx, now, after, afterID)
		if err != nil {
			return n, err
		}
		n += len(due)
		if len(due) < sweepPage {
			return n, nil
		}
		after, afterID = due[len(due)-1].Deadline, due[len(due)-1].ID
	}
}

// TerminateLeaseSessionForTest kills the database session holding a lease,
// as if its process had died.
func TerminateLeaseSessionForTest(ctx context.Context, s *Store, name string) error {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT COUNT(pg_terminate_backend(l.pid)) FROM pg_locks l
		WHERE l.locktype = 'advisory' AND l.granted AND l.objid = (hashtext(current_schema() || ':icpdesk:lease:' || $1)::bigint & 4294967295)::oid`, name)
	if err == nil && n != 1 {
		return fmt.Errorf("terminated %d sessions, want 1", n)
	}
	return err
}

// URLForTest returns the URL the store was opened with.
func (s *Store) URLForTest() string { return s.rawURL }

// SetSweepSizesForTest shrinks the sweep's batches and pages; call the
// returned function to restore them.
func SetSweepSizesForTest(batch, page int) func() {
	b, p := sweepBatch, sweepPage
	sweepBatch, sweepPage = batch, page
	return func() { sweepBatch, sweepPage = b, p }
}

// SelectForTest reads rows outside the store's API.
func SelectForTest(ctx context.Context, s *Store, dest any, q string, args ...any) error {
	return s.db.SelectContext(ctx, dest, s.db.Rebind(q), args...)
}

// ViewQuery is one statement the filing view (desk.Filing) issues.
type ViewQuery struct {
	SQL  string
	Args []any
}

// FilingViewQueriesForTest are the statements desk.Filing issues for a
// filing, as the store writes them, for the benchmark's bare side. Keep
// them in step with loadFiling, accountBy, FilingEvents, ListInbound,
// ListOutbox and ListWorkItems.
func FilingViewQueriesForTest(s *Store, ref string, filingID, accountID int64) []ViewQuery {
	qs := []ViewQuery{
		{`SELECT ` + filingColumns + ` FROM filings WHERE reference = ?`, []any{ref}},
		{`SELECT role, name, id_fingerprint, id_masked, phone, email FROM filing_persons WHERE filing_id = ?`, []any{filingID}},
		{`SELECT name, ascii, registrant FROM filing_domains WHERE filing_id = ? ORDER BY position`, []any{filingID}},
		{`SELECT ` + accountColumns + ` FROM accounts WHERE id = ?`, []any{accountID}},
		{`SELECT id, actor, actor_name, action, from_stage, to_stage, details, created_at
		FROM events WHERE filing_id = ? ORDER BY id`, []any{filingID}},
		{`SELECT ` + inboundColumns + inboundFrom + ` WHERE 1 = 1 AND i.filing_id = ? ORDER BY i.id DESC`, []any{filingID}},
		{`SELECT ` + outboxRowColumns + ` FROM outbox o LEFT JOIN filings f ON f.id = o.filing_id WHERE 1 = 1 AND o.filing_id = ? ORDER BY o.id DESC`, []any{filingID}},
		{`SELECT ` + workItemColumns + workItemJoins + ` WHERE 1 = 1 AND w.filing_id = ? ORDER BY w.opened_at, w.id LIMIT 100`, []any{filingID}},
	}
	for i := range qs {
		qs[i].SQL = s.db.Rebind(qs[i].SQL)
	}
	return qs
}

// TxExecForTest runs a statement in tx, outside the store's API: for tests
// that hold a lock in a transaction of their own.
func TxExecForTest(ctx context.Context, tx *Tx, q string, args ...any) error {
	_, err := tx.exec(ctx, q, args...)
	return err
}

// SetMarkLockTimeoutForTest changes markOneSent's lock timeout for the
// stores opened afterwards, and returns a function that restores it.
func SetMarkLockTimeoutForTest(d string) func() {
	old := markLockTimeout
	markLockTimeout = d
	return func() { markLockTimeout = old }
}

package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// BenchmarkDeadlineSweep measures the deadline sweep over 1,000,000 filings of
// which 10,000 are past their deadline, on PostgreSQL (docs/architecture.md, Performance
// targets), beside the limit: the bare indexed SELECT of the same rows. It
// prints the sweep query's plan, to show it reads the partial index.
//
//	ICPDESK_TEST_POSTGRES_URL=… go test -run '^$' -bench DeadlineSweep -benchtime 1x ./store
func BenchmarkDeadlineSweep(b *testing.B) {
	const total, due = 1_000_000, 10_000
	s := storetest.Open(b, store.Postgres, store.WithStaff([]string{"staff@example.cn"}, filing.LangChinese))
	now := time.Date(2026, 12, 20, 10, 0, 0, 0, time.UTC)
	setupStart := time.Now()
	for _, q := range []string{
		`INSERT INTO accounts (email, name, language, status, customer, created_at, updated_at)
			VALUES ('zhangsan@example.cn', '张三', 'zh-CN', 'approved', TRUE, now(), now())`,
		// Most filings are approved or in review; some are returned with a
		// deadline still ahead; `due` of them are past it.
		fmt.Sprintf(`INSERT INTO filings (reference, account_id, subject_type, subject_name, website_name, stage,
			return_reason, return_source, returned_at, deadline, version, created_at, updated_at)
			SELECT 'BA-2026-' || lpad(g::text, 7, '0'), 1, 'enterprise', '杭州示例科技有限公司', '示例商城',
				CASE WHEN g <= %[1]d THEN 'returned' WHEN g %% 10 = 0 THEN 'returned' WHEN g %% 3 = 0 THEN 'provider_review' ELSE 'approved' END,
				CASE WHEN g <= %[1]d OR g %% 10 = 0 THEN '材料不全' ELSE '' END,
				CASE WHEN g <= %[1]d OR g %% 10 = 0 THEN 'bureau' ELSE '' END,
				CASE WHEN g <= %[1]d THEN $1::timestamptz - interval '10 days' WHEN g %% 10 = 0 THEN $1::timestamptz - interval '1 day' END,
				CASE WHEN g <= %[1]d THEN $1::timestamptz - interval '2 days' - (g || ' seconds')::interval
				     WHEN g %% 10 = 0 THEN $1::timestamptz + interval '6 days' END,
				4, now(), now()
			FROM generate_series(1, %[2]d) g`, due, total),
		fmt.Sprintf(`INSERT INTO filing_domains (filing_id, position, name, ascii, registrant)
			SELECT g, 0, 'site' || g || '.example.cn', 'site' || g || '.example.cn', '杭州示例科技有限公司' FROM generate_series(1, %d) g`, due),
		`ANALYZE`,
	} {
		var args []any
		if strings.Contains(q, "$1") {
			args = append(args, now)
		}
		if err := store.ExecForTest(ctx, s, q, args...); err != nil {
			b.Fatalf("setup: %v", err)
		}
	}
	b.Logf("setup of %d filings took %v", total, time.Since(setupStart).Round(time.Millisecond))

	plan, err := store.ExplainSweepForTest(ctx, s, now)
	if err != nil {
		b.Fatal(err)
	}
	usesIndex := strings.Contains(plan, "filings_awaiting_deadline_idx")
	fmt.Printf("sweep query plan (partial index used: %v):\n%s\n", usesIndex, plan)
	if !usesIndex {
		b.Errorf("the sweep query does not use the partial index")
	}

	bare := func() time.Duration {
		start := time.Now()
		n, err := store.BareDueSelectForTest(ctx, s, now)
		if err != nil {
			b.Fatal(err)
		}
		if n != due {
			b.Fatalf("bare select found %d rows, want %d", n, due)
		}
		return time.Since(start)
	}
	bare() // warm the cache for both
	var sweepTotal, findTotal, bareTotal, steadyTotal, bareEmptyTotal time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if err := store.ExecForTest(ctx, s, `UPDATE filings SET overdue = FALSE, version = 4 WHERE overdue`); err != nil {
			b.Fatal(err)
		}
		for _, q := range []string{`DELETE FROM outbox`, `DELETE FROM events`, `VACUUM ANALYZE filings`} {
			if err := store.ExecForTest(ctx, s, q); err != nil {
				b.Fatal(err)
			}
		}
		bareTotal += bare()
		start := time.Now()
		n, err := store.SweepFindOnlyForTest(ctx, s, now)
		if err != nil || n != due {
			b.Fatalf("sweep find phase: %d rows, %v", n, err)
		}
		findTotal += time.Since(start)
		b.StartTimer()

		start = time.Now()
		res, err := s.SweepDeadlines(ctx, now)
		if err != nil || res.Flagged != due {
			b.Fatalf("sweep: %+v %v", res, err)
		}
		sweepTotal += time.Since(start)

		b.StopTimer()
		// The steady state: the sweep every 5 minutes with nothing due.
		start = time.Now()
		res, err = s.SweepDeadlines(ctx, now.Add(time.Minute))
		if err != nil || res.Flagged != 0 {
			b.Fatalf("steady sweep: %+v %v", res, err)
		}
		steadyTotal += time.Since(start)
		start = time.Now()
		if _, err := store.BareDueSelectForTest(ctx, s, now.Add(time.Minute)); err != nil {
			b.Fatal(err)
		}
		bareEmptyTotal += time.Since(start)
		b.StartTimer()
	}
	n := time.Duration(b.N)
	sweep, find, bareT, steady, bareEmpty := sweepTotal/n, findTotal/n, bareTotal/n, steadyTotal/n, bareEmptyTotal/n
	fmt.Printf("deadline sweep, %d filings, %d due (PostgreSQL):\n", total, due)
	fmt.Printf("  bare indexed SELECT of the due rows (limit):     %v\n", bareT.Round(time.Microsecond))
	fmt.Printf("  the sweep's own search (keyset pages):           %v  = %.2f× the limit (target ≤ 2×)\n", find.Round(time.Microsecond), float64(find)/float64(bareT))
	fmt.Printf("  full sweep (flag + event + 2 emails per filing): %v  = %.1f× the limit, %.0f filings/s\n", sweep.Round(time.Millisecond), float64(sweep)/float64(bareT), float64(due)/sweep.Seconds())
	fmt.Printf("  steady-state sweep, nothing due:                 %v  (bare SELECT finding nothing: %v)\n", steady.Round(time.Microsecond), bareEmpty.Round(time.Microsecond))
	b.ReportMetric(float64(find)/float64(bareT), "search/limit")
	b.ReportMetric(float64(sweep)/float64(bareT), "sweep/limit")
	b.ReportMetric(float64(due)/sweep.Seconds(), "filings/s")
}

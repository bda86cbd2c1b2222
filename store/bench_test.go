package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/internal/benchrun"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// BenchmarkDeadlineSweep measures the deadline sweep over 1,000,000 filings of
// which 10,000 are past their deadline, on PostgreSQL (docs/architecture.md, Performance
// targets), beside the limit: the bare indexed SELECT of the same rows. It
// prints the sweep query's plan, to show it reads the partial index.
//
//	ICPDESK_TEST_POSTGRES_URL=… go test -run '^$' -bench DeadlineSweep -benchtime 1x ./store
//
// Each figure is the minimum and median of several samples (internal/benchrun).
// searchSamplesPerRound is how many times each round times the two searches.
const searchSamplesPerRound = 3

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
	runs := benchrun.Runs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		fmt.Println(benchrun.Header(fmt.Sprintf("deadline sweep, %d filings, %d due (PostgreSQL)", total, due)))
		bareS := benchrun.Samples{Name: "bare indexed SELECT of the due rows", Work: due}
		findS := benchrun.Samples{Name: "the sweep's own search (keyset pages)", Work: due}
		sweepS := benchrun.Samples{Name: "full sweep (flag + event + 2 emails per filing)", Work: due}
		steadyS := benchrun.Samples{Name: "steady-state sweep, nothing due"}
		bareEmptyS := benchrun.Samples{Name: "bare SELECT finding nothing"}
		for k := 0; k < runs; k++ {
			if err := store.ExecForTest(ctx, s, `UPDATE filings SET overdue = FALSE, version = 4 WHERE overdue`); err != nil {
				b.Fatal(err)
			}
			for _, q := range []string{`DELETE FROM outbox`, `DELETE FROM events`, `VACUUM ANALYZE filings`} {
				if err := store.ExecForTest(ctx, s, q); err != nil {
					b.Fatal(err)
				}
			}
			// The searches take milliseconds, the sweep seconds: each round
			// samples them three times, alternating, so that their minima
			// rest on 15 samples rather than on one lucky or unlucky 5.
			for j := 0; j < searchSamplesPerRound; j++ {
				bareS.Add(bare())
				start := time.Now()
				n, err := store.SweepFindOnlyForTest(ctx, s, now)
				if err != nil || n != due {
					b.Fatalf("sweep find phase: %d rows, %v", n, err)
				}
				findS.Add(time.Since(start))
			}
			b.StartTimer()
			start := time.Now()
			res, err := s.SweepDeadlines(ctx, now)
			if err != nil || res.Flagged != due {
				b.Fatalf("sweep: %+v %v", res, err)
			}
			sweepS.Add(time.Since(start))
			b.StopTimer()
			// The steady state: the sweep every 5 minutes with nothing due.
			start = time.Now()
			res, err = s.SweepDeadlines(ctx, now.Add(time.Minute))
			if err != nil || res.Flagged != 0 {
				b.Fatalf("steady sweep: %+v %v", res, err)
			}
			steadyS.Add(time.Since(start))
			start = time.Now()
			if _, err := store.BareDueSelectForTest(ctx, s, now.Add(time.Minute)); err != nil {
				b.Fatal(err)
			}
			bareEmptyS.Add(time.Since(start))
		}
		search := benchrun.TimeRatio(findS, bareS)
		fmt.Printf("  limit   %-50s %s\n", bareS.Name+":", bareS.TimeString())
		fmt.Printf("  subject %-50s %s\n", findS.Name+":", findS.TimeString())
		fmt.Printf("  subject %-50s %s = %s filings/s\n", sweepS.Name+":", sweepS.TimeString(), benchrun.Thousands(sweepS.Rate(sweepS.Min())))
		fmt.Printf("  subject %-50s %s (%s: %s)\n", steadyS.Name+":", steadyS.TimeString(), bareEmptyS.Name, bareEmptyS.TimeString())
		fmt.Printf("  search on minima: %.2f× the bare SELECT (target ≤ 2×): %s; full sweep %.1f× (it writes four rows per filing: no target)\n",
			search, benchrun.Verdict(search <= 2), benchrun.TimeRatio(sweepS, bareS))
		b.ReportMetric(search, "search/limit")
		b.ReportMetric(benchrun.TimeRatio(sweepS, bareS), "sweep/limit")
		b.ReportMetric(sweepS.Rate(sweepS.Min()), "filings/s")
	}
}

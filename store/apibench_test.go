package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"example.com/icpdesk/api"
	"example.com/icpdesk/desk"
	"example.com/icpdesk/filing"
	"example.com/icpdesk/filing/filingtest"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// BenchmarkAPI measures the HTTP API on PostgreSQL with 1,000,000 filings
// (docs/architecture.md, Performance targets), each figure beside its
// limit measured in the same run:
//   - a filtered list page of 50 (GET /filings?stage=…) beside the bare
//     indexed SELECT that feeds it (target ≤ 2×);
//   - a filing with 500 timeline entries (GET /filings/{ref}) beside the
//     bare indexed SELECTs that feed it (target ≤ 2×);
//   - stage actions per second through the API beside the same changes
//     through the store directly (target ≥ 0.7).
//
// Requests go to the handler in process (httptest), as the bare SELECTs
// run in process: both sides leave out the same network. The data lives in
// a database of its own, icpdesk_api_bench on the server of
// ICPDESK_TEST_POSTGRES_URL, created and filled (about a minute) when
// missing and reused after.
//
//	ICPDESK_TEST_POSTGRES_URL=… go test -run '^$' -bench API -benchtime 1x ./store
func BenchmarkAPI(b *testing.B) {
	const total = 1_000_000
	base := storetest.PostgresURL(b)
	u := benchDatabase(b, base, "icpdesk_api_bench")
	s, err := store.Open(ctx, u)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	fillBench(b, s, total)
	db, err := sql.Open("postgres", u)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()

	svc := desk.New(s, nil, func() (*filing.Fingerprinter, error) { return filingtest.Fingerprinter(), nil })
	h := api.New(svc, api.Options{})
	_, secret, err := svc.CreateToken(ctx, fmt.Sprintf("bench-%d", time.Now().UnixNano()), []string{desk.ScopeRead, desk.ScopeFilingsWrite}, store.Actor{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	call := func(method, path, body string) []byte {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+secret)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
		}
		return w.Body.Bytes()
	}

	// 1. A filtered list page.
	listSQL := `SELECT f.id, f.reference, a.email AS account, f.subject_name, f.website_name,
		COALESCE((SELECT d.name FROM filing_domains d WHERE d.filing_id = f.id ORDER BY d.position LIMIT 1), '') AS domain,
		f.stage, f.deadline, f.overdue, f.late, f.icp_number, f.updated_at
		FROM filings f JOIN accounts a ON a.id = f.account_id WHERE 1 = 1 AND f.stage = $1
		ORDER BY f.updated_at DESC, f.id DESC LIMIT 51`
	bareList := func() {
		n, err := bareRows(db, listSQL, "bureau_review")
		if err != nil || n != 51 {
			b.Fatalf("bare list: %d rows, %v", n, err)
		}
	}
	apiList := func() {
		if body := call("GET", "/api/v1/filings?stage=bureau_review&limit=50", ""); !strings.Contains(string(body), `"next"`) {
			b.Fatalf("list page without next: %.200s", body)
		}
	}

	// 2. A filing with 500 timeline entries.
	const viewRef = "BA-2025-0000001"
	var ids struct {
		ID        int64 `db:"id"`
		AccountID int64 `db:"account_id"`
	}
	if err := store.GetForTest(ctx, s, &ids, `SELECT id, account_id FROM filings WHERE reference = ?`, viewRef); err != nil {
		b.Fatal(err)
	}
	// The same statements desk.Filing issues, run bare.
	viewSQL := store.FilingViewQueriesForTest(s, viewRef, ids.ID, ids.AccountID)
	bareView := func() {
		events := 0
		for i, q := range viewSQL {
			n, err := bareRows(db, q.SQL, q.Args...)
			if err != nil {
				b.Fatalf("bare view query %d: %v", i, err)
			}
			if i == 4 {
				events = n
			}
		}
		if events < 500 {
			b.Fatalf("the view's filing has %d events", events)
		}
	}
	apiView := func() {
		if body := call("GET", "/api/v1/filings/"+viewRef, ""); len(body) < 50_000 {
			b.Fatalf("short filing view: %d bytes", len(body))
		}
	}

	// 3. Stage actions: submit and return to the provider, in turn, on
	// draft filings of their own for each side.
	var drafts []string
	if err := selectForTest(s, &drafts, `SELECT reference FROM filings WHERE stage = 'draft' AND id % 5 = 0 ORDER BY id LIMIT 400`); err != nil || len(drafts) < 400 {
		b.Fatalf("drafts: %d %v", len(drafts), err)
	}
	apiRefs, storeRefs := drafts[:200], drafts[200:]
	// A filing returned before (by an earlier sample or run) is resubmitted,
	// not submitted.
	var returned []string
	if err := selectForTest(s, &returned, `SELECT reference FROM filings WHERE stage = 'draft' AND id % 5 = 0 AND returned_at IS NOT NULL ORDER BY id LIMIT 400`); err != nil {
		b.Fatal(err)
	}
	first := map[string]filing.Action{}
	for _, ref := range returned {
		first[ref] = filing.ActionResubmit
	}
	firstAction := func(ref string) filing.Action {
		a, ok := first[ref]
		if !ok {
			a = filing.ActionSubmit
		}
		first[ref] = filing.ActionResubmit
		return a
	}
	const perSample = 100 // actions: 50 filings × submit and return
	round := 0
	apiActions := func() {
		refs := apiRefs[(round%4)*50 : (round%4)*50+50]
		for _, ref := range refs {
			call("POST", "/api/v1/filings/"+ref+"/actions", `{"action":"`+string(firstAction(ref))+`"}`)
			call("POST", "/api/v1/filings/"+ref+"/actions", `{"action":"return","by":"provider","reason":"材料不全"}`)
		}
	}
	storeActions := func() {
		refs := storeRefs[(round%4)*50 : (round%4)*50+50]
		for _, ref := range refs {
			for _, req := range []filing.Request{{Action: firstAction(ref)}, {Action: filing.ActionReturnProvider, Reason: "材料不全"}} {
				req.Actor, req.At = filing.ActorStaff, time.Now()
				if _, err := s.ChangeStage(ctx, store.ChangeRequest{Ref: ref, Request: req, ActorName: "bench"}); err != nil {
					b.Fatal(err)
				}
			}
		}
	}

	// Warm both sides.
	for i := 0; i < 3; i++ {
		bareList()
		apiList()
		bareView()
		apiView()
	}
	const samples, reps = 7, 20
	var lb, la, vb, va, sb, sa []time.Duration
	timeIt := func(n int, fn func()) time.Duration {
		start := time.Now()
		for i := 0; i < n; i++ {
			fn()
		}
		return time.Since(start) / time.Duration(n)
	}
	for i := 0; i < b.N*samples; i++ {
		lb = append(lb, timeIt(reps, bareList))
		la = append(la, timeIt(reps, apiList))
		vb = append(vb, timeIt(reps, bareView))
		va = append(va, timeIt(reps, apiView))
		sb = append(sb, timeIt(1, storeActions))
		sa = append(sa, timeIt(1, apiActions))
		round++
	}
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("HTTP API on PostgreSQL, %d filings, %d samples (each the mean of %d calls; actions: %d per sample); load average %s",
		total, len(lb), reps, perSample, load)
	row := func(what string, bare, apiT []time.Duration) float64 {
		r := float64(minOf(apiT)) / float64(minOf(bare))
		fmt.Printf("  %-34s bare SELECT(s) min %8v median %8v | API min %8v median %8v | ratio on minima %.2f× (target ≤ 2×)\n",
			what, minOf(bare).Round(time.Microsecond), median(bare).Round(time.Microsecond),
			minOf(apiT).Round(time.Microsecond), median(apiT).Round(time.Microsecond), r)
		return r
	}
	lr := row("filtered list page of 50", lb, la)
	vr := row("filing with 500 timeline entries", vb, va)
	rate := func(d time.Duration) float64 { return perSample / d.Seconds() }
	ar := rate(minOf(sa)) / rate(minOf(sb))
	fmt.Printf("  %-34s store best %6.0f/s median %6.0f/s | API best %6.0f/s median %6.0f/s | ratio %.2f (target ≥ 0.7)\n",
		"stage actions", rate(minOf(sb)), rate(median(sb)), rate(minOf(sa)), rate(median(sa)), ar)
	b.ReportMetric(lr, "list/bare")
	b.ReportMetric(vr, "view/bare")
	b.ReportMetric(ar, "actions/store")
}

func minOf(d []time.Duration) time.Duration { return slices.Min(d) }

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// bareRows runs q and reads every column of every row as raw bytes, the
// least work a caller can do with the result.
func bareRows(db *sql.DB, q string, args ...any) (int, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

func selectForTest(s *store.Store, dest any, q string) error {
	return store.SelectForTest(ctx, s, dest, q)
}

// benchDatabase returns the URL of a database of its own on the server of
// base, created if missing, kept between runs.
func benchDatabase(b *testing.B, base, name string) string {
	b.Helper()
	admin, err := sql.Open("postgres", base)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	var exists bool
	if err := admin.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		b.Fatal(err)
	}
	if !exists {
		if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
			b.Fatal(err)
		}
	}
	pu, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	pu.Path = "/" + name
	return pu.String()
}

// fillBench generates the filings once: accounts, filings in every stage
// with their persons and domains, and 500 events on BA-2025-0000001.
func fillBench(b *testing.B, s *store.Store, total int) {
	b.Helper()
	var n int
	if err := store.GetForTest(ctx, s, &n, `SELECT COUNT(*) FROM filings`); err != nil {
		b.Fatal(err)
	}
	if n >= total {
		return
	}
	if n > 0 {
		b.Fatalf("icpdesk_api_bench holds %d filings, not %d: drop the database and run again", n, total)
	}
	start := time.Now()
	fp := filingtest.Fingerprinter()
	subj, web := fp.Fingerprint("330106198503121231"), fp.Fingerprint("33010219900715456X")
	for _, q := range []string{
		`INSERT INTO accounts (email, name, language, status, customer, created_at, updated_at)
			SELECT 'a' || g || '@example.cn', '张三', 'zh-CN', 'approved', TRUE, now(), now() FROM generate_series(1, 10000) g`,
		fmt.Sprintf(`INSERT INTO filings (reference, account_id, subject_type, subject_name, website_name, stage,
			return_reason, return_source, returned_at, deadline, icp_number, version, created_at, updated_at)
			SELECT 'BA-2025-' || lpad(g::text, 7, '0'), 1 + g %% 10000, 'enterprise', '杭州示例科技有限公司' || (g %% 1000), '示例商城' || g,
				(ARRAY['draft', 'provider_review', 'bureau_review', 'returned', 'approved'])[1 + g %% 5],
				CASE WHEN g %% 5 = 3 THEN '材料不全' ELSE '' END, CASE WHEN g %% 5 = 3 THEN 'bureau' ELSE '' END,
				CASE WHEN g %% 5 = 3 THEN now() END, CASE WHEN g %% 5 = 3 THEN now() + interval '7 days' END,
				CASE WHEN g %% 5 = 4 THEN '浙ICP备' || lpad(g::text, 8, '0') || '号-1' ELSE '' END,
				3, now() - interval '400 days', now() - interval '400 days' + (g || ' seconds')::interval
			FROM generate_series(1, %d) g`, total),
		`INSERT INTO filing_persons (filing_id, role, name, id_fingerprint, id_masked, phone, email)
			SELECT id, r.role, CASE WHEN r.role = 'website_responsible' THEN '李四' ELSE '张三' END,
				CASE WHEN r.role = 'website_responsible' THEN '` + web + `' ELSE '` + subj + `' END,
				'3***************1', '13800138000', 'zhangsan@example.cn'
			FROM filings, (VALUES ('legal_representative'), ('subject_responsible'), ('website_responsible')) AS r(role)`,
		`INSERT INTO filing_domains (filing_id, position, name, ascii, registrant)
			SELECT id, 0, 'site' || id || '.example.cn', 'site' || id || '.example.cn', subject_name FROM filings`,
		`INSERT INTO events (filing_id, account_id, actor, actor_name, action, from_stage, to_stage, details, created_at, commit_seq)
			SELECT 1, 2, 'staff', 'wangfang', 'filing_updated', '', '', '{"changes": [{"field": "website.name", "from": "示例商城", "to": "示例商城二"}]}', now(), g
			FROM generate_series(1, 500) g`,
		`UPDATE event_clock SET seq = 500`,
		`VACUUM ANALYZE`,
	} {
		if err := store.ExecForTest(context.Background(), s, q); err != nil {
			b.Fatalf("generate the bench data: %v\n%s", err, q)
		}
	}
	fmt.Printf("generated %d filings in %v\n", total, time.Since(start).Round(time.Second))
}

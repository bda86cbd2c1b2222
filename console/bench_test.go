package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"example.com/icpdesk/console"
	"example.com/icpdesk/desk"
	"example.com/icpdesk/filing"
	"example.com/icpdesk/password"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// BenchmarkPages measures the server time of the two heaviest pages on
// PostgreSQL — the queue with 10,000 open items, a filing with 500 timeline
// entries — beside the store calls that feed each (the same SQL, read into
// the same structs, without the page): the target is at most 2×. It takes
// 25 samples of each, the two alternating, reports min and median, and the ratio of the
// minima, with the machine's load average, since the other engineers' work
// shares these two cores.
func BenchmarkPages(b *testing.B) {
	const items, events, samples = 10_000, 500, 25
	ctx := context.Background()
	s := storetest.Open(b, store.Postgres)
	svc, c, cookie := signedInConsole(b, s)
	setup := time.Now()

	// 10,000 open items, each about a received message (sender, subject).
	for start := 0; start < items; start += 1000 {
		err := s.InTx(ctx, func(t *store.Tx) error {
			var ms []store.InboundMessage
			for i := start; i < start+1000; i++ {
				ms = append(ms, store.InboundMessage{Mailbox: "INBOX", UIDValidity: 1, UID: int64(i + 1),
					MessageID: fmt.Sprintf("bench.%d@example.org", i), Sender: fmt.Sprintf("sender%d@example.org", i),
					Subject: fmt.Sprintf("咨询备案流程 %d", i), ReceivedAt: time.Now().Add(-time.Duration(items-i) * time.Minute),
					Classification: "human", Decision: "unmatched"})
			}
			ids, err := t.RecordInboundBatch(ctx, ms)
			if err != nil {
				return err
			}
			var its []store.NewWorkItem
			for _, m := range ms {
				id := ids[m.MessageID]
				its = append(its, store.NewWorkItem{Kind: filing.WorkUnmatched, Cause: filing.WorkCauseInbound(filing.WorkUnmatched, id),
					InboundID: id, At: m.ReceivedAt, Actor: filing.ActorApplicant, ActorName: "bench"})
			}
			_, err = t.OpenWorkItems(ctx, its)
			return err
		})
		if err != nil {
			b.Fatalf("seed items: %v", err)
		}
	}

	// A filing with 500 timeline entries: returned, then extended again and
	// again (each an event and an email).
	in := benchFiling(b)
	if _, err := svc.AddAccount(ctx, desk.AccountInput{Email: in.Account, Name: "张三", Customer: true}, store.Actor{Name: "bench"}); err != nil {
		b.Fatal(err)
	}
	if _, probs, err := svc.ImportFiling(ctx, in, store.Actor{Name: "bench"}); err != nil || len(probs) > 0 {
		b.Fatalf("import: %v %v", err, probs)
	}
	ref := in.Ref
	for _, a := range []desk.ActionInput{{Action: "submit"}, {Action: "to_bureau"}, {Action: "return", ReturnBy: "bureau", Reason: "网站名称与内容不符"}} {
		if _, err := svc.Act(ctx, ref, a, store.Actor{Name: "bench"}); err != nil {
			b.Fatalf("%s: %v", a.Action, err)
		}
	}
	for {
		v, err := svc.Filing(ctx, ref)
		if err != nil {
			b.Fatal(err)
		}
		if len(v.Events) >= events {
			break
		}
		if _, err := svc.Act(ctx, ref, desk.ActionInput{Action: "extend", Days: 1, Reason: "材料补充中"}, store.Actor{Name: "bench"}); err != nil {
			b.Fatalf("extend: %v", err)
		}
	}
	b.Logf("setup took %v", time.Since(setup).Round(time.Millisecond))

	page := func(path string) time.Duration {
		start := time.Now()
		w := getPage(c, path, cookie)
		d := time.Since(start)
		if w.Code != http.StatusOK {
			b.Fatalf("%s: %d", path, w.Code)
		}
		return d
	}
	// The SQL behind each page: the session, then what the page reads.
	queueSQL := func() time.Duration {
		start := time.Now()
		if _, err := s.SessionByToken(ctx, console.HashToken(cookie), time.Hour); err != nil {
			b.Fatal(err)
		}
		if _, err := svc.QueueCounts(ctx); err != nil {
			b.Fatal(err)
		}
		if its, err := svc.Queue(ctx, store.WorkFilter{Limit: 200}); err != nil || len(its) != 200 {
			b.Fatalf("queue: %d %v", len(its), err)
		}
		return time.Since(start)
	}
	filingSQL := func() time.Duration {
		start := time.Now()
		if _, err := s.SessionByToken(ctx, console.HashToken(cookie), time.Hour); err != nil {
			b.Fatal(err)
		}
		v, err := svc.Filing(ctx, ref)
		if err != nil || len(v.Events) < events {
			b.Fatalf("filing: %d events, %v", len(v.Events), err)
		}
		return time.Since(start)
	}
	// Both sides of a row alternate, sample by sample, so that a busy
	// moment of the machine falls on both rather than on one side's run.
	measure := func(f, g func() time.Duration) (fLo, fMed, gLo, gMed time.Duration) {
		f() // warm
		g()
		var fs, gs []time.Duration
		for range samples {
			fs = append(fs, f())
			gs = append(gs, g())
		}
		slices.Sort(fs)
		slices.Sort(gs)
		return fs[0], fs[len(fs)/2], gs[0], gs[len(gs)/2]
	}
	load, _ := os.ReadFile(filepath.Join("/proc", "loadavg"))
	fmt.Printf("console pages on PostgreSQL, %d samples each; load average %s", samples, strings.TrimSpace(string(load))+"\n")
	for _, row := range []struct {
		name      string
		page, sql func() time.Duration
		metric    string
	}{
		{fmt.Sprintf("queue page, %d open items (200 listed, every count)", items), func() time.Duration { return page("/queue") }, queueSQL, "queue/sql"},
		{fmt.Sprintf("filing page, %d timeline entries", events), func() time.Duration { return page("/filings/" + ref) }, filingSQL, "filing/sql"},
	} {
		sqlMin, sqlMed, pageMin, pageMed := measure(row.sql, row.page)
		ratio := float64(pageMin) / float64(sqlMin)
		fmt.Printf("  %s:\n    the SQL that feeds it: min %v, median %v\n    the page (server time): min %v, median %v  = %.2f× on minima (target ≤ 2×)\n",
			row.name, sqlMin.Round(time.Microsecond), sqlMed.Round(time.Microsecond), pageMin.Round(time.Microsecond), pageMed.Round(time.Microsecond), ratio)
		b.ReportMetric(ratio, row.metric)
	}
}

// signedInConsole is a console over s whose desk can import filings (it
// has a fingerprinter), and the session cookie of a staff member signed in.
func signedInConsole(tb testing.TB, s *store.Store) (*desk.Service, http.Handler, string) {
	tb.Helper()
	fp := func() (*filing.Fingerprinter, error) {
		return filing.NewFingerprinter([]byte("bench-secret-0123456789abcdef"))
	}
	svc := desk.New(s, nil, fp)
	c, err := console.New(svc, console.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return svc, c, benchSession(tb, s, c)
}

// getPage serves GET path to the session's holder, from loopback.
func getPage(c http.Handler, path, cookie string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.RemoteAddr, r.Host = "127.0.0.1:50000", "127.0.0.1:8080"
	r.AddCookie(&http.Cookie{Name: "icpdesk_session", Value: cookie})
	w := httptest.NewRecorder()
	c.ServeHTTP(w, r)
	return w
}

func benchSession(b testing.TB, s *store.Store, c http.Handler) string {
	b.Helper()
	ctx := context.Background()
	sl, err := console.AddStaff(ctx, s, "bench@example.cn", "王芳", store.RoleStaff, "", time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	hash, err := password.Hash(pw, password.Default)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.SetStaffPassword(ctx, console.HashToken(strings.TrimPrefix(sl.Link, "/set-password?token=")), hash); err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/signin", strings.NewReader("email=bench%40example.cn&password="+strings.ReplaceAll(pw, " ", "+")))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.RemoteAddr, r.Host = "127.0.0.1:50000", "127.0.0.1:8080"
	w := httptest.NewRecorder()
	c.ServeHTTP(w, r)
	for _, ck := range w.Result().Cookies() {
		if ck.Name == "icpdesk_session" {
			return ck.Value
		}
	}
	b.Fatalf("sign-in: %d", w.Code)
	return ""
}

func benchFiling(b testing.TB) filing.FilingInput {
	b.Helper()
	var in filing.FilingInput
	in.Ref, in.Account = "BA-2026-000777", "zhangsan@example.cn"
	in.Subject.Type, in.Subject.Name = "enterprise", "杭州示例科技有限公司"
	zhang := &filing.PersonInput{Name: "张三", IDNumber: "330106198503121231", Phone: "13800138000", Email: "zhangsan@example.cn"}
	in.Subject.LegalRepresentative, in.Subject.Responsible = zhang, zhang
	in.Website.Name, in.Website.Responsible = "示例商城", zhang
	in.Website.Domains = []filing.DomainInput{{Name: "shop.example.cn", Registrant: "杭州示例科技有限公司"}}
	return in
}

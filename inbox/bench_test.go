package inbox

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"example.com/icpdesk/config"
	"example.com/icpdesk/filing"
	"example.com/icpdesk/filing/filingtest"
	"example.com/icpdesk/inbox/inboxtest"
	"example.com/icpdesk/internal/benchrun"
	"example.com/icpdesk/mailparse/mailtest"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
	"example.com/icpdesk/templates"
)

// benchServer is Dovecot when ICPDESK_TEST_DOVECOT is set, else the
// in-memory server (docs/architecture.md: measure against Dovecot when available).
func benchServer(b *testing.B) *inboxtest.Server {
	if os.Getenv(inboxtest.EnvDovecot) != "" {
		return inboxtest.NewDovecot(b)
	}
	return inboxtest.NewMemory(b, inboxtest.MemOptions{})
}

// benchStore is PostgreSQL when ICPDESK_TEST_POSTGRES_URL is set (the
// target is stated for it), else SQLite.
func benchStore(b *testing.B) *store.Store {
	return storetest.Open(b, storeDialect(), store.WithStaff([]string{staffAddr}, filing.LangChinese), store.WithMessageIDDomain("example.cn"))
}

// storeDialect is the dialect the benchmarks use.
func storeDialect() store.Dialect {
	if os.Getenv(storetest.EnvPostgres) != "" {
		return store.Postgres
	}
	return store.SQLite
}

// backlog is a realistic mix of about 20 KB Chinese messages to a desk
// with 200 returned filings of 100 applicants: replies linked by tag (the
// first one per filing a resubmission), auto-replies, bounces of our
// emails, forged senders, and mail that matches nothing.
func backlog(b *testing.B, st *store.Store, n int) [][]byte {
	ctx := context.Background()
	returned := time.Now().Add(-24 * time.Hour)
	var refs, owners, notices []string
	for a := 0; a < 100; a++ {
		email := fmt.Sprintf("applicant%03d@example.com", a)
		acct, err := filing.NewAccount(email, "申请人", filing.LangChinese, true, st.Now())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.CreateAccount(ctx, acct, "bench"); err != nil {
			b.Fatal(err)
		}
		for k := 0; k < 2; k++ {
			ref := fmt.Sprintf("BA-2026-%06d", 900000+a*2+k)
			in := filingtest.Enterprise(ref, email)
			in.Website.Domains = []filing.DomainInput{{Name: fmt.Sprintf("site%03d-%d.example.com", a, k), Registrant: in.Subject.Name}}
			if _, probs, err := st.ImportFiling(ctx, in, filingtest.Fingerprinter(), "bench"); err != nil || len(probs) > 0 {
				b.Fatalf("import: %v %v", err, probs)
			}
			for _, req := range []filing.Request{
				{Action: filing.ActionSubmit, At: returned.Add(-2 * time.Hour)},
				{Action: filing.ActionToBureau, At: returned.Add(-time.Hour)},
				{Action: filing.ActionReturnBureau, Reason: "网站名称与主体不符", At: returned},
			} {
				req.Actor = filing.ActorStaff
				if _, err := st.ChangeStage(ctx, store.ChangeRequest{Ref: ref, Request: req, ActorName: "bench"}); err != nil {
					b.Fatal(err)
				}
			}
			refs, owners = append(refs, ref), append(owners, email)
		}
	}
	rows, err := st.ListOutbox(ctx, store.OutboxFilter{Status: store.OutboxQueued})
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range rows {
		if r.Kind == string(filing.EmailFilingReturned) {
			notices = append(notices, r.MessageID)
		}
	}
	deadline := filing.Deadline(returned, 7, cst).In(cst).Format("1月2日 15:04")
	// 160 lines: about 20 KB as UTF-8 and as base64 of GBK (the benchmark
	// prints the real average, bounces included).
	para := strings.Repeat("您好，我们已按照退回意见修改了网站名称和主体信息，核验单已重新签字盖章，请重新审核。谢谢！\n", 160)
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([][]byte, n)
	for i := range out {
		k := rng.IntN(len(refs))
		id := fmt.Sprintf("backlog-%05d@mail.example.com", i)
		switch r := rng.IntN(100); {
		case r < 70:
			// A reply to our return notice, as mail clients quote its subject.
			out[i] = mailtest.Mail{From: owners[k], Subject: "回复：[ICP#" + refs[k] + "] 管局退回备案，请于 " + deadline + " 前修改并重新提交", MessageID: id,
				ContentType: "text/plain; charset=gbk", CTE: "base64", Body: mailtest.GBK(para)}.Bytes()
		case r < 80:
			out[i] = mailtest.Mail{From: owners[k], Subject: mailtest.BWord("UTF-8", []byte("自动回复：您的备案已退回")), MessageID: id,
				Headers: [][2]string{{"Auto-Submitted", "auto-replied"}}, Body: []byte(para)}.Bytes()
		case r < 85:
			out[i] = mailtest.Bounce(notices[rng.IntN(len(notices))], owners[k])
			out[i] = []byte(strings.Replace(string(out[i]), "Message-ID: <dsn-", fmt.Sprintf("Message-ID: <dsn%05d-", i), 1))
		case r < 90:
			out[i] = mailtest.Mail{From: fmt.Sprintf("forger%02d@example.net", rng.IntN(20)), Subject: "[ICP#" + refs[k] + "] 已修改", MessageID: id,
				Body: []byte(para)}.Bytes()
		default:
			out[i] = mailtest.Mail{From: fmt.Sprintf("visitor%04d@example.org", i), Subject: "咨询备案流程", MessageID: id,
				ContentType: "text/html; charset=utf-8", Body: []byte("<div>" + strings.ReplaceAll(para, "\n", "<br>") + "</div>")}.Bytes()
		}
	}
	return out
}

// rawFetch is the path's limit: UID FETCH BODY.PEEK[] of every message, in
// batches of the same size, reading each literal and nothing else.
func rawFetch(b *testing.B, srv *inboxtest.Server, batch int) (int, time.Duration) {
	c := srv.Dial(b, nil)
	defer c.Close()
	// Read-write, not EXAMINE: the first read-write SELECT after messages
	// arrive (appended, or moved back) takes over their \Recent flags, which
	// cost Dovecot 30–40 ms for 5,000 messages. Taken here, it falls on no
	// side's time; before, it fell on whichever side came first.
	if _, err := c.Select(srv.Mailbox, nil).Wait(); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	sd, err := c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
	if err != nil {
		b.Fatal(err)
	}
	set, _ := sd.All.(imap.UIDSet)
	uids, _ := set.Nums()
	n := 0
	for len(uids) > 0 {
		k := min(len(uids), batch)
		fc := c.Fetch(imap.UIDSetNum(uids[:k]...), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
		for msg := fc.Next(); msg != nil; msg = fc.Next() {
			for it := msg.Next(); it != nil; it = msg.Next() {
				if bs, ok := it.(imapclient.FetchItemDataBodySection); ok && bs.Literal != nil {
					io.Copy(io.Discard, bs.Literal)
					n++
				}
			}
		}
		if err := fc.Close(); err != nil {
			b.Fatal(err)
		}
		uids = uids[k:]
	}
	return n, time.Since(start)
}

// BenchmarkIngestBacklog measures a backlog pass (fetch, parse, link,
// commit, move) on the same messages as its two limits, in the same run,
// each several times (internal/benchrun): raw UID FETCH of the bodies, the
// physical floor, and the plain fetch+COPY+STORE+MOVE program of
// bench_plain_test.go, the limit the target is stated against (issue 14:
// ingest ≥ 1.2× the plain program on PostgreSQL).
func BenchmarkIngestBacklog(b *testing.B) {
	const n = 5000
	runs := benchrun.Runs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		fmt.Println(benchrun.Header("inbox backlog ingest"))
		srv := benchServer(b)
		pdb := plainDB(b)
		raw := benchrun.Samples{Name: "raw UID FETCH BODY.PEEK[]", Work: n}
		plain := benchrun.Samples{Name: "plain fetch+COPY+STORE+MOVE", Work: n}
		ingest := benchrun.Samples{Name: "icpdesk", Work: n}
		var bytes int
		var sum Summary
		var dialect store.Dialect
		phrases := benchSubjectPhrases(b)
		for k := 0; k < runs; k++ {
			st := benchStore(b)
			dialect = st.Dialect()
			msgs := backlog(b, st, n)
			bytes = 0
			for _, m := range msgs {
				bytes += len(m)
			}
			srv.AppendMany(b, srv.Mailbox, msgs)
			msgs = nil
			cfg := Config{Host: srv.BackendHost(), Port: srv.BackendPort(), Security: "none", Username: srv.User, Password: config.Secret(srv.Pass),
				Mailbox: srv.Mailbox, ProcessedMailbox: srv.Processed, AckLimitPerHour: 3, Batch: benchBatch(),
				Own: Own{Addresses: []string{"icp@example.cn", staffAddr}, MessageIDDomain: "example.cn", SubjectPhrases: phrases}}
			w, err := NewWatcher(st, cfg)
			if err != nil {
				b.Fatal(err)
			}
			rawFetch(b, srv, benchBatch()) // warm the server's caches for every subject
			fetched, rawTime := rawFetch(b, srv, benchBatch())
			if fetched != n {
				b.Fatalf("raw fetched %d, want %d", fetched, n)
			}
			raw.Add(rawTime)
			runPlain := func() {
				if pdb == nil {
					return
				}
				if _, err := pdb.Exec(`TRUNCATE plain_inbound`); err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				stored, d := plainIngest(b, srv, pdb, benchBatch())
				if stored != n {
					b.Fatalf("plain program stored %d, want %d", stored, n)
				}
				plain.Add(d)
			}
			// The order alternates, so neither side always runs while the
			// database still writes out what the other just stored.
			// Without PostgreSQL there is no plain program, and nothing to move back.
			plainFirst := k%2 == 0 && pdb != nil
			if plainFirst {
				runPlain()
				moveAllBack(b, srv)
				// The server takes the moved messages into its index and
				// caches at the next look: not in either side's time.
				rawFetch(b, srv, benchBatch())
			}
			runtime.GC()
			b.StartTimer()
			start := time.Now()
			sum, err = w.PollOnce(context.Background())
			elapsed := time.Since(start)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			if sum.Recorded != n || sum.Moved != n {
				b.Fatalf("ingested %+v, want %d", sum, n)
			}
			if p := w.Stats().Panics; p > 0 {
				b.Fatalf("%d panics", p)
			}
			if !plainFirst && pdb != nil {
				moveAllBack(b, srv)
				rawFetch(b, srv, benchBatch())
				runPlain()
			}
			ingest.Add(elapsed)
			emptyMailbox(b, srv, srv.Processed)
		}
		toRaw := benchrun.RateRatio(ingest, raw)
		b.ReportMetric(ingest.Rate(ingest.Min()), "msgs/s")
		b.ReportMetric(100*toRaw, "%-of-raw")
		fmt.Printf("  %d messages, %.1f KB on average (Chinese text, GBK and UTF-8, plain and HTML; bounces), batch %d, %s on %s\n",
			n, float64(bytes)/float64(n)/1000, benchBatch(), dialect, srv.Kind)
		fmt.Printf("  limit  %-30s %s\n", raw.Name+":", raw.RateString("msgs"))
		if pdb != nil {
			fmt.Printf("  limit  %-30s %s\n", plain.Name+":", plain.RateString("msgs"))
		}
		fmt.Printf("  subject %-29s %s\n", ingest.Name+":", ingest.RateString("msgs"))
		fmt.Printf("  icpdesk on minima: %.1f %% of raw FETCH (floor; issue 14 put the current design's ceiling near 11–14 %%)\n", 100*toRaw)
		if pdb != nil {
			toPlain := benchrun.RateRatio(ingest, plain)
			b.ReportMetric(toPlain, "x-plain")
			fmt.Printf("  icpdesk on minima: %.2f× the plain program (target ≥ 1.2×): %s\n", toPlain, benchrun.Verdict(toPlain >= 1.2))
		} else {
			fmt.Printf("  the plain program runs on PostgreSQL only: set %s\n", storetest.EnvPostgres)
		}
		fmt.Printf("  decisions of the last pass: %v\n", sum.ByDecision)
	}
}

// BenchmarkIdleLatency prints the time from APPEND to committed for single
// messages while the watcher waits in IDLE, beside the server's own IDLE
// notification delay measured by a bare client (the limit). Both are
// measured in rounds, alternating, and each round's p50 is a sample
// (internal/benchrun); the verdict compares the minima of the p50s.
func BenchmarkIdleLatency(b *testing.B) {
	if os.Getenv(inboxtest.EnvDovecot) == "" {
		// go-imap's in-memory server does not tell an idling session of a
		// message another session appended: there is no limit to measure.
		b.Skipf("needs Dovecot: eval \"$(bash .ci/dovecot start)\" sets %s (README, \"Quick start\")", inboxtest.EnvDovecot)
	}
	const perRound = 12 // Dovecot notifies about 0.5 s after the APPEND
	runs := benchrun.Runs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		fmt.Println(benchrun.Header("inbox APPEND→committed under IDLE"))
		srv := benchServer(b)
		st := benchStore(b)
		acct, _ := filing.NewAccount("zhangsan@example.cn", "张三", filing.LangChinese, true, st.Now())
		if _, err := st.CreateAccount(context.Background(), acct, "bench"); err != nil {
			b.Fatal(err)
		}

		var mu sync.Mutex
		committed := map[string]chan time.Time{}
		hooks := Hooks{OnMessage: func(ev MessageEvent) {
			mu.Lock()
			ch := committed[ev.MessageID]
			mu.Unlock()
			if ch != nil {
				ch <- ev.CommittedAt
			}
		}}
		cfg := Config{Host: srv.BackendHost(), Port: srv.BackendPort(), Security: "none", Username: srv.User, Password: config.Secret(srv.Pass),
			Mailbox: srv.Mailbox, ProcessedMailbox: srv.Processed, AckLimitPerHour: 3, PollInterval: time.Hour,
			Own: Own{Addresses: []string{"icp@example.cn"}, MessageIDDomain: "example.cn"}}
		w, err := NewWatcher(st, cfg, WithHooks(hooks))
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()
		waitIdle := func(d time.Duration) {
			for deadline := time.Now().Add(d); !w.Status().Idle; time.Sleep(time.Millisecond) {
				if time.Now().After(deadline) {
					b.Fatal("the watcher did not reach IDLE")
				}
			}
		}
		waitIdle(30 * time.Second)
		app := newAppender(b, srv)
		notify50 := benchrun.Samples{Name: "server's IDLE notification p50"}
		ingest50 := benchrun.Samples{Name: "APPEND→committed p50"}
		var allNotify, allLat []time.Duration
		seq := 0
		for r := 0; r < runs; r++ {
			// The limit: a bare client in IDLE, from APPEND to EXISTS.
			notify := idleNotifyDelays(b, srv, perRound)
			notify50.Add(percentile(notify, 50))
			allNotify = append(allNotify, notify...)
			waitIdle(10 * time.Second)
			var lat []time.Duration
			b.StartTimer()
			for k := 0; k < perRound; k++ {
				id := fmt.Sprintf("lat-%d@mail.example.com", seq)
				seq++
				ch := make(chan time.Time, 1)
				mu.Lock()
				committed[id] = ch
				mu.Unlock()
				raw := mailtest.Mail{From: "zhangsan@example.cn", Subject: "问题", MessageID: id, Body: []byte("请问备案进度？")}.Bytes()
				start := time.Now()
				app.append(raw)
				select {
				case at := <-ch:
					lat = append(lat, at.Sub(start))
				case <-time.After(30 * time.Second):
					b.Fatalf("message %d never committed", k)
				}
				// Let the move finish and IDLE resume before the next one.
				waitIdle(10 * time.Second)
			}
			b.StopTimer()
			ingest50.Add(percentile(lat, 50))
			allLat = append(allLat, lat...)
		}
		app.close()
		cancel()
		<-done
		p99, n99 := percentile(allLat, 99), percentile(allNotify, 99)
		over := ingest50.Min() - notify50.Min()
		b.ReportMetric(float64(ingest50.Min().Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(notify50.Min().Microseconds())/1000, "idle-notify-p50-ms")
		fmt.Printf("  %s, %s; %d rounds of %d messages each\n", srv.Kind, st.Dialect(), runs, perRound)
		fmt.Printf("  limit   %-32s %s; p99 over all rounds %v\n", notify50.Name+":", notify50.TimeString(), n99.Round(100*time.Microsecond))
		fmt.Printf("  subject %-32s %s; p99 over all rounds %v\n", ingest50.Name+":", ingest50.TimeString(), p99.Round(100*time.Microsecond))
		fmt.Printf("  on minima: p50 %v over the notification (target ≤ 50 ms): %s; p99 %v (target < 1 s): %s\n",
			over.Round(100*time.Microsecond), benchrun.Verdict(over <= 50*time.Millisecond), p99.Round(100*time.Microsecond), benchrun.Verdict(p99 < time.Second))
	}
}

// idleNotifyDelays measures how long after an APPEND the server tells an
// IDLE client about it.
func idleNotifyDelays(b *testing.B, srv *inboxtest.Server, samples int) []time.Duration {
	exists := make(chan struct{}, 16)
	c := srv.Dial(b, &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				exists <- struct{}{}
			}
		},
	}})
	defer c.Close()
	if _, err := c.Select(srv.Processed, nil).Wait(); err != nil {
		b.Fatal(err)
	}
	idle, err := c.Idle()
	if err != nil {
		b.Fatal(err)
	}
	app := newAppender(b, srv)
	defer app.close()
	var out []time.Duration
	raw := mailtest.Mail{From: "probe@example.com", Subject: "probe", Body: []byte("probe")}.Bytes()
	for k := 0; k < samples; k++ {
		start := time.Now()
		app.appendTo(srv.Processed, raw)
		select {
		case <-exists:
			out = append(out, time.Since(start))
		case <-time.After(30 * time.Second):
			b.Fatal("no EXISTS")
		}
	}
	idle.Close()
	idle.Wait()
	return out
}

// appender delivers single messages over one open connection (Dovecot) or
// straight into the in-memory store.
type appender struct {
	b   *testing.B
	srv *inboxtest.Server
	c   *imapclient.Client
}

func newAppender(b *testing.B, srv *inboxtest.Server) *appender {
	a := &appender{b: b, srv: srv}
	if srv.Kind != "memory" {
		a.c = srv.Dial(b, nil)
	}
	return a
}

func (a *appender) append(raw []byte) { a.appendTo(a.srv.Mailbox, raw) }

func (a *appender) appendTo(mailbox string, raw []byte) {
	if a.c == nil {
		a.srv.AppendTo(a.b, mailbox, raw, time.Time{}, nil)
		return
	}
	cmd := a.c.Append(mailbox, int64(len(raw)), nil)
	cmd.Write(raw)
	cmd.Close()
	if _, err := cmd.Wait(); err != nil {
		a.b.Fatal(err)
	}
}

func (a *appender) close() {
	if a.c != nil {
		a.c.Close()
	}
}

func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p + 99) / 100
	return s[min(max(i-1, 0), len(s)-1)]
}

// benchBatch is the batch size: the configuration's default, or
// ICPDESK_BENCH_BATCH to see how the rate depends on it.
func benchBatch() int {
	var n int
	if _, err := fmt.Sscan(os.Getenv("ICPDESK_BENCH_BATCH"), &n); err == nil && n > 0 {
		return n
	}
	return DefaultBatch
}

var cst = time.FixedZone("CST", 8*3600)

// benchSubjectPhrases are our subjects' fixed wording, which the processor
// takes out of a reply's subject as serve has it do (its own words are the
// applicant's, not ours).
func benchSubjectPhrases(b *testing.B) []string {
	r, err := templates.New(templates.DeskInfo{Name: "示例云备案中心", Address: "icp@example.cn"}, "", cst)
	if err != nil {
		b.Fatal(err)
	}
	return r.SubjectPhrases()
}

package inbox

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
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
	"example.com/icpdesk/mailparse/mailtest"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
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
	d := store.SQLite
	if os.Getenv(storetest.EnvPostgres) != "" {
		d = store.Postgres
	}
	return storetest.Open(b, d, store.WithStaff([]string{staffAddr}, filing.LangChinese), store.WithMessageIDDomain("example.cn"))
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
	para := strings.Repeat("您好，我们已按照退回意见修改了网站名称和主体信息，核验单已重新签字盖章，请重新审核。谢谢！\n", 70) // ~20 KB
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([][]byte, n)
	for i := range out {
		k := rng.IntN(len(refs))
		id := fmt.Sprintf("backlog-%05d@mail.example.com", i)
		switch r := rng.IntN(100); {
		case r < 70:
			out[i] = mailtest.Mail{From: owners[k], Subject: "回复：[ICP#" + refs[k] + "] 备案退回通知", MessageID: id,
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
	if _, err := c.Select(srv.Mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
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

// BenchmarkIngestBacklog prints the backlog ingest rate (fetch, parse,
// link, commit, move) beside the raw FETCH rate of the same messages from
// the same server, and their ratio (docs/architecture.md target: ≥ 25 % on PostgreSQL).
func BenchmarkIngestBacklog(b *testing.B) {
	const n = 5000
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		srv := benchServer(b)
		st := benchStore(b)
		msgs := backlog(b, st, n)
		srv.AppendMany(b, srv.Mailbox, msgs)
		cfg := Config{Host: srv.BackendHost(), Port: srv.BackendPort(), Security: "none", Username: srv.User, Password: config.Secret(srv.Pass),
			Mailbox: srv.Mailbox, ProcessedMailbox: srv.Processed, AckLimitPerHour: 3, Batch: benchBatch(),
			Own: Own{Addresses: []string{"icp@example.cn", staffAddr}, MessageIDDomain: "example.cn"}}
		w, err := NewWatcher(st, cfg)
		if err != nil {
			b.Fatal(err)
		}
		rawFetch(b, srv, benchBatch()) // warm the server's caches for both runs
		fetched, rawTime := rawFetch(b, srv, benchBatch())
		b.StartTimer()
		start := time.Now()
		sum, err := w.PollOnce(context.Background())
		elapsed := time.Since(start)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if sum.Recorded != n || sum.Moved != n || fetched != n {
			b.Fatalf("ingested %+v, raw fetched %d, want %d", sum, fetched, n)
		}
		if p := w.Stats().Panics; p > 0 {
			b.Fatalf("%d panics", p)
		}
		rawRate := float64(fetched) / rawTime.Seconds()
		rate := float64(n) / elapsed.Seconds()
		b.ReportMetric(rate, "msgs/s")
		b.ReportMetric(rawRate, "raw-fetch-msgs/s")
		b.ReportMetric(100*rate/rawRate, "%-of-raw")
		fmt.Printf("inbox backlog (%s, %s): %d messages of ~20 KB in %v: %.0f msgs/s; raw UID FETCH BODY.PEEK[] %.0f msgs/s (%v); ingest = %.1f %% of raw (target ≥ 25 %%)\n",
			srv.Kind, st.Dialect(), n, elapsed.Round(time.Millisecond), rate, rawRate, rawTime.Round(time.Millisecond), 100*rate/rawRate)
		fmt.Printf("inbox backlog decisions: %v\n", sum.ByDecision)
	}
}

// BenchmarkIdleLatency prints the time from APPEND to committed for single
// messages while the watcher waits in IDLE (p50, p99), beside the server's
// own IDLE notification delay measured by a bare client (the limit).
func BenchmarkIdleLatency(b *testing.B) {
	samples := 200
	if os.Getenv(inboxtest.EnvDovecot) != "" {
		samples = 60 // Dovecot notifies about 0.5 s after the APPEND
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		srv := benchServer(b)
		st := benchStore(b)
		acct, _ := filing.NewAccount("zhangsan@example.cn", "张三", filing.LangChinese, true, st.Now())
		if _, err := st.CreateAccount(context.Background(), acct, "bench"); err != nil {
			b.Fatal(err)
		}

		// The limit: a bare client in IDLE, from APPEND to EXISTS.
		notify := idleNotifyDelays(b, srv, samples)

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
		for deadline := time.Now().Add(30 * time.Second); !w.Status().Idle; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				b.Fatal("the watcher never reached IDLE")
			}
		}
		app := newAppender(b, srv)
		var lat []time.Duration
		b.StartTimer()
		for k := 0; k < samples; k++ {
			id := fmt.Sprintf("lat-%d@mail.example.com", k)
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
			for deadline := time.Now().Add(10 * time.Second); !w.Status().Idle; time.Sleep(time.Millisecond) {
				if time.Now().After(deadline) {
					b.Fatal("the watcher did not return to IDLE")
				}
			}
		}
		b.StopTimer()
		app.close()
		cancel()
		<-done
		p50, p99 := percentile(lat, 50), percentile(lat, 99)
		n50, n99 := percentile(notify, 50), percentile(notify, 99)
		b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(n50.Microseconds())/1000, "idle-notify-p50-ms")
		fmt.Printf("inbox APPEND→committed under IDLE (%s, %s, %d messages): p50 %v, p99 %v; the server's own IDLE notification: p50 %v, p99 %v (target: p50 ≤ notification + 50 ms, p99 < 1 s)\n",
			srv.Kind, st.Dialect(), samples, p50.Round(100*time.Microsecond), p99.Round(100*time.Microsecond),
			n50.Round(100*time.Microsecond), n99.Round(100*time.Microsecond))
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

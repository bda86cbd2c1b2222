package mailer

import (
	"context"
	"fmt"
	"io"
	"net"
	netmail "net/mail"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/wneessen/go-mail"

	"example.com/icpdesk/config"
	"example.com/icpdesk/filing"
	"example.com/icpdesk/filing/filingtest"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
	"example.com/icpdesk/templates"
)

// benchEmails is the queue the benchmark drains.
const benchEmails = 2000

// countingBackend is an SMTP sink that reads and counts messages, as cheap
// as a server can be, so the benchmark measures the client side.
type countingBackend struct{ n atomic.Int64 }

func (b *countingBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &countingSession{b: b}, nil
}

type countingSession struct{ b *countingBackend }

func (s *countingSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *countingSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *countingSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	s.b.n.Add(1)
	return nil
}
func (s *countingSession) Reset()        {}
func (s *countingSession) Logout() error { return nil }

// BenchmarkMailer drains 2,000 queued emails (returned-filing notices in
// Chinese, text and HTML) into an in-process SMTP server and compares the
// rate with raw go-mail sends of the same messages, pre-rendered and
// pre-built, over one connection: the limit of this path. docs/architecture.md's
// target is a ratio of at least 0.8. Raw sends are timed before and after
// the mailer and averaged, as the machine is shared.
func BenchmarkMailer(b *testing.B) {
	for _, d := range storetest.Dialects {
		b.Run(string(d), func(b *testing.B) { benchMailer(b, d) })
	}
}

func benchMailer(b *testing.B, d store.Dialect) {
	ctx := context.Background()
	be := &countingBackend{}
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	port := ln.Addr().(*net.TCPAddr).Port

	loc, _ := time.LoadLocation("Asia/Shanghai")
	st := storetest.Open(b, d, store.WithStaff([]string{"icp-staff@example.cn"}, filing.LangChinese), store.WithMessageIDDomain("example.cn"))
	// The configuration defaults, pointed at the local server.
	cfg := config.Default()
	cfg.SMTP.Host, cfg.SMTP.Port, cfg.SMTP.Security = "127.0.0.1", port, "none"
	r, err := templates.New(DeskFromConfig(&cfg), "", loc)
	if err != nil {
		b.Fatal(err)
	}
	set, err := SettingsFromConfig(&cfg)
	if err != nil {
		b.Fatal(err)
	}
	svc, err := New(st, r, set)
	if err != nil {
		b.Fatal(err)
	}

	f, probs := filing.NewFiling(filingtest.Enterprise("BA-2026-000123", "zhangsan@example.cn"), filingtest.Fingerprinter(), time.Now())
	if len(probs) > 0 {
		b.Fatal(probs)
	}
	returned := time.Date(2026, 12, 1, 15, 30, 0, 0, loc)
	deadline := filing.Deadline(returned, 7, loc)
	notice := func(i int) filing.Notice {
		return filing.Notice{Kind: filing.EmailFilingReturned, Language: filing.LangChinese,
			To: fmt.Sprintf("applicant%d@example.cn", i), ToName: "张三", At: returned,
			Reference: fmt.Sprintf("BA-2026-%06d", i), Account: fmt.Sprintf("applicant%d@example.cn", i),
			SubjectType: f.Subject.Type, SubjectName: f.Subject.Name, WebsiteName: f.Website.Name,
			Domains: []string{"shop.example.cn", "示例.中国"}, Stage: filing.StageReturned,
			ReturnReason: "网站名称与网站内容不符，请修改网站名称后重新提交。", ReturnSource: filing.ReturnedByBureau,
			ReturnedAt: &returned, Deadline: &deadline}
	}

	// The raw path's messages: rendered and built before timing, and built
	// again for each raw run, so that neither side carries the other's
	// heap into its timing (a larger live heap makes every GC cycle dearer).
	prebuilt := func() []*mail.Msg {
		msgs := make([]*mail.Msg, benchEmails)
		for i := range msgs {
			n := notice(i)
			e, err := r.Render(n)
			if err != nil {
				b.Fatal(err)
			}
			m := store.OutboxMessage{ID: int64(i), Kind: n.Kind, Language: n.Language, Recipient: n.To, Notice: n}
			if msgs[i], err = svc.build(m, e, newMessageID("icp@example.cn"), time.Now()); err != nil {
				b.Fatal(err)
			}
			// Raw go-mail takes its envelope from its own address headers:
			// it writes From and To once more, a few bytes the raw path
			// carries in addition.
			msgs[i].FromMailAddress(&netmail.Address{Address: "icp@example.cn"})
			msgs[i].ToMailAddress(&netmail.Address{Address: n.To})
		}
		return msgs
	}
	var rawCPU time.Duration
	raw := func() float64 {
		b.StopTimer()
		msgs := prebuilt()
		runtime.GC()
		b.StartTimer()
		cpu0 := processCPU()
		defer func() { rawCPU += processCPU() - cpu0 }()
		c, err := mail.NewClient("127.0.0.1", mail.WithPort(port), mail.WithTLSPolicy(mail.NoTLS), mail.WithTimeout(30*time.Second))
		if err != nil {
			b.Fatal(err)
		}
		before := be.n.Load()
		start := time.Now()
		if err := c.DialWithContext(ctx); err != nil {
			b.Fatal(err)
		}
		for _, m := range msgs {
			if err := c.Send(m); err != nil {
				b.Fatal(err)
			}
		}
		if err := c.Close(); err != nil {
			b.Fatal(err)
		}
		rate := benchEmails / time.Since(start).Seconds()
		if got := be.n.Load() - before; got != benchEmails {
			b.Fatalf("raw: the server got %d messages", got)
		}
		return rate
	}
	enqueue := func(round int) {
		for start := 0; start < benchEmails; start += 500 {
			err := st.InTx(ctx, func(t *store.Tx) error {
				for i := start; i < start+500; i++ {
					if _, err := t.Enqueue(ctx, store.OutboxItem{Notice: notice(i), DedupKey: fmt.Sprintf("bench:%d:%d", round, i)}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	}

	var rawRate, mailerRate float64
	var mailerCPU time.Duration
	b.ResetTimer()
	for round := 0; round < b.N; round++ {
		rawBefore := raw()
		b.StopTimer()
		enqueue(round)
		runtime.GC()
		b.StartTimer()
		before := be.n.Load()
		start, cpu0 := time.Now(), processCPU()
		sum, err := svc.DrainOnce(ctx)
		elapsed := time.Since(start)
		mailerCPU += processCPU() - cpu0
		if err != nil || sum.Sent != benchEmails || be.n.Load()-before != benchEmails {
			b.Fatalf("mailer: %+v %v, the server got %d", sum, err, be.n.Load()-before)
		}
		rawAfter := raw()
		mailerRate += benchEmails / elapsed.Seconds()
		rawRate += (rawBefore + rawAfter) / 2
	}
	b.StopTimer()
	mailerRate /= float64(b.N)
	rawRate /= float64(b.N)
	ratio := mailerRate / rawRate
	b.ReportMetric(mailerRate, "mailer_msgs/s")
	b.ReportMetric(rawRate, "raw_msgs/s")
	b.ReportMetric(ratio, "ratio")
	// CPU per email (this process: client and SMTP server) is less shaken
	// than the rates by other work on a shared machine.
	cpu := "not measured on this platform"
	if cpuMeasured {
		perMailer := mailerCPU / time.Duration(b.N*benchEmails)
		perRaw := rawCPU / time.Duration(2*b.N*benchEmails)
		cpu = fmt.Sprintf("mailer %v, raw %v", perMailer.Round(time.Microsecond), perRaw.Round(time.Microsecond))
	}
	fmt.Printf("mailer on %s: %d emails, mailer %.0f msgs/s, raw go-mail %.0f msgs/s, ratio %.2f (target ≥ 0.80); "+
		"process CPU per email: %s\n", d, benchEmails, mailerRate, rawRate, ratio, cpu)
}

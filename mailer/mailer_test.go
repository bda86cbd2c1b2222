package mailer_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"example.com/icpdesk/config"
	"example.com/icpdesk/filing"
	"example.com/icpdesk/filing/filingtest"
	"example.com/icpdesk/mailer"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
	"example.com/icpdesk/templates"
)

var (
	ctx      = context.Background()
	shanghai = mustZone("Asia/Shanghai")
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

const (
	staffAddr = "icp-staff@example.cn"
	password  = "Xq7#pL2m-only-once"
)

// clock is the settable clock the store and the mailer share.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// logBuffer collects log output for assertions; safe for concurrent writes.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func renderer(t testing.TB) *templates.Renderer {
	t.Helper()
	cfg := config.Default()
	r, err := templates.New(mailer.DeskFromConfig(&cfg), "", shanghai)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func settings(host string, port int) mailer.Settings {
	return mailer.Settings{
		Host: host, Port: port, Security: "none",
		FromAddress: "icp@example.cn", FromName: filing.Text{Zh: "示例云备案中心", En: "Example Cloud ICP Filing Desk"},
		Timeout: 10 * time.Second, MaxAge: 72 * time.Hour, RetryBase: 30 * time.Second, RetryMax: time.Hour,
		Sweep: time.Minute, Workers: 1, Batch: 50,
	}
}

// env is a store, a clock, a renderer and an SMTP sink.
type env struct {
	t    *testing.T
	st   *store.Store
	c    *clock
	r    *templates.Renderer
	sink *sink
	logs *logBuffer
	url  string
}

func newEnv(t *testing.T, d store.Dialect) *env {
	t.Helper()
	c := &clock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, shanghai)}
	e := &env{t: t, c: c, r: renderer(t), sink: startSink(t, sinkOptions{}), logs: &logBuffer{}, url: storetest.URL(t, d)}
	e.st = e.open()
	if _, err := e.st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return e
}

// open opens the env's database again, as another replica would.
func (e *env) open() *store.Store {
	e.t.Helper()
	st, err := store.Open(ctx, e.url, store.WithClock(e.c.Now), store.WithStaff([]string{staffAddr}, filing.LangChinese),
		store.WithMessageIDDomain("example.cn"))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { st.Close() })
	return st
}

func (e *env) settings() mailer.Settings { return settings(e.sink.host, e.sink.port) }

func (e *env) service(set mailer.Settings) *mailer.Service {
	e.t.Helper()
	return e.serviceOn(e.st, set)
}

func (e *env) serviceOn(st *store.Store, set mailer.Settings) *mailer.Service {
	e.t.Helper()
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc, err := mailer.New(st, e.r, set, mailer.WithClock(e.c.Now), mailer.WithLogger(log))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		if err := svc.Stop(ctx); err != nil {
			e.t.Errorf("stop: %v", err)
		}
		if n := svc.Panics(); n > 0 {
			e.t.Errorf("%d panics recovered; log:\n%s", n, e.logs)
		}
	})
	return svc
}

func (e *env) account(email, name string, lang filing.Language) {
	e.t.Helper()
	a, err := filing.NewAccount(email, name, lang, false, e.st.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.st.CreateAccount(ctx, a, "tester"); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.st.DecideAccount(ctx, email, filing.AccountApprove, "", "tester"); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) importFiling(in filing.FilingInput) {
	e.t.Helper()
	if _, probs, err := e.st.ImportFiling(ctx, in, filingtest.Fingerprinter(), "tester"); err != nil || len(probs) > 0 {
		e.t.Fatalf("import %s: %v %v", in.Ref, err, probs)
	}
}

func (e *env) change(ref string, action filing.Action, mod ...func(*store.ChangeRequest)) {
	e.t.Helper()
	req := store.ChangeRequest{Ref: ref, Request: filing.Request{Action: action, Actor: filing.ActorStaff, At: e.st.Now()}, ActorName: "tester"}
	for _, m := range mod {
		m(&req)
	}
	if _, err := e.st.ChangeStage(ctx, req); err != nil {
		e.t.Fatalf("%s %s: %v", action, ref, err)
	}
}

// enqueue adds n filing_sent_to_bureau emails for recipients prefix0…,
// outside any filing, and returns their ids.
func (e *env) enqueue(st *store.Store, prefix string, n int, mod func(*filing.Notice)) []int64 {
	e.t.Helper()
	err := st.InTx(ctx, func(tx *store.Tx) error {
		for i := 0; i < n; i++ {
			nt := filing.Notice{Kind: filing.EmailFilingSentToBureau, Language: filing.LangChinese,
				To: fmt.Sprintf("%s%d@example.cn", prefix, i), ToName: "王五", Reference: fmt.Sprintf("BA-2026-%06d", i+1),
				SubjectType: filing.SubjectIndividual, SubjectName: "王五", WebsiteName: "王五的博客", Domains: []string{"blog.example.com"},
				Stage: filing.StageBureauReview, At: st.Now()}
			if mod != nil {
				mod(&nt)
			}
			if _, err := tx.Enqueue(ctx, store.OutboxItem{Notice: nt, DedupKey: fmt.Sprintf("test:%s:%d", prefix, i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	rows := e.rows(store.OutboxFilter{})
	var ids []int64
	for i := len(rows) - 1; i >= 0; i-- {
		if strings.HasPrefix(rows[i].DedupKey, "test:"+prefix+":") {
			ids = append(ids, rows[i].ID)
		}
	}
	return ids
}

func (e *env) rows(f store.OutboxFilter) []store.OutboxRow {
	e.t.Helper()
	rows, err := e.st.ListOutbox(ctx, f)
	if err != nil {
		e.t.Fatal(err)
	}
	return rows
}

func (e *env) row(id int64) store.OutboxRow {
	e.t.Helper()
	r, err := e.st.OutboxByID(ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) drain(svc *mailer.Service) mailer.Summary {
	e.t.Helper()
	sum, err := svc.DrainOnce(ctx)
	if err != nil {
		e.t.Fatalf("drain: %v", err)
	}
	return sum
}

// byMessageID indexes received messages and fails on a duplicate.
func byMessageID(t *testing.T, msgs []received) map[string]received {
	t.Helper()
	out := map[string]received{}
	for _, m := range msgs {
		p := parse(t, m.Data)
		id, err := p.Header.MessageID()
		if err != nil || id == "" {
			t.Fatalf("message without Message-ID: %v", err)
		}
		if _, dup := out[id]; dup {
			t.Errorf("message %s delivered twice", id)
		}
		out[id] = m
	}
	return out
}

// TestDeliversEveryEmailReadable runs the process from account approval to
// filing approval and an applicant's resubmission, drains the outbox once,
// and reads every message back as a mail client would.
func TestDeliversEveryEmailReadable(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d)
			e.account("zhangsan@example.cn", "张三", filing.LangChinese)
			e.importFiling(filingtest.Enterprise("BA-2026-000123", "zhangsan@example.cn"))
			e.change("BA-2026-000123", filing.ActionSubmit)
			e.change("BA-2026-000123", filing.ActionToBureau)
			e.change("BA-2026-000123", filing.ActionApprove, func(r *store.ChangeRequest) {
				r.ICPNumber, r.Password = "浙ICP备12345678号-1", password
			})
			e.account("wangwu@example.com", "Wang Wu", filing.LangEnglish)
			e.importFiling(filingtest.Individual("BA-2026-000124", "wangwu@example.com"))
			e.change("BA-2026-000124", filing.ActionSubmit)
			e.change("BA-2026-000124", filing.ActionToBureau)
			e.change("BA-2026-000124", filing.ActionReturnBureau, func(r *store.ChangeRequest) { r.Reason = "网站名称与内容不符" })
			inbound := &filing.InboundRef{MessageID: "<reply.42@mail.example.com>", References: []string{"icpdesk.abc@example.cn", "bad id"},
				From: "wangwu@example.com", Subject: "Re: [ICP#BA-2026-000124] corrected", ReceivedAt: e.st.Now()}
			e.change("BA-2026-000124", filing.ActionResubmit, func(r *store.ChangeRequest) {
				r.Actor, r.Inbound = filing.ActorApplicant, inbound
			})
			queued := e.rows(store.OutboxFilter{Status: store.OutboxQueued})
			if len(queued) != 9 {
				t.Fatalf("%d emails queued, want 9", len(queued))
			}

			svc := e.service(e.settings())
			sum := e.drain(svc)
			if sum.Sent != len(queued) || sum.Retried+sum.Failed != 0 {
				t.Fatalf("summary %+v, want %d sent", sum, len(queued))
			}
			got := byMessageID(t, e.sink.messages())
			if len(got) != len(queued) {
				t.Fatalf("the server got %d messages, want %d", len(got), len(queued))
			}
			for _, q := range queued {
				r := e.row(q.ID)
				if r.Status != store.OutboxSent || r.SentAt == nil || !r.SentAt.Equal(e.c.Now()) {
					t.Errorf("row %d (%s): %+v", r.ID, r.Kind, r)
				}
				m, ok := got[r.MessageID]
				if !ok {
					t.Errorf("row %d (%s): no message with Message-ID %s", r.ID, r.Kind, r.MessageID)
					continue
				}
				checkMessage(t, r, m)
				n, err := e.st.OutboxNotice(ctx, r.ID)
				if err != nil || n.Password != "" {
					t.Errorf("row %d: password still stored after sending (%v)", r.ID, err)
				}
				p := parse(t, m.Data)
				// Chinese bodies go as base64 (a third larger, where
				// quoted-printable makes them three times larger), English
				// ones as readable quoted-printable.
				wantCTE := "Content-Transfer-Encoding: quoted-printable"
				if filing.Language(r.Language) == filing.LangChinese {
					wantCTE = "Content-Transfer-Encoding: base64"
				}
				if n := bytes.Count(m.Data, []byte(wantCTE)); n != 2 {
					t.Errorf("row %d (%s, %s): %d parts with %q, want 2", r.ID, r.Kind, r.Language, n, wantCTE)
				}
				switch filing.EmailKind(r.Kind) {
				case filing.EmailFilingApproved:
					for _, part := range []string{"text/plain", "text/html"} {
						if !strings.Contains(p.Parts[part], password) || !strings.Contains(p.Parts[part], "浙ICP备12345678号-1") {
							t.Errorf("%s part of the approval lacks the password or ICP number", part)
						}
					}
				case filing.EmailResubmissionReceived:
					irt, _ := p.Header.MsgIDList("In-Reply-To")
					refs, _ := p.Header.MsgIDList("References")
					if len(irt) != 1 || irt[0] != "reply.42@mail.example.com" ||
						strings.Join(refs, " ") != "icpdesk.abc@example.cn reply.42@mail.example.com" {
						t.Errorf("ack threading: In-Reply-To %v References %v", irt, refs)
					}
					if !strings.Contains(p.Subject, "We have received your resubmission") {
						t.Errorf("ack not in English: %q", p.Subject)
					}
				case filing.EmailFilingSubmitted:
					text := p.Parts["text/plain"]
					if r.Reference == "BA-2026-000123" && (!strings.Contains(text, "网站备案授权书") || !strings.Contains(p.Subject, "现场核验")) {
						t.Errorf("the enterprise's checklist lacks the authorization letter: %q\n%s", p.Subject, text)
					}
					if r.Reference == "BA-2026-000124" && (!strings.Contains(text, "with a fingerprint") || strings.Contains(text, "authorization")) {
						t.Errorf("the individual's checklist is not an individual's:\n%s", text)
					}
				}
			}
			if c := svc.Counters(); c.Sent != int64(len(queued)) || c.Retried != 0 || c.Failed != 0 {
				t.Errorf("counters %+v", c)
			}
			logs := e.logs.String()
			for _, addr := range []string{"zhangsan@example.cn", "wangwu@example.com"} {
				if strings.Contains(logs, addr) {
					t.Errorf("the log shows %s unmasked", addr)
				}
			}
			if !strings.Contains(logs, "z***@example.cn") || strings.Contains(logs, password) {
				t.Errorf("the log lacks masked recipients or shows the password:\n%s", logs)
			}
			if again := e.drain(svc); again.Claimed != 0 {
				t.Errorf("a second drain claimed %d rows", again.Claimed)
			}
		})
	}
}

// checkMessage checks what every email must carry.
func checkMessage(t *testing.T, r store.OutboxRow, m received) {
	t.Helper()
	p := parse(t, m.Data)
	if len(m.To) != 1 || m.To[0] != r.Recipient || m.From != "icp@example.cn" {
		t.Errorf("%s: envelope %s → %v", r.Kind, m.From, m.To)
	}
	to, err := p.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != r.Recipient {
		t.Errorf("%s: To %v (%v)", r.Kind, to, err)
	}
	from, err := p.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Address != "icp@example.cn" || from[0].Name == "" {
		t.Errorf("%s: From %v (%v)", r.Kind, from, err)
	}
	if r.Reference != "" && !strings.Contains(p.Subject, filing.Tag(r.Reference)) {
		t.Errorf("%s: subject %q lacks the reference tag", r.Kind, p.Subject)
	}
	wantAuto := "auto-generated"
	if filing.EmailKind(r.Kind).IsAcknowledgement() {
		wantAuto = "auto-replied"
	}
	if got := p.Header.Get("Auto-Submitted"); got != wantAuto {
		t.Errorf("%s: Auto-Submitted %q, want %q", r.Kind, got, wantAuto)
	}
	if got := p.Header.Get("X-Auto-Response-Suppress"); got != "All" {
		t.Errorf("%s: X-Auto-Response-Suppress %q", r.Kind, got)
	}
	if p.Header.Get("Date") == "" || p.Header.Get("User-Agent") != "" || p.Header.Get("X-Mailer") != "" {
		t.Errorf("%s: Date missing or a mailer advertised", r.Kind)
	}
	if mt, _, _ := p.Header.ContentType(); mt != "multipart/alternative" {
		t.Errorf("%s: Content-Type %s", r.Kind, mt)
	}
	for _, part := range []string{"text/plain", "text/html"} {
		if p.Parts[part] == "" || p.Charset[part] != "utf-8" {
			t.Errorf("%s: %s part missing or charset %q", r.Kind, part, p.Charset[part])
		}
	}
	if !strings.Contains(p.Parts["text/html"], "</html>") {
		t.Errorf("%s: HTML part is not a document", r.Kind)
	}
}

// TestNoHeaderInjection: applicant text with CR LF reaches headers only
// encoded, and markup reaches the HTML only escaped.
func TestNoHeaderInjection(t *testing.T) {
	e := newEnv(t, store.SQLite)
	const evil = "\r\nBcc: victim@example.com\r\nX-Evil: 1\r\n\r\n<script>alert(1)</script>"
	e.enqueue(e.st, "inj", 1, func(n *filing.Notice) {
		n.ToName = "王五" + evil
		n.WebsiteName = "博客" + evil
	})
	e.enqueue(e.st, "alert", 1, func(n *filing.Notice) {
		n.Kind, n.Alert = filing.EmailStaffAlert, &filing.Alert{Summary: filing.Text{Zh: "提醒" + evil, En: "alert" + evil}}
	})
	if sum := e.drain(e.service(e.settings())); sum.Sent != 2 {
		t.Fatalf("summary %+v", sum)
	}
	for _, m := range e.sink.messages() {
		if len(m.To) != 1 || strings.Contains(m.To[0], "victim") {
			t.Errorf("envelope recipients %v", m.To)
		}
		head, _, _ := bytes.Cut(m.Data, []byte("\r\n\r\n"))
		for _, line := range strings.Split(string(head), "\r\n") {
			if strings.HasPrefix(line, "Bcc:") || strings.HasPrefix(line, "X-Evil:") {
				t.Errorf("injected header line %q", line)
			}
		}
		p := parse(t, m.Data)
		if strings.ContainsAny(p.Subject, "\r\n") || p.Header.Get("Bcc") != "" || p.Header.Get("X-Evil") != "" {
			t.Errorf("subject %q or an injected header survived", p.Subject)
		}
		if strings.Contains(p.Parts["text/html"], "<script") {
			t.Errorf("markup reached the HTML part unescaped")
		}
		to, err := p.Header.AddressList("To")
		if err != nil || len(to) != 1 || !strings.HasSuffix(to[0].Address, "0@example.cn") {
			t.Errorf("To %v (%v)", to, err)
		}
	}
}

// TestTemporaryFailureThenDeliveredOnce: a 4xx reschedules with backoff; the
// next attempt delivers; the server sees the message once.
func TestTemporaryFailureThenDeliveredOnce(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d)
			ids := e.enqueue(e.st, "busy", 2, nil)
			var refused sync.Map
			e.sink.refuse(func(to string) error {
				if _, again := refused.LoadOrStore(to, true); to == "busy0@example.cn" && !again {
					return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "busy0@example.cn: try again later"}
				}
				return nil
			})
			svc := e.service(e.settings())
			start := e.c.Now()
			sum := e.drain(svc)
			if sum.Sent != 1 || sum.Retried != 1 || sum.Failed != 0 {
				t.Fatalf("first drain %+v", sum)
			}
			r := e.row(ids[0])
			lo, hi := start.Add(24*time.Second), start.Add(36*time.Second) // 30s ± 20 %
			if r.Status != store.OutboxQueued || r.Attempts != 1 || r.NextAttemptAt.Before(lo) || r.NextAttemptAt.After(hi) {
				t.Fatalf("after a 451: %+v (next attempt should be in [%v, %v])", r, lo, hi)
			}
			if !strings.Contains(r.LastError, "451") || strings.Contains(r.LastError, "busy0@example.cn") || !strings.Contains(r.LastError, "b***@example.cn") {
				t.Errorf("last error %q: want the 451, the recipient masked", r.LastError)
			}
			if !sum.NextAttempt.Equal(r.NextAttemptAt) {
				t.Errorf("summary next attempt %v, row %v", sum.NextAttempt, r.NextAttemptAt)
			}
			if again := e.drain(svc); again.Claimed != 0 {
				t.Fatalf("a row was retried before its time: %+v", again)
			}
			e.c.Add(r.NextAttemptAt.Sub(e.c.Now()))
			if sum := e.drain(svc); sum.Sent != 1 || sum.Retried != 0 {
				t.Fatalf("second drain %+v", sum)
			}
			if r := e.row(ids[0]); r.Status != store.OutboxSent || r.Attempts != 2 {
				t.Fatalf("after the retry: %+v", r)
			}
			got := byMessageID(t, e.sink.messages())
			if len(got) != 2 {
				t.Fatalf("the server got %d messages, want 2", len(got))
			}
			if c := svc.Counters(); c.Sent != 2 || c.Retried != 1 || c.Failed != 0 {
				t.Errorf("counters %+v", c)
			}
		})
	}
}

// TestPermanentFailureAlertsStaffOnce: a 5xx fails the row for good and
// sends exactly one staff alert, however often the mailer runs.
func TestPermanentFailureAlertsStaffOnce(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d)
			ids := e.enqueue(e.st, "gone", 1, nil)
			e.sink.refuse(func(to string) error {
				if to == "gone0@example.cn" {
					return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<gone0@example.cn>: no such user"}
				}
				return nil
			})
			svc := e.service(e.settings())
			sum := e.drain(svc)
			// The alert is queued in the failure's transaction and sent in the same drain.
			if sum.Failed != 1 || sum.Sent != 1 || sum.Retried != 0 {
				t.Fatalf("summary %+v", sum)
			}
			r := e.row(ids[0])
			if r.Status != store.OutboxFailed || !strings.Contains(r.LastError, "550") || strings.Contains(r.LastError, "gone0@") {
				t.Fatalf("failed row %+v", r)
			}
			for i := 0; i < 2; i++ {
				e.c.Add(2 * time.Hour)
				e.drain(svc)
			}
			msgs := e.sink.messages()
			if len(msgs) != 1 || msgs[0].To[0] != staffAddr {
				t.Fatalf("the server got %d messages (%v), want one alert to staff", len(msgs), msgs)
			}
			alerts := 0
			for _, row := range e.rows(store.OutboxFilter{}) {
				if row.Kind == string(filing.EmailStaffAlert) {
					alerts++
				}
			}
			if alerts != 1 {
				t.Fatalf("%d staff alerts queued, want 1", alerts)
			}
			p := parse(t, msgs[0].Data)
			body := p.Parts["text/plain"]
			if !strings.Contains(p.Subject, "[ICP#BA-2026-000001]") || !strings.Contains(p.Subject, "需处理") ||
				!strings.Contains(body, "g***@example.cn") || strings.Contains(body, "gone0@") ||
				!strings.Contains(body, "icpdesk queue show") || !strings.Contains(body, "550 5.1.1") || !strings.Contains(body, "收件地址不存在") {
				t.Errorf("alert %q:\n%s", p.Subject, body)
			}
			if c := svc.Counters(); c.Failed != 1 || c.Sent != 1 {
				t.Errorf("counters %+v", c)
			}
		})
	}
}

// TestServerDownThenBack: with the server down nothing is lost; every row
// waits with its next attempt time and goes out exactly once when it is back.
func TestServerDownThenBack(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d)
			e.sink.close()
			port := freePort(t)
			set := settings("127.0.0.1", port)
			ids := e.enqueue(e.st, "down", 5, nil)
			svc := e.service(set)
			if err := svc.CheckReady(ctx); err != nil {
				t.Fatalf("ready before any attempt: %v", err)
			}
			start := e.c.Now()
			sum, err := svc.DrainOnce(ctx)
			if !errors.Is(err, mailer.ErrUnreachable) || !strings.Contains(err.Error(), fmt.Sprintf("127.0.0.1:%d", port)) {
				t.Fatalf("drain with the server down: %v", err)
			}
			if err := svc.CheckReady(ctx); err == nil || !strings.Contains(err.Error(), "SMTP") {
				t.Fatalf("readiness with the server down: %v", err)
			}
			if sum.Retried != 5 || sum.Sent+sum.Failed != 0 {
				t.Fatalf("summary %+v", sum)
			}
			for _, id := range ids {
				r := e.row(id)
				if r.Status != store.OutboxQueued || r.Attempts != 1 || !r.NextAttemptAt.After(start) || !strings.Contains(r.LastError, "unreachable") {
					t.Errorf("row while down: %+v", r)
				}
			}
			// Still down at the next attempt: rescheduled again, later.
			e.c.Add(time.Hour + time.Minute)
			if _, err := svc.DrainOnce(ctx); !errors.Is(err, mailer.ErrUnreachable) {
				t.Fatalf("second drain: %v", err)
			}
			for _, id := range ids {
				if r := e.row(id); r.Attempts != 2 || !r.NextAttemptAt.After(e.c.Now()) {
					t.Errorf("row after the second failure: %+v", r)
				}
			}
			back := startSink(t, sinkOptions{addr: fmt.Sprintf("127.0.0.1:%d", port)})
			e.c.Add(2 * time.Hour)
			if sum := e.drain(svc); sum.Sent != 5 {
				t.Fatalf("after the server came back: %+v", sum)
			}
			if err := svc.CheckReady(ctx); err != nil {
				t.Fatalf("readiness after delivery: %v", err)
			}
			e.c.Add(2 * time.Hour)
			if sum := e.drain(svc); sum.Claimed != 0 {
				t.Fatalf("drain after delivery claimed %d", sum.Claimed)
			}
			if got := byMessageID(t, back.messages()); len(got) != 5 {
				t.Fatalf("the server got %d distinct messages, want 5", len(got))
			}
		})
	}
}

// TestSessionGoneBetweenMessages: no RSET follows an accepted message, so
// the next message's MAIL is the first to find that the server dropped the
// session meanwhile. Each message is then sent again on a new session, and
// every one is delivered exactly once.
func TestSessionGoneBetweenMessages(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d)
			e.sink.close()
			e.sink = startSink(t, sinkOptions{oneMessagePerSession: true})
			const n = 6
			e.enqueue(e.st, "dropped", n, nil)
			if sum := e.drain(e.service(e.settings())); sum.Sent != n || sum.Retried+sum.Failed != 0 {
				t.Fatalf("summary %+v", sum)
			}
			if got := byMessageID(t, e.sink.messages()); len(got) != n || len(e.sink.messages()) != n {
				t.Fatalf("the server got %d messages, %d distinct; want %d once each", len(e.sink.messages()), len(got), n)
			}
			if _, sessions := e.sink.stats(); sessions != n {
				t.Errorf("%d sessions for %d messages, each dropped after its first", sessions, n)
			}
			for _, r := range e.rows(store.OutboxFilter{}) {
				if r.Status != store.OutboxSent || r.Attempts != 1 {
					t.Errorf("row %d: %s after %d attempts", r.ID, r.Status, r.Attempts)
				}
			}
		})
	}
}

// TestGivesUpAfterMaxAge: a temporary failure past max_age fails the row
// and alerts staff.
func TestGivesUpAfterMaxAge(t *testing.T) {
	e := newEnv(t, store.SQLite)
	ids := e.enqueue(e.st, "old", 1, nil)
	e.sink.refuse(func(to string) error {
		if to == "old0@example.cn" {
			return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "mailbox full"}
		}
		return nil
	})
	set := e.settings()
	set.MaxAge = 2 * time.Hour
	svc := e.service(set)
	for i := 0; i < 20 && e.row(ids[0]).Status == store.OutboxQueued; i++ {
		e.drain(svc)
		if r := e.row(ids[0]); r.Status == store.OutboxQueued {
			if r.NextAttemptAt.After(r.CreatedAt.Add(set.MaxAge)) {
				t.Fatalf("next attempt %v is after max_age", r.NextAttemptAt)
			}
			e.c.Add(r.NextAttemptAt.Sub(e.c.Now()))
		}
	}
	r := e.row(ids[0])
	if r.Status != store.OutboxFailed || !strings.Contains(r.LastError, "not delivered within 2h0m0s") {
		t.Fatalf("row %+v", r)
	}
	if r.Attempts < 3 {
		t.Errorf("gave up after %d attempts", r.Attempts)
	}
	if msgs := e.sink.messages(); len(msgs) != 1 || msgs[0].To[0] != staffAddr {
		t.Fatalf("messages %v, want the staff alert", msgs)
	}
}

// TestWakesOnEnqueue: a running mailer sends an email enqueued after it
// started without waiting for its sweep (an hour here): in process, and on
// PostgreSQL from another replica through LISTEN/NOTIFY.
func TestWakesOnEnqueue(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d)
			set := e.settings()
			set.Sweep = time.Hour
			svc := e.service(set)
			if err := svc.Start(ctx); err != nil {
				t.Fatal(err)
			}
			e.enqueue(e.st, "local", 1, nil)
			e.sink.waitFor(1)
			if d == store.Postgres {
				e.enqueue(e.open(), "remote", 1, nil)
				e.sink.waitFor(2)
			}
		})
	}
}

// TestWorkersNeverDeliverTheSameRow: two replicas with two workers each
// drain one PostgreSQL outbox; the server counts every message once.
func TestWorkersNeverDeliverTheSameRow(t *testing.T) {
	e := newEnv(t, store.Postgres)
	const n = 400
	e.enqueue(e.st, "many", n, nil)
	set := e.settings()
	set.Workers, set.Batch = 2, 10
	var services []*mailer.Service
	for i := 0; i < 2; i++ {
		services = append(services, e.serviceOn(e.open(), set))
	}
	for _, svc := range services {
		if err := svc.Start(ctx); err != nil {
			t.Fatal(err)
		}
	}
	msgs := e.sink.waitFor(n)
	for _, svc := range services {
		if err := svc.Stop(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got := byMessageID(t, e.sink.messages())
	if len(msgs) != n || len(got) != n {
		t.Fatalf("the server got %d messages, %d distinct, want %d", len(e.sink.messages()), len(got), n)
	}
	var sent int64
	for _, svc := range services {
		sent += svc.Counters().Sent
	}
	if sent != n || len(e.rows(store.OutboxFilter{Status: store.OutboxSent})) != n {
		t.Fatalf("%d counted sent, want %d", sent, n)
	}
}

// TestStopLetsTheSendInFlightFinish: Stop waits for the message being sent,
// records it, and leaves the rest of the batch queued and untried. A Stop
// whose context has ended cancels the rest but still records the delivery.
func TestStopLetsTheSendInFlightFinish(t *testing.T) {
	for _, hard := range []bool{false, true} {
		t.Run(fmt.Sprintf("hard=%v", hard), func(t *testing.T) {
			e := newEnv(t, store.SQLite)
			ids := e.enqueue(e.st, "stop", 3, nil)
			inData, release := make(chan struct{}), make(chan struct{})
			var once sync.Once
			e.sink.onData(func(received) error {
				once.Do(func() { close(inData) })
				<-release
				return nil
			})
			svc := e.service(e.settings())
			if err := svc.Start(ctx); err != nil {
				t.Fatal(err)
			}
			<-inData // the first message is being sent
			stopCtx, cancel := context.WithCancel(ctx)
			if hard {
				cancel()
			}
			stopped := make(chan error, 1)
			go func() { stopped <- svc.Stop(stopCtx) }()
			close(release)
			err := <-stopped
			cancel()
			if hard != (err != nil) {
				t.Fatalf("stop (hard=%v): %v", hard, err)
			}
			if err := svc.Stop(ctx); err != nil {
				t.Fatalf("a second Stop: %v", err)
			}
			if r := e.row(ids[0]); r.Status != store.OutboxSent {
				t.Fatalf("the message in flight was not recorded: %+v", r)
			}
			for _, id := range ids[1:] {
				if r := e.row(id); r.Status != store.OutboxQueued || r.Attempts != 0 {
					t.Errorf("untried row %+v", r)
				}
			}
			if n := len(e.sink.messages()); n != 1 {
				t.Errorf("the server got %d messages after Stop, want 1", n)
			}
		})
	}
}

func TestStopWithoutStart(t *testing.T) {
	e := newEnv(t, store.SQLite)
	svc := e.service(e.settings())
	if err := svc.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(ctx); err == nil {
		t.Fatal("a second Start is accepted")
	}
}

// TestTLSAndAuth: implicit TLS and STARTTLS against a private CA, with
// AUTH PLAIN; the password never reaches the log.
func TestTLSAndAuth(t *testing.T) {
	serverTLS, pool := selfSigned(t)
	for _, mode := range []string{"tls", "starttls"} {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, store.SQLite)
			s := startSink(t, sinkOptions{tls: serverTLS, implicit: mode == "tls", user: "desk", pass: "s3cret-pass"})
			set := settings("localhost", s.port)
			set.Security, set.RootCAs, set.Username, set.Password = mode, pool, "desk", "s3cret-pass"
			e.enqueue(e.st, "tls", 2, nil)
			if sum := e.drain(e.service(set)); sum.Sent != 2 {
				t.Fatalf("summary %+v\n%s", sum, e.logs)
			}
			user, sessions := s.stats()
			if user != "desk" || len(s.messages()) != 2 {
				t.Fatalf("auth %q, %d messages", user, len(s.messages()))
			}
			if sessions > 2 { // STARTTLS starts a second session on the same connection
				t.Errorf("%d sessions for 2 messages: the connection was not reused", sessions)
			}

			// A wrong password: unreachable, nothing sent, the password not shown.
			e2 := newEnv(t, store.SQLite)
			set.Password = "wrong-pass-123"
			e2.enqueue(e2.st, "bad", 1, nil)
			_, err := e2.service(set).DrainOnce(ctx)
			if !errors.Is(err, mailer.ErrUnreachable) || strings.Contains(err.Error(), "wrong-pass-123") || strings.Contains(e2.logs.String(), "wrong-pass-123") {
				t.Fatalf("wrong password: %v", err)
			}
		})
	}
}

// TestStartTLSIsMandatory: a server that offers no STARTTLS gets nothing.
func TestStartTLSIsMandatory(t *testing.T) {
	e := newEnv(t, store.SQLite)
	set := e.settings()
	set.Security = "starttls"
	e.enqueue(e.st, "clear", 1, nil)
	sum, err := e.service(set).DrainOnce(ctx)
	if !errors.Is(err, mailer.ErrUnreachable) || sum.Retried != 1 || len(e.sink.messages()) != 0 {
		t.Fatalf("STARTTLS not enforced: %+v %v", sum, err)
	}
}

func TestPlaintextOnlyToLoopback(t *testing.T) {
	e := newEnv(t, store.SQLite)
	set := settings("smtp.example.cn", 25)
	if _, err := mailer.New(e.st, e.r, set); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("plaintext to a remote host: %v", err)
	}
	set.Security = "starttls"
	if _, err := mailer.New(e.st, e.r, set); err != nil {
		t.Fatal(err)
	}
}

func TestSendTest(t *testing.T) {
	e := newEnv(t, store.SQLite)
	id, err := mailer.SendTest(ctx, e.settings(), "Staff@Example.cn", e.c.Now())
	if err != nil {
		t.Fatal(err)
	}
	msgs := e.sink.messages()
	if len(msgs) != 1 || msgs[0].To[0] != "staff@example.cn" {
		t.Fatalf("messages %v", msgs)
	}
	p := parse(t, msgs[0].Data)
	if got, _ := p.Header.MessageID(); got != id || !strings.Contains(p.Parts["text/plain"], "SMTP") {
		t.Errorf("test email %q %q", got, p.Parts["text/plain"])
	}
	set := settings("127.0.0.1", freePort(t))
	if _, err := mailer.SendTest(ctx, set, "staff@example.cn", e.c.Now()); !errors.Is(err, mailer.ErrUnreachable) {
		t.Fatalf("unreachable: %v", err)
	}
	if _, err := mailer.SendTest(ctx, e.settings(), "not an address", e.c.Now()); err == nil {
		t.Fatal("a bad address is accepted")
	}
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSettingsFromConfig(t *testing.T) {
	cfg := config.Default()
	cfg.SMTP.Host, cfg.SMTP.Port, cfg.SMTP.Security = "127.0.0.1", 2525, "none"
	set, err := mailer.SettingsFromConfig(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	if set.FromAddress != "icp@example.cn" || set.ReplyTo != "" || set.FromName.En != "Example Cloud ICP Filing Desk" ||
		set.Timeout != 30*time.Second || set.Batch != 50 || set.DKIM != nil || set.RootCAs != nil {
		t.Fatalf("settings %+v", set)
	}
	cfg.SMTP.From = "备案通知 <noreply@example.cn>"
	if set, err = mailer.SettingsFromConfig(&cfg); err != nil || set.FromAddress != "noreply@example.cn" ||
		set.ReplyTo != "icp@example.cn" || set.FromName.Zh != "备案通知" {
		t.Fatalf("with smtp.from: %+v %v", set, err)
	}
	cfg.SMTP.Username = "desk"
	if _, err := mailer.SettingsFromConfig(&cfg); err == nil || !strings.Contains(err.Error(), config.EnvSMTPPassword) {
		t.Fatalf("a username without a password: %v", err)
	}
	cfg.SMTP.Username = ""
	cfg.SMTP.CAFile = writeTemp(t, "ca.pem", []byte("not a certificate"))
	if _, err := mailer.SettingsFromConfig(&cfg); err == nil || !strings.Contains(err.Error(), "ca_file") {
		t.Fatalf("a bad CA file: %v", err)
	}
	cfg.SMTP.CAFile = ""
	cfg.SMTP.Host, cfg.SMTP.Security = "smtp.example.cn", "none"
	if _, err := mailer.SettingsFromConfig(&cfg); err == nil {
		t.Fatal("plaintext to a remote host accepted")
	}
}

// TestDKIMSigned: with a key configured every email carries a DKIM
// signature for the configured domain and selector.
func TestDKIMSigned(t *testing.T) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, store.SQLite)
	cfg := config.Default()
	cfg.SMTP.Host, cfg.SMTP.Port, cfg.SMTP.Security = e.sink.host, e.sink.port, "none"
	cfg.SMTP.DKIM = config.DKIM{Domain: "example.cn", Selector: "icpdesk2026",
		KeyFile: writeTemp(t, "dkim.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))}
	set, err := mailer.SettingsFromConfig(&cfg)
	if err != nil || set.DKIM == nil {
		t.Fatalf("settings: %v", err)
	}
	e.enqueue(e.st, "dkim", 1, nil)
	if sum := e.drain(e.service(set)); sum.Sent != 1 {
		t.Fatalf("summary %+v", sum)
	}
	p := parse(t, e.sink.messages()[0].Data)
	sig := p.Header.Get("DKIM-Signature")
	for _, want := range []string{"d=example.cn", "s=icpdesk2026", "a=ed25519-sha256", "b="} {
		if !strings.Contains(strings.ReplaceAll(sig, " ", ""), want) {
			t.Errorf("DKIM-Signature %q lacks %s", sig, want)
		}
	}
}

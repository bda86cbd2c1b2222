package inbox

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"example.com/icpdesk/config"
	"example.com/icpdesk/filing"
	"example.com/icpdesk/filing/filingtest"
	"example.com/icpdesk/inbox/inboxtest"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// env is one test's world: a store with accounts and filings, an IMAP
// server, and watchers connected to it.
type env struct {
	t   *testing.T
	ctx context.Context
	st  *store.Store
	srv *inboxtest.Server
}

const staffAddr = "staff@example.cn"

func newEnv(t *testing.T, srv *inboxtest.Server, d store.Dialect) *env {
	t.Helper()
	st := storetest.Open(t, d, store.WithStaff([]string{staffAddr}, filing.LangChinese), store.WithMessageIDDomain("example.cn"))
	return &env{t: t, ctx: context.Background(), st: st, srv: srv}
}

// testLogger writes the watcher's log to the test log when -v asks for it.
func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() && os.Getenv("ICPDESK_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func (e *env) config() Config {
	return Config{
		Host: e.srv.Host(), Port: e.srv.Port(), Security: "none", Username: e.srv.User, Password: config.Secret(e.srv.Pass),
		Mailbox: e.srv.Mailbox, ProcessedMailbox: e.srv.Processed, AckLimitPerHour: 3,
		Own:            Own{Addresses: []string{"icp@example.cn", staffAddr}, MessageIDDomain: "example.cn"},
		CommandTimeout: 20 * time.Second, DialTimeout: 10 * time.Second, ReconnectMax: 2 * time.Second, LeaseRetry: 100 * time.Millisecond,
		SpoolDir: e.t.TempDir(),
	}
}

// watcher returns a watcher whose recovered panics fail the test.
func (e *env) watcher(cfg Config, opts ...Option) *Watcher {
	e.t.Helper()
	w, err := NewWatcher(e.st, cfg, append([]Option{WithLogger(testLogger(e.t))}, opts...)...)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		if n := w.Stats().Panics; n > 0 {
			e.t.Errorf("the watcher recovered %d panics", n)
		}
	})
	return w
}

func (e *env) account(email string) {
	e.t.Helper()
	a, err := filing.NewAccount(email, "张三", filing.LangChinese, true, e.st.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.st.CreateAccount(e.ctx, a, "tester"); err != nil {
		e.t.Fatal(err)
	}
}

// filing imports a filing of account with its own domains and brings it to
// stage: returned (at returnedAt), approved (with icp), or draft.
func (e *env) filing(ref, account string, stage filing.Stage, returnedAt time.Time, icp string, domains ...string) {
	e.t.Helper()
	in := filingtest.Enterprise(ref, account)
	in.Website.Domains = nil
	for _, d := range domains {
		in.Website.Domains = append(in.Website.Domains, filing.DomainInput{Name: d, Registrant: in.Subject.Name})
	}
	if _, probs, err := e.st.ImportFiling(e.ctx, in, filingtest.Fingerprinter(), "tester"); err != nil || len(probs) > 0 {
		e.t.Fatalf("import %s: %v %v", ref, err, probs)
	}
	if stage == filing.StageDraft {
		return
	}
	at := returnedAt.Add(-48 * time.Hour)
	if returnedAt.IsZero() {
		at = time.Now().Add(-time.Hour)
	}
	e.change(ref, filing.Request{Action: filing.ActionSubmit, At: at})
	e.change(ref, filing.Request{Action: filing.ActionToBureau, At: at.Add(time.Minute)})
	switch stage {
	case filing.StageReturned:
		e.change(ref, filing.Request{Action: filing.ActionReturnBureau, Reason: "网站名称与主体不符", At: returnedAt})
	case filing.StageApproved:
		e.change(ref, filing.Request{Action: filing.ActionApprove, ICPNumber: icp, At: at.Add(2 * time.Minute)})
	}
}

func (e *env) change(ref string, req filing.Request) {
	e.t.Helper()
	req.Actor = filing.ActorStaff
	if _, err := e.st.ChangeStage(e.ctx, store.ChangeRequest{Ref: ref, Request: req, ActorName: "tester"}); err != nil {
		e.t.Fatalf("%s %s: %v", req.Action, ref, err)
	}
}

// sent returns the Message-ID of the email of kind sent about ref.
func (e *env) sent(ref string, kind filing.EmailKind) string {
	e.t.Helper()
	rows, err := e.st.ListOutbox(e.ctx, store.OutboxFilter{FilingRef: ref})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range rows {
		if r.Kind == string(kind) {
			return r.MessageID
		}
	}
	e.t.Fatalf("no %s email about %s", kind, ref)
	return ""
}

func (e *env) stage(ref string) filing.Filing {
	e.t.Helper()
	d, err := e.st.FilingByRef(e.ctx, ref)
	if err != nil {
		e.t.Fatal(err)
	}
	return d.Filing
}

// outbox lists "kind>recipient" of every email, oldest first.
func (e *env) outbox() []string {
	e.t.Helper()
	rows, err := e.st.ListOutbox(e.ctx, store.OutboxFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for i := len(rows) - 1; i >= 0; i-- {
		out = append(out, rows[i].Kind+">"+rows[i].Recipient)
	}
	return out
}

// emails counts the emails of kind to recipient.
func (e *env) emails(kind filing.EmailKind, to string) int {
	n := 0
	for _, s := range e.outbox() {
		if s == string(kind)+">"+to {
			n++
		}
	}
	return n
}

// inbound returns the recorded message with this Message-ID.
func (e *env) inbound(messageID string) store.InboundMessage {
	e.t.Helper()
	id, err := e.st.InboundIDByMessageID(e.ctx, messageID)
	if err != nil {
		e.t.Fatalf("message <%s> not recorded: %v", messageID, err)
	}
	m, err := e.st.InboundByID(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

func (e *env) recorded(messageID string) bool {
	_, err := e.st.InboundIDByMessageID(e.ctx, messageID)
	return err == nil
}

// events counts a filing's audit events with this action.
func (e *env) events(ref, action string) int {
	e.t.Helper()
	f := e.stage(ref)
	evs, err := e.st.FilingEvents(e.ctx, f.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		if ev.Action == action {
			n++
		}
	}
	return n
}

// waitFor polls cond until it holds. The deadline is generous: it catches
// a hang, it does not measure speed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// run starts w.Run and returns a function that stops it and checks it returned nil.
func run(t *testing.T, w *Watcher) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("Run did not return after its context ended")
		}
	}
	t.Cleanup(stop)
	return stop
}

// checkNoLeaks fails the test if goroutines of the watcher or the IMAP
// client outlive it.
func checkNoLeaks(t *testing.T) {
	t.Helper()
	var leaked string
	for i := 0; i < 250; i++ {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		leaked = ""
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "checkNoLeaks") || strings.Contains(g, "testing.tRunner") || strings.Contains(g, "testing.(*T)") {
				continue // the tests themselves
			}
			if strings.Contains(g, "icpdesk/inbox.") || strings.Contains(g, "go-imap/v2/imapclient") {
				leaked += g + "\n\n"
			}
		}
		if leaked == "" {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("goroutines left behind:\n%s", leaked)
}

// The account and filing most tests write about.
const (
	testAddr = "zhangsan@example.cn"
	testRef  = "BA-2026-000123"
)

func mid(name string) string { return fmt.Sprintf("%s@mail.example.com", name) }

package daemon_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/icpdesk/config"
	"example.com/icpdesk/daemon"
	"example.com/icpdesk/demo"
	"example.com/icpdesk/filing"
	"example.com/icpdesk/filing/filingtest"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

var ctx = context.Background()

// replica is one icpdesk process: its own store connections and services.
type replica struct {
	name   string
	st     *store.Store
	d      *daemon.Daemon
	cancel context.CancelFunc
}

func testConfig(t *testing.T, mail *demo.MailServer, dbURL string) *config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.Desk.Address = demo.DeskAddress
	cfg.Desk.Staff = []string{demo.StaffAddress}
	cfg.Database.URL = dbURL
	cfg.SMTP.Host, cfg.SMTP.Port, cfg.SMTP.Security = "127.0.0.1", mail.SMTPAddr().Port, "none"
	cfg.SMTP.Workers, cfg.SMTP.Batch = 2, 10
	cfg.IMAP.Host, cfg.IMAP.Port, cfg.IMAP.Security = "127.0.0.1", mail.IMAPAddr().Port, "none"
	cfg.IMAP.Username, cfg.IMAP.Batch = demo.DeskAddress, 5
	cfg.IMAP.ReconnectMax = config.Duration{Duration: time.Second}
	cfg.Secrets.IMAPPassword = config.Secret(demo.Password)
	cfg.Secrets.IDSecret = config.Secret(filingtest.Secret)
	return &cfg
}

func startReplica(t *testing.T, name string, cfg *config.Config) *replica {
	t.Helper()
	st, err := store.Open(ctx, cfg.Database.URL, daemon.StoreOptions(cfg)...)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(&testWriter{t: t, prefix: name}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	d, err := daemon.New(cfg, st, log, daemon.Options{Listener: ln})
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	if err := d.Start(rctx); err != nil {
		t.Fatal(err)
	}
	return &replica{name: name, st: st, d: d, cancel: cancel}
}

// kill ends a replica the hard way: its context is cancelled with no
// drain phase, and its database connections are closed.
func (r *replica) kill() {
	r.cancel()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_ = r.d.Shutdown(sctx) // only waits for goroutines that already saw the cancellation
	r.st.Close()
}

type testWriter struct {
	t      *testing.T
	prefix string
	mu     sync.Mutex
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.t.Logf("%s: %s", w.prefix, bytes.TrimSpace(p))
	return len(p), nil
}

func waitFor(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ok, err := cond()
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestThreeReplicas runs three replicas on one PostgreSQL database against
// one mailbox, kills the one consuming the mailbox while messages are still
// arriving, and checks that every message was processed once and every
// email delivered once.
func TestThreeReplicas(t *testing.T) {
	dbURL := storetest.URL(t, store.Postgres)
	const n = 30
	applicants := make([]string, n)
	for i := range applicants {
		applicants[i] = fmt.Sprintf("app%02d@example.cn", i+1)
	}
	mail, err := demo.NewMailServer(append([]string{demo.DeskAddress, demo.StaffAddress}, applicants...), demo.Password, "127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer mail.Close()
	cfg := testConfig(t, mail, dbURL)

	// The desk's data: n filings returned by the bureau, one per applicant
	// (acknowledgements are limited per sender).
	setup, err := store.Open(ctx, dbURL, store.WithPolicy(cfg.Policy()), store.WithMessageIDDomain(cfg.MailDomain()))
	if err != nil {
		t.Fatal(err)
	}
	defer setup.Close()
	if _, err := setup.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	fp := filingtest.Fingerprinter()
	refs := make([]string, n)
	for i, addr := range applicants {
		a, _ := filing.NewAccount(addr, "申请人", filing.LangChinese, true, time.Now())
		if _, err := setup.CreateAccount(ctx, a, "test"); err != nil {
			t.Fatal(err)
		}
		refs[i] = fmt.Sprintf("BA-2026-%06d", i+1)
		in := filingtest.Enterprise(refs[i], addr)
		in.Website.Domains = []filing.DomainInput{{Name: fmt.Sprintf("site%02d.example.cn", i+1), Registrant: in.Subject.Name}}
		if _, probs, err := setup.ImportFiling(ctx, in, fp, "test"); err != nil || len(probs) > 0 {
			t.Fatal(err, probs)
		}
		for _, req := range []filing.Request{{Action: filing.ActionSubmit}, {Action: filing.ActionToBureau}, {Action: filing.ActionReturnBureau, Reason: "材料不全"}} {
			req.Actor, req.At = filing.ActorStaff, time.Now()
			if _, err := setup.ChangeStage(ctx, store.ChangeRequest{Ref: refs[i], Request: req}); err != nil {
				t.Fatal(err)
			}
		}
	}

	replicas := []*replica{startReplica(t, "r1", cfg), startReplica(t, "r2", cfg), startReplica(t, "r3", cfg)}
	defer func() {
		for _, r := range replicas {
			if r != nil {
				sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				if err := r.d.Shutdown(sctx); err != nil {
					t.Errorf("%s shutdown: %v", r.name, err)
				}
				cancel()
				r.st.Close()
			}
		}
	}()
	drained := func() (bool, error) {
		depth, _, err := setup.OutboxQueue(ctx)
		return depth == 0, err
	}
	waitFor(t, "the return notices to go out", drained)

	// The applicants reply to their return notices, one after another; the
	// replica consuming the mailbox is killed a third of the way through.
	notices := map[string]string{}
	rows, err := setup.ListOutbox(ctx, store.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Kind == string(filing.EmailFilingReturned) {
			notices[r.Recipient] = r.MessageID
		}
	}
	recorded := func() int {
		list, err := setup.ListInbound(ctx, store.InboundFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	var killed *replica
	for i, addr := range applicants {
		raw := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: Re: 退回\r\nMessage-ID: <reply-%d@example.cn>\r\nIn-Reply-To: <%s>\r\n"+
			"Date: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n已修改，请重新审核。\r\n",
			addr, demo.DeskAddress, i, notices[addr], time.Now().Format(time.RFC1123Z))
		if err := mail.Deliver(addr, []string{demo.DeskAddress}, []byte(raw)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
		if i == n/3 {
			waitFor(t, "the first replies to be recorded", func() (bool, error) { return recorded() > 0, nil })
			for j, r := range replicas {
				if r.d.Watcher.Status().Connected {
					killed = r
					replicas[j] = nil
					break
				}
			}
			if killed == nil {
				t.Fatal("no replica is consuming the mailbox")
			}
			t.Logf("killing %s, the mailbox consumer, with %d of %d replies recorded", killed.name, recorded(), n)
			killed.kill()
		}
	}
	waitFor(t, "every reply to be recorded", func() (bool, error) { return recorded() == n, nil })
	waitFor(t, "the acknowledgements to go out", drained)

	// Every message processed once.
	inbound, err := setup.ListInbound(ctx, store.InboundFilter{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range inbound {
		if m.Decision != "resubmission" || seen[m.FilingRef] {
			t.Errorf("message from %s: %s for %s (twice: %v)", m.Sender, m.Decision, m.FilingRef, seen[m.FilingRef])
		}
		seen[m.FilingRef] = true
	}
	for _, ref := range refs {
		d, err := setup.FilingByRef(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		events, err := setup.FilingEvents(ctx, d.Filing.ID)
		if err != nil {
			t.Fatal(err)
		}
		resubmits := 0
		for _, e := range events {
			if e.Action == string(filing.ActionResubmit) {
				resubmits++
			}
		}
		if d.Filing.Stage != filing.StageProviderReview || resubmits != 1 {
			t.Errorf("%s: %s after %d resubmissions", ref, d.Filing.Stage, resubmits)
		}
	}
	// Every email delivered once.
	rows, err = setup.ListOutbox(ctx, store.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	delivered := map[string]int{}
	for _, e := range mail.Deliveries() {
		if e.To != demo.DeskAddress {
			delivered[e.MessageID]++
		}
	}
	acks := 0
	for _, r := range rows {
		if r.Kind == string(filing.EmailResubmissionReceived) {
			acks++
		}
		if r.Status != store.OutboxSent || delivered[r.MessageID] != 1 {
			t.Errorf("email #%d %s to %s: %s, delivered %d times", r.ID, r.Kind, r.Recipient, r.Status, delivered[r.MessageID])
		}
	}
	if acks != n || len(rows) != 4*n || len(delivered) != 4*n {
		t.Errorf("%d acknowledgements, %d emails queued, %d delivered; want %d, %d, %d", acks, len(rows), len(delivered), n, 4*n, 4*n)
	}
	// And every reply moved out of the watched mailbox, those the killed
	// replica recorded but had not moved included.
	waitFor(t, "every reply to be moved", func() (bool, error) {
		list, err := setup.ListInbound(ctx, store.InboundFilter{})
		for _, m := range list {
			if m.MovedAt == nil {
				return false, err
			}
		}
		return true, err
	})
}

// TestStandbyReadiness: of two replicas on one mailbox, the standby's
// /readyz reports the mailbox as held by the other, with the holder's last
// status, and is ready only while that status is fresh and connected.
func TestStandbyReadiness(t *testing.T) {
	dbURL := storetest.URL(t, store.Postgres)
	mail, err := demo.NewMailServer([]string{demo.DeskAddress, demo.StaffAddress}, demo.Password, "127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer mail.Close()
	cfg := testConfig(t, mail, dbURL)
	setup, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer setup.Close()
	if _, err := setup.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	reps := []*replica{startReplica(t, "r1", cfg), startReplica(t, "r2", cfg)}
	defer func() {
		for _, r := range reps {
			sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			_ = r.d.Shutdown(sctx)
			cancel()
			r.st.Close()
		}
	}()
	var holder, standby *replica
	waitFor(t, "one replica to hold the mailbox and the other to stand by", func() (bool, error) {
		holder, standby = nil, nil
		for _, r := range reps {
			switch r.d.Watcher.Status().Mode {
			case "standby":
				standby = r
			case "idle", "poll":
				holder = r
			}
		}
		return holder != nil && standby != nil, nil
	})
	readyz := func(r *replica) (int, string) {
		resp, err := http.Get("http://" + r.d.Addr().String() + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := readyz(holder); code != http.StatusOK {
		t.Fatalf("the holder: %d %s", code, body)
	}
	// The holder's watcher writes its status (the inbox wires this); here
	// the test writes it as the holder would.
	key := store.MailboxKey(cfg.IMAP.Username, cfg.IMAP.Host, cfg.IMAP.Port, cfg.IMAP.Mailbox)
	pass := time.Now()
	if err := holder.st.SaveMailboxStatus(ctx, store.MailboxStatus{Mailbox: key, Connected: true, Mode: "idle", LastPass: &pass}); err != nil {
		t.Fatal(err)
	}
	code, body := readyz(standby)
	if code != http.StatusOK || !strings.Contains(body, "held by "+store.ProcessName()+", connected (idle") {
		t.Fatalf("the standby, the holder connected: %d %s", code, body)
	}
	errAt := time.Now()
	if err := holder.st.SaveMailboxStatus(ctx, store.MailboxStatus{Mailbox: key, Mode: "disconnected", LastError: "IMAP server gone", LastErrorAt: &errAt}); err != nil {
		t.Fatal(err)
	}
	if code, body := readyz(standby); code != http.StatusServiceUnavailable || !strings.Contains(body, "not connected: IMAP server gone") {
		t.Fatalf("the standby, the holder disconnected: %d %s", code, body)
	}
}

// TestMetricsAnOperatorAlertsOn: /metrics exports the open work items by
// kind with the oldest one's age, filings by stage, each job's last
// success, the build, the IMAP session and who holds the mailbox.
func TestMetricsAnOperatorAlertsOn(t *testing.T) {
	dbURL := storetest.URL(t, store.SQLite)
	mail, err := demo.NewMailServer([]string{demo.DeskAddress, demo.StaffAddress}, demo.Password, "127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer mail.Close()
	cfg := testConfig(t, mail, dbURL)
	setup, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer setup.Close()
	if _, err := setup.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	err = setup.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.OpenWorkItems(ctx, []store.NewWorkItem{{Kind: filing.WorkUnmatched, Cause: "test:1", At: time.Now().Add(-time.Hour)}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	r := startReplica(t, "r1", cfg)
	defer func() {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_ = r.d.Shutdown(sctx)
		cancel()
		r.st.Close()
	}()
	if _, err := r.d.Sched.Run(ctx, "deadline-sweep", time.Now()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the IMAP session", func() (bool, error) { return r.d.Watcher.Status().Connected, nil })
	resp, err := http.Get("http://" + r.d.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	body := string(b)
	for _, want := range []string{
		`icpdesk_work_items_open{kind="unmatched"} 1`,
		`icpdesk_work_items_open{kind="reply_needed"} 0`,
		`icpdesk_work_items_oldest_age_seconds{kind="unmatched"} 3`,
		`icpdesk_filings{stage="draft"} 0`,
		`icpdesk_job_last_success_timestamp_seconds{job="deadline-sweep"} `,
		`icpdesk_build_info{goversion="go`,
		`icpdesk_imap_connected 1`,
		`icpdesk_inbox_lease_held 1`,
		`icpdesk_imap_reconnects_total 0`,
		`icpdesk_inbound_needs_reply_total 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

package inbox

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/inbox/inboxtest"
	"example.com/icpdesk/mailparse"
	"example.com/icpdesk/mailparse/mailtest"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// scenario is the desk of the end-to-end test:
//
//	zhangsan  A returned yesterday
//	lisi      C returned 10 days ago (past its deadline), D a draft
//	wangwu    E approved (浙ICP备12345678号-1), F returned (blog-f.example.com)
type scenario struct{ *env }

const (
	refA = "BA-2026-000001"
	refC = "BA-2026-000003"
	refD = "BA-2026-000004"
	refE = "BA-2026-000005"
	refF = "BA-2026-000006"
)

func newScenario(t *testing.T, srv *inboxtest.Server, d store.Dialect) scenario {
	e := newEnv(t, srv, d)
	now := time.Now()
	e.account("zhangsan@example.cn")
	e.account("lisi@example.com")
	e.account("wangwu@example.com")
	e.filing(refA, "zhangsan@example.cn", filing.StageReturned, now.Add(-24*time.Hour), "", "a-shop.example.cn")
	e.filing(refC, "lisi@example.com", filing.StageReturned, now.Add(-10*24*time.Hour), "", "c-site.example.com")
	e.filing(refD, "lisi@example.com", filing.StageDraft, time.Time{}, "", "d-site.example.com")
	e.filing(refE, "wangwu@example.com", filing.StageApproved, time.Time{}, "浙ICP备12345678号-1", "e-site.example.com")
	e.filing(refF, "wangwu@example.com", filing.StageReturned, now.Add(-2*time.Hour), "", "blog-f.example.com")
	return scenario{e}
}

type expect struct {
	id       string
	class    Classification
	decision Decision
	filing   string
	rule     Rule
	verified bool
	errText  string
}

// TestIngestEndToEnd delivers one message of every kind and checks what
// each did, on both servers and both databases, then that a second pass
// does nothing.
func TestIngestEndToEnd(t *testing.T) {
	inboxtest.Each(t, func(t *testing.T, srv *inboxtest.Server) {
		for _, d := range storetest.Dialects {
			t.Run(string(d), func(t *testing.T) {
				if d == store.Postgres {
					storetest.PostgresURL(t)
				}
				// Each dialect gets its own mailboxes: the first run moved its mail.
				if d != storetest.Dialects[0] {
					srv = freshServer(t, srv)
				}
				testEndToEnd(t, srv, d)
			})
		}
	})
}

func freshServer(t *testing.T, srv *inboxtest.Server) *inboxtest.Server {
	if srv.Kind == "memory" {
		return inboxtest.NewMemory(t, inboxtest.MemOptions{})
	}
	return inboxtest.NewDovecot(t)
}

func testEndToEnd(t *testing.T, srv *inboxtest.Server, d store.Dialect) {
	sc := newScenario(t, srv, d)
	e := sc.env
	returnA := e.sent(refA, filing.EmailFilingReturned)
	returnC := e.sent(refC, filing.EmailFilingReturned)

	var want []expect
	add := func(raw []byte, x expect) {
		srv.Append(t, raw, time.Time{})
		want = append(want, x)
	}
	add(mailtest.Mail{From: "张三 <zhangsan@example.cn>", Subject: "Re: 备案退回通知", MessageID: mid("reply-a"), InReplyTo: returnA,
		References: []string{returnA}, Body: []byte("好的，已按要求处理。")}.Bytes(),
		expect{id: mid("reply-a"), class: ClassHuman, decision: DecisionResubmission, filing: refA, rule: RuleInReplyTo, verified: true})
	add(mailtest.Mail{From: "zhangsan@example.cn", Subject: "[ICP#" + refA + "] 请问审核进度", MessageID: mid("question-a"),
		Body: []byte("请问现在到哪一步了？")}.Bytes(),
		expect{id: mid("question-a"), class: ClassHuman, decision: DecisionCorrespondence, filing: refA, rule: RuleSubjectTag, verified: true})
	add(mailtest.Mail{From: "lisi@example.com", Subject: "【ICP#" + refC + "】已修改", MessageID: mid("late-c"),
		ContentType: "text/plain; charset=gbk", CTE: "base64", Body: mailtest.GBK("网站名称已修改，请重新审核。")}.Bytes(),
		expect{id: mid("late-c"), class: ClassHuman, decision: DecisionLateResubmission, filing: refC, rule: RuleSubjectTag, verified: true})
	add(mailtest.Mail{From: "attacker@example.com", Subject: "备案 " + refF + " 已修改", MessageID: mid("forged-f"),
		Body: []byte("请重新审核")}.Bytes(),
		expect{id: mid("forged-f"), class: ClassHuman, decision: DecisionUnverified, filing: refF, rule: RuleReference})
	add(mailtest.Mail{From: "wangwu@example.com", Subject: "关于浙ICP备12345678号-1", MessageID: mid("icp-e"),
		Body: []byte("想变更网站负责人，需要什么材料？")}.Bytes(),
		expect{id: mid("icp-e"), class: ClassHuman, decision: DecisionCorrespondence, filing: refE, rule: RuleICPNumber, verified: true})
	add(mailtest.Mail{From: "wangwu@example.com", Subject: "网站整改", MessageID: mid("domain-f"), ContentType: "text/html; charset=utf-8",
		Body: []byte("<p>网站blog-f.example.com已修改，请重新审核。</p>")}.Bytes(),
		expect{id: mid("domain-f"), class: ClassHuman, decision: DecisionResubmission, filing: refF, rule: RuleDomain, verified: true})
	// The bounce of our return notice comes to that email's bounce address.
	var tokenC string
	rows, _ := e.st.ListOutbox(e.ctx, store.OutboxFilter{FilingRef: refC})
	for _, r := range rows {
		if r.MessageID == returnC {
			tokenC = r.BounceToken
		}
	}
	if tokenC == "" {
		t.Fatal("the return notice has no bounce token")
	}
	add(mailtest.BounceTo(returnC, "lisi@example.com", "bounces+"+tokenC+"@example.cn"),
		expect{id: "dsn-" + returnC, class: ClassBounce, decision: DecisionBounce, filing: refC, rule: RuleBounce})
	add(mailtest.AutoReply("zhangsan@example.cn", returnA),
		expect{id: "auto-zhangsan@example.cn", class: ClassAutoReply, decision: DecisionIgnored, filing: refA, rule: RuleInReplyTo, verified: false})
	add(mailtest.Mail{From: "icp@example.cn", Subject: "[ICP#" + refA + "] 抄送", MessageID: mid("own")}.Bytes(),
		expect{id: mid("own"), class: ClassOwn, decision: DecisionIgnored})
	add(mailtest.Mail{From: "nobody@example.com", Subject: "你好", MessageID: mid("unmatched"), Body: []byte("请问怎么备案？")}.Bytes(),
		expect{id: mid("unmatched"), class: ClassHuman, decision: DecisionUnmatched})
	// Servers store garbage their way (Dovecot turns NUL into 0x80 and LF
	// into CRLF; the in-memory server sends nothing for a message without a
	// header), so what the watcher gets is read back from the server.
	srv.Append(t, mailtest.Garbage(), time.Time{})
	var garbage []byte
	for _, m := range srv.Messages(t, srv.Mailbox) {
		if len(m.Raw) == 0 || bytes.Contains(m.Raw, []byte("PNG")) {
			garbage = m.Raw
		}
	}
	garbageMsg, garbageErr := mailparse.ParseBytes(garbage, mailparse.ParseOptions{})
	garbageX := expect{id: garbageMsg.MessageID, class: ClassHuman, decision: DecisionUnmatched, errText: "unparseable"}
	if srv.Kind == "memory" {
		garbageX.errText = ""
	} else if garbageErr == nil {
		t.Fatalf("%s made the garbage parseable", srv.Kind)
	}
	want = append(want, garbageX)
	var parts bytes.Buffer
	io.Copy(&parts, mailtest.ManyParts("nobody@example.com", "many parts", 10000))
	add(parts.Bytes(), expect{id: "parts-10000@example.com", class: ClassHuman, decision: DecisionUnmatched})
	gbk := mailtest.CharsetFixtures("zhangsan@example.cn", refA)[0]
	add(gbk.Raw, expect{id: "gbk-" + strings.ToLower(refA) + "@mail.example.com", class: ClassHuman, decision: DecisionCorrespondence,
		filing: refA, rule: RuleReference, verified: true})

	cfg := e.config()
	cfg.Own.BounceAddress = "bounces+{token}@example.cn"
	w := e.watcher(cfg)
	sum, err := w.PollOnce(e.ctx)
	if err != nil {
		t.Fatalf("poll: %v", err)
	}
	unparseable := 1
	if srv.Kind == "memory" {
		unparseable = 0
	}
	if sum.Found != len(want) || sum.Recorded != len(want) || sum.Moved != len(want) || sum.Duplicates != 0 || sum.Unparseable != unparseable {
		t.Errorf("summary %+v, want %d found, recorded and moved, %d unparseable", sum, len(want), unparseable)
	}
	for _, x := range want {
		m := e.inbound(x.id)
		if m.Classification != string(x.class) || m.Decision != string(x.decision) || m.FilingRef != x.filing ||
			m.LinkedBy != string(x.rule) || m.SenderVerified != x.verified || !strings.Contains(m.Error, x.errText) {
			t.Errorf("%s: %s/%s filing %q by %q verified %v error %q; want %s/%s filing %q by %q verified %v error ~%q (note %q)",
				x.id, m.Classification, m.Decision, m.FilingRef, m.LinkedBy, m.SenderVerified, m.Error,
				x.class, x.decision, x.filing, x.rule, x.verified, x.errText, m.Note)
		}
		if m.MovedAt == nil {
			t.Errorf("%s: not marked moved", x.id)
		}
	}
	if srv.Kind != "memory" {
		if g := e.inbound(garbageMsg.MessageID); len(g.Raw) == 0 {
			t.Error("the unparseable message's raw bytes were not kept")
		} else if raw, err := DecompressRaw(g.Raw); err != nil || !bytes.Equal(raw, garbage) {
			t.Errorf("kept raw bytes differ: %v", err)
		}
	}
	if got := e.inbound("gbk-" + strings.ToLower(refA) + "@mail.example.com"); got.Subject != gbk.Subject {
		t.Errorf("GBK subject stored as %q", got.Subject)
	}

	// Effects.
	for ref, st := range map[string]filing.Stage{refA: filing.StageProviderReview, refC: filing.StageProviderReview,
		refD: filing.StageDraft, refE: filing.StageApproved, refF: filing.StageProviderReview} {
		if got := e.stage(ref); got.Stage != st {
			t.Errorf("%s is %s, want %s", ref, got.Stage, st)
		}
	}
	if !e.stage(refC).Late {
		t.Error("the late resubmission is not marked late")
	}
	checks := []struct {
		kind filing.EmailKind
		to   string
		n    int
	}{
		{filing.EmailResubmissionReceived, "zhangsan@example.cn", 1},
		{filing.EmailResubmissionLate, "lisi@example.com", 1},
		{filing.EmailStaffAlert, staffAddr, 1},
		{filing.EmailUnverifiedSender, "wangwu@example.com", 1},
		{filing.EmailResubmissionReceived, "wangwu@example.com", 1},
	}
	for _, c := range checks {
		if got := e.emails(c.kind, c.to); got != c.n {
			t.Errorf("%d %s emails to %s, want %d; outbox: %v", got, c.kind, c.to, c.n, e.outbox())
		}
	}
	for _, o := range e.outbox() {
		if strings.HasSuffix(o, ">attacker@example.com") || strings.HasSuffix(o, ">nobody@example.com") {
			t.Errorf("email to a stranger: %s", o)
		}
	}
	bounced, _ := e.st.ListOutbox(e.ctx, store.OutboxFilter{Status: store.OutboxBounced})
	if len(bounced) != 1 || bounced[0].MessageID != returnC {
		t.Errorf("bounced rows %+v, want the return notice of %s", bounced, refC)
	}

	// The mailbox is empty, the processed one has everything, flagged.
	if n := srv.Count(t, srv.Mailbox); n != 0 {
		t.Errorf("%d messages left in the watched mailbox", n)
	}
	done := srv.Messages(t, srv.Processed)
	if len(done) != len(want) {
		t.Errorf("%d messages in the processed mailbox, want %d", len(done), len(want))
	}
	// Those that opened work for staff stay unread, so they stand out in a
	// mail client too; the others are marked read.
	items, err := e.st.ListWorkItems(e.ctx, store.WorkFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	forStaff := map[int64]bool{}
	for _, w := range items {
		if w.InboundID != nil {
			forStaff[*w.InboundID] = true
		}
	}
	if len(forStaff) == 0 {
		t.Error("no message opened work for staff")
	}
	for _, m := range done {
		pm, _ := mailparse.ParseBytes(m.Raw, mailparse.ParseOptions{})
		id, err := e.st.InboundIDByMessageID(e.ctx, pm.MessageID)
		if err != nil {
			continue // a message without a Message-ID is recorded under a synthesised one
		}
		if m.Has(imap.FlagSeen) == forStaff[id] {
			t.Errorf("processed message %d (<%s>): seen %v, but it opened work for staff: %v", m.UID, pm.MessageID, m.Has(imap.FlagSeen), forStaff[id])
		}
	}

	// A second pass changes nothing.
	before := e.outbox()
	sum, err = w.PollOnce(e.ctx)
	if err != nil || sum.Found != 0 || sum.Recorded != 0 {
		t.Errorf("second pass: %+v %v", sum, err)
	}
	if after := e.outbox(); len(after) != len(before) {
		t.Errorf("second pass enqueued %v", after[len(before):])
	}
	st := w.Stats()
	if st.Ingested != int64(len(want)) || st.ByDecision[DecisionResubmission] != 2 || st.ByClassification[ClassBounce] != 1 || st.Unparseable != int64(unparseable) {
		t.Errorf("stats %+v", st)
	}
	checkNoLeaks(t)
}

// TestIdleArrival: a message delivered while the watcher waits in IDLE is
// recorded and moved without a poll.
func TestIdleArrival(t *testing.T) {
	inboxtest.Each(t, func(t *testing.T, srv *inboxtest.Server) {
		sc := newScenario(t, srv, store.SQLite)
		e := sc.env
		cfg := e.config()
		cfg.PollInterval = time.Hour // no polling: only IDLE can find it
		w := e.watcher(cfg)
		stop := run(t, w)
		waitFor(t, "idle", func() bool { return w.Status().Idle })
		if st := w.Status(); !st.Connected || st.Mode != "idle" {
			t.Fatalf("status %+v", st)
		}
		srv.Append(t, mailtest.Mail{From: "zhangsan@example.cn", Subject: "[ICP#" + refA + "] 已修改", MessageID: mid("idle")}.Bytes(), time.Time{})
		waitFor(t, "the message to be recorded", func() bool { return e.recorded(mid("idle")) })
		waitFor(t, "the move", func() bool { return srv.Count(t, srv.Processed) == 1 })
		if got := e.inbound(mid("idle")); got.Decision != string(DecisionResubmission) {
			t.Fatalf("decision %s", got.Decision)
		}
		if conns := srv.Connections(); conns != 1 {
			t.Errorf("%d connections, want 1 (no reconnect)", conns)
		}
		stop()
		if st := w.Status(); st.Connected || st.Mode != "disconnected" {
			t.Errorf("status after stop %+v", st)
		}
		checkNoLeaks(t)
	})
}

// TestOutage: the server goes away (the in-memory one is restarted,
// Dovecot is cut off), mail arrives meanwhile, the watcher reconnects and
// catches up.
func TestOutage(t *testing.T) {
	inboxtest.Each(t, func(t *testing.T, srv *inboxtest.Server) {
		sc := newScenario(t, srv, store.SQLite)
		e := sc.env
		var reconnects int
		w := e.watcher(e.config(), WithHooks(Hooks{OnReconnect: func(error) { reconnects++ }}))
		run(t, w)
		waitFor(t, "idle", func() bool { return w.Status().Idle })
		srv.Outage(t, func() {
			waitFor(t, "the watcher to notice", func() bool { return !w.Status().Connected })
			srv.Append(t, mailtest.Mail{From: "lisi@example.com", Subject: "[ICP#" + refC + "] 已修改", MessageID: mid("while-down")}.Bytes(), time.Time{})
		})
		waitFor(t, "the message appended while disconnected", func() bool { return e.recorded(mid("while-down")) })
		waitFor(t, "idle again", func() bool { return w.Status().Idle })
		if w.Stats().Reconnects < 1 || w.Status().LastError == "" {
			t.Errorf("stats %+v status %+v", w.Stats(), w.Status())
		}
		if n := srv.Count(t, srv.Processed); n != 1 {
			t.Errorf("%d processed", n)
		}
	})
}

// TestCrashBetweenCommitAndMove: the process dies after the commit, before
// the move. The next pass finds the message recorded and only moves it:
// one stage change, one acknowledgement.
func TestCrashBetweenCommitAndMove(t *testing.T) {
	inboxtest.Each(t, func(t *testing.T, srv *inboxtest.Server) {
		sc := newScenario(t, srv, store.SQLite)
		e := sc.env
		srv.Append(t, mailtest.Mail{From: "zhangsan@example.cn", Subject: "[ICP#" + refA + "] 已修改", MessageID: mid("crash")}.Bytes(), time.Time{})
		crash := errors.New("simulated crash")
		w1 := e.watcher(e.config())
		w1.afterCommit = func([]uint32) error { return crash }
		if _, err := w1.PollOnce(e.ctx); !errors.Is(err, crash) {
			t.Fatalf("poll: %v", err)
		}
		if !e.recorded(mid("crash")) || srv.Count(t, srv.Mailbox) != 1 {
			t.Fatal("want the message recorded and still in the mailbox")
		}
		w2 := e.watcher(e.config()) // a new process
		sum, err := w2.PollOnce(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Recorded != 0 || sum.Moved != 1 || sum.Fetched != 0 {
			t.Errorf("second pass %+v: want only a move", sum)
		}
		if srv.Count(t, srv.Mailbox) != 0 || srv.Count(t, srv.Processed) != 1 {
			t.Error("not moved")
		}
		if n := e.emails(filing.EmailResubmissionReceived, "zhangsan@example.cn"); n != 1 {
			t.Errorf("%d acknowledgements", n)
		}
		if n := e.events(refA, string(filing.ActionResubmit)); n != 1 {
			t.Errorf("%d resubmit events", n)
		}
		if e.inbound(mid("crash")).MovedAt == nil {
			t.Error("move not noted")
		}
	})
}

// TestCrashBetweenMoveAndNote: the process dies after the server moved the
// messages, before it noted the move. The next connection's first pass
// finds them recorded and gone, and notes them moved, without touching them.
func TestCrashBetweenMoveAndNote(t *testing.T) {
	inboxtest.Each(t, func(t *testing.T, srv *inboxtest.Server) {
		sc := newScenario(t, srv, store.SQLite)
		e := sc.env
		srv.Append(t, mailtest.Mail{From: "zhangsan@example.cn", Subject: "[ICP#" + refA + "] 已修改", MessageID: mid("moved")}.Bytes(), time.Time{})
		srv.Append(t, mailtest.Mail{From: "nobody@example.com", Subject: "你好", MessageID: mid("stays")}.Bytes(), time.Time{})
		crash := errors.New("simulated crash")
		w1 := e.watcher(e.config())
		w1.afterMove = func([]uint32) error { return crash }
		if _, err := w1.PollOnce(e.ctx); !errors.Is(err, crash) {
			t.Fatalf("poll: %v", err)
		}
		if srv.Count(t, srv.Mailbox) != 0 || srv.Count(t, srv.Processed) != 2 {
			t.Fatal("want both messages moved")
		}
		if e.inbound(mid("moved")).MovedAt != nil {
			t.Fatal("the move was noted before the crash")
		}
		w2 := e.watcher(e.config()) // a new process
		sum, err := w2.PollOnce(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Found != 0 || sum.Moved != 0 || sum.Recorded != 0 {
			t.Errorf("second pass %+v: want nothing found, moved or recorded", sum)
		}
		for _, id := range []string{"moved", "stays"} {
			if e.inbound(mid(id)).MovedAt == nil {
				t.Errorf("the move of %s is not noted", id)
			}
		}
		if n := e.emails(filing.EmailResubmissionReceived, "zhangsan@example.cn"); n != 1 {
			t.Errorf("%d acknowledgements", n)
		}
	})
}

// TestUIDValidityChange: the server renumbers the mailbox, with messages
// already recorded (one moved, one not) back in it beside new ones. The
// rescan records only the new ones; nothing is done twice.
func TestUIDValidityChange(t *testing.T) {
	inboxtest.Each(t, func(t *testing.T, srv *inboxtest.Server) {
		sc := newScenario(t, srv, store.SQLite)
		e := sc.env
		m1 := mailtest.Mail{From: "zhangsan@example.cn", Subject: "[ICP#" + refA + "] 已修改", MessageID: mid("uv1")}.Bytes()
		m2 := mailtest.Mail{From: "wangwu@example.com", Subject: "[ICP#" + refF + "] 已修改", MessageID: mid("uv2")}.Bytes()
		m3 := mailtest.Mail{From: "lisi@example.com", Subject: "[ICP#" + refC + "] 已修改", MessageID: mid("uv3")}.Bytes()
		noID := mailtest.Mail{From: "nobody@example.com", Subject: "no Message-ID", Body: []byte("hello")}.Bytes()
		srv.Append(t, m1, time.Time{})
		w := e.watcher(e.config())
		if _, err := w.PollOnce(e.ctx); err != nil {
			t.Fatal(err)
		}
		srv.Append(t, m2, time.Time{})
		srv.Append(t, noID, time.Time{})
		w.afterCommit = func([]uint32) error { return errors.New("crash") }
		if _, err := w.PollOnce(e.ctx); err == nil {
			t.Fatal("want the simulated crash")
		}
		w.afterCommit = nil
		before := e.outbox()

		srv.Recreate(t, m1, m2, noID, m3)
		sum, err := w.PollOnce(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !sum.Rescan || sum.Duplicates != 3 || sum.Recorded != 1 || sum.Moved != 4 {
			t.Errorf("summary %+v: want a rescan, 3 duplicates, 1 new, 4 moved", sum)
		}
		// Only the new message (a late resubmission) enqueued anything: its
		// acknowledgement and the staff alert.
		if after := e.outbox(); len(after) != len(before)+2 || e.emails(filing.EmailResubmissionLate, "lisi@example.com") != 1 {
			t.Errorf("outbox grew by %v", after[len(before):])
		}
		for ref, n := range map[string]int{refA: 1, refF: 1, refC: 1} {
			if got := e.events(ref, string(filing.ActionResubmit)); got != n {
				t.Errorf("%s: %d resubmit events", ref, got)
			}
		}
		if srv.Count(t, srv.Mailbox) != 0 {
			t.Error("messages left")
		}
		// The checkpoint follows the new UIDVALIDITY: the next pass is quiet.
		sum, err = w.PollOnce(e.ctx)
		if err != nil || sum.Rescan || sum.Found != 0 {
			t.Errorf("after the rescan: %+v %v", sum, err)
		}
	})
}

// TestAckRateLimit: five resubmissions from one sender in an hour move five
// filings and acknowledge three.
func TestAckRateLimit(t *testing.T) {
	srv := inboxtest.NewMemory(t, inboxtest.MemOptions{})
	e := newEnv(t, srv, store.SQLite)
	e.account("zhaoliu@example.com")
	for i := 1; i <= 5; i++ {
		ref := "BA-2026-00010" + string(rune('0'+i))
		e.filing(ref, "zhaoliu@example.com", filing.StageReturned, time.Now().Add(-time.Hour), "", "r"+string(rune('0'+i))+".example.com")
		srv.Append(t, mailtest.Mail{From: "zhaoliu@example.com", Subject: "[ICP#" + ref + "] 已修改", MessageID: mid("rl" + ref)}.Bytes(), time.Time{})
	}
	w := e.watcher(e.config())
	if _, err := w.PollOnce(e.ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.emails(filing.EmailResubmissionReceived, "zhaoliu@example.com"); n != 3 {
		t.Errorf("%d acknowledgements, want 3: %v", n, e.outbox())
	}
	limited := 0
	for i := 1; i <= 5; i++ {
		ref := "BA-2026-00010" + string(rune('0'+i))
		if e.stage(ref).Stage != filing.StageProviderReview {
			t.Errorf("%s not resubmitted", ref)
		}
		if e.inbound(mid("rl"+ref)).Ack == store.AckRateLimited {
			limited++
		}
	}
	if limited != 2 {
		t.Errorf("%d rate-limited, want 2", limited)
	}
}

// TestListMailIsNotAnswered: a resubmission that came through a mailing
// list moves the filing, but nobody is acknowledged.
func TestListMailIsNotAnswered(t *testing.T) {
	srv := inboxtest.NewMemory(t, inboxtest.MemOptions{})
	sc := newScenario(t, srv, store.SQLite)
	e := sc.env
	srv.Append(t, mailtest.Mail{From: "zhangsan@example.cn", Subject: "[ICP#" + refA + "] 已修改", MessageID: mid("list"),
		Headers: [][2]string{{"List-Id", "<webmasters.example.cn>"}}}.Bytes(), time.Time{})
	w := e.watcher(e.config())
	if _, err := w.PollOnce(e.ctx); err != nil {
		t.Fatal(err)
	}
	if m := e.inbound(mid("list")); m.Decision != string(DecisionResubmission) || m.Ack != store.AckSuppressed {
		t.Errorf("%s ack %q", m.Decision, m.Ack)
	}
	if n := e.emails(filing.EmailResubmissionReceived, "zhangsan@example.cn"); n != 0 {
		t.Errorf("%d acknowledgements to a list message", n)
	}
}

// TestMoveFallback: servers without MOVE. With UIDPLUS the originals are
// expunged by UID; without it they stay flagged \Deleted, and a message
// someone else flagged \Deleted is never expunged. A failed COPY leaves the
// message untouched.
func TestMoveFallback(t *testing.T) {
	for _, c := range []struct {
		name    string
		caps    imap.CapSet
		expunge bool
	}{
		{"uidplus", imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapUIDPlus: {}}, true},
		{"rev1-only", imap.CapSet{imap.CapIMAP4rev1: {}}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := inboxtest.NewMemory(t, inboxtest.MemOptions{Caps: c.caps})
			sc := newScenario(t, srv, store.SQLite)
			e := sc.env
			srv.AppendTo(t, srv.Mailbox, mailtest.Mail{From: "x@example.com", Subject: "someone else's", MessageID: mid("foreign")}.Bytes(),
				time.Time{}, []imap.Flag{imap.FlagDeleted})
			srv.Append(t, mailtest.Mail{From: "zhangsan@example.cn", Subject: "[ICP#" + refA + "] 已修改", MessageID: mid("fallback")}.Bytes(), time.Time{})
			w := e.watcher(e.config())
			sum, err := w.PollOnce(e.ctx)
			if err != nil || sum.Recorded != 1 || sum.Moved != 1 {
				t.Fatalf("poll %+v %v", sum, err)
			}
			if e.recorded(mid("foreign")) {
				t.Error("a message flagged deleted was processed")
			}
			left := srv.Messages(t, srv.Mailbox)
			wantLeft := 2
			if c.expunge {
				wantLeft = 1
			}
			if len(left) != wantLeft {
				t.Fatalf("%d messages left, want %d", len(left), wantLeft)
			}
			for _, m := range left {
				if !m.Deleted() {
					t.Errorf("message %d left without \\Deleted", m.UID)
				}
			}
			if n := srv.Count(t, srv.Processed); n != 1 {
				t.Errorf("%d processed", n)
			}
			// Nothing new: the \Deleted original is not seen again.
			if sum, err := w.PollOnce(e.ctx); err != nil || sum.Found != 0 {
				t.Errorf("second pass %+v %v", sum, err)
			}
		})
	}
	t.Run("copy-fails", func(t *testing.T) {
		srv := inboxtest.NewMemory(t, inboxtest.MemOptions{Caps: imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapUIDPlus: {}}})
		e := newEnv(t, srv, store.SQLite)
		srv.Append(t, mailtest.Mail{From: "x@example.com", Subject: "keep me", MessageID: mid("keep")}.Bytes(), time.Time{})
		w := e.watcher(e.config())
		s, err := w.connect(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer s.close()
		uids, err := s.search(e.ctx, 0)
		if err != nil || len(uids) != 1 {
			t.Fatalf("search %v %v", uids, err)
		}
		w.cfg.ProcessedMailbox = "No/Such/Mailbox"
		if err := s.move(e.ctx, uids, nil); err == nil {
			t.Fatal("move to a missing mailbox succeeded")
		}
		left := srv.Messages(t, srv.Mailbox)
		if len(left) != 1 || left[0].Deleted() {
			t.Fatalf("after a failed copy: %+v", left)
		}
	})
}

// TestLargeMessages: a 30 MB message over the limit is recorded from its
// header and flagged for staff; under a larger limit it is read in full
// through a mailparse.Spool file, and the watcher's heap stays small.
func TestLargeMessages(t *testing.T) {
	inboxtest.Each(t, func(t *testing.T, srv *inboxtest.Server) {
		sc := newScenario(t, srv, store.SQLite)
		e := sc.env
		var big bytes.Buffer
		io.Copy(&big, mailtest.Big("zhangsan@example.cn", "[ICP#"+refA+"] 材料", refA, 30<<20))
		raw := big.Bytes()
		srv.Append(t, raw, time.Time{})
		w := e.watcher(e.config()) // default limit: 25 MB
		sum, err := w.PollOnce(e.ctx)
		if err != nil || sum.Recorded != 1 {
			t.Fatalf("poll %+v %v", sum, err)
		}
		m := e.inbound("big-31457280@example.com")
		if !m.Oversize || !strings.Contains(m.Error, "over the size limit") || m.FilingRef != refA ||
			m.Decision != string(DecisionCorrespondence) || m.Size < 29<<20 {
			t.Fatalf("oversize: %+v", m)
		}
		if e.stage(refA).Stage != filing.StageReturned {
			t.Error("a message not read in full changed the filing")
		}

		// The same message under a 64 MB limit, after a fresh start.
		e2 := newEnv(t, freshServer(t, srv), store.SQLite)
		e2.account("zhangsan@example.cn")
		e2.filing(refA, "zhangsan@example.cn", filing.StageReturned, time.Now().Add(-time.Hour), "", "a.example.cn")
		e2.srv.Append(t, raw, time.Time{})
		raw, big = nil, bytes.Buffer{}
		cfg := e2.config()
		cfg.MaxMessageSize = 64 << 20
		w2 := e2.watcher(cfg)
		var pollErr error
		peak := mailtest.PeakHeap(func() { _, pollErr = w2.PollOnce(e2.ctx) })
		if pollErr != nil {
			t.Fatal(pollErr)
		}
		t.Logf("%s: heap growth while ingesting the 30 MB message: %.1f MB", srv.Kind, float64(peak)/(1<<20))
		m = e2.inbound("big-31457280@example.com")
		if m.Oversize || m.Decision != string(DecisionResubmission) {
			t.Fatalf("full read: %+v", m)
		}
		// Dovecot is another process, so the heap is the watcher's alone: it
		// must not hold the message. The in-memory server shares the heap and
		// copies the message (twice, transiently) to send it, so there the
		// figure is only logged; TestMemoryBounded measures the parser alone.
		if limit := uint64(24 << 20); srv.Kind == "dovecot" && peak > limit {
			t.Errorf("heap grew by %d bytes, want under %d", peak, limit)
		}
	})
}

// TestPolling: without IDLE the watcher polls.
func TestPolling(t *testing.T) {
	srv := inboxtest.NewMemory(t, inboxtest.MemOptions{})
	sc := newScenario(t, srv, store.SQLite)
	e := sc.env
	cfg := e.config()
	cfg.DisableIdle, cfg.PollInterval = true, 50*time.Millisecond
	w := e.watcher(cfg)
	stop := run(t, w)
	waitFor(t, "connected", func() bool { return w.Status().Connected })
	if st := w.Status(); st.Mode != "poll" || st.Idle {
		t.Fatalf("status %+v", st)
	}
	srv.Append(t, mailtest.Mail{From: "zhangsan@example.cn", Subject: "[ICP#" + refA + "] 已修改", MessageID: mid("poll")}.Bytes(), time.Time{})
	waitFor(t, "the polled message", func() bool { return e.recorded(mid("poll")) })
	stop()
	checkNoLeaks(t)
}

// TestBadLoginRetries: a wrong password is an error that Run retries with
// backoff, reported in the status, never with the password in it.
func TestBadLoginRetries(t *testing.T) {
	srv := inboxtest.NewMemory(t, inboxtest.MemOptions{})
	e := newEnv(t, srv, store.SQLite)
	cfg := e.config()
	cfg.Password = "wrong-password-0123"
	w := e.watcher(cfg)
	if _, err := w.PollOnce(e.ctx); err == nil || strings.Contains(err.Error(), "wrong-password") {
		t.Fatalf("poll with a bad password: %v", err)
	}
	stop := run(t, w)
	waitFor(t, "a retry", func() bool { return w.Stats().Reconnects >= 2 })
	stop()
	if st := w.Status(); st.Connected || !strings.Contains(st.LastError, "log in") || strings.Contains(st.LastError, "wrong-password") {
		t.Fatalf("status %+v", st)
	}
	checkNoLeaks(t)
}

func TestConfigRefusesPlaintextToRemoteHosts(t *testing.T) {
	_, err := NewWatcher(nil, Config{Host: "imap.example.cn", Port: 143, Security: "none", Mailbox: "INBOX", ProcessedMailbox: "Done"})
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("err %v", err)
	}
	if _, err := NewWatcher(nil, Config{Host: "imap.example.cn", Port: 993, Security: "tls", Mailbox: "INBOX", ProcessedMailbox: "INBOX"}); err == nil {
		t.Fatal("processed mailbox equal to the watched one accepted")
	}
}

func TestPollOnceWhileRunningIsRefused(t *testing.T) {
	srv := inboxtest.NewMemory(t, inboxtest.MemOptions{})
	e := newEnv(t, srv, store.SQLite)
	w := e.watcher(e.config())
	stop := run(t, w)
	waitFor(t, "connected", func() bool { return w.Status().Connected })
	if _, err := w.PollOnce(context.Background()); !errors.Is(err, ErrBusy) {
		t.Fatalf("err %v", err)
	}
	stop()
}

// TestTLS: implicit TLS and STARTTLS against a private CA; a server whose
// certificate the watcher does not trust is refused.
func TestTLS(t *testing.T) {
	serverTLS, roots := testCertificate(t)
	for _, c := range []struct {
		name     string
		security string
		implicit bool
	}{{"implicit", "tls", true}, {"starttls", "starttls", false}} {
		t.Run(c.name, func(t *testing.T) {
			srv := inboxtest.NewMemory(t, inboxtest.MemOptions{TLS: serverTLS, ImplicitTLS: c.implicit})
			e := newEnv(t, srv, store.SQLite)
			srv.Append(t, mailtest.Mail{From: "x@example.com", Subject: "over TLS", MessageID: mid("tls-" + c.name)}.Bytes(), time.Time{})
			cfg := e.config()
			cfg.Security, cfg.TLS = c.security, &tls.Config{RootCAs: roots}
			w := e.watcher(cfg)
			if sum, err := w.PollOnce(e.ctx); err != nil || sum.Recorded != 1 {
				t.Fatalf("poll %+v %v", sum, err)
			}
			cfg.TLS = nil // the system roots do not know the test CA
			if _, err := e.watcher(cfg).PollOnce(e.ctx); err == nil || !strings.Contains(err.Error(), "certificate") {
				t.Fatalf("an untrusted certificate was accepted: %v", err)
			}
		})
	}
	t.Run("starttls-required", func(t *testing.T) {
		srv := inboxtest.NewMemory(t, inboxtest.MemOptions{}) // no STARTTLS offered
		e := newEnv(t, srv, store.SQLite)
		cfg := e.config()
		cfg.Security = "starttls"
		if _, err := e.watcher(cfg).PollOnce(e.ctx); err == nil {
			t.Fatal("STARTTLS was not required")
		}
	})
}

// testCertificate makes a CA-less self-signed certificate for 127.0.0.1.
func testCertificate(t *testing.T) (*tls.Config, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "imap.example.cn"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"imap.example.cn"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}}, roots
}

// TestOneConsumerPerMailbox: a second watcher of the same mailbox stands by
// while the first holds the lease, and takes over when it stops.
func TestOneConsumerPerMailbox(t *testing.T) {
	srv := inboxtest.NewMemory(t, inboxtest.MemOptions{})
	sc := newScenario(t, srv, store.SQLite)
	e := sc.env
	w1, w2 := e.watcher(e.config()), e.watcher(e.config())
	stop1 := run(t, w1)
	waitFor(t, "the first watcher", func() bool { return w1.Status().Idle })
	stop2 := run(t, w2)
	waitFor(t, "the second to stand by", func() bool { return w2.Status().Mode == "standby" })
	if err := w2.CheckReady(e.ctx); err != nil {
		t.Errorf("a standby is not ready: %v", err)
	}
	if _, err := e.watcher(e.config()).PollOnce(e.ctx); !errors.Is(err, ErrBusy) {
		t.Errorf("PollOnce while another watcher holds the mailbox: %v", err)
	}
	stop1()
	waitFor(t, "the second to take over", func() bool { return w2.Status().Idle })
	srv.Append(t, mailtest.Mail{From: "zhangsan@example.cn", Subject: "[ICP#" + refA + "] 已修改", MessageID: mid("takeover")}.Bytes(), time.Time{})
	waitFor(t, "the message", func() bool { return e.recorded(mid("takeover")) })
	stop2()
	checkNoLeaks(t)
}

// TestIdleRefresh: IDLE is ended, the connection checked with NOOP and IDLE
// issued again every IdleRefresh, on the same connection, and mail still
// arrives.
func TestIdleRefresh(t *testing.T) {
	inboxtest.Each(t, func(t *testing.T, srv *inboxtest.Server) {
		sc := newScenario(t, srv, store.SQLite)
		e := sc.env
		cfg := e.config()
		cfg.IdleRefresh = 30 * time.Millisecond
		w := e.watcher(cfg)
		run(t, w)
		waitFor(t, "three refreshes", func() bool { return w.Stats().IdleRefreshes >= 3 })
		srv.Append(t, mailtest.Mail{From: "zhangsan@example.cn", Subject: "[ICP#" + refA + "] 已修改", MessageID: mid("refresh")}.Bytes(), time.Time{})
		waitFor(t, "the message", func() bool { return e.recorded(mid("refresh")) })
		if st := w.Stats(); st.Reconnects != 0 || srv.Connections() != 1 {
			t.Errorf("%d reconnects, %d connections", st.Reconnects, srv.Connections())
		}
	})
}

// TestPassesMarkTheMailboxCaughtUp: the deadline sweep flags only deadlines
// the inbox has read the mailbox past, so each complete pass records the
// time of its search, and a pass that did not complete records nothing.
func TestPassesMarkTheMailboxCaughtUp(t *testing.T) {
	srv := inboxtest.NewMemory(t, inboxtest.MemOptions{})
	var mu sync.Mutex
	clock := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	st := storetest.Open(t, store.SQLite, store.WithClock(now), store.WithMessageIDDomain("example.cn"))
	e := &env{t: t, ctx: context.Background(), st: st, srv: srv}
	caught := func() (time.Time, bool) {
		t.Helper()
		at, ok, err := st.InboxCaughtUp(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		return at, ok
	}
	if _, ok := caught(); ok {
		t.Fatal("caught up before any pass")
	}
	e.account("zhangsan@example.cn")
	srv.Append(t, mailtest.Mail{From: "zhangsan@example.cn", Subject: "你好", MessageID: mid("first")}.Bytes(), time.Time{})
	w := e.watcher(e.config())
	if _, err := w.PollOnce(e.ctx); err != nil {
		t.Fatal(err)
	}
	if at, ok := caught(); !ok || !at.Equal(now()) {
		t.Fatalf("after a pass: caught up %v %v, want %v", at, ok, now())
	}

	// A pass that cannot read the mailbox leaves the mark where it was.
	before := now()
	advance(time.Hour)
	srv.Outage(t, func() {
		if _, err := w.PollOnce(e.ctx); err == nil {
			t.Error("a pass during an outage succeeded")
		}
	})
	if at, _ := caught(); !at.Equal(before) {
		t.Fatalf("after a failed pass: caught up %v, want %v", at, before)
	}

	// The running watcher marks each pass IDLE wakes it for.
	stop := run(t, w)
	defer stop()
	waitFor(t, "idle", func() bool { return w.Status().Idle })
	advance(time.Hour)
	srv.Append(t, mailtest.Mail{From: "zhangsan@example.cn", Subject: "再问一下", MessageID: mid("second")}.Bytes(), time.Time{})
	waitFor(t, "the pass after the arrival to be marked", func() bool { at, _ := caught(); return at.Equal(now()) })
}

// TestUnannouncedMailIsFoundSoon: some servers do not announce mail that
// arrives between a pass's last command and the start of IDLE. After a pass
// the watcher searches again shortly, so such a message waits seconds, not
// until the next IDLE refresh (10 minutes here). The pass before may have
// found mail, or nothing: the one at connect, on an empty mailbox, is how
// the demo's first reply once waited out its 30 s.
func TestUnannouncedMailIsFoundSoon(t *testing.T) {
	for _, pass := range []string{"found-mail", "empty"} {
		t.Run(pass, func(t *testing.T) {
			inboxtest.Each(t, func(t *testing.T, srv *inboxtest.Server) {
				sc := newScenario(t, srv, store.SQLite)
				e := sc.env
				if pass == "found-mail" {
					srv.Append(t, mailtest.Mail{From: "zhangsan@example.cn", Subject: "你好", MessageID: mid("first")}.Bytes(), time.Time{})
				}
				w := e.watcher(e.config())
				stop := run(t, w)
				defer stop()
				if pass == "found-mail" {
					waitFor(t, "the first message", func() bool { return e.recorded(mid("first")) })
				}
				waitFor(t, "idle", func() bool { return w.Status().Idle })
				srv.MuteExists(true) // the server announces nothing from now on
				unannounced := mid("unannounced-" + pass)
				srv.Append(t, mailtest.Mail{From: "zhangsan@example.cn", Subject: "[ICP#" + refA + "] 已修改", MessageID: unannounced}.Bytes(), time.Time{})
				start := time.Now()
				waitFor(t, "the unannounced message", func() bool { return e.recorded(unannounced) })
				if d := time.Since(start); d > idleRecheck+5*time.Second {
					t.Errorf("found after %v", d)
				}
				if st := w.Stats(); st.IdleRefreshes != 0 || st.Reconnects != 0 {
					t.Errorf("stats %+v: found by a refresh or a reconnect, not the recheck", st)
				}
			})
		})
	}
}

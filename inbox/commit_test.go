package inbox

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/inbox/inboxtest"
	"example.com/icpdesk/mailparse/mailtest"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// TestEffectsOfABatch: the messages with effects of one batch are applied
// together, in rounds (a second notice about a filing is decided on what
// the first did), and when applying them together fails, one by one: the
// bad message is recorded with its error, the others keep their effects.
func TestEffectsOfABatch(t *testing.T) {
	for _, d := range storetest.Dialects {
		for _, fault := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/fault=%v", d, fault), func(t *testing.T) {
				if d == store.Postgres {
					storetest.PostgresURL(t)
				}
				testEffectsOfABatch(t, d, fault)
			})
		}
	}
}

func testEffectsOfABatch(t *testing.T, d store.Dialect, fault bool) {
	srv := inboxtest.NewMemory(t, inboxtest.MemOptions{})
	sc := newScenario(t, srv, d)
	e := sc.env
	returnC := e.sent(refC, filing.EmailFilingReturned)
	for _, m := range []mailtest.Mail{
		{From: "zhangsan@example.cn", Subject: "[ICP#" + refA + "] 已修改", MessageID: mid("resub-a")},
		{From: "lisi@example.com", Subject: "[ICP#" + refC + "] 已修改", MessageID: mid("late-c")},
		{From: "attacker@example.com", Subject: "[ICP#" + refF + "] 已修改", MessageID: mid("forged-f")},
		{From: "zhangsan@example.cn", Subject: "[ICP#" + refA + "] 已修改，请重新审核", MessageID: mid("again-a")},
		{From: "zhangsan@example.cn", Subject: "[ICP#" + refA + "] 请问进度", MessageID: mid("question-a")},
	} {
		srv.Append(t, m.Bytes(), time.Time{})
	}
	srv.Append(t, mailtest.Bounce(returnC, "lisi@example.com"), time.Time{})
	w := e.watcher(e.config())
	if fault {
		w.proc.applyFault = func(pl store.InboundPlan) error {
			if pl.Message.MessageID == mid("late-c") {
				return errors.New("injected fault")
			}
			return nil
		}
	}
	sum, err := w.PollOnce(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Recorded != 6 || sum.Moved != 6 {
		t.Errorf("summary %+v", sum)
	}
	check := func(id string, decision Decision, ack, errText string) {
		t.Helper()
		m := e.inbound(id)
		if m.Decision != string(decision) || m.Ack != ack || !strings.Contains(m.Error, errText) || (errText == "") != (m.Error == "") {
			t.Errorf("%s: %s ack %q error %q (note %q); want %s ack %q error ~%q", id, m.Decision, m.Ack, m.Error, m.Note, decision, ack, errText)
		}
	}
	check(mid("resub-a"), DecisionResubmission, store.AckQueued, "")
	check(mid("forged-f"), DecisionUnverified, store.AckQueued, "")
	check(mid("question-a"), DecisionCorrespondence, "", "")
	// The second notice is decided on the filing the first one resubmitted.
	check(mid("again-a"), DecisionCorrespondence, "", "")
	if n := e.inbound(mid("again-a")).Note; !strings.Contains(n, "filing "+refA+" is provider_review, not awaiting a resubmission") {
		t.Errorf("second notice: %q", n)
	}
	check("dsn-"+returnC, DecisionBounce, "", "")
	if fault {
		check(mid("late-c"), DecisionUnmatched, "", "injected fault")
		if e.stage(refC).Stage != filing.StageReturned {
			t.Error("the failed message's stage change was kept")
		}
	} else {
		check(mid("late-c"), DecisionLateResubmission, store.AckQueued, "")
		if st := e.stage(refC); st.Stage != filing.StageProviderReview || !st.Late {
			t.Errorf("%s is %s (late %v)", refC, st.Stage, st.Late)
		}
	}
	if e.stage(refA).Stage != filing.StageProviderReview {
		t.Errorf("%s not resubmitted", refA)
	}
	late := 1
	if fault {
		late = 0
	}
	for _, c := range []struct {
		kind filing.EmailKind
		to   string
		n    int
	}{
		{filing.EmailResubmissionReceived, "zhangsan@example.cn", 1},
		{filing.EmailResubmissionLate, "lisi@example.com", late},
		{filing.EmailUnverifiedSender, "wangwu@example.com", 1},
	} {
		if got := e.emails(c.kind, c.to); got != c.n {
			t.Errorf("%d %s emails to %s, want %d; outbox: %v", got, c.kind, c.to, c.n, e.outbox())
		}
	}
	if n := e.events(refF, "email_unverified_sender"); n != 1 {
		t.Errorf("%d unverified-sender events", n)
	}
	if n := e.events(refA, string(filing.ActionResubmit)); n != 1 {
		t.Errorf("%d resubmit events for %s", n, refA)
	}
	// Without bounce addresses a bounce acts on nothing: staff check the
	// email it names.
	if bounced, _ := e.st.ListOutbox(e.ctx, store.OutboxFilter{Status: store.OutboxBounced}); len(bounced) != 0 {
		t.Errorf("bounced rows %+v, want none", bounced)
	}
	items, _ := e.st.ListWorkItems(e.ctx, store.WorkFilter{Kind: filing.WorkBounce})
	if len(items) != 1 || items[0].OutboxID == nil || items[0].EmailKind != string(filing.EmailFilingReturned) {
		t.Errorf("bounce items %+v", items)
	}
}

// TestLinkLookupsTogetherMatchAlone: all of a batch's lookups in one
// statement find what each kind finds asked alone (the store's single-kind
// methods, tested against known filings in store's TestInboundLookups), and
// the filings of our sent messages are those LinkFilingsByID reads.
func TestLinkLookupsTogetherMatchAlone(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			if d == store.Postgres {
				storetest.PostgresURL(t)
			}
			srv := inboxtest.NewMemory(t, inboxtest.MemOptions{})
			e := newScenario(t, srv, d).env
			e.filing("BA-2026-000007", "wangwu@example.com", filing.StageApproved, time.Time{}, "浙ICP备12345678号-2", "shop.example.net", "www.blog-f.example.com")
			l := store.LinkLookup{
				SentMessageIDs: []string{e.sent(refA, filing.EmailFilingReturned), e.sent(refC, filing.EmailFilingReturned), "icpdesk.nothing@example.cn"},
				Refs:           []string{refA, refE, "BA-2026-999999"},
				ICPNumbers:     []string{"浙ICP备12345678号", "浙ICP备12345678号-1", "京ICP备00000000号"},
				Domains:        []string{"blog-f.example.com", "example.com", "shop.example.net", "www.blog-f.example.com", "none.example.org"},
				Senders:        []string{"wangwu@example.com", "lisi@example.com", "nobody@example.com"},
			}
			err := e.st.InboundReadTx(e.ctx, func(tx *store.Tx) error {
				got, err := tx.LinkLookups(e.ctx, l)
				if err != nil {
					return err
				}
				sent, err := tx.SentMessages(e.ctx, l.SentMessageIDs)
				if err != nil {
					return err
				}
				var ids []int64
				for _, s := range sent {
					if s.FilingID != 0 {
						ids = append(ids, s.FilingID)
					}
				}
				byID, err := tx.LinkFilingsByID(e.ctx, ids)
				if err != nil {
					return err
				}
				byRef, err := tx.LinkFilingsByRef(e.ctx, l.Refs)
				if err != nil {
					return err
				}
				byICP, err := tx.LinkFilingsByICPNumber(e.ctx, l.ICPNumbers)
				if err != nil {
					return err
				}
				byDom, err := tx.LinkFilingsByDomain(e.ctx, l.Domains)
				if err != nil {
					return err
				}
				open, err := tx.OpenLinkFilingsOf(e.ctx, l.Senders)
				if err != nil {
					return err
				}
				if len(sent) != 2 || len(byRef) != 2 || len(byICP) != 2 || len(byDom) != 3 || len(open) != 2 {
					t.Errorf("the separate lookups found too little to compare: %d %d %d %d %d", len(sent), len(byRef), len(byICP), len(byDom), len(open))
				}
				same := func(what string, a, b any) {
					if fa, fb := fmt.Sprint(a), fmt.Sprint(b); fa != fb {
						t.Errorf("%s:\n one statement %s\n separately    %s", what, fa, fb)
					}
				}
				same("sent", got.Sent, sent)
				same("filings of sent", got.SentFilings, byID)
				same("by reference", got.ByRef, byRef)
				same("by ICP number", sortedLists(got.ByICPNumber), sortedLists(byICP))
				same("by domain", sortedLists(got.ByDomain), sortedLists(byDom))
				same("open filings", sortedLists(got.OpenOf), sortedLists(open))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// sortedLists orders each list by filing id and prints pointers' targets.
func sortedLists(m map[string][]store.LinkFiling) map[string]string {
	out := map[string]string{}
	for k, fs := range m {
		fs = append([]store.LinkFiling(nil), fs...)
		sort.Slice(fs, func(i, j int) bool { return fs[i].ID < fs[j].ID })
		var parts []string
		for _, f := range fs {
			parts = append(parts, fmt.Sprintf("%d/%s/%s/%v/%v/%v/%d/%s", f.ID, f.Reference, f.Stage, f.ReturnedAt, f.Deadline, f.Overdue, f.AccountID, f.AccountEmail))
		}
		out[k] = strings.Join(parts, " ")
	}
	return out
}

// TestBacklogMovedOnASecondConnection: a backlog's moves go over a second
// connection while the first fetches; batches fetched while a commit runs
// are merged. Everything is recorded once, moved, and checkpointed.
func TestBacklogMovedOnASecondConnection(t *testing.T) {
	defer func(n int) { moverMin = n }(moverMin)
	moverMin = 1
	inboxtest.Each(t, func(t *testing.T, srv *inboxtest.Server) {
		testBacklogMoved(t, srv)
	})
	t.Run("no-second-connection", func(t *testing.T) {
		// Moved on the first connection instead.
		defer func(d func(context.Context, *Watcher) (*session, error)) { dialMover = d }(dialMover)
		dialMover = func(context.Context, *Watcher) (*session, error) { return nil, errors.New("too many connections") }
		testBacklogMoved(t, inboxtest.NewMemory(t, inboxtest.MemOptions{}))
	})
	t.Run("no-move", func(t *testing.T) {
		// The mover copies, flags and expunges too.
		testBacklogMoved(t, inboxtest.NewMemory(t, inboxtest.MemOptions{Caps: imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapUIDPlus: {}}}))
	})
}

func testBacklogMoved(t *testing.T, srv *inboxtest.Server) {
	e := newScenario(t, srv, store.SQLite).env
	const n = 25
	for i := 0; i < n; i++ {
		srv.Append(t, mailtest.Mail{From: "zhangsan@example.cn", Subject: fmt.Sprintf("[ICP#%s] 问题 %d", refA, i),
			MessageID: mid(fmt.Sprint("backlog-", i)), Body: []byte("请问审核进度？")}.Bytes(), time.Time{})
	}
	cfg := e.config()
	cfg.Batch = 2
	w := e.watcher(cfg)
	sum, err := w.PollOnce(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Recorded != n || sum.Moved != n || sum.Duplicates != 0 {
		t.Errorf("summary %+v", sum)
	}
	if got := srv.Count(t, srv.Mailbox); got != 0 {
		t.Errorf("%d messages left", got)
	}
	if got := srv.Count(t, srv.Processed); got != n {
		t.Errorf("%d messages in the processed mailbox", got)
	}
	for i := 0; i < n; i++ {
		if m := e.inbound(mid(fmt.Sprint("backlog-", i))); m.MovedAt == nil || m.Decision != string(DecisionCorrespondence) {
			t.Errorf("message %d: %s, moved %v", i, m.Decision, m.MovedAt)
		}
	}
	cp, ok, err := e.st.MailboxCheckpoint(e.ctx, srv.Mailbox)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if cp.LastUID < n { // UIDs are 1…n in a fresh mailbox
		t.Errorf("checkpoint %d, want %d", cp.LastUID, n)
	}
	if st := w.Status(); st.LastError != "" {
		t.Errorf("status %+v", st)
	}
	if sum, err := w.PollOnce(context.Background()); err != nil || sum.Found != 0 {
		t.Errorf("second pass %+v %v", sum, err)
	}
	checkNoLeaks(t)
}

package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/filing/filingtest"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// inbFixture sets up what the inbox's lookups run against: zhangsan owns a
// returned filing (A) and an approved one with an ICP number (B).
type inbFixture struct {
	s    *store.Store
	a, b filing.Filing
}

func inbSetup(t *testing.T, s *store.Store) inbFixture {
	t.Helper()
	ctx := context.Background()
	acct, err := filing.NewAccount("zhangsan@example.cn", "张三", filing.LangChinese, true, s.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAccount(ctx, acct, "tester"); err != nil {
		t.Fatal(err)
	}
	imp := func(ref string, domains ...string) filing.Filing {
		in := filingtest.Enterprise(ref, "zhangsan@example.cn")
		in.Website.Domains = nil
		for _, d := range domains {
			in.Website.Domains = append(in.Website.Domains, filing.DomainInput{Name: d, Registrant: in.Subject.Name})
		}
		f, probs, err := s.ImportFiling(ctx, in, filingtest.Fingerprinter(), "tester")
		if err != nil || len(probs) > 0 {
			t.Fatalf("import %s: %v %v", ref, err, probs)
		}
		return f
	}
	step := func(ref string, req filing.Request) {
		t.Helper()
		req.Actor = filing.ActorStaff
		if req.At.IsZero() {
			req.At = s.Now()
		}
		if _, err := s.ChangeStage(ctx, store.ChangeRequest{Ref: ref, Request: req, ActorName: "tester"}); err != nil {
			t.Fatalf("%s %s: %v", req.Action, ref, err)
		}
	}
	f := inbFixture{s: s}
	f.a = imp("BA-2026-000101", "shop.example.cn", "示例.中国")
	f.b = imp("BA-2026-000102", "www2.example.cn")
	for _, ref := range []string{f.a.Reference, f.b.Reference} {
		step(ref, filing.Request{Action: filing.ActionSubmit})
		step(ref, filing.Request{Action: filing.ActionToBureau})
	}
	step(f.a.Reference, filing.Request{Action: filing.ActionReturnBureau, Reason: "网站名称不符"})
	step(f.b.Reference, filing.Request{Action: filing.ActionApprove, ICPNumber: "浙ICP备12345678号-1"})
	return f
}

func TestInboundLookups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := inbSetup(t, s)
		err := s.InTx(ctx, func(tx *store.Tx) error {
			byRef, err := tx.LinkFilingsByRef(ctx, []string{"BA-2026-000101", "BA-2026-999999"})
			if err != nil {
				return err
			}
			a, ok := byRef["BA-2026-000101"]
			if len(byRef) != 1 || !ok || a.Stage != filing.StageReturned || a.Deadline == nil || a.ReturnedAt == nil ||
				a.AccountEmail != "zhangsan@example.cn" || a.AccountLanguage != "zh-CN" {
				t.Errorf("by ref: %+v", byRef)
			}
			byID, err := tx.LinkFilingsByID(ctx, []int64{f.b.ID})
			if err != nil {
				return err
			}
			if byID[f.b.ID].Reference != "BA-2026-000102" || byID[f.b.ID].Stage != filing.StageApproved {
				t.Errorf("by id: %+v", byID)
			}
			icp, err := tx.LinkFilingsByICPNumber(ctx, []string{"浙ICP备12345678号", "浙ICP备12345678号-1", "浙ICP备99999999号"})
			if err != nil {
				return err
			}
			if len(icp["浙ICP备12345678号"]) != 1 || len(icp["浙ICP备12345678号-1"]) != 1 || len(icp["浙ICP备99999999号"]) != 0 {
				t.Errorf("by ICP number: %+v", icp)
			}
			dom, err := tx.LinkFilingsByDomain(ctx, []string{"shop.example.cn", "xn--fsq092h.xn--fiqs8s", "www2.example.cn", "none.example.cn"})
			if err != nil {
				return err
			}
			if dom["xn--fsq092h.xn--fiqs8s"][0].ID != f.a.ID || dom["shop.example.cn"][0].ID != f.a.ID || dom["www2.example.cn"][0].ID != f.b.ID || len(dom) != 3 {
				t.Errorf("by domain: %+v", dom)
			}
			open, err := tx.OpenLinkFilingsOf(ctx, []string{"zhangsan@example.cn", "nobody@example.cn"})
			if err != nil {
				return err
			}
			if len(open["zhangsan@example.cn"]) != 1 || open["zhangsan@example.cn"][0].ID != f.a.ID {
				t.Errorf("open filings: %+v", open)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestInboundRecordOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := inbSetup(t, s)
		fid := f.a.ID
		rec := store.InboundMessage{Mailbox: "INBOX", UIDValidity: 7, UID: 1, MessageID: "m1@example.com", Sender: "zhangsan@example.cn",
			Subject: "备案 BA-2026-000101 已修改 𠮷", ReceivedAt: s.Now(), Classification: "human", Decision: "correspondence",
			LinkedBy: "reference", FilingID: &fid, BodyText: "正文", SenderVerified: true, Attachments: "整改.pdf"}
		record := func(m store.InboundMessage) (int64, bool) {
			var id int64
			var ins bool
			if err := s.InTx(ctx, func(tx *store.Tx) (err error) {
				id, ins, err = tx.RecordInbound(ctx, m)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return id, ins
		}
		id, ins := record(rec)
		if !ins || id == 0 {
			t.Fatal("first record not inserted")
		}
		again := rec
		again.MessageID = "other@example.com"
		if _, ins := record(again); ins {
			t.Fatal("same mailbox/UIDVALIDITY/UID recorded twice")
		}
		again = rec
		again.UIDValidity, again.UID = 8, 1
		if _, ins := record(again); ins {
			t.Fatal("same Message-ID recorded twice (rescan after a UIDVALIDITY change)")
		}
		got, err := s.InboundByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Subject != rec.Subject || got.FilingRef != "BA-2026-000101" || !got.SenderVerified || got.BodyText != "正文" || got.Attachments != "整改.pdf" {
			t.Fatalf("read back %+v", got)
		}
		if mid, err := s.InboundIDByMessageID(ctx, "m1@example.com"); err != nil || mid != id {
			t.Fatalf("by message id: %d %v", mid, err)
		}
		rec2 := rec
		rec2.UID, rec2.MessageID, rec2.FilingID, rec2.Decision, rec2.LinkedBy = 2, "m2@example.com", nil, "unmatched", ""
		rec2.Raw = []byte{0x1f, 0x8b, 0x00, 0xff}
		id2, _ := record(rec2)
		un, err := s.ListInbound(ctx, store.InboundFilter{Unlinked: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(un) != 1 || un[0].ID != id2 {
			t.Fatalf("unlinked: %+v", un)
		}
		if got, _ := s.InboundByID(ctx, id2); string(got.Raw) != string(rec2.Raw) {
			t.Fatalf("raw %x", got.Raw)
		}
		recorded, err := s.RecordedUIDs(ctx, "INBOX", 7, []uint32{1, 2, 3})
		if err != nil || !recorded[1] || !recorded[2] || recorded[3] {
			t.Fatalf("recorded uids %v %v", recorded, err)
		}
		if err := s.MarkInboundMoved(ctx, "INBOX", 7, []uint32{1}, []string{"m2@example.com"}, s.Now()); err != nil {
			t.Fatal(err)
		}
		for _, i := range []int64{id, id2} {
			if got, _ := s.InboundByID(ctx, i); got.MovedAt == nil {
				t.Fatalf("message %d not marked moved", i)
			}
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.SetInboundDecision(ctx, id2, store.InboundDecision{FilingID: f.a.ID, LinkedBy: "staff", Decision: "correspondence", SenderVerified: true, Note: "n"})
		}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.InboundByID(ctx, id2); got.FilingRef != "BA-2026-000101" || got.LinkedBy != "staff" || got.Decision != "correspondence" {
			t.Fatalf("after decision %+v", got)
		}
	})
}

// TestInboundRecordBatch records a backlog-sized batch (COPY on
// PostgreSQL, a multi-row INSERT on SQLite) holding messages already
// recorded by Message-ID and by UID, and two copies of one message: each
// is left out as ON CONFLICT DO NOTHING would, and the rest read back whole.
func TestInboundRecordBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := inbSetup(t, s)
		fid := f.a.ID
		msg := func(uid int64, id string) store.InboundMessage {
			// Own words are the start of the text (stored as a length) or not.
			own := "𠮷正文\r\n第二"
			switch uid % 3 {
			case 1:
				own = "别的话"
			case 2:
				own = "主题：已修改\n" + own // their own subject, then the start of the text
			}
			return store.InboundMessage{Mailbox: "INBOX", UIDValidity: 7, UID: uid, MessageID: id, Sender: "zhangsan@example.cn",
				Subject: "回复：备案\t已修改\\ 𠮷", ReceivedAt: s.Now(), Classification: "human", Decision: "correspondence",
				LinkedBy: "tag", FilingID: &fid, BodyText: "𠮷正文\r\n第二行\t\\N", OwnText: own, Raw: []byte{0, '\\', '\n', 0xff}, NeedsReply: true}
		}
		batch := func(ms ...store.InboundMessage) map[string]int64 {
			var ids map[string]int64
			if err := s.InTx(ctx, func(tx *store.Tx) (err error) {
				ids, err = tx.RecordInboundBatch(ctx, ms)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return ids
		}
		first := batch(msg(1, "a1@example.com"), msg(2, "a2@example.com"))
		if len(first) != 2 {
			t.Fatalf("first batch: %v", first)
		}
		var ms []store.InboundMessage
		for i := 3; i <= 12; i++ {
			ms = append(ms, msg(int64(i), fmt.Sprintf("b%d@example.com", i)))
		}
		ms = append(ms,
			msg(13, "a1@example.com"),  // recorded by Message-ID
			msg(2, "new2@example.com"), // recorded by UID
			msg(14, "b3@example.com"),  // a second copy in the batch
			msg(3, "b3-again@example.com"))
		ids := batch(ms...)
		if len(ids) != 10 {
			t.Fatalf("recorded %d of the batch, want 10: %v", len(ids), ids)
		}
		for _, skipped := range []string{"new2@example.com", "b3-again@example.com"} {
			if _, ok := ids[skipped]; ok {
				t.Errorf("%s recorded though its UID was", skipped)
			}
		}
		for _, c := range []struct {
			id    int64
			uid   int64
			chars int // own words stored as the start of the text
		}{{first["a1@example.com"], 1, 0}, {first["a2@example.com"], 2, 7}, {ids["b7@example.com"], 7, 0}, {ids["b8@example.com"], 8, 7},
			{ids["b9@example.com"], 9, 7}} {
			got, err := s.InboundByID(ctx, c.id)
			if err != nil {
				t.Fatal(err)
			}
			want := msg(c.uid, got.MessageID)
			if got.UID != c.uid || got.Subject != want.Subject || got.BodyText != want.BodyText || string(got.Raw) != string(want.Raw) ||
				got.OwnText != want.OwnText || got.FilingRef != "BA-2026-000101" || !got.NeedsReply || got.MovedAt != nil {
				t.Fatalf("read back %+v", got)
			}
			var stored struct {
				Text  string `db:"own_text"`
				Chars int    `db:"own_text_chars"`
			}
			if err := store.GetForTest(ctx, s, &stored, `SELECT own_text, own_text_chars FROM inbound_messages WHERE id = ?`, c.id); err != nil {
				t.Fatal(err)
			}
			wantText := want.OwnText // stored whole, or only what comes before the start of the text
			if c.chars > 0 {
				wantText = strings.TrimSuffix(want.OwnText, "𠮷正文\r\n第二")
			}
			if stored.Chars != c.chars || stored.Text != wantText {
				t.Fatalf("uid %d: own words stored as %+v, want %d characters of the text", c.uid, stored, c.chars)
			}
		}
		if u, err := s.UnmovedUIDs(ctx, "INBOX", 7); err != nil || len(u) != 12 {
			t.Fatalf("unmoved %v %v", u, err)
		}
	})
}

func TestMailboxCheckpoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, ok, err := s.MailboxCheckpoint(ctx, "INBOX"); ok || err != nil {
			t.Fatalf("checkpoint before any: %v %v", ok, err)
		}
		save := func(v, last uint32) {
			if err := s.InTx(ctx, func(tx *store.Tx) error {
				return tx.SaveMailboxCheckpoint(ctx, store.MailboxCheckpoint{Mailbox: "INBOX", UIDValidity: v, LastUID: last})
			}); err != nil {
				t.Fatal(err)
			}
		}
		check := func(v, last uint32) {
			t.Helper()
			cp, ok, err := s.MailboxCheckpoint(ctx, "INBOX")
			if err != nil || !ok || cp.UIDValidity != v || cp.LastUID != last {
				t.Fatalf("checkpoint %+v %v %v, want %d/%d", cp, ok, err, v, last)
			}
		}
		save(4000000000, 10)
		check(4000000000, 10)
		save(4000000000, 5) // a slower replica: never backwards
		check(4000000000, 10)
		save(4000000000, 12)
		check(4000000000, 12)
		save(9, 3) // UIDVALIDITY changed: replaced
		check(9, 3)
	})
}

func TestBounceAndAcks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		inbSetup(t, s)
		rows, err := s.ListOutbox(ctx, store.OutboxFilter{FilingRef: "BA-2026-000101"})
		if err != nil || len(rows) == 0 {
			t.Fatal(err)
		}
		ret := rows[0]
		err = s.InTx(ctx, func(tx *store.Tx) error {
			sent, err := tx.SentMessages(ctx, []string{ret.MessageID, "foreign@example.com"})
			if err != nil {
				return err
			}
			if len(sent) != 1 || sent[ret.MessageID].Kind != ret.Kind || sent[ret.MessageID].FilingID == 0 {
				t.Errorf("sent %+v", sent)
			}
			if ok, err := tx.MarkOutboxBounced(ctx, ret.ID, "550 5.1.1 user unknown"); err != nil || !ok {
				t.Errorf("mark bounced: %v %v", ok, err)
			}
			if ok, _ := tx.MarkOutboxBounced(ctx, ret.ID, "again"); ok {
				t.Error("bounced twice")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if rows, _ := s.ListOutbox(ctx, store.OutboxFilter{Status: store.OutboxBounced}); len(rows) != 1 || rows[0].ID != ret.ID {
			t.Fatalf("bounced rows %+v", rows)
		}

		// A resubmission by email over the sender's acknowledgement limit: the
		// filing moves, no acknowledgement is ever written.
		now := s.Now()
		err = s.InTx(ctx, func(tx *store.Tx) error {
			for i, ack := range []string{store.AckQueued, store.AckQueued, store.AckRateLimited} {
				m := store.InboundMessage{Mailbox: "INBOX", UIDValidity: 1, UID: int64(i + 1), MessageID: "ack" + string(rune('a'+i)) + "@example.com",
					Sender: "zhangsan@example.cn", ReceivedAt: now, Classification: "human", Decision: "resubmission", Ack: ack, CreatedAt: now.Add(time.Duration(-i*40) * time.Minute)}
				if _, _, err := tx.RecordInbound(ctx, m); err != nil {
					return err
				}
			}
			n, err := tx.InboundAcksSince(ctx, []string{"zhangsan@example.cn", "x@example.com"}, now.Add(-time.Hour))
			if err != nil {
				return err
			}
			if n["zhangsan@example.cn"] != 2 || n["x@example.com"] != 0 {
				t.Errorf("acks %v", n)
			}
			id, _, err := tx.RecordInbound(ctx, store.InboundMessage{Mailbox: "INBOX", UIDValidity: 1, UID: 9, MessageID: "resub@example.com",
				Sender: "zhangsan@example.cn", ReceivedAt: now, Classification: "human", Decision: "resubmission"})
			if err != nil {
				return err
			}
			res, err := tx.ChangeStage(ctx, store.ChangeRequest{Ref: "BA-2026-000101", InboundID: id, ActorName: "zhangsan@example.cn",
				Request: filing.Request{Action: filing.ActionResubmit, Actor: filing.ActorApplicant, At: now}, NoApplicantEmail: true})
			if err != nil {
				return err
			}
			if res.Enqueued != 0 {
				t.Errorf("enqueued %d, want none", res.Enqueued)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		d, err := s.FilingByRef(ctx, "BA-2026-000101")
		if err != nil || d.Filing.Stage != filing.StageProviderReview {
			t.Fatalf("stage %s %v", d.Filing.Stage, err)
		}
		for _, r := range outboxKinds(t, s, "BA-2026-000101") {
			if r == "resubmission_received>zhangsan@example.cn" {
				t.Fatal("an acknowledgement over the limit is in the outbox")
			}
		}
	})
}

// A backlog's batch writes its messages' events together at the end of the
// transaction (with COPY on PostgreSQL, past a few): each arrives on the
// feed once, under the one commit number, with its details intact.
func TestInboundBatchEventsOnTheFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := inbSetup(t, s)
		start, err := s.FeedEnd(ctx)
		if err != nil {
			t.Fatal(err)
		}
		const n = 45 // past the COPY threshold
		awkward := "引号\"、反斜杠\\、换行\n、制表\t、\\N 与 𠮷"
		plans := make([]store.InboundPlan, n)
		for i := range plans {
			fid := f.a.ID
			plans[i] = store.InboundPlan{
				Message: store.InboundMessage{Mailbox: "INBOX", UIDValidity: 9, UID: int64(i + 1), MessageID: fmt.Sprintf("feed%d@example.com", i),
					Sender: "zhangsan@example.cn", ReceivedAt: s.Now(), Classification: "human", Decision: "correspondence", FilingID: &fid},
				Events: []store.InboundEvent{{FilingID: f.a.ID, Actor: filing.ActorApplicant, ActorName: "zhangsan@example.cn",
					Action: "email_received", Details: map[string]any{"says": awkward, "n": i}, At: s.Now()}},
			}
		}
		var results []store.InboundResult
		if err := s.InTx(ctx, func(tx *store.Tx) (err error) {
			results, err = tx.ApplyInbound(ctx, plans)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		evs, err := s.FeedEvents(ctx, start, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != n {
			t.Fatalf("%d events on the feed, want %d", len(evs), n)
		}
		seen := map[int]bool{}
		for _, e := range evs {
			var d struct {
				Says      string `json:"says"`
				N         int    `json:"n"`
				InboundID int64  `json:"inbound_id"`
			}
			if err := json.Unmarshal(e.Details, &d); err != nil {
				t.Fatalf("details %s: %v", e.Details, err)
			}
			if e.Seq != evs[0].Seq || e.Seq <= start.Seq || e.Action != "email_received" || e.Filing != f.a.Reference ||
				e.ActorName != "zhangsan@example.cn" || d.Says != awkward || seen[d.N] || d.N < 0 || d.N >= n || d.InboundID != results[d.N].ID {
				t.Fatalf("event %+v, details %+v", e, d)
			}
			seen[d.N] = true
		}
	})
}

package store_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/filing/filingtest"
	"example.com/icpdesk/store"
)

var staffActor = store.Actor{Name: "wangfang"}

func openItems(t *testing.T, s *store.Store, kind filing.WorkKind) []store.WorkItem {
	t.Helper()
	items, err := s.ListWorkItems(ctx, store.WorkFilter{Kind: kind})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func eventActions(t *testing.T, s *store.Store, ref string) string {
	t.Helper()
	d, err := s.FilingByRef(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := s.FilingEvents(ctx, d.Filing.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Action+"/"+e.ActorName)
	}
	return strings.Join(out, ",")
}

// TestWorkItemsFollowTheFiling: the sweep opens one overdue item however
// often it runs, a late resubmission closes it and opens a late one, and
// accepting the late resubmission closes that: each in the transaction of
// its change, with an event.
func TestWorkItemsFollowTheFiling(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		const ref = "BA-2026-000201"
		returned(t, s, c, ref, at(2026, 12, 1, 10, 0, 0, 0))
		for i := 0; i < 2; i++ {
			if _, err := s.SweepDeadlines(ctx, at(2026, 12, 9, 8, 0, 0, 0)); err != nil {
				t.Fatal(err)
			}
		}
		overdue := openItems(t, s, filing.WorkOverdue)
		if len(overdue) != 1 || overdue[0].FilingRef != ref || overdue[0].Deadline == nil {
			t.Fatalf("overdue items %+v", overdue)
		}
		change(t, s, ref, filing.ActionResubmit, at(2026, 12, 9, 9, 0, 0, 0))
		if n := len(openItems(t, s, filing.WorkOverdue)); n != 0 {
			t.Fatalf("%d overdue items after the resubmission", n)
		}
		late := openItems(t, s, filing.WorkLateResubmission)
		if len(late) != 1 || late[0].FilingRef != ref {
			t.Fatalf("late items %+v", late)
		}
		change(t, s, ref, filing.ActionAcceptLate, at(2026, 12, 9, 10, 0, 0, 0))
		if n := len(openItems(t, s, filing.WorkLateResubmission)); n != 0 {
			t.Fatalf("%d late items after accepting", n)
		}
		all, err := s.ListWorkItems(ctx, store.WorkFilter{All: true})
		if err != nil || len(all) != 2 {
			t.Fatalf("all items %d %v", len(all), err)
		}
		for _, w := range all {
			if w.Open() || w.Resolution != string(filing.ResolvedByChange) || w.ClosedBy != "tester" {
				t.Errorf("item %+v: want closed by the change, by tester", w)
			}
		}
		ev := eventActions(t, s, ref)
		for _, want := range []string{"work_item_opened", "work_item_closed/tester", "accept_late/tester"} {
			if !strings.Contains(ev, want) {
				t.Errorf("timeline %s lacks %s", ev, want)
			}
		}
	})
}

// TestStaffActionsRefuseWrongStates: each staff action on a filing in a
// stage that does not allow it is refused, naming why, and nothing at all
// changes in the database.
func TestStaffActionsRefuseWrongStates(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		approvedAccount(t, s, "zhangsan@example.cn")
		importEnterprise(t, s, "BA-2026-000301", "zhangsan@example.cn")
		change(t, s, "BA-2026-000301", filing.ActionSubmit, c.Now()) // in provider review, never returned
		later := c.Now().Add(10 * 24 * time.Hour)
		before := store.DumpForTest(ctx, t, s)
		for _, req := range []filing.Request{
			{Action: filing.ActionExtend, Deadline: &later},
			{Action: filing.ActionAcceptLate},
			{Action: filing.ActionDeclineLate, Reason: "逾期"},
			{Action: filing.ActionUndoResubmission},
			{Action: filing.ActionWithdraw}, // no reason
		} {
			req.Actor, req.At = filing.ActorStaff, c.Now()
			_, err := s.ChangeStage(ctx, store.ChangeRequest{Ref: "BA-2026-000301", Request: req, ActorName: "wangfang"})
			if !errors.Is(err, filing.ErrTransition) {
				t.Errorf("%s: err %v, want a refusal", req.Action, err)
			}
		}
		if after := store.DumpForTest(ctx, t, s); after != before {
			t.Fatal("a refused action changed the database")
		}
	})
}

// TestExtendWithdrawUndo: an extension restarts the reminders, a withdrawal
// closes the filing and stops them, and an undone resubmission puts the
// filing back with its deadline, telling the applicant, without a new
// return email.
func TestExtendWithdrawUndo(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		const ref = "BA-2026-000401"
		returned(t, s, c, ref, at(2026, 12, 1, 10, 0, 0, 0))
		if r, err := s.SendReminders(ctx, at(2026, 12, 7, 9, 0, 0, 0), []time.Duration{72 * time.Hour}); err != nil || r.Sent != 1 {
			t.Fatalf("first reminder: %+v %v", r, err)
		}
		newDeadline := at(2026, 12, 15, 23, 59, 59, 0)
		res := change(t, s, ref, filing.ActionExtend, at(2026, 12, 7, 10, 0, 0, 0), func(r *store.ChangeRequest) {
			r.Deadline, r.Reason = &newDeadline, "营业执照补办中"
		})
		if g := res.Filing; !g.Deadline.Equal(newDeadline) || g.Extensions != 1 {
			t.Fatalf("extended: deadline %v extensions %d", g.Deadline, g.Extensions)
		}
		if r, err := s.SendReminders(ctx, at(2026, 12, 13, 9, 0, 0, 0), []time.Duration{72 * time.Hour}); err != nil || r.Sent != 1 {
			t.Fatalf("reminder for the new deadline: %+v %v", r, err)
		}
		n := payload(t, s, ref, filing.EmailDeadlineExtended)
		if n.Deadline == nil || !n.Deadline.Equal(newDeadline) || n.PreviousDeadline == nil || n.Reason != "营业执照补办中" {
			t.Fatalf("extension notice %+v", n)
		}

		change(t, s, ref, filing.ActionResubmit, at(2026, 12, 14, 9, 0, 0, 0), func(r *store.ChangeRequest) { r.Actor = filing.ActorApplicant })
		returnsBefore := strings.Count(strings.Join(outboxKinds(t, s, ref), ","), string(filing.EmailFilingReturned)+">")
		undo := change(t, s, ref, filing.ActionUndoResubmission, at(2026, 12, 14, 10, 0, 0, 0), withReason("误读了来信"))
		if g := undo.Filing; g.Stage != filing.StageReturned || !g.Deadline.Equal(newDeadline) {
			t.Fatalf("undone: %s %v", g.Stage, g.Deadline)
		}
		kinds := strings.Join(outboxKinds(t, s, ref), ",")
		if strings.Count(kinds, string(filing.EmailFilingReturned)+">") != returnsBefore || !strings.Contains(kinds, string(filing.EmailResubmissionUndone)) {
			t.Fatalf("emails after the undo: %s", kinds)
		}

		change(t, s, ref, filing.ActionWithdraw, at(2026, 12, 14, 11, 0, 0, 0), withReason("申请人放弃"))
		d, _ := s.FilingByRef(ctx, ref)
		if d.Filing.Stage != filing.StageClosed || d.Filing.CloseReason != filing.ClosedWithdrawn || d.Filing.Deadline != nil {
			t.Fatalf("withdrawn: %+v", d.Filing)
		}
		if r, _ := s.SweepDeadlines(ctx, at(2026, 12, 20, 9, 0, 0, 0)); r.Flagged != 0 {
			t.Fatalf("a withdrawn filing was flagged overdue: %+v", r)
		}
		if ev := eventActions(t, s, ref); !strings.Contains(ev, "extend/tester") || !strings.Contains(ev, "undo_resubmission/tester") ||
			!strings.Contains(ev, "withdraw/tester") {
			t.Fatalf("timeline %s", ev)
		}
	})
}

func TestUpdateFiling(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		const ref = "BA-2026-000501"
		approvedAccount(t, s, "zhangsan@example.cn")
		importEnterprise(t, s, ref, "zhangsan@example.cn")
		in := filingtest.Enterprise(ref, "zhangsan@example.cn")
		in.Website.Name = "示例商城二期"
		in.Website.Responsible = in.Subject.Responsible // same person now: no authorization letter
		up, probs, err := s.UpdateFiling(ctx, in, filingtest.Fingerprinter(), staffActor, true)
		if err != nil || len(probs) > 0 {
			t.Fatalf("update: %v %v", err, probs)
		}
		if up.Filing.Website.Name != "示例商城二期" || len(up.Changes) == 0 || !up.Notified {
			t.Fatalf("update %+v", up)
		}
		d, _ := s.FilingByRef(ctx, ref)
		if d.Filing.Website.Name != "示例商城二期" || d.Filing.Stage != filing.StageDraft {
			t.Fatalf("stored %+v", d.Filing)
		}
		n := payload(t, s, ref, filing.EmailChecklistUpdated)
		if len(n.Changes) == 0 || len(n.Materials) == 0 {
			t.Fatalf("checklist notice %+v", n)
		}
		if !strings.Contains(eventActions(t, s, ref), "filing_updated/wangfang") {
			t.Fatal("update not on the timeline")
		}
		// A broken rule: every problem returned, nothing stored.
		before := store.DumpForTest(ctx, t, s)
		bad := filingtest.Enterprise(ref, "zhangsan@example.cn")
		bad.Website.Domains[0].Registrant = "别的公司"
		if _, probs, err := s.UpdateFiling(ctx, bad, filingtest.Fingerprinter(), staffActor, true); err != nil || len(probs) == 0 {
			t.Fatalf("broken update: %v %v", err, probs)
		}
		if _, _, err := s.UpdateFiling(ctx, filingtest.Enterprise("BA-2026-999999", "zhangsan@example.cn"), filingtest.Fingerprinter(), staffActor, false); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown filing: %v", err)
		}
		if after := store.DumpForTest(ctx, t, s); after != before {
			t.Fatal("a refused update changed the database")
		}
	})
}

func TestAccountEmailAndFailedEmails(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		approvedAccount(t, s, "zhangsan@example.cn")
		rows, err := s.ListOutbox(ctx, store.OutboxFilter{})
		if err != nil || len(rows) != 1 {
			t.Fatalf("outbox %v %v", rows, err)
		}
		id := rows[0].ID // the account_approved email
		claimed, err := s.ClaimDue(ctx, "test-worker", c.Now(), 10, time.Minute)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim %v %v", claimed, err)
		}
		if _, err := s.MarkFailed(ctx, store.OutboxFailure{ID: id, Owner: "test-worker", At: c.Now(), Error: "550 5.1.1 <zhangsan@example.cn>: User unknown"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetAccountEmail(ctx, "zhangsan@example.cn", "zhang.san@example.cn", staffActor); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetAccountEmail(ctx, "zhangsan@example.cn", "x@example.cn", staffActor); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("old address again: %v", err)
		}
		changed, _ := s.ListOutbox(ctx, store.OutboxFilter{Status: store.OutboxQueued})
		var to []string
		for _, r := range changed {
			if r.Kind == string(filing.EmailAccountEmailChanged) {
				to = append(to, r.Recipient)
			}
		}
		if strings.Join(to, ",") != "zhang.san@example.cn,zhangsan@example.cn" && strings.Join(to, ",") != "zhangsan@example.cn,zhang.san@example.cn" {
			t.Fatalf("address change told %v, want both addresses", to)
		}
		row, err := s.RetryEmail(ctx, id, true, staffActor)
		if err != nil || row.Recipient != "zhang.san@example.cn" || row.Status != store.OutboxQueued {
			t.Fatalf("retry to the current address: %+v %v", row, err)
		}
		n, err := s.OutboxNotice(ctx, id)
		if err != nil || n.To != "zhang.san@example.cn" {
			t.Fatalf("payload recipient %q %v", n.To, err)
		}
		if _, err := s.CancelEmail(ctx, id, "", staffActor); !errors.Is(err, store.ErrRefused) {
			t.Fatalf("cancel without a note: %v", err)
		}
		row, err = s.CancelEmail(ctx, id, "申请人已电话告知", staffActor)
		if err != nil || row.Status != store.OutboxCancelled {
			t.Fatalf("cancel: %+v %v", row, err)
		}
		if _, err := s.RetryEmail(ctx, id, false, staffActor); !errors.Is(err, store.ErrRefused) {
			t.Fatalf("retry a cancelled email: %v", err)
		}
	})
}

func TestReplyToMessageAndItems(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		const ref = "BA-2026-000601"
		returned(t, s, c, ref, at(2026, 12, 1, 10, 0, 0, 0))
		d, _ := s.FilingByRef(ctx, ref)
		fid := d.Filing.ID
		var res []store.InboundResult
		err := s.InTx(ctx, func(tx *store.Tx) error {
			var err error
			res, err = tx.ApplyInbound(ctx, []store.InboundPlan{{
				Message: store.InboundMessage{Mailbox: "INBOX", UIDValidity: 1, UID: 7, MessageID: "q1@mail.example.cn",
					Sender: "zhangsan@example.cn", Subject: "回复：[ICP#" + ref + "] 管局退回备案", ReceivedAt: c.Now(), Classification: "human",
					Decision: "correspondence", FilingID: &fid, NeedsReply: true, ThreadRefs: "icpdesk.aa@example.cn q1@mail.example.cn"},
				Items: []store.NewWorkItem{{Kind: filing.WorkReplyNeeded, FilingID: fid, Details: map[string]any{"asks": "请问能否延期？"}}},
			}})
			return err
		})
		if err != nil || res[0].ID == 0 || res[0].Duplicate {
			t.Fatalf("apply: %+v %v", res, err)
		}
		items := openItems(t, s, filing.WorkReplyNeeded)
		if len(items) != 1 || items[0].InboundID == nil || *items[0].InboundID != res[0].ID || !strings.Contains(string(items[0].Details), "延期") {
			t.Fatalf("reply items %+v", items)
		}
		if _, err := s.ReplyToMessage(ctx, store.StaffReply{InboundID: res[0].ID, Text: "  ", By: staffActor}); !errors.Is(err, store.ErrRefused) {
			t.Fatalf("empty reply: %v", err)
		}
		row, err := s.ReplyToMessage(ctx, store.StaffReply{InboundID: res[0].ID, Text: "可以，已为您延长至 12 月 15 日。", By: staffActor})
		if err != nil || row.Kind != string(filing.EmailStaffReply) || row.Recipient != "zhangsan@example.cn" {
			t.Fatalf("reply: %+v %v", row, err)
		}
		n, _ := s.OutboxNotice(ctx, row.ID)
		if n.Reply == nil || n.Reply.Staff != "wangfang" || n.Inbound == nil || n.Inbound.MessageID != "q1@mail.example.cn" ||
			strings.Join(n.Inbound.References, " ") != "icpdesk.aa@example.cn q1@mail.example.cn" {
			t.Fatalf("reply notice %+v", n)
		}
		if len(openItems(t, s, filing.WorkReplyNeeded)) != 0 {
			t.Fatal("the reply left the item open")
		}
		if _, err := s.CloseMessageItems(ctx, res[0].ID, filing.ResolvedDismissed, "x", staffActor); !errors.Is(err, store.ErrRefused) {
			t.Fatalf("dismiss with nothing open: %v", err)
		}
		if !strings.Contains(eventActions(t, s, ref), "staff_reply/wangfang") {
			t.Fatal("the reply is not on the timeline")
		}
	})
}

// TestDryRunChangesNothing: a sweep in a dry run reports what it would
// flag and send, and the database is exactly as before.
func TestDryRunChangesNothing(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		returned(t, s, c, "BA-2026-000701", at(2026, 12, 1, 10, 0, 0, 0))
		before := store.DumpForTest(ctx, t, s)
		var dry store.DryRun
		res, err := s.SweepDeadlines(store.WithDryRun(ctx, &dry), at(2026, 12, 9, 8, 0, 0, 0))
		if err != nil || res.Flagged != 1 {
			t.Fatalf("dry sweep: %+v %v", res, err)
		}
		var kinds []string
		for _, e := range dry.Emails {
			kinds = append(kinds, e.Kind+">"+e.Recipient)
		}
		got := strings.Join(kinds, ",")
		if !strings.Contains(got, "deadline_passed>zhangsan@example.cn") || !strings.Contains(got, "staff_alert>"+staffAddr) {
			t.Fatalf("dry run would send %s", got)
		}
		if len(dry.Events) == 0 || dry.Events[0].Action != string(filing.ActionFlagOverdue) || dry.Events[0].Filing != "BA-2026-000701" {
			t.Fatalf("dry run events %+v", dry.Events)
		}
		opens := false
		for _, e := range dry.Events {
			opens = opens || (e.Action == "work_item_opened" && e.Item == string(filing.WorkOverdue) && e.Filing == "BA-2026-000701")
		}
		if !opens {
			t.Fatalf("the dry run does not say it would open an overdue item: %+v", dry.Events)
		}
		if after := store.DumpForTest(ctx, t, s); after != before {
			t.Fatal("a dry run changed the database")
		}
	})
}

// TestManualDigestKeepsTheScheduledOne: a digest sent by hand does not use
// up the day's scheduled digest.
func TestManualDigestKeepsTheScheduledOne(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		now := at(2026, 12, 6, 8, 0, 0, 0)
		r, err := s.EnqueueManualDigest(ctx, now, staffActor)
		if err != nil || r.Enqueued != 1 {
			t.Fatalf("manual digest: %+v %v", r, err)
		}
		r, err = s.EnqueueManualDigest(ctx, now.Add(time.Minute), staffActor)
		if err != nil || r.Enqueued != 1 {
			t.Fatalf("second manual digest: %+v %v", r, err)
		}
		sched, err := s.EnqueueDigest(ctx, now.Add(time.Hour))
		if err != nil || sched.Enqueued != 1 || sched.Already != 0 {
			t.Fatalf("scheduled digest after manual ones: %+v %v", sched, err)
		}
	})
}

// TestFailedEmailsOneAlertPerAddress: every failed email opens its own
// item, but one bad address raises one staff alert a day, not one per email.
func TestFailedEmailsOneAlertPerAddress(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		err := s.InTx(ctx, func(tx *store.Tx) error {
			for i := 0; i < 3; i++ {
				n := filing.Notice{Kind: filing.EmailFilingSubmitted, Language: filing.LangChinese, To: "gone@example.cn",
					Reference: fmt.Sprintf("BA-2026-00090%d", i), At: c.Now()}
				if _, err := tx.Enqueue(ctx, store.OutboxItem{Notice: n, DedupKey: fmt.Sprintf("gone:%d", i)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		claimed, err := s.ClaimDue(ctx, "w", c.Now(), 10, time.Minute)
		if err != nil || len(claimed) != 3 {
			t.Fatalf("claim %d %v", len(claimed), err)
		}
		alerts := 0
		for _, m := range claimed {
			n, err := s.MarkFailed(ctx, store.OutboxFailure{ID: m.ID, Owner: "w", At: c.Now(), Error: "550 5.1.1 <gone@example.cn>: User unknown",
				Alert: &filing.Alert{Action: filing.AlertEmailFailed, EmailKind: m.Kind}})
			if err != nil {
				t.Fatal(err)
			}
			alerts += n
		}
		if items := openItems(t, s, filing.WorkEmailFailed); len(items) != 3 || items[0].Recipient != "gone@example.cn" {
			t.Fatalf("items %+v, want one per email", items)
		}
		if alerts != 1 {
			t.Fatalf("%d alerts for one bad address, want 1", alerts)
		}
	})
}

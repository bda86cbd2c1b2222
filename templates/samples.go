package templates

import (
	"encoding/json"
	"time"

	"example.com/icpdesk/filing"
)

// samples returns, for the start-up check, a notice of kind k with every
// optional part filled and one with only what the kind requires, so a
// template is executed down both sides of its conditions; kinds whose
// wording has variants (an alert's action, a copy to the old address, a
// message that failed authentication) get one notice per variant.
func samples(k filing.EmailKind, lang filing.Language) []filing.Notice {
	at := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	deadline := time.Date(2026, 12, 8, 15, 59, 59, 0, time.UTC)
	previous := deadline.Add(-72 * time.Hour)
	minimal := filing.Notice{Kind: k, Language: lang, To: "applicant@example.cn", Account: "applicant@example.cn", At: at}
	if aboutFiling(k) {
		minimal.Reference = "BA-2026-000001"
	}
	materials := []filing.Material{{Key: "verification_form", Copies: 2, Name: filing.Text{Zh: "真实性核验单", En: "Authenticity verification form"}}}
	switch k {
	case filing.EmailFilingSubmitted:
		minimal.Materials = materials
	case filing.EmailFilingReturnedProvider, filing.EmailFilingReturned:
		minimal.ReturnReason, minimal.Deadline = "reason", &deadline
	case filing.EmailFilingApproved:
		minimal.ICPNumber = "浙ICP备12345678号-1"
	case filing.EmailResubmissionLate, filing.EmailDeadlineReminder, filing.EmailDeadlinePassed,
		filing.EmailDeadlineExtended, filing.EmailResubmissionUndone:
		minimal.Deadline = &deadline
	case filing.EmailUnverifiedSender:
		minimal.Inbound = &filing.InboundRef{MessageID: "m@example.com", From: "other@example.com"}
	case filing.EmailStaffAlert:
		minimal.Alert = &filing.Alert{Summary: filing.Text{Zh: "提醒", En: "alert"}}
	case filing.EmailStaffDigest:
		minimal.Digest = json.RawMessage(`{"date":"2026-12-01","generated_at":"2026-12-01T01:00:00Z","stages":[]}`)
	case filing.EmailStaffReply:
		minimal.Reply = &filing.StaffReply{Text: "text", Staff: "李四"}
	case filing.EmailFilingWithdrawn, filing.EmailLateDeclined:
		minimal.Reason = "reason"
	case filing.EmailAccountEmailChanged:
		minimal.OldEmail, minimal.NewEmail = "applicant@example.cn", "new@example.cn"
	case filing.EmailStaffSetPassword:
		minimal.Password, minimal.Deadline = "https://icpdesk.example.cn/set-password?token=sample-token", &deadline
	case filing.EmailChecklistUpdated:
		minimal.Materials = materials
		minimal.Changes = []filing.FieldChange{{Field: "website.name", Old: "a", New: "b"}}
	}

	full := minimal
	full.ToName = "张三"
	full.Reference = "BA-2026-000001"
	full.RejectReason = "reason"
	full.SubjectType, full.SubjectName, full.WebsiteName = filing.SubjectEnterprise, "示例公司", "示例网站"
	full.Domains = []string{"www.example.cn", "example.com"}
	full.Stage = filing.StageReturned
	full.ReturnReason, full.ReturnSource = "reason", filing.ReturnedByBureau
	full.ReturnedAt, full.Deadline, full.PreviousDeadline = &at, &deadline, &previous
	full.Late, full.Overdue = true, true
	full.ICPNumber, full.Password = "浙ICP备12345678号-1", "secret"
	if k == filing.EmailStaffSetPassword {
		full.Password, full.Reference = minimal.Password, "" // never about a filing
	}
	full.Materials = append(append([]filing.Material(nil), materials...), filing.Material{Key: "domain_certificate", Copies: 2,
		Name: filing.Text{Zh: "域名证书", En: "Domain certificate"}, Note: filing.Text{Zh: "注", En: "note"}})
	full.RuleProblems = []filing.Problem{{Code: "x", Message: filing.Text{Zh: "问题", En: "problem"}}}
	full.Changes = []filing.FieldChange{{Field: "website.name", Old: "a", New: "b"}, {Field: "subject.type", Old: "individual", New: "enterprise"},
		{Field: "website.domains", Old: "", New: "example.cn (示例公司)"}, {Field: "unknown.field", Old: "x", New: ""}}
	full.ReminderOffset = 24 * time.Hour
	full.Reason = "reason\nsecond line"
	full.Reply = &filing.StaffReply{Text: "first paragraph\nsecond line\n\nsecond paragraph", Staff: "李四"}
	full.OldEmail, full.NewEmail = "applicant@example.cn", "new@example.cn"
	full.Inbound = &filing.InboundRef{MessageID: "m@example.com", References: []string{"r@example.com"},
		From: "other@example.com", Subject: "回复：Re: [ICP#BA-2026-000001] subject", ReceivedAt: at, Understood: "已修改"}
	full.Alert = &filing.Alert{Action: string(filing.ActionResubmit), Actor: filing.ActorApplicant, Late: true,
		From: filing.StageReturned, To: filing.StageProviderReview, ItemID: 1, Summary: filing.Text{Zh: "提醒", En: "alert"}}
	out := []filing.Notice{full, minimal}
	variant := func(mod func(n *filing.Notice)) {
		n := full
		mod(&n)
		out = append(out, n)
	}
	switch k {
	case filing.EmailStaffDigest:
		out[0].Digest = sampleDigest(at, deadline, "https://console.example.cn/")
		variant(func(n *filing.Notice) { n.Digest = sampleDigest(at, deadline, "") })
	case filing.EmailStaffAlert:
		for _, a := range []filing.Alert{
			{Action: string(filing.ActionFlagOverdue), Actor: filing.ActorScheduler},
			{Action: actionEmailFailed, EmailKind: filing.EmailFilingApproved, Recipient: "a@example.cn",
				Reason: filing.FailureRecipientUnknown, Status: "550 5.1.1", Failures: 3, ItemID: 2},
			{Action: actionBounce, EmailKind: filing.EmailFilingApproved, Recipient: "a@example.cn",
				Reason: filing.FailureMailboxFull, Status: "552 5.2.2"},
			{Action: actionBounce},
			{Action: string(filing.ActionApprove), Actor: filing.ActorStaff, From: filing.StageBureauReview, To: filing.StageApproved},
			{Action: string(filing.ActionRemind), Actor: filing.ActorScheduler, From: filing.StageReturned, To: filing.StageReturned},
			{Action: actionEmailFailed, Summary: filing.Text{Zh: "提醒", En: "alert"}},
		} {
			variant(func(n *filing.Notice) { n.Alert = &a })
			variant(func(n *filing.Notice) { n.Alert, n.Reference = &a, "" })
		}
	case filing.EmailUnverifiedSender:
		variant(func(n *filing.Notice) {
			in := *n.Inbound
			in.From, in.NotAuthenticated = "", true
			n.Inbound = &in
		})
	case filing.EmailAccountEmailChanged:
		variant(func(n *filing.Notice) { n.To = n.NewEmail })
	case filing.EmailStaffReply:
		variant(func(n *filing.Notice) { n.Inbound = nil })
	}
	return out
}

// sampleDigest is a digest with every part filled.
func sampleDigest(at, deadline time.Time, console string) json.RawMessage {
	t := at
	line := filing.DigestFiling{Reference: "BA-2026-000001", Applicant: "张三", Account: "a@example.cn", Domain: "example.cn",
		Stage: filing.StageReturned, ReturnReason: "reason", ReturnedAt: &t, Deadline: &deadline, ResubmittedAt: &t, Late: true}
	item := filing.DigestItem{ID: 1, OpenedAt: at.Add(-50 * time.Hour), Filing: "BA-2026-000001", From: "a@example.cn",
		Subject: "s", Asks: "a", Deadline: &deadline}
	bounce := filing.DigestItem{ID: 2, OpenedAt: at, Recipient: "a@example.cn", Reason: filing.FailureRecipientUnknown, Status: "550 5.1.1"}
	d := filing.Digest{Date: "2026-12-01", GeneratedAt: at, Since: &t, ConsoleURL: console,
		Stages: []filing.StageCount{{Stage: filing.StageReturned, Count: 1}},
		Open: []filing.DigestSection{
			{Kind: filing.WorkOverdue, Total: 30, Items: []filing.DigestItem{item}},
			{Kind: filing.WorkReplyNeeded, Total: 1, Items: []filing.DigestItem{item}},
			{Kind: filing.WorkBounce, Total: 1, Items: []filing.DigestItem{bounce}},
			{Kind: filing.WorkEmailFailed, Total: 2, Groups: []filing.DigestEmailGroup{{Recipient: "a@example.cn", Count: 2,
				Reason: filing.FailureRecipientUnknown, Status: "550 5.1.1", Oldest: at, ItemIDs: []int64{3, 4},
				Filings: []string{"BA-2026-000001", "BA-2026-000002"}}}},
			{Kind: filing.WorkUnmatched, Total: 5},
			{Kind: "future_kind", Total: 1, Items: []filing.DigestItem{{ID: 5, OpenedAt: at}}},
		},
		OpenTotal:   40,
		Resubmitted: []filing.DigestFiling{line}, ResubmittedTotal: 2,
		DueSoon: []filing.DigestFiling{line}, DueSoonTotal: 1,
	}
	b, err := json.Marshal(d)
	if err != nil {
		return nil // cannot happen; the check would then report the missing digest
	}
	return b
}

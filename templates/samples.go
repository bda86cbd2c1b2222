package templates

import (
	"encoding/json"
	"time"

	"example.com/icpdesk/filing"
)

// samples returns, for the start-up check, a notice of kind k with every
// optional part filled and one with only what the kind requires, so a
// template is executed down both sides of its conditions.
func samples(k filing.EmailKind, lang filing.Language) []filing.Notice {
	at := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	deadline := time.Date(2026, 12, 8, 15, 59, 59, 0, time.UTC)
	minimal := filing.Notice{Kind: k, Language: lang, To: "applicant@example.cn", Account: "applicant@example.cn", At: at}
	if aboutFiling(k) {
		minimal.Reference = "BA-2026-000001"
	}
	switch k {
	case filing.EmailFilingSubmitted:
		minimal.Materials = []filing.Material{{Key: "verification_form", Copies: 2, Name: filing.Text{Zh: "真实性核验单", En: "Authenticity verification form"}}}
	case filing.EmailFilingReturnedProvider, filing.EmailFilingReturned:
		minimal.ReturnReason, minimal.Deadline = "reason", &deadline
	case filing.EmailFilingApproved:
		minimal.ICPNumber = "浙ICP备12345678号-1"
	case filing.EmailResubmissionLate, filing.EmailDeadlineReminder, filing.EmailDeadlinePassed:
		minimal.Deadline = &deadline
	case filing.EmailUnverifiedSender:
		minimal.Inbound = &filing.InboundRef{MessageID: "m@example.com", From: "other@example.com"}
	case filing.EmailStaffAlert:
		minimal.Alert = &filing.Alert{Summary: filing.Text{Zh: "提醒", En: "alert"}}
	case filing.EmailStaffDigest:
		minimal.Digest = json.RawMessage(`{"date":"2026-12-01","generated_at":"2026-12-01T01:00:00Z","stages":[]}`)
	}

	full := minimal
	full.ToName = "张三"
	full.Reference = "BA-2026-000001"
	full.RejectReason = "reason"
	full.SubjectType, full.SubjectName, full.WebsiteName = filing.SubjectEnterprise, "示例公司", "示例网站"
	full.Domains = []string{"www.example.cn", "example.com"}
	full.Stage = filing.StageReturned
	full.ReturnReason, full.ReturnSource = "reason", filing.ReturnedByBureau
	full.ReturnedAt, full.Deadline = &at, &deadline
	full.Late, full.Overdue = true, true
	full.ICPNumber, full.Password = "浙ICP备12345678号-1", "secret"
	full.Materials = append(full.Materials, filing.Material{Key: "domain_certificate", Copies: 2,
		Name: filing.Text{Zh: "域名证书", En: "Domain certificate"}, Note: filing.Text{Zh: "注", En: "note"}})
	full.RuleProblems = []filing.Problem{{Code: "x", Message: filing.Text{Zh: "问题", En: "problem"}}}
	full.ReminderOffset = 24 * time.Hour
	full.Inbound = &filing.InboundRef{MessageID: "m@example.com", References: []string{"r@example.com"},
		From: "other@example.com", Subject: "subject", ReceivedAt: at}
	full.Alert = &filing.Alert{Action: string(filing.ActionResubmit), Actor: filing.ActorApplicant,
		From: filing.StageReturned, To: filing.StageProviderReview, Summary: filing.Text{Zh: "提醒", En: "alert"}}
	if k == filing.EmailStaffDigest {
		t := at
		line := filing.DigestFiling{Reference: "BA-2026-000001", Applicant: "张三", Account: "a@example.cn", Domain: "example.cn",
			Stage: filing.StageReturned, ReturnReason: "reason", ReturnedAt: &t, Deadline: &deadline, ResubmittedAt: &t, Late: true}
		msg := filing.DigestMessage{ID: 1, From: "a@example.cn", Subject: "s", ReceivedAt: at, Filing: "BA-2026-000001", Error: "e"}
		d := filing.Digest{Date: "2026-12-01", GeneratedAt: at, Since: &t,
			Stages:      []filing.StageCount{{Stage: filing.StageReturned, Count: 1}},
			Resubmitted: []filing.DigestFiling{line}, DueSoon: []filing.DigestFiling{line}, Overdue: []filing.DigestFiling{line},
			Unlinked: []filing.DigestMessage{msg}, Unverified: []filing.DigestMessage{msg}, Unparseable: []filing.DigestMessage{msg},
			FailedEmails: []filing.DigestEmail{{ID: 1, Kind: filing.EmailFilingApproved, To: "a@example.cn", Filing: "BA-2026-000001",
				Error: "550", Attempts: 1, CreatedAt: at}}}
		b, err := json.Marshal(d)
		if err == nil {
			full.Digest = b
		}
	}
	return []filing.Notice{full, minimal}
}

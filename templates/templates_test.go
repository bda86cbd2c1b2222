package templates_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/filing/filingtest"
	"example.com/icpdesk/templates"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

var shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// desk is the example desk of config.Default.
var desk = templates.DeskInfo{
	Name:            "示例云备案中心",
	NameEn:          "Example Cloud ICP Filing Desk",
	Address:         "icp@example.cn",
	PostalAddress:   "浙江省杭州市西湖区示例路 1 号",
	PostalAddressEn: "1 Example Road, Xihu District, Hangzhou, Zhejiang",
	Phone:           "0571-8800 0000",
	Website:         "https://www.example.cn",
	FilingSystemURL: "https://beian.example.cn",
}

func newRenderer(t testing.TB) *templates.Renderer {
	t.Helper()
	r, err := templates.New(desk, "", shanghai)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var (
	submittedAt = time.Date(2026, 11, 20, 9, 30, 0, 0, shanghai)
	returnedAt  = time.Date(2026, 12, 1, 15, 30, 0, 0, shanghai)
	deadline    = filing.Deadline(returnedAt, 7, shanghai) // 2026-12-08 23:59:59 CST
)

// enterprise is the fixture enterprise filing, with a domain registered to
// someone else so the checklist email reports a rule problem.
func enterprise(t testing.TB) filing.Filing {
	t.Helper()
	f, probs := filing.NewFiling(filingtest.Enterprise("BA-2026-000123", "zhangsan@example.cn"), filingtest.Fingerprinter(), submittedAt)
	if len(probs) > 0 {
		t.Fatalf("fixture: %v", probs)
	}
	// Import refuses this; a filing changed in the filing system afterwards can have it.
	f.Website.Domains[1].Registrant = "杭州另一家科技有限公司"
	return f
}

func individual(t testing.TB) filing.Filing {
	t.Helper()
	f, probs := filing.NewFiling(filingtest.Individual("BA-2026-000124", "wangwu@example.com"), filingtest.Fingerprinter(), submittedAt)
	if len(probs) > 0 {
		t.Fatalf("fixture: %v", probs)
	}
	return f
}

// notice is the fixed notice of kind k used by the golden files.
func notice(t testing.TB, k filing.EmailKind, lang filing.Language) filing.Notice {
	t.Helper()
	f := enterprise(t)
	n := filing.Notice{
		Kind: k, Language: lang, To: "zhangsan@example.cn", ToName: "张三", At: returnedAt.UTC(),
		Reference: f.Reference, Account: "zhangsan@example.cn",
		SubjectType: f.Subject.Type, SubjectName: f.Subject.Name, WebsiteName: f.Website.Name,
		Domains: []string{"shop.example.cn", "示例.中国"},
	}
	inbound := &filing.InboundRef{MessageID: "CAF=reply.1@mail.example.com", References: []string{"icpdesk.0001@example.cn"},
		From: "zhangsan@example.cn", Subject: "Re: [ICP#BA-2026-000123] 已修改,请重新审核", ReceivedAt: time.Date(2026, 12, 3, 10, 12, 0, 0, shanghai).UTC()}
	d := deadline.UTC()
	r := returnedAt.UTC()
	switch k {
	case filing.EmailAccountApproved:
		n.Reference, n.SubjectType, n.SubjectName, n.WebsiteName, n.Domains = "", "", "", "", nil
	case filing.EmailAccountRejected:
		n.Reference, n.SubjectType, n.SubjectName, n.WebsiteName, n.Domains = "", "", "", "", nil
		n.RejectReason = "注册信息中的联系电话无法接通,请核实后重新注册。"
	case filing.EmailFilingSubmitted:
		n.Stage = filing.StageProviderReview
		n.Materials = filing.Checklist(f)
		n.RuleProblems = filing.CheckRules(f)
	case filing.EmailFilingReturnedProvider:
		n.Stage, n.ReturnSource, n.ReturnedAt, n.Deadline = filing.StageDraft, filing.ReturnedByProvider, &r, &d
		n.ReturnReason = "真实性核验单网站负责人处签字与身份证姓名不一致。\n请重新打印核验单并由网站负责人本人签字。"
	case filing.EmailFilingReturned:
		n.Stage, n.ReturnSource, n.ReturnedAt, n.Deadline = filing.StageReturned, filing.ReturnedByBureau, &r, &d
		n.ReturnReason = "网站名称与网站内容不符,请修改网站名称。"
	case filing.EmailFilingSentToBureau:
		n.Stage = filing.StageBureauReview
	case filing.EmailStaffSetPassword:
		n.Reference, n.SubjectType, n.SubjectName, n.WebsiteName, n.Domains = "", "", "", "", nil
		n.To, n.ToName, n.Deadline = "wangfang@example.cn", "王芳", &d
		n.Password = "https://icpdesk.example.cn/set-password?token=Xq7pL2mYv9"
	case filing.EmailFilingApproved:
		n.Stage = filing.StageApproved
		n.ICPNumber = "浙ICP备12345678号-1"
		n.Password = "Xq7#pL2m"
	case filing.EmailResubmissionReceived:
		n.Stage, n.Deadline, n.Inbound = filing.StageProviderReview, &d, inbound
	case filing.EmailResubmissionLate:
		n.Stage, n.Deadline, n.Inbound, n.Late = filing.StageProviderReview, &d, inbound, true
	case filing.EmailUnverifiedSender:
		n.Stage = filing.StageReturned
		n.Inbound = &filing.InboundRef{MessageID: "x1@mail.example.com", From: "someone.else@example.com",
			Subject: "BA-2026-000123 已经改好了", ReceivedAt: inbound.ReceivedAt}
	case filing.EmailDeadlineReminder:
		n.Stage, n.ReturnSource, n.ReturnedAt, n.Deadline = filing.StageReturned, filing.ReturnedByBureau, &r, &d
		n.ReturnReason = "网站名称与网站内容不符,请修改网站名称。"
		n.ReminderOffset = 24 * time.Hour
	case filing.EmailDeadlinePassed:
		n.Stage, n.ReturnSource, n.ReturnedAt, n.Deadline, n.Overdue = filing.StageReturned, filing.ReturnedByBureau, &r, &d, true
		n.ReturnReason = "网站名称与网站内容不符,请修改网站名称。"
	case filing.EmailStaffAlert:
		n.To, n.ToName, n.Language = "icp-staff@example.cn", "", lang
		n.Stage, n.Deadline, n.Inbound, n.Late = filing.StageProviderReview, &d, inbound, true
		n.Alert = &filing.Alert{Action: string(filing.ActionResubmit), Actor: filing.ActorApplicant, Late: true, ItemID: 512,
			From: filing.StageReturned, To: filing.StageProviderReview,
			Summary: filing.Text{Zh: "备案 BA-2026-000123 在期限过后重新提交,请决定是否受理。",
				En: "Filing BA-2026-000123 was resubmitted after its deadline; please decide whether to accept it."}}
	case filing.EmailStaffDigest:
		n = filing.Notice{Kind: k, Language: lang, To: "icp-staff@example.cn", At: time.Date(2026, 12, 9, 9, 0, 0, 0, shanghai).UTC()}
		n.Digest = digestJSON(t)
	case filing.EmailStaffReply:
		n.Stage, n.Deadline = filing.StageReturned, &d
		n.Inbound = &filing.InboundRef{MessageID: "CAF=q.7@mail.example.com", From: "zhangsan@example.cn",
			Subject: "回复：Re: [ICP#BA-2026-000123] 管局退回备案，网站名称怎么改？", ReceivedAt: inbound.ReceivedAt}
		n.Reply = &filing.StaffReply{Staff: "李敏", Text: "网站名称需要与网站的实际内容相符。您的网站主要销售茶叶，建议将网站名称改为“示例茶叶商城”。\n" +
			"名称中请不要使用“中国”“国家”等字样。\n\n修改后请在备案系统中重新提交，并回复本邮件告知我们。"}
		if lang == filing.LangEnglish {
			n.Inbound.Subject = "RE: Fwd: [ICP#BA-2026-000123] How should I change the website name?"
			n.Reply.Staff, n.Reply.Text = "Li Min", "The website name must match what the site offers. As your site mainly sells tea, "+
				"we suggest \"Example Tea Shop\".\nPlease do not use words such as \"China\" or \"National\" in the name.\n\n"+
				"Once you have changed it, resubmit the filing in the filing system and reply to this email to let us know."
		}
	case filing.EmailDeadlineExtended:
		nd := d.Add(7 * 24 * time.Hour)
		n.Stage, n.ReturnSource, n.ReturnedAt, n.Deadline, n.PreviousDeadline = filing.StageReturned, filing.ReturnedByBureau, &r, &nd, &d
		n.ReturnReason = "网站名称与网站内容不符,请修改网站名称。"
		n.Reason = inLang(lang, "您需要补办域名证书，我们同意延长重新提交期限。", "You need a new domain certificate, so we have extended the deadline.")
	case filing.EmailFilingWithdrawn:
		n.Stage = filing.StageClosed
		n.Reason = inLang(lang, "应主办者要求撤回。", "Withdrawn at the applicant's request.")
	case filing.EmailLateAccepted:
		n.Stage, n.Deadline = filing.StageProviderReview, &d
	case filing.EmailLateDeclined:
		n.Stage, n.Deadline = filing.StageClosed, &d
		n.Reason = inLang(lang, "重新提交已超过期限 30 天，且网站内容已发生变化，请重新提交新的备案申请。",
			"The resubmission came 30 days after the deadline and the website has changed since: please submit a new filing.")
	case filing.EmailResubmissionUndone:
		nd := d.Add(3 * 24 * time.Hour)
		n.Stage, n.ReturnSource, n.ReturnedAt, n.Deadline = filing.StageReturned, filing.ReturnedByBureau, &r, &nd
		n.ReturnReason = "网站名称与网站内容不符,请修改网站名称。"
		n.Reason = inLang(lang, "您在来信中说明尚未完成修改，我们误将其记录为已重新提交。原期限已过，现给予新的期限。",
			"Your message said the correction was not finished yet, and we recorded it as a resubmission by mistake. The original deadline has passed, so you have a new one.")
	case filing.EmailAccountEmailChanged:
		n.Reference, n.SubjectType, n.SubjectName, n.WebsiteName, n.Domains = "", "", "", "", nil
		n.OldEmail, n.NewEmail = "zhangsan@example.cn", "zhang.san@mail.example.com"
	case filing.EmailChecklistUpdated:
		g := f
		g.Website.Responsible = f.Subject.Responsible
		n.Stage = filing.StageProviderReview
		n.Changes = filing.Diff(f, g, true)
		n.Materials = filing.Checklist(g)
		n.RuleProblems = filing.CheckRules(g)
	}
	return n
}

func inLang(lang filing.Language, zh, en string) string {
	if lang == filing.LangEnglish {
		return en
	}
	return zh
}

var digestAt = time.Date(2026, 12, 9, 9, 0, 0, 0, shanghai).UTC()

func digestJSON(t testing.TB) json.RawMessage {
	t.Helper()
	gen := digestAt
	since := gen.Add(-24 * time.Hour)
	ret1 := time.Date(2026, 12, 3, 16, 0, 0, 0, shanghai).UTC()
	dl1 := filing.Deadline(ret1, 7, shanghai).UTC()
	ret2 := time.Date(2026, 12, 1, 11, 0, 0, 0, shanghai).UTC()
	dl2 := filing.Deadline(ret2, 7, shanghai).UTC()
	resub := time.Date(2026, 12, 8, 20, 5, 0, 0, shanghai).UTC()
	ago := func(h int) time.Time { return gen.Add(-time.Duration(h) * time.Hour) }
	d := filing.Digest{
		Date: "2026-12-09", GeneratedAt: gen, Since: &since,
		Stages: []filing.StageCount{{Stage: filing.StageDraft, Count: 3}, {Stage: filing.StageProviderReview, Count: 5},
			{Stage: filing.StageBureauReview, Count: 2}, {Stage: filing.StageReturned, Count: 4}, {Stage: filing.StageApproved, Count: 17},
			{Stage: filing.StageClosed, Count: 1}},
		// Out of WorkKinds order, as a scheduler might send them.
		Open: []filing.DigestSection{
			{Kind: filing.WorkEmailFailed, Total: 3, Groups: []filing.DigestEmailGroup{{Recipient: "w***@example.com", Count: 3,
				Reason: filing.FailureRecipientUnknown, Status: "550 5.1.1", Oldest: ago(30), ItemIDs: []int64{77, 78, 79},
				Filings: []string{"BA-2026-000118", "BA-2026-000117"}}}},
			{Kind: filing.WorkReplyNeeded, Total: 2, Items: []filing.DigestItem{
				{ID: 502, OpenedAt: ago(5), Filing: "BA-2026-000121", From: "l***@example.com", Subject: "Re: [ICP#BA-2026-000121] 期限",
					Asks: "能否把重新提交期限延长一周？域名证书还在补办。", Deadline: &dl1},
				{ID: 501, OpenedAt: ago(50), Filing: "BA-2026-000123", From: "z***@example.cn", Subject: "网站名称怎么改？"}}},
			{Kind: filing.WorkOverdue, Total: 1, Items: []filing.DigestItem{{ID: 480, OpenedAt: ago(9), Filing: "BA-2026-000119", Deadline: &dl2}}},
			{Kind: filing.WorkMisread, Total: 1, Items: []filing.DigestItem{{ID: 490, OpenedAt: ago(2), Filing: "BA-2026-000120",
				From: "z***@example.cn", Asks: "我还没有重新提交，只是问一下"}}},
			{Kind: filing.WorkUnverified, Total: 1, Items: []filing.DigestItem{{ID: 302, OpenedAt: resub, Filing: "BA-2026-000123",
				From: "s***@example.com", Subject: "BA-2026-000123 已经改好了"}}},
			{Kind: filing.WorkUnmatched, Total: 1, Items: []filing.DigestItem{{ID: 301, OpenedAt: resub, From: "u***@example.com", Subject: "咨询备案进度"}}},
			{Kind: filing.WorkBounce, Total: 1, Items: []filing.DigestItem{{ID: 310, OpenedAt: ago(1), Filing: "BA-2026-000116",
				Recipient: "q***@example.cn", Reason: filing.FailureMailboxFull, Status: "552 5.2.2"}}},
		},
		OpenTotal: 10,
		Resubmitted: []filing.DigestFiling{{Reference: "BA-2026-000120", Applicant: "赵**", Account: "z***@example.cn", Domain: "zhao.example.cn",
			Stage: filing.StageProviderReview, ReturnedAt: &ret2, Deadline: &dl2, ResubmittedAt: &resub}},
		ResubmittedTotal: 1,
		DueSoon: []filing.DigestFiling{{Reference: "BA-2026-000121", Applicant: "李**", Account: "l***@example.com", Domain: "li.example.com",
			Stage: filing.StageReturned, ReturnReason: "网站名称与内容不符", ReturnedAt: &ret1, Deadline: &dl1}},
		DueSoonTotal: 1,
	}
	return mustJSON(t, d)
}

// bigDigestJSON is a digest with 10,000 overdue filings, of which it lists
// the oldest 20, and a console to link to.
func bigDigestJSON(t testing.TB) json.RawMessage {
	t.Helper()
	gen := digestAt
	var items []filing.DigestItem
	for i := range filing.DigestRows {
		dl := gen.Add(-time.Duration(400-i*7) * time.Hour)
		items = append(items, filing.DigestItem{ID: int64(1000 + i), OpenedAt: dl.Add(time.Second),
			Filing: fmt.Sprintf("BA-2026-%06d", 100+i), Deadline: &dl})
	}
	d := filing.Digest{Date: "2026-12-09", GeneratedAt: gen, ConsoleURL: "https://icpdesk.example.cn/console/",
		Stages: []filing.StageCount{{Stage: filing.StageReturned, Count: 10000}},
		Open: []filing.DigestSection{
			{Kind: filing.WorkOverdue, Total: 10000, Items: items},
			{Kind: filing.WorkReplyNeeded, Total: 3, Items: []filing.DigestItem{{ID: 900, OpenedAt: gen.Add(-26 * time.Hour),
				Filing: "BA-2026-000999", From: "a***@example.com",
				Subject: "Re:[ICP#BA-2026-000999]PleaseExtendTheDeadlineBecauseTheDomainCertificateIsStillBeingIssuedByTheRegistrar"}}},
			{Kind: filing.WorkEmailFailed, Total: 41, Groups: []filing.DigestEmailGroup{{Recipient: "x***@example.org", Count: 41,
				Reason: filing.FailureRecipientUnknown, Status: "550 5.1.1", Oldest: gen.Add(-3 * time.Hour), ItemIDs: []int64{5001, 5002},
				Filings: []string{"BA-2026-000500"}}}},
		},
		OpenTotal: 10044,
		Resubmitted: []filing.DigestFiling{{Reference: "BA-2026-000120", Applicant: "赵**", Account: "z***@example.cn",
			Domain: "zhao.example.cn", ResubmittedAt: &gen}},
		ResubmittedTotal: 25,
	}
	return mustJSON(t, d)
}

func mustJSON(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// variants are golden notices beyond the one per kind: the wordings only
// some notices take.
var variants = []struct {
	kind filing.EmailKind
	name string
	mod  func(t testing.TB, n *filing.Notice)
}{
	{filing.EmailResubmissionReceived, "understood", understood},
	{filing.EmailResubmissionLate, "understood", understood},
	{filing.EmailUnverifiedSender, "not_authenticated", func(t testing.TB, n *filing.Notice) {
		// As the inbox sends it: neither the sender nor the subject.
		in := *n.Inbound
		in.From, in.Subject, in.NotAuthenticated = "", "", true
		n.Inbound = &in
	}},
	{filing.EmailStaffDigest, "10000", func(t testing.TB, n *filing.Notice) { n.Digest = bigDigestJSON(t) }},
	{filing.EmailStaffDigest, "empty", func(t testing.TB, n *filing.Notice) {
		n.Digest = mustJSON(t, filing.Digest{Date: "2026-12-09", GeneratedAt: digestAt,
			Stages: []filing.StageCount{{Stage: filing.StageApproved, Count: 17}}})
	}},
	{filing.EmailStaffAlert, "overdue", func(t testing.TB, n *filing.Notice) {
		n.Stage, n.Inbound, n.Late = filing.StageReturned, nil, false
		n.Alert = &filing.Alert{Action: string(filing.ActionFlagOverdue), Actor: filing.ActorScheduler, ItemID: 480}
	}},
	{filing.EmailStaffAlert, "email_failed", func(t testing.TB, n *filing.Notice) {
		n.Stage, n.Inbound, n.Deadline, n.Late = filing.StageApproved, nil, nil, false
		n.Alert = &filing.Alert{Action: "email_failed", EmailKind: filing.EmailFilingApproved, Recipient: "zhangsan@example.cn",
			Reason: filing.FailureRecipientUnknown, Status: "550 5.1.1", Failures: 3, ItemID: 77}
	}},
	{filing.EmailStaffAlert, "bounce", func(t testing.TB, n *filing.Notice) {
		n.Stage, n.Inbound, n.Deadline, n.Late = filing.StageBureauReview, nil, nil, false
		n.Alert = &filing.Alert{Action: "bounce", EmailKind: filing.EmailFilingSentToBureau, Recipient: "z***@example.cn",
			Reason: filing.FailureMailboxFull, Status: "552 5.2.2", ItemID: 310}
	}},
	{filing.EmailStaffAlert, "transition", func(t testing.TB, n *filing.Notice) {
		n.Stage, n.Inbound, n.Deadline, n.Late = filing.StageApproved, nil, nil, false
		n.Alert = &filing.Alert{Action: string(filing.ActionApprove), Actor: filing.ActorStaff,
			From: filing.StageBureauReview, To: filing.StageApproved}
	}},
	{filing.EmailStaffAlert, "summary", func(t testing.TB, n *filing.Notice) {
		// Queued by an older version: Summary is all it has to say.
		n.Reference, n.SubjectType, n.SubjectName, n.WebsiteName, n.Domains, n.Inbound = "", "", "", "", nil, nil
		n.Stage, n.Deadline, n.Late = "", nil, false
		n.Alert = &filing.Alert{Action: "email_failed", Summary: filing.Text{
			Zh: "发给 z***@example.cn 的“备案成功”邮件被收件服务器拒收：550 5.1.1\n核实原因后，可运行 icpdesk outbox retry 12 重新发送。",
			En: "The “filing approved” email to z***@example.cn was rejected by the receiving server: 550 5.1.1\nOnce the cause is fixed, resend it with: icpdesk outbox retry 12"}}
	}},
	{filing.EmailAccountEmailChanged, "new_address", func(t testing.TB, n *filing.Notice) { n.To = n.NewEmail }},
}

func understood(t testing.TB, n *filing.Notice) {
	in := *n.Inbound
	in.Understood = "已修改,请重新审核"
	if n.Language == filing.LangEnglish {
		in.Understood = "I have corrected it, please review it again"
	}
	n.Inbound = &in
}

func golden(e templates.Email) string {
	return "Subject: " + e.Subject + "\n\n===== text/plain =====\n" + e.Text + "\n===== text/html =====\n" + e.HTML
}

// TestGolden renders every kind and every variant in every language with
// fixed data and compares it with testdata/golden (go test -update rewrites
// them).
func TestGolden(t *testing.T) {
	r := newRenderer(t)
	type goldenCase struct {
		name string
		n    func(t testing.TB, lang filing.Language) filing.Notice
	}
	var cases []goldenCase
	for _, k := range filing.EmailKinds {
		cases = append(cases, goldenCase{string(k), func(t testing.TB, lang filing.Language) filing.Notice { return notice(t, k, lang) }})
	}
	for _, v := range variants {
		cases = append(cases, goldenCase{string(v.kind) + "." + v.name, func(t testing.TB, lang filing.Language) filing.Notice {
			n := notice(t, v.kind, lang)
			v.mod(t, &n)
			return n
		}})
	}
	for _, lang := range templates.Languages {
		for _, c := range cases {
			t.Run(string(lang)+"/"+c.name, func(t *testing.T) {
				e, err := r.Render(c.n(t, lang))
				if err != nil {
					t.Fatal(err)
				}
				got := golden(e)
				path := filepath.Join("testdata", "golden", string(lang), c.name+".golden")
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./templates -update to create it)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from the rendered email (go test ./templates -update rewrites it):\n%s", path, firstDiff(string(want), got))
				}
			})
		}
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g
		}
	}
	return "(no line differs)"
}

package templates_test

import (
	"encoding/json"
	"flag"
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
		n.Alert = &filing.Alert{Action: string(filing.ActionResubmit), Actor: filing.ActorApplicant,
			From: filing.StageReturned, To: filing.StageProviderReview,
			Summary: filing.Text{Zh: "备案 BA-2026-000123 在期限过后重新提交,请决定是否受理。",
				En: "Filing BA-2026-000123 was resubmitted after its deadline; please decide whether to accept it."}}
	case filing.EmailStaffDigest:
		n = filing.Notice{Kind: k, Language: lang, To: "icp-staff@example.cn", At: time.Date(2026, 12, 9, 9, 0, 0, 0, shanghai).UTC()}
		n.Digest = digestJSON(t)
	}
	return n
}

func digestJSON(t testing.TB) json.RawMessage {
	t.Helper()
	gen := time.Date(2026, 12, 9, 9, 0, 0, 0, shanghai).UTC()
	since := gen.Add(-24 * time.Hour)
	ret1 := time.Date(2026, 12, 3, 16, 0, 0, 0, shanghai).UTC()
	dl1 := filing.Deadline(ret1, 7, shanghai).UTC()
	ret2 := time.Date(2026, 12, 1, 11, 0, 0, 0, shanghai).UTC()
	dl2 := filing.Deadline(ret2, 7, shanghai).UTC()
	resub := time.Date(2026, 12, 8, 20, 5, 0, 0, shanghai).UTC()
	d := filing.Digest{
		Date: "2026-12-09", GeneratedAt: gen, Since: &since,
		Stages: []filing.StageCount{{Stage: filing.StageDraft, Count: 3}, {Stage: filing.StageProviderReview, Count: 5},
			{Stage: filing.StageBureauReview, Count: 2}, {Stage: filing.StageReturned, Count: 4}, {Stage: filing.StageApproved, Count: 17}},
		Resubmitted: []filing.DigestFiling{{Reference: "BA-2026-000120", Applicant: "赵**", Account: "z***@example.cn", Domain: "zhao.example.cn",
			Stage: filing.StageProviderReview, ReturnedAt: &ret2, Deadline: &dl2, ResubmittedAt: &resub}},
		DueSoon: []filing.DigestFiling{{Reference: "BA-2026-000121", Applicant: "李**", Account: "l***@example.com", Domain: "li.example.com",
			Stage: filing.StageReturned, ReturnReason: "网站名称与内容不符", ReturnedAt: &ret1, Deadline: &dl1}},
		Overdue: []filing.DigestFiling{{Reference: "BA-2026-000119", Applicant: "钱**", Account: "q***@example.cn", Domain: "qian.example.cn",
			Stage: filing.StageReturned, ReturnedAt: &ret2, Deadline: &dl2}},
		Unlinked: []filing.DigestMessage{{ID: 301, From: "u***@example.com", Subject: "咨询备案进度", ReceivedAt: resub}},
		Unverified: []filing.DigestMessage{{ID: 302, From: "s***@example.com", Subject: "BA-2026-000123 已经改好了",
			ReceivedAt: resub, Filing: "BA-2026-000123"}},
		FailedEmails: []filing.DigestEmail{{ID: 77, Kind: filing.EmailFilingApproved, To: "w***@example.com", Filing: "BA-2026-000118",
			Error: "550 5.1.1 mailbox unavailable", Attempts: 1, CreatedAt: resub}},
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func golden(e templates.Email) string {
	return "Subject: " + e.Subject + "\n\n===== text/plain =====\n" + e.Text + "\n===== text/html =====\n" + e.HTML
}

// TestGolden renders every kind in every language with fixed data and
// compares it with testdata/golden (go test -update rewrites them).
func TestGolden(t *testing.T) {
	r := newRenderer(t)
	for _, lang := range templates.Languages {
		for _, k := range filing.EmailKinds {
			t.Run(string(lang)+"/"+string(k), func(t *testing.T) {
				e, err := r.Render(notice(t, k, lang))
				if err != nil {
					t.Fatal(err)
				}
				got := golden(e)
				path := filepath.Join("testdata", "golden", string(lang), string(k)+".golden")
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

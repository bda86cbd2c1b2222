package templates_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/templates"
)

// TestEveryKindCarriesTheTag: replies link back by the tag in the subject.
func TestEveryKindCarriesTheTag(t *testing.T) {
	r := newRenderer(t)
	for _, lang := range templates.Languages {
		for _, k := range filing.EmailKinds {
			n := notice(t, k, lang)
			n.Reference = "BA-2026-000999"
			e, err := r.Render(n)
			if err != nil {
				t.Fatalf("%s %s: %v", lang, k, err)
			}
			if !strings.Contains(e.Subject, "[ICP#BA-2026-000999]") {
				t.Errorf("%s %s: subject %q lacks the reference tag", lang, k, e.Subject)
			}
		}
	}
}

// TestApplicantTextIsInert: names and reasons come from applicants and the
// filing system. In HTML they must be escaped; in the subject they must stay
// on one line so no header can be injected.
func TestApplicantTextIsInert(t *testing.T) {
	r := newRenderer(t)
	const evil = "<script>alert('x')</script>\r\nBcc: victim@example.com\r\n\r\n<img src=x onerror=alert(1)>"
	for _, lang := range templates.Languages {
		for _, k := range filing.EmailKinds {
			n := notice(t, k, lang)
			n.ToName = "张三" + evil
			n.SubjectName = "杭州示例" + evil
			n.WebsiteName = "示例商城" + evil
			if n.ReturnReason != "" {
				n.ReturnReason += evil
			}
			if n.RejectReason != "" {
				n.RejectReason += evil
			}
			if n.Inbound != nil {
				in := *n.Inbound
				in.Subject += evil
				if in.Understood != "" {
					in.Understood += evil
				}
				n.Inbound = &in
			}
			if n.Alert != nil {
				a := *n.Alert
				a.Summary.Zh += evil
				a.Summary.En += evil
				n.Alert = &a
			}
			if n.ICPNumber != "" {
				n.ICPNumber += "\r\nBcc: victim@example.com"
			}
			if n.Reason != "" {
				n.Reason += evil
			}
			if n.Reply != nil {
				n.Reply = &filing.StaffReply{Text: n.Reply.Text + evil, Staff: n.Reply.Staff + evil}
			}
			for i := range n.Changes {
				n.Changes[i].New += evil
			}
			e, err := r.Render(n)
			if err != nil {
				t.Fatalf("%s %s: %v", lang, k, err)
			}
			if strings.ContainsAny(e.Subject, "\r\n") {
				t.Errorf("%s %s: subject spans lines: %q", lang, k, e.Subject)
			}
			low := strings.ToLower(e.HTML)
			if strings.Contains(low, "<script") || strings.Contains(low, "<img") {
				t.Errorf("%s %s: applicant markup reached the HTML unescaped", lang, k)
			}
			if k != filing.EmailStaffDigest && !strings.Contains(e.HTML, "&lt;script&gt;") {
				t.Errorf("%s %s: the escaped name is missing from the HTML", lang, k)
			}
			if strings.Contains(e.Text, "\r") {
				t.Errorf("%s %s: a bare CR reached the text body", lang, k)
			}
		}
	}
}

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"a\r\nBcc: x@example.com":  "a Bcc: x@example.com",
		"  a \t b\u2028c\u0085d  ": "a b c d",
		"备案\n成功":                   "备案 成功",
	} {
		if got := templates.OneLine(in); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
	}
	long := strings.Repeat("长", 500)
	if got := templates.OneLine(long); len([]rune(got)) != 200 || !strings.HasSuffix(got, "…") {
		t.Errorf("a long subject is not cut to 200 runes: %d", len([]rune(got)))
	}
}

// TestPasswordOnlyWhenPresent: the approval email names the filing password
// only when the bureau issued one, and always states the footer duty.
func TestPasswordOnlyWhenPresent(t *testing.T) {
	r := newRenderer(t)
	for _, lang := range templates.Languages {
		label := map[filing.Language]string{filing.LangChinese: "备案密码", filing.LangEnglish: "Filing password"}[lang]
		n := notice(t, filing.EmailFilingApproved, lang)
		with, err := r.Render(n)
		if err != nil {
			t.Fatal(err)
		}
		n.Password = ""
		without, err := r.Render(n)
		if err != nil {
			t.Fatal(err)
		}
		for part, s := range map[string]string{"text": with.Text, "html": with.HTML} {
			if !strings.Contains(s, "Xq7#pL2m") || !strings.Contains(s, label) {
				t.Errorf("%s %s: the password is missing", lang, part)
			}
		}
		for part, s := range map[string]string{"text": without.Text, "html": without.HTML, "subject": without.Subject} {
			if strings.Contains(s, label) || strings.Contains(strings.ToLower(s), "password") {
				t.Errorf("%s %s: mentions a password although none was recorded", lang, part)
			}
		}
		if strings.Contains(with.Subject, "Xq7#pL2m") {
			t.Errorf("%s: the password is in the subject", lang)
		}
		for _, e := range []templates.Email{with, without} {
			if !strings.Contains(e.Text, "https://beian.miit.gov.cn") || !strings.Contains(e.HTML, `href="https://beian.miit.gov.cn"`) ||
				!strings.Contains(e.Text, "浙ICP备12345678号-1") || !strings.Contains(e.Subject, "浙ICP备12345678号-1") {
				t.Errorf("%s: the ICP number or the MIIT link is missing", lang)
			}
		}
	}
}

// TestChecklistFollowsSubjectType: individuals sign with a fingerprint and
// never need the authorization letter; this enterprise needs it.
func TestChecklistFollowsSubjectType(t *testing.T) {
	r := newRenderer(t)
	ind := individual(t)
	n := notice(t, filing.EmailFilingSubmitted, filing.LangChinese)
	n.Reference, n.SubjectType, n.SubjectName = ind.Reference, ind.Subject.Type, ind.Subject.Name
	n.Materials, n.RuleProblems = filing.Checklist(ind), filing.CheckRules(ind)
	e, err := r.Render(n)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"按手印", "负责人（王五）身份证复印件 2 份", "不得代签", "现场核验", "有任何涂改即无效"} {
		if !strings.Contains(e.Text, want) || !strings.Contains(e.HTML, want) {
			t.Errorf("individual checklist lacks %q", want)
		}
	}
	for _, bad := range []string{"授权书", "加盖公章", "营业执照", "请先修改"} {
		if strings.Contains(e.Text, bad) {
			t.Errorf("individual checklist mentions %q", bad)
		}
	}
	ent, err := r.Render(notice(t, filing.EmailFilingSubmitted, filing.LangEnglish))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Website filing authorization letter", "sealed with the official seal", "Please correct these first", "registered to"} {
		if !strings.Contains(ent.Text, want) {
			t.Errorf("enterprise checklist lacks %q", want)
		}
	}
}

// TestDeadlineInDeskZone: the exact deadline, to the second, in the desk's
// zone — also for a desk outside China.
func TestDeadlineInDeskZone(t *testing.T) {
	r := newRenderer(t)
	zh, err := r.Render(notice(t, filing.EmailFilingReturned, filing.LangChinese))
	if err != nil {
		t.Fatal(err)
	}
	if want := "2026年12月8日 星期二 23:59:59（北京时间）"; !strings.Contains(zh.Text, want) || !strings.Contains(zh.HTML, want) {
		t.Errorf("zh deadline %q missing:\n%s", want, zh.Text)
	}
	if !strings.Contains(zh.Subject, "12月8日 23:59") {
		t.Errorf("zh subject lacks the deadline: %q", zh.Subject)
	}
	en, err := r.Render(notice(t, filing.EmailFilingReturned, filing.LangEnglish))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Tuesday 8 December 2026, 23:59:59 China Standard Time (UTC+08:00)"; !strings.Contains(en.Text, want) {
		t.Errorf("en deadline %q missing:\n%s", want, en.Text)
	}
	for _, want := range []string{"Resubmit it in the filing system", "reply to this email", "https://beian.example.cn"} {
		if !strings.Contains(en.Text, want) {
			t.Errorf("en return email lacks what to do: %q", want)
		}
	}

	berlin, err := templates.New(desk, "", mustZone("Europe/Berlin"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := berlin.Render(notice(t, filing.EmailFilingReturned, filing.LangEnglish))
	if err != nil {
		t.Fatal(err)
	}
	// The same instant, 2026-12-08 15:59:59 UTC, in Berlin's winter time.
	if want := "Tuesday 8 December 2026, 16:59:59 Europe/Berlin time (UTC+01:00)"; !strings.Contains(e.Text, want) {
		t.Errorf("Berlin deadline %q missing:\n%s", want, e.Text)
	}
}

// TestDigestMasksPersonalData: the digest shows names and addresses masked
// even if the scheduler passed them in clear.
func TestDigestMasksPersonalData(t *testing.T) {
	r := newRenderer(t)
	n := notice(t, filing.EmailStaffDigest, filing.LangChinese)
	n.Digest = []byte(strings.NewReplacer(`"赵**"`, `"赵六六"`, `"z***@example.cn"`, `"zhaoliu@example.cn"`,
		`"w***@example.com"`, `"wangwu@example.com"`).Replace(string(n.Digest)))
	e, err := r.Render(n)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{e.Text, e.HTML} {
		if strings.Contains(s, "赵六六") || strings.Contains(s, "zhaoliu@") || strings.Contains(s, "wangwu@") {
			t.Errorf("digest shows personal data in clear")
		}
		for _, want := range []string{"赵**", "z***@example.cn", "w***@example.com", "BA-2026-000121", "2026-12-10 23:59", "#302",
			"收件地址不存在（550 5.1.1）", "2 天", "5 小时", "已超期 9 小时", "剩余 38 小时"} {
			if !strings.Contains(s, want) {
				t.Errorf("digest lacks %q", want)
			}
		}
	}
	for _, want := range []string{"#501 BA-2026-000123 z***@example.cn，已等待 2 天", "已等待 5 小时，剩余 38 小时", "#480 BA-2026-000119，已等待 9 小时，已超期 9 小时"} {
		if !strings.Contains(e.Text, want) {
			t.Errorf("digest text lacks %q", want)
		}
	}
	if !strings.Contains(e.HTML, "<table") || e.Subject != "【备案中心】每日摘要 2026-12-09：共 10 项待处理（待回复 2）" {
		t.Errorf("digest: no table or wrong subject %q", e.Subject)
	}
}

// TestDigestTodoList: sections in WorkKinds order with their true totals,
// the oldest first, capped rows and "另有 N 条", links to the console.
func TestDigestTodoList(t *testing.T) {
	r := newRenderer(t)
	zh, err := r.Render(notice(t, filing.EmailStaffDigest, filing.LangChinese))
	if err != nil {
		t.Fatal(err)
	}
	order := []string{"待回复（2）", "申请人称我们理解有误（1）", "已超期（1）", "未验证发件人的来信（1）", "未关联备案的来信（1）",
		"发送失败的邮件（3）", "退信（1）", "二、上次摘要以来重新提交（1）", "三、72 小时内到期（1）", "四、各阶段备案数量（共 32 件）"}
	for _, part := range []string{zh.Text, zh.HTML} {
		last := -1
		for _, h := range order {
			i := strings.Index(part, h)
			if i < 0 || i < last {
				t.Errorf("%q missing or out of order", h)
			}
			last = i
		}
		if i, j := strings.Index(part, "#501"), strings.Index(part, "#502"); i < 0 || j < 0 || i > j {
			t.Errorf("reply_needed items are not oldest first")
		}
		for _, bad := range []string{"另有", "/items/", "mailbox unavailable"} {
			if strings.Contains(part, bad) {
				t.Errorf("digest without a console or hidden rows says %q", bad)
			}
		}
	}

	n := notice(t, filing.EmailStaffDigest, filing.LangChinese)
	n.Digest = bigDigestJSON(t)
	big, err := r.Render(n)
	if err != nil {
		t.Fatal(err)
	}
	if big.Subject != "【备案中心】每日摘要 2026-12-09：共 10044 项待处理（待回复 3）" || !strings.Contains(big.Subject, "10044") {
		t.Errorf("subject %q", big.Subject)
	}
	for _, part := range []string{big.Text, big.HTML} {
		for _, want := range []string{"已超期（10000）", "另有 9980 条未列出", "一、待处理事项（共 10044 项）", "二、上次摘要以来重新提交（25）",
			"另有 24 条未列出", "https://icpdesk.example.cn/console/items/1000", "https://icpdesk.example.cn/console/items/5001",
			"https://icpdesk.example.cn/console/filings/BA-2026-000120", "x***@example.org", "41"} {
			if !strings.Contains(part, want) {
				t.Errorf("10,000-item digest lacks %q", want)
			}
		}
		if strings.Contains(part, "console//items") || strings.Contains(part, "/items/1020") {
			t.Errorf("bad link, or more than %d rows", filing.DigestRows)
		}
	}
	if got := strings.Count(big.HTML, `href="https://icpdesk.example.cn/console/items/`); got != filing.DigestRows+2 {
		t.Errorf("%d item links, want %d", got, filing.DigestRows+2)
	}
	// No URL is shown as text in the HTML: every link has short words on it.
	if strings.Contains(big.HTML, ">https://icpdesk") {
		t.Errorf("a console address is shown as text in a table column")
	}

	n.Language = filing.LangEnglish
	en, err := r.Render(n)
	if err != nil {
		t.Fatal(err)
	}
	if en.Subject != "[Filing desk] Daily digest 2026-12-09 – open work items: 10,044 (awaiting a reply: 3)" {
		t.Errorf("en subject %q", en.Subject)
	}
	for _, want := range []string{"Overdue (10,000)", "9,980 more not listed", "waiting 26 hours", "no such recipient (550 5.1.1)"} {
		if !strings.Contains(en.Text, want) {
			t.Errorf("en digest lacks %q", want)
		}
	}

	// Exactly the overdue filings: the subject carries the true total.
	var d filing.Digest
	if err := json.Unmarshal(bigDigestJSON(t), &d); err != nil {
		t.Fatal(err)
	}
	d.Open, d.OpenTotal, d.ConsoleURL = d.Open[:1], 10000, ""
	n.Language, n.Digest = filing.LangChinese, mustJSON(t, d)
	overdue, err := r.Render(n)
	if err != nil {
		t.Fatal(err)
	}
	if overdue.Subject != "【备案中心】每日摘要 2026-12-09：共 10000 项待处理" {
		t.Errorf("subject %q", overdue.Subject)
	}
	for _, part := range []string{overdue.Text, overdue.HTML} {
		if !strings.Contains(part, "已超期（10000）") || !strings.Contains(part, "另有 9980 条未列出。") || strings.Count(part, "#10") != filing.DigestRows {
			t.Errorf("10,000 overdue filings: the first %d and 另有 9980 条 expected", filing.DigestRows)
		}
	}

	n.Digest = []byte(`{"date":"2026-12-09","generated_at":"2026-12-09T01:00:00Z","stages":[]}`)
	empty, err := r.Render(n)
	if err != nil {
		t.Fatal(err)
	}
	if empty.Subject != "【备案中心】每日摘要 2026-12-09：无待处理事项" || !strings.Contains(empty.Text, "目前没有待处理的工作项") {
		t.Errorf("empty digest: %q\n%s", empty.Subject, empty.Text)
	}
}

func TestRenderRefusesIncompleteNotices(t *testing.T) {
	r := newRenderer(t)
	for _, tc := range []struct {
		kind filing.EmailKind
		mod  func(*filing.Notice)
		want string
	}{
		{filing.EmailFilingReturned, func(n *filing.Notice) { n.Deadline = nil }, "deadline"},
		{filing.EmailFilingReturnedProvider, func(n *filing.Notice) { n.ReturnReason = " " }, "return_reason"},
		{filing.EmailFilingApproved, func(n *filing.Notice) { n.ICPNumber = "" }, "icp_number"},
		{filing.EmailFilingSubmitted, func(n *filing.Notice) { n.Materials = nil }, "materials"},
		{filing.EmailFilingSentToBureau, func(n *filing.Notice) { n.Reference = "" }, "reference"},
		{filing.EmailStaffDigest, func(n *filing.Notice) { n.Digest = []byte(`{"date":`) }, "digest"},
		{filing.EmailStaffAlert, func(n *filing.Notice) { n.Alert = nil }, "alert"},
		{filing.EmailStaffAlert, func(n *filing.Notice) { n.Alert = &filing.Alert{} }, "alert"},
		{filing.EmailStaffReply, func(n *filing.Notice) { n.Reply.Text = " \n " }, "reply.text"},
		{filing.EmailStaffReply, func(n *filing.Notice) { n.Reply.Staff = "" }, "reply.staff"},
		{filing.EmailStaffReply, func(n *filing.Notice) { n.Reply = nil }, "reply.text"},
		{filing.EmailDeadlineExtended, func(n *filing.Notice) { n.Deadline = nil }, "deadline"},
		{filing.EmailDeadlineExtended, func(n *filing.Notice) { n.Reference = "" }, "reference"},
		{filing.EmailFilingWithdrawn, func(n *filing.Notice) { n.Reason = "" }, "reason"},
		{filing.EmailLateAccepted, func(n *filing.Notice) { n.Reference = "" }, "reference"},
		{filing.EmailLateDeclined, func(n *filing.Notice) { n.Reason = "\t" }, "reason"},
		{filing.EmailResubmissionUndone, func(n *filing.Notice) { n.Deadline = nil }, "deadline"},
		{filing.EmailAccountEmailChanged, func(n *filing.Notice) { n.OldEmail = "" }, "old_email"},
		{filing.EmailAccountEmailChanged, func(n *filing.Notice) { n.NewEmail = "" }, "new_email"},
		{filing.EmailAccountEmailChanged, func(n *filing.Notice) { n.NewEmail = "ZhangSan@example.cn" }, "new_email"},
		{filing.EmailChecklistUpdated, func(n *filing.Notice) { n.Changes = nil }, "changes"},
		{filing.EmailChecklistUpdated, func(n *filing.Notice) { n.Materials = nil }, "materials"},
		{"no_such_kind", func(*filing.Notice) {}, "no template"},
	} {
		n := notice(t, filing.EmailFilingSentToBureau, filing.LangChinese)
		if tc.kind.Valid() {
			n = notice(t, tc.kind, filing.LangChinese)
		}
		n.Kind = tc.kind
		tc.mod(&n)
		if _, err := r.Render(n); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one about %s", tc.kind, err, tc.want)
		}
	}
}

func TestUnknownLanguageFallsBackToChinese(t *testing.T) {
	r := newRenderer(t)
	n := notice(t, filing.EmailFilingSentToBureau, "fr")
	e, err := r.Render(n)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.Subject, "备案已提交管局审核") {
		t.Errorf("subject %q is not Chinese", e.Subject)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestOverrideDirectory: a file in the override directory replaces the
// embedded one of the same name; anything wrong is a start-up error that
// names the file.
func TestOverrideDirectory(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "zh-CN", "filing_sent_to_bureau.txt"),
		`{{define "subject"}}{{.Tag}} 已报送管局{{end}}{{define "body"}}已报送:{{.Ref}}{{end}}`)
	writeFile(t, filepath.Join(dir, "en", "layout.html"),
		`{{define "layout"}}<p>{{.Desk.Name}}</p>{{template "body" .}}<footer>custom footer</footer>{{end}}`+
			`{{define "filing"}}{{.Ref}}{{end}}{{define "reason"}}{{.}}{{end}}{{define "todo"}}todo{{end}}{{define "checklist"}}checklist{{end}}`+
			`{{define "desk"}}<address>{{.Desk.Address}}</address>{{end}}`)
	r, err := templates.New(desk, dir, shanghai)
	if err != nil {
		t.Fatal(err)
	}
	zh, err := r.Render(notice(t, filing.EmailFilingSentToBureau, filing.LangChinese))
	if err != nil {
		t.Fatal(err)
	}
	if zh.Subject != "[ICP#BA-2026-000123] 已报送管局" || !strings.Contains(zh.Text, "已报送:BA-2026-000123") {
		t.Errorf("override not used: %q\n%s", zh.Subject, zh.Text)
	}
	if !strings.Contains(zh.HTML, "待管局审核") {
		t.Errorf("the embedded HTML should still be used for zh-CN")
	}
	en, err := r.Render(notice(t, filing.EmailFilingApproved, filing.LangEnglish))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(en.HTML, "<footer>custom footer</footer>") || strings.Contains(en.HTML, "<!DOCTYPE") || strings.Contains(en.HTML, "<address>") {
		t.Errorf("layout override not used:\n%s", en.HTML)
	}

	for _, tc := range []struct {
		name, file, text, want string
	}{
		{"syntax", "zh-CN/filing_returned.html", `{{define "body"}}{{.Reason}{{end}}`, "zh-CN/filing_returned.html"},
		{"missing field", "en/filing_approved.txt", `{{define "subject"}}{{.Tag}}{{end}}{{define "body"}}{{.NoSuchField}}{{end}}`, "en/filing_approved.txt"},
		{"no subject", "en/deadline_passed.txt", `{{define "body"}}x{{end}}`, "en/deadline_passed.txt"},
		{"tag dropped", "zh-CN/filing_returned.txt", `{{define "subject"}}退回{{end}}{{define "body"}}x{{end}}`, "zh-CN/filing_returned.txt"},
		{"nil inbound", "en/unverified_sender.txt", `{{define "subject"}}{{.Tag}}{{end}}{{define "body"}}{{.Inbound.From}}{{end}}`, ""},
		{"optional part", "en/resubmission_received.txt", `{{define "subject"}}{{.Tag}}{{end}}{{define "body"}}{{.Inbound.Subject}}{{end}}`, "en/resubmission_received.txt"},
		{"no desk block", "en/layout.txt", `{{define "layout"}}{{template "body" .}}{{end}}`, "en/layout.txt"},
		{"no checklist partial", "zh-CN/layout.html", `{{define "layout"}}{{template "body" .}}{{end}}{{define "desk"}}d{{end}}` +
			`{{define "filing"}}f{{end}}{{define "reason"}}r{{end}}{{define "todo"}}t{{end}}`, "zh-CN/layout.html"},
		{"unknown file", "zh-CN/filing_aproved.txt", `x`, "zh-CN/filing_aproved.txt"},
		{"unknown language", "fr/layout.txt", `x`, "fr/layout.txt"},
		{"invalid UTF-8", "en/layout.txt", "\xff\xfe", "en/layout.txt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, filepath.FromSlash(tc.file)), tc.text)
			_, err := templates.New(desk, dir, shanghai)
			if tc.want == "" {
				// The minimal unverified_sender notice always has Inbound: this override is fine.
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, filepath.FromSlash(tc.file))) {
				t.Fatalf("error %v does not name %s", err, tc.file)
			}
		})
	}
	if _, err := templates.New(desk, filepath.Join(dir, "missing"), shanghai); err == nil {
		t.Error("a missing override directory is accepted")
	}
}

func TestExpectedFiles(t *testing.T) {
	files := templates.ExpectedFiles()
	if want := len(templates.Languages) * (2 + 2*len(filing.EmailKinds)); len(files) != want {
		t.Fatalf("%d template files, want %d", len(files), want)
	}
	for _, f := range files {
		if _, err := os.Stat(filepath.Join("files", filepath.FromSlash(f))); err != nil {
			t.Errorf("embedded template %s: %v", f, err)
		}
	}
}

func TestNewChecksArguments(t *testing.T) {
	if _, err := templates.New(desk, "", nil); err == nil {
		t.Error("no zone accepted")
	}
	if _, err := templates.New(templates.DeskInfo{}, "", time.UTC); err == nil {
		t.Error("an empty desk accepted")
	}
}

// TestStaffReply: "Re: " and our tag before the applicant's subject, cleared
// of its own prefixes and tags; the text as written, escaped in HTML; signed
// by the staff member, without the "sent automatically" footer.
func TestStaffReply(t *testing.T) {
	r := newRenderer(t)
	n := notice(t, filing.EmailStaffReply, filing.LangChinese)
	n.Inbound.Subject = "回复：Re: [ICP#BA-2026-000123] 关于备案"
	n.Reply.Text = "第一段第一行\r\n第一段第二行\n\n<script>alert('x')</script> & <b>粗体</b>"
	e, err := r.Render(n)
	if err != nil {
		t.Fatal(err)
	}
	if e.Subject != "Re: [ICP#BA-2026-000123] 关于备案" {
		t.Errorf("subject %q", e.Subject)
	}
	if !strings.Contains(e.Text, "第一段第一行\n第一段第二行\n\n<script>alert('x')</script> & <b>粗体</b>\n\n此致\n敬礼！\n\n李敏\n示例云备案中心\n") {
		t.Errorf("the text part does not keep the reply as written, signed:\n%s", e.Text)
	}
	if strings.Contains(strings.ToLower(e.HTML), "<script") || strings.Contains(e.HTML, "<b>") {
		t.Errorf("the reply's markup reached the HTML")
	}
	if !strings.Contains(e.HTML, "第一段第一行<br>第一段第二行</p>") ||
		!strings.Contains(e.HTML, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;粗体&lt;/b&gt;</p>") {
		t.Errorf("the HTML part does not keep the reply's paragraphs and lines:\n%s", e.HTML)
	}
	for _, part := range []string{e.Text, e.HTML} {
		if strings.Contains(part, "自动发送") {
			t.Errorf("a staff reply says it was sent automatically")
		}
		if !strings.Contains(part, "李敏") || !strings.Contains(part, "2026年12月3日 星期四 10:12:00（北京时间）的来信“关于备案”已收悉") {
			t.Errorf("the signature or the quote header is missing")
		}
	}

	// Mail linked to no filing: no tag, and nothing from our own subject kept.
	n.Reference = ""
	n.Inbound.Subject = "Fwd: RE[2]: 【ICP＃ba-2026-000123】 RE: 咨询"
	n.Language = filing.LangEnglish
	e, err = r.Render(n)
	if err != nil {
		t.Fatal(err)
	}
	if e.Subject != "Re: 咨询" || strings.Contains(e.Text, "[ICP#") {
		t.Errorf("subject %q", e.Subject)
	}
	if strings.Contains(e.Text, "sent automatically") || !strings.Contains(e.Text, "To reply, simply reply to this email.") {
		t.Errorf("wrong footer:\n%s", e.Text)
	}
}

func TestReplySubject(t *testing.T) {
	for in, want := range map[string]string{
		"回复：Re: [ICP#BA-2026-000123] 关于备案": "关于备案",
		"关于备案": "关于备案",
		"RE: FW: Fwd:答复:回覆： 转发: 网站名称":               "网站名称",
		"Re[3]: Re(2): 期限":                          "期限",
		"Re: 【 icp # ba-2026-000123 】":              "",
		"Re: [ICP#BA-1] Re: 关于 Re: 的问题":             "关于 Re: 的问题",
		"Report: 进度\r\n第二行":                         "Report: 进度 第二行",
		"Refund: [ICP#BA-2026-000123] 退款 [ICP#X-9]": "Refund: 退款",
	} {
		if got := templates.ReplySubject(in); got != want {
			t.Errorf("ReplySubject(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestAcknowledgementQuotesWhatItUnderstood: a resubmission acknowledgement
// quotes the sentence it acted on and says how to correct a misreading, and
// says nothing of it when it has none.
func TestAcknowledgementQuotesWhatItUnderstood(t *testing.T) {
	r := newRenderer(t)
	for _, k := range []filing.EmailKind{filing.EmailResubmissionReceived, filing.EmailResubmissionLate} {
		for _, lang := range templates.Languages {
			want := map[filing.Language][]string{
				filing.LangChinese: {"我们理解您的来信为：", "已改好了，麻烦再审核", "如果我们理解有误（例如您其实尚未重新提交），请直接回复本邮件说明，工作人员会尽快处理。"},
				filing.LangEnglish: {"We understood your message as: ", "已改好了，麻烦再审核", "If we have misunderstood you"},
			}[lang]
			n := notice(t, k, lang)
			without, err := r.Render(n)
			if err != nil {
				t.Fatal(err)
			}
			in := *n.Inbound
			in.Understood = "已改好了，麻烦再审核"
			n.Inbound = &in
			with, err := r.Render(n)
			if err != nil {
				t.Fatal(err)
			}
			if lang == filing.LangChinese && !strings.Contains(with.Text, "我们理解您的来信为：“已改好了，麻烦再审核”") {
				t.Errorf("%s %s: the quote is not as asked:\n%s", lang, k, with.Text)
			}
			for _, w := range want {
				if !strings.Contains(with.Text, w) || !strings.Contains(with.HTML, w) {
					t.Errorf("%s %s lacks %q", lang, k, w)
				}
				if strings.Contains(without.Text, w) || strings.Contains(without.HTML, w) {
					t.Errorf("%s %s says %q without anything understood", lang, k, w)
				}
			}
		}
	}
}

// TestUnverifiedSenderNotAuthenticated: a message in the holder's own name
// that failed authentication is never called theirs, and no sender is shown.
func TestUnverifiedSenderNotAuthenticated(t *testing.T) {
	r := newRenderer(t)
	n := notice(t, filing.EmailUnverifiedSender, filing.LangChinese)
	other, err := r.Render(n)
	if err != nil {
		t.Fatal(err)
	}
	in := *n.Inbound
	in.From, in.NotAuthenticated = "zhangsan@example.cn", true // even if the inbox left it
	n.Inbound = &in
	forged, err := r.Render(n)
	if err != nil {
		t.Fatal(err)
	}
	if want := "我们收到一封以您的注册邮箱（zhangsan@example.cn）名义发送、但未能通过发件人身份验证的邮件"; !strings.Contains(forged.Text, want) {
		t.Errorf("the text lacks %q:\n%s", want, forged.Text)
	}
	for _, part := range []string{forged.Text, forged.HTML} {
		if !strings.Contains(part, "以您的注册邮箱（zhangsan@example.cn）名义发送") || !strings.Contains(part, "冒用") {
			t.Errorf("the forgery wording is missing:\n%s", part)
		}
		for _, bad := range []string{"发件地址：", "发件地址</td>", "z***@example.cn", "非来自注册邮箱", "不是该备案帐号的注册邮箱"} {
			if strings.Contains(part, bad) {
				t.Errorf("the forged message's notice says %q", bad)
			}
		}
	}
	if !strings.Contains(other.Text, "发件地址：s***@example.com") || strings.Contains(other.Text, "冒用") {
		t.Errorf("the other-address wording changed:\n%s", other.Text)
	}
}

// TestSubjectPhrases: the fixed wording of every subject, long pieces only,
// longest first.
func TestSubjectPhrases(t *testing.T) {
	r := newRenderer(t)
	got := r.SubjectPhrases()
	have := map[string]bool{}
	for i, p := range got {
		if n := len([]rune(p)); n < 4 {
			t.Errorf("%q is shorter than 4 characters", p)
		} else if i > 0 && n > len([]rune(got[i-1])) {
			t.Errorf("%q comes after the shorter %q", p, got[i-1])
		}
		if p != strings.TrimSpace(p) || have[p] {
			t.Errorf("%q is untrimmed or repeated", p)
		}
		have[p] = true
	}
	for _, want := range []string{"管局退回备案，请于", "前修改并重新提交", "已收到您的重新提交", "We have received your resubmission",
		"【需处理】逾期重新提交，请决定是否受理", "备案成功：", "备案中心答复"} {
		if !have[want] {
			t.Errorf("SubjectPhrases lacks %q", want)
		}
	}
	// Every subject rendered is made of these phrases and what was filled in.
	e, err := r.Render(notice(t, filing.EmailFilingReturned, filing.LangChinese))
	if err != nil {
		t.Fatal(err)
	}
	if e.Subject != "[ICP#BA-2026-000123] 管局退回备案，请于 12月8日 23:59 前修改并重新提交" {
		t.Errorf("filing_returned subject %q", e.Subject)
	}
	got[0] = "changed"
	if r.SubjectPhrases()[0] == "changed" {
		t.Error("SubjectPhrases shares its slice")
	}
}

// TestEveryKindHasALabel: staff read kinds by their labels (failed emails).
func TestEveryKindHasALabel(t *testing.T) {
	for _, k := range filing.EmailKinds {
		for _, lang := range templates.Languages {
			if l := templates.KindLabel(k, lang); l == string(k) || l == "" {
				t.Errorf("%s has no %s label", k, lang)
			}
		}
	}
}

// TestAccountEmailChanged: both addresses are told; the old one does not
// learn the new address in full.
func TestAccountEmailChanged(t *testing.T) {
	r := newRenderer(t)
	n := notice(t, filing.EmailAccountEmailChanged, filing.LangChinese)
	old, err := r.Render(n)
	if err != nil {
		t.Fatal(err)
	}
	n.To = "Zhang.San@mail.example.com"
	nw, err := r.Render(n)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(old.Text+old.HTML, "zhang.san@") || !strings.Contains(old.Text, "由 zhangsan@example.cn 更改为 z***@mail.example.com") ||
		!strings.Contains(old.Text, "本邮件发送至原邮箱") || !strings.Contains(old.Text, "并非您本人申请") {
		t.Errorf("copy to the old address:\n%s", old.Text)
	}
	if !strings.Contains(nw.Text, "由 zhangsan@example.cn 更改为 zhang.san@mail.example.com") || strings.Contains(nw.Text, "原邮箱，供您知悉") {
		t.Errorf("copy to the new address:\n%s", nw.Text)
	}
}

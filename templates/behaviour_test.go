package templates_test

import (
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
	n.Digest = []byte(strings.NewReplacer(`"赵**"`, `"赵六六"`, `"z***@example.cn"`, `"zhaoliu@example.cn"`).Replace(string(n.Digest)))
	e, err := r.Render(n)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{e.Text, e.HTML} {
		if strings.Contains(s, "赵六六") || strings.Contains(s, "zhaoliu@") {
			t.Errorf("digest shows personal data in clear")
		}
		for _, want := range []string{"赵**", "z***@example.cn", "BA-2026-000121", "2026-12-10 23:59", "550 5.1.1", "#302"} {
			if !strings.Contains(s, want) {
				t.Errorf("digest lacks %q", want)
			}
		}
	}
	if !strings.Contains(e.HTML, "<table") || !strings.Contains(e.Subject, "6 项待处理") {
		t.Errorf("digest: no table or wrong count in %q", e.Subject)
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
			`{{define "filing"}}{{.Ref}}{{end}}{{define "reason"}}{{.}}{{end}}{{define "todo"}}todo{{end}}`+
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

package filing

import (
	"strings"
	"testing"
)

func TestParseLanguage(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Language // "" means rejected
	}{
		{"", LangChinese},
		{"  ", LangChinese},
		{"zh-CN", LangChinese},
		{"zh-cn", LangChinese},
		{"ZH", LangChinese},
		{"zh_CN", LangChinese},
		{"zh-Hans", LangChinese},
		{"cn", LangChinese},
		{" en ", LangEnglish},
		{"EN", LangEnglish},
		{"en-US", LangEnglish},
		{"en-GB", LangEnglish},
		{"en_us", LangEnglish},
		{"fr", ""},
		{"zh-TW", ""},
		{"english", ""},
		{"中文", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseLanguage(tc.in)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("ParseLanguage(%q) = %q, want an error", tc.in, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseLanguage(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
	if DefaultLanguage != LangChinese {
		t.Errorf("DefaultLanguage = %q, want zh-CN", DefaultLanguage)
	}
}

func TestTextIn(t *testing.T) {
	both := Text{Zh: "中文", En: "English"}
	zhOnly := Text{Zh: "中文"}
	for _, tc := range []struct {
		name string
		t    Text
		lang Language
		want string
	}{
		{"Chinese", both, LangChinese, "中文"},
		{"English", both, LangEnglish, "English"},
		{"unknown language falls back to Chinese", both, "fr", "中文"},
		{"empty language falls back to Chinese", both, "", "中文"},
		{"missing English falls back to Chinese", zhOnly, LangEnglish, "中文"},
	} {
		if got := tc.t.In(tc.lang); got != tc.want {
			t.Errorf("%s: In(%q) = %q, want %q", tc.name, tc.lang, got, tc.want)
		}
	}
}

func TestStageLabel(t *testing.T) {
	// Seed §四 and docs/architecture.md's table of stages.
	want := map[Stage]string{
		StageDraft:          "未提交",
		StageProviderReview: "待接入商审核",
		StageBureauReview:   "待管局审核",
		StageReturned:       "退回主办者修改",
		StageApproved:       "备案成功",
		StageClosed:         "已关闭",
	}
	if len(Stages) != len(want) {
		t.Fatalf("Stages has %d entries, want %d", len(Stages), len(want))
	}
	for _, s := range Stages {
		t.Run(string(s), func(t *testing.T) {
			if got := s.Label(LangChinese); got != want[s] {
				t.Errorf("Label(zh-CN) = %q, want %q", got, want[s])
			}
			en := s.Label(LangEnglish)
			if en == "" || en == want[s] {
				t.Errorf("Label(en) = %q, want an English label", en)
			}
			if !s.Valid() {
				t.Error("Valid() = false")
			}
			if s.Open() != (s != StageApproved && s != StageClosed) {
				t.Errorf("Open() = %v", s.Open())
			}
		})
	}
	if Stage("archived").Valid() || Stage("").Valid() {
		t.Error("unknown stages are valid")
	}
	if got := Stage("archived").Label(LangEnglish); got != "" {
		t.Errorf("label of an unknown stage = %q", got)
	}
}

func TestParseStage(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Stage // "" means rejected
	}{
		{"draft", StageDraft},
		{" Provider_Review ", StageProviderReview},
		{"BUREAU_REVIEW", StageBureauReview},
		{"returned", StageReturned},
		{"approved", StageApproved},
		{"", ""},
		{"provider-review", ""},
		{"未提交", ""},
		{"submitted", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseStage(tc.in)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("ParseStage(%q) = %q, want an error", tc.in, got)
				}
				for _, s := range Stages {
					if !strings.Contains(err.Error(), string(s)) {
						t.Errorf("error %q does not list %s", err, s)
					}
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseStage(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestParseReturnSource(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ReturnSource
	}{
		{"provider", ReturnedByProvider},
		{" Bureau ", ReturnedByBureau},
		{"PROVIDER", ReturnedByProvider},
		{"", ""},
		{"desk", ""},
		{"管局", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseReturnSource(tc.in)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("ParseReturnSource(%q) = %q, want an error", tc.in, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseReturnSource(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestEmailKinds(t *testing.T) {
	seen := map[EmailKind]bool{}
	for _, k := range EmailKinds {
		if seen[k] {
			t.Errorf("%s listed twice", k)
		}
		seen[k] = true
		if !k.Valid() {
			t.Errorf("%s not valid", k)
		}
	}
	if len(EmailKinds) != 23 {
		t.Errorf("%d kinds, want 23", len(EmailKinds))
	}
	if EmailKind("welcome").Valid() || EmailKind("").Valid() {
		t.Error("unknown kinds are valid")
	}
	acks := map[EmailKind]bool{EmailResubmissionReceived: true, EmailResubmissionLate: true, EmailUnverifiedSender: true}
	staff := map[EmailKind]bool{EmailStaffAlert: true, EmailStaffDigest: true}
	for _, k := range EmailKinds {
		if k.IsAcknowledgement() != acks[k] {
			t.Errorf("%s.IsAcknowledgement() = %v", k, k.IsAcknowledgement())
		}
		if k.ToStaff() != staff[k] {
			t.Errorf("%s.ToStaff() = %v", k, k.ToStaff())
		}
	}
	// Every email the transition tables cause is a known kind for an applicant.
	for _, row := range Transitions {
		for _, k := range []EmailKind{row.Email, row.LateEmail} {
			if k != "" && (!k.Valid() || k.ToStaff()) {
				t.Errorf("%s row email %q", row.Action, k)
			}
		}
	}
	for _, row := range accountTransitions {
		if !row.Email.Valid() || row.Email.ToStaff() {
			t.Errorf("account %s row email %q", row.Action, row.Email)
		}
	}
}

func TestSubjectTypes(t *testing.T) {
	want := map[SubjectType]string{
		SubjectEnterprise: "企业", SubjectInstitution: "事业单位", SubjectGovernment: "政府机关",
		SubjectSchool: "院校", SubjectSocialOrg: "社会团体", SubjectIndividual: "个人",
	}
	if len(SubjectTypes) != len(want) {
		t.Fatalf("SubjectTypes has %d entries, want %d", len(SubjectTypes), len(want))
	}
	for _, st := range SubjectTypes {
		if !st.Valid() || st.Label(LangChinese) != want[st] || st.Label(LangEnglish) == "" {
			t.Errorf("%s: valid %v labels %q / %q", st, st.Valid(), st.Label(LangChinese), st.Label(LangEnglish))
		}
		if st.Organisation() != (st != SubjectIndividual) {
			t.Errorf("%s.Organisation() = %v", st, st.Organisation())
		}
	}
	if SubjectType("company").Valid() {
		t.Error("unknown subject type is valid")
	}
}

func TestCleanTextAndSameName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"  张三  ", "张三"},
		{"张\r\n三", "张 三"},
		{"a\tb\u2028c\u2029d", "a b c d"},
		{"a\x00b", "a b"},
		{"", ""},
	} {
		if got := OneLine(tc.in); got != tc.want {
			t.Errorf("OneLine(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"示例科技（北京）有限公司", "示例科技(北京)有限公司", true},
		{"示例科技 (北京) 有限公司", "示例科技(北京)有限公司", true},
		{"Example Ltd", "EXAMPLE LTD", true},
		{"示例科技(北京)有限公司", "示例科技(上海)有限公司", false},
		{"示例科技", "示例科技有限公司", false},
	} {
		if got := sameName(tc.a, tc.b); got != tc.want {
			t.Errorf("sameName(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

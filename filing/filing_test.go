package filing

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

const validDoc = `{
  "ref": "BA-2026-000123",
  "account": "applicant@example.cn",
  "subject": {
    "type": "enterprise",
    "name": "示例科技(北京)有限公司",
    "legal_representative": {"name": "张三丰", "id_number": "11010519491231002X", "phone": "13800138000"},
    "responsible": {"name": "张三丰", "id_number": "11010519491231002x", "phone": "+86 138 0013 8000", "email": "Zhang@Example.CN"}
  },
  "website": {
    "name": "示例科技官网",
    "responsible": {"name": "张三丰", "id_number": "11010519491231002X", "phone": "13800138000"},
    "domains": [{"name": "example.cn", "registrant": "示例科技(北京)有限公司"}, {"name": "示例.中国", "registrant": "示例科技（北京）有限公司"}]
  }
}
`

func TestDecodeFilingInput(t *testing.T) {
	body := strings.TrimSpace(validDoc)
	for _, tc := range []struct {
		name string
		doc  string
		ok   bool
	}{
		{"valid", validDoc, true},
		{"valid, trailing white space", body + "\n\n  \t", true},
		{"empty object", `{}`, true},
		{"unknown top-level key", strings.Replace(body, `"ref"`, `"reference"`, 1), false},
		{"unknown subject key", strings.Replace(body, `"legal_representative"`, `"legal_rep"`, 1), false},
		{"unknown person key", strings.Replace(body, `"phone": "13800138000"}`, `"phone": "13800138000", "mobile": "1"}`, 1), false},
		{"unknown domain key", strings.Replace(body, `"registrant": "示例科技(北京)有限公司"}`, `"registrar": "x"}`, 1), false},
		{"extra key at the end", strings.TrimSuffix(body, "}") + `, "stage": "approved"}`, false},
		{"wrong type", strings.Replace(body, `"name": "示例科技官网"`, `"name": 5`, 1), false},
		{"second object", body + ` {}`, false},
		{"second object glued", body + `{}`, false},
		{"trailing garbage", body + ` x`, false},
		{"trailing number", body + ` 1`, false},
		{"trailing string", body + ` "x"`, false},
		{"trailing closing brace", body + `}`, false},
		{"trailing closing bracket", body + `]`, false},
		{"truncated", body[:len(body)/2], false},
		{"empty", ``, false},
		{"array", `[]`, false},
		{"string", `"filing"`, false},
		{"too large", `{"ref": "BA-1"}` + strings.Repeat(" ", MaxImportBytes), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, err := DecodeFilingInput(strings.NewReader(tc.doc))
			if tc.ok != (err == nil) {
				if tc.ok {
					t.Fatalf("DecodeFilingInput refused a valid document: %v", err)
				}
				t.Fatalf("DecodeFilingInput accepted %q (no error), want it refused", tail(tc.doc, 40))
			}
			if tc.name == "valid" {
				if in.Ref != "BA-2026-000123" || in.Subject.LegalRepresentative == nil || in.Subject.Responsible.Email != "Zhang@Example.CN" ||
					len(in.Website.Domains) != 2 || in.Website.Domains[1].Name != "示例.中国" {
					t.Errorf("decoded %+v", in)
				}
			}
		})
	}
	t.Run("exactly the size limit", func(t *testing.T) {
		doc := `{}` + strings.Repeat(" ", MaxImportBytes-2)
		if _, err := DecodeFilingInput(strings.NewReader(doc)); err != nil {
			t.Errorf("a document of exactly MaxImportBytes: %v", err)
		}
	})
}

func TestNewFilingValid(t *testing.T) {
	fp := testFP(t)
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	in, err := DecodeFilingInput(strings.NewReader(validDoc))
	if err != nil {
		t.Fatal(err)
	}
	f, probs := NewFiling(in, fp, now)
	if len(probs) > 0 {
		t.Fatalf("problems: %v", probs)
	}
	zhang := Person{Name: "张三丰", IDFingerprint: fp.Fingerprint(idZhang), IDMasked: "1***************2X", Phone: "13800138000"}
	zhangMail := zhang
	zhangMail.Email = "zhang@example.cn"
	want := Filing{
		Reference: "BA-2026-000123",
		Subject: Subject{Type: SubjectEnterprise, Name: "示例科技(北京)有限公司",
			LegalRepresentative: &zhang, Responsible: zhangMail},
		Website: Website{Name: "示例科技官网", Responsible: zhang, Domains: []Domain{
			{Name: "example.cn", ASCII: "example.cn", Registrant: "示例科技(北京)有限公司"},
			{Name: "示例.中国", ASCII: idnASCII, Registrant: "示例科技（北京）有限公司"},
		}},
		Stage:     StageDraft,
		Version:   1,
		CreatedAt: now.UTC(),
		UpdatedAt: now.UTC(),
	}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("filing =\n%+v\nwant\n%+v", f, want)
	}
	if f.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt in %v, want UTC", f.CreatedAt.Location())
	}
	if f.AwaitingResubmission() || !f.Stage.Open() {
		t.Error("a new filing is an open draft with no deadline")
	}
	// One person in all three roles: one ID copy, no authorization letter.
	if ps := f.Persons(); len(ps) != 1 || len(ps[0].Roles) != 3 {
		t.Errorf("Persons() = %+v, want one person with three roles", ps)
	}
	if f.NeedsAuthorization() {
		t.Error("NeedsAuthorization() with one responsible person")
	}

	// The raw ID number is nowhere in the filing, nor in its JSON.
	secrets := []string{idZhang, strings.ToLower(idZhang), idZhang[:17], "19491231"}
	assertNoSecret(t, "filing", f, secrets...)
	js, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if strings.Contains(string(js), s) {
			t.Errorf("filing JSON contains %q: %s", s, js)
		}
	}
}

func TestNewFilingNormalises(t *testing.T) {
	now := mustTime(t, testImportAt)
	for _, tc := range []struct {
		name  string
		edit  func(*FilingInput)
		check func(*testing.T, Filing)
	}{
		{"no reference: the store generates one", func(in *FilingInput) { in.Ref = "" },
			func(t *testing.T, f Filing) {
				if f.Reference != "" {
					t.Errorf("Reference = %q", f.Reference)
				}
			}},
		{"lower-case, full-width reference", func(in *FilingInput) { in.Ref = " ｂａ－２０２６－０００１２３ " },
			func(t *testing.T, f Filing) {
				if f.Reference != "BA-2026-000123" {
					t.Errorf("Reference = %q", f.Reference)
				}
			}},
		{"subject type case and spaces", func(in *FilingInput) { in.Subject.Type = " Enterprise " },
			func(t *testing.T, f Filing) {
				if f.Subject.Type != SubjectEnterprise {
					t.Errorf("Type = %q", f.Subject.Type)
				}
			}},
		{"names cleaned", func(in *FilingInput) {
			in.Subject.Name = "  示例科技(北京)\t有限公司\r\n"
			in.Website.Name = "示例\n官网"
			in.Website.Domains[0].Registrant = " 示例科技(北京) 有限公司 "
		}, func(t *testing.T, f Filing) {
			if f.Subject.Name != "示例科技(北京) 有限公司" || f.Website.Name != "示例 官网" || f.Website.Domains[0].Registrant != "示例科技(北京) 有限公司" {
				t.Errorf("subject %q website %q registrant %q", f.Subject.Name, f.Website.Name, f.Website.Domains[0].Registrant)
			}
		}},
		{"IDN and punycode domains", func(in *FilingInput) {
			in.Website.Domains = []DomainInput{{Name: "示例.中国", Registrant: testCompany}, {Name: "WWW.EXAMPLE.CN.", Registrant: testCompany}}
		}, func(t *testing.T, f Filing) {
			want := []Domain{{Name: "示例.中国", ASCII: idnASCII, Registrant: testCompany}, {Name: "www.example.cn", ASCII: "www.example.cn", Registrant: testCompany}}
			if !reflect.DeepEqual(f.Website.Domains, want) {
				t.Errorf("domains %+v, want %+v", f.Website.Domains, want)
			}
		}},
		{"individual has no legal representative", func(in *FilingInput) { *in = individualInput() },
			func(t *testing.T, f Filing) {
				if f.Subject.LegalRepresentative != nil || f.Subject.Type != SubjectIndividual {
					t.Errorf("subject %+v", f.Subject)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := enterpriseInput()
			tc.edit(&in)
			f, probs := NewFiling(in, testFP(t), now)
			if len(probs) > 0 {
				t.Fatalf("problems: %v", probs)
			}
			tc.check(t, f)
		})
	}
	for _, st := range SubjectTypes {
		t.Run("subject type "+string(st), func(t *testing.T) {
			in := enterpriseInput()
			if st == SubjectIndividual {
				in = individualInput()
			}
			in.Subject.Type = string(st)
			if _, probs := NewFiling(in, testFP(t), now); len(probs) > 0 {
				t.Errorf("problems: %v", probs)
			}
		})
	}
}

func TestNewFilingProblems(t *testing.T) {
	now := mustTime(t, testImportAt)
	for _, tc := range []struct {
		name string
		edit func(*FilingInput)
		want []string // every problem, code@field
	}{
		{
			name: "many problems at once",
			edit: func(in *FilingInput) {
				in.Ref = "not a ref"
				in.Account = ""
				in.Subject.Name = " "
				in.Subject.LegalRepresentative = nil
				in.Subject.Responsible = &PersonInput{Name: "", IDNumber: "110105194912310021", Phone: "12345"}
				in.Website.Name = ""
				in.Website.Responsible = nil
				in.Website.Domains = []DomainInput{
					{Name: "http://x.cn", Registrant: "A"},
					{Name: "localhost", Registrant: "A"},
					{Name: "example.cn", Registrant: ""},
					{Name: "EXAMPLE.cn.", Registrant: "x"},
				}
			},
			want: []string{
				"invalid_reference@ref",
				"missing_field@account",
				"missing_field@subject.name",
				"missing_field@subject.legal_representative",
				"missing_field@subject.responsible.name",
				"invalid_id_number@subject.responsible.id_number",
				"invalid_phone@subject.responsible.phone",
				"missing_field@website.name",
				"missing_field@website.responsible",
				"invalid_domain@website.domains[0].name",
				"invalid_domain@website.domains[1].name",
				"missing_field@website.domains[2].registrant",
				"duplicate_domain@website.domains[3].name",
			},
		},
		{
			name: "field problems and seed rules together",
			edit: func(in *FilingInput) {
				in.Account = "Zhang <applicant@example.cn>"
				in.Subject.Responsible = pin("李四", idLi, "13900139000")
				in.Website.Responsible = pin("赵六", idZhao, "1380013800")
				in.Website.Domains = []DomainInput{{Name: "a.example.cn", Registrant: "别的公司"}, {Name: "b.example.cn", Registrant: "另一家公司"}}
			},
			want: []string{
				"invalid_email@account",
				"invalid_phone@website.responsible.phone",
				RuleEnterpriseResponsibleIsLegal + "@subject.responsible",
				RuleRegistrantMatchesSubject + "@website.domains[0].registrant",
				RuleRegistrantMatchesSubject + "@website.domains[1].registrant",
			},
		},
		{
			name: "individual with a legal representative and another website responsible",
			edit: func(in *FilingInput) {
				*in = individualInput()
				in.Subject.LegalRepresentative = pin("王五", idWang, "13700137000")
				in.Website.Responsible = pin("李四", idLi, "13900139000")
			},
			want: []string{
				"unexpected_field@subject.legal_representative",
				RuleIndividualSameResponsible + "@website.responsible",
			},
		},
		{
			name: "unknown subject type",
			edit: func(in *FilingInput) { in.Subject.Type = "company" },
			want: []string{"invalid_subject_type@subject.type"},
		},
		{
			name: "no domains",
			edit: func(in *FilingInput) { in.Website.Domains = nil },
			want: []string{"missing_field@website.domains"},
		},
		{
			name: "same IDN twice, as Unicode and punycode",
			edit: func(in *FilingInput) {
				in.Website.Domains = []DomainInput{{Name: "示例.中国", Registrant: testCompany}, {Name: idnASCII, Registrant: testCompany}}
			},
			want: []string{"duplicate_domain@website.domains[1].name"},
		},
		{
			name: "same domain with full-width letters",
			edit: func(in *FilingInput) {
				in.Website.Domains = append(in.Website.Domains, DomainInput{Name: "ｅｘａｍｐｌｅ．ｃｎ", Registrant: testCompany})
			},
			want: []string{"duplicate_domain@website.domains[1].name"},
		},
		{
			name: "bad domains",
			edit: func(in *FilingInput) {
				in.Website.Domains = []DomainInput{
					{Name: "https://example.cn/", Registrant: testCompany},
					{Name: "example.cn/index.html", Registrant: testCompany},
					{Name: "icp@example.cn", Registrant: testCompany},
					{Name: "", Registrant: testCompany},
					{Name: "example.cn", Registrant: testCompany},
				}
			},
			want: []string{
				"invalid_domain@website.domains[0].name",
				"invalid_domain@website.domains[1].name",
				"invalid_domain@website.domains[2].name",
				"invalid_domain@website.domains[3].name",
			},
		},
		{
			name: "bad legal representative ID",
			edit: func(in *FilingInput) {
				in.Subject.LegalRepresentative = pin("张三丰", mkID("11010519490230002"), "13800138000")
			},
			want: []string{"invalid_id_number@subject.legal_representative.id_number"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := enterpriseInput()
			tc.edit(&in)
			f, probs := NewFiling(in, testFP(t), now)
			want := append([]string(nil), tc.want...)
			slices.Sort(want)
			if got := codes(probs); !reflect.DeepEqual(got, want) {
				t.Errorf("%d problems:\n  %s\nwant %d:\n  %s", len(got), strings.Join(got, "\n  "), len(want), strings.Join(want, "\n  "))
			}
			if !reflect.DeepEqual(f, Filing{}) {
				t.Errorf("NewFiling returned a filing with problems: %+v", f)
			}
			for _, p := range probs {
				if p.Message.Zh == "" || p.Message.En == "" || p.Field == "" {
					t.Errorf("problem %+v lacks a message or field", p)
				}
			}
			if probs != nil {
				msg := probs.Error()
				for _, p := range probs {
					if !strings.Contains(msg, p.Code) || !probs.Has(p.Code) {
						t.Errorf("Problems.Error()/Has miss %s", p.Code)
					}
				}
				if probs.Has("no_such_code") {
					t.Error("Has reports an absent code")
				}
			}
			assertNoSecret(t, "problems", probs, idZhang, idLi, idWang, idZhao, "110105194912310021")
		})
	}

	t.Run("empty input", func(t *testing.T) {
		_, probs := NewFiling(FilingInput{}, testFP(t), now)
		for _, want := range []string{"missing_field@account", "missing_field@subject.type", "missing_field@subject.name",
			"missing_field@subject.responsible", "missing_field@website.name", "missing_field@website.responsible",
			"missing_field@website.domains"} {
			found := false
			for _, p := range probs {
				found = found || p.Code+"@"+p.Field == want
			}
			if !found {
				t.Errorf("empty input: no %s in %v", want, codes(probs))
			}
		}
	})
}

func TestDecodeThenNewFiling(t *testing.T) {
	// The import path end to end: a document with a typo in a key is refused
	// before any of its fields is looked at.
	doc := strings.Replace(validDoc, `"responsible": {"name": "张三丰", "id_number": "11010519491231002x"`,
		`"responsible": {"nmae": "张三丰", "id_number": "11010519491231002x"`, 1)
	if doc == validDoc {
		t.Fatal("test document not changed")
	}
	if _, err := DecodeFilingInput(strings.NewReader(doc)); err == nil || !strings.Contains(err.Error(), "nmae") {
		t.Errorf("DecodeFilingInput with a misspelt key: %v, want an error naming it", err)
	}
}

func TestPersons(t *testing.T) {
	zhang := person(t, "张三丰", idZhang)
	li := person(t, "李四", idLi)
	wang := person(t, "王五", idWang)
	for _, tc := range []struct {
		name string
		f    Filing
		want [][]Role
	}{
		{"all different", orgFiling(t, SubjectEnterprise, zhang, li, wang),
			[][]Role{{RoleLegalRepresentative}, {RoleSubjectResponsible}, {RoleWebsiteResponsible}}},
		{"legal rep responsible", orgFiling(t, SubjectEnterprise, zhang, zhang, li),
			[][]Role{{RoleLegalRepresentative, RoleSubjectResponsible}, {RoleWebsiteResponsible}}},
		{"all one", orgFiling(t, SubjectEnterprise, zhang, zhang, zhang),
			[][]Role{{RoleLegalRepresentative, RoleSubjectResponsible, RoleWebsiteResponsible}}},
		{"individual", mustFiling(t, individualInput()),
			[][]Role{{RoleSubjectResponsible, RoleWebsiteResponsible}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := tc.f.Persons()
			var got [][]Role
			for _, p := range ps {
				got = append(got, p.Roles)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("roles %v, want %v", got, tc.want)
			}
		})
	}
	for _, r := range []Role{RoleLegalRepresentative, RoleSubjectResponsible, RoleWebsiteResponsible} {
		if r.Label(LangChinese) == "" || r.Label(LangEnglish) == "" || r.Label(LangChinese) == r.Label(LangEnglish) {
			t.Errorf("role %s labels %q / %q", r, r.Label(LangChinese), r.Label(LangEnglish))
		}
	}
}

// tail is the end of s, for error messages about trailing data.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

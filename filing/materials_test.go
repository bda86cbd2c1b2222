package filing

import (
	"reflect"
	"strings"
	"testing"
)

func person(t testing.TB, name, id string) Person {
	t.Helper()
	p, probs := testFP(t).NewPerson("p", PersonInput{Name: name, IDNumber: id, Phone: "13800138000"})
	if len(probs) > 0 {
		t.Fatalf("NewPerson(%s): %v", name, probs)
	}
	return p
}

// orgFiling is a filing of subject type st with the three persons given.
func orgFiling(t testing.TB, st SubjectType, lr, sr, wr Person) Filing {
	t.Helper()
	f := mustFiling(t, enterpriseInput())
	f.Subject.Type = st
	f.Subject.LegalRepresentative = &lr
	f.Subject.Responsible = sr
	f.Website.Responsible = wr
	return f
}

func keys(ms []Material) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Key
	}
	return out
}

func idItems(ms []Material) []Material {
	var out []Material
	for _, m := range ms {
		if m.Key == "id_card_copy" {
			out = append(out, m)
		}
	}
	return out
}

type idItem struct{ zh, en string }

type checklistCase struct {
	name  string
	f     Filing
	keys  []string
	ids   []idItem // name of each ID-copy item, in order
	notes string   // expected in the form notes: 公章 or 手印
}

func TestChecklist(t *testing.T) {
	zhang := person(t, "张三丰", idZhang)
	zhangAgain := person(t, "张 三丰", strings.ToLower(idZhang)) // same ID, written differently
	li := person(t, "李四", idLi)
	fakeZhang := person(t, "张三丰", idZhao) // same name, another person

	tests := []checklistCase{
		{
			name: "enterprise, legal rep is subject responsible, other website responsible",
			f:    orgFiling(t, SubjectEnterprise, zhang, zhang, li),
			keys: []string{"verification_form", "security_agreement", "business_licence", "id_card_copy", "id_card_copy",
				"authorization_letter", "domain_certificate"},
			ids: []idItem{
				{"法人兼主体负责人(张三丰)身份证复印件", "Copy of the ID card of the legal representative and subject responsible person (张三丰)"},
				{"网站负责人(李四)身份证复印件", "Copy of the ID card of the website responsible person (李四)"},
			},
			notes: "公章",
		},
		{
			name: "enterprise, one person in every role",
			f:    orgFiling(t, SubjectEnterprise, zhang, zhang, zhang),
			keys: []string{"verification_form", "security_agreement", "business_licence", "id_card_copy", "domain_certificate"},
			ids: []idItem{{"法人兼主体负责人兼网站负责人(张三丰)身份证复印件",
				"Copy of the ID card of the legal representative and subject responsible person and website responsible person (张三丰)"}},
			notes: "公章",
		},
		{
			name: "enterprise, same person written differently is one person",
			f:    orgFiling(t, SubjectEnterprise, zhang, zhang, zhangAgain),
			keys: []string{"verification_form", "security_agreement", "business_licence", "id_card_copy", "domain_certificate"},
			ids: []idItem{{"法人兼主体负责人兼网站负责人(张三丰)身份证复印件",
				"Copy of the ID card of the legal representative and subject responsible person and website responsible person (张三丰)"}},
			notes: "公章",
		},
		{
			name: "enterprise, same name but another ID is another person",
			f:    orgFiling(t, SubjectEnterprise, zhang, zhang, fakeZhang),
			keys: []string{"verification_form", "security_agreement", "business_licence", "id_card_copy", "id_card_copy",
				"authorization_letter", "domain_certificate"},
			ids: []idItem{
				{"法人兼主体负责人(张三丰)身份证复印件", "Copy of the ID card of the legal representative and subject responsible person (张三丰)"},
				{"网站负责人(张三丰)身份证复印件", "Copy of the ID card of the website responsible person (张三丰)"},
			},
			notes: "公章",
		},
		{
			name: "enterprise, legal rep is website responsible (subject responsible differs)",
			f:    orgFiling(t, SubjectEnterprise, zhang, li, zhang),
			keys: []string{"verification_form", "security_agreement", "business_licence", "id_card_copy", "id_card_copy",
				"authorization_letter", "domain_certificate"},
			ids: []idItem{
				{"法人兼网站负责人(张三丰)身份证复印件", "Copy of the ID card of the legal representative and website responsible person (张三丰)"},
				{"主体负责人(李四)身份证复印件", "Copy of the ID card of the subject responsible person (李四)"},
			},
			notes: "公章",
		},
		{
			name:  "individual",
			f:     mustFiling(t, individualInput()),
			keys:  []string{"verification_form", "security_agreement", "id_card_copy", "domain_certificate"},
			ids:   []idItem{{"负责人(王五)身份证复印件", "Copy of the responsible person's ID card (王五)"}},
			notes: "手印",
		},
	}
	for _, st := range []SubjectType{SubjectGovernment, SubjectInstitution, SubjectSchool, SubjectSocialOrg} {
		tests = append(tests, checklistCase{
			name: string(st) + ", other website responsible",
			f:    orgFiling(t, st, zhang, zhang, li),
			keys: []string{"verification_form", "security_agreement", "organisation_code_certificate", "id_card_copy", "id_card_copy",
				"authorization_letter", "domain_certificate"},
			ids: []idItem{
				{"法人兼主体负责人(张三丰)身份证复印件", "Copy of the ID card of the legal representative and subject responsible person (张三丰)"},
				{"网站负责人(李四)身份证复印件", "Copy of the ID card of the website responsible person (李四)"},
			},
			notes: "公章",
		}, checklistCase{
			name: string(st) + ", one person",
			f:    orgFiling(t, st, zhang, zhang, zhang),
			keys: []string{"verification_form", "security_agreement", "organisation_code_certificate", "id_card_copy", "domain_certificate"},
			ids: []idItem{{"法人兼主体负责人兼网站负责人(张三丰)身份证复印件",
				"Copy of the ID card of the legal representative and subject responsible person and website responsible person (张三丰)"}},
			notes: "公章",
		})
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			list := Checklist(tc.f)
			if got := keys(list); !reflect.DeepEqual(got, tc.keys) {
				t.Fatalf("keys = %v\nwant   %v", got, tc.keys)
			}
			ids := idItems(list)
			for i, want := range tc.ids {
				if ids[i].Name.Zh != want.zh || ids[i].Name.En != want.en {
					t.Errorf("ID item %d = %q / %q\nwant        %q / %q", i, ids[i].Name.Zh, ids[i].Name.En, want.zh, want.en)
				}
			}
			wantAuth := slicesContains(tc.keys, "authorization_letter")
			if got := tc.f.NeedsAuthorization(); got != wantAuth {
				t.Errorf("NeedsAuthorization() = %v, want %v", got, wantAuth)
			}
			for _, m := range list {
				switch m.Key {
				case "verification_form", "security_agreement":
					other := map[string]string{"公章": "手印", "手印": "公章"}[tc.notes]
					if !strings.Contains(m.Note.Zh, tc.notes) || strings.Contains(m.Note.Zh, other) {
						t.Errorf("%s note %q: want %s, not %s", m.Key, m.Note.Zh, tc.notes, other)
					}
					enWord := map[string]string{"公章": "seal", "手印": "fingerprint"}[tc.notes]
					if !strings.Contains(m.Note.En, enWord) {
						t.Errorf("%s English note %q lacks %q", m.Key, m.Note.En, enWord)
					}
					if !strings.Contains(m.Note.Zh, "签字") {
						t.Errorf("%s note %q: the responsible person signs", m.Key, m.Note.Zh)
					}
				case "authorization_letter":
					if m.Copies < 1 {
						t.Errorf("authorization letter copies = %d", m.Copies)
					}
				default:
					if m.Copies != 2 {
						t.Errorf("%s copies = %d, want 2 (seed §二)", m.Key, m.Copies)
					}
				}
				if m.Name.Zh == "" || m.Name.En == "" {
					t.Errorf("%s has an empty name: %+v", m.Key, m.Name)
				}
			}
			if list[0].Copies != 2 || list[1].Copies != 2 {
				t.Errorf("forms: %d and %d copies, want 2 each", list[0].Copies, list[1].Copies)
			}
			assertNoSecret(t, "checklist", list, idZhang, idLi, idWang, idZhao, strings.ToLower(idZhang))
		})
	}
}

func slicesContains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

func TestChecklistDomains(t *testing.T) {
	f := mustFiling(t, enterpriseInput())
	f.Website.Domains = []Domain{{Name: "example.cn", ASCII: "example.cn"}, {Name: "示例.中国", ASCII: "xn--fsq092h.xn--fiqs8s"}}
	list := Checklist(f)
	last := list[len(list)-1]
	if last.Key != "domain_certificate" || last.Copies != 2 {
		t.Fatalf("last item %+v", last)
	}
	if last.Note.Zh != "每个域名各 2 份:example.cn、示例.中国" || last.Note.En != "2 for each domain: example.cn, 示例.中国" {
		t.Errorf("domain note %+v", last.Note)
	}
	f.Website.Domains = nil
	if last := Checklist(f)[len(Checklist(f))-1]; last.Key != "domain_certificate" || last.Note != (Text{}) {
		t.Errorf("without domains: %+v", last)
	}
}

func TestNeedsAuthorizationIndividual(t *testing.T) {
	f := mustFiling(t, individualInput())
	f.Website.Responsible = person(t, "李四", idLi) // breaks §三.3, but no letter exists for individuals
	if f.NeedsAuthorization() {
		t.Error("an individual filing never needs the authorization letter")
	}
	if slicesContains(keys(Checklist(f)), "authorization_letter") {
		t.Error("individual checklist lists the authorization letter")
	}
}

func TestMaterialText(t *testing.T) {
	for _, tc := range []struct {
		m      Material
		zh, en string
	}{
		{Material{Key: "verification_form", Copies: 2, Name: Text{Zh: "真实性核验单", En: "Authenticity verification form"},
			Note: Text{Zh: "负责人签字并加盖公章", En: "signed by the responsible person and sealed with the official seal"}},
			"真实性核验单 2 份(负责人签字并加盖公章)",
			"Authenticity verification form, 2 copies (signed by the responsible person and sealed with the official seal)"},
		{Material{Key: "business_licence", Copies: 2, Name: Text{Zh: "营业执照复印件", En: "Copy of the business licence"}},
			"营业执照复印件 2 份", "Copy of the business licence, 2 copies"},
		{Material{Key: "authorization_letter", Copies: 1, Name: Text{Zh: "网站备案授权书", En: "Website filing authorization letter"}},
			"网站备案授权书 1 份", "Website filing authorization letter, 1 copy"},
	} {
		t.Run(tc.m.Key, func(t *testing.T) {
			if got := tc.m.Text(LangChinese); got != tc.zh {
				t.Errorf("zh = %q, want %q", got, tc.zh)
			}
			if got := tc.m.Text(LangEnglish); got != tc.en {
				t.Errorf("en = %q, want %q", got, tc.en)
			}
		})
	}
	// Every item of every real checklist renders in both languages.
	for _, f := range []Filing{mustFiling(t, enterpriseInput()), mustFiling(t, individualInput())} {
		for _, m := range Checklist(f) {
			zh, en := m.Text(LangChinese), m.Text(LangEnglish)
			if !strings.Contains(zh, m.Name.Zh) || !strings.Contains(zh, "份") {
				t.Errorf("%s zh text %q", m.Key, zh)
			}
			if !strings.Contains(en, m.Name.En) || !strings.Contains(en, "cop") {
				t.Errorf("%s en text %q", m.Key, en)
			}
			if zh == en {
				t.Errorf("%s: same text in both languages", m.Key)
			}
		}
	}
}

func TestFormStandardsAndOnSiteStep(t *testing.T) {
	if len(FormStandards) != 3 {
		t.Errorf("FormStandards has %d rules, want the seed's 3 (§三.4)", len(FormStandards))
	}
	for i, s := range append(append([]Text(nil), FormStandards...), OnSiteStep) {
		if s.Zh == "" || s.En == "" {
			t.Errorf("text %d is empty in a language: %+v", i, s)
		}
	}
	if !strings.Contains(OnSiteStep.Zh, "拍摄照片") || !strings.Contains(OnSiteStep.Zh, "网站负责人") {
		t.Errorf("OnSiteStep %q: the photo may be of the website responsible person (§三.2)", OnSiteStep.Zh)
	}
}

func TestCheckRules(t *testing.T) {
	zhang := person(t, "张三丰", idZhang)
	zhangAgain := person(t, "张 三丰", idZhang)
	li := person(t, "李四", idLi)
	wang := person(t, "王五", idWang)
	fakeWang := person(t, "王五", idZhao)

	individual := func(sr, wr Person, registrants ...string) Filing {
		f := mustFiling(t, individualInput())
		f.Subject.Responsible, f.Website.Responsible = sr, wr
		if len(registrants) > 0 {
			f.Website.Domains = nil
			for i, r := range registrants {
				f.Website.Domains = append(f.Website.Domains, Domain{Name: []string{"a.example.cn", "b.example.cn", "c.example.cn"}[i], Registrant: r})
			}
		}
		return f
	}
	withDomains := func(f Filing, subject string, registrants ...string) Filing {
		f.Subject.Name = subject
		f.Website.Domains = nil
		for i, r := range registrants {
			f.Website.Domains = append(f.Website.Domains, Domain{Name: []string{"a.example.cn", "b.example.cn", "c.example.cn"}[i], Registrant: r})
		}
		return f
	}
	ent := func(lr, sr, wr Person) Filing { return orgFiling(t, SubjectEnterprise, lr, sr, wr) }

	for _, tc := range []struct {
		name string
		f    Filing
		want []string // sorted code@field
	}{
		{"valid enterprise", mustFiling(t, enterpriseInput()), nil},
		{"valid individual", mustFiling(t, individualInput()), nil},
		{"enterprise: responsible is not the legal rep", ent(zhang, li, li),
			[]string{RuleEnterpriseResponsibleIsLegal + "@subject.responsible"}},
		{"enterprise: legal rep written differently is the same person", ent(zhang, zhangAgain, li), nil},
		{"enterprise: same name is not enough", ent(wang, fakeWang, li),
			[]string{RuleEnterpriseResponsibleIsLegal + "@subject.responsible"}},
		{"enterprise: missing legal rep ID is its own problem", ent(Person{Name: "张三丰"}, li, li), nil},
		{"enterprise: no legal rep at all", func() Filing { f := ent(zhang, li, li); f.Subject.LegalRepresentative = nil; return f }(), nil},
		{"government: responsible need not be the legal rep", orgFiling(t, SubjectGovernment, zhang, li, li), nil},
		{"individual: different website responsible", individual(wang, li),
			[]string{RuleIndividualSameResponsible + "@website.responsible"}},
		{"individual: same name, different ID", individual(wang, fakeWang),
			[]string{RuleIndividualSameResponsible + "@website.responsible"}},
		{"individual: missing ID is its own problem", individual(wang, Person{Name: "王五"}), nil},
		{"organisation with different responsibles is fine (letter instead)", ent(zhang, zhang, li), nil},
		{"one problem per wrong domain", withDomains(mustFiling(t, enterpriseInput()), testCompany, "别的公司", testCompany, "王五"),
			[]string{RuleRegistrantMatchesSubject + "@website.domains[0].registrant", RuleRegistrantMatchesSubject + "@website.domains[2].registrant"}},
		{"full-width parentheses match half-width", withDomains(mustFiling(t, enterpriseInput()), "示例科技（北京）有限公司", "示例科技(北京)有限公司"), nil},
		{"half-width parentheses match full-width", withDomains(mustFiling(t, enterpriseInput()), "示例科技(北京)有限公司", "示例科技（北京）有限公司"), nil},
		{"spacing and case do not matter", withDomains(mustFiling(t, enterpriseInput()), "Example Tech (Beijing) Co., Ltd.", "EXAMPLE TECH(BEIJING)CO.,LTD."), nil},
		{"full-width Latin letters match", withDomains(mustFiling(t, enterpriseInput()), "Ｅｘａｍｐｌｅ Ltd", "Example Ltd"), nil},
		{"a similar name is not the same", withDomains(mustFiling(t, enterpriseInput()), "示例科技(北京)有限公司", "示例科技(上海)有限公司"),
			[]string{RuleRegistrantMatchesSubject + "@website.domains[0].registrant"}},
		{"empty registrant is its own problem", withDomains(mustFiling(t, enterpriseInput()), testCompany, ""), nil},
		{"empty subject name is its own problem", withDomains(mustFiling(t, enterpriseInput()), "", "别的公司"), nil},
		{"individual registrant must be the person", individual(wang, wang, "王五", "王 五", "李四"),
			[]string{RuleRegistrantMatchesSubject + "@website.domains[2].registrant"}},
		{"every rule at once", withDomains(ent(zhang, li, li), testCompany, "别的公司", "另一家公司"),
			[]string{RuleEnterpriseResponsibleIsLegal + "@subject.responsible",
				RuleRegistrantMatchesSubject + "@website.domains[0].registrant", RuleRegistrantMatchesSubject + "@website.domains[1].registrant"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			probs := CheckRules(tc.f)
			got := codes(probs)
			if len(got) == 0 {
				got = nil
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("CheckRules = %v\nwant         %v", got, tc.want)
			}
			for _, p := range probs {
				if p.Message.Zh == "" || p.Message.En == "" {
					t.Errorf("problem %s has an empty message: %+v", p.Code, p.Message)
				}
				if !strings.Contains(p.Message.Zh, "§三") || !strings.Contains(p.Message.En, "§三") {
					t.Errorf("problem %s does not cite the seed rule: %+v", p.Code, p.Message)
				}
				if !probs.Has(p.Code) {
					t.Errorf("Problems.Has(%q) = false", p.Code)
				}
			}
			assertNoSecret(t, "problems", probs, idZhang, idLi, idWang, idZhao)
		})
	}
}

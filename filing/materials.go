package filing

import (
	"fmt"
	"strings"
)

// Material is one item of the paper materials an applicant brings to the
// on-site verification (seed §二).
type Material struct {
	Key    string `json:"key"`
	Copies int    `json:"copies"`
	Name   Text   `json:"name"`
	Note   Text   `json:"note"`
}

// Text renders the item as one line in lang, e.g. "真实性核验单 2 份(负责人签字并加盖公章)".
func (m Material) Text(lang Language) string {
	if lang == LangEnglish {
		s := fmt.Sprintf("%s, %d %s", m.Name.En, m.Copies, plural(m.Copies, "copy", "copies"))
		if m.Note.En != "" {
			s += " (" + m.Note.En + ")"
		}
		return s
	}
	s := fmt.Sprintf("%s %d 份", m.Name.Zh, m.Copies)
	if m.Note.Zh != "" {
		s += "(" + m.Note.Zh + ")"
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// NeedsAuthorization reports whether the website filing authorization letter
// is required: the subject and website responsible persons are different
// people (seed §二.1.5, §三.2).
func (f Filing) NeedsAuthorization() bool {
	return f.Subject.Type.Organisation() && !f.Subject.Responsible.SamePerson(f.Website.Responsible)
}

// Checklist is the materials list for this filing, exactly as seed §二 gives
// it for its subject type: organisations sign and seal, individuals sign and
// fingerprint; the authorization letter only when it is needed.
func Checklist(f Filing) []Material {
	org := f.Subject.Type.Organisation()
	signNote := Text{Zh: "负责人签字并加盖公章", En: "signed by the responsible person and sealed with the official seal"}
	if !org {
		signNote = Text{Zh: "负责人签字加按手印", En: "signed by the responsible person, with a fingerprint"}
	}
	list := []Material{
		{Key: "verification_form", Copies: 2, Name: Text{Zh: "真实性核验单", En: "Authenticity verification form"}, Note: signNote},
		{Key: "security_agreement", Copies: 2, Name: Text{Zh: "信息安全协议", En: "Information security agreement"}, Note: signNote},
	}
	switch {
	case f.Subject.Type == SubjectEnterprise:
		list = append(list, Material{Key: "business_licence", Copies: 2,
			Name: Text{Zh: "营业执照复印件", En: "Copy of the business licence"}})
	case org:
		list = append(list, Material{Key: "organisation_code_certificate", Copies: 2,
			Name: Text{Zh: "组织机构代码证复印件", En: "Copy of the organisation code certificate"}})
	}
	if org {
		// One set of copies per person: when the legal representative is also
		// the website responsible person, two copies of one card are enough.
		for _, rp := range f.Persons() {
			zh := make([]string, len(rp.Roles))
			en := make([]string, len(rp.Roles))
			for i, r := range rp.Roles {
				zh[i], en[i] = r.Label(LangChinese), r.Label(LangEnglish)
			}
			list = append(list, Material{Key: "id_card_copy", Copies: 2,
				Name: Text{Zh: strings.Join(zh, "兼") + "(" + rp.Person.Name + ")身份证复印件",
					En: "Copy of the ID card of the " + strings.Join(en, " and ") + " (" + rp.Person.Name + ")"}})
		}
		if f.NeedsAuthorization() {
			list = append(list, Material{Key: "authorization_letter", Copies: 1,
				Name: Text{Zh: "网站备案授权书", En: "Website filing authorization letter"},
				Note: Text{Zh: "主体负责人与网站负责人不是同一人,须提供", En: "required because the subject and website responsible persons are different people"}})
		}
	} else {
		list = append(list, Material{Key: "id_card_copy", Copies: 2,
			Name: Text{Zh: "负责人(" + f.Subject.Responsible.Name + ")身份证复印件",
				En: "Copy of the responsible person's ID card (" + f.Subject.Responsible.Name + ")"}})
	}
	names := make([]string, len(f.Website.Domains))
	for i, d := range f.Website.Domains {
		names[i] = d.Name
	}
	domainNote := Text{}
	if len(names) > 0 {
		domainNote = Text{Zh: "每个域名各 2 份:" + strings.Join(names, "、"), En: "2 for each domain: " + strings.Join(names, ", ")}
	}
	list = append(list, Material{Key: "domain_certificate", Copies: 2,
		Name: Text{Zh: "域名证书", En: "Domain certificate"}, Note: domainNote})
	return list
}

// FormStandards are the rules for the printed forms (seed §三.4), sent with
// the checklist so forms are not rejected at the counter.
var FormStandards = []Text{
	{Zh: "真实性核验单须使用备案系统打印的标准版本,不得分页;企业签字盖章,个人签字按手印。",
		En: "Print the authenticity verification form from the filing system in its standard layout, on a single page; organisations sign and seal it, individuals sign it and add a fingerprint."},
	{Zh: "网站负责人处须本人签字,不得代签。",
		En: "The website responsible person must sign in person; nobody may sign for them."},
	{Zh: "核验单和协议有任何涂改即无效。",
		En: "Any alteration makes the form or agreement invalid."},
}

// OnSiteStep tells the applicant what happens at the counter (seed §一 steps 4–5, §三.2).
var OnSiteStep = Text{
	Zh: "请在备案系统中打印相关资料,携带上述资料到我公司进行现场核验并现场拍摄照片(拍照人可以是网站负责人)。",
	En: "Print the forms from the filing system and bring all of the above to our office for on-site verification, where your photo is taken (the photo may be of the website responsible person).",
}

// Rule codes of the seed's §三 checks.
const (
	RuleRegistrantMatchesSubject     = "registrant_matches_subject"
	RuleEnterpriseResponsibleIsLegal = "enterprise_responsible_is_legal_representative"
	RuleIndividualSameResponsible    = "individual_same_responsible"
)

// CheckRules applies the seed's §三 rules to a filing. Persons are compared by
// ID number, not by name. A rule whose inputs are missing is not reported:
// the missing field is its own problem.
func CheckRules(f Filing) Problems {
	var probs Problems
	sr, wr := f.Subject.Responsible, f.Website.Responsible
	if f.Subject.Type == SubjectEnterprise && f.Subject.LegalRepresentative != nil {
		lr := *f.Subject.LegalRepresentative
		if lr.IDFingerprint != "" && sr.IDFingerprint != "" && !lr.SamePerson(sr) {
			probs = append(probs, Problem{Code: RuleEnterpriseResponsibleIsLegal, Field: "subject.responsible", Message: Text{
				Zh: fmt.Sprintf("企业备案主体负责人必须填写法人:主体负责人(%s)与法人(%s)不是同一人(§三.2)", sr.Name, lr.Name),
				En: fmt.Sprintf("an enterprise's subject responsible person must be its legal representative: %s is not %s (seed §三.2)", sr.Name, lr.Name),
			}})
		}
	}
	if f.Subject.Type == SubjectIndividual && sr.IDFingerprint != "" && wr.IDFingerprint != "" && !sr.SamePerson(wr) {
		probs = append(probs, Problem{Code: RuleIndividualSameResponsible, Field: "website.responsible", Message: Text{
			Zh: fmt.Sprintf("个人备案主体负责人与网站负责人须为同一人:%s 与 %s 不是同一人(§三.3)", sr.Name, wr.Name),
			En: fmt.Sprintf("in an individual filing the subject and website responsible persons must be the same person: %s is not %s (seed §三.3)", sr.Name, wr.Name),
		}})
	}
	if f.Subject.Name != "" {
		for i, d := range f.Website.Domains {
			if d.Registrant != "" && !sameName(d.Registrant, f.Subject.Name) {
				probs = append(probs, Problem{Code: RuleRegistrantMatchesSubject, Field: fmt.Sprintf("website.domains[%d].registrant", i), Message: Text{
					Zh: fmt.Sprintf("域名 %s 的注册人(%s)与备案主体名称(%s)不一致,域名注册信息必须与备案信息相一致(§三.1)", d.Name, d.Registrant, f.Subject.Name),
					En: fmt.Sprintf("domain %s is registered to %q, not to the subject %q; the registration must match the filing (seed §三.1)", d.Name, d.Registrant, f.Subject.Name),
				}})
			}
		}
	}
	return probs
}

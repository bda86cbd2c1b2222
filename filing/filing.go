package filing

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// SubjectType is the kind of organisation or person a filing is for (主体性质).
type SubjectType string

const (
	SubjectEnterprise  SubjectType = "enterprise"
	SubjectInstitution SubjectType = "institution"
	SubjectGovernment  SubjectType = "government"
	SubjectSchool      SubjectType = "school"
	SubjectSocialOrg   SubjectType = "social_org"
	SubjectIndividual  SubjectType = "individual"
)

// SubjectTypes lists every subject type.
var SubjectTypes = []SubjectType{SubjectEnterprise, SubjectInstitution, SubjectGovernment,
	SubjectSchool, SubjectSocialOrg, SubjectIndividual}

var subjectTypeLabels = map[SubjectType]Text{
	SubjectEnterprise:  {Zh: "企业", En: "enterprise"},
	SubjectInstitution: {Zh: "事业单位", En: "public institution"},
	SubjectGovernment:  {Zh: "政府机关", En: "government agency"},
	SubjectSchool:      {Zh: "院校", En: "school"},
	SubjectSocialOrg:   {Zh: "社会团体", En: "social organisation"},
	SubjectIndividual:  {Zh: "个人", En: "individual"},
}

// Valid reports whether t is a known subject type.
func (t SubjectType) Valid() bool { _, ok := subjectTypeLabels[t]; return ok }

// Label is the subject type in lang.
func (t SubjectType) Label(lang Language) string { return subjectTypeLabels[t].In(lang) }

// Organisation reports whether the subject is an organisation (seed §二.1)
// rather than a person (§二.2).
func (t SubjectType) Organisation() bool { return t != SubjectIndividual }

// Subject is the organisation or person the filing is for (备案主体).
type Subject struct {
	Type                SubjectType `json:"type"`
	Name                string      `json:"name"`
	LegalRepresentative *Person     `json:"legal_representative,omitempty"` // organisations only
	Responsible         Person      `json:"responsible"`                    // 主体负责人
}

// Website is the website being filed (备案网站).
type Website struct {
	Name        string   `json:"name"`
	Responsible Person   `json:"responsible"` // 网站负责人
	Domains     []Domain `json:"domains"`
}

// Filing is one website filing.
type Filing struct {
	ID           int64        `json:"-"`
	Reference    string       `json:"reference"`
	AccountID    int64        `json:"-"`
	Subject      Subject      `json:"subject"`
	Website      Website      `json:"website"`
	Stage        Stage        `json:"stage"`
	ReturnReason string       `json:"return_reason,omitempty"`
	ReturnSource ReturnSource `json:"return_source,omitempty"`
	ReturnedAt   *time.Time   `json:"returned_at,omitempty"`
	Deadline     *time.Time   `json:"deadline,omitempty"`
	Overdue      bool         `json:"overdue"`
	Late         bool         `json:"late"`
	ICPNumber    string       `json:"icp_number,omitempty"`
	Version      int          `json:"version"`
	// Returns counts the returns so far: each return starts a new deadline,
	// and its reminders and overdue notice are keyed by this number.
	Returns int `json:"returns"`
	// Extensions counts the deadline changes within this return (extensions,
	// undone resubmissions): each restarts the reminders.
	Extensions int `json:"extensions,omitempty"`
	// LastDeadline is the deadline a resubmission ended, kept to undo it.
	LastDeadline *time.Time  `json:"last_deadline,omitempty"`
	CloseReason  CloseReason `json:"close_reason,omitempty"`
	CloseNote    string      `json:"close_note,omitempty"`
	ClosedAt     *time.Time  `json:"closed_at,omitempty"`
	CreatedAt    time.Time   `json:"created_at"`
	UpdatedAt    time.Time   `json:"updated_at"`
	SubmittedAt  *time.Time  `json:"submitted_at,omitempty"`
	ApprovedAt   *time.Time  `json:"approved_at,omitempty"`
}

// AwaitingResubmission reports whether the filing was returned (by the
// provider or the bureau) and the applicant has not resubmitted yet: its
// deadline is running.
func (f Filing) AwaitingResubmission() bool { return f.Deadline != nil && f.ReturnedAt != nil }

// Persons returns the distinct people named in the filing with their roles,
// in the order the seed's materials list names them.
func (f Filing) Persons() []RolePerson {
	var out []RolePerson
	add := func(role Role, p Person) {
		for i := range out {
			if out[i].Person.SamePerson(p) {
				out[i].Roles = append(out[i].Roles, role)
				return
			}
		}
		out = append(out, RolePerson{Roles: []Role{role}, Person: p})
	}
	if f.Subject.LegalRepresentative != nil {
		add(RoleLegalRepresentative, *f.Subject.LegalRepresentative)
	}
	add(RoleSubjectResponsible, f.Subject.Responsible)
	add(RoleWebsiteResponsible, f.Website.Responsible)
	return out
}

// Role is a person's place in a filing.
type Role string

const (
	RoleLegalRepresentative Role = "legal_representative"
	RoleSubjectResponsible  Role = "subject_responsible"
	RoleWebsiteResponsible  Role = "website_responsible"
)

var roleLabels = map[Role]Text{
	RoleLegalRepresentative: {Zh: "法人", En: "legal representative"},
	RoleSubjectResponsible:  {Zh: "主体负责人", En: "subject responsible person"},
	RoleWebsiteResponsible:  {Zh: "网站负责人", En: "website responsible person"},
}

// Label is the role in lang.
func (r Role) Label(lang Language) string { return roleLabels[r].In(lang) }

// RolePerson is one person and every role they hold in a filing.
type RolePerson struct {
	Roles  []Role
	Person Person
}

// FilingInput is a filing as the provider's filing system hands it over
// (`icpdesk filing import`): the contract between the two systems.
type FilingInput struct {
	Ref     string `json:"ref"`
	Account string `json:"account"`
	Subject struct {
		Type                string       `json:"type"`
		Name                string       `json:"name"`
		LegalRepresentative *PersonInput `json:"legal_representative"`
		Responsible         *PersonInput `json:"responsible"`
	} `json:"subject"`
	Website struct {
		Name        string        `json:"name"`
		Responsible *PersonInput  `json:"responsible"`
		Domains     []DomainInput `json:"domains"`
	} `json:"website"`
}

// MaxImportBytes bounds an import document; a filing is a few kilobytes.
const MaxImportBytes = 1 << 20

// DecodeFilingInput reads one import document strictly: unknown keys are
// problems, so a typo in the filing system's export cannot drop a field silently.
func DecodeFilingInput(r io.Reader) (FilingInput, error) {
	var in FilingInput
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return in, fmt.Errorf("read filing: %w", err)
	}
	if len(data) > MaxImportBytes {
		return in, fmt.Errorf("filing document is larger than %d bytes", MaxImportBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return in, fmt.Errorf("filing document is not valid: %w", err)
	}
	// More() misses a stray '}' or ']'; only a clean end of input will do.
	if _, err := dec.Token(); err != io.EOF {
		return in, errors.New("filing document has trailing data after the JSON object")
	}
	return in, nil
}

// NewFiling validates an import and returns the draft filing to store, or
// every problem found (missing fields, bad ID numbers, broken seed rules).
// The account reference is not resolved here: the store knows accounts.
func NewFiling(in FilingInput, fp *Fingerprinter, now time.Time) (Filing, Problems) {
	var probs Problems
	f := Filing{Stage: StageDraft, Version: 1, CreatedAt: now.UTC(), UpdatedAt: now.UTC()}

	if ref := strings.TrimSpace(in.Ref); ref != "" {
		norm, err := NormalizeReference(ref)
		if err != nil {
			probs = append(probs, Problem{Code: "invalid_reference", Field: "ref", Message: Text{
				Zh: "ref:" + err.Error(), En: "ref: " + err.Error()}})
		}
		f.Reference = norm
	}
	if strings.TrimSpace(in.Account) == "" {
		probs = append(probs, missing("account"))
	} else if _, err := NormalizeEmail(in.Account); err != nil {
		probs = append(probs, Problem{Code: "invalid_email", Field: "account", Message: Text{
			Zh: fmt.Sprintf("account:帐号邮箱无效(%v)", err), En: fmt.Sprintf("account: %v", err)}})
	}

	f.Subject.Type = SubjectType(strings.ToLower(strings.TrimSpace(in.Subject.Type)))
	switch {
	case in.Subject.Type == "":
		probs = append(probs, missing("subject.type"))
	case !f.Subject.Type.Valid():
		probs = append(probs, Problem{Code: "invalid_subject_type", Field: "subject.type", Message: Text{
			Zh: fmt.Sprintf("subject.type:未知的主体性质 %q", in.Subject.Type),
			En: fmt.Sprintf("subject.type: unknown subject type %q (want enterprise, institution, government, school, social_org or individual)", in.Subject.Type),
		}})
	}
	if f.Subject.Name = OneLine(in.Subject.Name); f.Subject.Name == "" {
		probs = append(probs, missing("subject.name"))
	}
	person := func(field string, in *PersonInput) Person {
		if in == nil {
			probs = append(probs, missing(field))
			return Person{}
		}
		p, ps := fp.NewPerson(field, *in)
		probs = append(probs, ps...)
		return p
	}
	if f.Subject.Type.Organisation() {
		lr := person("subject.legal_representative", in.Subject.LegalRepresentative)
		f.Subject.LegalRepresentative = &lr
	} else if in.Subject.LegalRepresentative != nil {
		probs = append(probs, Problem{Code: "unexpected_field", Field: "subject.legal_representative", Message: Text{
			Zh: "subject.legal_representative:个人备案没有法人,请删除该项",
			En: "subject.legal_representative: an individual filing has no legal representative; remove it",
		}})
	}
	f.Subject.Responsible = person("subject.responsible", in.Subject.Responsible)

	if f.Website.Name = OneLine(in.Website.Name); f.Website.Name == "" {
		probs = append(probs, missing("website.name"))
	}
	f.Website.Responsible = person("website.responsible", in.Website.Responsible)
	if len(in.Website.Domains) == 0 {
		probs = append(probs, missing("website.domains"))
	}
	seen := map[string]bool{}
	for i, d := range in.Website.Domains {
		field := fmt.Sprintf("website.domains[%d]", i)
		u, a, err := NormalizeDomain(d.Name)
		if err != nil {
			probs = append(probs, Problem{Code: "invalid_domain", Field: field + ".name", Message: Text{
				Zh: fmt.Sprintf("%s.name:域名无效(%v)", field, err), En: fmt.Sprintf("%s.name: %v", field, err)}})
			continue
		}
		if seen[a] {
			probs = append(probs, Problem{Code: "duplicate_domain", Field: field + ".name", Message: Text{
				Zh: fmt.Sprintf("%s.name:域名 %s 重复", field, u), En: fmt.Sprintf("%s.name: domain %s is listed twice", field, u)}})
			continue
		}
		seen[a] = true
		reg := OneLine(d.Registrant)
		if reg == "" {
			probs = append(probs, missing(field+".registrant"))
		}
		f.Website.Domains = append(f.Website.Domains, Domain{Name: u, ASCII: a, Registrant: reg})
	}

	// The seed's rules only make sense on complete data; report them when the
	// fields they compare are present, so every problem is seen at once.
	probs = append(probs, CheckRules(f)...)
	if len(probs) > 0 {
		return Filing{}, probs
	}
	return f, nil
}

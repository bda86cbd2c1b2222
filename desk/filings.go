package desk

import (
	"context"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/store"
)

// PersonView is a person as staff may see them: ID number and phone masked.
type PersonView struct {
	Name     string `json:"name"`
	IDMasked string `json:"id_masked"`
	Phone    string `json:"phone_masked"`
	Email    string `json:"email,omitempty"`
}

func viewPerson(p filing.Person) PersonView {
	return PersonView{Name: p.Name, IDMasked: p.IDMasked, Phone: filing.MaskPhone(p.Phone), Email: p.Email}
}

// MaterialView is one line of a filing's materials checklist, in both languages.
type MaterialView struct {
	Key    string `json:"key"`
	Copies int    `json:"copies"`
	Zh     string `json:"zh"`
	En     string `json:"en"`
}

// AccountView is the account a filing belongs to.
type AccountView struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Status   string `json:"status"`
	Language string `json:"language"`
}

// FilingView is a filing with everything staff and the filing system read
// about it on one page: stage and deadline, checklist, rule findings, the
// timeline of events, mail in and mail out, and its work items.
type FilingView struct {
	Reference  string      `json:"reference"`
	Tag        string      `json:"tag"`
	Stage      string      `json:"stage"`
	StageLabel string      `json:"stage_label"`
	Account    AccountView `json:"account"`
	Subject    struct {
		Type                string      `json:"type"`
		Name                string      `json:"name"`
		LegalRepresentative *PersonView `json:"legal_representative,omitempty"`
		Responsible         PersonView  `json:"responsible"`
	} `json:"subject"`
	Website struct {
		Name        string          `json:"name"`
		Responsible PersonView      `json:"responsible"`
		Domains     []filing.Domain `json:"domains"`
	} `json:"website"`
	ReturnReason  string     `json:"return_reason,omitempty"`
	ReturnSource  string     `json:"return_source,omitempty"`
	ReturnedAt    *time.Time `json:"returned_at,omitempty"`
	Deadline      *time.Time `json:"deadline,omitempty"`
	DeadlineLocal string     `json:"deadline_local,omitempty"`
	Overdue       bool       `json:"overdue"`
	Late          bool       `json:"late"`
	Extensions    int        `json:"extensions"`
	ICPNumber     string     `json:"icp_number,omitempty"`
	CloseReason   string     `json:"close_reason,omitempty"`
	CloseNote     string     `json:"close_note,omitempty"`
	ClosedAt      *time.Time `json:"closed_at,omitempty"`
	Version       int        `json:"version"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	// Actions are the stage actions the process allows staff from here.
	Actions      []string               `json:"actions"`
	Materials    []MaterialView         `json:"materials"`
	RuleProblems []filing.Problem       `json:"rule_problems"`
	Events       []store.Event          `json:"events"`
	Inbound      []store.InboundMessage `json:"inbound"`
	Outbox       []store.OutboxRow      `json:"outbox"`
	Items        []store.WorkItem       `json:"work_items"`
	Filing       filing.Filing          `json:"-"`
}

// Filing reads a filing with its timeline, mail and work items.
func (s *Service) Filing(ctx context.Context, ref string) (FilingView, error) {
	d, err := s.store.FilingByRef(ctx, ref)
	if err != nil {
		return FilingView{}, err
	}
	f := d.Filing
	loc := s.store.Policy().Location
	v := FilingView{Filing: f}
	v.Reference, v.Tag, v.Stage, v.StageLabel = f.Reference, filing.Tag(f.Reference), string(f.Stage), f.Stage.Label(filing.LangChinese)
	v.Account = AccountView{Email: d.Account.Email, Name: d.Account.Name, Status: string(d.Account.Status), Language: string(d.Account.Language)}
	v.Subject.Type, v.Subject.Name = string(f.Subject.Type), f.Subject.Name
	if lr := f.Subject.LegalRepresentative; lr != nil {
		p := viewPerson(*lr)
		v.Subject.LegalRepresentative = &p
	}
	v.Subject.Responsible = viewPerson(f.Subject.Responsible)
	v.Website.Name, v.Website.Responsible, v.Website.Domains = f.Website.Name, viewPerson(f.Website.Responsible), f.Website.Domains
	v.ReturnReason, v.ReturnSource, v.ReturnedAt, v.Deadline = f.ReturnReason, string(f.ReturnSource), f.ReturnedAt, f.Deadline
	if f.Deadline != nil {
		v.DeadlineLocal = f.Deadline.In(loc).Format("2006-01-02 15:04:05 MST")
	}
	v.Overdue, v.Late, v.Extensions, v.ICPNumber = f.Overdue, f.Late, f.Extensions, f.ICPNumber
	v.Version, v.CreatedAt, v.UpdatedAt = f.Version, f.CreatedAt, f.UpdatedAt
	v.CloseReason, v.CloseNote, v.ClosedAt = string(f.CloseReason), f.CloseNote, f.ClosedAt
	v.Actions = []string{}
	for _, a := range filing.StaffActions(f) {
		v.Actions = append(v.Actions, string(a))
	}
	v.Materials = []MaterialView{}
	for _, m := range filing.Checklist(f) {
		v.Materials = append(v.Materials, MaterialView{Key: m.Key, Copies: m.Copies, Zh: m.Text(filing.LangChinese), En: m.Text(filing.LangEnglish)})
	}
	if v.RuleProblems = filing.CheckRules(f); v.RuleProblems == nil {
		v.RuleProblems = []filing.Problem{}
	}
	if v.Events, err = s.store.FilingEvents(ctx, f.ID); err != nil {
		return v, err
	}
	if v.Inbound, err = s.store.ListInbound(ctx, store.InboundFilter{FilingID: f.ID}); err != nil {
		return v, err
	}
	if v.Outbox, err = s.store.ListOutbox(ctx, store.OutboxFilter{FilingID: f.ID}); err != nil {
		return v, err
	}
	if v.Items, err = s.store.ListWorkItems(ctx, store.WorkFilter{FilingID: f.ID, All: true}); err != nil {
		return v, err
	}
	for _, p := range []any{&v.Events, &v.Inbound, &v.Outbox, &v.Items} {
		emptyNotNull(p)
	}
	return v, nil
}

// emptyNotNull turns a nil slice into an empty one so JSON says [] not null.
func emptyNotNull(p any) {
	switch s := p.(type) {
	case *[]store.Event:
		if *s == nil {
			*s = []store.Event{}
		}
	case *[]store.InboundMessage:
		if *s == nil {
			*s = []store.InboundMessage{}
		}
	case *[]store.OutboxRow:
		if *s == nil {
			*s = []store.OutboxRow{}
		}
	case *[]store.WorkItem:
		if *s == nil {
			*s = []store.WorkItem{}
		}
	}
}

// Filings lists one page of filings, most recently changed first.
func (s *Service) Filings(ctx context.Context, f store.FilingFilter) (store.FilingPage, error) {
	if f.Limit <= 0 || f.Limit > MaxPage {
		f.Limit = DefaultPage
	}
	return s.store.ListFilingsPage(ctx, f)
}

// DefaultPage and MaxPage bound a list page.
const (
	DefaultPage = 50
	MaxPage     = 500
)

package templates

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	htmltemplate "html/template"
	"strings"
	"time"

	"example.com/icpdesk/filing"
)

// MIITFilingSite is where every filed website's footer ICP number must link.
const MIITFilingSite = "https://beian.miit.gov.cn"

// view is what templates see: every value already in the email's language
// and the desk's zone, so templates hold wording, not logic.
type view struct {
	Kind    filing.EmailKind
	Lang    filing.Language
	Staff   bool // the email goes to staff
	Subject string
	Desk    deskView
	// DeskText and DeskHTML are the "desk" templates' output.
	DeskText string
	DeskHTML htmltemplate.HTML
	Tag      string // the reference tag, empty for emails not about a filing
	Ref      string
	ToName   string
	Account  string // the account's registered address (masked for staff)
	At       string // when the change happened

	SubjectName string
	SubjectType string
	WebsiteName string
	Domains     []string
	DomainList  string
	Stage       string

	RejectReason  string
	Reason        string // the return reason, possibly several lines
	ReturnedBy    string
	ReturnedAt    string
	Deadline      string
	DeadlineShort string
	Left          string // time left before the deadline, for reminders
	ICPNumber     string
	Password      string
	MIITSite      string
	FooterCode    string // HTML to paste into the site's footer, as text

	Materials     []string
	FormStandards []string
	OnSite        string
	Problems      []string

	Inbound *inboundView
	Alert   *alertView
	Digest  *digestView
}

type deskView struct {
	Name, Address, PostalAddress, Phone, Website, FilingSystemURL string
}

type inboundView struct {
	From, Subject, ReceivedAt string
}

type alertView struct {
	Summary, Action, Actor, From, To string
}

type digestView struct {
	Date, GeneratedAt, Since string
	Zone                     string
	Stages                   []stageRow
	Total                    int
	Resubmitted              []filingRow
	DueSoon                  []filingRow
	Overdue                  []filingRow
	Unlinked                 []messageRow
	Unverified               []messageRow
	Unparseable              []messageRow
	Failed                   []emailRow
	Attention                int // items needing attention, the counts aside
}

type stageRow struct {
	Label string
	Count int
}

type filingRow struct {
	Ref, Applicant, Account, Domain, Stage, Reason string
	ReturnedAt, Deadline, ResubmittedAt, Left      string
	Late                                           bool
}

type messageRow struct {
	ID                                     int64
	From, Subject, ReceivedAt, Filing, Err string
}

type emailRow struct {
	ID                            int64
	Kind, To, Filing, Err, Create string
	Attempts                      int
}

// aboutFiling reports whether k is about one filing and so needs its reference.
func aboutFiling(k filing.EmailKind) bool {
	switch k {
	case filing.EmailAccountApproved, filing.EmailAccountRejected, filing.EmailStaffAlert, filing.EmailStaffDigest:
		return false
	}
	return true
}

// deskFor is the desk as emails in lang show it.
func deskFor(d DeskInfo, lang filing.Language) deskView {
	dv := deskView{Name: d.Name, Address: d.Address, PostalAddress: d.PostalAddress, Phone: d.Phone,
		Website: d.Website, FilingSystemURL: d.FilingSystemURL}
	if lang == filing.LangEnglish {
		if d.NameEn != "" {
			dv.Name = d.NameEn
		}
		if d.PostalAddressEn != "" {
			dv.PostalAddress = d.PostalAddressEn
		}
	}
	return dv
}

func (r *Renderer) view(n filing.Notice, lang filing.Language) (*view, error) {
	db := r.desks[lang]
	staff := n.Kind.ToStaff()
	v := &view{
		Kind: n.Kind, Lang: lang, Staff: staff, Desk: db.view, DeskText: db.text, DeskHTML: db.html,
		Ref:         OneLine(n.Reference),
		ToName:      OneLine(n.ToName),
		Account:     OneLine(n.Account),
		SubjectName: OneLine(n.SubjectName),
		WebsiteName: OneLine(n.WebsiteName),
		MIITSite:    MIITFilingSite,
	}
	if v.Ref != "" {
		v.Tag = filing.Tag(v.Ref)
	}
	if !n.At.IsZero() {
		v.At = dateTime(n.At, r.loc, lang)
	}
	if n.SubjectType != "" {
		v.SubjectType = n.SubjectType.Label(lang)
		if v.SubjectType == "" {
			v.SubjectType = string(n.SubjectType)
		}
	}
	for _, dom := range n.Domains {
		if dom = OneLine(dom); dom != "" {
			v.Domains = append(v.Domains, dom)
		}
	}
	sep := "、"
	if lang == filing.LangEnglish {
		sep = ", "
	}
	v.DomainList = strings.Join(v.Domains, sep)
	if n.Stage != "" {
		v.Stage = n.Stage.Label(lang)
	}
	if staff {
		// Staff emails show personal data masked (DESIGN.md, Personal data).
		v.Account = filing.MaskEmail(v.Account)
		if n.SubjectType == filing.SubjectIndividual {
			v.SubjectName = filing.MaskName(v.SubjectName)
		}
	}
	v.RejectReason = paragraph(n.RejectReason)
	v.Reason = paragraph(n.ReturnReason)
	if t, ok := returnedByLabels[n.ReturnSource]; ok {
		v.ReturnedBy = t.In(lang)
	}
	if n.ReturnedAt != nil {
		v.ReturnedAt = dateTime(*n.ReturnedAt, r.loc, lang)
	}
	if n.Deadline != nil {
		v.Deadline = dateTime(*n.Deadline, r.loc, lang)
		v.DeadlineShort = shortDateTime(*n.Deadline, r.loc, lang)
	}
	if n.ReminderOffset > 0 {
		v.Left = hoursText(n.ReminderOffset, lang)
	}
	v.ICPNumber = OneLine(n.ICPNumber)
	v.Password = OneLine(n.Password)
	if v.ICPNumber != "" {
		v.FooterCode = `<a href="` + MIITFilingSite + `/" target="_blank" rel="noopener">` + html.EscapeString(v.ICPNumber) + `</a>`
	}
	fromFiling := func(s string) string {
		if lang == filing.LangChinese {
			return zhPunct.Replace(s)
		}
		return s
	}
	for _, m := range n.Materials {
		v.Materials = append(v.Materials, fromFiling(m.Text(lang)))
	}
	if n.Kind == filing.EmailFilingSubmitted {
		for _, s := range filing.FormStandards {
			v.FormStandards = append(v.FormStandards, fromFiling(s.In(lang)))
		}
		v.OnSite = fromFiling(filing.OnSiteStep.In(lang))
	}
	for _, p := range n.RuleProblems {
		v.Problems = append(v.Problems, fromFiling(p.Message.In(lang)))
	}
	if in := n.Inbound; in != nil {
		iv := &inboundView{From: OneLine(in.From), Subject: OneLine(in.Subject)}
		if staff || n.Kind == filing.EmailUnverifiedSender {
			iv.From = filing.MaskEmail(iv.From)
		}
		if !in.ReceivedAt.IsZero() {
			iv.ReceivedAt = dateTime(in.ReceivedAt, r.loc, lang)
		}
		v.Inbound = iv
	}
	if a := n.Alert; a != nil {
		av := &alertView{Summary: paragraph(a.Summary.In(lang)), Action: label(actionLabels, a.Action, lang)}
		if a.Actor != "" {
			av.Actor = label(actorLabels, a.Actor, lang)
		}
		if a.From != "" && a.To != "" && a.From != a.To {
			av.From, av.To = a.From.Label(lang), a.To.Label(lang)
		}
		v.Alert = av
	}
	if n.Kind == filing.EmailStaffDigest {
		dg, err := r.digest(n.Digest, lang)
		if err != nil {
			return nil, err
		}
		v.Digest = dg
	}
	return v, requireFields(n, v)
}

// requireFields refuses a notice that lacks what its email must say: better
// a failed email reported to staff than one that tells an applicant nothing.
func requireFields(n filing.Notice, v *view) error {
	var missing []string
	need := func(ok bool, field string) {
		if !ok {
			missing = append(missing, field)
		}
	}
	if aboutFiling(n.Kind) {
		need(v.Ref != "", "reference")
	}
	switch n.Kind {
	case filing.EmailAccountApproved, filing.EmailAccountRejected:
		need(v.Account != "", "account")
	case filing.EmailFilingSubmitted:
		need(len(v.Materials) > 0, "materials")
	case filing.EmailFilingReturnedProvider, filing.EmailFilingReturned:
		need(v.Reason != "", "return_reason")
		need(v.Deadline != "", "deadline")
	case filing.EmailFilingApproved:
		need(v.ICPNumber != "", "icp_number")
	case filing.EmailResubmissionLate, filing.EmailDeadlineReminder, filing.EmailDeadlinePassed:
		need(v.Deadline != "", "deadline")
	case filing.EmailUnverifiedSender:
		need(v.Inbound != nil, "inbound")
		need(v.Account != "", "account")
	case filing.EmailStaffAlert:
		need(v.Alert != nil && v.Alert.Summary != "", "alert")
	case filing.EmailStaffDigest:
		need(v.Digest != nil, "digest")
	}
	if len(missing) > 0 {
		return fmt.Errorf("the notice lacks %s", strings.Join(missing, ", "))
	}
	return nil
}

func (r *Renderer) digest(raw json.RawMessage, lang filing.Language) (*digestView, error) {
	if len(raw) == 0 {
		return nil, errors.New("the notice lacks digest")
	}
	var d filing.Digest
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	gen := d.GeneratedAt
	dv := &digestView{Date: OneLine(d.Date), Zone: zoneName(gen.In(r.loc), r.loc, lang)}
	if !gen.IsZero() {
		dv.GeneratedAt = tableTime(gen, r.loc)
	}
	if d.Since != nil {
		dv.Since = tableTime(*d.Since, r.loc)
	}
	counts := map[filing.Stage]int{}
	for _, c := range d.Stages {
		counts[c.Stage] += c.Count
	}
	for _, s := range filing.Stages {
		dv.Stages = append(dv.Stages, stageRow{Label: s.Label(lang), Count: counts[s]})
		dv.Total += counts[s]
	}
	tp := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return tableTime(*t, r.loc)
	}
	filings := func(in []filing.DigestFiling) []filingRow {
		out := make([]filingRow, 0, len(in))
		for _, f := range in {
			row := filingRow{
				Ref: OneLine(f.Reference), Applicant: filing.MaskName(OneLine(f.Applicant)),
				Account: filing.MaskEmail(OneLine(f.Account)), Domain: OneLine(f.Domain),
				Stage: f.Stage.Label(lang), Reason: OneLine(f.ReturnReason),
				ReturnedAt: tp(f.ReturnedAt), Deadline: tp(f.Deadline), ResubmittedAt: tp(f.ResubmittedAt), Late: f.Late,
			}
			if f.Deadline != nil && !gen.IsZero() {
				left := f.Deadline.Sub(gen)
				switch {
				case left > 0:
					row.Left = hoursText(left, lang)
				case lang == filing.LangEnglish:
					row.Left = hoursText(-left, lang) + " ago"
				default:
					row.Left = "已超过 " + hoursText(-left, lang)
				}
			}
			out = append(out, row)
		}
		return out
	}
	messages := func(in []filing.DigestMessage) []messageRow {
		out := make([]messageRow, 0, len(in))
		for _, m := range in {
			out = append(out, messageRow{ID: m.ID, From: filing.MaskEmail(OneLine(m.From)), Subject: OneLine(m.Subject),
				ReceivedAt: tableTime(m.ReceivedAt, r.loc), Filing: OneLine(m.Filing), Err: OneLine(m.Error)})
		}
		return out
	}
	dv.Resubmitted = filings(d.Resubmitted)
	dv.DueSoon = filings(d.DueSoon)
	dv.Overdue = filings(d.Overdue)
	dv.Unlinked = messages(d.Unlinked)
	dv.Unverified = messages(d.Unverified)
	dv.Unparseable = messages(d.Unparseable)
	for _, e := range d.FailedEmails {
		dv.Failed = append(dv.Failed, emailRow{ID: e.ID, Kind: KindLabel(e.Kind, lang), To: filing.MaskEmail(OneLine(e.To)),
			Filing: OneLine(e.Filing), Err: OneLine(e.Error), Attempts: e.Attempts, Create: tableTime(e.CreatedAt, r.loc)})
	}
	dv.Attention = len(dv.Resubmitted) + len(dv.DueSoon) + len(dv.Overdue) + len(dv.Unlinked) +
		len(dv.Unverified) + len(dv.Unparseable) + len(dv.Failed)
	return dv, nil
}

// funcs are the few helpers templates may call.
func funcs() map[string]any {
	return map[string]any{
		// inc numbers list items from 1.
		"inc": func(i int) int { return i + 1 },
		// dict passes several values to a partial: dict "Title" "…" "Rows" .X.
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, errors.New("dict: odd number of arguments")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
	}
}

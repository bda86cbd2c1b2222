package templates

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	htmltemplate "html/template"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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

	// StaffReason is why staff extended the deadline, withdrew the filing,
	// declined a late resubmission or undid one (Notice.Reason).
	StaffReason      string
	PreviousDeadline string // the deadline an extension replaced
	ClosedAs         string // how a closed filing was closed: 已撤回, 逾期未受理

	// OldEmail and NewEmail are an account's addresses before and after a
	// change; ToOldAddress says this copy goes to the old one.
	OldEmail, NewEmail string
	ToOldAddress       bool

	Materials     []string
	FormStandards []string
	OnSite        string
	Problems      []string
	Changes       []changeView

	Reply   *replyView
	Inbound *inboundView
	Alert   *alertView
	Digest  *digestView
}

type deskView struct {
	Name, Address, PostalAddress, Phone, Website, FilingSystemURL string
}

type inboundView struct {
	From, Subject, ReceivedAt string
	// Understood is the applicant's sentence an acknowledgement acted on.
	Understood string
	// NotAuthenticated: the message bore the holder's own address but failed
	// sender authentication; From is then empty.
	NotAuthenticated bool
}

// replyView is a staff member's answer. A person wrote it: the layout signs
// it with their name and leaves out the "sent automatically" footer.
type replyView struct {
	Subject    string     // the applicant's subject without reply prefixes and tags
	Text       string     // as written, one kind of line break
	Paragraphs [][]string // Text's paragraphs, each as its lines, for HTML
	StaffName  string     // who wrote it
}

// changeView is one changed field of a filing, labelled in the email's language.
type changeView struct {
	Field, Old, New string
}

// Alert events: which wording the staff_alert template uses.
const (
	alertOverdue    = "overdue"           // past the deadline, not resubmitted
	alertLate       = "late_resubmission" // resubmitted after the deadline
	alertFailed     = "email_failed"      // an email failed for good
	alertBounce     = "bounce"            // a delivery failure report came back
	alertSummary    = "summary"           // queued by an older version: its Summary
	alertTransition = "transition"        // any other change
)

type alertView struct {
	Event   string // one of the alert… constants
	Summary string // older versions' wording, for the "summary" event
	Action  string // the action, labelled
	Actor   string
	From    string // stages, only when they differ
	To      string
	Late    bool
	// For failed and bounced emails.
	EmailKind string
	Recipient string // masked
	Failure   string // the reason, labelled: 收件地址不存在
	Status    string // 550 5.1.1
	Failures  int    // emails to Recipient that failed today
	ItemID    int64  // the work item staff resolve it in
}

type digestView struct {
	Date, GeneratedAt, Since string
	Zone                     string
	ConsoleURL               string
	Empty                    bool // nothing open, resubmitted or due soon
	OpenTotal                int
	ReplyNeeded              int // the reply_needed section's total, for the subject
	Sections                 []sectionView
	Resubmitted              []filingRow
	ResubmittedTotal         int
	ResubmittedMore          int // not listed
	DueSoon                  []filingRow
	DueSoonTotal             int
	DueSoonMore              int
	Stages                   []stageRow
	StageTotal               int
}

// sectionView is the open work items of one kind.
type sectionView struct {
	Kind   filing.WorkKind
	Label  string
	Total  int
	Items  []itemRow
	Groups []groupRow // failed emails, by recipient
	More   int        // items not listed
}

type itemRow struct {
	ID                          int64
	Link                        string // the item in the console, if it has an address
	Age                         string // how long it has been open: 2 天
	Filing, From, Subject, Asks string
	Recipient, Failure, Status  string
	Due                         string // time to or past the deadline: 5 小时
	Overdue                     bool
}

type groupRow struct {
	Recipient, Failure, Status string
	Count                      int
	Filings                    string // joined in the email's language
	Age                        string // since the oldest failure
	ItemID                     int64  // the first item
	Link                       string
}

type stageRow struct {
	Label string
	Count int
}

type filingRow struct {
	Ref, Link, Applicant, Account, Domain, Stage string
	ResubmittedAt, Deadline                      string
	Late                                         bool
	Due                                          string
	Overdue                                      bool
}

// aboutFiling reports whether k is about one filing and so needs its reference.
// A staff reply may answer mail that is linked to no filing.
func aboutFiling(k filing.EmailKind) bool {
	switch k {
	case filing.EmailAccountApproved, filing.EmailAccountRejected, filing.EmailAccountEmailChanged,
		filing.EmailStaffAlert, filing.EmailStaffDigest, filing.EmailStaffReply, filing.EmailStaffSetPassword:
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
	v.DomainList = strings.Join(v.Domains, listSep(lang))
	if n.Stage != "" {
		v.Stage = n.Stage.Label(lang)
	}
	if staff {
		// Staff emails show personal data masked (docs/architecture.md, Personal data).
		v.Account = filing.MaskEmail(v.Account)
		if n.SubjectType == filing.SubjectIndividual {
			v.SubjectName = filing.MaskName(v.SubjectName)
		}
	}
	v.RejectReason = paragraph(n.RejectReason)
	v.Reason = paragraph(n.ReturnReason)
	v.StaffReason = paragraph(n.Reason)
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
	if n.PreviousDeadline != nil {
		v.PreviousDeadline = dateTime(*n.PreviousDeadline, r.loc, lang)
	}
	switch n.Kind {
	case filing.EmailFilingWithdrawn:
		v.ClosedAs = filing.ClosedWithdrawn.Label(lang)
	case filing.EmailLateDeclined:
		v.ClosedAs = filing.ClosedExpired.Label(lang)
	}
	if n.ReminderOffset > 0 {
		v.Left = hoursText(n.ReminderOffset, lang)
	}
	v.ICPNumber = OneLine(n.ICPNumber)
	v.Password = OneLine(n.Password)
	if v.ICPNumber != "" {
		v.FooterCode = `<a href="` + MIITFilingSite + `/" target="_blank" rel="noopener">` + html.EscapeString(v.ICPNumber) + `</a>`
	}
	v.OldEmail, v.NewEmail = OneLine(n.OldEmail), OneLine(n.NewEmail)
	if n.Kind == filing.EmailAccountEmailChanged && v.OldEmail != "" && strings.EqualFold(OneLine(n.To), v.OldEmail) {
		// The old mailbox may no longer be the holder's: it learns that the
		// address changed, not where to.
		v.ToOldAddress = true
		v.NewEmail = filing.MaskEmail(v.NewEmail)
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
	if n.Kind == filing.EmailFilingSubmitted || n.Kind == filing.EmailChecklistUpdated {
		for _, s := range filing.FormStandards {
			v.FormStandards = append(v.FormStandards, fromFiling(s.In(lang)))
		}
		v.OnSite = fromFiling(filing.OnSiteStep.In(lang))
	}
	for _, p := range n.RuleProblems {
		v.Problems = append(v.Problems, fromFiling(p.Message.In(lang)))
	}
	for _, c := range n.Changes {
		v.Changes = append(v.Changes, changeView{Field: fieldLabel(c.Field, lang),
			Old: fromFiling(changeValue(c.Field, c.Old, lang)), New: fromFiling(changeValue(c.Field, c.New, lang))})
	}
	if rp := n.Reply; rp != nil {
		rv := &replyView{Text: paragraph(rp.Text), StaffName: OneLine(rp.Staff)}
		rv.Paragraphs = paragraphs(rv.Text)
		if n.Inbound != nil {
			rv.Subject = ReplySubject(n.Inbound.Subject)
		}
		v.Reply = rv
	}
	if in := n.Inbound; in != nil {
		iv := &inboundView{From: OneLine(in.From), Subject: OneLine(in.Subject),
			Understood: clip(OneLine(in.Understood), maxQuoteRunes), NotAuthenticated: in.NotAuthenticated}
		if n.Kind == filing.EmailStaffReply {
			iv.Subject = v.Reply.subjectOrEmpty()
		}
		if staff || n.Kind == filing.EmailUnverifiedSender {
			iv.From = filing.MaskEmail(iv.From)
		}
		if in.NotAuthenticated && n.Kind == filing.EmailUnverifiedSender {
			// Never show a forged sender as the holder's own.
			iv.From = ""
		}
		if !in.ReceivedAt.IsZero() {
			iv.ReceivedAt = dateTime(in.ReceivedAt, r.loc, lang)
		}
		v.Inbound = iv
	}
	if a := n.Alert; a != nil {
		v.Alert = alertFor(*a, lang)
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

// replyPrefixRE is one reply or forward prefix at the start of a subject,
// as mail clients write them: Re:, RE[2]:, Fwd:, 回复：, 答复:, 回覆:, 转发:.
var replyPrefixRE = regexp.MustCompile(`^(?i:re|fw|fwd|回复|答复|回覆|转发|轉發|转寄|轉寄)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*`)

// subjectTagRE is a reference tag as mail clients and input methods leave
// it: full-width brackets and number signs, spaces, any case.
var subjectTagRE = regexp.MustCompile(`(?i)[\[【［]\s*ICP\s*[#＃]\s*[A-Z0-9－-]{3,40}\s*[\]】］]`)

// ReplySubject is what a reply to a message with this subject adds after
// "Re: " and its own tag: the subject without its reply and forward
// prefixes ("回复：Re: Fw:") and without any reference tag, on one line.
func ReplySubject(subject string) string {
	s := subjectTagRE.ReplaceAllString(OneLine(subject), " ")
	s = strings.TrimSpace(s)
	for {
		loc := replyPrefixRE.FindStringIndex(s)
		if loc == nil {
			break
		}
		s = strings.TrimSpace(s[loc[1]:])
	}
	return strings.Join(strings.Fields(s), " ")
}

func (rv *replyView) subjectOrEmpty() string {
	if rv == nil {
		return ""
	}
	return rv.Subject
}

// listSep joins short items (domains, references) in lang.
func listSep(lang filing.Language) string {
	if lang == filing.LangEnglish {
		return ", "
	}
	return "、"
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
	case filing.EmailResubmissionLate, filing.EmailDeadlineReminder, filing.EmailDeadlinePassed,
		filing.EmailDeadlineExtended, filing.EmailResubmissionUndone:
		need(v.Deadline != "", "deadline")
	case filing.EmailUnverifiedSender:
		need(v.Inbound != nil, "inbound")
		need(v.Account != "", "account")
	case filing.EmailStaffAlert:
		need(v.Alert != nil && (n.Alert.Action != "" || v.Alert.Summary != ""), "alert")
	case filing.EmailStaffDigest:
		need(v.Digest != nil, "digest")
	case filing.EmailStaffReply:
		need(v.Reply != nil && v.Reply.Text != "", "reply.text")
		need(v.Reply != nil && v.Reply.StaffName != "", "reply.staff")
	case filing.EmailFilingWithdrawn, filing.EmailLateDeclined:
		// The applicant is told why (filing.Decide requires it too).
		need(v.StaffReason != "", "reason")
	case filing.EmailAccountEmailChanged:
		need(v.OldEmail != "", "old_email")
		need(v.NewEmail != "" && !strings.EqualFold(OneLine(n.NewEmail), v.OldEmail), "new_email")
	case filing.EmailStaffSetPassword:
		need(strings.HasPrefix(v.Password, "http"), "password (the set-password link)")
		need(v.Deadline != "", "deadline")
	case filing.EmailChecklistUpdated:
		need(len(v.Changes) > 0, "changes")
		need(len(v.Materials) > 0, "materials")
	}
	if len(missing) > 0 {
		return fmt.Errorf("the notice lacks %s", strings.Join(missing, ", "))
	}
	return nil
}

// alertFor picks the alert's wording from its action and the fields that
// wording needs. Summary, written in Go by older versions, is used only for
// an alert that has nothing else to say.
func alertFor(a filing.Alert, lang filing.Language) *alertView {
	av := &alertView{Summary: paragraph(a.Summary.In(lang)), Late: a.Late, Failures: a.Failures, ItemID: a.ItemID,
		Recipient: filing.MaskEmail(OneLine(a.Recipient)), Status: OneLine(a.Status)}
	if a.Action != "" {
		av.Action = label(actionLabels, a.Action, lang)
	}
	if a.Actor != "" {
		av.Actor = label(actorLabels, a.Actor, lang)
	}
	if a.From != "" && a.To != "" && a.From != a.To {
		av.From, av.To = a.From.Label(lang), a.To.Label(lang)
	}
	if a.EmailKind != "" {
		av.EmailKind = KindLabel(a.EmailKind, lang)
	}
	if a.Reason != "" || av.Status != "" {
		av.Failure = a.Reason.Label(lang) // "" is labelled too: 发送失败
	}
	switch {
	case a.Action == string(filing.ActionFlagOverdue):
		av.Event = alertOverdue
	case a.Action == string(filing.ActionResubmit) && a.Late:
		av.Event = alertLate
	case a.Action == actionEmailFailed && (av.Recipient != "" || av.Failure != ""):
		av.Event = alertFailed
	case a.Action == actionBounce:
		av.Event = alertBounce
	case av.Summary != "":
		av.Event = alertSummary
	default:
		av.Event = alertTransition
	}
	return av
}

// The actions of alerts about emails rather than filings.
const (
	actionEmailFailed = filing.AlertEmailFailed
	actionBounce      = filing.AlertBounce
)

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
	console := strings.TrimRight(OneLine(d.ConsoleURL), "/")
	dv.ConsoleURL = console
	itemLink := func(id int64) string {
		if console == "" || id <= 0 {
			return ""
		}
		return console + "/items/" + strconv.FormatInt(id, 10)
	}
	since := func(t time.Time) string {
		if t.IsZero() || gen.IsZero() {
			return ""
		}
		return spanText(gen.Sub(t), lang)
	}
	due := func(deadline *time.Time) (string, bool) {
		if deadline == nil || gen.IsZero() {
			return "", false
		}
		left := deadline.Sub(gen)
		return spanText(left, lang), left <= 0
	}

	counts := map[filing.Stage]int{}
	for _, c := range d.Stages {
		counts[c.Stage] += c.Count
	}
	for _, s := range filing.Stages {
		dv.Stages = append(dv.Stages, stageRow{Label: s.Label(lang), Count: counts[s]})
		dv.StageTotal += counts[s]
	}

	// Sections in WorkKinds order, any kind this version does not know after them.
	order := map[filing.WorkKind]int{}
	for i, k := range filing.WorkKinds {
		order[k] = i
	}
	secs := append([]filing.DigestSection(nil), d.Open...)
	sort.SliceStable(secs, func(i, j int) bool {
		oi, ok := order[secs[i].Kind]
		if !ok {
			oi = len(order)
		}
		oj, ok := order[secs[j].Kind]
		if !ok {
			oj = len(order)
		}
		return oi < oj
	})
	open := 0
	for _, s := range secs {
		sv := sectionView{Kind: s.Kind, Label: s.Kind.Label(lang)}
		if sv.Label == "" {
			sv.Label = OneLine(string(s.Kind))
		}
		if lang == filing.LangEnglish && sv.Label != "" {
			// A heading: "Reply needed", not "reply needed".
			r, size := utf8.DecodeRuneInString(sv.Label)
			sv.Label = string(unicode.ToUpper(r)) + sv.Label[size:]
		}
		listed := 0
		if len(s.Groups) > 0 {
			all := 0
			for i, g := range s.Groups {
				all += g.Count
				if i >= filing.DigestRows {
					continue
				}
				gr := groupRow{Recipient: filing.MaskEmail(OneLine(g.Recipient)), Failure: g.Reason.Label(lang),
					Status: OneLine(g.Status), Count: g.Count, Age: since(g.Oldest)}
				var refs []string
				for _, f := range g.Filings {
					if f = OneLine(f); f != "" {
						refs = append(refs, f)
					}
				}
				gr.Filings = strings.Join(refs, listSep(lang))
				if len(g.ItemIDs) > 0 {
					gr.ItemID = g.ItemIDs[0]
					gr.Link = itemLink(gr.ItemID)
				}
				sv.Groups = append(sv.Groups, gr)
				listed += g.Count
			}
			sv.Total = max(s.Total, all)
		} else {
			items := append([]filing.DigestItem(nil), s.Items...)
			sort.SliceStable(items, func(i, j int) bool { return items[i].OpenedAt.Before(items[j].OpenedAt) })
			if len(items) > filing.DigestRows {
				items = items[:filing.DigestRows]
			}
			for _, it := range items {
				row := itemRow{ID: it.ID, Link: itemLink(it.ID), Age: since(it.OpenedAt),
					Filing: OneLine(it.Filing), From: filing.MaskEmail(OneLine(it.From)),
					Subject: clip(OneLine(it.Subject), maxQuoteRunes), Asks: clip(OneLine(it.Asks), maxQuoteRunes),
					Recipient: filing.MaskEmail(OneLine(it.Recipient)), Status: OneLine(it.Status)}
				if it.Reason != "" {
					row.Failure = it.Reason.Label(lang)
				}
				row.Due, row.Overdue = due(it.Deadline)
				sv.Items = append(sv.Items, row)
			}
			listed = len(items)
			sv.Total = max(s.Total, len(s.Items))
		}
		if sv.Total == 0 {
			continue
		}
		sv.More = sv.Total - listed
		open += sv.Total
		if s.Kind == filing.WorkReplyNeeded {
			dv.ReplyNeeded += sv.Total
		}
		dv.Sections = append(dv.Sections, sv)
	}
	dv.OpenTotal = max(d.OpenTotal, open)

	filings := func(in []filing.DigestFiling) []filingRow {
		if len(in) > filing.DigestRows {
			in = in[:filing.DigestRows]
		}
		out := make([]filingRow, 0, len(in))
		for _, f := range in {
			row := filingRow{
				Ref: OneLine(f.Reference), Applicant: filing.MaskName(OneLine(f.Applicant)),
				Account: filing.MaskEmail(OneLine(f.Account)), Domain: OneLine(f.Domain), Late: f.Late,
			}
			if f.Stage != "" {
				row.Stage = f.Stage.Label(lang)
			}
			if console != "" && row.Ref != "" {
				row.Link = console + "/filings/" + url.PathEscape(row.Ref)
			}
			if f.ResubmittedAt != nil {
				row.ResubmittedAt = tableTime(*f.ResubmittedAt, r.loc)
			}
			if f.Deadline != nil {
				row.Deadline = tableTime(*f.Deadline, r.loc)
			}
			row.Due, row.Overdue = due(f.Deadline)
			out = append(out, row)
		}
		return out
	}
	dv.Resubmitted = filings(d.Resubmitted)
	dv.ResubmittedTotal = max(d.ResubmittedTotal, len(d.Resubmitted))
	dv.ResubmittedMore = dv.ResubmittedTotal - len(dv.Resubmitted)
	dv.DueSoon = filings(d.DueSoon)
	dv.DueSoonTotal = max(d.DueSoonTotal, len(d.DueSoon))
	dv.DueSoonMore = dv.DueSoonTotal - len(dv.DueSoon)
	dv.Empty = dv.OpenTotal+dv.ResubmittedTotal+dv.DueSoonTotal == 0
	return dv, nil
}

// funcs are the few helpers templates may call.
func funcs() map[string]any {
	return map[string]any{
		// inc numbers list items from 1.
		"inc": func(i int) int { return i + 1 },
		// thousands writes a count the English way: 10,523.
		"thousands": thousands,
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

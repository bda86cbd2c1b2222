package console

import (
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"example.com/icpdesk/desk"
	"example.com/icpdesk/filing"
	"example.com/icpdesk/store"
)

type filingsData struct {
	Q, Stage string
	Overdue  bool
	Page     store.FilingPage
	NextURL  string
	Stages   []filing.Stage
}

func (c *Console) filingFilter(r *http.Request) (store.FilingFilter, error) {
	q := r.URL.Query()
	f := store.FilingFilter{Text: strings.TrimSpace(q.Get("q")), Overdue: q.Get("overdue") != "", After: q.Get("after"), Limit: 50}
	if s := q.Get("stage"); s != "" {
		st, err := filing.ParseStage(s)
		if err != nil {
			return f, errors.Join(desk.ErrInput, err)
		}
		f.Stage = st
	}
	return f, nil
}

func (c *Console) filingsPage(w http.ResponseWriter, r *http.Request, u *user) {
	f, err := c.filingFilter(r)
	if err != nil {
		c.refusal(w, r, err)
		return
	}
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	page, err := c.desk.Filings(ctx, f)
	if err != nil {
		c.refusal(w, r, err)
		return
	}
	d := filingsData{Q: f.Text, Stage: string(f.Stage), Overdue: f.Overdue, Page: page, Stages: filing.Stages}
	if page.Next != "" {
		q := r.URL.Query()
		q.Set("after", page.Next)
		d.NextURL = "/filings?" + q.Encode()
	}
	c.render(w, r, http.StatusOK, "filings", u, d)
}

// filingsJSON feeds search as you type in the link form: a few filings
// matching a reference, domain or account address.
func (c *Console) filingsJSON(w http.ResponseWriter, r *http.Request, _ *user) {
	type row struct {
		Reference string `json:"reference"`
		Label     string `json:"label"`
	}
	out := []row{}
	if q := strings.TrimSpace(r.URL.Query().Get("q")); len([]rune(q)) >= 2 {
		ctx, cancel := ctxTimeout(r)
		defer cancel()
		page, err := c.desk.Filings(ctx, store.FilingFilter{Text: q, Limit: 10})
		if err != nil {
			c.log.ErrorContext(ctx, "filing search failed", "err", err)
			http.Error(w, "search failed", http.StatusInternalServerError)
			return
		}
		for _, f := range page.Filings {
			out = append(out, row{Reference: f.Reference, Label: strings.Join(nonEmpty(f.SubjectName, f.Domain, f.Account, filing.Stage(f.Stage).Label(c.lang(r).code)), " · ")})
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

type filingData struct {
	F desk.FilingView
	// Sends is, per action, the email it sends (none: empty).
	Sends map[string]string
	// Timeline and Out are the long lists, put into words, escaped and
	// joined here (timelineRows, mailRows): a filing may have hundreds of
	// rows in each, and a template function or escaper call per cell was
	// half the page's time.
	Timeline template.HTML
	Out      template.HTML // the outbox list's items (mailRows), escaped
}

type eventRow struct{ At, What, By, Details string }

// mailRows is the outbox list's items, each escaped as the template would
// escape it.
func mailRows(rows []mailRow) template.HTML {
	var b strings.Builder
	b.Grow(160 * len(rows)) // a row's markup and words, about; not grown row by row
	for _, r := range rows {
		b.WriteString(`<li><a href="/emails/`)
		b.WriteString(strconv.FormatInt(r.ID, 10))
		b.WriteString(`">`)
		b.WriteString(template.HTMLEscapeString(r.Label))
		b.WriteString(`</a><br><small>`)
		b.WriteString(template.HTMLEscapeString(r.Line))
		b.WriteString("</small></li>")
	}
	return template.HTML(b.String()) // every field escaped above
}

// timelineRows is the timeline table's rows, each cell escaped as the
// template would escape it.
func timelineRows(rows []eventRow) template.HTML {
	var b strings.Builder
	b.Grow(200 * len(rows))
	for _, r := range rows {
		b.WriteString(`<tr><td class="nowrap">`)
		b.WriteString(template.HTMLEscapeString(r.At))
		b.WriteString(`</td><td>`)
		b.WriteString(template.HTMLEscapeString(r.What))
		b.WriteString(`</td><td>`)
		b.WriteString(template.HTMLEscapeString(r.By))
		b.WriteString(`</td><td class="mono small">`)
		b.WriteString(template.HTMLEscapeString(r.Details))
		b.WriteString("</td></tr>\n")
	}
	return template.HTML(b.String()) // every cell escaped above
}

type mailRow struct {
	ID          int64
	Label, Line string
}

func (c *Console) filingPage(w http.ResponseWriter, r *http.Request, u *user) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	fv, err := c.desk.Filing(ctx, r.PathValue("ref"))
	if err != nil {
		c.refusal(w, r, err)
		return
	}
	d := filingData{F: fv, Sends: map[string]string{}}
	l := c.lang(r)
	zone := c.desk.Store().Policy().Location
	label := funcs["eventLabel"].(func(lang, string) string)
	timeline := make([]eventRow, 0, len(fv.Events))
	for _, e := range fv.Events {
		row := eventRow{At: l.When(e.At, zone), What: label(l, e.Action), By: e.ActorName + " (" + e.Actor + ")"}
		if e.From != "" && e.To != "" && e.From != e.To {
			row.What += " · " + filing.Stage(e.From).Label(l.code) + " → " + filing.Stage(e.To).Label(l.code)
		}
		if ds := string(e.Details); ds != "{}" && ds != "null" {
			row.Details = ds
		}
		timeline = append(timeline, row)
	}
	d.Timeline = timelineRows(timeline)
	out := make([]mailRow, 0, len(fv.Outbox))
	for _, o := range fv.Outbox {
		out = append(out, mailRow{ID: o.ID, Label: emailLabel(l, filing.EmailKind(o.Kind)),
			Line: "→ " + o.Recipient + " · " + l.T("emails.status."+o.Status) + " · " + l.When(o.CreatedAt, zone)})
	}
	d.Out = mailRows(out)
	for _, a := range fv.Actions {
		if k := emailOf(filing.Action(a), fv.Filing); k != "" {
			d.Sends[a] = l.Tf("common.willsend", emailLabel(l, k), fv.Account.Email)
		} else {
			d.Sends[a] = l.T("common.nomail")
		}
	}
	c.render(w, r, http.StatusOK, "filing", u, d)
}

func emailLabel(l lang, k filing.EmailKind) string {
	return funcs["emailLabel"].(func(lang, string) string)(l, string(k))
}

// emailOf is the email the transition table sends for action from f's
// stage, for the confirmation; Decide has the last word.
func emailOf(a filing.Action, f filing.Filing) filing.EmailKind {
	for _, t := range filing.Transitions {
		if t.Action == a && t.From == f.Stage {
			if f.Late && t.LateEmail != "" {
				return t.LateEmail
			}
			return t.Email
		}
	}
	return ""
}

func (c *Console) filingAct(w http.ResponseWriter, r *http.Request, u *user) {
	l := c.lang(r)
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	fv, err := c.desk.Filing(ctx, r.PathValue("ref"))
	if err != nil {
		c.refusal(w, r, err)
		return
	}
	in := desk.ActionInput{Action: r.PostFormValue("action"), Reason: strings.TrimSpace(r.PostFormValue("reason")),
		ICPNumber: strings.TrimSpace(r.PostFormValue("icp_number")), Password: r.PostFormValue("password"),
		Until: strings.TrimSpace(r.PostFormValue("until"))}
	if d := strings.TrimSpace(r.PostFormValue("days")); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil {
			c.refusal(w, r, errors.Join(desk.ErrInput, err))
			return
		}
		in.Days = n
	}
	back := "/filings/" + fv.Reference
	lines := []string{l.Tf("confirm.act", fv.Reference, l.T("action."+in.Action))}
	if in.Reason != "" {
		lines = append(lines, l.T("common.reason")+"："+in.Reason)
	}
	if in.Until != "" {
		lines = append(lines, l.T("filing.until")+"："+in.Until)
	}
	if in.Days != 0 {
		lines = append(lines, l.T("filing.days")+"："+strconv.Itoa(in.Days))
	}
	if k := emailOf(filing.Action(in.Action), fv.Filing); k != "" {
		lines = append(lines, l.Tf("common.willsend", emailLabel(l, k), fv.Account.Email))
	} else {
		lines = append(lines, l.T("common.nomail"))
	}
	if !c.confirmed(w, r, u, back, lines, "") {
		return
	}
	if _, err := c.desk.Act(ctx, fv.Reference, in, u.Actor()); err != nil {
		c.refusal(w, r, err)
		return
	}
	done(w, r, back, "acted")
}

func (c *Console) filingUpdate(w http.ResponseWriter, r *http.Request, u *user) {
	l := c.lang(r)
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	fv, err := c.desk.Filing(ctx, r.PathValue("ref"))
	if err != nil {
		c.refusal(w, r, err)
		return
	}
	raw := r.PostFormValue("json")
	in, err := filing.DecodeFilingInput(strings.NewReader(raw))
	if err != nil {
		c.refusal(w, r, errors.Join(desk.ErrInput, err))
		return
	}
	if in.Ref == "" {
		in.Ref = fv.Reference
	}
	if !strings.EqualFold(in.Ref, fv.Reference) {
		c.refusal(w, r, errors.Join(desk.ErrInput, errors.New("the JSON's ref is another filing's")))
		return
	}
	notify := r.PostFormValue("notify") != ""
	back := "/filings/" + fv.Reference
	lines := []string{l.Tf("confirm.update", fv.Reference)}
	if notify {
		lines = append(lines, l.Tf("confirm.notify", fv.Account.Email))
	} else {
		lines = append(lines, l.T("common.nomail"))
	}
	if !c.confirmed(w, r, u, back, lines, raw) {
		return
	}
	_, probs, err := c.desk.UpdateFiling(ctx, in, notify, u.Actor())
	if err == nil && len(probs) > 0 {
		err = probs
	}
	if err != nil {
		c.refusal(w, r, err)
		return
	}
	done(w, r, back, "updated")
}

package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"example.com/icpdesk/desk"
	"example.com/icpdesk/filing"
	"example.com/icpdesk/store"
)

func (a *API) routes() {
	p := Prefix
	a.mux.HandleFunc("GET "+p+"/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		writeRaw(w, http.StatusOK, jsonType, OpenAPI)
	})

	a.handle("GET "+p+"/accounts", desk.ScopeRead, a.listAccounts)
	a.handle("POST "+p+"/accounts", desk.ScopeFilingsWrite, a.addAccount)
	a.handle("GET "+p+"/accounts/{email}", desk.ScopeRead, a.getAccount)
	a.handle("POST "+p+"/accounts/{email}/approve", desk.ScopeFilingsWrite, a.decideAccount(filing.AccountApprove))
	a.handle("POST "+p+"/accounts/{email}/reject", desk.ScopeFilingsWrite, a.decideAccount(filing.AccountReject))
	a.handle("POST "+p+"/accounts/{email}/email", desk.ScopeFilingsWrite, a.setAccountEmail)

	a.handle("GET "+p+"/filings", desk.ScopeRead, a.listFilings)
	a.handle("PUT "+p+"/filings/{ref}", desk.ScopeFilingsWrite, a.putFiling)
	a.handle("GET "+p+"/filings/{ref}", desk.ScopeRead, a.getFiling)
	a.handle("POST "+p+"/filings/{ref}/actions", desk.ScopeFilingsWrite, a.act)

	a.handle("GET "+p+"/queue", desk.ScopeRead, a.listQueue)
	a.handle("GET "+p+"/queue/{id}", desk.ScopeRead, a.getItem)
	a.handle("POST "+p+"/queue/{id}/handle", desk.ScopeStaff, a.handleItem)

	a.handle("GET "+p+"/messages/{id}", desk.ScopeRead, a.getMessage)
	a.handle("POST "+p+"/messages/{id}/reply", desk.ScopeStaff, a.replyMessage)
	a.handle("POST "+p+"/messages/{id}/link", desk.ScopeStaff, a.linkMessage)
	a.handle("POST "+p+"/messages/{id}/dismiss", desk.ScopeStaff, a.dismissMessage)
	a.handle("POST "+p+"/messages/{id}/reprocess", desk.ScopeStaff, a.reprocessMessage)

	a.handle("GET "+p+"/outbox", desk.ScopeRead, a.listOutbox)
	a.handle("POST "+p+"/outbox/{id}/retry", desk.ScopeStaff, a.retryEmail)
	a.handle("POST "+p+"/outbox/{id}/cancel", desk.ScopeStaff, a.cancelEmail)

	a.handle("GET "+p+"/events", desk.ScopeRead, a.events)

	a.mux.HandleFunc(p+"/", func(w http.ResponseWriter, r *http.Request) {
		// A known path asked with another method is a 405 naming the
		// methods it has; anything else a 404.
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pat := a.mux.Handler(probe); pat != p+"/" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			a.problem(w, r, &problem{Type: "method-not-allowed", Status: http.StatusMethodNotAllowed, Title: "Method not allowed",
				Detail: r.Method + " is not allowed here; allowed: " + strings.Join(allow, ", ")})
			return
		}
		a.problem(w, r, &problem{Type: "not-found", Status: http.StatusNotFound, Title: "Not found",
			Detail: "no such endpoint; the API is described at " + Prefix + "/openapi.json"})
	})
}

// Accounts.

type accountsPage struct {
	Accounts []filing.Account `json:"accounts"`
}

func (a *API) listAccounts(ctx context.Context, c *call) (reply, error) {
	accts, err := a.st.ListAccounts(ctx)
	if err != nil {
		return reply{}, err
	}
	if accts == nil {
		accts = []filing.Account{}
	}
	return ok(accountsPage{Accounts: accts})
}

func (a *API) getAccount(ctx context.Context, c *call) (reply, error) {
	acct, err := a.st.AccountByEmail(ctx, c.r.PathValue("email"))
	if err != nil {
		return reply{}, err
	}
	return ok(acct)
}

func (a *API) addAccount(ctx context.Context, c *call) (reply, error) {
	var in struct {
		Email    string `json:"email"`
		Name     string `json:"name"`
		Language string `json:"language"`
		Customer bool   `json:"customer"`
	}
	if err := decode(c.body, &in); err != nil {
		return reply{}, err
	}
	if strings.TrimSpace(in.Email) == "" {
		return reply{}, missing("email")
	}
	acct, err := a.svc.AddAccount(ctx, desk.AccountInput{Email: in.Email, Name: in.Name, Language: in.Language, Customer: in.Customer}, c.actor())
	if err != nil {
		return reply{}, err
	}
	return created(acct)
}

func (a *API) decideAccount(action filing.AccountAction) handler {
	return func(ctx context.Context, c *call) (reply, error) {
		var in struct {
			Reason string `json:"reason"`
		}
		if err := decode(c.body, &in); err != nil {
			return reply{}, err
		}
		acct, err := a.svc.DecideAccount(ctx, c.r.PathValue("email"), action, in.Reason, c.actor())
		if err != nil {
			return reply{}, fieldIfInput(err, "reason")
		}
		return ok(acct)
	}
}

func (a *API) setAccountEmail(ctx context.Context, c *call) (reply, error) {
	var in struct {
		Email string `json:"email"`
	}
	if err := decode(c.body, &in); err != nil {
		return reply{}, err
	}
	if strings.TrimSpace(in.Email) == "" {
		return reply{}, missing("email")
	}
	acct, err := a.svc.SetAccountEmail(ctx, c.r.PathValue("email"), in.Email, c.actor())
	if err != nil {
		return reply{}, fieldIfInput(err, "email")
	}
	return ok(acct)
}

// Filings.

func (a *API) listFilings(ctx context.Context, c *call) (reply, error) {
	q := c.r.URL.Query()
	f := store.FilingFilter{Account: q.Get("account"), Domain: q.Get("domain"), Text: q.Get("q"), After: q.Get("after")}
	if s := q.Get("stage"); s != "" {
		st, err := filing.ParseStage(s)
		if err != nil {
			return reply{}, badParam("stage", err.Error())
		}
		f.Stage = st
	}
	if s := q.Get("overdue"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return reply{}, badParam("overdue", "overdue must be true or false")
		}
		f.Overdue = b
	}
	limit, err := intParam(q.Get("limit"), "limit", desk.DefaultPage, 1, desk.MaxPage)
	if err != nil {
		return reply{}, err
	}
	f.Limit = limit
	page, err := a.svc.Filings(ctx, f)
	if err != nil {
		return reply{}, err
	}
	return ok(page)
}

func (a *API) getFiling(ctx context.Context, c *call) (reply, error) {
	v, err := a.svc.Filing(ctx, c.r.PathValue("ref"))
	if err != nil {
		return reply{}, err
	}
	return ok(v)
}

// putFiling creates a filing from the filing system's document (the same
// JSON as `filing import`) or, when it exists, stores the corrected data
// (`filing update`); ?notify=true sends the applicant the corrected
// checklist when the materials changed.
func (a *API) putFiling(ctx context.Context, c *call) (reply, error) {
	ref := c.r.PathValue("ref")
	notify := false
	if s := c.r.URL.Query().Get("notify"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return reply{}, badParam("notify", "notify must be true or false")
		}
		notify = b
	}
	var in filing.FilingInput
	if err := decode(c.body, &in); err != nil {
		return reply{}, err
	}
	switch {
	case in.Ref == "":
		in.Ref = ref
	case in.Ref != ref:
		return reply{}, &problem{Type: "invalid-input", Status: http.StatusUnprocessableEntity, Title: "Invalid request", Field: "ref",
			Detail: "the body's ref " + strconv.Quote(in.Ref) + " is not the path's " + strconv.Quote(ref)}
	}
	status := http.StatusCreated
	_, probs, err := a.svc.ImportFiling(ctx, in, c.actor())
	if isExists(err) || onlyDuplicate(probs) {
		status = http.StatusOK
		_, probs, err = a.svc.UpdateFiling(ctx, in, notify, c.actor())
	}
	if err == nil && len(probs) > 0 {
		err = probs
	}
	if err != nil {
		return reply{}, err
	}
	v, err := a.svc.Filing(ctx, ref)
	if err != nil {
		return reply{}, err
	}
	return reply{status, v}, nil
}

// onlyDuplicate says an import was refused only because the filing exists.
func onlyDuplicate(probs filing.Problems) bool {
	return len(probs) == 1 && probs[0].Code == "duplicate_reference"
}

// actionResult is what a stage action did.
type actionResult struct {
	Reference string     `json:"reference"`
	Action    string     `json:"action"`
	From      string     `json:"from"`
	Stage     string     `json:"stage"`
	Deadline  *time.Time `json:"deadline,omitempty"`
	Overdue   bool       `json:"overdue"`
	Late      bool       `json:"late"`
	ICPNumber string     `json:"icp_number,omitempty"`
	Emails    int        `json:"emails_queued"`
	EventID   int64      `json:"event_id"`
	Version   int        `json:"version"`
}

func (a *API) act(ctx context.Context, c *call) (reply, error) {
	ref := c.r.PathValue("ref")
	var in struct {
		Action    string `json:"action"`
		By        string `json:"by"`
		Reason    string `json:"reason"`
		ICPNumber string `json:"icp_number"`
		Password  string `json:"password"`
		Until     string `json:"until"`
		Days      int    `json:"days"`
	}
	if err := decode(c.body, &in); err != nil {
		return reply{}, err
	}
	if strings.TrimSpace(in.Action) == "" {
		return reply{}, missing("action")
	}
	res, err := a.svc.Act(ctx, ref, desk.ActionInput{Action: in.Action, ReturnBy: in.By, Reason: in.Reason,
		ICPNumber: in.ICPNumber, Password: in.Password, Until: in.Until, Days: in.Days}, c.actor())
	if err != nil {
		return reply{}, a.transitionProblem(ctx, ref, err)
	}
	f := res.Filing
	return ok(actionResult{Reference: f.Reference, Action: string(res.Outcome.Transition.Action), From: string(res.Outcome.From), Stage: string(f.Stage),
		Deadline: f.Deadline, Overdue: f.Overdue, Late: f.Late, ICPNumber: f.ICPNumber, Emails: res.Enqueued, EventID: res.EventID, Version: f.Version})
}

// transitionProblem adds the filing's current stage to a refused action,
// so a client that lost a race learns where the filing is now.
func (a *API) transitionProblem(ctx context.Context, ref string, err error) error {
	switch {
	case errors.Is(err, desk.ErrInput) && strings.Contains(err.Error(), "unknown action"):
		return fieldIfInput(err, "action")
	case errors.Is(err, filing.ErrICPNumber), errors.Is(err, filing.ErrReasonRequired), errors.Is(err, filing.ErrDeadlineRequired):
		return err // 422s naming their field
	case errors.Is(err, filing.ErrTransition), errors.Is(err, store.ErrConflict):
		p := &problem{Type: "transition-not-allowed", Status: http.StatusConflict, Title: "The filing process does not allow this now",
			Detail: err.Error() + "; nothing was changed"}
		if errors.Is(err, store.ErrConflict) {
			p.Type, p.Title = "conflict", "Changed concurrently"
		}
		if d, rerr := a.st.FilingByRef(ctx, ref); rerr == nil {
			p.Stage = string(d.Filing.Stage)
		}
		return p
	}
	return err
}

// Work queue.

type itemsPage struct {
	Items []store.WorkItem `json:"items"`
	Next  string           `json:"next,omitempty"`
}

func (a *API) listQueue(ctx context.Context, c *call) (reply, error) {
	q := c.r.URL.Query()
	f := store.WorkFilter{Kind: filing.WorkKind(q.Get("kind"))}
	if s := q.Get("all"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return reply{}, badParam("all", "all must be true or false")
		}
		f.All = b
	}
	if s := q.Get("after"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id < 0 {
			return reply{}, badParam("after", "after must be an item id")
		}
		f.After = id
	}
	limit, err := intParam(q.Get("limit"), "limit", 100, 1, 500)
	if err != nil {
		return reply{}, err
	}
	f.Limit = limit + 1
	items, err := a.svc.Queue(ctx, f)
	if err != nil {
		return reply{}, err
	}
	page := itemsPage{Items: items}
	if len(items) > limit {
		page.Items = items[:limit]
		page.Next = strconv.FormatInt(items[limit-1].ID, 10)
	}
	if page.Items == nil {
		page.Items = []store.WorkItem{}
	}
	return ok(page)
}

func (a *API) getItem(ctx context.Context, c *call) (reply, error) {
	id, err := pathID(c)
	if err != nil {
		return reply{}, err
	}
	it, err := a.svc.Item(ctx, id)
	if err != nil {
		return reply{}, err
	}
	return ok(it)
}

func (a *API) handleItem(ctx context.Context, c *call) (reply, error) {
	id, in, err := idAndBody[struct {
		Note string `json:"note"`
	}](c)
	if err != nil {
		return reply{}, err
	}
	it, err := a.svc.CloseItem(ctx, id, in.Note, c.actor())
	if err != nil {
		return reply{}, fieldIfInput(err, "note")
	}
	return ok(it)
}

// Received messages.

func (a *API) getMessage(ctx context.Context, c *call) (reply, error) {
	id, err := pathID(c)
	if err != nil {
		return reply{}, err
	}
	m, err := a.svc.Message(ctx, id)
	if err != nil {
		return reply{}, err
	}
	if m.Items == nil {
		m.Items = []store.WorkItem{}
	}
	if m.Answers == nil {
		m.Answers = []store.OutboxRow{}
	}
	return ok(m)
}

func (a *API) replyMessage(ctx context.Context, c *call) (reply, error) {
	id, in, err := idAndBody[struct {
		Text string `json:"text"`
	}](c)
	if err != nil {
		return reply{}, err
	}
	if strings.TrimSpace(in.Text) == "" {
		return reply{}, missing("text")
	}
	row, err := a.svc.Reply(ctx, id, in.Text, c.actor())
	if err != nil {
		return reply{}, fieldIfInput(err, "text")
	}
	return created(row)
}

// messageResult is what linking or reprocessing a message did.
type messageResult struct {
	ID       int64  `json:"id"`
	Previous string `json:"previous_decision"`
	Decision string `json:"decision"`
	Filing   string `json:"filing,omitempty"`
	Ack      string `json:"ack,omitempty"`
}

func (a *API) messageResult(ctx context.Context, id int64, prev string) (reply, error) {
	m, err := a.st.InboundByID(ctx, id)
	if err != nil {
		return reply{}, err
	}
	return ok(messageResult{ID: id, Previous: prev, Decision: m.Decision, Filing: m.FilingRef, Ack: m.Ack})
}

func (a *API) linkMessage(ctx context.Context, c *call) (reply, error) {
	id, in, err := idAndBody[struct {
		Filing string `json:"filing"`
	}](c)
	if err != nil {
		return reply{}, err
	}
	if strings.TrimSpace(in.Filing) == "" {
		return reply{}, missing("filing")
	}
	res, err := a.svc.Link(ctx, id, in.Filing, c.actor())
	if err != nil {
		return reply{}, fieldIfInput(err, "filing")
	}
	return a.messageResult(ctx, id, string(res.Previous))
}

func (a *API) dismissMessage(ctx context.Context, c *call) (reply, error) {
	id, in, err := idAndBody[struct {
		Note string `json:"note"`
	}](c)
	if err != nil {
		return reply{}, err
	}
	closed, err := a.svc.Dismiss(ctx, id, in.Note, c.actor())
	if err != nil {
		return reply{}, fieldIfInput(err, "note")
	}
	ids := make([]int64, len(closed))
	for i, it := range closed {
		ids[i] = it.ID
	}
	return ok(struct {
		Closed []int64 `json:"closed_items"`
	}{ids})
}

func (a *API) reprocessMessage(ctx context.Context, c *call) (reply, error) {
	id, _, err := idAndBody[struct{}](c)
	if err != nil {
		return reply{}, err
	}
	res, err := a.svc.Reprocess(ctx, id, c.actor())
	if err != nil {
		return reply{}, err
	}
	return a.messageResult(ctx, id, string(res.Previous))
}

// Outbox.

func (a *API) listOutbox(ctx context.Context, c *call) (reply, error) {
	q := c.r.URL.Query()
	limit, err := intParam(q.Get("limit"), "limit", 100, 1, 500)
	if err != nil {
		return reply{}, err
	}
	f := store.OutboxFilter{Status: q.Get("status"), FilingRef: q.Get("filing"), Limit: limit}
	switch f.Status {
	case "", store.OutboxQueued, store.OutboxSending, store.OutboxSent, store.OutboxFailed, store.OutboxBounced, store.OutboxCancelled:
	default:
		return reply{}, badParam("status", "status must be queued, sending, sent, failed, bounced or cancelled")
	}
	rows, err := a.st.ListOutbox(ctx, f)
	if err != nil {
		return reply{}, err
	}
	if rows == nil {
		rows = []store.OutboxRow{}
	}
	return ok(struct {
		Emails []store.OutboxRow `json:"emails"`
	}{rows})
}

func (a *API) retryEmail(ctx context.Context, c *call) (reply, error) {
	id, in, err := idAndBody[struct {
		ToCurrent bool `json:"to_current_address"`
	}](c)
	if err != nil {
		return reply{}, err
	}
	row, err := a.svc.RetryEmail(ctx, id, in.ToCurrent, c.actor())
	if err != nil {
		return reply{}, err
	}
	return ok(row)
}

func (a *API) cancelEmail(ctx context.Context, c *call) (reply, error) {
	id, in, err := idAndBody[struct {
		Note string `json:"note"`
	}](c)
	if err != nil {
		return reply{}, err
	}
	row, err := a.svc.CancelEmail(ctx, id, in.Note, c.actor())
	if err != nil {
		return reply{}, fieldIfInput(err, "note")
	}
	return ok(row)
}

// Helpers.

func missing(field string) error {
	return &problem{Type: "missing-field", Status: http.StatusUnprocessableEntity, Title: "A required field is missing",
		Detail: field + " is required", Field: field}
}

// idAndBody reads a write on one resource: the id in its path, then its
// JSON body into a T.
func idAndBody[T any](c *call) (int64, T, error) {
	var in T
	id, err := pathID(c)
	if err != nil {
		return 0, in, err
	}
	return id, in, decode(c.body, &in)
}

func pathID(c *call) (int64, error) {
	id, err := strconv.ParseInt(c.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, badParam("id", "the id in the path must be a positive integer")
	}
	return id, nil
}

func intParam(s, name string, def, lo, hi int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, badParam(name, name+" must be an integer from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
	}
	return n, nil
}

package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"example.com/icpdesk/filing"
)

// ChangeRequest asks for one change to a filing through the transition table.
type ChangeRequest struct {
	Ref string
	filing.Request
	// ActorName says who exactly: a staff login, an applicant's address, a job.
	ActorName string
	// ReminderOffset identifies which reminder a remind request is.
	ReminderOffset time.Duration
	// Inbound is the applicant's message that caused the change, if any; the
	// acknowledgement answers it (In-Reply-To) and names it.
	Inbound   *filing.InboundRef
	InboundID int64
	// Details are added to the audit event.
	Details map[string]any
	// NoApplicantEmail leaves out the email the change would send the
	// applicant (an acknowledgement over the sender's hourly limit, or to a
	// mailing list); staff alerts still go.
	NoApplicantEmail bool
	// WorkDetails are added to the work item the change opens, if any.
	WorkDetails map[string]any
}

// ChangeResult is what a change did.
type ChangeResult struct {
	Filing  filing.Filing
	Account filing.Account
	Outcome filing.Outcome
	EventID int64
	// Enqueued counts the outbox rows written (the applicant's email and
	// staff alerts).
	Enqueued int
	// Duplicate is set when a reminder or overdue notice for this deadline
	// was already enqueued: nothing was written.
	Duplicate bool
	// Err is why ChangeStages refused this request; nothing was written for it.
	Err error
}

// ChangeStage is the one way to change a filing's state: in the caller's
// transaction it locks the filing, checks the transition with filing.Decide,
// updates the row, writes the audit event and enqueues the applicant's email
// and any staff alerts with their dedup keys. On error nothing is written
// (the caller's transaction must be rolled back, or the call wrapped in
// Savepoint).
func (t *Tx) ChangeStage(ctx context.Context, req ChangeRequest) (ChangeResult, error) {
	res, err := t.ChangeStages(ctx, []ChangeRequest{req})
	if err != nil {
		return ChangeResult{}, err
	}
	return res[0], res[0].Err
}

// ChangeStages is ChangeStage for many requests at once, with a fixed number
// of statements per batch rather than per filing: the deadline sweep and the
// reminders flag thousands of filings after downtime. Each result carries its
// own refusal (Err: not found, a transition the table does not allow, an
// invalid recipient); refused requests change nothing and do not stop the
// others. A database error fails the whole call, and the caller's transaction
// must be rolled back. Requests for the same filing apply in order.
func (t *Tx) ChangeStages(ctx context.Context, reqs []ChangeRequest) ([]ChangeResult, error) {
	results := make([]ChangeResult, len(reqs))
	pending := make([]int, len(reqs))
	for i := range reqs {
		pending[i] = i
	}
	// Each round holds at most one request per filing, so every request
	// is decided on the state the previous one left.
	for len(pending) > 0 {
		var round, later []int
		seen := map[string]bool{}
		for _, i := range pending {
			ref := normRef(reqs[i].Ref)
			if seen[ref] {
				later = append(later, i)
				continue
			}
			seen[ref] = true
			round = append(round, i)
		}
		if err := t.changeRound(ctx, reqs, round, results); err != nil {
			return results, err
		}
		pending = later
	}
	return results, nil
}

// changePlan is one decided request of a round.
type changePlan struct {
	i       int
	req     ChangeRequest
	f       filing.Filing
	acct    filing.Account
	out     filing.Outcome
	notice  filing.Notice
	email   *outboxRow
	skipped bool // a reminder or overdue notice already enqueued: nothing to write
}

func (t *Tx) changeRound(ctx context.Context, reqs []ChangeRequest, round []int, results []ChangeResult) error {
	refs := make([]string, len(round))
	for k, i := range round {
		refs[k] = normRef(reqs[i].Ref)
	}
	filings, accounts, err := t.loadForChange(ctx, refs)
	if err != nil {
		return err
	}
	var plans []*changePlan
	for _, i := range round {
		req := reqs[i]
		if req.At.IsZero() {
			req.At = t.s.now()
		}
		f, ok := filings[normRef(req.Ref)]
		if !ok {
			results[i].Err = fmt.Errorf("filing %s: %w", req.Ref, ErrNotFound)
			continue
		}
		acct, ok := accounts[f.AccountID]
		if !ok {
			results[i].Err = fmt.Errorf("account of filing %s: %w", f.Reference, ErrNotFound)
			continue
		}
		out, err := filing.Decide(f, acct, req.Request, t.s.policy)
		if err != nil {
			results[i].Err = err
			continue
		}
		p := &changePlan{i: i, req: req, f: f, acct: acct, out: out, notice: t.notice(out, acct, req)}
		if out.Email != "" && !req.NoApplicantEmail {
			n := p.notice
			n.Kind = out.Email
			row, err := t.s.prepareOutbox(OutboxItem{Notice: n, DedupKey: dedupKey(out.Email, f, out, req),
				FilingID: f.ID, AccountID: acct.ID, InboundID: req.InboundID})
			if err != nil {
				results[i].Err = err
				continue
			}
			p.email = &row
		}
		results[i] = ChangeResult{Filing: out.Filing, Account: acct, Outcome: out}
		plans = append(plans, p)
	}
	if len(plans) == 0 {
		return nil
	}

	// Emails first: for a reminder or an overdue notice the dedup key is the
	// only thing that makes a second run a no-op, and it must stop the rest.
	var emails []outboxRow
	for _, p := range plans {
		if p.email != nil {
			emails = append(emails, *p.email)
		}
	}
	inserted, err := t.insertOutbox(ctx, emails)
	if err != nil {
		return err
	}
	var live []*changePlan
	for _, p := range plans {
		if p.email != nil {
			if inserted[p.email.key] {
				results[p.i].Enqueued++
			} else if a := p.req.Action; a == filing.ActionRemind || a == filing.ActionFlagOverdue {
				p.skipped = true
				results[p.i] = ChangeResult{Filing: p.f, Account: p.acct, Outcome: p.out, Duplicate: true}
				continue
			}
		}
		live = append(live, p)
	}
	if err := t.updateFilings(ctx, live); err != nil {
		return err
	}

	events := make([]event, 0, len(live))
	var alerts []outboxRow
	alertOwner := map[string]int{}
	for _, p := range live {
		g := p.out.Filing
		events = append(events, event{FilingID: g.ID, AccountID: p.acct.ID, Actor: p.req.Actor, ActorName: p.req.ActorName,
			Action: string(p.req.Action), From: p.out.From, To: g.Stage, Details: eventDetails(p.req, p.out), At: p.req.At})
		if !p.out.AlertStaff {
			continue
		}
		alert := p.notice
		alert.Kind = filing.EmailStaffAlert
		alert.Password = ""
		alert.Alert = &filing.Alert{Action: string(p.req.Action), Actor: p.req.Actor, From: p.out.From, To: g.Stage, Late: p.out.Late}
		for _, addr := range t.s.staff {
			alert.To, alert.ToName, alert.Language = addr, "", t.s.staffLang
			row, err := t.s.prepareOutbox(OutboxItem{Notice: alert, DedupKey: dedupKey(filing.EmailStaffAlert, p.f, p.out, p.req) + ":" + addr,
				FilingID: g.ID, AccountID: p.acct.ID, InboundID: p.req.InboundID})
			if err != nil {
				return fmt.Errorf("staff alert for %s: %w", g.Reference, err)
			}
			alerts = append(alerts, row)
			alertOwner[row.key] = p.i
		}
	}
	ids, err := t.insertEvents(ctx, events)
	if err != nil {
		return err
	}
	for _, p := range live {
		results[p.i].EventID = ids[p.f.ID]
	}
	if err := t.changeWorkItems(ctx, live); err != nil {
		return err
	}
	inserted, err = t.insertOutbox(ctx, alerts)
	if err != nil {
		return err
	}
	for key := range inserted {
		results[alertOwner[key]].Enqueued++
	}
	return nil
}

// changeWorkItems opens the work items the changes call for (an overdue
// filing, a late resubmission) and closes the filing's items they resolve,
// a statement per group of changes that close the same kinds.
func (t *Tx) changeWorkItems(ctx context.Context, plans []*changePlan) error {
	var open []NewWorkItem
	type closing struct {
		kinds []filing.WorkKind
		by    string
		actor filing.Actor
		note  string
		at    time.Time
		ids   []int64
	}
	groups := map[string]*closing{}
	var order []string
	for _, p := range plans {
		g := p.out.Filing
		if k := p.out.Opens; k != "" {
			details := map[string]any{"action": string(p.req.Action)}
			if p.out.Deadline != nil {
				details["deadline"] = p.out.Deadline.UTC()
			}
			for key, v := range p.req.WorkDetails {
				details[key] = v
			}
			open = append(open, NewWorkItem{Kind: k, Cause: filing.WorkCauseFiling(k, g), FilingID: g.ID, AccountID: p.acct.ID,
				InboundID: p.req.InboundID, Details: details, At: p.req.At, Actor: p.req.Actor, ActorName: p.req.ActorName})
		}
		if len(p.out.Transition.Closes) == 0 {
			continue
		}
		key := fmt.Sprint(p.out.Transition.Closes, p.req.ActorName, p.req.Actor, p.req.Action, p.req.At.UnixNano())
		c, ok := groups[key]
		if !ok {
			c = &closing{kinds: p.out.Transition.Closes, by: p.req.ActorName, actor: p.req.Actor, note: string(p.req.Action), at: p.req.At}
			groups[key] = c
			order = append(order, key)
		}
		c.ids = append(c.ids, g.ID)
	}
	for _, key := range order {
		c := groups[key]
		for start := 0; start < len(c.ids); start += bulkRows {
			ids := c.ids[start:min(start+bulkRows, len(c.ids))]
			if _, err := t.CloseWorkItems(ctx, WorkSelector{FilingIDs: ids, Kinds: c.kinds},
				WorkClosure{By: c.by, Actor: c.actor, Resolution: filing.ResolvedByChange, Note: c.note, At: c.at}); err != nil {
				return err
			}
		}
	}
	if len(open) == 0 {
		return nil
	}
	_, err := t.OpenWorkItems(ctx, open)
	return err
}

// updateFilings writes the changed filings. Rows that change the same
// columns to the same values from the same version are written by one
// statement: a sweep flagging thousands of filings overdue issues a handful.
// The version check guards against a writer that did not lock the row.
func (t *Tx) updateFilings(ctx context.Context, plans []*changePlan) error {
	type group struct {
		set     []string
		args    []any
		version int
		ids     []int64
	}
	groups := map[string]*group{}
	var order []string
	for _, p := range plans {
		f, g := p.f, p.out.Filing
		if g.Version == f.Version {
			continue // a reminder changes nothing in the filing
		}
		var set []string
		var args []any
		var sig strings.Builder
		col := func(name string, changed bool, v any) {
			if changed {
				set = append(set, name+" = ?")
				args = append(args, v)
				fmt.Fprintf(&sig, "%s=%v;", name, v)
			}
		}
		col("stage", g.Stage != f.Stage, string(g.Stage))
		col("return_reason", g.ReturnReason != f.ReturnReason, g.ReturnReason)
		col("return_source", g.ReturnSource != f.ReturnSource, string(g.ReturnSource))
		col("returned_at", !sameTime(g.ReturnedAt, f.ReturnedAt), dbTimePtr(g.ReturnedAt))
		col("deadline", !sameTime(g.Deadline, f.Deadline), dbTimePtr(g.Deadline))
		col("overdue", g.Overdue != f.Overdue, g.Overdue)
		col("late", g.Late != f.Late, g.Late)
		col("icp_number", g.ICPNumber != f.ICPNumber, g.ICPNumber)
		col("returns", g.Returns != f.Returns, g.Returns)
		col("updated_at", true, dbTime(g.UpdatedAt))
		col("submitted_at", !sameTime(g.SubmittedAt, f.SubmittedAt), dbTimePtr(g.SubmittedAt))
		col("approved_at", !sameTime(g.ApprovedAt, f.ApprovedAt), dbTimePtr(g.ApprovedAt))
		col("extensions", g.Extensions != f.Extensions, g.Extensions)
		col("last_deadline", !sameTime(g.LastDeadline, f.LastDeadline), dbTimePtr(g.LastDeadline))
		col("close_reason", g.CloseReason != f.CloseReason, string(g.CloseReason))
		col("close_note", g.CloseNote != f.CloseNote, g.CloseNote)
		col("closed_at", !sameTime(g.ClosedAt, f.ClosedAt), dbTimePtr(g.ClosedAt))
		key := fmt.Sprintf("v%d:%s", f.Version, sig.String())
		gr, ok := groups[key]
		if !ok {
			gr = &group{set: set, args: args, version: f.Version}
			groups[key] = gr
			order = append(order, key)
		}
		gr.ids = append(gr.ids, f.ID)
	}
	for _, key := range order {
		gr := groups[key]
		for start := 0; start < len(gr.ids); start += bulkRows {
			ids := gr.ids[start:min(start+bulkRows, len(gr.ids))]
			args := append(append([]any{}, gr.args...), gr.version)
			q, inArgs, err := t.inList(`UPDATE filings SET `+strings.Join(gr.set, ", ")+`, version = version + 1 WHERE version = ? AND id IN (?)`,
				append(args, ids)...)
			if err != nil {
				return err
			}
			r, err := t.tx.ExecContext(ctx, q, inArgs...)
			if err != nil {
				return fmt.Errorf("update %d filings: %w", len(ids), err)
			}
			if n, _ := r.RowsAffected(); n != int64(len(ids)) {
				return fmt.Errorf("%d of %d filings: %w", int64(len(ids))-n, len(ids), ErrConflict)
			}
		}
	}
	return nil
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func eventDetails(req ChangeRequest, out filing.Outcome) map[string]any {
	g := out.Filing
	details := map[string]any{}
	for k, v := range req.Details {
		details[k] = v
	}
	switch req.Action {
	case filing.ActionReturnProvider, filing.ActionReturnBureau:
		details["reason"] = g.ReturnReason
		details["deadline"] = g.Deadline
	case filing.ActionApprove:
		// Never the password: the audit trail is kept for years.
		details["icp_number"] = g.ICPNumber
		details["password_recorded"] = req.Password != ""
	case filing.ActionResubmit:
		details["late"] = out.Late
		details["deadline"] = out.Deadline
	case filing.ActionFlagOverdue:
		details["deadline"] = out.Deadline
	case filing.ActionRemind:
		details["deadline"] = out.Deadline
		details["offset"] = req.ReminderOffset.String()
	case filing.ActionExtend:
		details["deadline"] = out.Deadline
		details["previous_deadline"] = out.PreviousDeadline
	case filing.ActionUndoResubmission:
		details["deadline"] = out.Deadline
	}
	if r := filing.OneLine(req.Reason); r != "" && req.Action != filing.ActionReturnProvider && req.Action != filing.ActionReturnBureau {
		details["reason"] = r
	}
	if req.Inbound != nil {
		details["message_id"] = req.Inbound.MessageID
	}
	return details
}

// dedupKey names an email so that the same cause never enqueues it twice.
// Stage changes are keyed by the filing's new version, which only one writer
// can produce. Reminders and overdue notices change no version (or must stay
// unique across sweeps), so they are keyed by the return they concern: a
// second return starts new reminders.
func dedupKey(kind filing.EmailKind, f filing.Filing, out filing.Outcome, req ChangeRequest) string {
	switch req.Action {
	case filing.ActionRemind:
		if kind == filing.EmailDeadlineReminder {
			return reminderKey(f.Reference, f.Returns, f.Extensions, req.ReminderOffset)
		}
		return fmt.Sprintf("%s:%s:%s:%s", kind, f.Reference, deadlineKey(f.Returns, f.Extensions), req.ReminderOffset)
	case filing.ActionFlagOverdue:
		return fmt.Sprintf("%s:%s:%s", kind, f.Reference, deadlineKey(f.Returns, f.Extensions))
	}
	return fmt.Sprintf("%s:%s:v%d", kind, f.Reference, out.Filing.Version)
}

// reminderKey is the dedup key of one reminder: per filing, per deadline
// and per offset. The reminders job computes it too, to skip reminders
// already enqueued without loading their filings.
func reminderKey(ref string, returns, extensions int, offset time.Duration) string {
	return fmt.Sprintf("%s:%s:%s:%s", filing.EmailDeadlineReminder, ref, deadlineKey(returns, extensions), offset)
}

// deadlineKey names one deadline of a filing: its return, and how often it
// was changed since (an extension restarts reminders and overdue notices).
// The first deadline of a return keeps the form keys had before extensions.
func deadlineKey(returns, extensions int) string {
	if extensions == 0 {
		return fmt.Sprintf("r%d", returns)
	}
	return fmt.Sprintf("r%d.e%d", returns, extensions)
}

// notice snapshots what the emails of this change need to say.
func (t *Tx) notice(out filing.Outcome, acct filing.Account, req ChangeRequest) filing.Notice {
	g := out.Filing
	n := filing.Notice{
		Language: acct.Language, To: acct.Email, ToName: acct.Name, At: req.At.UTC(),
		Reference: g.Reference, Account: acct.Email,
		SubjectType: g.Subject.Type, SubjectName: g.Subject.Name, WebsiteName: g.Website.Name,
		Stage: g.Stage, ReturnReason: g.ReturnReason, ReturnSource: g.ReturnSource, ReturnedAt: g.ReturnedAt,
		Deadline: out.Deadline, Late: out.Late, Overdue: g.Overdue, ICPNumber: g.ICPNumber,
		Password: req.Password, ReminderOffset: req.ReminderOffset, Inbound: req.Inbound,
		PreviousDeadline: out.PreviousDeadline,
	}
	switch req.Action {
	case filing.ActionWithdraw, filing.ActionDeclineLate, filing.ActionUndoResubmission, filing.ActionExtend:
		n.Reason = filing.OneLine(req.Reason)
	}
	for _, d := range g.Website.Domains {
		n.Domains = append(n.Domains, d.Name)
	}
	if out.Email == filing.EmailFilingSubmitted {
		n.Materials = filing.Checklist(g)
		n.RuleProblems = filing.CheckRules(g)
	}
	return n
}

// ChangeStage is Tx.ChangeStage in its own transaction, retried once when it
// loses a race (the filing changed between read and write).
func (s *Store) ChangeStage(ctx context.Context, req ChangeRequest) (ChangeResult, error) {
	var res ChangeResult
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		err = s.InTx(ctx, func(t *Tx) (err error) {
			res, err = t.ChangeStage(ctx, req)
			return err
		})
		if !errors.Is(err, ErrConflict) {
			break
		}
	}
	return res, err
}

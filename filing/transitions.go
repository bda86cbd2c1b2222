package filing

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Action is a named change to a filing.
type Action string

const (
	ActionSubmit         Action = "submit"          // 信息核实提交: the applicant submitted for the provider's review
	ActionReturnProvider Action = "return_provider" // the desk returned it with a reason
	ActionToBureau       Action = "to_bureau"       // the desk sent it on to the bureau
	ActionReturnBureau   Action = "return_bureau"   // the bureau returned it with a reason
	ActionApprove        Action = "approve"         // the bureau approved it
	ActionResubmit       Action = "resubmit"        // corrected and resubmitted after a return
	ActionFlagOverdue    Action = "flag_overdue"    // the resubmission deadline passed
	ActionRemind         Action = "remind"          // a reminder before the deadline
	// Staff decisions off the happy path.
	ActionExtend           Action = "extend"            // a new, later resubmission deadline
	ActionWithdraw         Action = "withdraw"          // the filing is abandoned: closed, deadlines stop
	ActionAcceptLate       Action = "accept_late"       // a late resubmission is reviewed after all
	ActionDeclineLate      Action = "decline_late"      // a late resubmission is refused: closed as expired
	ActionUndoResubmission Action = "undo_resubmission" // a resubmission recorded by mistake: back to awaiting it
)

// Transition is one row of the stage machine: what may happen from where, by
// whom, and which email it causes. Rows whose To equals From change no stage
// but are still state changes with an audit event and an email.
type Transition struct {
	Action Action
	From   Stage
	To     Stage
	By     []Actor
	// Email goes to the applicant; LateEmail replaces it when the change comes
	// after the resubmission deadline.
	Email     EmailKind
	LateEmail EmailKind
	// AlertStaff sends a staff_alert always; AlertStaffIfLate only when late.
	AlertStaff       bool
	AlertStaffIfLate bool
	// Opens is the work item the change puts in front of staff (OpensIfLate
	// only when late); Closes are the filing's open items it resolves.
	Opens       WorkKind
	OpensIfLate WorkKind
	Closes      []WorkKind
}

var (
	staffOnly     = []Actor{ActorStaff}
	staffOrMail   = []Actor{ActorStaff, ActorApplicant}
	schedulerOnly = []Actor{ActorScheduler}
)

// Transitions is the one transition table of the process. Nothing moves a
// filing except a row of this table.
var Transitions = []Transition{
	{Action: ActionSubmit, From: StageDraft, To: StageProviderReview, By: staffOnly, Email: EmailFilingSubmitted},
	{Action: ActionReturnProvider, From: StageProviderReview, To: StageDraft, By: staffOnly, Email: EmailFilingReturnedProvider},
	// Sending a late resubmission on to the bureau accepts it.
	{Action: ActionToBureau, From: StageProviderReview, To: StageBureauReview, By: staffOnly, Email: EmailFilingSentToBureau,
		Closes: []WorkKind{WorkLateResubmission}},
	{Action: ActionReturnBureau, From: StageBureauReview, To: StageReturned, By: staffOnly, Email: EmailFilingReturned},
	{Action: ActionApprove, From: StageBureauReview, To: StageApproved, By: staffOnly, Email: EmailFilingApproved},
	// After either kind of return the applicant corrects the filing in the
	// filing system and emails the desk (seed §一 step 8): both returns invite
	// that reply, so both accept it by email. Staff may record it too.
	{Action: ActionResubmit, From: StageReturned, To: StageProviderReview, By: staffOrMail,
		Email: EmailResubmissionReceived, LateEmail: EmailResubmissionLate, AlertStaffIfLate: true,
		OpensIfLate: WorkLateResubmission, Closes: []WorkKind{WorkOverdue}},
	{Action: ActionResubmit, From: StageDraft, To: StageProviderReview, By: staffOrMail,
		Email: EmailResubmissionReceived, LateEmail: EmailResubmissionLate, AlertStaffIfLate: true,
		OpensIfLate: WorkLateResubmission, Closes: []WorkKind{WorkOverdue}},
	{Action: ActionFlagOverdue, From: StageReturned, To: StageReturned, By: schedulerOnly, Email: EmailDeadlinePassed, AlertStaff: true,
		Opens: WorkOverdue},
	{Action: ActionFlagOverdue, From: StageDraft, To: StageDraft, By: schedulerOnly, Email: EmailDeadlinePassed, AlertStaff: true,
		Opens: WorkOverdue},
	{Action: ActionRemind, From: StageReturned, To: StageReturned, By: schedulerOnly, Email: EmailDeadlineReminder},
	{Action: ActionRemind, From: StageDraft, To: StageDraft, By: schedulerOnly, Email: EmailDeadlineReminder},
	{Action: ActionExtend, From: StageReturned, To: StageReturned, By: staffOnly, Email: EmailDeadlineExtended,
		Closes: []WorkKind{WorkOverdue}},
	{Action: ActionExtend, From: StageDraft, To: StageDraft, By: staffOnly, Email: EmailDeadlineExtended,
		Closes: []WorkKind{WorkOverdue}},
	{Action: ActionWithdraw, From: StageDraft, To: StageClosed, By: staffOnly, Email: EmailFilingWithdrawn, Closes: filingItems},
	{Action: ActionWithdraw, From: StageProviderReview, To: StageClosed, By: staffOnly, Email: EmailFilingWithdrawn, Closes: filingItems},
	{Action: ActionWithdraw, From: StageBureauReview, To: StageClosed, By: staffOnly, Email: EmailFilingWithdrawn, Closes: filingItems},
	{Action: ActionWithdraw, From: StageReturned, To: StageClosed, By: staffOnly, Email: EmailFilingWithdrawn, Closes: filingItems},
	{Action: ActionAcceptLate, From: StageProviderReview, To: StageProviderReview, By: staffOnly, Email: EmailLateAccepted,
		Closes: []WorkKind{WorkLateResubmission}},
	{Action: ActionDeclineLate, From: StageProviderReview, To: StageClosed, By: staffOnly, Email: EmailLateDeclined,
		Closes: []WorkKind{WorkLateResubmission}},
	// Back to where the return left it: returned after a bureau return, a
	// draft after a provider return (Decide picks which). No new return
	// email: the applicant is told the resubmission was recorded by mistake.
	{Action: ActionUndoResubmission, From: StageProviderReview, To: StageReturned, By: staffOnly, Email: EmailResubmissionUndone,
		Closes: []WorkKind{WorkLateResubmission, WorkMisread}},
}

// filingItems are the work items about a filing's state that end with it.
var filingItems = []WorkKind{WorkOverdue, WorkLateResubmission}

// Actions lists the distinct actions of the table, in table order.
func Actions() []Action {
	var out []Action
	seen := map[Action]bool{}
	for _, t := range Transitions {
		if !seen[t.Action] {
			seen[t.Action] = true
			out = append(out, t.Action)
		}
	}
	return out
}

// StaffActions are the actions staff may take on f now, in table order:
// rows from f's stage that staff may use, less those whose precondition
// on the filing itself does not hold (resubmit and extend only while awaiting a
// resubmission, accept or decline only a late one, undo only a
// resubmission). The account's approval, which submit also needs, is not
// the filing's and is left to Decide. What the action also needs (a reason, a deadline) is the
// caller's to ask for; Decide has the last word.
func StaffActions(f Filing) []Action {
	var out []Action
	seen := map[Action]bool{}
	for _, t := range Transitions {
		if t.From != f.Stage || !t.allows(ActorStaff) || seen[t.Action] {
			continue
		}
		switch t.Action {
		case ActionSubmit:
			if f.AwaitingResubmission() {
				continue
			}
		case ActionResubmit, ActionExtend:
			if !f.AwaitingResubmission() {
				continue
			}
		case ActionAcceptLate, ActionDeclineLate:
			if !f.Late {
				continue
			}
		case ActionUndoResubmission:
			if f.LastDeadline == nil || f.ReturnedAt == nil {
				continue
			}
		}
		seen[t.Action] = true
		out = append(out, t.Action)
	}
	return out
}

// target is the stage an action leads to, for error messages: the first row's.
func target(a Action, from Stage) Stage {
	for _, t := range Transitions {
		if t.Action == a {
			if t.From == t.To {
				return from
			}
			return t.To
		}
	}
	return ""
}

func (t Transition) allows(a Actor) bool {
	for _, x := range t.By {
		if x == a {
			return true
		}
	}
	return false
}

// Request asks for one change to a filing.
type Request struct {
	Action Action
	Actor  Actor
	At     time.Time
	Reason string // returns, withdrawals, declines and undos: why, as the applicant will read it
	// Deadline is the new deadline of an extension, or of an undone
	// resubmission whose original deadline has passed.
	Deadline *time.Time
	// ICPNumber and Password come with approve. The password is never part of
	// the filing: it travels only in the one email that delivers it.
	ICPNumber string
	Password  string
}

// Outcome is what a request does: the filing after the change and the emails
// to enqueue. Decide computes it; the store persists it in one transaction.
type Outcome struct {
	Transition Transition
	From       Stage
	Filing     Filing
	Email      EmailKind // to the applicant; empty when none
	AlertStaff bool
	Late       bool
	// Deadline is the deadline the change concerns (for reminders and overdue
	// notices, the one that was running; for returns and extensions, the new one).
	Deadline *time.Time
	// PreviousDeadline is the deadline an extension replaced.
	PreviousDeadline *time.Time
	// Opens is the work item kind the change opens for staff, if any.
	Opens WorkKind
}

// Guard errors: the action exists from this stage but the filing's state does
// not allow it now. They wrap ErrTransition.
var (
	ErrAccountNotApproved = errors.New("the account is not approved")
	ErrReasonRequired     = errors.New("a return needs a reason: the applicant is told why")
	ErrNotAwaiting        = errors.New("the filing is not awaiting resubmission")
	ErrAlreadyOverdue     = errors.New("the filing is already flagged overdue")
	ErrNotDue             = errors.New("the deadline has not passed")
	ErrDeadlinePassed     = errors.New("the deadline has passed")
	ErrNotLate            = errors.New("the filing was not resubmitted late")
	ErrNoResubmission     = errors.New("no resubmission to undo")
	ErrDeadlineRequired   = errors.New("a new deadline is needed")
)

// MaxPasswordLen bounds the filing password; the bureau issues short ones.
const MaxPasswordLen = 64

// Decide checks req against the transition table and the filing's state and
// returns the outcome, leaving f unchanged. Any change not in the table is
// refused with an error wrapping ErrTransition that names both stages.
func Decide(f Filing, acct Account, req Request, p Policy) (Outcome, error) {
	if err := p.Validate(); err != nil {
		return Outcome{}, err
	}
	var row *Transition
	known := false
	for i := range Transitions {
		t := &Transitions[i]
		if t.Action != req.Action {
			continue
		}
		known = true
		if t.From == f.Stage {
			row = t
			break
		}
	}
	if !known {
		return Outcome{}, fmt.Errorf("%w: unknown action %q", ErrTransition, req.Action)
	}
	if row == nil {
		return Outcome{}, fmt.Errorf("%w: cannot %s filing %s: %s → %s is not allowed",
			ErrTransition, req.Action, f.Reference, f.Stage, target(req.Action, f.Stage))
	}
	if !row.allows(req.Actor) {
		return Outcome{}, fmt.Errorf("%w: cannot %s filing %s: %s → %s may not be done by %s",
			ErrTransition, req.Action, f.Reference, row.From, row.To, req.Actor)
	}
	guard := func(err error) error {
		return fmt.Errorf("%w: cannot %s filing %s (%s → %s): %w", ErrTransition, req.Action, f.Reference, row.From, row.To, err)
	}
	at := req.At.UTC()
	if at.IsZero() {
		return Outcome{}, errors.New("filing: request has no time")
	}
	out := Outcome{Transition: *row, From: f.Stage, Email: row.Email, AlertStaff: row.AlertStaff, Opens: row.Opens}
	g := f
	g.Stage = row.To
	g.UpdatedAt = at
	g.Version = f.Version + 1

	switch req.Action {
	case ActionSubmit:
		if acct.Status != AccountApproved {
			return Outcome{}, guard(fmt.Errorf("%w (%s is %s): only an approved account can submit a filing", ErrAccountNotApproved, acct.Email, acct.Status))
		}
		if f.AwaitingResubmission() {
			return Outcome{}, guard(fmt.Errorf("it was returned on %s: record the corrected submission with resubmit", f.ReturnedAt.In(p.Location).Format("2006-01-02")))
		}
		g.SubmittedAt = &at
	case ActionReturnProvider, ActionReturnBureau:
		reason := OneLine(req.Reason)
		if reason == "" {
			return Outcome{}, guard(ErrReasonRequired)
		}
		dl := Deadline(at, p.ResubmitDays, p.Location).UTC()
		g.ReturnReason, g.ReturnedAt, g.Deadline = reason, &at, &dl
		g.ReturnSource = ReturnedByProvider
		if req.Action == ActionReturnBureau {
			g.ReturnSource = ReturnedByBureau
		}
		g.Overdue, g.Late = false, false
		g.Returns, g.Extensions, g.LastDeadline = f.Returns+1, 0, nil
		out.Deadline = &dl
	case ActionToBureau:
	case ActionApprove:
		n, err := ParseICPNumber(req.ICPNumber)
		if err != nil {
			return Outcome{}, guard(err)
		}
		if len(req.Password) > MaxPasswordLen || strings.ContainsAny(req.Password, "\r\n") {
			return Outcome{}, guard(fmt.Errorf("the filing password must be one line of at most %d bytes", MaxPasswordLen))
		}
		g.ICPNumber = n.String()
		g.ApprovedAt = &at
	case ActionResubmit:
		if !f.AwaitingResubmission() {
			return Outcome{}, guard(ErrNotAwaiting)
		}
		out.Deadline = f.Deadline
		if PastDeadline(at, *f.Deadline) {
			out.Late, g.Late = true, true
			out.Email = row.LateEmail
			out.AlertStaff = out.AlertStaff || row.AlertStaffIfLate
			out.Opens = row.OpensIfLate
		}
		// Kept so a resubmission recorded by mistake can be undone.
		g.LastDeadline = f.Deadline
		g.Deadline, g.Overdue = nil, false
		g.SubmittedAt = &at
	case ActionFlagOverdue:
		switch {
		case !f.AwaitingResubmission():
			return Outcome{}, guard(ErrNotAwaiting)
		case f.Overdue:
			return Outcome{}, guard(ErrAlreadyOverdue)
		case !PastDeadline(at, *f.Deadline):
			return Outcome{}, guard(ErrNotDue)
		}
		g.Overdue = true
		out.Deadline = f.Deadline
	case ActionRemind:
		switch {
		case !f.AwaitingResubmission():
			return Outcome{}, guard(ErrNotAwaiting)
		case f.Overdue || PastDeadline(at, *f.Deadline):
			return Outcome{}, guard(ErrDeadlinePassed)
		}
		// A reminder changes nothing in the filing itself.
		g.Version, g.UpdatedAt = f.Version, f.UpdatedAt
		out.Deadline = f.Deadline
	case ActionExtend:
		switch {
		case !f.AwaitingResubmission():
			return Outcome{}, guard(ErrNotAwaiting)
		case req.Deadline == nil:
			return Outcome{}, guard(ErrDeadlineRequired)
		case !req.Deadline.After(*f.Deadline):
			return Outcome{}, guard(fmt.Errorf("the new deadline %s is not after the current one, %s",
				req.Deadline.In(p.Location).Format("2006-01-02 15:04"), f.Deadline.In(p.Location).Format("2006-01-02 15:04")))
		case !req.Deadline.After(at):
			return Outcome{}, guard(fmt.Errorf("the new deadline %s has already passed", req.Deadline.In(p.Location).Format("2006-01-02 15:04")))
		}
		dl := req.Deadline.UTC()
		out.PreviousDeadline = f.Deadline
		g.Deadline, g.Overdue = &dl, false
		g.Extensions = f.Extensions + 1
		out.Deadline = &dl
	case ActionWithdraw:
		reason := OneLine(req.Reason)
		if reason == "" {
			return Outcome{}, guard(errors.New("a withdrawal needs a reason: the applicant is told why"))
		}
		closeFiling(&g, ClosedWithdrawn, reason, at)
	case ActionAcceptLate:
		if !f.Late {
			return Outcome{}, guard(ErrNotLate)
		}
		g.Late = false
	case ActionDeclineLate:
		if !f.Late {
			return Outcome{}, guard(ErrNotLate)
		}
		reason := OneLine(req.Reason)
		if reason == "" {
			return Outcome{}, guard(errors.New("declining needs a reason: the applicant is told why"))
		}
		closeFiling(&g, ClosedExpired, reason, at)
	case ActionUndoResubmission:
		if f.LastDeadline == nil || f.ReturnedAt == nil {
			return Outcome{}, guard(ErrNoResubmission)
		}
		dl := *f.LastDeadline
		if req.Deadline != nil {
			dl = req.Deadline.UTC()
		}
		if !dl.After(at) {
			return Outcome{}, guard(fmt.Errorf("%w: the original deadline %s has passed; give a new one",
				ErrDeadlineRequired, dl.In(p.Location).Format("2006-01-02 15:04")))
		}
		if f.ReturnSource == ReturnedByProvider {
			g.Stage = StageDraft
		}
		g.Deadline, g.LastDeadline, g.Late, g.Overdue = &dl, nil, false, false
		g.ReturnReason = f.ReturnReason
		g.Extensions = f.Extensions + 1 // new reminders for the restored deadline
		out.Deadline = &dl
	}
	out.Filing = g
	return out, nil
}

// closeFiling ends a filing: no deadline, no reminders, nothing overdue.
func closeFiling(g *Filing, why CloseReason, reason string, at time.Time) {
	g.CloseReason, g.CloseNote, g.ClosedAt = why, reason, &at
	g.Deadline, g.Overdue = nil, false
}

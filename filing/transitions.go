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
}

var (
	staffOnly     = []Actor{ActorStaff}
	staffOrMail   = []Actor{ActorStaff, ActorApplicant}
	schedulerOnly = []Actor{ActorScheduler}
)

// Transitions is the one transition table of the process (DESIGN.md). Nothing
// moves a filing except a row of this table.
var Transitions = []Transition{
	{Action: ActionSubmit, From: StageDraft, To: StageProviderReview, By: staffOnly, Email: EmailFilingSubmitted},
	{Action: ActionReturnProvider, From: StageProviderReview, To: StageDraft, By: staffOnly, Email: EmailFilingReturnedProvider},
	{Action: ActionToBureau, From: StageProviderReview, To: StageBureauReview, By: staffOnly, Email: EmailFilingSentToBureau},
	{Action: ActionReturnBureau, From: StageBureauReview, To: StageReturned, By: staffOnly, Email: EmailFilingReturned},
	{Action: ActionApprove, From: StageBureauReview, To: StageApproved, By: staffOnly, Email: EmailFilingApproved},
	// After a bureau return the applicant resubmits in the filing system and
	// emails the desk (seed §一 step 8); staff may record it too.
	{Action: ActionResubmit, From: StageReturned, To: StageProviderReview, By: staffOrMail,
		Email: EmailResubmissionReceived, LateEmail: EmailResubmissionLate, AlertStaffIfLate: true},
	// After a provider return the filing is a draft again; the new submission
	// comes through the filing system, recorded by staff.
	{Action: ActionResubmit, From: StageDraft, To: StageProviderReview, By: staffOnly,
		Email: EmailResubmissionReceived, LateEmail: EmailResubmissionLate, AlertStaffIfLate: true},
	{Action: ActionFlagOverdue, From: StageReturned, To: StageReturned, By: schedulerOnly, Email: EmailDeadlinePassed, AlertStaff: true},
	{Action: ActionFlagOverdue, From: StageDraft, To: StageDraft, By: schedulerOnly, Email: EmailDeadlinePassed, AlertStaff: true},
	{Action: ActionRemind, From: StageReturned, To: StageReturned, By: schedulerOnly, Email: EmailDeadlineReminder},
	{Action: ActionRemind, From: StageDraft, To: StageDraft, By: schedulerOnly, Email: EmailDeadlineReminder},
}

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
	Reason string // returns: why, as the applicant will read it
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
	// notices, the one that was running; for returns, the new one).
	Deadline *time.Time
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
	out := Outcome{Transition: *row, From: f.Stage, Email: row.Email, AlertStaff: row.AlertStaff}
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
		g.Returns = f.Returns + 1
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
		}
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
	}
	out.Filing = g
	return out, nil
}

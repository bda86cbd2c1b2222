package store

import (
	"context"
	"errors"
	"fmt"
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
}

// ChangeStage is the one way to change a filing's state: in the caller's
// transaction it locks the filing, checks the transition with filing.Decide,
// updates the row, writes the audit event and enqueues the applicant's email
// and any staff alerts with their dedup keys. On error nothing is written
// (the caller's transaction must be rolled back, or the call wrapped in
// Savepoint).
func (t *Tx) ChangeStage(ctx context.Context, req ChangeRequest) (ChangeResult, error) {
	var res ChangeResult
	f, err := t.loadFiling(ctx, `reference = ?`, normRef(req.Ref), req.Ref, true)
	if err != nil {
		return res, err
	}
	acct, err := t.accountByID(ctx, f.AccountID)
	if err != nil {
		return res, err
	}
	if req.At.IsZero() {
		req.At = t.s.now()
	}
	out, err := filing.Decide(f, acct, req.Request, t.s.policy)
	if err != nil {
		return res, err
	}
	res.Outcome, res.Account, res.Filing = out, acct, out.Filing
	g := out.Filing

	// Emails first: for a reminder or an overdue notice the dedup key is the
	// only thing that makes a second run a no-op, and it must stop the event too.
	notice := t.notice(out, acct, req)
	if out.Email != "" {
		notice.Kind = out.Email
		inserted, err := t.Enqueue(ctx, OutboxItem{Notice: notice, DedupKey: dedupKey(out.Email, f, out, req),
			FilingID: f.ID, AccountID: acct.ID, InboundID: req.InboundID})
		if err != nil {
			return res, err
		}
		if !inserted && (req.Action == filing.ActionRemind || req.Action == filing.ActionFlagOverdue) {
			res.Duplicate = true
			return res, nil
		}
		if inserted {
			res.Enqueued++
		}
	}

	if g.Version != f.Version {
		r, err := t.exec(ctx, `UPDATE filings SET stage = ?, return_reason = ?, return_source = ?, returned_at = ?, deadline = ?,
			overdue = ?, late = ?, icp_number = ?, version = ?, updated_at = ?, submitted_at = ?, approved_at = ?
			WHERE id = ? AND version = ?`,
			string(g.Stage), g.ReturnReason, string(g.ReturnSource), dbTimePtr(g.ReturnedAt), dbTimePtr(g.Deadline),
			g.Overdue, g.Late, g.ICPNumber, g.Version, dbTime(g.UpdatedAt), dbTimePtr(g.SubmittedAt), dbTimePtr(g.ApprovedAt),
			f.ID, f.Version)
		if err != nil {
			return res, fmt.Errorf("update filing %s: %w", f.Reference, err)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return res, fmt.Errorf("filing %s: %w", f.Reference, ErrConflict)
		}
	}

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
	}
	if req.Inbound != nil {
		details["message_id"] = req.Inbound.MessageID
	}
	res.EventID, err = t.insertEventID(ctx, event{FilingID: f.ID, AccountID: acct.ID, Actor: req.Actor, ActorName: req.ActorName,
		Action: string(req.Action), From: out.From, To: g.Stage, Details: details, At: req.At})
	if err != nil {
		return res, err
	}

	if out.AlertStaff {
		alert := notice
		alert.Kind = filing.EmailStaffAlert
		alert.Password = ""
		alert.Alert = &filing.Alert{Action: string(req.Action), Actor: req.Actor, From: out.From, To: g.Stage, Summary: alertSummary(out, g)}
		for _, addr := range t.s.staff {
			alert.To, alert.ToName, alert.Language = addr, "", t.s.staffLang
			key := dedupKey(filing.EmailStaffAlert, f, out, req) + ":" + addr
			inserted, err := t.Enqueue(ctx, OutboxItem{Notice: alert, DedupKey: key, FilingID: f.ID, AccountID: acct.ID, InboundID: req.InboundID})
			if err != nil {
				return res, err
			}
			if inserted {
				res.Enqueued++
			}
		}
	}
	return res, nil
}

// dedupKey names an email so that the same cause never enqueues it twice.
// Stage changes are keyed by the filing's new version, which only one writer
// can produce. Reminders and overdue notices change no version (or must stay
// unique across sweeps), so they are keyed by the return they concern: a
// second return, even on the same day, starts new reminders.
func dedupKey(kind filing.EmailKind, f filing.Filing, out filing.Outcome, req ChangeRequest) string {
	switch req.Action {
	case filing.ActionRemind:
		return fmt.Sprintf("%s:%s:r%d:%s", kind, f.Reference, f.ReturnedAt.UnixMicro(), req.ReminderOffset)
	case filing.ActionFlagOverdue:
		return fmt.Sprintf("%s:%s:r%d", kind, f.Reference, f.ReturnedAt.UnixMicro())
	}
	return fmt.Sprintf("%s:%s:v%d", kind, f.Reference, out.Filing.Version)
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

func alertSummary(out filing.Outcome, g filing.Filing) filing.Text {
	switch {
	case out.Transition.Action == filing.ActionFlagOverdue:
		return filing.Text{
			Zh: fmt.Sprintf("备案 %s 已超过重新提交期限,主办者尚未重新提交。", g.Reference),
			En: fmt.Sprintf("Filing %s is past its resubmission deadline and has not been resubmitted.", g.Reference)}
	case out.Late:
		return filing.Text{
			Zh: fmt.Sprintf("备案 %s 在期限过后重新提交,请决定是否受理。", g.Reference),
			En: fmt.Sprintf("Filing %s was resubmitted after its deadline; please decide whether to accept it.", g.Reference)}
	}
	return filing.Text{
		Zh: fmt.Sprintf("备案 %s:%s → %s", g.Reference, out.From.Label(filing.LangChinese), g.Stage.Label(filing.LangChinese)),
		En: fmt.Sprintf("Filing %s: %s → %s", g.Reference, out.From, g.Stage)}
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

package inbox

import (
	"fmt"
	"strings"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/reading"
	"example.com/icpdesk/senderauth"
)

// Decision is what a message does.
type Decision string

const (
	DecisionResubmission     Decision = "resubmission"      // a returned filing back to review, acknowledged
	DecisionLateResubmission Decision = "late_resubmission" // the same, past the deadline: staff decide whether to accept it
	DecisionCorrespondence   Decision = "correspondence"    // linked, verified, recorded on the filing (for staff when it asks something)
	DecisionUnverified       Decision = "unverified"        // linked, but not from the account's address or not authenticated
	DecisionUnmatched        Decision = "unmatched"         // no filing (or several): waits for staff
	DecisionIgnored          Decision = "ignored"           // an auto-reply or our own mail
	DecisionBounce           Decision = "bounce"            // a bounce of an email we sent
)

// Decisions lists every decision.
var Decisions = []Decision{DecisionResubmission, DecisionLateResubmission, DecisionCorrespondence, DecisionUnverified,
	DecisionUnmatched, DecisionIgnored, DecisionBounce}

// Verdict is everything the inbox concluded about one message, before
// anything is written. The same reasons reach inspect, the logs, the
// digest and the audit events.
type Verdict struct {
	Class       Classification
	ClassReason string
	Link        Link
	// SenderVerified: from the filing account's registered address, and
	// authenticated when authentication is configured.
	SenderVerified bool
	Auth           senderauth.Verdict
	Decision       Decision
	// Late is set for a resubmission past the filing's deadline.
	Late bool
	// NeedsReply: the applicant asked something (a question, more time) or
	// says an acknowledgement misread them; a person must answer.
	NeedsReply bool
	// Misread: a reply to our acknowledgement saying it was not done.
	Misread bool
	// Acts are the statements read in the applicant's own words.
	Acts []reading.Act
	// Understood is the applicant's sentence a resubmission was read from,
	// quoted back in the acknowledgement.
	Understood string
	// Asks is the question or request a person must answer.
	Asks string
	// At is when the message counts as received (the server's arrival time).
	At time.Time
	// Reasons explain the decision, step by step, for staff.
	Reasons []string
}

// Why is the verdict's explanation in one line.
func (v Verdict) Why() string { return strings.Join(v.Reasons, "; ") }

func (v *Verdict) because(format string, args ...any) {
	v.Reasons = append(v.Reasons, fmt.Sprintf(format, args...))
}

// decide turns a prepared, linked message into a decision. It is pure:
// applying it (the stage change, the emails) happens in the store, where
// the transition table is checked again on the filing as it then is.
// authRequired says whether the desk configured sender authentication.
func decide(p *Prepared, link Link, at time.Time, authRequired bool) Verdict {
	m := p.Msg
	v := Verdict{Class: p.Class, ClassReason: p.ClassReason, Link: link, At: at, Auth: p.Auth}
	switch {
	case p.ParseErr != nil:
		v.Decision = DecisionUnmatched
		v.because("the message could not be parsed: %v", p.ParseErr)
		return v
	case p.Class == ClassBounce:
		v.Decision = DecisionBounce
		v.because("bounce (%s)", p.ClassReason)
		switch {
		case link.Replied != nil:
			v.because("to the bounce address of email %d (%s to %s)", link.Replied.OutboxID, link.Replied.Kind, filing.MaskEmail(link.Replied.Recipient))
		case link.Claimed != nil && p.keys.verp:
			v.because("names email %d, but was not sent to its bounce address: acting on nothing, staff check", link.Claimed.OutboxID)
		case link.Claimed != nil:
			v.because("names email %d; without bounce addresses ([smtp] bounce_address) a bounce cannot be trusted: acting on nothing, staff check",
				link.Claimed.OutboxID)
		}
		return v
	case p.Class == ClassOwn || p.Class == ClassAutoReply:
		v.Decision = DecisionIgnored
		v.because("%s (%s): recorded, never answered", p.Class, p.ClassReason)
		return v
	}
	v.Acts = p.Reading.Acts()
	f := link.Filing
	if f == nil {
		v.Decision = DecisionUnmatched
		if n := link.Note(); n != "" {
			v.because("%s", n)
		} else {
			v.because("no filing found")
		}
		return v
	}
	v.because("linked to %s by %s", f.Reference, link.Rule)
	fromHolder := m.From.Addr != "" && strings.EqualFold(strings.TrimSpace(m.From.Addr), f.AccountEmail)
	switch {
	case !fromHolder:
		v.Decision = DecisionUnverified
		v.because("%s is not the registered address of filing %s", filing.MaskEmail(m.From.Addr), f.Reference)
		return v
	case authRequired && p.Auth.Result != senderauth.Pass:
		v.Decision = DecisionUnverified
		v.because("sender not authenticated (%s): %s", orNone(string(p.Auth.Result)), p.Auth.Why)
		return v
	}
	v.SenderVerified = true
	if p.Auth.Result == senderauth.Pass {
		v.because("sender authenticated by %s", p.Auth.Method)
	}

	mean := p.Meaning
	replied := ""
	if link.Replied != nil {
		replied = link.Replied.Kind
	}
	kind := filing.EmailKind(replied)
	v.Misread = kind.IsResubmissionAck() && mean.Misread
	v.NeedsReply = mean.AsksSomething || v.Misread
	if mean.AsksSomething {
		v.Asks = firstNonEmpty(p.Reading.Evidence(reading.ActQuestion), p.Reading.Evidence(reading.ActExtensionRequest), mean.Trouble)
	}
	if v.Misread {
		v.Asks = firstNonEmpty(p.Reading.Evidence(reading.ActNegatedDone), p.Reading.Evidence(reading.ActCorrection), v.Asks)
		v.because("answers our acknowledgement saying it was misread")
	}
	// A threaded reply links a message; it never says what the applicant
	// did. Only their words do: the work is done, or (answering a return)
	// "please review", and nothing takes it back.
	done := mean.Done || kind.AboutReturn() && mean.ReviewRequest
	switch {
	case mean.Contradicted:
		v.Decision = DecisionCorrespondence
		v.because("not a resubmission notice: %s", mean.Why)
		return v
	case !done:
		v.Decision = DecisionCorrespondence
		if mean.Why != "" {
			v.because("no statement that the work is done: %s", mean.Why)
		} else {
			v.because("no statement that the work is done")
		}
		return v
	}
	v.Understood = mean.Understood
	switch {
	case m.Oversize:
		v.Decision, v.NeedsReply = DecisionCorrespondence, true
		v.because("too large to read in full: staff decide")
	case !f.Awaiting():
		v.Decision = DecisionCorrespondence
		v.because("says it was resubmitted (%s), but filing %s is %s, not awaiting a resubmission", mean.Understood, f.Reference, f.Stage)
	// IMAP arrival times have whole seconds: a reply within the second of the
	// return must not count as written before it.
	case f.ReturnedAt != nil && at.Before(f.ReturnedAt.Truncate(time.Second)):
		v.Decision = DecisionCorrespondence
		v.because("written before the filing was returned")
	default:
		v.Decision = DecisionResubmission
		v.because("resubmission notice: %s", mean.Why)
		if f.Deadline != nil && filing.PastDeadline(at, *f.Deadline) {
			v.Decision, v.Late = DecisionLateResubmission, true
			v.because("after the deadline")
		}
	}
	if v.NeedsReply && v.Asks != "" {
		v.because("asks: %s", v.Asks)
	}
	return v
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

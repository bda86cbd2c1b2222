package filing

import (
	"encoding/json"
	"time"
)

// Notice is the data of one queued email, stored as the outbox row's payload.
// It is a snapshot taken in the transaction that caused the email, so the
// email says what was true then, whatever happens to the filing later.
type Notice struct {
	Kind      EmailKind `json:"kind"`
	Language  Language  `json:"language"`
	To        string    `json:"to"`
	ToName    string    `json:"to_name,omitempty"`
	At        time.Time `json:"at"` // when the change that caused it happened
	Reference string    `json:"reference,omitempty"`

	Account      string `json:"account,omitempty"` // the account's registered address
	RejectReason string `json:"reject_reason,omitempty"`

	SubjectType  SubjectType  `json:"subject_type,omitempty"`
	SubjectName  string       `json:"subject_name,omitempty"`
	WebsiteName  string       `json:"website_name,omitempty"`
	Domains      []string     `json:"domains,omitempty"`
	Stage        Stage        `json:"stage,omitempty"`
	ReturnReason string       `json:"return_reason,omitempty"`
	ReturnSource ReturnSource `json:"return_source,omitempty"`
	ReturnedAt   *time.Time   `json:"returned_at,omitempty"`
	Deadline     *time.Time   `json:"deadline,omitempty"`
	Late         bool         `json:"late,omitempty"`
	Overdue      bool         `json:"overdue,omitempty"`
	ICPNumber    string       `json:"icp_number,omitempty"`
	// Password is the filing password: it exists only here, and the mailer
	// erases it in the transaction that marks the email sent.
	Password       string        `json:"password,omitempty"`
	Materials      []Material    `json:"materials,omitempty"`
	RuleProblems   []Problem     `json:"rule_problems,omitempty"`
	ReminderOffset time.Duration `json:"reminder_offset,omitempty"`

	// Reason is why staff withdrew or closed the filing or undid a resubmission.
	Reason string `json:"reason,omitempty"`
	// PreviousDeadline is the deadline an extension replaced.
	PreviousDeadline *time.Time `json:"previous_deadline,omitempty"`
	// Reply is a staff member's answer (staff_reply).
	Reply *StaffReply `json:"reply,omitempty"`
	// OldEmail and NewEmail are an account's addresses before and after a change.
	OldEmail string `json:"old_email,omitempty"`
	NewEmail string `json:"new_email,omitempty"`
	// Changes are what a filing update changed (checklist_updated).
	Changes []FieldChange `json:"changes,omitempty"`

	// Inbound is the applicant's message this email answers or reports.
	Inbound *InboundRef `json:"inbound,omitempty"`
	// Alert describes the event a staff_alert reports.
	Alert *Alert `json:"alert,omitempty"`
	// Digest is the staff digest's content, built by the scheduler.
	Digest json.RawMessage `json:"digest,omitempty"`
}

// InboundRef identifies a received message in a notice.
type InboundRef struct {
	MessageID  string    `json:"message_id"`
	References []string  `json:"references,omitempty"`
	From       string    `json:"from"`
	Subject    string    `json:"subject"`
	ReceivedAt time.Time `json:"received_at"`
	// Understood is the applicant's sentence an acknowledgement says it acted
	// on, quoted back so a misreading is caught at once.
	Understood string `json:"understood,omitempty"`
	// NotAuthenticated is set when the message came from the registered
	// address but its sender could not be authenticated (a possible forgery).
	NotAuthenticated bool `json:"not_authenticated,omitempty"`
}

// StaffReply is the text a staff member wrote, sent inside the desk's
// greeting and signature in the recipient's language.
type StaffReply struct {
	Text  string `json:"text"`
	Staff string `json:"staff"`
}

// FieldChange is one field a filing update changed, as staff and the
// applicant read it.
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// Alert actions about emails rather than filings.
const (
	AlertEmailFailed = "email_failed" // an email failed for good
	AlertBounce      = "bounce"       // a delivery failure report came back
)

// Alert is one event for staff. The template words it from Action and the
// fields below; Summary is only read from alerts queued by older versions.
type Alert struct {
	Action string `json:"action"`
	Actor  Actor  `json:"actor"`
	From   Stage  `json:"from,omitempty"`
	To     Stage  `json:"to,omitempty"`
	Late   bool   `json:"late,omitempty"`
	// For an email that failed (action email_failed): what it was, to
	// whom (masked), why, how many emails to that address failed today.
	EmailKind EmailKind     `json:"email_kind,omitempty"`
	Recipient string        `json:"recipient,omitempty"`
	Reason    FailureReason `json:"reason,omitempty"`
	Status    string        `json:"status,omitempty"`
	Failures  int           `json:"failures,omitempty"`
	// ItemID is the work item staff resolve it in.
	ItemID  int64 `json:"item_id,omitempty"`
	Summary Text  `json:"summary,omitzero"`
}

// HasSecret reports whether the notice still carries a secret to erase.
func (n Notice) HasSecret() bool { return n.Password != "" }

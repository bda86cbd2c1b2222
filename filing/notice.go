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
}

// Alert is one event for staff.
type Alert struct {
	Action  string `json:"action"`
	Actor   Actor  `json:"actor"`
	From    Stage  `json:"from,omitempty"`
	To      Stage  `json:"to,omitempty"`
	Summary Text   `json:"summary"`
}

// HasSecret reports whether the notice still carries a secret to erase.
func (n Notice) HasSecret() bool { return n.Password != "" }

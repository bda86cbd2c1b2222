package filing

import "time"

// Digest is the content of the staff digest (Notice.Digest): everything that
// needs the desk's attention, built by the scheduler from the database and
// rendered by the staff_digest template. Personal data in it is masked.
type Digest struct {
	Date        string     `json:"date"` // the digest's day in the desk's zone, 2006-01-02
	GeneratedAt time.Time  `json:"generated_at"`
	Since       *time.Time `json:"since,omitempty"` // the previous digest, if any

	Stages       []StageCount    `json:"stages"`
	Resubmitted  []DigestFiling  `json:"resubmitted"` // since the previous digest
	DueSoon      []DigestFiling  `json:"due_soon"`    // deadline within the next 72 hours
	Overdue      []DigestFiling  `json:"overdue"`
	Unlinked     []DigestMessage `json:"unlinked"`
	Unverified   []DigestMessage `json:"unverified"`
	Unparseable  []DigestMessage `json:"unparseable"`
	FailedEmails []DigestEmail   `json:"failed_emails"`
}

// Empty reports whether nothing needs attention (the counts aside).
func (d Digest) Empty() bool {
	return len(d.Resubmitted)+len(d.DueSoon)+len(d.Overdue)+len(d.Unlinked)+len(d.Unverified)+
		len(d.Unparseable)+len(d.FailedEmails) == 0
}

// StageCount is how many filings are in a stage.
type StageCount struct {
	Stage Stage `json:"stage"`
	Count int   `json:"count"`
}

// DigestFiling is one filing line of the digest.
type DigestFiling struct {
	Reference     string     `json:"reference"`
	Applicant     string     `json:"applicant"` // masked name
	Account       string     `json:"account"`   // masked email
	Domain        string     `json:"domain"`
	Stage         Stage      `json:"stage"`
	ReturnReason  string     `json:"return_reason,omitempty"`
	ReturnedAt    *time.Time `json:"returned_at,omitempty"`
	Deadline      *time.Time `json:"deadline,omitempty"`
	ResubmittedAt *time.Time `json:"resubmitted_at,omitempty"`
	Late          bool       `json:"late,omitempty"`
}

// DigestMessage is one inbound message waiting for staff.
type DigestMessage struct {
	ID         int64     `json:"id"`
	From       string    `json:"from"` // masked
	Subject    string    `json:"subject"`
	ReceivedAt time.Time `json:"received_at"`
	Filing     string    `json:"filing,omitempty"`
	Error      string    `json:"error,omitempty"`
}

// DigestEmail is one outgoing email that failed for good.
type DigestEmail struct {
	ID        int64     `json:"id"`
	Kind      EmailKind `json:"kind"`
	To        string    `json:"to"` // masked
	Filing    string    `json:"filing,omitempty"`
	Error     string    `json:"error"`
	Attempts  int       `json:"attempts"`
	CreatedAt time.Time `json:"created_at"`
}

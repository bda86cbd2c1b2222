package filing

import "time"

// Digest is the content of the staff digest (Notice.Digest): the work queue
// as a to-do list, built by the scheduler from the database and rendered by
// the staff_digest template. Every list is capped at DigestRows rows; the
// totals are true counts. Personal data in it is masked.
type Digest struct {
	Date        string     `json:"date"` // the digest's day in the desk's zone, 2006-01-02
	GeneratedAt time.Time  `json:"generated_at"`
	Since       *time.Time `json:"since,omitempty"` // the previous digest, if any
	// ConsoleURL is the console's address ([http] public_url); rows link to
	// ConsoleURL/items/ID when it is set.
	ConsoleURL string `json:"console_url,omitempty"`

	Stages []StageCount `json:"stages"`
	// Open is every open work item, by kind in WorkKinds order, oldest first.
	Open []DigestSection `json:"open"`
	// OpenTotal counts every open item, whatever the lists show.
	OpenTotal int `json:"open_total"`
	// Resubmitted since the previous digest, and deadlines within 72 hours.
	Resubmitted      []DigestFiling `json:"resubmitted"`
	ResubmittedTotal int            `json:"resubmitted_total"`
	DueSoon          []DigestFiling `json:"due_soon"`
	DueSoonTotal     int            `json:"due_soon_total"`
}

// DigestRows caps every list of the digest; "另有 N 条" says the rest.
const DigestRows = 20

// Empty reports whether nothing needs attention (the stage counts aside).
func (d Digest) Empty() bool {
	return d.OpenTotal+d.ResubmittedTotal+d.DueSoonTotal == 0
}

// DigestSection is the open items of one kind.
type DigestSection struct {
	Kind  WorkKind     `json:"kind"`
	Total int          `json:"total"` // true count; Items holds at most DigestRows
	Items []DigestItem `json:"items"`
	// Failed emails are grouped by recipient (Groups), not listed one by one.
	Groups []DigestEmailGroup `json:"groups,omitempty"`
}

// DigestItem is one open work item.
type DigestItem struct {
	ID       int64      `json:"id"` // the work item
	OpenedAt time.Time  `json:"opened_at"`
	Filing   string     `json:"filing,omitempty"`
	From     string     `json:"from,omitempty"` // masked
	Subject  string     `json:"subject,omitempty"`
	Asks     string     `json:"asks,omitempty"` // what the applicant asked, or the sentence at issue
	Deadline *time.Time `json:"deadline,omitempty"`
	// Recipient, Reason and Status are a failed or bounced email's: the
	// masked address, a short reason and the server's status (550 5.1.1).
	Recipient string        `json:"recipient,omitempty"`
	Reason    FailureReason `json:"reason,omitempty"`
	Status    string        `json:"status,omitempty"`
}

// DigestEmailGroup is the failed emails to one recipient.
type DigestEmailGroup struct {
	Recipient string        `json:"recipient"` // masked
	Count     int           `json:"count"`
	Reason    FailureReason `json:"reason"`
	Status    string        `json:"status,omitempty"`
	Oldest    time.Time     `json:"oldest"`
	ItemIDs   []int64       `json:"item_ids"` // at most DigestRows
	Filings   []string      `json:"filings,omitempty"`
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

package filing

// EmailKind names one templated email. Every kind has a template per language
// in package templates, and the outbox stores the kind of each queued email.
type EmailKind string

const (
	EmailAccountApproved        EmailKind = "account_approved"
	EmailAccountRejected        EmailKind = "account_rejected"
	EmailFilingSubmitted        EmailKind = "filing_submitted"
	EmailFilingReturnedProvider EmailKind = "filing_returned_provider"
	EmailFilingReturned         EmailKind = "filing_returned"
	EmailFilingSentToBureau     EmailKind = "filing_sent_to_bureau"
	EmailFilingApproved         EmailKind = "filing_approved"
	EmailResubmissionReceived   EmailKind = "resubmission_received"
	EmailResubmissionLate       EmailKind = "resubmission_late"
	EmailUnverifiedSender       EmailKind = "unverified_sender"
	EmailDeadlineReminder       EmailKind = "deadline_reminder"
	EmailDeadlinePassed         EmailKind = "deadline_passed"
	EmailStaffAlert             EmailKind = "staff_alert"
	EmailStaffDigest            EmailKind = "staff_digest"
)

// EmailKinds lists every kind, in the order of the process.
var EmailKinds = []EmailKind{
	EmailAccountApproved, EmailAccountRejected, EmailFilingSubmitted,
	EmailFilingReturnedProvider, EmailFilingReturned, EmailFilingSentToBureau,
	EmailFilingApproved, EmailResubmissionReceived, EmailResubmissionLate,
	EmailUnverifiedSender, EmailDeadlineReminder, EmailDeadlinePassed,
	EmailStaffAlert, EmailStaffDigest,
}

// Valid reports whether k is a known kind.
func (k EmailKind) Valid() bool {
	for _, x := range EmailKinds {
		if x == k {
			return true
		}
	}
	return false
}

// IsAcknowledgement reports whether k answers a message the applicant sent,
// which RFC 3834 marks "auto-replied" rather than "auto-generated".
func (k EmailKind) IsAcknowledgement() bool {
	return k == EmailResubmissionReceived || k == EmailResubmissionLate || k == EmailUnverifiedSender
}

// ToStaff reports whether k goes to the desk's staff rather than an applicant.
func (k EmailKind) ToStaff() bool {
	return k == EmailStaffAlert || k == EmailStaffDigest
}

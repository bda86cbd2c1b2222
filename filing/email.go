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
	// Staff actions off the happy path.
	EmailStaffReply          EmailKind = "staff_reply"           // a staff member's answer to the applicant's mail
	EmailDeadlineExtended    EmailKind = "deadline_extended"     // a new, later deadline
	EmailFilingWithdrawn     EmailKind = "filing_withdrawn"      // the filing is closed
	EmailLateAccepted        EmailKind = "late_accepted"         // a late resubmission is reviewed after all
	EmailLateDeclined        EmailKind = "late_declined"         // a late resubmission is refused: closed
	EmailResubmissionUndone  EmailKind = "resubmission_undone"   // our mistake: the filing still awaits the resubmission
	EmailAccountEmailChanged EmailKind = "account_email_changed" // sent to both the old and the new address
	EmailChecklistUpdated    EmailKind = "checklist_updated"     // the filing's data changed: the corrected materials list
	// EmailStaffSetPassword carries a console set-password link to a member
	// of staff; the link travels in Notice.Password, erased once sent.
	EmailStaffSetPassword EmailKind = "staff_set_password"
)

// EmailKinds lists every kind, in the order of the process.
var EmailKinds = []EmailKind{
	EmailAccountApproved, EmailAccountRejected, EmailFilingSubmitted,
	EmailFilingReturnedProvider, EmailFilingReturned, EmailFilingSentToBureau,
	EmailFilingApproved, EmailResubmissionReceived, EmailResubmissionLate,
	EmailUnverifiedSender, EmailDeadlineReminder, EmailDeadlinePassed,
	EmailStaffAlert, EmailStaffDigest,
	EmailStaffReply, EmailDeadlineExtended, EmailFilingWithdrawn, EmailLateAccepted, EmailLateDeclined,
	EmailResubmissionUndone, EmailAccountEmailChanged, EmailChecklistUpdated, EmailStaffSetPassword,
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

// IsResubmissionAck reports whether k tells the applicant their resubmission
// was received: a reply to it saying "not yet" means we misread them.
func (k EmailKind) IsResubmissionAck() bool {
	return k == EmailResubmissionReceived || k == EmailResubmissionLate
}

// AboutReturn reports whether k is about a return the applicant must answer
// (the return itself, its reminders, its overdue notice, an extension): a
// threaded reply to it that asks for review is a resubmission notice.
func (k EmailKind) AboutReturn() bool {
	switch k {
	case EmailFilingReturned, EmailFilingReturnedProvider, EmailDeadlineReminder, EmailDeadlinePassed,
		EmailDeadlineExtended, EmailResubmissionUndone:
		return true
	}
	return false
}

// ToStaff reports whether k goes to the desk's staff rather than an applicant.
func (k EmailKind) ToStaff() bool {
	return k == EmailStaffAlert || k == EmailStaffDigest
}

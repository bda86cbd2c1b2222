package filing

import (
	"fmt"
	"strings"
)

// WorkKind is a kind of work item: something icpdesk could not settle alone
// and puts in front of staff. Each is opened in the transaction of its cause
// and closed only by the staff action that resolves it.
type WorkKind string

const (
	WorkReplyNeeded      WorkKind = "reply_needed"      // the holder asked something (a question, more time)
	WorkUnmatched        WorkKind = "unmatched"         // mail linked to no filing, or to several
	WorkUnverified       WorkKind = "unverified"        // mail about a filing from another address, or not authenticated
	WorkUnparseable      WorkKind = "unparseable"       // mail that could not be read or applied
	WorkMisread          WorkKind = "misread"           // the applicant says an acknowledgement misread them
	WorkLateResubmission WorkKind = "late_resubmission" // resubmitted after the deadline: accept or decline
	WorkOverdue          WorkKind = "overdue"           // the deadline passed: extend, withdraw or keep waiting
	WorkEmailFailed      WorkKind = "email_failed"      // an email failed for good: fix the address, retry or cancel
	WorkBounce           WorkKind = "bounce"            // a delivery failure report came back
)

// WorkKinds lists every kind in the order the queue and the digest show them.
var WorkKinds = []WorkKind{WorkReplyNeeded, WorkMisread, WorkLateResubmission, WorkOverdue, WorkUnverified,
	WorkUnmatched, WorkUnparseable, WorkEmailFailed, WorkBounce}

var workKindLabels = map[WorkKind]Text{
	WorkReplyNeeded:      {Zh: "待回复", En: "reply needed"},
	WorkUnmatched:        {Zh: "未关联备案的来信", En: "unmatched mail"},
	WorkUnverified:       {Zh: "未验证发件人的来信", En: "unverified sender"},
	WorkUnparseable:      {Zh: "无法读取的来信", En: "unreadable mail"},
	WorkMisread:          {Zh: "申请人称我们理解有误", En: "applicant says we misread them"},
	WorkLateResubmission: {Zh: "逾期重新提交，待决定是否受理", En: "late resubmission: accept or decline"},
	WorkOverdue:          {Zh: "已超期", En: "overdue"},
	WorkEmailFailed:      {Zh: "发送失败的邮件", En: "failed email"},
	WorkBounce:           {Zh: "退信", En: "bounce"},
}

// Valid reports whether k is a known kind.
func (k WorkKind) Valid() bool { _, ok := workKindLabels[k]; return ok }

// Label is the kind as staff read it.
func (k WorkKind) Label(lang Language) string { return workKindLabels[k].In(lang) }

// ParseWorkKind reads a kind as the command line and the API accept it.
func ParseWorkKind(s string) (WorkKind, error) {
	k := WorkKind(strings.ToLower(strings.TrimSpace(s)))
	if !k.Valid() {
		names := make([]string, len(WorkKinds))
		for i, x := range WorkKinds {
			names[i] = string(x)
		}
		return "", fmt.Errorf("unknown work item kind %q (want one of %s)", s, strings.Join(names, ", "))
	}
	return k, nil
}

// Resolution says how a work item was closed.
type Resolution string

const (
	ResolvedReplied     Resolution = "replied"     // staff answered the message
	ResolvedHandled     Resolution = "handled"     // staff dealt with it outside icpdesk
	ResolvedDismissed   Resolution = "dismissed"   // nothing to do
	ResolvedLinked      Resolution = "linked"      // staff linked the message to a filing
	ResolvedReprocessed Resolution = "reprocessed" // decided again with today's rules
	ResolvedByChange    Resolution = "by_change"   // a change to the filing settled it (the action is on the timeline)
	ResolvedRetried     Resolution = "retried"     // the email was queued again
	ResolvedCancelled   Resolution = "cancelled"   // the email will not be sent
)

// WorkCause names what an item is about, so one cause never has two open
// items: a message, an email, or a filing's deadline.
func WorkCauseInbound(kind WorkKind, inboundID int64) string {
	return fmt.Sprintf("%s:inbound:%d", kind, inboundID)
}

// WorkCauseOutbox is the cause of an item about one outgoing email.
func WorkCauseOutbox(kind WorkKind, outboxID int64) string {
	return fmt.Sprintf("%s:outbox:%d", kind, outboxID)
}

// WorkCauseFiling is the cause of an item about a filing's deadline: per
// return and per deadline change, so a second return or an extension that
// passes again opens a new one.
func WorkCauseFiling(kind WorkKind, f Filing) string {
	return fmt.Sprintf("%s:filing:%d:r%d:e%d", kind, f.ID, f.Returns, f.Extensions)
}

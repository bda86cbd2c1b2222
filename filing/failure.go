package filing

import (
	"regexp"
	"strings"
)

// FailureReason is why an email could not be delivered, in a few words
// staff understand; the server's full answer stays with the email.
type FailureReason string

const (
	FailureRecipientUnknown FailureReason = "recipient_unknown" // 550 5.1.1: no such mailbox
	FailureMailboxFull      FailureReason = "mailbox_full"      // 552 / 5.2.2
	FailureDomainUnknown    FailureReason = "domain_unknown"    // 5.1.2, or no MX
	FailureRejected         FailureReason = "rejected"          // 5.7.x: refused as spam or by policy
	FailureMessageRejected  FailureReason = "message_rejected"  // 5.6.x / 552 size: the content
	FailureUnreachable      FailureReason = "unreachable"       // no connection for too long
	FailureTemporary        FailureReason = "temporary"         // 4xx for too long
	FailureOther            FailureReason = "other"
)

var failureLabels = map[FailureReason]Text{
	FailureRecipientUnknown: {Zh: "收件地址不存在", En: "no such recipient"},
	FailureMailboxFull:      {Zh: "收件邮箱已满", En: "mailbox full"},
	FailureDomainUnknown:    {Zh: "收件域名不存在", En: "recipient domain does not exist"},
	FailureRejected:         {Zh: "被收件服务器拒收", En: "refused by the recipient's server"},
	FailureMessageRejected:  {Zh: "邮件内容被拒收", En: "message refused"},
	FailureUnreachable:      {Zh: "长时间无法连接邮件服务器", En: "mail server unreachable"},
	FailureTemporary:        {Zh: "长时间临时失败", En: "temporary failure for too long"},
	FailureOther:            {Zh: "发送失败", En: "delivery failed"},
}

// Label is the reason as staff read it.
func (r FailureReason) Label(lang Language) string {
	if t, ok := failureLabels[r]; ok {
		return t.In(lang)
	}
	return failureLabels[FailureOther].In(lang)
}

var (
	smtpCodeRE     = regexp.MustCompile(`\b([245]\d\d)\b`)
	enhancedCodeRE = regexp.MustCompile(`\b([245])\.(\d{1,3})\.(\d{1,3})\b`)
)

// ClassifyFailure reads an SMTP error or a delivery report and says why in
// a few words, with the status as the server gave it ("550 5.1.1").
func ClassifyFailure(errText string) (FailureReason, string) {
	code := smtpCodeRE.FindString(errText)
	var enh string
	var class, subject, detail string
	if m := enhancedCodeRE.FindStringSubmatch(errText); m != nil {
		enh, class, subject, detail = m[0], m[1], m[2], m[3]
	}
	status := strings.TrimSpace(code + " " + enh)
	lower := strings.ToLower(errText)
	switch {
	case subject == "1" && (detail == "1" || detail == "0" || detail == "3" || detail == "6"):
		return FailureRecipientUnknown, status
	case subject == "1" && detail == "2":
		return FailureDomainUnknown, status
	case subject == "2" && (detail == "2" || detail == "3"):
		return FailureMailboxFull, status
	case subject == "7":
		return FailureRejected, status
	case subject == "6" || subject == "3" && detail == "4":
		return FailureMessageRejected, status
	case code == "550" && (strings.Contains(lower, "user unknown") || strings.Contains(lower, "no such user") ||
		strings.Contains(lower, "does not exist") || strings.Contains(lower, "mailbox unavailable")):
		return FailureRecipientUnknown, status
	case code == "552":
		return FailureMailboxFull, status
	case strings.Contains(lower, "no such host") || strings.Contains(lower, "no mx"):
		return FailureDomainUnknown, status
	case strings.Contains(lower, "connection refused") || strings.Contains(lower, "unreachable") ||
		strings.Contains(lower, "timeout") || strings.Contains(lower, "timed out") || strings.Contains(lower, "i/o timeout"):
		return FailureUnreachable, status
	case class == "4" || strings.HasPrefix(code, "4"):
		return FailureTemporary, status
	}
	return FailureOther, status
}

package inbox

import (
	"strings"

	"example.com/icpdesk/mailparse"
	"example.com/icpdesk/store"
)

// Classification is what kind of sender a message came from.
type Classification string

const (
	ClassHuman     Classification = "human"
	ClassAutoReply Classification = "auto_reply"
	ClassBounce    Classification = "bounce"
	ClassOwn       Classification = "own"
)

// Own says which mail is the desk's own: its addresses (the desk mailbox,
// the sender address, staff) and the domain of the Message-IDs it gives.
type Own struct {
	Addresses       []string
	MessageIDDomain string
	// SubjectPhrases are the fixed wording of our emails' subjects
	// (templates.Renderer.SubjectPhrases): kept in a reply, they are ours,
	// not the applicant's words.
	SubjectPhrases []string
	// BounceAddress is the VERP pattern of our envelope senders
	// ([smtp] bounce_address, e.g. bounces+{token}@example.cn), or empty.
	BounceAddress string
}

func (o Own) isOwnAddress(addr string) bool {
	addr = strings.ToLower(strings.TrimSpace(addr))
	if addr == "" {
		return false
	}
	for _, a := range o.Addresses {
		if strings.EqualFold(strings.TrimSpace(a), addr) {
			return true
		}
	}
	return false
}

// isOwnMessageID reports whether id is one icpdesk gave an outgoing email.
func (o Own) isOwnMessageID(id string) bool {
	if !strings.HasPrefix(id, store.MessageIDPrefix) {
		return false
	}
	return o.MessageIDDomain == "" || strings.HasSuffix(strings.ToLower(id), "@"+strings.ToLower(o.MessageIDDomain))
}

// Classify sorts a message, in this order:
//  1. bounce: a delivery status report, or mail from MAILER-DAEMON/postmaster;
//  2. own: from the desk's own addresses, or carrying a Message-ID icpdesk made
//     (our mail looped back; checked before auto-reply because our mail is
//     marked Auto-Submitted);
//  3. auto-reply: RFC 3834 Auto-Submitted other than "no", Precedence
//     bulk/junk/list/auto_reply, X-Autoreply, X-Autorespond, a read receipt,
//     or a subject like 自动回复 / Automatic reply / Out of Office;
//  4. bounce again for a null Return-Path (<>) on anything else: RFC 3834
//     auto-responders also send with a null path, so they are sorted first;
//  5. human.
//
// The reason says which rule decided, for staff.
func Classify(m *mailparse.Message, own Own) (Classification, string) {
	local, _, _ := strings.Cut(strings.ToLower(m.From.Addr), "@")
	switch {
	case m.ContentType == "multipart/report" && (m.ReportType == "delivery-status" || m.ReportType == "global-delivery-status"):
		return ClassBounce, "delivery status report"
	case local == "mailer-daemon" || local == "postmaster" || local == "mail-daemon":
		return ClassBounce, "from " + local
	case own.isOwnAddress(m.From.Addr):
		return ClassOwn, "from the desk's own address"
	case own.isOwnMessageID(m.MessageID):
		return ClassOwn, "a Message-ID icpdesk gave"
	}
	if r := autoReplyReason(m); r != "" {
		return ClassAutoReply, r
	}
	if m.HasReturnPath && strings.Trim(strings.TrimSpace(m.ReturnPath), "<> ") == "" {
		return ClassBounce, "null Return-Path"
	}
	return ClassHuman, ""
}

func autoReplyReason(m *mailparse.Message) string {
	if a := m.AutoSubmitted; a != "" && !strings.HasPrefix(a, "no") {
		return "Auto-Submitted: " + a
	}
	switch p := strings.Trim(m.Precedence, " \t\"'"); p {
	case "bulk", "junk", "list", "auto_reply", "auto-reply":
		return "Precedence: " + p
	}
	if m.XAutoreply {
		return "X-Autoreply"
	}
	if m.XAutorespond {
		return "X-Autorespond"
	}
	if m.ContentType == "multipart/report" && m.ReportType == "disposition-notification" {
		return "read receipt"
	}
	if autoReplySubject(m.Subject) {
		return "subject"
	}
	return ""
}

// autoSubjectPrefixes start the subjects of vacation and auto-reply mail in
// the clients applicants use (QQ Mail, 163, Foxmail, Outlook, Exchange).
var autoSubjectPrefixes = []string{
	"自动回复", "自動回覆", "自动答复", "自動回復", "自动应答", "系统自动回复", "休假自动回复",
	"auto reply", "auto-reply", "autoreply", "auto response", "auto-response", "automatic reply",
	"automatic response", "autosvar", "out of office", "out of the office", "ooo:", "vacation reply",
	"réponse automatique", "abwesenheitsnotiz",
}

// autoSubjectPhrases may appear anywhere ("Zhang San is out of the office").
var autoSubjectPhrases = []string{"is out of the office", "is out of office"}

func autoReplySubject(subject string) bool {
	s := strings.ToLower(strings.TrimSpace(subject))
	s = strings.TrimLeft(s, " [【(（")
	for _, p := range autoSubjectPrefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	for _, p := range autoSubjectPhrases {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

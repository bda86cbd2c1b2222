package mailer

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	netmail "net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"example.com/icpdesk/config"
	"example.com/icpdesk/filing"
	"example.com/icpdesk/store"
	"example.com/icpdesk/templates"
)

// headerName is what a header field name may be (RFC 5322 §2.2 allows more;
// we need no more). go-mail does not check names, and a CR or LF in one
// would start a new header (docs/library-notes.md, go-mail).
var headerName = regexp.MustCompile(`^[A-Za-z0-9-]+$`)

// msgID is a Message-ID without its angle brackets: printable ASCII, no
// space, one @ (RFC 5322 §3.6.4, loosely, as other mailers write them).
var msgID = regexp.MustCompile(`^[!-;=?-~]+@[!-;=?-~]+$`)

// maxReferences bounds the References header of an answer: the thread's
// first message and its latest ones are what clients use (RFC 5322 §3.6.4).
const maxReferences = 10

func setHeader(m *mail.Msg, name, value string) error {
	if !headerName.MatchString(name) {
		return fmt.Errorf("header name %q refused", name)
	}
	// SetGenHeader turns control characters into an encoded word, so a
	// value cannot start a header either; values here are ours anyway.
	m.SetGenHeader(mail.Header(name), value)
	return nil
}

// cleanID strips the angle brackets of a Message-ID and checks it.
func cleanID(id string) (string, bool) {
	id = strings.TrimSpace(id)
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	return id, len(id) <= 250 && msgID.MatchString(id)
}

// threadHeaders are In-Reply-To and References for an email answering
// the inbound message in: its references, then its own id, invalid ones
// dropped, the oldest kept first.
func threadHeaders(in *filing.InboundRef) (inReplyTo, references string) {
	if in == nil {
		return "", ""
	}
	parent, ok := cleanID(in.MessageID)
	if !ok {
		return "", ""
	}
	var ids []string
	seen := map[string]bool{parent: true}
	for _, r := range in.References {
		if id, ok := cleanID(r); ok && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) > maxReferences-1 {
		ids = append(ids[:1], ids[len(ids)-(maxReferences-2):]...)
	}
	ids = append(ids, parent)
	return "<" + parent + ">", "<" + strings.Join(ids, "> <") + ">"
}

// newMessageID makes a Message-ID for a row that has none (enqueued before
// the store fixed one per row): random, so it reveals nothing.
func newMessageID(from string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	domain := "icpdesk.invalid"
	if at := strings.LastIndexByte(from, '@'); at >= 0 {
		domain = from[at+1:]
	}
	return store.MessageIDPrefix + hex.EncodeToString(b[:]) + "@" + domain
}

// build turns a rendered email into a go-mail message for one outbox row.
func (s *Service) build(m store.OutboxMessage, e templates.Email, messageID string, now time.Time) (*mail.Msg, error) {
	lang := m.Language.OrDefault()
	// RFC 3834: answers to an applicant's message are auto-replied, the
	// rest auto-generated; either way other robots must not answer them.
	auto := "auto-generated"
	switch {
	case m.Kind == filing.EmailStaffReply:
		auto = "" // a person wrote it: RFC 3834 "no", the header left out
	case m.Kind.IsAcknowledgement():
		auto = "auto-replied"
	}
	msg, err := newMsg(s.set, lang, &netmail.Address{Name: templates.OneLine(m.Notice.ToName), Address: m.Recipient},
		e.Subject, messageID, now, auto)
	if err != nil {
		return nil, err
	}
	headers := [][2]string{{"Content-Language", string(lang)}}
	if irt, refs := threadHeaders(m.Notice.Inbound); irt != "" {
		headers = append(headers, [2]string{"In-Reply-To", irt}, [2]string{"References", refs})
	}
	for _, h := range headers {
		if err := setHeader(msg, h[0], h[1]); err != nil {
			return nil, err
		}
	}
	// Writers rather than strings: SetBodyString copies the body into a
	// buffer of its own, a copy per part per email for nothing.
	msg.SetBodyWriter(mail.TypeTextPlain, stringWriter(e.Text), mail.WithPartEncoding(bodyEncoding(e.Text)))
	msg.AddAlternativeWriter(mail.TypeTextHTML, stringWriter(e.HTML), mail.WithPartEncoding(bodyEncoding(e.HTML)))
	return msg, nil
}

// bodyEncoding picks the smaller transfer encoding for a body part.
// Quoted-printable writes each byte of a Chinese character as three
// ("=E5"), so Chinese text triples on the wire, and encoding it byte by
// byte cost some 50 µs per email (issue 14); base64 grows every body by a
// third. English stays quoted-printable, readable in the raw message.
func bodyEncoding(s string) mail.Encoding {
	high := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			high++
		}
	}
	// Quoted-printable adds two bytes per such byte, base64 one per three.
	if 2*high > len(s)/3 {
		return mail.EncodingB64
	}
	return mail.EncodingQP
}

// newMsg starts every email icpdesk sends, the SMTP test included: the desk
// as sender (in lang), Reply-To, the subject on one line, a fixed
// Message-ID, the date in the desk's zone, headers that keep robots from
// answering, and the DKIM signer. From, To and Subject are written folded
// by this package (header.go), not by go-mail.
func newMsg(set Settings, lang filing.Language, to *netmail.Address, subject, messageID string, now time.Time, autoSubmitted string) (*mail.Msg, error) {
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if _, err := filing.NormalizeEmail(to.Address); err != nil {
		return nil, fmt.Errorf("recipient: %w", err)
	}
	// The values are built from encoded words and addresses checked above
	// and at start: no CR or LF can come from the data.
	msg.SetGenHeaderPreformatted(mail.Header(mail.HeaderFrom), addressValue("From", &netmail.Address{Name: templates.OneLine(set.FromName.In(lang)), Address: set.FromAddress}))
	msg.SetGenHeaderPreformatted(mail.Header(mail.HeaderTo), addressValue("To", to))
	msg.SetGenHeaderPreformatted(mail.HeaderSubject, unstructuredValue("Subject", templates.OneLine(subject)))
	if set.ReplyTo != "" {
		if err := msg.ReplyTo(set.ReplyTo); err != nil {
			return nil, fmt.Errorf("reply-to: %w", err)
		}
	}
	msg.SetMessageIDWithValue(messageID)
	if set.Location != nil {
		now = now.In(set.Location)
	}
	msg.SetDateWithValue(now)
	for _, h := range [][2]string{
		{"Auto-Submitted", autoSubmitted},
		{"X-Auto-Response-Suppress", "All"}, // Exchange's out-of-office and receipts
	} {
		if h[1] == "" {
			continue
		}
		if err := setHeader(msg, h[0], h[1]); err != nil {
			return nil, err
		}
	}
	if set.DKIM != nil {
		msg.SetDKIM(set.DKIM)
	}
	return msg, nil
}

// envelopeFrom is the MAIL FROM of an email: with VERP on, the bounce
// address carrying the email's own token, so that a bounce says which
// email it is about; else (or for a row queued before tokens existed) the
// sender address.
func envelopeFrom(set Settings, token string) string {
	if set.BounceAddress == "" || token == "" {
		return set.FromAddress
	}
	return config.BounceAddress(set.BounceAddress, token)
}

// stringWriter writes s, for go-mail's part writers.
func stringWriter(s string) func(io.Writer) (int64, error) {
	return func(w io.Writer) (int64, error) {
		n, err := io.WriteString(w, s)
		return int64(n), err
	}
}

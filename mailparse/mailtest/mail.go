// Package inboxtest builds the test mail the inbox tests use, in every
// charset and shape applicants' mailers produce, and starts IMAP servers to
// deliver it: go-imap's in-memory server always, a private Dovecot when
// ICPDESK_TEST_DOVECOT names one. Every fixture is written by code here;
// no binary test data is checked in.
package mailtest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime/quotedprintable"
	"strings"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// Encode encodes s in enc; it panics on characters enc cannot encode, which
// in a fixture is a bug in the test.
func Encode(enc encoding.Encoding, s string) []byte {
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(fmt.Sprintf("inboxtest: encode %q: %v", s, err))
	}
	return b
}

// GBK, GB18030 and Big5 encode s.
func GBK(s string) []byte     { return Encode(simplifiedchinese.GBK, s) }
func GB18030(s string) []byte { return Encode(simplifiedchinese.GB18030, s) }
func Big5(s string) []byte    { return Encode(traditionalchinese.Big5, s) }

// BWord is an RFC 2047 B-encoded word of raw bytes in charset.
func BWord(charset string, b []byte) string {
	return "=?" + charset + "?B?" + base64.StdEncoding.EncodeToString(b) + "?="
}

// QWord is an RFC 2047 Q-encoded word of raw bytes in charset.
func QWord(charset string, b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		switch {
		case c == ' ':
			sb.WriteByte('_')
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			sb.WriteByte(c)
		default:
			fmt.Fprintf(&sb, "=%02X", c)
		}
	}
	return "=?" + charset + "?Q?" + sb.String() + "?="
}

// Mail is a message to render. Header values are written as given (encode
// them first); the body is transfer-encoded as CTE says.
type Mail struct {
	From        string
	To          string
	Subject     string
	MessageID   string // without angle brackets; empty: no Message-ID header
	InReplyTo   string // without angle brackets
	References  []string
	Date        time.Time
	Headers     [][2]string // more header fields, in order
	ContentType string      // default text/plain; charset=utf-8
	CTE         string      // "", base64, quoted-printable, 8bit
	Body        []byte      // raw (before transfer encoding)
	Raw         []byte      // a ready MIME body (multipart): written as is after the header
}

// Bytes renders the message with CRLF line ends.
func (m Mail) Bytes() []byte {
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	if m.From != "" {
		h("From", m.From)
	}
	to := m.To
	if to == "" {
		to = "icp@example.cn"
	}
	h("To", to)
	if m.Subject != "" {
		h("Subject", m.Subject)
	}
	date := m.Date
	if date.IsZero() {
		date = time.Date(2026, 12, 3, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
	}
	h("Date", date.Format(time.RFC1123Z))
	if m.MessageID != "" {
		h("Message-ID", "<"+m.MessageID+">")
	}
	if m.InReplyTo != "" {
		h("In-Reply-To", "<"+m.InReplyTo+">")
	}
	if len(m.References) > 0 {
		var refs []string
		for _, r := range m.References {
			refs = append(refs, "<"+r+">")
		}
		h("References", strings.Join(refs, " "))
	}
	for _, kv := range m.Headers {
		h(kv[0], kv[1])
	}
	h("MIME-Version", "1.0")
	ct := m.ContentType
	if ct == "" {
		ct = "text/plain; charset=utf-8"
	}
	h("Content-Type", ct)
	if m.Raw != nil {
		b.WriteString("\r\n")
		b.Write(m.Raw)
		return b.Bytes()
	}
	if m.CTE != "" {
		h("Content-Transfer-Encoding", m.CTE)
	}
	b.WriteString("\r\n")
	b.Write(TransferEncode(m.CTE, m.Body))
	return b.Bytes()
}

// TransferEncode encodes a body with base64 or quoted-printable, else
// returns it with CRLF line ends.
func TransferEncode(cte string, body []byte) []byte {
	var b bytes.Buffer
	switch strings.ToLower(cte) {
	case "base64":
		enc := base64.StdEncoding.EncodeToString(body)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	case "quoted-printable":
		w := quotedprintable.NewWriter(&b)
		w.Write(body)
		w.Close()
		b.WriteString("\r\n")
	default:
		s := strings.ReplaceAll(string(body), "\r\n", "\n")
		b.WriteString(strings.ReplaceAll(s, "\n", "\r\n"))
		if !strings.HasSuffix(s, "\n") {
			b.WriteString("\r\n")
		}
	}
	return b.Bytes()
}

// Part is one part of a multipart body.
type Part struct {
	Header [][2]string
	Body   []byte // transfer-encoded already, or a nested multipart
}

// Multipart renders parts with boundary.
func Multipart(boundary string, parts ...Part) []byte {
	var b bytes.Buffer
	b.WriteString("This is a multi-part message in MIME format.\r\n")
	for _, p := range parts {
		fmt.Fprintf(&b, "--%s\r\n", boundary)
		for _, kv := range p.Header {
			fmt.Fprintf(&b, "%s: %s\r\n", kv[0], kv[1])
		}
		b.WriteString("\r\n")
		b.Write(p.Body)
		if !bytes.HasSuffix(p.Body, []byte("\r\n")) {
			b.WriteString("\r\n")
		}
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes()
}

// TextPart is a text/plain part in charset with the body encoded by cte.
func TextPart(charset, cte string, body []byte) Part {
	return Part{Header: [][2]string{{"Content-Type", "text/plain; charset=" + charset}, {"Content-Transfer-Encoding", cte}},
		Body: TransferEncode(cte, body)}
}

// Big returns a reader of a message of about size bytes: a short text
// part naming ref and a base64 attachment filling the rest. It is
// generated as it is read, so the test itself holds none of it.
func Big(from, subject, ref string, size int64) io.Reader {
	head := fmt.Sprintf("From: %s\r\nTo: icp@example.cn\r\nSubject: %s\r\nMessage-ID: <big-%d@example.com>\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: multipart/mixed; boundary=\"BIG\"\r\n\r\n--BIG\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
		"备案 %s 的整改材料见附件，已修改，请重新审核。\r\n--BIG\r\nContent-Type: application/pdf; name=\"scan.pdf\"\r\n"+
		"Content-Disposition: attachment; filename=\"scan.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", from, subject, size, ref)
	tail := "--BIG--\r\n"
	line := strings.Repeat("QUJD", 19) + "\r\n" // 78 bytes of base64
	n := (size - int64(len(head)) - int64(len(tail))) / int64(len(line))
	return io.MultiReader(strings.NewReader(head), &repeatReader{line: line, n: n}, strings.NewReader(tail))
}

// ManyParts returns a reader of a message with n small text parts.
func ManyParts(from, subject string, n int) io.Reader {
	head := fmt.Sprintf("From: %s\r\nTo: icp@example.cn\r\nSubject: %s\r\nMessage-ID: <parts-%d@example.com>\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: multipart/mixed; boundary=\"P\"\r\n\r\n", from, subject, n)
	part := "--P\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n第 N 部分：已修改。\r\n"
	return io.MultiReader(strings.NewReader(head), &repeatReader{line: part, n: int64(n)}, strings.NewReader("--P--\r\n"))
}

// Nested returns a message whose multipart nesting is depth levels deep.
func Nested(from string, depth int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: icp@example.cn\r\nSubject: nested\r\nMessage-ID: <nested-%d@example.com>\r\nMIME-Version: 1.0\r\n", from, depth)
	for i := 0; i < depth; i++ {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\r\n\r\ndeep inside\r\n")
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return b.Bytes()
}

type repeatReader struct {
	line string
	n    int64
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	total := 0
	for len(p) > 0 {
		if r.n <= 0 {
			if total == 0 {
				return 0, io.EOF
			}
			return total, nil
		}
		c := copy(p, r.line[r.off:])
		p, total, r.off = p[c:], total+c, r.off+c
		if r.off == len(r.line) {
			r.off, r.n = 0, r.n-1
		}
	}
	return total, nil
}

// Garbage is bytes that are not a message at all: binary with NULs, no
// header, no structure.
func Garbage() []byte {
	b := []byte{0x00, 0x01, 0xff, 0xfe, 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}
	for i := 0; i < 600; i++ {
		b = append(b, byte(i*37+11), byte(i*13))
	}
	return append(b, "\r\n: no header here\r\n\r\n\x00\x00"...)
}

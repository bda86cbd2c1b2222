package mailer_test

import (
	"bytes"
	"fmt"
	"mime"
	netmail "net/mail"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	gomail "github.com/wneessen/go-mail"

	"example.com/icpdesk/config"
	"example.com/icpdesk/filing"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// field is one header field as read from the wire.
type field struct {
	name  string
	lines []string // physical lines, the first with "Name:", without CRLF
}

// headerFields splits a message's header block into its fields: a line
// starting with a space or a tab continues the field before it (RFC 5322
// §2.2.3).
func headerFields(raw []byte) ([]field, error) {
	head, _, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		return nil, fmt.Errorf("no end of header:\n%s", raw)
	}
	var fields []field
	for _, line := range strings.Split(string(head), "\r\n") {
		if line != "" && (line[0] == ' ' || line[0] == '\t') {
			if len(fields) == 0 {
				return nil, fmt.Errorf("the header starts with a continuation line %q", line)
			}
			f := &fields[len(fields)-1]
			f.lines = append(f.lines, line)
			continue
		}
		name, _, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("header line without a colon: %q", line)
		}
		fields = append(fields, field{name: name, lines: []string{line}})
	}
	return fields, nil
}

// pythonValue is the field's value as Python's email package reads it
// (email.policy.default and compat32 alike): the rest of the first line
// with leading blanks stripped, then the continuation lines with their
// leading blank, unfolded by removing each CRLF (RFC 5322 §2.2.3). A field
// written "Subject:" CRLF " =?…" reads as " =?…": with a leading space,
// which clients show and which makes replies "Re:  [ICP#…".
func pythonValue(f field) string {
	_, first, _ := strings.Cut(f.lines[0], ":")
	return strings.TrimLeft(first, " \t") + strings.Join(f.lines[1:], "")
}

var decoder = mime.WordDecoder{}

// foldingProblems reads every field of raw the way a strict reader would
// and lists what is wrong: anything but exactly one space after the colon
// and then the value on the same line (a leading fold), a line over 78
// characters, a fold inside an encoded word, an encoded word over 75
// characters or not decodable on its own into whole UTF-8 characters. It
// also returns the decoded values by lower-case name.
func foldingProblems(raw []byte) (map[string]string, []string) {
	fields, err := headerFields(raw)
	if err != nil {
		return nil, []string{err.Error()}
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	out := map[string]string{}
	for _, f := range fields {
		if strings.EqualFold(f.name, "DKIM-Signature") {
			continue // folded by the signer; read by verifiers, not shown
		}
		first := f.lines[0]
		rest := strings.TrimPrefix(first, f.name+":")
		if !strings.HasPrefix(rest, " ") || len(rest) < 2 || rest[1] == ' ' || rest[1] == '\t' {
			bad("%s starts with a fold or extra blanks: %q", f.name, first)
		}
		value := pythonValue(f)
		if value != strings.TrimLeft(value, " \t") {
			bad("%s reads with leading white space: %q", f.name, value)
		}
		for _, line := range f.lines {
			if len(line) > 78 {
				bad("%s: a line of %d characters: %q", f.name, len(line), line)
			}
			// A fold never cuts an encoded word: each line holds whole ones.
			for _, w := range strings.Fields(line) {
				if strings.HasPrefix(w, "=?") != strings.HasSuffix(w, "?=") && strings.Contains(w, "=?") {
					bad("%s: an encoded word is cut by a fold: %q", f.name, line)
				}
				if strings.HasPrefix(w, "=?") && strings.HasSuffix(w, "?=") {
					if len(w) > 75 {
						bad("%s: encoded word of %d characters", f.name, len(w))
					}
					dec, err := decoder.Decode(w)
					if err != nil || !utf8.ValidString(dec) || strings.ContainsRune(dec, utf8.RuneError) {
						bad("%s: encoded word %q does not decode alone into whole characters: %q %v", f.name, w, dec, err)
					}
				}
			}
		}
		dec, err := decoder.DecodeHeader(value)
		if err != nil {
			bad("%s: %v", f.name, err)
		}
		out[strings.ToLower(f.name)] = dec
	}
	return out, problems
}

// checkFolding fails the test for every problem foldingProblems finds.
func checkFolding(t *testing.T, raw []byte) map[string]string {
	t.Helper()
	out, problems := foldingProblems(raw)
	for _, p := range problems {
		t.Error(p)
	}
	return out
}

// TestFoldingCheckCatchesALeadingFold: the check above finds the fault in
// what go-mail writes by itself for a long Chinese subject and name.
func TestFoldingCheckCatchesALeadingFold(t *testing.T) {
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	m.FromMailAddress(&netmail.Address{Name: "示例云备案中心", Address: "icp@example.cn"})
	m.To("a@example.cn")
	m.Subject("[ICP#BA-2026-000123] 管局退回备案，请于 12月10日 前修改并重新提交")
	m.SetBodyString(gomail.TypeTextPlain, "正文")
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	h, problems := foldingProblems(b.Bytes())
	joined := strings.Join(problems, "\n")
	for _, want := range []string{"Subject starts with a fold", "From starts with a fold", "Subject reads with leading white space"} {
		if !strings.Contains(joined, want) {
			t.Errorf("the check misses %q in go-mail's own output; it found:\n%s", want, joined)
		}
	}
	if !strings.HasPrefix(h["subject"], " ") {
		t.Errorf("read like Python, go-mail's subject should start with a space: %q", h["subject"])
	}
}

// TestHeadersReadWithoutLeadingSpace sends emails with short and long,
// Chinese and English subjects and names through the SMTP sink and reads
// their headers as Python's email package does: Subject, From and To start
// on the field's line, long Chinese subjects fold between encoded words
// within 78 characters, and decode to exactly what was meant. Date is in
// the desk's zone. With VERP on, each envelope sender carries the email's
// own token, which finds that email and no other.
func TestHeadersReadWithoutLeadingSpace(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d)
			e.c.t = time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC) // a clock in UTC; the desk is in Shanghai
			long := strings.Repeat("您的备案申请已被管局退回，请尽快登录备案系统修改网站名称与主体信息后重新提交，", 3)
			odd := "=?UTF-8?B?bm90IGVuY29kZWQ=?= 😀 emoji " + strings.Repeat("x", 90) + " 混合 Mixed  words"
			e.enqueue(e.st, "zh", 1, func(n *filing.Notice) {
				n.ToName = "欧阳娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜"
			})
			e.enqueue(e.st, "long", 1, func(n *filing.Notice) {
				n.Kind, n.Alert = filing.EmailStaffAlert, &filing.Alert{Summary: filing.Text{Zh: long, En: long}}
			})
			e.enqueue(e.st, "odd", 1, func(n *filing.Notice) {
				n.Kind, n.Alert = filing.EmailStaffAlert, &filing.Alert{Summary: filing.Text{Zh: odd, En: odd}}
			})
			e.enqueue(e.st, "en", 1, func(n *filing.Notice) {
				n.Language, n.ToName = filing.LangEnglish, `Wang "Five", Jr.`
			})
			set := e.settings()
			set.Location = shanghai
			set.BounceAddress = "bounces+{token}@example.cn"
			if sum := e.drain(e.service(set)); sum.Sent != 4 {
				t.Fatalf("summary %+v", sum)
			}
			froms := map[string]bool{}
			for _, m := range e.sink.messages() {
				h := checkFolding(t, m.Data)
				subject, to := h["subject"], h["to"]
				switch {
				case strings.HasPrefix(m.To[0], "long"):
					if !strings.Contains(subject, long) || strings.Count(string(m.Data), "\r\n =?UTF-8?B?") < 3 {
						t.Errorf("long subject %q is not folded between encoded words", subject)
					}
				case strings.HasPrefix(m.To[0], "odd"):
					if !strings.Contains(subject, templates1Line(odd)) {
						t.Errorf("subject %q, want it to contain %q", subject, templates1Line(odd))
					}
				case strings.HasPrefix(m.To[0], "zh"):
					if !strings.HasPrefix(to, "欧阳娜娜") || !strings.HasSuffix(to, "<zh0@example.cn>") || !strings.HasPrefix(subject, "[ICP#BA-2026-000001] ") {
						t.Errorf("To %q, Subject %q", to, subject)
					}
				case strings.HasPrefix(m.To[0], "en"):
					if to != `"Wang \"Five\", Jr." <en0@example.cn>` {
						t.Errorf("To %q", to)
					}
				}
				if from := h["from"]; from != "示例云备案中心 <icp@example.cn>" && from != `"Example Cloud ICP Filing Desk" <icp@example.cn>` {
					t.Errorf("From %q", from)
				}
				if date := h["date"]; date != "Tue, 01 Dec 2026 10:00:00 +0800" {
					t.Errorf("Date %q, want the desk's zone", date)
				}
				p := parse(t, m.Data) // and go-message reads the same
				if strings.HasPrefix(p.Subject, " ") || p.Subject != subject {
					t.Errorf("go-message reads the subject as %q", p.Subject)
				}

				token, ok := config.BounceToken(set.BounceAddress, m.From)
				if !ok || froms[m.From] {
					t.Fatalf("envelope sender %q: no token, or not its own", m.From)
				}
				froms[m.From] = true
				row, found, err := e.st.OutboxByBounceToken(ctx, token)
				id, _ := p.Header.MessageID()
				if err != nil || !found || row.MessageID != id || row.Recipient != m.To[0] {
					t.Errorf("token %s finds %+v (%v %v), want the email to %s", token, row, found, err, m.To[0])
				}
			}
		})
	}
}

// templates1Line is what OneLine makes of s here: runs of spaces become one.
func templates1Line(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestEnvelopeSenderWithoutVERP: with no bounce address, the envelope
// sender is the desk's address, as before.
func TestEnvelopeSenderWithoutVERP(t *testing.T) {
	e := newEnv(t, store.SQLite)
	e.enqueue(e.st, "plain", 3, nil)
	e.drain(e.service(e.settings()))
	for _, m := range e.sink.messages() {
		if m.From != "icp@example.cn" {
			t.Errorf("MAIL FROM %q", m.From)
		}
	}
	if n := len(e.sink.messages()); n != 3 {
		t.Fatalf("%d messages", n)
	}
}

package mailparse

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"example.com/icpdesk/mailparse/mailtest"
)

// fuzzSeeds are every fixture the tests write, small enough to fuzz.
func fuzzSeeds() [][]byte {
	var seeds [][]byte
	for _, f := range mailtest.CharsetFixtures(testAddr, testRef) {
		seeds = append(seeds, f.Raw)
	}
	seeds = append(seeds,
		mailtest.Bounce("icpdesk.aa01@example.cn", "lisi@example.com"),
		mailtest.PlainBounce("icpdesk.aa01@example.cn"),
		mailtest.AutoReply(testAddr, "icpdesk.aa01@example.cn"),
		mailtest.SubjectAutoReply(testAddr),
		mailtest.NullReturnPath(testAddr),
		mailtest.Garbage(),
		mailtest.Nested(testAddr, 20),
	)
	var parts bytes.Buffer
	io.Copy(&parts, mailtest.ManyParts(testAddr, "parts", 60))
	seeds = append(seeds, parts.Bytes())
	var big bytes.Buffer
	io.Copy(&big, mailtest.Big(testAddr, "big", testRef, 16<<10))
	return append(seeds, big.Bytes())
}

// FuzzParse: no input makes the parser panic, exceed its caps, or return
// text that is not clean UTF-8.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	opts := ParseOptions{MaxParts: 40, MaxDepth: 6, MaxText: 4 << 10, MaxHTML: 8 << 10, MaxAttachments: 5}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := ParseBytes(raw, opts)
		var pe *PanicError
		if errors.As(err, &pe) {
			t.Fatalf("panic: %v\n%s", pe.Value, pe.Stack)
		}
		if m == nil || m.MessageID == "" || strings.ContainsAny(m.MessageID, " <>\r\n") {
			t.Fatalf("message id %+v", m)
		}
		for name, s := range map[string]string{"subject": m.Subject, "from": m.From.Addr, "name": m.From.Name, "text": m.Text} {
			if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
				t.Fatalf("%s not clean: %q", name, s)
			}
		}
		if strings.ContainsAny(m.Subject+m.From.Name+m.From.Addr, "\r\n") {
			t.Fatalf("line break in a header value: %q %q", m.Subject, m.From)
		}
		if len(m.Text) > opts.MaxText || m.Parts > opts.MaxParts || len(m.Attachments) > opts.MaxAttachments {
			t.Fatalf("caps exceeded: text %d parts %d attachments %d", len(m.Text), m.Parts, len(m.Attachments))
		}
	})
}

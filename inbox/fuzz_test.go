package inbox

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"example.com/icpdesk/inbox/inboxtest"
)

// fuzzSeeds are every fixture the tests write, small enough to fuzz.
func fuzzSeeds() [][]byte {
	var seeds [][]byte
	for _, f := range inboxtest.CharsetFixtures(testAddr, testRef) {
		seeds = append(seeds, f.Raw)
	}
	seeds = append(seeds,
		inboxtest.Bounce("icpdesk.aa01@example.cn", "lisi@example.com"),
		inboxtest.PlainBounce("icpdesk.aa01@example.cn"),
		inboxtest.AutoReply(testAddr, "icpdesk.aa01@example.cn"),
		inboxtest.SubjectAutoReply(testAddr),
		inboxtest.NullReturnPath(testAddr),
		inboxtest.Garbage(),
		inboxtest.Nested(testAddr, 20),
	)
	var parts bytes.Buffer
	io.Copy(&parts, inboxtest.ManyParts(testAddr, "parts", 60))
	seeds = append(seeds, parts.Bytes())
	var big bytes.Buffer
	io.Copy(&big, inboxtest.Big(testAddr, "big", testRef, 16<<10))
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
		// Classification and key extraction never fail either.
		Classify(m, testOwn)
		k := extractKeys(m, testOwn)
		if len(k.refs) > maxCandidates || len(k.tags) > maxCandidates || len(k.icps) > maxICPNumbers || len(k.domains) > maxDomainNames {
			t.Fatalf("too many lookups: %+v", k)
		}
	})
}

// FuzzLink: whatever a message says, the linker either links one filing of
// the directory by a named rule, or reports ambiguity, or nothing; and the
// same message always gives the same answer.
func FuzzLink(f *testing.F) {
	for _, s := range fuzzSeeds() {
		m, _ := ParseBytes(s, ParseOptions{})
		f.Add(m.From.Addr, m.Subject, m.Text, strings.Join(m.InReplyTo, " "))
	}
	f.Add("zhangsan@example.cn", "[ICP#BA-2026-000001]", "网站shop.example.cn已修改，请重新审核。浙ICP备12345678号", "icpdesk.aa01@example.cn")
	f.Add("lisi@example.com", "Re: 示例.中国", "xn--fsq092h.xn--fiqs8s blog.example.com BA-2026-000003", "")
	f.Add("x@example.com", "ＢＡ－２０２６－０００００１", "a@shop.example.cn 我还没有重新提交", "icpdesk.acct@example.cn")
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, from, subject, text, inReplyTo string) {
		m := &Message{MessageID: "fuzz@example.com", From: Address{Addr: from}, Subject: subject, Text: text,
			InReplyTo: strings.Fields(inReplyTo), References: strings.Fields(inReplyTo)}
		dir := testDirectory()
		l1, err := Linker{Own: testOwn}.Link(ctx, dir, m, ClassHuman)
		if err != nil {
			t.Fatal(err)
		}
		l2, _ := Linker{Own: testOwn}.Link(ctx, newCachedDirectory(testDirectory()), m, ClassHuman)
		if (l1.Filing == nil) != (l2.Filing == nil) || l1.Rule != l2.Rule || strings.Join(l1.Ambiguous, ",") != strings.Join(l2.Ambiguous, ",") ||
			(l1.Filing != nil && l1.Filing.ID != l2.Filing.ID) {
			t.Fatalf("cached and direct lookups disagree: %+v vs %+v", l1, l2)
		}
		switch {
		case l1.Filing != nil:
			if l1.Rule == "" || len(l1.Ambiguous) > 0 {
				t.Fatalf("linked without a rule or with ambiguity: %+v", l1)
			}
			known := false
			for _, f := range dir.filings {
				known = known || f.ID == l1.Filing.ID
			}
			if !known {
				t.Fatalf("linked to an unknown filing %+v", l1.Filing)
			}
		case len(l1.Ambiguous) == 1:
			t.Fatalf("ambiguous with one candidate: %+v", l1)
		}
		v := decide(m, nil, ClassHuman, "", l1, time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC))
		switch v.Decision {
		case DecisionResubmission, DecisionLateResubmission, DecisionCorrespondence:
			if !v.SenderVerified || l1.Filing == nil {
				t.Fatalf("%s without a verified, linked sender: %+v", v.Decision, v)
			}
		case DecisionUnverified:
			if v.SenderVerified || l1.Filing == nil {
				t.Fatalf("unverified: %+v", v)
			}
		case DecisionUnmatched:
			if l1.Filing != nil {
				t.Fatalf("unmatched but linked: %+v", v)
			}
		default:
			t.Fatalf("decision %q for a human message", v.Decision)
		}
	})
}

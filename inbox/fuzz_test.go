package inbox

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"example.com/icpdesk/mailparse"
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

// FuzzLink: whatever a message says, the linker either links one filing of
// the directory by a named rule, or reports ambiguity, or nothing; and the
// same message always gives the same answer.
func FuzzLink(f *testing.F) {
	for _, s := range fuzzSeeds() {
		m, _ := mailparse.ParseBytes(s, mailparse.ParseOptions{})
		f.Add(m.From.Addr, m.Subject, m.Text, strings.Join(m.InReplyTo, " "))
	}
	f.Add("zhangsan@example.cn", "[ICP#BA-2026-000001]", "网站shop.example.cn已修改，请重新审核。浙ICP备12345678号", "icpdesk.aa01@example.cn")
	f.Add("lisi@example.com", "Re: 示例.中国", "xn--fsq092h.xn--fiqs8s blog.example.com BA-2026-000003", "")
	f.Add("x@example.com", "ＢＡ－２０２６－０００００１", "a@shop.example.cn 我还没有重新提交", "icpdesk.acct@example.cn")
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, from, subject, text, inReplyTo string) {
		m := &mailparse.Message{MessageID: "fuzz@example.com", From: mailparse.Address{Addr: from}, Subject: subject, Text: text,
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
		pr := NewProcessor(nil, ProcessorConfig{Own: testOwn}).Prepare(ctx, m, nil, nil)
		if pr.Class != ClassHuman {
			return // an auto-reply or a bounce by its subject or sender: never decided as a person's
		}
		v := decide(pr, l1, time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC), false)
		switch v.Decision {
		case DecisionResubmission, DecisionLateResubmission:
			// Only the applicant's words make a resubmission, never taken back.
			if mean := pr.Meaning; !(mean.Done || mean.ReviewRequest) || mean.Contradicted || !v.SenderVerified {
				t.Fatalf("%s from %+v: %+v", v.Decision, mean, v)
			}
		case DecisionCorrespondence:
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

// FuzzPrepare: whatever the bytes, preparing a message never panics, and
// classification, link keys and the reading of its words stay bounded.
func FuzzPrepare(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	p := NewProcessor(nil, ProcessorConfig{Own: testOwn})
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := mailparse.ParseBytes(raw, mailparse.ParseOptions{MaxParts: 40, MaxDepth: 6, MaxText: 4 << 10})
		pr := p.Prepare(ctx, m, err, nil)
		k := pr.keys
		if len(k.refs) > maxCandidates || len(k.tags) > maxCandidates || len(k.icps) > maxICPNumbers || len(k.domains) > maxDomainNames {
			t.Fatalf("too many lookups: %+v", k)
		}
		if len(pr.OwnText) > maxOwnText || !utf8.ValidString(pr.OwnText) {
			t.Fatalf("own text of %d bytes, valid %v", len(pr.OwnText), utf8.ValidString(pr.OwnText))
		}
	})
}

package mailer

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wneessen/go-mail"

	"example.com/icpdesk/filing"
)

// TestBackoffDoublesWithJitterAndCap: every retry waits longer than the one
// before, whatever the jitter, until the cap; nothing exceeds the cap; the
// first retries differ (no integer truncation).
func TestBackoffDoublesWithJitterAndCap(t *testing.T) {
	for _, base := range []time.Duration{3 * time.Nanosecond, time.Second, 30 * time.Second} {
		max := base * 100
		for n := 1; n < 40; n++ {
			lo, hi := backoff(n, base, max, 0), backoff(n, base, max, 0.999999)
			if lo <= 0 || hi > max || lo > hi {
				t.Fatalf("base %v n %d: [%v, %v] outside (0, %v]", base, n, lo, hi, max)
			}
			next := backoff(n+1, base, max, 0)
			if hi < max*8/10 && next <= hi {
				t.Errorf("base %v: attempt %d may wait %v, attempt %d only %v", base, n, hi, n+1, next)
			}
		}
		if backoff(1, base, max, 0.5) == backoff(2, base, max, 0.5) {
			t.Errorf("base %v: the first two retries wait the same", base)
		}
	}
	if d := backoff(1, 30*time.Second, time.Hour, 0.5); d != 30*time.Second {
		t.Errorf("first retry %v, want 30s at the middle of the jitter", d)
	}
	if d := backoff(1000, time.Second, time.Hour, 0.9); d != time.Hour {
		t.Errorf("a late retry waits %v, want the cap", d)
	}
	if d := backoff(0, time.Second, time.Hour, 2); d != time.Second {
		t.Errorf("out-of-range input: %v", d)
	}
}

func TestThreadHeaders(t *testing.T) {
	if irt, refs := threadHeaders(nil); irt != "" || refs != "" {
		t.Fatal("headers without an inbound message")
	}
	if irt, _ := threadHeaders(&filing.InboundRef{MessageID: "no at sign"}); irt != "" {
		t.Fatal("an invalid parent id is used")
	}
	in := &filing.InboundRef{MessageID: "<p@example.com>", References: []string{"<first@example.com>", "bad\r\nBcc: x@example.com", "p@example.com"}}
	for i := 0; i < 20; i++ {
		in.References = append(in.References, "r"+strings.Repeat("x", i)+"@example.com")
	}
	irt, refs := threadHeaders(in)
	ids := strings.Fields(refs)
	if irt != "<p@example.com>" || len(ids) != maxReferences || ids[0] != "<first@example.com>" || ids[len(ids)-1] != "<p@example.com>" ||
		strings.ContainsAny(refs, "\r\n") || strings.Count(refs, "p@example.com") != 1 {
		t.Fatalf("In-Reply-To %q References %q", irt, refs)
	}
}

func TestSetHeaderRefusesBadNames(t *testing.T) {
	for _, name := range []string{"X-A\r\nBcc", "X A", "", "X:Y"} {
		if err := setHeader(nil, name, "v"); err == nil {
			t.Errorf("header name %q accepted", name)
		}
	}
}

func TestClassifyWithoutSMTPCode(t *testing.T) {
	if o, _ := classify(nil); o != outcomeSent {
		t.Error("nil is not sent")
	}
	// A plain network error (no SMTP reply) is the connection's fault: retry.
	if o, _ := classify(errors.New("write: broken pipe")); o != outcomeDropped {
		t.Errorf("a network error is %v", o)
	}
}

func TestMaskAddress(t *testing.T) {
	got := maskAddress("550 5.1.1 <Zhang.San@Example.cn>: unknown; zhang.san@example.cn", "zhang.san@example.cn")
	if strings.Contains(strings.ToLower(got), "zhang.san@") || !strings.Contains(got, "z***@example.cn") {
		t.Errorf("masked %q", got)
	}
	// An address that is its own masked form (a***@…, which the store
	// accepts) must not make masking loop forever.
	done := make(chan string, 1)
	go func() {
		done <- maskAddress("550 5.1.1 <A***@example.cn>: rejected; a***@example.cn", "a***@example.cn")
	}()
	select {
	case got := <-done:
		if got != "550 5.1.1 <a***@example.cn>: rejected; a***@example.cn" {
			t.Errorf("masked %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("maskAddress does not return for an address that masks to itself")
	}
}

// TestBodyEncodingPicksTheSmaller: Chinese text goes as base64, English and
// markup with a little Chinese as quoted-printable.
func TestBodyEncodingPicksTheSmaller(t *testing.T) {
	cases := []struct {
		text string
		want mail.Encoding
	}{
		{"", mail.EncodingQP},
		{"Your filing BA-2026-000123 was returned.", mail.EncodingQP},
		{"您的备案申请已被退回，请在 7 天内修改后重新提交。", mail.EncodingB64},
		{strings.Repeat("<td style=\"padding:4px\">", 20) + "网站名称", mail.EncodingQP},
		{"<p>您的备案申请已被退回，请修改网站名称后重新提交。</p>", mail.EncodingB64},
	}
	for _, c := range cases {
		if got := bodyEncoding(c.text); got != c.want {
			t.Errorf("%q: %s, want %s", c.text, got, c.want)
		}
	}
}

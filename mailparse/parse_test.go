package mailparse

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/emersion/go-message"

	"example.com/icpdesk/mailparse/mailtest"
)

const (
	testAddr = "zhangsan@example.cn"
	testRef  = "BA-2026-000123"
)

func TestParseCharsetFixtures(t *testing.T) {
	for _, f := range mailtest.CharsetFixtures(testAddr, testRef) {
		t.Run(f.Name, func(t *testing.T) {
			m, err := ParseBytes(f.Raw, ParseOptions{})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if m.Subject != f.Subject {
				t.Errorf("subject %q, want %q", m.Subject, f.Subject)
			}
			if m.From.Addr != f.FromAddr || (f.FromName != "" && m.From.Name != f.FromName) {
				t.Errorf("from %q <%s>, want %q <%s>", m.From.Name, m.From.Addr, f.FromName, f.FromAddr)
			}
			for _, want := range f.TextHas {
				if !strings.Contains(m.Text, want) {
					t.Errorf("text lacks %q:\n%s", want, m.Text)
				}
			}
			for _, bad := range f.TextLacks {
				if strings.Contains(m.Text, bad) {
					t.Errorf("text has %q:\n%s", bad, m.Text)
				}
			}
			if !utf8.ValidString(m.Text) || !utf8.ValidString(m.Subject) || strings.ContainsRune(m.Text+m.Subject, 0) {
				t.Errorf("text or subject not clean UTF-8: %q %q", m.Subject, m.Text)
			}
			if strings.ContainsRune(m.Subject+m.From.Name, utf8.RuneError) {
				t.Errorf("replacement character in %q / %q", m.Subject, m.From.Name)
			}
			if f.Filename != "" {
				found := false
				for _, a := range m.Attachments {
					found = found || a.Filename == f.Filename
				}
				if !found {
					t.Errorf("attachments %+v, want one named %q", m.Attachments, f.Filename)
				}
			}
			if m.MessageID == "" || m.SyntheticID {
				t.Errorf("message id %q synthetic=%v", m.MessageID, m.SyntheticID)
			}
		})
	}
}

func TestParseSyntheticMessageIDIsStable(t *testing.T) {
	raw := mailtest.Mail{From: testAddr, Subject: "no id", Body: []byte("hello")}.Bytes()
	a, _ := ParseBytes(raw, ParseOptions{})
	b, _ := ParseBytes(append([]byte(nil), raw...), ParseOptions{})
	c, _ := ParseBytes(append(raw, '!'), ParseOptions{})
	if !a.SyntheticID || a.MessageID != b.MessageID || a.MessageID == c.MessageID {
		t.Fatalf("synthetic ids: %q %q %q", a.MessageID, b.MessageID, c.MessageID)
	}
}

func TestParseGarbageIsAnErrorNotAPanic(t *testing.T) {
	m, err := ParseBytes(mailtest.Garbage(), ParseOptions{})
	if err == nil {
		t.Fatalf("garbage parsed without error: %+v", m)
	}
	var pe *PanicError
	if errors.As(err, &pe) {
		t.Fatalf("panic: %v", err)
	}
	if m == nil || m.MessageID == "" {
		t.Fatalf("no message or id for garbage: %+v", m)
	}
}

func TestParseMalformedKeepsWhatItCan(t *testing.T) {
	cases := map[string][]byte{
		"truncated multipart": []byte("From: a@example.com\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n已修改 BA-2026-000123\r\n--B\r\nContent-Type: text/plain\r\n\r\ncut"),
		"bad base64":          []byte("From: a@example.com\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n5bey5L+u5pS5!!!!not base64\r\n"),
		"no boundary":         []byte("From: a@example.com\r\nContent-Type: multipart/mixed\r\n\r\n已修改\r\n"),
		"unknown encoding":    []byte("From: a@example.com\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n已修改\r\n"),
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			m, err := ParseBytes(raw, ParseOptions{})
			if err != nil {
				t.Fatalf("a readable header must not be fatal: %v", err)
			}
			if m.From.Addr != "a@example.com" {
				t.Errorf("from %q", m.From.Addr)
			}
			if name == "truncated multipart" && !strings.Contains(m.Text, "已修改 BA-2026-000123") {
				t.Errorf("text %q", m.Text)
			}
		})
	}
}

func TestParseDSN(t *testing.T) {
	m, err := ParseBytes(mailtest.Bounce("icpdesk.0011@example.cn", "nobody@example.com"), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m.ContentType != "multipart/report" || m.ReportType != "delivery-status" {
		t.Fatalf("content type %s report %s", m.ContentType, m.ReportType)
	}
	if m.DSN == nil || len(m.DSN.OriginalMessageIDs) == 0 || m.DSN.OriginalMessageIDs[0] != "icpdesk.0011@example.cn" {
		t.Fatalf("dsn %+v", m.DSN)
	}
	if !m.DSN.Failed() || len(m.DSN.Recipients) != 1 || m.DSN.Recipients[0].Status != "5.1.1" || m.DSN.Recipients[0].Recipient != "nobody@example.com" {
		t.Fatalf("recipients %+v", m.DSN.Recipients)
	}
	p, _ := ParseBytes(mailtest.PlainBounce("icpdesk.0022@example.cn"), ParseOptions{})
	// Without a report part the parser sees a plain message; the inbox's
	// classifier recognises it by its sender.
	if p.DSN != nil || p.From.Addr != "postmaster@mx.example.com" || !strings.Contains(p.Text, "icpdesk.0022@example.cn") {
		t.Fatalf("plain bounce: dsn %+v from %s", p.DSN, p.From.Addr)
	}
}

func TestParseLimits(t *testing.T) {
	t.Run("parts", func(t *testing.T) {
		m, err := Parse(mailtest.ManyParts(testAddr, "many", 10000), ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if m.Parts != 500 || len(m.Text) > 128<<10 || !hasProblem(m, "more than 500 MIME parts") {
			t.Fatalf("parts %d text %d problems %v", m.Parts, len(m.Text), m.Problems)
		}
	})
	t.Run("depth", func(t *testing.T) {
		m, err := ParseBytes(mailtest.Nested(testAddr, 300), ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !hasProblem(m, "nested deeper than 12") || strings.Contains(m.Text, "deep inside") {
			t.Fatalf("problems %v text %q", m.Problems, m.Text)
		}
	})
	t.Run("30MB", func(t *testing.T) {
		m, err := Parse(mailtest.Big(testAddr, "big", testRef, 30<<20), ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(m.Text, testRef) || len(m.Attachments) != 1 || m.Attachments[0].Filename != "scan.pdf" {
			t.Fatalf("text %q attachments %+v", m.Text, m.Attachments)
		}
	})
}

func hasProblem(m *Message, s string) bool {
	for _, p := range m.Problems {
		if strings.Contains(p, s) {
			return true
		}
	}
	return false
}

// TestMemoryBounded parses the 30 MB message and the 10,000-part message
// as streams and samples the heap meanwhile: parsing must not hold the
// message, so the peak stays far below the input's size.
func TestMemoryBounded(t *testing.T) {
	const limit = 12 << 20
	for _, c := range []struct {
		name  string
		src   func() io.Reader
		spool bool
	}{
		{"30MB", func() io.Reader { return mailtest.Big(testAddr, "big", testRef, 30<<20) }, false},
		{"30MB-spooled", func() io.Reader { return mailtest.Big(testAddr, "big", testRef, 30<<20) }, true},
		{"10000-parts", func() io.Reader { return mailtest.ManyParts(testAddr, "many", 10000) }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			peak := mailtest.PeakHeap(func() {
				r := c.src()
				if c.spool {
					sp, err := NewSpool(r, 64<<20, t.TempDir())
					if err != nil {
						t.Error(err)
						return
					}
					defer sp.Close()
					if sp.size < 29<<20 || sp.file == nil {
						t.Errorf("spool size %d file %v", sp.size, sp.file != nil)
					}
					if r, err = sp.Reader(); err != nil {
						t.Error(err)
						return
					}
				}
				m, err := Parse(r, ParseOptions{})
				if err != nil {
					t.Error(err)
				}
				_, _ = io.Copy(io.Discard, r) // the rest, as the caller drains it
				runtime.KeepAlive(m)
			})
			t.Logf("%s: peak heap growth %.1f MB", c.name, float64(peak)/(1<<20))
			if peak > limit {
				t.Fatalf("peak heap grew by %d bytes while parsing, want under %d", peak, limit)
			}
		})
	}
}

func TestParseHeaderOnly(t *testing.T) {
	raw := mailtest.CharsetFixtures(testAddr, testRef)[0].Raw
	m, err := ParseHeader(bytes.NewReader(raw), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "关于备案"+testRef+"的重新提交" || m.Text != "" || m.From.Addr != testAddr {
		t.Fatalf("%+v", m)
	}
}

func TestHTMLToText(t *testing.T) {
	got := htmlToText(`<p>A&amp;B</p><table><tr><td>x</td><td>y</td></tr></table><p>c <i>d</i>e</p>`, 1000)
	want := "A&B\nx\ty\nc de"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestNormalizeHeader(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain", "plain"},
		{mailtest.BWord("utf-8", []byte("你好")), "你好"},
		{mailtest.QWord("gbk", mailtest.GBK("中文 标题")), "中文 标题"},
		{mailtest.BWord("gbk", mailtest.GBK("中")) + "\r\n " + mailtest.BWord("gbk", mailtest.GBK("文")), "中文"},
		{"Re: " + mailtest.BWord("gbk", mailtest.GBK("答复")) + " x", "Re: 答复 x"},
		{mailtest.BWord("gbk", mailtest.GBK("甲")) + " " + mailtest.BWord("big5", mailtest.Big5("乙")), "甲乙"},
		{"=?utf-8?B?not base64!?=", "=?utf-8?B?not base64!?="},
	}
	for _, c := range cases {
		if got := decodeHeaderText(c.in, nil); got != c.want {
			t.Errorf("decodeHeaderText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParamValue(t *testing.T) {
	cases := []struct{ raw, want string }{
		{`attachment; filename="a b.pdf"`, "a b.pdf"},
		{`attachment; filename*=UTF-8''%E4%B8%AD.pdf`, "中.pdf"},
		{`attachment; filename*=gbk''%D6%D0%CE%C4.doc`, "中文.doc"},
		{`attachment; filename="` + mailtest.BWord("gbk", mailtest.GBK("材料.zip")) + `"`, "材料.zip"},
		{`attachment; filename="` + string(mailtest.GBK("原始.txt")) + `"`, "原始.txt"},
		{`attachment; filename*0="part"; filename*1="two.txt"`, "parttwo.txt"},
		{`attachment; filename=../../etc/passwd`, "passwd"},
	}
	for _, c := range cases {
		var h = headerOf("Content-Disposition", c.raw)
		if got := partFilename(h, nil); got != c.want {
			t.Errorf("%s: got %q, want %q", c.raw, got, c.want)
		}
	}
}

func headerOf(k, v string) message.Header {
	var h message.Header
	h.Set(k, v)
	return h
}

func TestParseKeepsAuthenticationResultsInOrder(t *testing.T) {
	raw := "Authentication-Results: mx.example.cn;\r\n dmarc=pass header.from=example.com\r\n" +
		"Received: from x\r\n" +
		"Authentication-Results: evil.example.net; dmarc=pass\r\n" +
		"DKIM-Signature: v=1; d=example.com\r\n" +
		"From: a@example.com\r\nSubject: s\r\nMessage-ID: <a@example.com>\r\n\r\nbody\r\n"
	m, err := ParseBytes([]byte(raw), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"mx.example.cn; dmarc=pass header.from=example.com", "evil.example.net; dmarc=pass"}
	if strings.Join(m.AuthenticationResults, "|") != strings.Join(want, "|") || !m.DKIMSigned {
		t.Fatalf("authentication results %q, dkim %v", m.AuthenticationResults, m.DKIMSigned)
	}
}

func TestParseQuotedEncodedName(t *testing.T) {
	raw := "From: \"=?UTF-8?B?5byg5LiJ?=\" <zhangsan@qq.example>\r\nSubject: x\r\nMessage-ID: <q@qq.example>\r\n\r\nhi\r\n"
	m, err := ParseBytes([]byte(raw), ParseOptions{})
	if err != nil || m.From.Name != "张三" || m.From.Addr != "zhangsan@qq.example" {
		t.Fatalf("from %+v %v", m.From, err)
	}
}

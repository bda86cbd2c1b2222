package senderauth

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
)

// Keys are generated once: RSA 2048 generation is slow under -race.
var (
	keysOnce sync.Once
	rsaKey   *rsa.PrivateKey
	edKey    ed25519.PrivateKey
)

func testKeys(t *testing.T) (*rsa.PrivateKey, ed25519.PrivateKey) {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if _, edKey, err = ed25519.GenerateKey(rand.Reader); err != nil {
			panic(err)
		}
	})
	return rsaKey, edKey
}

// keyRecord is the DKIM TXT record publishing signer's public key.
func keyRecord(t testing.TB, signer crypto.Signer) string {
	t.Helper()
	switch pub := signer.Public().(type) {
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)
	case ed25519.PublicKey:
		// RFC 8463 §4.2: the bare key, not SubjectPublicKeyInfo.
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)
	}
	t.Fatalf("unexpected key type %T", signer.Public())
	return ""
}

const testMessage = "From: =?GB2312?B?1cXI/Q==?= <Alice@Example.com>\r\n" +
	"To: desk@icp.example.cn\r\n" +
	"Subject: resubmitted\r\n" +
	"Message-ID: <1@example.com>\r\n" +
	"\r\n" +
	"I resubmitted my filing.\r\n"

func sign(t *testing.T, msg, domain, selector string, signer crypto.Signer) string {
	t.Helper()
	var b bytes.Buffer
	err := dkim.Sign(&b, strings.NewReader(msg), &dkim.SignOptions{Domain: domain, Selector: selector, Signer: signer})
	if err != nil {
		t.Fatalf("dkim.Sign: %v", err)
	}
	return b.String()
}

// stubDNS answers TXT lookups from a map; errs overrides a name's answer.
type stubDNS struct {
	records map[string]string
	errs    map[string]error
	block   bool // wait for the context instead of answering
}

func (s stubDNS) lookup(ctx context.Context, name string) ([]string, error) {
	if s.block {
		<-ctx.Done()
		return nil, fmt.Errorf("lookup %s: %w", name, ctx.Err())
	}
	if err, ok := s.errs[name]; ok {
		return nil, err
	}
	if r, ok := s.records[name]; ok {
		return []string{r}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func TestCheckInProcessDKIM(t *testing.T) {
	rk, ek := testKeys(t)
	dns := map[string]string{
		"rsa1._domainkey.example.com":          keyRecord(t, rk),
		"ed1._domainkey.example.com":           keyRecord(t, ek),
		"rsa1._domainkey.mail.example.com":     keyRecord(t, rk),
		"rsa1._domainkey.evil.example.net":     keyRecord(t, rk),
		"tmp._domainkey.example.com":           keyRecord(t, rk),
		"wrapped._domainkey.example.com":       keyRecord(t, rk),
		"rsa1._domainkey.example.com.evil.net": keyRecord(t, rk),
	}
	tempErr := &net.DNSError{Err: "server misbehaving", Name: "tmp._domainkey.example.com", IsTemporary: true}

	rsaSigned := sign(t, testMessage, "example.com", "rsa1", rk)
	edSigned := sign(t, testMessage, "example.com", "ed1", ek)
	tests := []struct {
		name      string
		from      string
		msg       string
		dns       stubDNS
		trusted   []string
		fields    []string
		result    Result
		whyHas    string
		temporary bool
	}{
		{
			name:   "rsa signature aligned",
			msg:    rsaSigned,
			result: Pass,
			whyHas: "DKIM signature of example.com verified (selector rsa1)",
		},
		{
			name:   "ed25519 signature aligned",
			msg:    edSigned,
			result: Pass,
			whyHas: "DKIM signature of example.com verified (selector ed1)",
		},
		{
			name:   "signed by a subdomain",
			msg:    sign(t, testMessage, "mail.example.com", "rsa1", rk),
			result: Pass,
		},
		{
			name:   "LF line endings",
			msg:    strings.ReplaceAll(rsaSigned, "\r\n", "\n"),
			result: Pass,
		},
		{
			name:   "body tampered after signing",
			msg:    strings.Replace(rsaSigned, "resubmitted my", "withdrew my", 1),
			result: Fail,
			whyHas: "DKIM signature of example.com (selector rsa1) did not verify: body hash did not verify",
		},
		{
			name:   "ed25519 signed header tampered",
			msg:    strings.Replace(edSigned, "Subject: resubmitted", "Subject: withdrawn", 1),
			result: Fail,
			whyHas: "did not verify: signature did not verify",
		},
		{
			name:   "key not found",
			msg:    sign(t, testMessage, "example.com", "gone", rk),
			result: Fail,
			whyHas: "DKIM signature of example.com (selector gone) did not verify: no key for signature",
		},
		{
			name:   "signature by another domain",
			msg:    sign(t, testMessage, "evil.example.net", "rsa1", rk),
			result: Fail,
			whyHas: "From domain example.com not aligned with DKIM d=evil.example.net",
		},
		{
			name:   "signature by a domain ending in the From domain",
			msg:    sign(t, testMessage, "example.com.evil.net", "rsa1", rk),
			result: Fail,
			whyHas: "not aligned with DKIM d=example.com.evil.net",
		},
		{
			name:   "temporary DNS error",
			msg:    sign(t, testMessage, "example.com", "tmp", rk),
			dns:    stubDNS{errs: map[string]error{"tmp._domainkey.example.com": tempErr}},
			result: Fail, temporary: true,
			whyHas: "DKIM signature of example.com (selector tmp) not checked, temporary DNS error:",
		},
		{
			name: "wrapped temporary DNS error",
			msg:  sign(t, testMessage, "example.com", "wrapped", rk),
			dns: stubDNS{errs: map[string]error{
				"wrapped._domainkey.example.com": fmt.Errorf("resolver: %w", tempErr),
			}},
			result: Fail, temporary: true,
			whyHas: "temporary DNS error",
		},
		{
			name:   "lookup timeout",
			msg:    rsaSigned,
			dns:    stubDNS{block: true},
			result: Fail, temporary: true,
			whyHas: "temporary DNS error: key unavailable: lookup rsa1._domainkey.example.com: context deadline exceeded",
		},
		{
			name:   "unsigned",
			msg:    testMessage,
			result: Fail,
			whyHas: "message has no DKIM signature",
		},
		{
			name:   "unaligned signature above an aligned one",
			msg:    sign(t, rsaSigned, "evil.example.net", "rsa1", rk),
			result: Pass,
			whyHas: "DKIM signature of example.com verified (selector rsa1)",
		},
		{
			name:   "aligned failure reported before a foreign pass",
			msg:    sign(t, sign(t, testMessage, "example.com", "gone", rk), "evil.example.net", "rsa1", rk),
			result: Fail,
			whyHas: "(selector gone) did not verify",
		},
		{
			name:   "second From field added above the signed one",
			msg:    "From: mallory@example.com\r\n" + rsaSigned,
			from:   "mallory@example.com",
			result: Fail,
			whyHas: "message has 2 From fields",
		},
		{
			name:   "caller's From differs from the message's",
			msg:    rsaSigned,
			from:   "bob@example.com",
			result: Fail,
			whyHas: `From field of the message is "Alice@Example.com", not "bob@example.com"`,
		},
		{
			name:   "raw 8-bit display name",
			msg:    sign(t, strings.Replace(testMessage, "=?GB2312?B?1cXI/Q==?=", "\xd5\xc5\xc8\xfd", 1), "example.com", "rsa1", rk),
			result: Pass,
		},
		{
			name:   "no From field",
			msg:    "Subject: x\r\n\r\nbody\r\n",
			result: Fail,
			whyHas: "message has no From field",
		},
		{
			name:   "no header end",
			msg:    "From: alice@example.com",
			result: Fail,
			whyHas: "DKIM verification:",
		},
		{
			name:   "untrusted header does not stop in-process DKIM",
			msg:    rsaSigned,
			fields: []string{"mx.other.example; dmarc=fail header.from=example.com"},
			result: Pass,
		},
		{
			name:    "trusted header decides before in-process DKIM",
			msg:     rsaSigned,
			trusted: []string{"mx.example.cn"},
			fields:  []string{"mx.example.cn; dmarc=fail header.from=example.com"},
			result:  Fail,
			whyHas:  "mx.example.cn: dmarc=fail",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.dns
			if d.records == nil {
				d.records = dns
			}
			from := tt.from
			if from == "" {
				from = "alice@example.com"
			}
			c := New(Config{TrustedAuthServIDs: tt.trusted, VerifyDKIM: true, LookupTXT: d.lookup, Timeout: 200 * time.Millisecond})
			v := c.Check(context.Background(), from, tt.fields, strings.NewReader(tt.msg))
			t.Logf("%s %s: %s", v.Result, v.Method, v.Why)
			if v.Result != tt.result {
				t.Fatalf("Result = %q, want %q (Why: %s)", v.Result, tt.result, v.Why)
			}
			if !strings.Contains(v.Why, tt.whyHas) {
				t.Errorf("Why = %q, want it to contain %q", v.Why, tt.whyHas)
			}
			if v.Temporary != tt.temporary {
				t.Errorf("Temporary = %v, want %v (Why: %s)", v.Temporary, tt.temporary, v.Why)
			}
			if tt.trusted == nil && v.Method != "dkim-in-process" {
				t.Errorf("Method = %q, want dkim-in-process", v.Method)
			}
			if strings.ContainsAny(v.Why, "\r\n") {
				t.Errorf("Why = %q, want one line", v.Why)
			}
		})
	}
}

func TestCheckWithoutMessage(t *testing.T) {
	for _, tt := range []struct {
		cfg    Config
		whyHas string
	}{
		{Config{VerifyDKIM: true}, "no message bytes to verify DKIM on"},
		{Config{VerifyDKIM: true, TrustedAuthServIDs: []string{"mx.example.cn"}}, "no Authentication-Results from a trusted server and no message bytes"},
		{Config{TrustedAuthServIDs: []string{"mx.example.cn"}}, "no Authentication-Results from a trusted server"},
	} {
		v := New(tt.cfg).Check(context.Background(), "alice@example.com", nil, nil)
		if v.Result != None || !strings.Contains(v.Why, tt.whyHas) {
			t.Errorf("%+v: got %+v, want None with %q", tt.cfg, v, tt.whyHas)
		}
	}
}

// failingReader returns data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

// With two signatures go-msgauth verifies in goroutines fed by pipes; a read
// error mid-body must neither hang nor pass.
func TestCheckReadError(t *testing.T) {
	rk, _ := testKeys(t)
	msg := sign(t, sign(t, testMessage+strings.Repeat("more text\r\n", 10000), "example.com", "rsa1", rk), "example.com", "rsa1", rk)
	dns := stubDNS{records: map[string]string{"rsa1._domainkey.example.com": keyRecord(t, rk)}}
	c := New(Config{VerifyDKIM: true, LookupTXT: dns.lookup})
	before := runtime.NumGoroutine()
	for _, cut := range []int{10, len(msg) / 2} {
		r := &failingReader{data: []byte(msg[:cut]), err: errors.New("connection reset")}
		done := make(chan Verdict, 1)
		go func() { done <- c.Check(context.Background(), "alice@example.com", nil, r) }()
		select {
		case v := <-done:
			if v.Result != Fail || !strings.Contains(v.Why, "reading the message: connection reset") {
				t.Errorf("cut at %d: got %+v", cut, v)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("cut at %d: Check did not return", cut)
		}
	}
	// go-msgauth alone would leave one goroutine per signature blocked on
	// its pipe.
	for deadline := time.Now().Add(2 * time.Second); runtime.NumGoroutine() > before; {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines left running, had %d", runtime.NumGoroutine(), before)
		}
		time.Sleep(10 * time.Millisecond)
	}
	v := c.Check(context.Background(), "alice@example.com", nil, strings.NewReader(msg))
	if v.Result != Pass {
		t.Errorf("whole message: got %+v", v)
	}
}

func TestCheckTooManySignatures(t *testing.T) {
	rk, _ := testKeys(t)
	msg := sign(t, testMessage, "example.com", "rsa1", rk)
	for i := 0; i < maxSignatures; i++ {
		msg = sign(t, msg, "evil.example.net", "rsa1", rk)
	}
	dns := stubDNS{records: map[string]string{
		"rsa1._domainkey.example.com":      keyRecord(t, rk),
		"rsa1._domainkey.evil.example.net": keyRecord(t, rk),
	}}
	v := New(Config{VerifyDKIM: true, LookupTXT: dns.lookup}).Check(context.Background(), "alice@example.com", nil, strings.NewReader(msg))
	if v.Result != Fail || !strings.Contains(v.Why, "not aligned") {
		t.Errorf("got %+v, want Fail: the aligned signature is past the limit", v)
	}
}

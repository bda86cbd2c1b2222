package senderauth

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
)

// FuzzCheck feeds arbitrary From addresses, Authentication-Results values and
// message bytes through both paths: Check must not panic, and its verdict
// must stay well-formed.
func FuzzCheck(f *testing.F) {
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	record := keyRecord(f, key)
	var signed bytes.Buffer
	if err := dkim.Sign(&signed, strings.NewReader(testMessage), &dkim.SignOptions{Domain: "example.com", Selector: "s", Signer: key}); err != nil {
		f.Fatal(err)
	}

	f.Add("alice@example.com", "mx.example.cn; dmarc=pass header.from=example.com", "", []byte(nil))
	f.Add("alice@example.com", "mx.other; dkim=pass", "mx.example.cn (x; y); dkim=pass (2048-bit key; unprotected) header.d=example.com", []byte(nil))
	f.Add("alice@example.com", "MX.example.cn 1; spf=pass smtp.mailfrom=\"a b\"@example.com; arc=pass header.oldest-pass=x", "", []byte(nil))
	f.Add("alice@example.com", "mx.example.cn; (((", "mx.example.cn; dmarc=pass", signed.Bytes())
	f.Add("alice@example.com", "", "", signed.Bytes())
	f.Add("a@b", "", "", []byte("From: a@b\r\nDKIM-Signature: v=1; a=ed25519-sha256; d=b; s=tmp; h=from; bh=; b=\r\n\r\n"))
	f.Add("a@b", "", "", []byte("DKIM-Signature: v=1\r\nDKIM-Signature: q=x\r\nFrom: <a@b>\r\n\r\n"))

	lookup := func(ctx context.Context, name string) ([]string, error) {
		if strings.HasPrefix(name, "tmp.") {
			return nil, &net.DNSError{Err: "server misbehaving", Name: name, IsTemporary: true}
		}
		return []string{record}, nil
	}
	headerOnly := New(Config{TrustedAuthServIDs: []string{"mx.example.cn"}})
	both := New(Config{TrustedAuthServIDs: []string{"mx.example.cn"}, VerifyDKIM: true, LookupTXT: lookup, Timeout: time.Second})

	f.Fuzz(func(t *testing.T, from, ar1, ar2 string, raw []byte) {
		for _, c := range []*Checker{headerOnly, both} {
			v := c.Check(context.Background(), from, []string{ar1, ar2}, bytes.NewReader(raw))
			switch v.Result {
			case Pass, Fail, None:
			default:
				t.Fatalf("Result = %q", v.Result)
			}
			if v.Why == "" || strings.ContainsAny(v.Why, "\r\n") {
				t.Fatalf("Why = %q, want one non-empty line", v.Why)
			}
			if v.Result == Pass && v.Method == "" {
				t.Fatalf("Pass without a method: %+v", v)
			}
			if v.Result == Pass && v.Method != "dkim-in-process" && !strings.EqualFold(v.AuthServID, "mx.example.cn") {
				t.Fatalf("Pass from an untrusted header: %+v", v)
			}
		}
	})
}

package senderauth

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// fromDomain returns the normalised domain of a From address; an address
// without "@" has none.
func fromDomain(from string) (string, bool) {
	if !strings.Contains(from, "@") {
		return "", false
	}
	return addrDomain(from)
}

// addrDomain returns the normalised domain of an address or of a bare
// domain-only identity such as header.i=@example.com or smtp.mailfrom's
// domain form. An address literal ([192.0.2.1]) is no domain.
func addrDomain(addr string) (string, bool) {
	addr = unquote(strings.TrimSpace(addr))
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		addr = addr[at+1:]
	}
	return normDomain(addr)
}

// normDomain lower-cases d, drops a trailing root dot and turns U-labels into
// A-labels, so the same domain compares equal however a header spelt it.
// Punycode (no UTS 46 mapping) is deliberate: mapping would make a
// look-alike such as a full-width "ｅxample.cn" equal to example.cn.
func normDomain(d string) (string, bool) {
	d = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
	if d == "" || !utf8.ValidString(d) || strings.IndexFunc(d, notInDomain) >= 0 {
		return "", false
	}
	a, err := idna.Punycode.ToASCII(d)
	if err != nil {
		return "", false
	}
	return a, true
}

func notInDomain(r rune) bool {
	return unicode.IsControl(r) || unicode.IsSpace(r) || strings.ContainsRune(`[]@"<>()\,;:`, r)
}

// orgDomain is the organizational domain of RFC 7489 §3.2: the public suffix
// plus one label. A public suffix itself has none.
func orgDomain(d string) (string, bool) {
	d, ok := normDomain(d)
	if !ok {
		return "", false
	}
	org, err := publicsuffix.EffectiveTLDPlusOne(d)
	if err != nil {
		return "", false
	}
	return org, true
}

// aligned reports relaxed alignment (RFC 7489 §3.1): a and b share an
// organizational domain, so mail.example.com aligns with example.com while
// evil-example.com and example.com.cn do not align with example.com or
// example.cn.
func aligned(a, b string) bool {
	oa, ok := orgDomain(a)
	if !ok {
		return false
	}
	ob, ok := orgDomain(b)
	return ok && oa == ob
}

// sameDomain reports whether a and b name the same domain.
func sameDomain(a, b string) bool {
	na, ok := normDomain(a)
	if !ok {
		return false
	}
	nb, ok := normDomain(b)
	return ok && na == nb
}

// unquote strips the double quotes of an RFC 5322 quoted-string, which RFC
// 8601 allows for property values; go-msgauth leaves them in.
func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		if u, err := strconv.Unquote(s); err == nil {
			return u
		}
		return s[1 : len(s)-1]
	}
	return s
}

// maxShown caps a value quoted in Why; headers are the sender's to fill.
const maxShown = 120

// shown makes an untrusted value fit one line of Why: no control characters,
// no newlines, bounded length.
func shown(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == maxShown {
			b.WriteString("…")
			break
		}
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			r = '?'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// quote is shown in quotes, for values that may be empty.
func quote(s string) string {
	return `"` + shown(s) + `"`
}

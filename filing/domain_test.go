package filing

import (
	"strings"
	"testing"

	"golang.org/x/net/idna"
)

// 示例.中国 in punycode, checked with Python's "idna" codec and with
// golang.org/x/net/idna below. (xn--fsqu00a is 例子, not 示例.)
const idnASCII = "xn--fsq092h.xn--fiqs8s"

func TestIDNFixture(t *testing.T) {
	for _, p := range []*idna.Profile{idna.Lookup, idna.Registration} {
		a, err := p.ToASCII("示例.中国")
		if err != nil || a != idnASCII {
			t.Fatalf("%v.ToASCII(示例.中国) = %q, %v; want %q", p, a, err, idnASCII)
		}
		u, err := p.ToUnicode(idnASCII)
		if err != nil || u != "示例.中国" {
			t.Fatalf("%v.ToUnicode(%q) = %q, %v", p, idnASCII, u, err)
		}
	}
}

func TestNormalizeDomain(t *testing.T) {
	for _, tc := range []struct {
		name       string
		in         string
		uni, ascii string // both empty: rejected
	}{
		{"plain", "example.cn", "example.cn", "example.cn"},
		{"upper case", "WWW.Example.CN", "www.example.cn", "www.example.cn"},
		{"trailing dot", "example.cn.", "example.cn", "example.cn"},
		{"spaces around", "  example.com.cn ", "example.com.cn", "example.com.cn"},
		{"full-width", "ｅｘａｍｐｌｅ．ｃｎ", "example.cn", "example.cn"},
		{"ideographic full stop", "示例。中国", "示例.中国", idnASCII},
		{"IDN", "示例.中国", "示例.中国", idnASCII},
		{"IDN under .cn", "示例.cn", "示例.cn", "xn--fsq092h.cn"},
		{"punycode in", idnASCII, "示例.中国", idnASCII},
		{"punycode upper case", strings.ToUpper(idnASCII), "示例.中国", idnASCII},
		{"hyphen inside label", "my-site.example.cn", "my-site.example.cn", "my-site.example.cn"},

		{"scheme", "http://x.cn", "", ""},
		{"https scheme", "https://example.cn", "", ""},
		{"path", "example.cn/index.html", "", ""},
		{"email", "icp@example.cn", "", ""},
		{"space inside", "exa mple.cn", "", ""},
		{"single label", "localhost", "", ""},
		{"single IDN label", "中国", "", ""},
		{"empty", "", "", ""},
		{"only a dot", ".", "", ""},
		{"leading hyphen", "-bad.example.cn", "", ""},
		{"underscore", "a_b.example.cn", "", ""},
		{"empty label", "a..example.cn", "", ""},
		{"port", "example.cn:8080", "", ""},
		{"label of 64", strings.Repeat("a", 64) + ".cn", "", ""},
		{"broken punycode", "xn--zzzzzz-.cn", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, a, err := NormalizeDomain(tc.in)
			if tc.uni == "" {
				if err == nil {
					t.Fatalf("NormalizeDomain(%q) = %q, %q; want an error", tc.in, u, a)
				}
				return
			}
			if err != nil || u != tc.uni || a != tc.ascii {
				t.Fatalf("NormalizeDomain(%q) = %q, %q, %v; want %q, %q", tc.in, u, a, err, tc.uni, tc.ascii)
			}
			// Normalising either form again gives the same pair.
			for _, again := range []string{u, a} {
				u2, a2, err := NormalizeDomain(again)
				if err != nil || u2 != u || a2 != a {
					t.Errorf("NormalizeDomain(%q) = %q, %q, %v; not stable", again, u2, a2, err)
				}
			}
		})
	}
}

package senderauth

import (
	"context"
	"strings"
	"testing"
)

func TestCheckAuthenticationResults(t *testing.T) {
	const mx = "mx.example.cn"
	tests := []struct {
		name    string
		from    string
		fields  []string
		result  Result
		method  string
		authID  string
		whyHas  string
		trusted []string // default {mx}
	}{
		{
			name:   "dmarc pass",
			from:   "alice@example.com",
			fields: []string{mx + "; dkim=pass header.d=example.com header.s=sel; spf=pass smtp.mailfrom=bounce.example.com; dmarc=pass (p=none) header.from=example.com"},
			result: Pass, method: "dmarc", authID: mx,
			whyHas: "mx.example.cn: dmarc=pass header.from=example.com",
		},
		{
			name:   "dmarc pass without header.from",
			from:   "alice@example.com",
			fields: []string{mx + "; dmarc=pass"},
			result: Pass, method: "dmarc",
		},
		{
			name:   "dmarc pass for another From domain",
			from:   "alice@example.com",
			fields: []string{mx + "; dmarc=pass header.from=other.example"},
			result: Fail, method: "dmarc",
			whyHas: "is for header.from=other.example, not example.com",
		},
		{
			name:   "dmarc header.from compared case-insensitively",
			from:   "alice@example.com",
			fields: []string{mx + "; dmarc=pass header.from=Example.COM"},
			result: Pass, method: "dmarc",
		},
		{
			name:   "dmarc fail beats dkim and spf pass",
			from:   "alice@example.cn",
			fields: []string{mx + "; dkim=pass header.d=example.cn; spf=pass smtp.mailfrom=example.cn; dmarc=fail header.from=example.cn"},
			result: Fail, method: "dmarc",
			whyHas: "mx.example.cn: dmarc=fail header.from=example.cn",
		},
		{
			name:   "dkim pass, signer a subdomain of From",
			from:   "alice@example.com",
			fields: []string{mx + "; dkim=pass header.d=mail.example.com"},
			result: Pass, method: "dkim",
			whyHas: "dkim=pass header.d=mail.example.com",
		},
		{
			name:   "dkim pass, From a subdomain of signer",
			from:   "alice@mail.example.com",
			fields: []string{mx + "; dkim=pass header.d=example.com"},
			result: Pass, method: "dkim",
		},
		{
			name:   "dkim pass by header.i only",
			from:   "alice@example.com",
			fields: []string{mx + "; dkim=pass header.i=@news.example.com"},
			result: Pass, method: "dkim",
		},
		{
			name:   "dkim pass for a look-alike domain",
			from:   "alice@example.com",
			fields: []string{mx + "; dkim=pass header.d=evil-example.com"},
			result: Fail, method: "dkim",
			whyHas: "dkim=pass header.d=evil-example.com (not aligned)",
		},
		{
			name:   "dkim pass for example.com.cn is not example.cn",
			from:   "alice@example.cn",
			fields: []string{mx + "; dkim=pass header.d=example.com.cn"},
			result: Fail, method: "dkim",
		},
		{
			name:   "dkim pass for a public suffix",
			from:   "alice@example.com.cn",
			fields: []string{mx + "; dkim=pass header.d=com.cn"},
			result: Fail, method: "dkim",
		},
		{
			name:   "spf pass aligned",
			from:   "alice@example.com",
			fields: []string{mx + "; spf=pass smtp.mailfrom=bounce@bounce.example.com"},
			result: Pass, method: "spf",
			whyHas: "spf=pass smtp.mailfrom=bounce@bounce.example.com",
		},
		{
			name:   "spf pass unaligned",
			from:   "alice@example.com",
			fields: []string{mx + "; spf=pass smtp.mailfrom=bounce@esp.example.net"},
			result: Fail, method: "spf",
			whyHas: "spf=pass smtp.mailfrom=bounce@esp.example.net (not aligned)",
		},
		{
			name:   "spf pass by helo for a null reverse-path",
			from:   "alice@example.com",
			fields: []string{mx + "; spf=pass smtp.helo=out.example.com"},
			result: Pass, method: "spf",
		},
		{
			name:   "no trusted header",
			from:   "alice@example.com",
			fields: []string{"mx.other.example; dmarc=pass header.from=example.com"},
			result: None,
			whyHas: "no Authentication-Results from a trusted server",
		},
		{
			name:   "no header at all",
			from:   "alice@example.com",
			result: None,
		},
		{
			name: "forged trusted header below the real one",
			from: "alice@example.cn",
			fields: []string{
				mx + "; dmarc=fail header.from=example.cn",
				mx + "; dmarc=pass header.from=example.cn",
			},
			result: Fail, method: "dmarc",
		},
		{
			name: "other authserv-id above the trusted one ignored",
			from: "alice@example.cn",
			fields: []string{
				"filter.internal.example; dmarc=pass header.from=example.cn",
				mx + "; dmarc=fail header.from=example.cn",
			},
			result: Fail, method: "dmarc",
		},
		{
			name: "other authserv-id above a passing trusted one",
			from: "alice@example.cn",
			fields: []string{
				"filter.internal.example; dmarc=fail header.from=example.cn",
				mx + "; dmarc=pass header.from=example.cn",
			},
			result: Pass, method: "dmarc", authID: mx,
		},
		{
			name: "second trusted id",
			from: "alice@example.cn",
			fields: []string{
				"mx2.example.cn; dmarc=pass header.from=example.cn",
			},
			trusted: []string{mx, " MX2.example.cn "},
			result:  Pass, method: "dmarc", authID: "mx2.example.cn",
		},
		{
			name:   "trusted id case-insensitive",
			from:   "alice@example.com",
			fields: []string{"MX.Example.CN; dmarc=pass header.from=example.com"},
			result: Pass, method: "dmarc", authID: "MX.Example.CN",
		},
		{
			name:   "version number after authserv-id",
			from:   "alice@example.com",
			fields: []string{mx + " 1; dmarc=pass header.from=example.com"},
			result: Pass, method: "dmarc",
		},
		{
			name:   "comments as OpenDKIM and rspamd write them",
			from:   "alice@example.com",
			fields: []string{mx + " (Postfix); dkim=pass (2048-bit key; unprotected) header.d=example.com header.i=@example.com header.b=\"AbC\"; spf=pass (mx.example.cn: domain of bounce@example.com designates 192.0.2.1 as permitted sender) smtp.mailfrom=bounce@example.com; dmarc=pass (p=none dis=none) header.from=example.com"},
			result: Pass, method: "dmarc",
		},
		{
			name:   "quoted property values",
			from:   "alice@example.com",
			fields: []string{mx + "; dkim=pass header.d=\"example.com\""},
			result: Pass, method: "dkim",
		},
		{
			name:   "malformed trusted header",
			from:   "alice@example.com",
			fields: []string{mx + "; dmarc"},
			result: Fail, authID: mx,
			whyHas: "mx.example.cn: Authentication-Results does not parse",
		},
		{
			name:   "unterminated comment in trusted header",
			from:   "alice@example.com",
			fields: []string{mx + "; dmarc=pass (p=none header.from=example.com"},
			result: Fail,
			whyHas: "unterminated comment",
		},
		{
			name:   "unsupported version in trusted header",
			from:   "alice@example.com",
			fields: []string{mx + " 2; dmarc=pass header.from=example.com"},
			result: Fail,
			whyHas: "does not parse",
		},
		{
			name: "malformed untrusted header above skipped",
			from: "alice@example.com",
			fields: []string{
				"junk; ===; (",
				mx + "; dmarc=pass header.from=example.com",
			},
			result: Pass, method: "dmarc",
		},
		{
			name:   "From without domain",
			from:   "alice",
			fields: []string{mx + "; dmarc=pass header.from=example.com"},
			result: Fail,
			whyHas: `From address "alice" has no domain`,
		},
		{
			name:   "From with empty domain",
			from:   "alice@",
			fields: []string{mx + "; dmarc=pass"},
			result: Fail,
		},
		{
			name:   "empty From",
			from:   "",
			fields: []string{mx + "; dmarc=pass"},
			result: Fail,
		},
		{
			name:   "dmarc none, dkim neutral, spf temperror",
			from:   "alice@example.com",
			fields: []string{mx + "; dkim=neutral header.d=example.com; spf=temperror smtp.mailfrom=example.com; dmarc=none header.from=example.com"},
			result: Fail, method: "dmarc",
			whyHas: "no pass aligned with example.com: dmarc=none header.from=example.com, dkim=neutral header.d=example.com, spf=temperror smtp.mailfrom=example.com",
		},
		{
			name:   "dmarc temperror",
			from:   "alice@example.com",
			fields: []string{mx + "; dmarc=temperror header.from=example.com"},
			result: Fail, method: "dmarc",
			whyHas: "dmarc=temperror",
		},
		{
			name:   "no result",
			from:   "alice@example.com",
			fields: []string{mx + "; none"},
			result: Fail,
			whyHas: "no dmarc, dkim or spf result",
		},
		{
			name:   "other methods only",
			from:   "alice@example.com",
			fields: []string{mx + "; iprev=pass policy.iprev=192.0.2.1; auth=pass smtp.auth=alice"},
			result: Fail,
		},
		{
			name:   "nothing configured",
			from:   "alice@example.com",
			fields: []string{mx + "; dmarc=pass header.from=example.com"},
			trusted: []string{
				" ",
			},
			result: None,
			whyHas: "sender authentication is not configured",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			trusted := tt.trusted
			if trusted == nil {
				trusted = []string{mx}
			}
			c := New(Config{TrustedAuthServIDs: trusted})
			v := c.Check(context.Background(), tt.from, tt.fields, nil)
			t.Logf("%s %s: %s", v.Result, v.Method, v.Why)
			if v.Result != tt.result {
				t.Fatalf("Result = %q, want %q (Why: %s)", v.Result, tt.result, v.Why)
			}
			if tt.method != "" && v.Method != tt.method {
				t.Errorf("Method = %q, want %q", v.Method, tt.method)
			}
			if tt.result == None && v.Method != "" {
				t.Errorf("Method = %q for None", v.Method)
			}
			if tt.authID != "" && v.AuthServID != tt.authID {
				t.Errorf("AuthServID = %q, want %q", v.AuthServID, tt.authID)
			}
			if !strings.Contains(v.Why, tt.whyHas) {
				t.Errorf("Why = %q, want it to contain %q", v.Why, tt.whyHas)
			}
			if v.Why == "" || strings.ContainsAny(v.Why, "\r\n") {
				t.Errorf("Why = %q, want one non-empty line", v.Why)
			}
		})
	}
}

func TestRequired(t *testing.T) {
	for _, tt := range []struct {
		cfg  Config
		want bool
	}{
		{Config{}, false},
		{Config{TrustedAuthServIDs: []string{"", "  "}}, false},
		{Config{TrustedAuthServIDs: []string{"mx.example.cn"}}, true},
		{Config{VerifyDKIM: true}, true},
	} {
		if got := tt.cfg.Required(); got != tt.want {
			t.Errorf("%+v.Required() = %v, want %v", tt.cfg, got, tt.want)
		}
	}
}

func TestStripComments(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		err      bool
	}{
		{in: "a (b) c", want: "a   c"},
		{in: "a (b (nested) c) d", want: "a   d"},
		{in: `a (b \) c) d`, want: "a   d"},
		{in: `a "(not a comment)" b`, want: `a "(not a comment)" b`},
		{in: `a "q \" (x)" b`, want: `a "q \" (x)" b`},
		{in: "a (b", err: true},
		{in: `a "b`, err: true},
		{in: "a ) b", want: "a ) b"},
	} {
		got, err := stripComments(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("stripComments(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

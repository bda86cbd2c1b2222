package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/emersion/go-msgauth/dkim"

	"example.com/icpdesk/mailparse"
)

// runCheck re-reads every written message with mailparse and prints its
// subject, sender, the start of its text and any problems; it verifies the
// DKIM-signed messages with go-msgauth against the world's key.
func runCheck(mailDir string) bool {
	ok := true
	undecoded := 0
	for _, c := range cases {
		path := filepath.Join(mailDir, c.Name+".eml")
		raw, err := os.ReadFile(path)
		if err != nil {
			fmt.Printf("%s: %v\n", c.Name, err)
			ok = false
			continue
		}
		m, err := mailparse.ParseBytes(raw, mailparse.ParseOptions{})
		if err != nil {
			fmt.Printf("%s: PARSE ERROR %v\n", c.Name, err)
			ok = false
			continue
		}
		text := strings.Join(strings.Fields(m.Text), " ")
		if r := []rune(text); len(r) > 80 {
			text = string(r[:80])
		}
		var atts []string
		for _, a := range m.Attachments {
			atts = append(atts, a.Filename+" ("+a.ContentType+")")
		}
		fmt.Printf("== %s  [%s/%s]\n   subject: %s\n   from:    %s <%s>  date: %s\n   text:    %s\n",
			c.Name, c.Class, c.Decision, m.Subject, m.From.Name, m.From.Addr, m.Date.Format("2006-01-02 15:04:05 -0700"), text)
		if len(atts) > 0 {
			fmt.Printf("   attach:  %s\n", strings.Join(atts, ", "))
		}
		if len(m.AuthenticationResults) > 0 {
			fmt.Printf("   auth[0]: %s\n", strings.Join(strings.Fields(m.AuthenticationResults[0]), " "))
		}
		if strings.Contains(m.From.Name, "=?") || strings.Contains(m.Subject, "=?") {
			// QQ Mail, Foxmail, Coremail, Alimail and others put the encoded-word
			// of the display name inside double quotes (not RFC 2047, but what
			// they send); a parser should still decode it.
			fmt.Printf("   NOTE: encoded-word left undecoded by mailparse (From name %q)\n", m.From.Name)
			undecoded++
		}
		if len(m.Problems) > 0 {
			fmt.Printf("   PROBLEMS: %s\n", strings.Join(m.Problems, "; "))
			ok = false
		}
		if strings.ContainsRune(m.Subject, '\uFFFD') || strings.ContainsRune(m.Text, '\uFFFD') || strings.ContainsRune(m.From.Name, '\uFFFD') {
			fmt.Printf("   REPLACEMENT CHARACTER in decoded text\n")
			ok = false
		}
		if bytes.Contains(raw, []byte("DKIM-Signature: v=1; a=ed25519")) {
			vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{LookupTXT: func(domain string) ([]string, error) {
				if domain == dkimSelector+"._domainkey."+dkimDomain {
					return []string{dkimTXT()}, nil
				}
				return nil, fmt.Errorf("no TXT for %s", domain)
			}})
			res := "pass"
			if err != nil {
				res = "error: " + err.Error()
			} else if len(vs) == 0 {
				res = "no signature"
			} else if vs[0].Err != nil {
				res = "fail: " + vs[0].Err.Error()
			}
			fmt.Printf("   dkim:    %s (go-msgauth)\n", res)
			want := c.Decision != "unverified"
			if (res == "pass") != want {
				fmt.Printf("   DKIM RESULT NOT AS INTENDED\n")
				ok = false
			}
		}
	}
	if undecoded > 0 {
		fmt.Printf("note: %d messages have a quoted encoded-word display name that mailparse leaves encoded (a parser finding, not a corpus error)\n", undecoded)
	}
	if ok {
		fmt.Printf("all %d messages parsed without problems\n", len(cases))
	}
	return ok
}

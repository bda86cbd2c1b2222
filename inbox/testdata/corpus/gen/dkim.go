package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// The world's DKIM key: ed25519 from a fixed seed, published in world.json
// as s2026._domainkey.example.com. Messages signed with it carry no trusted
// Authentication-Results: icpdesk verifies them in process (verify_dkim).
var dkimKey = ed25519.NewKeyFromSeed(func() []byte {
	h := sha256.Sum256([]byte("icpdesk corpus DKIM key s2026 example.com"))
	return h[:]
}())

const dkimDomain, dkimSelector = "example.com", "s2026"

func dkimTXT() string {
	return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(dkimKey.Public().(ed25519.PublicKey))
}

var dkimHeaders = []string{"From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"}

// dkimSign signs msg (relaxed/relaxed, ed25519-sha256, RFC 6376 and 8463)
// with a t= fixed at the message's date, so the output is the same on every
// run: go-msgauth's signer stamps time.Now. The generator verifies the
// result with go-msgauth (see check.go).
func dkimSign(msg []byte, date time.Time) []byte {
	head, body, ok := bytes.Cut(msg, []byte("\r\n\r\n"))
	if !ok {
		panic("dkimSign: no body")
	}
	fields := splitFields(string(head) + "\r\n")
	bh := sha256.Sum256(relaxedBody(body))
	var signed []string
	var hashIn strings.Builder
	used := map[string]int{}
	for _, name := range dkimHeaders {
		// the last instance not yet used, bottom up
		idx := -1
		seen := 0
		for i := len(fields) - 1; i >= 0; i-- {
			k, _, _ := strings.Cut(fields[i], ":")
			if strings.EqualFold(strings.TrimSpace(k), name) {
				if seen == used[strings.ToLower(name)] {
					idx = i
					break
				}
				seen++
			}
		}
		if idx < 0 {
			continue
		}
		used[strings.ToLower(name)]++
		signed = append(signed, name)
		hashIn.WriteString(relaxedHeader(fields[idx]))
	}
	sig := fmt.Sprintf("v=1; a=ed25519-sha256; c=relaxed/relaxed; d=%s; s=%s;\r\n\tt=%d; h=%s;\r\n\tbh=%s;\r\n\tb=",
		dkimDomain, dkimSelector, date.Unix(), strings.Join(signed, ":"), base64.StdEncoding.EncodeToString(bh[:]))
	rh := relaxedHeader("DKIM-Signature: " + sig + "\r\n")
	hashIn.WriteString(strings.TrimSuffix(rh, "\r\n"))
	hh := sha256.Sum256([]byte(hashIn.String()))
	s := ed25519.Sign(dkimKey, hh[:])
	field := "DKIM-Signature: " + sig + base64.StdEncoding.EncodeToString(s) + "\r\n"
	return append([]byte(field), msg...)
}

// splitFields splits a header block (ending in CRLF) into fields, each with
// its folding and final CRLF.
func splitFields(h string) []string {
	var out []string
	lines := strings.SplitAfter(h, "\r\n")
	for _, l := range lines {
		if l == "" {
			continue
		}
		if (l[0] == ' ' || l[0] == '\t') && len(out) > 0 {
			out[len(out)-1] += l
		} else {
			out = append(out, l)
		}
	}
	return out
}

func collapseWSP(s string) string {
	var b strings.Builder
	sp := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\t' {
			sp = true
			continue
		}
		if sp {
			b.WriteByte(' ')
			sp = false
		}
		b.WriteByte(c)
	}
	if sp {
		b.WriteByte(' ')
	}
	return b.String()
}

func relaxedHeader(field string) string {
	k, v, _ := strings.Cut(field, ":")
	k = strings.ToLower(strings.TrimRight(k, " \t"))
	v = strings.ReplaceAll(v, "\r\n", "")
	v = strings.TrimSpace(collapseWSP(v))
	return k + ":" + v + "\r\n"
}

func relaxedBody(b []byte) []byte {
	lines := strings.Split(string(b), "\r\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(collapseWSP(l), " ")
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return nil
	}
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}

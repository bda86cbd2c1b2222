package senderauth

import (
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-msgauth/authres"
)

// trustedField returns the topmost Authentication-Results value whose
// authserv-id is trusted, with that id. Each MTA prepends its field (RFC 8601
// §5), so fields above ours were added by our own later hops and fields below
// it arrived with the message: a trusted id there is a forgery our MTA failed
// to strip, and taking it would let the sender vouch for itself.
func (c *Checker) trustedField(fields []string) (field, id string, ok bool) {
	for _, f := range fields {
		id := authservID(f)
		if id != "" && c.trusted[strings.ToLower(id)] {
			return f, id, true
		}
	}
	return "", "", false
}

// authservID reads the authserv-id leniently, so that a trusted field that
// go-msgauth cannot parse is still recognised as ours (and fails) rather than
// skipped in favour of a field further down.
func authservID(field string) string {
	head, _, _ := strings.Cut(field, ";")
	head = strings.TrimSpace(head)
	if i := strings.IndexAny(head, " \t("); i >= 0 {
		head = head[:i]
	}
	return head
}

// judgeHeader applies the trusted field's results to the From domain.
func judgeHeader(field, id, fromDom string) Verdict {
	fail := func(method, why string) Verdict {
		return Verdict{Result: Fail, Method: method, AuthServID: id, Why: shown(id) + ": " + why}
	}
	results, err := parseAuthResults(field)
	if err != nil {
		return fail("", "Authentication-Results does not parse: "+shown(err.Error()))
	}

	var dmarcs []*authres.DMARCResult
	var dkims []*authres.DKIMResult
	var spfs []*authres.SPFResult
	for _, r := range results {
		switch r := r.(type) {
		case *authres.DMARCResult:
			dmarcs = append(dmarcs, r)
		case *authres.DKIMResult:
			dkims = append(dkims, r)
		case *authres.SPFResult:
			spfs = append(spfs, r)
		}
	}

	// DMARC first: it already weighs DKIM and SPF with alignment, and a fail
	// is the domain owner's policy saying no, whatever else passed.
	for _, r := range dmarcs {
		if hf := unquote(r.From); hf != "" && !sameDomain(hf, fromDom) {
			// The MTA judged a different From than the one we read (two
			// From fields, say); its answer is not about our sender.
			return fail("dmarc", fmt.Sprintf("dmarc=%s is for header.from=%s, not %s", shown(string(r.Value)), shown(hf), shown(fromDom)))
		}
	}
	for _, r := range dmarcs {
		if r.Value == authres.ResultFail {
			return fail("dmarc", describeDMARC(r))
		}
	}
	for _, r := range dmarcs {
		if r.Value == authres.ResultPass {
			return Verdict{Result: Pass, Method: "dmarc", AuthServID: id, Why: shown(id) + ": " + describeDMARC(r)}
		}
	}
	for _, r := range dkims {
		if r.Value == authres.ResultPass && aligned(dkimDomain(r), fromDom) {
			return Verdict{Result: Pass, Method: "dkim", AuthServID: id, Why: shown(id) + ": " + describeDKIM(r)}
		}
	}
	for _, r := range spfs {
		if r.Value == authres.ResultPass && aligned(spfDomain(r), fromDom) {
			return Verdict{Result: Pass, Method: "spf", AuthServID: id, Why: shown(id) + ": " + describeSPF(r)}
		}
	}

	var seen []string
	method := ""
	for _, r := range dmarcs {
		seen = append(seen, describeDMARC(r))
	}
	for _, r := range dkims {
		d := describeDKIM(r)
		if r.Value == authres.ResultPass {
			d += " (not aligned)"
		}
		seen = append(seen, d)
	}
	for _, r := range spfs {
		d := describeSPF(r)
		if r.Value == authres.ResultPass {
			d += " (not aligned)"
		}
		seen = append(seen, d)
	}
	switch {
	case len(dmarcs) > 0:
		method = "dmarc"
	case len(dkims) > 0:
		method = "dkim"
	case len(spfs) > 0:
		method = "spf"
	default:
		return fail("", "no dmarc, dkim or spf result")
	}
	return fail(method, "no pass aligned with "+shown(fromDom)+": "+strings.Join(seen, ", "))
}

// parseAuthResults parses one field value with go-msgauth after removing
// comments: authres.Parse splits on every ";" and space, so the comments real
// MTAs write break it — OpenDKIM's "dkim=pass (2048-bit key; unprotected)"
// is an error, and "mx.example.cn (Postfix);" an unsupported version.
func parseAuthResults(field string) ([]authres.Result, error) {
	v, err := stripComments(field)
	if err != nil {
		return nil, err
	}
	// authres.Parse's errors already say "msgauth: ..."; judgeHeader adds
	// the field's context.
	_, results, err := authres.Parse(v)
	return results, err
}

// stripComments replaces each RFC 5322 comment (nested, with quoted-pairs,
// not inside a quoted-string) with a space.
func stripComments(s string) (string, error) {
	var b strings.Builder
	depth, quoted, escaped := 0, false, false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case escaped:
			escaped = false
		case ch == '\\' && (quoted || depth > 0):
			escaped = true
		case depth > 0:
			switch ch {
			case '(':
				depth++
			case ')':
				depth--
			}
			if depth == 0 {
				b.WriteByte(' ')
			}
			continue
		case ch == '"':
			quoted = !quoted
		case ch == '(' && !quoted:
			depth = 1
			continue
		}
		if depth == 0 {
			b.WriteByte(ch)
		}
	}
	switch {
	case depth > 0:
		return "", errors.New("unterminated comment")
	case quoted:
		return "", errors.New("unterminated quoted-string")
	}
	return b.String(), nil
}

// dkimDomain is the signing domain, from header.i when header.d is missing.
func dkimDomain(r *authres.DKIMResult) string {
	id := r.Domain
	if id == "" {
		id = r.Identifier
	}
	d, _ := addrDomain(id)
	return d
}

// spfDomain is the domain SPF authorised: MAIL FROM's, or HELO's for a null
// reverse-path (RFC 7208 §2.4).
func spfDomain(r *authres.SPFResult) string {
	id := r.From
	if id == "" {
		id = r.Helo
	}
	d, _ := addrDomain(id)
	return d
}

func describeDMARC(r *authres.DMARCResult) string {
	s := "dmarc=" + shown(string(r.Value))
	if r.From != "" {
		s += " header.from=" + shown(unquote(r.From))
	}
	return s
}

func describeDKIM(r *authres.DKIMResult) string {
	s := "dkim=" + shown(string(r.Value))
	switch {
	case r.Domain != "":
		s += " header.d=" + shown(unquote(r.Domain))
	case r.Identifier != "":
		s += " header.i=" + shown(unquote(r.Identifier))
	}
	return s
}

func describeSPF(r *authres.SPFResult) string {
	s := "spf=" + shown(string(r.Value))
	switch {
	case r.From != "":
		s += " smtp.mailfrom=" + shown(unquote(r.From))
	case r.Helo != "":
		s += " smtp.helo=" + shown(unquote(r.Helo))
	}
	return s
}

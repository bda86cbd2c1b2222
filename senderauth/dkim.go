package senderauth

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"

	"github.com/emersion/go-msgauth/dkim"
)

const (
	// maxSignatures bounds the DNS lookups and RSA work one message can cause;
	// genuine mail carries one to three signatures.
	maxSignatures = 8
	// maxHeaderBytes bounds the header read into memory; the body streams.
	maxHeaderBytes = 1 << 20
)

// verifyInProcess verifies the DKIM signatures of raw (RFC 6376) and passes
// when one verifies for a domain aligned with From.
func (c *Checker) verifyInProcess(ctx context.Context, from, fromDom string, raw io.Reader) Verdict {
	const method = "dkim-in-process"
	fail := func(why string) Verdict {
		return Verdict{Result: Fail, Method: method, Why: why}
	}

	// go-msgauth copies the body into one pipe per signature and never closes
	// them if the copy fails, leaking its goroutines; so read errors end the
	// stream here and are reported afterwards.
	src := &stickyReader{r: raw}
	br := bufio.NewReader(src)
	head, err := readHead(br)
	if src.err != nil {
		return fail("reading the message: " + shown(src.err.Error()))
	}
	if err != nil {
		return fail("message header: " + shown(err.Error()))
	}
	fields := headerFields(head)
	if why := checkFromField(fields, from); why != "" {
		return fail(why)
	}
	selectors := signatureSelectors(fields)

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	verifs, err := dkim.VerifyWithOptions(io.MultiReader(bytes.NewReader(head), br), &dkim.VerifyOptions{
		LookupTXT:        func(domain string) ([]string, error) { return c.lookup(ctx, domain) },
		MaxVerifications: maxSignatures,
	})
	if src.err != nil {
		return fail("reading the message: " + shown(src.err.Error()))
	}
	if err != nil && !errors.Is(err, dkim.ErrTooManySignatures) {
		return fail("DKIM verification: " + shown(err.Error()))
	}
	if len(verifs) == 0 {
		return fail("message has no DKIM signature")
	}

	// Verifications come in header order, as do the selectors.
	selector := func(i int, v *dkim.Verification) string {
		if i < len(selectors) && sameDomain(selectors[i].domain, v.Domain) {
			return selectors[i].selector
		}
		return ""
	}
	for i, v := range verifs {
		if v.Err == nil && aligned(v.Domain, fromDom) {
			why := "DKIM signature of " + shown(v.Domain) + " verified"
			if s := selector(i, v); s != "" {
				why += " (selector " + shown(s) + ")"
			}
			return Verdict{Result: Pass, Method: method, Why: why}
		}
	}

	// No pass: report the failure that matters most to staff, a signature of
	// the sender's own domain that did not verify, before a foreign one.
	for i, v := range verifs {
		if v.Err != nil && aligned(v.Domain, fromDom) {
			return Verdict{Result: Fail, Method: method, Why: describeFailure(v, selector(i, v)), Temporary: dkim.IsTempFail(v.Err)}
		}
	}
	for _, v := range verifs {
		if v.Err == nil {
			return fail("From domain " + shown(fromDom) + " not aligned with DKIM d=" + shown(v.Domain))
		}
	}
	v := verifs[0]
	return fail(describeFailure(v, selector(0, v)) + "; not aligned with From domain " + shown(fromDom))
}

func describeFailure(v *dkim.Verification, selector string) string {
	what := "DKIM signature"
	if v.Domain != "" {
		what += " of " + shown(v.Domain)
	}
	if selector != "" {
		what += " (selector " + shown(selector) + ")"
	}
	// go-msgauth nests its "dkim: " prefix ("signature did not verify: dkim:
	// invalid Ed25519 signature"); once in Why is enough, in "DKIM".
	msg := strings.ReplaceAll(v.Err.Error(), "dkim: ", "")
	if dkim.IsTempFail(v.Err) {
		return what + " not checked, temporary DNS error: " + shown(msg)
	}
	return what + " did not verify: " + shown(msg)
}

// lookup adapts the context-taking resolver to go-msgauth, which tells a
// temporary DNS error from a permanent one only by asserting net.Error on the
// returned value itself (no errors.As) and calling the deprecated
// Temporary; so every error is returned as a lookupError that answers it.
func (c *Checker) lookup(ctx context.Context, domain string) ([]string, error) {
	txts, err := c.lookupTXT(ctx, domain)
	if err != nil {
		return nil, &lookupError{err: err, temporary: isTemporary(ctx, err)}
	}
	return txts, nil
}

func isTemporary(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.IsTemporary || dnsErr.IsTimeout
	}
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}

// lookupError is a resolver error with its temporariness decided once.
type lookupError struct {
	err       error
	temporary bool
}

func (e *lookupError) Error() string   { return e.err.Error() }
func (e *lookupError) Unwrap() error   { return e.err }
func (e *lookupError) Timeout() bool   { return e.temporary }
func (e *lookupError) Temporary() bool { return e.temporary }

// stickyReader turns the first read error into EOF and keeps it.
type stickyReader struct {
	r   io.Reader
	err error
}

func (s *stickyReader) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, io.EOF
	}
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
		err = io.EOF
	}
	return n, err
}

// readHead returns the header bytes up to and including the empty line that
// ends them (or all bytes, if there is none: go-msgauth then rejects them).
func readHead(br *bufio.Reader) ([]byte, error) {
	var head []byte
	lineStart := true
	for {
		chunk, err := br.ReadSlice('\n')
		head = append(head, chunk...)
		if len(head) > maxHeaderBytes {
			return nil, fmt.Errorf("longer than %d bytes", maxHeaderBytes)
		}
		if lineStart && (string(chunk) == "\n" || string(chunk) == "\r\n") {
			return head, nil
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			lineStart = false
		case err != nil:
			return head, nil
		default:
			lineStart = true
		}
	}
}

// headerFields splits head into fields the way go-msgauth's verifier does
// (textproto lines, a line starting with a space or tab continuing the
// previous field), so that the From field checked here is the one it
// verifies and the i-th DKIM-Signature here is its i-th verification.
func headerFields(head []byte) []string {
	tr := textproto.NewReader(bufio.NewReader(bytes.NewReader(head)))
	var fields []string
	for {
		l, err := tr.ReadLine()
		if err != nil || l == "" {
			return fields
		}
		if len(fields) > 0 && (l[0] == ' ' || l[0] == '\t') {
			fields[len(fields)-1] += l
		} else {
			fields = append(fields, l)
		}
	}
}

func fieldsNamed(fields []string, name string) []string {
	var values []string
	for _, f := range fields {
		k, v, _ := strings.Cut(f, ":")
		if strings.EqualFold(strings.TrimSpace(k), name) {
			values = append(values, strings.TrimSpace(v))
		}
	}
	return values
}

// checkFromField returns why the message's own From field cannot stand for
// from, or "". A signature covers the bottom From field (RFC 6376 §5.4.2)
// while mail readers and our parser show the top one, so a second From
// field, added after signing, would borrow the signature.
func checkFromField(fields []string, from string) string {
	froms := fieldsNamed(fields, "From")
	switch len(froms) {
	case 0:
		return "message has no From field"
	case 1:
	default:
		return fmt.Sprintf("message has %d From fields", len(froms))
	}
	addr, ok := fieldAddress(froms[0])
	if !ok {
		return "From field of the message does not parse: " + quote(froms[0])
	}
	if !strings.EqualFold(addr, from) {
		return "From field of the message is " + quote(addr) + ", not " + quote(from)
	}
	return ""
}

// anyCharset lets net/mail read encoded-words in any charset: only the
// address is wanted, not the display name.
var anyCharset = &mail.AddressParser{WordDecoder: &mime.WordDecoder{
	CharsetReader: func(_ string, r io.Reader) (io.Reader, error) { return r, nil },
}}

// angleAddr finds an address when net/mail cannot parse the field, as with
// a raw 8-bit GBK display name, the way our MIME parser falls back too.
var angleAddr = regexp.MustCompile(`<\s*([^<>\s@]+@[^<>\s@]+)\s*>`)

// fieldAddress returns the single address of a From field value.
func fieldAddress(v string) (string, bool) {
	if list, err := anyCharset.ParseList(v); err == nil {
		if len(list) != 1 {
			return "", false
		}
		return list[0].Address, true
	}
	m := angleAddr.FindAllStringSubmatch(v, -1)
	if len(m) != 1 {
		return "", false
	}
	return m[0][1], true
}

type signatureTags struct{ domain, selector string }

// signatureSelectors returns d= and s= of each DKIM-Signature field in header
// order, because dkim.Verification does not report the selector.
func signatureSelectors(fields []string) []signatureTags {
	var sigs []signatureTags
	for _, v := range fieldsNamed(fields, "DKIM-Signature") {
		var t signatureTags
		for _, tag := range strings.Split(v, ";") {
			k, val, _ := strings.Cut(tag, "=")
			switch strings.TrimSpace(k) {
			case "d":
				t.domain = stripSpace(val)
			case "s":
				t.selector = stripSpace(val)
			}
		}
		sigs = append(sigs, t)
	}
	return sigs
}

func stripSpace(s string) string {
	return strings.Join(strings.Fields(s), "")
}

package senderauth

import (
	"context"
	"io"
	"net"
	"strings"
	"time"
)

// Result is the outcome of a sender check.
type Result string

const (
	Pass Result = "pass"
	Fail Result = "fail"
	None Result = "none" // nothing to judge by: no trusted result and no in-process check configured/possible
)

// DefaultTimeout bounds the DNS lookups of one message when Config.Timeout is
// zero or negative.
const DefaultTimeout = 5 * time.Second

// Config says which evidence Check may use.
type Config struct {
	// TrustedAuthServIDs are the authserv-ids of our own MTAs, e.g.
	// "mx.example.cn"; compared case-insensitively. Empty: no header is
	// trusted.
	TrustedAuthServIDs []string
	// VerifyDKIM verifies DKIM signatures in process when no trusted result
	// exists.
	VerifyDKIM bool
	// LookupTXT resolves TXT records for DKIM keys. Nil means
	// net.DefaultResolver.LookupTXT; tests stub it.
	LookupTXT func(ctx context.Context, domain string) ([]string, error)
	// Timeout bounds the DNS lookups of one message (DefaultTimeout if zero).
	Timeout time.Duration
}

// Required reports whether the configuration asks for authentication at all
// (trusted ids set or VerifyDKIM). When it does, the caller must treat None as
// not authenticated.
func (c Config) Required() bool {
	return len(trustedSet(c.TrustedAuthServIDs)) > 0 || c.VerifyDKIM
}

// Verdict is Check's judgement of one message's From.
type Verdict struct {
	Result Result
	// Method names the mechanism that decided: "dmarc", "dkim", "spf" (from
	// a trusted header) or "dkim-in-process"; "" for None and when no
	// mechanism was reported at all.
	Method string
	// AuthServID is whose Authentication-Results was used, if one was.
	AuthServID string
	// Why is one line for staff, e.g. "mx.example.cn: dmarc=fail
	// header.from=example.cn".
	Why string
	// Temporary reports that an in-process DKIM key lookup for a signature
	// aligned with From failed temporarily: checking the message again later
	// may pass. A trusted header's temperror is final, since re-reading the
	// header gives the same answer.
	Temporary bool
}

// Checker judges messages under one Config; it is safe for concurrent use.
type Checker struct {
	trusted    map[string]bool // lower-cased authserv-ids
	verifyDKIM bool
	lookupTXT  func(ctx context.Context, domain string) ([]string, error)
	timeout    time.Duration
}

// New returns a Checker for cfg, filling in defaults.
func New(cfg Config) *Checker {
	c := &Checker{
		trusted:    trustedSet(cfg.TrustedAuthServIDs),
		verifyDKIM: cfg.VerifyDKIM,
		lookupTXT:  cfg.LookupTXT,
		timeout:    cfg.Timeout,
	}
	if c.lookupTXT == nil {
		c.lookupTXT = net.DefaultResolver.LookupTXT
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	return c
}

func trustedSet(ids []string) map[string]bool {
	set := make(map[string]bool)
	for _, id := range ids {
		if id = strings.ToLower(strings.TrimSpace(id)); id != "" {
			set[id] = true
		}
	}
	return set
}

// Check judges one message: from is its From address (lower-cased),
// authResults its Authentication-Results field values top first, raw its bytes
// for in-process DKIM (nil: none). It never panics and never returns an error
// for bad input: malformed headers simply are not trusted, and DNS failures
// make Fail with the reason (a temporary DNS error says so in Why).
func (c *Checker) Check(ctx context.Context, from string, authResults []string, raw io.Reader) Verdict {
	if c == nil {
		c = New(Config{})
	}
	if len(c.trusted) == 0 && !c.verifyDKIM {
		return Verdict{Result: None, Why: "sender authentication is not configured"}
	}
	fromDom, ok := fromDomain(from)
	if !ok {
		return Verdict{Result: Fail, Why: "From address " + quote(from) + " has no domain"}
	}
	if field, id, ok := c.trustedField(authResults); ok {
		return judgeHeader(field, id, fromDom)
	}
	if !c.verifyDKIM {
		return Verdict{Result: None, Why: "no Authentication-Results from a trusted server"}
	}
	if raw == nil {
		why := "no message bytes to verify DKIM on"
		if len(c.trusted) > 0 {
			why = "no Authentication-Results from a trusted server and no message bytes to verify DKIM on"
		}
		return Verdict{Result: None, Why: why}
	}
	return c.verifyInProcess(ctx, from, fromDom, raw)
}

package config

import (
	"fmt"
	"net/mail"
	"strings"
)

// TokenPlaceholder marks where smtp.bounce_address takes each email's token.
const TokenPlaceholder = "{token}"

// sampleToken has the length and alphabet of a real token (store's: 32
// lower-case hex digits), to check that addresses built from a pattern are
// valid.
const sampleToken = "0123456789abcdef0123456789abcdef"

// CheckBounceAddress checks a VERP pattern such as
// "bounces+{token}@example.cn": an address whose local part holds {token}
// exactly once, so that each email's envelope sender names that email.
func CheckBounceAddress(pattern string) error {
	if n := strings.Count(pattern, TokenPlaceholder); n != 1 {
		return fmt.Errorf("%q must contain %s exactly once (e.g. \"bounces+%s@example.cn\"), not %d times", pattern, TokenPlaceholder, TokenPlaceholder, n)
	}
	at := strings.LastIndexByte(pattern, '@')
	if at < 0 || strings.Index(pattern, TokenPlaceholder) > at {
		return fmt.Errorf("%q: %s must be in the part before the @", pattern, TokenPlaceholder)
	}
	addr := BounceAddress(pattern, sampleToken)
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Name != "" || a.Address != addr || strings.ContainsAny(addr, "{}") {
		return fmt.Errorf("%q is not a plain address (like bounces+%s@example.cn)", pattern, TokenPlaceholder)
	}
	if at := strings.LastIndexByte(addr, '@'); at > 64 {
		return fmt.Errorf("%q: the part before the @ would be %d characters with a token, more than 64 (RFC 5321)", pattern, at)
	}
	return nil
}

// BounceAddress returns the envelope sender of the email whose bounce token
// is token: pattern with token in place of {token}.
func BounceAddress(pattern, token string) string {
	return strings.Replace(pattern, TokenPlaceholder, token, 1)
}

// BounceToken returns the token in addr when addr is pattern with a token in
// place of {token}, comparing the rest without regard to case (mail systems
// may fold it), and false when addr is anything else. It checks only the
// form: store.OutboxByBounceToken says whether an email has the token.
func BounceToken(pattern, addr string) (string, bool) {
	before, after, ok := strings.Cut(pattern, TokenPlaceholder)
	addr = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(addr), "<"), ">")
	if !ok || len(addr) <= len(before)+len(after) ||
		!strings.EqualFold(addr[:len(before)], before) || !strings.EqualFold(addr[len(addr)-len(after):], after) {
		return "", false
	}
	token := strings.ToLower(addr[len(before) : len(addr)-len(after)])
	if len(token) != len(sampleToken) || strings.Trim(token, "0123456789abcdef") != "" {
		return "", false
	}
	return token, true
}

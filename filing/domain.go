package filing

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/net/idna"
)

// Domain is one domain of a website, kept both as people write it (Unicode)
// and as DNS and many mail clients write it (punycode), so an applicant may
// use either and still be linked to the filing.
type Domain struct {
	Name       string `json:"name" db:"name"`   // Unicode, lower case: 示例.中国
	ASCII      string `json:"ascii" db:"ascii"` // punycode: xn--fsq092h.xn--fiqs8s
	Registrant string `json:"registrant" db:"registrant"`
}

// DomainInput is a domain as the filing system sends it.
type DomainInput struct {
	Name       string `json:"name"`
	Registrant string `json:"registrant"`
}

var domainProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.ValidateLabels(true),
	idna.StrictDomainName(true),
	idna.VerifyDNSLength(true),
)

// NormalizeDomain returns the Unicode and punycode forms of a domain name, in
// lower case, after UTS #46 mapping (so full-width dots and capitals are fine).
func NormalizeDomain(s string) (unicodeName, asciiName string, err error) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ".")
	if s == "" {
		return "", "", errors.New("empty domain name")
	}
	if strings.Contains(s, "://") || strings.ContainsAny(s, "/@ ") {
		return "", "", fmt.Errorf("%q is not a bare domain name (no scheme, path or address)", s)
	}
	asciiName, err = domainProfile.ToASCII(s)
	if err != nil {
		return "", "", fmt.Errorf("%q is not a valid domain name: %w", s, err)
	}
	asciiName = strings.ToLower(asciiName)
	if !strings.Contains(asciiName, ".") {
		return "", "", fmt.Errorf("%q is not a fully qualified domain name", s)
	}
	unicodeName, err = domainProfile.ToUnicode(asciiName)
	if err != nil {
		return "", "", fmt.Errorf("%q is not a valid domain name: %w", s, err)
	}
	return unicodeName, asciiName, nil
}

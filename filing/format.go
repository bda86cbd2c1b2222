package filing

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Filing references look like BA-2026-000123: a letter prefix and dash-separated
// groups of letters and digits. Other filing systems' references fit as long as
// they have a prefix, a dash and a digit.
var referenceRE = regexp.MustCompile(`^[A-Z]{1,8}(?:-[A-Z0-9]{1,12}){1,3}$`)

// referenceInTextRE finds reference candidates in free text; the store decides
// which exist. The boundaries keep "X-Mailer" and "e-mail" out (no digit).
var referenceInTextRE = regexp.MustCompile(`(?i)(?:^|[^A-Za-z0-9-])([A-Z]{1,8}(?:-[A-Z0-9]{1,12}){1,3})(?:$|[^A-Za-z0-9-])`)

// NormalizeReference upper-cases and checks a filing reference.
func NormalizeReference(ref string) (string, error) {
	r := strings.ToUpper(strings.TrimSpace(toHalfWidth(ref)))
	if len(r) > 40 || !referenceRE.MatchString(r) || !strings.ContainsAny(r, "0123456789") {
		return "", fmt.Errorf("%q is not a filing reference (like BA-2026-000123)", ref)
	}
	return r, nil
}

// GeneratedReference is the reference given to a filing imported without one:
// ICPD-<year>-<six-digit sequence>. The prefix is icpdesk's own, so generated
// references never collide with the filing system's (BA-…).
func GeneratedReference(year, seq int) string {
	return fmt.Sprintf("%s%06d", GeneratedReferencePrefix(year), seq)
}

// GeneratedReferencePrefix is the common prefix of a year's generated references.
func GeneratedReferencePrefix(year int) string {
	return fmt.Sprintf("ICPD-%04d-", year)
}

// FindReferences returns the distinct reference-shaped tokens in text, in order.
func FindReferences(text string) []string {
	text = toHalfWidth(text)
	var out []string
	seen := map[string]bool{}
	// The boundary groups consume one character each side, so scan with an
	// index to catch adjacent candidates separated by a single character.
	for i := 0; i < len(text); {
		loc := referenceInTextRE.FindStringSubmatchIndex(text[i:])
		if loc == nil {
			break
		}
		ref := strings.ToUpper(text[i+loc[2] : i+loc[3]])
		if n, err := NormalizeReference(ref); err == nil && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
		i += loc[3]
	}
	return out
}

// Tag is the reference tag put in every email subject so replies link back:
// [ICP#BA-2026-000123]. It is ASCII so no mail client re-encodes it.
func Tag(ref string) string { return "[ICP#" + ref + "]" }

// tagRE accepts what mail clients and input methods do to the tag: full-width
// brackets and number signs, spaces, lower case.
var tagRE = regexp.MustCompile(`(?i)[\[【]\s*ICP\s*#\s*([A-Z0-9-]{3,40})\s*[\]】]`)

// FindTags returns the distinct filing references in reference tags in s.
func FindTags(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range tagRE.FindAllStringSubmatch(toHalfWidth(s), -1) {
		if ref, err := NormalizeReference(m[1]); err == nil && !seen[ref] {
			seen[ref] = true
			out = append(out, ref)
		}
	}
	return out
}

// provinces are the one-character abbreviations that start an ICP number,
// including the alternative forms some bureaus use (蜀/川, 黔/贵, 滇/云, 陇/甘, 秦/陕).
const provinces = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川蜀贵黔云滇藏陕秦甘陇青宁新"

var icpRE = regexp.MustCompile(`([` + provinces + `])(?i:icp)备(\d{6,10})号(?:-(\d{1,4}))?`)

// ICPNumber is a parsed filing number such as 浙ICP备12345678号-1.
type ICPNumber struct {
	Province string
	Number   string
	Site     string // the website's suffix; empty for the subject's number
}

func (n ICPNumber) String() string {
	s := n.Province + "ICP备" + n.Number + "号"
	if n.Site != "" {
		s += "-" + n.Site
	}
	return s
}

// ErrICPNumber is returned for text that is not an ICP number.
var ErrICPNumber = errors.New("not an ICP filing number (like 浙ICP备12345678号-1)")

// ParseICPNumber parses an ICP number, accepting full-width digits and dash and
// "icp" in any case.
func ParseICPNumber(s string) (ICPNumber, error) {
	t := normalizeICPText(strings.TrimSpace(s))
	m := icpRE.FindStringSubmatch(t)
	if m == nil || m[0] != t {
		return ICPNumber{}, fmt.Errorf("%q: %w", s, ErrICPNumber)
	}
	return ICPNumber{Province: m[1], Number: m[2], Site: m[3]}, nil
}

// FindICPNumbers returns the distinct ICP numbers in text.
func FindICPNumbers(text string) []ICPNumber {
	var out []ICPNumber
	seen := map[string]bool{}
	for _, m := range icpRE.FindAllStringSubmatch(normalizeICPText(text), -1) {
		n := ICPNumber{Province: m[1], Number: m[2], Site: m[3]}
		if !seen[n.String()] {
			seen[n.String()] = true
			out = append(out, n)
		}
	}
	return out
}

func normalizeICPText(s string) string {
	s = toHalfWidth(s)
	s = strings.NewReplacer("－", "-", "—", "-", "–", "-").Replace(s)
	return s
}

// RemoveTags returns s without its reference tags, leaving the rest as
// written (full-width punctuation included).
func RemoveTags(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if end := tagEnd(s[i:]); end > 0 {
			b.WriteByte(' ')
			i += end
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		b.WriteString(s[i : i+size])
		i += size
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// tagEnd returns the length of the reference tag s starts with, or 0.
func tagEnd(s string) int {
	r, _ := utf8.DecodeRuneInString(s)
	if r != '[' && r != '【' && r != '［' {
		return 0
	}
	for j, c := range s {
		if j > 0 && (c == ']' || c == '】' || c == '］') {
			end := j + utf8.RuneLen(c)
			if m := tagRE.FindStringIndex(toHalfWidth(s[:end])); m != nil && m[0] == 0 {
				return end
			}
			return 0
		}
		if j > 120 {
			return 0
		}
	}
	return 0
}

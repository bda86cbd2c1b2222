package filing

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

// Problem is one thing wrong with input, with a stable code for tests and
// tooling and a message in both languages.
type Problem struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message Text   `json:"message"`
}

// String is the English message followed by the Chinese one, as the CLI prints it.
func (p Problem) String() string {
	return p.Code + ": " + p.Message.En + " / " + p.Message.Zh
}

// Problems is a list of problems that is also an error.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Has reports whether a problem with code is in the list.
func (ps Problems) Has(code string) bool {
	for _, p := range ps {
		if p.Code == code {
			return true
		}
	}
	return false
}

func missing(field string) Problem {
	return Problem{Code: "missing_field", Field: field, Message: Text{
		Zh: fmt.Sprintf("%s:必填项为空", field),
		En: fmt.Sprintf("%s: required field is missing", field),
	}}
}

// toHalfWidth folds full-width ASCII (common from Chinese input methods) to
// its narrow form: "１３８" → "138", "（" → "(".
func toHalfWidth(s string) string {
	return width.Narrow.String(s)
}

// OneLine makes text safe for one line of a header, a log or a table:
// valid UTF-8, control characters and line separators as spaces (a CR or LF
// must never reach an email header), white space trimmed and collapsed.
// Names and reasons are cleaned with it on the way in, mail headers as they
// are read.
func OneLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// sameName compares organisation or person names the way a reviewer would:
// full-width and half-width forms (（）vs ()) and spacing do not matter.
func sameName(a, b string) bool {
	return foldName(a) == foldName(b)
}

func foldName(s string) string {
	s = norm.NFKC.String(s)
	return strings.ToLower(strings.Join(strings.Fields(s), ""))
}

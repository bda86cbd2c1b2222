package main

import (
	"strings"
	"time"
)

// R is one applicant message to render in a client's shape.
type R struct {
	Name     string // file name stem; seeds every generated id
	From     Person
	To, Cc   []Person
	S        *Sent  // our email answered, forwarded or quoted; nil: a new message
	NoThread bool   // no In-Reply-To/References (a new message keeping our subject, or a client that lost them)
	Fwd      bool   // forward S instead of replying
	Subject  string // the subject as the client shows it; "" = prefix + our subject
	Own      string // the applicant's own words
	Sig      string // a signature, placed as the client places it
	Bottom   bool   // own words under the quote
	Inter    []Seg  // interleaved reply: quoted chunk, then own words, in turn
	Date     time.Time
	Atts     []Att
	HTMLOnly bool
	Auth     Auth
	NoQuote  bool   // do not quote S (a reply with the quote deleted)
	Variant  string // a client-specific variant
}

// Seg is one turn of an interleaved reply.
type Seg struct{ Quote, Own string }

// Att is an attachment.
type Att struct {
	Name  string
	CT    string
	Data  []byte
	Style string // "2231": RFC 2231 filename*= in the given charset; "2047": encoded-word names (Outlook); "": ASCII
	CS    string
}

func (r R) subject(prefix string) string {
	if r.Subject != "" {
		return r.Subject
	}
	if r.S == nil {
		panic(r.Name + ": no subject")
	}
	return prefix + r.S.Subject()
}

func (r R) threaded() bool { return r.S != nil && !r.NoThread && !r.Fwd }

func (r R) thread(h *Header) {
	if !r.threaded() {
		return
	}
	h.Add("In-Reply-To", "<"+r.S.ID+">")
	h.Add("References", "<"+r.S.ID+">")
}

func (r R) to() []Person {
	if len(r.To) > 0 {
		return r.To
	}
	if r.From.Lang == "en" {
		return []Person{deskEn}
	}
	return []Person{desk}
}

func (r R) toHeader(cs string, quoted bool) string {
	var out []string
	for _, p := range r.to() {
		out = append(out, addr(p, cs, quoted))
	}
	return strings.Join(out, ",\r\n\t")
}

func (r R) ccHeader(cs string, quoted bool) string {
	var out []string
	for _, p := range r.Cc {
		out = append(out, addr(p, cs, quoted))
	}
	return strings.Join(out, ",\r\n\t")
}

func (r R) quoted() string {
	if r.S == nil || r.NoQuote {
		return ""
	}
	return r.S.Text()
}

// recipient is whom our email S was sent to.
func (r R) recipient() Person { return r.S.F.Owner }

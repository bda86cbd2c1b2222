package inbox

import (
	"context"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/mailparse"
	"example.com/icpdesk/reading"
	"example.com/icpdesk/senderauth"
)

// Prepared is one message with everything that can be known about it
// without the database: its class, the lookups the linker will make, the
// sender authentication, and what the applicant's own words say. The parse
// workers make it in parallel with the fetch, so the transaction only links,
// decides and writes.
type Prepared struct {
	Msg         *mailparse.Message
	ParseErr    error
	Class       Classification
	ClassReason string
	// OwnText is the applicant's own words: the text without quotes and
	// signatures, after the subject when the subject is not ours.
	OwnText string
	Reading reading.Reading
	Meaning reading.Interpretation
	Auth    senderauth.Verdict

	keys linkKeys
}

// maxOwnText bounds what is read of the applicant's own words (and stored).
const maxOwnText = reading.MaxText

// Prepare reads a parsed message: ID numbers masked, classified, its link
// keys extracted, its sender authenticated, its own words read. raw is the
// message's bytes, for DKIM verification; it may be nil (then only a trusted
// server's Authentication-Results can authenticate the sender).
func (p *Processor) Prepare(ctx context.Context, m *mailparse.Message, parseErr error, raw io.Reader) *Prepared {
	if m == nil {
		m = &mailparse.Message{}
	}
	maskPersonalData(m)
	pr := &Prepared{Msg: m, ParseErr: parseErr}
	// What was read of an unparseable message is still classified, for staff.
	pr.Class, pr.ClassReason = Classify(m, p.cfg.Own)
	if parseErr != nil {
		return pr
	}
	pr.keys = extractKeys(m, p.cfg.Own)
	if pr.Class != ClassHuman {
		return pr
	}
	pr.Auth = p.auth.Check(ctx, strings.ToLower(m.From.Addr), m.AuthenticationResults, raw)
	pr.OwnText = ownWords(m, p.cfg.Own)
	pr.Reading = reading.Read(pr.OwnText)
	pr.Meaning = pr.Reading.Interpret()
	return pr
}

// ownWords is what the applicant wrote: their subject, unless it is ours
// (kept in a reply or forward), then the text without quotes and
// signatures. Our subject asks them to "修改并重新提交": read as theirs, it
// would say they did.
func ownWords(m *mailparse.Message, own Own) string {
	text := reading.OwnTextUpTo(mailparse.TruncateUTF8(m.Text, maxOwnText*4), maxOwnText)
	if s := own.applicantSubject(m.Subject); s != "" {
		text = s + "\n" + text
	}
	return mailparse.TruncateUTF8(strings.TrimSpace(text), maxOwnText)
}

// applicantSubject is what is left of a subject once reply and forward
// prefixes, our reference tag and the fixed wording of our own subjects are
// taken out: the applicant's own words in it, often nothing.
func (o Own) applicantSubject(subject string) string {
	s := filing.RemoveTags(reading.StripSubjectPrefixes(subject))
	// Our subject is recognised by a long piece of its wording; then every
	// piece of ours is taken out. Short pieces alone ("about", "Reminder:")
	// must not cut words out of an applicant's own subject.
	ours := false
	for _, phrase := range o.SubjectPhrases {
		if utf8.RuneCountInString(phrase) >= 8 && indexDegraded(s, phrase) >= 0 {
			ours = true
			break
		}
	}
	if !ours {
		return strings.Join(strings.Fields(s), " ")
	}
	for _, phrase := range o.SubjectPhrases {
		for phrase != "" {
			i := indexDegraded(s, phrase)
			if i < 0 {
				break
			}
			s = s[:i] + " " + s[i+len(phrase)+degradedExtra(s[i:], phrase):]
		}
	}
	s = strings.Join(strings.Fields(s), " ")
	if !hasWords(s) {
		return ""
	}
	return s
}

// indexDegraded finds phrase in s as a mail client that lost characters in
// a charset conversion would keep it: a '?' or U+FFFD in s stands for any
// one character of the phrase (a Big5 client quoting our simplified
// subject writes "管局退回?案"). It returns the byte offset in s, or -1.
func indexDegraded(s, phrase string) int {
	if i := strings.Index(s, phrase); i >= 0 {
		return i
	}
	// Not strings.ContainsAny: with a non-ASCII character to look for it
	// decodes s rune by rune, and this runs for every phrase of ours.
	if strings.IndexByte(s, '?') < 0 && !strings.Contains(s, "\uFFFD") {
		return -1
	}
	first, _ := utf8.DecodeRuneInString(phrase)
	for i, r := range s {
		if r != first && r != '?' && r != '\uFFFD' {
			continue
		}
		if degradedMatch(s[i:], phrase) >= 0 {
			return i
		}
	}
	return -1
}

// degradedMatch returns how many bytes of s match phrase (with '?' and
// U+FFFD standing for any one character), or -1.
func degradedMatch(s, phrase string) int {
	n := 0
	for _, want := range phrase {
		got, size := utf8.DecodeRuneInString(s[n:])
		if size == 0 || got != want && got != '?' && got != '\uFFFD' {
			return -1
		}
		n += size
	}
	return n
}

// degradedExtra is how much longer (or shorter) in bytes the degraded match
// at the start of s is than phrase.
func degradedExtra(s, phrase string) int {
	return degradedMatch(s, phrase) - len(phrase)
}

// hasWords reports whether what is left of our subject holds more than the
// dates our subjects fill in ("12月9日", "Dec 9"): a Chinese word, or
// several English ones.
func hasWords(s string) bool {
	letters := 0
	for _, w := range strings.Fields(s) {
		for _, r := range w {
			if unicode.Is(unicode.Han, r) && !strings.ContainsRune("年月日号時时分", r) {
				return true
			}
		}
		if len(w) > 3 && strings.IndexFunc(w, unicode.IsLetter) >= 0 {
			letters++
		}
	}
	return letters >= 2
}

package inbox

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/mailparse"
)

// Decision is what a message does.
type Decision string

const (
	DecisionResubmission     Decision = "resubmission"      // a returned filing back to review, acknowledged
	DecisionLateResubmission Decision = "late_resubmission" // the same, past the deadline: marked late for staff
	DecisionCorrespondence   Decision = "correspondence"    // linked, verified, recorded for staff
	DecisionUnverified       Decision = "unverified"        // linked, but not from the account's address
	DecisionUnmatched        Decision = "unmatched"         // no filing (or several): waits for staff
	DecisionIgnored          Decision = "ignored"           // an auto-reply or our own mail
	DecisionBounce           Decision = "bounce"            // a bounce of an email we sent
)

// Verdict is everything the inbox concluded about one message, before
// anything is written.
type Verdict struct {
	Class          Classification
	ClassReason    string
	Link           Link
	SenderVerified bool
	// Intent says what showed a resubmission notice, or is empty.
	Intent   string
	Decision Decision
	// Late is set for a resubmission past the filing's deadline.
	Late bool
	// At is when the message counts as received (the server's arrival time).
	At time.Time
	// Why explains the decision to staff.
	Why string
}

// returnKinds are our emails whose reply is a resubmission notice.
var returnKinds = map[string]bool{
	string(filing.EmailFilingReturned):         true,
	string(filing.EmailFilingReturnedProvider): true,
}

// decide turns a classified, linked message into a decision. It is pure:
// applying it (the stage change, the emails) happens in the store, where the
// transition table is checked again on the filing as it is then.
func decide(m *mailparse.Message, parseErr error, class Classification, classReason string, link Link, at time.Time) Verdict {
	v := Verdict{Class: class, ClassReason: classReason, Link: link, At: at}
	if link.Filing != nil {
		v.SenderVerified = m.From.Addr != "" && strings.EqualFold(strings.TrimSpace(m.From.Addr), link.Filing.AccountEmail)
	}
	switch {
	case parseErr != nil:
		v.Decision, v.Why = DecisionUnmatched, "the message could not be parsed: "+parseErr.Error()
		return v
	case class == ClassBounce:
		v.Decision, v.Why = DecisionBounce, "bounce ("+classReason+")"
		return v
	case class == ClassOwn || class == ClassAutoReply:
		v.Decision, v.Why = DecisionIgnored, string(class)+" ("+classReason+"): recorded, never answered"
		return v
	case link.Filing == nil:
		v.Decision, v.Why = DecisionUnmatched, "no filing found"
		if n := link.Note(); n != "" {
			v.Why = n
		}
		return v
	case !v.SenderVerified:
		v.Decision = DecisionUnverified
		v.Why = fmt.Sprintf("%s is not the registered address of filing %s", filing.MaskEmail(m.From.Addr), link.Filing.Reference)
		return v
	}
	f := link.Filing
	v.Intent = resubmissionIntent(m, link)
	switch {
	case v.Intent == "":
		v.Decision, v.Why = DecisionCorrespondence, "no resubmission notice in the message"
	case m.Oversize:
		v.Decision, v.Why = DecisionCorrespondence, "too large to read in full: staff decide"
	case f.Stage != filing.StageReturned:
		v.Decision, v.Why = DecisionCorrespondence, fmt.Sprintf("resubmission notice, but filing %s is %s, not returned", f.Reference, f.Stage)
	// IMAP arrival times have whole seconds: a reply within the second of the
	// return must not count as written before it.
	case f.ReturnedAt != nil && at.Before(f.ReturnedAt.Truncate(time.Second)):
		v.Decision, v.Why = DecisionCorrespondence, "written before the filing was returned"
	default:
		v.Decision, v.Why = DecisionResubmission, "resubmission notice ("+v.Intent+")"
		if f.Deadline != nil && filing.PastDeadline(at, *f.Deadline) {
			v.Decision, v.Late = DecisionLateResubmission, true
			v.Why += ", after the deadline"
		}
	}
	return v
}

// intentWords say "I corrected it, please review again", in the forms
// applicants write (simplified and traditional Chinese, English).
var intentWords = []string{
	"已修改", "修改完毕", "修改完畢", "已更正", "已经修改", "已經修改", "已整改",
	"重新提交", "再次提交", "重新审核", "重新審核", "请重新审核", "請重新審核", "再次审核", "再次審核",
	"resubmit", "re-submit", "submitted again", "please review again",
}

// negations before an intent word within a few characters turn it around:
// 还没有重新提交, 未修改, have not resubmitted.
var negations = []string{"未", "没", "沒", "不", "尚", "not ", "n't ", "never "}

// resubmissionIntent reports what makes the message a resubmission notice:
// a reply to a return notice, or intent words outside quoted text.
func resubmissionIntent(m *mailparse.Message, link Link) string {
	if link.Replied != nil && returnKinds[link.Replied.Kind] {
		return "reply to the return notice"
	}
	// A reply's subject repeats ours, which may itself ask to resubmit.
	if s := findIntent(m.Subject); link.Replied == nil && s != "" {
		return s
	}
	return findIntent(unquoted(mailparse.TruncateUTF8(m.Text, maxIntentText)))
}

// maxIntentText bounds the text searched for intent words.
const maxIntentText = 8 << 10

// findIntent returns the first intent word in text that is not negated.
// One pass over the text, looking closer only at the characters intent
// words start with: scanning the text once per word was the inbox's
// costliest step on long Chinese mail.
func findIntent(text string) string {
	var lower string // for the English words, made once if needed
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		var cands []string
		switch {
		case r < 0x80:
			if r|0x20 >= 'a' && r|0x20 <= 'z' {
				if lower == "" {
					lower = strings.ToLower(text)
					if len(lower) != len(text) {
						// Lower-casing changed byte offsets (rare scripts): search the
						// English words the slow way.
						return findWordsIn(lower, englishIntentWords)
					}
				}
				cands = intentStarts[unicode.ToLower(r)]
			}
		default:
			cands = intentStarts[r]
		}
		for _, w := range cands {
			src := text
			if w[0] < 0x80 {
				src = lower
			}
			if strings.HasPrefix(src[i:], w) && !negated(src[:i]) {
				return w
			}
		}
		i += size
	}
	return ""
}

func findWordsIn(text string, words []string) string {
	for _, w := range words {
		for from := 0; ; {
			i := strings.Index(text[from:], w)
			if i < 0 {
				break
			}
			i += from
			if !negated(text[:i]) {
				return w
			}
			from = i + len(w)
		}
	}
	return ""
}

// intentStarts maps the first character of each intent word to the words.
var intentStarts = func() map[rune][]string {
	m := map[rune][]string{}
	for _, w := range intentWords {
		r, _ := utf8.DecodeRuneInString(w)
		m[r] = append(m[r], w)
	}
	return m
}()

var englishIntentWords = func() []string {
	var out []string
	for _, w := range intentWords {
		if w[0] < 0x80 {
			out = append(out, w)
		}
	}
	return out
}()

// negated looks at the few characters before a match: the last 12 bytes
// are four Chinese characters or a few English words.
func negated(before string) bool {
	window := strings.ToValidUTF8(before[max(0, len(before)-12):], "")
	for _, n := range negations {
		if strings.Contains(window, n) {
			return true
		}
	}
	return false
}

// quoteStartRE matches the lines mail clients put above quoted text: QQ
// Mail's and Foxmail's "------------------ 原始邮件 ------------------",
// Outlook's "-----Original mailparse.Message-----" or "发件人:" block, Gmail's
// "On … wrote:" and its Chinese form "在 … 写道：".
var quoteStartRE = regexp.MustCompile(`(?i)^\s*(?:-{2,}\s*(?:原始邮件|原始郵件|original message|original|转发邮件|forwarded message)\s*-{2,}|(?:发件人|發件人|寄件者|from)\s*[:：].*@.*|(?:在|on)\s.{0,200}(?:写道|寫道|wrote)\s*[:：]?)\s*$`)

// quoteMarks pre-filter lines for quoteStartRE, which is slow on long text.
var quoteMarks = []string{"原始", "original", "Original", "ORIGINAL", "转发", "orwarded", "件人", "寄件者", "rom", "FROM", "写道", "寫道", "wrote"}

// quoteMarkSet finds any of quoteMarks in one pass: 13 passes over long
// text cost more than the rest of looking for intent words.
var quoteMarkSet = newMarkSet(quoteMarks)

// markSet finds any of a few words of two bytes or more, looking closer
// only where the first two bytes of one of them are.
type markSet struct {
	first [256]bool            // the first byte of some word
	pairs [1 << 16 / 64]uint64 // bit set: the first two bytes of some word
	words []string
}

func newMarkSet(words []string) *markSet {
	m := &markSet{words: words}
	for _, w := range words {
		m.first[w[0]] = true
		p := uint16(w[0])<<8 | uint16(w[1])
		m.pairs[p/64] |= 1 << (p % 64)
	}
	return m
}

// in reports whether s contains one of the words.
func (m *markSet) in(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if !m.first[s[i]] {
			continue
		}
		p := uint16(s[i])<<8 | uint16(s[i+1])
		if m.pairs[p/64]&(1<<(p%64)) == 0 {
			continue
		}
		for _, w := range m.words {
			if strings.HasPrefix(s[i:], w) {
				return true
			}
		}
	}
	return false
}

// unquoted drops quoted text: lines starting with ">" and everything from
// the first line that opens a quote.
func unquoted(text string) string {
	if !strings.Contains(text, ">") && !quoteMarkSet.in(text) {
		return text // nothing quoted: no copy
	}
	var b strings.Builder
	for len(text) > 0 {
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = ""
		}
		if strings.HasPrefix(strings.TrimSpace(line), ">") {
			continue
		}
		if quoteMarkSet.in(line) && quoteStartRE.MatchString(line) {
			return b.String()
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

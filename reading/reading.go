package reading

import "unicode/utf8"

// Act is one thing a clause of the applicant's own words does.
type Act string

const (
	ActDone             Act = "done"              // the correction / resubmission is done (past or perfect)
	ActNegatedDone      Act = "negated_done"      // a done-verb negated in its clause: 还没有来得及重新提交, not yet resubmitted
	ActReviewRequest    Act = "review_request"    // 请审核, 麻烦审核, 煩請審批, please review (again)
	ActQuestion         Act = "question"          // 请问…, …吗？, whether…
	ActExtensionRequest Act = "extension_request" // 能否延期, more time
	ActPromise          Act = "promise"           // will do it: 会/將/马上/稍后/明天/周五前/will/going to/tomorrow
	ActCondition        Act = "condition"         // 改好后/待…后/等…后/拿到…后/如果/若/once/after/if/when I
	ActInstruction      Act = "instruction"       // asks someone else to do the work: 请你们重新提交, please resubmit it for me
	ActCorrection       Act = "correction"        // says we misunderstood: 你们理解错了, that's not what I said
)

// MaxText is the most bytes of own text Read reads.
const MaxText = 8 << 10

// actOrder is the order acts are listed in within one clause.
var actOrder = [...]Act{
	ActDone, ActNegatedDone, ActReviewRequest, ActQuestion, ActExtensionRequest,
	ActPromise, ActCondition, ActInstruction, ActCorrection,
}

// actSet is a set of acts, one bit each in actOrder's order.
type actSet uint16

// The bit of each act in an actSet.
const (
	bitDone actSet = 1 << iota
	bitNegatedDone
	bitReviewRequest
	bitQuestion
	bitExtensionRequest
	bitPromise
	bitCondition
	bitInstruction
	bitCorrection
)

func actBit(a Act) actSet {
	for i, b := range actOrder {
		if a == b {
			return 1 << i
		}
	}
	return 0
}

// Statement is one clause of the own text and what it does.
type Statement struct {
	Text  string   // the clause as written (trimmed; a question mark is kept)
	Acts  []Act    // in actOrder's order
	Topic bool     // the clause is about the applicant's work on the filing: it has a verb of modifying or submitting
	Rules []string // names of the rules that gave its acts, for explanations

	set        actSet // Acts as read, as a set; 0 in a Statement built by hand
	idx        int    // the clause's place among all clauses read, to tell neighbours
	start, end int    // where Text is in the text read
	offer      bool   // in or after a closing offer in its sentence (如有问题请联系，我们会及时修改): its promise, condition or question is not about the work
}

// Has reports whether the statement does a.
func (s Statement) Has(a Act) bool { return s.acts()&actBit(a) != 0 }

// acts returns the statement's acts as a set.
func (s *Statement) acts() actSet {
	if s.set != 0 {
		return s.set
	}
	var set actSet
	for _, a := range s.Acts {
		set |= actBit(a)
	}
	return set
}

// Reading is what the applicant's own text says.
type Reading struct {
	Statements []Statement // only clauses with at least one act, in order
	Truncated  bool        // the text was longer than MaxText (or had more than 200 clauses) and only its start was read

	text string // the text read, to quote neighbouring clauses with what stands between them
}

// Has reports whether any statement does a.
func (r Reading) Has(a Act) bool { return r.acts()&actBit(a) != 0 }

// acts returns the acts of all statements as a set.
func (r Reading) acts() actSet {
	var set actSet
	for i := range r.Statements {
		set |= r.Statements[i].acts()
	}
	return set
}

// Acts returns the distinct acts of the reading in order of first appearance.
func (r Reading) Acts() []Act {
	var seen actSet
	var out []Act
	for _, s := range r.Statements {
		for _, a := range s.Acts {
			if b := actBit(a); seen&b == 0 {
				seen |= b
				out = append(out, a)
			}
		}
	}
	return out
}

// Evidence returns the first clause that does a, or "".
func (r Reading) Evidence(a Act) string {
	for _, s := range r.Statements {
		if s.Has(a) {
			return s.Text
		}
	}
	return ""
}

// Explain returns one line for staff: each act with the clauses that do it,
// e.g. `done: "已经改好了，刚刚重新提交了"; question: "请问多久能审核完？"`.
func (r Reading) Explain() string {
	var l explanation
	l.init()
	for _, a := range r.Acts() {
		b := actBit(a)
		l.add(string(a), r, func(s *Statement) bool { return s.acts()&b != 0 })
	}
	return l.String()
}

// cutUTF8 returns the longest prefix of s of at most n bytes that does not
// end inside a character.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

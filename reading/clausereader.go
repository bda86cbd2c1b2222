package reading

import (
	"math/bits"
	"strings"
	"sync"
)

// Rules found by shape, for the readings that are not started by a word of
// their own: a past form at the clause's start, a clause-final 了.
var (
	pastRule    = ruleWith(shapePast, ActDone)
	finalLeRule = ruleWith(shapeEnds, ActDone)
)

func ruleWith(s shape, a Act) int {
	for i, r := range rules {
		if r.shape == s && r.act == a {
			return i
		}
	}
	return -1
}

// ruleSets are the rules as bit sets, for deciding between acts without
// going through the table for each clause.
type ruleSets struct {
	act   []actSet              // each rule's act, as a bit
	byAct [len(actOrder)]uint64 // the rules that give each act
	flags [16]uint64            // the rules with each flag, by the flag's bit
	opens uint64                // the rules of shapeOpens
}

var sets = buildRuleSets()

func buildRuleSets() *ruleSets {
	rs := &ruleSets{act: make([]actSet, len(rules))}
	for ri, r := range rules {
		rs.act[ri] = actBit(r.act)
		if b := rs.act[ri]; b != 0 {
			rs.byAct[bits.TrailingZeros16(uint16(b))] |= 1 << ri
		}
		for f := 0; f < 16; f++ {
			if r.flags&(1<<f) != 0 {
				rs.flags[f] |= 1 << ri
			}
		}
		if r.shape == shapeOpens {
			rs.opens |= 1 << ri
		}
	}
	return rs
}

// with returns the rules with flag f.
func (rs *ruleSets) with(f flag) uint64 { return rs.flags[bits.TrailingZeros16(uint16(f))] }

// giving returns the rules that give the act of bit b.
func (rs *ruleSets) giving(b actSet) uint64 { return rs.byAct[bits.TrailingZeros16(uint16(b))] }

// readers keeps clause readers with their buffers for the next Read.
var readers = sync.Pool{New: func() any { return new(clauseReader) }}

// clauseReader reads one clause at a time; its buffer is reused.
type clauseReader struct {
	s       string // the clause
	hits    []hit
	buf     [maxHits]hit
	acts    actSet
	fired   uint64 // rules that gave an act
	pending uint64 // rules that give theirs unless the clause states the work is done
	noDone  bool   // a hedge: the clause is not sure the work is done
	finalLe int    // the hit ending the clause with 了, or -1
	topic   bool
}

// read reads clause s. It reports false if s had too many words to read all.
func (c *clauseReader) read(s string) bool {
	c.s, c.acts, c.fired, c.pending, c.noDone, c.finalLe, c.topic = s, 0, 0, 0, false, -1, false
	var all bool
	c.hits, all = lex.scan(s, c.buf[:0])
	if len(c.hits) == 0 {
		return all
	}
	c.readEnds()
	for i := range c.hits {
		cls := c.hits[i].e.class
		if cls&classVerb != 0 {
			c.readVerb(i)
		}
		c.topic = c.topic || cls&(classWork|classWorkPast) != 0
	}
	c.readWords()
	c.readAlone()
	c.readOpens()
	c.settle()
	return all
}

func (c *clauseReader) give(ri int) {
	c.acts |= sets.act[ri]
	c.fired |= 1 << ri
}

// drop takes back an act and the rules that gave it.
func (c *clauseReader) drop(b actSet) {
	c.acts &^= b
	c.fired &^= sets.giving(b)
}

// offers reports a closing offer in the clause (如有问题, if you need
// anything): with it, a promise or question later in the sentence is
// conditional on a further need, not about the work at hand.
func (c *clauseReader) offers() bool {
	return c.fired&sets.with(flagCourtesy) != 0
}

// readEnds applies the rules of the words that end the clause: a final
// particle (是这样么), an A-not-A question (提交了没有, whose 没有 is then no
// negation), a final 了.
func (c *clauseReader) readEnds() {
	for k := len(c.hits) - 1; k >= 0; k-- {
		h := &c.hits[k]
		if !c.plain(h.end, len(c.s), classFiller, -1) {
			return
		}
		for _, ri := range h.e.rules {
			r := &rules[ri]
			switch {
			case r.shape != shapeEnds:
			case r.act == ActDone:
				if c.finalLe < 0 {
					c.finalLe = k
				}
			case r.verbs != 0 && !c.classBefore(k, r.verbs):
			case r.flags&flagUnlessNeg != 0 && c.negBefore(k):
			default:
				c.give(int(ri))
				h.ignored = h.ignored || c.negation(k)
			}
		}
		if h.e.class&classFiller == 0 {
			return
		}
	}
}

// readVerb reads what the clause says of one verb, in this order: a
// negation anywhere before it or a failure after it (没有来得及重新提交,
// 提交失败); a request it is the first verb after (请你们重新提交, 请审核);
// the nearest word before it that governs it (已 修改, 明天 提交, 需要 提交);
// else how it stands: followed by 了 (改好了), an English past form after a
// subject (I have updated), a time after it (resubmit tomorrow).
func (c *clauseReader) readVerb(i int) {
	v := c.hits[i]
	cls := v.e.class & classVerb
	if c.light(i) {
		return // 完成修改: the work verb after it says what is done
	}
	if c.modifier(i) {
		// 修改后的名称 names a thing: 已经把修改后的资料发给你们了 is no
		// resubmission, and 已修改的内容如下 need not be read as one.
		return
	}
	if ri := c.afterVerb(i, cls, ActNegatedDone); ri >= 0 {
		c.give(ri)
		return
	}
	for k := 0; k < i; k++ {
		if ri := c.governs(k, reachClause, cls); ri >= 0 && !c.hits[k].ignored {
			c.give(ri)
			return
		}
	}
	for k := i - 1; k >= 0; k-- {
		h := c.hits[k]
		if h.e.class&classSelf != 0 {
			break // 请告诉我是否需要修改: the request is not about this verb
		}
		if ri := c.governs(k, reachFirstVerb, cls); ri >= 0 {
			// Also 已经让同事重新提交了: whether the colleague did it is
			// for a person to ask.
			c.give(ri)
			return
		}
		if h.e.class&classVerb != 0 && !c.modifier(k) && !c.light(k) {
			break
		}
	}
	if k, ri := c.nearest(i, cls); ri >= 0 {
		switch {
		case rules[ri].act == ActDone && c.blocked(k, i):
			// 已经看到邮件了，修改一下: 已 is about seeing; read on.
		case rules[ri].act != "":
			c.give(ri)
			return
		default:
			return // 需要修改: a modal says nothing of the work
		}
	}
	if cls&verbsPresent != 0 {
		if ri := c.follower(i, cls); ri >= 0 {
			c.give(ri)
			return
		}
		if c.finalLe > i && finalLeRule >= 0 {
			c.give(finalLeRule)
			return
		}
	}
	if cls&(classWorkPast|classGenericPast) != 0 && pastRule >= 0 {
		if c.subjectBefore(i) || c.plain(0, v.start, classFiller, -1) || c.plain(v.end, len(c.s), classFiller|classTail, -1) {
			c.give(pastRule)
			return
		}
	}
	if ri := c.afterVerb(i, cls, ActPromise); ri >= 0 {
		c.give(ri)
	}
}

// readWords applies the rules whose word alone does the act (请问, 延期, 如果)
// and the conditions after a verb (改好后).
func (c *clauseReader) readWords() {
	for k := range c.hits {
		for _, ri := range c.hits[k].e.rules {
			r := &rules[ri]
			switch {
			case r.shape == shapeAnywhere:
			case r.shape == shapeAfterVerb && r.act == ActCondition:
				if !c.classBefore(k, r.verbs) || strings.HasPrefix(c.s[c.hits[k].end:], "的") {
					continue // 修改后的名称 is no condition
				}
			default:
				continue
			}
			switch {
			case r.flags&flagUnlessNeg != 0 && c.negBefore(k):
			case r.act == "":
				c.noDone = c.noDone || r.flags&flagNoDone != 0
			case r.flags&flagUnlessDone != 0:
				c.pending |= 1 << ri
			default:
				c.give(int(ri))
			}
		}
	}
}

// readAlone applies a rule whose word is all the clause says, but for
// fillers: 还没呢, Not yet, Done.
func (c *clauseReader) readAlone() {
	only := -1
	for k := range c.hits {
		e := c.hits[k].e
		if e.class&classFiller != 0 || e.punct {
			continue
		}
		if only >= 0 {
			return
		}
		only = k
	}
	if only < 0 || !c.plain(0, len(c.s), classFiller, only) {
		return
	}
	for _, ri := range c.hits[only].e.rules {
		if rules[ri].shape == shapeAlone {
			c.give(int(ri))
		}
	}
}

// readOpens applies a rule for a bare imperative: a verb that opens the
// clause after only the rule's words, with only tails after it (重新审核一下).
func (c *clauseReader) readOpens() {
	for i := range c.hits {
		cls := c.hits[i].e.class & classVerb
		if cls == 0 {
			continue
		}
		for o := sets.opens; o != 0; o &= o - 1 {
			ri := bits.TrailingZeros64(o)
			if rules[ri].verbs&cls != 0 && c.opensWith(i, ri) && c.plain(c.hits[i].end, len(c.s), classTail|classFiller, -1) {
				c.give(ri)
			}
		}
		return // only the first verb can open the clause
	}
}

// settle decides between the clause's acts: conditions that wait on work
// not stated as done, a polite question that is only a review request's
// phrasing, and no done in a question, an if or a hedge.
func (c *clauseReader) settle() {
	if c.acts&bitDone == 0 {
		for p := c.pending; p != 0; p &= p - 1 {
			c.give(bits.TrailingZeros64(p))
		}
	}
	if c.acts&bitReviewRequest != 0 && c.fired&sets.giving(bitQuestion)&^sets.with(flagWeak) == 0 {
		c.drop(bitQuestion) // 麻烦审核一下好吗？
	}
	if c.noDone || c.fired&sets.with(flagNoDone) != 0 {
		c.drop(bitDone)
	}
	c.topic = c.topic || c.fired&sets.with(flagTopic) != 0
}

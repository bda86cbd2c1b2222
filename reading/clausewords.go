package reading

import (
	"strings"
	"unicode"
)

// What stands around a word in a clause: the look-backs and look-aheads the
// clause reader decides by.

// nearest returns the nearest word before verb i that governs it, and its
// rule, or -1. A word that governs only the verb right after it (在修改)
// is passed over when something stands between (在系统里提交), and 将
// after a 已 (已将名称修改).
func (c *clauseReader) nearest(i int, cls class) (int, int) {
	for k := i - 1; k >= 0; k-- {
		ri := c.governs(k, reachNearest, cls)
		if ri < 0 || rules[ri].flags&flagAdjacent != 0 && !c.adjacent(k, i) ||
			rules[ri].flags&flagNotAfterPerfect != 0 && c.perfectBefore(k) {
			continue
		}
		return k, ri
	}
	return -1, -1
}

// perfectBefore reports whether a 已 stands before hit k.
func (c *clauseReader) perfectBefore(k int) bool {
	for j := 0; j < k; j++ {
		if ri := c.governs(j, reachNearest, verbsDone); ri >= 0 && rules[ri].act == ActDone {
			return true
		}
	}
	return false
}

// adjacent reports whether only neutral words (重新) stand between hits k and i.
func (c *clauseReader) adjacent(k, i int) bool {
	p := c.hits[k].end
	for j := k + 1; j < i; j++ {
		if c.hits[j].start != p || c.hits[j].e.class&classNeutral == 0 {
			return false
		}
		p = c.hits[j].end
	}
	return p == c.hits[i].start
}

// light reports a verb of doing directly followed by a verb of work, which
// says what is done: 完成修改, 做修改.
func (c *clauseReader) light(i int) bool {
	return c.hits[i].e.class&classGeneric != 0 && i+1 < len(c.hits) &&
		c.hits[i+1].start == c.hits[i].end && c.hits[i+1].e.class&classWork != 0
}

// governs returns the rule by which hit k governs a verb of class cls with
// the given reach, or -1.
func (c *clauseReader) governs(k int, rc reach, cls class) int {
	for _, ri := range c.hits[k].e.rules {
		r := &rules[ri]
		if r.shape == shapeGoverns && r.reach == rc && r.verbs&cls != 0 {
			return int(ri)
		}
	}
	return -1
}

// negation reports whether hit k negates the verbs after it.
func (c *clauseReader) negation(k int) bool {
	for _, ri := range c.hits[k].e.rules {
		if r := &rules[ri]; r.shape == shapeGoverns && r.act == ActNegatedDone {
			return true
		}
	}
	return false
}

func (c *clauseReader) negBefore(k int) bool {
	for j := 0; j < k; j++ {
		if !c.hits[j].ignored && c.negation(j) {
			return true
		}
	}
	return false
}

func (c *clauseReader) classBefore(k int, cls class) bool {
	for j := 0; j < k; j++ {
		if c.hits[j].e.class&cls != 0 {
			return true
		}
	}
	return false
}

// blocked reports whether something between hits k and i ends the reach of
// a 已 at k: a 了 or a verb of hearing or knowing.
func (c *clauseReader) blocked(k, i int) bool {
	for j := k + 1; j < i; j++ {
		e := c.hits[j].e
		if e.class&classStop != 0 {
			return true
		}
		if e.class&classVerb != 0 {
			continue // 已完成修改: 完成 is a verb here, not the end of one
		}
		for _, ri := range e.rules {
			if rules[ri].flags&flagBlocksPerfect != 0 {
				return true
			}
		}
	}
	return false
}

// follower returns the rule of a word directly after verb i that says it
// is done (改好了, 修改完毕), or -1.
func (c *clauseReader) follower(i int, cls class) int {
	if i+1 >= len(c.hits) || c.hits[i+1].start != c.hits[i].end {
		return -1
	}
	if c.afterNext(i + 1) {
		return -1 // 变更完成后再提交: 完成 is part of a condition
	}
	for _, ri := range c.hits[i+1].e.rules {
		if r := &rules[ri]; r.shape == shapeFollows && r.verbs&cls != 0 {
			return int(ri)
		}
	}
	return -1
}

// afterNext reports whether a word of a condition after a verb (后, 之后)
// directly follows hit k.
func (c *clauseReader) afterNext(k int) bool {
	if k+1 >= len(c.hits) || c.hits[k+1].start != c.hits[k].end {
		return false
	}
	for _, ri := range c.hits[k+1].e.rules {
		if r := &rules[ri]; r.shape == shapeAfterVerb && r.act == ActCondition {
			return true
		}
	}
	return false
}

// afterVerb returns the rule of a word after verb i that does act to it
// (提交失败, resubmit tomorrow), or -1.
func (c *clauseReader) afterVerb(i int, cls class, a Act) int {
	for j := i + 1; j < len(c.hits); j++ {
		for _, ri := range c.hits[j].e.rules {
			if r := &rules[ri]; r.shape == shapeAfterVerb && r.act == a && r.verbs&cls != 0 {
				return int(ri)
			}
		}
	}
	return -1
}

// subjectBefore reports whether a subject or auxiliary stands before the
// English past form at i (I have updated), so it is a statement, not an
// adjective (thanks for the updated guide).
func (c *clauseReader) subjectBefore(i int) bool {
	for j := 0; j < i; j++ {
		if containsRule(c.hits[j].e.rules, uint8(pastRule)) {
			return true
		}
	}
	return false
}

// modifiers are what turns a Chinese verb into a modifier of a noun:
// 修改的内容, 修改后的名称. Such a verb is no request or statement by itself.
var modifiers = []string{"的", "后的", "後的", "过的", "過的", "好的", "完的", "之后的", "之後的"}

func (c *clauseReader) modifier(i int) bool {
	rest := c.s[c.hits[i].end:]
	if rest == "" || rest[0] < 0x80 {
		return false
	}
	for _, m := range modifiers {
		if strings.HasPrefix(rest, m) {
			return true
		}
	}
	return false
}

// plain reports whether s[from:to] holds nothing but white space,
// punctuation and words of the classes in allow (and hit except).
func (c *clauseReader) plain(from, to int, allow class, except int) bool {
	p := from
	for k := range c.hits {
		h := &c.hits[k]
		if h.end <= from {
			continue
		}
		if h.start >= to {
			break
		}
		if !onlyPunct(c.s[p:h.start]) {
			return false
		}
		if k != except && h.e.class&allow == 0 && !h.e.punct {
			return false
		}
		p = h.end
	}
	return p >= to || onlyPunct(c.s[p:to])
}

func onlyPunct(s string) bool {
	for _, r := range s {
		if !unicode.IsSpace(r) && !unicode.IsPunct(r) && !unicode.IsSymbol(r) {
			return false
		}
	}
	return true
}

// opensWith reports whether only words of rule ri, fillers and punctuation
// stand before hit i.
func (c *clauseReader) opensWith(i, ri int) bool {
	p := 0
	for k := 0; k < i; k++ {
		h := c.hits[k]
		if !onlyPunct(c.s[p:h.start]) || !(h.e.class&classFiller != 0 || h.e.punct || containsRule(h.e.rules, uint8(ri))) {
			return false
		}
		p = h.end
	}
	return onlyPunct(c.s[p:c.hits[i].start])
}

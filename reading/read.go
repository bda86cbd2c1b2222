package reading

import (
	"math/bits"
	"strings"
	"unicode/utf8"
)

// Read reads the applicant's own words (OwnText's result) as statements:
// it splits them into clauses and applies the rules to each. It reads at
// most MaxText bytes, 200 clauses and 128 words a clause, and says so in
// Truncated.
func Read(ownText string) Reading {
	r := read(ownText)
	for i := range r.Statements {
		if !utf8.ValidString(r.Statements[i].Text) {
			// Rare: read again with broken bytes replaced, so that nothing
			// quoted from the text is broken. Reading copes with them, and
			// checking only what is quoted spares a pass over every text.
			return read(strings.ToValidUTF8(ownText, "\uFFFD"))
		}
	}
	return r
}

// read is Read on a text that may hold broken bytes; then so may what it
// quotes from it.
func read(text string) Reading {
	var r Reading
	if len(text) > MaxText {
		text, r.Truncated = cutUTF8(text, MaxText), true
	}
	r.text = text
	var spanBuf [64]span
	spans, all := splitClauses(text, spanBuf[:0])
	r.Truncated = r.Truncated || !all
	c := readers.Get().(*clauseReader)
	defer func() {
		c.s, c.hits = "", nil // keep no text alive in the pool
		readers.Put(c)
	}()
	var foundBuf [32]found
	fs := foundBuf[:0]
	nActs, nRules := 0, 0
	offered := false // a closing offer came earlier in the sentence: 如有问题请联系，我们会及时修改
	for idx, sp := range spans {
		if !c.read(text[sp.start:sp.end]) {
			r.Truncated = true
		}
		offered = offered || c.offers()
		offer, acts := offered, c.acts
		if sp.stop {
			offered = false
		}
		if acts == 0 {
			continue
		}
		f := found{acts: acts, rules: c.fired, span: sp, idx: idx, topic: c.topic, offer: offer}
		nActs += bits.OnesCount16(uint16(f.acts))
		nRules += bits.OnesCount64(f.rules)
		fs = append(fs, f)
	}
	if len(fs) > 0 {
		r.Statements = statements(text, fs, nActs, nRules)
	}
	return r
}

// found is a clause with acts, before it is a Statement.
type found struct {
	acts  actSet
	rules uint64
	span  span
	idx   int
	topic bool
	offer bool
}

// statements turns what was found into Statements, their Acts and Rules
// cut from one array each: three allocations, however many statements.
func statements(text string, fs []found, nActs, nRules int) []Statement {
	out := make([]Statement, len(fs))
	acts := make([]Act, 0, nActs)
	names := make([]string, 0, nRules)
	for i, f := range fs {
		a0, r0 := len(acts), len(names)
		for k, a := range actOrder {
			if f.acts&(1<<k) != 0 {
				acts = append(acts, a)
			}
		}
		for rs := f.rules; rs != 0; rs &= rs - 1 {
			names = append(names, rules[bits.TrailingZeros64(rs)].name)
		}
		out[i] = Statement{
			Text:  text[f.span.start:f.span.end],
			Acts:  acts[a0:len(acts):len(acts)],
			set:   f.acts,
			Topic: f.topic,
			Rules: names[r0:len(names):len(names)],
			idx:   f.idx,
			start: f.span.start,
			end:   f.span.end,
			offer: f.offer,
		}
	}
	return out
}

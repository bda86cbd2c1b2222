package reading

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// entry is one word of the lexicon with everything it is: its classes and
// the rules it triggers.
type entry struct {
	word   string
	class  class
	rules  []uint8 // indexes into rules
	suffix bool    // may start inside an English word: n't, 'll
	punct  bool    // only punctuation: ？ is as good as no word where only fillers may stand
	alnum  [2]bool // the word starts, ends with an ASCII letter or digit: needs a word boundary there
	ascii  bool    // all ASCII: its tail is compared ignoring case
	pfx    uint64  // the word's first (up to) 8 bytes, little-endian, and the mask of those bytes:
	mask   uint64  // a candidate is compared in one step before its tail is
}

// lexicon finds words in a clause in one pass. Words are listed by their
// first character (by their first two bytes if that is ASCII), so a
// position costs one array read unless a word may start there; this is the
// prefilter before any closer look.
type lexicon struct {
	starts  [1 << 16 / 64]uint64 // bit set: some word starts with this character (8 KB, stays in cache)
	ascii   [1 << 14]uint16      // first two bytes, 7 bits each → 1 + index into lists
	runes   [1 << 16]uint16      // first character → 1 + index into lists
	lists   [][]*entry           // words with the same key, longest first
	singles [128]*entry          // one-byte words: ? and i
}

// lex is built once from vocabulary and rules.
var lex, lexProblems = buildLexicon()

// buildLexicon merges the word classes and the rules' words. It reports
// words it had to skip rather than failing: the tables are tested to have none.
func buildLexicon() (*lexicon, []string) {
	var problems []string
	byWord := map[string]*entry{}
	add := func(w string, c class, ri int) {
		suffix := strings.HasPrefix(w, "~")
		w = strings.TrimPrefix(w, "~")
		switch {
		case w == "" || !utf8.ValidString(w):
			problems = append(problems, fmt.Sprintf("bad word %q", w))
			return
		case w != strings.ToLower(w):
			problems = append(problems, fmt.Sprintf("%q is not lower case", w))
			return
		case strings.TrimSpace(w) != w:
			problems = append(problems, fmt.Sprintf("%q has outer spaces", w))
			return
		}
		e := byWord[w]
		if e == nil {
			e = &entry{word: w}
			e.alnum = [2]bool{isAlnum(w[0]), isAlnum(w[len(w)-1])}
			e.punct = strings.IndexFunc(w, func(r rune) bool { return !unicode.IsPunct(r) }) < 0
			e.ascii = strings.IndexFunc(w, func(r rune) bool { return r >= utf8.RuneSelf }) < 0
			byWord[w] = e
		}
		e.suffix = e.suffix || suffix
		e.class |= c
		if ri >= 0 && !containsRule(e.rules, uint8(ri)) {
			e.rules = append(e.rules, uint8(ri))
		}
	}
	for _, wc := range vocabulary {
		for _, l := range [][]string{wc.hans, wc.hant, wc.en} {
			for _, w := range l {
				add(w, wc.class, -1)
			}
		}
	}
	if len(rules) > 64 {
		problems = append(problems, "more than 64 rules: the reader keeps them in a uint64")
	}
	for ri, r := range rules {
		for _, l := range [][]string{r.hans, r.hant, r.en} {
			for _, w := range l {
				add(w, 0, ri)
			}
		}
	}
	l := &lexicon{}
	keys := map[int][]*entry{} // < 0: an ASCII pair, else a character
	for _, e := range byWord {
		e.pfx, e.mask = prefix8(e.word)
		if len(e.word) == 1 {
			if e.word[0] >= 0x80 {
				problems = append(problems, fmt.Sprintf("one-byte word %q", e.word))
				continue
			}
			l.singles[e.word[0]] = e
			continue
		}
		if e.word[0] < 0x80 {
			k := -1 - asciiKey(e.word[0], e.word[1])
			keys[k] = append(keys[k], e)
			continue
		}
		r, _ := utf8.DecodeRuneInString(e.word)
		if r >= 1<<16 {
			problems = append(problems, fmt.Sprintf("%q starts outside the Basic Multilingual Plane", e.word))
			continue
		}
		keys[int(r)] = append(keys[int(r)], e)
	}
	for k, es := range keys {
		sort.Slice(es, func(i, j int) bool {
			if len(es[i].word) != len(es[j].word) {
				return len(es[i].word) > len(es[j].word)
			}
			return es[i].word < es[j].word
		})
		l.lists = append(l.lists, es)
		if k < 0 {
			l.ascii[-1-k] = uint16(len(l.lists))
		} else {
			l.runes[k] = uint16(len(l.lists))
			l.starts[k/64] |= 1 << (k % 64)
		}
	}
	return l, problems
}

func asciiKey(a, b byte) int { return int(a&0x7f)<<7 | int(b&0x7f) }

// prefix8 returns the first (up to) 8 bytes of w as a little-endian word,
// and the mask that keeps them.
func prefix8(w string) (uint64, uint64) {
	var p, m uint64
	for i := 0; i < len(w) && i < 8; i++ {
		p |= uint64(w[i]) << (8 * i)
		m |= 0xff << (8 * i)
	}
	return p, m
}

// load8 reads the 8 bytes at s[i:], zero past the end (no word has a zero
// byte, so a word longer than what is left never matches), with ASCII
// letters lower-cased: words are matched ignoring case without a lower-cased
// copy of the text.
func load8(s string, i int) uint64 {
	var x uint64
	if len(s)-i >= 8 {
		t := s[i : i+8]
		x = uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
			uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
	} else {
		for k := 0; i+k < len(s); k++ {
			x |= uint64(s[i+k]) << (8 * k)
		}
	}
	// In each byte below 0x80, a is past 'A' and z past 'Z' in its high
	// bit: a letter between them gets 0x20 added. Bytes from 0x80 on (UTF-8
	// sequences) are left alone.
	const ones = 0x0101010101010101
	h := x & (0x7f * ones)
	a := h + (0x80-'A')*ones
	z := h + (0x80-'Z'-1)*ones
	upper := (a &^ z) &^ x & (0x80 * ones)
	return x | upper>>2
}

// lower lower-cases an ASCII letter.
func lower(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// runeAt decodes the character at s[i:], s[i] >= 0x80, without checking
// that it is well formed: Read made the text valid UTF-8, and a scan only
// needs a key and a length that moves on.
func runeAt(s string, i int) (rune, int) {
	b := s[i]
	switch {
	case b >= 0xE0 && b < 0xF0 && len(s)-i >= 3:
		return rune(b&0x0F)<<12 | rune(s[i+1]&0x3F)<<6 | rune(s[i+2]&0x3F), 3
	case b >= 0xC0 && b < 0xE0 && len(s)-i >= 2:
		return rune(b&0x1F)<<6 | rune(s[i+1]&0x3F), 2
	case b >= 0xF0 && len(s)-i >= 4:
		return utf8.MaxRune, 4
	}
	return utf8.RuneError, 1
}

// hit is a word found in a clause, at byte offsets of the clause.
type hit struct {
	start, end int
	e          *entry
	ignored    bool // its negation is the end of an A-not-A question (提交了没有)
}

// maxHits bounds the words read in one clause: a clause with more is
// pathological, and the reader's look-backs are quadratic in them.
const maxHits = 128

// scan appends the words of s to hits, leftmost-longest: a longer word
// takes its characters from shorter ones (没问题 is no 没); English words
// match in any case. It reports false if the clause had more than maxHits words.
func (l *lexicon) scan(s string, hits []hit) ([]hit, bool) {
	for i := 0; i < len(s); {
		b := s[i]
		n := 1 // the length of the character at i
		k := uint16(0)
		if b < 0x80 {
			b = lower(b)
			switch {
			case i > 0 && isAlnum(s[i-1]):
				// Inside an English word only a suffix (n't, 'll) may start.
				if (b == 'n' || b == '\'') && i+1 < len(s) {
					k = l.ascii[asciiKey(b, lower(s[i+1]))]
				}
			case i+1 < len(s):
				k = l.ascii[asciiKey(b, lower(s[i+1]))]
			}
		} else {
			var r rune
			if b >= 0xE0 && b < 0xF0 && len(s)-i >= 3 {
				// runeAt, inlined for the three-byte characters of Chinese
				r, n = rune(b&0x0F)<<12|rune(s[i+1]&0x3F)<<6|rune(s[i+2]&0x3F), 3
			} else {
				r, n = runeAt(s, i)
			}
			if r < 1<<16 && l.starts[r>>6]&(1<<(r&63)) != 0 {
				k = l.runes[r]
			}
		}
		var e *entry
		if k != 0 {
			x := load8(s, i)
			for _, c := range l.lists[k-1] {
				if x&c.mask == c.pfx && (len(c.word) <= 8 || c.tailAt(s, i+8)) && bounded(s, i, c) {
					e = c
					break
				}
			}
		}
		if e == nil && b < 0x80 {
			if c := l.singles[b]; c != nil && bounded(s, i, c) {
				e = c
			}
		}
		if e == nil {
			i += n
			continue
		}
		if len(hits) == maxHits {
			return hits, false
		}
		hits = append(hits, hit{start: i, end: i + len(e.word), e: e})
		i += len(e.word)
	}
	return hits, true
}

// tailAt reports whether s[j:] starts with the word's bytes from its ninth on.
func (e *entry) tailAt(s string, j int) bool {
	t := e.word[8:]
	if len(s)-j < len(t) {
		return false
	}
	if e.ascii {
		return strings.EqualFold(s[j:j+len(t)], t)
	}
	return s[j:j+len(t)] == t
}

// bounded reports whether an English word at s[i:] stands as a word: no
// letter or digit joined to it (fix is not in prefix).
func bounded(s string, i int, e *entry) bool {
	if e.alnum[0] && !e.suffix && i > 0 && isAlnum(s[i-1]) {
		return false
	}
	j := i + len(e.word)
	return !e.alnum[1] || j == len(s) || !isAlnum(s[j])
}

func isAlnum(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

func containsRule(rs []uint8, r uint8) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

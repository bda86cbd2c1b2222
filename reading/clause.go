package reading

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxClauses bounds the clauses read in one message.
const maxClauses = 200

// span is a clause: byte offsets into the text, trimmed, and whether it
// ends a sentence (at 。？！.?! or a line break, not at a comma).
type span struct {
	start, end int
	stop       bool
}

// splitClauses appends the clauses of s to out. A clause ends at 。！？!?；;，,、
// … ～ and line breaks, at an English sentence end (". " or a final "."), and
// before a conjunction of contrast (但是, 不过, but, however), so a negation
// never reaches across one. A question mark stays with its clause. It
// reports false if s had more than maxClauses clauses.
func splitClauses(s string, out []span) ([]span, bool) {
	start := 0 // where the clause being read starts
	for i := 0; i < len(s); {
		k := splitKinds[s[i]]
		if k <= skip4 {
			i += int(k) + 1 // an ordinary character: most of the text
			continue
		}
		cut, next, n := -1, 0, 1 // a clause ends at cut, the next starts at next
		stop := false            // and the sentence ends with it
		switch k {
		case splitQuestion:
			cut, next, stop = i+1, i+1, true
		case splitMark:
			cut, next, stop = i, i+1, s[i] == '!' || s[i] == '\n' || s[i] == '\r'
		case splitDot:
			if i+1 == len(s) || s[i+1] == ' ' || s[i+1] == '\n' || s[i+1] == '\r' || s[i+1] == '\t' {
				cut, next, stop = i, i+1, true
			}
		case splitLetter:
			if i > start && conjunctionAt(s, i) {
				cut, next = i, i
			}
		case splitWide:
			var r rune
			r, n = runeAt(s, i)
			switch r {
			case '？':
				cut, next, stop = i+n, i+n, true
			case '。', '！', '…', '｡':
				cut, next, stop = i, i+n, true
			case '；', '，', '、', '～', '､':
				cut, next = i, i+n
			}
		case splitHan:
			n = 3
			if i > start && len(s)-i >= 3 && isConjunctionStart(s[i], s[i+1], s[i+2]) && conjunctionAt(s, i) {
				cut, next = i, i
			}
		}
		if cut >= 0 {
			if a, z := trimClause(s, start, cut); a < z {
				if len(out) == maxClauses {
					return out, false
				}
				out = append(out, span{a, z, stop})
			} else if stop && len(out) > 0 {
				out[len(out)-1].stop = true // 已修改，。
			}
			start = next
		}
		i += n
	}
	if a, z := trimClause(s, start, len(s)); a < z {
		if len(out) == maxClauses {
			return out, false
		}
		out = append(out, span{a, z, true})
	}
	return out, true
}

// splitKind is what a byte may be to the clause splitter.
type splitKind uint8

const (
	skip1         splitKind = iota // an ordinary character of this many bytes (less one)
	skip2                          //
	skip3                          //
	skip4                          //
	splitQuestion                  // ?
	splitMark                      // ! ; , ~ and line breaks
	splitDot                       // . ends a sentence if a space follows
	splitLetter                    // b, h: but, however
	splitWide                      // the first byte of full-width punctuation: 。，？ …
	splitHan                       // the first byte of 但, 不, 可, 然
)

// splitKinds classifies each byte, so the splitter looks closer only at a
// few: it passes over most of a text a character at a time.
var splitKinds = func() (t [256]splitKind) {
	for b := 0x80; b < 0x100; b++ {
		switch {
		case b >= 0xF0:
			t[b] = skip4
		case b >= 0xE0:
			t[b] = skip3
		case b >= 0xC0:
			t[b] = skip2
		}
	}
	t['?'] = splitQuestion
	for _, b := range "!;,~\n\r" {
		t[b] = splitMark
	}
	t['.'] = splitDot
	for _, b := range "bBhH" {
		t[b] = splitLetter
	}
	t[0xE2], t[0xE3], t[0xEF] = splitWide, splitWide, splitWide
	t[0xE4], t[0xE5], t[0xE7] = splitHan, splitHan, splitHan
	return t
}()

func isTerminator(r rune) bool {
	switch r {
	case '。', '！', '!', '；', ';', '，', ',', '、', '\n', '\r', '…', '～', '~', '｡', '､':
		return true
	}
	return false
}

// isConjunctionStart reports the bytes of 但, 不, 可 and 然.
func isConjunctionStart(a, b, c byte) bool {
	switch {
	case a == 0xE4 && b == 0xBD && c == 0x86, a == 0xE4 && b == 0xB8 && c == 0x8D,
		a == 0xE5 && b == 0x8F && c == 0xAF, a == 0xE7 && b == 0x84 && c == 0xB6:
		return true
	}
	return false
}

// conjunctionAt reports whether a conjunction of contrast starts at s[i:].
func conjunctionAt(s string, i int) bool {
	switch c := s[i]; {
	case c >= 0x80:
		for _, w := range [...]string{"但是", "但", "不过", "不過", "可是", "然而"} {
			if strings.HasPrefix(s[i:], w) {
				// 不但 is "not only".
				return w != "但" || !strings.HasSuffix(s[:i], "不")
			}
		}
	case c == 'b' || c == 'B' || c == 'h' || c == 'H':
		if s[i-1] != ' ' {
			return false
		}
		for _, w := range [...]string{"but", "however"} {
			if j := i + len(w); j <= len(s) && strings.EqualFold(s[i:j], w) && (j == len(s) || !isAlnum(s[j])) {
				return true
			}
		}
	}
	return false
}

// trimClause trims white space and separating punctuation from s[a:b],
// keeping a final question mark.
func trimClause(s string, a, b int) (int, int) {
	for a < b {
		r, n := rune(s[a]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(s[a:b])
		}
		if !trimmed(r) {
			break
		}
		a += n
	}
	for a < b {
		r, n := rune(s[b-1]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeLastRuneInString(s[a:b])
		}
		if !trimmed(r) {
			break
		}
		b -= n
	}
	return a, b
}

func trimmed(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f', '.', ':', '：', '-', '—', '*', '·', '•', '\u00a0', '\u3000':
		return true
	}
	return isTerminator(r) || r > 0x7f && unicode.IsSpace(r)
}

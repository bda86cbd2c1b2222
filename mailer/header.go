package mailer

import (
	"encoding/base64"
	netmail "net/mail"
	"strings"
	"unicode/utf8"
)

// Subject, From and To are written here rather than by go-mail, which
// starts a field with a fold ("Subject:" CRLF " =?UTF-8?q?…") whenever its
// first encoded word does not fit on the first line. Unfolded (RFC 5322
// §2.2.3), such a field's value begins with a space: clients show it, and
// replies get "Re:  [ICP#…". Here the first word always shares the line with
// the field name, every line stays within 78 characters (§2.1.1), and
// encoded words (RFC 2047) hold whole characters, so each decodes alone.

// maxLine is the longest header line written, CRLF excluded (RFC 5322 §2.1.1).
const maxLine = 78

// maxWord is the longest encoded word (RFC 2047 §2).
const maxWord = 75

// wordPrefix and wordSuffix enclose a base64 encoded word. Base64 keeps
// Chinese text to 4 characters per 3 bytes, where Q would take 9.
const (
	wordPrefix = "=?UTF-8?B?"
	wordSuffix = "?="
)

// folder writes one header field body, folding between words.
type folder struct {
	b       strings.Builder
	lineLen int  // the current line's length, "Name: " included
	empty   bool // no word on the current line yet
}

func newFolder(name string) *folder {
	return &folder{lineLen: len(name) + len(": "), empty: true}
}

// room is how long the next word may be to stay on the current line.
func (f *folder) room() int {
	if f.empty {
		return maxLine - f.lineLen
	}
	return maxLine - f.lineLen - 1
}

// word adds an unbreakable word after a space, or on a new line if it does
// not fit (a word longer than a line gets a line of its own).
func (f *folder) word(w string) {
	switch {
	case f.empty:
		f.empty = false
		f.lineLen += len(w)
	case len(w) <= f.room():
		f.b.WriteByte(' ')
		f.lineLen += 1 + len(w)
	default:
		f.b.WriteString("\r\n ")
		f.lineLen = 1 + len(w)
	}
	f.b.WriteString(w)
}

// encoded adds text as base64 encoded words, as many characters in each as
// fit the line (and maxWord). Words of one text are separated by folding
// white space, which decoders drop between encoded words (RFC 2047 §6.2).
func (f *folder) encoded(text string) {
	for text != "" {
		n := fitBytes(text, min(f.room(), maxWord))
		if n == 0 && !f.empty {
			// Not even one character fits here: go on on a new line.
			f.b.WriteString("\r\n ")
			f.lineLen, f.empty = 1, true
			n = fitBytes(text, min(f.room(), maxWord))
		}
		if n == 0 {
			// Only beside a field name too long for any word: one
			// character, over the line, rather than a leading fold.
			_, n = utf8.DecodeRuneInString(text)
		}
		f.word(wordPrefix + base64.StdEncoding.EncodeToString([]byte(text[:n])) + wordSuffix)
		text = text[n:]
	}
}

// fitBytes is the length of the longest prefix of text made of whole
// characters whose encoded word is at most room characters long.
func fitBytes(text string, room int) int {
	maxBytes := (room - len(wordPrefix) - len(wordSuffix)) / 4 * 3
	n := 0
	for n < len(text) {
		_, size := utf8.DecodeRuneInString(text[n:])
		if n+size > maxBytes {
			break
		}
		n += size
	}
	return n
}

func (f *folder) String() string { return f.b.String() }

// plainWord reports whether w can stand in a header as it is: printable
// ASCII, and nothing a decoder could take for an encoded word.
func plainWord(w string) bool {
	if w == "" || strings.Contains(w, "=?") {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < '!' || w[i] > '~' {
			return false
		}
	}
	return true
}

// unstructuredValue is the folded body of an unstructured field (Subject):
// ASCII words as they are, each run of other words as encoded words. The
// spaces inside a run are encoded with it; a space between a plain word and
// an encoded one is the folding white space itself, which decoders keep. A
// word too long for any line (or for the first) is encoded too, so that it
// can be split.
func unstructuredValue(name, value string) string {
	f := newFolder(name)
	words := strings.Split(value, " ")
	plain := func(i int) bool {
		w := words[i]
		return plainWord(w) && len(w) < maxLine && (i > 0 || len(w) <= f.room())
	}
	for i := 0; i < len(words); {
		if plain(i) {
			f.word(words[i])
			i++
			continue
		}
		j := i + 1
		for j < len(words) && !plain(j) {
			j++
		}
		f.encoded(strings.Join(words[i:j], " "))
		i = j
	}
	return f.String()
}

// addressValue is the folded body of an address field (From, To) for one
// address: a display name that is printable ASCII as a quoted string,
// any other as encoded words (RFC 2047 §5(3)), then the address itself.
func addressValue(name string, a *netmail.Address) string {
	f := newFolder(name)
	addr := (&netmail.Address{Address: a.Address}).String() // "<local@domain>", quoted as needed
	if a.Name != "" {
		full := (&netmail.Address{Name: a.Name, Address: a.Address}).String()
		if quoted := strings.TrimSuffix(full, " "+addr); strings.HasPrefix(full, `"`) && len(quoted) <= f.room() {
			f.word(quoted) // the quoted-string Go wrote
		} else {
			f.encoded(a.Name)
		}
	}
	f.word(addr)
	return f.String()
}

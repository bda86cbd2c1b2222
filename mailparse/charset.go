package mailparse

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

func init() {
	// The labels Chinese mailers really write, mapped to the widest decoder:
	// GB18030 is a superset of GBK and GB2312 (a gb2312 label on GBK-only
	// characters like 镕 is common), and decodes the 4-byte characters some
	// "GBK" mail carries. go-message resolves none of euc-cn, x-euc-cn,
	// cp950, x-big5 or GB18030-2000 by itself (docs/library-notes.md, go-message).
	// Keys must be lower case.
	for _, name := range []string{"gb2312", "gbk", "gb18030", "gb18030-2000", "euc-cn", "x-euc-cn", "cp936",
		"ms936", "windows-936", "x-gbk", "csgb2312", "csgbk", "gb_2312-80", "gb_2312", "chinese", "x-gb18030"} {
		charset.RegisterEncoding(name, simplifiedchinese.GB18030)
	}
	for _, name := range []string{"cp950", "x-big5", "big5", "csbig5", "big-5", "big5-hkscs", "x-x-big5", "ms950", "windows-950"} {
		charset.RegisterEncoding(name, traditionalchinese.Big5)
	}
	// UTF-8 spelled oddly: passed through like "utf-8" (not replaced), so
	// mislabelled GBK can still be recognised and decoded.
	for _, name := range []string{"utf8", "x-utf-8", "unicode-1-1-utf-8"} {
		charset.RegisterEncoding(name, encoding.Nop)
	}
}

// WordDecoder decodes RFC 2047 words with every charset above.
var WordDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}

// lookupEncoding returns the decoder of a Chinese charset label, or nil for
// any other label: it picks the fallback for undeclared 8-bit text.
func lookupEncoding(label string) encoding.Encoding {
	label = strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	switch {
	case isBig5Label(label):
		return traditionalchinese.Big5
	case isGBLabel(label):
		return simplifiedchinese.GB18030
	}
	return nil
}

func isGBLabel(label string) bool {
	return strings.Contains(label, "gb") || strings.Contains(label, "euc-cn") || strings.Contains(label, "936") || label == "chinese"
}

func isBig5Label(label string) bool {
	return strings.Contains(label, "big5") || strings.Contains(label, "big-5") || strings.Contains(label, "950")
}

// fallbackFor picks the decoder for undeclared 8-bit text: the message's
// declared Chinese charset when there is one, else GB18030, by far the most
// common undeclared encoding in mail to a mainland desk.
func fallbackFor(declared string) encoding.Encoding {
	if enc := lookupEncoding(declared); enc != nil {
		return enc
	}
	return simplifiedchinese.GB18030
}

// toUTF8 returns b as UTF-8: as it is when it is UTF-8, else decoded with
// enc (GB18030 when nil). Text that is UTF-8 with a few broken bytes (a
// stray byte, a cut character) stays UTF-8, the broken bytes replaced:
// legacy Chinese text read as UTF-8 has more broken bytes than characters.
func toUTF8(b []byte, enc encoding.Encoding) string {
	if utf8.Valid(b) {
		return string(b)
	}
	valid, invalid := 0, 0
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			invalid++
		case size > 1:
			valid++
		}
		i += max(size, 1)
	}
	if valid > invalid {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return decodeWith(b, enc)
}

func decodeWith(b []byte, enc encoding.Encoding) string {
	if enc == nil {
		enc = simplifiedchinese.GB18030
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(out)
}

// headerToUTF8 is toUTF8 for short 8-bit header values (subjects, names,
// file names), where GBK bytes are sometimes valid UTF-8 by chance (原始 in
// GBK reads as Armenian "ԭʼ"). A valid UTF-8 reading is kept unless it has
// characters mail to a Chinese desk does not contain and the legacy reading
// has fewer.
func headerToUTF8(s string, enc encoding.Encoding) string {
	if isASCII(s) {
		return s
	}
	if !utf8.ValidString(s) {
		return toUTF8([]byte(s), enc)
	}
	odd := oddRunes(s)
	if odd == 0 {
		return s
	}
	if alt := decodeWith([]byte(s), enc); oddRunes(alt) < odd {
		return alt
	}
	return s
}

// oddRunes counts characters outside what applicants write: ASCII, CJK,
// kana and hangul, CJK and full-width punctuation, accented Latin.
func oddRunes(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r < 0x80, r >= 0xA0 && r <= 0x24F,
			unicode.Is(unicode.Han, r), unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Hangul),
			r >= 0x2000 && r <= 0x206F, r >= 0x3000 && r <= 0x303F, r >= 0xFF00 && r <= 0xFFEF:
		default:
			n++
		}
	}
	return n
}

// encodedWordRE matches one RFC 2047 encoded-word. The charset may carry an
// RFC 2231 language suffix (=?gbk*zh?B?…?=).
var encodedWordRE = regexp.MustCompile(`=\?([^?\s]{1,64})\?([bBqQ])\?([^?\s]*)\?=`)

// normalizeHeader prepares a raw header value for the standard decoders:
//   - 8-bit bytes that are not UTF-8 (unencoded GBK subjects and names, common
//     from Chinese mailers) are decoded with the fallback charset;
//   - runs of adjacent encoded-words in one charset are merged into a single
//     UTF-8 word, because mailers split a multibyte character across two
//     words and Go's decoder, decoding each word alone, turns it into U+FFFD;
//     words in other charsets are converted here too, so an unknown label
//     falls back like a body does instead of staying encoded.
//
// The result still contains encoded-words (now UTF-8), so address parsing
// keeps quoting and structure intact.
func normalizeHeader(raw string, fallback encoding.Encoding) string {
	raw = headerToUTF8(raw, fallback)
	if !strings.Contains(raw, "=?") {
		return raw
	}
	locs := encodedWordRE.FindAllStringSubmatchIndex(raw, -1)
	if len(locs) == 0 {
		return raw
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(locs); {
		// Extend a run: the next word follows after white space only, in the same charset.
		j := i + 1
		for j < len(locs) && strings.TrimSpace(raw[locs[j-1][1]:locs[j][0]]) == "" &&
			sameCharset(raw[locs[i][2]:locs[i][3]], raw[locs[j][2]:locs[j][3]]) {
			j++
		}
		b.WriteString(raw[last:locs[i][0]])
		if j-i == 1 && isUTF8Label(raw[locs[i][2]:locs[i][3]]) {
			b.WriteString(raw[locs[i][0]:locs[i][1]])
		} else if merged, ok := mergeWords(raw, locs[i:j]); ok {
			b.WriteString(merged)
		} else {
			b.WriteString(raw[locs[i][0]:locs[j-1][1]])
		}
		last = locs[j-1][1]
		i = j
	}
	b.WriteString(raw[last:])
	return b.String()
}

func isUTF8Label(cs string) bool {
	cs, _, _ = strings.Cut(cs, "*")
	return strings.EqualFold(cs, "utf-8") || strings.EqualFold(cs, "us-ascii")
}

func sameCharset(a, b string) bool {
	a, _, _ = strings.Cut(a, "*")
	b, _, _ = strings.Cut(b, "*")
	return strings.EqualFold(a, b)
}

// mergeWords decodes a run of encoded-words in one charset at the byte
// level, converts the bytes once, and re-encodes them as one UTF-8 word.
func mergeWords(raw string, locs [][]int) (string, bool) {
	cs, _, _ := strings.Cut(raw[locs[0][2]:locs[0][3]], "*")
	var payload []byte
	var b64 []string
	allB := true
	for _, l := range locs {
		enc := raw[l[4]:l[5]]
		text := raw[l[6]:l[7]]
		if enc == "B" || enc == "b" {
			b64 = append(b64, text)
			d, ok := decodeB(text)
			if !ok {
				payload = nil
				break
			}
			payload = append(payload, d...)
			continue
		}
		allB = false
		payload = append(payload, decodeQ(text)...)
	}
	if payload == nil && allB {
		// Some encoders split the base64 text itself, not the bytes.
		d, ok := decodeB(strings.Join(trimPadding(b64), ""))
		if !ok {
			return "", false
		}
		payload = d
	}
	if payload == nil {
		return "", false
	}
	text, ok := decodeCharset(cs, payload)
	if !ok {
		return "", false
	}
	return "=?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte(text)) + "?=", true
}

func trimPadding(parts []string) []string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = strings.TrimRight(p, "=")
	}
	return out
}

func decodeB(s string) ([]byte, bool) {
	if d, err := base64.StdEncoding.DecodeString(s); err == nil {
		return d, true
	}
	if d, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err == nil {
		return d, true
	}
	return nil, false
}

func decodeQ(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// decodeCharset converts b from the named charset to UTF-8. An unknown
// charset falls back to UTF-8 when b is valid UTF-8, else GB18030.
func decodeCharset(label string, b []byte) (string, bool) {
	l := strings.ToLower(label)
	if l == "utf-8" || l == "us-ascii" || l == "ascii" {
		return toUTF8(b, nil), true
	}
	r, err := charset.Reader(l, bytes.NewReader(b))
	if err != nil {
		return toUTF8(b, nil), true
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return "", false
	}
	return string(out), true
}

// decodeHeaderText decodes an unstructured header (Subject) to clean text.
func decodeHeaderText(raw string, fallback encoding.Encoding) string {
	s := normalizeHeader(raw, fallback)
	if d, err := WordDecoder.DecodeHeader(s); err == nil {
		s = d
	}
	return oneLine(s)
}

// cleanBody makes text safe to store: valid UTF-8, no NUL (PostgreSQL refuses
// it in TEXT and JSON), LF line ends, no other control characters but tab,
// at most max bytes cut on a character boundary.
func cleanBody(s string, max int) string {
	if utf8.ValidString(s) {
		return cleanValidBody(s, max)
	}
	var b strings.Builder
	b.Grow(keptLen(len(s), max))
	// Invalid sequences become one U+FFFD a run (as strings.ToValidUTF8);
	// CRLF and a lone CR become LF; other controls but tab are dropped.
	invalid := false
	for i := 0; i < len(s) && (max <= 0 || b.Len() <= max); {
		c := s[i]
		if c < utf8.RuneSelf {
			invalid = false
			i++
			switch {
			case c == '\n' || c == '\t':
				b.WriteByte(c)
			case c == '\r':
				b.WriteByte('\n')
				if i < len(s) && s[i] == '\n' {
					i++
				}
			case c < 0x20 || c == 0x7f:
			default:
				b.WriteByte(c)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if size == 1 {
			if !invalid {
				b.WriteString("\uFFFD")
			}
			invalid = true
			i++
			continue
		}
		invalid = false
		if r > 0x9f { // C1 controls (U+0080–U+009F) are dropped
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return TruncateUTF8(b.String(), max)
}

// cleanValidBody is cleanBody for s known to be valid UTF-8: validating
// 20 KB of Chinese text costs more than cleaning it, so it is done once.
// Mail text always has CRLF line ends: what lies between the bytes to fix
// is copied in one piece, and copying stops past max.
func cleanValidBody(s string, max int) string {
	i := 0
	for ; i < len(s); i++ {
		if dirtyByte[s[i]] && (s[i] != 0xC2 || isC1(s, i)) {
			break
		}
	}
	if i == len(s) {
		return TruncateUTF8(s, max) // clean already: no copy
	}
	var b strings.Builder
	b.Grow(keptLen(len(s), max))
	from := 0
	for ; i < len(s); i++ {
		c := s[i]
		if !dirtyByte[c] {
			continue
		}
		if max > 0 && b.Len() > max {
			break
		}
		if c == 0xC2 {
			if isC1(s, i) { // a C1 control: dropped
				b.WriteString(s[from:i])
				i++
				from = i + 1
			}
			continue
		}
		b.WriteString(s[from:i])
		if c == '\r' { // CRLF and a lone CR both become LF
			b.WriteByte('\n')
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
		}
		from = i + 1
	}
	if max <= 0 || b.Len() <= max {
		b.WriteString(s[from:])
	}
	return TruncateUTF8(b.String(), max)
}

// keptLen is how much of n bytes cut to max (0: no limit) is kept, and
// room for one more character.
func keptLen(n, max int) int {
	if max > 0 {
		n = min(n, max)
	}
	return n + utf8.UTFMax
}

// isC1 reports whether s[i:] starts with a C1 control (U+0080–U+009F).
func isC1(s string, i int) bool {
	return s[i] == 0xC2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9F
}

// dirtyByte marks bytes that may need cleaning: controls but LF and tab,
// DEL, and 0xC2 (which starts the C1 controls).
var dirtyByte = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = c != '\n' && c != '\t'
	}
	t[0x7f], t[0xC2] = true, true
	return t
}()

// TruncateUTF8 cuts s to at most max bytes without splitting a character.
func TruncateUTF8(s string, max int) string {
	if max <= 0 || len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// oneLine makes a header value or note one line of valid UTF-8: control
// characters and line separators become spaces, runs of space one.
func oneLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 128 {
			return false
		}
	}
	return true
}

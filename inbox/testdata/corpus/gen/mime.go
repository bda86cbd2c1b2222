package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"html"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"

	"example.com/icpdesk/mailparse/mailtest"
)

// ---- deterministic "random" strings ----

const (
	alnum   = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	hexd    = "0123456789abcdef"
	hexU    = "0123456789ABCDEF"
	b64a    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	digits  = "0123456789"
	upalnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
)

// rnd returns n characters of alphabet derived from seed: the same seed
// always gives the same string.
func rnd(seed string, n int, alphabet string) string {
	var b strings.Builder
	var ctr uint32
	for b.Len() < n {
		var c [4]byte
		binary.BigEndian.PutUint32(c[:], ctr)
		h := sha256.Sum256(append([]byte(seed), c[:]...))
		for _, x := range h {
			if b.Len() == n {
				break
			}
			b.WriteByte(alphabet[int(x)%len(alphabet)])
		}
		ctr++
	}
	return b.String()
}

// fakeB64 is base64-looking text of n raw bytes.
func fakeB64(seed string, n int) string {
	var raw []byte
	for i := 0; len(raw) < n; i++ {
		h := sha256.Sum256([]byte(fmt.Sprintf("%s/%d", seed, i)))
		raw = append(raw, h[:]...)
	}
	return base64.StdEncoding.EncodeToString(raw[:n])
}

// ---- charsets ----

func encoderFor(cs string) encoding.Encoding {
	switch strings.ToLower(cs) {
	case "gbk", "gb2312", "cp936":
		return simplifiedchinese.GBK
	case "gb18030":
		return simplifiedchinese.GB18030
	case "big5", "cp950", "x-big5":
		return traditionalchinese.Big5
	case "utf-8", "us-ascii", "":
		return nil
	}
	panic("no encoder for " + cs)
}

// enc encodes s in cs; it panics on a character cs cannot hold.
func enc(cs, s string) []byte {
	if encoderFor(cs) == nil {
		return []byte(s)
	}
	return encodeAll(cs, s, false)
}

// encRune encodes one character in cs. Big5 is code page 950 as Windows
// and web mail write it: lead bytes A1-F9 only. (x/text's encoder follows
// WHATWG and also writes Hong Kong HKSCS codes, and for some characters
// such as 婷 the HKSCS duplicate FBB8 instead of B440.)
func encRune(e encoding.Encoding, cs string, r rune) ([]byte, bool) {
	if encoderFor(cs) == traditionalchinese.Big5 {
		if r < 0x80 {
			return []byte{byte(r)}, true
		}
		b, ok := cp950()[r]
		return b, ok
	}
	b, err := e.NewEncoder().Bytes([]byte(string(r)))
	if err != nil {
		return nil, false
	}
	return b, true
}

var cp950Table map[rune][]byte

// cp950 maps characters to their standard Big5 codes, built by decoding
// every standard code.
func cp950() map[rune][]byte {
	if cp950Table != nil {
		return cp950Table
	}
	cp950Table = map[rune][]byte{}
	dec := traditionalchinese.Big5.NewDecoder()
	for lead := 0xA1; lead <= 0xF9; lead++ {
		for _, trail := range append(rangeInts(0x40, 0x7E), rangeInts(0xA1, 0xFE)...) {
			code := []byte{byte(lead), byte(trail)}
			out, err := dec.Bytes(code)
			if err != nil {
				continue
			}
			rs := []rune(string(out))
			if len(rs) != 1 || rs[0] == 0xFFFD {
				continue
			}
			if _, dup := cp950Table[rs[0]]; !dup {
				cp950Table[rs[0]] = code
			}
		}
	}
	return cp950Table
}

func rangeInts(a, b int) []int {
	var out []int
	for i := a; i <= b; i++ {
		out = append(out, i)
	}
	return out
}

// encodeAll encodes s in cs with encRune; bad reports characters cs cannot hold.
func encodeAll(cs, s string, lossy bool) []byte {
	e := encoderFor(cs)
	var out []byte
	for _, r := range s {
		b, ok := encRune(e, cs, r)
		if !ok {
			if !lossy {
				panic(fmt.Sprintf("enc: %q is not in %s", r, cs))
			}
			out = append(out, '?')
			continue
		}
		out = append(out, b...)
	}
	return out
}

// lossy encodes s in cs, writing "?" for each character cs cannot hold, as
// Outlook and old webmail do when a Big5 reply quotes simplified Chinese.
func lossy(cs, s string) []byte {
	if encoderFor(cs) == nil {
		return []byte(s)
	}
	return encodeAll(cs, s, true)
}

// lossyString is what a lossy encoding leaves of s, as text.
func lossyString(cs, s string) string {
	var b strings.Builder
	e := encoderFor(cs)
	for _, r := range s {
		if _, ok := encRune(e, cs, r); !ok {
			b.WriteByte('?')
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func crlf(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

// ---- header encoding ----

// words encodes s as RFC 2047 encoded-words in charset cs ("B" or "Q"),
// split at character boundaries so each word stays within 75 characters,
// joined by folding white space (sep: "\r\n " or "\r\n\t").
func words(cs, bq, s, sep string) string {
	if s == "" {
		return ""
	}
	prefix := "=?" + cs + "?" + bq + "?"
	limit := 75 - len(prefix) - 2
	var out []string
	var cur []byte
	encLen := func(b []byte) int {
		if bq == "B" {
			return base64.StdEncoding.EncodedLen(len(b))
		}
		return len(qEncode(b))
	}
	flush := func() {
		if len(cur) > 0 {
			out = append(out, wordOf(cs, bq, cur))
			cur = nil
		}
	}
	for _, r := range s {
		b := enc(cs, string(r))
		if encLen(append(append([]byte{}, cur...), b...)) > limit {
			flush()
		}
		cur = append(cur, b...)
	}
	flush()
	return strings.Join(out, sep)
}

// wordsRaw encodes raw bytes split at the given byte offsets, inside
// characters if so given: some webmail splits by bytes.
func wordsRaw(cs, bq string, raw []byte, splits []int, sep string) string {
	var out []string
	prev := 0
	for _, s := range append(splits, len(raw)) {
		out = append(out, wordOf(cs, bq, raw[prev:s]))
		prev = s
	}
	return strings.Join(out, sep)
}

func wordOf(cs, bq string, b []byte) string {
	if bq == "B" || bq == "b" {
		return "=?" + cs + "?" + bq + "?" + base64.StdEncoding.EncodeToString(b) + "?="
	}
	return "=?" + cs + "?Q?" + qEncode(b) + "?="
}

func qEncode(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		switch {
		case c == ' ':
			sb.WriteByte('_')
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '.':
			sb.WriteByte(c)
		default:
			fmt.Fprintf(&sb, "=%02X", c)
		}
	}
	return sb.String()
}

// isASCII reports whether s needs no encoding.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// subj encodes a subject in cs unless it is ASCII.
func subj(cs, bq, s string) string {
	if isASCII(s) {
		return foldASCII(s)
	}
	return words(cs, bq, s, "\r\n ")
}

// addr renders a mailbox with its name encoded in cs; quoted wraps the
// encoded-word in double quotes as QQ Mail and Foxmail do.
func addr(p Person, cs string, quoted bool) string {
	if p.Name == "" {
		return p.Addr
	}
	n := p.Name
	if !isASCII(n) {
		n = words(cs, "B", n, " ")
		if quoted {
			n = `"` + n + `"`
		}
	} else if strings.ContainsAny(n, `.,()<>@;:"[]`) || quoted {
		n = `"` + n + `"`
	}
	return n + " <" + p.Addr + ">"
}

// ---- bodies ----

func b64(b []byte) []byte { return mailtest.TransferEncode("base64", b) }
func qp(b []byte) []byte  { return mailtest.TransferEncode("quoted-printable", b) }
func bit8(b []byte) []byte {
	return mailtest.TransferEncode("8bit", b)
}

// body encodes text in cs and transfer-encodes it with cte.
func body(cs, cte, text string, lossyQuote bool) []byte {
	var raw []byte
	if lossyQuote {
		raw = lossy(cs, crlf(text))
	} else {
		raw = enc(cs, crlf(text))
	}
	switch cte {
	case "base64":
		return b64(raw)
	case "quoted-printable":
		return qp(raw)
	default:
		return bit8(raw)
	}
}

// Header is an ordered header block; values are written as given (fold
// them with "\r\n\t" or "\r\n ").
type Header [][2]string

func (h *Header) Add(k, v string) { *h = append(*h, [2]string{k, v}) }

func (h Header) Bytes() []byte {
	var b bytes.Buffer
	for _, kv := range h {
		b.WriteString(kv[0] + ": " + kv[1] + "\r\n")
	}
	return b.Bytes()
}

// Part is a MIME part: its header and its (already encoded) body.
type Part struct {
	H    Header
	Body []byte
}

// multipart renders parts with boundary; preamble is the text before the
// first boundary ("" for none, as Gmail and Apple Mail write).
func multipart(boundary, preamble string, parts ...Part) []byte {
	var b bytes.Buffer
	if preamble != "" {
		b.WriteString(preamble + "\r\n\r\n")
	}
	for _, p := range parts {
		b.WriteString("--" + boundary + "\r\n")
		b.Write(p.H.Bytes())
		b.WriteString("\r\n")
		b.Write(p.Body)
		if !bytes.HasSuffix(p.Body, []byte("\r\n")) {
			b.WriteString("\r\n")
		}
		b.WriteString("\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return b.Bytes()
}

func textPart(ct, cte string, b []byte) Part {
	return Part{H: Header{{"Content-Type", ct}, {"Content-Transfer-Encoding", cte}}, Body: b}
}

// message joins a header block and a body.
func message(h Header, body []byte) []byte {
	var b bytes.Buffer
	b.Write(h.Bytes())
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}

// ---- quoting ----

func htmlEsc(s string) string { return html.EscapeString(s) }

// htmlLines renders text as HTML with <br> line breaks.
func htmlLines(s string) string {
	return strings.ReplaceAll(htmlEsc(s), "\n", "<br>")
}

// htmlDivs renders text as one <div> a line, as QQ Mail and Coremail write.
func htmlDivs(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if l == "" {
			b.WriteString("<div><br></div>")
		} else {
			b.WriteString("<div>" + htmlEsc(l) + "</div>")
		}
	}
	return b.String()
}

// quoteGT prefixes every line with prefix ("> " or ">").
func quoteGT(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l == "" {
			lines[i] = strings.TrimRight(prefix, " ")
		} else {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}

// ---- dates ----

// rfcDate is Date as most clients write it: "Thu, 3 Dec 2026 10:12:44 +0800".
func rfcDate(t time.Time) string { return t.Format("Mon, 2 Jan 2006 15:04:05 -0700") }

// rfcDate0 pads the day: "Thu, 03 Dec 2026 10:12:44 +0800".
func rfcDate0(t time.Time) string { return t.Format("Mon, 02 Jan 2006 15:04:05 -0700") }

// postfixDate is the date in Postfix's Received: "Thu,  3 Dec 2026 10:12:48 +0800 (CST)".
func postfixDate(t time.Time) string {
	t = t.In(cst)
	return t.Format("Mon, _2 Jan 2006 15:04:05 -0700") + " (CST)"
}

func ampmZh(t time.Time) string {
	t = t.In(cst)
	h := t.Hour()
	p := "上午"
	if h >= 12 {
		p = "下午"
	}
	if h > 12 {
		h -= 12
	}
	return fmt.Sprintf("%s%d:%02d", p, h, t.Minute())
}

// qqDate is QQ Mail and Foxmail's "2026年12月1日(星期二) 上午10:00".
func qqDate(t time.Time) string {
	t = t.In(cst)
	return fmt.Sprintf("%d年%d月%d日(%s) %s", t.Year(), int(t.Month()), t.Day(), zhWeekdays[t.Weekday()], ampmZh(t))
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }

// foldASCII folds a long ASCII header value at spaces, as mail clients do.
func foldASCII(s string) string {
	const max = 72
	var out []string
	line := ""
	for i, w := range strings.Split(s, " ") {
		switch {
		case i == 0:
			line = w
		case len(line)+1+len(w) > max:
			out = append(out, line)
			line = w
		default:
			line += " " + w
		}
	}
	out = append(out, line)
	return strings.Join(out, "\r\n ")
}

package mailparse

import (
	"math/rand/v2"
	netmail "net/mail"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// The text helpers on the parse path were rewritten for speed (one pass,
// fewer copies, cheap rejections first). The straightforward versions they
// replaced are kept here as references: on random text full of what mail
// has (CRLF, controls, broken UTF-8, full-width dots, CJK, quote marks),
// each fast one must give exactly the same answer.

func refCleanBody(s string, max int) string {
	if refClean(s) {
		return TruncateUTF8(s, max)
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r':
			return '\n'
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	return TruncateUTF8(s, max)
}

func refHTMLToText(src string, max int) string {
	z := html.NewTokenizer(strings.NewReader(src))
	z.SetMaxBuf(1 << 20)
	var b strings.Builder
	skip := 0      // depth inside script/style/head/title
	space := false // white space seen since the last text
	newline := func() {
		space = false
		s := b.String()
		if len(s) > 0 && !strings.HasSuffix(s, "\n") {
			b.WriteByte('\n')
		}
	}
	for b.Len() < max {
		switch z.Next() {
		case html.ErrorToken:
			return refFinishHTMLText(b.String(), max)
		case html.TextToken:
			if skip > 0 {
				continue
			}
			raw := string(z.Text())
			fields := strings.Fields(raw)
			if len(fields) == 0 {
				space = space || raw != ""
				continue
			}
			first, _ := utf8.DecodeRuneInString(raw)
			if s := b.String(); len(s) > 0 && !strings.HasSuffix(s, "\n") && !strings.HasSuffix(s, "\t") && (space || unicode.IsSpace(first)) {
				b.WriteByte(' ')
			}
			b.WriteString(strings.Join(fields, " "))
			last, _ := utf8.DecodeLastRuneInString(raw)
			space = unicode.IsSpace(last)
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "head", "title":
				if !selfClosing(z) {
					skip++
				}
			case "br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "hr":
				newline()
			case "td", "th":
				if s := b.String(); len(s) > 0 && !strings.HasSuffix(s, "\n") {
					b.WriteByte('\t')
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "head", "title":
				if skip > 0 {
					skip--
				}
			case "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table":
				newline()
			}
		}
	}
	return refFinishHTMLText(b.String(), max)
}

func refFinishHTMLText(s string, max int) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := 0
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return refCleanBody(strings.TrimSpace(strings.Join(out, "\n")), max)
}

// refClean reports whether s is already what cleanBody makes: valid UTF-8
// without CR or control characters other than LF and tab. Checking first
// spares most messages three copies.
func refClean(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; dirtyByte[c] {
			switch {
			case c == 0xC2:
				if i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9F { // C1 controls
					return false
				}
			default:
				return false
			}
		}
	}
	return utf8.ValidString(s)
}

var textPieces = []string{
	"a", "b", "z", "A", "Z", "0", "9", "-", "_", ".", "．", "。", "｡", "@", " ", "\t", "\n", "\r", "\r\n", "\x00", "\x7f", "\u0085", "\u009f", "\u00a0",
	"\xff", "\xc2", "\xe4\xb8", "\xed\xa0\x80", "\uFFFD", "\u2028", "网站", "示例", "中国", "中國", "公司", "网络", "我爱你", "中文网", "com", "cn", "net", "xn--fiqs8s",
	"shop.example.cn", "www.", "example", "已修改", "未修改", "请重新审核", "resubmit", "not ", "Original", "original", "-----", "原始邮件", "发件人:", "From:", "from", "rom",
	"wrote:", "写道", "寫道", "转发", "件人", "寄件者", "FROM", "orwarded", ">", "> quoted", "在 2026 年", "On Mon", "，", "！", "－", "备", "浙ICP备12345678号-1",
	"BA-2026-000123", "[ICP#BA-2026-000123]", "ç", "é", "ß", "Ω", "ü", "İ", "ǅ", "𝐀", "😀", "ｗｗｗ", "Ａ", "１", "\u3000", "・", "〇",
}

func randomText(r *rand.Rand, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if r.IntN(10) == 0 {
			b.WriteByte(byte(r.IntN(256)))
		} else {
			b.WriteString(textPieces[r.IntN(len(textPieces))])
		}
	}
	return b.String()
}

var htmlPieces = []string{"<p>", "</p>", "<br>", "<br/>", "<div>", "</div>", "<td>", "<th>", "<tr>", "<script>", "</script>", "<style>x{}</style>", "&nbsp;", "&amp;", "&#12288;", "&#xD800;", "\u3000", "\u00a0", "\u0085", "<head>", "</head>", "<title>t</title>", "<b>", "</b>", "<!-- c -->", "<li>"}

func TestFastHTMLToTextMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for k := 0; k < 30000; k++ {
		var b strings.Builder
		for i := r.IntN(30); i > 0; i-- {
			if r.IntN(3) == 0 {
				b.WriteString(htmlPieces[r.IntN(len(htmlPieces))])
			} else {
				b.WriteString(randomText(r, 1))
			}
		}
		s := b.String()
		max := r.IntN(100) + 1
		if r.IntN(4) == 0 {
			max = 1 << 20
		}
		if a, o := htmlToText(s, max), refHTMLToText(s, max); a != o {
			t.Fatalf("htmlToText(%q, %d) = %q, want %q", s, max, a, o)
		}
	}
}

func TestFastCleanBodyMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 9))
	for k := 0; k < 60000; k++ {
		s := randomText(r, r.IntN(40))
		max := r.IntN(80) - 5
		if a, b := cleanBody(s, max), refCleanBody(s, max); a != b {
			t.Fatalf("cleanBody(%q, %d) = %q, want %q", s, max, a, b)
		}
		if utf8.ValidString(s) {
			if a, b := cleanValidBody(s, max), refCleanBody(s, max); a != b {
				t.Fatalf("cleanValidBody(%q, %d) = %q, want %q", s, max, a, b)
			}
		}
	}
}

var refMsgIDRE = regexp.MustCompile(`<\s*([^<>\s]{1,250})\s*>`)

// refBracketedIDs is bracketedIDs with the regular expression it replaced.
func refBracketedIDs(v string) []string {
	var out []string
	for _, m := range refMsgIDRE.FindAllStringSubmatch(v, -1) {
		if id := cleanMsgID(m[1]); id != "" {
			out = appendUnique(out, id)
		}
	}
	return out
}

// randomPieces joins up to max pieces picked at random.
func randomPieces(r *rand.Rand, pieces []string, max int) string {
	var b strings.Builder
	for i := r.IntN(max + 1); i > 0; i-- {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

var msgIDPieces = []string{"<", ">", " ", "\t", "\r\n", "\f", "\v", "a@example.cn", "id", "@", "x.y", "中", "\xff", "<>", "< >",
	strings.Repeat("a", 249), strings.Repeat("a", 250), strings.Repeat("中", 250), strings.Repeat("中", 251), strings.Repeat("\xfe", 250), strings.Repeat("\xfe", 251)}

func TestFastMessageIDsMatchReference(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for k := 0; k < 60000; k++ {
		s := randomPieces(r, msgIDPieces, 11)
		if a, o := bracketedIDs(s), refBracketedIDs(s); strings.Join(a, "|") != strings.Join(o, "|") || len(a) != len(o) {
			t.Fatalf("bracketedIDs(%q) = %q, want %q", s, a, o)
		}
	}
}

var datePieces = []string{"Mon, ", "Tue,", " ", "  ", "2", "02", "31", " Jan ", " Feb ", "2026", "26", " 15:04", ":05", " -0700", " +0800",
	" (CST)", " CST", " GMT", "\r\n", "\t", "x", "-", "+"}

func TestFastDateMatchesNetMail(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for k := 0; k < 60000; k++ {
		s := randomPieces(r, datePieces, 9)
		if k%3 == 0 {
			s = "Mon, 2 Jan 2006 15:04:05 -0700"[:r.IntN(31)] + s
		}
		a, aerr := parseDate(s)
		o, oerr := netmail.ParseDate(s)
		if s == "" {
			o, oerr = time.Time{}, nil // mail.Header.Date: no header, no date
		}
		if (aerr == nil) != (oerr == nil) || !a.Equal(o) || a.Location().String() != o.Location().String() {
			t.Fatalf("parseDate(%q) = %v, %v; want %v, %v", s, a, aerr, o, oerr)
		}
		if _, off := a.Zone(); aerr == nil {
			if _, ooff := o.Zone(); off != ooff {
				t.Fatalf("parseDate(%q) zone %d, want %d", s, off, ooff)
			}
		}
	}
}

package mailparse

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// htmlToText reduces HTML mail to its readable text: tags dropped, entities
// decoded, line breaks at block elements, script, style and head left out,
// at most max bytes. Foxmail, QQ Mail and Outlook often send HTML only.
func htmlToText(src string, max int) string {
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
			return finishHTMLText(b.String(), max)
		case html.TextToken:
			if skip > 0 {
				continue
			}
			raw := z.Text()
			start := firstNonSpace(raw)
			if start < 0 {
				space = space || len(raw) > 0
				continue
			}
			first, _ := utf8.DecodeRune(raw)
			if s := b.String(); len(s) > 0 && !strings.HasSuffix(s, "\n") && !strings.HasSuffix(s, "\t") && (space || unicode.IsSpace(first)) {
				b.WriteByte(' ')
			}
			writeFields(&b, raw[start:])
			last, _ := utf8.DecodeLastRune(raw)
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
	return finishHTMLText(b.String(), max)
}

func selfClosing(z *html.Tokenizer) bool {
	raw := z.Raw()
	return len(raw) >= 2 && raw[len(raw)-2] == '/'
}

func finishHTMLText(s string, max int) string {
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
	return cleanBody(strings.TrimSpace(strings.Join(out, "\n")), max)
}

// firstNonSpace returns the index of the first rune of b that is not white
// space (unicode.IsSpace), or -1.
func firstNonSpace(b []byte) int {
	for i := 0; i < len(b); {
		r, size := rune(b[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(b[i:])
		}
		if !unicode.IsSpace(r) {
			return i
		}
		i += size
	}
	return -1
}

// writeFields writes strings.Join(strings.Fields(b), " ") without making
// the fields: a text token is one line of HTML mail.
func writeFields(w *strings.Builder, b []byte) {
	from, inSpace := -1, false // from: start of the current field
	for i := 0; i < len(b); {
		r, size := rune(b[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(b[i:])
		}
		if unicode.IsSpace(r) {
			if from >= 0 {
				w.Write(b[from:i])
				from = -1
			}
			inSpace = true
		} else if from < 0 {
			if inSpace {
				w.WriteByte(' ')
			}
			from, inSpace = i, false
		}
		i += size
	}
	if from >= 0 {
		w.Write(b[from:])
	}
}

package reading

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Quote openers: the lines mail clients put above quoted or forwarded text.

// separatorLabels are what stands between dashes in a separator opener,
// compacted (no spaces, lower case): QQ Mail's and Foxmail's
// "------------------ 原始邮件 ------------------", Outlook's
// "-----Original Message-----", Gmail's "---------- Forwarded message ---------".
var separatorLabels = map[string]bool{
	"原始邮件": true, "原始郵件": true, "original": true, "originalmessage": true, "邮件原件": true, "郵件原件": true,
	"原邮件": true, "原郵件": true, "转发邮件信息": true, "轉發郵件信息": true, "转发的邮件": true, "轉發的郵件": true,
	"转发邮件": true, "轉發郵件": true, "转寄邮件": true, "轉寄郵件": true, "forwardedmessage": true,
	"originalemail": true, "回复邮件": true, "回复的原邮件": true, "回覆的原郵件": true, "回復的原郵件": true,
}

// bareOpeners open a forward without dashes (Apple Mail), compacted.
var bareOpeners = map[string]bool{
	"beginforwardedmessage": true, "开始转发的邮件": true, "開始轉寄的郵件": true, "开始转发邮件": true,
	"以下为转发邮件": true, "转发的邮件": true, "轉寄的郵件": true,
}

// label is what the label of a "Label: value" line is in a quoted header block.
type label uint8

const (
	labelNone   label = iota
	labelFrom         // starts a header block (Outlook, Alimail, QQ Mail below its separator)
	labelHeader       // another line of one: the block is an opener only if one follows From
)

// headerLabels are the labels of quoted header blocks, compacted.
var headerLabels = map[string]label{
	"from": labelFrom, "发件人": labelFrom, "發件人": labelFrom, "寄件者": labelFrom, "寄件人": labelFrom,
	"发信人": labelFrom, "發信人": labelFrom,
	"sent": labelHeader, "date": labelHeader, "to": labelHeader, "cc": labelHeader, "subject": labelHeader,
	"reply-to": labelHeader, "发送时间": labelHeader, "發送時間": labelHeader, "发送日期": labelHeader,
	"發送日期": labelHeader, "寄件日期": labelHeader, "日期": labelHeader, "时间": labelHeader, "時間": labelHeader,
	"收件人": labelHeader, "收件者": labelHeader, "收信人": labelHeader, "抄送": labelHeader, "副本": labelHeader,
	"主题": labelHeader, "主題": labelHeader, "主旨": labelHeader, "标题": labelHeader, "標題": labelHeader,
}

// openerLines returns how many lines starting at lines[i] open a quote, or 0.
func openerLines(lines []string, i int) int {
	line := strings.TrimSpace(strings.TrimSuffix(lines[i], "\r"))
	if line == "" || len(line) > 600 {
		return 0
	}
	switch {
	case separatorOpener(line):
		return 1
	case ruleLine(line):
		// Alimail and Outlook put a line of dashes or underscores above the
		// header block: it belongs to the quote.
		if j := nextNonBlank(lines, i+1); j > 0 && headerLabel(lines[j]) == labelFrom && headerFollows(lines, j+1) {
			return 1
		}
		return 0
	case headerLabel(line) == labelFrom:
		if headerFollows(lines, i+1) {
			return 1
		}
		return 0
	case wroteOpener(line, true):
		return 1
	}
	// Gmail wraps a long "On … wrote:" over two or three lines.
	if !wrappedStart(line) {
		return 0
	}
	joined := line
	for n := 1; n <= 2 && i+n < len(lines); n++ {
		next := strings.TrimSpace(strings.TrimSuffix(lines[i+n], "\r"))
		if next == "" {
			return 0
		}
		joined += " " + next
		if len(joined) > 600 {
			return 0
		}
		if wroteOpener(joined, false) {
			return n + 1
		}
	}
	return 0
}

func nextNonBlank(lines []string, j int) int {
	for n := 0; j < len(lines) && n < 3; j, n = j+1, n+1 {
		if strings.TrimSpace(lines[j]) != "" {
			return j
		}
	}
	return -1
}

// headerFollows reports whether a header line (Sent:, 发送时间:, Subject:)
// is among the next few non-blank lines.
func headerFollows(lines []string, j int) bool {
	for n := 0; j < len(lines) && n < 6; j++ {
		if strings.TrimSpace(lines[j]) == "" {
			continue
		}
		if headerLabel(lines[j]) == labelHeader {
			return true
		}
		n++
	}
	return false
}

// headerLabel returns what the label of a "Label: value" line is, compacted
// (spaces, "*" and the colon dropped, lower case: "主　题：" is 主题).
func headerLabel(line string) label {
	p := line[:min(len(line), 44)]
	i := strings.IndexByte(p, ':')
	if j := strings.Index(p, "："); j >= 0 && (i < 0 || j < i) {
		i = j
	}
	if i <= 0 {
		return labelNone
	}
	var buf [48]byte
	k, ok := compact(line[:i], buf[:])
	if !ok || k == 0 {
		return labelNone
	}
	return headerLabels[string(buf[:k])]
}

// compact writes s into buf without white space (also U+00A0 and U+3000)
// and "*", ASCII lower-cased. It reports false if buf is too small.
func compact(s string, buf []byte) (int, bool) {
	k := 0
	for _, r := range s {
		if unicode.IsSpace(r) || r == '*' || r == '\u00a0' || r == '\u3000' {
			continue
		}
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		if k+utf8.RuneLen(r) > len(buf) {
			return k, false
		}
		k += utf8.EncodeRune(buf[k:], r)
	}
	return k, true
}

// isDash reports the characters separator lines are drawn with.
func isDash(r rune) bool {
	return r == '-' || r == '—' || r == '–' || r == '─' || r == '_' || r == '=' || r == '*'
}

// separatorOpener reports "---- 原始邮件 ----"-style lines and Apple's
// "Begin forwarded message:".
func separatorOpener(line string) bool {
	if r, _ := utf8.DecodeRuneInString(line); !isDash(r) && len(line) > 40 {
		return false // too long for a bare opener, and no dashes
	}
	if strings.Contains(line, "&nbsp;") {
		line = strings.ReplaceAll(line, "&nbsp;", " ") // Foxmail's plain text keeps the entity
	}
	inner := strings.TrimFunc(line, isDash)
	dashes := len(line) - len(inner)
	var buf [64]byte
	k, ok := compact(strings.TrimRight(inner, ":： "), buf[:])
	if !ok || k == 0 {
		return false
	}
	return dashes >= 4 && separatorLabels[string(buf[:k])] || bareOpeners[string(buf[:k])]
}

// ruleLine reports a line drawn only with dashes or underscores.
func ruleLine(line string) bool {
	n := 0
	for _, r := range line {
		if !isDash(r) && r != ' ' {
			return false
		}
		n++
	}
	return n >= 5
}

// wroteMarks end an attribution line.
var wroteMarks = []string{"写道", "寫道", "wrote", "寫著", "写了"}

// wroteOpener reports an attribution line: "在 2026-12-02 15:00:00，"示例云备案中心"
// <icp@example.cn> 写道：", "On Wed, Dec 2, 2026 at 3:00 PM … wrote:", Gmail's
// Chinese "… 于2026年12月2日周三 15:00写道：". Own text rarely ends so: the
// line must also name an address, a date or start like an attribution.
func wroteOpener(line string, single bool) bool {
	t := strings.TrimRight(line, ":： \t")
	if t == "" {
		return false
	}
	if last := t[len(t)-1]; last != 'e' && last != 'E' && last != 0x93 && last != 0x97 && last != 0x86 {
		return false // the last byte of none of wroteMarks: a prefilter
	}
	marked := false
	for _, m := range wroteMarks {
		if len(t) >= len(m) && strings.EqualFold(t[len(t)-len(m):], m) {
			marked = true
			break
		}
	}
	if !marked {
		return false
	}
	if !single {
		return true // wrappedStart already checked how it starts
	}
	return strings.ContainsAny(t, "@0123456789") || wrappedStart(t)
}

// wrappedStart reports a line that starts like an attribution and has a
// date in it: "On Wed, Dec 2, 2026 at 3:00 PM", "在 2026年12月2日".
func wrappedStart(line string) bool {
	on := len(line) >= 3 && strings.EqualFold(line[:3], "on ")
	if !on && !strings.HasPrefix(line, "在") && !strings.HasPrefix(line, "于") && !strings.HasPrefix(line, "於") &&
		!strings.Contains(line, "@") {
		return false
	}
	return strings.ContainsAny(line, "0123456789")
}

package reading

import (
	"strings"
	"unicode/utf8"
)

// OwnText returns the applicant's own words in a message's plain text (the
// MIME parser already turned HTML into text; blockquotes may come as lines
// prefixed with "> "): quoted text and signatures removed, line breaks
// between kept lines kept, blank lines run together, trimmed.
//
// Quoted text is what ">" lines hold, and what follows a quote opener
// (原始邮件, -----Original Message-----, a 发件人:/From: header block, "在 …
// 写道：", "On … wrote:", forward headers). Below an opener followed by ">"
// lines, the quote ends where they end, and text after it is own text again
// (replies written under the quote, as on iPhones, and between quotes); below
// an opener without ">" lines, everything is quoted. A signature is a "-- "
// line and what follows it up to the next quote, and lines such as
// "发自我的iPhone" or "Sent from my iPhone".
func OwnText(text string) string { return OwnTextUpTo(text, len(text)) }

// OwnTextUpTo is OwnText, stopping once it has kept at least limit bytes:
// a caller that keeps only the first limit bytes needs no more, and a long
// message costs no more than a short one. (What is cut may end in white
// space OwnText would have kept before later lines.)
func OwnTextUpTo(text string, limit int) string {
	lines := strings.Split(text, "\n")
	var out strings.Builder
	out.Grow(min(len(text), limit+256))
	blank := false // a blank line is due before the next kept line
	inSig := false
	for i := 0; i < len(lines) && out.Len() < limit; i++ {
		line := strings.TrimSuffix(lines[i], "\r")
		if quotedLine(line) {
			inSig = false
			continue
		}
		if n := openerLines(lines, i); n > 0 {
			inSig = false
			j := skipHeaders(lines, i+n)
			if j < len(lines) && quotedLine(lines[j]) {
				i = j - 1
				continue
			}
			break
		}
		switch {
		case inSig:
		case signatureDelimiter(line):
			inSig = true
		case deviceSignature(line):
		case strings.TrimSpace(line) == "":
			blank = out.Len() > 0
		default:
			if blank {
				out.WriteByte('\n')
				blank = false
			}
			out.WriteString(line)
			out.WriteByte('\n')
		}
	}
	own := strings.TrimSpace(out.String())
	if !utf8.ValidString(own) {
		// Invalid bytes are dropped, so the own text is never longer than the mail.
		own = strings.TrimSpace(strings.ToValidUTF8(own, ""))
	}
	return own
}

// quotedLine reports whether a line is quoted with ">" (or a full-width "＞").
func quotedLine(line string) bool {
	t := strings.TrimLeft(line, " \t")
	return strings.HasPrefix(t, ">") || strings.HasPrefix(t, "＞")
}

// skipHeaders returns the first line from j on that is neither blank nor a
// header line of a quote (发送时间:, Subject:).
func skipHeaders(lines []string, j int) int {
	for n := 0; j < len(lines) && n < 16; j, n = j+1, n+1 {
		l := strings.TrimSuffix(lines[j], "\r")
		if strings.TrimSpace(l) != "" && headerLabel(l) == labelNone {
			break
		}
	}
	return j
}

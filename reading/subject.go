package reading

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// replyPrefixes are the reply and forward prefixes mailers put before a
// subject, each followed by an ASCII or full-width colon. Fwd comes before
// Fw so that "Fwd:" is not read as "Fw" and a stray "d:".
var replyPrefixes = []string{
	"re", "fwd", "fw", "回复", "回復", "答复", "答覆", "回覆", "转发", "轉發", "轉寄", "转寄",
}

// StripSubjectPrefixes removes reply and forward prefixes from the start of
// a subject, repeated and in any mix: Re:, RE：, 回复:, 回復:, 答复:, 答覆:,
// 回覆:, Fw:, FW:, Fwd:, 转发:, 轉發:, 轉寄:, 转寄:, with ASCII or full-width
// colons and spaces. Anything else stops it, and is kept: "Re[2]:" and
// "[External]"-style tags are not reply prefixes, and a prefix after them
// stays too. The result is trimmed.
func StripSubjectPrefixes(subject string) string {
	s := subject
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	for {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		rest, ok := cutReplyPrefix(s)
		if !ok {
			return strings.TrimRightFunc(s, unicode.IsSpace)
		}
		s = rest
	}
}

// cutReplyPrefix removes one prefix and its colon from the start of s.
func cutReplyPrefix(s string) (string, bool) {
	for _, p := range replyPrefixes {
		if len(s) < len(p) || !strings.EqualFold(s[:len(p)], p) {
			continue
		}
		rest := strings.TrimLeftFunc(s[len(p):], unicode.IsSpace)
		if r, ok := strings.CutPrefix(rest, ":"); ok {
			return r, true
		}
		if r, ok := strings.CutPrefix(rest, "："); ok {
			return r, true
		}
	}
	return s, false
}

package filing

import (
	"fmt"
	"strings"
)

// Language is the language an applicant reads their email in.
type Language string

const (
	LangChinese Language = "zh-CN"
	LangEnglish Language = "en"
)

// DefaultLanguage is what an account gets when none is given: applicants are
// mostly mainland customers.
const DefaultLanguage = LangChinese

// OrDefault is l if icpdesk writes in it, else DefaultLanguage: an email is
// never left unwritten over a language it does not know.
func (l Language) OrDefault() Language {
	if l == LangEnglish || l == LangChinese {
		return l
	}
	return DefaultLanguage
}

// ParseLanguage accepts the common spellings of the two supported languages.
func ParseLanguage(s string) (Language, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return DefaultLanguage, nil
	case "zh-cn", "zh", "zh_cn", "zh-hans", "cn":
		return LangChinese, nil
	case "en", "en-us", "en-gb", "en_us":
		return LangEnglish, nil
	}
	return "", fmt.Errorf("unknown language %q (want zh-CN or en)", s)
}

// Text is one message in both languages.
type Text struct {
	Zh string `json:"zh"`
	En string `json:"en"`
}

// In returns the message in lang, falling back to Chinese.
func (t Text) In(lang Language) string {
	if lang == LangEnglish && t.En != "" {
		return t.En
	}
	return t.Zh
}

package filing

import (
	"strings"
	"unicode/utf8"
)

// MaskIDNumber keeps the first and the last two characters of an ID number:
// 110105194912310021 → 1***************21.
func MaskIDNumber(id string) string {
	r := []rune(strings.TrimSpace(id))
	if len(r) < 4 {
		return strings.Repeat("*", len(r))
	}
	return string(r[0]) + strings.Repeat("*", len(r)-3) + string(r[len(r)-2:])
}

// MaskPhone keeps the first three and the last four digits of a mobile number:
// 13800138000 → 138****8000. Shorter numbers keep less so at least half is hidden.
func MaskPhone(phone string) string {
	r := []rune(strings.TrimSpace(phone))
	switch {
	case len(r) >= 11:
		return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
	case len(r) >= 4:
		keep := len(r) / 4
		return string(r[:keep]) + strings.Repeat("*", len(r)-2*keep) + string(r[len(r)-keep:])
	default:
		return strings.Repeat("*", len(r))
	}
}

// MaskName keeps the first character: 张三丰 → 张**, John → J***.
func MaskName(name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return ""
	}
	first, size := utf8.DecodeRuneInString(name)
	return string(first) + strings.Repeat("*", utf8.RuneCountInString(name[size:]))
}

// MaskEmail keeps the first character of the local part and the domain:
// zhangsan@example.cn → z***@example.cn. The number of stars is fixed so the
// length of the local part is not revealed.
func MaskEmail(email string) string {
	email = strings.TrimSpace(email)
	at := strings.LastIndexByte(email, '@')
	if at <= 0 {
		return MaskName(email)
	}
	first, _ := utf8.DecodeRuneInString(email)
	return string(first) + "***" + email[at:]
}

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

// MaskIDNumbersInText masks every valid mainland ID number in free text (an
// applicant's email saying "我的身份证号 110105…"), so text kept for staff
// never stores one raw. Runs of digits that fail the checksum are left alone:
// they are order numbers, phone numbers, ICP numbers.
func MaskIDNumbersInText(s string) string {
	var b []byte
	start := 0 // copied up to here
	for i := 0; i+18 <= len(s); {
		if !isDigit(s[i+16]) {
			// A number starting anywhere in s[i:i+17] would need s[i+16] to be
			// its digit: skip them all. Free text is mostly not digits, and
			// this is what keeps masking 20 KB of it cheap.
			i += 17
			continue
		}
		if !isDigit(s[i]) || (i > 0 && isAlnum(s[i-1])) {
			i++
			continue
		}
		j := i
		for j < len(s) && j-i < 17 && isDigit(s[j]) {
			j++
		}
		if j-i == 17 && j < len(s) && (isDigit(s[j]) || s[j] == 'X' || s[j] == 'x') &&
			(j+1 == len(s) || !isAlnum(s[j+1])) && ValidateIDNumber(s[i:j+1]) == nil {
			if b == nil {
				b = make([]byte, 0, len(s))
			}
			b = append(b, s[start:i]...)
			b = append(b, MaskIDNumber(s[i:j+1])...)
			start, i = j+1, j+1
			continue
		}
		i = j + 1
	}
	if b == nil {
		return s
	}
	return string(append(b, s[start:]...))
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlnum(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

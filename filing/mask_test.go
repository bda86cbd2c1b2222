package filing

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestMaskPhone(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"13800138000", "138****8000"},
		{" 13900139000 ", "139****9000"},
		{"8613800138000", "861******8000"}, // longer: still first 3 and last 4
		{"12345678", "12****78"},
		{"1234", "1**4"},
		{"123", "***"},
		{"", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := MaskPhone(tc.in); got != tc.want {
				t.Errorf("MaskPhone(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestMaskName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"张三丰", "张**"},
		{"张三", "张*"},
		{"张", "张"},
		{" 欧阳娜娜 ", "欧***"},
		{"John", "J***"},
		{"", ""},
		{"   ", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := MaskName(tc.in); got != tc.want {
				t.Errorf("MaskName(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestMaskEmail(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"zhangsan@example.cn", "z***@example.cn"},
		{"a@example.cn", "a***@example.cn"},
		{"averyveryverylonglocalpart@example.com", "a***@example.com"}, // fixed star count
		{"张三@example.cn", "张***@example.cn"},
		{" zhangsan@example.cn ", "z***@example.cn"},
		{"not-an-address", "n*************"},
		{"@example.cn", "@**********"},
		{"", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := MaskEmail(tc.in); got != tc.want {
				t.Errorf("MaskEmail(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestMaskIDNumbersInText(t *testing.T) {
	id := "11010519491231002X"
	for in, want := range map[string]string{
		"我的身份证号" + id + "，请核对":                  "我的身份证号1***************2X，请核对",
		"ID: " + strings.ToLower(id) + ".":      "ID: 1***************2x.",
		id:                                      "1***************2X",
		"two " + id + " and 330106198503121231": "two 1***************2X and 3***************31",
		// Not ID numbers: a wrong checksum, longer runs, parts of words.
		"110105194912310021":        "110105194912310021",
		"order 11010519491231002X9": "order 11010519491231002X9",
		"A11010519491231002X":       "A11010519491231002X",
		"phone 13800138000":         "phone 13800138000",
		"":                          "",
	} {
		if got := MaskIDNumbersInText(in); got != want {
			t.Errorf("MaskIDNumbersInText(%q) = %q, want %q", in, got, want)
		}
	}
}

// refMaskIDNumbersInText is MaskIDNumbersInText looking at every position:
// the skipping version must find exactly what it finds.
func refMaskIDNumbersInText(s string) string {
	var b strings.Builder
	start := 0
	for i := 0; i+18 <= len(s); {
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
			b.WriteString(s[start:i])
			b.WriteString(MaskIDNumber(s[i : j+1]))
			start, i = j+1, j+1
			continue
		}
		i = j + 1
	}
	b.WriteString(s[start:])
	return b.String()
}

func TestMaskIDNumbersInTextMatchesReference(t *testing.T) {
	pieces := []string{"11010519491231002X", "330106198503121231", "11010519491231002x", "110105194912310021",
		"0", "1", "7", "X", "x", "a", "-", " ", "号", "，", "13800138000", "2026"}
	r := rand.New(rand.NewPCG(7, 8))
	for n := 0; n < 20000; n++ {
		var b strings.Builder
		for k := r.IntN(12); k >= 0; k-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := MaskIDNumbersInText(s), refMaskIDNumbersInText(s); got != want {
			t.Fatalf("MaskIDNumbersInText(%q) = %q, want %q", s, got, want)
		}
	}
}

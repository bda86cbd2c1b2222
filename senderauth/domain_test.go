package senderauth

import "testing"

func TestAligned(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"example.com", "example.com", true},
		{"mail.example.com", "example.com", true},
		{"EXAMPLE.com.", "a.b.example.com", true},
		{"evil-example.com", "example.com", false},
		{"example.com.cn", "example.cn", false},
		{"a.example.com.cn", "example.com.cn", true},
		{"com.cn", "com.cn", false}, // a public suffix is nobody's
		{"example.com", "", false},
		{"", "", false},
		{"[192.0.2.1]", "[192.0.2.1]", false},
		{"例子.中国", "xn--fsqu00a.xn--fiqs8s", true},
		{"ｅxample.cn", "example.cn", false}, // no UTS 46 mapping
	} {
		if got := aligned(tt.a, tt.b); got != tt.want {
			t.Errorf("aligned(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestShown(t *testing.T) {
	if got := shown("a\r\nb\x00c\xff"); got != "a??b?c?" {
		t.Errorf("shown = %q", got)
	}
	long := make([]byte, 500)
	for i := range long {
		long[i] = 'x'
	}
	if got := []rune(shown(string(long))); len(got) != maxShown+1 {
		t.Errorf("len(shown(500 x)) = %d runes, want %d", len(got), maxShown+1)
	}
}

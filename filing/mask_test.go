package filing

import "testing"

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

package filing

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// The 31 provincial-level abbreviations of the mainland, and the alternative
// forms some bureaus print, listed independently of the package's constant.
const (
	mainProvinces = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新"
	altProvinces  = "蜀黔滇陇秦"
)

func TestProvincesConstant(t *testing.T) {
	if n := len([]rune(mainProvinces)); n != 31 {
		t.Fatalf("test list has %d provinces, want 31", n)
	}
	for _, r := range mainProvinces + altProvinces {
		if !strings.ContainsRune(provinces, r) {
			t.Errorf("provinces lacks %c", r)
		}
	}
	seen := map[rune]bool{}
	for _, r := range provinces {
		if seen[r] {
			t.Errorf("provinces lists %c twice", r)
		}
		seen[r] = true
		if !strings.ContainsRune(mainProvinces+altProvinces, r) {
			t.Errorf("provinces has unexpected %c", r)
		}
	}
}

func TestParseICPNumberEveryProvince(t *testing.T) {
	for _, r := range provinces {
		p := string(r)
		t.Run(p, func(t *testing.T) {
			for _, tc := range []struct {
				in   string
				want ICPNumber
			}{
				{p + "ICP备12345678号", ICPNumber{Province: p, Number: "12345678"}},
				{p + "ICP备12345678号-1", ICPNumber{Province: p, Number: "12345678", Site: "1"}},
			} {
				got, err := ParseICPNumber(tc.in)
				if err != nil || got != tc.want {
					t.Errorf("ParseICPNumber(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
				}
				if got.String() != tc.in {
					t.Errorf("String() = %q, want %q", got.String(), tc.in)
				}
			}
		})
	}
	for _, p := range []string{"蜀", "黔", "滇", "陇", "川", "甘", "秦"} {
		if _, err := ParseICPNumber(p + "ICP备20260001号-2"); err != nil {
			t.Errorf("province %s: %v", p, err)
		}
	}
}

func TestParseICPNumber(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want string // canonical String(); "" means rejected
	}{
		{"6 digits", "浙ICP备123456号", "浙ICP备123456号"},
		{"7 digits", "浙ICP备1234567号", "浙ICP备1234567号"},
		{"8 digits with site", "浙ICP备12345678号-1", "浙ICP备12345678号-1"},
		{"9 digits", "浙ICP备123456789号", "浙ICP备123456789号"},
		{"10 digits", "京ICP备2026012345号-12", "京ICP备2026012345号-12"},
		{"4-digit site", "粤ICP备12345678号-1234", "粤ICP备12345678号-1234"},
		{"full-width digits and dash", "浙ICP备１２３４５６７８号－１", "浙ICP备12345678号-1"},
		{"lower-case icp", "浙icp备12345678号-1", "浙ICP备12345678号-1"},
		{"capitalised Icp", "浙Icp备12345678号", "浙ICP备12345678号"},
		{"full-width ICP", "浙ＩＣＰ备12345678号", "浙ICP备12345678号"},
		{"surrounding spaces", "  浙ICP备12345678号-1\u3000", "浙ICP备12345678号-1"},
		{"em dash", "浙ICP备12345678号—3", "浙ICP备12345678号-3"},

		{"5 digits", "浙ICP备12345号", ""},
		{"11 digits", "浙ICP备12345678901号", ""},
		{"5-digit site", "浙ICP备12345678号-12345", ""},
		{"dash without site", "浙ICP备12345678号-", ""},
		{"no 号", "浙ICP备12345678", ""},
		{"unknown province", "港ICP备12345678号", ""},
		{"no province", "ICP备12345678号", ""},
		{"ICP licence, not filing", "浙ICP证12345678号", ""},
		{"text before", "备案号浙ICP备12345678号", ""},
		{"text after", "浙ICP备12345678号。", ""},
		{"two numbers", "浙ICP备12345678号浙ICP备12345678号", ""},
		{"letters in number", "浙ICP备1234A678号", ""},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseICPNumber(tc.in)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("ParseICPNumber(%q) = %+v, want an error", tc.in, got)
				}
				if !errors.Is(err, ErrICPNumber) {
					t.Errorf("error %v does not wrap ErrICPNumber", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseICPNumber(%q): %v", tc.in, err)
			}
			if got.String() != tc.want {
				t.Errorf("ParseICPNumber(%q) = %q, want %q", tc.in, got.String(), tc.want)
			}
		})
	}
}

func TestFindICPNumbers(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want []string
	}{
		{"sentence", "您好,我们网站的备案号是浙ICP备12345678号-1,请查收。", []string{"浙ICP备12345678号-1"}},
		{"subject and site numbers", "主体备案号:京ICP备2026012345号,网站备案号:京ICP备2026012345号-2。",
			[]string{"京ICP备2026012345号", "京ICP备2026012345号-2"}},
		{"duplicates once", "浙ICP备12345678号-1 和 浙icp备１２３４５６７８号－１", []string{"浙ICP备12345678号-1"}},
		{"adjacent to Chinese", "已取得蜀ICP备123456号-3备案", []string{"蜀ICP备123456号-3"}},
		{"several provinces", "粤ICP备11111111号、黔ICP备22222222号;滇ICP备33333333号-9",
			[]string{"粤ICP备11111111号", "黔ICP备22222222号", "滇ICP备33333333号-9"}},
		{"too short is ignored", "浙ICP备12345号", nil},
		{"none", "我们的网站还没有备案号", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, n := range FindICPNumbers(tc.in) {
				got = append(got, n.String())
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("FindICPNumbers(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestNormalizeReference(t *testing.T) {
	for _, tc := range []struct {
		in, want string // want "" means rejected
	}{
		{"BA-2026-000123", "BA-2026-000123"},
		{"ba-2026-000123", "BA-2026-000123"},
		{"  BA-2026-000123\n", "BA-2026-000123"},
		{"ＢＡ－２０２６－０００１２３", "BA-2026-000123"},
		{"X-1", "X-1"},
		{"ICPDESKS-AB12-CD34-EF56", "ICPDESKS-AB12-CD34-EF56"},
		{"BA-2026", "BA-2026"},

		{"", ""},
		{"BA", ""},
		{"BA2026000123", ""},
		{"2026-000123", ""},
		{"BA-", ""},
		{"BA--2026", ""},
		{"BA-2026-", ""},
		{"X-Mailer", ""},
		{"e-mail", ""},
		{"BA-2026-000123-01-02", ""},          // four groups
		{"ABCDEFGHI-2026", ""},                // prefix of 9
		{"BA-2026-0001234567890", ""},         // group of 13
		{"BA 2026 000123", ""},                // spaces
		{"BA_2026_000123", ""},                // underscores
		{"[ICP#BA-2026-000123]", ""},          // a tag, not a reference
		{"BA-2026-000123\r\nBcc: x@y.cn", ""}, // header injection
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := NormalizeReference(tc.in)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("NormalizeReference(%q) = %q, want an error", tc.in, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("NormalizeReference(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestGeneratedReference(t *testing.T) {
	for _, tc := range []struct {
		year, seq int
		want      string
	}{
		{2026, 123, "ICPD-2026-000123"},
		{2026, 1, "ICPD-2026-000001"},
		{2027, 999999, "ICPD-2027-999999"},
	} {
		got := GeneratedReference(tc.year, tc.seq)
		if got != tc.want {
			t.Errorf("GeneratedReference(%d, %d) = %q, want %q", tc.year, tc.seq, got, tc.want)
		}
		if n, err := NormalizeReference(got); err != nil || n != got {
			t.Errorf("generated reference %q does not normalise to itself: %q, %v", got, n, err)
		}
		if p := GeneratedReferencePrefix(tc.year); !strings.HasPrefix(got, p) {
			t.Errorf("%q does not start with GeneratedReferencePrefix(%d) = %q", got, tc.year, p)
		}
	}
	if p := GeneratedReferencePrefix(2026); p != "ICPD-2026-" {
		t.Errorf("GeneratedReferencePrefix(2026) = %q, want ICPD-2026-", p)
	}
}

func TestFindReferences(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want []string
	}{
		{"header names and words without digits", "X-Mailer: Foxmail\nplease e-mail me, Content-Type: text/plain", nil},
		{"plain", "Re: BA-2026-000123", []string{"BA-2026-000123"}},
		{"next to Chinese", "备案号BA-2026-000123已修改", []string{"BA-2026-000123"}},
		{"Chinese punctuation", "您好:BA-2026-000123。谢谢!", []string{"BA-2026-000123"}},
		{"full-width brackets", "（BA-2026-000123）", []string{"BA-2026-000123"}},
		{"full-width reference", "编号：ＢＡ－２０２６－０００１２３", []string{"BA-2026-000123"}},
		{"lower case", "ref ba-2026-000123 please", []string{"BA-2026-000123"}},
		{"adjacent, comma", "BA-2026-000001,BA-2026-000002", []string{"BA-2026-000001", "BA-2026-000002"}},
		{"adjacent, Chinese conjunction", "BA-2026-000001和BA-2026-000002", []string{"BA-2026-000001", "BA-2026-000002"}},
		{"adjacent, one space", "BA-2026-000001 BA-2026-000002 BA-2026-000003",
			[]string{"BA-2026-000001", "BA-2026-000002", "BA-2026-000003"}},
		{"duplicates once, order kept", "BA-2026-000002 BA-2026-000001 ba-2026-000002",
			[]string{"BA-2026-000002", "BA-2026-000001"}},
		{"after a header name", "X-Mailer: BA-2026-000123", []string{"BA-2026-000123"}},
		{"inside a tag", "[ICP#BA-2026-000123]", []string{"BA-2026-000123"}},
		{"glued to letters is one token", "xBA-2026-000123", []string{"XBA-2026-000123"}},
		{"glued to digits is not a reference", "1BA-2026-000123", nil},
		{"too many groups", "BA-2026-000123-01-02", nil},
		{"dates are not references", "2026-12-08 23:59:59", nil},
		{"empty", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := FindReferences(tc.in)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("FindReferences(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestTag(t *testing.T) {
	const ref = "BA-2026-000123"
	if got := Tag(ref); got != "[ICP#BA-2026-000123]" {
		t.Fatalf("Tag = %q", got)
	}
	for _, tc := range []struct {
		name string
		in   string
		want []string
	}{
		{"round trip", Tag(ref), []string{ref}},
		{"in a subject", "备案已退回 " + Tag(ref) + " 请在 7 日内修改", []string{ref}},
		{"reply prefixes", "Re: 回复: 答复:" + Tag(ref), []string{ref}},
		{"Chinese brackets, lower case", "回复:【ICP#ba-2026-000123】已修改", []string{ref}},
		{"full-width number sign", "[ICP＃BA-2026-000123]", []string{ref}},
		{"full-width square brackets", "［ICP#BA-2026-000123］", []string{ref}},
		{"full-width everything", "【ＩＣＰ＃ＢＡ－２０２６－０００１２３】", []string{ref}},
		{"spaces", "[ ICP # BA-2026-000123 ]", []string{ref}},
		{"lower-case icp", "[icp#BA-2026-000123]", []string{ref}},
		{"multiple tags", "Fwd: [ICP#BA-2026-000001] [ICP#BA-2026-000002]【ICP#BA-2026-000001】",
			[]string{"BA-2026-000001", "BA-2026-000002"}},
		{"mixed bracket pair", "[ICP#BA-2026-000123】", []string{ref}},
		{"bare reference is not a tag", "Re: BA-2026-000123", nil},
		{"tag without digits", "[ICP#X-MAILER]", nil},
		{"no closing bracket", "[ICP#BA-2026-000123", nil},
		{"other tag", "[BA#BA-2026-000123]", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := FindTags(tc.in); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("FindTags(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	// Every generated reference survives the round trip.
	for _, seq := range []int{1, 42, 123456} {
		r := GeneratedReference(2026, seq)
		if got := FindTags("Re: " + Tag(r)); !reflect.DeepEqual(got, []string{r}) {
			t.Errorf("FindTags(Tag(%q)) = %q", r, got)
		}
	}
}

func TestRemoveTags(t *testing.T) {
	for in, want := range map[string]string{
		"回复：[ICP#BA-2026-000123] 管局退回备案，请于": "回复： 管局退回备案，请于",
		"【ICP＃BA-2026-000123】已修改，谢谢":        "已修改，谢谢",
		"[notatag] x": "[notatag] x",
		"no tags":     "no tags",
	} {
		if got := RemoveTags(in); got != want {
			t.Errorf("RemoveTags(%q) = %q, want %q", in, got, want)
		}
	}
}

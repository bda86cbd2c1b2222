package filing

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func TestIDCheckChar(t *testing.T) {
	// The GB 11643-1999 standard's own example.
	if c, err := IDCheckChar("11010519491231002"); err != nil || c != 'X' {
		t.Fatalf(`IDCheckChar("11010519491231002") = %q, %v; want 'X', nil`, c, err)
	}
	// Compare with the independent computation on many pseudo-random inputs,
	// so every check value 0–9 and X is exercised.
	seen := map[byte]bool{}
	x := uint64(12345)
	for n := 0; n < 2000; n++ {
		var b [17]byte
		for i := range b {
			x = x*6364136223846793005 + 1442695040888963407
			b[i] = byte('0' + (x>>33)%10)
		}
		got, err := IDCheckChar(string(b[:]))
		if err != nil {
			t.Fatalf("IDCheckChar(%q): %v", b, err)
		}
		if want := gbCheckChar(string(b[:])); got != want {
			t.Fatalf("IDCheckChar(%q) = %c, want %c", b, got, want)
		}
		seen[got] = true
	}
	if len(seen) != 11 {
		t.Errorf("check characters seen: %d, want all 11", len(seen))
	}

	for _, tc := range []struct {
		name, in string
		want     error
	}{
		{"16 digits", "1101051949123100", ErrIDLength},
		{"18 digits", "110105194912310021", ErrIDLength},
		{"empty", "", ErrIDLength},
		{"letter", "1101051949123100A", ErrIDChars},
		{"space", "11010519491231 02", ErrIDChars},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := IDCheckChar(tc.in); !errors.Is(err, tc.want) {
				t.Errorf("IDCheckChar(%q) error = %v, want %v", tc.in, err, tc.want)
			}
		})
	}
}

func TestValidateIDNumber(t *testing.T) {
	for _, tc := range []struct {
		name, id string
		want     error // nil: valid
	}{
		{"GB 11643 example", "11010519491231002X", nil},
		{"generated Shenzhen", idLi, nil},
		{"generated Shanghai", idWang, nil},
		{"29 Feb of leap year 1992", idZhao, nil},
		{"29 Feb 2000", mkID("11010520000229001"), nil},
		{"born 1 Jan 1900", mkID("11010519000101001"), nil},
		{"lower-case x", "11010519491231002x", nil},
		{"spaces inside", "110105 19491231 002X", nil},
		{"leading and trailing spaces", "  11010519491231002X\t", nil},
		{"full-width digits and X", "１１０１０５１９４９１２３１００２Ｘ", nil},
		{"full-width lower-case x", "１１０１０５１９４９１２３１００２ｘ", nil},
		{"ideographic space", "110105\u300019491231002X", nil},

		{"wrong checksum", "110105194912310021", ErrIDChecksum},
		{"generated ID with another check digit", idLi[:17] + otherCheck(idLi[17]), ErrIDChecksum},
		{"X where a digit is due", idLi[:17] + "X", ErrIDChecksum},
		{"last char Z", idLi[:17] + "Z", ErrIDChars},
		{"last char Y", "11010519491231002Y", ErrIDChars},
		{"17 characters", "11010519491231002", ErrIDLength},
		{"19 characters", "11010519491231002X1", ErrIDLength},
		{"15-digit old format", "110105491231002", ErrIDLength},
		{"empty", "", ErrIDLength},
		{"letter in body", "11010519491231A02X", ErrIDChars},
		{"dash in body", "110105-9491231002X", ErrIDChars},
		{"30 February", mkID("11010519490230002"), ErrIDBirth},
		{"29 Feb of non-leap 2001", mkID("11010520010229002"), ErrIDBirth},
		{"29 Feb 1900 (not leap)", mkID("11010519000229002"), ErrIDBirth},
		{"month 13", mkID("11010519491331002"), ErrIDBirth},
		{"day 00", mkID("11010519491200002"), ErrIDBirth},
		{"born 1899", mkID("11010518991231002"), ErrIDBirth},
		{"born in 2999", mkID("11010529990101002"), ErrIDBirth},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateIDNumber(tc.id)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("ValidateIDNumber(%q) = %v, want valid", tc.id, err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("ValidateIDNumber(%q) = %v, want %v", tc.id, err, tc.want)
			}
		})
	}

	t.Run("Chinese character", func(t *testing.T) {
		err := ValidateIDNumber("11010519491231002叉")
		if !errors.Is(err, ErrIDLength) && !errors.Is(err, ErrIDChars) {
			t.Fatalf("ValidateIDNumber with a Chinese character = %v, want ErrIDLength or ErrIDChars", err)
		}
	})
}

// otherCheck returns a check character different from c.
func otherCheck(c byte) string {
	if c == '7' {
		return "8"
	}
	return "7"
}

func TestNormalizeIDNumber(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"11010519491231002x", "11010519491231002X"},
		{" 110105 19491231 002x ", "11010519491231002X"},
		{"１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"},
		{"110105\u300019491231\t002X\n", "11010519491231002X"},
	} {
		if got := NormalizeIDNumber(tc.in); got != tc.want {
			t.Errorf("NormalizeIDNumber(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMaskIDNumber(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"11010519491231002X", "1***************2X"},
		{"110105194912310021", "1***************21"},
		{idLi, idLi[:1] + strings.Repeat("*", 15) + idLi[16:]},
		{"  11010519491231002X ", "1***************2X"},
		{"1234", "1*34"},
		{"123", "***"},
		{"", ""},
	} {
		got := MaskIDNumber(tc.in)
		if got != tc.want {
			t.Errorf("MaskIDNumber(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := MaskIDNumber(idZhang); len(got) != 18 || strings.Count(got, "*") != 15 {
		t.Errorf("MaskIDNumber(%q) = %q: want 18 characters with 15 stars", idZhang, got)
	}
}

func TestNewFingerprinter(t *testing.T) {
	for _, tc := range []struct {
		name   string
		secret []byte
		ok     bool
	}{
		{"nil", nil, false},
		{"empty", []byte{}, false},
		{"15 bytes", bytes.Repeat([]byte("k"), 15), false},
		{"16 bytes", bytes.Repeat([]byte("k"), 16), true},
		{"64 bytes", bytes.Repeat([]byte("k"), 64), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fp, err := NewFingerprinter(tc.secret)
			if tc.ok != (err == nil) {
				t.Fatalf("NewFingerprinter(%d bytes) error = %v, want ok=%v", len(tc.secret), err, tc.ok)
			}
			if tc.ok && fp == nil {
				t.Fatal("NewFingerprinter returned nil without an error")
			}
			if !tc.ok && fp != nil {
				t.Fatal("NewFingerprinter returned a fingerprinter with an error")
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	fp := testFP(t)
	base := fp.Fingerprint(idZhang)
	if raw, err := hex.DecodeString(base); err != nil || len(raw) != 32 {
		t.Fatalf("fingerprint %q is not 32 hex-encoded bytes", base)
	}
	if strings.Contains(base, idZhang) || strings.Contains(strings.ToUpper(base), "19491231") {
		t.Fatalf("fingerprint %q contains the ID number", base)
	}

	t.Run("same ID, different spellings", func(t *testing.T) {
		for _, id := range []string{
			"11010519491231002x",
			" 110105 19491231 002X ",
			"１１０１０５１９４９１２３１００２Ｘ",
			"１１０１０５１９４９１２３１００２ｘ",
		} {
			if got := fp.Fingerprint(id); got != base {
				t.Errorf("Fingerprint(%q) = %s, want the same as for %s (%s)", id, got, idZhang, base)
			}
		}
	})
	t.Run("deterministic across fingerprinters with one secret", func(t *testing.T) {
		if got := testFP(t).Fingerprint(idZhang); got != base {
			t.Errorf("second fingerprinter gives %s, want %s", got, base)
		}
	})
	t.Run("different IDs differ", func(t *testing.T) {
		seen := map[string]string{}
		for _, id := range []string{idZhang, idLi, idWang, idZhao, "110105194912310021"} {
			f := fp.Fingerprint(id)
			if other, ok := seen[f]; ok {
				t.Errorf("%s and %s have the same fingerprint", id, other)
			}
			seen[f] = id
		}
	})
	t.Run("different secret differs", func(t *testing.T) {
		other, err := NewFingerprinter([]byte(testSecret + "!"))
		if err != nil {
			t.Fatal(err)
		}
		if other.Fingerprint(idZhang) == base {
			t.Error("two secrets give the same fingerprint")
		}
	})
	t.Run("secret is copied", func(t *testing.T) {
		secret := []byte(testSecret)
		f2, err := NewFingerprinter(secret)
		if err != nil {
			t.Fatal(err)
		}
		before := f2.Fingerprint(idZhang)
		for i := range secret {
			secret[i] = 0
		}
		if after := f2.Fingerprint(idZhang); after != before {
			t.Error("changing the caller's secret slice changed the fingerprints")
		}
	})
}

func TestNewPerson(t *testing.T) {
	fp := testFP(t)
	const field = "subject.responsible"
	type want struct {
		person Person
		codes  []string // sorted code@field
	}
	tests := []struct {
		name string
		in   PersonInput
		want want
	}{
		{
			name: "valid, normalised",
			in:   PersonInput{Name: "  张三丰 \n", IDNumber: " 110105 19491231 002x ", Phone: "+86 138-0013-8000", Email: " ZhangSan@Example.CN "},
			want: want{person: Person{Name: "张三丰", IDFingerprint: fp.Fingerprint(idZhang), IDMasked: "1***************2X",
				Phone: "13800138000", Email: "zhangsan@example.cn"}},
		},
		{
			name: "valid without email",
			in:   PersonInput{Name: "李四", IDNumber: idLi, Phone: "13900139000"},
			want: want{person: Person{Name: "李四", IDFingerprint: fp.Fingerprint(idLi), IDMasked: MaskIDNumber(idLi), Phone: "13900139000"}},
		},
		{
			name: "everything missing",
			in:   PersonInput{Name: " ", IDNumber: " ", Phone: "  "},
			want: want{codes: []string{"missing_field@" + field + ".id_number", "missing_field@" + field + ".name", "missing_field@" + field + ".phone"}},
		},
		{
			name: "everything wrong",
			in:   PersonInput{Name: "", IDNumber: "110105194912310021", Phone: "12345", Email: "Zhang <z@example.cn>"},
			want: want{codes: []string{"invalid_email@" + field + ".email", "invalid_id_number@" + field + ".id_number",
				"invalid_phone@" + field + ".phone", "missing_field@" + field + ".name"}},
		},
		{
			name: "bad ID only, other fields kept",
			in:   PersonInput{Name: "王五", IDNumber: mkID("11010519490230002"), Phone: "13700137000"},
			want: want{person: Person{Name: "王五", Phone: "13700137000"},
				codes: []string{"invalid_id_number@" + field + ".id_number"}},
		},
		{
			name: "ID typed into the phone field",
			in:   PersonInput{Name: "王五", IDNumber: idWang, Phone: idZhang},
			want: want{person: Person{Name: "王五", IDFingerprint: fp.Fingerprint(idWang), IDMasked: MaskIDNumber(idWang)},
				codes: []string{"invalid_phone@" + field + ".phone"}},
		},
		{
			name: "landline is not a mobile",
			in:   PersonInput{Name: "王五", IDNumber: idWang, Phone: "010-12345678"},
			want: want{person: Person{Name: "王五", IDFingerprint: fp.Fingerprint(idWang), IDMasked: MaskIDNumber(idWang)},
				codes: []string{"invalid_phone@" + field + ".phone"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, probs := fp.NewPerson(field, tc.in)
			got := codes(probs)
			if strings.Join(got, ",") != strings.Join(tc.want.codes, ",") {
				t.Errorf("problems = %v, want %v", got, tc.want.codes)
			}
			if p != tc.want.person {
				t.Errorf("person = %+v\nwant     %+v", p, tc.want.person)
			}
			for _, pr := range probs {
				if pr.Message.Zh == "" || pr.Message.En == "" {
					t.Errorf("problem %s has an empty message: %+v", pr.Code, pr.Message)
				}
				if !strings.HasPrefix(pr.Field, field+".") {
					t.Errorf("problem field %q does not name the person's place %q", pr.Field, field)
				}
			}
			// The raw ID number is nowhere in the person or the problems: not
			// whole, normalised, nor its middle digits (area code + birth date).
			secrets := []string{tc.in.IDNumber, NormalizeIDNumber(tc.in.IDNumber)}
			if n := NormalizeIDNumber(tc.in.IDNumber); len(n) == 18 {
				secrets = append(secrets, n[1:16], n[6:14])
			}
			for i := range secrets {
				secrets[i] = strings.TrimSpace(secrets[i])
			}
			assertNoSecret(t, "person", p, secrets...)
			assertNoSecret(t, "problems", probs, secrets...)
		})
	}

	t.Run("every ID error has both messages", func(t *testing.T) {
		for _, id := range []string{"1", "11010519491231A02X", mkID("11010519490230002"), "110105194912310021"} {
			_, probs := fp.NewPerson("p", PersonInput{Name: "x", IDNumber: id, Phone: "13800138000"})
			if len(probs) != 1 || probs[0].Code != "invalid_id_number" {
				t.Fatalf("ID %q: problems %v, want one invalid_id_number", id, probs)
			}
			m := probs[0].Message
			if strings.TrimPrefix(m.Zh, "p:") == "" || strings.TrimPrefix(m.En, "p: ") == "" {
				t.Errorf("ID %q: message has no reason: %+v", id, m)
			}
		}
	})
}

func TestSamePerson(t *testing.T) {
	fp := testFP(t)
	zhang1, _ := fp.NewPerson("a", PersonInput{Name: "张三丰", IDNumber: idZhang, Phone: "13800138000"})
	zhang2, _ := fp.NewPerson("b", PersonInput{Name: "张 三 丰", IDNumber: strings.ToLower(idZhang), Phone: "13900139000"})
	li, _ := fp.NewPerson("c", PersonInput{Name: "张三丰", IDNumber: idLi, Phone: "13800138000"})
	for _, tc := range []struct {
		name string
		p, q Person
		want bool
	}{
		{"same ID, different name and phone", zhang1, zhang2, true},
		{"same name, different ID", zhang1, li, false},
		{"no fingerprints", Person{Name: "张三丰"}, Person{Name: "张三丰"}, false},
		{"one fingerprint missing", zhang1, Person{Name: "张三丰"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.SamePerson(tc.q); got != tc.want {
				t.Errorf("SamePerson = %v, want %v", got, tc.want)
			}
		})
	}
	if got := zhang1.Masked(); got != "张**" {
		t.Errorf("Masked() = %q, want 张**", got)
	}
}

func TestNormalizePhone(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"13800138000", "13800138000"},
		{"+8613800138000", "13800138000"},
		{"+86 138 0013 8000", "13800138000"},
		{"+86-138-0013-8000", "13800138000"},
		{"008613800138000", "13800138000"},
		{"0086 138-0013-8000", "13800138000"},
		{"(+86) 13800138000", "13800138000"},
		{"  138 0013 8000  ", "13800138000"},
		{"１３８００１３８０００", "13800138000"},
		{"＋８６　１３８－００１３－８０００", "13800138000"},
		{"（＋８６）１３８００１３８０００", "13800138000"},
		{"", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got := NormalizePhone(tc.in)
			if got != tc.want {
				t.Errorf("NormalizePhone(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestValidMobile(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"13800138000", true},
		{"19912345678", true},
		{"15012345678", true},
		{"12012345678", false}, // second digit 2
		{"10012345678", false},
		{"23800138000", false},
		{"1380013800", false},   // 10 digits
		{"138001380000", false}, // 12 digits
		{"1380013800a", false},
		{"+8613800138000", false}, // not normalised
		{"１３８００１３８０００", false},
		{"", false},
	} {
		if got := ValidMobile(tc.in); got != tc.want {
			t.Errorf("ValidMobile(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string // want "" means rejected
	}{
		{"plain", "zhangsan@example.cn", "zhangsan@example.cn"},
		{"case folded", "ZhangSan@Example.CN", "zhangsan@example.cn"},
		{"trimmed", "  zhangsan@example.cn\t", "zhangsan@example.cn"},
		{"angle brackets only", "<ZhangSan@example.cn>", "zhangsan@example.cn"},
		{"empty", "", ""},
		{"blank", "   ", ""},
		{"display name", "Name <a@example.cn>", ""},
		{"quoted display name", `"张三" <a@example.cn>`, ""},
		{"encoded display name", "=?UTF-8?B?5byg5LiJ?= <a@example.cn>", ""},
		{"comment", "a@example.cn (Zhang)", ""},
		{"CRLF header injection", "a@example.cn\r\nBcc: x@example.com", ""},
		{"LF inside", "a\n@example.cn", ""},
		{"two addresses", "a@example.cn, b@example.cn", ""},
		{"no at", "example.cn", ""},
		{"no domain", "a@", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizeEmail(tc.in)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("NormalizeEmail(%q) = %q, want an error", tc.in, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("NormalizeEmail(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

// A normalised address is stored and later used as a recipient, so it must
// itself be a valid address that normalises to itself.
func TestNormalizeEmailIdempotent(t *testing.T) {
	for _, in := range []string{
		"ZhangSan@Example.CN",
		"<a.b+tag@example.cn>",
		`"zhang san"@example.cn`,
	} {
		t.Run(in, func(t *testing.T) {
			once, err := NormalizeEmail(in)
			if err != nil {
				return // rejecting is fine
			}
			twice, err := NormalizeEmail(once)
			if err != nil || twice != once {
				t.Errorf("NormalizeEmail(%q) = %q, but NormalizeEmail(%q) = %q, %v: a normalised address must normalise to itself",
					in, once, once, twice, err)
			}
		})
	}
}

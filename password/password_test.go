package password

import (
	"errors"
	"strings"
	"testing"
)

func TestHashVerify(t *testing.T) {
	h, err := Hash("correct horse battery", Default)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q: not the PHC form", h)
	}
	h2, _ := Hash("correct horse battery", Default)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for pw, want := range map[string]bool{"correct horse battery": true, "correct horse batterY": false, "": false} {
		ok, err := Verify(pw, h)
		if err != nil || ok != want {
			t.Errorf("Verify(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	if ok, err := Verify("anything", ""); ok || err != nil {
		t.Errorf("empty hash matched: %v %v", ok, err)
	}
}

func TestVerifyRejectsBadHashes(t *testing.T) {
	for _, h := range []string{"x", "$argon2i$v=19$m=1,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=99999999,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=64,t=1,p=1$!!$AAAA"} {
		if _, err := Verify("pw", h); !errors.Is(err, ErrFormat) {
			t.Errorf("Verify(%q): %v, want ErrFormat", h, err)
		}
	}
}

func TestCheck(t *testing.T) {
	if Check("short") != ErrTooShort || Check(strings.Repeat("长", 300)) != ErrTooLong || Check("九个字的密码不够用") != ErrTooShort || Check("十个字的密码就够用了") != nil {
		t.Error("length bounds wrong")
	}
}

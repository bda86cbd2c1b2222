package filing

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
)

// MinSecretBytes is the shortest fingerprint secret accepted: ID numbers carry
// little entropy, so a short key would let a leaked database be brute-forced.
const MinSecretBytes = 16

// Person is someone named in a filing as the database keeps them: the raw ID
// number is never stored, only a keyed fingerprint and a masked form.
type Person struct {
	Name          string `json:"name" db:"name"`
	IDFingerprint string `json:"id_fingerprint" db:"id_fingerprint"`
	IDMasked      string `json:"id_masked" db:"id_masked"`
	Phone         string `json:"phone" db:"phone"`
	Email         string `json:"email" db:"email"`
}

// SamePerson reports whether p and q hold the same ID number. Names are not
// compared: two people may share one, and one person may write it differently.
func (p Person) SamePerson(q Person) bool {
	return p.IDFingerprint != "" && hmac.Equal([]byte(p.IDFingerprint), []byte(q.IDFingerprint))
}

// Masked is the person as logs and digests may show them.
func (p Person) Masked() string {
	return MaskName(p.Name)
}

// PersonInput is a person as the filing system sends them, raw ID number included.
type PersonInput struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	Phone    string `json:"phone"`
	Email    string `json:"email"`
}

// Fingerprinter turns ID numbers into keyed fingerprints.
type Fingerprinter struct {
	secret []byte
}

// NewFingerprinter checks the secret and returns a fingerprinter keyed with it.
func NewFingerprinter(secret []byte) (*Fingerprinter, error) {
	if len(secret) < MinSecretBytes {
		return nil, fmt.Errorf("ID fingerprint secret is %d bytes, need at least %d", len(secret), MinSecretBytes)
	}
	return &Fingerprinter{secret: append([]byte(nil), secret...)}, nil
}

// Fingerprint is HMAC-SHA256 over the normalised ID number, hex-encoded.
func (f *Fingerprinter) Fingerprint(idNumber string) string {
	mac := hmac.New(sha256.New, f.secret)
	mac.Write([]byte(NormalizeIDNumber(idNumber)))
	return hex.EncodeToString(mac.Sum(nil))
}

// NormalizeIDNumber removes spaces and upper-cases the check character x.
func NormalizeIDNumber(id string) string {
	return strings.ToUpper(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, toHalfWidth(id)))
}

var (
	ErrIDLength   = errors.New("an ID number has 18 characters")
	ErrIDChars    = errors.New("an ID number is 17 digits and a digit or X")
	ErrIDBirth    = errors.New("the birth date in the ID number is not a real date")
	ErrIDChecksum = errors.New("the ID number's check character is wrong")
)

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// IDCheckChar computes the GB 11643 check character for the first 17 digits.
func IDCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, ErrIDLength
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0, ErrIDChars
		}
		sum += int(c-'0') * idWeights[i]
	}
	return idCheckChars[sum%11], nil
}

// ValidateIDNumber checks a mainland resident ID number (GB 11643-1999): 18
// characters, a real birth date and the check character.
func ValidateIDNumber(id string) error {
	id = NormalizeIDNumber(id)
	if len(id) != 18 {
		return ErrIDLength
	}
	want, err := IDCheckChar(id[:17])
	if err != nil {
		return err
	}
	if c := id[17]; c != 'X' && (c < '0' || c > '9') {
		return ErrIDChars
	}
	birth, err := time.Parse("20060102", id[6:14])
	if err != nil || birth.Year() < 1900 || birth.After(time.Now()) {
		return ErrIDBirth
	}
	if id[17] != want {
		return ErrIDChecksum
	}
	return nil
}

// NormalizePhone strips separators and a +86 prefix from a mainland mobile number.
func NormalizePhone(phone string) string {
	p := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '(' || r == ')' {
			return -1
		}
		return r
	}, toHalfWidth(strings.TrimSpace(phone)))
	p = strings.TrimPrefix(p, "+86")
	p = strings.TrimPrefix(p, "0086")
	return p
}

// ValidMobile reports whether p (normalised) is a mainland mobile number.
func ValidMobile(p string) bool {
	if len(p) != 11 || p[0] != '1' || p[1] < '3' || p[1] > '9' {
		return false
	}
	for i := 2; i < 11; i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return true
}

// NewPerson validates in and returns the person to store, with every problem
// found; field names the person's place in the filing (e.g. "subject.responsible").
func (f *Fingerprinter) NewPerson(field string, in PersonInput) (Person, []Problem) {
	var probs []Problem
	p := Person{Name: OneLine(in.Name)}
	if p.Name == "" {
		probs = append(probs, missing(field+".name"))
	}
	id := NormalizeIDNumber(in.IDNumber)
	switch {
	case id == "":
		probs = append(probs, missing(field+".id_number"))
	default:
		if err := ValidateIDNumber(id); err != nil {
			probs = append(probs, badIDProblem(field+".id_number", err))
		} else {
			p.IDFingerprint = f.Fingerprint(id)
			p.IDMasked = MaskIDNumber(id)
		}
	}
	phone := NormalizePhone(in.Phone)
	switch {
	case phone == "":
		probs = append(probs, missing(field+".phone"))
	case !ValidMobile(phone):
		probs = append(probs, Problem{Code: "invalid_phone", Field: field + ".phone", Message: Text{
			Zh: fmt.Sprintf("%s.phone:手机号码 %s 不是有效的中国大陆手机号", field, MaskPhone(phone)),
			En: fmt.Sprintf("%s.phone: %s is not a mainland mobile number", field, MaskPhone(phone)),
		}})
	default:
		p.Phone = phone
	}
	if e := strings.TrimSpace(in.Email); e != "" {
		norm, err := NormalizeEmail(e)
		if err != nil {
			probs = append(probs, Problem{Code: "invalid_email", Field: field + ".email", Message: Text{
				Zh: fmt.Sprintf("%s.email:电子邮箱地址无效(%v)", field, err),
				En: fmt.Sprintf("%s.email: invalid email address (%v)", field, err),
			}})
		}
		p.Email = norm
	}
	return p, probs
}

func badIDProblem(field string, err error) Problem {
	zh := map[error]string{
		ErrIDLength:   "身份证号码应为 18 位",
		ErrIDChars:    "身份证号码应为 17 位数字加 1 位数字或 X",
		ErrIDBirth:    "身份证号码中的出生日期无效",
		ErrIDChecksum: "身份证号码校验位错误",
	}[err]
	return Problem{Code: "invalid_id_number", Field: field, Message: Text{
		Zh: field + ":" + zh,
		En: field + ": " + err.Error(),
	}}
}

// NormalizeEmail parses a bare address and lower-cases it. Mailbox local parts
// are case-sensitive in theory (RFC 5321 §2.4) but no provider applicants use
// treats them so, and case-insensitive matching is what stops duplicates.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("empty address")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", fmt.Errorf("%q is not an email address", s)
	}
	// A quoted local part ("zhang san"@…) comes back unquoted and would no
	// longer parse; no applicant's provider issues such addresses.
	if a.Name != "" || !strings.Contains(a.Address, "@") || strings.ContainsAny(a.Address, "\r\n\t \"") {
		return "", fmt.Errorf("%q is not a bare email address", s)
	}
	return strings.ToLower(a.Address), nil
}

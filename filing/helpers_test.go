package filing

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// Shared fixtures for the package's tests.

// testSecret is a fingerprint secret long enough for NewFingerprinter.
const testSecret = "icpdesk-test-secret-0123456789"

// gbCheckChar computes the GB 11643-1999 check character independently of
// IDCheckChar: weight i (counted from the left, 1-based) is 2^(18-i) mod 11,
// and the check value is (12 - sum mod 11) mod 11, with 10 written X.
func gbCheckChar(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		w := 1
		for k := 0; k < 17-i; k++ {
			w = w * 2 % 11
		}
		sum += int(first17[i]-'0') * w
	}
	v := (12 - sum%11) % 11
	if v == 10 {
		return 'X'
	}
	return byte('0' + v)
}

// mkID completes 17 digits with their check character, cross-checking
// IDCheckChar against the independent computation.
func mkID(first17 string) string {
	c, err := IDCheckChar(first17)
	if err != nil {
		panic(fmt.Sprintf("mkID(%q): %v", first17, err))
	}
	if want := gbCheckChar(first17); c != want {
		panic(fmt.Sprintf("IDCheckChar(%q) = %c, independent computation gives %c", first17, c, want))
	}
	return first17 + string(c)
}

// People used across the tests. idZhang is the GB 11643 standard example.
var (
	idZhang = "11010519491231002X"
	idLi    = mkID("44030419851120002")
	idWang  = mkID("31011519780615003")
	idZhao  = mkID("33010619920229004") // 29 February of a leap year
)

func testFP(t testing.TB) *Fingerprinter {
	t.Helper()
	fp, err := NewFingerprinter([]byte(testSecret))
	if err != nil {
		t.Fatalf("NewFingerprinter: %v", err)
	}
	return fp
}

func pin(name, id, phone string) *PersonInput {
	return &PersonInput{Name: name, IDNumber: id, Phone: phone}
}

const (
	testCompany  = "示例科技(北京)有限公司"
	testAccount  = "applicant@example.cn"
	testImportAt = "2026-11-02T09:00:00+08:00"
)

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("parse time %q: %v", s, err)
	}
	return tm
}

// enterpriseInput is a valid enterprise filing: the legal representative is
// the subject responsible person (张三丰), the website responsible person is
// someone else (李四).
func enterpriseInput() FilingInput {
	var in FilingInput
	in.Ref = "BA-2026-000123"
	in.Account = testAccount
	in.Subject.Type = "enterprise"
	in.Subject.Name = testCompany
	in.Subject.LegalRepresentative = pin("张三丰", idZhang, "13800138000")
	in.Subject.Responsible = pin("张三丰", idZhang, "13800138000")
	in.Website.Name = "示例科技官网"
	in.Website.Responsible = pin("李四", idLi, "13900139000")
	in.Website.Domains = []DomainInput{{Name: "example.cn", Registrant: testCompany}}
	return in
}

// individualInput is a valid individual filing by 王五.
func individualInput() FilingInput {
	var in FilingInput
	in.Account = "wangwu@example.com"
	in.Subject.Type = "individual"
	in.Subject.Name = "王五"
	in.Subject.Responsible = pin("王五", idWang, "13700137000")
	in.Website.Name = "王五的博客"
	in.Website.Responsible = pin("王五", idWang, "13700137000")
	in.Website.Domains = []DomainInput{{Name: "wangwu.example.cn", Registrant: "王五"}}
	return in
}

// mustFiling builds a filing from a valid input or fails the test.
func mustFiling(t testing.TB, in FilingInput) Filing {
	t.Helper()
	f, probs := NewFiling(in, testFP(t), mustTime(t, testImportAt))
	if len(probs) > 0 {
		t.Fatalf("NewFiling: unexpected problems:\n%v", probs)
	}
	return f
}

// cloneFiling deep-copies a filing so a later comparison catches writes
// through its pointers and slices.
func cloneFiling(f Filing) Filing {
	g := f
	cp := func(p *time.Time) *time.Time {
		if p == nil {
			return nil
		}
		v := *p
		return &v
	}
	g.ReturnedAt, g.Deadline, g.SubmittedAt, g.ApprovedAt = cp(f.ReturnedAt), cp(f.Deadline), cp(f.SubmittedAt), cp(f.ApprovedAt)
	if f.Subject.LegalRepresentative != nil {
		lr := *f.Subject.LegalRepresentative
		g.Subject.LegalRepresentative = &lr
	}
	if f.Website.Domains != nil {
		g.Website.Domains = append([]Domain(nil), f.Website.Domains...)
	}
	return g
}

// allStrings returns every string reachable from v (fields, pointers, slices,
// maps), so tests can check that a secret appears nowhere in a value.
func allStrings(v any) []string {
	var out []string
	var walk func(reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			out = append(out, v.String())
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				walk(v.Field(i))
			}
		case reflect.Slice, reflect.Array:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i))
			}
		case reflect.Map:
			for _, k := range v.MapKeys() {
				walk(k)
				walk(v.MapIndex(k))
			}
		}
	}
	walk(reflect.ValueOf(v))
	return out
}

// assertNoSecret fails when any string in v contains any of the secrets.
func assertNoSecret(t *testing.T, what string, v any, secrets ...string) {
	t.Helper()
	for _, s := range allStrings(v) {
		for _, secret := range secrets {
			if secret != "" && strings.Contains(s, secret) {
				t.Errorf("%s contains secret %q in %q", what, secret, s)
			}
		}
	}
}

// codes lists problem codes with their fields, sorted, for comparison.
func codes(ps Problems) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Code + "@" + p.Field
	}
	slices.Sort(out)
	return out
}

// Package filingtest holds valid, fictitious filings and persons for tests
// across packages. The ID numbers pass the GB 11643 checksum but belong to
// nobody; the domains are example domains.
package filingtest

import (
	"fmt"

	"example.com/icpdesk/filing"
)

// Secret keys ID fingerprints in tests.
var Secret = []byte("icpdesk-test-secret-0123456789")

// Fingerprinter returns a fingerprinter keyed with Secret.
func Fingerprinter() *filing.Fingerprinter {
	fp, err := filing.NewFingerprinter(Secret)
	if err != nil {
		panic(err) // Secret is a constant long enough; this cannot happen
	}
	return fp
}

// ID completes 17 digits with their check character.
func ID(first17 string) string {
	c, err := filing.IDCheckChar(first17)
	if err != nil {
		panic(fmt.Sprintf("filingtest.ID(%q): %v", first17, err))
	}
	return first17 + string(c)
}

// Raw ID numbers of the fixture persons, so tests can look for leaks.
var (
	IDZhangSan = ID("33010619850312123") // legal representative and subject responsible
	IDLiSi     = ID("33010219900715456") // website responsible
	IDWangWu   = ID("44030519921108789") // individual applicant
	IDZhaoLiu  = ID("51010719880220345") // someone else
)

// AllIDs lists every raw ID number the fixtures use.
var AllIDs = []string{IDZhangSan, IDLiSi, IDWangWu, IDZhaoLiu}

// Person returns a person input with a valid mobile number.
func Person(name, id, phone, email string) *filing.PersonInput {
	return &filing.PersonInput{Name: name, IDNumber: id, Phone: phone, Email: email}
}

// Enterprise is an enterprise filing whose subject and website responsible
// persons differ (so it needs the authorization letter), owned by account.
func Enterprise(ref, account string) filing.FilingInput {
	var in filing.FilingInput
	in.Ref, in.Account = ref, account
	in.Subject.Type = "enterprise"
	in.Subject.Name = "杭州示例科技有限公司"
	in.Subject.LegalRepresentative = Person("张三", IDZhangSan, "13800138000", "zhangsan@example.cn")
	in.Subject.Responsible = Person("张三", IDZhangSan, "13800138000", "zhangsan@example.cn")
	in.Website.Name = "示例商城"
	in.Website.Responsible = Person("李四", IDLiSi, "13900139000", "lisi@example.cn")
	in.Website.Domains = []filing.DomainInput{
		{Name: "shop.example.cn", Registrant: "杭州示例科技有限公司"},
		{Name: "示例.中国", Registrant: "杭州示例科技有限公司"},
	}
	return in
}

// Individual is an individual's filing, owned by account.
func Individual(ref, account string) filing.FilingInput {
	var in filing.FilingInput
	in.Ref, in.Account = ref, account
	in.Subject.Type = "individual"
	in.Subject.Name = "王五"
	in.Subject.Responsible = Person("王五", IDWangWu, "13700137000", "wangwu@example.com")
	in.Website.Name = "王五的博客"
	in.Website.Responsible = Person("王五", IDWangWu, "13700137000", "wangwu@example.com")
	in.Website.Domains = []filing.DomainInput{{Name: "blog.example.com", Registrant: "王五"}}
	return in
}

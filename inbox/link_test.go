package inbox

import (
	"context"
	"strings"
	"testing"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/mailparse"
	"example.com/icpdesk/mailparse/mailtest"
	"example.com/icpdesk/store"
)

// mapDirectory is a Directory over maps, for the linker's unit and fuzz tests.
type mapDirectory struct {
	sent     map[string]store.SentMessage
	tokens   map[string]store.SentMessage // bounce token → email
	filings  []store.LinkFiling
	icp      map[int64]string   // filing id → ICP number
	domains  map[int64][]string // filing id → punycode domains
	lookups  int
	failWith error
}

func (d *mapDirectory) SentByBounceTokens(_ context.Context, tokens []string) (map[string]store.SentMessage, error) {
	d.lookups++
	out := map[string]store.SentMessage{}
	for _, t := range tokens {
		if s, ok := d.tokens[t]; ok {
			out[t] = s
		}
	}
	return out, d.failWith
}

func (d *mapDirectory) SentMessages(_ context.Context, ids []string) (map[string]store.SentMessage, error) {
	d.lookups++
	out := map[string]store.SentMessage{}
	for _, id := range ids {
		if s, ok := d.sent[id]; ok {
			out[id] = s
		}
	}
	return out, d.failWith
}

func (d *mapDirectory) LinkFilingsByID(_ context.Context, ids []int64) (map[int64]store.LinkFiling, error) {
	d.lookups++
	out := map[int64]store.LinkFiling{}
	for _, f := range d.filings {
		for _, id := range ids {
			if f.ID == id {
				out[id] = f
			}
		}
	}
	return out, d.failWith
}

func (d *mapDirectory) LinkFilingsByRef(_ context.Context, refs []string) (map[string]store.LinkFiling, error) {
	d.lookups++
	out := map[string]store.LinkFiling{}
	for _, f := range d.filings {
		for _, r := range refs {
			if f.Reference == r {
				out[r] = f
			}
		}
	}
	return out, d.failWith
}

func (d *mapDirectory) LinkFilingsByICPNumber(_ context.Context, nums []string) (map[string][]store.LinkFiling, error) {
	d.lookups++
	out := map[string][]store.LinkFiling{}
	for _, f := range d.filings {
		for _, n := range nums {
			if v := d.icp[f.ID]; v != "" && (v == n || strings.HasPrefix(v, n+"-")) {
				out[n] = append(out[n], f)
			}
		}
	}
	return out, d.failWith
}

func (d *mapDirectory) LinkFilingsByDomain(_ context.Context, names []string) (map[string][]store.LinkFiling, error) {
	d.lookups++
	out := map[string][]store.LinkFiling{}
	for _, f := range d.filings {
		for _, dom := range d.domains[f.ID] {
			for _, n := range names {
				if dom == n {
					out[n] = append(out[n], f)
				}
			}
		}
	}
	return out, d.failWith
}

func (d *mapDirectory) OpenLinkFilingsOf(_ context.Context, emails []string) (map[string][]store.LinkFiling, error) {
	d.lookups++
	out := map[string][]store.LinkFiling{}
	for _, f := range d.filings {
		for _, e := range emails {
			if f.AccountEmail == e && f.Stage != filing.StageApproved {
				out[e] = append(out[e], f)
			}
		}
	}
	return out, d.failWith
}

// LinkLookups answers all kinds at once, as *store.Tx does, counting one
// lookup.
func (d *mapDirectory) LinkLookups(ctx context.Context, l store.LinkLookup) (store.LinkLookupResult, error) {
	n := d.lookups
	defer func() { d.lookups = n + 1 }()
	var res store.LinkLookupResult
	res.Sent, _ = d.SentMessages(ctx, l.SentMessageIDs)
	var ids []int64
	for _, s := range res.Sent {
		if s.FilingID != 0 {
			ids = append(ids, s.FilingID)
		}
	}
	res.SentFilings, _ = d.LinkFilingsByID(ctx, ids)
	res.ByRef, _ = d.LinkFilingsByRef(ctx, l.Refs)
	res.ByICPNumber, _ = d.LinkFilingsByICPNumber(ctx, l.ICPNumbers)
	res.ByDomain, _ = d.LinkFilingsByDomain(ctx, l.Domains)
	res.OpenOf, _ = d.OpenLinkFilingsOf(ctx, l.Senders)
	return res, d.failWith
}

var testOwn = Own{Addresses: []string{"icp@example.cn", "staff@example.cn"}, MessageIDDomain: "example.cn"}

// testDirectory: zhangsan owns A (returned) and B (approved, with an ICP
// number); lisi owns C (returned, an IDN domain) and D (draft).
func testDirectory() *mapDirectory {
	returned := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	deadline := filing.Deadline(returned, 7, time.FixedZone("CST", 8*3600))
	f := func(id int64, ref, acct string, st filing.Stage) store.LinkFiling {
		lf := store.LinkFiling{ID: id, Reference: ref, Stage: st, AccountID: id * 10, AccountEmail: acct, AccountName: "张三", AccountLanguage: "zh-CN"}
		if st == filing.StageReturned {
			lf.ReturnedAt, lf.Deadline = &returned, &deadline
		}
		return lf
	}
	return &mapDirectory{
		filings: []store.LinkFiling{
			f(1, "BA-2026-000001", "zhangsan@example.cn", filing.StageReturned),
			f(2, "BA-2026-000002", "zhangsan@example.cn", filing.StageApproved),
			f(3, "BA-2026-000003", "lisi@example.com", filing.StageReturned),
			f(4, "BA-2026-000004", "lisi@example.com", filing.StageDraft),
		},
		sent: map[string]store.SentMessage{
			"icpdesk.aa01@example.cn": {OutboxID: 11, MessageID: "icpdesk.aa01@example.cn", Kind: "filing_returned", FilingID: 1},
			"icpdesk.aa03@example.cn": {OutboxID: 13, MessageID: "icpdesk.aa03@example.cn", Kind: "filing_submitted", FilingID: 3},
			"icpdesk.acct@example.cn": {OutboxID: 14, MessageID: "icpdesk.acct@example.cn", Kind: "account_approved"},
		},
		icp:     map[int64]string{2: "浙ICP备12345678号-1"},
		domains: map[int64][]string{1: {"shop.example.cn"}, 2: {"www2.example.com"}, 3: {"xn--fsq092h.xn--fiqs8s", "blog.example.com"}, 4: {"blog.example.com"}},
	}
}

func msg(from, subject, text string) *mailparse.Message {
	return &mailparse.Message{MessageID: "m1@example.com", From: mailparse.Address{Addr: from}, Subject: subject, Text: text}
}

func TestLinkRules(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		m    *mailparse.Message
		want string // filing reference, "" for unlinked
		rule Rule
	}{
		{"in-reply-to", &mailparse.Message{From: mailparse.Address{Addr: "x@example.com"}, InReplyTo: []string{"icpdesk.aa01@example.cn"}, Subject: "Re: BA-2026-000003"}, "BA-2026-000001", RuleInReplyTo},
		{"references", &mailparse.Message{From: mailparse.Address{Addr: "x@example.com"}, InReplyTo: []string{"foreign@example.com"}, References: []string{"icpdesk.aa03@example.cn", "foreign@example.com"}}, "BA-2026-000003", RuleReferences},
		{"reply to an account email falls through", &mailparse.Message{From: mailparse.Address{Addr: "zhangsan@example.cn"}, InReplyTo: []string{"icpdesk.acct@example.cn"}, Subject: "[ICP#BA-2026-000003]"}, "BA-2026-000003", RuleSubjectTag},
		{"subject tag", msg("x@example.com", "回复：【ICP＃ba-2026-000003】退回通知", "BA-2026-000001"), "BA-2026-000003", RuleSubjectTag},
		{"reference in text", msg("x@example.com", "备案", "我的备案号 BA-2026-000001 已修改"), "BA-2026-000001", RuleReference},
		{"full-width reference", msg("x@example.com", "ＢＡ－２０２６－０００００３", ""), "BA-2026-000003", RuleReference},
		{"icp number", msg("x@example.com", "关于浙ICP备12345678号", ""), "BA-2026-000002", RuleICPNumber},
		{"icp site number", msg("x@example.com", "", "备案号 浙ICP备12345678号-1 的网站"), "BA-2026-000002", RuleICPNumber},
		{"domain", msg("x@example.com", "", "网站shop.example.cn已修改"), "BA-2026-000001", RuleDomain},
		{"subdomain of a filed domain", msg("x@example.com", "", "请看 https://www.shop.example.cn/about"), "BA-2026-000001", RuleDomain},
		{"unicode domain", msg("x@example.com", "", "我们的网站示例.中国已经修改"), "BA-2026-000003", RuleDomain},
		{"punycode domain", msg("x@example.com", "xn--fsq092h.xn--fiqs8s", ""), "BA-2026-000003", RuleDomain},
		{"address domain is not a mention", msg("x@example.com", "", "联系 admin@shop.example.cn"), "", ""},
		{"sender's only open filing", msg("zhangsan@example.cn", "请审核", "已修改"), "BA-2026-000001", RuleSender},
		{"sender case-insensitive", msg("ZhangSan@Example.CN", "", ""), "BA-2026-000001", RuleSender},
		{"two open filings: ambiguous", msg("lisi@example.com", "请审核", ""), "", ""},
		{"domain of two filings: ambiguous", msg("zhangsan@example.cn", "", "blog.example.com 已修改"), "", ""},
		{"two references: ambiguous", msg("zhangsan@example.cn", "BA-2026-000001 BA-2026-000003", ""), "", ""},
		{"unknown reference falls through", msg("zhangsan@example.cn", "BA-2026-999999", ""), "BA-2026-000001", RuleSender},
		{"nothing", msg("nobody@example.com", "hello", "world"), "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := testDirectory()
			l, err := Linker{Own: testOwn}.Link(ctx, dir, c.m, ClassHuman)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if l.Filing != nil {
				got = l.Filing.Reference
			}
			if got != c.want || (got != "" && l.Rule != c.rule) {
				t.Fatalf("linked %q by %q (ambiguous %v), want %q by %q", got, l.Rule, l.Ambiguous, c.want, c.rule)
			}
			if strings.Contains(c.name, "ambiguous") && len(l.Ambiguous) < 2 {
				t.Fatalf("ambiguity not reported: %+v", l)
			}
		})
	}
}

func TestLinkBounceAndOwn(t *testing.T) {
	ctx := context.Background()
	dir := testDirectory()
	// A bounce naming our Message-ID is only a claim: anyone may write one.
	b, _ := mailparse.ParseBytes(mailtest.Bounce("icpdesk.aa03@example.cn", "lisi@example.com"), mailparse.ParseOptions{})
	l, err := Linker{Own: testOwn}.Link(ctx, dir, b, ClassBounce)
	if err != nil || l.Filing == nil || l.Filing.Reference != "BA-2026-000003" || l.Rule != RuleBounce || l.Replied != nil ||
		l.Claimed == nil || l.Claimed.OutboxID != 13 {
		t.Fatalf("bounce link %+v %v", l, err)
	}
	// With bounce addresses, the one it was delivered to names the email.
	const token = "0123456789abcdef0123456789abcdef"
	dir.tokens = map[string]store.SentMessage{token: dir.sent["icpdesk.aa03@example.cn"]}
	verp := testOwn
	verp.BounceAddress = "bounces+{token}@example.cn"
	b, _ = mailparse.ParseBytes(mailtest.BounceTo("icpdesk.aa01@example.cn", "lisi@example.com", "bounces+"+token+"@example.cn"), mailparse.ParseOptions{})
	l, err = Linker{Own: verp}.Link(ctx, dir, b, ClassBounce)
	if err != nil || l.Replied == nil || l.Replied.OutboxID != 13 || l.Filing == nil || l.Filing.Reference != "BA-2026-000003" {
		t.Fatalf("VERP bounce link %+v %v", l, err)
	}
	// A forged bounce: to a token no email has, naming an email it did not follow.
	b, _ = mailparse.ParseBytes(mailtest.BounceTo("icpdesk.aa03@example.cn", "lisi@example.com", "bounces+"+strings.Repeat("f", 32)+"@example.cn"), mailparse.ParseOptions{})
	if l, err = (Linker{Own: verp}).Link(ctx, dir, b, ClassBounce); err != nil || l.Replied != nil {
		t.Fatalf("forged VERP bounce acted on %+v %v", l.Replied, err)
	}
	own := msg("icp@example.cn", "[ICP#BA-2026-000001]", "")
	l, _ = Linker{Own: testOwn}.Link(ctx, dir, own, ClassOwn)
	if l.Filing != nil {
		t.Fatalf("own mail linked: %+v", l)
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		name string
		raw  []byte
		want Classification
	}{
		{"dsn", mailtest.Bounce("icpdesk.1@example.cn", "a@example.com"), ClassBounce},
		{"postmaster", mailtest.PlainBounce("icpdesk.1@example.cn"), ClassBounce},
		{"null return path", mailtest.NullReturnPath("robot@example.com"), ClassBounce},
		{"auto-submitted", mailtest.AutoReply("wangwu@example.com", ""), ClassAutoReply},
		{"subject only", mailtest.SubjectAutoReply("wangwu@example.com"), ClassAutoReply},
		{"precedence bulk", mailtest.Mail{From: "news@example.com", Subject: "hi", Headers: [][2]string{{"Precedence", "bulk"}}}.Bytes(), ClassAutoReply},
		{"auto-submitted no is human", mailtest.Mail{From: "a@example.com", Subject: "hi", Headers: [][2]string{{"Auto-Submitted", "no"}}}.Bytes(), ClassHuman},
		{"x-autorespond", mailtest.Mail{From: "a@example.com", Subject: "hi", Headers: [][2]string{{"X-Autorespond", "1"}}}.Bytes(), ClassAutoReply},
		{"own address", mailtest.Mail{From: "ICP@example.cn", Subject: "[ICP#BA-2026-000001]"}.Bytes(), ClassOwn},
		{"own message id", mailtest.Mail{From: "relay@example.com", MessageID: "icpdesk.00ff@example.cn"}.Bytes(), ClassOwn},
		{"staff", mailtest.Mail{From: "staff@example.cn", Subject: "fwd"}.Bytes(), ClassOwn},
		{"human", mailtest.CharsetFixtures(testAddr, testRef)[0].Raw, ClassHuman},
		{"human asking about auto replies", mailtest.Mail{From: "a@example.com", Subject: "Re: 为什么没有收到自动回复"}.Bytes(), ClassHuman},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := mailparse.ParseBytes(c.raw, mailparse.ParseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got, why := Classify(m, testOwn); got != c.want {
				t.Fatalf("classified %s (%s), want %s", got, why, c.want)
			}
		})
	}
}

func TestDecide(t *testing.T) {
	dir := testDirectory()
	a := dir.filings[0] // returned by the bureau, zhangsan
	d := dir.filings[3] // a draft never returned, lisi
	provider := dir.filings[3]
	returned, deadline := *a.ReturnedAt, *a.Deadline
	provider.ReturnedAt, provider.Deadline, provider.ReturnSource = &returned, &deadline, filing.ReturnedByProvider
	in := func(day int) time.Time { return time.Date(2026, 12, day, 12, 0, 0, 0, time.UTC) }
	replyToReturn := &store.SentMessage{Kind: "filing_returned", FilingID: 1}
	replyToAck := &store.SentMessage{Kind: "resubmission_received", FilingID: 1}
	p := NewProcessor(nil, ProcessorConfig{Own: testOwn})
	type tc struct {
		name       string
		m          *mailparse.Message
		class      Classification
		link       Link
		at         time.Time
		want       Decision
		needsReply bool
	}
	cases := []tc{
		{"done", msg("zhangsan@example.cn", "备案", "网站已修改，请重新审核。"), ClassHuman, Link{Filing: &a, Rule: RuleSender}, in(3), DecisionResubmission, false},
		{"a threaded reply alone is no intent", msg("zhangsan@example.cn", "Re: 退回", "好的"), ClassHuman, Link{Filing: &a, Rule: RuleInReplyTo, Replied: replyToReturn}, in(3), DecisionCorrespondence, false},
		{"review request answering the return", msg("zhangsan@example.cn", "Re: 退回", "请审核"), ClassHuman, Link{Filing: &a, Rule: RuleInReplyTo, Replied: replyToReturn}, in(3), DecisionResubmission, false},
		{"review request alone", msg("zhangsan@example.cn", "备案", "请审核"), ClassHuman, Link{Filing: &a, Rule: RuleSender}, in(3), DecisionCorrespondence, false},
		{"question and extension in reply to the return", msg("zhangsan@example.cn", "Re: 退回", "还没改好，请问能否延期？"), ClassHuman, Link{Filing: &a, Rule: RuleInReplyTo, Replied: replyToReturn}, in(3), DecisionCorrespondence, true},
		{"late", msg("zhangsan@example.cn", "", "已修改"), ClassHuman, Link{Filing: &a, Rule: RuleSender}, in(9), DecisionLateResubmission, false},
		{"done and an unrelated question", msg("zhangsan@example.cn", "", "已经改好了，请问多久能审核完？"), ClassHuman, Link{Filing: &a, Rule: RuleSender}, in(3), DecisionResubmission, true},
		{"question only", msg("zhangsan@example.cn", "请问", "为什么被退回？"), ClassHuman, Link{Filing: &a, Rule: RuleSender}, in(3), DecisionCorrespondence, true},
		{"negated", msg("zhangsan@example.cn", "", "我还没有来得及重新提交"), ClassHuman, Link{Filing: &a, Rule: RuleSender}, in(3), DecisionCorrespondence, false},
		{"quoted intent", msg("zhangsan@example.cn", "", "收到\n\n------------------ 原始邮件 ------------------\n发件人: icp@example.cn\n请修改后重新提交"), ClassHuman, Link{Filing: &a, Rule: RuleSender}, in(3), DecisionCorrespondence, false},
		{"a draft never returned", msg("lisi@example.com", "", "已修改"), ClassHuman, Link{Filing: &d, Rule: RuleReference}, in(3), DecisionCorrespondence, false},
		{"a provider return answered", msg("lisi@example.com", "", "已重新提交"), ClassHuman, Link{Filing: &provider, Rule: RuleReference}, in(3), DecisionResubmission, false},
		{"misread acknowledgement", msg("zhangsan@example.cn", "Re: 已收到您的重新提交", "我还没提交"), ClassHuman, Link{Filing: &a, Rule: RuleInReplyTo, Replied: replyToAck}, in(3), DecisionCorrespondence, true},
		{"forged sender", msg("attacker@example.com", "", "已修改"), ClassHuman, Link{Filing: &a, Rule: RuleReference}, in(3), DecisionUnverified, false},
		{"unlinked", msg("x@example.com", "", "已修改"), ClassHuman, Link{}, in(3), DecisionUnmatched, false},
		{"auto-reply", msg("zhangsan@example.cn", "", "已修改"), ClassAutoReply, Link{Filing: &a}, in(3), DecisionIgnored, false},
		{"own", msg("icp@example.cn", "", ""), ClassOwn, Link{}, in(3), DecisionIgnored, false},
		{"bounce", msg("mailer-daemon@example.com", "", ""), ClassBounce, Link{}, in(3), DecisionBounce, false},
		{"before the return", msg("zhangsan@example.cn", "", "已修改"), ClassHuman, Link{Filing: &a, Rule: RuleSender}, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), DecisionCorrespondence, false},
	}
	// IMAP arrival times have whole seconds: a reply arriving in the same
	// second as the return (the demo does that) is not "before the return".
	sameSecond := a
	returnedAt := in(3).Add(700 * time.Millisecond)
	sameSecond.ReturnedAt = &returnedAt
	cases = append(cases, tc{"reply in the second of the return", msg("zhangsan@example.cn", "Re: 退回", "已修改"), ClassHuman,
		Link{Filing: &sameSecond, Rule: RuleInReplyTo, Replied: replyToReturn}, in(3), DecisionResubmission, false})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pr := p.Prepare(context.Background(), c.m, nil, nil)
			pr.Class = c.class
			v := decide(pr, c.link, c.at, false)
			if v.Decision != c.want || v.NeedsReply != c.needsReply {
				t.Fatalf("decision %s needs reply %v (%s), want %s %v", v.Decision, v.NeedsReply, v.Why(), c.want, c.needsReply)
			}
			if v.Decision == DecisionResubmission && v.Understood == "" {
				t.Fatalf("a resubmission without the sentence it was read from: %+v", v)
			}
		})
	}
	v := decide(&Prepared{Msg: msg("zhangsan@example.cn", "", ""), ParseErr: errParseTest}, Link{Filing: &a}, in(3), false)
	if v.Decision != DecisionUnmatched {
		t.Fatalf("unparseable: %s", v.Decision)
	}
}

var errParseTest = &mailparse.PanicError{Value: "test"}

func TestCachedDirectoryBatchesLookups(t *testing.T) {
	ctx := context.Background()
	under := testDirectory()
	dir := newCachedDirectory(under)
	var keys []linkKeys
	var msgs []*mailparse.Message
	for i := 0; i < 50; i++ {
		m := msg("zhangsan@example.cn", "BA-2026-000001 浙ICP备12345678号", "shop.example.cn")
		msgs = append(msgs, m)
		keys = append(keys, extractKeys(m, testOwn))
	}
	if err := dir.prefetch(ctx, under, keys); err != nil {
		t.Fatal(err)
	}
	before := under.lookups
	for _, m := range msgs {
		l, err := Linker{Own: testOwn}.Link(ctx, dir, m, ClassHuman)
		if err != nil || l.Filing == nil || l.Filing.Reference != "BA-2026-000001" {
			t.Fatalf("%+v %v", l, err)
		}
	}
	if under.lookups != before {
		t.Fatalf("%d lookups after the prefetch, want none", under.lookups-before)
	}
	if before != 1 {
		t.Fatalf("prefetch made %d lookups for 50 messages, want 1", before)
	}
	// Replies: the filings of our sent messages are fetched with them.
	dir = newCachedDirectory(under)
	m := &mailparse.Message{From: mailparse.Address{Addr: "x@example.com"}, InReplyTo: []string{"icpdesk.aa01@example.cn"}}
	if err := dir.prefetch(ctx, under, []linkKeys{extractKeys(m, testOwn)}); err != nil {
		t.Fatal(err)
	}
	before = under.lookups
	if l, err := (Linker{Own: testOwn}).Link(ctx, dir, m, ClassHuman); err != nil || l.Filing == nil || under.lookups != before {
		t.Fatalf("reply: %+v %v, %d lookups after the prefetch", l, err, under.lookups-before)
	}
}

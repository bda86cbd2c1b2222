package inbox

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"example.com/icpdesk/config"
	"example.com/icpdesk/filing"
	"example.com/icpdesk/mailparse"
	"example.com/icpdesk/store"
)

// Rule names the linking rule that tied a message to its filing; it is
// recorded with the message so staff can see why.
type Rule string

const (
	RuleInReplyTo  Rule = "in_reply_to"        // In-Reply-To names an email we sent about the filing
	RuleReferences Rule = "references"         // References does
	RuleSubjectTag Rule = "subject_tag"        // [ICP#BA-2026-000123] in the subject
	RuleReference  Rule = "reference"          // a filing reference in the subject or text
	RuleICPNumber  Rule = "icp_number"         // an ICP number
	RuleDomain     Rule = "domain"             // one of the filing's domains (Unicode or punycode)
	RuleSender     Rule = "sender_open_filing" // the sender's only open filing
	RuleBounce     Rule = "bounced_message"    // a bounce of an email we sent about the filing
	RuleStaff      Rule = "staff"              // staff linked it (inbox link)
)

// Directory is what the linker looks up. *store.Tx implements it; the inbox
// wraps it in a per-batch cache, and tests use a map.
type Directory interface {
	SentMessages(ctx context.Context, messageIDs []string) (map[string]store.SentMessage, error)
	LinkFilingsByID(ctx context.Context, ids []int64) (map[int64]store.LinkFiling, error)
	LinkFilingsByRef(ctx context.Context, refs []string) (map[string]store.LinkFiling, error)
	LinkFilingsByICPNumber(ctx context.Context, numbers []string) (map[string][]store.LinkFiling, error)
	LinkFilingsByDomain(ctx context.Context, asciiNames []string) (map[string][]store.LinkFiling, error)
	OpenLinkFilingsOf(ctx context.Context, emails []string) (map[string][]store.LinkFiling, error)
	SentByBounceTokens(ctx context.Context, tokens []string) (map[string]store.SentMessage, error)
}

// Link is the linker's answer for one message.
type Link struct {
	Filing *store.LinkFiling // nil: unlinked
	Rule   Rule
	// Replied is the email of ours the message answers (by In-Reply-To or
	// References), or for a bounce the email that bounced: known only by
	// the bounce token of its envelope sender (VERP), never by the
	// Message-ID a bounce quotes, which anyone could forge.
	Replied *store.SentMessage
	// Claimed is, for a bounce that acts on nothing, the email it says
	// bounced (by Message-ID): shown to staff, who decide.
	Claimed *store.SentMessage
	// Ambiguous lists the candidate filings when a rule found several: the
	// message is left unlinked for staff.
	Ambiguous     []string
	AmbiguousRule Rule
}

// Note explains an unlinked message to staff.
func (l Link) Note() string {
	if len(l.Ambiguous) > 0 {
		return fmt.Sprintf("ambiguous (%s): %s", l.AmbiguousRule, strings.Join(l.Ambiguous, ", "))
	}
	return ""
}

// Limits on what one message may make the linker look up.
const (
	maxLinkText    = 16 << 10 // references are near the top; long quoted tails cost time
	maxCandidates  = 30
	maxICPNumbers  = 20
	maxDomainNames = 40
)

// linkKeys are the lookups one message needs, extracted without I/O so a
// batch's lookups can be made together.
type linkKeys struct {
	inReplyTo  []string // our Message-IDs only
	references []string // our Message-IDs only, nearest first
	tags       []string
	refs       []string
	icps       []string
	domains    []domainMention
	sender     string
	bounced    []string // a bounce's original Message-IDs
	// bounceToken is the VERP token of the address a bounce was delivered
	// to; verp says bounce addresses are configured at all.
	bounceToken string
	verp        bool
}

// domainMention is a domain found in text with its parent domains, most
// specific first (www.shop.example.cn → shop.example.cn → example.cn).
type domainMention struct {
	candidates []string // punycode
}

func extractKeys(m *mailparse.Message, own Own) linkKeys {
	var k linkKeys
	for _, id := range m.InReplyTo {
		if own.isOwnMessageID(id) {
			k.inReplyTo = appendUnique(k.inReplyTo, id)
		}
	}
	for i := len(m.References) - 1; i >= 0; i-- {
		if id := m.References[i]; own.isOwnMessageID(id) {
			k.references = appendUnique(k.references, id)
		}
	}
	if own.BounceAddress != "" {
		k.verp = true
		for _, a := range append(append([]string(nil), m.DeliveredTo...), m.To...) {
			if tok, ok := config.BounceToken(own.BounceAddress, a); ok {
				k.bounceToken = tok
				break
			}
		}
	}
	if m.DSN != nil {
		k.bounced = append(k.bounced, m.DSN.OriginalMessageIDs...)
		// Some bounces thread themselves under the original.
		k.bounced = append(k.bounced, m.InReplyTo...)
		if len(k.bounced) > 20 {
			k.bounced = k.bounced[:20]
		}
	}
	k.tags = capStrings(filing.FindTags(m.Subject), maxCandidates)
	text := linkText(m)
	// The regular expressions are slow on 20 KB of Chinese text; only lines
	// that can hold a match go through them: a reference has a dash, an ICP
	// number has 备.
	k.refs = capStrings(filing.FindReferences(linesWith(text, "-", "－")), maxCandidates)
	for _, n := range filing.FindICPNumbers(linesWith(text, "备")) {
		if len(k.icps) == maxICPNumbers {
			break
		}
		k.icps = append(k.icps, n.String())
	}
	k.domains = findDomains(text, maxDomainNames)
	k.sender = strings.ToLower(m.From.Addr)
	return k
}

// linkText is what the text rules search: the subject, the text, attachment
// names (applicants name files after their filing).
func linkText(m *mailparse.Message) string {
	var b strings.Builder
	b.WriteString(m.Subject)
	b.WriteString("\n")
	b.WriteString(mailparse.TruncateUTF8(m.Text, maxLinkText))
	for _, a := range m.Attachments {
		b.WriteString("\n")
		b.WriteString(a.Filename)
	}
	return b.String()
}

// linesWith returns the lines of text that contain one of marks. It jumps
// from mark to mark rather than looking at every line: most lines of long
// Chinese text have none.
func linesWith(text string, marks ...string) string {
	var b strings.Builder
	next := make([]int, len(marks)) // where each mark next occurs from pos on, -1: nowhere
	for k := range next {
		next[k] = -2
	}
	for pos := 0; pos < len(text); {
		at := -1
		for k, m := range marks {
			if next[k] == -2 || next[k] >= 0 && next[k] < pos {
				next[k] = -1
				if i := strings.Index(text[pos:], m); i >= 0 {
					next[k] = pos + i
				}
			}
			if next[k] >= 0 && (at < 0 || next[k] < at) {
				at = next[k]
			}
		}
		if at < 0 {
			break
		}
		start := strings.LastIndexByte(text[:at], '\n') + 1
		end := len(text)
		if i := strings.IndexByte(text[at:], '\n'); i >= 0 {
			end = at + i
		}
		b.WriteString(text[start:end])
		b.WriteByte('\n')
		pos = end + 1
	}
	return b.String()
}

func capStrings(ss []string, n int) []string {
	if len(ss) > n {
		return ss[:n]
	}
	return ss
}

// isDot reports the dots of domain names, with those Chinese input methods
// produce (．。｡).
func isDot(r rune) bool { return r == '.' || r == '．' || r == '。' || r == '｡' }

func isNameRune(r rune) bool {
	switch {
	case r < 0x80:
		return r == '-' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	case r >= 0x4E00 && r <= 0x9FFF: // CJK ideographs, most of the text: no table lookup
		return true
	case r >= 0x3000 && r <= 0x303F, r >= 0xFF00 && r <= 0xFF0F: // CJK and full-width punctuation
		return isDot(r)
	}
	return isDot(r) || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// findDomains returns the domain names mentioned in text, in one pass over
// runs of name characters (no regular expression: they are slow on long
// Chinese text). Chinese text often runs straight into an ASCII name
// ("网站shop.example.cn已修改"), so ASCII names are taken from inside longer
// runs; internationalised ones are guessed by unicodeAlternatives.
// Addresses (someone@example.cn) are skipped: signatures and quoted
// headers name mail domains that say nothing about the website.
func findDomains(text string, max int) []domainMention {
	var out []domainMention
	seen := map[string]bool{}
	add := func(alternatives []string) {
		var m domainMention
		for _, alt := range alternatives {
			_, ascii, err := filing.NormalizeDomain(alt)
			if err != nil || seen[ascii] {
				continue
			}
			labels := strings.Split(ascii, ".")
			if !plausibleTLD(labels[len(labels)-1]) {
				continue
			}
			seen[ascii] = true
			// Parents too: www.shop.example.cn names the site filed as shop.example.cn.
			for i := 0; i+2 <= len(labels) && i < 4; i++ {
				m.candidates = append(m.candidates, strings.Join(labels[i:], "."))
			}
		}
		if len(m.candidates) > 0 && len(out) < max {
			out = append(out, m)
		}
	}
	// Only runs of name characters around a dot can hold a name: find the
	// dots (. or a character starting with 0xE3 or 0xEF) with IndexByte,
	// then expand around each.
	var next [3]int // the next '.', 0xE3 and 0xEF from i on; -1: none
	starts := [3]byte{'.', 0xE3, 0xEF}
	for k := range next {
		next[k] = -2
	}
	for i := 0; i < len(text) && len(out) < max; {
		at := -1
		for k, c := range starts {
			if next[k] == -2 || next[k] >= 0 && next[k] < i {
				next[k] = -1
				if j := strings.IndexByte(text[i:], c); j >= 0 {
					next[k] = i + j
				}
			}
			if next[k] >= 0 && (at < 0 || next[k] < at) {
				at = next[k]
			}
		}
		if at < 0 {
			break
		}
		i = at
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isDot(r) {
			i += size
			continue
		}
		start := i
		for start > 0 {
			r, size := utf8.DecodeLastRuneInString(text[:start])
			if !isNameRune(r) {
				break
			}
			start -= size
		}
		end := i
		for end < len(text) {
			r, size := utf8.DecodeRuneInString(text[end:])
			if !isNameRune(r) {
				break
			}
			end += size
		}
		i = end
		run := text[start:end]
		afterAt := start > 0 && text[start-1] == '@'
		ascii := isASCII(run)
		if ascii || hasASCII(run) {
			// Without an ASCII byte a run holds no ASCII name: skip the rune walk.
			for _, a := range asciiNames(run) {
				if a.start == 0 && afterAt {
					continue
				}
				add([]string{a.name})
			}
		}
		if !ascii && !afterAt {
			add(unicodeAlternatives(run))
		}
	}
	return out
}

type asciiName struct {
	name  string
	start int
}

// asciiNames returns the dotted ASCII names inside a run, such as
// shop.example.cn in 网站shop.example.cn已修改.
func asciiNames(run string) []asciiName {
	var out []asciiName
	for i := 0; i < len(run); {
		r, size := utf8.DecodeRuneInString(run[i:])
		if r >= 0x80 && !isDot(r) {
			i += size
			continue
		}
		start, dots := i, 0
		for i < len(run) {
			r, size = utf8.DecodeRuneInString(run[i:])
			if r >= 0x80 && !isDot(r) {
				break
			}
			if isDot(r) {
				dots++
			}
			i += size
		}
		name := strings.Trim(run[start:i], ".．。｡-")
		if dots > 0 && strings.ContainsFunc(name, isDot) {
			out = append(out, asciiName{name, start})
		}
	}
	return out
}

// idnTLDs are the internationalised top-level domains Chinese sites use.
var idnTLDs = []string{"中国", "中國", "公司", "网络", "網絡", "在线", "网址", "网店", "集团", "商城", "商标", "信息",
	"游戏", "企业", "手机", "中文网", "我爱你", "香港", "台湾", "台灣", "新加坡", "广东", "佛山", "时尚", "娱乐", "健康", "购物", "移动"}

// unicodeAlternatives guesses where an internationalised name starts and
// ends inside Chinese prose with no spaces around it ("网站示例.中国已修改"):
// the last label is cut after a known top-level domain, and the first label
// is tried from each of its last few characters, longest first.
func unicodeAlternatives(tok string) []string {
	if !mayEndInTLD(tok) {
		return nil
	}
	labels := strings.FieldsFunc(tok, isDot)
	if len(labels) < 2 || len(labels) > 6 {
		return nil
	}
	last := labels[len(labels)-1]
	tld := ""
	if r := []rune(last); len(r) > 0 && r[0] < 128 {
		// An ASCII top-level domain followed by prose: com已修改 → com.
		i := 0
		for i < len(last) && last[i] < 128 && (unicode.IsLetter(rune(last[i])) || last[i] == '-') {
			i++
		}
		tld = last[:i]
	} else {
		for _, t := range idnTLDs {
			if strings.HasPrefix(last, t) && len(t) > len(tld) {
				tld = t
			}
		}
	}
	if tld == "" {
		return nil
	}
	middle := labels[1 : len(labels)-1]
	first := []rune(labels[0])
	var out []string
	for n := min(len(first), 8); n >= 1; n-- {
		parts := append([]string{string(first[len(first)-n:])}, middle...)
		out = append(out, strings.Join(append(parts, tld), "."))
	}
	return out
}

// idnTLDStarts are the first characters of idnTLDs.
var idnTLDStarts = func() map[rune]bool {
	m := map[rune]bool{}
	for _, t := range idnTLDs {
		r, _ := utf8.DecodeRuneInString(t)
		m[r] = true
	}
	return m
}()

// mayEndInTLD is unicodeAlternatives' cheap first test: the last label must
// start with an ASCII letter or hyphen, or like one of idnTLDs. Most runs
// in Chinese prose are sentences around a full stop (。) and fail it.
func mayEndInTLD(tok string) bool {
	tok = strings.TrimRightFunc(tok, isDot)
	i := strings.LastIndexFunc(tok, isDot)
	if i < 0 {
		return false // one label
	}
	_, size := utf8.DecodeRuneInString(tok[i:])
	r, _ := utf8.DecodeRuneInString(tok[i+size:])
	if r < utf8.RuneSelf {
		return r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	}
	return idnTLDStarts[r]
}

func hasASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < utf8.RuneSelf {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 128 {
			return false
		}
	}
	return true
}

// plausibleTLD rejects what cannot end a domain name: numbers (version
// strings like 1.2.3) and single characters. File extensions get through;
// a lookup that finds nothing costs nothing.
func plausibleTLD(label string) bool {
	if strings.HasPrefix(label, "xn--") {
		return true
	}
	if len(label) < 2 {
		return false
	}
	for _, r := range label {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// Linker links messages to filings. The first rule that finds exactly one
// filing wins; a rule that finds several leaves the message unlinked for
// staff, rather than guessing.
type Linker struct {
	Own Own
}

// Link applies the rules in order: our Message-ID in In-Reply-To, then in
// References; the reference tag in the subject; a filing reference, an ICP
// number, a domain in the subject or text; the sender's only open filing.
// A bounce is linked only through the email that bounced.
func (l Linker) Link(ctx context.Context, dir Directory, m *mailparse.Message, class Classification) (Link, error) {
	k := extractKeys(m, l.Own)
	return l.link(ctx, dir, k, class)
}

func (l Linker) link(ctx context.Context, dir Directory, k linkKeys, class Classification) (Link, error) {
	var link Link
	if class == ClassBounce {
		return l.linkBounce(ctx, dir, k)
	}
	if class == ClassOwn {
		return link, nil
	}

	// 1. Replies to our own emails.
	if ids := append(append([]string(nil), k.inReplyTo...), k.references...); len(ids) > 0 {
		sent, err := dir.SentMessages(ctx, ids)
		if err != nil {
			return link, err
		}
		for _, step := range []struct {
			ids  []string
			rule Rule
		}{{k.inReplyTo, RuleInReplyTo}, {k.references, RuleReferences}} {
			var ids []int64
			for _, id := range step.ids {
				s, ok := sent[id]
				if !ok {
					continue
				}
				if link.Replied == nil {
					s := s
					link.Replied = &s
				}
				if s.FilingID != 0 {
					ids = appendUniqueID(ids, s.FilingID)
				}
			}
			done, err := l.decideByIDs(ctx, dir, &link, ids, step.rule)
			if done || err != nil {
				return link, err
			}
		}
	}

	// 2. The tag in the subject.
	if len(k.tags) > 0 {
		found, err := dir.LinkFilingsByRef(ctx, k.tags)
		if err != nil {
			return link, err
		}
		if settle(&link, filingsOf(found, k.tags), RuleSubjectTag) {
			return link, nil
		}
	}
	// 3. A reference, ICP number or domain in the subject or text.
	if len(k.refs) > 0 {
		found, err := dir.LinkFilingsByRef(ctx, k.refs)
		if err != nil {
			return link, err
		}
		if settle(&link, filingsOf(found, k.refs), RuleReference) {
			return link, nil
		}
	}
	if len(k.icps) > 0 {
		found, err := dir.LinkFilingsByICPNumber(ctx, k.icps)
		if err != nil {
			return link, err
		}
		var fs []store.LinkFiling
		for _, n := range k.icps {
			fs = append(fs, found[n]...)
		}
		if settle(&link, fs, RuleICPNumber) {
			return link, nil
		}
	}
	if len(k.domains) > 0 {
		var names []string
		for _, d := range k.domains {
			names = append(names, d.candidates...)
		}
		found, err := dir.LinkFilingsByDomain(ctx, names)
		if err != nil {
			return link, err
		}
		var fs []store.LinkFiling
		for _, d := range k.domains {
			// The most specific name that belongs to a filing decides.
			for _, c := range d.candidates {
				if len(found[c]) > 0 {
					fs = append(fs, found[c]...)
					break
				}
			}
		}
		if settle(&link, fs, RuleDomain) {
			return link, nil
		}
	}
	// 4. The sender's only open filing.
	if k.sender != "" {
		found, err := dir.OpenLinkFilingsOf(ctx, []string{k.sender})
		if err != nil {
			return link, err
		}
		if settle(&link, found[k.sender], RuleSender) {
			return link, nil
		}
	}
	return link, nil
}

func (l Linker) linkBounce(ctx context.Context, dir Directory, k linkKeys) (Link, error) {
	var link Link
	if k.bounceToken != "" {
		sent, err := dir.SentByBounceTokens(ctx, []string{k.bounceToken})
		if err != nil {
			return link, err
		}
		if s, ok := sent[k.bounceToken]; ok {
			link.Replied, link.Rule = &s, RuleBounce
			if s.FilingID != 0 {
				_, err := l.decideByIDs(ctx, dir, &link, []int64{s.FilingID}, RuleBounce)
				return link, err
			}
			return link, nil
		}
	}
	if len(k.bounced) == 0 {
		return link, nil
	}
	// Not to a valid bounce address (or none is configured): the email it
	// names is only claimed, for staff to check.
	sent, err := dir.SentMessages(ctx, k.bounced)
	if err != nil {
		return link, err
	}
	for _, id := range k.bounced {
		s, ok := sent[id]
		if !ok {
			continue
		}
		link.Claimed = &s
		if s.FilingID != 0 {
			_, err := l.decideByIDs(ctx, dir, &link, []int64{s.FilingID}, RuleBounce)
			return link, err
		}
		link.Rule = RuleBounce
		return link, nil
	}
	return link, nil
}

func (l Linker) decideByIDs(ctx context.Context, dir Directory, link *Link, ids []int64, rule Rule) (bool, error) {
	if len(ids) == 0 {
		return false, nil
	}
	found, err := dir.LinkFilingsByID(ctx, ids)
	if err != nil {
		return false, err
	}
	var fs []store.LinkFiling
	for _, id := range ids {
		if f, ok := found[id]; ok {
			fs = append(fs, f)
		}
	}
	return settle(link, fs, rule), nil
}

// settle ends the search when candidates name one filing (linked) or
// several (ambiguous); with none the next rule is tried.
func settle(link *Link, candidates []store.LinkFiling, rule Rule) bool {
	distinct := map[int64]store.LinkFiling{}
	for _, f := range candidates {
		distinct[f.ID] = f
	}
	switch len(distinct) {
	case 0:
		return false
	case 1:
		for _, f := range distinct {
			f := f
			link.Filing, link.Rule = &f, rule
		}
		return true
	}
	var refs []string
	for _, f := range distinct {
		refs = append(refs, f.Reference)
	}
	sort.Strings(refs)
	link.Ambiguous, link.AmbiguousRule = refs, rule
	return true
}

func filingsOf(found map[string]store.LinkFiling, keys []string) []store.LinkFiling {
	var out []store.LinkFiling
	for _, k := range keys {
		if f, ok := found[k]; ok {
			out = append(out, f)
		}
	}
	return out
}

func appendUniqueID(ids []int64, id int64) []int64 {
	for _, x := range ids {
		if x == id {
			return ids
		}
	}
	return append(ids, id)
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

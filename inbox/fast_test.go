package inbox

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/mailparse"
	"example.com/icpdesk/mailparse/mailtest"
)

// The text helpers on the parse path were rewritten for speed (one pass,
// fewer copies, cheap rejections first). The straightforward versions they
// replaced are kept here as references: on random text full of what mail
// has (CRLF, controls, broken UTF-8, full-width dots, CJK, quote marks,
// intent words), each fast one must give exactly the same answer.

func refUnicodeAlternatives(tok string) []string {
	labels := strings.FieldsFunc(tok, isDot)
	if len(labels) < 2 || len(labels) > 6 {
		return nil
	}
	last := labels[len(labels)-1]
	tld := ""
	if r := []rune(last); len(r) > 0 && r[0] < 128 {
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

func refFindDomains(text string, max int) []domainMention {
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
			for i := 0; i+2 <= len(labels) && i < 4; i++ {
				m.candidates = append(m.candidates, strings.Join(labels[i:], "."))
			}
		}
		if len(m.candidates) > 0 && len(out) < max {
			out = append(out, m)
		}
	}
	done := 0
	for i := 0; i < len(text) && len(out) < max; i++ {
		c := text[i]
		if c != '.' && c != 0xE3 && c != 0xEF {
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isDot(r) || i < done {
			i += size - 1
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
		done, i = end, end-1
		run := text[start:end]
		afterAt := start > 0 && text[start-1] == '@'
		for _, a := range asciiNames(run) {
			if a.start == 0 && afterAt {
				continue
			}
			add([]string{a.name})
		}
		if !isASCII(run) && !afterAt {
			add(refUnicodeAlternatives(run))
		}
	}
	return out
}

func refLinesWith(text string, marks ...string) string {
	var b strings.Builder
	for len(text) > 0 {
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = ""
		}
		for _, m := range marks {
			if strings.Contains(line, m) {
				b.WriteString(line)
				b.WriteByte('\n')
				break
			}
		}
	}
	return b.String()
}

var textPieces = []string{
	"a", "b", "z", "A", "Z", "0", "9", "-", "_", ".", "．", "。", "｡", "@", " ", "\t", "\n", "\r", "\r\n", "\x00", "\x7f", "\u0085", "\u009f", "\u00a0",
	"\xff", "\xc2", "\xe4\xb8", "\xed\xa0\x80", "\uFFFD", "\u2028", "网站", "示例", "中国", "中國", "公司", "网络", "我爱你", "中文网", "com", "cn", "net", "xn--fiqs8s",
	"shop.example.cn", "www.", "example", "已修改", "未修改", "请重新审核", "resubmit", "not ", "Original", "original", "-----", "原始邮件", "发件人:", "From:", "from", "rom",
	"wrote:", "写道", "寫道", "转发", "件人", "寄件者", "FROM", "orwarded", ">", "> quoted", "在 2026 年", "On Mon", "，", "！", "－", "备", "浙ICP备12345678号-1",
	"BA-2026-000123", "[ICP#BA-2026-000123]", "ç", "é", "ß", "Ω", "ü", "İ", "ǅ", "𝐀", "😀", "ｗｗｗ", "Ａ", "１", "\u3000", "・", "〇",
}

func randomText(r *rand.Rand, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if r.IntN(10) == 0 {
			b.WriteByte(byte(r.IntN(256)))
		} else {
			b.WriteString(textPieces[r.IntN(len(textPieces))])
		}
	}
	return b.String()
}

// BenchmarkParseMessage is the parse workers' cost per message of the
// backlog benchmark's kinds and sizes (about 20 KB): mailparse.Spool,
// parse, link keys, intent words. It has no target: it shows where a
// backlog's parse workers spend their time.
func BenchmarkParseMessage(b *testing.B) {
	para := strings.Repeat("您好，我们已按照退回意见修改了网站名称和主体信息，核验单已重新签字盖章，请重新审核。谢谢！\n", 160)
	ref, owner := "BA-2026-900001", "applicant001@example.com"
	for _, c := range []struct {
		name string
		raw  []byte
	}{
		{"gbk-reply", mailtest.Mail{From: owner, Subject: "回复：[ICP#" + ref + "] 备案退回通知", MessageID: "a@mail.example.com",
			ContentType: "text/plain; charset=gbk", CTE: "base64", Body: mailtest.GBK(para)}.Bytes()},
		{"auto-reply", mailtest.Mail{From: owner, Subject: mailtest.BWord("UTF-8", []byte("自动回复：您的备案已退回")), MessageID: "b@mail.example.com",
			Headers: [][2]string{{"Auto-Submitted", "auto-replied"}}, Body: []byte(para)}.Bytes()},
		{"bounce", mailtest.Bounce("icpdesk.aa01@example.cn", owner)},
		{"html", mailtest.Mail{From: "visitor0001@example.org", Subject: "咨询备案流程", MessageID: "d@mail.example.com",
			ContentType: "text/html; charset=utf-8", Body: []byte("<div>" + strings.ReplaceAll(para, "\n", "<br>") + "</div>")}.Bytes()},
	} {
		b.Run(c.name, func(b *testing.B) {
			p := NewProcessor(nil, ProcessorConfig{Own: testOwn})
			ctx := context.Background()
			b.ReportAllocs()
			b.SetBytes(int64(len(c.raw)))
			for i := 0; i < b.N; i++ {
				sp, err := mailparse.NewSpool(bytes.NewReader(c.raw), 25<<20, "")
				if err != nil {
					b.Fatal(err)
				}
				f := &Fetched{Spool: sp, Size: int64(len(c.raw))}
				if pr := p.prepareFetched(ctx, f, mailparse.ParseOptions{}); pr.Msg.MessageID == "" {
					b.Fatal("no Message-ID")
				}
				sp.Close()
			}
		})
	}
}

func TestFastTextHelpersMatchReferences(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 9))
	for k := 0; k < 60000; k++ {
		s := randomText(r, r.IntN(40))
		if a, b := unicodeAlternatives(s), refUnicodeAlternatives(s); strings.Join(a, "|") != strings.Join(b, "|") || (a == nil) != (b == nil) {
			t.Fatalf("unicodeAlternatives(%q) = %q, want %q", s, a, b)
		}
		for _, marks := range [][]string{{"-", "－"}, {"备"}} {
			if a, b := linesWith(s, marks...), refLinesWith(s, marks...); a != b {
				t.Fatalf("linesWith(%q, %q) = %q, want %q", s, marks, a, b)
			}
		}
		n := r.IntN(10) + 1
		a, b := findDomains(s, n), refFindDomains(s, n)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("findDomains(%q) = %v, want %v", s, a, b)
		}
	}
}

package reading

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// notice is one of our emails as an applicant's mailer quotes it.
type notice struct {
	name, subject, body string
}

// notices returns our emails: the copies in testdata (the return notices,
// the reminder and the acknowledgement, in both languages), and every
// golden email of the templates package when the tree has it, so a new
// sentence in a template is tested too.
func notices(t *testing.T) []notice {
	t.Helper()
	var out []notice
	copies, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(copies) == 0 {
		t.Fatalf("no notices in testdata: %v", err)
	}
	for _, p := range copies {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		subject, body, _ := strings.Cut(string(data), "\n")
		out = append(out, notice{filepath.Base(p), strings.TrimPrefix(subject, "Subject: "), body})
	}
	goldens, _ := filepath.Glob("../templates/testdata/golden/*/*.golden")
	for _, p := range goldens {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		s := string(data)
		subject, rest, _ := strings.Cut(s, "\n")
		_, text, ok := strings.Cut(rest, "===== text/plain =====\n")
		if !ok {
			continue
		}
		text, _, _ = strings.Cut(text, "===== text/html =====")
		out = append(out, notice{p, strings.TrimPrefix(subject, "Subject: "), strings.TrimSpace(text)})
	}
	return out
}

// quoteLines prefixes every line with "> ", as mailers quote.
func quoteLines(body string) string {
	lines := strings.Split(strings.TrimRight(body, "\n"), "\n")
	for i, l := range lines {
		if l == "" {
			lines[i] = ">"
		} else {
			lines[i] = "> " + l
		}
	}
	return strings.Join(lines, "\n")
}

// replyStyle builds a reply as one mail client does, around the applicant's
// own words and our quoted email. want is what OwnText must return.
type replyStyle struct {
	name  string
	build func(own, subject, body string) (mail, want string)
}

var replyStyles = []replyStyle{
	{"QQ Mail top-posted", func(own, subject, body string) (string, string) {
		return own + "\n\n------------------ 原始邮件 ------------------\n" +
			"发件人: \"示例云备案中心\"<icp@example.cn>;\n发送时间: 2026年12月2日(星期三) 下午3:00\n" +
			"收件人: \"张三\"<zhangsan@example.com>;\n主题: " + subject + "\n\n" + body, own
	}},
	{"Foxmail Original", func(own, subject, body string) (string, string) {
		return own + "\r\n\r\n------------------&nbsp;Original&nbsp;------------------\r\n" +
			"From:  \"示例云备案中心\"<icp@example.cn>;\r\nDate:  Wed, Dec 2, 2026 03:00 PM\r\n" +
			"To:  \"张三\"<zhangsan@example.com>;\r\nSubject:  " + subject + "\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n"), own
	}},
	{"Foxmail Original nbsp", func(own, subject, body string) (string, string) {
		return own + "\n\n------------------\u00a0Original\u00a0------------------\nFrom: icp@example.cn\n\n" + body, own
	}},
	{"Outlook zh-CN header block", func(own, subject, body string) (string, string) {
		return own + "\n\n张三\n杭州示例科技有限公司\n\n发件人: 示例云备案中心 <icp@example.cn>\n" +
				"发送时间: 2026年12月2日 15:00\n收件人: 张三 <zhangsan@example.com>\n主题: " + subject + "\n\n" + body,
			own + "\n\n张三\n杭州示例科技有限公司"
	}},
	{"Outlook en header block", func(own, subject, body string) (string, string) {
		return own + "\n\n________________________________\nFrom: Example Cloud ICP Filing Desk <icp@example.cn>\n" +
			"Sent: Wednesday, December 2, 2026 3:00 PM\nTo: Zhang San <zhangsan@example.com>\nSubject: " + subject +
			"\n\n" + body, own
	}},
	{"Outlook bold header block", func(own, subject, body string) (string, string) {
		return own + "\n\n*From:* Example Cloud ICP Filing Desk <icp@example.cn>\n*Sent:* Wednesday, December 2, 2026 3:00 PM\n" +
			"*Subject:* " + subject + "\n\n" + body, own
	}},
	{"Outlook Original Message", func(own, subject, body string) (string, string) {
		return own + "\n\n-----Original Message-----\nFrom: icp@example.cn\nSent: Wednesday, December 2, 2026 3:00 PM\n" +
			"To: zhangsan@example.com\nSubject: " + subject + "\n\n" + body, own
	}},
	{"Outlook 邮件原件", func(own, subject, body string) (string, string) {
		return own + "\n\n-----邮件原件-----\n发件人: icp@example.cn\n发送时间: 2026年12月2日 15:00\n主题: " + subject + "\n\n" + body, own
	}},
	{"Outlook 原始邮件", func(own, subject, body string) (string, string) {
		return own + "\n\n-----原始邮件-----\n发件人: icp@example.cn\n发送时间: 2026年12月2日 15:00\n主题: " + subject + "\n\n" + body, own
	}},
	{"Outlook Hong Kong", func(own, subject, body string) (string, string) {
		return own + "\n\n寄件者: 示例雲備案中心 <icp@example.cn>\n寄件日期: 2026年12月2日 下午 03:00\n" +
			"收件者: 張三 <zhangsan@example.com>\n主旨: " + subject + "\n\n" + body, own
	}},
	{"Alimail", func(own, subject, body string) (string, string) {
		return own + "\n\n------------------------------------------------------------------\n" +
			"发件人：示例云备案中心<icp@example.cn>\n发送时间：2026年12月2日(星期三) 15:00\n" +
			"收件人：张三<zhangsan@example.com>\n主　题：" + subject + "\n\n" + body, own
	}},
	{"Gmail", func(own, subject, body string) (string, string) {
		return own + "\n\nOn Wed, Dec 2, 2026 at 3:00 PM 示例云备案中心 <icp@example.cn> wrote:\n\n" + quoteLines(body), own
	}},
	{"Gmail wrapped", func(own, subject, body string) (string, string) {
		return own + "\n\nOn Wed, Dec 2, 2026 at 3:00 PM Example Cloud ICP Filing Desk <\nicp@example.cn> wrote:\n\n" +
			quoteLines(body), own
	}},
	{"Gmail zh-CN", func(own, subject, body string) (string, string) {
		return own + "\n\n示例云备案中心 <icp@example.cn> 于2026年12月2日周三 15:00写道：\n\n" + quoteLines(body), own
	}},
	{"Gmail zh-TW", func(own, subject, body string) (string, string) {
		return own + "\n\n示例雲備案中心 <icp@example.cn> 於 2026年12月2日 週三 下午3:00寫道：\n\n" + quoteLines(body), own
	}},
	{"163 quoted", func(own, subject, body string) (string, string) {
		return own + "\n\n在 2026-12-02 15:00:00，\"示例云备案中心\" <icp@example.cn> 写道：\n" + quoteLines(body), own
	}},
	{"163 without markers", func(own, subject, body string) (string, string) {
		return own + "\n\n在 2026-12-02 15:00:00，\"示例云备案中心\" <icp@example.cn> 写道：\n" + body, own
	}},
	{"163 wrapped", func(own, subject, body string) (string, string) {
		return own + "\n在 2026-12-02 15:00:00，\"示例云备案中心\"\n<icp@example.cn> 写道：\n" + quoteLines(body), own
	}},
	{"iPhone top-posted", func(own, subject, body string) (string, string) {
		return own + "\n\n发自我的iPhone\n\n> 在 2026年12月2日，15:00，示例云备案中心 <icp@example.cn> 写道：\n>\n" +
			quoteLines(body), own
	}},
	{"iPhone bottom-posted", func(own, subject, body string) (string, string) {
		return "在 2026年12月2日，15:00，示例云备案中心 <icp@example.cn> 写道：\n\n" + quoteLines(body) +
			"\n\n" + own + "\n\n发自我的iPhone", own
	}},
	{"iPhone zh-TW bottom-posted", func(own, subject, body string) (string, string) {
		return "在 2026年12月2日 下午3:00，示例雲備案中心 <icp@example.cn> 寫道：\n\n" + quoteLines(body) +
			"\n" + own + "\n\n發自我的 iPhone", own
	}},
	{"Apple Mail en bottom-posted", func(own, subject, body string) (string, string) {
		return "> On Dec 2, 2026, at 15:00, 示例云备案中心 <icp@example.cn> wrote:\n>\n" + quoteLines(body) +
			"\n\n" + own + "\n\nSent from my iPad", own
	}},
	{"WeCom", func(own, subject, body string) (string, string) {
		return own + "\n\n发自 企业微信\n\n----- 原始邮件 -----\n发件人：示例云备案中心 <icp@example.cn>\n" +
			"时间：2026年12月2日 15:00\n主题：" + subject + "\n\n" + body, own
	}},
	{"Huawei and 163 Master", func(own, subject, body string) (string, string) {
		return own + "\n\n发自我的华为手机\n发自网易邮箱大师\n\n---- 回复的原邮件 ----\n| 发件人 | 示例云备案中心<icp@example.cn> |\n" +
			"| 日期 | 2026年12月02日 15:00 |\n\n" + quoteLines(body), own
	}},
	{"Gmail forward", func(own, subject, body string) (string, string) {
		return own + "\n\n---------- Forwarded message ---------\nFrom: 示例云备案中心 <icp@example.cn>\n" +
			"Date: Wed, Dec 2, 2026 at 3:00 PM\nSubject: " + subject + "\nTo: <zhangsan@example.com>\n\n\n" + body, own
	}},
	{"Apple forward", func(own, subject, body string) (string, string) {
		return own + "\n\nBegin forwarded message:\n\nFrom: 示例云备案中心 <icp@example.cn>\nSubject: " + subject +
			"\nDate: December 2, 2026 at 15:00:00 GMT+8\nTo: zhangsan@example.com\n\n" + body, own
	}},
	{"163 forward", func(own, subject, body string) (string, string) {
		return own + "\n\n---- 转发邮件信息 ----\n发件人：示例云备案中心 <icp@example.cn>\n发送日期：2026年12月02日 15:00\n" +
			"收件人：zhangsan@example.com\n主题：" + subject + "\n\n" + body, own
	}},
	{"Thunderbird zh forward", func(own, subject, body string) (string, string) {
		return own + "\n\n-------- 转发的邮件 --------\n主题：\t" + subject + "\n日期：\tWed, 2 Dec 2026 15:00:00 +0800\n" +
			"发件人：\t示例云备案中心 <icp@example.cn>\n收件人：\tzhangsan@example.com\n\n" + body, own
	}},
	{"signature", func(own, subject, body string) (string, string) {
		return own + "\n\n-- \n张三\n杭州示例科技有限公司\n电话：138 0000 0000\n提交时间：工作日\n\n" +
			"On Wed, Dec 2, 2026 at 3:00 PM 示例云备案中心 <icp@example.cn> wrote:\n" + quoteLines(body), own
	}},
	{"Outlook mobile", func(own, subject, body string) (string, string) {
		return own + "\n\nGet Outlook for iOS\n________________________________\nFrom: icp@example.cn\n" +
			"Sent: Wednesday, December 2, 2026 3:00:00 PM\nTo: zhangsan@example.com\nSubject: " + subject + "\n\n" + body, own
	}},
	{"only quote", func(own, subject, body string) (string, string) {
		return "\n\n------------------ 原始邮件 ------------------\n发件人: icp@example.cn\n发送时间: 2026年12月2日\n\n" + body, ""
	}},
}

// TestOwnTextStyles: each mail client's reply yields exactly the own text.
func TestOwnTextStyles(t *testing.T) {
	own := "已经改好了，刚刚重新提交了\n麻烦审核，谢谢"
	n := notice{subject: "[ICP#BA-2026-000123] 管局退回备案，请于 12月8日 23:59 前修改并重新提交", body: "张三，您好：\n\n请在期限前完成修改并重新提交。\n\n提交后直接回复本邮件告知我们。"}
	for _, st := range replyStyles {
		mail, want := st.build(own, n.subject, n.body)
		if got := OwnText(mail); got != want {
			t.Errorf("%s: own text\n%q\nwant\n%q", st.name, got, want)
		}
	}
}

// TestQuotedNoticeHasNoActs: a reply whose own words are only thanks yields
// no acts, whichever of our emails it quotes and however its mailer quotes.
// Our return notice itself says 请在期限前完成修改并重新提交 and 提交后直接
// 回复本邮件告知我们: read as own text, it would be an instruction and a
// condition.
func TestQuotedNoticeHasNoActs(t *testing.T) {
	all := notices(t)
	for _, n := range all {
		for _, own := range []string{"谢谢", "Thanks!", ""} {
			for _, st := range replyStyles {
				mail, _ := st.build(own, n.subject, n.body)
				r := Read(OwnText(mail))
				if len(r.Statements) != 0 {
					t.Errorf("%s, %s, own %q: acts %s", n.name, st.name, own, r.Explain())
				}
			}
		}
	}
	// The test has teeth: the return notice read as own text has acts.
	for _, n := range all {
		if strings.HasPrefix(n.name, "filing_returned") && len(Read(n.body).Statements) == 0 {
			t.Errorf("%s read whole has no acts: the test above proves nothing", n.name)
		}
	}
}

func TestOwnText(t *testing.T) {
	for _, tc := range []struct{ name, mail, want string }{
		{"no quote", "  已修改，请重新审核。\n\n张三\n", "已修改，请重新审核。\n\n张三"},
		{"empty", "", ""},
		{"CRLF", "已修改\r\n\r\n> 原文\r\n", "已修改"},
		{"interleaved", "On Wed, Dec 2, 2026 at 3:00 PM 示例云备案中心 <icp@example.cn> wrote:\n" +
			"> 退回原因：网站名称与网站内容不符\n\n已改为示例商城\n\n> 请在期限前完成修改并重新提交。\n" +
			"好的，已经重新提交了\n> 示例云备案中心\n", "已改为示例商城\n\n好的，已经重新提交了"},
		{"blank runs", "第一行\n\n\n\n第二行", "第一行\n\n第二行"},
		{"signature up to the quote", "已修改\n-- \n张三\n电话：138\n\n> 原文\n\n补充：已重新提交", "已修改\n\n补充：已重新提交"},
		{"signature without space", "已修改\n--\n张三\n", "已修改"},
		{"device lines", "已修改\n发自我的iPhone\nSent from my iPhone\n从我的 iPhone 发送\n来自 QQ邮箱\n发自 企业微信\n" +
			"Get Outlook for Android\n获取 Outlook for iOS\nSent from Mail for Windows\n发自我的华为手机", "已修改"},
		{"own lines that look a little like openers", "发件人：张三\n来自杭州的张三\n我在2号写道：已修改", "发件人：张三\n来自杭州的张三\n我在2号写道：已修改"},
		{"our tag kept", "[ICP#BA-2026-000123]\n已重新提交", "[ICP#BA-2026-000123]\n已重新提交"},
		{"dash line kept when no header follows", "已修改\n----------\n张三", "已修改\n----------\n张三"},
		{"full-width quote marks", "已修改\n＞ 原文", "已修改"},
		{"invalid UTF-8", "已修改\xff\xfe", "已修改"},
		{"bottom posted then another quote", "On Wed, Dec 2, 2026, Desk <icp@example.cn> wrote:\n> a\n已重新提交\n" +
			"-----Original Message-----\nFrom: x\nSent: y\n\nold text", "已重新提交"},
	} {
		if got := OwnText(tc.mail); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestOwnTextUpTo: cut at a limit, the own text is the same as in full up
// to that limit, quotes and signatures left out as before.
func TestOwnTextUpTo(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 20000; i++ {
		fmt.Fprintf(&b, "第 %d 行：网站名称已经修改，已重新提交。\n", i)
		if i%7 == 0 {
			b.WriteString("> 引用的内容不算申请人的话\n\n")
		}
	}
	b.WriteString("-- \n张三\n")
	text := b.String()
	full := OwnText(text)
	for _, limit := range []int{1, 100, 8 << 10, len(text), 2 * len(text)} {
		cut := OwnTextUpTo(text, limit)
		if !strings.HasPrefix(full, cut) || len(cut) < min(limit, len(full)) {
			t.Errorf("limit %d: %d bytes, not a prefix of the full %d at least the limit long", limit, len(cut), len(full))
		}
		if strings.Contains(cut, "引用") || strings.Contains(cut, "张三") {
			t.Errorf("limit %d: quoted text or the signature kept", limit)
		}
		if limit < len(full)/2 && len(cut) > limit+200 {
			t.Errorf("limit %d: kept %d bytes, far past the limit", limit, len(cut))
		}
	}
}

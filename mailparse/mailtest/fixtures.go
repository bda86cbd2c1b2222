package mailtest

import (
	"fmt"
	"strings"
)

// Fixture is one test message with what parsing it must give.
type Fixture struct {
	Name string
	Raw  []byte
	// Subject is the decoded subject, exactly.
	Subject string
	// FromAddr and FromName are the decoded sender.
	FromAddr, FromName string
	// TextHas are pieces the decoded text must contain; TextLacks must not.
	TextHas, TextLacks []string
	// Filename is an attachment name that must be decoded.
	Filename string
}

// CharsetFixtures are resubmission notices about ref from addr in every
// charset and shape the inbox must read: GBK, GB18030 with 4-byte
// characters, Big5 under three labels, a gb2312 label on GBK-only
// characters, euc-cn, raw 8-bit headers, encoded-words split inside a
// character, HTML only, an RFC 2231 GBK file name, mislabelled and unknown
// charsets, NUL and invalid UTF-8. Each subject carries ref so it links.
func CharsetFixtures(addr, ref string) []Fixture {
	id := func(name string) string { return fmt.Sprintf("%s-%s@mail.example.com", name, strings.ToLower(ref)) }
	var fs []Fixture

	// QQ Mail / Foxmail: GBK everywhere, base64 body.
	subj := "关于备案" + ref + "的重新提交"
	body := "您好：\n网站信息已修改，请重新审核。\n张三"
	fs = append(fs, Fixture{Name: "gbk",
		Raw: Mail{From: BWord("GBK", GBK("张三")) + " <" + addr + ">", Subject: BWord("GBK", GBK(subj)), MessageID: id("gbk"),
			ContentType: "text/plain; charset=GBK", CTE: "base64", Body: GBK(body)}.Bytes(),
		Subject: subj, FromAddr: addr, FromName: "张三", TextHas: []string{"网站信息已修改，请重新审核。"}})

	// GB18030 with 4-byte characters (𠮷 U+20BB7, 𠀀 U+20000), quoted-printable.
	subj = "𠮷野家 " + ref + " 已修改"
	body = "姓名用字：𠮷𠀀。备案资料修改完毕。"
	fs = append(fs, Fixture{Name: "gb18030",
		Raw: Mail{From: addr, Subject: BWord("GB18030", GB18030(subj)), MessageID: id("gb18030"),
			ContentType: "text/plain; charset=gb18030", CTE: "quoted-printable", Body: GB18030(body)}.Bytes(),
		Subject: subj, FromAddr: addr, TextHas: []string{"𠮷𠀀", "修改完毕"}})

	// Big5 under its three labels (Taiwan and Hong Kong Outlook, old Foxmail).
	for _, label := range []string{"big5", "cp950", "x-big5"} {
		subj = "請重新審核 " + ref
		body = "您好，網站資料已修改，請重新審核。"
		fs = append(fs, Fixture{Name: "big5-" + label,
			Raw: Mail{From: QWord(label, Big5("陳大文")) + " <" + addr + ">", Subject: BWord(label, Big5(subj)), MessageID: id("big5-" + label),
				ContentType: "text/plain; charset=" + label, CTE: "base64", Body: Big5(body)}.Bytes(),
			Subject: subj, FromAddr: addr, FromName: "陳大文", TextHas: []string{"網站資料已修改"}})
	}

	// A gb2312 label on characters only GBK has (镕 喆 堃 are not in GB2312).
	subj = "朱镕基 " + ref
	body = "负责人：王喆、李堃。资料已修改。"
	fs = append(fs, Fixture{Name: "gb2312-label-gbk-chars",
		Raw: Mail{From: addr, Subject: BWord("gb2312", GBK(subj)), MessageID: id("gb2312"),
			ContentType: "text/plain; charset=gb2312", CTE: "8bit", Body: GBK(body)}.Bytes(),
		Subject: subj, FromAddr: addr, TextHas: []string{"王喆、李堃"}})

	// euc-cn and x-euc-cn, labels go-message does not know by itself.
	for _, label := range []string{"euc-cn", "x-euc-cn"} {
		subj = "重新提交 " + ref
		fs = append(fs, Fixture{Name: label,
			Raw: Mail{From: addr, Subject: BWord(label, GBK(subj)), MessageID: id(label),
				ContentType: "text/plain; charset=" + label, CTE: "base64", Body: GBK("已修改，请审核。")}.Bytes(),
			Subject: subj, FromAddr: addr, TextHas: []string{"已修改，请审核。"}})
	}

	// Raw 8-bit GBK in the headers, no encoded-words at all.
	subj = "备案" + ref + "已修改"
	raw := Mail{From: string(GBK("李四")) + " <" + addr + ">", Subject: string(GBK(subj)), MessageID: id("raw8bit"),
		ContentType: "text/plain; charset=gbk", CTE: "8bit", Body: GBK("请重新审核。")}.Bytes()
	fs = append(fs, Fixture{Name: "raw-8bit-headers", Raw: raw, Subject: subj, FromAddr: addr, FromName: "李四", TextHas: []string{"请重新审核。"}})

	// Encoded-words split inside a character: 你 (E4 BD A0) across two
	// UTF-8 words, 张 (D5 C5) across two GBK words.
	ni, hao := []byte("你"), []byte("好")
	zhang := GBK("张三")
	subj = "你好 " + ref
	fs = append(fs, Fixture{Name: "split-encoded-words",
		Raw: Mail{From: BWord("gbk", zhang[:1]) + " " + BWord("gbk", zhang[1:]) + " <" + addr + ">",
			Subject:   BWord("UTF-8", ni[:2]) + " " + BWord("UTF-8", append(append([]byte{}, ni[2:]...), hao...)) + " " + ref,
			MessageID: id("split"), Body: []byte("已修改")}.Bytes(),
		Subject: subj, FromAddr: addr, FromName: "张三", TextHas: []string{"已修改"}})

	// HTML only (QQ Mail's default), with style, script, entities.
	html := `<html><head><title>t</title><style>p{color:red}</style></head><body>` +
		`<div>您好，</div><p>备案 <b>` + ref + `</b> 已修改&nbsp;完毕，请重新审核。</p><script>alert(1)</script>` +
		`<div>联系电话：138&#42;&#42;&#42;&#42;8000<br>张三</div></body></html>`
	fs = append(fs, Fixture{Name: "html-only",
		Raw: Mail{From: addr, Subject: "Re: " + ref, MessageID: id("html"), ContentType: "text/html; charset=utf-8",
			CTE: "quoted-printable", Body: []byte(html)}.Bytes(),
		Subject: "Re: " + ref, FromAddr: addr,
		TextHas:   []string{"备案 " + ref + " 已修改 完毕，请重新审核。", "138****8000\n张三"},
		TextLacks: []string{"alert", "color:red", "<b>"}})

	// An attachment named in RFC 2231 GBK (Foxmail), with a continuation.
	name := GBK("整改说明.pdf")
	pct := func(b []byte) string {
		var s strings.Builder
		for _, c := range b {
			fmt.Fprintf(&s, "%%%02X", c)
		}
		return s.String()
	}
	mp := Multipart("XYZ",
		TextPart("gbk", "base64", GBK("附件是整改说明，已修改。")),
		Part{Header: [][2]string{
			{"Content-Type", "application/pdf"},
			{"Content-Disposition", "attachment; filename*0*=gbk''" + pct(name[:6]) + "; filename*1*=" + pct(name[6:])},
			{"Content-Transfer-Encoding", "base64"}}, Body: TransferEncode("base64", []byte("%PDF-1.4 test"))})
	fs = append(fs, Fixture{Name: "rfc2231-gbk-filename",
		Raw:     Mail{From: addr, Subject: ref + " 整改材料", MessageID: id("rfc2231"), ContentType: `multipart/mixed; boundary="XYZ"`, Raw: mp}.Bytes(),
		Subject: ref + " 整改材料", FromAddr: addr, TextHas: []string{"已修改"}, Filename: "整改说明.pdf"})

	// Declared UTF-8, sent in GBK (a common misconfiguration).
	fs = append(fs, Fixture{Name: "mislabelled-utf8",
		Raw: Mail{From: addr, Subject: ref, MessageID: id("mislabelled"), ContentType: "text/plain; charset=utf-8",
			CTE: "8bit", Body: GBK("资料已修改，请重新审核。")}.Bytes(),
		Subject: ref, FromAddr: addr, TextHas: []string{"资料已修改"}})

	// A charset nobody knows, holding GBK.
	fs = append(fs, Fixture{Name: "unknown-charset",
		Raw: Mail{From: addr, Subject: BWord("x-unknown", GBK("修改 "+ref)), MessageID: id("unknown"),
			ContentType: "text/plain; charset=x-unknown", CTE: "base64", Body: GBK("已修改完毕。")}.Bytes(),
		Subject: "修改 " + ref, FromAddr: addr, TextHas: []string{"已修改完毕。"}})

	// NUL bytes and invalid UTF-8 in the text: cleaned, never stored as such.
	fs = append(fs, Fixture{Name: "nul-and-invalid-utf8",
		Raw: Mail{From: addr, Subject: ref + " fix", MessageID: id("nul"), ContentType: "text/plain; charset=utf-8",
			CTE: "base64", Body: []byte("line one\x00 has a NUL\nthen \xff\xfe bytes 已修改")}.Bytes(),
		Subject: ref + " fix", FromAddr: addr, TextHas: []string{"line one has a NUL", "已修改"}, TextLacks: []string{"\x00"}})
	return fs
}

// BounceTo is Bounce delivered to a given address (Delivered-To), as a
// bounce to a VERP envelope sender is.
func BounceTo(originalID, rcpt, deliveredTo string) []byte {
	return append([]byte("Delivered-To: "+deliveredTo+"\r\n"), Bounce(originalID, rcpt)...)
}

// Bounce is an RFC 3464 delivery status notification for the message
// originalID, sent to rcpt, failed with 5.1.1.
func Bounce(originalID, rcpt string) []byte {
	mp := Multipart("DSN",
		Part{Header: [][2]string{{"Content-Type", "text/plain; charset=us-ascii"}},
			Body: []byte("This is the mail system at host mx.example.com.\r\nI'm sorry to have to inform you that your message could not be delivered.\r\n")},
		Part{Header: [][2]string{{"Content-Type", "message/delivery-status"}},
			Body: []byte("Reporting-MTA: dns; mx.example.com\r\nArrival-Date: Thu, 3 Dec 2026 10:00:00 +0800\r\n\r\n" +
				"Final-Recipient: rfc822; " + rcpt + "\r\nOriginal-Recipient: rfc822;" + rcpt + "\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
				"Diagnostic-Code: smtp; 550 5.1.1 <" + rcpt + ">: Recipient address rejected: User unknown\r\n")},
		Part{Header: [][2]string{{"Content-Type", "text/rfc822-headers"}},
			Body: []byte("From: icp@example.cn\r\nTo: " + rcpt + "\r\nSubject: =?UTF-8?B?5aSH5qGI6YCA5Zue?=\r\nMessage-ID: <" + originalID + ">\r\n")})
	return Mail{From: "MAILER-DAEMON@mx.example.com (Mail Delivery System)", Subject: "Undelivered Mail Returned to Sender",
		MessageID: "dsn-" + originalID, Headers: [][2]string{{"Auto-Submitted", "auto-replied"}},
		ContentType: `multipart/report; report-type=delivery-status; boundary="DSN"`, Raw: mp}.Bytes()
}

// PlainBounce is a bounce without a delivery status part, from postmaster,
// quoting the original's headers in its text (old qmail-style MTAs).
func PlainBounce(originalID string) []byte {
	return Mail{From: "postmaster@mx.example.com", Subject: "failure notice", MessageID: "qmail-" + originalID,
		Body: []byte("Hi. This is the qmail-send program at mx.example.com.\nI'm afraid I wasn't able to deliver your message.\n\n" +
			"--- Below this line is a copy of the message.\n\nReturn-Path: <>\nMessage-ID: <" + originalID + ">\nSubject: test\n")}.Bytes()
}

// AutoReply is an RFC 3834 auto-reply to inReplyTo (may be empty).
func AutoReply(from, inReplyTo string) []byte {
	return Mail{From: from, Subject: BWord("UTF-8", []byte("自动回复: 您的备案已退回")), MessageID: "auto-" + from,
		InReplyTo: inReplyTo, Headers: [][2]string{{"Auto-Submitted", "auto-replied"}, {"X-Autoreply", "yes"}},
		Body: []byte("您好，我正在休假，将于下周回复。")}.Bytes()
}

// SubjectAutoReply is an auto-reply recognisable only by its subject.
func SubjectAutoReply(from string) []byte {
	return Mail{From: from, Subject: "Automatic reply: [ICP#BA-2026-000001]", MessageID: "ooo-" + from,
		Body: []byte("I am out of the office until Monday.")}.Bytes()
}

// NullReturnPath is a message with Return-Path <> and nothing else automatic.
func NullReturnPath(from string) []byte {
	return Mail{From: from, Subject: "delivery report", MessageID: "null-rp-" + from,
		Headers: [][2]string{{"Return-Path", "<>"}}, Body: []byte("Your message was not delivered.")}.Bytes()
}

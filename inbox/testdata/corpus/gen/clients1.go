package main

import (
	"fmt"
	"strings"
	"time"
)

// ---- attachments ----

func pctEncode(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			s.WriteByte(c)
		} else {
			fmt.Fprintf(&s, "%%%02X", c)
		}
	}
	return s.String()
}

func attPart(a Att) Part {
	var ct, cd string
	switch a.Style {
	case "2231":
		raw := enc(a.CS, a.Name)
		half := len(raw) / 2
		if half%2 == 1 {
			half++ // keep double-byte characters whole within each section
		}
		p0, p1 := pctEncode(raw[:half]), pctEncode(raw[half:])
		ct = fmt.Sprintf("%s;\r\n\tname*0*=%s''%s;\r\n\tname*1*=%s", a.CT, a.CS, p0, p1)
		cd = fmt.Sprintf("attachment;\r\n\tfilename*0*=%s''%s;\r\n\tfilename*1*=%s", a.CS, p0, p1)
	case "2047":
		w := words(a.CS, "B", a.Name, "\r\n\t")
		ct = fmt.Sprintf("%s;\r\n\tname=\"%s\"", a.CT, w)
		cd = fmt.Sprintf("attachment;\r\n\tfilename=\"%s\"", w)
	default:
		ct = fmt.Sprintf("%s; name=\"%s\"", a.CT, a.Name)
		cd = fmt.Sprintf("attachment; filename=\"%s\"", a.Name)
	}
	return Part{H: Header{{"Content-Type", ct}, {"Content-Transfer-Encoding", "base64"}, {"Content-Disposition", cd}}, Body: b64(a.Data)}
}

// ---- QQ Mail (web) and WeCom (企业微信) mail: one backend ----

var qqProvider = Provider{Domain: "qq.example", Selector: "s201512", DMARC: "(policy=quarantine)", SPF: true,
	Relay: Relay{Host: "smtpbg151.qq.example", IP: "203.0.113.51"}}

var wecomProvider = Provider{Domain: "jiaxin.example", Selector: "s2048", DMARC: "(policy=none)", SPF: true,
	Relay: Relay{Host: "smtpbgsg2.qq.example", IP: "203.0.113.72"}}

func qqQuote(r R) (text, htm string) {
	s := r.S
	rc := r.recipient()
	text = "------------------ 原始邮件 ------------------\n" +
		"发件人: \"" + s.From().Name + "\"<icp@example.cn>;\n" +
		"发送时间: " + qqDate(s.At) + "\n" +
		"收件人: \"" + rc.Name + "\"<" + rc.Addr + ">;\n\n" +
		"主题: " + s.Subject() + "\n\n\n\n" + r.quoted()
	htm = `<div style="font-size: 12px;font-family: Arial Narrow;padding:2px 0 2px 0;">------------------&nbsp;原始邮件&nbsp;------------------</div>` +
		`<div style="font-size: 12px;background:#efefef;padding:8px;"><div><b>发件人:</b>&nbsp;"` + htmlEsc(s.From().Name) + `"&lt;icp@example.cn&gt;;</div>` +
		`<div><b>发送时间:</b>&nbsp;` + qqDate(s.At) + `</div><div><b>收件人:</b>&nbsp;"` + htmlEsc(rc.Name) + `"&lt;` + rc.Addr + `&gt;;<wbr></div><div></div>` +
		`<div><b>主题:</b>&nbsp;` + htmlEsc(s.Subject()) + `</div></div><div><br></div>` + s.HTML()
	return
}

// qqMail renders QQ Mail web (gb18030, base64, multipart/alternative, or
// HTML only) or, with wecom, WeCom mail (utf-8).
func qqMail(r R) []byte { return tencent(r, false) }
func wecom(r R) []byte  { return tencent(r, true) }

func tencent(r R, wc bool) []byte {
	cs, p, domain := "gb18030", qqProvider, "qq.example"
	mailer := "QQMail 2.x"
	if wc {
		cs, p, domain, mailer = "utf-8", wecomProvider, "jiaxin.example", "WXWork Mail 4.1.33"
	}
	seed := r.Name
	ts := r.Date.Unix()
	var h Header
	if wc {
		h.Add("X-QQ-mid", fmt.Sprintf("bizesmtpip3t%dt%s", ts, rnd(seed+"/mid", 7, "abcdefghijklmnopqrstuvwxyz")))
		h.Add("X-QQ-Originating-IP", rnd(seed+"/oip", 48, b64a))
		h.Add("X-QQ-SSF", "0000000000000000000000000000000")
		h.Add("X-QQ-GoodBg", "0")
		h.Add("X-BIZMAIL-ID", rnd(seed+"/biz", 19, digits))
	} else {
		h.Add("X-QQ-FEAT", rnd(seed+"/feat", 60, b64a))
		h.Add("X-QQ-SSF", "00000000000000F0000000000000")
		h.Add("X-QQ-XMAILINFO", rnd(seed+"/xmi", 76, b64a)+"\r\n\t "+rnd(seed+"/xmi2", 60, b64a)+"=")
		h.Add("X-QQ-STYLE", "")
		h.Add("X-QQ-mid", fmt.Sprintf("webmail812t%dt%s", ts, rnd(seed+"/mid", 7, digits)))
	}
	h.Add("From", addr(r.From, cs, true))
	h.Add("To", r.toHeader(cs, true))
	if len(r.Cc) > 0 {
		h.Add("Cc", r.ccHeader(cs, true))
	}
	prefix := "回复："
	if r.Fwd {
		prefix = "转发："
	}
	h.Add("Subject", subj(cs, "B", r.subject(prefix)))
	h.Add("Mime-Version", "1.0")
	bnd := fmt.Sprintf("----=_NextPart_%s_%s_%s", rnd(seed+"/b1", 8, hexU), rnd(seed+"/b2", 8, hexU), rnd(seed+"/b3", 8, hexU))
	if r.HTMLOnly {
		h.Add("Content-Type", "text/html;\r\n\tcharset=\""+cs+"\"")
		h.Add("Content-Transfer-Encoding", "base64")
	} else if len(r.Atts) > 0 {
		h.Add("Content-Type", "multipart/mixed;\r\n\tboundary=\""+bnd+"\"")
		h.Add("Content-Transfer-Encoding", "8Bit")
	} else {
		h.Add("Content-Type", "multipart/alternative;\r\n\tboundary=\""+bnd+"\"")
		h.Add("Content-Transfer-Encoding", "8Bit")
	}
	h.Add("Date", rfcDate(r.Date))
	h.Add("X-Priority", "3")
	h.Add("Message-ID", "<tencent_"+rnd(seed+"/msgid", 40, hexU)+"@"+domain+">")
	h.Add("X-QQ-MIME", "TCMime 1.0 by Tencent")
	h.Add("X-Mailer", mailer)
	h.Add("X-QQ-Mailer", mailer)
	r.thread(&h)
	if wc {
		h.Add("X-QQ-SENDSIZE", "520")
		h.Add("Feedback-ID", "bizesmtp:"+domain+":qybglogicsvrgz:qybglogicsvrgz6a-0")
	}

	text := r.Own
	if r.Sig != "" {
		text += "\n\n\n\n" + r.Sig
	}
	htm := `<meta http-equiv="Content-Type" content="text/html; charset=` + strings.ToUpper(cs) + `">` + htmlDivs(r.Own)
	if r.Sig != "" {
		htm += `<div><br></div><div><br></div><div><sign signid="0"><div style="color:#909090;font-family:Arial Narrow;font-size:12px">` + htmlLines(r.Sig) + `</div></sign></div>`
	}
	if r.S != nil && !r.NoQuote {
		qt, qh := qqQuote(r)
		text += "\n\n\n\n" + qt
		htm += `<div><br></div><div><br></div>` + qh
	}
	var bodyB []byte
	if r.HTMLOnly {
		bodyB = body(cs, "base64", htm, false)
	} else {
		alt := multipart(bnd, "This is a multi-part message in MIME format.",
			textPart("text/plain;\r\n\tcharset=\""+cs+"\"", "base64", body(cs, "base64", text, false)),
			textPart("text/html;\r\n\tcharset=\""+cs+"\"", "base64", body(cs, "base64", htm, false)))
		bodyB = alt
		if len(r.Atts) > 0 {
			inner := strings.Replace(bnd, "NextPart", "NextPart_Alt", 1)
			alt = multipart(inner, "",
				textPart("text/plain;\r\n\tcharset=\""+cs+"\"", "base64", body(cs, "base64", text, false)),
				textPart("text/html;\r\n\tcharset=\""+cs+"\"", "base64", body(cs, "base64", htm, false)))
			parts := []Part{{H: Header{{"Content-Type", "multipart/alternative;\r\n\tboundary=\"" + inner + "\""}}, Body: alt}}
			for _, a := range r.Atts {
				parts = append(parts, attPart(a))
			}
			bodyB = multipart(bnd, "This is a multi-part message in MIME format.", parts...)
		}
	}
	p.Relay.Via = []string{fmt.Sprintf("from %s (unknown [127.0.0.1])\r\n\tby smtp.%s (ESMTP) with SMTP\r\n\tid %s;\r\n\t%%s", domain, domain, rnd(seed+"/via", 10, digits))}
	return deliver(seed, p, r.Auth, r.From.Addr, r.Date, message(h, bodyB))
}

// ---- Foxmail 7.2 (desktop) ----

var foxProvider = Provider{Domain: "foxmail.example", Selector: "s201512", DMARC: "(policy=none)", SPF: true,
	Relay: Relay{Host: "smtpbgjp3.qq.example", IP: "203.0.113.57"}}

func foxDate(t time.Time) string { return t.In(cst).Format("2006-01-02 15:04") }

// foxmail renders Foxmail: GB2312 (written with GBK), base64, text and
// HTML; replies quote with From/Date/To/Subject, or with Variant "qq" the
// QQ-style 原始邮件 block; the default signature is the address.
func foxmail(r R) []byte {
	cs := "GB2312"
	seed := r.Name
	p := foxProvider
	var h Header
	h.Add("X-QQ-mid", fmt.Sprintf("xmsmtpt%dt%s", r.Date.Unix(), rnd(seed+"/mid", 9, "abcdefghijklmnopqrstuvwxyz0123456789")))
	h.Add("X-QQ-XMAILINFO", rnd(seed+"/xmi", 76, b64a))
	h.Add("Date", rfcDate(r.Date))
	h.Add("From", addr(r.From, cs, true))
	h.Add("To", r.toHeader(cs, true))
	prefix := "回复："
	if r.Fwd {
		prefix = "转发："
	}
	h.Add("Subject", subj(cs, "B", r.subject(prefix)))
	if r.threaded() {
		h.Add("References", "<"+r.S.ID+">")
	}
	h.Add("X-Priority", "3")
	h.Add("X-GUID", fmt.Sprintf("%s-%s-%s-%s-%s", rnd(seed+"/g1", 8, hexU), rnd(seed+"/g2", 4, hexU), rnd(seed+"/g3", 4, hexU), rnd(seed+"/g4", 4, hexU), rnd(seed+"/g5", 12, hexU)))
	if len(r.Atts) > 0 {
		h.Add("X-Has-Attach", "yes")
	} else {
		h.Add("X-Has-Attach", "no")
	}
	h.Add("X-Mailer", "Foxmail 7.2.25.228[cn]")
	h.Add("Mime-Version", "1.0")
	h.Add("Message-ID", "<"+r.Date.In(cst).Format("20060102150405")+rnd(seed+"/mid2", 7, digits)+"@foxmail.example>")
	if r.threaded() {
		h.Add("In-Reply-To", "<"+r.S.ID+">")
	}
	n := rnd(seed+"/bnd", 12, digits)
	alt := "----=_001_NextPart" + n + "_=----"
	mixed := "----=_002_NextPart" + n + "_=----"
	if len(r.Atts) > 0 {
		h.Add("Content-Type", "multipart/mixed;\r\n\tboundary=\""+mixed+"\"")
	} else {
		h.Add("Content-Type", "multipart/alternative;\r\n\tboundary=\""+alt+"\"")
	}

	sig := r.Sig
	if sig == "" {
		sig = r.From.Addr
	}
	text := r.Own + "\n\n\n\n" + sig
	htm := `<html><head><meta http-equiv="content-type" content="text/html; charset=GB2312"><style>body { line-height: 1.5; }blockquote { margin-top: 0px; margin-bottom: 0px; margin-left: 0.5em; }body { font-size: 14px; font-family: "Microsoft YaHei UI"; color: rgb(0, 0, 0); line-height: 1.5; }</style></head><body>` +
		htmlDivs(r.Own) + `<div><br></div><hr style="width: 210px; height: 1px;" color="#b5c4df" size="1" align="left"><div><span><div style="MARGIN: 10px; FONT-FAMILY: verdana; FONT-SIZE: 10pt"><div>` + htmlLines(sig) + `</div></div></span></div>`
	if r.S != nil && !r.NoQuote {
		s := r.S
		rc := r.recipient()
		if r.Variant == "qq" || r.Fwd {
			qt, qh := qqQuote(r)
			text += "\n\n\n\n" + qt
			htm += `<div><br></div>` + qh
		} else {
			text += "\n \nFrom: " + s.From().Name + "\nDate: " + foxDate(s.At) + "\nTo: " + rc.Name + "\nSubject: " + s.Subject() + "\n" + r.quoted()
			htm += `<blockquote style="margin-Top: 0px; margin-Bottom: 0px; margin-Left: 0.5em; margin-Right: inherit"><div>&nbsp;</div><div style="border:none;border-top:solid #B5C4DF 1.0pt;padding:3.0pt 0cm 0cm 0cm"><div style="PADDING-RIGHT: 8px; PADDING-LEFT: 8px; FONT-SIZE: 12px;FONT-FAMILY:tahoma;COLOR:#000000; BACKGROUND: #efefef; PADDING-BOTTOM: 8px; PADDING-TOP: 8px">` +
				`<div><b>From:</b>&nbsp;<a href="mailto:icp@example.cn">` + htmlEsc(s.From().Name) + `</a></div><div><b>Date:</b>&nbsp;` + foxDate(s.At) + `</div>` +
				`<div><b>To:</b>&nbsp;<a href="mailto:` + rc.Addr + `">` + htmlEsc(rc.Name) + `</a></div><div><b>Subject:</b>&nbsp;` + htmlEsc(s.Subject()) + `</div></div></div><div><div>` + s.HTML() + `</div></div></blockquote>`
		}
	}
	htm += `</body></html>`
	altBody := multipart(alt, "This is a multi-part message in MIME format.",
		textPart("text/plain;\r\n\tcharset=\"GB2312\"", "base64", body("gbk", "base64", text, false)),
		textPart("text/html;\r\n\tcharset=\"GB2312\"", "quoted-printable", body("gbk", "quoted-printable", htm, false)))
	bodyB := altBody
	if len(r.Atts) > 0 {
		parts := []Part{{H: Header{{"Content-Type", "multipart/alternative;\r\n\tboundary=\"" + alt + "\""}}, Body: altBody}}
		for _, a := range r.Atts {
			parts = append(parts, attPart(a))
		}
		bodyB = multipart(mixed, "This is a multi-part message in MIME format.", parts...)
	}
	p.Relay.Via = []string{fmt.Sprintf("from DESKTOP-%s ( [198.51.100.23])\r\n\tby bizesmtp.qq.example (ESMTP) with SMTP id 0\r\n\tfor <icp@example.cn>; %%s", rnd(seed+"/pc", 7, upalnum))}
	return deliver(seed, p, r.Auth, r.From.Addr, r.Date, message(h, bodyB))
}

// ---- Coremail: 163, 126, yeah, 21cn web mail ----

func coremailProvider(domain string) Provider {
	n := map[string]string{"163.example": "16", "126.example": "26", "yeah.example": "31", "21cn.example": "8", "daili.example": "12"}[domain]
	return Provider{Domain: domain, Selector: "s110527", DMARC: "(p=none dis=none)", SPF: true,
		Relay: Relay{Host: "m" + n + ".mail." + domain, IP: "198.51.100." + n}}
}

func coremailDate(t time.Time) string { return t.In(cst).Format("2006-01-02 15:04:05") }

// coremail renders NetEase web mail (GBK, base64): "在 … 写道：" and a
// blockquote; forwards with "-------- 转发邮件信息 --------". Variant
// "master" is NetEase Mail Master, which splits the subject's encoded-words
// by bytes.
func coremail(r R) []byte {
	cs := "GBK"
	seed := r.Name
	domain := domainOf(r.From.Addr)
	p := coremailProvider(domain)
	local, _, _ := strings.Cut(r.From.Addr, "@")
	ip := "198.51.100." + fmt.Sprint(100+len(seed)%90)
	var h Header
	h.Add("X-Originating-IP", "["+ip+"]")
	h.Add("Date", rfcDate(r.Date)+" (CST)")
	h.Add("From", addr(r.From, cs, false))
	h.Add("To", r.toHeader(cs, false))
	prefix := "Re:"
	if r.Fwd {
		prefix = "转发："
	}
	s := r.subject(prefix)
	if r.Variant == "master" {
		raw := enc(cs, s)
		// split inside a double-byte character, as Mail Master does
		var splits []int
		for i := 1; i < len(raw); i++ {
			if i%21 == 0 {
				splits = append(splits, i)
			}
		}
		h.Add("Subject", wordsRaw(cs, "B", raw, splits, "\r\n "))
	} else {
		h.Add("Subject", subj(cs, "B", s))
	}
	h.Add("X-Priority", "3")
	if r.Variant == "master" {
		h.Add("X-Mailer", "NetEase Flash Mail 2.4.1.42")
	} else {
		h.Add("X-Mailer", "Coremail Webmail Server Version XT5.0.14 build 20240801(9da12a7b)\r\n Copyright (c) 2002-2026 www.mailtech.cn "+strings.TrimSuffix(domain, ".example")+"com")
	}
	r.thread(&h)
	h.Add("X-NTES-SC", "AL_"+rnd(seed+"/sc", 120, b64a))
	bnd := fmt.Sprintf("----=_Part_%s_%s.%d", rnd(seed+"/p1", 6, digits), rnd(seed+"/p2", 10, digits), r.Date.UnixMilli())
	if r.HTMLOnly {
		h.Add("Content-Type", "text/html; charset=GBK")
		h.Add("Content-Transfer-Encoding", "base64")
	} else {
		h.Add("Content-Type", "multipart/alternative; \r\n\tboundary=\""+bnd+"\"")
	}
	h.Add("MIME-Version", "1.0")
	h.Add("Message-ID", fmt.Sprintf("<%s.%s.%s.Coremail.%s@%s>", rnd(seed+"/m1", 8, hexd), rnd(seed+"/m2", 4, hexd), rnd(seed+"/m3", 11, hexd), local, domain))
	h.Add("X-Coremail-Locale", "zh_CN")
	h.Add("X-CM-TRANSID", rnd(seed+"/tr", 24, alnum)+"--.wD3"+rnd(seed+"/tr2", 20, alnum)+"--.")
	h.Add("X-Coremail-Antispam", "1U5529EdanIXcx71UUUUU7vcSsGvfC2KfnxnUU==")
	h.Add("X-CM-SenderInfo", rnd(seed+"/si", 24, "abcdefghijklmnopqrstuvwxyz0123456789")+"rw6rljoofrz/1tbiBxRuZ2"+rnd(seed+"/si2", 8, alnum))

	text := r.Own
	htm := `<div style="line-height:1.7;color:#000000;font-size:14px;font-family:Arial">` + htmlDivs(r.Own)
	if r.Sig != "" {
		text += "\n\n" + r.Sig
		htm += `<div><br></div><div>` + htmlLines(r.Sig) + `</div>`
	}
	if r.S != nil && !r.NoQuote {
		sm := r.S
		if r.Fwd {
			text += "\n\n\n\n\n\n-------- 转发邮件信息 --------\n发件人：\"" + sm.From().Name + "\" <icp@example.cn>\n发送日期：" + coremailDate(sm.At) + "\n收件人：" + r.recipient().Addr + "\n主题：" + sm.Subject() + "\n" + r.quoted()
			htm += `<br><br><br><div style="position:relative;zoom:1"></div><div id="divNeteaseMailCard"></div><br>-------- 转发邮件信息 --------<br>发件人：&quot;` + htmlEsc(sm.From().Name) + `&quot; &lt;icp@example.cn&gt;<br>发送日期：` + coremailDate(sm.At) + `<br>收件人：` + r.recipient().Addr + `<br>主题：` + htmlEsc(sm.Subject()) + `<br><br>` + sm.HTML()
		} else {
			attr := "在 " + coremailDate(sm.At) + "，\"" + sm.From().Name + "\" <icp@example.cn> 写道："
			text += "\n\n在 " + coremailDate(sm.At) + "，\"" + sm.From().Name + "\" <icp@example.cn> 写道：\n" + quoteGT(r.quoted(), ">")
			htm += `<div style="position:relative;zoom:1"></div><div id="divNeteaseMailCard"></div><div><br></div><pre><br>` + htmlEsc(attr) + `<br></pre><blockquote id="isReplyContent" style="PADDING-LEFT: 1ex; MARGIN: 0px 0px 0px 0.8ex; BORDER-LEFT: #ccc 1px solid">` + sm.HTML() + `</blockquote>`
		}
	}
	htm += `</div>`
	var bodyB []byte
	if r.HTMLOnly {
		bodyB = body("gbk", "base64", htm, false)
	} else {
		bodyB = multipart(bnd, "",
			textPart("text/plain; charset=GBK", "base64", body("gbk", "base64", text, false)),
			textPart("text/html; charset=GBK", "base64", body("gbk", "base64", htm, false)))
	}
	p.Relay.Via = []string{fmt.Sprintf("from %s$%s ( [%s] ) by ajax-webmail-wmsvr-40-116 (Coremail) ; %%s (CST)", local, domain, ip)}
	return deliver(seed, p, r.Auth, r.From.Addr, r.Date, message(h, bodyB))
}

package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

// ---- Alimail (阿里邮箱, company domains) ----

func alimailProvider(domain string) Provider {
	return Provider{Domain: domain, Selector: "default", DMARC: "(p=none dis=none)", SPF: true,
		Relay: Relay{Host: "out30-118.freemail.mail.aliyun.example", IP: "198.51.100.118"}}
}

func alimailDate(t time.Time) string {
	t = t.In(cst)
	return fmt.Sprintf("%d年%d月%d日(%s) %s", t.Year(), int(t.Month()), t.Day(), zhWeekdays[t.Weekday()], t.Format("15:04"))
}

// alimail renders Alimail web: utf-8 base64 text and HTML, the dashed
// 发件人：/发送时间：/收件人：/主　题： block.
func alimail(r R) []byte {
	seed := r.Name
	domain := domainOf(r.From.Addr)
	p := alimailProvider(domain)
	ti := fmt.Sprintf("W4_0.2.3_v5ForWebDing_%s_%d_o7001c%s", rnd(seed+"/ti", 8, hexU), r.Date.UnixMilli(), rnd(seed+"/ti2", 4, digits))
	var h Header
	h.Add("X-Alimail-AntiSpam", "AC=CONTINUE;BC=0.07436282|-1;CH=green;DM=|CONTINUE|false|;DS=CONTINUE|ham_regular_dialog|0.0123;FP=0|0|0|0|0|-1|-1|-1;HT=maildocker-contentspam033037021103;MF="+r.From.Addr+";NM=1;PH=DW;RN=1;RT=1;SR=0;TI="+ti+";")
	h.Add("Date", rfcDate0(r.Date))
	h.Add("From", `"`+words("UTF-8", "B", r.From.Name, " ")+`"<`+r.From.Addr+`>`)
	h.Add("To", `"`+words("UTF-8", "B", r.to()[0].Name, " ")+`"<`+r.to()[0].Addr+`>`)
	h.Add("Reply-To", `"`+words("UTF-8", "B", r.From.Name, " ")+`"<`+r.From.Addr+`>`)
	h.Add("Message-ID", "<"+strings.ToLower(uuid(seed+"/mid"))+"."+r.From.Addr+">")
	prefix := "回复："
	if r.Fwd {
		prefix = "转发："
	}
	h.Add("Subject", subj("UTF-8", "B", r.subject(prefix)))
	h.Add("X-Mailer", "[Alimail-Mailagent revision 4][W4_0.2.3][v5ForWebDing][Chrome]")
	h.Add("MIME-Version", "1.0")
	h.Add("x-aliyun-im-through", `{"version":"v1.0"}`)
	r.thread(&h)
	h.Add("x-aliyun-mail-creator", "W4_0.2.3_v5ForWebDing_M3LTW96aWxsYS81LjAgKFdpbmRvd3MgTlQgMTAuMDsgV2luNjQ7IHg2NCk=")
	bnd := "----=ALIBOUNDARY_" + rnd(seed+"/b", 5, digits) + "_" + rnd(seed+"/b2", 8, hexd) + "_" + rnd(seed+"/b3", 8, hexd)
	if len(r.Atts) > 0 {
		h.Add("Content-Type", "multipart/mixed;\r\n  boundary=\""+bnd+"\"")
	} else {
		h.Add("Content-Type", "multipart/alternative;\r\n  boundary=\""+bnd+"\"")
	}
	text := r.Own
	htm := `<div class="__aliyun_email_body_block">` + htmlDivsAli(r.Own)
	if r.Sig != "" {
		text += "\n\n" + r.Sig
		htm += `<div style="clear:both;"><br></div><div style="clear:both;">` + htmlLines(r.Sig) + `</div>`
	}
	if r.S != nil && !r.NoQuote {
		sm := r.S
		rc := r.recipient()
		text += "\n------------------------------------------------------------------\n发件人：" + sm.From().Name + " <icp@example.cn>\n发送时间：" + alimailDate(sm.At) + "\n收件人：\"" + rc.Name + "\"<" + rc.Addr + ">\n主　题：" + sm.Subject() + "\n\n" + r.quoted()
		htm += `<div style="clear:both;"><br></div><blockquote style="margin-right:0;margin-top:0;margin-bottom:0;"><div style="clear:both;">------------------------------------------------------------------</div><div style="clear:both;">发件人：` + htmlEsc(sm.From().Name) + ` &lt;icp@example.cn&gt;</div><div style="clear:both;">发送时间：` + alimailDate(sm.At) + `</div><div style="clear:both;">收件人：&quot;` + htmlEsc(rc.Name) + `&quot;&lt;` + rc.Addr + `&gt;</div><div style="clear:both;">主　题：` + htmlEsc(sm.Subject()) + `</div><div style="clear:both;"><br></div>` + sm.HTML() + `</blockquote>`
	}
	htm += `</div>`
	var bodyB []byte
	alt := []Part{
		textPart("text/plain; charset=\"UTF-8\"", "base64", body("utf-8", "base64", text, false)),
		textPart("text/html; charset=\"UTF-8\"", "base64", body("utf-8", "base64", htm, false))}
	if len(r.Atts) > 0 {
		inner := bnd + "_alt"
		parts := []Part{{H: Header{{"Content-Type", "multipart/alternative;\r\n  boundary=\"" + inner + "\""}}, Body: multipart(inner, "", alt...)}}
		for _, a := range r.Atts {
			parts = append(parts, attPart(a))
		}
		bodyB = multipart(bnd, "", parts...)
	} else {
		bodyB = multipart(bnd, "", alt...)
	}
	p.Relay.Via = []string{"from WS-web (" + r.From.Addr + "[" + ti + "]) by smtp.aliyun-inc.example at %s"}
	return deliver(seed, p, r.Auth, r.From.Addr, r.Date, message(h, bodyB))
}

func htmlDivsAli(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if l == "" {
			b.WriteString(`<div style="clear:both;"><br></div>`)
		} else {
			b.WriteString(`<div style="clear:both;">` + htmlEsc(l) + `</div>`)
		}
	}
	return b.String()
}

// ---- Hong Kong: Horde web mail in Big5; Outlook for Mac ----

// horde renders Netvigator's Horde web mail: text/plain Big5 8bit, a new
// message whose Big5 subject is split into encoded-words inside characters.
func horde(r R) []byte {
	seed := r.Name
	p := netvigatorProvider
	var h Header
	h.Add("Date", rfcDate0(r.Date))
	h.Add("Message-ID", "<"+r.Date.In(cst).Format("20060102150405")+".Horde."+rnd(seed+"/mid", 22, alnum)+"@webmail.netvigator.example>")
	h.Add("From", strings.ReplaceAll(words("big5", "B", r.From.Name, " "), "?B?", "?b?")+" <"+r.From.Addr+">")
	h.Add("To", r.to()[0].Addr)
	raw := enc("big5", r.subject(""))
	var splits []int
	for i := 15; i < len(raw); i += 15 {
		splits = append(splits, i)
	}
	h.Add("Subject", wordsRaw("big5", "b", raw, splits, "\r\n "))
	r.thread(&h)
	h.Add("User-Agent", "Horde Application Framework 5")
	h.Add("Content-Type", "text/plain; charset=big5; format=flowed; DelSp=Yes")
	h.Add("MIME-Version", "1.0")
	h.Add("Content-Disposition", "inline")
	h.Add("Content-Transfer-Encoding", "8bit")
	text := r.Own
	if r.Sig != "" {
		text += "\n\n" + r.Sig
	}
	if r.S != nil && !r.NoQuote {
		text += "\n\n引述 " + r.S.From().Name + " <icp@example.cn>:\n\n" + quoteGT(r.quoted(), "> ")
	}
	p.Relay.Via = []string{"from webmail.netvigator.example (webmail.netvigator.example [10.21.3.4])\r\n\tby smtp.netvigator.example (Postfix) with ESMTP id " + rnd(seed+"/pq", 10, hexU) + ";\r\n\t%s"}
	return deliver(seed, p, r.Auth, r.From.Addr, r.Date, message(h, body("big5", "8bit", text, true)))
}

// macOutlook renders Outlook for Mac (Hong Kong): utf-8 quoted-printable,
// 寄件者：/日期：/收件者：/主旨： block.
func macOutlook(r R) []byte {
	seed := r.Name
	p := netvigatorProvider
	var h Header
	h.Add("User-Agent", "Microsoft-MacOutlook/16.92.24120731")
	h.Add("Date", rfcDate(r.Date))
	h.Add("Subject", subj("UTF-8", "B", r.subject("回覆: ")))
	h.Add("From", addr(r.From, "UTF-8", false))
	h.Add("To", r.toHeader("UTF-8", false))
	h.Add("Message-ID", "<"+uuid(seed+"/mid")+"@netvigator.example>")
	h.Add("Thread-Topic", subj("UTF-8", "B", r.S.Subject()))
	r.thread(&h)
	h.Add("Mime-version", "1.0")
	bnd := "B_" + rnd(seed+"/b", 10, digits) + "_" + rnd(seed+"/b2", 9, digits)
	h.Add("Content-type", "multipart/alternative;\r\n\tboundary=\""+bnd+"\"")
	sm := r.S
	t := sm.At.In(cst)
	ap := "上午"
	hh := t.Hour()
	if hh >= 12 {
		ap = "下午"
	}
	if hh > 12 {
		hh -= 12
	}
	d := fmt.Sprintf("%d年%d月%d日 %s %s%d:%02d", t.Year(), int(t.Month()), t.Day(), zhWeekdays[t.Weekday()], ap, hh, t.Minute())
	rc := r.recipient()
	text := r.Own + "\n\n寄件者: " + sm.From().Name + " <icp@example.cn>\n日期: " + d + "\n收件者: " + rc.Name + " <" + rc.Addr + ">\n主旨: " + sm.Subject() + "\n\n" + r.quoted()
	htm := `<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40"><head><meta http-equiv=Content-Type content="text/html; charset=utf-8"></head><body lang=ZH-HK><div class=WordSection1>` +
		`<p class=MsoNormal>` + htmlLines(r.Own) + `<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p><div id="mail-editor-reference-message-container"><div class=MsoNormal style='text-align:center' align=center><hr size=1 width="100%" align=center></div>` +
		`<p class=MsoNormal><b>寄件者: </b>` + htmlEsc(sm.From().Name) + ` &lt;icp@example.cn&gt;<br><b>日期: </b>` + d + `<br><b>收件者: </b>` + htmlEsc(rc.Name) + ` &lt;` + rc.Addr + `&gt;<br><b>主旨: </b>` + htmlEsc(sm.Subject()) + `<o:p></o:p></p></div>` + sm.HTML() + `</div></body></html>`
	bodyB := multipart(bnd, "> This message is in MIME format. Since your mail reader does not understand\r\nthis format, some or all of this message may not be legible.",
		textPart("text/plain;\r\n\tcharset=\"UTF-8\"", "quoted-printable", body("utf-8", "quoted-printable", text, false)),
		textPart("text/html;\r\n\tcharset=\"UTF-8\"", "quoted-printable", body("utf-8", "quoted-printable", htm, false)))
	p.Relay.Via = []string{"from [192.168.0.12] (n218102094111.netvigator.example [203.0.113.211])\r\n\t(Authenticated sender: " + r.From.Addr + ")\r\n\tby smtp.netvigator.example (Postfix) with ESMTPSA id " + rnd(seed+"/pq", 10, hexU) + "\r\n\tfor <icp@example.cn>; %s"}
	return deliver(seed, p, r.Auth, r.From.Addr, r.Date, message(h, bodyB))
}

// ---- Taiwan: HiNet web mail (Big5, Outlook Express-style quote) ----

func hinetWebmail(r R) []byte {
	seed := r.Name
	p := hinetProvider
	var h Header
	h.Add("Message-ID", "<"+rnd(seed+"/mid", 10, digits)+"."+rnd(seed+"/mid2", 8, hexd)+"@webmail.hinet.example>")
	h.Add("Date", rfcDate(r.Date))
	h.Add("From", words("big5", "B", r.From.Name, " ")+" <"+r.From.Addr+">")
	h.Add("To", r.to()[0].Addr)
	h.Add("Subject", words("big5", "B", lossyString("big5", r.subject("Re: ")), "\r\n\t"))
	r.thread(&h)
	h.Add("X-Mailer", "Openwave WebEngine, version 2.8.20 (webedge20-101-1108-101-20091112)")
	h.Add("X-Originating-IP", "[203.0.113.233]")
	h.Add("MIME-Version", "1.0")
	h.Add("Content-Type", "text/plain; charset=\"big5\"")
	h.Add("Content-Transfer-Encoding", "base64")
	sm := r.S
	rc := r.recipient()
	text := r.Own
	if r.Sig != "" {
		text += "\n\n" + r.Sig
	}
	text += "\n\n----- Original Message -----\nFrom: " + sm.From().Name + " <icp@example.cn>\nTo: " + rc.Addr + "\nSent: " + sm.At.In(cst).Format("Mon, 2 Jan 2006 15:04:05 +0800") + "\nSubject: " + sm.Subject() + "\n\n" + quoteGT(r.quoted(), "> ")
	p.Relay.Via = []string{"from webmail.hinet.example (webedge20 [10.42.1.20])\r\n\tby msa.hinet.example (8.14.9/8.14.9) with ESMTP id 4B31D2" + rnd(seed+"/q", 6, upalnum) + "\r\n\tfor <icp@example.cn>; %s"}
	return deliver(seed, p, r.Auth, r.From.Addr, r.Date, message(h, body("big5", "base64", text, true)))
}

// ---- Sina and Sohu web mail ----

// sina renders Sina web mail: GBK base64 text and HTML, "----- 原始邮件 -----".
func sina(r R) []byte {
	seed := r.Name
	p := Provider{Domain: "sina.example", Selector: "201208", DMARC: "(p=none dis=none)", SPF: true,
		Relay: Relay{Host: "mail3-162.sinamail.sina.example", IP: "198.51.100.162"}}
	var h Header
	h.Add("Date", rfcDate0(r.Date))
	h.Add("From", words("GBK", "B", r.From.Name, " ")+" <"+r.From.Addr+">")
	h.Add("To", `"icp" <icp@example.cn>`)
	h.Add("Reply-To", "<"+r.From.Addr+">")
	h.Add("Subject", subj("GBK", "B", r.subject("回复：")))
	h.Add("MIME-Version", "1.0")
	h.Add("X-Priority", "3")
	h.Add("X-MessageID", rnd(seed+"/xm", 16, hexd)+"_202612")
	h.Add("X-Originating-IP", "[198.51.100.203]")
	h.Add("X-Mailer", "Sina WebMail 4.0")
	h.Add("Message-Id", "<"+r.Date.UTC().Format("20060102150405")+"."+rnd(seed+"/mid", 16, hexU)+"@webmail.sinamail.sina.example>")
	r.thread(&h)
	bnd := "=-sinamail_alt_" + rnd(seed+"/b", 32, hexd)
	h.Add("Content-Type", "multipart/alternative; \r\n\tboundary=\""+bnd+"\"")
	sm := r.S
	t := sm.At.In(cst)
	d := fmt.Sprintf("%d年%02d月%02d日 %02d点%02d分", t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute())
	text := r.Own + "\n\n\n\n----- 原始邮件 -----\n发件人：\"" + sm.From().Name + "\" <icp@example.cn>\n收件人：" + r.recipient().Addr + "\n主题：" + sm.Subject() + "\n日期：" + d + "\n\n" + r.quoted()
	htm := htmlDivs(r.Own) + `<div><br></div><div><br></div><div>----- 原始邮件 -----<br>发件人：&quot;` + htmlEsc(sm.From().Name) + `&quot; &lt;icp@example.cn&gt;<br>收件人：` + r.recipient().Addr + `<br>主题：` + htmlEsc(sm.Subject()) + `<br>日期：` + d + `<br></div><br>` + sm.HTML()
	bodyB := multipart(bnd, "",
		textPart("text/plain; charset=GBK", "base64", body("gbk", "base64", text, false)),
		textPart("text/html; charset=GBK", "base64", body("gbk", "base64", htm, false)))
	p.Relay.Via = []string{"from unknown (HELO webmail.sinamail.sina.example)([10.41.13.10])\r\n\tby sina.example with ESMTP\r\n\t; %s"}
	return deliver(seed, p, r.Auth, r.From.Addr, r.Date, message(h, bodyB))
}

// sohu renders Sohu web mail: utf-8 quoted-printable, "-----原始邮件-----".
func sohu(r R) []byte {
	seed := r.Name
	p := Provider{Domain: "sohu.example", Selector: "sohu", DMARC: "(p=none dis=none)", SPF: true,
		Relay: Relay{Host: "smtp100.sohu.example", IP: "198.51.100.100"}}
	var h Header
	h.Add("Date", rfcDate(r.Date))
	h.Add("From", addr(r.From, "UTF-8", true))
	h.Add("To", r.toHeader("UTF-8", true))
	h.Add("Message-ID", "<"+rnd(seed+"/mid", 12, digits)+".sohu."+rnd(seed+"/mid2", 6, digits)+"@mail.sohu.example>")
	r.thread(&h)
	h.Add("Subject", subj("UTF-8", "B", r.subject("Re:")))
	h.Add("MIME-Version", "1.0")
	h.Add("Content-Type", "text/plain; charset=UTF-8")
	h.Add("Content-Transfer-Encoding", "quoted-printable")
	h.Add("X-Mailer", "Sohu Web Mail 5.0.28")
	h.Add("X-SHOST", "mail.sohu.example")
	sm := r.S
	rc := r.recipient()
	text := r.Own
	if r.Sig != "" {
		text += "\n\n" + r.Sig
	}
	text += "\n\n\n-----原始邮件-----\n发件人：" + sm.From().Name + " <icp@example.cn>\n发送时间：" + sm.At.In(cst).Format("2006-01-02 15:04:05") + "\n收件人：" + rc.Name + " <" + rc.Addr + ">\n主题：" + sm.Subject() + "\n\n" + r.quoted()
	p.Relay.Via = []string{"from mail.sohu.example (unknown [10.18.9.21])\r\n\tby smtp100.sohu.example (SohuMTA) with ESMTPA id " + rnd(seed+"/q", 16, hexd) + ";\r\n\t%s"}
	return deliver(seed, p, r.Auth, r.From.Addr, r.Date, message(h, body("utf-8", "quoted-printable", text, false)))
}

// ---- 139 (Richmail): GBK, 8bit ----

func richmail(r R) []byte {
	seed := r.Name
	p := Provider{Domain: "139.example", Selector: "default", DMARC: "(p=none dis=none)", SPF: true,
		Relay: Relay{Host: "n39-2.139.example", IP: "198.51.100.139"}}
	var h Header
	h.Add("X-RM-TagInfo", "emlType=0")
	h.Add("X-RM-SPAM-FLAG", "00000000")
	h.Add("Received", "from 198.51.100.240 (unknown[198.51.100.240])\r\n\tby rmapp-ln-3-5 (RichMail) with HTTP id 2dc5"+rnd(seed+"/h", 6, hexd)+"d3ad;\r\n\t"+rfcDate(r.Date)+" (CST)")
	h.Add("X-RM-TRANSID", "2dc5"+rnd(seed+"/t", 10, hexd)+"d3ad")
	h.Add("Date", rfcDate(r.Date)+" (CST)")
	h.Add("From", words("GBK", "B", r.From.Name, " ")+" <"+r.From.Addr+">")
	h.Add("To", words("GBK", "B", r.to()[0].Name, " ")+" <"+r.to()[0].Addr+">")
	h.Add("Message-ID", "<2dc5"+rnd(seed+"/m", 16, hexd)+"@139.example>")
	h.Add("Subject", subj("GBK", "B", r.subject("回复:")))
	r.thread(&h)
	h.Add("MIME-Version", "1.0")
	h.Add("Content-Type", "text/plain; charset=GBK")
	h.Add("Content-Transfer-Encoding", "8bit")
	h.Add("X-Mailer", "Richmail v4.0")
	text := r.Own
	if r.S != nil && !r.NoQuote {
		sm := r.S
		rc := r.recipient()
		text += "\n\n\n----邮件原文----\n发件人：\"" + sm.From().Name + "\" <icp@example.cn>\n收件人：\"" + rc.Name + "\" <" + rc.Addr + ">\n抄　送： \n发送时间：" + sm.At.In(cst).Format("2006-01-02 15:04:05") + "\n主题：" + sm.Subject() + "\n\n" + r.quoted()
	}
	return deliver(seed, p, r.Auth, r.From.Addr, r.Date, message(h, body("gbk", "8bit", text, false)))
}

// ---- Yahoo Mail ----

func yahoo(r R) []byte {
	seed := r.Name
	p := Provider{Domain: "yahoo.example", Selector: "s2048", DMARC: "(p=reject dis=none)", SPF: true,
		Relay: Relay{Host: "sonic301-20.consmr.mail.sg3.yahoo.example", IP: "198.51.100.201"}}
	var h Header
	h.Add("Date", rfcDate(r.Date.UTC())+" (UTC)")
	h.Add("From", addr(r.From, "UTF-8", false))
	h.Add("To", r.toHeader("UTF-8", false))
	h.Add("Message-ID", "<"+rnd(seed+"/m1", 10, digits)+"."+rnd(seed+"/m2", 7, digits)+"."+fmt.Sprint(r.Date.UnixMilli())+"@mail.yahoo.example>")
	r.thread(&h)
	h.Add("Subject", subj("UTF-8", "B", r.subject("Re: ")))
	h.Add("MIME-Version", "1.0")
	bnd := "----=_Part_" + rnd(seed+"/b", 7, digits) + "_" + rnd(seed+"/b2", 10, digits) + "." + fmt.Sprint(r.Date.UnixMilli()-1)
	h.Add("Content-Type", "multipart/alternative; \r\n\tboundary=\""+bnd+"\"")
	h.Add("X-Mailer", "WebService/1.1.22941 YMailNorrin")
	sm := r.S
	attr := "On " + sm.At.In(cst).Format("Monday, January 2, 2006 at 03:04:05 PM") + " GMT+8, " + sm.From().Name + " <icp@example.cn> wrote:"
	text := r.Own + "\n\n    " + attr + "  \n \n " + strings.ReplaceAll(r.quoted(), "\n", "\n ") + "\n"
	htm := `<html><head></head><body><div class="yahoo-style-wrap" style="font-family:Helvetica Neue, Helvetica, Arial, sans-serif;font-size:13px;"><div dir="ltr" data-setdir="false">` + htmlLines(r.Own) + `</div><div><br></div></div><div id="yahoo_quoted_` + rnd(seed+"/yq", 10, digits) + `" class="yahoo_quoted"><div style="font-family:'Helvetica Neue', Helvetica, Arial, sans-serif;font-size:13px;color:#26282a;"><div>` + htmlEsc(attr) + `</div><div><br></div><div><br></div><div>` + sm.HTML() + `</div></div></div></body></html>`
	bodyB := multipart(bnd, "",
		textPart("text/plain; charset=UTF-8", "quoted-printable", body("utf-8", "quoted-printable", text, false)),
		textPart("text/html; charset=UTF-8", "quoted-printable", body("utf-8", "quoted-printable", htm, false)))
	p.Relay.Via = []string{"from sonic.gate.mail.ne1.yahoo.example by sonic301-20.consmr.mail.sg3.yahoo.example with HTTP; %s"}
	return deliver(seed, p, r.Auth, r.From.Addr, r.Date, message(h, bodyB))
}

// ---- scripts (forgers) ----

var vps = &Relay{Host: "vps-203-0-113-77.hosting.example", IP: "203.0.113.77", Plain: true}

// phpMailer renders a message sent by a PHP script: what a forger sends.
func phpMailer(r R) []byte {
	seed := r.Name
	var h Header
	h.Add("Date", rfcDate(r.Date))
	h.Add("To", r.to()[0].Addr)
	h.Add("From", addr(r.From, "UTF-8", false))
	h.Add("Subject", subj("UTF-8", "B", r.subject("回复：")))
	h.Add("Message-ID", "<"+rnd(seed+"/mid", 43, alnum)+"@vps-203-0-113-77.hosting.example>")
	r.thread(&h)
	h.Add("X-Mailer", "PHPMailer 6.9.1 (https://github.com/PHPMailer/PHPMailer)")
	h.Add("MIME-Version", "1.0")
	h.Add("Content-Type", "text/plain; charset=UTF-8")
	h.Add("Content-Transfer-Encoding", "base64")
	text := r.Own
	if r.S != nil && !r.NoQuote {
		text += "\n\n" + quoteGT(r.quoted(), "> ")
	}
	return deliver(seed, Provider{Relay: *vps}, r.Auth, r.From.Addr, r.Date, message(h, body("utf-8", "base64", text, false)))
}

// swaks renders a message sent with swaks from a test box.
func swaks(r R) []byte {
	seed := r.Name
	var h Header
	h.Add("Date", r.Date.Format("Mon, 02 Jan 2006 15:04:05 -0700"))
	h.Add("To", r.to()[0].Addr)
	h.Add("From", r.From.Addr)
	h.Add("Subject", subj("UTF-8", "B", r.subject("")))
	h.Add("Message-Id", "<"+r.Date.Format("20060102150405")+".0"+rnd(seed+"/m", 5, digits)+"@mx.163.example>")
	h.Add("X-Mailer", "swaks v20240103.0 jetmore.org/john/code/swaks/")
	h.Add("MIME-Version", "1.0")
	h.Add("Content-Type", "text/plain; charset=utf-8")
	h.Add("Content-Transfer-Encoding", "8bit")
	return deliver(seed, Provider{Relay: Relay{Host: "mx.163.example", IP: "203.0.113.163", Plain: true}}, r.Auth, r.From.Addr, r.Date, message(h, body("utf-8", "8bit", r.Own, false)))
}

// ---- binary attachments ----

// tnefBlob is a small TNEF stream as Outlook writes winmail.dat: signature,
// key, version, OEM code page 936, message class and subject.
func tnefBlob(seed, subject string) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	binary.Write(&b, le, uint32(0x223E9F78))
	binary.Write(&b, le, uint16(0x1fa2))
	attr := func(level byte, id uint32, data []byte) {
		b.WriteByte(level)
		binary.Write(&b, le, id)
		binary.Write(&b, le, uint32(len(data)))
		b.Write(data)
		var sum uint16
		for _, c := range data {
			sum += uint16(c)
		}
		binary.Write(&b, le, sum)
	}
	u32 := func(v ...uint32) []byte {
		var x bytes.Buffer
		for _, n := range v {
			binary.Write(&x, le, n)
		}
		return x.Bytes()
	}
	attr(1, 0x00089006, u32(0x00010000))
	attr(1, 0x00069007, u32(936, 0))
	attr(1, 0x00078008, []byte("IPM.Microsoft Mail.Note\x00"))
	attr(1, 0x00018004, append(enc("gbk", subject), 0))
	attr(1, 0x00038009, u32(0x00000001))
	// attMAPIProps: a property count and PR_RTF_COMPRESSED-looking filler
	props := u32(1, 0x10090102, 1, 64)
	props = append(props, []byte(rnd(seed+"/rtf", 64, alnum))...)
	attr(1, 0x00069003, props)
	return b.Bytes()
}

func pdfScan(title string) []byte {
	return []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n" +
		"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n4 0 obj\n<< /Title (" + title + ") /Producer (Canon iR-ADV C3525 PDF) >>\nendobj\n" +
		"trailer\n<< /Root 1 0 R /Info 4 0 R >>\n%%EOF\n")
}

func jpeg(seed string) []byte {
	b := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x48, 0x00, 0x48, 0x00, 0x00}
	b = append(b, []byte(rnd(seed, 300, alnum))...)
	return append(b, 0xFF, 0xD9)
}

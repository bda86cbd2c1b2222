package main

import (
	"fmt"
	"strings"
	"time"
)

// ---- Outlook desktop (zh-CN, zh-TW/HK) ----

var hzshiliProvider = Provider{Domain: "hzshili.example", Selector: "default", DMARC: "(p=none dis=none)", SPF: true,
	Relay: Relay{Host: "smtp.hzshili.example", IP: "198.51.100.45"}}

var netvigatorProvider = Provider{DMARC: "none", SPF: true, Relay: Relay{Host: "smtp.netvigator.example", IP: "203.0.113.90"}}
var hinetProvider = Provider{DMARC: "none", SPF: true, Relay: Relay{Host: "msa.hinet.example", IP: "203.0.113.150"}}

func outlookZhDate(t time.Time) string {
	t = t.In(cst)
	return fmt.Sprintf("%d年%d月%d日 %s", t.Year(), int(t.Month()), t.Day(), t.Format("15:04"))
}

func outlookTwDate(t time.Time) string {
	t = t.In(cst)
	h := t.Hour()
	ap := "上午"
	if h >= 12 {
		ap = "下午"
	}
	if h > 12 {
		h -= 12
	}
	return fmt.Sprintf("%d年%d月%d日 %s %02d:%02d", t.Year(), int(t.Month()), t.Day(), ap, h, t.Minute())
}

type outlookLocale struct {
	cs, lang                 string
	from, sent, to, cc, subj string
	re, fw                   string
	date                     func(time.Time) string
	lossy                    bool
}

var (
	olZhCN = outlookLocale{cs: "gb2312", lang: "zh-cn", from: "发件人", sent: "发送时间", to: "收件人", cc: "抄送", subj: "主题", re: "答复: ", fw: "转发: ", date: outlookZhDate}
	olZhTW = outlookLocale{cs: "utf-8", lang: "zh-tw", from: "寄件者", sent: "寄件日期", to: "收件者", cc: "副本", subj: "主旨", re: "回覆: ", fw: "轉寄: ", date: outlookTwDate}
	olZhHK = outlookLocale{cs: "big5", lang: "zh-hk", from: "寄件者", sent: "寄件日期", to: "收件者", cc: "副本", subj: "主旨", re: "回覆: ", fw: "轉寄: ", date: outlookTwDate, lossy: true}
)

func outlookZh(r R) []byte { return outlook(r, olZhCN, hzshiliProvider) }
func outlookTW(r R) []byte { return outlook(r, olZhTW, hinetProvider) }
func outlookHK(r R) []byte { return outlook(r, olZhHK, netvigatorProvider) }

// outlook renders Outlook 2016/365 desktop over SMTP: text (base64) and
// HTML (quoted-printable) in the locale's charset, the 发件人/发送时间 block,
// no ">" quoting; Variant "tnef" sends Outlook rich text as winmail.dat.
func outlook(r R, loc outlookLocale, p Provider) []byte {
	seed := r.Name
	cs := loc.cs
	encs := cs
	if cs == "gb2312" {
		encs = "gbk"
	}
	pctx := rnd(seed+"/oid", 8, hexd)
	var h Header
	h.Add("From", subjAddr(r.From, encs, cs))
	var tos []string
	for _, t := range r.to() {
		tos = append(tos, subjAddr(t, encs, cs))
	}
	h.Add("To", strings.Join(tos, ",\r\n\t"))
	if len(r.Cc) > 0 {
		var ccs []string
		for _, t := range r.Cc {
			ccs = append(ccs, subjAddr(t, encs, cs))
		}
		h.Add("Cc", strings.Join(ccs, ",\r\n\t"))
	}
	if r.threaded() {
		h.Add("References", "<"+r.S.ID+">")
		h.Add("In-Reply-To", "<"+r.S.ID+">")
	}
	prefix := loc.re
	if r.Fwd {
		prefix = loc.fw
	}
	s := r.subject(prefix)
	if loc.lossy {
		h.Add("Subject", words(cs, "B", lossyString(cs, s), "\r\n\t"))
	} else {
		h.Add("Subject", subj(cs, "B", s))
	}
	h.Add("Date", rfcDate(r.Date))
	h.Add("Message-ID", fmt.Sprintf("<000001db%s$%s$%s$@%s>", rnd(seed+"/a", 4, hexd), pctx, rnd(seed+"/c", 8, hexd), domainOf(r.From.Addr)))
	h.Add("MIME-Version", "1.0")
	bnd := fmt.Sprintf("----=_NextPart_000_0001_01DB%s.%s", rnd(seed+"/b", 4, hexU), strings.ToUpper(pctx))
	tnef := r.Variant == "tnef"
	if tnef || len(r.Atts) > 0 {
		h.Add("Content-Type", "multipart/mixed;\r\n\tboundary=\""+bnd+"\"")
	} else {
		h.Add("Content-Type", "multipart/alternative;\r\n\tboundary=\""+bnd+"\"")
	}
	h.Add("X-Mailer", "Microsoft Outlook 16.0")
	h.Add("Thread-Index", "AQH"+rnd(seed+"/ti", 37, b64a)+"==")
	h.Add("Content-Language", loc.lang)
	if tnef {
		h.Add("X-MS-TNEF-Correlator", "00000000"+rnd(seed+"/tc", 32, hexU))
	}

	text := r.Own
	htmlOwn := ""
	for _, l := range strings.Split(r.Own, "\n") {
		if l == "" {
			htmlOwn += `<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>`
		} else {
			htmlOwn += `<p class=MsoNormal>` + htmlEsc(l) + `<span lang=EN-US><o:p></o:p></span></p>`
		}
	}
	if r.Sig != "" {
		text += "\n\n" + r.Sig
		htmlOwn += `<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p><p class=MsoNormal>` + htmlLines(r.Sig) + `<o:p></o:p></p>`
	}
	htm := `<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40"><head><meta http-equiv=Content-Type content="text/html; charset=` + cs + `"><meta name=Generator content="Microsoft Word 15 (filtered medium)"><style><!--` + "\n" + `p.MsoNormal, li.MsoNormal, div.MsoNormal {margin:0cm; text-align:justify; text-justify:inter-ideograph; font-size:10.5pt; font-family:DengXian;}` + "\n" + `--></style></head><body lang=ZH-CN link="#0563C1" vlink="#954F72" style='text-justify-trim:punctuation'><div class=WordSection1>` + htmlOwn
	if r.S != nil && !r.NoQuote {
		sm := r.S
		rc := r.recipient()
		block := "\n\n" + loc.from + ": " + sm.From().Name + " <icp@example.cn> \n" + loc.sent + ": " + loc.date(sm.At) + "\n" + loc.to + ": " + rc.Name + " <" + rc.Addr + ">\n" + loc.subj + ": " + sm.Subject() + "\n\n" + r.quoted()
		text += block
		htm += `<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p><div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'><p class=MsoNormal align=left style='text-align:left'><b>` + loc.from + `:</b> ` + htmlEsc(sm.From().Name) + ` &lt;icp@example.cn&gt; <br><b>` + loc.sent + `:</b> ` + loc.date(sm.At) + `<br><b>` + loc.to + `:</b> ` + htmlEsc(rc.Name) + ` &lt;` + rc.Addr + `&gt;<br><b>` + loc.subj + `:</b> ` + htmlEsc(sm.Subject()) + `<o:p></o:p></p></div><p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>` + sm.HTML()
	}
	htm += `</div></body></html>`
	ctText := "text/plain;\r\n\tcharset=\"" + cs + "\""
	ctHTML := "text/html;\r\n\tcharset=\"" + cs + "\""
	textB := body(encs, "base64", text, loc.lossy)
	var bodyB []byte
	switch {
	case tnef:
		parts := []Part{textPart(ctText, "base64", textB),
			{H: Header{{"Content-Type", "application/ms-tnef;\r\n\tname=\"winmail.dat\""}, {"Content-Transfer-Encoding", "base64"}, {"Content-Disposition", "attachment;\r\n\tfilename=\"winmail.dat\""}}, Body: b64(tnefBlob(seed, r.subject(prefix)))}}
		bodyB = multipart(bnd, "This is a multipart message in MIME format.", parts...)
	case len(r.Atts) > 0:
		inner := strings.Replace(bnd, "_000_", "_001_", 1)
		alt := multipart(inner, "", textPart(ctText, "base64", textB), textPart(ctHTML, "quoted-printable", body(encs, "quoted-printable", htm, loc.lossy)))
		parts := []Part{{H: Header{{"Content-Type", "multipart/alternative;\r\n\tboundary=\"" + inner + "\""}}, Body: alt}}
		for _, a := range r.Atts {
			parts = append(parts, attPart(a))
		}
		bodyB = multipart(bnd, "This is a multipart message in MIME format.", parts...)
	default:
		bodyB = multipart(bnd, "This is a multipart message in MIME format.", textPart(ctText, "base64", textB),
			textPart(ctHTML, "quoted-printable", body(encs, "quoted-printable", htm, loc.lossy)))
	}
	local, _, _ := strings.Cut(r.From.Addr, "@")
	p.Relay.Via = []string{fmt.Sprintf("from %s-PC (unknown [192.168.1.%d])\r\n\t(Authenticated sender: %s)\r\n\tby %s (Postfix) with ESMTPSA id %s\r\n\tfor <icp@example.cn>; %%s", strings.ToUpper(strings.ReplaceAll(local, ".", "")), 20+len(seed)%200, r.From.Addr, p.Relay.Host, rnd(seed+"/pq", 10, hexU))}
	return deliver(seed, p, r.Auth, r.From.Addr, r.Date, message(h, bodyB))
}

// subjAddr is an address as Outlook writes it: the name as an unquoted
// encoded-word (or lossy in Big5).
func subjAddr(p Person, encs, cs string) string {
	if isASCII(p.Name) {
		return `"` + p.Name + `" <` + p.Addr + `>`
	}
	if encoderFor(encs) == nil {
		return words(cs, "B", p.Name, " ") + " <" + p.Addr + ">"
	}
	return words(cs, "B", lossyString(encs, p.Name), " ") + " <" + p.Addr + ">"
}

// ---- Outlook on the web (OWA), HTML only ----

func owaDateZh(t time.Time) string { return outlookZhDate(t) }

// owa renders Outlook on the web sending HTML only, with the divRplyFwdMsg
// quote block, dated in UTC as Exchange does.
func owa(r R) []byte {
	seed := r.Name
	p := Provider{Domain: "hzshili.example", Selector: "selector1", DMARC: "(p=none dis=none)", SPF: true,
		Relay: Relay{Host: "mail-tyzapc01on2110.outbound.protection.outlook.example", IP: "198.51.100.110"}}
	var h Header
	h.Add("From", subjAddr(r.From, "gbk", "gb2312"))
	h.Add("To", subjAddr(r.to()[0], "gbk", "gb2312"))
	h.Add("Subject", subj("gb2312", "B", r.subject("答复: ")))
	if r.S != nil {
		h.Add("Thread-Topic", subj("gb2312", "B", r.S.Subject()))
	}
	h.Add("Thread-Index", "AQH"+rnd(seed+"/ti", 41, b64a)+"=")
	h.Add("Date", rfcDate(r.Date.UTC()))
	mid := "SEZPR06MB" + rnd(seed+"/mb", 4, digits) + rnd(seed+"/id", 27, upalnum)
	h.Add("Message-ID", "<"+mid+"@SEZPR06MB5678.apcprd06.prod.outlook.example>")
	r.thread(&h)
	h.Add("Accept-Language", "zh-CN, en-US")
	h.Add("Content-Language", "zh-CN")
	h.Add("X-MS-Has-Attach", "")
	h.Add("X-MS-TNEF-Correlator", "")
	h.Add("msip_labels", "")
	h.Add("Content-Type", "text/html; charset=\"gb2312\"")
	h.Add("Content-Transfer-Encoding", "quoted-printable")
	h.Add("MIME-Version", "1.0")
	htm := `<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><style type="text/css" style="display:none;"> P {margin-top:0;margin-bottom:0;} </style></head><body dir="ltr">`
	for _, l := range strings.Split(r.Own, "\n") {
		if l == "" {
			l = "<br>"
		} else {
			l = htmlEsc(l)
		}
		htm += `<div class="elementToProof" style="font-family: 等线, DengXian, Calibri, Helvetica, sans-serif; font-size: 12pt; color: rgb(0, 0, 0);">` + l + `</div>`
	}
	if r.S != nil {
		sm := r.S
		rc := r.recipient()
		htm += `<div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000"><b>发件人:</b> ` + htmlEsc(sm.From().Name) + ` &lt;icp@example.cn&gt;<br><b>发送时间:</b> ` + owaDateZh(sm.At) + `<br><b>收件人:</b> ` + htmlEsc(rc.Name) + ` &lt;` + rc.Addr + `&gt;<br><b>主题:</b> ` + htmlEsc(sm.Subject()) + `</font><div>&nbsp;</div></div>` + sm.HTML()
	}
	htm += `</body></html>`
	p.Relay.Via = []string{"from SEZPR06MB5678.apcprd06.prod.outlook.example ([fe80::4c1f:2a3b:9d0e:7f61]) by SEZPR06MB5678.apcprd06.prod.outlook.example\r\n ([fe80::4c1f:2a3b:9d0e:7f61%4]) with mapi id 15.20.8207.017; %s"}
	return deliver(seed, p, r.Auth, r.From.Addr, r.Date, message(h, body("gbk", "quoted-printable", htm, false)))
}

// ---- Outlook.com (en) ----

var outlookComProvider = Provider{Domain: "outlook.example", Selector: "selector1", DMARC: "(p=none dis=none)", SPF: true,
	Relay: Relay{Host: "mail-sgaapc01on2081.outbound.protection.outlook.example", IP: "198.51.100.81"}}

func outlookComDate(t time.Time) string {
	return t.In(cst).Format("Monday, January 2, 2006 3:04 PM")
}

// outlookCom renders Outlook.com / new Outlook in English: "RE:", the
// underscored From/Sent/To/Subject block, text and HTML in quoted-printable.
func outlookCom(r R) []byte {
	seed := r.Name
	p := outlookComProvider
	var h Header
	h.Add("From", addr(r.From, "utf-8", false))
	h.Add("To", r.toHeader("utf-8", false))
	h.Add("Subject", subj("utf-8", "B", r.subject("RE: ")))
	if r.S != nil {
		h.Add("Thread-Topic", subj("utf-8", "B", r.S.Subject()))
	}
	h.Add("Thread-Index", "AQH"+rnd(seed+"/ti", 41, b64a)+"=")
	h.Add("Date", rfcDate(r.Date.UTC()))
	mid := "SEZPR06MB" + rnd(seed+"/mb", 4, digits) + rnd(seed+"/id", 27, upalnum)
	h.Add("Message-ID", "<"+mid+"@SEZPR06MB5678.apcprd06.prod.outlook.example>")
	r.thread(&h)
	h.Add("Accept-Language", "en-US")
	h.Add("Content-Language", "en-US")
	h.Add("X-MS-Has-Attach", "")
	h.Add("X-MS-TNEF-Correlator", "")
	bnd := "_000_" + mid + "SEZPR06MB5678apcp_"
	h.Add("Content-Type", "multipart/alternative;\r\n\tboundary=\""+bnd+"\"")
	h.Add("MIME-Version", "1.0")
	text := r.Own
	htm := `<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><style type="text/css" style="display:none;"> P {margin-top:0;margin-bottom:0;} </style></head><body dir="ltr">`
	for _, l := range strings.Split(r.Own, "\n") {
		if l == "" {
			l = "<br>"
		} else {
			l = htmlEsc(l)
		}
		htm += `<div class="elementToProof" style="font-family: Aptos, Aptos_EmbeddedFont, Aptos_MSFontService, Calibri, Helvetica, sans-serif; font-size: 12pt; color: rgb(0, 0, 0);">` + l + `</div>`
	}
	if r.Sig != "" {
		text += "\n\n" + r.Sig
		htm += `<div><br></div><div id="Signature">` + htmlLines(r.Sig) + `</div>`
	}
	if r.S != nil && !r.NoQuote {
		sm := r.S
		rc := r.recipient()
		text += "\n\n________________________________\nFrom: " + sm.From().Name + " <icp@example.cn>\nSent: " + outlookComDate(sm.At) + "\nTo: " + rc.Name + " <" + rc.Addr + ">\nSubject: " + sm.Subject() + "\n\n" + r.quoted()
		htm += `<div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000"><b>From:</b> ` + htmlEsc(sm.From().Name) + ` &lt;icp@example.cn&gt;<br><b>Sent:</b> ` + outlookComDate(sm.At) + `<br><b>To:</b> ` + htmlEsc(rc.Name) + ` &lt;` + rc.Addr + `&gt;<br><b>Subject:</b> ` + htmlEsc(sm.Subject()) + `</font><div>&nbsp;</div></div>` + sm.HTML()
	}
	htm += `</body></html>`
	bodyB := multipart(bnd, "",
		textPart("text/plain; charset=\"utf-8\"", "quoted-printable", body("utf-8", "quoted-printable", text, false)),
		textPart("text/html; charset=\"utf-8\"", "quoted-printable", body("utf-8", "quoted-printable", htm, false)))
	p.Relay.Via = []string{"from SEZPR06MB5678.apcprd06.prod.outlook.example ([fe80::4c1f:2a3b:9d0e:7f61]) by SEZPR06MB5678.apcprd06.prod.outlook.example\r\n ([fe80::4c1f:2a3b:9d0e:7f61%4]) with mapi id 15.20.8207.017; %s"}
	return deliver(seed, p, r.Auth, r.From.Addr, r.Date, message(h, bodyB))
}

// ---- Apple: iPhone Mail and Apple Mail (macOS) ----

var icloudProvider = Provider{Domain: "icloud.example", Selector: "1a1hai", DMARC: "(p=quarantine dis=none)", SPF: true,
	Relay: Relay{Host: "st43p00im-ztdg10073201.me.example", IP: "198.51.100.130"}}

func uuid(seed string) string {
	x := rnd(seed, 32, hexU)
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}

// apple renders iPhone Mail (Variant "" or "iphone") or Apple Mail on macOS
// (Variant "mac"): text/plain utf-8 quoted-printable, "> " quotes under
// "在 …，… 写道：", "发自我的iPhone"; Bottom puts the own text under the quote.
func apple(r R) []byte {
	seed := r.Name
	p := icloudProvider
	mac := r.Variant == "mac"
	var h Header
	var attr string
	sm := r.S
	if sm != nil {
		t := sm.At.In(cst)
		if mac {
			attr = fmt.Sprintf("%d年%d月%d日 %s，%s <icp@example.cn> 写道：", t.Year(), int(t.Month()), t.Day(), t.Format("15:04"), sm.From().Name)
		} else {
			attr = fmt.Sprintf("在 %d年%d月%d日，%s，%s <icp@example.cn> 写道：", t.Year(), int(t.Month()), t.Day(), t.Format("15:04"), sm.From().Name)
		}
	}
	prefix := "回复："
	if mac {
		prefix = "Re: "
	}
	sig := r.Sig
	if sig == "" && !mac {
		sig = "发自我的iPhone"
	}
	var text string
	quote := ""
	if sm != nil && !r.NoQuote {
		q := r.quoted()
		if !mac {
			q = "\ufeff" + q
		}
		quote = quoteGT(attr+"\n\n"+q, "> ")
	}
	switch {
	case r.Bottom:
		// the signature stays where iOS put it, above the quote; the
		// applicant wrote under the quote
		if sig != "" {
			text = "\n\n" + sig + "\n\n"
		}
		text += quote + "\n\n" + r.Own + "\n"
	default:
		text = r.Own
		if sig != "" {
			text += "\n\n" + sig
		}
		if quote != "" {
			text += "\n\n" + quote
		}
	}
	if mac {
		h.Add("From", addr(r.From, "utf-8", false))
		h.Add("Content-Type", "text/plain;\r\n\tcharset=utf-8")
		h.Add("Content-Transfer-Encoding", "quoted-printable")
		h.Add("Mime-Version", "1.0 (Mac OS X Mail 16.0 \\(3826.300.87.4.3\\))")
		h.Add("Subject", subj("utf-8", "Q", r.subject(prefix)))
		h.Add("Date", rfcDate(r.Date))
		r.thread(&h)
		h.Add("To", r.toHeader("utf-8", false))
		h.Add("Message-Id", "<"+uuid(seed+"/mid")+"@icloud.example>")
		h.Add("X-Mailer", "Apple Mail (2.3826.300.87.4.3)")
	} else {
		h.Add("Content-Type", "text/plain;\r\n\tcharset=utf-8")
		h.Add("Content-Transfer-Encoding", "quoted-printable")
		h.Add("From", addr(r.From, "utf-8", false))
		h.Add("Mime-Version", "1.0 (1.0)")
		h.Add("Subject", subj("utf-8", "B", r.subject(prefix)))
		h.Add("Date", rfcDate(r.Date))
		h.Add("Message-Id", "<"+uuid(seed+"/mid")+"@icloud.example>")
		if r.threaded() {
			h.Add("References", "<"+sm.ID+">")
			h.Add("In-Reply-To", "<"+sm.ID+">")
		}
		h.Add("To", r.toHeader("utf-8", false))
		h.Add("X-Mailer", "iPhone Mail (22B91)")
	}
	p.Relay.Via = []string{"from smtpclient.apple (st43p00im-ztdg10073201.me.example [17.58.63.177])\r\n\tby st43p00im-ztdg10073201.me.example (Postfix) with ESMTPSA id " + rnd(seed+"/pq", 10, hexU) + "\r\n\tfor <icp@example.cn>; %s"}
	return deliver(seed, p, r.Auth, r.From.Addr, r.Date, message(h, body("utf-8", "quoted-printable", text, false)))
}

// ---- Gmail ----

var gmailProvider = Provider{Domain: "gmail.example", Selector: "20230601", DMARC: "(p=none dis=none)", SPF: true,
	Relay: Relay{Host: "mail-ej1-f41.google.example", IP: "198.51.100.41"}}

// gmail renders Gmail web: text and HTML in quoted-printable, "On … wrote:"
// wrapped at the address as Gmail wraps it, "> " quotes; Inter interleaves.
func gmail(r R) []byte {
	seed := r.Name
	p := gmailProvider
	var h Header
	h.Add("X-Google-DKIM-Signature", fmt.Sprintf("v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n        d=1e100.example; s=20230601; t=%d; x=%d;\r\n        h=to:subject:message-id:date:from:in-reply-to:references:mime-version\r\n         :x-gm-message-state:from:to:cc:subject:date:message-id:reply-to;\r\n        bh=%s;\r\n        b=%s", r.Date.Unix(), r.Date.Unix()+604800, fakeB64(seed+"/gbh", 32), fakeB64(seed+"/gb", 96)))
	h.Add("X-Gm-Message-State", "AOJu0Y"+rnd(seed+"/gms", 60, b64a))
	h.Add("X-Google-Smtp-Source", "AGHT+I"+rnd(seed+"/gss", 80, b64a))
	h.Add("X-Received", "by 2002:a17:907:7e8a:b0:a9a:4d1e:"+rnd(seed+"/xr", 4, hexd)+" with SMTP id "+rnd(seed+"/xr2", 36, "abcdefghijklmnopqrstuvwxyz0123456789")+";\r\n        "+rfcDate(r.Date.Add(time.Second).In(time.FixedZone("PST", -8*3600)))+" (PST)")
	h.Add("MIME-Version", "1.0")
	if r.threaded() {
		h.Add("References", "<"+r.S.ID+">")
		h.Add("In-Reply-To", "<"+r.S.ID+">")
	}
	h.Add("From", addr(r.From, "UTF-8", false))
	h.Add("Date", rfcDate(r.Date))
	h.Add("X-Gm-Features", "AQ"+rnd(seed+"/gf", 40, b64a))
	h.Add("Message-ID", "<CA"+rnd(seed+"/mid", 50, alnum+"+_-")+"@mail.gmail.example>")
	prefix := "Re: "
	if r.Fwd {
		prefix = "Fwd: "
	}
	h.Add("Subject", subj("UTF-8", "B", r.subject(prefix)))
	h.Add("To", r.toHeader("UTF-8", false))
	bnd := "000000000000" + rnd(seed+"/bnd", 16, hexd)
	h.Add("Content-Type", "multipart/alternative; boundary=\""+bnd+"\"")

	var text, htm string
	sm := r.S
	attr := ""
	if sm != nil {
		attr = "On " + sm.At.In(cst).Format("Mon, Jan 2, 2006 at 3:04 PM") + " " + sm.From().Name + " <icp@example.cn> wrote:"
	}
	attrText := attr
	if len(attrText) > 76 {
		i := strings.Index(attrText, "<")
		attrText = attrText[:i+1] + "\n" + attrText[i+1:]
	}
	htmlOwn := func(s string) string {
		var b strings.Builder
		for _, l := range strings.Split(s, "\n") {
			if l == "" {
				b.WriteString("<div><br></div>")
			} else {
				b.WriteString("<div>" + htmlEsc(l) + "</div>")
			}
		}
		return b.String()
	}
	switch {
	case len(r.Inter) > 0:
		text = attrText + "\n\n"
		htm = `<div dir="ltr"><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">` + htmlEsc(attr) + `<br></div>`
		for _, sg := range r.Inter {
			text += quoteGT(sg.Quote, "> ") + "\n\n" + sg.Own + "\n\n"
			htm += `<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">` + htmlLines(sg.Quote) + `</blockquote><div><br></div>` + htmlOwn(sg.Own) + `<div><br></div>`
		}
		if r.Sig != "" {
			text += "-- \n" + r.Sig + "\n"
		}
		htm += `</div></div>`
	default:
		text = r.Own + "\n"
		htm = `<div dir="ltr">` + htmlOwn(r.Own)
		if r.Sig != "" {
			text += "\n-- \n" + r.Sig + "\n"
			htm += `<br clear="all"><div><br></div><span class="gmail_signature_prefix">-- </span><br><div dir="ltr" class="gmail_signature">` + htmlLines(r.Sig) + `</div>`
		}
		htm += `</div>`
		if sm != nil && !r.NoQuote {
			if r.Fwd {
				text += "\n---------- Forwarded message ---------\nFrom: " + sm.From().Name + " <icp@example.cn>\nDate: " + sm.At.In(cst).Format("Mon, Jan 2, 2006 at 3:04 PM") + "\nSubject: " + sm.Subject() + "\nTo: " + r.recipient().Name + " <" + r.recipient().Addr + ">\n\n\n" + r.quoted() + "\n"
				htm += `<br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">---------- Forwarded message ---------<br>From: <strong class="gmail_sendername" dir="auto">` + htmlEsc(sm.From().Name) + `</strong> <span dir="auto">&lt;<a href="mailto:icp@example.cn">icp@example.cn</a>&gt;</span><br>Date: ` + sm.At.In(cst).Format("Mon, Jan 2, 2006 at 3:04 PM") + `<br>Subject: ` + htmlEsc(sm.Subject()) + `<br></div><br><br>` + sm.HTML() + `</div>`
			} else {
				text += "\n" + attrText + "\n\n" + quoteGT(r.quoted(), "> ") + "\n"
				htm += `<br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">` + htmlEsc(attr) + `<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">` + sm.HTML() + `</blockquote></div>`
			}
		}
	}
	bodyB := multipart(bnd, "",
		textPart("text/plain; charset=\"UTF-8\"", "quoted-printable", body("utf-8", "quoted-printable", text, false)),
		textPart("text/html; charset=\"UTF-8\"", "quoted-printable", body("utf-8", "quoted-printable", htm+"\n", false)))
	p.Relay.Via = []string{"by mail-ej1-f41.google.example with SMTP id a640c23a62f3a-" + rnd(seed+"/sid", 18, "abcdefghijklmnopqrstuvwxyz0123456789") + ".1\r\n        for <icp@example.cn>; %s"}
	return deliver(seed, p, r.Auth, r.From.Addr, r.Date, message(h, bodyB))
}

// ---- Thunderbird ----

var posteoProvider = Provider{Domain: "posteo.example", Selector: "2017", DMARC: "(p=none dis=none)", SPF: true,
	Relay: Relay{Host: "mout01.posteo.example", IP: "198.51.100.60"}}

// thunderbird renders Thunderbird: text/plain format=flowed 8bit,
// "On 26.11.26 07:00, … wrote:", bottom-posted or interleaved, "-- " signature.
func thunderbird(r R, tz *time.Location, p Provider) []byte {
	seed := r.Name
	var h Header
	h.Add("Message-ID", "<"+strings.ToLower(uuid(seed+"/mid"))+"@"+domainOf(r.From.Addr)+">")
	h.Add("Date", rfcDate(r.Date.In(tz)))
	h.Add("MIME-Version", "1.0")
	h.Add("User-Agent", "Mozilla Thunderbird")
	h.Add("Subject", subj("UTF-8", "B", r.subject("Re: ")))
	h.Add("Content-Language", "en-US")
	h.Add("To", r.toHeader("UTF-8", false))
	if r.threaded() {
		h.Add("References", "<"+r.S.ID+">")
	}
	h.Add("From", addr(r.From, "UTF-8", false))
	if r.threaded() {
		h.Add("In-Reply-To", "<"+r.S.ID+">")
	}
	h.Add("Content-Type", "text/plain; charset=UTF-8; format=flowed")
	h.Add("Content-Transfer-Encoding", "8bit")
	sm := r.S
	attr := "On " + sm.At.In(tz).Format("02.01.06 15:04") + ", " + sm.From().Name + " wrote:"
	var text string
	if len(r.Inter) > 0 {
		text = attr + "\n"
		for _, sg := range r.Inter {
			text += quoteGT(sg.Quote, "> ") + "\n\n" + sg.Own + "\n\n"
		}
	} else {
		text = attr + "\n" + quoteGT(r.quoted(), "> ") + "\n\n" + r.Own + "\n\n"
	}
	if r.Sig != "" {
		text += "-- \n" + r.Sig + "\n"
	}
	p.Relay.Via = []string{"from submission (" + p.Relay.Host + " [10.0.0.66])\r\n\tby " + p.Relay.Host + " (Postfix) with ESMTPS id " + rnd(seed+"/pq", 12, alnum) + "\r\n\tfor <icp@example.cn>; %s"}
	return deliver(seed, p, r.Auth, r.From.Addr, r.Date, message(h, body("utf-8", "8bit", text, false)))
}

var cet = time.FixedZone("CET", 3600)

func tbird(r R) []byte { return thunderbird(r, cet, posteoProvider) }

// exampleCom is Thunderbird at example.com, whose mail reaches us without a
// trusted Authentication-Results: icpdesk verifies its DKIM signature itself.
var exampleComProvider = Provider{Relay: Relay{Host: "mail.example.com", IP: "198.51.100.7"}}

func exampleCom(r R) []byte { return thunderbird(r, cst, exampleComProvider) }

package main

import (
	"fmt"
	"strings"
	"time"
)

// ---- auto-replies ----

// foxmailAutoReply is Foxmail's own auto-reply: only its subject tells.
func foxmailAutoReply(name string, to *Sent, date time.Time) []byte {
	from := to.F.Owner
	var h Header
	h.Add("Date", rfcDate(date))
	h.Add("From", addr(from, "GB2312", true))
	h.Add("To", addr(to.From(), "GB2312", true))
	h.Add("Subject", subj("GB2312", "B", "自动回复："+to.Subject()))
	h.Add("In-Reply-To", "<"+to.ID+">")
	h.Add("X-Priority", "3")
	h.Add("X-Mailer", "Foxmail 7.2.25.228[cn]")
	h.Add("Mime-Version", "1.0")
	h.Add("Message-ID", "<"+date.In(cst).Format("20060102150405")+rnd(name, 7, digits)+"@foxmail.example>")
	h.Add("Content-Type", "text/plain;\r\n\tcharset=\"GB2312\"")
	h.Add("Content-Transfer-Encoding", "base64")
	text := "您好！您的来信已收到。我于12月1日至12月7日外出学习，期间不便查看邮件，回来后会第一时间处理。\n\n陈静"
	p := foxProvider
	p.Relay.Via = []string{"from DESKTOP-9QH2K1M ( [198.51.100.23])\r\n\tby bizesmtp.qq.example (ESMTP) with SMTP id 0\r\n\tfor <icp@example.cn>; %s"}
	return deliver(name, p, Auth{}, from.Addr, date, message(h, body("gbk", "base64", text, false)))
}

// qqAutoReply is QQ Mail's 假期自动回复.
func qqAutoReply(name string, to *Sent, date time.Time) []byte {
	from := to.F.Owner
	var h Header
	h.Add("X-QQ-mid", fmt.Sprintf("webmail812t%dt%s", date.Unix(), rnd(name, 7, digits)))
	h.Add("From", addr(from, "gb18030", true))
	h.Add("To", addr(to.From(), "gb18030", true))
	h.Add("Subject", subj("gb18030", "B", "自动回复: "+to.Subject()))
	h.Add("Mime-Version", "1.0")
	h.Add("Content-Type", "text/plain;\r\n\tcharset=\"gb18030\"")
	h.Add("Content-Transfer-Encoding", "base64")
	h.Add("Date", rfcDate(date))
	h.Add("X-Priority", "3")
	h.Add("Message-ID", "<tencent_"+rnd(name+"/m", 40, hexU)+"@qq.example>")
	h.Add("X-QQ-MIME", "TCMime 1.0 by Tencent")
	h.Add("X-Mailer", "QQMail 2.x")
	h.Add("X-QQ-Mailer", "QQMail 2.x")
	h.Add("In-Reply-To", "<"+to.ID+">")
	h.Add("X-Autoreply", "yes")
	text := "这是来自QQ邮箱的假期自动回复邮件。\n\n您好，我最近正在休假中，无法亲自回复您的邮件。我将在假期结束后，尽快给您回复。"
	return deliver(name, qqProvider, Auth{}, from.Addr, date, message(h, body("gb18030", "base64", text, false)))
}

// exchangeOOF is an Exchange / Outlook.com out-of-office reply.
func exchangeOOF(name string, to *Sent, date time.Time, zh bool) []byte {
	from := to.F.Owner
	var h Header
	var subject, text, htm, cs string
	p := outlookComProvider
	if zh {
		subject = "自动答复: " + to.Subject()
		text = "您好，我于12月2日至12月6日休假，期间无法及时回复邮件。如有急事请联系王工：wang@hzshili.example。\n\n刘洋"
		cs = "gb2312"
		p = Provider{Domain: "hzshili.example", Selector: "selector1", DMARC: "(p=none dis=none)", SPF: true,
			Relay: Relay{Host: "mail-tyzapc01on2110.outbound.protection.outlook.example", IP: "198.51.100.110"}}
	} else {
		subject = "Automatic reply: " + to.Subject()
		text = "Hi,\n\nI am out of the office until 7 December with limited access to email. I will reply when I am back.\n\nEmily"
		cs = "utf-8"
	}
	htm = `<html><head><meta http-equiv="Content-Type" content="text/html; charset=` + cs + `"></head><body><div dir="ltr"><div style="font-family: Calibri, Arial, Helvetica, sans-serif; font-size: 12pt; color: rgb(0, 0, 0);">` + htmlLines(text) + `</div></div></body></html>`
	encs := cs
	if cs == "gb2312" {
		encs = "gbk"
	}
	h.Add("From", subjAddr(from, encs, cs))
	h.Add("To", subjAddr(to.From(), encs, cs))
	h.Add("Subject", subj(cs, "B", subject))
	h.Add("Thread-Topic", subj(cs, "B", to.Subject()))
	h.Add("Thread-Index", "AQH"+rnd(name+"/ti", 41, b64a)+"=")
	h.Add("Date", rfcDate(date.UTC()))
	mid := "SEZPR06MB" + rnd(name+"/mb", 4, digits) + rnd(name+"/id", 27, upalnum)
	h.Add("Message-ID", "<"+mid+"@SEZPR06MB5678.apcprd06.prod.outlook.example>")
	h.Add("References", "<"+to.ID+">")
	h.Add("In-Reply-To", "<"+to.ID+">")
	h.Add("Auto-Submitted", "auto-generated")
	h.Add("X-MS-Exchange-Inbox-Rules-Loop", from.Addr)
	h.Add("X-MS-Has-Attach", "")
	h.Add("X-Auto-Response-Suppress", "All")
	h.Add("X-MS-TNEF-Correlator", "")
	bnd := "_000_" + mid + "SEZPR06MB5678apcp_"
	h.Add("Content-Type", "multipart/alternative;\r\n\tboundary=\""+bnd+"\"")
	h.Add("MIME-Version", "1.0")
	b := multipart(bnd, "",
		textPart("text/plain; charset=\""+cs+"\"", "base64", body(encs, "base64", text, false)),
		textPart("text/html; charset=\""+cs+"\"", "base64", body(encs, "base64", htm, false)))
	return deliver(name, p, Auth{}, from.Addr, date, message(h, b))
}

// gmailVacation is Gmail's vacation responder with the user's own subject.
func gmailVacation(name string, to *Sent, date time.Time) []byte {
	from := to.F.Owner
	var h Header
	h.Add("MIME-Version", "1.0")
	h.Add("From", addr(from, "UTF-8", false))
	h.Add("Date", rfcDate(date))
	h.Add("Message-ID", "<CA"+rnd(name, 50, alnum+"+_-")+"@mail.gmail.example>")
	h.Add("References", "<"+to.ID+">")
	h.Add("In-Reply-To", "<"+to.ID+">")
	h.Add("Auto-Submitted", "auto-replied")
	h.Add("Subject", "Away until 8 December")
	h.Add("To", addr(to.From(), "UTF-8", false))
	bnd := "000000000000" + rnd(name+"/b", 16, hexd)
	h.Add("Content-Type", "multipart/alternative; boundary=\""+bnd+"\"")
	text := "Hello,\n\nThank you for your email. I am travelling until 8 December and will read it when I am back.\n\nJohn Miller\n"
	b := multipart(bnd, "",
		textPart("text/plain; charset=\"UTF-8\"", "7bit", []byte(crlf(text))),
		textPart("text/html; charset=\"UTF-8\"", "7bit", []byte(crlf(`<div dir="ltr">`+htmlLines(text)+"</div>\n"))))
	return deliver(name, gmailProvider, Auth{Env: "<>"}, from.Addr, date, message(h, b))
}

// ---- bounces ----

// postfixDSN is our own MTA's delivery status notification for one of our
// emails.
func postfixDSN(name string, s *Sent, date time.Time, status, diag string) []byte {
	rcpt := s.F.Owner.Addr
	qid := "4" + rnd(name+"/q", 11, "BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789")
	bnd := qid + "." + fmt.Sprint(date.Unix()) + "/out.example.cn"
	var h Header
	h.Add("Date", postfixDate(date))
	h.Add("From", "MAILER-DAEMON@out.example.cn (Mail Delivery System)")
	h.Add("Subject", "Undelivered Mail Returned to Sender")
	h.Add("To", "icp@example.cn")
	h.Add("Auto-Submitted", "auto-replied")
	h.Add("MIME-Version", "1.0")
	h.Add("Content-Type", "multipart/report; report-type=delivery-status;\r\n\tboundary=\""+bnd+"\"")
	h.Add("Content-Transfer-Encoding", "8bit")
	h.Add("Message-Id", "<"+date.In(cst).Format("20060102150405")+"."+qid+"@out.example.cn>")
	notice := "This is the mail system at host out.example.cn.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients. It's attached below.\n\nFor further assistance, please send mail to postmaster.\n\nIf you do so, please include this problem report. You can\ndelete your own text from the attached returned message.\n\n                   The mail system\n\n<" + rcpt + ">: host mx." + domainOf(rcpt) + "[198.51.100.8] said: " + diag + " (in reply to\n    RCPT TO command)\n"
	ds := "Reporting-MTA: dns; out.example.cn\nX-Postfix-Queue-ID: " + qid + "\nX-Postfix-Sender: rfc822; icp@example.cn\nArrival-Date: " + postfixDate(s.At) + "\n\nFinal-Recipient: rfc822; " + rcpt + "\nOriginal-Recipient: rfc822;" + rcpt + "\nAction: failed\nStatus: " + status + "\nRemote-MTA: dns; mx." + domainOf(rcpt) + "\nDiagnostic-Code: smtp; " + diag + "\n"
	orig := "Return-Path: <icp@example.cn>\nReceived: by out.example.cn (Postfix, from userid 998)\n\tid " + qid + "; " + postfixDate(s.At) + "\nFrom: " + words("UTF-8", "B", s.From().Name, " ") + " <icp@example.cn>\nTo: " + words("UTF-8", "B", s.F.Owner.Name, " ") + " <" + rcpt + ">\nSubject: " + words("UTF-8", "B", s.Subject(), "\n ") + "\nDate: " + rfcDate(s.At) + "\nMessage-ID: <" + s.ID + ">\nAuto-Submitted: auto-generated\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=\"icpdesk-alt\"\n"
	b := multipart(bnd, "This is a MIME-encapsulated message.",
		Part{H: Header{{"Content-Description", "Notification"}, {"Content-Type", "text/plain; charset=us-ascii"}}, Body: []byte(crlf(notice))},
		Part{H: Header{{"Content-Description", "Delivery report"}, {"Content-Type", "message/delivery-status"}}, Body: []byte(crlf(ds))},
		Part{H: Header{{"Content-Description", "Undelivered Message Headers"}, {"Content-Type", "text/rfc822-headers"}}, Body: []byte(crlf(orig))})
	var top Header
	top.Add("Return-Path", "<>")
	top.Add("Delivered-To", "icp@example.cn")
	top.Add("Received", "from mx.example.cn\r\n\tby mail.example.cn with LMTP\r\n\tid "+rnd(name+"/l", 22, alnum)+"\r\n\t(envelope-from <>)\r\n\tfor <icp@example.cn>; "+rfcDate0(date.Add(2*time.Second)))
	top.Add("Received", "by out.example.cn (Postfix)\r\n\tid "+qid+"; "+postfixDate(date))
	return append(top.Bytes(), message(h, b)...)
}

// richmailBounce is 139 mail's non-standard bounce: plain GBK text, the
// original Message-ID in the text.
func richmailBounce(name string, s *Sent, date time.Time) []byte {
	var h Header
	h.Add("Date", rfcDate(date)+" (CST)")
	h.Add("From", `"`+words("GBK", "B", "系统退信", " ")+`" <postmaster@139.example>`)
	h.Add("To", "icp@example.cn")
	h.Add("Subject", subj("GBK", "B", "退信通知：邮件未能送达"))
	h.Add("Message-ID", "<bounce.2dc5"+rnd(name, 16, hexd)+"@139.example>")
	h.Add("X-RM-SPAM-FLAG", "00000000")
	h.Add("MIME-Version", "1.0")
	h.Add("Content-Type", "text/plain; charset=GBK")
	h.Add("Content-Transfer-Encoding", "base64")
	text := "您好！\n\n很抱歉，您发送的邮件未能成功投递到以下收件人：\n\n    " + s.F.Owner.Addr + "\n\n退信原因：收件人邮箱空间已满（552 Mailbox quota exceeded）。\n\n----- 原邮件信息 -----\n发件人：icp@example.cn\n收件人：" + s.F.Owner.Addr + "\n主题：" + s.Subject() + "\n发送时间：" + s.At.In(cst).Format("2006-01-02 15:04:05") + "\nMessage-ID: <" + s.ID + ">\n\n本邮件由系统自动发出，请勿直接回复。"
	p := Provider{Domain: "139.example", Selector: "default", DMARC: "(p=none dis=none)", SPF: false,
		Relay: Relay{Host: "n39-2.139.example", IP: "198.51.100.139"}}
	return deliver(name, p, Auth{Env: "<>"}, "postmaster@139.example", date, message(h, body("gbk", "base64", text, false)))
}

// exchangeNDR is Exchange Online's non-delivery report.
func exchangeNDR(name string, s *Sent, date time.Time) []byte {
	rcpt := s.F.Owner.Addr
	bnd := "_000_" + rnd(name+"/b", 40, hexU) + "_"
	var h Header
	h.Add("From", "Microsoft Outlook <postmaster@outlook.example>")
	h.Add("To", "<icp@example.cn>")
	h.Add("Date", rfcDate(date.UTC()))
	h.Add("Content-Type", "multipart/report; report-type=delivery-status;\r\n\tboundary=\""+bnd+"\"")
	h.Add("X-MS-Exchange-Message-Is-Ndr", "")
	h.Add("Content-Language", "en-US")
	h.Add("Message-ID", "<"+rnd(name+"/m", 8, hexd)+"-"+rnd(name+"/m2", 4, hexd)+"@SEZPR06MB5678.apcprd06.prod.outlook.example>")
	h.Add("In-Reply-To", "<"+s.ID+">")
	h.Add("References", "<"+s.ID+">")
	h.Add("Subject", "Undeliverable: "+subj("UTF-8", "B", s.Subject()))
	h.Add("Auto-Submitted", "auto-replied")
	h.Add("MIME-Version", "1.0")
	text := "Your message to " + rcpt + " couldn't be delivered.\n\n" + strings.Split(rcpt, "@")[0] + "'s mailbox is full.\n\nAction Required\nRecipient\n\nMailbox full\n\nHow to Fix It\nThe recipient's mailbox is full and can't accept messages now. Please try resending your message later, or contact the recipient directly.\n"
	ds := "Reporting-MTA: dns;SEZPR06MB5678.apcprd06.prod.outlook.example\nReceived-From-MTA: dns;out.example.cn\nArrival-Date: " + rfcDate(s.At.UTC()) + "\n\nFinal-Recipient: rfc822;" + rcpt + "\nAction: failed\nStatus: 5.2.2\nDiagnostic-Code: smtp;554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded\n"
	orig := "From: " + words("UTF-8", "B", s.From().Name, " ") + " <icp@example.cn>\nTo: " + s.F.Owner.Name + " <" + rcpt + ">\nSubject: " + words("UTF-8", "B", s.Subject(), "\n ") + "\nDate: " + rfcDate(s.At) + "\nMessage-ID: <" + s.ID + ">\nMIME-Version: 1.0\n"
	b := multipart(bnd, "",
		textPart("text/plain; charset=\"us-ascii\"", "7bit", []byte(crlf(text))),
		Part{H: Header{{"Content-Type", "message/delivery-status"}}, Body: []byte(crlf(ds))},
		Part{H: Header{{"Content-Type", "text/rfc822-headers"}}, Body: []byte(crlf(orig))})
	return deliver(name, outlookComProvider, Auth{Env: "<>", NoDKIM: true}, "postmaster@outlook.example", date, message(h, b))
}

// ---- our own mail ----

// ourLooped is one of our emails delivered back to the desk mailbox (a Bcc
// loop): From the desk, our Message-ID, Auto-Submitted.
func ourLooped(name string, s *Sent) []byte {
	var h Header
	h.Add("From", words("UTF-8", "B", s.From().Name, " ")+" <icp@example.cn>")
	h.Add("To", words("UTF-8", "B", s.F.Owner.Name, " ")+" <"+s.F.Owner.Addr+">")
	h.Add("Subject", words("UTF-8", "B", s.Subject(), "\r\n "))
	h.Add("Date", rfcDate(s.At))
	h.Add("Message-ID", "<"+s.ID+">")
	h.Add("Auto-Submitted", "auto-generated")
	h.Add("X-Auto-Response-Suppress", "All")
	h.Add("MIME-Version", "1.0")
	bnd := rnd(name+"/b", 60, hexd)
	h.Add("Content-Type", "multipart/alternative;\r\n boundary="+bnd)
	b := multipart(bnd, "",
		textPart("text/plain; charset=UTF-8", "quoted-printable", body("utf-8", "quoted-printable", s.Text(), false)),
		textPart("text/html; charset=UTF-8", "quoted-printable", body("utf-8", "quoted-printable", "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"></head><body>"+s.HTML()+"</body></html>", false)))
	p := Provider{Domain: "example.cn", Selector: "icp2026", DMARC: "(p=quarantine dis=none)", SPF: true,
		Relay: Relay{Host: "out.example.cn", IP: "198.51.100.2"}}
	return deliver(name, p, Auth{}, "icp@example.cn", s.At.Add(2*time.Second), message(h, b))
}

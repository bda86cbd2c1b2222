package main

import (
	"bytes"
	"time"
)

// Case is one message of the corpus and the decision it must get.
type Case struct {
	Group string
	Name  string
	Note  string
	// Class, Decision, Needs ("yes", "no", "-"), Auth ("pass", "fail", "none", "-")
	Class, Decision, Needs, Auth string
	Raw                          []byte
}

var cases []Case
var curGroup string

func group(g string) { curGroup = g }

func add(name, class, decision, needs, auth, note string, raw []byte) {
	cases = append(cases, Case{Group: curGroup, Name: name, Note: note, Class: class, Decision: decision, Needs: needs, Auth: auth, Raw: raw})
}

// h adds a message from an applicant, rendered by client, expecting
// class human.
func h(client func(R) []byte, r R, decision, needs, auth, note string) {
	add(r.Name, "human", decision, needs, auth, note, client(r))
}

func ret(f *Filing) *Sent {
	if f.Source == "provider" {
		return sentMail(f, "filing_returned_provider")
	}
	return sentMail(f, "filing_returned")
}

// Trusted results that do not authenticate the From: domain.
const (
	arDMARCFailQQ     = "mx.example.cn;\r\n\tdkim=none;\r\n\tspf=pass (mx.example.cn: domain of www-data@vps-203-0-113-77.hosting.example designates 203.0.113.77 as permitted sender) smtp.mailfrom=www-data@vps-203-0-113-77.hosting.example;\r\n\tdmarc=fail reason=\"No valid SPF, No valid DKIM\" header.from=qq.example (policy=quarantine)"
	arDMARCFailFox    = "mx.example.cn;\r\n\tdkim=none;\r\n\tspf=softfail (mx.example.cn: domain of transitioning chenjing@foxmail.example does not designate 203.0.113.77 as permitted sender) smtp.mailfrom=chenjing@foxmail.example;\r\n\tdmarc=fail reason=\"SPF not aligned (relaxed), No valid DKIM\" header.from=foxmail.example (policy=none)"
	arDMARCFailICloud = "mx.example.cn;\r\n\tdkim=none;\r\n\tspf=fail (mx.example.cn: domain of zhaolei@icloud.example does not designate 203.0.113.77 as permitted sender) smtp.mailfrom=zhaolei@icloud.example;\r\n\tdmarc=fail reason=\"SPF not aligned (relaxed), No valid DKIM\" header.from=icloud.example (policy=quarantine)"
	arNone            = "mx.example.cn; none"
	arUnaligned       = "mx.example.cn;\r\n\tdkim=pass header.d=mailrelay.example header.s=k1 header.b=Qm9vZ3Vz;\r\n\tspf=pass (mx.example.cn: domain of bounce+wuhua=yunshang.example@mailrelay.example designates 198.51.100.77 as permitted sender) smtp.mailfrom=bounce+wuhua=yunshang.example@mailrelay.example"
	arSubdomain       = "mx.example.cn;\r\n\tdkim=pass header.d=mail.hzshili.example header.s=default header.b=aZ3kLm9Q;\r\n\tspf=none (mx.example.cn: domain of liuyang@hzshili.example has no SPF policy when checking 198.51.100.45) smtp.mailfrom=liuyang@hzshili.example"
	// forged: what a sender wrote itself, claiming our authserv-id or another
	arForgedOurs = "mx.example.cn;\r\n\tdkim=pass header.d=%s header.s=s201512;\r\n\tspf=pass smtp.mailfrom=%s;\r\n\tdmarc=pass (policy=none) header.from=%s"
	arForged163  = "mx.163.example;\r\n\tdkim=pass header.d=163.example header.s=s110527 header.b=T3Zlcm5p;\r\n\tspf=pass (mx.163.example: domain of lisi@163.example designates 203.0.113.163 as permitted sender) smtp.mailfrom=lisi@163.example;\r\n\tdmarc=pass (p=none dis=none) header.from=163.example"
)

func forgedOurs(addr string) string {
	d := domainOf(addr)
	return sprintf(arForgedOurs, d, addr, d)
}

var mailrelay = &Relay{Host: "o7.mailrelay.example", IP: "198.51.100.77"}
var vpsHZ = &Relay{Host: "203-0-113-78.static.isp.example", IP: "203.0.113.78", Plain: true}

func build() {
	cet := time.FixedZone("CET", 3600)

	group("Done (resubmission): simplified Chinese, many phrasings, every client shape")
	h(qqMail, R{Name: "r01-qq-yijing-xiugaihaole", From: zhangsan, S: ret(f101), Own: "已经修改好了，麻烦重新审核一下。", Date: at(12, 3, 10, 12, 44)},
		"resubmission", "no", "pass", "QQ Mail gb18030 text+HTML, 原始邮件 block; done + review request")
	h(qqMail, R{Name: "r02-qq-html-only-gaihaole", From: zhangsan, S: ret(f101), HTMLOnly: true, Own: "网站名称改好了，已经重新提交，谢谢！", Date: at(12, 3, 14, 5, 10)},
		"resubmission", "no", "pass", "QQ Mail HTML only; 改好了 / 已经重新提交")
	h(coremail, R{Name: "r03-163-yixiugai-yichongxintijiao", From: lisi, S: ret(f102), Own: "您好，\n已修改，已重新提交，请审核。", Date: at(12, 2, 9, 31, 7)},
		"resubmission", "no", "pass", "163 GBK base64, 在…写道： + > quote")
	h(coremail, R{Name: "r04-163-mailmaster-split-subject-tijiaole", From: lisi, Variant: "master", Subject: "[ICP#BA-2026-000102] 网站负责人手机号已修改", Own: "刚才在系统里提交了，请查收。", Date: at(12, 3, 16, 40, 2)},
		"resubmission", "no", "pass", "new message, GBK subject encoded-words split inside characters, linked by tag; 提交了")
	h(coremail, R{Name: "r05-126-provider-return-yichongxintijiao", From: wangwu, S: ret(f103), Own: "已重新提交。", Date: at(12, 2, 15, 2, 31)},
		"resubmission", "no", "pass", "provider return (stage draft) answered with 已重新提交")
	h(foxmail, R{Name: "r06-foxmail-gangtijiaole", From: chenjing, S: ret(f104), Own: "刚刚在备案系统里提交了，请审核，谢谢。", Date: at(12, 2, 11, 20, 0)},
		"resubmission", "no", "pass", "Foxmail GB2312 text + QP HTML, From/Date/To/Subject quote, address signature")
	h(foxmail, R{Name: "r07-foxmail-gbk-2231-jpg", From: chenjing, S: ret(f104), Variant: "qq", Own: "域名注册信息已经改成公司名称了，证书扫描件见附件，备案也重新提交了。", Date: at(12, 3, 9, 15, 22),
		Atts: []Att{{Name: "域名证书扫描件.jpg", CT: "image/jpeg", Data: jpeg("r07"), Style: "2231", CS: "GBK"}}},
		"resubmission", "no", "pass", "Foxmail multipart/mixed, RFC 2231 GBK file name, 原始邮件 block")
	h(outlookZh, R{Name: "r08-outlook-zh-yixiugai-signature", From: liuyang, S: ret(f105), Own: "您好，\n\n网站名称已修改，并已在系统中重新提交，请审核。谢谢！", Sig: "刘洋\n杭州示例科技有限公司 技术部\n电话：0571-8612 3456", Date: at(12, 3, 9, 2, 11)},
		"resubmission", "no", "pass", "Outlook zh-CN 答复:, gb2312, 发件人/发送时间/收件人/主题 block, signature")
	h(outlookZh, R{Name: "r09-outlook-zh-tnef-winmail", From: liuyang, S: ret(f105), Variant: "tnef", Own: "修改好了，请审核。", Sig: "刘洋", Date: at(12, 3, 11, 45, 3)},
		"resubmission", "no", "pass", "Outlook rich text: text/plain + winmail.dat (TNEF); 修改好了")
	h(outlookZh, R{Name: "r10-outlook-zh-idn-domain-new", From: liuyang, Subject: "示例.中国 备案信息修改", Own: "您好：\n\n示例.中国 的网站名称已经改好了，已重新提交，麻烦审核。", Sig: "刘洋", Date: at(12, 3, 15, 30, 0)},
		"resubmission", "no", "pass", "new message linked by the IDN domain 示例.中国")
	h(apple, R{Name: "r11-iphone-bottom-posted", From: zhaolei, S: ret(f106), Bottom: true, Own: "已经修改好了，重新提交了", Date: at(12, 2, 8, 47, 55)},
		"resubmission", "no", "pass", "iPhone, own text UNDER the quote, 发自我的iPhone above it")
	h(apple, R{Name: "r12-iphone-top-gaihaole-yitijiao", From: zhaolei, S: ret(f106), Own: "改好了，已提交", Date: at(12, 3, 19, 6, 40)},
		"resubmission", "no", "pass", "iPhone 回复：, top-posted, QP utf-8")
	h(gmail, R{Name: "r13-gmail-en-updated-submitted-again", From: john, S: ret(f107), Own: "Hi,\n\nI have updated the website name and submitted it again. Please review.\n\nThanks,\nJohn", Date: at(12, 3, 10, 2, 18)},
		"resubmission", "no", "pass", "Gmail English, On … wrote:")
	h(gmail, R{Name: "r14-gmail-en-fixed-resubmitted", From: john, S: ret(f107), Own: "Fixed. Resubmitted just now.", Date: at(12, 3, 22, 14, 9)},
		"resubmission", "no", "pass", "English fixed / resubmitted")
	h(wecom, R{Name: "r15-wecom-provider-return-chongxintijiaole", From: zhoujie, S: ret(f108), Own: "资料已经重新提交了，请审核。", Sig: "周杰\n宁波嘉信物流有限公司 行政部", Date: at(12, 2, 14, 3, 30)},
		"resubmission", "no", "pass", "WeCom mail utf-8; provider return answered")
	h(wecom, R{Name: "r16-wecom-xiugaiwanbi", From: zhoujie, S: ret(f108), Own: "已按退回原因修改完毕，请审核。", Date: at(12, 3, 8, 55, 0)},
		"resubmission", "no", "pass", "修改完毕")
	h(alimail, R{Name: "r17-alimail-xiugaiwanbi-chongxintijiao", From: wuhua, S: ret(f109), Own: "您好，资料已经修改完毕并重新提交，请审核。", Sig: "吴华\n杭州云尚电子商务有限公司", Date: at(12, 1, 17, 20, 15)},
		"resubmission", "no", "pass", "Alimail utf-8 base64, dashed 发件人：/主　题： block")
	h(alimail, R{Name: "r18-alimail-scan-pdf", From: wuhua, S: ret(f109), Own: "有效期内的身份证扫描件已上传，备案已重新提交，扫描件见附件。", Date: at(12, 2, 10, 8, 41),
		Atts: []Att{{Name: "scan_20261202.pdf", CT: "application/pdf", Data: pdfScan("scan_20261202")}}},
		"resubmission", "no", "pass", "Alimail with a scanned PDF attachment")
	h(coremail, R{Name: "r19-163-forward-with-note", From: lisi, S: ret(f102), Fwd: true, Own: "已修改，请审核。", Date: at(12, 3, 8, 21, 0)},
		"resubmission", "no", "pass", "our return notice forwarded back (转发：, no threading) with a one-line note; linked by tag")
	h(qqMail, R{Name: "r20-qq-sender-only-open-filing", From: zhangsan, Subject: "备案修改", Own: "您好，网站名称已经改好了，刚刚重新提交了。", Date: at(12, 3, 17, 33, 0)},
		"resubmission", "no", "pass", "no tag, no reference: linked as the sender's only open filing")
	h(coremail, R{Name: "r21-126-domain-link-provider-return", From: wangwu, Subject: "photo.example.cn 备案", Own: "photo.example.cn 的核验单已经由本人重新签字，备案已重新提交，请审核。", Date: at(12, 3, 9, 40, 0)},
		"resubmission", "no", "pass", "new message linked by domain; provider return")
	h(qqMail, R{Name: "r22-qq-gb18030-4byte", From: zhangsan, S: ret(f101), Own: "网站名称已改为“𠮷祥小店”，已重新提交。", Date: at(12, 3, 20, 1, 0)},
		"resubmission", "no", "pass", "GB18030 four-byte character in the text")
	h(apple, R{Name: "r23-applemail-mac-qp", From: zhaolei, S: ret(f106), Variant: "mac", Own: "已修改，请审核", Date: at(12, 2, 21, 12, 3)},
		"resubmission", "no", "pass", "Apple Mail macOS, Q-encoded subject, QP body")
	h(richmail, R{Name: "r24-139-gbk-8bit-tagged", From: huangq, S: ret(f113), Own: "资讯站的负责人手机号已更新，已重新提交。", Date: at(12, 2, 10, 30, 0)},
		"resubmission", "no", "pass", "139 Richmail GBK 8bit; holder of two filings, linked by threading")
	h(gmail, R{Name: "r25-gmail-interleaved-done", From: john, S: ret(f107), Sig: "John", Date: at(12, 3, 13, 0, 0), Inter: []Seg{
		{Quote: "Reason for the return:\n" + reasonName, Own: "Changed the website name to \"Miller Studio Design\" to match the content."},
		{Quote: "What to do:\n1. Correct the filing as the reason above asks.\n2. Resubmit it in the filing system (https://beian.example.cn).", Own: "Done, resubmitted today."}}},
		"resubmission", "no", "pass", "interleaved reply: own text between quoted blocks, -- signature")
	h(outlookZh, R{Name: "r26-outlook-zh-2047-pdf-subdomain-dkim", From: liuyang, S: ret(f105), Own: "网站名称已更正，备案已重新提交，营业执照扫描件见附件。", Sig: "刘洋", Date: at(12, 3, 16, 5, 0),
		Atts: []Att{{Name: "营业执照.pdf", CT: "application/pdf", Data: pdfScan("yingyezhizhao"), Style: "2047", CS: "gb2312"}}, Auth: Auth{Top: []string{arSubdomain}}},
		"resubmission", "no", "pass", "RFC 2047 attachment name; authenticated by dkim=pass d=mail.hzshili.example (same organizational domain), no dmarc result")

	group("Done: traditional Chinese (Hong Kong 遞交/審批, Taiwan 送出)")
	h(outlookHK, R{Name: "r27-hk-outlook-big5-dijiao", From: chantm, S: ret(f110), Own: "您好，\n\n已按要求修改並重新遞交，煩請審批。謝謝！", Sig: "陳大文\n大文貿易有限公司", Date: at(12, 3, 11, 2, 13)},
		"resubmission", "no", "pass", "Outlook HK Big5 (quote of simplified text degraded to ?), 回覆:, authenticated by aligned SPF only")
	h(horde, R{Name: "r28-hk-horde-big5-split-subject", From: chantm, Subject: "[ICP#BA-2026-000110] 網站名稱已修改", Own: "網站名稱已修改完畢，已重新遞交。\n\n陳大文", Date: at(12, 3, 16, 18, 40)},
		"resubmission", "no", "pass", "new Big5 message, subject encoded-words split inside characters; 完畢 / 遞交")
	h(macOutlook, R{Name: "r29-hk-macoutlook-cantonese", From: chantm, S: ret(f110), Own: "已經重新遞交咗，唔該審批。", Date: at(12, 3, 18, 0, 0)},
		"resubmission", "no", "pass", "Outlook for Mac utf-8 QP; Cantonese 遞交咗")
	h(outlookTW, R{Name: "r30-tw-outlook-songchu-provider", From: linyt, S: ret(f111), Own: "您好：\n\n資料已修改完畢並重新送出，麻煩您審核，謝謝。", Sig: "林雅婷\n雅婷茶業有限公司", Date: at(12, 3, 14, 22, 5)},
		"resubmission", "no", "pass", "Taiwan Outlook utf-8, 寄件者/寄件日期 block; 送出; provider return")
	h(hinetWebmail, R{Name: "r31-tw-hinet-big5-yijingsongchu", From: linyt, S: ret(f111), Own: "已經送出了，請審核。", Date: at(12, 3, 20, 45, 12)},
		"resubmission", "no", "pass", "HiNet web mail Big5, ----- Original Message ----- quote")

	group("Review request alone, threaded to a return notice: resubmission")
	h(coremail, R{Name: "r32-163-review-only-threaded", From: lisi, S: ret(f102), Own: "请审核，谢谢。", Date: at(12, 2, 20, 10, 0)},
		"resubmission", "no", "pass", "threaded reply, review request alone")
	h(outlookHK, R{Name: "r33-hk-review-only-threaded", From: chantm, S: ret(f110), Own: "煩請審批，謝謝。", Date: at(12, 3, 9, 30, 0)},
		"resubmission", "no", "pass", "煩請審批 alone, threaded")
	h(gmail, R{Name: "r34-gmail-please-review-threaded", From: john, S: ret(f107), Own: "Please review.", Date: at(12, 3, 8, 0, 0)},
		"resubmission", "no", "pass", "please review, threaded")

	group("Done + an unrelated question: resubmission and needs a reply")
	h(qqMail, R{Name: "r35-qq-done-how-long", From: zhangsan, S: ret(f101), Own: "已经改好了，请问多久能审核完？", Date: at(12, 3, 11, 30, 0)},
		"resubmission", "yes", "pass", "done + question about review time")
	h(outlookCom, R{Name: "r36-outlookcom-en-done-how-long-provider", From: emily, S: ret(f118), Own: "Hi,\n\nUpdated and resubmitted. How long does the review usually take?\n\nEmily", Date: at(12, 3, 9, 12, 0)},
		"resubmission", "yes", "pass", "Outlook.com English, RE:, provider return; done + question")
	h(foxmail, R{Name: "r37-foxmail-done-jitian", From: chenjing, S: ret(f104), Own: "已提交，大概几天能有结果？", Date: at(12, 3, 15, 0, 0)},
		"resubmission", "yes", "pass", "已提交 + question")

	group("Deadlines: the Date header against the deadline (late = after it)")
	h(sina, R{Name: "r38-sina-late-reply-deadline-passed", From: zhengmin, S: sentMail(f114, "deadline_passed"), Own: "抱歉，前几天出差，刚刚已修改并重新提交。", Date: at(12, 4, 8, 30, 0)},
		"late_resubmission", "no", "pass", "reply to deadline_passed, dated after the deadline")
	h(coremail, R{Name: "r39-21cn-late-provider-return", From: heping, S: sentMail(f120, "deadline_passed"), Own: "已经重新提交了，请审核。", Date: at(12, 3, 10, 0, 0)},
		"late_resubmission", "no", "pass", "provider return, resubmitted after its deadline")
	h(sina, R{Name: "r40-sina-ontime-reply-reminder", From: zhengmin, S: sentMail(f114, "deadline_reminder"), Own: "已修改，已重新提交。", Date: at(12, 3, 20, 15, 31)},
		"resubmission", "no", "pass", "reply to deadline_reminder before the deadline (filing now overdue: the Date counts)")
	h(tbird, R{Name: "r41-thunderbird-cet-before-deadline", From: peter, S: ret(f122), Own: "Hello,\n\nI have corrected the website name and resubmitted the filing.\n\nBest regards,\nPeter", Sig: "Peter Schmidt\nSchmidt Engineering", Date: time.Date(2026, 12, 3, 16, 20, 11, 0, cet)},
		"resubmission", "no", "pass", "Thunderbird bottom-posted; 16:20 +0100 = 23:20 CST, before the deadline")
	h(tbird, R{Name: "r42-thunderbird-cet-after-deadline", From: peter, S: sentMail(f122, "deadline_reminder"), Own: "Sorry for the delay - I have now updated the website name and resubmitted.", Sig: "Peter Schmidt\nSchmidt Engineering", Date: time.Date(2026, 12, 3, 17, 5, 0, 0, cet)},
		"late_resubmission", "no", "pass", "17:05 +0100 = 00:05 CST next day, after the deadline")

	group("Correspondence: questions and extension requests (need a reply)")
	h(qqMail, R{Name: "c01-qq-haimei-gaihao-nengfou-yanqi", From: zhangsan, S: ret(f101), Own: "还没改好，请问能否延期？", Date: at(12, 3, 9, 0, 0)},
		"correspondence", "yes", "pass", "the issue's case: negation + extension request, threaded to the return")
	h(owa, R{Name: "c02-owa-html-only-yanchang", From: liuyang, S: ret(f105), Own: "营业执照还在变更中，能否延长几天提交期限？", Date: at(12, 3, 10, 30, 0)},
		"correspondence", "yes", "pass", "Outlook on the web, HTML only, divRplyFwdMsg, Date in UTC; extension")
	h(coremail, R{Name: "c03-163-html-only-question", From: lisi, S: ret(f102), HTMLOnly: true, Own: "请问退回原因里说的手机号码无法接通，是指网站负责人的手机吗？要改成哪个号码？", Date: at(12, 2, 11, 0, 0)},
		"correspondence", "yes", "pass", "163 HTML only, blockquote; question")
	h(foxmail, R{Name: "c04-foxmail-xuyao-chongxintijiao-ma", From: chenjing, S: ret(f104), Own: "需要重新提交吗？", Date: at(12, 2, 9, 10, 0)},
		"correspondence", "yes", "pass", "question whether to resubmit")
	h(qqMail, R{Name: "c05-qq-done-plus-whether-resubmit", From: zhangsan, S: ret(f101), Own: "已修改，需要重新提交吗？", Date: at(12, 2, 16, 0, 0)},
		"correspondence", "yes", "pass", "done (corrected) + question about resubmitting")
	h(gmail, R{Name: "c06-gmail-en-fixed-do-i-need-to-resubmit", From: john, S: ret(f107), Own: "I've fixed the site name - do I need to resubmit it in the system as well, or is this email enough?", Date: at(12, 3, 7, 30, 0)},
		"correspondence", "yes", "pass", "English done + question about resubmitting")
	h(wecom, R{Name: "c07-wecom-gaihaole-how-to-resubmit", From: zhoujie, S: ret(f108), Own: "改好了，是在系统里重新提交还是发邮件给你们就行？", Date: at(12, 2, 16, 45, 0)},
		"correspondence", "yes", "pass", "done + question how to resubmit")
	h(qqMail, R{Name: "c08-qq-yanqi-na-dao-zhizhao-hou", From: zhangsan, S: ret(f101), Own: "能否延期几天？拿到执照后马上重新提交。", Date: at(12, 2, 10, 0, 0)},
		"correspondence", "yes", "pass", "extension + condition")
	h(outlookHK, R{Name: "c09-hk-shangwei-xiugai-question", From: chantm, S: ret(f110), Own: "網站名稱尚未修改，請問要改成甚麼？", Date: at(12, 2, 15, 0, 0)},
		"correspondence", "yes", "pass", "traditional: 尚未 + 請問")
	h(coremail, R{Name: "c10-163-unthreaded-our-subject-re", From: lisi, S: ret(f102), NoThread: true, Own: "请问什么时候能好？", Date: at(12, 3, 14, 0, 0)},
		"correspondence", "yes", "pass", "Re: + our subject (…前修改并重新提交) without threading headers; body only a question")
	h(qqMail, R{Name: "c11-qq-new-message-our-subject", From: zhangsan, S: ret(f101), NoThread: true, NoQuote: true, Subject: ret(f101).Subject(), Own: "请问什么时候能好？", Date: at(12, 3, 13, 20, 0)},
		"correspondence", "yes", "pass", "new message keeping our subject word for word; our subject is not the applicant's words")
	h(foxmail, R{Name: "c12-foxmail-forward-question", From: chenjing, S: ret(f104), Fwd: true, Own: "请看一下这个退回原因是什么意思？", Date: at(12, 1, 14, 0, 0)},
		"correspondence", "yes", "pass", "forwarded return notice with a one-line question")
	h(apple, R{Name: "c13-iphone-bottom-question", From: zhaolei, S: ret(f106), Bottom: true, Own: "请问网站名称可以用公司简称吗？", Date: at(12, 1, 18, 0, 0)},
		"correspondence", "yes", "pass", "iPhone bottom-posted question")
	h(alimail, R{Name: "c14-alimail-kuanxian", From: wuhua, S: ret(f109), Own: "老板出差了，证件没法及时更新，可以宽限几天吗？", Date: at(12, 2, 9, 0, 0)},
		"correspondence", "yes", "pass", "宽限 extension request")
	h(outlookCom, R{Name: "c15-outlookcom-en-more-days", From: emily, S: ret(f118), Own: "Could we have a few more days? Our director is travelling and cannot sign the form until next week.", Date: at(12, 2, 18, 0, 0)},
		"correspondence", "yes", "pass", "English extension request")
	h(outlookTW, R{Name: "c16-tw-where-to-resubmit", From: linyt, S: ret(f111), Own: "請問要在哪裡重新送出？系統一直顯示錯誤。", Date: at(12, 3, 9, 30, 0)},
		"correspondence", "yes", "pass", "Taiwan: question how to resubmit (送出)")
	h(outlookHK, R{Name: "c17-hk-yanhou-dijiao", From: chantm, S: ret(f110), Own: "請問可否延後幾天遞交？因為商業登記證正在更新。", Date: at(12, 2, 16, 0, 0)},
		"correspondence", "yes", "pass", "Hong Kong: 延後 … 遞交 extension")
	h(wecom, R{Name: "c18-wecom-question-original", From: zhoujie, S: ret(f108), Own: "核验单需要原件寄过去吗？", Date: at(12, 2, 12, 0, 0)},
		"correspondence", "yes", "pass", "plain question after a provider return")
	h(outlookZh, R{Name: "c46-outlook-zh-tnef-question", From: liuyang, S: ret(f105), Variant: "tnef", Own: "请问营业执照复印件需要加盖公章吗？", Sig: "刘洋", Date: at(12, 2, 14, 20, 0)},
		"correspondence", "yes", "pass", "Outlook rich text (winmail.dat) with a question")
	h(gmail, R{Name: "c19-gmail-interleaved-question", From: john, S: ret(f107), Date: at(12, 2, 15, 0, 0), Inter: []Seg{
		{Quote: "Reason for the return:\n" + reasonName, Own: "What exactly does this mean? The site name is our company name."}}},
		"correspondence", "yes", "pass", "interleaved question")

	group("Correspondence: promises, conditions, negations, instructions (no reply needed)")
	h(coremail, R{Name: "c20-163-mingtian-gaihao-hou-zai", From: lisi, S: ret(f102), Own: "好的，明天改好后再重新提交。", Date: at(12, 2, 18, 0, 0)},
		"correspondence", "no", "pass", "promise + condition (明天 / 改好后再)")
	h(gmail, R{Name: "c21-gmail-en-will-resubmit-tomorrow", From: john, S: ret(f107), Own: "Thanks, I will correct it and resubmit tomorrow.", Date: at(12, 2, 20, 0, 0)},
		"correspondence", "no", "pass", "English promise")
	h(alimail, R{Name: "c22-alimail-zhouwu-qian-hui", From: wuhua, S: ret(f109), Own: "收到，周五前会重新提交。", Date: at(12, 1, 11, 0, 0)},
		"correspondence", "no", "pass", "promise 周五前会")
	h(outlookZh, R{Name: "c23-outlook-zh-na-dao-zhizhao-hou", From: liuyang, S: ret(f105), Own: "营业执照正在变更，拿到新执照后马上重新提交。", Sig: "刘洋", Date: at(12, 2, 17, 0, 0)},
		"correspondence", "no", "pass", "condition 拿到…后马上")
	h(outlookCom, R{Name: "c24-outlookcom-en-once", From: emily, S: ret(f118), Own: "Once the signed form is back from our director I'll resubmit.", Date: at(12, 3, 8, 30, 0)},
		"correspondence", "no", "pass", "English condition once … I'll")
	h(coremail, R{Name: "c25-126-haimei-tijiao", From: wangwu, S: ret(f103), Own: "还没提交，正在改。", Date: at(12, 2, 13, 0, 0)},
		"correspondence", "no", "pass", "short negation 还没提交")
	h(apple, R{Name: "c26-iphone-haimeiyou-laidejide", From: zhaolei, S: ret(f106), Own: "不好意思，这几天太忙，还没有来得及重新提交。", Date: at(12, 3, 12, 40, 0)},
		"correspondence", "no", "pass", "long-range negation 还没有来得及重新提交")
	h(gmail, R{Name: "c27-gmail-en-havent-resubmitted", From: john, S: ret(f107), Own: "I haven't resubmitted yet, we are still waiting for the stamped form.", Date: at(12, 3, 16, 0, 0)},
		"correspondence", "no", "pass", "English negation haven't … yet")
	h(outlookCom, R{Name: "c28-outlookcom-en-not-yet-updated", From: emily, S: ret(f118), Own: "Not yet updated - still waiting for the new ID copy.", Date: at(12, 3, 11, 0, 0)},
		"correspondence", "no", "pass", "English not yet")
	h(qqMail, R{Name: "c29-qq-gaihaole-dan-haimei-tijiao", From: zhangsan, S: ret(f101), Own: "网站名称改好了，但核验单还没签字，还没提交。", Date: at(12, 2, 19, 0, 0)},
		"correspondence", "no", "pass", "done (改好了) taken back by 还没提交")
	h(qqMail, R{Name: "c29b-qq-tijiao-dan-xianshi-shibai", From: zhangsan, S: ret(f101), Own: "已经重新提交了，但是系统显示提交失败。", Date: at(12, 2, 20, 0, 0)},
		"correspondence", "yes", "pass", "done, then a failure reported: not acted on, and a person must answer")
	h(coremail, R{Name: "c29c-163-tijiao-buliao-baocuo", From: lisi, S: ret(f102), Own: "提交不了，一直报错。", Date: at(12, 3, 9, 30, 0)},
		"correspondence", "yes", "pass", "stuck: 提交不了 asks nothing in words but needs an answer")
	h(coremail, R{Name: "c30-163-qing-nimen-bangmang-tijiao", From: lisi, S: ret(f102), Own: "请你们帮忙重新提交一下，我不太会操作。", Date: at(12, 3, 10, 45, 0)},
		"correspondence", "-", "pass", "instruction to the desk to resubmit")
	h(foxmail, R{Name: "c31-foxmail-yixiugai-qing-nimen-tijiao", From: chenjing, S: ret(f104), Own: "资料已修改，请你们帮忙提交一下。", Date: at(12, 3, 16, 30, 0)},
		"correspondence", "-", "pass", "corrected, but the submitting is asked of someone else")
	h(outlookZh, R{Name: "c32-outlook-zh-instruct-colleague-cc-desk", From: liuyang, To: []Person{wanggong}, Cc: []Person{desk}, S: ret(f105), Own: "王工：\n\n麻烦你今天把备案重新提交一下，谢谢。", Sig: "刘洋", Date: at(12, 3, 8, 40, 0)},
		"correspondence", "-", "pass", "reply-all to a colleague, desk in Cc: instruction to someone else")
	h(apple, R{Name: "c33-applemail-mac-thanks", From: zhaolei, S: ret(f106), Variant: "mac", Own: "收到，谢谢。", Date: at(12, 1, 16, 30, 0)},
		"correspondence", "no", "pass", "threaded reply alone is never a resubmission")

	group("Review request alone, not threaded: correspondence")
	h(qqMail, R{Name: "c34-qq-unthreaded-review-only", From: zhangsan, Subject: "[ICP#BA-2026-000101] 请审核", Own: "请审核，谢谢。", Date: at(12, 3, 18, 20, 0)},
		"correspondence", "-", "pass", "new message with tag, review request alone")
	h(gmail, R{Name: "c35-gmail-unthreaded-please-review", From: john, Subject: "Filing BA-2026-000107", Own: "Please review my filing.", Date: at(12, 3, 12, 0, 0)},
		"correspondence", "-", "pass", "new message linked by reference, review request alone")

	group("Correspondence: filing not awaiting resubmission, or message older than the return")
	h(qqMail, R{Name: "c36-qq-predates-return", From: zhangsan, Subject: "BA-2026-000101 已修改", Own: "网站名称已修改，请审核。", Date: at(11, 30, 18, 0, 0)},
		"correspondence", "no", "pass", "dated before the filing was returned")
	h(sohu, R{Name: "c37-sohu-provider-review-again-done", From: xuyan, S: sentMail(f115, "filing_returned"), Own: "已经重新提交了。", Date: at(12, 3, 9, 0, 0)},
		"correspondence", "no", "pass", "filing already back in provider review")
	h(wecom, R{Name: "c38-wecom-bureau-review-done", From: sunli, S: sentMail(f119, "filing_sent_to_bureau"), Own: "网站内容已经修改好了。", Date: at(12, 2, 9, 0, 0)},
		"correspondence", "no", "pass", "filing in bureau review")
	h(wecom, R{Name: "c39-wecom-bureau-review-progress", From: sunli, S: sentMail(f119, "filing_sent_to_bureau"), Own: "请问现在审核到哪一步了？大概还要多久？", Date: at(12, 3, 15, 10, 0)},
		"correspondence", "yes", "pass", "progress question, bureau review")
	h(coremail, R{Name: "c40-yeah-icp-number-question", From: gaofeng, Subject: "备案号问题", Own: "您好，请问备案号 浙ICP备2026012345号-1 下面怎么新增一个网站？", Date: at(12, 3, 10, 0, 0)},
		"correspondence", "yes", "pass", "approved filing linked by ICP number")
	h(qqMail, R{Name: "c41-qq-draft-never-returned", From: maliang, Subject: "BA-2026-000121 已提交", Own: "我已经在系统里提交了，请审核。", Date: at(12, 3, 16, 0, 0)},
		"correspondence", "no", "pass", "draft that was never returned: not awaiting resubmission")

	group("Replies to our acknowledgement (resubmission_received)")
	h(sohu, R{Name: "c42-sohu-ack-thanks", From: xuyan, S: sentMail(f115, "resubmission_received"), Own: "好的，谢谢！", Date: at(12, 2, 11, 0, 0)},
		"correspondence", "no", "pass", "thanks for the acknowledgement")
	h(sohu, R{Name: "c43-sohu-ack-misread", From: xuyan, S: sentMail(f115, "resubmission_received"), Own: "我还没提交，你们理解错了，我上一封邮件是问能不能延期。", Date: at(12, 2, 10, 50, 0)},
		"correspondence", "yes", "pass", "misread: 我还没提交 / 你们理解错了 (the quoted ack says 已修改…重新提交)")
	h(yahoo, R{Name: "c44-yahoo-en-ack-not-yet", From: tom, S: sentMail(f124, "resubmission_received"), Own: "Not yet - I only asked whether I need to resubmit. I haven't changed anything.", Date: at(12, 2, 10, 5, 0)},
		"correspondence", "yes", "pass", "Yahoo, English misread: not yet")
	h(sohu, R{Name: "c45-sohu-ack-misread-long", From: xuyan, S: sentMail(f115, "resubmission_received"), Own: "你们理解错了，资料还没改完，改好后我会再发邮件。", Date: at(12, 2, 12, 30, 0)},
		"correspondence", "yes", "pass", "misread + promise")

	group("DKIM verified in process (no trusted Authentication-Results; d=example.com s=s2026)")
	h(exampleCom, R{Name: "d01-dkim-pass-fixed-resubmitted", From: david, S: ret(f117), Own: "Hi,\n\nI have fixed the website name and resubmitted the filing.\n\nRegards,\nDavid Wong", Date: at(12, 3, 9, 40, 0), Auth: Auth{NoAR: true, Sign: true}},
		"resubmission", "no", "pass", "valid ed25519 signature, verified with the world's key")
	h(exampleCom, R{Name: "d02-dkim-pass-not-yet-more-days", From: david, S: ret(f117), Own: "Not yet - we are still waiting for the updated business licence. Could we have a few more days?", Date: at(12, 3, 14, 0, 0), Auth: Auth{NoAR: true, Sign: true}},
		"correspondence", "yes", "pass", "valid signature; negation + extension")
	h(exampleCom, R{Name: "d03-dkim-body-edited-after-signing", From: david, S: ret(f117), Own: "Updated and resubmitted.", Date: at(12, 3, 15, 0, 0), Auth: Auth{NoAR: true, Sign: true, Break: func(b []byte) []byte {
		return bytes.Replace(b, []byte("Updated and resubmitted."), []byte("Updated and resubmitted. Thanks!"), 1)
	}}},
		"unverified", "-", "fail", "signature broken: body changed after signing")

	group("Authentication failures: unverified, changes nothing")
	h(phpMailer, R{Name: "u01-forged-from-dmarc-fail", From: zhangsan, S: ret(f101), Own: "已修改，请审核。", Date: at(12, 3, 3, 12, 0),
		Auth: Auth{Top: []string{arDMARCFailQQ}, Relay: vps, Env: "www-data@vps-203-0-113-77.hosting.example"}},
		"unverified", "-", "fail", "From: the holder, trusted result dmarc=fail")
	h(outlookZh, R{Name: "u02-forged-from-none-forged-pass-below", From: liuyang, S: ret(f105), Own: "已修改并重新提交，请审核。", Date: at(12, 3, 4, 20, 0),
		Auth: Auth{Top: []string{arNone}, Low: []string{forgedOurs(liuyang.Addr)}, NoDKIM: true, Relay: vpsHZ}},
		"unverified", "-", "-", "trusted result says none; a forged mx.example.cn pass lower down is ignored")
	h(swaks, R{Name: "u03-forged-other-authserv-id", From: lisi, Subject: "[ICP#BA-2026-000102] 已修改", Own: "已修改，请审核。", Date: at(12, 3, 5, 0, 0),
		Auth: Auth{NoAR: true, Low: []string{arForged163}}},
		"unverified", "-", "-", "no trusted result; an Authentication-Results from another authserv-id claims pass; no DKIM signature (none or fail: not checked)")
	h(phpMailer, R{Name: "u04-forged-pass-below-trusted-fail", From: chenjing, S: ret(f104), Own: "刚刚提交了，请审核。", Date: at(12, 3, 5, 30, 0),
		Auth: Auth{Top: []string{arDMARCFailFox}, Low: []string{forgedOurs(chenjing.Addr)}, Relay: vps, Env: chenjing.Addr}},
		"unverified", "-", "fail", "trusted dmarc=fail on top, a forged mx.example.cn pass below it")
	h(alimail, R{Name: "u05-unaligned-dkim-spf-pass", From: wuhua, S: ret(f109), Own: "资料已修改完毕，已重新提交。", Date: at(12, 2, 13, 0, 0),
		Auth: Auth{Top: []string{arUnaligned}, NoDKIM: true, Relay: mailrelay, Env: "bounce+wuhua=yunshang.example@mailrelay.example"}},
		"unverified", "-", "fail", "dkim and spf pass for another domain, no dmarc: not aligned with From")
	h(alimail, R{Name: "u06-agent-not-registered", From: agent, Subject: "[ICP#BA-2026-000102] 备案已修改", Own: "您好，李四的备案（BA-2026-000102）网站负责人手机号已修改，已重新提交，请审核。", Date: at(12, 3, 10, 20, 0)},
		"unverified", "-", "pass", "authenticated, but not the registered address")
	h(outlookZh, R{Name: "u07-colleague-forward-not-registered", From: wanggong, S: ret(f105), Fwd: true, Own: "刘总让我处理的，网站名称已经改好了，已重新提交。", Sig: "王工", Date: at(12, 3, 11, 10, 0)},
		"unverified", "-", "pass", "same company domain, not the registered address; forward linked by tag")
	h(apple, R{Name: "u08-forged-iphone-shape-dmarc-fail", From: zhaolei, S: ret(f106), Own: "还没改好，能否延期？", Date: at(12, 3, 6, 0, 0),
		Auth: Auth{Top: []string{arDMARCFailICloud}, NoDKIM: true, Relay: vps}},
		"unverified", "-", "fail", "forged (iPhone-shaped) question: still unverified")

	group("Unmatched")
	h(qqMail, R{Name: "n01-qq-new-applicant-how-to-file", From: stranger, Subject: "咨询网站备案", Own: "你好，我想给新网站备案，请问流程是怎样的？需要准备哪些材料？", Date: at(12, 3, 9, 0, 0)},
		"unmatched", "-", "-", "not an account, no reference")
	h(richmail, R{Name: "n02-139-two-returned-no-tag", From: huangq, Subject: "备案修改", Own: "两个网站的信息都修改好了，请审核。", Date: at(12, 2, 11, 0, 0)},
		"unmatched", "-", "-", "account with two returned filings, no tag/reference/domain")
	h(richmail, R{Name: "n03-139-two-returned-question", From: huangq, Subject: "咨询", Own: "请问我的备案什么时候能通过？", Date: at(12, 3, 10, 0, 0)},
		"unmatched", "-", "-", "ambiguous sender again, a question")
	h(coremail, R{Name: "n04-163-unknown-reference", From: Person{"王芳", "wangfang@163.example", "zh-CN"}, Subject: "BA-2026-000999 已修改", Own: "已修改，请审核。", Date: at(12, 3, 11, 0, 0)},
		"unmatched", "-", "-", "a reference that does not exist, sender not an account")
	h(gmail, R{Name: "n05-gmail-en-new-company", From: newcorp, Subject: "New website filing", Own: "Hi,\n\nWe'd like to file a new website with you. What documents do you need from us?\n\nBest,\nLaura", Date: at(12, 3, 12, 30, 0)},
		"unmatched", "-", "-", "English prospect")

	group("Auto-replies")
	add("a01-foxmail-zidonghuifu-subject-only", "auto_reply", "ignored", "-", "-", "Foxmail 自动回复： by subject only", foxmailAutoReply("a01", ret(f104), at(12, 1, 11, 0, 9)))
	add("a02-outlookcom-automatic-reply", "auto_reply", "ignored", "-", "-", "Outlook.com Automatic reply:, Auto-Submitted: auto-generated", exchangeOOF("a02", ret(f118), at(12, 2, 16, 30, 12), false))
	add("a03-qq-jiaqi-zidonghuifu", "auto_reply", "ignored", "-", "-", "QQ Mail 假期自动回复, X-Autoreply", qqAutoReply("a03", ret(f101), at(12, 1, 10, 0, 11)))
	add("a04-gmail-vacation-auto-submitted", "auto_reply", "ignored", "-", "-", "Gmail vacation responder, own subject, Auto-Submitted: auto-replied", gmailVacation("a04", ret(f107), at(12, 2, 14, 0, 13)))
	add("a05-exchange-zh-zidongdafu", "auto_reply", "ignored", "-", "-", "Exchange zh-CN 自动答复:", exchangeOOF("a05", ret(f105), at(12, 2, 10, 0, 14), true))

	group("Bounces")
	add("b01-postfix-dsn-mailbox-full", "bounce", "bounce", "-", "-", "our MTA's RFC 3464 report for our reminder", postfixDSN("b01", sentMail(f120, "deadline_reminder"), at(12, 2, 0, 0, 30), "5.2.2", "552 5.2.2 Mailbox full"))
	add("b02-139-plain-bounce-gbk", "bounce", "bounce", "-", "-", "non-standard GBK bounce from postmaster, null Return-Path", richmailBounce("b02", ret(f113), at(12, 1, 10, 5, 40)))
	add("b03-exchange-ndr", "bounce", "bounce", "-", "-", "Exchange Online NDR, multipart/report", exchangeNDR("b03", ret(f118), at(12, 2, 16, 30, 20)))

	group("Our own mail")
	add("o01-own-notice-looped", "own", "ignored", "-", "-", "our return notice delivered back to the desk (From the desk, our Message-ID)", ourLooped("o01", ret(f101)))
	add("o02-staff-from-desk-address", "own", "ignored", "-", "-", "staff writing from icp@example.cn with the desk in Cc",
		outlook(R{Name: "o02", From: desk, To: []Person{lisi}, Cc: []Person{desk}, S: ret(f102), Own: "李四，您好：\n\n退回原因是网站负责人手机号码无法接通，请确认号码可以正常接听后修改，再重新提交。", Sig: "示例云备案中心 小周", Date: at(12, 2, 10, 0, 0)},
			olZhCN, Provider{Domain: "example.cn", Selector: "icp2026", DMARC: "(p=quarantine dis=none)", SPF: true, Relay: Relay{Host: "out.example.cn", IP: "198.51.100.2"}}))
}

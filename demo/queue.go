package demo

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"strings"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/scheduler"
	"example.com/icpdesk/store"
)

// Third demo filing and the addresses that only appear in the queue's part.
const (
	NewsRef  = "BA-2026-000125"      // 张三's second site, left overdue
	Visitor  = "visitor@example.org" // writes without naming a filing
	ZhaoLiu  = "zhaoliu@example.org" // an account whose mailbox does not exist
	Postmark = "mailer-daemon@example.net"
)

// Queue continues the story after the clock jumped, until the staff work
// queue holds at least one item of every kind, each for a reason a desk
// meets: a late resubmission judged on the moved clock, a question, an
// applicant saying we misread them, mail nobody can link, mail too big to
// read, an email to an address that does not exist, a delivery report about
// nothing icpdesk sent. The console is where staff settle them.
func (d *Demo) Queue(ctx context.Context) error {
	st := d.Store
	fp, err := d.Config.Fingerprinter()
	if err != nil {
		return err
	}

	// 张三's second site, returned by the bureau ten days ago: the sweep
	// finds it overdue.
	in := enterpriseFiling()
	in.Ref, in.Website.Name = NewsRef, "示例资讯"
	in.Website.Domains = []filing.DomainInput{{Name: "news.example.cn", Registrant: "杭州示例科技有限公司"}}
	if _, probs, err := st.ImportFiling(ctx, in, fp, "demo-staff"); err != nil || len(probs) > 0 {
		return fmt.Errorf("demo: import %s: %v %v", NewsRef, err, probs)
	}
	ago := d.Clock.Now().Add(-10 * 24 * time.Hour)
	for i, req := range []filing.Request{{Action: filing.ActionSubmit}, {Action: filing.ActionToBureau},
		{Action: filing.ActionReturnBureau, Reason: "网站名称“示例资讯”涉及新闻信息服务，需先取得前置审批。"}} {
		req.Actor, req.At = filing.ActorStaff, ago.Add(time.Duration(i)*time.Hour)
		if _, err := st.ChangeStage(ctx, store.ChangeRequest{Ref: NewsRef, Request: req, ActorName: "demo-staff"}); err != nil {
			return err
		}
	}
	if err := st.MarkCaughtUp(ctx, d.Config.IMAP.Mailbox, 0, d.Clock.Now()); err != nil {
		return err
	}
	if _, err := d.Daemon.Sched.Run(ctx, scheduler.JobDeadlineSweep, d.Clock.Now()); err != nil {
		return err
	}
	d.say("%s (张三's second site) was returned ten days ago: the sweep flags it overdue", NewsRef)

	// 王五 writes after the deadline, on the moved clock: a late resubmission.
	returned, err := d.waitEmail(ctx, IndividualRef, filing.EmailFilingReturned, WangWu)
	if err != nil {
		return err
	}
	lateMsg := plainMail(WangWu, "Re: "+returned.Subject, "I have changed the site name and resubmitted the filing, please review it.", returned.MessageID)
	m, err := d.deliver(ctx, WangWu, lateMsg)
	if err != nil {
		return err
	}
	d.say("王五 resubmits after the deadline: decision %s", m.Decision)

	// …then says he has not resubmitted after all: we misread him.
	ack, err := d.waitEmail(ctx, IndividualRef, filing.EmailResubmissionLate, WangWu)
	if err != nil {
		return err
	}
	misread := plainMail(WangWu, "Re: "+ack.Subject, "Sorry, that was a mistake: I have not resubmitted it yet, I am still fixing the name.", ack.MessageID)
	if m, err = d.deliver(ctx, WangWu, misread); err != nil {
		return err
	}
	d.say("王五 answers the acknowledgement “I have not resubmitted it yet”: decision %s, for staff", m.Decision)

	// 张三 asks for more time on the overdue site.
	question := plainMail(ZhangSan, filing.Tag(NewsRef)+" 延期申请", "您好，前置审批还在办理中，请问能否延期到月底再重新提交？", "")
	if m, err = d.deliver(ctx, ZhangSan, question); err != nil {
		return err
	}
	d.say("张三 asks for more time on %s: decision %s, a reply is needed", NewsRef, m.Decision)

	// Someone writes without naming any filing.
	visitor := plainMail(Visitor, "咨询备案", "你们好，我们公司想给新网站备案，请问大概需要多长时间？", "")
	if m, err = d.deliver(ctx, Visitor, visitor); err != nil {
		return err
	}
	d.say("%s asks about filing in general: decision %s", Visitor, m.Decision)

	// A message too big to read (the demo's limit is 1 MiB).
	big := bigMail(Visitor)
	if m, err = d.deliver(ctx, Visitor, big); err != nil {
		return err
	}
	d.say("a %d KiB message from %s: too big to read, kept for staff (decision %s)", len(big)>>10, Visitor, m.Decision)

	// A delivery report about nothing icpdesk sent.
	dsn := deliveryReport()
	if m, err = d.deliver(ctx, Postmark, dsn); err != nil {
		return err
	}
	d.say("a delivery report from %s about an unknown message: classified %s", Postmark, m.Classification)

	// An account whose mailbox does not exist: its approval email fails.
	acct, err := filing.NewAccount(ZhaoLiu, "赵六", filing.LangChinese, false, d.Clock.Now())
	if err != nil {
		return err
	}
	if _, err := st.CreateAccount(ctx, acct, "demo-staff"); err != nil {
		return err
	}
	if _, err := st.DecideAccount(ctx, ZhaoLiu, filing.AccountApprove, "", "demo-staff"); err != nil {
		return err
	}
	if err := d.waitItem(ctx, filing.WorkEmailFailed); err != nil {
		return err
	}
	d.say("赵六's account is approved, but %s does not exist: the email fails (550 5.1.1)", ZhaoLiu)

	for _, k := range filing.WorkKinds {
		if err := d.waitItem(ctx, k); err != nil {
			return err
		}
	}
	counts, err := st.CountOpenWorkItems(ctx)
	if err != nil {
		return err
	}
	var parts []string
	for _, c := range counts {
		parts = append(parts, fmt.Sprintf("%s %d", c.Kind, c.Open))
	}
	d.say("the work queue holds every kind of item: %s", strings.Join(parts, ", "))
	return nil
}

// deliver sends a message to the desk and waits until it is recorded.
func (d *Demo) deliver(ctx context.Context, from string, raw []byte) (store.InboundMessage, error) {
	if err := d.send(ctx, from, raw); err != nil {
		return store.InboundMessage{}, err
	}
	return d.waitInbound(ctx, messageID(raw))
}

// waitItem waits until an item of kind is open.
func (d *Demo) waitItem(ctx context.Context, kind filing.WorkKind) error {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	for {
		items, err := d.Store.ListWorkItems(ctx, store.WorkFilter{Kind: kind, Limit: 1})
		if err != nil {
			return err
		}
		if len(items) > 0 {
			return nil
		}
		if err := pause(ctx); err != nil {
			return fmt.Errorf("demo: no %s item opened: %w", kind, err)
		}
	}
}

// plainMail is a UTF-8 message to the desk, threaded to inReplyTo when set.
func plainMail(from, subject, body, inReplyTo string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\n", from, DeskAddress, mime.BEncoding.Encode("utf-8", subject))
	fmt.Fprintf(&b, "Date: %s\r\nMessage-ID: <demo-%s@mail.example.org>\r\n", time.Now().Format(time.RFC1123Z), randomHex(8))
	if inReplyTo != "" {
		fmt.Fprintf(&b, "In-Reply-To: <%s>\r\nReferences: <%s>\r\n", inReplyTo, inReplyTo)
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body + "\r\n")
	return b.Bytes()
}

// bigMail is a message with a scan attached that is over the size limit.
func bigMail(from string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\n", from, DeskAddress, mime.BEncoding.Encode("utf-8", "营业执照扫描件"))
	fmt.Fprintf(&b, "Date: %s\r\nMessage-ID: <demo-%s@mail.example.org>\r\n", time.Now().Format(time.RFC1123Z), randomHex(8))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n附件是营业执照。\r\n")
	b.WriteString("--b1\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment; filename=licence.jpg\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	line := strings.Repeat("QUJD", 19) + "\r\n"
	for b.Len() < 1300<<10 {
		b.WriteString(line)
	}
	b.WriteString("--b1--\r\n")
	return b.Bytes()
}

// deliveryReport is a bounce (RFC 3464) about a message icpdesk never sent.
func deliveryReport() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: Mail Delivery System <%s>\r\nTo: %s\r\nSubject: Undelivered Mail Returned to Sender\r\n", Postmark, DeskAddress)
	fmt.Fprintf(&b, "Date: %s\r\nMessage-ID: <demo-%s@mx.example.net>\r\nAuto-Submitted: auto-replied\r\n", time.Now().Format(time.RFC1123Z), randomHex(8))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=r1\r\n\r\n")
	b.WriteString("--r1\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered to someone@example.net.\r\n")
	b.WriteString("--r1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\n" +
		"Final-Recipient: rfc822; someone@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\r\n")
	b.WriteString("--r1\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <unknown-4711@example.cn>\r\nSubject: hello\r\n")
	b.WriteString("--r1--\r\n")
	return b.Bytes()
}

package demo

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"mime"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
	"golang.org/x/text/encoding/simplifiedchinese"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/scheduler"
	"example.com/icpdesk/store"
)

// Story runs the scripted story against the running daemon and returns a
// summary. Every step waits for its effect (an email delivered into a
// mailbox, a message recorded) and fails if it does not come.
func (d *Demo) Story(ctx context.Context) (string, error) {
	st := d.Store
	fp, err := d.Config.Fingerprinter()
	if err != nil {
		return "", err
	}
	change := func(ref string, req filing.Request) (store.ChangeResult, error) {
		req.Actor, req.At = filing.ActorStaff, d.Clock.Now()
		return st.ChangeStage(ctx, store.ChangeRequest{Ref: ref, Request: req, ActorName: "demo-staff"})
	}

	// 1. Accounts.
	acct, err := filing.NewAccount(ZhangSan, "张三", filing.LangChinese, false, d.Clock.Now())
	if err != nil {
		return "", err
	}
	if _, err := st.CreateAccount(ctx, acct, "demo-staff"); err != nil {
		return "", err
	}
	d.say("张三 <%s> registers in the filing system; the account waits for review", ZhangSan)
	if _, err := st.DecideAccount(ctx, ZhangSan, filing.AccountApprove, "", "demo-staff"); err != nil {
		return "", err
	}
	if _, err := d.waitEmail(ctx, "", filing.EmailAccountApproved, ZhangSan); err != nil {
		return "", err
	}
	cust, err := filing.NewAccount(WangWu, "王五", filing.LangEnglish, true, d.Clock.Now())
	if err != nil {
		return "", err
	}
	if _, err := st.CreateAccount(ctx, cust, "demo-staff"); err != nil {
		return "", err
	}
	d.say("王五 <%s> is a hosting customer: approved on creation, reads English", WangWu)

	// 2. Two filings submitted.
	for _, in := range []filing.FilingInput{enterpriseFiling(), individualFiling()} {
		f, probs, err := st.ImportFiling(ctx, in, fp, "demo-staff")
		if err != nil {
			return "", err
		}
		if len(probs) > 0 {
			return "", probs
		}
		if _, err := change(f.Reference, filing.Request{Action: filing.ActionSubmit}); err != nil {
			return "", err
		}
		e, err := d.waitEmail(ctx, f.Reference, filing.EmailFilingSubmitted, in.Account)
		if err != nil {
			return "", err
		}
		note := ""
		if f.NeedsAuthorization() {
			note = "; subject and website responsible persons differ, so it asks for the authorization letter"
		}
		d.say("%s (%s) submitted: materials checklist emailed%s", f.Reference, f.Subject.Type.Label(filing.LangEnglish), note)
		d.detail("subject: %s", e.Subject)
	}

	// 3. Both returned by the bureau.
	returns := map[string]string{
		EnterpriseRef: "网站名称“示例商城”与网站内容不符,请修改网站名称。",
		IndividualRef: "The website's name may not contain the word 商城 for an individual filing.",
	}
	notices := map[string]Delivery{}
	for _, ref := range []string{EnterpriseRef, IndividualRef} {
		if _, err := change(ref, filing.Request{Action: filing.ActionToBureau}); err != nil {
			return "", err
		}
		res, err := change(ref, filing.Request{Action: filing.ActionReturnBureau, Reason: returns[ref]})
		if err != nil {
			return "", err
		}
		e, err := d.waitEmail(ctx, ref, filing.EmailFilingReturned, res.Account.Email)
		if err != nil {
			return "", err
		}
		notices[ref] = e
		d.say("%s sent to the bureau and returned: deadline %s", ref, res.Filing.Deadline.In(st.Policy().Location).Format("2006-01-02 15:04:05 MST"))
		d.detail("subject: %s", e.Subject)
	}

	// 4. A GBK reply from 张三, as QQ Mail or Foxmail write it.
	reply := gbkReply(ZhangSan, notices[EnterpriseRef])
	if err := d.send(ctx, ZhangSan, reply); err != nil {
		return "", err
	}
	in, err := d.waitInbound(ctx, messageID(reply))
	if err != nil {
		return "", err
	}
	ack, err := d.waitEmail(ctx, EnterpriseRef, filing.EmailResubmissionReceived, ZhangSan)
	if err != nil {
		return "", err
	}
	f, err := st.FilingByRef(ctx, EnterpriseRef)
	if err != nil {
		return "", err
	}
	d.say("张三 replies in GBK “已修改,请重新审核”: linked by %s, decision %s; %s is now %s", in.LinkedBy, in.Decision, EnterpriseRef, f.Filing.Stage)
	d.detail("acknowledgement: %s", ack.Subject)

	// 5. 王五's mail server answers the return notice with an auto-reply.
	auto := autoReply(WangWu, notices[IndividualRef])
	if err := d.send(ctx, WangWu, auto); err != nil {
		return "", err
	}
	in, err = d.waitInbound(ctx, messageID(auto))
	if err != nil {
		return "", err
	}
	answered, err := d.outboxFor(ctx, in.ID)
	if err != nil {
		return "", err
	}
	d.say("an out-of-office auto-reply from %s: classified %s, decision %s, answered with %d emails", WangWu, in.Classification, in.Decision, answered)

	// 6. Someone else claims to be 王五.
	forged := forgedResubmission(Forger)
	if err := d.send(ctx, Forger, forged); err != nil {
		return "", err
	}
	in, err = d.waitInbound(ctx, messageID(forged))
	if err != nil {
		return "", err
	}
	warn, err := d.waitEmail(ctx, IndividualRef, filing.EmailUnverifiedSender, WangWu)
	if err != nil {
		return "", err
	}
	f, err = st.FilingByRef(ctx, IndividualRef)
	if err != nil {
		return "", err
	}
	d.say("a message from %s asks to re-review %s: decision %s, the filing stays %s", Forger, IndividualRef, in.Decision, f.Filing.Stage)
	d.detail("the registered address %s is told instead: %s", WangWu, warn.Subject)

	// 7. The clock moves past 王五's deadline: the demo's one clock, so the
	// jobs, the mailer, the store and the mail server's arrival times all
	// move, and mail that arrives from now on is judged on the new time.
	// The desk mailbox, empty now, is noted as read up to then, or the sweep
	// would rightly wait for the watcher to read it before calling anything
	// late.
	later := f.Filing.Deadline.Add(2 * time.Hour)
	if err := d.waitOutboxSettled(ctx); err != nil {
		return "", err
	}
	d.Clock.Set(later)
	if err := st.MarkCaughtUp(ctx, d.Config.IMAP.Mailbox, 0, later); err != nil {
		return "", err
	}
	res, err := d.Daemon.Sched.Run(ctx, scheduler.JobDeadlineSweep, later)
	if err != nil {
		return "", err
	}
	overdue, err := d.waitEmail(ctx, IndividualRef, filing.EmailDeadlinePassed, WangWu)
	if err != nil {
		return "", err
	}
	if _, err := d.waitEmail(ctx, IndividualRef, filing.EmailStaffAlert, StaffAddress); err != nil {
		return "", err
	}
	d.say("the demo clock jumps to %s: the deadline sweep %s", later.In(st.Policy().Location).Format("2006-01-02 15:04 MST"), res.Summary)
	d.detail("to the applicant: %s; staff alerted", overdue.Subject)

	// 8. The staff digest.
	res, err = d.Daemon.Sched.Run(ctx, scheduler.JobDigest, later)
	if err != nil {
		return "", err
	}
	digest, err := d.waitEmail(ctx, "", filing.EmailStaffDigest, StaffAddress)
	if err != nil {
		return "", err
	}
	d.say("the daily digest goes to %s: %s", StaffAddress, digest.Subject)

	// 9. 张三's filing approved.
	if _, err := change(EnterpriseRef, filing.Request{Action: filing.ActionToBureau}); err != nil {
		return "", err
	}
	if _, err := change(EnterpriseRef, filing.Request{Action: filing.ActionApprove, ICPNumber: ICPNumber, Password: "Pw-" + randomHex(4)}); err != nil {
		return "", err
	}
	approved, err := d.waitEmail(ctx, EnterpriseRef, filing.EmailFilingApproved, ZhangSan)
	if err != nil {
		return "", err
	}
	d.say("%s approved by the bureau: %s", EnterpriseRef, approved.Subject)
	if err := d.drained(ctx); err != nil {
		return "", err
	}
	if err := d.passwordErased(ctx, approved.MessageID); err != nil {
		return "", err
	}
	d.detail("the filing password was in that one email; now that it is sent, it is erased from the database")

	return d.summary(ctx)
}

// drained waits until every queued email is sent and recorded as sent.
func (d *Demo) drained(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	for {
		n, _, err := d.Store.OutboxQueue(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if err := pause(ctx); err != nil {
			return fmt.Errorf("demo: %d emails still queued: %w", n, err)
		}
	}
}

// passwordErased checks the approval email's stored payload.
func (d *Demo) passwordErased(ctx context.Context, msgID string) error {
	rows, err := d.Store.ListOutbox(ctx, store.OutboxFilter{FilingRef: EnterpriseRef, Status: store.OutboxSent})
	if err != nil {
		return err
	}
	for _, r := range rows {
		if r.MessageID != msgID {
			continue
		}
		n, err := d.Store.OutboxNotice(ctx, r.ID)
		if err != nil {
			return err
		}
		if n.Password != "" {
			return fmt.Errorf("demo: the approval email was sent but its password is still stored")
		}
		return nil
	}
	return fmt.Errorf("demo: the approval email is not recorded as sent")
}

// waitEmail waits for the email of kind about ref (empty: any) to recipient
// to be queued and then delivered into the recipient's mailbox.
func (d *Demo) waitEmail(ctx context.Context, ref string, kind filing.EmailKind, to string) (Delivery, error) {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	var msgID string
	for msgID == "" {
		rows, err := d.Store.ListOutbox(ctx, store.OutboxFilter{FilingRef: ref})
		if err != nil {
			return Delivery{}, err
		}
		for _, r := range rows {
			if r.Kind == string(kind) && r.Recipient == to {
				msgID = r.MessageID
				break
			}
		}
		if msgID == "" {
			if err := pause(ctx); err != nil {
				return Delivery{}, fmt.Errorf("demo: no %s email to %s was queued: %w", kind, to, err)
			}
		}
	}
	e, err := d.Mail.WaitFor(ctx, func(e Delivery) bool { return e.MessageID == msgID && e.To == to })
	if err != nil {
		return e, fmt.Errorf("demo: the %s email to %s was not delivered: %w", kind, to, err)
	}
	return e, nil
}

// waitOutboxSettled waits until no email is being sent. A claim's lease is
// kept on the demo clock, so moving the clock while an email is delivered
// but not yet recorded as sent would end its lease at once and send it
// again.
func (d *Demo) waitOutboxSettled(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	for {
		rows, err := d.Store.ListOutbox(ctx, store.OutboxFilter{Status: store.OutboxSending, Limit: 1})
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		if err := pause(ctx); err != nil {
			return fmt.Errorf("demo: emails still being sent before the clock moves: %w", err)
		}
	}
}

// waitInbound waits until the desk's watcher has recorded the message.
func (d *Demo) waitInbound(ctx context.Context, msgID string) (store.InboundMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	for {
		id, err := d.Store.InboundIDByMessageID(ctx, msgID)
		if err == nil {
			return d.Store.InboundByID(ctx, id)
		}
		if err := pause(ctx); err != nil {
			return store.InboundMessage{}, fmt.Errorf("demo: message <%s> was not recorded: %w", msgID, err)
		}
	}
}

// outboxFor counts the emails that answer an inbound message.
func (d *Demo) outboxFor(ctx context.Context, inboundID int64) (int, error) {
	rows, err := d.Store.ListOutbox(ctx, store.OutboxFilter{})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range rows {
		if r.InboundID == inboundID {
			n++
		}
	}
	return n, nil
}

func pause(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(25 * time.Millisecond):
		return nil
	}
}

// send submits a message to the desk over SMTP, as a mail client does
// (plaintext: the demo's server listens on loopback only).
func (d *Demo) send(ctx context.Context, from string, raw []byte) error {
	c, err := smtp.Dial(d.Mail.SMTPAddr().String())
	if err != nil {
		return fmt.Errorf("demo: send from %s: %w", from, err)
	}
	defer c.Close()
	if err := c.SendMail(from, []string{DeskAddress}, bytes.NewReader(raw)); err != nil {
		return fmt.Errorf("demo: send from %s: %w", from, err)
	}
	if err := c.Quit(); err != nil {
		return fmt.Errorf("demo: send from %s: %w", from, err)
	}
	return ctx.Err()
}

func (d *Demo) summary(ctx context.Context) (string, error) {
	var b strings.Builder
	loc := d.Store.Policy().Location
	b.WriteString("Summary\n  filings:\n")
	list, err := d.Store.ListFilings(ctx, store.FilingFilter{})
	if err != nil {
		return "", err
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Reference < list[j].Reference })
	for _, f := range list {
		flags := ""
		if f.Overdue {
			flags = " (overdue)"
		}
		if f.ICPNumber != "" {
			flags = " " + f.ICPNumber
		}
		deadline := ""
		if f.Deadline != nil {
			deadline = ", deadline " + f.Deadline.In(loc).Format("2006-01-02 15:04")
		}
		fmt.Fprintf(&b, "    %s  %-16s %s%s%s\n", f.Reference, f.Stage, f.Domain, deadline, flags)
	}
	b.WriteString("  mail received at the desk:\n")
	inbound, err := d.Store.ListInbound(ctx, store.InboundFilter{})
	if err != nil {
		return "", err
	}
	for i := len(inbound) - 1; i >= 0; i-- {
		m := inbound[i]
		fmt.Fprintf(&b, "    %-24s %-11s → %-15s %s\n", filing.MaskEmail(m.Sender), m.Classification, m.Decision, m.FilingRef)
	}
	b.WriteString("  mailboxes (messages delivered by icpdesk):\n")
	// One snapshot for both counts, so they agree.
	deliveries := d.Mail.Deliveries()
	count := map[string]int{}
	delivered := map[string]int{}
	for _, e := range deliveries {
		if e.To != DeskAddress {
			count[e.To]++
		}
		delivered[e.MessageID+" "+e.To]++
	}
	for _, who := range []string{ZhangSan, WangWu, StaffAddress, Forger} {
		fmt.Fprintf(&b, "    %-24s %d\n", who, count[who])
	}
	all, err := d.Store.ListOutbox(ctx, store.OutboxFilter{})
	if err != nil {
		return "", err
	}
	var notOnce []string
	for _, r := range all {
		if r.Status != store.OutboxSent || delivered[r.MessageID+" "+r.Recipient] != 1 {
			notOnce = append(notOnce, fmt.Sprintf("#%d %s (%s, delivered %d times)", r.ID, r.Kind, r.Status, delivered[r.MessageID+" "+r.Recipient]))
		}
	}
	if len(notOnce) > 0 {
		return "", fmt.Errorf("demo: emails not delivered exactly once: %s", strings.Join(notOnce, "; "))
	}
	fmt.Fprintf(&b, "  outbox: %d emails queued, each sent and delivered exactly once\n", len(all))
	return b.String(), nil
}

// gbkReply is 张三's reply to the return notice from a Chinese mail client:
// GBK body, GBK encoded-word subject, threaded by In-Reply-To.
func gbkReply(from string, notice Delivery) []byte {
	enc := simplifiedchinese.GBK.NewEncoder()
	subject, _ := enc.String("回复：" + notice.Subject)
	body, _ := enc.String("您好：\r\n\r\n网站名称已按要求修改，已在备案系统重新提交，请重新审核。\r\n\r\n张三\r\n")
	id := "demo-" + randomHex(8) + "@mail.example.cn"
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: =?GBK?B?%s?= <%s>\r\n", b64gbk("张三"), from)
	fmt.Fprintf(&b, "To: %s\r\n", DeskAddress)
	fmt.Fprintf(&b, "Subject: =?GBK?B?%s?=\r\n", base64.StdEncoding.EncodeToString([]byte(subject)))
	fmt.Fprintf(&b, "Date: %s\r\n", time.Now().Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s>\r\n", id)
	fmt.Fprintf(&b, "In-Reply-To: <%s>\r\nReferences: <%s>\r\n", notice.MessageID, notice.MessageID)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=GBK\r\nContent-Transfer-Encoding: base64\r\nX-Mailer: Foxmail 7.2\r\n\r\n")
	b.WriteString(wrap(base64.StdEncoding.EncodeToString([]byte(body))))
	return b.Bytes()
}

func b64gbk(s string) string {
	g, _ := simplifiedchinese.GBK.NewEncoder().String(s)
	return base64.StdEncoding.EncodeToString([]byte(g))
}

// autoReply is an out-of-office answer to the return notice.
func autoReply(from string, notice Delivery) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\n", from, DeskAddress)
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.BEncoding.Encode("utf-8", "自动回复: "+notice.Subject))
	fmt.Fprintf(&b, "Date: %s\r\nMessage-ID: <demo-%s@mail.example.com>\r\n", time.Now().Format(time.RFC1123Z), randomHex(8))
	fmt.Fprintf(&b, "In-Reply-To: <%s>\r\nAuto-Submitted: auto-replied\r\nX-Autoreply: yes\r\n", notice.MessageID)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nI am on leave until next week. 我休假中，下周回来。\r\n")
	return b.Bytes()
}

// forgedResubmission claims 王五's filing from an address that is not his.
func forgedResubmission(from string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s <%s>\r\nTo: %s\r\n", mime.BEncoding.Encode("utf-8", "王五"), from, DeskAddress)
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.BEncoding.Encode("utf-8", filing.Tag(IndividualRef)+" 已修改，请重新审核"))
	fmt.Fprintf(&b, "Date: %s\r\nMessage-ID: <demo-%s@mail.example.net>\r\n", time.Now().Format(time.RFC1123Z), randomHex(8))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n备案 " + IndividualRef + " 已修改完毕，请重新审核。\r\n")
	return b.Bytes()
}

func messageID(raw []byte) string {
	for _, line := range strings.Split(string(raw), "\r\n") {
		if v, ok := strings.CutPrefix(line, "Message-ID: <"); ok {
			return strings.TrimSuffix(v, ">")
		}
	}
	return ""
}

func wrap(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	b.WriteString(s + "\r\n")
	return b.String()
}

// enterpriseFiling is an enterprise whose subject and website responsible
// persons differ (so the authorization letter is needed). The ID numbers
// pass the checksum but belong to nobody.
func enterpriseFiling() filing.FilingInput {
	var in filing.FilingInput
	in.Ref, in.Account = EnterpriseRef, ZhangSan
	in.Subject.Type, in.Subject.Name = "enterprise", "杭州示例科技有限公司"
	zhang := &filing.PersonInput{Name: "张三", IDNumber: "330106198503121231", Phone: "13800138000", Email: ZhangSan}
	in.Subject.LegalRepresentative, in.Subject.Responsible = zhang, zhang
	in.Website.Name = "示例商城"
	in.Website.Responsible = &filing.PersonInput{Name: "李四", IDNumber: "33010219900715456X", Phone: "13900139000", Email: "lisi@example.cn"}
	in.Website.Domains = []filing.DomainInput{
		{Name: "shop.example.cn", Registrant: "杭州示例科技有限公司"},
		{Name: "示例.中国", Registrant: "杭州示例科技有限公司"},
	}
	return in
}

// individualFiling is an individual's blog.
func individualFiling() filing.FilingInput {
	var in filing.FilingInput
	in.Ref, in.Account = IndividualRef, WangWu
	in.Subject.Type, in.Subject.Name = "individual", "王五"
	wang := &filing.PersonInput{Name: "王五", IDNumber: "44030519921108789X", Phone: "13700137000", Email: WangWu}
	in.Subject.Responsible, in.Website.Responsible = wang, wang
	in.Website.Name = "王五的博客"
	in.Website.Domains = []filing.DomainInput{{Name: "blog.example.com", Registrant: "王五"}}
	return in
}

package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/filing/filingtest"
	"example.com/icpdesk/store"
)

const (
	deskAddress  = "icp@example.cn"
	staffAddress = "icp-staff@example.cn"
	// processed is the mailbox the watcher moves recorded mail to (the
	// configuration's default).
	processed = "Processed"
)

// world is the desk's side of the test: the filings it creates and the
// mail it appends, and what it expects from them.
type world struct {
	st *store.Store
	mb *mailbox
	fp *filing.Fingerprinter

	filings  []string // references, each returned by the bureau and answered
	injected []string // Message-IDs appended to the watched mailbox
}

// feed adds filings and strangers' messages evenly over span.
func (w *world) feed(ctx context.Context, filings, strangers int, span time.Duration) error {
	start := time.Now()
	for i := 0; i < filings; i++ {
		if err := w.addFilings(ctx, 1); err != nil {
			return err
		}
		if err := w.addStrangers(strangers*(i+1)/filings - strangers*i/filings); err != nil {
			return err
		}
		next := start.Add(span * time.Duration(i+1) / time.Duration(filings))
		time.Sleep(time.Until(next))
	}
	return nil
}

// addFilings creates n filings the bureau returns (three emails each, plus
// the account's), then appends each applicant's reply to its return notice.
func (w *world) addFilings(ctx context.Context, n int) error {
	for k := 0; k < n; k++ {
		i := len(w.filings) + 1
		ref := fmt.Sprintf("BA-2026-%06d", i)
		addr := fmt.Sprintf("applicant%04d@example.cn", i)
		a, err := filing.NewAccount(addr, "申请人", filing.LangChinese, true, time.Now())
		if err != nil {
			return err
		}
		if _, err := w.st.CreateAccount(ctx, a, "chaos"); err != nil {
			return err
		}
		in := enterprise(ref, addr, i)
		if _, probs, err := w.st.ImportFiling(ctx, in, w.fp, "chaos"); err != nil || len(probs) > 0 {
			return fmt.Errorf("import %s: %v %v", ref, err, probs)
		}
		for _, req := range []filing.Request{{Action: filing.ActionSubmit}, {Action: filing.ActionToBureau},
			{Action: filing.ActionReturnBureau, Reason: "网站名称与主体不符"}} {
			req.Actor, req.At = filing.ActorStaff, time.Now()
			if _, err := w.st.ChangeStage(ctx, store.ChangeRequest{Ref: ref, Request: req, ActorName: "chaos"}); err != nil {
				return fmt.Errorf("%s %s: %w", req.Action, ref, err)
			}
		}
		w.filings = append(w.filings, ref)

		notice := ""
		rows, err := w.st.ListOutbox(ctx, store.OutboxFilter{FilingRef: ref})
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.Kind == string(filing.EmailFilingReturned) {
				notice = r.MessageID
			}
		}
		id := fmt.Sprintf("chaos-reply-%d@mail.example.cn", i)
		raw := fmt.Sprintf("From: 申请人 <%s>\r\nTo: %s\r\nSubject: Re: %s 管局退回备案\r\nMessage-ID: <%s>\r\nIn-Reply-To: <%s>\r\n"+
			"Date: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n已修改，请重新审核。\r\n",
			addr, deskAddress, filing.Tag(ref), id, notice, time.Now().Format(time.RFC1123Z))
		if err := w.mb.append(raw); err != nil {
			return err
		}
		w.injected = append(w.injected, id)
	}
	return nil
}

// addStrangers appends n messages from senders the desk does not know.
func (w *world) addStrangers(n int) error {
	for k := 0; k < n; k++ {
		id := fmt.Sprintf("chaos-stranger-%d@other.example.org", len(w.injected)+1)
		raw := fmt.Sprintf("From: stranger%d@other.example.org\r\nTo: %s\r\nSubject: 咨询备案流程\r\nMessage-ID: <%s>\r\n"+
			"Date: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n请问备案一般需要多久？\r\n",
			len(w.injected)+1, deskAddress, id, time.Now().Format(time.RFC1123Z))
		if err := w.mb.append(raw); err != nil {
			return err
		}
		w.injected = append(w.injected, id)
	}
	return nil
}

// enterprise is an enterprise filing of its own: each its own domain, so
// that no message links to another's filing.
func enterprise(ref, account string, i int) filing.FilingInput {
	in := filingtest.Enterprise(ref, account)
	in.Website.Domains = []filing.DomainInput{{Name: fmt.Sprintf("site%04d.example.cn", i), Registrant: in.Subject.Name}}
	return in
}

// mailbox is the Dovecot account the replicas watch.
type mailbox struct {
	url *url.URL
}

func mailboxPassword(u *url.URL) string {
	p, _ := u.User.Password()
	return p
}

func (m *mailbox) dial() (*imapclient.Client, error) {
	c, err := imapclient.DialInsecure(m.url.Host, nil)
	if err != nil {
		return nil, fmt.Errorf("IMAP %s: %w", m.url.Host, err)
	}
	if err := c.Login(m.url.User.Username(), mailboxPassword(m.url)).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("IMAP login: %w", err)
	}
	return c, nil
}

// prepare empties the account: a fresh INBOX and Processed.
func (m *mailbox) prepare() error {
	c, err := m.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.Create(processed, nil).Wait() // exists already: fine
	for _, box := range []string{"INBOX", processed} {
		sel, err := c.Select(box, nil).Wait()
		if err != nil {
			return fmt.Errorf("select %s: %w", box, err)
		}
		if sel.NumMessages > 0 {
			set := imap.SeqSet{{Start: 1, Stop: 0}}
			if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
				return err
			}
			if err := c.Expunge().Close(); err != nil {
				return err
			}
		}
	}
	return c.Logout().Wait()
}

// append adds one message to the watched mailbox, as an MTA delivering it
// would (retried on a new connection once if the server dropped it).
func (m *mailbox) append(raw string) error {
	var err error
	for try := 0; try < 2; try++ {
		var c *imapclient.Client
		if c, err = m.dial(); err != nil {
			continue
		}
		cmd := c.Append("INBOX", int64(len(raw)), nil)
		if _, err = cmd.Write([]byte(raw)); err == nil {
			if err = cmd.Close(); err == nil {
				_, err = cmd.Wait()
			}
		}
		_ = c.Logout().Wait()
		c.Close()
		if err == nil {
			return nil
		}
	}
	return fmt.Errorf("append to INBOX: %w", err)
}

// counts returns how many messages INBOX and Processed hold.
func (m *mailbox) counts() (inbox, moved uint32, err error) {
	c, err := m.dial()
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	for _, box := range []struct {
		name string
		n    *uint32
	}{{"INBOX", &inbox}, {processed, &moved}} {
		st, err := c.Status(box.name, &imap.StatusOptions{NumMessages: true}).Wait()
		if err != nil {
			return 0, 0, fmt.Errorf("status %s: %w", box.name, err)
		}
		if st.NumMessages == nil {
			return 0, 0, errors.New("the server gave no message count")
		}
		*box.n = *st.NumMessages
	}
	_ = c.Logout().Wait()
	return inbox, moved, nil
}

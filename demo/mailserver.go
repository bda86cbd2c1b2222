package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// MailServer is an in-process IMAP and SMTP server holding the desk's and
// the applicants' mailboxes, so the demo needs nothing installed. Mail sent
// over its SMTP port to a known address lands in that account's INBOX, where
// any IMAP client (icpdesk's watcher, or a person's mail client) reads it.
// It keeps everything in memory.
type MailServer struct {
	mem      *imapmemserver.Server
	users    map[string]*imapmemserver.User // by lower-case address
	imapSrv  *imapserver.Server
	smtpSrv  *smtp.Server
	imapLn   net.Listener
	smtpLn   net.Listener
	password string

	// Now gives each delivery its arrival time (the demo's clock); nil:
	// real time.
	Now func() time.Time

	mu         sync.Mutex
	deliveries []Delivery
	changed    chan struct{} // closed and replaced at every delivery
}

// Delivery is one message the SMTP side put into a mailbox.
type Delivery struct {
	From      string
	To        string
	Subject   string
	MessageID string
}

// maxMessage bounds what the demo's SMTP server accepts.
const maxMessage = 32 << 20

// NewMailServer serves the accounts (every address gets INBOX, Sent and
// Processed; all share one password) on the given addresses; ":0" ports
// pick free ones.
func NewMailServer(accounts []string, password, imapAddr, smtpAddr string) (*MailServer, error) {
	m := &MailServer{mem: imapmemserver.New(), users: map[string]*imapmemserver.User{}, password: password, changed: make(chan struct{})}
	for _, addr := range accounts {
		addr = strings.ToLower(addr)
		u := imapmemserver.NewUser(addr, password)
		for _, mbox := range []string{"INBOX", "Sent", "Processed"} {
			if err := u.Create(mbox, nil); err != nil {
				return nil, fmt.Errorf("demo mail server: create %s for %s: %w", mbox, addr, err)
			}
		}
		m.mem.AddUser(u)
		m.users[addr] = u
	}
	var err error
	if m.imapLn, err = net.Listen("tcp", imapAddr); err != nil {
		return nil, fmt.Errorf("demo IMAP server: %w", err)
	}
	if m.smtpLn, err = net.Listen("tcp", smtpAddr); err != nil {
		m.imapLn.Close()
		return nil, fmt.Errorf("demo SMTP server: %w", err)
	}
	quiet := log.New(io.Discard, "", 0)
	m.imapSrv = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return m.mem.NewSession(), nil, nil
		},
		// IMAP4rev1 with MOVE, UIDPLUS and IDLE: what the desk's real server offers.
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapMove: {}, imap.CapUIDPlus: {}},
		InsecureAuth: true, // loopback only
		Logger:       quiet,
	})
	m.smtpSrv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &smtpSession{m: m}, nil }))
	m.smtpSrv.Domain = "mail.example.cn"
	m.smtpSrv.AllowInsecureAuth = true // loopback only
	m.smtpSrv.MaxMessageBytes = maxMessage
	m.smtpSrv.ReadTimeout = time.Minute
	m.smtpSrv.WriteTimeout = time.Minute
	m.smtpSrv.ErrorLog = quiet
	go func() { _ = m.imapSrv.Serve(m.imapLn) }()
	go func() { _ = m.smtpSrv.Serve(m.smtpLn) }()
	return m, nil
}

// IMAPAddr and SMTPAddr are where the servers listen.
func (m *MailServer) IMAPAddr() *net.TCPAddr { return m.imapLn.Addr().(*net.TCPAddr) }
func (m *MailServer) SMTPAddr() *net.TCPAddr { return m.smtpLn.Addr().(*net.TCPAddr) }

// Close stops both servers.
func (m *MailServer) Close() {
	m.imapSrv.Close()
	m.smtpSrv.Close()
}

// Deliver puts raw into each recipient's INBOX, as the SMTP side does.
func (m *MailServer) Deliver(from string, to []string, raw []byte) error {
	h, err := mail.CreateReader(bytes.NewReader(raw))
	var hdr mail.Header
	if err == nil {
		hdr = h.Header
	}
	subject, _ := hdr.Subject()
	msgID, _ := hdr.MessageID()
	for _, rcpt := range to {
		u := m.users[strings.ToLower(rcpt)]
		if u == nil {
			return fmt.Errorf("no mailbox %s", rcpt)
		}
		at := time.Now()
		if m.Now != nil {
			at = m.Now()
		}
		if _, err := u.Append("INBOX", literal{bytes.NewReader(raw)}, &imap.AppendOptions{Time: at}); err != nil {
			return fmt.Errorf("deliver to %s: %w", rcpt, err)
		}
		m.mu.Lock()
		m.deliveries = append(m.deliveries, Delivery{From: from, To: strings.ToLower(rcpt), Subject: subject, MessageID: msgID})
		close(m.changed)
		m.changed = make(chan struct{})
		m.mu.Unlock()
	}
	return nil
}

// Deliveries returns every delivery so far, oldest first.
func (m *MailServer) Deliveries() []Delivery {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Delivery(nil), m.deliveries...)
}

// WaitFor waits until a delivery matches, and returns it.
func (m *MailServer) WaitFor(ctx context.Context, match func(Delivery) bool) (Delivery, error) {
	for {
		m.mu.Lock()
		for _, d := range m.deliveries {
			if match(d) {
				m.mu.Unlock()
				return d, nil
			}
		}
		changed := m.changed
		m.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return Delivery{}, ctx.Err()
		}
	}
}

type literal struct{ *bytes.Reader }

func (l literal) Size() int64 { return int64(l.Reader.Size()) }

// smtpSession accepts mail for the known mailboxes.
type smtpSession struct {
	m    *MailServer
	from string
	to   []string
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if s.m.users[strings.ToLower(username)] == nil || password != s.m.password {
			return errors.New("invalid username or password")
		}
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.m.users[strings.ToLower(to)] == nil {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox here"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(io.LimitReader(r, maxMessage+1))
	if err != nil {
		return err
	}
	if len(raw) > maxMessage {
		return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: "message too big"}
	}
	if err := s.m.Deliver(s.from, s.to, raw); err != nil {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: err.Error()}
	}
	return nil
}

func (s *smtpSession) Reset()        { s.from, s.to = "", nil }
func (s *smtpSession) Logout() error { return nil }

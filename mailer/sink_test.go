package mailer_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// received is one message as the SMTP sink got it.
type received struct {
	From string
	To   []string
	Data []byte
}

// sink is an in-process SMTP server (emersion/go-smtp) that records what it
// receives and can be told to refuse.
type sink struct {
	t    testing.TB
	srv  *smtp.Server
	addr string
	host string
	port int

	mu       sync.Mutex
	msgs     []received
	sessions int
	authUser string
	// rcpt, if set, may refuse a recipient (return an *smtp.SMTPError).
	rcpt func(to string) error
	// data, if set, runs before a message is accepted; it may block.
	data func(r received) error

	delivered chan received
}

type sinkOptions struct {
	tls      *tls.Config // STARTTLS offered when set (or implicit TLS with implicit)
	implicit bool
	user     string // AUTH PLAIN required when set
	pass     string
	addr     string // listen here (default 127.0.0.1:0)
	// oneMessagePerSession: the server drops the connection at the MAIL
	// after a session's first message, without a reply, as a server whose
	// idle timer ran out between messages does.
	oneMessagePerSession bool
}

func startSink(t testing.TB, o sinkOptions) *sink {
	t.Helper()
	s := &sink{t: t, delivered: make(chan received, 10000)}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		s.sessions++
		s.mu.Unlock()
		return &session{s: s, opts: o, conn: c.Conn()}, nil
	}))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = o.tls == nil
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	s.srv.MaxMessageBytes = 16 << 20
	s.srv.TLSConfig = o.tls
	addr := o.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var ln net.Listener
	var err error
	if o.implicit {
		ln, err = tls.Listen("tcp", addr, o.tls)
	} else {
		ln, err = net.Listen("tcp", addr)
	}
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	host, port, _ := net.SplitHostPort(s.addr)
	s.host = host
	s.port, _ = strconv.Atoi(port)
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() { s.srv.Close() })
	return s
}

func (s *sink) close() { s.srv.Close() }

// refuse sets the recipient hook (nil: accept all).
func (s *sink) refuse(fn func(to string) error) {
	s.mu.Lock()
	s.rcpt = fn
	s.mu.Unlock()
}

// onData sets the hook run before a message is accepted.
func (s *sink) onData(fn func(r received) error) {
	s.mu.Lock()
	s.data = fn
	s.mu.Unlock()
}

func (s *sink) stats() (authUser string, sessions int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authUser, s.sessions
}

func (s *sink) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

// waitFor waits until n messages in all have arrived. The bound only keeps
// a broken test from hanging; nothing here measures time.
func (s *sink) waitFor(n int) []received {
	s.t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		if got := s.messages(); len(got) >= n {
			return got
		}
		select {
		case <-s.delivered:
		case <-deadline:
			s.t.Fatalf("the SMTP sink got %d messages, want %d", len(s.messages()), n)
		}
	}
}

type session struct {
	s        *sink
	opts     sinkOptions
	conn     net.Conn
	cur      received
	auth     bool
	accepted int // messages accepted in this session
}

func (ss *session) AuthMechanisms() []string {
	if ss.opts.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != ss.opts.user || password != ss.opts.pass {
			return errors.New("invalid credentials")
		}
		ss.auth = true
		ss.s.mu.Lock()
		ss.s.authUser = username
		ss.s.mu.Unlock()
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.opts.user != "" && !ss.auth {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	}
	if ss.opts.oneMessagePerSession && ss.accepted > 0 {
		ss.conn.Close()
		return errors.New("connection dropped")
	}
	ss.cur = received{From: from}
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	hook := ss.s.rcpt
	ss.s.mu.Unlock()
	if hook != nil {
		if err := hook(to); err != nil {
			return err
		}
	}
	ss.cur.To = append(ss.cur.To, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg := ss.cur
	msg.Data = b
	ss.s.mu.Lock()
	hook := ss.s.data
	ss.s.mu.Unlock()
	if hook != nil {
		if err := hook(msg); err != nil {
			return err
		}
	}
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, msg)
	ss.s.mu.Unlock()
	ss.accepted++
	ss.s.delivered <- msg
	return nil
}

func (ss *session) Reset()        { ss.cur = received{} }
func (ss *session) Logout() error { return nil }

// parsed is a received message read back with go-message.
type parsed struct {
	Header  mail.Header
	Subject string
	Parts   map[string]string // media type → decoded body
	Charset map[string]string // media type → charset parameter
}

func parse(t testing.TB, data []byte) parsed {
	t.Helper()
	mr, err := mail.CreateReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse message: %v\n%s", err, data)
	}
	p := parsed{Header: mr.Header, Parts: map[string]string{}, Charset: map[string]string{}}
	if p.Subject, err = mr.Header.Subject(); err != nil {
		t.Fatalf("subject: %v", err)
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		h, ok := part.Header.(*mail.InlineHeader)
		if !ok {
			t.Fatalf("unexpected attachment")
		}
		mt, params, err := h.ContentType()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(part.Body)
		if err != nil {
			t.Fatal(err)
		}
		p.Parts[mt] = string(b)
		p.Charset[mt] = strings.ToLower(params["charset"])
	}
	return p
}

// selfSigned returns a server certificate for localhost/127.0.0.1 and a
// pool that trusts it.
func selfSigned(t testing.TB) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}}, pool
}

// freePort returns a loopback port nothing listens on (for "server down").
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

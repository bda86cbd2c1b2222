package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"example.com/icpdesk/config"
)

// ErrUnreachable is wrapped by errors meaning the SMTP server could not be
// reached or would not start a session: nothing was sent, and every email
// stays queued for a later attempt.
var ErrUnreachable = errors.New("SMTP server unreachable")

type unreachableError struct {
	addr string
	err  error
}

func (e *unreachableError) Error() string {
	return fmt.Sprintf("SMTP server %s unreachable: %v", e.addr, e.err)
}

func (e *unreachableError) Unwrap() []error { return []error{ErrUnreachable, e.err} }

// conn is one SMTP connection, reused for every message a worker sends and
// redialled when it breaks. It is not safe for concurrent use.
type conn struct {
	set    Settings
	client *mail.Client // settings only; the session is sc
	sc     *smtp.Client
	raw    net.Conn // the socket of the last dial, closed if the session fails to start
}

func newConn(set Settings) (*conn, error) {
	c := &conn{set: set}
	tlsConf := &tls.Config{
		// go-mail's own default carries ServerName; replacing the config
		// (as a CA bundle needs) drops it, so set it here (notes §4).
		ServerName: set.Host,
		MinVersion: tls.VersionTLS12,
		RootCAs:    set.RootCAs,
	}
	opts := []mail.Option{
		mail.WithPort(set.Port),
		mail.WithTimeout(set.Timeout),
		mail.WithTLSConfig(tlsConf),
		mail.WithDialContextFunc(c.dial(tlsConf)),
	}
	switch set.Security {
	case "starttls":
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case "tls":
		// dial does the TLS handshake itself, so go-mail must not try STARTTLS.
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case "none":
		if !config.IsLoopback(set.Host) {
			return nil, fmt.Errorf("plaintext SMTP to %s refused: only loopback hosts may be used without TLS", set.Host)
		}
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		return nil, fmt.Errorf("SMTP security %q: want tls, starttls or none", set.Security)
	}
	if set.HELO != "" {
		opts = append(opts, mail.WithHELO(set.HELO))
	}
	if set.Username != "" {
		// PLAIN: go-mail refuses it on a connection without TLS unless the
		// host is localhost, which is what "none" allows anyway.
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(set.Username), mail.WithPassword(set.Password))
	}
	client, err := mail.NewClient(set.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("SMTP client for %s: %w", set.Addr(), err)
	}
	c.client = client
	return c, nil
}

// dial opens the socket (and for implicit TLS does the handshake, so the
// smtp package sees a *tls.Conn and knows the session is encrypted). It
// keeps the socket so connect can close it if the SMTP greeting, STARTTLS
// or AUTH fails: go-mail would otherwise leak it.
func (c *conn) dial(tlsConf *tls.Config) mail.DialContextFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		nc, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if c.set.Security == "tls" {
			tc := tls.Client(nc, tlsConf)
			if err := tc.HandshakeContext(ctx); err != nil {
				nc.Close()
				return nil, fmt.Errorf("TLS handshake: %w", err)
			}
			nc = tc
		}
		c.raw = nc
		return nc, nil
	}
}

// connect starts a session if there is none.
func (c *conn) connect(ctx context.Context) error {
	if c.sc != nil {
		return nil
	}
	c.raw = nil
	sc, err := c.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		if c.raw != nil {
			c.raw.Close()
		}
		c.raw = nil
		return &unreachableError{addr: c.set.Addr(), err: redactSecret(err, c.set.Password)}
	}
	c.sc = sc
	return nil
}

// send sends one message on the session. go-mail checks the session with
// NOOP first and resets it after the message.
func (c *conn) send(m *mail.Msg) error {
	if c.sc == nil {
		return errors.New("no SMTP session")
	}
	return c.client.SendWithSMTPClient(c.sc, m)
}

// close ends the session politely if it is alive and closes the socket in
// any case: after a failed QUIT, go-mail leaves it open.
func (c *conn) close() {
	if c.sc == nil {
		return
	}
	_ = c.sc.Quit()
	_ = c.sc.Close()
	c.sc = nil
	c.raw = nil
}

// redactSecret keeps a password that a server echoed (some do, in AUTH
// errors) out of messages and logs.
func redactSecret(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), secret, "[redacted]"))
}

// outcome is what to do with a message after a send attempt.
type outcome int

const (
	outcomeSent      outcome = iota
	outcomeConnCheck         // the session was dead before anything was sent: redial and resend
	outcomeTemporary         // 4xx: retry later; the session is still good
	outcomeDropped           // the session broke mid-message, or the server is closing it (421): retry later
	outcomePermanent         // 5xx, or a message we cannot send: fail for good
)

// classify reads a go-mail send error. IsTemp only looks for a leading
// "4" in the text, so a dropped connection counts as permanent there
// (notes §4); here anything without an SMTP code is the connection's fault
// and retried.
func classify(err error) (outcome, int) {
	if err == nil {
		return outcomeSent, 0
	}
	var se *mail.SendError
	if !errors.As(err, &se) {
		return outcomeDropped, 0
	}
	switch se.Reason {
	case mail.ErrConnCheck:
		return outcomeConnCheck, 0
	case mail.ErrGetSender, mail.ErrGetRcpts, mail.ErrNoUnencoded:
		return outcomePermanent, 0
	}
	code := se.ErrorCode()
	switch {
	case code == 421:
		return outcomeDropped, code
	case code >= 400 && code < 500:
		return outcomeTemporary, code
	case code >= 500 && code < 600:
		return outcomePermanent, code
	}
	return outcomeDropped, code
}

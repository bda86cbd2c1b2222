package mailer

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"strconv"
	"strings"
	"sync"
	"time"

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
	// mailParams follow MAIL FROM's address, as go-mail adds them: BODY=8BITMIME
	// and SMTPUTF8 where the server offers them.
	mailParams string
	// pipelining: the server accepts commands in groups (RFC 2920).
	pipelining bool
	// lastOK is when the session last answered as expected: a NOOP is sent
	// before a message only after a pause (noopAfterIdle).
	lastOK time.Time
}

// noopAfterIdle is how long a session may have been idle before a NOOP
// checks it ahead of the next message. A NOOP finds a session the server
// closed while it waited (servers time out idle sessions after minutes,
// RFC 5321 4.5.3.2.7); sent before every message of a drain it is one
// round trip in six, for nothing (issue 14). A session that died meanwhile
// still fails at MAIL FROM before anything is sent, and is treated as a
// failed check: redialled, and the message sent again.
const noopAfterIdle = 2 * time.Second

func newConn(set Settings) (*conn, error) {
	c := &conn{set: set}
	tlsConf := &tls.Config{
		// go-mail's own default carries ServerName; replacing the config
		// (as a CA bundle needs) drops it, so set it here (docs/library-notes.md, go-mail).
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
	c.lastOK = time.Now()
	c.mailParams = ""
	if ok, _ := sc.Extension("8BITMIME"); ok {
		c.mailParams += " BODY=8BITMIME"
	}
	if ok, _ := sc.Extension("SMTPUTF8"); ok {
		c.mailParams += " SMTPUTF8"
	}
	c.pipelining, _ = sc.Extension("PIPELINING")
	return nil
}

// outgoing is a message encoded ahead of sending, with its envelope.
type outgoing struct {
	from  string
	rcpts []string
	// data is the message as DATA carries it, dot-stuffed (dotStuffer),
	// without the final ".\r\n".
	data   *bytes.Buffer
	mid    string
	reason mail.SendErrReason // with err: the step that failed, as go-mail names it
	err    error
}

// encodedPool recycles the buffers of sent messages.
var encodedPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// encode writes msg out as it will go on the wire, with its envelope:
// MAIL FROM from (the bounce address or the sender) and RCPT TO rcpts.
// Encoding (quoted-printable, MIME parts, DKIM) costs as much CPU as the
// SMTP session itself; done here, ahead, it is off the session's round trips.
// A failure is kept and reported by sendEncoded at the step where go-mail
// would have reported it, so it is handled as before.
func encode(msg *mail.Msg, from string, rcpts []string, mid string) *outgoing {
	o := &outgoing{mid: mid, from: from, rcpts: rcpts}
	if from == "" {
		o.reason, o.err = mail.ErrGetSender, errors.New("no envelope sender")
		return o
	}
	if len(rcpts) == 0 {
		o.reason, o.err = mail.ErrGetRcpts, errors.New("no recipient")
		return o
	}
	// Addresses are checked when queued; this keeps a bad one from ever
	// becoming a second SMTP command.
	if strings.ContainsAny(from, "\r\n") {
		o.reason, o.err = mail.ErrGetSender, fmt.Errorf("line break in envelope sender %q", from)
		return o
	}
	for _, rcpt := range rcpts {
		if strings.ContainsAny(rcpt, "\r\n") {
			o.reason, o.err = mail.ErrGetRcpts, fmt.Errorf("line break in recipient %q", rcpt)
			return o
		}
	}
	o.data = encodedPool.Get().(*bytes.Buffer)
	o.data.Reset()
	stuffed := &dotStuffer{dst: o.data}
	if _, o.err = msg.WriteTo(stuffed); o.err != nil {
		o.reason = mail.ErrWriteContent
	}
	stuffed.end()
	return o
}

// free returns o's buffer for reuse once it has been sent.
func (o *outgoing) free() {
	if o != nil && o.data != nil {
		encodedPool.Put(o.data)
		o.data = nil
	}
}

// ending is what a send does around the message's final dot.
type ending struct {
	// wait runs before the dot: the message is delivered only if it
	// returns nil.
	wait func() error
	// accepted runs as soon as the server has accepted the message (its
	// 250).
	accepted func()
}

// unrecordedError is returned by sendEncoded when end.wait failed: the
// message was abandoned before its final dot, so the server discards it.
type unrecordedError struct{ err error }

func (e *unrecordedError) Error() string {
	return "message abandoned before its end: " + e.err.Error()
}

func (e *unrecordedError) Unwrap() error { return e.err }

// sendEncoded sends o on the session in the steps of go-mail's
// SendWithSMTPClient: NOOP to check the session and extend its deadline,
// MAIL, RCPT, DATA (pipelined where the server allows, see envelope), the
// content and the final dot. Failures are reported as go-mail reports
// them (the step and the server's reply); nil means the server accepted
// the message.
//
// Unlike go-mail, it sends no RSET after a message the server accepted:
// the 250 ends the transaction (RFC 5321 §4.1.1.4), so the next MAIL can
// follow at once, and the RSET's round trip, a sixth of an email's time on
// the sending path, bought nothing. A session that died meanwhile shows at
// that MAIL, which is answered as the NOOP's failure would be. A failed
// MAIL or RCPT is still reset, since it leaves a transaction open (or
// the session dropped, if the server took the DATA all the same).
//
// end.wait, if set, runs once the content is written, before the final
// dot that delivers it. If it fails, the connection is closed instead (the
// server discards a message whose DATA never ended, RFC 5321 §4.1.1.4) and
// an *unrecordedError is returned. end.accepted, if set, runs right after
// the server's 250.
func (c *conn) sendEncoded(o *outgoing, end ending) error {
	if c.sc == nil {
		return errors.New("no SMTP session")
	}
	checked := time.Since(c.lastOK) >= noopAfterIdle
	if !c.sc.HasConnection() || checked && c.sc.Noop() != nil {
		return newSendError(mail.ErrConnCheck, o, mail.ErrNoActiveConnection)
	}
	if c.sc.UpdateDeadline(c.set.Timeout) != nil {
		return newSendError(mail.ErrConnCheck, o, mail.ErrDeadlineExtendFailed)
	}
	if o.err != nil && o.reason != mail.ErrWriteContent {
		return newSendError(o.reason, o, o.err)
	}
	replies := c.envelope(o)
	if err := replies.mail; err != nil {
		if !checked && smtpCode(err) == 0 {
			// No reply: the session was gone, as a NOOP would have found.
			c.lastOK = time.Time{}
			return newSendError(mail.ErrConnCheck, o, err)
		}
		se := newSendError(mail.ErrSMTPMailFrom, o, err)
		if rerr := c.endTransaction(replies); rerr != nil {
			se.errs = append(se.errs, rerr)
		}
		return se
	}
	var rcptErr *sendError
	for i, err := range replies.rcpts {
		if err != nil {
			if rcptErr == nil {
				rcptErr = &sendError{reason: mail.ErrSMTPRcptTo, mid: o.mid}
			}
			rcptErr.errs = append(rcptErr.errs, err)
			rcptErr.rcpts = append(rcptErr.rcpts, o.rcpts[i])
			rcptErr.code = smtpCode(err)
		}
	}
	if rcptErr != nil {
		if rerr := c.endTransaction(replies); rerr != nil {
			rcptErr.errs = append(rcptErr.errs, rerr)
		}
		return rcptErr
	}
	if replies.data != nil {
		return newSendError(mail.ErrSMTPData, o, replies.data)
	}
	if o.err != nil {
		// The encoding failed: as when go-mail fails writing the content,
		// the DATA is left unfinished. The session is dropped without a
		// QUIT, which would only become part of the message.
		c.abort()
		return newSendError(mail.ErrWriteContent, o, o.err)
	}
	// The content is stuffed already: written straight to the socket, in
	// one write when it is larger than the buffer.
	bw := c.sc.Text.W
	_, err := bw.Write(o.data.Bytes())
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		c.abort()
		return newSendError(mail.ErrWriteContent, o, err)
	}
	if end.wait != nil {
		if err := end.wait(); err != nil {
			c.abort()
			return &unrecordedError{err: err}
		}
	}
	if err := c.endData(); err != nil {
		return newSendError(mail.ErrSMTPDataClose, o, err)
	}
	if end.accepted != nil {
		end.accepted()
	}
	c.lastOK = time.Now()
	return nil
}

// envelopeReplies are the server's answers to a message's MAIL, RCPT
// and DATA. A command not sent, after an earlier one failed, is answered
// by errNotSent.
type envelopeReplies struct {
	mail  error
	rcpts []error
	data  error
	// dataOpen: the server answered DATA with 354 and now reads content.
	dataOpen bool
}

var errNotSent = errors.New("not sent: an earlier command failed")

// envelope sends MAIL FROM, a RCPT TO per recipient, and DATA. When the
// server offers PIPELINING (RFC 2920) they go in one write and their
// replies are read after, one round trip instead of two plus one per
// recipient; else each waits for the reply to the one before. go-mail's
// own commands flush and wait one at a time, and its DATA writer would
// stuff the content once more, byte by byte.
func (c *conn) envelope(o *outgoing) envelopeReplies {
	r := envelopeReplies{rcpts: make([]error, len(o.rcpts))}
	lines := make([]string, 0, 2+len(o.rcpts))
	lines = append(lines, "MAIL FROM:"+envelopeAddress(o.from)+c.mailParams)
	for _, rcpt := range o.rcpts {
		lines = append(lines, "RCPT TO:"+envelopeAddress(rcpt))
	}
	lines = append(lines, "DATA")
	answer := func(i int, err error) {
		switch {
		case i == 0:
			r.mail = err
		case i == len(lines)-1:
			r.data, r.dataOpen = err, err == nil
		default:
			r.rcpts[i-1] = err
		}
	}
	bw, text := c.sc.Text.W, c.sc.Text
	expect := func(i int) int {
		switch i {
		case 0:
			return 250
		case len(lines) - 1:
			return 354
		}
		return 25 // 250 or 251
	}
	write := func(i int) {
		bw.WriteString(lines[i])
		bw.WriteString("\r\n")
	}
	if !c.pipelining {
		// A refused MAIL ends the envelope; a refused recipient does not
		// keep the others from being asked, but keeps DATA from being sent.
		refused := false
		for i := range lines {
			if refused && i == len(lines)-1 {
				answer(i, errNotSent)
				break
			}
			write(i)
			err := bw.Flush()
			if err == nil {
				_, _, err = text.ReadResponse(expect(i))
			}
			answer(i, err)
			if err != nil && i == 0 {
				for j := 1; j < len(lines); j++ {
					answer(j, errNotSent)
				}
				break
			}
			refused = refused || err != nil
		}
		return r
	}
	for i := range lines {
		write(i)
	}
	if err := bw.Flush(); err != nil {
		for i := range lines {
			answer(i, err)
		}
		return r
	}
	// Every command has a reply, a refusal too (RFC 2920 §3.1).
	for i := range lines {
		_, _, err := text.ReadResponse(expect(i))
		answer(i, err)
	}
	return r
}

// envelopeAddress is an address as MAIL FROM and RCPT TO carry it, in
// angle brackets (RFC 5321 §4.1.2).
func envelopeAddress(addr string) string {
	return (&netmail.Address{Address: addr}).String()
}

// endTransaction leaves a failed transaction so that the session can send
// the next message: RSET, or, if the server is already reading content
// (it took DATA although MAIL or a recipient failed), dropping the
// session, as only the final dot would end that and deliver it.
func (c *conn) endTransaction(r envelopeReplies) error {
	if r.dataOpen {
		c.abort()
		return nil
	}
	if c.sc == nil {
		return nil
	}
	return c.sc.Reset()
}

// endData sends the final dot of a message whose content is written, and
// reads the server's verdict on it.
func (c *conn) endData() error {
	bw := c.sc.Text.W
	if _, err := bw.WriteString(".\r\n"); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	_, _, err := c.sc.Text.ReadResponse(250)
	return err
}

// sendError is a failed send of an encoded message. Its text is that of
// go-mail's SendError, which staff see in the outbox and in alerts.
type sendError struct {
	reason mail.SendErrReason
	errs   []error
	rcpts  []string
	mid    string
	code   int // the server's reply code, 0 if none
}

func newSendError(reason mail.SendErrReason, o *outgoing, err error) *sendError {
	return &sendError{reason: reason, errs: []error{err}, mid: o.mid, code: smtpCode(err)}
}

func (e *sendError) Error() string {
	var b strings.Builder
	b.WriteString(e.reason.String())
	for i, err := range e.errs {
		if i == 0 {
			b.WriteString(":")
		} else {
			b.WriteString(",")
		}
		b.WriteString(" " + err.Error())
	}
	if len(e.rcpts) > 0 {
		b.WriteString(", affected recipient(s): " + strings.Join(e.rcpts, ", "))
	}
	if e.mid != "" {
		b.WriteString(", affected message ID: " + e.mid)
	}
	return b.String()
}

func (e *sendError) Unwrap() []error { return e.errs }

// smtpCode reads the reply code at the start of an SMTP error, as go-mail
// does: 4xx and 5xx only.
func smtpCode(err error) int {
	if err == nil {
		return 0
	}
	if inner := errors.Unwrap(err); inner != nil {
		err = inner
	}
	text := err.Error()
	if len(text) < 3 || (text[0] != '4' && text[0] != '5') {
		return 0
	}
	code, cerr := strconv.Atoi(text[:3])
	if cerr != nil {
		return 0
	}
	return code
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

// abort drops the session without a word, in the middle of a message.
func (c *conn) abort() {
	if c.sc == nil {
		return
	}
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

// classify reads a send error (go-mail's, or sendEncoded's in its terms).
// IsTemp only looks for a leading "4" in the text, so a dropped connection
// counts as permanent there (docs/library-notes.md, go-mail); here anything without an SMTP code
// is the connection's fault and retried.
func classify(err error) (outcome, int) {
	if err == nil {
		return outcomeSent, 0
	}
	var reason mail.SendErrReason
	var code int
	var own *sendError
	var se *mail.SendError
	switch {
	case errors.As(err, &own):
		reason, code = own.reason, own.code
	case errors.As(err, &se):
		reason, code = se.Reason, se.ErrorCode()
	default:
		return outcomeDropped, 0
	}
	switch reason {
	case mail.ErrConnCheck:
		return outcomeConnCheck, 0
	case mail.ErrGetSender, mail.ErrGetRcpts, mail.ErrNoUnencoded:
		return outcomePermanent, 0
	}
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

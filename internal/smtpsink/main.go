// Command smtpsink is an SMTP server (emersion/go-smtp) that accepts every
// message and appends one JSON line per delivery to a log: the envelope
// sender and recipients and the Message-ID. The crash test (chaos/) runs it
// as a process of its own, so that killing icpdesk never loses what the
// server accepted.
//
//	smtpsink -listen 127.0.0.1:0 -addr-file sink.addr -log deliveries.jsonl [-delay 2ms]
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/textproto"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"
)

// Delivery is one line of the log.
type Delivery struct {
	From      string    `json:"from"`
	To        []string  `json:"to"`
	MessageID string    `json:"message_id"`
	At        time.Time `json:"at"`
}

type backend struct {
	mu    sync.Mutex
	log   *os.File
	delay time.Duration
}

func (b *backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{b: b}, nil }

type session struct {
	b   *backend
	cur Delivery
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.cur = Delivery{From: from}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.To = append(s.cur.To, to)
	return nil
}

// Data reads the message, waits the configured delay (a server that takes
// its time, so that a kill finds messages in flight), and logs the
// delivery before answering 250: what is logged is what was accepted.
func (s *session) Data(r io.Reader) error {
	br := bufio.NewReader(r)
	h, err := textproto.NewReader(br).ReadMIMEHeader()
	if err != nil {
		return fmt.Errorf("read header: %w", err)
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return err
	}
	time.Sleep(s.b.delay)
	d := s.cur
	d.MessageID = strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>")
	d.At = time.Now().UTC()
	line, err := json.Marshal(d)
	if err != nil {
		return err
	}
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	if _, err := s.b.log.Write(append(line, '\n')); err != nil {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "cannot log: " + err.Error()}
	}
	return nil
}

func (s *session) Reset()        { s.cur = Delivery{} }
func (s *session) Logout() error { return nil }

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	addrFile := flag.String("addr-file", "", "write the address listened on to this file")
	logPath := flag.String("log", "deliveries.jsonl", "append one JSON line per delivery here")
	delay := flag.Duration("delay", 0, "wait this long before accepting each message")
	flag.Parse()

	f, err := os.OpenFile(*logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	srv := smtp.NewServer(&backend{log: f, delay: *delay})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	srv.MaxMessageBytes = 32 << 20
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(ln.Addr().String()), 0o600); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("smtpsink listening on", ln.Addr())
	go func() {
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
		<-sigs
		srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
		log.Fatal(err)
	}
}

package mailer

import (
	"bufio"
	"context"
	"errors"
	"net"
	netmail "net/mail"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wneessen/go-mail"

	"example.com/icpdesk/filing"
)

// scriptedServer is an SMTP server that writes down every line it reads.
// With pipelining it offers PIPELINING and answers MAIL and RCPT only once
// DATA has come, so a client that waits for each reply waits for ever.
// RCPT gets rcptReply, except for recipients @ok.example.cn, always taken.
type scriptedServer struct {
	t          *testing.T
	ln         net.Listener
	pipelining bool

	mu        sync.Mutex
	rcptReply string   // e.g. "250 ok"
	dataReply string   // e.g. "354 go on"
	lines     []string // commands, "<content>" for a message's content, "<closed>" when a session ends
}

// answers sets the replies to RCPT and DATA from the next command on.
func (s *scriptedServer) answers(rcpt, data string) {
	s.mu.Lock()
	s.rcptReply, s.dataReply = rcpt, data
	s.mu.Unlock()
}

func (s *scriptedServer) replies() (rcpt, data string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rcptReply, s.dataReply
}

func startScripted(t *testing.T, pipelining bool, rcptReply, dataReply string) *scriptedServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &scriptedServer{t: t, ln: ln, pipelining: pipelining}
	s.answers(rcptReply, dataReply)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			s.serve(nc)
		}
	}()
	return s
}

func (s *scriptedServer) note(line string) {
	s.mu.Lock()
	s.lines = append(s.lines, line)
	s.mu.Unlock()
}

func (s *scriptedServer) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.lines...)
}

func (s *scriptedServer) serve(nc net.Conn) {
	defer nc.Close()
	defer s.note("<closed>")
	r, w := bufio.NewReader(nc), bufio.NewWriter(nc)
	var queued []string
	reply := func(lines ...string) {
		queued = append(queued, lines...)
		for _, l := range queued {
			w.WriteString(l + "\r\n")
		}
		queued = nil
		_ = w.Flush()
	}
	reply("220 scripted ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		s.note(line)
		verb := strings.ToUpper(strings.SplitN(line, ":", 2)[0])
		rcptReply, dataReply := s.replies()
		switch {
		case strings.HasPrefix(verb, "EHLO"):
			caps := []string{"250-scripted", "250-8BITMIME"}
			if s.pipelining {
				caps = append(caps, "250-PIPELINING")
			}
			reply(append(caps, "250 SIZE 10000000")...)
		case verb == "MAIL FROM" || verb == "RCPT TO":
			answer := "250 ok"
			if verb == "RCPT TO" && !strings.Contains(line, "@ok.example.cn>") {
				answer = rcptReply
			}
			if s.pipelining {
				queued = append(queued, answer)
			} else {
				reply(answer)
			}
		case verb == "DATA":
			reply(dataReply)
			if !strings.HasPrefix(dataReply, "354") {
				continue
			}
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
			}
			s.note("<content>")
			reply("250 queued")
		case verb == "QUIT":
			reply("221 bye")
			return
		default: // RSET, NOOP
			reply("250 ok")
		}
	}
}

// testConn is a session with the SMTP server on 127.0.0.1:port, closed
// when the test ends.
func testConn(t *testing.T, port int) *conn {
	t.Helper()
	c, err := newConn(Settings{Host: "127.0.0.1", Port: port, Security: "none",
		Timeout: 3 * time.Second, FromAddress: "icp@example.cn"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.close)
	if err := c.connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c
}

// testMessage is a Chinese message with the given body, from the
// session's sender to applicant@example.cn, and its Message-ID.
func testMessage(t *testing.T, c *conn, body string, opts ...mail.PartOption) (*mail.Msg, string) {
	t.Helper()
	id := newMessageID(c.set.FromAddress)
	m, err := newMsg(c.set, filing.LangChinese, &netmail.Address{Address: "applicant@example.cn"}, "主题", id, time.Now(), "auto-generated")
	if err != nil {
		t.Fatal(err)
	}
	m.SetBodyString(mail.TypeTextPlain, body, opts...)
	return m, id
}

// sendTo sends a short message on c to rcpts.
func sendTo(t *testing.T, c *conn, rcpts ...string) error {
	t.Helper()
	m, id := testMessage(t, c, "正文")
	o := encode(m, c.set.FromAddress, rcpts, id)
	defer o.free()
	return c.sendEncoded(o, ending{})
}

// sendOne sends one short message to s on a fresh session and returns
// the session and the send's error.
func sendOne(t *testing.T, s *scriptedServer) (*conn, error) {
	c := testConn(t, s.ln.Addr().(*net.TCPAddr).Port)
	return c, sendTo(t, c, "applicant@example.cn")
}

// waitSeen waits until the server has written down want, or fails.
func (s *scriptedServer) waitSeen(want string) []string {
	s.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := s.seen()
		for _, l := range got {
			if l == want {
				return got
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the server never saw %q; it saw %q", want, got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestEnvelopeIsPipelinedWhereOffered: with PIPELINING offered, MAIL, RCPT
// and DATA go out before any reply is read (the server answers only after
// DATA; a client waiting for MAIL's reply would time out), with the
// addresses in angle brackets and MAIL's BODY parameter.
func TestEnvelopeIsPipelinedWhereOffered(t *testing.T) {
	s := startScripted(t, true, "250 ok", "354 go on")
	if _, err := sendOne(t, s); err != nil {
		t.Fatalf("pipelined send: %v", err)
	}
	got := s.waitSeen("<content>")
	want := []string{"MAIL FROM:<icp@example.cn> BODY=8BITMIME", "RCPT TO:<applicant@example.cn>", "DATA", "<content>"}
	if len(got) < 5 || strings.Join(got[1:5], "|") != strings.Join(want, "|") {
		t.Fatalf("the server saw %q, want EHLO then %q", got, want)
	}
}

// TestEnvelopeRefusedRecipientWhereNotOffered: without PIPELINING, a
// refused recipient is followed by RSET, never by DATA, and does not keep
// the next recipient from being asked; the error names only the refused
// one, with its code.
func TestEnvelopeRefusedRecipientWhereNotOffered(t *testing.T) {
	for _, rcpts := range [][]string{
		{"nobody@example.cn"},
		{"nobody@example.cn", "someone@ok.example.cn"},
	} {
		t.Run(strconv.Itoa(len(rcpts)), func(t *testing.T) {
			s := startScripted(t, false, "550 5.1.1 no such user", "354 go on")
			c := testConn(t, s.ln.Addr().(*net.TCPAddr).Port)
			err := sendTo(t, c, rcpts...)
			var se *sendError
			if !errors.As(err, &se) || se.reason != mail.ErrSMTPRcptTo || se.code != 550 ||
				len(se.rcpts) != 1 || se.rcpts[0] != "nobody@example.cn" {
				t.Fatalf("refused recipient of %q: %v", rcpts, err)
			}
			got := s.waitSeen("RSET")
			if slices.Contains(got, "DATA") {
				t.Fatalf("DATA sent after a refused recipient: %q", got)
			}
			for _, r := range rcpts {
				if !slices.Contains(got, "RCPT TO:<"+r+">") {
					t.Fatalf("the server saw %q: %s not asked", got, r)
				}
			}
		})
	}
}

// TestPipelinedRefusalLeavesSessionUsable: a refused recipient, pipelined,
// is reported with its code; DATA's refusal is read too, and after RSET
// the session sends the next message.
func TestPipelinedRefusalLeavesSessionUsable(t *testing.T) {
	s := startScripted(t, true, "452 4.2.2 mailbox full", "554 5.5.1 no valid recipients")
	c, err := sendOne(t, s)
	var se *sendError
	if !errors.As(err, &se) || se.reason != mail.ErrSMTPRcptTo || se.code != 452 {
		t.Fatalf("refused recipient: %v", err)
	}
	if what, _ := classify(err); what != outcomeTemporary {
		t.Fatalf("a 452 is %v, want temporary", what)
	}
	s.waitSeen("RSET")
	s.answers("250 ok", "354 go on")
	if err := sendTo(t, c, "applicant@example.cn"); err != nil {
		t.Fatalf("the next message on the same session: %v", err)
	}
	s.waitSeen("<content>")
}

// TestPipelinedDataTakenDespiteRefusal: a server that answers DATA with
// 354 although the recipient was refused is left by dropping the session,
// so that no content and no final dot can deliver an empty message.
func TestPipelinedDataTakenDespiteRefusal(t *testing.T) {
	s := startScripted(t, true, "550 5.1.1 no such user", "354 go on")
	c, err := sendOne(t, s)
	var se *sendError
	if !errors.As(err, &se) || se.code != 550 {
		t.Fatalf("refused recipient: %v", err)
	}
	got := s.waitSeen("<closed>")
	for _, l := range got {
		if l == "<content>" || l == "RSET" || l == "QUIT" {
			t.Fatalf("after a DATA taken despite the refusal the client sent more: %q", got)
		}
	}
	if c.sc != nil {
		t.Fatal("the session was kept")
	}
}

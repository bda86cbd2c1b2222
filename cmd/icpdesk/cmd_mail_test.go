package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"

	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// countingSMTP is a minimal in-process SMTP server that counts recipients.
type countingSMTP struct {
	mu  sync.Mutex
	rcp []string
}

func (c *countingSMTP) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &countingSession{c: c}, nil
}

func (c *countingSMTP) got() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.rcp...)
}

type countingSession struct {
	c  *countingSMTP
	to []string
}

func (s *countingSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *countingSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *countingSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	s.c.mu.Lock()
	s.c.rcp = append(s.c.rcp, s.to...)
	s.c.mu.Unlock()
	return nil
}
func (s *countingSession) Reset()        { s.to = nil }
func (s *countingSession) Logout() error { return nil }

// TestOutboxSendCommands: `outbox send` against an unreachable server exits
// non-zero with one line and leaves the email queued with its next attempt;
// `outbox retry` makes it due; `outbox send` then delivers it; `mail test`
// checks the settings.
func TestOutboxSendCommands(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			c := newCLI(t, d)
			port := freePort(t) // nothing listens there yet
			cfgPath := filepath.Join(t.TempDir(), "icpdesk.toml")
			if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf("[smtp]\nhost = \"127.0.0.1\"\nport = %d\nsecurity = \"none\"\ntimeout = \"5s\"\n", port)), 0o600); err != nil {
				t.Fatal(err)
			}
			c.env["ICPDESK_CONFIG"] = cfgPath
			c.ok("migrate")
			c.ok("account", "add", "--email", "zhangsan@example.cn", "--name", "张三")
			c.ok("account", "approve", "zhangsan@example.cn")

			r := c.run("", "outbox", "send")
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if r.code != 1 || len(lines) != 1 || !strings.Contains(lines[0], "unreachable") ||
				!strings.Contains(lines[0], "stay queued, next attempt") {
				t.Fatalf("outbox send with the server down: exit %d\nstderr: %s\nstdout: %s", r.code, r.stderr, r.stdout)
			}
			if !strings.HasPrefix(r.stdout, "sent 0, retried 1, failed 0, next attempt ") {
				t.Errorf("summary %q", r.stdout)
			}
			var rows []store.OutboxRow
			if err := json.Unmarshal([]byte(c.ok("outbox", "list", "--json")), &rows); err != nil {
				t.Fatal(err)
			}
			if len(rows) != 1 || rows[0].Status != store.OutboxQueued || rows[0].Attempts != 1 ||
				!rows[0].NextAttemptAt.After(rows[0].CreatedAt) || !strings.Contains(rows[0].LastError, "unreachable") {
				t.Fatalf("rows after the failed send: %+v", rows)
			}

			srv := smtp.NewServer(&countingSMTP{})
			be := srv.Backend.(*countingSMTP)
			srv.Domain = "localhost"
			ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				t.Fatal(err)
			}
			go func() { _ = srv.Serve(ln) }()
			defer srv.Close()

			// Not due yet: nothing is sent before its next attempt.
			if out := c.ok("outbox", "send"); !strings.HasPrefix(out, "sent 0, retried 0, failed 0") {
				t.Fatalf("outbox send before the next attempt: %s", out)
			}
			if out := c.ok("outbox", "retry", fmt.Sprint(rows[0].ID)); !strings.Contains(out, "queued again") {
				t.Fatalf("outbox retry: %s", out)
			}
			if out := c.ok("outbox", "send"); !strings.HasPrefix(out, "sent 1, retried 0, failed 0") {
				t.Fatalf("outbox send: %s", out)
			}
			if got := be.got(); len(got) != 1 || got[0] != "zhangsan@example.cn" {
				t.Fatalf("the server got %v", got)
			}
			if r := c.run("", "outbox", "retry", fmt.Sprint(rows[0].ID)); r.code != 1 || !strings.Contains(r.stderr, "already sent") {
				t.Fatalf("retrying a sent email: %+v", r)
			}
			if r := c.run("", "outbox", "retry", "x"); r.code != 2 {
				t.Fatalf("outbox retry x: %+v", r)
			}

			if out := c.ok("mail", "test", "--to", "staff@example.cn"); !strings.Contains(out, "test email sent to staff@example.cn") {
				t.Fatalf("mail test: %s", out)
			}
			if got := be.got(); len(got) != 2 || got[1] != "staff@example.cn" {
				t.Fatalf("the server got %v", got)
			}
			srv.Close()
			r = c.run("", "mail", "test", "--to", "staff@example.cn")
			if r.code != 1 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "unreachable") {
				t.Fatalf("mail test with the server down: %+v", r)
			}
			if r := c.run("", "mail", "test"); r.code != 2 {
				t.Fatalf("mail test without --to: %+v", r)
			}
		})
	}
}

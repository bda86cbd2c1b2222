package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/icpdesk/demo"
	"example.com/icpdesk/inbox/inboxtest"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// syncBuffer is a log sink read while serve writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func httpGet(url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestServeDovecotPostgres is the daemon issue's "Done when": `icpdesk serve`
// pointed at the Dovecot test instance and PostgreSQL records a message
// appended to the mailbox, visible in the log and in /metrics; it prints how
// long that took. Then it stops cleanly.
func TestServeDovecotPostgres(t *testing.T) {
	imapSrv := inboxtest.NewDovecot(t)
	dbURL := storetest.URL(t, store.Postgres)
	smtpSink, err := demo.NewMailServer([]string{"staff@example.cn"}, "x", "127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer smtpSink.Close()
	httpPort := freePort(t)
	conf := filepath.Join(t.TempDir(), "icpdesk.toml")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`
[desk]
address = "icp@example.cn"
staff = ["staff@example.cn"]
[smtp]
host = "127.0.0.1"
port = %d
security = "none"
[imap]
host = %q
port = %d
security = "none"
username = %q
mailbox = %q
processed_mailbox = %q
[http]
listen = "127.0.0.1:%d"
[log]
format = "json"
`, smtpSink.SMTPAddr().Port, imapSrv.BackendHost(), imapSrv.BackendPort(), imapSrv.User, imapSrv.Mailbox, imapSrv.Processed, httpPort)), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ICPDESK_DATABASE_URL": dbURL, "ICPDESK_IMAP_PASSWORD": imapSrv.Pass}
	var stdout, stderr syncBuffer
	sctx, stop := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(sctx, []string{"--config", conf, "serve"}, strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] })
	}()
	base := fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	waitUntil(t, "serve to be ready", func() bool {
		select {
		case code := <-done:
			t.Fatalf("serve exited %d:\n%s", code, stderr.String())
		default:
		}
		code, _ := httpGet(base + "/readyz")
		return code == http.StatusOK
	})

	// The API is on the same listener.
	if code, body := httpGet(base + "/api/v1/openapi.json"); code != http.StatusOK || !strings.Contains(body, `"openapi": "3.1.0"`) {
		t.Fatalf("openapi.json: %d %.100s", code, body)
	}
	if code, _ := httpGet(base + "/api/v1/filings"); code != http.StatusUnauthorized {
		t.Fatalf("the API without a token: %d", code)
	}

	appended := time.Now()
	imapSrv.Append(t, []byte("From: someone@example.org\r\nTo: icp@example.cn\r\nSubject: =?UTF-8?B?5ZKo6K+i5aSH5qGI5rWB56iL?=\r\n"+
		"Message-ID: <serve-test@example.org>\r\nDate: "+appended.Format(time.RFC1123Z)+"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n请问备案需要多久？\r\n"), appended)
	var recorded time.Time
	waitUntil(t, "the message in /metrics", func() bool {
		_, body := httpGet(base + "/metrics")
		if strings.Contains(body, `icpdesk_inbound_messages_total{classification="human",decision="unmatched"} 1`) {
			recorded = time.Now()
			return true
		}
		return false
	})
	t.Logf("APPEND to recorded and visible in /metrics: %v (including Dovecot's IDLE notification delay and the 10 ms /metrics poll)", recorded.Sub(appended).Round(time.Millisecond))
	if log := stderr.String(); !strings.Contains(log, "inbox: message recorded") || !strings.Contains(log, `"decision":"unmatched"`) {
		t.Errorf("the log does not show the message:\n%s", log)
	}
	stop()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d after the stop:\n%s", code, stderr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(stderr.String(), "stopped") {
		t.Errorf("no clean stop in the log:\n%s", stderr.String())
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestStandbyReportsTheHolder: a standby's /readyz reports the mailbox as
// held by the replica that holds it, with its last status and when it was
// written, and is ready if and only if that status is fresh and connected.
// The holder itself reports its own session.
func TestStandbyReportsTheHolder(t *testing.T) {
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Date(2026, 12, 1, 2, 0, 10, 0, time.UTC)
	var (
		standby bool
		here    error
		held    HolderStatus
		found   bool
		readErr error
	)
	m := Mailbox{
		Here:  func(context.Context) (bool, error) { return standby, here },
		Held:  func(context.Context) (HolderStatus, bool, error) { return held, found, readErr },
		Fresh: 20 * time.Second,
		Now:   func() time.Time { return now },
		Zone:  shanghai,
	}
	h := Handler(NewMetrics(nil), []Check{{Name: "imap", Fn: m.Check}}, slog.New(slog.DiscardHandler))
	readyz := func() (bool, string) {
		t.Helper()
		code, body := get(t, h, "/readyz")
		var r struct {
			Ready  bool `json:"ready"`
			Checks []struct {
				Name, Detail, Error string
				OK                  bool
			} `json:"checks"`
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatal(err)
		}
		if r.Ready != (code == http.StatusOK) || r.Ready != r.Checks[0].OK {
			t.Fatalf("readyz %d %s", code, body)
		}
		text := r.Checks[0].Detail
		if r.Checks[0].Error != "" {
			text = r.Checks[0].Error
		}
		return r.Ready, "imap: " + text
	}

	// The holder: its own session.
	if ok, _ := readyz(); !ok {
		t.Fatal("a connected holder is not ready")
	}
	here = errors.New("IMAP: dial tcp 127.0.0.1:993: connection refused")
	if ok, text := readyz(); ok || !strings.Contains(text, "connection refused") {
		t.Fatalf("a disconnected holder: %v %q", ok, text)
	}

	standby, here = true, nil
	if ok, text := readyz(); ok || !strings.Contains(text, "not reported") {
		t.Fatalf("a standby before any report: %v %q", ok, text)
	}
	pass := now.Add(-3 * time.Second)
	held, found = HolderStatus{Holder: "web2:4242", Connected: true, Mode: "idle", LastPass: pass, At: now.Add(-2 * time.Second)}, true
	ok, text := readyz()
	if want := "imap: held by web2:4242, connected (idle, last pass 2026-12-01T10:00:07+08:00) as of 2026-12-01T10:00:08+08:00"; !ok || text != want {
		t.Fatalf("a standby, the holder connected:\n got %v %q\nwant %q", ok, text, want)
	}
	held.Connected, held.Mode, held.LastError = false, "disconnected", "dial tcp 10.0.0.5:993: i/o timeout"
	if ok, text := readyz(); ok || text != "imap: held by web2:4242, not connected: dial tcp 10.0.0.5:993: i/o timeout as of 2026-12-01T10:00:08+08:00" {
		t.Fatalf("a standby, the holder disconnected: %v %q", ok, text)
	}
	held.Connected, held.At = true, now.Add(-21*time.Second)
	if ok, text := readyz(); ok || !strings.HasPrefix(text, "imap: held by web2:4242, connected") || !strings.Contains(text, "no report since (21s)") {
		t.Fatalf("a standby, the holder's status stale: %v %q", ok, text)
	}
	readErr = errors.New("database down")
	if ok, text := readyz(); ok || !strings.Contains(text, "database down") {
		t.Fatalf("a standby that cannot read the status: %v %q", ok, text)
	}
}

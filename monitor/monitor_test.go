package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(body)
}

func TestHandler(t *testing.T) {
	oldest := time.Now().Add(-90 * time.Second)
	m := NewMetrics(func(context.Context) (int, time.Time, error) { return 3, oldest, nil })
	m.InboundMessages.WithLabelValues("human", "resubmission").Inc()
	m.ObserveJob("deadline-sweep", "ok", 120*time.Millisecond)
	m.WatchSends(func() (int64, int64, int64) { return 7, 2, 1 })
	imapErr := errors.New("imap: not connected")
	checks := []Check{
		{Name: "database", Fn: Ready(func(context.Context) error { return nil })},
		{Name: "imap", Fn: func(context.Context) (string, error) { return "held by web2:42", imapErr }},
	}
	h := Handler(m, checks, slog.New(slog.DiscardHandler))

	if code, body := get(t, h, "/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("healthz: %d %q", code, body)
	}
	code, body := get(t, h, "/readyz")
	var ready struct {
		Ready  bool `json:"ready"`
		Checks []struct {
			Name   string `json:"name"`
			OK     bool   `json:"ok"`
			Detail string `json:"detail"`
			Error  string `json:"error"`
		} `json:"checks"`
	}
	if err := json.Unmarshal([]byte(body), &ready); err != nil {
		t.Fatal(err)
	}
	if code != http.StatusServiceUnavailable || ready.Ready || !ready.Checks[0].OK || ready.Checks[1].OK || ready.Checks[1].Error != imapErr.Error() || ready.Checks[1].Detail != "held by web2:42" {
		t.Fatalf("readyz with a failing check: %d %s", code, body)
	}
	imapErr = nil
	checks[1].Fn = Ready(func(context.Context) error { return nil })
	h = Handler(m, checks, slog.New(slog.DiscardHandler))
	if code, _ := get(t, h, "/readyz"); code != 200 {
		t.Fatalf("readyz all good: %d", code)
	}

	code, body = get(t, h, "/metrics")
	if code != 200 {
		t.Fatalf("metrics: %d", code)
	}
	for _, want := range []string{
		`icpdesk_outbox_depth 3`,
		`icpdesk_inbound_messages_total{classification="human",decision="resubmission"} 1`,
		`icpdesk_job_runs_total{job="deadline-sweep",status="ok"} 1`,
		`icpdesk_job_duration_seconds_count{job="deadline-sweep"} 1`,
		`icpdesk_imap_reconnects_total 0`,
		`icpdesk_outbox_send_results_total{result="sent"} 7`,
		`icpdesk_outbox_send_results_total{result="failed"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if !strings.Contains(body, "icpdesk_outbox_oldest_age_seconds 9") { // ≈90 s
		t.Errorf("oldest age not ≈90s:\n%s", grep(body, "oldest"))
	}
}

func TestOutboxStatsErrorDoesNotBreakScrape(t *testing.T) {
	m := NewMetrics(func(context.Context) (int, time.Time, error) { return 0, time.Time{}, errors.New("db down") })
	m.IMAPReconnects.Inc()
	code, body := get(t, Handler(m, nil, slog.New(slog.DiscardHandler)), "/metrics")
	if code != 200 || !strings.Contains(body, "icpdesk_imap_reconnects_total 1") {
		t.Fatalf("a failing outbox query broke the scrape: %d\n%s", code, body)
	}
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

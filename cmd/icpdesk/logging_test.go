package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestJSONLogDurationsInSeconds: JSON logs give durations as float seconds
// under the same key, in groups too; text logs keep Go's duration strings.
func TestJSONLogDurationsInSeconds(t *testing.T) {
	var buf bytes.Buffer
	newLogger(&buf, "json", slog.LevelInfo).Info("job done", "took", 1500*time.Millisecond,
		slog.Group("imap", "idle", 29*time.Minute), "count", 3, "at", time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	var rec struct {
		Took  any `json:"took"`
		IMAP  struct{ Idle any }
		Count any    `json:"count"`
		At    string `json:"at"`
	}
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if rec.Took != 1.5 || rec.IMAP.Idle != 1740.0 || rec.Count != 3.0 || rec.At != "2026-12-01T09:00:00Z" {
		t.Fatalf("JSON log: %s", buf.String())
	}

	buf.Reset()
	newLogger(&buf, "text", slog.LevelInfo).Info("job done", "took", 1500*time.Millisecond)
	if !strings.Contains(buf.String(), "took=1.5s") {
		t.Fatalf("text log: %s", buf.String())
	}
}

// TestConfiguredLoggerUsesSeconds: the logger the commands build from
// [log] format = "json" (serve's, the jobs', the mail commands') writes seconds.
func TestConfiguredLoggerUsesSeconds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "icpdesk.toml")
	if err := os.WriteFile(path, []byte("[log]\nformat = \"json\"\nlevel = \"debug\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	a := &app{stderr: &stderr, getenv: func(string) string { return "" }, configPath: path}
	log, err := a.logger()
	if err != nil {
		t.Fatal(err)
	}
	log.Info("job done", "took", 250*time.Millisecond)
	cfg, _ := a.config()
	a.commandLogger(cfg).Debug("sent", "took", 2*time.Second)
	want := []string{`"took":0.25`, `"took":2`}
	for _, w := range want {
		if !strings.Contains(stderr.String(), w) {
			t.Errorf("log lacks %s:\n%s", w, stderr.String())
		}
	}
}

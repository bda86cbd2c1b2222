package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigErrorsAllReported: a command that loads the configuration
// reports every problem in it at once, one per line: unknown keys, values of
// the wrong type, invalid values and cron schedules that do not parse or
// never fire.
func TestConfigErrorsAllReported(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.toml")
	if err := os.WriteFile(bad, []byte(`
[desk]
timezone = "Mars/Olympus"
typo = 1

[smtp]
timeout = "30"

[jobs]
reminders = "61 * * * *"
digest = "0 0 30 2 *"

[log]
level = "loud"
format = "yaml"

[nosuch]
x = 1
`), 0o600); err != nil {
		t.Fatal(err)
	}
	r := icpdesk(t, "--config", bad, "jobs", "list")
	wants := []string{
		"unknown key desk.typo",
		`smtp.timeout: duration "30" needs a unit`,
		"unknown key nosuch",
		`desk.timezone: unknown time zone "Mars/Olympus"`,
		`jobs.reminders: schedule "61 * * * *"`,
		`jobs.digest: schedule "0 0 30 2 *" never fires`,
		`log.level: "loud"`,
		`log.format: "yaml"`,
	}
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	if r.code != 1 || r.stdout != "" || len(lines) != len(wants) {
		t.Fatalf("exit %d, %d lines for %d problems:\n%s", r.code, len(lines), len(wants), r.stderr)
	}
	prefix := "icpdesk jobs list: config " + bad + ": "
	for _, want := range wants {
		found := false
		for _, line := range lines {
			found = found || strings.HasPrefix(line, prefix+want)
		}
		if !found {
			t.Errorf("no line %q…:\n%s", prefix+want, r.stderr)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestDemoExit is `go run ./cmd/icpdesk demo --exit`: the whole story, then exit 0.
func TestDemoExit(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"demo", "--exit", "--imap-port", "0", "--smtp-port", "0", "--http-port", "0"},
		strings.NewReader(""), &out, &errb, func(string) string { return "" })
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"replies in GBK", "decision resubmission", "auto_reply", "decision unverified",
		"deadline sweep flagged 1", "daily digest", "approved by the bureau", "Summary", "exactly once"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the demo's output lacks %q:\n%s", want, out.String())
		}
	}
}

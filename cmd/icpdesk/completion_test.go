package main

import (
	"slices"
	"strings"
	"testing"
)

func TestCompletionScripts(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		r := icpdesk(t, "completion", shell)
		if r.code != 0 || strings.TrimSpace(r.stdout) == "" || !strings.Contains(r.stdout, "icpdesk") {
			t.Errorf("completion %s: exit %d, %d bytes\n%s", shell, r.code, len(r.stdout), r.stderr)
		}
	}
}

// completions asks cobra's hidden __complete command, as the bash script
// does, and returns the words offered (without their descriptions).
func completions(t *testing.T, args ...string) []string {
	t.Helper()
	r := icpdesk(t, append([]string{"__complete"}, args...)...)
	if r.code != 0 {
		t.Fatalf("__complete %s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
	}
	var words []string
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if strings.HasPrefix(line, ":") { // the directive
			continue
		}
		word, _, _ := strings.Cut(line, "\t")
		words = append(words, word)
	}
	return words
}

func TestCompleteCommandsAndValues(t *testing.T) {
	if got := completions(t, "fil"); !slices.Equal(got, []string{"filing"}) {
		t.Errorf("icpdesk fil<TAB>: %q", got)
	}
	if got := completions(t, "filing", "re"); !slices.Equal(got, []string{"return", "resubmit"}) {
		t.Errorf("icpdesk filing re<TAB>: %q", got)
	}
	if got := completions(t, "jobs", "run", ""); !slices.Contains(got, "deadline-sweep") || !slices.Contains(got, "outbox-janitor") {
		t.Errorf("icpdesk jobs run <TAB>: %q", got)
	}
	// Fixed values are offered whole; the shell keeps those matching "re".
	if got := completions(t, "filing", "list", "--stage", "re"); !slices.Contains(got, "returned") {
		t.Errorf("icpdesk filing list --stage re<TAB>: %q", got)
	}
}

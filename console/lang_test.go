package console

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"example.com/icpdesk/filing"
)

// TestCatalogIsComplete: every sentence in both languages, and every key the
// templates and the code name is in the catalog.
func TestCatalogIsComplete(t *testing.T) {
	for k, v := range catalog {
		if strings.TrimSpace(v.Zh) == "" || strings.TrimSpace(v.En) == "" {
			t.Errorf("%s: missing a language: %+v", k, v)
		}
		if strings.Count(v.Zh, "%") != strings.Count(v.En, "%") {
			t.Errorf("%s: the languages take different arguments: %q / %q", k, v.Zh, v.En)
		}
	}
	// Literal keys: .L.T "x", $l.Tf "x", l.T("x"), l.Tf("x", …).
	use := regexp.MustCompile(`(?:\.L\.Tf?|\$l\.Tf?) "([a-z][a-z0-9_.]*)"|\bl\.Tf?\("([a-z][a-z0-9_.]*)"`)
	var sources []string
	_ = fs.WalkDir(os.DirFS("."), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".html") || (strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go"))) {
			sources = append(sources, p)
		}
		return nil
	})
	n := 0
	for _, p := range sources {
		b, err := os.ReadFile(filepath.Clean(p))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range use.FindAllStringSubmatch(string(b), -1) {
			key := m[1] + m[2]
			n++
			if strings.HasSuffix(key, ".") {
				continue // a prefix completed at run time
			}
			if _, ok := catalog[key]; !ok {
				t.Errorf("%s uses %q, which is not in the catalog", p, key)
			}
		}
	}
	if n < 100 {
		t.Errorf("found only %d uses of the catalog: the pattern is stale", n)
	}
	// Keys built at run time: one per stage action, email status, role.
	for _, prefix := range []string{"emails.status.", "role.", "accounts.status.", "scope."} {
		found := false
		for k := range catalog {
			found = found || strings.HasPrefix(k, prefix)
		}
		if !found {
			t.Errorf("no %s* keys", prefix)
		}
	}
}

func TestLogSafeMasksAddresses(t *testing.T) {
	got := logSafe(fmt.Errorf("account zhangsan@example.cn already has that address (330106198503121231): %w", errNoSession))
	if strings.Contains(got, "zhangsan@") || strings.Contains(got, "330106198503121231") || !strings.Contains(got, "@example.cn") {
		t.Errorf("logSafe: %q", got)
	}
}

// TestTimelineEventsHaveLabels: every action a filing's timeline can show
// is put into words in both languages, not shown as its code. The stage
// changes come from the transition table; the rest are written by the
// store, the inbox and the email_sent trigger.
func TestTimelineEventsHaveLabels(t *testing.T) {
	actions := []string{"import", "filing_updated", "email_sent", "email_retried", "email_cancelled", "email_failed",
		"email_bounced", "email_received", "email_unverified_sender", "staff_reply", "account_email_changed",
		"work_item_opened", "work_item_closed", "inbound_" + string(filing.ResolvedLinked), "inbound_" + string(filing.ResolvedReprocessed)}
	for _, tr := range filing.Transitions {
		actions = append(actions, string(tr.Action))
	}
	label := funcs["eventLabel"].(func(lang, string) string)
	for _, code := range []filing.Language{filing.LangChinese, filing.LangEnglish} {
		for _, a := range actions {
			if got := label(lang{code: code}, a); got == a || strings.TrimSpace(got) == "" {
				t.Errorf("%s: the timeline shows %q as %q", code, a, got)
			}
		}
	}
}

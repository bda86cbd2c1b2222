package main

import (
	"encoding/json"
	"strings"
	"testing"

	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// TestJobsRunSweepOnExampleData is the scheduler issue's "Done when": on the
// example data the sweep, run as of a later time, flags exactly the filings
// past their deadline with one notice each, and a second run adds nothing.
func TestJobsRunSweepOnExampleData(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			c := newCLI(t, d)
			c.ok("migrate")
			c.ok("account", "add", "--email", "zhangsan@example.cn", "--name", "张三", "--customer")
			c.ok("account", "add", "--email", "wangwu@example.com", "--name", "王五", "--customer", "--lang", "en")
			c.ok("filing", "import", example("enterprise.json"))
			c.ok("filing", "import", example("individual.json"))
			for _, ref := range []string{"BA-2026-000123", "BA-2026-000124"} {
				c.ok("filing", "submit", ref, "--at", "2026-11-01T10:00:00+08:00")
				c.ok("filing", "to-bureau", ref, "--at", "2026-11-02T10:00:00+08:00")
			}
			// Returned on different days: deadlines 11-10 and 11-12 at 23:59:59.
			c.ok("filing", "return", "BA-2026-000123", "--by", "bureau", "--reason", "网站名称不符", "--at", "2026-11-03T10:00:00+08:00")
			c.ok("filing", "return", "BA-2026-000124", "--by", "bureau", "--reason", "Photo unclear", "--at", "2026-11-05T10:00:00+08:00")

			out := c.ok("jobs", "run", "deadline-sweep", "--now", "2026-11-10T23:59:59+08:00")
			if !strings.Contains(out, "flagged 0") {
				t.Fatalf("sweep at the deadline's last second: %s", out)
			}
			out = c.ok("jobs", "run", "deadline-sweep", "--now", "2026-11-11T00:00:00+08:00")
			if !strings.Contains(out, "deadline-sweep ok") || !strings.Contains(out, "flagged 1,") {
				t.Fatalf("sweep after the first deadline: %s", out)
			}
			out = c.ok("jobs", "run", "deadline-sweep", "--now", "2026-11-11T00:05:00+08:00")
			if !strings.Contains(out, "flagged 0") || !strings.Contains(out, "emails 0") {
				t.Fatalf("second sweep: %s", out)
			}
			var page store.FilingPage
			if err := json.Unmarshal([]byte(c.ok("filing", "list", "--overdue", "--json")), &page); err != nil {
				t.Fatal(err)
			}
			overdue := page.Filings
			if len(overdue) != 1 || overdue[0].Reference != "BA-2026-000123" {
				t.Fatalf("overdue: %+v", overdue)
			}
			var rows []store.OutboxRow
			if err := json.Unmarshal([]byte(c.ok("outbox", "list", "--status", "queued", "--json")), &rows); err != nil {
				t.Fatal(err)
			}
			notices := 0
			for _, r := range rows {
				if r.Kind == "deadline_passed" {
					notices++
					if r.Reference != "BA-2026-000123" {
						t.Fatalf("notice for %s", r.Reference)
					}
				}
			}
			if notices != 1 {
				t.Fatalf("%d deadline_passed notices, want 1", notices)
			}

			list := c.ok("jobs", "list")
			for _, want := range []string{"deadline-sweep", "reminders", "digest", "outbox-janitor", "ok"} {
				if !strings.Contains(list, want) {
					t.Fatalf("jobs list lacks %q:\n%s", want, list)
				}
			}
			if r := c.run("", "jobs", "run", "no-such-job"); r.code != 2 {
				t.Fatalf("unknown job: %+v", r)
			}
		})
	}
}

func TestDigestPreview(t *testing.T) {
	c := newCLI(t, store.SQLite)
	c.ok("migrate")
	c.ok("account", "add", "--email", "zhangsan@example.cn", "--name", "张三", "--customer")
	c.ok("filing", "import", example("enterprise.json"))
	c.ok("filing", "submit", "BA-2026-000123", "--at", "2026-11-01T10:00:00+08:00")
	c.ok("filing", "to-bureau", "BA-2026-000123", "--at", "2026-11-02T10:00:00+08:00")
	c.ok("filing", "return", "BA-2026-000123", "--by", "bureau", "--reason", "网站名称不符", "--at", "2026-11-03T10:00:00+08:00")
	zh := c.ok("digest", "preview", "--now", "2026-11-09T09:00:00+08:00")
	for _, want := range []string{"Subject: ", "BA-2026-000123", "张*", "z***@example.cn", "shop.example.cn", "2026-11-10 23:59"} {
		if !strings.Contains(zh, want) {
			t.Errorf("zh-CN digest lacks %q:\n%s", want, zh)
		}
	}
	if strings.Contains(zh, "zhangsan@") || strings.Contains(zh, "张三") {
		t.Errorf("the digest shows unmasked personal data:\n%s", zh)
	}
	en := c.ok("digest", "preview", "--lang", "en", "--now", "2026-11-09T09:00:00+08:00")
	if !strings.Contains(en, "Deadlines in the next 72 hours (1)") {
		t.Errorf("en digest:\n%s", en)
	}
	html := c.ok("digest", "preview", "--html", "--now", "2026-11-09T09:00:00+08:00")
	if !strings.Contains(html, "<table") || !strings.Contains(html, "BA-2026-000123") {
		t.Errorf("html digest lacks the table")
	}
	// Preview sends nothing.
	if out := c.ok("outbox", "list", "--json"); strings.Contains(out, "staff_digest") {
		t.Fatal("preview enqueued a digest")
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"example.com/icpdesk/inbox"
	"example.com/icpdesk/inbox/inboxtest"
	"example.com/icpdesk/mailparse/mailtest"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// inboxDesk is a migrated database with two returned filings: the
// enterprise example (zhangsan, returned yesterday) and the individual
// example (wangwu, returned ten days ago: past its deadline).
func inboxDesk(t *testing.T, d store.Dialect) *cli {
	t.Helper()
	c := newCLI(t, d)
	c.ok("migrate")
	c.ok("account", "add", "--email", "zhangsan@example.cn", "--name", "张三", "--customer")
	c.ok("account", "add", "--email", "wangwu@example.com", "--name", "王五", "--customer")
	c.ok("filing", "import", example("enterprise.json"))
	c.ok("filing", "import", example("individual.json"))
	for ref, returned := range map[string]time.Time{
		"BA-2026-000123": time.Now().Add(-24 * time.Hour),
		"BA-2026-000124": time.Now().Add(-10 * 24 * time.Hour),
	} {
		at := func(d time.Duration) string { return returned.Add(d).Format(time.RFC3339) }
		c.ok("filing", "submit", ref, "--at", at(-2*time.Hour))
		c.ok("filing", "to-bureau", ref, "--at", at(-time.Hour))
		c.ok("filing", "return", ref, "--by", "bureau", "--reason", "网站名称与主体不符", "--at", at(0))
	}
	return c
}

func (c *cli) outboxRows() []store.OutboxRow {
	c.t.Helper()
	var rows []store.OutboxRow
	if err := json.Unmarshal([]byte(c.ok("outbox", "list", "--json")), &rows); err != nil {
		c.t.Fatal(err)
	}
	return rows
}

// TestInboxInspect: `inbox inspect --json` gives the classification and
// decision of every fixture class, and changes nothing.
func TestInboxInspect(t *testing.T) {
	c := inboxDesk(t, store.SQLite)
	var returnNotice string
	for _, r := range c.outboxRows() {
		if r.Kind == "filing_returned" && r.Reference == "BA-2026-000124" {
			returnNotice = r.MessageID
		}
	}
	dir := t.TempDir()
	type want struct {
		class, filing, linkedBy, decision string
		verified                          bool
	}
	cases := map[string]struct {
		raw  []byte
		want want
	}{
		"resubmission": {mailtest.Mail{From: "zhangsan@example.cn", Subject: "[ICP#BA-2026-000123] 已修改", MessageID: "r@example.com"}.Bytes(),
			want{"human", "BA-2026-000123", "subject_tag", "resubmission", true}},
		"late": {mailtest.Mail{From: "wangwu@example.com", Subject: "网站已修改", MessageID: "l@example.com", Body: []byte("blog.example.com 请重新审核")}.Bytes(),
			want{"human", "BA-2026-000124", "domain", "late_resubmission", true}},
		"correspondence": {mailtest.Mail{From: "zhangsan@example.cn", Subject: "BA-2026-000123 进度？", MessageID: "c@example.com"}.Bytes(),
			want{"human", "BA-2026-000123", "reference", "correspondence", true}},
		"forged": {mailtest.Mail{From: "attacker@example.com", Subject: "[ICP#BA-2026-000123] 已修改", MessageID: "f@example.com"}.Bytes(),
			want{"human", "BA-2026-000123", "subject_tag", "unverified", false}},
		"unmatched":  {mailtest.Mail{From: "nobody@example.com", Subject: "你好", MessageID: "u@example.com"}.Bytes(), want{"human", "", "", "unmatched", false}},
		"auto-reply": {mailtest.AutoReply("zhangsan@example.cn", ""), want{"auto_reply", "BA-2026-000123", "sender_open_filing", "ignored", false}},
		"bounce":     {mailtest.Bounce(returnNotice, "wangwu@example.com"), want{"bounce", "BA-2026-000124", "bounced_message", "bounce", false}},
		"own":        {mailtest.Mail{From: "icp@example.cn", Subject: "[ICP#BA-2026-000123]", MessageID: "o@example.com"}.Bytes(), want{"own", "", "", "ignored", false}},
	}
	for _, f := range mailtest.CharsetFixtures("zhangsan@example.cn", "BA-2026-000123") {
		cases["charset-"+f.Name] = struct {
			raw  []byte
			want want
		}{f.Raw, want{"human", "BA-2026-000123", "reference", "resubmission", true}}
	}
	before := c.outboxRows()
	for _, name := range slices.Sorted(maps.Keys(cases)) {
		tc := cases[name]
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name+".eml")
			if err := os.WriteFile(path, tc.raw, 0o600); err != nil {
				t.Fatal(err)
			}
			out := c.ok("inbox", "inspect", path, "--json")
			var keys map[string]any
			if err := json.Unmarshal([]byte(out), &keys); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			var gotKeys []string
			for k := range keys {
				gotKeys = append(gotKeys, k)
			}
			sort.Strings(gotKeys)
			for _, k := range []string{"classification", "decision", "filing", "from", "linked_by", "sender_verified", "subject", "text",
				"authenticated", "own_text", "acts", "needs_reply", "why"} {
				if !slices.Contains(gotKeys, k) {
					t.Fatalf("keys %v lack %s", gotKeys, k)
				}
			}
			var v inbox.Inspection
			if err := json.Unmarshal([]byte(out), &v); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			got := want{v.Classification, v.Filing, v.LinkedBy, v.Decision, v.SenderVerified}
			if got != tc.want {
				t.Fatalf("got %+v, want %+v\n%s", got, tc.want, out)
			}
			if strings.HasPrefix(name, "charset-") && (v.Subject == "" || !strings.Contains(v.Subject, "BA-2026-000123") || v.Text == "") {
				t.Fatalf("not decoded: %s", out)
			}
			// And as text.
			if txt := c.ok("inbox", "inspect", path); !strings.Contains(txt, "Decision:        "+tc.want.decision) {
				t.Fatalf("text output:\n%s", txt)
			}
		})
	}
	if after := c.outboxRows(); len(after) != len(before) {
		t.Fatalf("inspect enqueued email: %d rows, was %d", len(after), len(before))
	}
	if out := c.ok("filing", "show", "BA-2026-000123", "--json"); !strings.Contains(out, `"stage": "returned"`) {
		t.Fatal("inspect changed the filing")
	}
	if out := c.ok("inbox", "list", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("inspect recorded messages: %s", out)
	}
}

// TestInboxPollListLink: poll the in-memory server, list what came in,
// and let staff link the message that matched nothing.
func TestInboxPollListLink(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			c := inboxDesk(t, d)
			srv := inboxtest.NewMemory(t, inboxtest.MemOptions{})
			cfgPath := filepath.Join(t.TempDir(), "icpdesk.toml")
			cfg := fmt.Sprintf("[imap]\nhost = %q\nport = %d\nsecurity = \"none\"\nusername = %q\nmailbox = %q\nprocessed_mailbox = %q\n",
				srv.Host(), srv.Port(), srv.User, srv.Mailbox, srv.Processed)
			if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			c.env["ICPDESK_CONFIG"] = cfgPath
			if r := c.run("", "inbox", "poll"); r.code != 1 || !strings.Contains(r.stderr, "ICPDESK_IMAP_PASSWORD") {
				t.Fatalf("poll without a password: %+v", r)
			}
			c.env["ICPDESK_IMAP_PASSWORD"] = srv.Pass
			srv.Append(t, mailtest.Mail{From: "zhangsan@example.cn", Subject: "[ICP#BA-2026-000123] 已修改", MessageID: "p1@example.com"}.Bytes(), time.Time{})
			srv.Append(t, mailtest.Mail{From: "zhangsan@example.cn", Subject: "一个问题", MessageID: "p2@example.com", Body: []byte("已修改，请审核")}.Bytes(), time.Time{})
			srv.Append(t, mailtest.Mail{From: "wangwu@example.com", Subject: "hello", MessageID: "p3@example.com", Body: []byte("已修改")}.Bytes(), time.Time{})
			out := c.ok("inbox", "poll")
			if !strings.Contains(out, "3 waiting, 3 recorded, 0 already recorded, 3 moved") || !strings.Contains(out, "resubmission") {
				t.Fatalf("poll: %s", out)
			}
			// p2 is from zhangsan, whose only open filing was just resubmitted:
			// correspondence. p3 is from wangwu, who has one open filing: linked too.
			var rows []store.InboundMessage
			if err := json.Unmarshal([]byte(c.ok("inbox", "list", "--json")), &rows); err != nil {
				t.Fatal(err)
			}
			if len(rows) != 3 {
				t.Fatalf("%d rows", len(rows))
			}
			srv.Append(t, mailtest.Mail{From: "stranger@example.com", Subject: "请帮忙", MessageID: "p4@example.com", Body: []byte("网站已修改")}.Bytes(), time.Time{})
			c.ok("inbox", "poll")
			un := c.ok("inbox", "list", "--unlinked")
			if !strings.Contains(un, "stranger@example.com") || strings.Contains(un, "zhangsan") {
				t.Fatalf("unlinked:\n%s", un)
			}
			out = c.ok("inbox", "link", "<p4@example.com>", "ba-2026-000123")
			if !strings.Contains(out, "linked to BA-2026-000123: unverified") {
				t.Fatalf("link: %s", out)
			}
			if r := c.run("", "inbox", "link", "p1@example.com", "BA-2026-000124"); r.code != 1 || !strings.Contains(r.stderr, "cannot be linked") {
				t.Fatalf("relinking a resubmission: %+v", r)
			}
			if r := c.run("", "inbox", "link", "p4@example.com", "not a ref"); r.code != 2 {
				t.Fatalf("bad reference: %+v", r)
			}
			var unverified int
			for _, r := range c.outboxRows() {
				if r.Kind == "unverified_sender" {
					unverified++
					if r.Recipient != "zhangsan@example.cn" {
						t.Errorf("unverified_sender to %s", r.Recipient)
					}
				}
			}
			if unverified != 1 {
				t.Fatalf("%d unverified_sender emails", unverified)
			}
			if un := c.ok("inbox", "list", "--unlinked", "--json"); strings.TrimSpace(un) != "[]" {
				t.Fatalf("still unlinked: %s", un)
			}
		})
	}
}

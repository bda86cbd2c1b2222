package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// cli runs icpdesk in process against one database.
type cli struct {
	t   *testing.T
	db  string
	env map[string]string
}

type result struct {
	code           int
	stdout, stderr string
}

func newCLI(t *testing.T, d store.Dialect) *cli {
	return &cli{t: t, db: storetest.URL(t, d), env: map[string]string{
		"ICPDESK_ID_SECRET": "cli-test-secret-0123456789",
		"ICPDESK_STAFF":     "tester",
	}}
}

func (c *cli) run(stdin string, args ...string) result {
	c.t.Helper()
	var out, errb bytes.Buffer
	args = append([]string{"--db", c.db}, args...)
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb, func(k string) string { return c.env[k] })
	return result{code, out.String(), errb.String()}
}

// ok runs a command that must succeed.
func (c *cli) ok(args ...string) string {
	c.t.Helper()
	r := c.run("", args...)
	if r.code != 0 {
		c.t.Fatalf("icpdesk %s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

func example(name string) string { return filepath.Join("..", "..", "examples", name) }

// TestStaffFlow is the Foundation issue's "Done when" flow on both dialects.
func TestStaffFlow(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			c := newCLI(t, d)
			if r := c.run("", "filing", "list"); r.code != 1 || !strings.Contains(r.stderr, "icpdesk migrate") {
				t.Fatalf("a command on an empty database should ask for migrate: %+v", r)
			}
			if out := c.ok("migrate"); !strings.Contains(out, "schema 0 → "+strconv.Itoa(store.LatestSchema(d))) {
				t.Fatalf("migrate: %s", out)
			}
			c.ok("account", "add", "--email", "zhangsan@example.cn", "--name", "张三")
			c.ok("account", "approve", "zhangsan@example.cn")
			c.ok("filing", "import", example("enterprise.json"))
			c.ok("filing", "submit", "BA-2026-000123", "--at", "2026-11-01T10:00:00+08:00")
			c.ok("filing", "to-bureau", "BA-2026-000123", "--at", "2026-11-02T10:00:00+08:00")
			out := c.ok("filing", "return", "BA-2026-000123", "--by", "bureau", "--reason", "网站名称与内容不符", "--at", "2026-11-03T23:50:00+08:00")
			if !strings.Contains(out, "2026-11-10 23:59:59 CST") {
				t.Fatalf("return did not print the deadline: %s", out)
			}

			var show struct {
				Stage         string     `json:"stage"`
				Deadline      *time.Time `json:"deadline"`
				DeadlineLocal string     `json:"deadline_local"`
				Materials     []struct{ Key string }
				Events        []struct{ Action string }
			}
			if err := json.Unmarshal([]byte(c.ok("filing", "show", "BA-2026-000123", "--json")), &show); err != nil {
				t.Fatal(err)
			}
			want := time.Date(2026, 11, 10, 23, 59, 59, 0, time.FixedZone("CST", 8*3600))
			if show.Stage != "returned" || show.Deadline == nil || !show.Deadline.Equal(want) || show.DeadlineLocal != "2026-11-10 23:59:59 CST" {
				t.Fatalf("show: stage %s deadline %v (%s)", show.Stage, show.Deadline, show.DeadlineLocal)
			}
			if len(show.Events) != 4 || len(show.Materials) != 7 {
				t.Fatalf("show: %d events, %d checklist items", len(show.Events), len(show.Materials))
			}

			var rows []store.OutboxRow
			if err := json.Unmarshal([]byte(c.ok("outbox", "list", "--json")), &rows); err != nil {
				t.Fatal(err)
			}
			wantKeys := map[string]string{
				"account_approved":      "account_approved:zhangsan@example.cn:",
				"filing_submitted":      "filing_submitted:BA-2026-000123:v2",
				"filing_sent_to_bureau": "filing_sent_to_bureau:BA-2026-000123:v3",
				"filing_returned":       "filing_returned:BA-2026-000123:v4",
			}
			if len(rows) != len(wantKeys) {
				t.Fatalf("outbox has %d rows, want %d: %+v", len(rows), len(wantKeys), rows)
			}
			for _, r := range rows {
				if r.Status != "queued" || !strings.HasPrefix(r.DedupKey, wantKeys[r.Kind]) || wantKeys[r.Kind] == "" {
					t.Errorf("outbox row %s: status %s dedup key %q", r.Kind, r.Status, r.DedupKey)
				}
			}
			if out := c.ok("filing", "list", "--stage", "returned"); !strings.Contains(out, "BA-2026-000123") {
				t.Fatalf("filing list --stage returned: %s", out)
			}
		})
	}
}

func TestIllegalTransitionExitsOneAndChangesNothing(t *testing.T) {
	c := newCLI(t, store.SQLite)
	c.ok("migrate")
	c.ok("account", "add", "--email", "wangwu@example.com", "--name", "王五", "--customer", "--lang", "en")
	c.ok("filing", "import", example("individual.json"))
	before := c.ok("filing", "show", "BA-2026-000124", "--json")
	r := c.run("", "filing", "approve", "BA-2026-000124", "--icp-number", "浙ICP备12345678号-1")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1", r.code)
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "draft") || !strings.Contains(lines[0], "approved") {
		t.Fatalf("want one line naming both stages, got %q", r.stderr)
	}
	if after := c.ok("filing", "show", "BA-2026-000124", "--json"); after != before {
		t.Fatalf("filing changed:\n%s\n%s", before, after)
	}
}

func TestImportReportsEveryBrokenRuleAndStoresNothing(t *testing.T) {
	c := newCLI(t, store.SQLite)
	c.ok("migrate")
	c.ok("account", "add", "--email", "zhangsan@example.cn", "--name", "张三", "--customer")
	c.ok("account", "add", "--email", "wangwu@example.com", "--name", "王五", "--customer")

	var ent map[string]any
	data, _ := os.ReadFile(example("enterprise.json"))
	if err := json.Unmarshal(data, &ent); err != nil {
		t.Fatal(err)
	}
	subject := ent["subject"].(map[string]any)
	subject["responsible"] = map[string]any{"name": "李四", "id_number": "33010219900715456X", "phone": "13900139000"}
	ent["website"].(map[string]any)["domains"].([]any)[0].(map[string]any)["registrant"] = "别的公司"
	bad, _ := json.Marshal(ent)

	var ind map[string]any
	data, _ = os.ReadFile(example("individual.json"))
	if err := json.Unmarshal(data, &ind); err != nil {
		t.Fatal(err)
	}
	ind["website"].(map[string]any)["responsible"] = map[string]any{"name": "赵六", "id_number": "510107198802203456", "phone": "13600136000"}
	badInd, _ := json.Marshal(ind)

	for _, tc := range []struct {
		doc   []byte
		rules []string
	}{
		{bad, []string{filing.RuleEnterpriseResponsibleIsLegal, filing.RuleRegistrantMatchesSubject}},
		{badInd, []string{filing.RuleIndividualSameResponsible}},
	} {
		r := c.run(string(tc.doc), "filing", "import", "-")
		if r.code != 1 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		for _, rule := range tc.rules {
			if !strings.Contains(r.stderr, rule) {
				t.Errorf("rule %s not reported:\n%s", rule, r.stderr)
			}
		}
		if n := strings.Count(strings.TrimSpace(r.stderr), "\n") + 1; n != len(tc.rules) {
			t.Errorf("%d lines for %d broken rules:\n%s", n, len(tc.rules), r.stderr)
		}
	}
	if out := c.ok("filing", "list", "--json"); !strings.Contains(out, `"filings": []`) {
		t.Fatalf("something was stored: %s", out)
	}
}

func TestApprovePasswordFromStdinIsNeverPrinted(t *testing.T) {
	c := newCLI(t, store.SQLite)
	c.ok("migrate")
	c.ok("account", "add", "--email", "wangwu@example.com", "--name", "王五", "--customer")
	c.ok("filing", "import", example("individual.json"))
	c.ok("filing", "submit", "BA-2026-000124")
	c.ok("filing", "to-bureau", "BA-2026-000124")
	r := c.run("Sekr1t-pw\n", "filing", "approve", "BA-2026-000124", "--icp-number", "粤ICP备2026000001号-1", "--password-stdin")
	if r.code != 0 {
		t.Fatalf("approve: %s", r.stderr)
	}
	show := c.ok("filing", "show", "BA-2026-000124", "--json")
	outbox := c.ok("outbox", "list", "--json")
	for _, s := range []string{r.stdout, r.stderr, show, outbox} {
		if strings.Contains(s, "Sekr1t") {
			t.Fatalf("the password was printed: %s", s)
		}
	}
	if !strings.Contains(show, "粤ICP备2026000001号-1") || !strings.Contains(show, `"stage": "approved"`) {
		t.Fatalf("approval not recorded: %s", show)
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	c := newCLI(t, store.SQLite)
	c.ok("migrate")
	for _, args := range [][]string{
		{"no-such-command"},
		{"filing", "show"},
		{"filing", "show", "A", "B"},
		{"filing", "list", "--stage", "nonsense"},
		{"filing", "return", "BA-2026-000001", "--by", "bureau"},
		{"filing", "return", "BA-2026-000001", "--reason", "x", "--by", "someone"},
		{"filing", "submit", "BA-2026-000001", "--at", "yesterday"},
		{"account", "add", "--email", "x@example.cn"},
		{"outbox", "list", "--status", "lost"},
		{"filing", "list", "--no-such-flag"},
	} {
		r := c.run("", args...)
		if r.code != 2 || r.stderr == "" || strings.Contains(r.stderr, "goroutine") {
			t.Errorf("icpdesk %s: exit %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
		}
	}
	if r := c.run("", "filing", "show", "BA-2099-000001"); r.code != 1 || !strings.Contains(r.stderr, "not found") {
		t.Errorf("unknown filing: %+v", r)
	}
	if r := c.run("", "account", "approve", "nobody@example.cn"); r.code != 1 || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("unknown account: %+v", r)
	}
}

func TestImportNeedsIDSecret(t *testing.T) {
	c := newCLI(t, store.SQLite)
	delete(c.env, "ICPDESK_ID_SECRET")
	c.ok("migrate")
	c.ok("account", "add", "--email", "wangwu@example.com", "--name", "王五", "--customer")
	r := c.run("", "filing", "import", example("individual.json"))
	if r.code != 1 || !strings.Contains(r.stderr, "ICPDESK_ID_SECRET") {
		t.Fatalf("%+v", r)
	}
}

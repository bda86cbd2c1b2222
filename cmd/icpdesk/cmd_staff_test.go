package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// filingJSON is `filing show --json` as far as these tests read it.
type filingJSON struct {
	Filing struct {
		Stage       string     `json:"stage"`
		Deadline    *time.Time `json:"deadline"`
		Late        bool       `json:"late"`
		CloseReason string     `json:"close_reason"`
	}
	Events []struct {
		Action    string `json:"action"`
		ActorName string `json:"actor_name"`
	} `json:"events"`
}

func (c *cli) filing(ref string) filingJSON {
	c.t.Helper()
	var f filingJSON
	out := c.ok("filing", "show", ref, "--json")
	if err := json.Unmarshal([]byte(out), &f.Filing); err != nil {
		c.t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(out), &f); err != nil {
		c.t.Fatal(err)
	}
	return f
}

func (f filingJSON) did(action, by string) bool {
	for _, e := range f.Events {
		if e.Action == action && e.ActorName == by {
			return true
		}
	}
	return false
}

// TestStaffFilingActions: every staff decision off the happy path works from
// the command line on both databases, is on the filing's timeline with who
// did it, and a refusal changes nothing and says why in one line.
func TestStaffFilingActions(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			c := inboxDesk(t, d) // 000123 returned yesterday, 000124 ten days ago (past its deadline)
			const onTime, late = "BA-2026-000123", "BA-2026-000124"

			// Refused: nothing to accept, nothing to undo, no deadline given.
			before := c.ok("filing", "show", onTime, "--json")
			for _, args := range [][]string{
				{"filing", "accept-late", onTime},
				{"filing", "undo-resubmission", onTime, "--reason", "x"},
				{"filing", "decline-late", onTime, "--reason", "x"},
			} {
				if r := c.run("", append(args, "--as", "wangfang")...); r.code != 1 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
					t.Errorf("%v: %+v, want one line and exit 1", args, r)
				}
			}
			if r := c.run("", "filing", "extend", onTime); r.code != 2 {
				t.Errorf("extend without a deadline: %+v", r)
			}
			if after := c.ok("filing", "show", onTime, "--json"); after != before {
				t.Fatal("a refused action changed the filing")
			}

			out := c.ok("filing", "extend", onTime, "--days", "3", "--reason", "营业执照补办中", "--as", "wangfang")
			if !strings.Contains(out, "resubmission deadline") || !strings.Contains(out, "email(s) queued") {
				t.Fatalf("extend: %s", out)
			}
			if f := c.filing(onTime); !f.did("extend", "wangfang") {
				t.Fatalf("extend not on the timeline: %+v", f.Events)
			}

			c.ok("filing", "resubmit", late)
			if f := c.filing(late); !f.Filing.Late {
				t.Fatalf("late resubmission not marked late: %+v", f.Filing)
			}
			c.ok("filing", "accept-late", late, "--as", "wangfang")
			if f := c.filing(late); f.Filing.Late || !f.did("accept_late", "wangfang") {
				t.Fatalf("accept-late: %+v", f)
			}
			c.ok("filing", "undo-resubmission", late, "--reason", "误读了来信", "--days", "5", "--as", "wangfang")
			if f := c.filing(late); f.Filing.Stage != "returned" || f.Filing.Deadline == nil || !f.did("undo_resubmission", "wangfang") {
				t.Fatalf("undo: %+v", f)
			}
			c.ok("filing", "withdraw", onTime, "--reason", "申请人放弃", "--as", "wangfang")
			if f := c.filing(onTime); f.Filing.Stage != "closed" || f.Filing.CloseReason != "withdrawn" || !f.did("withdraw", "wangfang") {
				t.Fatalf("withdraw: %+v", f)
			}
			if r := c.run("", "filing", "withdraw", onTime, "--reason", "again"); r.code != 1 || !strings.Contains(r.stderr, "closed") {
				t.Fatalf("withdrawing twice: %+v", r)
			}

			// decline-late on a fresh late resubmission.
			c.ok("filing", "resubmit", late, "--at", time.Now().Add(-time.Minute).Format(time.RFC3339))
			if f := c.filing(late); f.Filing.Late {
				// The undo gave it five more days: an on-time resubmission.
				if r := c.run("", "filing", "decline-late", late, "--reason", "逾期"); r.code != 1 {
					t.Fatalf("declining an on-time resubmission: %+v", r)
				}
			}

			// update: corrected data, the changes printed and audited.
			var in map[string]any
			data, err := os.ReadFile(example("individual.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &in); err != nil {
				t.Fatal(err)
			}
			in["website"].(map[string]any)["name"] = "王五的新博客"
			b, _ := json.Marshal(in)
			path := filepath.Join(t.TempDir(), "update.json")
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			out = c.ok("filing", "update", path, "--as", "wangfang")
			if !strings.Contains(out, "website.name") || !strings.Contains(out, "王五的新博客") {
				t.Fatalf("update: %s", out)
			}
			if f := c.filing(late); !f.did("filing_updated", "wangfang") {
				t.Fatalf("update not on the timeline: %+v", f.Events)
			}
		})
	}
}

// TestJobsRunInTheFutureIsADryRun: `jobs run deadline-sweep --now <future>`
// shows what it would flag and send and changes nothing; --apply acts.
func TestJobsRunInTheFutureIsADryRun(t *testing.T) {
	c := inboxDesk(t, store.SQLite)
	future := time.Now().Add(30 * 24 * time.Hour).Format(time.RFC3339)
	before := c.ok("outbox", "list", "--json")
	out := c.ok("jobs", "run", "deadline-sweep", "--now", future)
	if !strings.Contains(out, "dry run") || !strings.Contains(out, "deadline_passed") || !strings.Contains(out, "BA-2026-000123") {
		t.Fatalf("dry run said:\n%s", out)
	}
	if after := c.ok("outbox", "list", "--json"); after != before {
		t.Fatal("the dry run queued emails")
	}
	if f := c.filing("BA-2026-000123"); f.did("flag_overdue", "deadline-sweep") {
		t.Fatal("the dry run flagged a filing")
	}
	if r := c.run("", "jobs", "run", "deadline-sweep", "--apply"); r.code != 2 {
		t.Fatalf("--apply without a future --now: %+v", r)
	}
	c.ok("jobs", "run", "deadline-sweep", "--now", future, "--apply")
	if f := c.filing("BA-2026-000123"); !f.did("flag_overdue", "deadline-sweep") {
		t.Fatal("--apply did not flag the filing")
	}
}

// TestQueueAndMessages: a question from the holder is a reply_needed item;
// queue list shows it with its age, inbox show prints its text, inbox reply
// queues a threaded answer and closes the item.
func TestQueueAndMessages(t *testing.T) {
	c := inboxDesk(t, store.SQLite)
	ctx := context.Background()
	s, err := store.Open(ctx, c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var id int64
	err = s.InTx(ctx, func(tx *store.Tx) error {
		d, err := tx.FilingByRef(ctx, "BA-2026-000123")
		if err != nil {
			return err
		}
		res, err := tx.ApplyInbound(ctx, []store.InboundPlan{{
			Message: store.InboundMessage{Mailbox: "INBOX", UIDValidity: 1, UID: 1, MessageID: "q@mail.example.cn", Sender: "zhangsan@example.cn",
				Subject: "回复：[ICP#BA-2026-000123] 管局退回备案", ReceivedAt: time.Now().Add(-49 * time.Hour), Classification: "human",
				Decision: "correspondence", FilingID: &d.ID, NeedsReply: true, BodyText: "还没改好，请问能否延期？", OwnText: "还没改好，请问能否延期？"},
			Items: []store.NewWorkItem{{Kind: "reply_needed", FilingID: d.ID, At: time.Now().Add(-49 * time.Hour),
				Details: map[string]any{"asks": "请问能否延期？"}}},
		}})
		if err == nil {
			id = res[0].ID
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	list := c.ok("queue", "list")
	if !strings.Contains(list, "reply_needed") || !strings.Contains(list, "2d") || !strings.Contains(list, "能否延期") {
		t.Fatalf("queue list:\n%s", list)
	}
	if needs := c.ok("inbox", "list", "--needs-reply"); !strings.Contains(needs, "q@") && !strings.Contains(needs, "zhangsan") {
		t.Fatalf("inbox list --needs-reply:\n%s", needs)
	}
	show := c.ok("inbox", "show", "q@mail.example.cn")
	if !strings.Contains(show, "还没改好，请问能否延期？") || !strings.Contains(show, "reply_needed, open") {
		t.Fatalf("inbox show:\n%s", show)
	}
	if r := c.run("", "inbox", "reply", "q@mail.example.cn"); r.code != 2 {
		t.Fatalf("reply without text: %+v", r)
	}
	out := c.run("可以延期到下周五，请在此之前重新提交。\n", "inbox", "reply", "q@mail.example.cn", "--text-file", "-", "--as", "wangfang")
	if out.code != 0 || !strings.Contains(out.stdout, "zhangsan@example.cn") {
		t.Fatalf("reply: %+v", out)
	}
	if list := c.ok("queue", "list"); strings.Contains(list, "reply_needed") {
		t.Fatalf("the reply left the item open:\n%s", list)
	}
	rows := c.outboxRows()
	found := false
	for _, r := range rows {
		found = found || r.Kind == "staff_reply" && r.InboundID == id && r.Recipient == "zhangsan@example.cn"
	}
	if !found {
		t.Fatalf("no staff_reply in %+v", rows)
	}
}

package main

import (
	"encoding/json"
	"strings"
	"testing"

	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// TestStaffMembers: `staff add` prints a one-time link (emailed only with
// public_url), `staff list` shows who may sign in, `disable`, `enable` and
// `reset-password` change it; mistakes are usage errors.
func TestStaffMembers(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			c := newCLI(t, d)
			c.ok("migrate")
			out := c.ok("staff", "add", "--email", "WangFang@example.cn", "--name", "王芳", "--role", "admin")
			if !strings.Contains(out, "/set-password?token=") || !strings.Contains(out, "not emailed") {
				t.Errorf("staff add:\n%s", out)
			}
			c.ok("staff", "add", "--email", "lisi@example.cn", "--name", "李四")
			if r := c.run("", "staff", "add", "--email", "lisi@example.cn", "--name", "李四"); r.code != 1 || !strings.Contains(r.stderr, "already exists") {
				t.Errorf("adding twice: %d %s", r.code, r.stderr)
			}
			if r := c.run("", "staff", "add", "--email", "x@example.cn", "--name", "x", "--role", "boss"); r.code != 2 {
				t.Errorf("a bad role: %d %s", r.code, r.stderr)
			}
			var list []store.StaffUser
			if err := json.Unmarshal([]byte(c.ok("staff", "list", "--json")), &list); err != nil || len(list) != 2 {
				t.Fatalf("staff list --json: %v %v", list, err)
			}
			if list[1].Email != "wangfang@example.cn" || list[1].Role != store.RoleAdmin || list[0].Role != store.RoleStaff {
				t.Errorf("list: %+v", list)
			}
			if out := c.ok("staff", "list"); !strings.Contains(out, "no password yet") {
				t.Errorf("staff list:\n%s", out)
			}
			c.ok("staff", "disable", "lisi@example.cn")
			if out := c.ok("staff", "list"); !strings.Contains(out, "disabled") {
				t.Errorf("after disable:\n%s", out)
			}
			if r := c.run("", "staff", "reset-password", "lisi@example.cn"); r.code != 1 || !strings.Contains(r.stderr, "disabled") {
				t.Errorf("reset of a disabled member: %d %s", r.code, r.stderr)
			}
			c.ok("staff", "enable", "lisi@example.cn")
			if out := c.ok("staff", "reset-password", "lisi@example.cn"); !strings.Contains(out, "/set-password?token=") {
				t.Errorf("reset-password:\n%s", out)
			}
			if r := c.run("", "staff", "disable", "nobody@example.cn"); r.code != 1 {
				t.Errorf("disable of nobody: %d", r.code)
			}
		})
	}
}

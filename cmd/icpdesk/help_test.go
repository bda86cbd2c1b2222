package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// icpdesk runs the command line in process with an empty environment.
func icpdesk(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errb, func(string) string { return "" })
	return result{code, out.String(), errb.String()}
}

// TestGroupHelpListsSubcommands: `icpdesk GROUP -h` prints, once, every
// subcommand of the group with its summary; `icpdesk -h` every group and
// top-level command.
func TestGroupHelpListsSubcommands(t *testing.T) {
	root := (&app{}).rootCommand()
	groups := map[string]bool{}
	for _, name := range []string{"account", "filing", "inbox", "outbox", "jobs", "digest", "mail", "completion"} {
		groups[name] = true
	}
	for _, g := range root.Commands() {
		if !groups[g.Name()] {
			continue
		}
		delete(groups, g.Name())
		t.Run(g.Name(), func(t *testing.T) {
			r := icpdesk(t, g.Name(), "-h")
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			if n := strings.Count(r.stdout, "Usage:"); n != 1 {
				t.Errorf("usage printed %d times:\n%s", n, r.stdout)
			}
			if len(g.Commands()) == 0 {
				t.Fatal("no subcommands")
			}
			for _, sub := range g.Commands() {
				if line := "  " + sub.Name() + " "; !strings.Contains(r.stdout, line) || !strings.Contains(r.stdout, sub.Short) {
					t.Errorf("%s is not listed with its summary %q:\n%s", sub.Name(), sub.Short, r.stdout)
				}
			}
			if help := icpdesk(t, "help", g.Name()); help.code != 0 || help.stdout != r.stdout {
				t.Errorf("`icpdesk help %s` differs from `icpdesk %s -h`:\n%s", g.Name(), g.Name(), help.stdout)
			}
			// Alone, a group prints the same help, on stderr, and exits 2.
			if alone := icpdesk(t, g.Name()); alone.code != 2 || alone.stdout != "" || alone.stderr != r.stdout {
				t.Errorf("`icpdesk %s` alone: exit %d, stdout %q, stderr:\n%s", g.Name(), alone.code, alone.stdout, alone.stderr)
			}
		})
	}
	if len(groups) > 0 {
		t.Fatalf("groups missing from the tree: %v", groups)
	}

	r := icpdesk(t, "-h")
	if r.code != 0 || strings.Count(r.stdout, "Usage:") != 1 {
		t.Fatalf("icpdesk -h: exit %d\n%s", r.code, r.stdout)
	}
	for _, c := range root.Commands() {
		if c.IsAvailableCommand() && !strings.Contains(r.stdout, "  "+c.Name()+" ") {
			t.Errorf("icpdesk -h does not list %s:\n%s", c.Name(), r.stdout)
		}
	}
	for _, flag := range []string{"--config FILE", "--db URL", "--version"} {
		if !strings.Contains(r.stdout, flag) {
			t.Errorf("icpdesk -h does not show %s", flag)
		}
	}
	if leaf := icpdesk(t, "filing", "return", "--help"); leaf.code != 0 || strings.Count(leaf.stdout, "Usage:") != 1 ||
		!strings.Contains(leaf.stdout, "icpdesk filing return REF --reason TEXT --by provider|bureau") || !strings.Contains(leaf.stdout, "--at TIME") {
		t.Errorf("filing return --help: exit %d\n%s", leaf.code, leaf.stdout)
	}
}

// TestCommandLineMistakes: a mistake prints what is wrong and one hint, never
// the usage, and exits 2.
func TestCommandLineMistakes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		cmd  string // the command named on both lines
		want string
	}{
		{[]string{"filing", "list", "--no-such-flag"}, "filing list", "unknown flag: --no-such-flag"},
		{[]string{"account", "list", "-x"}, "account list", "unknown shorthand flag: 'x' in -x"},
		{[]string{"--no-such-flag", "account", "list"}, "", "unknown flag: --no-such-flag"},
		{[]string{"filing", "show"}, "filing show", "missing argument REF"},
		{[]string{"filing", "show", "A", "B"}, "filing show", `unexpected argument "B"`},
		{[]string{"inbox", "link", "1"}, "inbox link", "missing argument FILING-REF"},
		{[]string{"migrate", "now"}, "migrate", `unexpected argument "now"`},
		{[]string{"filing", "list", "--stage"}, "filing list", "flag needs an argument: --stage"},
		{[]string{"inbox", "list", "--limit", "many"}, "inbox list", `invalid argument "many" for "--limit"`},
		{[]string{"no-such-command"}, "", `unknown command "no-such-command"`},
		{[]string{"fil"}, "", `unknown command "fil"; did you mean "filing"?`},
		{[]string{"account", "frob"}, "account", `unknown command "frob"`},
		{[]string{"completion", "tcsh"}, "completion", `unknown command "tcsh"`},
		{[]string{"help", "filing", "nosuch"}, "help", `unknown command "filing nosuch"`},
		{[]string{"account", "add", "--email", "x@example.cn"}, "account add", "--email and --name are required"},
	} {
		r := icpdesk(t, tc.args...)
		path := strings.TrimSpace("icpdesk " + tc.cmd)
		want := path + ": " + tc.want
		lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
		if r.code != 2 || r.stdout != "" || len(lines) != 2 || !strings.HasPrefix(lines[0], want) ||
			lines[1] != "Run '"+path+" --help' for usage." {
			t.Errorf("icpdesk %s: exit %d, stdout %q, stderr:\n%s\nwant exit 2 and\n%s…\nRun '%s --help' for usage.",
				strings.Join(tc.args, " "), r.code, r.stdout, r.stderr, want, path)
		}
	}
	// Bare icpdesk is the overview, on stderr: a mistake too.
	if r := icpdesk(t); r.code != 2 || r.stdout != "" || strings.Count(r.stderr, "Usage:") != 1 {
		t.Errorf("icpdesk alone: %+v", r)
	}
}

// TestFailureHasNoUsage: an error at run time is one line per problem,
// without the usage.
func TestFailureHasNoUsage(t *testing.T) {
	c := newCLI(t, store.SQLite)
	c.ok("migrate")
	r := c.run("", "filing", "show", "BA-2099-000001")
	if r.code != 1 || strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "icpdesk filing show: ") ||
		strings.Contains(r.stderr, "Usage") || strings.Contains(r.stderr, "--help") {
		t.Fatalf("%+v", r)
	}
}

// TestFlagsAnywhere: global flags before or after the command, flags before
// or after the positional arguments.
func TestFlagsAnywhere(t *testing.T) {
	db := storetest.URL(t, store.SQLite)
	env := map[string]string{"ICPDESK_STAFF": "tester"}
	runEnv := func(args ...string) result {
		t.Helper()
		var out, errb bytes.Buffer
		code := run(context.Background(), args, strings.NewReader(""), &out, &errb, func(k string) string { return env[k] })
		return result{code, out.String(), errb.String()}
	}
	for _, args := range [][]string{
		{"--db", db, "migrate"},
		{"account", "add", "--db", db, "--email", "zhangsan@example.cn", "--name", "张三"},
		{"account", "approve", "zhangsan@example.cn", "--db=" + db},
		{"account", "add", "--customer", "--db", db, "--name", "王五", "--email", "wangwu@example.com", "--lang", "en"},
		{"account", "list", "--db", db, "--json"},
	} {
		if r := runEnv(args...); r.code != 0 {
			t.Fatalf("icpdesk %s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
		}
	}
	var accts []struct{ Email, Status string }
	r := runEnv("--json", "account", "list", "--db", db)
	if r.code == 0 {
		t.Fatalf("--json before the command it belongs to was accepted")
	}
	r = runEnv("account", "--db", db, "list", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &accts); err != nil || len(accts) != 2 {
		t.Fatalf("account --db … list --json: %v %+v\n%s", err, accts, r.stderr)
	}
	for _, a := range accts {
		if a.Status != "approved" {
			t.Errorf("%s is %s", a.Email, a.Status)
		}
	}

	// --config after the command is read: its error names the file.
	bad := filepath.Join(t.TempDir(), "bad.toml")
	if err := os.WriteFile(bad, []byte("[log]\nlevel = \"loud\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := runEnv("account", "list", "--config", bad); r.code != 1 || !strings.Contains(r.stderr, bad+": log.level") {
		t.Fatalf("--config after the command: %+v", r)
	}
}

package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "icpdesk.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultsAreValid(t *testing.T) {
	cfg, err := Load("", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Policy()
	if p.Location.String() != "Asia/Shanghai" || p.ResubmitDays != 7 || !reflect.DeepEqual(p.ReminderOffsets, []time.Duration{72 * time.Hour, 24 * time.Hour}) {
		t.Fatalf("default policy %+v", p)
	}
}

// TestExampleDocumentsEveryKey keeps config.example.toml complete and valid:
// it must load, and every key of the Config struct must appear in it.
func TestExampleDocumentsEveryKey(t *testing.T) {
	path := filepath.Join("..", "config.example.toml")
	if _, err := Load(path, env(nil)); err != nil {
		t.Fatalf("config.example.toml does not load: %v", err)
	}
	var raw map[string]any
	if _, err := toml.DecodeFile(path, &raw); err != nil {
		t.Fatal(err)
	}
	var missing []string
	var walk func(prefix string, typ reflect.Type, doc map[string]any)
	walk = func(prefix string, typ reflect.Type, doc map[string]any) {
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			key := f.Tag.Get("toml")
			if key == "" || key == "-" {
				continue
			}
			v, ok := doc[key]
			if !ok {
				missing = append(missing, prefix+key)
				continue
			}
			if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(Duration{}) {
				sub, _ := v.(map[string]any)
				walk(prefix+key+".", f.Type, sub)
			}
		}
	}
	walk("", reflect.TypeOf(Config{}), raw)
	if len(missing) > 0 {
		t.Fatalf("config.example.toml lacks keys: %v", missing)
	}
}

func TestEveryErrorReportedAtOnce(t *testing.T) {
	p := write(t, `
[desk]
address = "not an address"
timezone = "Mars/Olympus"
resubmit_days = 0
typo_key = 1

[smtp]
host = "smtp.example.cn"
security = "none"

timeout = "30"
port = "25"
typo_key = 2

[smtp.dkim]
domain = 3

[imap]
processed_mailbox = "INBOX"

[jobs]
digest = "0 0 30 2 *"
reminders = "every hour"

[log]
level = "loud"

[nosuch]
key = 1
`)
	_, err := Load(p, env(map[string]string{EnvIDSecret: "tiny-xyzzy"}))
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("want *config.Error, got %v", err)
	}
	msg := err.Error()
	wants := []string{"desk.address", "desk.timezone", "desk.resubmit_days", "unknown key desk.typo_key",
		"smtp.security", `smtp.timeout: duration "30" needs a unit`, "smtp.port: incompatible types", "unknown key smtp.typo_key",
		"smtp.dkim.domain", "imap.processed_mailbox", `jobs.digest: schedule "0 0 30 2 *" never fires`,
		`jobs.reminders: schedule "every hour"`, "log.level", "unknown key nosuch", EnvIDSecret}
	for _, want := range wants {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not mention %s:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "xyzzy") {
		t.Error("the error message prints the secret's value")
	}
}

func TestBareIntegerDurationRefused(t *testing.T) {
	// TOML decoders read 90 as 90ns; a unit is required.
	p := write(t, "[smtp]\ntimeout = 90\n")
	if _, err := Load(p, env(nil)); err == nil {
		t.Fatal("timeout = 90 accepted")
	}
	p = write(t, "[smtp]\ntimeout = \"90\"\n")
	if _, err := Load(p, env(nil)); err == nil || !strings.Contains(err.Error(), "unit") {
		t.Fatalf("timeout = \"90\": %v", err)
	}
	p = write(t, "[smtp]\ntimeout = \"90s\"\n[imap]\nmax_message_size = \"10MB\"\n")
	cfg, err := Load(p, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SMTP.Timeout.Duration != 90*time.Second || cfg.IMAP.MaxMessageSize != 10<<20 {
		t.Fatalf("parsed %v and %d", cfg.SMTP.Timeout, cfg.IMAP.MaxMessageSize)
	}
}

func TestListsReplaceDefaults(t *testing.T) {
	p := write(t, "[desk]\nstaff = [\"a@example.cn\", \"b@example.cn\"]\n")
	cfg, err := Load(p, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg.Desk.Staff, []string{"a@example.cn", "b@example.cn"}) {
		t.Fatalf("staff %v", cfg.Desk.Staff)
	}
	if len(cfg.Desk.ReminderOffsets) != 2 {
		t.Fatalf("reminder offsets lost their default: %v", cfg.Desk.ReminderOffsets)
	}
}

func TestPlaintextOnlyToLoopback(t *testing.T) {
	p := write(t, "[smtp]\nhost = \"127.0.0.1\"\nsecurity = \"none\"\n[imap]\nhost = \"localhost\"\nsecurity = \"none\"\n")
	if _, err := Load(p, env(nil)); err != nil {
		t.Fatalf("plaintext to loopback refused: %v", err)
	}
}

func TestSecretsFromEnvAndFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "smtp")
	if err := os.WriteFile(file, []byte("s3cret-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load("", env(map[string]string{
		EnvIDSecret:               "0123456789abcdef0123",
		EnvSMTPPassword + "_FILE": file,
		EnvDatabaseURL:            "sqlite:///tmp/x.db",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Secrets.SMTPPassword.Reveal() != "s3cret-from-file" || cfg.Database.URL != "sqlite:///tmp/x.db" {
		t.Fatalf("secrets %q url %q", cfg.Secrets.SMTPPassword.Reveal(), cfg.Database.URL)
	}
	if _, err := cfg.Fingerprinter(); err != nil {
		t.Fatal(err)
	}
	// However the config is printed, the secrets stay hidden.
	js, _ := json.Marshal(cfg)
	for _, out := range []string{fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), string(js)} {
		if strings.Contains(out, "s3cret") || strings.Contains(out, "0123456789abcdef") {
			t.Fatalf("a secret was printed: %s", out)
		}
	}
	_, err = Load("", env(map[string]string{EnvIMAPPassword: "x", EnvIMAPPassword + "_FILE": file}))
	if err == nil || !strings.Contains(err.Error(), "both") {
		t.Fatalf("both VAR and VAR_FILE: %v", err)
	}
	cfg, _ = Load("", env(nil))
	if _, err := cfg.Fingerprinter(); err == nil || !strings.Contains(err.Error(), EnvIDSecret) {
		t.Fatalf("missing ID secret: %v", err)
	}
}

func TestParseSchedule(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		spec string
		ok   bool
	}{
		{"*/5 * * * *", true},
		{"0 9 * * 1-5", true},
		{"*/10 * * * * *", true}, // leading seconds
		{"@every 30s", true},
		{"@daily", true},
		{"CRON_TZ=UTC 0 1 * * *", true},
		{"", false},
		{"0 9 * *", false},    // four fields
		{"61 * * * *", false}, // minute out of range
		{"0 0 30 2 *", false}, // 30 February: parses, never fires
		{"0 0 31 4 *", false}, // 31 April
		{"every day", false},
	} {
		_, err := ParseSchedule(tc.spec, shanghai)
		if (err == nil) != tc.ok {
			t.Errorf("ParseSchedule(%q): %v, want ok=%v", tc.spec, err, tc.ok)
		}
	}
}

func TestNotATable(t *testing.T) {
	p := write(t, "desk = 3\n[smtp]\ndkim = \"x\"\n")
	_, err := Load(p, env(nil))
	if err == nil || !strings.Contains(err.Error(), "desk: want a table") || !strings.Contains(err.Error(), "smtp.dkim: want a table") {
		t.Fatalf("%v", err)
	}
}

func TestClaimLease(t *testing.T) {
	cfg, err := Load(write(t, "[smtp]\ntimeout = \"90s\"\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SMTP.ClaimLease.Duration != 3*time.Minute {
		t.Fatalf("claim_lease %v follows no longer timeout", cfg.SMTP.ClaimLease)
	}
	if _, err := Load(write(t, "[smtp]\ntimeout = \"30s\"\nclaim_lease = \"45s\"\n"), env(nil)); err == nil || !strings.Contains(err.Error(), "smtp.claim_lease") {
		t.Fatalf("a claim shorter than two sends: %v", err)
	}
	cfg, err = Load(write(t, "[smtp]\ntimeout = \"5s\"\nclaim_lease = \"10s\"\n"), env(nil))
	if err != nil || cfg.SMTP.ClaimLease.Duration != 10*time.Second {
		t.Fatalf("claim_lease 10s: %v %v", cfg, err)
	}
}

func TestBounceAddress(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		ok      bool
	}{
		{"bounces+{token}@example.cn", true},
		{"{token}@bounces.example.cn", true},
		{"b-{token}-x@example.cn", true},
		{"bounces@example.cn", false},                 // no token
		{"bounces+{token}{token}@example.cn", false},  // twice
		{"bounces@{token}.example.cn", false},         // in the domain
		{"Desk <bounces+{token}@example.cn>", false},  // not a plain address
		{"bounces+{token}", false},                    // no domain
		{"bounces+{token}@example.cn, x@y.cn", false}, // a list
		{"bounces {token}@example.cn", false},
		{strings.Repeat("b", 40) + "+{token}@example.cn", false}, // local part over 64
	} {
		err := CheckBounceAddress(tc.pattern)
		if (err == nil) != tc.ok {
			t.Errorf("CheckBounceAddress(%q): %v, want ok=%v", tc.pattern, err, tc.ok)
		}
	}
	if _, err := Load(write(t, "[smtp]\nbounce_address = \"bounces@example.cn\"\n"), env(nil)); err == nil || !strings.Contains(err.Error(), "smtp.bounce_address") {
		t.Fatalf("bad bounce_address accepted: %v", err)
	}
	const pattern = "bounces+{token}@example.cn"
	tok := "00112233445566778899aabbccddeeff"
	addr := BounceAddress(pattern, tok)
	if addr != "bounces+"+tok+"@example.cn" {
		t.Fatalf("address %q", addr)
	}
	for _, in := range []string{addr, "<" + addr + ">", strings.ToUpper(addr), " " + addr + " "} {
		if got, ok := BounceToken(pattern, in); !ok || got != tok {
			t.Errorf("BounceToken(%q) = %q %v", in, got, ok)
		}
	}
	for _, in := range []string{"bounces@example.cn", "bounces+abc@example.cn", "bounces+" + tok + "@example.com",
		"other+" + tok + "@example.cn", "bounces+" + tok + "x@example.cn", "bounces+" + strings.Repeat("g", 32) + "@example.cn", ""} {
		if got, ok := BounceToken(pattern, in); ok {
			t.Errorf("BounceToken(%q) = %q", in, got)
		}
	}
}

func TestAPIListenAndBodyLimit(t *testing.T) {
	p := write(t, `
[http]
api_listen = "no port"
api_max_body = 10
`)
	_, err := Load(p, env(map[string]string{EnvIDSecret: strings.Repeat("k", 32)}))
	if err == nil || !strings.Contains(err.Error(), "http.api_listen") || !strings.Contains(err.Error(), "http.api_max_body") {
		t.Fatalf("want both http keys refused, got %v", err)
	}
	p = write(t, `
[http]
api_listen = "127.0.0.1:8443"
api_max_body = 65536
`)
	cfg, err := Load(p, env(map[string]string{EnvIDSecret: strings.Repeat("k", 32)}))
	if err != nil || cfg.HTTP.APIListen != "127.0.0.1:8443" || cfg.HTTP.APIMaxBody != 65536 {
		t.Fatalf("%+v %v", cfg.HTTP, err)
	}
	if d := Default(); d.HTTP.APIMaxBody != 1<<20 {
		t.Fatalf("default api_max_body %d", d.HTTP.APIMaxBody)
	}
}

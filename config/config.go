// Package config loads icpdesk's TOML configuration: defaults in code, unknown
// keys rejected, every error reported at once, secrets only from the
// environment (VAR or VAR_FILE) and never printed.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"example.com/icpdesk/filing"
)

// Config is the whole configuration.
type Config struct {
	Desk      Desk      `toml:"desk"`
	Database  Database  `toml:"database"`
	SMTP      SMTP      `toml:"smtp"`
	IMAP      IMAP      `toml:"imap"`
	Inbox     Inbox     `toml:"inbox"`
	Jobs      Jobs      `toml:"jobs"`
	HTTP      HTTP      `toml:"http"`
	Console   Console   `toml:"console"`
	Log       Log       `toml:"log"`
	Templates Templates `toml:"templates"`

	// Secrets come from the environment only.
	Secrets Secrets `toml:"-"`
}

// Desk describes the filing desk and its process policy.
type Desk struct {
	Name            string     `toml:"name"`
	NameEn          string     `toml:"name_en"`
	Address         string     `toml:"address"` // the desk mailbox applicants write to
	PostalAddress   string     `toml:"postal_address"`
	PostalAddressEn string     `toml:"postal_address_en"`
	Phone           string     `toml:"phone"`
	Website         string     `toml:"website"`
	FilingSystemURL string     `toml:"filing_system_url"`
	Timezone        string     `toml:"timezone"`
	ResubmitDays    int        `toml:"resubmit_days"`
	ReminderOffsets []Duration `toml:"reminder_offsets"`
	Staff           []string   `toml:"staff"`
	StaffLanguage   string     `toml:"staff_language"`
}

// Database names the store; empty means embedded SQLite.
type Database struct {
	URL string `toml:"url"`
}

// SMTP is the outgoing mail server.
type SMTP struct {
	Host      string   `toml:"host"`
	Port      int      `toml:"port"`
	Security  string   `toml:"security"` // tls (implicit), starttls, none (loopback only)
	Username  string   `toml:"username"`
	From      string   `toml:"from"`
	HELO      string   `toml:"helo"`
	CAFile    string   `toml:"ca_file"`
	Timeout   Duration `toml:"timeout"`
	MaxAge    Duration `toml:"max_age"` // give up retrying after this long
	RetryBase Duration `toml:"retry_base"`
	RetryMax  Duration `toml:"retry_max"`
	Workers   int      `toml:"workers"`
	Batch     int      `toml:"batch"`
	Sweep     Duration `toml:"sweep"` // periodic outbox check besides wake-ups
	// ClaimLease is how long a worker's claim on the emails it sends lasts
	// unless renewed; it renews it while it sends. When a worker dies, its
	// emails are taken back within this time.
	ClaimLease Duration `toml:"claim_lease"`
	// BounceAddress, when set, is the envelope sender of every email with
	// {token} replaced by the email's own random token (VERP).
	BounceAddress string `toml:"bounce_address"`
	DKIM          DKIM   `toml:"dkim"`
}

// DKIM signing of outgoing mail; off unless a key file is set.
type DKIM struct {
	Domain   string `toml:"domain"`
	Selector string `toml:"selector"`
	KeyFile  string `toml:"key_file"`
}

// IMAP is the watched desk mailbox.
type IMAP struct {
	Host             string   `toml:"host"`
	Port             int      `toml:"port"`
	Security         string   `toml:"security"`
	Username         string   `toml:"username"`
	CAFile           string   `toml:"ca_file"`
	Mailbox          string   `toml:"mailbox"`
	ProcessedMailbox string   `toml:"processed_mailbox"`
	MaxMessageSize   Size     `toml:"max_message_size"`
	Batch            int      `toml:"batch"`
	PollInterval     Duration `toml:"poll_interval"`
	IdleRefresh      Duration `toml:"idle_refresh"`
	ReconnectMax     Duration `toml:"reconnect_max"`
	AckLimitPerHour  int      `toml:"ack_limit_per_hour"`
}

// Inbox says which mail may change a filing: sender authentication.
type Inbox struct {
	// TrustedAuthServIDs are the authserv-ids of the desk's own MTAs: only
	// the topmost Authentication-Results field with one of them counts.
	// Empty: no such header is trusted.
	TrustedAuthServIDs []string `toml:"trusted_authserv_ids"`
	// VerifyDKIM verifies DKIM signatures in process when no trusted
	// Authentication-Results exists.
	VerifyDKIM bool `toml:"verify_dkim"`
}

// SenderAuthRequired reports whether sender authentication is configured:
// then a message whose sender is not authenticated changes nothing.
func (i Inbox) SenderAuthRequired() bool { return len(i.TrustedAuthServIDs) > 0 || i.VerifyDKIM }

// Jobs are cron specifications in the desk's zone.
type Jobs struct {
	DeadlineSweep string `toml:"deadline_sweep"`
	Reminders     string `toml:"reminders"`
	Digest        string `toml:"digest"`
	OutboxJanitor string `toml:"outbox_janitor"`
}

// HTTP is the listener for health, metrics, the API and the console.
type HTTP struct {
	Listen string `toml:"listen"`
	// PublicURL is where staff reach the console (https://icpdesk.example.cn):
	// the digest links each row there. Empty: no links.
	PublicURL string `toml:"public_url"`
	// APIListen serves the HTTP API (/api/v1) on a listener of its own;
	// empty: on Listen, beside /healthz and the console.
	APIListen string `toml:"api_listen"`
	// APIMaxBody bounds an API request body in bytes (413 beyond it).
	APIMaxBody int64 `toml:"api_max_body"`
}

// Console is the staff console's sign-in: how long a session lasts when
// unused (idle) and at most (max), and how long a set-password link works.
type Console struct {
	SessionIdle    Duration `toml:"session_idle"`
	SessionMax     Duration `toml:"session_max"`
	SetupLinkValid Duration `toml:"setup_link_valid"`
	// TrustedOrigins may post to the console from another origin (a
	// reverse proxy that changes it); normally empty.
	TrustedOrigins []string `toml:"trusted_origins"`
	OIDC           OIDC     `toml:"oidc"`
}

// OIDC is optional sign-in through the company's identity provider; off
// while issuer is empty. The client secret comes from the environment
// (ICPDESK_OIDC_CLIENT_SECRET).
type OIDC struct {
	Issuer   string `toml:"issuer"`
	ClientID string `toml:"client_id"`
	Label    string `toml:"label"` // the sign-in button's text
}

// Log configures logging.
type Log struct {
	Level  string `toml:"level"`
	Format string `toml:"format"`
}

// Templates may override the embedded email templates.
type Templates struct {
	Dir string `toml:"dir"`
}

// Secrets are read from the environment: NAME or NAME_FILE.
type Secrets struct {
	IDSecret     Secret
	SMTPPassword Secret
	IMAPPassword Secret
	// OIDCClientSecret is the console's client secret at the identity
	// provider ([console.oidc]).
	OIDCClientSecret Secret
}

// Environment variables.
const (
	EnvDatabaseURL  = "ICPDESK_DATABASE_URL"
	EnvIDSecret     = "ICPDESK_ID_SECRET"
	EnvSMTPPassword = "ICPDESK_SMTP_PASSWORD"
	EnvIMAPPassword = "ICPDESK_IMAP_PASSWORD"
	EnvOIDCSecret   = "ICPDESK_OIDC_CLIENT_SECRET"
)

// Default is the configuration without a file: the example desk, embedded
// SQLite, and mail servers that must be configured before `serve`.
func Default() Config {
	return Config{
		Desk: Desk{
			Name:            "示例云备案中心",
			NameEn:          "Example Cloud ICP Filing Desk",
			Address:         "icp@example.cn",
			PostalAddress:   "浙江省杭州市西湖区示例路 1 号",
			PostalAddressEn: "1 Example Road, Xihu District, Hangzhou, Zhejiang",
			Phone:           "0571-8800 0000",
			Website:         "https://www.example.cn",
			FilingSystemURL: "https://beian.example.cn",
			Timezone:        "Asia/Shanghai",
			ResubmitDays:    7,
			ReminderOffsets: []Duration{{72 * time.Hour}, {24 * time.Hour}},
			Staff:           []string{"icp-staff@example.cn"},
			StaffLanguage:   "zh-CN",
		},
		SMTP: SMTP{
			Host: "smtp.example.cn", Port: 587, Security: "starttls",
			Timeout: Duration{30 * time.Second}, MaxAge: Duration{72 * time.Hour},
			RetryBase: Duration{30 * time.Second}, RetryMax: Duration{time.Hour},
			Workers: 1, Batch: 50, Sweep: Duration{time.Minute}, ClaimLease: Duration{time.Minute},
		},
		IMAP: IMAP{
			Host: "imap.example.cn", Port: 993, Security: "tls",
			Mailbox: "INBOX", ProcessedMailbox: "Processed",
			MaxMessageSize: 25 << 20, Batch: 50,
			PollInterval: Duration{time.Minute}, IdleRefresh: Duration{10 * time.Minute},
			ReconnectMax: Duration{5 * time.Minute}, AckLimitPerHour: 3,
		},
		Jobs: Jobs{
			DeadlineSweep: "*/5 * * * *",
			Reminders:     "0 * * * *",
			Digest:        "0 9 * * *",
			OutboxJanitor: "30 * * * *",
		},
		HTTP: HTTP{Listen: "127.0.0.1:8080", APIMaxBody: 1 << 20},
		Console: Console{SessionIdle: Duration{2 * time.Hour}, SessionMax: Duration{12 * time.Hour},
			SetupLinkValid: Duration{72 * time.Hour}},
		Log: Log{Level: "info", Format: "text"},
	}
}

// Load reads the file at path (none when empty) over the defaults, applies
// the environment and validates everything, reporting every error at once.
func Load(path string, getenv func(string) string) (*Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	cfg := Default()
	var errs []error
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		md, decodeErrs, err := decode(string(data), &cfg)
		if err != nil {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
		errs = append(errs, decodeErrs...)
		if !md.IsDefined("smtp", "claim_lease") {
			// The default follows a longer timeout: a claim must outlive a send.
			cfg.SMTP.ClaimLease.Duration = max(cfg.SMTP.ClaimLease.Duration, 2*cfg.SMTP.Timeout.Duration)
		}
	}
	if u := getenv(EnvDatabaseURL); u != "" {
		cfg.Database.URL = u
	}
	for _, s := range []struct {
		name string
		dst  *Secret
	}{
		{EnvIDSecret, &cfg.Secrets.IDSecret},
		{EnvSMTPPassword, &cfg.Secrets.SMTPPassword},
		{EnvIMAPPassword, &cfg.Secrets.IMAPPassword},
		{EnvOIDCSecret, &cfg.Secrets.OIDCClientSecret},
	} {
		v, err := secretFromEnv(s.name, getenv)
		if err != nil {
			errs = append(errs, err)
		}
		*s.dst = v
	}
	errs = append(errs, cfg.validate()...)
	if len(errs) > 0 {
		where := "config"
		if path != "" {
			where = "config " + path
		}
		return nil, &Error{Where: where, Errs: errs}
	}
	return &cfg, nil
}

// Error lists every problem found in a configuration.
type Error struct {
	Where string
	Errs  []error
}

func (e *Error) Error() string {
	lines := make([]string, len(e.Errs))
	for i, err := range e.Errs {
		lines[i] = e.Where + ": " + err.Error()
	}
	return strings.Join(lines, "\n")
}

func (e *Error) Unwrap() []error { return e.Errs }

func secretFromEnv(name string, getenv func(string) string) (Secret, error) {
	v, file := getenv(name), getenv(name+"_FILE")
	switch {
	case v != "" && file != "":
		return "", fmt.Errorf("both %s and %s_FILE are set; set one", name, name)
	case file != "":
		data, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("%s_FILE: %w", name, err)
		}
		return Secret(strings.TrimRight(string(data), "\r\n")), nil
	}
	return Secret(v), nil
}

func (c *Config) validate() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	d := c.Desk
	if strings.TrimSpace(d.Name) == "" {
		bad("desk.name", "is empty")
	}
	if _, err := filing.NormalizeEmail(d.Address); err != nil {
		bad("desk.address", "%v", err)
	}
	if _, err := time.LoadLocation(d.Timezone); err != nil || d.Timezone == "" {
		bad("desk.timezone", "unknown time zone %q", d.Timezone)
	}
	if d.ResubmitDays < 1 || d.ResubmitDays > 365 {
		bad("desk.resubmit_days", "%d is out of range 1–365", d.ResubmitDays)
	}
	for _, o := range d.ReminderOffsets {
		if o.Duration <= 0 || o.Duration >= time.Duration(d.ResubmitDays)*24*time.Hour {
			bad("desk.reminder_offsets", "%v must be positive and shorter than the %d-day window", o.Duration, d.ResubmitDays)
		}
	}
	for _, s := range d.Staff {
		if _, err := filing.NormalizeEmail(s); err != nil {
			bad("desk.staff", "%v", err)
		}
	}
	if _, err := filing.ParseLanguage(d.StaffLanguage); err != nil {
		bad("desk.staff_language", "%v", err)
	}

	validateServer := func(section, host string, port int, security string) {
		if host == "" {
			bad(section+".host", "is empty")
		}
		if port < 1 || port > 65535 {
			bad(section+".port", "%d is not a port", port)
		}
		if err := CheckSecurity(security, host); err != nil {
			bad(section+".security", "%v", err)
		}
	}
	s := c.SMTP
	validateServer("smtp", s.Host, s.Port, s.Security)
	if s.From != "" {
		if _, err := mail.ParseAddress(s.From); err != nil {
			bad("smtp.from", "%v", err)
		}
	}
	positive := func(key string, v Duration) {
		if v.Duration <= 0 {
			bad(key, "must be a positive duration like \"30s\"")
		}
	}
	positive("smtp.timeout", s.Timeout)
	positive("smtp.max_age", s.MaxAge)
	positive("smtp.retry_base", s.RetryBase)
	positive("smtp.retry_max", s.RetryMax)
	positive("smtp.sweep", s.Sweep)
	if s.RetryMax.Duration < s.RetryBase.Duration {
		bad("smtp.retry_max", "is shorter than smtp.retry_base")
	}
	if s.ClaimLease.Duration < 2*s.Timeout.Duration {
		// A send may take the whole timeout; the claim must outlive it with
		// room for a renewal.
		bad("smtp.claim_lease", "%v must be at least twice smtp.timeout (%v)", s.ClaimLease.Duration, s.Timeout.Duration)
	}
	if s.BounceAddress != "" {
		if err := CheckBounceAddress(s.BounceAddress); err != nil {
			bad("smtp.bounce_address", "%v", err)
		}
	}
	if s.Workers < 1 || s.Workers > 32 {
		bad("smtp.workers", "%d is out of range 1–32", s.Workers)
	}
	if s.Batch < 1 || s.Batch > 1000 {
		bad("smtp.batch", "%d is out of range 1–1000", s.Batch)
	}
	if k := s.DKIM; k.KeyFile != "" && (k.Domain == "" || k.Selector == "") {
		bad("smtp.dkim", "key_file needs domain and selector")
	}

	m := c.IMAP
	validateServer("imap", m.Host, m.Port, m.Security)
	if m.Mailbox == "" {
		bad("imap.mailbox", "is empty")
	}
	if m.ProcessedMailbox == "" || m.ProcessedMailbox == m.Mailbox {
		bad("imap.processed_mailbox", "must be set and differ from imap.mailbox")
	}
	if m.MaxMessageSize < 1<<20 {
		bad("imap.max_message_size", "%d bytes is below 1MB", m.MaxMessageSize)
	}
	if m.Batch < 1 || m.Batch > 1000 {
		bad("imap.batch", "%d is out of range 1–1000", m.Batch)
	}
	positive("imap.poll_interval", m.PollInterval)
	positive("imap.reconnect_max", m.ReconnectMax)
	if m.IdleRefresh.Duration <= 0 || m.IdleRefresh.Duration > 29*time.Minute {
		bad("imap.idle_refresh", "must be positive and at most 29m (RFC 2177)")
	}
	if m.AckLimitPerHour < 0 {
		bad("imap.ack_limit_per_hour", "must not be negative")
	}

	// The schedules run in the desk's zone; with that zone wrong (reported
	// above) they are still checked, in UTC.
	loc, err := time.LoadLocation(d.Timezone)
	if err != nil {
		loc = time.UTC
	}
	for _, j := range []struct{ key, spec string }{
		{"jobs.deadline_sweep", c.Jobs.DeadlineSweep},
		{"jobs.reminders", c.Jobs.Reminders},
		{"jobs.digest", c.Jobs.Digest},
		{"jobs.outbox_janitor", c.Jobs.OutboxJanitor},
	} {
		if _, err := ParseSchedule(j.spec, loc); err != nil {
			bad(j.key, "%v", err)
		}
	}
	if _, _, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
		bad("http.listen", "%v", err)
	}
	if a := c.HTTP.APIListen; a != "" {
		if _, _, err := net.SplitHostPort(a); err != nil {
			bad("http.api_listen", "%v", err)
		}
	}
	if n := c.HTTP.APIMaxBody; n < 1024 || n > 64<<20 {
		bad("http.api_max_body", "%d: want a size in bytes from 1024 to %d (64 MiB)", n, 64<<20)
	}
	if p := c.HTTP.PublicURL; p != "" {
		if u, err := url.Parse(p); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			bad("http.public_url", "%q: want an absolute http(s) URL like https://icpdesk.example.cn", p)
		}
	}
	if cs := c.Console; cs.SessionIdle.Duration < time.Minute || cs.SessionMax.Duration < cs.SessionIdle.Duration || cs.SessionMax.Duration > 30*24*time.Hour {
		bad("console.session_idle", "%v and console.session_max %v: want at least a minute idle, max no shorter than idle and at most 30 days",
			cs.SessionIdle.Duration, cs.SessionMax.Duration)
	}
	if v := c.Console.SetupLinkValid.Duration; v < 10*time.Minute || v > 30*24*time.Hour {
		bad("console.setup_link_valid", "%v: want 10 minutes to 30 days", v)
	}
	if o := c.Console.OIDC; o.Issuer != "" {
		if u, err := url.Parse(o.Issuer); err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopbackHost(u.Hostname()))) {
			bad("console.oidc.issuer", "%q: want the provider's https URL", o.Issuer)
		}
		if strings.TrimSpace(o.ClientID) == "" {
			bad("console.oidc.client_id", "is empty: the identity provider needs the console's client ID")
		}
		if c.HTTP.PublicURL == "" {
			bad("console.oidc.issuer", "needs [http] public_url: the provider sends staff back to public_url/signin/oidc/callback")
		}
	}
	for _, o := range c.Console.TrustedOrigins {
		if u, err := url.Parse(o); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			bad("console.trusted_origins", "%q: want an origin like https://proxy.example.cn", o)
		}
	}
	for _, id := range c.Inbox.TrustedAuthServIDs {
		if strings.TrimSpace(id) == "" || strings.ContainsAny(id, " \t;") {
			bad("inbox.trusted_authserv_ids", "%q is not an authserv-id (a host name like mx.example.cn)", id)
		}
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "%q: want debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad("log.format", "%q: want text or json", c.Log.Format)
	}
	if s := c.Secrets.IDSecret; s != "" && len(s) < filing.MinSecretBytes {
		bad(EnvIDSecret, "is %d bytes, need at least %d", len(s), filing.MinSecretBytes)
	}
	return errs
}

// Policy is the desk's process policy.
func (c *Config) Policy() filing.Policy {
	loc, err := time.LoadLocation(c.Desk.Timezone)
	if err != nil {
		loc = filing.DefaultPolicy().Location // validated at load; unreachable
	}
	p := filing.Policy{Location: loc, ResubmitDays: c.Desk.ResubmitDays}
	for _, o := range c.Desk.ReminderOffsets {
		p.ReminderOffsets = append(p.ReminderOffsets, o.Duration)
	}
	return p
}

// MailDomain is the domain of the desk's address, used for Message-IDs.
func (c *Config) MailDomain() string {
	addr, err := filing.NormalizeEmail(c.Desk.Address)
	if err != nil {
		return "icpdesk.invalid" // validated at load; unreachable
	}
	return addr[strings.LastIndexByte(addr, '@')+1:]
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// StaffLanguage is the language staff emails are written in.
func (c *Config) StaffLanguage() filing.Language {
	l, _ := filing.ParseLanguage(c.Desk.StaffLanguage)
	return l
}

// Fingerprinter returns the ID-number fingerprinter, or an error saying how
// to configure its secret.
func (c *Config) Fingerprinter() (*filing.Fingerprinter, error) {
	if c.Secrets.IDSecret == "" {
		return nil, errors.New(EnvIDSecret + " is not set: it keys the ID-number fingerprints; set it (or " +
			EnvIDSecret + "_FILE) to a random value of at least 16 bytes, e.g. `openssl rand -hex 32`, and keep it: changing it breaks same-person checks")
	}
	return filing.NewFingerprinter([]byte(c.Secrets.IDSecret))
}

// CheckSecurity checks an IMAP or SMTP security setting against the host it
// applies to. The inbox and the mailer check their own settings by the same
// rule.
func CheckSecurity(security, host string) error {
	switch security {
	case "tls", "starttls":
		return nil
	case "none":
		// Credentials and applicants' data never cross a network in clear.
		if !IsLoopback(host) {
			return fmt.Errorf(`"none" (plaintext) is allowed only to a loopback host, not %q`, host)
		}
		return nil
	default:
		return fmt.Errorf("%q: want tls, starttls or none", security)
	}
}

// IsLoopback reports whether host is localhost or a loopback address.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Secret is a string that never prints.
type Secret string

func (Secret) String() string { return "[redacted]" }

// GoString keeps %#v from printing it too.
func (Secret) GoString() string { return `"[redacted]"` }

// MarshalText keeps JSON and TOML encoders from printing it.
func (Secret) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

// Reveal returns the secret's value, for the one place that uses it.
func (s Secret) Reveal() string { return string(s) }

// Duration is a time.Duration written as "90s" or "72h". A bare integer is
// refused: TOML decoders take it as nanoseconds (docs/library-notes.md, TOML).
type Duration struct{ time.Duration }

// UnmarshalText parses a duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return fmt.Errorf("duration %q needs a unit, like \"%ss\"", s, s)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: want a value like \"30s\", \"10m\" or \"72h\"", s)
	}
	d.Duration = v
	return nil
}

// MarshalText prints the duration.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.Duration.String()), nil }

// Size is a byte count written as "25MB", "512KB" or a plain number of bytes.
type Size int64

// UnmarshalText parses a size.
func (s *Size) UnmarshalText(b []byte) error {
	t := strings.ToUpper(strings.TrimSpace(string(b)))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("size %q: want a value like \"25MB\"", string(b))
	}
	*s = Size(n * mult)
	return nil
}

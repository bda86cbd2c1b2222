package mailer

import (
	"crypto/x509"
	"errors"
	"fmt"
	netmail "net/mail"
	"os"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"example.com/icpdesk/config"
	"example.com/icpdesk/filing"
	"example.com/icpdesk/templates"
)

// Settings are the SMTP server and the mailer's pace.
type Settings struct {
	Host string
	Port int
	// Security is "tls" (implicit TLS), "starttls" (mandatory: a server
	// without STARTTLS is refused) or "none" (loopback hosts only).
	Security string
	Username string
	Password string
	HELO     string         // empty: the host name
	RootCAs  *x509.CertPool // nil: the system roots

	FromAddress string
	FromName    filing.Text // per language
	ReplyTo     string      // the desk mailbox, when From is another address
	// BounceAddress, when set, is a VERP pattern ("bounces+{token}@…"):
	// each email's envelope sender carries its own bounce token.
	BounceAddress string
	// Location is the desk's zone, for the Date header; nil keeps the
	// clock's.
	Location *time.Location

	Timeout   time.Duration // per connection attempt and per message
	MaxAge    time.Duration // stop retrying this long after an email was queued
	RetryBase time.Duration
	RetryMax  time.Duration
	Sweep     time.Duration // look at the outbox at least this often
	Workers   int           // SMTP connections in parallel (PostgreSQL only)
	Batch     int           // rows claimed at a time
	// ClaimLease is how long a claim on the emails being sent lasts unless
	// renewed (every quarter of it, while sending): a dead worker's emails
	// are taken back within it. Zero means DefaultClaimLease, or twice
	// Timeout if that is longer.
	ClaimLease time.Duration

	DKIM *mail.DKIMSigner // nil: no signing
}

// DefaultClaimLease is the claim lease unless configured: short, so that a
// dead process's emails go out again soon, and longer than two sends.
const DefaultClaimLease = time.Minute

// Addr is host:port.
func (s Settings) Addr() string { return fmt.Sprintf("%s:%d", s.Host, s.Port) }

func (s Settings) validate() error {
	var errs []error
	if err := config.CheckSecurity(s.Security, s.Host); err != nil {
		errs = append(errs, fmt.Errorf("security %w", err))
	}
	if s.Host == "" {
		errs = append(errs, errors.New("no SMTP host"))
	}
	if s.Port < 1 || s.Port > 65535 {
		errs = append(errs, fmt.Errorf("port %d", s.Port))
	}
	if _, err := filing.NormalizeEmail(s.FromAddress); err != nil {
		errs = append(errs, fmt.Errorf("from address: %w", err))
	}
	if s.Username != "" && s.Password == "" {
		errs = append(errs, fmt.Errorf("username %q is set but no password (%s)", s.Username, config.EnvSMTPPassword))
	}
	for name, d := range map[string]time.Duration{"timeout": s.Timeout, "max_age": s.MaxAge, "retry_base": s.RetryBase,
		"retry_max": s.RetryMax, "sweep": s.Sweep} {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive", name))
		}
	}
	if s.RetryMax < s.RetryBase {
		errs = append(errs, errors.New("retry_max is shorter than retry_base"))
	}
	if s.Workers < 1 || s.Batch < 1 {
		errs = append(errs, errors.New("workers and batch must be at least 1"))
	}
	if s.ClaimLease != 0 && s.ClaimLease < 2*s.Timeout {
		errs = append(errs, fmt.Errorf("claim_lease %v must be at least twice the timeout (%v)", s.ClaimLease, s.Timeout))
	}
	if s.BounceAddress != "" {
		if err := config.CheckBounceAddress(s.BounceAddress); err != nil {
			errs = append(errs, fmt.Errorf("bounce_address: %w", err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("mailer settings: %w", errors.Join(errs...))
	}
	return nil
}

// claimLease is the lease the mailer claims for.
func (s Settings) claimLease() time.Duration {
	if s.ClaimLease != 0 {
		return s.ClaimLease
	}
	return max(DefaultClaimLease, 2*s.Timeout)
}

// SettingsFromConfig builds the settings from [smtp] and [desk], reading the
// CA bundle and the DKIM key they name.
func SettingsFromConfig(cfg *config.Config) (Settings, error) {
	c := cfg.SMTP
	s := Settings{
		Host: c.Host, Port: c.Port, Security: c.Security, Username: c.Username,
		Password: cfg.Secrets.SMTPPassword.Reveal(), HELO: c.HELO,
		Timeout: c.Timeout.Duration, MaxAge: c.MaxAge.Duration, RetryBase: c.RetryBase.Duration,
		RetryMax: c.RetryMax.Duration, Sweep: c.Sweep.Duration, Workers: c.Workers, Batch: c.Batch,
		ClaimLease: c.ClaimLease.Duration, BounceAddress: c.BounceAddress, Location: cfg.Policy().Location,
		FromAddress: cfg.Desk.Address, ReplyTo: cfg.Desk.Address,
		FromName: filing.Text{Zh: cfg.Desk.Name, En: cfg.Desk.NameEn},
	}
	if c.From != "" {
		a, err := netmail.ParseAddress(c.From)
		if err != nil {
			return s, fmt.Errorf("smtp.from: %w", err)
		}
		s.FromAddress = a.Address
		if a.Name != "" {
			s.FromName = filing.Text{Zh: a.Name, En: a.Name}
		}
	}
	if strings.EqualFold(s.ReplyTo, s.FromAddress) {
		s.ReplyTo = ""
	}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return s, fmt.Errorf("smtp.ca_file: %w", err)
		}
		s.RootCAs = x509.NewCertPool()
		if !s.RootCAs.AppendCertsFromPEM(pem) {
			return s, fmt.Errorf("smtp.ca_file %s: no PEM certificate in it", c.CAFile)
		}
	}
	if k := c.DKIM; k.KeyFile != "" {
		pem, err := os.ReadFile(k.KeyFile)
		if err != nil {
			return s, fmt.Errorf("smtp.dkim.key_file: %w", err)
		}
		key, err := mail.PrivKeyFromPEM(pem)
		if err != nil {
			return s, fmt.Errorf("smtp.dkim.key_file %s: %w", k.KeyFile, err)
		}
		s.DKIM = mail.NewDKIMSigner(k.Domain, k.Selector, key)
	}
	return s, s.validate()
}

// DeskFromConfig is what the email layout says about the desk.
func DeskFromConfig(cfg *config.Config) templates.DeskInfo {
	d := cfg.Desk
	return templates.DeskInfo{Name: d.Name, NameEn: d.NameEn, Address: d.Address, PostalAddress: d.PostalAddress,
		PostalAddressEn: d.PostalAddressEn, Phone: d.Phone, Website: d.Website, FilingSystemURL: d.FilingSystemURL}
}

// Package demo runs icpdesk's whole job on a fresh machine with nothing
// installed but Go: embedded SQLite in a temporary directory, an in-process
// IMAP and SMTP server holding the desk's and the applicants' mailboxes, the
// real daemon (watcher, mailer, scheduler, metrics), and a scripted story of
// the filing process printed as a timeline.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"example.com/icpdesk/config"
	"example.com/icpdesk/console"
	"example.com/icpdesk/daemon"
	"example.com/icpdesk/desk"
	"example.com/icpdesk/inbox"
	"example.com/icpdesk/password"
	"example.com/icpdesk/store"
)

// The demo's cast. Every address is an example domain.
const (
	DeskAddress  = "icp@example.cn"
	StaffAddress = "icp-staff@example.cn"
	ZhangSan     = "zhangsan@example.cn" // enterprise applicant
	WangWu       = "wangwu@example.com"  // individual applicant, a hosting customer
	Forger       = "wang.wu@example.net" // not a registered address
	Password     = "icpdesk-demo"        // every demo mailbox's password (loopback only)
	// The console's demo sign-in: the staff address and the same password.
	StaffName = "演示员工"

	EnterpriseRef = "BA-2026-000123"
	IndividualRef = "BA-2026-000124"
	ICPNumber     = "浙ICP备2026012345号-1"
)

// Options configure a demo.
type Options struct {
	Out io.Writer // the timeline; nil discards it
	// Log receives the daemon's structured log; nil writes it to icpdesk.log
	// in the demo's directory.
	Log io.Writer
	// Ports for the IMAP, SMTP and HTTP servers; a port in use (or 0) is
	// replaced by a free one.
	IMAPPort, SMTPPort, HTTPPort int
	// Dir holds the database and log; empty makes a temporary directory,
	// removed by Close.
	Dir string
	// StepTimeout bounds each wait of the story (default 30s).
	StepTimeout time.Duration
}

// Demo is a running demo environment.
type Demo struct {
	Store  *store.Store
	Mail   *MailServer
	Daemon *daemon.Daemon
	Config *config.Config
	Dir    string
	// Clock is the demo's time, which the story moves forward.
	Clock *Clock

	out     io.Writer
	start   time.Time
	timeout time.Duration
	rmDir   bool
	logFile *os.File
	logPath string
}

// Start builds the environment and starts the daemon.
func Start(ctx context.Context, opts Options) (*Demo, error) {
	d := &Demo{out: opts.Out, start: time.Now(), timeout: opts.StepTimeout, Clock: &Clock{}}
	if d.out == nil {
		d.out = io.Discard
	}
	if d.timeout <= 0 {
		d.timeout = 30 * time.Second
	}
	ok := false
	defer func() {
		if !ok {
			d.Close(context.Background())
		}
	}()
	d.Dir = opts.Dir
	if d.Dir == "" {
		dir, err := os.MkdirTemp("", "icpdesk-demo-")
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		d.Dir, d.rmDir = dir, true
	}
	logOut := opts.Log
	if logOut == nil {
		d.logPath = filepath.Join(d.Dir, "icpdesk.log")
		f, err := os.Create(d.logPath)
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		d.logFile, logOut = f, f
	}
	log := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: slog.LevelInfo}))

	var err error
	d.Mail, err = NewMailServer([]string{DeskAddress, StaffAddress, ZhangSan, WangWu, Forger}, Password,
		loopback(opts.IMAPPort), loopback(opts.SMTPPort))
	if err != nil {
		return nil, err
	}
	d.Mail.Now = d.Clock.Now

	cfg := config.Default()
	cfg.Desk.Address = DeskAddress
	cfg.Desk.Staff = []string{StaffAddress}
	cfg.Database.URL = "sqlite://" + filepath.Join(d.Dir, "icpdesk.db")
	cfg.SMTP.Host, cfg.SMTP.Port, cfg.SMTP.Security = "127.0.0.1", d.Mail.SMTPAddr().Port, "none"
	cfg.SMTP.Sweep = config.Duration{Duration: 10 * time.Second}
	cfg.IMAP.Host, cfg.IMAP.Port, cfg.IMAP.Security = "127.0.0.1", d.Mail.IMAPAddr().Port, "none"
	cfg.IMAP.Username = DeskAddress
	cfg.IMAP.PollInterval = config.Duration{Duration: 5 * time.Second}
	// go-imap's in-memory server does not announce mail that arrives just
	// before IDLE starts; the watcher's recheck covers the usual case, and
	// a short refresh bounds the rest well inside a demo step's timeout.
	cfg.IMAP.IdleRefresh = config.Duration{Duration: 10 * time.Second}
	cfg.IMAP.ReconnectMax = config.Duration{Duration: 5 * time.Second}
	// Small, so that the demo can show a message too big to read.
	cfg.IMAP.MaxMessageSize = 1 << 20
	cfg.Secrets.IMAPPassword = config.Secret(Password)
	cfg.Secrets.IDSecret = config.Secret(randomHex(32))
	d.Config = &cfg

	if d.Store, err = store.Open(ctx, cfg.Database.URL, append(daemon.StoreOptions(&cfg), store.WithClock(d.Clock.Now))...); err != nil {
		return nil, err
	}
	if _, err := d.Store.Migrate(ctx); err != nil {
		return nil, err
	}
	con, err := d.console(ctx, &cfg, log)
	if err != nil {
		return nil, err
	}
	// Listened on last: until the daemon owns it, it is ours to close.
	httpLn, err := net.Listen("tcp", loopback(opts.HTTPPort))
	if err != nil {
		return nil, fmt.Errorf("demo HTTP listener: %w", err)
	}
	cfg.HTTP.Listen = httpLn.Addr().String()
	d.Daemon, err = daemon.New(&cfg, d.Store, log, daemon.Options{Listener: httpLn, Now: d.Clock.Now,
		Routes: []daemon.Route{{Pattern: "/", Handler: con}}})
	if err != nil {
		httpLn.Close()
		return nil, err
	}
	if err := d.Daemon.Start(context.WithoutCancel(ctx)); err != nil { // Close stops it in two phases
		return nil, err
	}
	ok = true
	return d, nil
}

// console builds the staff console and its demo sign-in: the staff address
// with the demo's password.
func (d *Demo) console(ctx context.Context, cfg *config.Config, log *slog.Logger) (*console.Console, error) {
	r, err := daemon.Templates(cfg)
	if err != nil {
		return nil, err
	}
	proc := inbox.NewProcessor(d.Store, inbox.ProcessorConfig{Own: inbox.OwnFromConfig(cfg, r.SubjectPhrases()),
		AckLimitPerHour: cfg.IMAP.AckLimitPerHour, Auth: inbox.AuthFromConfig(cfg)})
	con, err := console.New(desk.New(d.Store, proc, cfg.Fingerprinter), console.FromConfig(cfg, r, log))
	if err != nil {
		return nil, err
	}
	sl, err := console.AddStaff(ctx, d.Store, StaffAddress, StaffName, store.RoleAdmin, "", time.Hour)
	if err != nil {
		return nil, err
	}
	hash, err := password.Hash(Password, password.Default)
	if err != nil {
		return nil, err
	}
	token := strings.TrimPrefix(sl.Link, "/set-password?token=")
	if _, err := d.Store.SetStaffPassword(ctx, console.HashToken(token), hash); err != nil {
		return nil, err
	}
	return con, nil
}

// loopback listens on port if it is free, else on any free port.
func loopback(port int) string {
	if port > 0 {
		if ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			ln.Close()
			return fmt.Sprintf("127.0.0.1:%d", port)
		}
	}
	return "127.0.0.1:0"
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand never fails on Linux
	return hex.EncodeToString(b)
}

// Close stops the daemon and the mail server and removes the temporary
// directory. Calling it twice is harmless.
func (d *Demo) Close(ctx context.Context) error {
	var errs []error
	if d.Daemon != nil {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		errs = append(errs, d.Daemon.Shutdown(sctx))
		cancel()
	}
	if d.Mail != nil {
		d.Mail.Close()
	}
	if d.Store != nil {
		errs = append(errs, d.Store.Close())
		d.Store = nil
	}
	if d.logFile != nil {
		d.logFile.Close()
		d.logFile = nil
	}
	if d.rmDir {
		errs = append(errs, os.RemoveAll(d.Dir))
		d.rmDir = false
	}
	return errors.Join(errs...)
}

// say prints one line of the timeline.
func (d *Demo) say(format string, args ...any) {
	fmt.Fprintf(d.out, "[%6.2fs] %s\n", time.Since(d.start).Seconds(), fmt.Sprintf(format, args...))
}

func (d *Demo) detail(format string, args ...any) {
	fmt.Fprintf(d.out, "           %s\n", fmt.Sprintf(format, args...))
}

// Connection tells how to reach the demo's servers.
func (d *Demo) Connection() string {
	var b strings.Builder
	fmt.Fprintf(&b, "IMAP  127.0.0.1:%d  (plaintext, loopback only)\n", d.Mail.IMAPAddr().Port)
	fmt.Fprintf(&b, "SMTP  127.0.0.1:%d  (plaintext, no authentication needed)\n", d.Mail.SMTPAddr().Port)
	fmt.Fprintf(&b, "users %s, %s, %s, %s, %s\n", DeskAddress, StaffAddress, ZhangSan, WangWu, Forger)
	fmt.Fprintf(&b, "password (all) %s\n", Password)
	fmt.Fprintf(&b, "console http://%s/   sign in as %s, password %s\n", d.Daemon.Addr(), StaffAddress, Password)
	fmt.Fprintf(&b, "metrics http://%s/metrics   health http://%[1]s/readyz\n", d.Daemon.Addr())
	fmt.Fprintf(&b, "database %s\n", d.Store.Where())
	if d.logPath != "" {
		fmt.Fprintf(&b, "log      %s\n", d.logPath)
	}
	return b.String()
}

// Run is `icpdesk demo`: start, tell the story, and unless exit is set keep
// serving until ctx ends, so any mail client can join in.
func Run(ctx context.Context, opts Options, exit bool) error {
	d, err := Start(ctx, opts)
	if err != nil {
		return err
	}
	defer d.Close(context.Background())
	fmt.Fprintf(d.out, "icpdesk demo: a filing desk at %s, its staff at %s, two applicants.\n\n", DeskAddress, StaffAddress)
	sum, err := d.Story(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.out, "\n%s\n", sum)
	fmt.Fprintf(d.out, "The desk's work queue, for the console:\n")
	if err := d.Queue(ctx); err != nil {
		return err
	}
	if exit {
		return nil
	}
	fmt.Fprintf(d.out, "\nThe demo keeps running on its moved clock (%s): mail sent to %s is processed live, "+
		"and each message's decision is printed here.\n%s\nPress Ctrl-C to stop.\n",
		d.Clock.Now().In(d.Store.Policy().Location).Format("2006-01-02 15:04 MST"), DeskAddress, d.Connection())
	d.PrintDecisions(ctx)
	fmt.Fprintln(d.out, "\nstopping…")
	return nil
}

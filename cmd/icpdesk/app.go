package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os/user"
	"strings"

	"github.com/spf13/pflag"

	"example.com/icpdesk/config"
	"example.com/icpdesk/daemon"
	"example.com/icpdesk/desk"
	"example.com/icpdesk/filing"
	"example.com/icpdesk/inbox"
	"example.com/icpdesk/store"
	"example.com/icpdesk/templates"
)

// app is what a command runs with: I/O, global flags, and lazily loaded
// configuration and store.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// exit ends the process at once (a second signal during shutdown).
	exit func(code int)

	configPath string
	dbURL      string
	as         string // --as: the staff member the audit trail records

	cfg      *config.Config
	store    *store.Store
	renderer *templates.Renderer
	// deskSvc is built once: the API and the console share it, so a token
	// revoked in the console leaves the API's token cache at once.
	deskSvc *desk.Service
	// skipSchemaCheck is set by the commands that run on an outdated schema
	// (migrate, serve).
	skipSchemaCheck bool
	// ran is set when a command's own code starts: an error before that is
	// a mistake in the command line.
	ran bool
}

// globalFlags are accepted before or after the command's name.
func (a *app) globalFlags(fs *pflag.FlagSet) {
	fs.StringVar(&a.configPath, "config", a.configPath, "configuration `FILE` (TOML; also ICPDESK_CONFIG)")
	fs.StringVar(&a.dbURL, "db", a.dbURL, "database `URL`: postgres://… or sqlite:///path (also ICPDESK_DATABASE_URL)")
	fs.StringVar(&a.as, "as", a.as, "the staff member `NAME` the audit trail records for an action (default: ICPDESK_STAFF, else the OS user)")
}

// config loads and validates the configuration once; every problem in it is
// reported at once, one per line.
func (a *app) config() (*config.Config, error) {
	if a.cfg != nil {
		return a.cfg, nil
	}
	path := a.configPath
	if path == "" {
		path = a.getenv("ICPDESK_CONFIG")
	}
	cfg, err := config.Load(path, a.getenv)
	if err != nil {
		return nil, err
	}
	if a.dbURL != "" {
		cfg.Database.URL = a.dbURL
	}
	a.cfg = cfg
	return cfg, nil
}

// db opens the store once, checking that its schema is current.
func (a *app) db(ctx context.Context, opts ...store.Option) (*store.Store, error) {
	if a.store != nil {
		return a.store, nil
	}
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	s, err := store.Open(ctx, cfg.Database.URL, append(daemon.StoreOptions(cfg), opts...)...)
	if err != nil {
		return nil, err
	}
	if !a.skipSchemaCheck {
		if err := s.CheckSchema(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	a.store = s
	return s, nil
}

// logger builds the structured logger from [log] in the configuration,
// writing to stderr.
func (a *app) logger() (*slog.Logger, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.Log.Level)); err != nil {
		return nil, fmt.Errorf("log.level: %w", err)
	}
	return newLogger(a.stderr, cfg.Log.Format, level), nil
}

// staff is the actor of a command-line action.
func (a *app) staff() store.Actor {
	return store.Actor{Name: a.staffName(), Kind: filing.ActorStaff}
}

// processor builds the inbox's decision maker from the configuration, as
// the watcher has it.
func (a *app) processor(ctx context.Context) (*inbox.Processor, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	s, err := a.db(ctx)
	if err != nil {
		return nil, err
	}
	r, err := a.templates()
	if err != nil {
		return nil, err
	}
	return inbox.NewProcessor(s, inbox.ProcessorConfig{Own: inbox.OwnFromConfig(cfg, r.SubjectPhrases()),
		AckLimitPerHour: cfg.IMAP.AckLimitPerHour, Auth: inbox.AuthFromConfig(cfg)}), nil
}

// templates loads the email templates once.
func (a *app) templates() (*templates.Renderer, error) {
	if a.renderer != nil {
		return a.renderer, nil
	}
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	r, err := daemon.Templates(cfg)
	if err != nil {
		return nil, err
	}
	a.renderer = r
	return r, nil
}

// deskService is the staff actions' service.
type deskService = *desk.Service

// desk builds the staff actions' service, once.
func (a *app) desk(ctx context.Context) (*desk.Service, error) {
	if a.deskSvc != nil {
		return a.deskSvc, nil
	}
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	s, err := a.db(ctx)
	if err != nil {
		return nil, err
	}
	proc, err := a.processor(ctx)
	if err != nil {
		return nil, err
	}
	a.deskSvc = desk.New(s, proc, cfg.Fingerprinter)
	return a.deskSvc, nil
}

func (a *app) close() {
	if a.store != nil {
		a.store.Close()
	}
}

// staffName is who the audit trail records for a command-line action.
func (a *app) staffName() string {
	if n := strings.TrimSpace(a.as); n != "" {
		return n
	}
	if n := a.getenv("ICPDESK_STAFF"); n != "" {
		return n
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "staff"
}

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os/user"

	"github.com/spf13/pflag"

	"example.com/icpdesk/config"
	"example.com/icpdesk/daemon"
	"example.com/icpdesk/store"
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

	cfg   *config.Config
	store *store.Store
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

func (a *app) close() {
	if a.store != nil {
		a.store.Close()
	}
}

// staffName is who the audit trail records for a command-line action.
func (a *app) staffName() string {
	if n := a.getenv("ICPDESK_STAFF"); n != "" {
		return n
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "staff"
}

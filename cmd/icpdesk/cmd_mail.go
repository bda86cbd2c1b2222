package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"example.com/icpdesk/config"
	"example.com/icpdesk/daemon"
	"example.com/icpdesk/mailer"
	"example.com/icpdesk/store"
)

func (a *app) mailCommand() *cobra.Command {
	return a.group("mail", "the SMTP settings", a.mailTestCommand())
}

// newMailer builds the mailer from the configuration: templates (with the
// override directory checked now), SMTP settings and the store.
func (a *app) newMailer(ctx context.Context) (*mailer.Service, *store.Store, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, nil, err
	}
	set, err := mailer.SettingsFromConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	r, err := daemon.Templates(cfg)
	if err != nil {
		return nil, nil, err
	}
	log := a.commandLogger(cfg)
	s, err := a.db(ctx)
	if err != nil {
		return nil, nil, err
	}
	svc, err := mailer.New(s, r, set, mailer.WithLogger(log))
	if err != nil {
		return nil, nil, err
	}
	return svc, s, nil
}

// commandLogger is the logger of a one-shot mail command: errors only, so
// the command's own summary and error line stay readable, unless the
// configuration asks for debug.
func (a *app) commandLogger(cfg *config.Config) *slog.Logger {
	level := slog.LevelError
	if cfg.Log.Level == "debug" {
		level = slog.LevelDebug
	}
	return newLogger(a.stderr, cfg.Log.Format, level)
}

func (a *app) mailTestCommand() *cobra.Command {
	var to string
	c := a.leaf("test --to ADDRESS", "check the SMTP settings by sending one test email",
		func(ctx context.Context, _ []string) error { return runMailTest(ctx, a, to) })
	c.Flags().StringVar(&to, "to", "", "send the test email to `ADDRESS` (required)")
	return c
}

func runMailTest(ctx context.Context, a *app, to string) error {
	if strings.TrimSpace(to) == "" {
		return usagef("--to is required")
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	set, err := mailer.SettingsFromConfig(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*set.Timeout)
	defer cancel()
	id, err := mailer.SendTest(ctx, set, to, time.Now())
	if err != nil {
		return errors.New(strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	fmt.Fprintf(a.stdout, "test email sent to %s via %s (%s), Message-ID <%s>\n", to, set.Addr(), set.Security, id)
	return nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"example.com/icpdesk/config"
	"example.com/icpdesk/daemon"
	"example.com/icpdesk/mailer"
	"example.com/icpdesk/store"
)

func init() {
	register(
		&command{name: "outbox send", args: "", summary: "send every email due now, print a summary and exit", run: runOutboxSend},
		&command{name: "outbox retry", args: "ID", summary: "queue a failed email again, due now", run: runOutboxRetry},
		&command{name: "mail test", args: "--to ADDR", summary: "check the SMTP settings by sending one test email", run: runMailTest},
	)
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

func runOutboxSend(ctx context.Context, a *app, args []string) error {
	if _, err := a.parse(a.flags(commands["outbox send"]), args, 0, 0); err != nil {
		return err
	}
	svc, s, err := a.newMailer(ctx)
	if err != nil {
		return err
	}
	// Without a daemon there is no janitor: put back claims a crashed run
	// left behind (only expired ones, so never another sender's).
	if _, err := s.RequeueExpiredLeases(ctx, time.Now()); err != nil {
		return err
	}
	sum, err := svc.DrainOnce(ctx)
	loc := s.Policy().Location
	line := fmt.Sprintf("sent %d, retried %d, failed %d", sum.Sent, sum.Retried, sum.Failed)
	if sum.Released > 0 {
		line += fmt.Sprintf(", %d left for later", sum.Released)
	}
	if !sum.NextAttempt.IsZero() {
		line += ", next attempt " + localTime(sum.NextAttempt, loc)
	}
	fmt.Fprintln(a.stdout, line)
	if errors.Is(err, mailer.ErrUnreachable) {
		// One line: what is wrong and that nothing is lost.
		msg := strings.ReplaceAll(err.Error(), "\n", "; ")
		if sum.Retried > 0 {
			msg += fmt.Sprintf("; %d email(s) stay queued, next attempt %s", sum.Retried, localTime(sum.NextAttempt, loc))
		}
		return errors.New(msg)
	}
	return err
}

func runOutboxRetry(ctx context.Context, a *app, args []string) error {
	pos, err := a.parse(a.flags(commands["outbox retry"]), args, 1, 1)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return usagef("ID %q: want the number `icpdesk outbox list` shows", pos[0])
	}
	s, err := a.db(ctx)
	if err != nil {
		return err
	}
	r, err := s.RetryRow(ctx, id, a.staffName())
	if err != nil {
		return err
	}
	about := ""
	if r.Reference != "" {
		about = ", filing " + r.Reference
	}
	fmt.Fprintf(a.stdout, "email %d (%s to %s%s) queued again; `icpdesk outbox send` or the running daemon sends it\n",
		r.ID, r.Kind, r.Recipient, about)
	return nil
}

func runMailTest(ctx context.Context, a *app, args []string) error {
	fs := a.flags(commands["mail test"])
	to := fs.String("to", "", "send the test email to this address")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	if strings.TrimSpace(*to) == "" {
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
	id, err := mailer.SendTest(ctx, set, *to, time.Now())
	if err != nil {
		return errors.New(strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	fmt.Fprintf(a.stdout, "test email sent to %s via %s (%s), Message-ID <%s>\n", *to, set.Addr(), set.Security, id)
	return nil
}

package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"example.com/icpdesk/api"
	"example.com/icpdesk/console"
	"example.com/icpdesk/daemon"
)

// shutdownGrace is how long work in flight may take to finish after the
// first signal; a second signal exits at once.
const shutdownGrace = 30 * time.Second

func (a *app) serveCommand() *cobra.Command {
	return a.leaf("serve", "run the daemon: inbox watcher, mailer, scheduler, the HTTP API, /healthz /readyz /metrics",
		func(ctx context.Context, _ []string) error { return runServe(ctx, a) })
}

func runServe(ctx context.Context, a *app) error {
	a.skipSchemaCheck = true // it migrates first
	cfg, err := a.config()
	if err != nil {
		return err
	}
	log, err := a.logger()
	if err != nil {
		return err
	}
	// Counted from now: the signal that ends ctx is the first; a second one
	// during shutdown exits at once.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	s, err := a.db(ctx)
	if err != nil {
		return err
	}
	res, err := s.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(res.Applied) > 0 {
		log.Info("database migrated", "from", res.From, "to", res.To, "applied", strings.Join(res.Applied, ","))
	}
	svc, err := a.desk(ctx)
	if err != nil {
		return err
	}
	apiHandler := api.New(svc, api.Options{MaxBody: cfg.HTTP.APIMaxBody, Log: log.With("service", "api")})
	con, err := a.console(ctx, log)
	if err != nil {
		return err
	}
	d, err := daemon.New(cfg, s, log, daemon.Options{Routes: []daemon.Route{
		{Pattern: api.Prefix + "/", Handler: apiHandler, Listen: cfg.HTTP.APIListen},
		{Pattern: "/", Handler: con},
	}})
	if err != nil {
		return err
	}
	// The services run on a context the signal does not cancel: Shutdown
	// stops them in two phases and cancels only after the grace period.
	if err := d.Start(context.WithoutCancel(ctx)); err != nil {
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		_ = d.Shutdown(sctx)
		return err
	}
	<-ctx.Done()
	return shutdown(a, d, log, sigs)
}

// console builds the staff console over the staff actions' service.
func (a *app) console(ctx context.Context, log *slog.Logger) (*console.Console, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	svc, err := a.desk(ctx)
	if err != nil {
		return nil, err
	}
	r, err := a.templates()
	if err != nil {
		return nil, err
	}
	return console.New(svc, console.FromConfig(cfg, r, log))
}

// shutdown stops the daemon gracefully; a second signal exits at once.
func shutdown(a *app, d *daemon.Daemon, log *slog.Logger, sigs <-chan os.Signal) error {
	log.Info("stopping: finishing work in flight; send the signal again to exit at once", "grace", shutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	go func() {
		n := 0
		for {
			select {
			case <-sigs:
				if n++; n >= 2 {
					log.Warn("second signal: exiting now")
					a.exit(exitRuntime)
					return
				}
			case <-sctx.Done():
				return
			}
		}
	}()
	if err := d.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

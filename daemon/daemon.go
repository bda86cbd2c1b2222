// Package daemon assembles icpdesk's long-running services: the inbox
// watcher, the mailer, the scheduler and the HTTP endpoint for health and
// metrics, with a two-phase shutdown. `icpdesk serve` and `icpdesk demo` run
// it; it holds no business rules.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"example.com/icpdesk/config"
	"example.com/icpdesk/filing"
	"example.com/icpdesk/inbox"
	"example.com/icpdesk/mailer"
	"example.com/icpdesk/monitor"
	"example.com/icpdesk/scheduler"
	"example.com/icpdesk/store"
	"example.com/icpdesk/templates"
)

// Options adjust a daemon beyond its configuration.
type Options struct {
	// Listener, when set, serves HTTP instead of listening on http.listen
	// (tests and the demo pass one bound to a free port).
	Listener net.Listener
	// Now replaces the clock of the scheduler and the mailer (the demo
	// moves time forward).
	Now func() time.Time
	// NoInbox, NoScheduler leave a service out.
	NoInbox, NoScheduler bool
	// Routes are more handlers served on the same listener beside
	// /healthz, /readyz and /metrics (the HTTP API, the console), each
	// under a ServeMux pattern such as "/api/v1/" or "/".
	Routes []Route
}

// Route is a handler and the ServeMux pattern it serves, on the main
// listener or, with Listen set, on a listener of its own at that address
// (the API's [http] api_listen). A handler with a Drain method is told when
// shutdown begins, so it can end long polls at once.
type Route struct {
	Pattern string
	Handler http.Handler
	Listen  string
}

// drainer is a handler that holds requests open (the events feed).
type drainer interface{ Drain() }

// sideServer serves the routes of one Listen address.
type sideServer struct {
	addr string
	srv  *http.Server
	ln   net.Listener
	done chan error
}

// Daemon is the running services.
type Daemon struct {
	cfg     *config.Config
	st      *store.Store
	log     *slog.Logger
	Metrics *monitor.Metrics
	Mailer  *mailer.Service
	Watcher *inbox.Watcher
	Sched   *scheduler.Scheduler

	http     *http.Server
	listener net.Listener
	side     []*sideServer
	stopping atomic.Bool

	mu          sync.Mutex
	cancelInbox context.CancelFunc
	inboxDone   chan struct{}
	httpDone    chan error
	started     bool
}

// New builds every service from cfg and checks everything that can be
// checked before starting: templates (with the override directory), SMTP
// and IMAP settings, cron specifications.
func New(cfg *config.Config, st *store.Store, log *slog.Logger, opts Options) (*Daemon, error) {
	d := &Daemon{cfg: cfg, st: st, log: log, listener: opts.Listener}
	r, err := Templates(cfg)
	if err != nil {
		return nil, err
	}
	set, err := mailer.SettingsFromConfig(cfg)
	if err != nil {
		return nil, err
	}
	mopts := []mailer.Option{mailer.WithLogger(log.With("service", "mailer"))}
	if opts.Now != nil {
		mopts = append(mopts, mailer.WithClock(opts.Now))
	}
	if d.Mailer, err = mailer.New(st, r, set, mopts...); err != nil {
		return nil, err
	}
	d.Metrics = monitor.NewMetrics(st.OutboxQueue)
	d.Metrics.WatchStore(StoreStats(st))
	d.Metrics.WatchSends(func() (int64, int64, int64) {
		c := d.Mailer.Counters()
		return c.Sent, c.Retried, c.Failed
	})
	if !opts.NoInbox {
		wcfg, err := inbox.FromConfig(cfg, r.SubjectPhrases())
		if err != nil {
			return nil, err
		}
		if !cfg.Inbox.SenderAuthRequired() {
			log.Warn("sender authentication is off: any message whose From: is an account's address can move its filing; " +
				"set [inbox] trusted_authserv_ids or verify_dkim")
		}
		hooks := inbox.Hooks{
			OnMessage: func(ev inbox.MessageEvent) {
				if ev.Duplicate {
					return // already counted when it was recorded
				}
				d.Metrics.InboundMessages.WithLabelValues(string(ev.Classification), string(ev.Decision)).Inc()
				d.Metrics.IngestLatency.Observe(ev.Latency.Seconds())
				if ev.NeedsReply {
					d.Metrics.NeedsReply.Inc()
				}
			},
			OnReconnected: func() { d.Metrics.IMAPReconnects.Inc() },
		}
		if d.Watcher, err = inbox.NewWatcher(st, wcfg, inbox.WithLogger(log.With("service", "inbox")), inbox.WithHooks(hooks)); err != nil {
			return nil, err
		}
	}
	if !opts.NoScheduler {
		scfg := SchedulerConfig(cfg, st)
		scfg.Now, scfg.OnRun = opts.Now, d.Metrics.ObserveJob
		if d.Sched, err = scheduler.New(st, scfg, log.With("service", "scheduler")); err != nil {
			return nil, err
		}
	}
	checks := []monitor.Check{
		{Name: "shutdown", Fn: monitor.Ready(func(context.Context) error {
			if d.stopping.Load() {
				return errors.New("shutting down")
			}
			return nil
		})},
		{Name: "database", Fn: monitor.Ready(st.Ping)},
		{Name: "smtp", Fn: monitor.Ready(d.Mailer.CheckReady)},
	}
	if d.Watcher != nil {
		w := d.Watcher
		d.Metrics.WatchInbox(func() (bool, bool) { return w.Status().Connected, w.LeaseHeld() })
		checks = append(checks, monitor.Check{Name: "imap", Fn: MailboxCheck(cfg, st, d.Watcher).Check})
	}
	mon := monitor.Handler(d.Metrics, checks, log.With("service", "http"))
	mux := http.NewServeMux()
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		mux.Handle(p, mon)
	}
	sideMux := map[string]*http.ServeMux{}
	sideSrv := map[string]*http.Server{}
	var mainDrains []func()
	for _, r := range opts.Routes {
		dr, drains := r.Handler.(drainer)
		if r.Listen == "" || r.Listen == cfg.HTTP.Listen {
			mux.Handle(r.Pattern, r.Handler)
			if drains {
				mainDrains = append(mainDrains, dr.Drain)
			}
			continue
		}
		m := sideMux[r.Listen]
		if m == nil {
			m = http.NewServeMux()
			sideMux[r.Listen] = m
			srv := &http.Server{Handler: m, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
			sideSrv[r.Listen] = srv
			d.side = append(d.side, &sideServer{addr: r.Listen, srv: srv})
		}
		m.Handle(r.Pattern, r.Handler)
		if drains {
			sideSrv[r.Listen].RegisterOnShutdown(dr.Drain)
		}
	}
	d.http = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	for _, fn := range mainDrains {
		d.http.RegisterOnShutdown(fn)
	}
	return d, nil
}

// MailboxCheck is the "imap" readiness check: the watcher's own session
// while it holds the mailbox; on a standby, the status the holder last wrote
// (store.MailboxStatus, written every store.MailboxStatusEvery).
func MailboxCheck(cfg *config.Config, st *store.Store, w *inbox.Watcher) monitor.Mailbox {
	key := store.MailboxKey(cfg.IMAP.Username, cfg.IMAP.Host, cfg.IMAP.Port, cfg.IMAP.Mailbox)
	return monitor.Mailbox{
		Here: func(ctx context.Context) (bool, error) {
			if w.Status().Mode == "standby" {
				return true, nil
			}
			return false, w.CheckReady(ctx)
		},
		Held: func(ctx context.Context) (monitor.HolderStatus, bool, error) {
			ms, ok, err := st.MailboxStatus(ctx, key)
			h := monitor.HolderStatus{Holder: ms.Holder, Connected: ms.Connected, Mode: ms.Mode, LastError: ms.LastError, At: ms.UpdatedAt}
			if ms.LastPass != nil {
				h.LastPass = *ms.LastPass
			}
			return h, ok, err
		},
		Fresh: 4 * store.MailboxStatusEvery,
		Zone:  cfg.Policy().Location,
	}
}

// StoreStats are the store's gauges for /metrics: the work queue by kind,
// filings by stage, each job's last success.
func StoreStats(st *store.Store) monitor.StoreStats {
	kinds := make([]string, len(filing.WorkKinds))
	for i, k := range filing.WorkKinds {
		kinds[i] = string(k)
	}
	return monitor.StoreStats{
		Kinds: kinds,
		Work: func(ctx context.Context) (map[string]monitor.KindStat, error) {
			counts, err := st.CountOpenWorkItems(ctx)
			out := map[string]monitor.KindStat{}
			for _, c := range counts {
				ks := monitor.KindStat{Open: c.Open}
				if c.Oldest != nil {
					ks.Oldest = *c.Oldest
				}
				out[string(c.Kind)] = ks
			}
			return out, err
		},
		Stages: func(ctx context.Context) (map[string]int, error) {
			counts, err := st.CountFilingsByStage(ctx)
			out := map[string]int{}
			for _, s := range filing.Stages {
				out[string(s)] = counts[s]
			}
			return out, err
		},
		JobSuccess: st.LastJobSuccesses,
	}
}

// SchedulerConfig is the scheduler's configuration from cfg, shared by the
// daemon and `icpdesk jobs`. Its outbox janitor requeues claims that expired
// and erases the passwords of unsent emails queued more than twice max_age
// ago (a failed approval email can be retried, password and all, for at
// least max_age after it failed).
func SchedulerConfig(cfg *config.Config, st *store.Store) scheduler.Config {
	policy := cfg.Policy()
	return scheduler.Config{
		Location: policy.Location,
		Specs: scheduler.Specs{DeadlineSweep: cfg.Jobs.DeadlineSweep, Reminders: cfg.Jobs.Reminders,
			Digest: cfg.Jobs.Digest, OutboxJanitor: cfg.Jobs.OutboxJanitor},
		ReminderOffsets: policy.ReminderOffsets,
		Janitor:         mailer.Janitor(st, 2*cfg.SMTP.MaxAge.Duration),
	}
}

// Templates loads the email templates cfg names, the override directory
// checked now.
func Templates(cfg *config.Config) (*templates.Renderer, error) {
	return templates.New(mailer.DeskFromConfig(cfg), cfg.Templates.Dir, cfg.Policy().Location)
}

// StoreOptions are the store options cfg implies; every process that opens
// the store from a configuration (serve, the commands, the demo) uses them.
func StoreOptions(cfg *config.Config) []store.Option {
	return []store.Option{
		store.WithPolicy(cfg.Policy()),
		store.WithStaff(cfg.Desk.Staff, cfg.StaffLanguage()),
		store.WithMessageIDDomain(cfg.MailDomain()),
		store.WithConsoleURL(cfg.HTTP.PublicURL),
	}
}

// Start starts every service and the HTTP listener. It returns once they
// run; Shutdown stops them. ctx should not be the signal context: Shutdown
// lets work in flight finish before it cancels, which a cancelled ctx would
// cut short.
func (d *Daemon) Start(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.started {
		return errors.New("daemon already started")
	}
	if d.listener == nil {
		ln, err := net.Listen("tcp", d.cfg.HTTP.Listen)
		if err != nil {
			return fmt.Errorf("http.listen %s: %w", d.cfg.HTTP.Listen, err)
		}
		d.listener = ln
	}
	for _, ss := range d.side {
		ln, err := net.Listen("tcp", ss.addr)
		if err != nil {
			for _, o := range d.side {
				if o.ln != nil {
					o.ln.Close()
				}
			}
			return fmt.Errorf("http.api_listen %s: %w", ss.addr, err)
		}
		ss.ln = ln
	}
	d.started = true
	if err := d.Mailer.Start(ctx); err != nil {
		return err
	}
	if d.Watcher != nil {
		ictx, cancel := context.WithCancel(ctx)
		d.cancelInbox, d.inboxDone = cancel, make(chan struct{})
		go func() {
			defer close(d.inboxDone)
			defer func() {
				if r := recover(); r != nil {
					d.log.Error("inbox watcher panicked", "panic", r, "stack", string(debug.Stack()))
				}
			}()
			if err := d.Watcher.Run(ictx); err != nil {
				d.log.Error("inbox watcher stopped", "err", err)
			}
		}()
	}
	// The scheduler after the watcher: its catch-up sweep waits for the
	// inbox's progress anyway (store.SweepDeadlines), and mail that arrived
	// while icpdesk was down is read first.
	if d.Sched != nil {
		if err := d.Sched.Start(ctx); err != nil {
			return err
		}
	}
	d.httpDone = make(chan error, 1)
	go func() {
		err := d.http.Serve(d.listener)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		d.httpDone <- err
	}()
	for _, ss := range d.side {
		ss.done = make(chan error, 1)
		go func() {
			err := ss.srv.Serve(ss.ln)
			if errors.Is(err, http.ErrServerClosed) {
				err = nil
			}
			ss.done <- err
		}()
		d.log.Info("icpdesk serving", "http", ss.ln.Addr().String(), "routes", "api")
	}
	d.log.Info("icpdesk serving", "http", d.listener.Addr().String(), "database", d.st.Where(),
		"imap", d.Watcher != nil, "scheduler", d.Sched != nil)
	return nil
}

// SideAddrs are the addresses of the listeners of routes with a Listen
// address of their own, once started.
func (d *Daemon) SideAddrs() []net.Addr {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []net.Addr
	for _, ss := range d.side {
		if ss.ln != nil {
			out = append(out, ss.ln.Addr())
		}
	}
	return out
}

// Addr is the HTTP listener's address.
func (d *Daemon) Addr() net.Addr {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.listener == nil {
		return nil
	}
	return d.listener.Addr()
}

// Shutdown stops taking new work and lets the message being recorded and
// the emails being sent finish until ctx ends; then whatever still runs is
// cancelled. Nothing is left half-applied: every change is one transaction.
// Calling it twice is harmless.
func (d *Daemon) Shutdown(ctx context.Context) error {
	d.mu.Lock()
	started := d.started
	d.mu.Unlock()
	if !started || !d.stopping.CompareAndSwap(false, true) {
		return nil
	}
	d.log.Info("shutting down: finishing work in flight")
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	stop := func(name string, fn func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
				mu.Unlock()
			}
		}()
	}
	if d.cancelInbox != nil {
		// The watcher commits the batch it has fetched before it returns.
		stop("inbox", func() error {
			d.cancelInbox()
			select {
			case <-d.inboxDone:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}
	stop("mailer", func() error { return d.Mailer.Stop(ctx) })
	if d.Sched != nil {
		stop("scheduler", func() error { return d.Sched.Stop(ctx) })
	}
	wg.Wait()
	// HTTP last, so /readyz says "shutting down" until the end.
	for _, ss := range d.side {
		switch {
		case ss.done != nil:
			if err := ss.srv.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("http %s: %w", ss.addr, err))
				ss.srv.Close()
			}
			if err := <-ss.done; err != nil {
				errs = append(errs, fmt.Errorf("http %s: %w", ss.addr, err))
			}
		case ss.ln != nil:
			ss.ln.Close()
		}
	}
	if d.httpDone == nil {
		// Start failed before serving: the listener never reached the
		// server, and nothing will ever report on httpDone.
		d.listener.Close()
	} else {
		if err := d.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http: %w", err))
			d.http.Close()
		}
		if err := <-d.httpDone; err != nil {
			errs = append(errs, fmt.Errorf("http: %w", err))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	d.log.Info("stopped")
	return nil
}

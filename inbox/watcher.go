package inbox

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"example.com/icpdesk/config"
	"example.com/icpdesk/mailparse"
	"example.com/icpdesk/senderauth"
	"example.com/icpdesk/store"
)

// Config is what a Watcher needs. FromConfig builds it from the daemon's
// configuration; zero durations and limits take the defaults below.
type Config struct {
	Host     string
	Port     int
	Security string // "tls" (implicit), "starttls", or "none" (loopback hosts only)
	Username string
	Password config.Secret
	// TLS is the client TLS configuration (a private CA's roots); nil uses the
	// system roots. ServerName defaults to Host.
	TLS *tls.Config

	Mailbox          string
	ProcessedMailbox string
	MaxMessageSize   int64 // default 25 MB; larger messages are recorded from their header
	Batch            int   // messages per fetch and per transaction (default 50)
	PollInterval     time.Duration
	IdleRefresh      time.Duration // IDLE re-issued, with a NOOP check, this often (default 10m)
	ReconnectMax     time.Duration
	AckLimitPerHour  int // per sender; 0 sends none
	Own              Own
	Auth             senderauth.Config
	// DisableIdle polls even when the server offers IDLE.
	DisableIdle bool

	LeaseRetry     time.Duration // a standby replica tries to take the mailbox this often (default 5s)
	CommandTimeout time.Duration // a command's answer (default 2m)
	DialTimeout    time.Duration // connect, TLS and greeting (default 30s)
	Parsers        int           // messages parsed at once (default GOMAXPROCS)
	SpoolDir       string        // for large messages (default os.TempDir)
	Parse          mailparse.ParseOptions
}

// Defaults.
const (
	DefaultMaxMessageSize = 25 << 20
	DefaultBatch          = 50
	DefaultPollInterval   = time.Minute
	DefaultIdleRefresh    = 10 * time.Minute
	DefaultReconnectMax   = 5 * time.Minute
	DefaultAckLimit       = 3
)

// FromConfig builds a watcher configuration from the daemon's: the [imap]
// and [inbox] sections, the IMAP password from the environment, the desk's
// own addresses. subjectPhrases are our emails' subject wording
// (templates.Renderer.SubjectPhrases).
func FromConfig(c *config.Config, subjectPhrases []string) (Config, error) {
	m := c.IMAP
	cfg := Config{
		Host: m.Host, Port: m.Port, Security: m.Security, Username: m.Username, Password: c.Secrets.IMAPPassword,
		Mailbox: m.Mailbox, ProcessedMailbox: m.ProcessedMailbox, MaxMessageSize: int64(m.MaxMessageSize),
		Batch: m.Batch, PollInterval: m.PollInterval.Duration, IdleRefresh: m.IdleRefresh.Duration,
		ReconnectMax: m.ReconnectMax.Duration, AckLimitPerHour: m.AckLimitPerHour,
		Own:  OwnFromConfig(c, subjectPhrases),
		Auth: AuthFromConfig(c),
	}
	if m.CAFile != "" {
		pem, err := os.ReadFile(m.CAFile)
		if err != nil {
			return cfg, fmt.Errorf("imap.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return cfg, fmt.Errorf("imap.ca_file %s: no PEM certificates", m.CAFile)
		}
		cfg.TLS = &tls.Config{RootCAs: pool}
	}
	return cfg, nil
}

// AuthFromConfig is the [inbox] section's sender authentication.
func AuthFromConfig(c *config.Config) senderauth.Config {
	return senderauth.Config{TrustedAuthServIDs: c.Inbox.TrustedAuthServIDs, VerifyDKIM: c.Inbox.VerifyDKIM}
}

// OwnFromConfig is the desk's own mail: the desk mailbox, the sender
// address, staff, the domain of the Message-IDs it gives, and the wording of
// its subjects.
func OwnFromConfig(c *config.Config, subjectPhrases []string) Own {
	own := Own{MessageIDDomain: c.MailDomain(), Addresses: []string{c.Desk.Address}}
	if c.SMTP.From != "" {
		if a := mailparse.ParseAddress(c.SMTP.From); a.Addr != "" {
			own.Addresses = append(own.Addresses, a.Addr)
		}
	}
	// Staff writing to the desk mailbox are the desk, not applicants: their
	// mail must never trigger an unverified-sender notice to an applicant.
	return Own{MessageIDDomain: own.MessageIDDomain, Addresses: append(own.Addresses, c.Desk.Staff...), SubjectPhrases: subjectPhrases,
		BounceAddress: c.SMTP.BounceAddress}
}

func (c *Config) setDefaults() {
	if c.MaxMessageSize <= 0 {
		c.MaxMessageSize = DefaultMaxMessageSize
	}
	if c.Batch <= 0 {
		c.Batch = DefaultBatch
	}
	if c.PollInterval <= 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.IdleRefresh <= 0 || c.IdleRefresh > 29*time.Minute {
		c.IdleRefresh = DefaultIdleRefresh
	}
	if c.ReconnectMax <= 0 {
		c.ReconnectMax = DefaultReconnectMax
	}
	if c.CommandTimeout <= 0 {
		c.CommandTimeout = 2 * time.Minute
	}
	if c.LeaseRetry <= 0 {
		c.LeaseRetry = 5 * time.Second
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = 30 * time.Second
	}
	if c.Parsers <= 0 {
		c.Parsers = runtime.GOMAXPROCS(0)
	}
	if c.Mailbox == "" {
		c.Mailbox = "INBOX"
	}
}

func (c *Config) validate() error {
	var errs []string
	if c.Host == "" {
		errs = append(errs, "no IMAP host")
	}
	if c.Port < 1 || c.Port > 65535 {
		errs = append(errs, fmt.Sprintf("IMAP port %d", c.Port))
	}
	if err := config.CheckSecurity(c.Security, c.Host); err != nil {
		errs = append(errs, "security "+err.Error())
	}
	if c.Username != "" && c.Password == "" {
		// Caught here, not by the first failed login and endless retries.
		errs = append(errs, "the IMAP password is not set: set ICPDESK_IMAP_PASSWORD (or ICPDESK_IMAP_PASSWORD_FILE)")
	}
	if c.ProcessedMailbox == "" || c.ProcessedMailbox == c.Mailbox {
		errs = append(errs, "the processed mailbox must be set and differ from the watched one")
	}
	if len(errs) > 0 {
		return errors.New("inbox: " + strings.Join(errs, "; "))
	}
	return nil
}

// Status is the watcher's state, for /readyz.
type Status struct {
	Connected      bool      `json:"connected"`
	Idle           bool      `json:"idle"` // waiting in IDLE for new mail
	Mode           string    `json:"mode"` // idle, poll, disconnected, or standby (another replica holds the mailbox)
	ConnectedSince time.Time `json:"connected_since,omitzero"`
	LastPass       time.Time `json:"last_pass,omitzero"` // the last completed catch-up
	LastError      string    `json:"last_error,omitempty"`
	LastErrorAt    time.Time `json:"last_error_at,omitzero"`
}

// Stats are the watcher's counters since it started.
type Stats struct {
	ByClassification map[Classification]int64
	ByDecision       map[Decision]int64
	Duplicates       int64 // already recorded: only moved
	Unparseable      int64
	Oversize         int64
	NeedsReply       int64 // messages that asked staff for an answer
	Moved            int64
	MoveFailures     int64
	Reconnects       int64 // sessions that failed (each followed by a reconnect attempt)
	IdleRefreshes    int64 // IDLE re-issued after a NOOP check
	Panics           int64 // recovered panics: always a bug
	Ingested         int64
	// IngestLatency is the time from a message's arrival at the server to
	// its commit: the total, the largest, the last.
	LatencyTotal time.Duration
	LatencyMax   time.Duration
	LatencyLast  time.Duration
}

// MessageEvent reports one message committed. Duplicate events are for
// messages found already recorded (only moved): not new mail.
type MessageEvent struct {
	UID            uint32
	MessageID      string
	Classification Classification
	Decision       Decision
	Duplicate      bool
	NeedsReply     bool
	Filing         string
	CommittedAt    time.Time
	Latency        time.Duration // arrival at the server → commit
}

// Hooks let the daemon export metrics without this package knowing how.
// Each is optional; they run on the watcher's goroutines and must not block.
type Hooks struct {
	OnMessage   func(MessageEvent)
	OnReconnect func(err error)
	// OnReconnected runs when a session is established after one failed.
	OnReconnected func()
	OnStatus      func(Status)
}

// Watcher watches one mailbox. Run it for the daemon, or call PollOnce.
type Watcher struct {
	cfg   Config
	store *store.Store
	proc  *Processor
	log   *slog.Logger
	hooks Hooks

	busy atomic.Bool // one session at a time

	mu     sync.Mutex
	status Status
	stats  Stats

	// failedSession is set when a session failed, until the next one is
	// established (a reconnect).
	failedSession bool
	// leaseHeld is set while this watcher holds the mailbox.
	leaseHeld bool

	// afterCommit runs between a batch's commit and its move (tests
	// simulate a crash there).
	afterCommit func(uids []uint32) error
	// afterMove runs between a move and noting it (tests simulate a crash
	// there too).
	afterMove func(uids []uint32) error
}

// Option configures a Watcher.
type Option func(*Watcher)

// WithLogger sets the logger (personal data in it is masked).
func WithLogger(l *slog.Logger) Option { return func(w *Watcher) { w.log = l } }

// WithHooks sets the metric hooks.
func WithHooks(h Hooks) Option { return func(w *Watcher) { w.hooks = h } }

// NewWatcher checks cfg and returns a watcher recording into st.
func NewWatcher(st *store.Store, cfg Config, opts ...Option) (*Watcher, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	w := &Watcher{cfg: cfg, store: st, log: slog.New(slog.DiscardHandler)}
	w.status.Mode = "disconnected"
	w.stats.ByClassification = map[Classification]int64{}
	w.stats.ByDecision = map[Decision]int64{}
	for _, o := range opts {
		o(w)
	}
	w.proc = NewProcessor(st, ProcessorConfig{Own: cfg.Own, AckLimitPerHour: cfg.AckLimitPerHour, Auth: cfg.Auth, Log: w.log})
	w.proc.recovered = w.recovered
	return w, nil
}

// ErrBusy is returned by Run and PollOnce while this watcher is already
// running, and by PollOnce while another watcher (in this process or on
// another replica) holds the mailbox.
var ErrBusy = errors.New("inbox: the watcher is already running a session")

// Summary is what one pass did.
type Summary struct {
	Found       int // messages waiting in the mailbox
	Fetched     int
	Recorded    int
	Duplicates  int // already recorded: only moved
	Moved       int
	Unparseable int
	ByDecision  map[Decision]int
	// Rescan is set when the mailbox's UIDVALIDITY changed: every message was
	// looked at again, and those already recorded were recognised by Message-ID.
	Rescan bool
}

// PollOnce connects, ingests everything waiting, and logs out. It holds the
// mailbox's lease meanwhile, and returns ErrBusy if another watcher (here or
// on another replica) holds it.
func (w *Watcher) PollOnce(ctx context.Context) (sum Summary, err error) {
	sum = Summary{ByDecision: map[Decision]int{}}
	if !w.busy.CompareAndSwap(false, true) {
		return sum, ErrBusy
	}
	defer w.busy.Store(false)
	defer func() {
		if r := recover(); r != nil {
			err = w.recovered("poll", r)
		}
	}()
	lease, err := w.store.TryLease(ctx, w.leaseName())
	if errors.Is(err, store.ErrLeaseHeld) {
		return sum, fmt.Errorf("%w: %w", ErrBusy, err)
	}
	if err != nil {
		return sum, err
	}
	defer lease.Release()
	ctx, cancel := leaseContext(ctx, lease)
	defer cancel()
	s, err := w.connect(ctx)
	if err != nil {
		w.setError(err)
		return sum, err
	}
	defer s.close()
	if err := s.catchUp(ctx, true, &sum); err != nil {
		w.setError(err)
		return sum, err
	}
	s.logout()
	return sum, nil
}

// leaseName names the mailbox across replicas: one consumer each, and the
// key of the status it publishes for standbys.
func (w *Watcher) leaseName() string {
	return store.MailboxKey(w.cfg.Username, w.cfg.Host, w.cfg.Port, w.cfg.Mailbox)
}

// mailboxStatus is the status the holder publishes for standbys' /readyz.
func (w *Watcher) mailboxStatus() store.MailboxStatus {
	st := w.Status()
	ms := store.MailboxStatus{Mailbox: w.leaseName(), Connected: st.Connected, Mode: st.Mode, LastError: st.LastError}
	if !st.LastPass.IsZero() {
		t := st.LastPass
		ms.LastPass = &t
	}
	if !st.LastErrorAt.IsZero() {
		t := st.LastErrorAt
		ms.LastErrorAt = &t
	}
	return ms
}

// leaseContext ends when ctx does or the lease is lost.
func leaseContext(ctx context.Context, l *store.Lease) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-l.Lost():
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// Run watches the mailbox until ctx is done: it takes the mailbox's lease
// (standing by while another replica holds it), catches up, then waits in
// IDLE (or polls), reconnecting with capped exponential backoff after any
// failure. It returns nil when ctx ends, or ErrBusy if this watcher is
// already running.
func (w *Watcher) Run(ctx context.Context) error {
	if !w.busy.CompareAndSwap(false, true) {
		return ErrBusy
	}
	defer w.busy.Store(false)
	defer w.setStatus(func(s *Status) { s.Connected, s.Idle, s.Mode = false, false, "disconnected" })
	for ctx.Err() == nil {
		lease, err := w.store.TryLease(ctx, w.leaseName())
		if err != nil {
			if errors.Is(err, store.ErrLeaseHeld) {
				w.setStatus(func(s *Status) { s.Connected, s.Idle, s.Mode = false, false, "standby" })
			} else {
				w.setError(err)
				w.log.WarnContext(ctx, "inbox: cannot take the mailbox lease", "err", err)
			}
			sleep(ctx, w.cfg.LeaseRetry)
			continue
		}
		lctx, cancel := leaseContext(ctx, lease)
		w.setLeaseHeld(true)
		published := make(chan struct{})
		go func() {
			defer close(published)
			w.store.PublishMailboxStatus(lctx, store.MailboxStatusEvery, w.mailboxStatus, func(err error) {
				w.log.WarnContext(lctx, "inbox: cannot write the mailbox status", "err", err)
			})
		}()
		w.watch(lctx)
		cancel()
		<-published
		lease.Release()
		w.setLeaseHeld(false)
		if ctx.Err() == nil {
			w.log.WarnContext(ctx, "inbox: lost the mailbox lease; standing by")
		}
	}
	return nil
}

// watch runs sessions, reconnecting with backoff, until ctx ends.
func (w *Watcher) watch(ctx context.Context) {
	backoff := time.Second
	for ctx.Err() == nil {
		started := time.Now()
		err := w.runSession(ctx)
		if ctx.Err() != nil {
			return
		}
		w.setError(err)
		w.log.WarnContext(ctx, "inbox: IMAP session ended; reconnecting", "err", err, "in", backoff.Round(time.Millisecond))
		w.mu.Lock()
		w.stats.Reconnects++
		w.failedSession = true
		w.mu.Unlock()
		if w.hooks.OnReconnect != nil {
			w.hooks.OnReconnect(err)
		}
		if time.Since(started) > 2*time.Minute {
			backoff = time.Second // it was working: start over
		}
		// Jitter keeps replicas from reconnecting in step.
		sleep(ctx, backoff/2+rand.N(backoff/2+1))
		backoff = min(backoff*2, w.cfg.ReconnectMax)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// runSession is one connection's life, with panics turned into errors.
func (w *Watcher) runSession(ctx context.Context) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = w.recovered("session", r)
		}
	}()
	s, err := w.connect(ctx)
	if err != nil {
		return err
	}
	defer s.close()
	var sum Summary
	sum.ByDecision = map[Decision]int{}
	if err := s.catchUp(ctx, true, &sum); err != nil {
		return err
	}
	if s.canIdle() {
		return s.idleLoop(ctx)
	}
	return s.pollLoop(ctx)
}

// recovered logs a recovered panic and counts it: a panic is always a bug,
// and tests fail on any.
func (w *Watcher) recovered(where string, r any) error {
	w.mu.Lock()
	w.stats.Panics++
	w.mu.Unlock()
	w.log.Error("inbox: recovered from a panic", "where", where, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
	return fmt.Errorf("inbox: internal error in %s: %v", where, r)
}

func (w *Watcher) setLeaseHeld(held bool) {
	w.mu.Lock()
	w.leaseHeld = held
	w.mu.Unlock()
}

// LeaseHeld reports whether this watcher holds the mailbox (a standby
// replica does not).
func (w *Watcher) LeaseHeld() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.leaseHeld
}

// established notes a session established; after a failed one it is a
// reconnect.
func (w *Watcher) established() {
	w.mu.Lock()
	again := w.failedSession
	w.failedSession = false
	w.mu.Unlock()
	if again && w.hooks.OnReconnected != nil {
		w.hooks.OnReconnected()
	}
}

// Status returns the watcher's state.
func (w *Watcher) Status() Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.status
}

// Ready reports whether the watcher is connected (or a standby while
// another replica holds the mailbox), with the last error if not.
func (w *Watcher) Ready() (bool, string) {
	s := w.Status()
	return s.Connected || s.Mode == "standby", s.LastError
}

// CheckReady is Ready as a readiness check (monitor.Check's Fn).
func (w *Watcher) CheckReady(context.Context) error {
	if ok, last := w.Ready(); !ok {
		if last == "" {
			last = "not connected yet"
		}
		return fmt.Errorf("IMAP: %s", last)
	}
	return nil
}

// Stats returns a copy of the counters.
func (w *Watcher) Stats() Stats {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.stats
	s.ByClassification = map[Classification]int64{}
	s.ByDecision = map[Decision]int64{}
	for k, v := range w.stats.ByClassification {
		s.ByClassification[k] = v
	}
	for k, v := range w.stats.ByDecision {
		s.ByDecision[k] = v
	}
	return s
}

func (w *Watcher) setStatus(f func(*Status)) {
	w.mu.Lock()
	f(&w.status)
	st := w.status
	w.mu.Unlock()
	if w.hooks.OnStatus != nil {
		w.hooks.OnStatus(st)
	}
}

func (w *Watcher) setError(err error) {
	if err == nil {
		return
	}
	w.setStatus(func(s *Status) {
		s.LastError, s.LastErrorAt = err.Error(), time.Now()
		s.Connected, s.Idle, s.Mode = false, false, "disconnected"
	})
}

// counted updates the counters after a commit.
func (w *Watcher) counted(b *batch, outs []Outcome, committed time.Time) {
	w.mu.Lock()
	events := make([]MessageEvent, 0, len(outs))
	for _, o := range outs {
		ev := MessageEvent{UID: o.UID, MessageID: o.MessageID, Classification: o.Verdict.Class,
			Decision: o.Verdict.Decision, Duplicate: o.Duplicate, NeedsReply: o.Verdict.NeedsReply, CommittedAt: committed,
			Filing: filingRef(o.Verdict)}
		if !o.Internal.IsZero() {
			ev.Latency = max(0, committed.Sub(o.Internal))
		}
		if o.Duplicate {
			w.stats.Duplicates++
		} else {
			w.stats.Ingested++
			w.stats.ByClassification[o.Verdict.Class]++
			w.stats.ByDecision[o.Verdict.Decision]++
			if o.Verdict.NeedsReply {
				w.stats.NeedsReply++
			}
			if o.Unparseable {
				w.stats.Unparseable++
			}
			if o.Oversize {
				w.stats.Oversize++
			}
			w.stats.LatencyTotal += ev.Latency
			w.stats.LatencyMax = max(w.stats.LatencyMax, ev.Latency)
			w.stats.LatencyLast = ev.Latency
		}
		events = append(events, ev)
	}
	w.mu.Unlock()
	if w.hooks.OnMessage != nil {
		for _, ev := range events {
			w.hooks.OnMessage(ev)
		}
	}
}

// dialer connects to the server with ctx, which go-imap's own Dial
// functions do not take.
func (w *Watcher) dial(ctx context.Context) (net.Conn, error) {
	addr := net.JoinHostPort(w.cfg.Host, fmt.Sprint(w.cfg.Port))
	d := &net.Dialer{Timeout: w.cfg.DialTimeout, KeepAlive: 15 * time.Second}
	if w.cfg.Security == "tls" {
		td := &tls.Dialer{NetDialer: d, Config: w.tlsConfig()}
		return td.DialContext(ctx, "tcp", addr)
	}
	return d.DialContext(ctx, "tcp", addr)
}

func (w *Watcher) tlsConfig() *tls.Config {
	var c *tls.Config
	if w.cfg.TLS != nil {
		c = w.cfg.TLS.Clone()
	} else {
		c = &tls.Config{}
	}
	if c.ServerName == "" {
		c.ServerName = w.cfg.Host
	}
	if c.MinVersion == 0 {
		c.MinVersion = tls.VersionTLS12
	}
	return c
}

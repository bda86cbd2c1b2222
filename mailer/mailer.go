// Package mailer drains the outbox: it claims due rows in batches, renders
// each in its recipient's language with package templates, sends it over one
// reused SMTP connection per worker with go-mail, and records the outcome in
// batches. Temporary failures (4xx, dropped connections, an unreachable
// server) are retried with exponential backoff until max_age; permanent
// ones (5xx) fail the row for good and alert staff. The filing password is
// erased from a row's payload in the transaction that marks it sent.
//
// Each worker claims rows under its own name ("host:pid:worker-n") for a
// short lease, renewed while it sends, so a dead worker's emails are taken
// back within the lease by any worker, and at once by the process that
// replaces it on the same machine.
//
// Delivery is at least once, and at most one message per worker more than
// once: a worker records each delivery before it ends the next message (its
// final dot), so if the process dies, at most the message in flight was
// accepted by the server and not recorded. It is sent again, with the same
// Message-ID.
package mailer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/store"
	"example.com/icpdesk/templates"
)

// Store is what the mailer needs from the database (*store.Store has it).
type Store interface {
	Dialect() store.Dialect
	ClaimDue(ctx context.Context, owner string, now time.Time, limit int, lease time.Duration) ([]store.OutboxMessage, error)
	RenewClaims(ctx context.Context, owner string, ids []int64, now time.Time, lease time.Duration) ([]int64, error)
	TakeBackDeadClaims(ctx context.Context, now time.Time) (int, error)
	MarkSent(ctx context.Context, marks []store.SentMark) (int, error)
	MarkRetry(ctx context.Context, owner string, marks []store.RetryMark) (int, error)
	MarkFailed(ctx context.Context, f store.OutboxFailure) (int, error)
	ReleaseClaims(ctx context.Context, owner string, ids []int64) error
	NextDue(ctx context.Context) (time.Time, bool, error)
	ListenOutbox(ctx context.Context, report func(error)) (<-chan struct{}, error)
}

// Renderer renders a notice (*templates.Renderer).
type Renderer interface {
	Render(n filing.Notice) (templates.Email, error)
}

// Counters are running totals since the service was built, for metrics.
type Counters struct {
	Sent    int64 // delivered
	Retried int64 // attempts that failed temporarily and were rescheduled
	Failed  int64 // emails given up (permanent failure or max_age)
}

// Summary says what one drain did.
type Summary struct {
	Claimed  int
	Sent     int
	Retried  int
	Failed   int
	Released int // claimed but left untried because the mailer stopped
	// NextAttempt is the earliest time a retried email will be tried again.
	NextAttempt time.Time
}

func (s *Summary) add(o Summary) {
	s.Claimed += o.Claimed
	s.Sent += o.Sent
	s.Retried += o.Retried
	s.Failed += o.Failed
	s.Released += o.Released
	if !o.NextAttempt.IsZero() && (s.NextAttempt.IsZero() || o.NextAttempt.Before(s.NextAttempt)) {
		s.NextAttempt = o.NextAttempt
	}
}

// Service drains the outbox. Build it with New; run it with Start and Stop,
// or call DrainOnce.
type Service struct {
	st    Store
	r     Renderer
	set   Settings
	log   *slog.Logger
	now   func() time.Time
	rand  func() float64
	lease time.Duration

	sent, retried, failed, panics atomic.Int64

	// tookBack is set once the claims of dead predecessors on this machine
	// have been taken back (before the first claim).
	tookBack atomic.Bool

	// last is the latest result of talking to the SMTP server, for /readyz.
	lastMu sync.Mutex
	last   Health

	mu       sync.Mutex
	started  bool
	quit     chan struct{} // closed by Stop: take no new work
	cancel   context.CancelFunc
	done     chan struct{} // closed when every goroutine has returned
	stopOnce sync.Once
	wakes    []chan struct{} // one per worker
}

// Option adjusts a Service.
type Option func(*Service)

// WithLogger sets the logger (default: discard). Recipients are logged masked.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithClock replaces time.Now for due times, backoff and Date headers.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// New checks the settings and builds a service.
func New(st Store, r Renderer, set Settings, opts ...Option) (*Service, error) {
	if st == nil || r == nil {
		return nil, errors.New("mailer: no store or renderer")
	}
	if err := set.validate(); err != nil {
		return nil, err
	}
	if st.Dialect() != store.Postgres {
		// SQLite serialises writers; a second worker would only wait.
		set.Workers = 1
	}
	s := &Service{st: st, r: r, set: set, log: slog.New(slog.DiscardHandler), now: time.Now, rand: rand.Float64,
		quit: make(chan struct{}), done: make(chan struct{})}
	for _, o := range opts {
		o(s)
	}
	// Short: a worker renews its claims every quarter of it while it
	// sends, and stops sending (releasing the rest) if renewing fails until
	// the lease would run out during a send.
	s.lease = set.claimLease()
	return s, nil
}

// Counters returns the running totals.
func (s *Service) Counters() Counters {
	return Counters{Sent: s.sent.Load(), Retried: s.retried.Load(), Failed: s.failed.Load()}
}

// Health is the latest result of talking to the SMTP server.
type Health struct {
	At  time.Time // zero: no attempt yet
	Err string    // empty: the server accepted the last message
}

// LastResult returns the latest result of talking to the SMTP server.
func (s *Service) LastResult() Health {
	s.lastMu.Lock()
	defer s.lastMu.Unlock()
	return s.last
}

// CheckReady fails while the SMTP server's last answer was a failure to
// connect or a dropped session; before the first attempt it is ready.
func (s *Service) CheckReady(context.Context) error {
	if h := s.LastResult(); h.Err != "" {
		return fmt.Errorf("SMTP: %s (at %s)", h.Err, h.At.Format(time.RFC3339))
	}
	return nil
}

func (s *Service) setResult(err error) {
	h := Health{At: s.now()}
	if err != nil {
		h.Err = redactSecret(err, s.set.Password).Error()
	}
	s.lastMu.Lock()
	s.last = h
	s.lastMu.Unlock()
}

// workerSeq numbers the workers of every service in this process, so
// that each claims under its own name.
var workerSeq atomic.Int64

// newOwner names a new worker: "host:pid:worker-n" (store.ProcessName).
func newOwner() string {
	return fmt.Sprintf("%s:worker-%d", store.ProcessName(), workerSeq.Add(1))
}

// Panics is how many panics were recovered (and logged); tests require 0.
func (s *Service) Panics() int64 { return s.panics.Load() }

// Start runs the workers until Stop or until ctx ends. It returns at once.
func (s *Service) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errors.New("mailer: already started")
	}
	s.started = true
	runCtx, cancel := context.WithCancel(ctx)
	s.cancel = cancel
	wake, err := s.st.ListenOutbox(runCtx, func(err error) { s.log.WarnContext(runCtx, "outbox listener", "err", err) })
	if err != nil {
		// The sweep still finds every row, only later.
		s.log.WarnContext(ctx, "no instant wake-ups; relying on the periodic sweep", "err", err, "sweep", s.set.Sweep)
		wake = nil
	}
	var wg sync.WaitGroup
	for i := 0; i < s.set.Workers; i++ {
		ch := make(chan struct{}, 1)
		ch <- struct{}{} // look once at start
		s.wakes = append(s.wakes, ch)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.dispatch(runCtx, wake)
	}()
	for i, ch := range s.wakes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.worker(runCtx, i, ch)
		}()
	}
	go func() {
		wg.Wait()
		cancel() // ends the listener
		close(s.done)
	}()
	s.log.InfoContext(ctx, "mailer started", "server", s.set.Addr(), "security", s.set.Security, "workers", s.set.Workers)
	return nil
}

// Stop stops the service in two phases: workers take no new message and
// release what they claimed but did not try, while the message in flight
// finishes; if ctx ends first, the rest is cancelled. Calling it again, or
// without Start, is harmless.
func (s *Service) Stop(ctx context.Context) error {
	s.mu.Lock()
	started := s.started
	s.mu.Unlock()
	if !started {
		return nil
	}
	s.stopOnce.Do(func() { close(s.quit) })
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		s.cancel()
		<-s.done // bounded by the SMTP timeout of the send in flight
		return fmt.Errorf("mailer: stopped before the work in flight finished: %w", ctx.Err())
	}
}

func (s *Service) stopping() bool {
	select {
	case <-s.quit:
		return true
	default:
		return false
	}
}

// dispatch forwards outbox wake-ups to every worker.
func (s *Service) dispatch(ctx context.Context, wake <-chan struct{}) {
	defer s.recoverTop(ctx, "dispatcher")
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.quit:
			return
		case <-wake:
			s.pokeAll()
		}
	}
}

func (s *Service) pokeAll() {
	for _, ch := range s.wakes {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// errorPause is how long a worker waits after a database error.
const errorPause = 5 * time.Second

func (s *Service) worker(ctx context.Context, id int, wake <-chan struct{}) {
	owner := newOwner()
	log := s.log.With("worker", id, "owner", owner)
	for s.workerRound(ctx, log, owner, wake) {
	}
}

// workerRound waits for work and drains once. It returns false when the
// worker should end. A panic ends the round, not the worker.
func (s *Service) workerRound(ctx context.Context, log *slog.Logger, owner string, wake <-chan struct{}) (more bool) {
	pause := time.Duration(0)
	defer func() {
		if r := recover(); r != nil {
			s.panics.Add(1)
			log.ErrorContext(ctx, "panic in mailer worker", "panic", r, "stack", string(debug.Stack()))
			more = s.sleep(ctx, errorPause)
		}
	}()
	select {
	case <-ctx.Done():
		return false
	case <-s.quit:
		return false
	case <-wake:
	case <-time.After(s.nextLook(ctx)):
	}
	if s.stopping() || ctx.Err() != nil {
		return false
	}
	sum, err := s.drainSafely(ctx, log, owner)
	if err != nil && !errors.Is(err, ErrUnreachable) && ctx.Err() == nil {
		log.ErrorContext(ctx, "outbox drain failed", "err", err)
		pause = errorPause
	}
	if sum.Claimed > 0 {
		log.DebugContext(ctx, "outbox drained", "sent", sum.Sent, "retried", sum.Retried, "failed", sum.Failed)
	}
	return s.sleep(ctx, pause)
}

// sleep waits d unless the service stops first; it reports whether to go on.
func (s *Service) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil && !s.stopping()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-s.quit:
		return false
	case <-t.C:
		return true
	}
}

// nextLook is how long to sleep before looking again: the sweep interval,
// or less if a retry is due sooner.
func (s *Service) nextLook(ctx context.Context) time.Duration {
	wait := s.set.Sweep
	qctx, cancel := context.WithTimeout(ctx, dbTimeout)
	defer cancel()
	next, ok, err := s.st.NextDue(qctx)
	if err == nil && ok {
		if d := next.Sub(s.now()); d < wait {
			// Rows due now that we did not get are another worker's claim
			// being committed: look again shortly.
			wait = max(d, 100*time.Millisecond)
		}
	}
	return wait
}

// drainSafely drains on a fresh connection, closed afterwards: between
// bursts nothing holds a session the server would time out.
func (s *Service) drainSafely(ctx context.Context, log *slog.Logger, owner string) (sum Summary, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.panics.Add(1)
			log.ErrorContext(ctx, "panic in outbox drain", "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	c, err := newConn(s.set)
	if err != nil {
		return sum, err
	}
	defer c.close()
	return s.drain(ctx, c, log, owner)
}

func (s *Service) recoverTop(ctx context.Context, what string) {
	if r := recover(); r != nil {
		s.panics.Add(1)
		s.log.ErrorContext(ctx, "panic in mailer "+what, "panic", r, "stack", string(debug.Stack()))
	}
}

// DrainOnce sends every email due now and returns when none is left. If the
// SMTP server cannot be reached, every due email is rescheduled (or failed
// if past max_age) and the error wraps ErrUnreachable.
func (s *Service) DrainOnce(ctx context.Context) (Summary, error) {
	owner := newOwner()
	return s.drainSafely(ctx, s.log.With("owner", owner), owner)
}

// claimed is one claim: its rows and, once claimed, the same rows prepared
// in order.
type claimed struct {
	rows  []store.OutboxMessage
	err   error
	ready chan prepared // closed after the last row, or once stopped
	stop  chan struct{}
	once  sync.Once
}

// claimAsync claims the next batch while the current one is being sent, so
// the database's round trip and commit are off the sending path. It then
// prepares the batch's first messages at once: they are ready when the
// current batch ends, rather than rendered only then, behind the claim and
// the recording that compete for the CPU at that moment.
func (s *Service) claimAsync(ctx context.Context, b *batchState, bg lane) <-chan *claimed {
	log := b.log
	ch := make(chan *claimed, 1)
	go func() {
		c := &claimed{ready: make(chan prepared, prepareAhead), stop: make(chan struct{})}
		defer close(c.ready)
		func() {
			defer func() {
				if r := recover(); r != nil {
					s.panics.Add(1)
					log.ErrorContext(ctx, "panic while claiming", "panic", r, "stack", string(debug.Stack()))
					c.rows, c.err = nil, fmt.Errorf("panic while claiming: %v", r)
				}
			}()
			qctx, cancel := context.WithTimeout(ctx, dbTimeout)
			defer cancel()
			bg.run(func() {
				s.takeBackDeadClaims(qctx, log)
				c.rows, c.err = s.st.ClaimDue(qctx, b.owner, s.now(), s.set.Batch, s.lease)
				b.claims.add(c.rows)
			})
		}()
		ch <- c
		if c.err != nil {
			return
		}
		defer s.recoverTop(ctx, "renderer")
		for _, m := range c.rows {
			var p prepared
			bg.run(func() { p = s.prepare(ctx, log, m) })
			select {
			case c.ready <- p:
			case <-c.stop:
				return
			}
		}
	}()
	return ch
}

// takeBackDeadClaims, before this service's first claim, ends the claims
// of processes of this machine that died (a previous run of this one,
// killed), so their emails go out now rather than when their lease runs out.
func (s *Service) takeBackDeadClaims(ctx context.Context, log *slog.Logger) {
	if s.tookBack.Load() {
		return
	}
	n, err := s.st.TakeBackDeadClaims(ctx, s.now())
	if err != nil {
		log.WarnContext(ctx, "could not take back the claims of dead processes; they are taken back when they expire", "err", err)
		return
	}
	s.tookBack.Store(true)
	if n > 0 {
		log.InfoContext(ctx, "took back the emails claimed by a process that died", "emails", n)
	}
}

// close stops preparing c's rows and waits until the preparer has ended.
func (c *claimed) close() {
	c.once.Do(func() { close(c.stop) })
	for range c.ready {
	}
}

// dbTimeout bounds each database call, so a hung database stalls a worker
// for a while, not for ever.
const dbTimeout = 30 * time.Second

// lane runs a drain's background work (claiming, preparing, recording
// failures) one task at a time. The sending goroutine and the SMTP session's
// round trips need a CPU the moment a reply arrives; two background tasks at
// once would take both of a small machine's, and every reply would wait.
type lane chan struct{}

func (l lane) run(fn func()) {
	l <- struct{}{}
	defer func() { <-l }()
	fn()
}

// claims are the rows a drain holds, each with the end of its lease.
type claims struct {
	mu    sync.Mutex
	until map[int64]time.Time
}

func (c *claims) add(rows []store.OutboxMessage) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range rows {
		c.until[m.ID] = m.LeaseUntil
	}
}

// drop forgets rows whose outcome is decided.
func (c *claims) drop(id int64) {
	c.mu.Lock()
	delete(c.until, id)
	c.mu.Unlock()
}

func (c *claims) ids() []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := make([]int64, 0, len(c.until))
	for id := range c.until {
		ids = append(ids, id)
	}
	return ids
}

// renewed records a renewal of asked until until: the rows renewed get the
// new end; the rest that are still held were taken back by another worker
// after their lease ran out, and are no longer this drain's.
func (c *claims) renewed(asked, renewed []int64, until time.Time) (lost int) {
	ok := make(map[int64]bool, len(renewed))
	for _, id := range renewed {
		ok[id] = true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range asked {
		if _, held := c.until[id]; !held {
			continue
		}
		if ok[id] {
			c.until[id] = until
		} else {
			delete(c.until, id)
			lost++
		}
	}
	return lost
}

// validAt reports whether the drain holds row id and its lease lasts past t.
func (c *claims) validAt(id int64, t time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	until, ok := c.until[id]
	return ok && t.Before(until)
}

// heartbeat renews the drain's claims every quarter of the lease until ctx
// ends. A renewal that fails is tried again at the next beat; meanwhile the
// leases run down, and the sender stops before one could expire mid-send.
func (s *Service) heartbeat(ctx context.Context, b *batchState) {
	defer s.recoverTop(ctx, "heartbeat")
	t := time.NewTicker(s.lease / 4)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ids := b.claims.ids()
		if len(ids) == 0 {
			continue
		}
		now := s.now()
		qctx, cancel := context.WithTimeout(ctx, s.lease/4)
		renewed, err := s.st.RenewClaims(qctx, b.owner, ids, now, s.lease)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				b.log.WarnContext(ctx, "could not renew the claims on the emails being sent", "emails", len(ids), "err", err)
			}
			continue
		}
		if lost := b.claims.renewed(ids, renewed, dbTimeOf(now.Add(s.lease))); lost > 0 {
			b.log.WarnContext(ctx, "emails were taken back by another worker after their claim ran out; leaving them to it", "emails", lost)
		}
	}
}

// dbTimeOf is t as the database keeps it (microseconds), so the lease the
// mailer checks is the one stored.
func dbTimeOf(t time.Time) time.Time { return t.Truncate(time.Microsecond) }

// drain claims and sends batches until no row is due. While a full batch
// is sent, the next one is claimed and prepared, deliveries are recorded,
// and the claims are renewed, in the background.
func (s *Service) drain(ctx context.Context, c *conn, log *slog.Logger, owner string) (sum Summary, err error) {
	bg := make(lane, 1)
	b := &batchState{conn: c, log: log, owner: owner, claims: &claims{until: map[int64]time.Time{}}}
	b.rec = s.startRecorder(ctx, b)
	hbCtx, stopHeartbeat := context.WithCancel(ctx)
	hbDone := make(chan struct{})
	go func() {
		defer close(hbDone)
		s.heartbeat(hbCtx, b)
	}()
	var next <-chan *claimed
	defer func() {
		if next != nil {
			// Claimed ahead but not needed: back to the queue untouched.
			c := <-next
			c.close()
			sum.Released += b.releaseAll(c.rows)
		}
		err = errors.Join(err, s.flush(ctx, b), b.rec.wait())
		stopHeartbeat()
		<-hbDone
	}()
	for {
		if s.stopping() {
			return sum, nil
		}
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		if next == nil {
			next = s.claimAsync(ctx, b, bg)
		}
		got := <-next
		next = nil
		if got.err != nil || len(got.rows) == 0 {
			got.close()
			if got.err != nil {
				return sum, got.err
			}
			return sum, b.down
		}
		sum.Claimed += len(got.rows)
		if len(got.rows) == s.set.Batch {
			s.pokeAll() // more is waiting: let idle workers help
			next = s.claimAsync(ctx, b, bg)
		}
		one, err := s.sendBatch(ctx, b, got)
		sum.add(one)
		if err != nil {
			return sum, err
		}
	}
}

// recorder marks deliveries sent in the background, as they happen. The
// sender waits for it (settled) before it ends the next message, so at any
// moment at most one delivery is not recorded: the one a crash would send
// twice. Meanwhile the next message's envelope and content are on their way.
type recorder struct {
	s    *Service
	b    *batchState
	mu   sync.Mutex
	cond sync.Cond
	// queue holds deliveries not yet being recorded; busy is set while a
	// recording runs.
	queue  []store.SentMark
	busy   bool
	closed bool
	err    error
	done   chan struct{}
}

func (s *Service) startRecorder(ctx context.Context, b *batchState) *recorder {
	r := &recorder{s: s, b: b, done: make(chan struct{})}
	r.cond.L = &r.mu
	go r.loop(ctx)
	return r
}

// add hands one delivery over to be recorded.
func (r *recorder) add(m store.SentMark) {
	r.mu.Lock()
	r.queue = append(r.queue, m)
	r.mu.Unlock()
	r.cond.Broadcast()
	// The recorder now waits to run until the sender blocks, which is
	// only once the next message's MAIL is out: some 70 µs of the
	// recording's head start, and the recording is the sending path's
	// longest step. Yielding lets it send its statement first.
	runtime.Gosched()
}

// settled waits until every delivery handed over is recorded. An error
// means deliveries cannot be recorded now: the sender must not deliver more.
func (r *recorder) settled() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for r.err == nil && (len(r.queue) > 0 || r.busy) {
		r.cond.Wait()
	}
	return r.err
}

func (r *recorder) loop(ctx context.Context) {
	defer close(r.done)
	for {
		r.mu.Lock()
		for len(r.queue) == 0 && !r.closed {
			r.cond.Wait()
		}
		if len(r.queue) == 0 {
			r.mu.Unlock()
			return
		}
		marks := r.queue
		r.queue, r.busy = nil, true
		r.mu.Unlock()
		err := r.record(ctx, marks)
		r.mu.Lock()
		r.busy = false
		if err != nil && r.err == nil {
			r.err = err
		}
		r.mu.Unlock()
		r.cond.Broadcast()
	}
}

func (r *recorder) record(ctx context.Context, marks []store.SentMark) (err error) {
	defer func() {
		if p := recover(); p != nil {
			r.s.panics.Add(1)
			r.b.log.ErrorContext(ctx, "panic while recording", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("panic while recording: %v", p)
		}
	}()
	return r.s.recordSent(ctx, r.b.log, marks)
}

// wait records what is queued and stops the recorder.
func (r *recorder) wait() error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.cond.Broadcast()
	<-r.done
	return r.err
}

// batchState is what a drain carries from message to message.
type batchState struct {
	conn   *conn
	log    *slog.Logger
	owner  string // the worker the rows are claimed for
	claims *claims
	rec    *recorder
	// down is set once the server could not be reached: the rest of the
	// drain reschedules without dialling again.
	down error
	// halt is set when deliveries can no longer be recorded: the drain
	// stops sending.
	halt error

	retry   []store.RetryMark
	fail    []store.OutboxFailure
	release []int64
}

// prepareAhead is how many messages are prepared (rendered, built and
// encoded) ahead of the one being sent. Preparing runs while the SMTP round
// trips of earlier messages wait on the network, so it costs almost no time
// on the sending path.
const prepareAhead = 16

// prepared is a message ready to send, or the reason it cannot be.
type prepared struct {
	m     store.OutboxMessage
	out   *outgoing
	mid   string // the Message-ID sent
	newID string // set when the row had none: stored when marked sent
	fail  string // not empty: cannot be sent (undecodable, unrenderable)
}

// sendBatch sends the claimed rows as they are prepared, and releases those
// it did not try.
func (s *Service) sendBatch(ctx context.Context, b *batchState, c *claimed) (Summary, error) {
	var sum Summary
	done := 0
	for p := range c.ready {
		// Stop taking messages on Stop, or when the claim would expire
		// before another full send could finish (renewals failed), or was
		// taken back.
		if s.stopping() || ctx.Err() != nil || b.halt != nil || !b.claims.validAt(p.m.ID, s.now().Add(s.set.Timeout)) {
			break
		}
		s.deliver(ctx, b, p, &sum)
		p.out.free()
		done++
	}
	c.close() // let the preparer finish
	sum.Released += b.releaseAll(c.rows[done:])
	return sum, errors.Join(b.halt, s.flush(ctx, b))
}

// releaseAll queues rows claimed but not tried for release, and counts them.
func (b *batchState) releaseAll(rows []store.OutboxMessage) int {
	for _, m := range rows {
		b.release = append(b.release, m.ID)
		b.claims.drop(m.ID)
	}
	return len(rows)
}

// prepare renders, builds and encodes one message. It does no I/O.
func (s *Service) prepare(ctx context.Context, log *slog.Logger, m store.OutboxMessage) (p prepared) {
	p.m = m
	defer func() {
		if r := recover(); r != nil {
			s.panics.Add(1)
			log.ErrorContext(ctx, "panic while rendering", "outbox_id", m.ID, "kind", m.Kind, "panic", r, "stack", string(debug.Stack()))
			p.out, p.fail = nil, fmt.Sprintf("internal error: %v", r)
		}
	}()
	if m.NoticeErr != nil {
		p.fail = m.NoticeErr.Error()
		return p
	}
	n := m.Notice
	n.Kind, n.Language, n.To = m.Kind, m.Language, m.Recipient
	e, err := s.r.Render(n)
	if err != nil {
		// The payload will not render better next time.
		p.fail = err.Error()
		return p
	}
	var ok bool
	if p.mid, ok = cleanID(m.MessageID); !ok {
		p.mid = newMessageID(s.set.FromAddress)
		p.newID = p.mid
	}
	msg, err := s.build(m, e, p.mid, s.now())
	if err != nil {
		p.fail = err.Error()
		return p
	}
	p.out = encode(msg, envelopeFrom(s.set, m.BounceToken), []string{m.Recipient}, p.mid)
	return p
}

// deliver sends one prepared message and records the outcome in b.
func (s *Service) deliver(ctx context.Context, b *batchState, p prepared, sum *Summary) {
	m := p.m
	// The row's logger is built only when something is logged: this is the
	// sending path, and most messages log nothing.
	var row *slog.Logger
	log := func() *slog.Logger {
		if row == nil {
			row = b.log.With("outbox_id", m.ID, "kind", m.Kind, "to", filing.MaskEmail(m.Recipient), "attempt", m.Attempts)
		}
		return row
	}
	defer func() {
		if r := recover(); r != nil {
			s.panics.Add(1)
			log().ErrorContext(ctx, "panic while sending", "panic", r, "stack", string(debug.Stack()))
			b.conn.close() // the session is in an unknown state
			s.giveUp(b, m, sum, fmt.Sprintf("internal error: %v", r))
		}
	}()
	if p.fail != "" {
		log().ErrorContext(ctx, "email cannot be composed", "err", p.fail)
		s.giveUp(b, m, sum, p.fail)
		return
	}
	if b.down != nil {
		s.retryLater(ctx, b, m, sum, b.down.Error(), log())
		return
	}
	for try := 0; ; try++ {
		if err := b.conn.connect(ctx); err != nil {
			b.down = err
			s.setResult(err)
			log().WarnContext(ctx, "SMTP server unreachable", "err", err)
			s.retryLater(ctx, b, m, sum, err.Error(), log())
			return
		}
		// The message is ended (and so delivered) only once the previous
		// delivery is recorded; its own recording starts at its 250.
		err := b.conn.sendEncoded(p.out, ending{wait: b.rec.settled, accepted: func() {
			b.rec.add(store.SentMark{ID: m.ID, SentAt: s.now(), MessageID: p.newID})
			b.claims.drop(m.ID)
		}})
		var unrecorded *unrecordedError
		if errors.As(err, &unrecorded) {
			// Deliveries cannot be recorded: this message was abandoned
			// before its end, and nothing more is sent.
			b.halt = unrecorded.err
			log().ErrorContext(ctx, "stopped sending: deliveries cannot be recorded", "err", unrecorded.err)
			b.release = append(b.release, m.ID)
			b.claims.drop(m.ID)
			sum.Released++
			return
		}
		what, code := classify(err)
		detail := ""
		if err != nil {
			detail = maskAddress(redactSecret(err, s.set.Password).Error(), m.Recipient)
		}
		switch what {
		case outcomeSent:
			s.setResult(nil)
			sum.Sent++
			s.sent.Add(1)
			if b.log.Enabled(ctx, slog.LevelDebug) {
				log().DebugContext(ctx, "email sent", "message_id", p.mid)
			}
			return
		case outcomeConnCheck:
			// The session died while idle (the server timed it out): nothing
			// was sent. Redial once and resend.
			b.conn.close()
			if try == 0 {
				continue
			}
			s.retryLater(ctx, b, m, sum, detail, log())
			return
		case outcomeDropped:
			b.conn.close()
			s.setResult(err)
			s.retryLater(ctx, b, m, sum, detail, log())
			return
		case outcomeTemporary:
			s.retryLater(ctx, b, m, sum, detail, log())
			return
		default:
			log().ErrorContext(ctx, "email rejected", "code", code, "err", detail)
			s.giveUp(b, m, sum, detail)
			return
		}
	}
}

// retryLater reschedules m with backoff, or gives up if it is older than
// max_age.
func (s *Service) retryLater(ctx context.Context, b *batchState, m store.OutboxMessage, sum *Summary, detail string, log *slog.Logger) {
	now := s.now()
	giveUpAt := m.CreatedAt.Add(s.set.MaxAge)
	if !now.Before(giveUpAt) {
		log.ErrorContext(ctx, "email expired: giving up", "age", now.Sub(m.CreatedAt).Round(time.Second), "err", detail)
		s.giveUp(b, m, sum, fmt.Sprintf("not delivered within %v: %s", s.set.MaxAge, detail))
		return
	}
	// Microseconds, as the database keeps it, so the summary says what is stored.
	next := now.Add(backoff(m.Attempts, s.set.RetryBase, s.set.RetryMax, s.rand())).Truncate(time.Microsecond)
	if next.After(giveUpAt) {
		next = giveUpAt // one last try at the limit
	}
	b.retry = append(b.retry, store.RetryMark{ID: m.ID, NextAttemptAt: next, Error: detail})
	b.claims.drop(m.ID)
	sum.Retried++
	if sum.NextAttempt.IsZero() || next.Before(sum.NextAttempt) {
		sum.NextAttempt = next
	}
	s.retried.Add(1)
	level := slog.LevelWarn
	if b.down != nil {
		level = slog.LevelDebug // the outage itself was logged once
	}
	log.Log(ctx, level, "email delayed", "next_attempt", next, "err", detail)
}

// giveUp fails m for good and prepares the staff alert.
func (s *Service) giveUp(b *batchState, m store.OutboxMessage, sum *Summary, detail string) {
	b.fail = append(b.fail, store.OutboxFailure{ID: m.ID, Owner: b.owner, At: s.now(), Error: detail, Alert: failureAlert(m)})
	b.claims.drop(m.ID)
	sum.Failed++
	s.failed.Add(1)
}

// failureAlert tells staff which email did not go out; the store adds the
// recipient and why, the template words it, the work item holds the rest.
func failureAlert(m store.OutboxMessage) *filing.Alert {
	return &filing.Alert{Action: filing.AlertEmailFailed, EmailKind: m.Kind}
}

// maskAddress hides the recipient in a server's reply, which often quotes it.
func maskAddress(s, addr string) string {
	if addr == "" {
		return s
	}
	masked := filing.MaskEmail(addr)
	// Servers may echo it in another case. One pass from left to right:
	// the masked form may itself look like an address (a***@…), so
	// searching the result again could never end.
	low, lowS := strings.ToLower(addr), strings.ToLower(s)
	if len(lowS) != len(s) {
		return strings.ReplaceAll(s, addr, masked) // offsets differ: exact case only
	}
	var b strings.Builder
	for {
		i := strings.Index(lowS, low)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(masked)
		s, lowS = s[i+len(addr):], lowS[i+len(addr):]
	}
}

// flushPauses retry recording outcomes across a database blip: an
// unrecorded delivery is sent again once its lease expires.
var flushPauses = []time.Duration{0, 200 * time.Millisecond, time.Second}

// retryDB runs fn, again after each of flushPauses while it fails, and
// returns its last error.
func retryDB(fn func() error) error {
	var err error
	for _, p := range flushPauses {
		time.Sleep(p)
		if err = fn(); err == nil {
			return nil
		}
	}
	return err
}

// recordSent marks deliveries sent, retrying across a database blip. It
// uses a context that survives the caller's cancellation (for a bounded
// time): the emails were sent, and forgetting that would send them again.
func (s *Service) recordSent(ctx context.Context, log *slog.Logger, marks []store.SentMark) error {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), dbTimeout)
	defer cancel()
	n := 0
	if err := retryDB(func() (err error) { n, err = s.st.MarkSent(fctx, marks); return err }); err != nil {
		return fmt.Errorf("mark %d emails sent: %w", len(marks), err)
	}
	if n < len(marks) {
		log.WarnContext(ctx, "some sent emails had been taken back by another worker, which may send them again", "marked", n, "sent", len(marks))
	}
	return nil
}

// flush records the batch's other outcomes: retries, failures, releases.
// Like recordSent, it survives the caller's cancellation for a while.
func (s *Service) flush(ctx context.Context, b *batchState) error {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), dbTimeout)
	defer cancel()
	var errs []error
	try := func(what string, fn func() error) {
		if err := retryDB(fn); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
		}
	}
	if len(b.retry) > 0 {
		try("reschedule", func() error { _, err := s.st.MarkRetry(fctx, b.owner, b.retry); return err })
		b.retry = b.retry[:0]
	}
	for _, f := range b.fail {
		try("mark failed", func() error {
			_, err := s.st.MarkFailed(fctx, f)
			if errors.Is(err, store.ErrConflict) {
				return nil // no longer ours; whoever has it decides
			}
			return err
		})
	}
	b.fail = b.fail[:0]
	if len(b.release) > 0 {
		try("release", func() error { return s.st.ReleaseClaims(fctx, b.owner, b.release) })
		b.release = b.release[:0]
	}
	return errors.Join(errs...)
}

// Package scheduler triggers icpdesk's periodic jobs with robfig/cron in the
// desk's time zone: the deadline sweep, reminders, the staff digest and the
// outbox janitor. It only triggers and records runs; what each job does lives
// in store (and filing).
//
// Each tick of a schedule runs once across replicas: the tick, not the
// process, holds the lock. Every replica's cron fires; each records the
// (job, tick) it is about to run, and the record is unique, so the first
// runs it and the others skip it (store.StartTick). Runs of one job never
// overlap either (store.WithJobLock). A tick missed while every replica was
// down is run once when one starts. Dedup keys would make a double run
// harmless anyway.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the desk's zone must not depend on the host's zoneinfo

	"github.com/robfig/cron/v3"

	"example.com/icpdesk/config"
	"example.com/icpdesk/store"
)

// Job names, as `icpdesk jobs run NAME` takes them.
const (
	JobDeadlineSweep = "deadline-sweep"
	JobReminders     = "reminders"
	JobDigest        = "digest"
	JobOutboxJanitor = "outbox-janitor"
)

// Specs are the cron specifications of the jobs.
type Specs struct {
	DeadlineSweep string
	Reminders     string
	Digest        string
	OutboxJanitor string
}

// Config is what the scheduler needs besides the store.
type Config struct {
	Location        *time.Location
	Specs           Specs
	ReminderOffsets []time.Duration
	// Janitor runs the outbox janitor; nil leaves the job out. The mailer
	// owns the outbox's leases and secrets, so it supplies the work.
	Janitor func(ctx context.Context, now time.Time) (string, error)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// OnRun, when set, observes every finished run (for metrics).
	OnRun func(job, status string, took time.Duration)
	// Actor is who runs jobs by hand (the staff member at the command line),
	// for the audit trail.
	Actor string
}

// RunFunc is one job's work at a given instant; it returns a summary for the
// run record.
type RunFunc func(ctx context.Context, now time.Time) (string, error)

type job struct {
	name     string
	spec     string
	schedule cron.Schedule
	run      RunFunc
	// byHand, if set, is what a run by hand does instead of run: a digest
	// sent by hand never uses up the scheduled one.
	byHand RunFunc
}

// Scheduler runs the jobs.
type Scheduler struct {
	st    *store.Store
	loc   *time.Location
	jobs  []*job
	log   *slog.Logger
	now   func() time.Time
	onRun func(job, status string, took time.Duration)

	mu      sync.Mutex
	cron    *cron.Cron
	cancel  context.CancelFunc
	catchUp sync.WaitGroup
}

// New validates every schedule with config.ParseSchedule and returns the
// scheduler, or every problem at once. config.Load checks the same schedules,
// so a configuration that loads gives a scheduler that starts.
func New(st *store.Store, cfg Config, log *slog.Logger) (*Scheduler, error) {
	if cfg.Location == nil {
		return nil, errors.New("scheduler: no time zone")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Scheduler{st: st, loc: cfg.Location, log: log, now: cfg.Now, onRun: cfg.OnRun}
	if s.now == nil {
		s.now = time.Now
	}
	offsets := append([]time.Duration(nil), cfg.ReminderOffsets...)
	defs := []struct {
		name, key, spec string
		run, byHand     RunFunc
	}{
		{JobDeadlineSweep, "jobs.deadline_sweep", cfg.Specs.DeadlineSweep, func(ctx context.Context, now time.Time) (string, error) {
			r, err := st.SweepDeadlines(ctx, now)
			waiting := ""
			if r.Waiting > 0 {
				waiting = fmt.Sprintf(", %d waiting for the inbox (read up to %s)", r.Waiting, r.InboxAt.In(cfg.Location).Format("2006-01-02 15:04:05"))
			}
			return fmt.Sprintf("flagged %d, skipped %d, failed %d, emails %d%s%s", r.Flagged, r.Skipped, r.Failed, r.Enqueued, waiting, errorList(r.Errors)),
				firstErr(err, r.Failed, "filings could not be flagged")
		}, nil},
		{JobReminders, "jobs.reminders", cfg.Specs.Reminders, func(ctx context.Context, now time.Time) (string, error) {
			r, err := st.SendReminders(ctx, now, offsets)
			return fmt.Sprintf("sent %d, skipped %d, failed %d%s", r.Sent, r.Skipped, r.Failed, errorList(r.Errors)),
				firstErr(err, r.Failed, "reminders could not be enqueued")
		}, nil},
		{JobDigest, "jobs.digest", cfg.Specs.Digest, func(ctx context.Context, now time.Time) (string, error) {
			r, err := st.EnqueueDigest(ctx, now)
			return fmt.Sprintf("digest %s: queued for %d staff, %d already had it", r.Date, r.Enqueued, r.Already), err
		}, func(ctx context.Context, now time.Time) (string, error) {
			r, err := st.EnqueueManualDigest(ctx, now, store.Actor{Name: cfg.Actor})
			return fmt.Sprintf("digest %s sent by hand: queued for %d staff; the scheduled one still goes", r.Date, r.Enqueued), err
		}},
	}
	if cfg.Janitor != nil {
		defs = append(defs, struct {
			name, key, spec string
			run, byHand     RunFunc
		}{JobOutboxJanitor, "jobs.outbox_janitor", cfg.Specs.OutboxJanitor, cfg.Janitor, nil})
	}
	var errs []error
	for _, d := range defs {
		sched, err := config.ParseSchedule(d.spec, cfg.Location)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", d.key, err))
			continue
		}
		s.jobs = append(s.jobs, &job{name: d.name, spec: d.spec, schedule: sched, run: d.run, byHand: d.byHand})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

func errorList(errs []string) string {
	if len(errs) == 0 {
		return ""
	}
	return "; " + strings.Join(errs, "; ")
}

func firstErr(err error, failed int, what string) error {
	if err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d %s", failed, what)
	}
	return nil
}

// JobInfo describes a job for `icpdesk jobs list`.
type JobInfo struct {
	Name string        `json:"name"`
	Spec string        `json:"spec"`
	Next time.Time     `json:"next"`
	Last *store.JobRun `json:"last,omitempty"`
}

// Jobs lists the jobs with their next run after now and their last recorded run.
func (s *Scheduler) Jobs(ctx context.Context) ([]JobInfo, error) {
	last, err := s.st.LastJobRuns(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now().In(s.loc)
	out := make([]JobInfo, 0, len(s.jobs))
	for _, j := range s.jobs {
		info := JobInfo{Name: j.name, Spec: j.spec, Next: j.schedule.Next(now)}
		if r, ok := last[j.name]; ok {
			info.Last = &r
		}
		out = append(out, info)
	}
	return out, nil
}

// Names lists the job names, sorted.
func (s *Scheduler) Names() []string {
	names := make([]string, len(s.jobs))
	for i, j := range s.jobs {
		names[i] = j.name
	}
	sort.Strings(names)
	return names
}

// Result is one run's outcome.
type Result struct {
	Job     string
	Status  string // ok, failed, skipped
	Summary string
	Took    time.Duration
}

// ErrUnknownJob is returned by Run for a name that is not a job.
var ErrUnknownJob = errors.New("unknown job")

// Run runs one job once as of now, by hand (not for a tick of its
// schedule), under its lock, and records the run. With another replica
// holding the lock the result is "skipped" and nothing runs.
func (s *Scheduler) Run(ctx context.Context, name string, now time.Time) (Result, error) {
	j, err := s.job(name)
	if err != nil {
		return Result{}, err
	}
	return s.runJob(ctx, j, now, time.Time{})
}

// DryRun carries out a job as of now exactly as it would run by hand, and
// rolls back everything it wrote: what it would flag and send is in the
// returned record. Nothing is recorded, not even the run.
func (s *Scheduler) DryRun(ctx context.Context, name string, now time.Time) (Result, *store.DryRun, error) {
	j, err := s.job(name)
	if err != nil {
		return Result{}, nil, err
	}
	dry := &store.DryRun{}
	start := time.Now()
	summary, err := s.call(store.WithDryRun(ctx, dry), j, now, true)
	res := Result{Job: j.name, Summary: summary, Status: store.JobOK, Took: time.Since(start)}
	if err != nil {
		res.Status = store.JobFailed
	}
	return res, dry, err
}

func (s *Scheduler) job(name string) (*job, error) {
	for _, j := range s.jobs {
		if j.name == name {
			return j, nil
		}
	}
	return nil, fmt.Errorf("%w %q (jobs: %s)", ErrUnknownJob, name, strings.Join(s.Names(), ", "))
}

// runJob runs j as of now under its lock and records the run: for the
// schedule's tick, unless another replica took it, or by hand when tick is
// zero.
func (s *Scheduler) runJob(ctx context.Context, j *job, now, tick time.Time) (Result, error) {
	res := Result{Job: j.name}
	start := time.Now()
	err := s.st.WithJobLock(ctx, j.name, func(ctx context.Context) error {
		var id int64
		var err error
		if tick.IsZero() {
			id, err = s.st.StartJobRun(ctx, j.name, s.now())
		} else {
			id, err = s.st.StartTick(ctx, j.name, tick, store.ProcessName(), s.now())
		}
		if err != nil {
			return err
		}
		summary, runErr := s.call(ctx, j, now, tick.IsZero())
		res.Summary, res.Status = summary, store.JobOK
		if runErr != nil {
			res.Status = store.JobFailed
			summary = strings.TrimSpace(summary + "; error: " + runErr.Error())
		}
		// Record the end even if the run's context was cancelled meanwhile.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := s.st.FinishJobRun(fctx, id, res.Status, summary, s.now()); err != nil {
			return errors.Join(runErr, err)
		}
		return runErr
	})
	res.Took = time.Since(start)
	if errors.Is(err, store.ErrJobLocked) || errors.Is(err, store.ErrTickTaken) {
		res.Status = store.JobSkipped
		res.Summary = err.Error()
		err = nil
	}
	if res.Status == "" {
		res.Status = store.JobFailed
	}
	if s.onRun != nil {
		s.onRun(j.name, res.Status, res.Took)
	}
	return res, err
}

// latestTick is the last instant at or before now at which schedule fires
// in loc, or zero if there is none within five years. Replicas whose clocks
// agree compute the same tick whenever within the period they ask. For
// "@every" schedules, which robfig/cron counts from whenever it started,
// ticks are whole multiples of the interval, so replicas agree on them too.
func latestTick(schedule cron.Schedule, now time.Time, loc *time.Location) time.Time {
	if every, ok := schedule.(cron.ConstantDelaySchedule); ok {
		return now.Truncate(every.Delay).In(loc)
	}
	now = now.In(loc)
	for back := time.Minute; back <= 5*366*24*time.Hour; back *= 2 {
		t := schedule.Next(now.Add(-back))
		if t.IsZero() {
			return time.Time{}
		}
		if t.After(now) {
			continue // no tick in the window: look further back
		}
		for {
			next := schedule.Next(t)
			if next.IsZero() || next.After(now) {
				return t
			}
			t = next
		}
	}
	return time.Time{}
}

// call runs the job, turning a panic into an error so the run is recorded as
// failed and the next tick runs it again (cron.Recover stays as the last net).
func (s *Scheduler) call(ctx context.Context, j *job, now time.Time, byHand bool) (summary string, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.ErrorContext(ctx, "job panicked", "job", j.name, "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("job %s panicked: %v", j.name, r)
		}
	}()
	if byHand && j.byHand != nil {
		return j.byHand(ctx, now)
	}
	return j.run(ctx, now)
}

// Start schedules the jobs and catches up in the background: for each job
// whose latest tick was missed (store.TickMissed: every replica was down
// when it came, and nothing ran it since), that tick is run now, once across
// replicas like any tick. The jobs work from the database, so one run
// catches up on everything that came due meanwhile (the digest's dedup key
// sends it once a day). A new installation has missed nothing.
func (s *Scheduler) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cron != nil {
		return errors.New("scheduler already started")
	}
	ctx, s.cancel = context.WithCancel(ctx)
	logger := cronLogger{s.log}
	c := cron.New(
		cron.WithLocation(s.loc),
		cron.WithParser(config.CronParser),
		// Recover innermost: in the other order one panic leaves the job
		// skipped forever (robfig/cron#366, docs/library-notes.md, robfig/cron).
		cron.WithChain(cron.SkipIfStillRunning(logger), cron.Recover(logger)),
		cron.WithLogger(logger),
	)
	for _, j := range s.jobs {
		c.Schedule(j.schedule, cron.FuncJob(func() { s.tick(ctx, j) }))
	}
	s.cron = c
	c.Start()

	s.catchUp.Add(1)
	go func() {
		defer s.catchUp.Done()
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("scheduler: catch-up panicked", "panic", r, "stack", string(debug.Stack()))
			}
		}()
		now := s.now()
		for _, j := range s.jobs {
			if ctx.Err() != nil {
				return
			}
			tick := latestTick(j.schedule, now, s.loc)
			if tick.IsZero() {
				continue
			}
			missed, err := s.st.TickMissed(ctx, j.name, tick)
			if err != nil {
				s.log.ErrorContext(ctx, "scheduler: cannot tell whether a tick was missed", "job", j.name, "err", err)
				continue
			}
			if !missed {
				continue
			}
			s.log.InfoContext(ctx, "running a tick missed while icpdesk was down", "job", j.name, "tick", tick)
			s.runTick(ctx, j, tick, now)
		}
	}()
	return nil
}

// tick runs j for the tick robfig/cron fired it for: the latest at or
// before now.
func (s *Scheduler) tick(ctx context.Context, j *job) {
	now := s.now()
	s.runTick(ctx, j, latestTick(j.schedule, now, s.loc), now)
}

func (s *Scheduler) runTick(ctx context.Context, j *job, tick, now time.Time) {
	if ctx.Err() != nil || tick.IsZero() {
		return
	}
	res, err := s.runJob(ctx, j, now, tick)
	switch {
	case err != nil:
		s.log.ErrorContext(ctx, "job failed", "job", j.name, "tick", tick, "took", res.Took, "summary", res.Summary, "err", err)
	case res.Status == store.JobSkipped:
		s.log.DebugContext(ctx, "job skipped: another replica runs it", "job", j.name, "tick", tick)
	default:
		s.log.InfoContext(ctx, "job done", "job", j.name, "tick", tick, "took", res.Took, "summary", res.Summary)
	}
}

// Stop stops scheduling and waits for running jobs until ctx ends; then their
// context is cancelled. Stopping twice is harmless.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.mu.Lock()
	c, cancel := s.cron, s.cancel
	s.cron = nil
	s.mu.Unlock()
	if c == nil {
		return nil
	}
	done := c.Stop().Done()
	finished := make(chan struct{})
	go func() {
		<-done
		s.catchUp.Wait()
		close(finished)
	}()
	select {
	case <-finished:
		cancel()
		return nil
	case <-ctx.Done():
		cancel() // in-flight jobs see a cancelled context and stop at their next query
		<-finished
		return fmt.Errorf("scheduler: stopped before running jobs finished: %w", ctx.Err())
	}
}

// cronLogger routes robfig/cron's logging to slog: its routine messages at
// debug, "skip" (a run still going when the next was due) at info.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) {
	if msg == "skip" {
		c.l.Info("cron: run skipped, the previous one is still going", kv...)
		return
	}
	c.l.Debug("cron: "+msg, kv...)
}

func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "err", err)...)
}

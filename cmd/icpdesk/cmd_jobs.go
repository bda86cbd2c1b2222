package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"example.com/icpdesk/daemon"
	"example.com/icpdesk/scheduler"
	"example.com/icpdesk/store"
)

func init() {
	register(
		&command{name: "jobs list", args: "[--json]", summary: "list the scheduled jobs with their next and last runs", run: runJobsList},
		&command{name: "jobs run", args: "NAME [--now RFC3339]", summary: "run one job once (deadline-sweep, reminders, digest, outbox-janitor), optionally as of another time", run: runJobsRun},
	)
}

// scheduler builds the scheduler from the configuration.
func (a *app) scheduler(ctx context.Context, s *store.Store, now func() time.Time) (*scheduler.Scheduler, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	log, err := a.logger()
	if err != nil {
		return nil, err
	}
	scfg := daemon.SchedulerConfig(cfg, s)
	scfg.Now = now
	return scheduler.New(s, scfg, log)
}

func runJobsList(ctx context.Context, a *app, args []string) error {
	fs := a.flags(commands["jobs list"])
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	s, err := a.db(ctx)
	if err != nil {
		return err
	}
	sch, err := a.scheduler(ctx, s, nil)
	if err != nil {
		return err
	}
	jobs, err := sch.Jobs(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(a.stdout, jobs)
	}
	loc := s.Policy().Location
	var t table
	t.add("JOB", "SCHEDULE", "NEXT RUN", "LAST RUN", "STATUS", "SUMMARY")
	for _, j := range jobs {
		last, status, summary := "never", "", ""
		if j.Last != nil {
			last, status, summary = localTime(j.Last.StartedAt, loc), j.Last.Status, j.Last.Detail
		}
		t.add(j.Name, j.Spec, localTime(j.Next, loc), last, status, summary)
	}
	return t.write(a.stdout)
}

func runJobsRun(ctx context.Context, a *app, args []string) error {
	fs := a.flags(commands["jobs run"])
	nowFlag := fs.String("now", "", "run as of this time (RFC 3339); default now. It runs for real: a future time flags and emails as if it had come")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	now := time.Now()
	if *nowFlag != "" {
		if now, err = time.Parse(time.RFC3339, *nowFlag); err != nil {
			return usagef("--now %q: want RFC 3339, e.g. 2026-12-09T00:05:00+08:00", *nowFlag)
		}
	}
	if now.After(time.Now().Add(time.Minute)) {
		fmt.Fprintf(a.stderr, "icpdesk jobs run: running as of %s, which is in the future: its effects (flags, emails) are real\n", now.Format(time.RFC3339))
	}
	s, err := a.db(ctx)
	if err != nil {
		return err
	}
	sch, err := a.scheduler(ctx, s, func() time.Time { return now })
	if err != nil {
		return err
	}
	res, err := sch.Run(ctx, pos[0], now)
	if errors.Is(err, scheduler.ErrUnknownJob) {
		return usagef("%v", err)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	fmt.Fprintf(a.stdout, "%s %s in %v: %s\n", res.Job, res.Status, res.Took.Round(time.Millisecond), res.Summary)
	return nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"example.com/icpdesk/daemon"
	"example.com/icpdesk/scheduler"
	"example.com/icpdesk/store"
)

func (a *app) jobsCommand() *cobra.Command {
	return a.group("jobs", "the scheduled jobs", a.jobsListCommand(), a.jobsRunCommand())
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
	scfg.Now, scfg.Actor = now, a.staffName()
	return scheduler.New(s, scfg, log)
}

func (a *app) jobsListCommand() *cobra.Command {
	var asJSON bool
	c := a.leaf("list", "list the scheduled jobs with their next and last runs",
		func(ctx context.Context, _ []string) error { return runJobsList(ctx, a, asJSON) })
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func runJobsList(ctx context.Context, a *app, asJSON bool) error {
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
	if asJSON {
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

func (a *app) jobsRunCommand() *cobra.Command {
	var nowFlag string
	var apply bool
	c := a.leaf("run NAME [--now TIME] [--apply]", "run one job once ("+strings.Join(jobNames, ", ")+"), optionally as of another time; "+
		"as of a future time it is a dry run unless --apply",
		func(ctx context.Context, args []string) error { return runJobsRun(ctx, a, args[0], nowFlag, apply) })
	c.Flags().StringVar(&nowFlag, "now", "", "run as of this RFC 3339 `TIME`; default now. A future time only shows what the job would flag and send")
	c.Flags().BoolVar(&apply, "apply", false, "with a future --now, act for real: flag filings and send emails as if that time had come")
	c.ValidArgs = jobNames
	return c
}

// jobNames are the jobs `jobs run` takes, for its help and shell completion;
// the scheduler has the final word.
var jobNames = []string{scheduler.JobDeadlineSweep, scheduler.JobReminders, scheduler.JobDigest, scheduler.JobOutboxJanitor}

func runJobsRun(ctx context.Context, a *app, name, nowFlag string, apply bool) error {
	now := time.Now()
	if nowFlag != "" {
		var err error
		if now, err = time.Parse(time.RFC3339, nowFlag); err != nil {
			return usagef("--now %q: want RFC 3339, e.g. 2026-12-09T00:05:00+08:00", nowFlag)
		}
	}
	future := now.After(time.Now().Add(time.Minute))
	if apply && !future {
		return usagef("--apply is for a future --now; a run as of now always acts")
	}
	s, err := a.db(ctx)
	if err != nil {
		return err
	}
	sch, err := a.scheduler(ctx, s, func() time.Time { return now })
	if err != nil {
		return err
	}
	if future && !apply {
		res, dry, err := sch.DryRun(ctx, name, now)
		if errors.Is(err, scheduler.ErrUnknownJob) {
			return usagef("%v", err)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Fprintf(a.stdout, "dry run as of %s (nothing was changed; add --apply to act): %s\n", now.Format(time.RFC3339), res.Summary)
		return printDryRun(a.stdout, dry)
	}
	if future {
		fmt.Fprintf(a.stderr, "icpdesk jobs run: acting as of %s, which is in the future: its flags and emails are real\n", now.Format(time.RFC3339))
	}
	res, err := sch.Run(ctx, name, now)
	if errors.Is(err, scheduler.ErrUnknownJob) {
		return usagef("%v", err)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	fmt.Fprintf(a.stdout, "%s %s in %v: %s\n", res.Job, res.Status, res.Took.Round(time.Millisecond), res.Summary)
	return nil
}

// printDryRun lists what a dry run would have changed and sent.
func printDryRun(w io.Writer, dry *store.DryRun) error {
	if len(dry.Events) == 0 && len(dry.Emails) == 0 {
		_, err := fmt.Fprintln(w, "it would change nothing and send nothing")
		return err
	}
	var t table
	t.add("WOULD", "WHAT", "FILING", "TO")
	for _, e := range dry.Events {
		switch e.Action {
		case "work_item_opened":
			t.add("open", e.Item+" item", e.Filing, "")
		case "work_item_closed":
			t.add("close", e.Item+" item", e.Filing, "")
		default:
			t.add("change", e.Action, e.Filing, "")
		}
	}
	for _, e := range dry.Emails {
		t.add("send", e.Kind, e.Filing, e.Recipient)
	}
	return t.write(w)
}

package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/filing/filingtest"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

var (
	ctx      = context.Background()
	shanghai = mustZone("Asia/Shanghai")
)

func mustZone(n string) *time.Location {
	l, err := time.LoadLocation(n)
	if err != nil {
		panic(err)
	}
	return l
}

func defaultSpecs() Specs {
	return Specs{DeadlineSweep: "*/5 * * * *", Reminders: "0 * * * *", Digest: "0 9 * * *", OutboxJanitor: "30 * * * *"}
}

func TestNewReportsEveryBadSpec(t *testing.T) {
	s := storetest.Open(t, store.SQLite)
	specs := defaultSpecs()
	specs.Digest = "0 0 30 2 *"
	specs.Reminders = "nonsense"
	_, err := New(s, Config{Location: shanghai, Specs: specs}, nil)
	if err == nil || !strings.Contains(err.Error(), "jobs.digest") || !strings.Contains(err.Error(), "never fires") ||
		!strings.Contains(err.Error(), "jobs.reminders") {
		t.Fatalf("want both bad specs named, got %v", err)
	}
}

func TestNextRunsInDeskZone(t *testing.T) {
	s := storetest.Open(t, store.SQLite)
	now := time.Date(2026, 12, 1, 0, 30, 0, 0, time.UTC) // 08:30 in Shanghai
	sch, err := New(s, Config{Location: shanghai, Specs: defaultSpecs(), Now: func() time.Time { return now }}, nil)
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := sch.Jobs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	next := map[string]time.Time{}
	for _, j := range jobs {
		next[j.Name] = j.Next
	}
	if want := time.Date(2026, 12, 1, 9, 0, 0, 0, shanghai); !next[JobDigest].Equal(want) {
		t.Fatalf("digest next %v, want %v (09:00 Asia/Shanghai)", next[JobDigest], want)
	}
	if want := time.Date(2026, 12, 1, 8, 35, 0, 0, shanghai); !next[JobDeadlineSweep].Equal(want) {
		t.Fatalf("sweep next %v, want %v", next[JobDeadlineSweep], want)
	}
	if _, ok := next[JobOutboxJanitor]; ok {
		t.Fatal("janitor listed without a janitor function")
	}
}

// TestPanickingJobRunsAgain checks the chain order of notes/libraries.md §5:
// with Recover innermost, a job that panicked once still runs at the next tick.
func TestPanickingJobRunsAgain(t *testing.T) {
	var runs atomic.Int32
	j := cron.NewChain(cron.SkipIfStillRunning(cronLogger{discard()}), cron.Recover(cronLogger{discard()})).Then(cron.FuncJob(func() {
		if runs.Add(1) == 1 {
			panic("first run fails")
		}
	}))
	j.Run()
	j.Run()
	j.Run()
	if got := runs.Load(); got != 3 {
		t.Fatalf("job ran %d times after panicking once, want 3", got)
	}
}

func TestRunRecordsAndSurvivesPanic(t *testing.T) {
	s := storetest.Open(t, store.SQLite)
	sch, err := New(s, Config{Location: shanghai, Specs: defaultSpecs()}, discard())
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	sch.jobs = append(sch.jobs, &job{name: "flaky", spec: "@hourly", schedule: cron.Every(time.Hour), run: func(ctx context.Context, now time.Time) (string, error) {
		calls++
		if calls == 1 {
			var m map[string]int
			m["boom"]++ // a nil-map panic, as a bug in a job would
		}
		return "fine", nil
	}})
	res, err := sch.Run(ctx, "flaky", time.Now())
	if err == nil || res.Status != store.JobFailed || !strings.Contains(err.Error(), "panicked") {
		t.Fatalf("panicking run: %+v %v", res, err)
	}
	res, err = sch.Run(ctx, "flaky", time.Now())
	if err != nil || res.Status != store.JobOK || res.Summary != "fine" {
		t.Fatalf("second run: %+v %v", res, err)
	}
	runs, _ := s.LastJobRuns(ctx)
	if runs["flaky"].Status != store.JobOK {
		t.Fatalf("last run %+v", runs["flaky"])
	}
	if _, err := sch.Run(ctx, "nope", time.Now()); !errors.Is(err, ErrUnknownJob) || !strings.Contains(err.Error(), JobDeadlineSweep) {
		t.Fatalf("unknown job: %v", err)
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// setup has the bureau return n filings at returnedAt.
func setup(t *testing.T, s *store.Store, n int, returnedAt time.Time) {
	t.Helper()
	a, _ := filing.NewAccount("zhangsan@example.cn", "张三", filing.LangChinese, true, returnedAt)
	if _, err := s.CreateAccount(ctx, a, "test"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		ref := fmt.Sprintf("BA-2026-%06d", i+1)
		if _, probs, err := s.ImportFiling(ctx, filingtest.Enterprise(ref, a.Email), filingtest.Fingerprinter(), "test"); err != nil || len(probs) > 0 {
			t.Fatal(err, probs)
		}
		for _, step := range []struct {
			a      filing.Action
			at     time.Time
			reason string
		}{
			{filing.ActionSubmit, returnedAt.Add(-2 * time.Hour), ""},
			{filing.ActionToBureau, returnedAt.Add(-time.Hour), ""},
			{filing.ActionReturnBureau, returnedAt, "材料不全"},
		} {
			if _, err := s.ChangeStage(ctx, store.ChangeRequest{Ref: ref, Request: filing.Request{Action: step.a, Actor: filing.ActorStaff, At: step.at, Reason: step.reason}}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func count(t *testing.T, s *store.Store, kind filing.EmailKind) int {
	t.Helper()
	rows, err := s.ListOutbox(ctx, store.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rows {
		if r.Kind == string(kind) {
			n++
		}
	}
	return n
}

// TestThreeReplicasOneSetOfEmails runs the sweep job on three schedulers
// sharing one PostgreSQL database at once: the job lock lets one run, and
// whichever runs, every due filing gets exactly one notice.
func TestThreeReplicasOneSetOfEmails(t *testing.T) {
	u := storetest.URL(t, store.Postgres)
	var scheds []*Scheduler
	var first *store.Store
	for i := 0; i < 3; i++ {
		s, err := store.Open(ctx, u, store.WithStaff([]string{"staff@example.cn"}, filing.LangChinese))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if i == 0 {
			first = s
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
		}
		sch, err := New(s, Config{Location: shanghai, Specs: defaultSpecs()}, discard())
		if err != nil {
			t.Fatal(err)
		}
		scheds = append(scheds, sch)
	}
	const n = 30
	setup(t, first, n, time.Date(2026, 11, 1, 10, 0, 0, 0, shanghai))
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, shanghai)
	var wg sync.WaitGroup
	results := make([]Result, 3)
	for i, sch := range scheds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if results[i], err = sch.Run(ctx, JobDeadlineSweep, now); err != nil {
				t.Errorf("replica %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	ran := 0
	for _, r := range results {
		if r.Status == store.JobOK {
			ran++
		} else if r.Status != store.JobSkipped {
			t.Fatalf("result %+v", r)
		}
	}
	if ran < 1 {
		t.Fatalf("no replica ran the sweep: %+v", results)
	}
	if got := count(t, first, filing.EmailDeadlinePassed); got != n {
		t.Fatalf("%d deadline_passed emails, want %d", got, n)
	}
	if got := count(t, first, filing.EmailStaffAlert); got != n {
		t.Fatalf("%d staff alerts, want %d", got, n)
	}
}

// TestStartCatchesUp: a daemon starting after downtime flags what passed
// meanwhile and sends today's missed digest, without waiting for a tick.
func TestStartCatchesUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		setup(t, s, 3, time.Date(2026, 11, 1, 10, 0, 0, 0, shanghai))
		now := time.Date(2026, 11, 20, 10, 0, 0, 0, shanghai) // after the 09:00 digest time
		specs := defaultSpecs()
		// Specs that do not fire during the test: only catch-up runs.
		specs.DeadlineSweep, specs.Reminders = "0 3 1 1 *", "0 3 1 1 *"
		sch, err := New(s, Config{Location: shanghai, Specs: specs, Now: func() time.Time { return now }}, discard())
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if err := sch.Start(ctx); err == nil {
			t.Fatal("second Start accepted")
		}
		waitFor(t, func() bool {
			runs, _ := s.LastJobRuns(ctx)
			return runs[JobDeadlineSweep].Status == store.JobOK && runs[JobDigest].Status == store.JobOK && runs[JobReminders].Status == store.JobOK
		})
		if err := sch.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if err := sch.Stop(ctx); err != nil {
			t.Fatalf("second Stop: %v", err)
		}
		if got := count(t, s, filing.EmailDeadlinePassed); got != 3 {
			t.Fatalf("%d overdue notices after catch-up, want 3", got)
		}
		// The default staff list of the store is empty: the digest run
		// is recorded but enqueues nothing. A staffed store is tested in
		// the store package.
	})
}

func TestMissedToday(t *testing.T) {
	s := storetest.Open(t, store.SQLite)
	sch, err := New(s, Config{Location: shanghai, Specs: defaultSpecs()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var digest *job
	for _, j := range sch.jobs {
		if j.name == JobDigest {
			digest = j
		}
	}
	for _, tc := range []struct {
		now    time.Time
		missed bool
	}{
		{time.Date(2026, 12, 1, 8, 59, 59, 0, shanghai), false},
		{time.Date(2026, 12, 1, 9, 0, 0, 0, shanghai), true},
		{time.Date(2026, 12, 1, 23, 59, 0, 0, shanghai), true},
		{time.Date(2026, 12, 1, 0, 30, 0, 0, time.UTC), false}, // 08:30 CST
		{time.Date(2026, 12, 1, 1, 30, 0, 0, time.UTC), true},  // 09:30 CST
	} {
		if got := sch.missedToday(digest, tc.now); got != tc.missed {
			t.Errorf("missedToday(%s) = %v", tc.now, got)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 30s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

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

	"example.com/icpdesk/config"
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

// TestPanickingJobRunsAgain checks the chain order of docs/library-notes.md, robfig/cron:
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

// ranBefore records a run of each job at at, as an earlier run of the
// installation would have.
func ranBefore(t *testing.T, s *store.Store, at time.Time, jobs ...string) {
	t.Helper()
	for _, j := range jobs {
		id, err := s.StartJobRun(ctx, j, at)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.FinishJobRun(ctx, id, store.JobOK, "earlier", at); err != nil {
			t.Fatal(err)
		}
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
		// A new installation has missed nothing.
		fresh, err := New(s, Config{Location: shanghai, Specs: specs, Now: func() time.Time { return now }}, discard())
		if err != nil {
			t.Fatal(err)
		}
		if err := fresh.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if err := fresh.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if runs, _ := s.LastJobRuns(ctx); len(runs) != 0 {
			t.Fatalf("a new installation caught up: %+v", runs)
		}
		// This one ran its jobs until a year ago, and has been down since.
		ranBefore(t, s, time.Date(2025, 11, 20, 10, 0, 0, 0, shanghai), JobDeadlineSweep, JobReminders, JobDigest)
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

func TestLatestTick(t *testing.T) {
	daily, _ := config.ParseSchedule("0 9 * * *", shanghai)
	fiveMin, _ := config.ParseSchedule("*/5 * * * *", shanghai)
	yearly, _ := config.ParseSchedule("0 3 1 1 *", shanghai)
	seconds, _ := config.ParseSchedule("*/10 * * * * *", shanghai)
	every, _ := config.ParseSchedule("@every 90s", shanghai)
	utc, _ := config.ParseSchedule("CRON_TZ=UTC 0 1 * * *", shanghai)
	at := func(d, h, m, s int) time.Time { return time.Date(2026, 12, d, h, m, s, 0, shanghai) }
	for _, tc := range []struct {
		name  string
		sched cron.Schedule
		now   time.Time
		want  time.Time
	}{
		{"daily, before today's", daily, at(1, 8, 59, 59), at(0, 9, 0, 0)}, // 30 November
		{"daily, at the instant", daily, at(1, 9, 0, 0), at(1, 9, 0, 0)},
		{"daily, after", daily, at(1, 23, 59, 0), at(1, 9, 0, 0)},
		{"daily, now in UTC", daily, time.Date(2026, 12, 1, 1, 30, 0, 0, time.UTC), at(1, 9, 0, 0)},
		{"every five minutes", fiveMin, at(1, 10, 7, 30), at(1, 10, 5, 0)},
		{"fired a little late", fiveMin, at(1, 10, 5, 0).Add(300 * time.Millisecond), at(1, 10, 5, 0)},
		{"seconds", seconds, at(1, 10, 7, 39), at(1, 10, 7, 30)},
		{"yearly", yearly, at(1, 10, 0, 0), time.Date(2026, 1, 1, 3, 0, 0, 0, shanghai)},
		{"per-entry zone", utc, at(1, 10, 0, 0), time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)},
	} {
		if got := latestTick(tc.sched, tc.now, shanghai); !got.Equal(tc.want) {
			t.Errorf("%s: latest tick at %s is %s, want %s", tc.name, tc.now, got, tc.want)
		}
	}
	// @every: the same tick whenever within the interval it is asked.
	base := latestTick(every, at(1, 10, 0, 0), shanghai)
	if base.After(at(1, 10, 0, 0)) || at(1, 10, 0, 0).Sub(base) >= 90*time.Second {
		t.Fatalf("@every tick %s", base)
	}
	if again := latestTick(every, base.Add(89*time.Second), shanghai); !again.Equal(base) {
		t.Fatalf("@every: %s then %s within one interval", base, again)
	}
}

// counting is a scheduler whose outbox janitor counts its runs.
func counting(t *testing.T, s *store.Store, specs Specs, runs *atomic.Int32) *Scheduler {
	t.Helper()
	sch, err := New(s, Config{Location: shanghai, Specs: specs, Janitor: func(context.Context, time.Time) (string, error) {
		runs.Add(1)
		time.Sleep(5 * time.Millisecond) // long enough for the others to try meanwhile
		return "counted", nil
	}}, discard())
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// replicas opens n stores on one fresh PostgreSQL database.
func replicas(t *testing.T, n int) []*store.Store {
	u := storetest.URL(t, store.Postgres)
	var out []*store.Store
	for i := 0; i < n; i++ {
		s, err := store.Open(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if i == 0 {
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, s)
	}
	return out
}

// TestOneRunPerTickThreeReplicas: three schedulers on one PostgreSQL
// database race for each of 30 ticks, as their crons fire together (and,
// tick after tick, one after the other): each tick runs exactly once,
// whichever replica wins it, and each is recorded once.
func TestOneRunPerTickThreeReplicas(t *testing.T) {
	stores := replicas(t, 3)
	var runs atomic.Int32
	var scheds []*Scheduler
	for _, s := range stores {
		scheds = append(scheds, counting(t, s, defaultSpecs(), &runs))
	}
	const ticks = 30
	first := time.Date(2026, 12, 1, 10, 30, 0, 0, shanghai)
	winners := map[int]int{}
	for i := 0; i < ticks; i++ {
		tick := first.Add(time.Duration(i) * time.Hour)
		var wg sync.WaitGroup
		results := make([]Result, len(scheds))
		for k, sch := range scheds {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Each replica fires a little late, by its own amount.
				var err error
				results[k], err = sch.runJob(ctx, sch.jobs[3], tick.Add(time.Duration(k)*time.Millisecond), tick)
				if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		// A replica whose cron fires much later finds the tick taken.
		if res, err := scheds[i%3].runJob(ctx, scheds[i%3].jobs[3], tick.Add(time.Minute), tick); err != nil || res.Status != store.JobSkipped {
			t.Fatalf("a late replica: %+v %v", res, err)
		}
		ran := 0
		for k, r := range results {
			switch r.Status {
			case store.JobOK:
				ran++
				winners[k]++
			case store.JobSkipped:
			default:
				t.Fatalf("tick %d, replica %d: %+v", i, k, r)
			}
		}
		if ran != 1 {
			t.Fatalf("tick %d ran %d times", i, ran)
		}
	}
	if got := runs.Load(); got != ticks {
		t.Fatalf("the job ran %d times for %d ticks", got, ticks)
	}
	recorded, distinct := tickRuns(t, stores[0], JobOutboxJanitor)
	if recorded != ticks || distinct != ticks {
		t.Fatalf("%d runs recorded for %d distinct ticks, want %d", recorded, distinct, ticks)
	}
	t.Logf("ticks won per replica: %v", winners)
}

// tickRuns counts job's recorded runs and the distinct ticks they are for
// (runs that ended ok).
func tickRuns(t *testing.T, s *store.Store, job string) (recorded, distinct int) {
	t.Helper()
	runs, err := s.JobRuns(ctx, job, 10000)
	if err != nil {
		t.Fatal(err)
	}
	ticks := map[time.Time]bool{}
	for _, r := range runs {
		if r.Tick == nil || r.Status != store.JobOK {
			t.Errorf("run %+v", r)
			continue
		}
		ticks[r.Tick.UTC()] = true
	}
	return len(runs), len(ticks)
}

// TestOneRunPerTickLive: three schedulers started on one database with a
// schedule of every second: their crons fire together, and every tick still
// runs once.
func TestOneRunPerTickLive(t *testing.T) {
	stores := replicas(t, 3)
	specs := defaultSpecs()
	specs.OutboxJanitor = "* * * * * *"
	var runs atomic.Int32
	var scheds []*Scheduler
	for _, s := range stores {
		sch := counting(t, s, specs, &runs)
		if err := sch.Start(ctx); err != nil {
			t.Fatal(err)
		}
		scheds = append(scheds, sch)
	}
	time.Sleep(3500 * time.Millisecond)
	for _, sch := range scheds {
		if err := sch.Stop(ctx); err != nil {
			t.Fatal(err)
		}
	}
	recorded, distinct := tickRuns(t, stores[0], JobOutboxJanitor)
	if got := runs.Load(); got < 3 || int(got) != recorded || recorded != distinct {
		t.Fatalf("%d runs, %d recorded, %d distinct ticks", got, recorded, distinct)
	}
}

// TestMissedTickCaughtUpOnce: after a start has caught up a missed tick, a
// restart (of this replica, or three starting together) runs nothing more
// until the next tick.
func TestMissedTickCaughtUpOnce(t *testing.T) {
	stores := replicas(t, 3)
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, shanghai)
	specs := defaultSpecs()
	specs.OutboxJanitor = "0 6 * * *" // due at 06:00: missed, all were down
	start := func(s *store.Store, runs *atomic.Int32) *Scheduler {
		sch, err := New(s, Config{Location: shanghai, Specs: specs, Now: func() time.Time { return now },
			Janitor: func(context.Context, time.Time) (string, error) { runs.Add(1); return "", nil }}, discard())
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Start(ctx); err != nil {
			t.Fatal(err)
		}
		return sch
	}
	ranBefore(t, stores[0], now.Add(-48*time.Hour), JobOutboxJanitor)
	var runs atomic.Int32
	var scheds []*Scheduler
	for _, s := range stores {
		scheds = append(scheds, start(s, &runs))
	}
	waitFor(t, func() bool {
		missed, _ := stores[0].TickMissed(ctx, JobOutboxJanitor, now.Add(-4*time.Hour))
		return !missed
	})
	for _, sch := range scheds {
		if err := sch.Stop(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := runs.Load(); got != 1 {
		t.Fatalf("the missed tick ran %d times on three replicas starting together", got)
	}
	again := start(stores[1], &runs)
	time.Sleep(200 * time.Millisecond)
	if err := again.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if got := runs.Load(); got != 1 {
		t.Fatalf("a restart ran the caught-up tick again (%d runs)", got)
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

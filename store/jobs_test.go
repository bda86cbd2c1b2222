package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// returnAt imports a filing for zhangsan@example.cn and has the bureau return
// it at returnedAt.
func returnAt(t *testing.T, s *store.Store, ref string, returnedAt time.Time) {
	t.Helper()
	importEnterprise(t, s, ref, "zhangsan@example.cn")
	change(t, s, ref, filing.ActionSubmit, returnedAt.Add(-48*time.Hour))
	change(t, s, ref, filing.ActionToBureau, returnedAt.Add(-24*time.Hour))
	change(t, s, ref, filing.ActionReturnBureau, returnedAt, withReason("主办者证件号码有误"))
}

func countKind(t *testing.T, s *store.Store, kind filing.EmailKind) int {
	t.Helper()
	var n int
	if err := store.GetForTest(ctx, s, &n, `SELECT COUNT(*) FROM outbox WHERE kind = ?`, string(kind)); err != nil {
		t.Fatal(err)
	}
	return n
}

func at(y int, m time.Month, d, h, min, sec, nsec int) time.Time {
	return time.Date(y, m, d, h, min, sec, nsec, shanghai)
}

func TestSweepDeadlineBoundaries(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		approvedAccount(t, s, "zhangsan@example.cn")
		// Returned a minute before midnight and a second after it: the
		// calendar day of the return decides the deadline.
		returnAt(t, s, "BA-2026-000001", at(2026, 12, 1, 23, 59, 0, 0))
		returnAt(t, s, "BA-2026-000002", at(2026, 12, 2, 0, 0, 1, 0))
		for _, tc := range []struct {
			now     time.Time
			flagged int
		}{
			{at(2026, 12, 8, 23, 59, 59, 0), 0},         // the last second of the 7th day is still in time
			{at(2026, 12, 8, 23, 59, 59, 999000000), 0}, // …all of it
			{at(2026, 12, 9, 0, 0, 0, 0), 1},            // midnight: the first filing is overdue
			{at(2026, 12, 9, 12, 0, 0, 0), 0},           // nothing new
			{at(2026, 12, 9, 23, 59, 59, 0), 0},
			{at(2026, 12, 10, 0, 0, 0, 0), 1}, // the second one
			{at(2026, 12, 11, 0, 0, 0, 0), 0}, // and never again
		} {
			res, err := s.SweepDeadlines(ctx, tc.now)
			if err != nil {
				t.Fatal(err)
			}
			if res.Flagged != tc.flagged || res.Failed != 0 {
				t.Fatalf("sweep at %s: %+v, want %d flagged", tc.now, res, tc.flagged)
			}
		}
		if n := countKind(t, s, filing.EmailDeadlinePassed); n != 2 {
			t.Fatalf("%d deadline_passed emails, want 2", n)
		}
		if n := countKind(t, s, filing.EmailStaffAlert); n != 2 {
			t.Fatalf("%d staff alerts, want 2", n)
		}
	})
}

func TestSweepCatchesUpAfterDowntime(t *testing.T) {
	// Small batches and pages, so the sweep pages through the due filings
	// and splits each page into several transactions.
	defer store.SetSweepSizesForTest(40, 90)()
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		approvedAccount(t, s, "zhangsan@example.cn")
		// More filings than one sweep batch, all past their deadline while
		// icpdesk was down, plus one not yet due.
		const n = 210
		for i := 0; i < n; i++ {
			returnAt(t, s, fmt.Sprintf("BA-2026-%06d", i+1), at(2026, 11, 1, 10, 0, 0, 0).Add(time.Duration(i)*time.Minute))
		}
		returnAt(t, s, "BA-2026-900000", at(2026, 11, 20, 10, 0, 0, 0))
		start := time.Now()
		res, err := s.SweepDeadlines(ctx, at(2026, 11, 20, 12, 0, 0, 0))
		t.Logf("sweep took %v", time.Since(start))
		if err != nil || res.Flagged != n || res.Failed != 0 {
			t.Fatalf("catch-up sweep: %+v %v", res, err)
		}
		if got := countKind(t, s, filing.EmailDeadlinePassed); got != n {
			t.Fatalf("%d notices, want %d", got, n)
		}
		res, err = s.SweepDeadlines(ctx, at(2026, 11, 20, 12, 5, 0, 0))
		if err != nil || res.Flagged != 0 || res.Enqueued != 0 {
			t.Fatalf("second sweep: %+v %v", res, err)
		}
	})
}

func TestConcurrentSweepsOneSetOfEmails(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			u := storetest.URL(t, d)
			var replicas []*store.Store
			for i := 0; i < 3; i++ {
				s, err := store.Open(ctx, u, store.WithStaff([]string{staffAddr, "lead@example.cn"}, filing.LangChinese))
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				replicas = append(replicas, s)
			}
			if _, err := replicas[0].Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			s := replicas[0]
			approvedAccount(t, s, "zhangsan@example.cn")
			const n = 40
			for i := 0; i < n; i++ {
				returnAt(t, s, fmt.Sprintf("BA-2026-%06d", i+1), at(2026, 11, 1, 10, i, 0, 0))
			}
			var wg sync.WaitGroup
			results := make([]store.SweepResult, len(replicas))
			errs := make([]error, len(replicas))
			for i, r := range replicas {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i], errs[i] = r.SweepDeadlines(ctx, at(2026, 11, 20, 12, 0, 0, 0))
				}()
			}
			wg.Wait()
			flagged := 0
			for i := range replicas {
				if errs[i] != nil {
					t.Fatalf("replica %d: %v", i, errs[i])
				}
				if results[i].Failed != 0 {
					t.Fatalf("replica %d: %+v", i, results[i])
				}
				flagged += results[i].Flagged
			}
			if flagged != n {
				t.Fatalf("%d filings flagged in all, want %d", flagged, n)
			}
			if got := countKind(t, s, filing.EmailDeadlinePassed); got != n {
				t.Fatalf("%d deadline_passed, want %d", got, n)
			}
			if got := countKind(t, s, filing.EmailStaffAlert); got != 2*n {
				t.Fatalf("%d staff alerts, want %d (one per filing per staff address)", got, 2*n)
			}
		})
	}
}

func TestRemindersEachOffsetOnce(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		approvedAccount(t, s, "zhangsan@example.cn")
		returnAt(t, s, "BA-2026-000001", at(2026, 12, 1, 10, 0, 0, 0)) // deadline 12-08 23:59:59
		offsets := []time.Duration{72 * time.Hour, 24 * time.Hour}
		deadline := at(2026, 12, 8, 23, 59, 59, 0)
		for _, tc := range []struct {
			now  time.Time
			sent int
		}{
			{deadline.Add(-72*time.Hour - time.Second), 0}, // not yet
			{deadline.Add(-72 * time.Hour), 1},             // the 72h reminder
			{deadline.Add(-71 * time.Hour), 0},             // hourly runs after it: nothing
			{deadline.Add(-25 * time.Hour), 0},
			{deadline.Add(-24 * time.Hour), 1}, // the 24h reminder
			{deadline.Add(-1 * time.Hour), 0},
			{deadline.Add(time.Hour), 0}, // past the deadline: no reminder
		} {
			res, err := s.SendReminders(ctx, tc.now, offsets)
			if err != nil || res.Sent != tc.sent || res.Failed != 0 {
				t.Fatalf("reminders at %s: %+v %v, want %d sent", tc.now, res, err, tc.sent)
			}
		}
		rows, _ := s.ListOutbox(ctx, store.OutboxFilter{FilingRef: "BA-2026-000001"})
		var offs []string
		for _, r := range rows {
			if r.Kind == string(filing.EmailDeadlineReminder) {
				var n filing.Notice
				raw := payloadByID(t, s, r.ID)
				if err := json.Unmarshal([]byte(raw), &n); err != nil {
					t.Fatal(err)
				}
				offs = append(offs, n.ReminderOffset.String())
				if n.Deadline == nil || !n.Deadline.Equal(deadline) {
					t.Fatalf("reminder names deadline %v", n.Deadline)
				}
			}
		}
		if strings.Join(offs, ",") != "24h0m0s,72h0m0s" {
			t.Fatalf("reminders sent for offsets %v", offs)
		}
	})
}

func payloadByID(t *testing.T, s *store.Store, id int64) string {
	t.Helper()
	var raw string
	if err := store.GetForTest(ctx, s, &raw, `SELECT payload FROM outbox WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestRemindersAfterResubmissionAndSecondReturn(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		approvedAccount(t, s, "zhangsan@example.cn")
		offsets := []time.Duration{72 * time.Hour, 24 * time.Hour}
		returnAt(t, s, "BA-2026-000001", at(2026, 12, 1, 10, 0, 0, 0))
		// Resubmitted before any reminder was due: none goes out.
		change(t, s, "BA-2026-000001", filing.ActionResubmit, at(2026, 12, 3, 10, 0, 0, 0))
		if res, err := s.SendReminders(ctx, at(2026, 12, 8, 0, 0, 0, 0), offsets); err != nil || res.Sent != 0 {
			t.Fatalf("reminder after resubmission: %+v %v", res, err)
		}
		// Returned a second time: a new deadline with new reminders.
		change(t, s, "BA-2026-000001", filing.ActionToBureau, at(2026, 12, 4, 10, 0, 0, 0))
		change(t, s, "BA-2026-000001", filing.ActionReturnBureau, at(2026, 12, 5, 10, 0, 0, 0), withReason("仍有问题"))
		second := at(2026, 12, 12, 23, 59, 59, 0)
		for _, now := range []time.Time{second.Add(-72 * time.Hour), second.Add(-24 * time.Hour)} {
			if res, err := s.SendReminders(ctx, now, offsets); err != nil || res.Sent != 1 {
				t.Fatalf("reminder for the second return at %s: %+v %v", now, res, err)
			}
		}
		if n := countKind(t, s, filing.EmailDeadlineReminder); n != 2 {
			t.Fatalf("%d reminders, want 2", n)
		}
	})
}

func TestRemindersCatchUpSendsOnlyTheLatest(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		approvedAccount(t, s, "zhangsan@example.cn")
		returnAt(t, s, "BA-2026-000001", at(2026, 12, 1, 10, 0, 0, 0))
		// Down from before the 72h reminder until after the 24h one was due.
		res, err := s.SendReminders(ctx, at(2026, 12, 8, 12, 0, 0, 0), []time.Duration{72 * time.Hour, 24 * time.Hour})
		if err != nil || res.Sent != 1 {
			t.Fatalf("%+v %v", res, err)
		}
		rows, _ := s.ListOutbox(ctx, store.OutboxFilter{FilingRef: "BA-2026-000001", Status: "queued"})
		if rows[0].Kind != string(filing.EmailDeadlineReminder) || !strings.HasSuffix(rows[0].DedupKey, ":24h0m0s") {
			t.Fatalf("latest row %+v, want the 24h reminder", rows[0])
		}
	})
}

func TestDigestContentAndOncePerRecipientPerDay(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			s := storetest.Open(t, d, store.WithStaff([]string{"staff@example.cn", "lead@example.cn"}, filing.LangEnglish))
			approvedAccount(t, s, "zhangsan@example.cn")
			returnAt(t, s, "BA-2026-000001", at(2026, 12, 1, 10, 0, 0, 0))  // due 12-08: within 72h of 12-06
			returnAt(t, s, "BA-2026-000002", at(2026, 11, 20, 10, 0, 0, 0)) // overdue by 12-06
			returnAt(t, s, "BA-2026-000003", at(2026, 12, 4, 10, 0, 0, 0))
			change(t, s, "BA-2026-000003", filing.ActionResubmit, at(2026, 12, 5, 12, 0, 0, 0))
			if _, err := s.SweepDeadlines(ctx, at(2026, 12, 6, 8, 0, 0, 0)); err != nil {
				t.Fatal(err)
			}
			now := at(2026, 12, 6, 9, 0, 0, 0)
			dg, err := s.BuildDigest(ctx, now)
			if err != nil {
				t.Fatal(err)
			}
			refs := func(fs []filing.DigestFiling) string {
				var out []string
				for _, f := range fs {
					out = append(out, f.Reference)
				}
				return strings.Join(out, ",")
			}
			var overdue []filing.DigestItem
			for _, sec := range dg.Open {
				if sec.Kind == filing.WorkOverdue {
					overdue = sec.Items
					if sec.Total != 1 {
						t.Fatalf("overdue total %d", sec.Total)
					}
				}
			}
			if dg.Date != "2026-12-06" || refs(dg.DueSoon) != "BA-2026-000001" || len(overdue) != 1 || overdue[0].Filing != "BA-2026-000002" ||
				refs(dg.Resubmitted) != "BA-2026-000003" || dg.DueSoonTotal != 1 || dg.ResubmittedTotal != 1 || dg.OpenTotal != 1 {
				t.Fatalf("digest: date %s due %s overdue %+v resubmitted %s totals %d/%d/%d", dg.Date, refs(dg.DueSoon), overdue,
					refs(dg.Resubmitted), dg.DueSoonTotal, dg.ResubmittedTotal, dg.OpenTotal)
			}
			if overdue[0].Deadline == nil || overdue[0].OpenedAt.IsZero() {
				t.Fatalf("overdue row lacks its deadline or age: %+v", overdue[0])
			}
			counts := map[filing.Stage]int{}
			for _, c := range dg.Stages {
				counts[c.Stage] = c.Count
			}
			if counts[filing.StageReturned] != 2 || counts[filing.StageProviderReview] != 1 || len(dg.Stages) != len(filing.Stages) {
				t.Fatalf("counts %v", dg.Stages)
			}
			if a := dg.DueSoon[0]; a.Applicant != "张*" || a.Account != "z***@example.cn" || a.Domain != "shop.example.cn" {
				t.Fatalf("digest line not masked or incomplete: %+v", a)
			}

			r, err := s.EnqueueDigest(ctx, now)
			if err != nil || r.Enqueued != 2 || r.Already != 0 {
				t.Fatalf("first digest: %+v %v", r, err)
			}
			r, err = s.EnqueueDigest(ctx, now.Add(3*time.Hour))
			if err != nil || r.Enqueued != 0 || r.Already != 2 {
				t.Fatalf("same day again: %+v %v", r, err)
			}
			r, err = s.EnqueueDigest(ctx, now.Add(24*time.Hour))
			if err != nil || r.Enqueued != 2 {
				t.Fatalf("next day: %+v %v", r, err)
			}
			rows, _ := s.ListOutbox(ctx, store.OutboxFilter{})
			for _, row := range rows {
				if row.Kind == string(filing.EmailStaffDigest) && row.Language != "en" {
					t.Fatalf("digest in %s, want the staff language en", row.Language)
				}
			}
		})
	}
}

func TestJobLockSkipsSecondReplica(t *testing.T) {
	s := storetest.Open(t, store.Postgres)
	inside := make(chan struct{})
	release := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		err := s.WithJobLock(ctx, "deadline-sweep", func(ctx context.Context) error {
			close(inside)
			<-release
			return nil
		})
		if err != nil {
			t.Errorf("holder: %v", err)
		}
	}()
	<-inside
	if err := s.WithJobLock(ctx, "deadline-sweep", func(context.Context) error { return nil }); !errors.Is(err, store.ErrJobLocked) {
		t.Fatalf("second run while held: %v", err)
	}
	ran := false
	if err := s.WithJobLock(ctx, "reminders", func(context.Context) error { ran = true; return nil }); err != nil || !ran {
		t.Fatalf("another job is not blocked: %v", err)
	}
	close(release)
	wg.Wait()
	if err := s.WithJobLock(ctx, "deadline-sweep", func(context.Context) error { return nil }); err != nil {
		t.Fatalf("after release: %v", err)
	}
}

func TestJobRuns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		id, err := s.StartJobRun(ctx, "digest", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := s.FinishJobRun(ctx, id, store.JobOK, "queued for 2 staff", time.Now()); err != nil {
			t.Fatal(err)
		}
		id2, _ := s.StartJobRun(ctx, "digest", time.Now())
		_ = s.FinishJobRun(ctx, id2, store.JobFailed, strings.Repeat("错", 1000), time.Now())
		runs, err := s.LastJobRuns(ctx)
		if err != nil {
			t.Fatal(err)
		}
		r := runs["digest"]
		if r.ID != id2 || r.Status != store.JobFailed || r.FinishedAt == nil || len(r.Detail) > 2000 || !strings.HasPrefix(r.Detail, "错") {
			t.Fatalf("last run %+v", r)
		}
	})
}

// TestSecondReturnAtTheSameTime: a return recorded with the same time as the
// previous one (say, both with --at) still starts its own reminders and its
// own overdue notice.
func TestSecondReturnAtTheSameTime(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		approvedAccount(t, s, "zhangsan@example.cn")
		returnedAt := at(2026, 12, 1, 10, 0, 0, 0)
		returnAt(t, s, "BA-2026-000001", returnedAt)
		offsets := []time.Duration{24 * time.Hour}
		deadline := at(2026, 12, 8, 23, 59, 59, 0)
		if res, err := s.SendReminders(ctx, deadline.Add(-time.Hour), offsets); err != nil || res.Sent != 1 {
			t.Fatalf("first reminder: %+v %v", res, err)
		}
		change(t, s, "BA-2026-000001", filing.ActionResubmit, returnedAt.Add(time.Hour))
		change(t, s, "BA-2026-000001", filing.ActionToBureau, returnedAt.Add(2*time.Hour))
		change(t, s, "BA-2026-000001", filing.ActionReturnBureau, returnedAt, withReason("同一时间再次退回"))
		if res, err := s.SendReminders(ctx, deadline.Add(-time.Hour), offsets); err != nil || res.Sent != 1 {
			t.Fatalf("reminder of the second return: %+v %v", res, err)
		}
		if res, err := s.SweepDeadlines(ctx, deadline.Add(time.Hour)); err != nil || res.Flagged != 1 {
			t.Fatalf("overdue after the second return: %+v %v", res, err)
		}
	})
}

// TestSweepWaitsForTheInbox: after downtime the sweep flags only deadlines
// the inbox has caught up past, so a resubmission that arrived in time but
// is not recorded yet is never answered with "deadline passed".
func TestSweepWaitsForTheInbox(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		approvedAccount(t, s, "zhangsan@example.cn")
		returnAt(t, s, "BA-2026-000001", at(2026, 11, 20, 10, 0, 0, 0)) // deadline 11-27 23:59:59
		returnAt(t, s, "BA-2026-000002", at(2026, 11, 25, 10, 0, 0, 0)) // deadline 12-02 23:59:59
		// The inbox last read the mailbox on 11-30: the first deadline is
		// behind it, the second is not.
		if err := s.MarkCaughtUp(ctx, "INBOX", 1, at(2026, 11, 30, 8, 0, 0, 0)); err != nil {
			t.Fatal(err)
		}
		res, err := s.SweepDeadlines(ctx, at(2026, 12, 5, 9, 0, 0, 0))
		if err != nil || res.Flagged != 1 || res.Waiting != 1 {
			t.Fatalf("sweep with the inbox behind: %+v %v", res, err)
		}
		if err := s.MarkCaughtUp(ctx, "INBOX", 1, at(2026, 12, 5, 9, 1, 0, 0)); err != nil {
			t.Fatal(err)
		}
		res, err = s.SweepDeadlines(ctx, at(2026, 12, 5, 9, 5, 0, 0))
		if err != nil || res.Flagged != 1 || res.Waiting != 0 {
			t.Fatalf("sweep once the inbox caught up: %+v %v", res, err)
		}
	})
}

// TestStartTick: a tick is recorded once: the second replica to start it
// gets ErrTickTaken. A tick left running by a replica that died is taken
// over by the next start under the job lock, and other runs it left are
// marked interrupted.
func TestStartTick(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		tick := time.Date(2026, 12, 1, 9, 0, 0, 0, shanghai)
		id, err := s.StartTick(ctx, "digest", tick, "web1:1", c.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := s.FinishJobRun(ctx, id, store.JobOK, "done", c.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := s.StartTick(ctx, "digest", tick, "web2:2", c.Now()); !errors.Is(err, store.ErrTickTaken) {
			t.Fatalf("second start of a finished tick: %v", err)
		}
		if missed, err := s.TickMissed(ctx, "digest", tick); err != nil || missed {
			t.Fatalf("a tick run was missed: %v %v", missed, err)
		}
		if missed, _ := s.TickMissed(ctx, "digest", c.Now().Add(time.Second)); !missed {
			t.Fatal("a later tick with no run was not missed")
		}
		if missed, _ := s.TickMissed(ctx, "reminders", c.Now().Add(time.Second)); missed {
			t.Fatal("a job that never ran missed a tick")
		}
		if _, err := s.StartTick(ctx, "reminders", tick, "web2:2", c.Now()); err != nil {
			t.Fatalf("another job's same tick: %v", err)
		}

		// web1 dies running the next tick, and a run by hand.
		next := tick.Add(24 * time.Hour)
		if _, err := s.StartTick(ctx, "digest", next, "web1:1", c.Now()); err != nil {
			t.Fatal(err)
		}
		byHand, err := s.StartJobRun(ctx, "digest", c.Now())
		if err != nil {
			t.Fatal(err)
		}
		if missed, _ := s.TickMissed(ctx, "digest", next); !missed {
			t.Fatal("a run still going counts as done")
		}
		took, err := s.StartTick(ctx, "digest", next, "web3:3", c.Now())
		if err != nil {
			t.Fatalf("taking over a dead replica's tick: %v", err)
		}
		var r struct {
			Runner string `db:"runner"`
			Status string `db:"status"`
			Detail string `db:"detail"`
		}
		if err := store.GetForTest(ctx, s, &r, `SELECT runner, status, detail FROM job_runs WHERE id = ?`, took); err != nil ||
			r.Runner != "web3:3" || r.Status != store.JobRunning || !strings.Contains(r.Detail, "web1:1") {
			t.Fatalf("taken-over run %+v (%v)", r, err)
		}
		var status, detail string
		if err := store.GetForTest(ctx, s, &status, `SELECT status FROM job_runs WHERE id = ?`, byHand); err != nil || status != store.JobFailed {
			t.Fatalf("the interrupted run by hand is %q (%v)", status, err)
		}
		if err := store.GetForTest(ctx, s, &detail, `SELECT detail FROM job_runs WHERE id = ?`, byHand); err != nil || !strings.Contains(detail, "interrupted") {
			t.Fatalf("its detail: %q (%v)", detail, err)
		}
	})
}

// TestJobLockOnSQLite: one process serves SQLite; the lock is held in it.
func TestJobLockOnSQLite(t *testing.T) {
	s := storetest.Open(t, store.SQLite)
	err := s.WithJobLock(ctx, "digest", func(context.Context) error {
		if err := s.WithJobLock(ctx, "digest", func(context.Context) error { return nil }); !errors.Is(err, store.ErrJobLocked) {
			t.Errorf("nested run of the same job: %v", err)
		}
		return s.WithJobLock(ctx, "reminders", func(context.Context) error { return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WithJobLock(ctx, "digest", func(context.Context) error { return nil }); err != nil {
		t.Fatalf("after release: %v", err)
	}
}

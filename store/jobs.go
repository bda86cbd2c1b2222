package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"example.com/icpdesk/filing"
)

// Job run statuses.
const (
	JobRunning = "running"
	JobOK      = "ok"
	JobFailed  = "failed"
	JobSkipped = "skipped"
)

// ErrJobLocked is returned by WithJobLock when another replica runs the job.
var ErrJobLocked = errors.New("another replica is running this job")

// WithJobLock runs fn while holding the job's lock, so that no two runs of a
// job overlap. On PostgreSQL that is a transaction-scoped advisory lock held
// by a transaction kept open for the run, so it is released however the run
// ends, even if the process dies; a second replica gets ErrJobLocked and
// skips the run. SQLite serves one process: the lock is held in it.
func (s *Store) WithJobLock(ctx context.Context, job string, fn func(ctx context.Context) error) error {
	if s.dialect != Postgres {
		key := "job:" + job
		s.mu.Lock()
		if s.leases == nil {
			s.leases = map[string]bool{}
		}
		if s.leases[key] {
			s.mu.Unlock()
			return ErrJobLocked
		}
		s.leases[key] = true
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			delete(s.leases, key)
			s.mu.Unlock()
		}()
		return fn(ctx)
	}
	lockTx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("job %s: lock: %w", job, err)
	}
	defer lockTx.Rollback()
	var got bool
	if err := lockTx.QueryRowxContext(ctx, `SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || ':icpdesk:job:' || $1))`, job).Scan(&got); err != nil {
		return fmt.Errorf("job %s: lock: %w", job, err)
	}
	if !got {
		return ErrJobLocked
	}
	return fn(ctx)
}

// ErrTickTaken is returned by StartTick when the tick's run is recorded
// already: another replica runs it or ran it.
var ErrTickTaken = errors.New("another replica took this tick")

// StartTick records that runner starts job's run for the schedule's tick
// (the instant it was due) and returns the run's id for FinishJobRun. The
// record is unique per job and tick, so of several replicas whose schedules
// fire together, exactly one gets the tick; the others get ErrTickTaken.
//
// Call it under WithJobLock. No other run of the job can then be going on,
// so a run recorded as still running was cut short (its replica died): it is
// marked failed, and if it was this very tick, the tick is taken over and
// run again.
func (s *Store) StartTick(ctx context.Context, job string, tick time.Time, runner string, at time.Time) (int64, error) {
	var id int64
	err := s.InTx(ctx, func(t *Tx) error {
		if _, err := t.exec(ctx, `UPDATE job_runs SET status = 'failed', finished_at = ?, detail = ?
			WHERE job = ? AND status = 'running' AND (tick IS NULL OR tick <> ?)`,
			dbTime(at), "interrupted: the replica running it stopped before it ended", job, dbTime(tick)); err != nil {
			return err
		}
		return t.get(ctx, &id, `INSERT INTO job_runs (job, tick, runner, started_at, status) VALUES (?, ?, ?, ?, 'running')
			ON CONFLICT (job, tick) DO UPDATE SET runner = excluded.runner, started_at = excluded.started_at,
				detail = 'taken over from ' || job_runs.runner
			WHERE job_runs.status = 'running'
			RETURNING id`, job, dbTime(tick), runner, dbTime(at))
	})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrTickTaken
	}
	if err != nil {
		return 0, fmt.Errorf("record job run %s at %s: %w", job, tick.Format(time.RFC3339), err)
	}
	return id, nil
}

// TickMissed reports whether job's tick at tick was missed: the job was
// being run before it (this is not a new installation, nor a new job), and
// no run of it, scheduled or by hand, started at or after tick and ended.
// A replica starting up runs the latest tick of each schedule if it was
// missed: every replica was down when it came.
func (s *Store) TickMissed(ctx context.Context, job string, tick time.Time) (bool, error) {
	var row struct {
		Before int `db:"before"`
		Since  int `db:"since"`
	}
	err := s.db.GetContext(ctx, &row, s.db.Rebind(`SELECT
		(SELECT COUNT(*) FROM job_runs WHERE job = ? AND started_at < ?) AS before,
		(SELECT COUNT(*) FROM job_runs WHERE job = ? AND started_at >= ? AND status IN ('ok', 'failed')) AS since`),
		job, dbTime(tick), job, dbTime(tick))
	if err != nil {
		return false, fmt.Errorf("read job runs of %s: %w", job, err)
	}
	return row.Before > 0 && row.Since == 0, nil
}

// JobRun is one recorded run of a job.
type JobRun struct {
	ID  int64  `json:"id" db:"id"`
	Job string `json:"job" db:"job"`
	// Tick is the scheduled instant the run is for; nil for a run by hand.
	Tick       *time.Time `json:"tick,omitempty" db:"tick"`
	Runner     string     `json:"runner,omitempty" db:"runner"`
	StartedAt  time.Time  `json:"started_at" db:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty" db:"finished_at"`
	Status     string     `json:"status" db:"status"`
	Detail     string     `json:"detail,omitempty" db:"detail"`
}

// StartJobRun records that a job started by hand (`icpdesk jobs run`), not
// for a tick of its schedule.
func (s *Store) StartJobRun(ctx context.Context, job string, at time.Time) (int64, error) {
	var id int64
	err := s.db.GetContext(ctx, &id, s.db.Rebind(`INSERT INTO job_runs (job, runner, started_at, status) VALUES (?, ?, ?, 'running') RETURNING id`),
		job, ProcessName(), dbTime(at))
	if err != nil {
		return 0, fmt.Errorf("record job run %s: %w", job, err)
	}
	return id, nil
}

// FinishJobRun records how a job run ended.
func (s *Store) FinishJobRun(ctx context.Context, id int64, status, detail string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`UPDATE job_runs SET status = ?, detail = ?, finished_at = ? WHERE id = ?`),
		status, truncate(detail, 2000), dbTime(at), id)
	if err != nil {
		return fmt.Errorf("record job run %d: %w", id, err)
	}
	return nil
}

// LastJobRuns returns the latest run of each job.
func (s *Store) LastJobRuns(ctx context.Context) (map[string]JobRun, error) {
	var runs []JobRun
	err := s.db.SelectContext(ctx, &runs, `SELECT r.id, r.job, r.tick, r.runner, r.started_at, r.finished_at, r.status, r.detail FROM job_runs r
		WHERE r.id IN (SELECT MAX(id) FROM job_runs GROUP BY job)`)
	if err != nil {
		return nil, fmt.Errorf("read job runs: %w", err)
	}
	out := make(map[string]JobRun, len(runs))
	for _, r := range runs {
		out[r.Job] = r
	}
	return out, nil
}

// JobRuns returns the latest runs of job, newest first, at most limit.
func (s *Store) JobRuns(ctx context.Context, job string, limit int) ([]JobRun, error) {
	var runs []JobRun
	err := s.db.SelectContext(ctx, &runs, s.db.Rebind(`SELECT id, job, tick, runner, started_at, finished_at, status, detail FROM job_runs
		WHERE job = ? ORDER BY id DESC LIMIT ?`), job, limit)
	if err != nil {
		return nil, fmt.Errorf("read runs of %s: %w", job, err)
	}
	return runs, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && (s[n]&0xC0) == 0x80 {
		n-- // do not cut a UTF-8 sequence
	}
	return s[:n]
}

// sweepBatch is how many filings one transaction of a sweep handles: large
// enough to amortise commits, small enough to keep row locks short.
// sweepPage is how many due filings one search of the sweep reads: one
// query for the usual case, a bounded amount of memory after long downtime.
// (Variables so tests can exercise paging with a few filings.)
var (
	sweepBatch = 1000
	sweepPage  = 20 * sweepBatch
)

// SweepResult counts what a deadline sweep did.
type SweepResult struct {
	// Waiting counts filings past their deadline not flagged yet because the
	// inbox has not read the mailbox since (InboxAt): their resubmission
	// may be waiting there.
	Waiting  int
	InboxAt  time.Time
	Flagged  int      // filings flagged overdue now
	Skipped  int      // already handled (by another replica) or not due after all
	Failed   int      // filings whose change failed; they are retried next sweep
	Errors   []string // one per failed filing, for the run's record
	Enqueued int
}

// SweepDeadlines flags every filing past its resubmission deadline at now as
// overdue, through ChangeStage, which enqueues the applicant's
// deadline_passed and the staff alerts with their dedup keys. It works from
// the database, not from ticks: after downtime the first sweep flags
// everything that passed meanwhile. Filings are visited once per sweep in
// deadline order, in batches; each filing has its own savepoint, so one
// failure does not undo the others.
func (s *Store) SweepDeadlines(ctx context.Context, now time.Time) (SweepResult, error) {
	var res SweepResult
	// A resubmission that reached the mailbox before the deadline but is
	// not recorded yet (icpdesk or the IMAP server was down) must not be
	// called late: flag only deadlines the inbox has caught up past.
	cutoff := now
	if caught, ok, err := s.InboxCaughtUp(ctx); err != nil {
		return res, err
	} else if ok && caught.Before(cutoff) {
		cutoff = caught
		if err := s.db.GetContext(ctx, &res.Waiting, s.db.Rebind(`SELECT COUNT(*) FROM filings
			WHERE deadline IS NOT NULL AND NOT overdue AND deadline <= ? AND deadline > ?`), dbTime(now.Add(-time.Second)), dbTime(cutoff.Add(-time.Second))); err != nil {
			return res, fmt.Errorf("deadline sweep: %w", err)
		}
		res.InboxAt = cutoff
	}
	var afterDeadline time.Time
	var afterID int64
	for {
		due, err := s.dueFilings(ctx, cutoff, afterDeadline, afterID)
		if err != nil {
			return res, fmt.Errorf("deadline sweep: find due filings: %w", err)
		}
		if len(due) == 0 {
			return res, nil
		}
		last := due[len(due)-1]
		afterDeadline, afterID = last.Deadline, last.ID
		for start := 0; start < len(due); start += sweepBatch {
			if err := s.flagOverdue(ctx, due[start:min(start+sweepBatch, len(due))], now, &res); err != nil {
				return res, err
			}
		}
		if len(due) < sweepPage {
			// A short page is the last: filings due later wait for the next sweep.
			return res, nil
		}
	}
}

// dueFilings reads one page of the sweep's search. Scanned by hand, not by
// sqlx: reflection per row cost more than the index scan itself.
func (s *Store) dueFilings(ctx context.Context, cutoff, afterDeadline time.Time, afterID int64) ([]overdueCandidate, error) {
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(sweepQuery), sweepArgs(cutoff, afterDeadline, afterID)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	due := make([]overdueCandidate, 0, 256)
	for rows.Next() {
		var d overdueCandidate
		if err := rows.Scan(&d.ID, &d.Reference, &d.Deadline); err != nil {
			return nil, err
		}
		due = append(due, d)
	}
	return due, rows.Err()
}

// overdueCandidate is a filing the sweep's search found past its deadline.
// Smaller than dueFiling, and its deadline is a value: a search reads
// thousands, and a pointer per row was an allocation per row.
type overdueCandidate struct {
	ID        int64
	Reference string
	Deadline  time.Time
}

// flagOverdue flags one batch of due filings in one transaction.
func (s *Store) flagOverdue(ctx context.Context, due []overdueCandidate, now time.Time, res *SweepResult) error {
	reqs := make([]ChangeRequest, len(due))
	for i, d := range due {
		reqs[i] = ChangeRequest{Ref: d.Reference, ActorName: "deadline-sweep",
			Request: filing.Request{Action: filing.ActionFlagOverdue, Actor: filing.ActorScheduler, At: now}}
	}
	results, err := s.changeBatch(ctx, reqs)
	if err != nil {
		return fmt.Errorf("deadline sweep: %w", err)
	}
	for i, r := range results {
		switch {
		case r.Err == nil && r.Duplicate:
			res.Skipped++
		case r.Err == nil:
			res.Flagged++
			res.Enqueued += r.Enqueued
		case errors.Is(r.Err, filing.ErrAlreadyOverdue), errors.Is(r.Err, filing.ErrNotDue), errors.Is(r.Err, filing.ErrNotAwaiting):
			res.Skipped++ // another replica got there first, or it changed meanwhile
		default:
			res.Failed++
			res.Errors = append(res.Errors, fmt.Sprintf("%s: %v", due[i].Reference, r.Err))
		}
	}
	return nil
}

// changeBatch applies requests in one transaction. If the batch fails in the
// database, it is redone one request per transaction, so one broken filing
// holds up nobody else; its error is then reported in its result.
func (s *Store) changeBatch(ctx context.Context, reqs []ChangeRequest) ([]ChangeResult, error) {
	var results []ChangeResult
	err := s.InTx(ctx, func(tx *Tx) (err error) {
		results, err = tx.ChangeStages(ctx, reqs)
		return err
	})
	if err == nil || ctx.Err() != nil {
		return results, err
	}
	results = make([]ChangeResult, len(reqs))
	for i, req := range reqs {
		results[i], results[i].Err = s.ChangeStage(ctx, req)
		if ctx.Err() != nil {
			return results, ctx.Err()
		}
	}
	return results, nil
}

// sweepQuery pages through the filings past their deadline in deadline
// order. The row-value keyset is an index condition on the partial index
// filings_awaiting_deadline_idx (deadline, id), so each page starts where the
// last ended instead of rescanning from the oldest deadline. It reads only
// what the sweep uses: the change itself rereads the filing, locked.
const sweepQuery = `SELECT id, reference, deadline FROM filings
	WHERE deadline IS NOT NULL AND NOT overdue AND deadline <= ? AND (deadline, id) > (?, ?)
	ORDER BY deadline, id LIMIT ?`

func sweepArgs(now, afterDeadline time.Time, afterID int64) []any {
	// PastDeadline: the deadline's own second still counts as in time.
	cutoff := dbTime(now.Add(-time.Second))
	return []any{cutoff, dbTime(afterDeadline), afterID, sweepPage}
}

type dueFiling struct {
	ID         int64      `db:"id"`
	Returns    int        `db:"returns"`
	Extensions int        `db:"extensions"`
	Reference  string     `db:"reference"`
	Deadline   *time.Time `db:"deadline"`
	ReturnedAt *time.Time `db:"returned_at"`
}

// ReminderResult counts what a reminders run did.
type ReminderResult struct {
	Sent    int
	Skipped int
	Failed  int
	Errors  []string
}

// SendReminders enqueues the deadline reminders due at now. With offsets
// o1 < o2 < …, a filing whose deadline lies in (now+o(i-1), now+oi] is due
// the oi reminder; one filing falls in one window, so after downtime only
// the latest reminder that is due goes out, not a burst of stale ones. Each
// reminder is sent at most once per filing, return and offset (dedup key);
// reminders already enqueued are filtered out before any filing is loaded.
func (s *Store) SendReminders(ctx context.Context, now time.Time, offsets []time.Duration) (ReminderResult, error) {
	var res ReminderResult
	offs := append([]time.Duration(nil), offsets...)
	sort.Slice(offs, func(i, j int) bool { return offs[i] < offs[j] })
	var prev time.Duration
	for _, off := range offs {
		if off <= 0 || off == prev {
			continue
		}
		lo, hi := dbTime(now.Add(prev)), dbTime(now.Add(off))
		// The deadline's own second is still in time (filing.PastDeadline).
		if prev == 0 {
			lo = dbTime(now.Add(-time.Second))
		}
		prev = off
		var cands []dueFiling
		if err := s.db.SelectContext(ctx, &cands, s.db.Rebind(`SELECT id, reference, deadline, returned_at, returns, extensions FROM filings
			WHERE deadline IS NOT NULL AND NOT overdue AND deadline > ? AND deadline <= ? ORDER BY deadline, id`), lo, hi); err != nil {
			return res, fmt.Errorf("reminders: find filings: %w", err)
		}
		keys := make([]string, 0, len(cands))
		for _, c := range cands {
			if c.ReturnedAt != nil {
				keys = append(keys, reminderKey(c.Reference, c.Returns, c.Extensions, off))
			}
		}
		done, err := s.existingDedupKeys(ctx, keys)
		if err != nil {
			return res, err
		}
		var reqs []ChangeRequest
		for _, c := range cands {
			if c.ReturnedAt == nil || done[reminderKey(c.Reference, c.Returns, c.Extensions, off)] {
				res.Skipped++
				continue
			}
			reqs = append(reqs, ChangeRequest{Ref: c.Reference, ActorName: "reminders", ReminderOffset: off,
				Request: filing.Request{Action: filing.ActionRemind, Actor: filing.ActorScheduler, At: now}})
		}
		for start := 0; start < len(reqs); start += sweepBatch {
			batch := reqs[start:min(start+sweepBatch, len(reqs))]
			results, err := s.changeBatch(ctx, batch)
			if err != nil {
				return res, fmt.Errorf("reminders: %w", err)
			}
			for i, r := range results {
				switch {
				case r.Err == nil && !r.Duplicate:
					res.Sent++
				case r.Err == nil, errors.Is(r.Err, filing.ErrTransition):
					res.Skipped++ // sent by another replica, or resubmitted meanwhile
				default:
					res.Failed++
					res.Errors = append(res.Errors, fmt.Sprintf("%s: %v", batch[i].Ref, r.Err))
				}
			}
		}
	}
	return res, nil
}

func (s *Store) existingDedupKeys(ctx context.Context, keys []string) (map[string]bool, error) {
	done := make(map[string]bool, len(keys))
	for start := 0; start < len(keys); start += 500 {
		chunk := keys[start:min(start+500, len(keys))]
		q, args, err := sqlx.In(`SELECT dedup_key FROM outbox WHERE dedup_key IN (?)`, chunk)
		if err != nil {
			return nil, fmt.Errorf("reminders: %w", err)
		}
		var found []string
		if err := s.db.SelectContext(ctx, &found, s.db.Rebind(q), args...); err != nil {
			return nil, fmt.Errorf("reminders: read sent reminders: %w", err)
		}
		for _, k := range found {
			done[k] = true
		}
	}
	return done, nil
}

// DigestResult says what a digest run enqueued.
type DigestResult struct {
	Date     string
	Enqueued int // recipients newly claimed
	Already  int // recipients that had today's digest already
}

// EnqueueDigest builds the digest and enqueues it to every staff address,
// once per recipient per day: the outbox row, keyed by day and recipient, is
// the claim, written before anything is sent.
func (s *Store) EnqueueDigest(ctx context.Context, now time.Time) (DigestResult, error) {
	d, err := s.BuildDigest(ctx, now)
	if err != nil {
		return DigestResult{}, err
	}
	res := DigestResult{Date: d.Date}
	body, err := jsonMarshal(d)
	if err != nil {
		return res, err
	}
	err = s.InTx(ctx, func(tx *Tx) error {
		for _, addr := range s.staff {
			n := filing.Notice{Kind: filing.EmailStaffDigest, Language: s.staffLang, To: addr, At: now.UTC(), Digest: body}
			ok, err := tx.Enqueue(ctx, OutboxItem{Notice: n, DedupKey: fmt.Sprintf("%s:%s:%s", filing.EmailStaffDigest, d.Date, strings.ToLower(addr))})
			if err != nil {
				return err
			}
			if ok {
				res.Enqueued++
			} else {
				res.Already++
			}
		}
		return nil
	})
	return res, err
}

// LastJobSuccesses returns when each job last finished well.
func (s *Store) LastJobSuccesses(ctx context.Context) (map[string]time.Time, error) {
	var runs []struct {
		Job string    `db:"job"`
		At  time.Time `db:"at"`
	}
	if err := s.db.SelectContext(ctx, &runs, `SELECT r.job, r.finished_at AS at FROM job_runs r
		WHERE r.id IN (SELECT MAX(id) FROM job_runs WHERE status = 'ok' AND finished_at IS NOT NULL GROUP BY job)`); err != nil {
		return nil, fmt.Errorf("read job successes: %w", err)
	}
	out := make(map[string]time.Time, len(runs))
	for _, r := range runs {
		out[r.Job] = r.At
	}
	return out, nil
}

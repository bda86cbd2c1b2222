package store

// The mailer's side of the outbox: claiming due rows, recording what each
// send did, and the janitor's housekeeping. Rows move
//
//	queued ──ClaimDue──▶ sending ──MarkSent──▶ sent (password erased)
//	   ▲                    │ ├────MarkRetry──▶ queued (later)
//	   └──Release/Requeue───┘ └────MarkFailed─▶ failed (+ staff alert)
//
// and RetryRow puts a failed row back in the queue.
//
// A claim is held by a named worker (claimed_by, e.g. "web1:4242:worker-1")
// until lease_until. The worker renews it (RenewClaims) while it sends, so
// the lease can be short: when the worker dies, the next claim of any worker
// takes the row back (ClaimDue), and a restarted process takes back its dead
// predecessor's claims at once (TakeBackDeadClaims). Only the holder of a
// claim may reschedule, fail or release the row.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"example.com/icpdesk/filing"
)

// actorMailer is who the audit trail names for what the mailer records.
const actorMailer filing.Actor = "mailer"

// OutboxMessage is a claimed outbox row, ready to render and send.
type OutboxMessage struct {
	ID        int64
	Kind      filing.EmailKind
	Language  filing.Language
	Recipient string
	FilingID  int64
	AccountID int64
	// Notice is the payload. It holds the filing password until the row is
	// marked sent: never log it.
	Notice filing.Notice
	// NoticeErr is set when the payload cannot be decoded; the row cannot be
	// sent and should be failed.
	NoticeErr error
	Attempts  int // including the one this claim starts
	MessageID string
	// BounceToken goes in the envelope sender when VERP is on; empty for
	// rows queued before tokens existed.
	BounceToken string
	CreatedAt   time.Time
	LeaseUntil  time.Time
}

type claimedRow struct {
	ID          int64         `db:"id"`
	Kind        string        `db:"kind"`
	Language    string        `db:"language"`
	Recipient   string        `db:"recipient"`
	FilingID    sql.NullInt64 `db:"filing_id"`
	AccountID   sql.NullInt64 `db:"account_id"`
	Payload     string        `db:"payload"`
	Attempts    int           `db:"attempts"`
	MessageID   string        `db:"message_id"`
	BounceToken string        `db:"bounce_token"`
	CreatedAt   time.Time     `db:"created_at"`
}

// ClaimDue claims up to limit rows for owner, leased until now+lease, counts
// the attempt, and returns them in id order. It takes first the rows whose
// claim expired (their holder died or hung: it is not sending them any
// more, and they may be overdue), then queued rows due at now, oldest
// first. An expired row's attempt count goes up again, as if it had been
// requeued and claimed: its previous attempt may or may not have reached
// the server. On PostgreSQL, concurrent claimers (workers, replicas) skip
// each other's rows (FOR UPDATE SKIP LOCKED) and never get the same row;
// SQLite's immediate transactions serialise claims.
func (s *Store) ClaimDue(ctx context.Context, owner string, now time.Time, limit int, lease time.Duration) ([]OutboxMessage, error) {
	if owner == "" || limit <= 0 || lease <= 0 {
		return nil, fmt.Errorf("claim outbox: owner %q, limit %d and lease %v must be set", owner, limit, lease)
	}
	until := dbTime(now.Add(lease))
	const returning = ` RETURNING id, kind, language, recipient, filing_id, account_id, payload, attempts, message_id, bounce_token, created_at`
	var expiredQ, dueQ string
	if s.dialect == Postgres {
		// PostgreSQL may re-run an IN subquery while updating, and a LIMIT
		// with SKIP LOCKED then yields more rows than asked for (seen in this
		// package's tests). A materialised CTE picks the rows exactly once;
		// the outer status check re-tests a row changed meanwhile.
		pgReturning := strings.ReplaceAll(returning, " id,", " outbox.id,")
		expiredQ = `WITH gone AS MATERIALIZED (SELECT id FROM outbox WHERE status = 'sending' AND lease_until <= ?
				ORDER BY lease_until, id LIMIT ? FOR UPDATE SKIP LOCKED)
			UPDATE outbox SET attempts = attempts + 1, lease_until = ?, claimed_by = ?
			FROM gone WHERE outbox.id = gone.id AND outbox.status = 'sending'` + pgReturning
		dueQ = `WITH due AS MATERIALIZED (SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= ?
				ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED)
			UPDATE outbox SET status = 'sending', attempts = attempts + 1, lease_until = ?, claimed_by = ?
			FROM due WHERE outbox.id = due.id AND outbox.status = 'queued'` + pgReturning
	} else {
		// SQLite computes the IN list once, inside the write lock. Without
		// statistics it would find the due rows through outbox_status_idx and
		// sort every queued row, and look the claimed ids up by scanning every
		// queued row again: a claim would cost the whole backlog. INDEXED BY
		// reads the first rows of the partial index in order; the unary +
		// keeps the outer status check off the index, so each id is a rowid
		// lookup.
		expiredQ = `UPDATE outbox SET attempts = attempts + 1, lease_until = ?, claimed_by = ?
			WHERE +status = 'sending' AND id IN (SELECT id FROM outbox INDEXED BY outbox_claims_idx
				WHERE status = 'sending' AND lease_until <= ? ORDER BY lease_until, id LIMIT ?)` + returning
		dueQ = `UPDATE outbox SET status = 'sending', attempts = attempts + 1, lease_until = ?, claimed_by = ?
			WHERE +status = 'queued' AND id IN (SELECT id FROM outbox INDEXED BY outbox_due_idx
				WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?)` + returning
	}
	var rows []claimedRow
	err := s.InTx(ctx, func(t *Tx) error {
		rows = rows[:0]
		claim := func(q string, limit int, at time.Time) error {
			var got []claimedRow
			var err error
			if s.dialect == Postgres {
				err = t.selectRows(ctx, &got, q, dbTime(at), limit, until, owner)
			} else {
				err = t.selectRows(ctx, &got, q, until, owner, dbTime(at), limit)
			}
			rows = append(rows, got...)
			return err
		}
		if s.dialect == Postgres {
			// Statistics lag behind a burst of enqueues; estimating few due
			// rows, the planner would bitmap-scan and sort every due row (and
			// every dead index entry) to return the first few, on each claim.
			// The partial indexes already hold them in order.
			if _, err := t.exec(ctx, `SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off`); err != nil {
				return err
			}
		}
		if err := claim(expiredQ, limit, now); err != nil {
			return fmt.Errorf("take back expired claims: %w", err)
		}
		if len(rows) < limit {
			return claim(dueQ, limit-len(rows), now)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	// RETURNING gives no order; id order is what the mailer sends in.
	sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
	out := make([]OutboxMessage, len(rows))
	for i, r := range rows {
		m := OutboxMessage{ID: r.ID, Kind: filing.EmailKind(r.Kind), Language: filing.Language(r.Language),
			Recipient: r.Recipient, FilingID: r.FilingID.Int64, AccountID: r.AccountID.Int64,
			Attempts: r.Attempts, MessageID: r.MessageID, BounceToken: r.BounceToken, CreatedAt: r.CreatedAt, LeaseUntil: until}
		if err := json.Unmarshal([]byte(r.Payload), &m.Notice); err != nil {
			m.NoticeErr = fmt.Errorf("outbox row %d: payload: %w", r.ID, err)
		}
		out[i] = m
	}
	return out, nil
}

// RenewClaims extends owner's claims on ids until now+lease, and returns
// the ids it extended: the others are no longer owner's (another worker took
// them back after they expired) or no longer being sent.
func (s *Store) RenewClaims(ctx context.Context, owner string, ids []int64, now time.Time, lease time.Duration) ([]int64, error) {
	var renewed []int64
	if len(ids) == 0 {
		return nil, nil
	}
	until := dbTime(now.Add(lease))
	err := s.InTx(ctx, func(t *Tx) error {
		renewed = renewed[:0]
		for start := 0; start < len(ids); start += bulkRows {
			q, args, err := t.inList(`UPDATE outbox SET lease_until = ? WHERE status = 'sending' AND claimed_by = ? AND id IN (?) RETURNING id`,
				until, owner, ids[start:min(start+bulkRows, len(ids))])
			if err != nil {
				return err
			}
			var got []int64
			if err := t.tx.SelectContext(ctx, &got, q, args...); err != nil {
				return err
			}
			renewed = append(renewed, got...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("renew %d outbox claims: %w", len(ids), err)
	}
	return renewed, nil
}

// TakeBackDeadClaims ends at once the claims of processes of this machine
// that no longer run (ProcessGone): a process restarted after a crash calls
// it before its first claim, so its predecessor's emails go out now rather
// than when their lease runs out. It returns how many claims it ended;
// ClaimDue then takes those rows first.
func (s *Store) TakeBackDeadClaims(ctx context.Context, now time.Time) (int, error) {
	var owners []string
	if err := s.db.SelectContext(ctx, &owners, s.db.Rebind(`SELECT DISTINCT claimed_by FROM outbox WHERE status = 'sending' AND lease_until > ?`),
		dbTime(now)); err != nil {
		return 0, fmt.Errorf("read outbox claims: %w", err)
	}
	var dead []string
	for _, o := range owners {
		if ProcessGone(o) {
			dead = append(dead, o)
		}
	}
	if len(dead) == 0 {
		return 0, nil
	}
	q, args, err := sqlx.In(`UPDATE outbox SET lease_until = ? WHERE status = 'sending' AND claimed_by IN (?)`, dbTime(now), dead)
	if err != nil {
		return 0, err
	}
	res, err := s.db.ExecContext(ctx, s.db.Rebind(q), args...)
	if err != nil {
		return 0, fmt.Errorf("take back the claims of %s: %w", strings.Join(dead, ", "), err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// SentMark records one delivered email.
type SentMark struct {
	ID     int64
	SentAt time.Time
	// MessageID is stored only if the row had none (rows enqueued before
	// Message-IDs were fixed at enqueue).
	MessageID string
}

// markSentChunk keeps statements well under both databases' parameter limits.
const markSentChunk = 300

// MarkSent marks delivered rows sent and erases the filing password from
// their payloads in the same statement, so no committed state has the email
// sent and the password still stored. A row is marked whoever claims it
// now: the email went out, and a worker that took the row back after this
// one's claim ran out would only send it again. It returns how many rows it
// changed: fewer than given means some were no longer being sent (another
// worker took them back and already recorded its own attempt).
//
// The mailer records each delivery before the next message's final dot, so
// this commit is on the sending path. On PostgreSQL it does not wait for
// the WAL to reach the disk (synchronous_commit off): a kill of icpdesk
// loses nothing, and a crash of PostgreSQL itself can lose only the last
// fraction of a second of marks, whose emails then go out again with their
// Message-IDs.
func (s *Store) MarkSent(ctx context.Context, marks []SentMark) (int, error) {
	if len(marks) == 1 && marks[0].MessageID == "" {
		return s.markOneSent(ctx, marks[0])
	}
	// instr first: most payloads have no password, and parsing each one's
	// JSON in the process (SQLite is in process) costs more than the send.
	erase := `CASE WHEN instr(outbox.payload, '"password"') > 0 THEN json_remove(outbox.payload, '$.password') ELSE outbox.payload END`
	row := `(?, ?)`
	table, target := `outbox`, `outbox`
	if s.dialect == Postgres {
		erase = `CASE WHEN jsonb_exists(o.payload, 'password') THEN o.payload - 'password' ELSE o.payload END`
		// VALUES columns are untyped parameters on PostgreSQL; say what they are.
		row = `(CAST(? AS BIGINT), CAST(? AS TIMESTAMPTZ))`
		table, target = `outbox AS o`, `o`
	}
	total := 0
	err := s.InTx(ctx, func(t *Tx) error {
		total = 0
		if s.dialect == Postgres {
			// Else, with lagging statistics, the planner bitmap-scans every
			// 'sending' entry of outbox_status_idx (dead ones included) and
			// hash-joins them, where one primary-key lookup per row is all
			// that is needed.
			if _, err := t.exec(ctx, `SET LOCAL enable_bitmapscan = off; SET LOCAL synchronous_commit = off`); err != nil {
				return fmt.Errorf("mark %d emails sent: %w", len(marks), err)
			}
		}
		for start := 0; start < len(marks); start += markSentChunk {
			chunk := marks[start:min(start+markSentChunk, len(marks))]
			var b strings.Builder
			args := make([]any, 0, 2*len(chunk))
			fmt.Fprintf(&b, `UPDATE %s SET status = 'sent', sent_at = v.column2, lease_until = NULL, last_error = '', payload = %s
				FROM (VALUES `, table, erase)
			for i, m := range chunk {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(row)
				args = append(args, m.ID, dbTime(m.SentAt))
			}
			fmt.Fprintf(&b, `) AS v WHERE %s.id = v.column1 AND %s.status = 'sending'`, target, target)
			q := b.String()
			if s.dialect == Postgres {
				q = withSentEvents("", q, target)
			}
			res, err := t.exec(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("mark %d emails sent: %w", len(chunk), err)
			}
			n, _ := res.RowsAffected()
			total += int(n)
		}
		// Rare: rows that had no Message-ID get the one they were sent with.
		// Apart, so the common statement leaves the message_id index alone.
		for _, m := range marks {
			if m.MessageID == "" {
				continue
			}
			if _, err := t.exec(ctx, `UPDATE outbox SET message_id = ? WHERE id = ? AND message_id = ''`, m.MessageID, m.ID); err != nil {
				return fmt.Errorf("record the Message-ID of email %d: %w", m.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return total, nil
}

// withSentEvents makes update, a PostgreSQL UPDATE that marks emails sent
// in the table named target, also write each one's email_sent event,
// stamped with the next commit number, in the same statement: one round
// trip, and no function call per email, as the trigger of schemas 7 to 13
// made (schema 14). It reports as many rows as it marked. with, if not
// empty, is a WITH item the update reads.
//
// The clock is counted only after every row is marked (count, not
// EXISTS, which would take the clock after the first row): the clock
// stays the last lock taken, as every transaction takes it (finishEvents).
func withSentEvents(with, update, target string) string {
	if with != "" {
		with += ",\n"
	}
	return `WITH ` + with + `marked AS (` + update + `
		RETURNING ` + target + `.id, ` + target + `.filing_id, ` + target + `.account_id, ` + target + `.kind, ` + target + `.sent_at),
	clock AS (UPDATE event_clock SET seq = seq + 1 WHERE id = 1 AND (SELECT count(*) FROM marked) > 0 RETURNING seq)
	INSERT INTO events (filing_id, account_id, actor, actor_name, action, details, created_at, commit_seq)
		SELECT marked.filing_id, marked.account_id, 'mailer', '', 'email_sent',
			jsonb_build_object('outbox_id', marked.id, 'kind', marked.kind), marked.sent_at, clock.seq
		FROM marked, clock`
}

// markOneSent is MarkSent for one row, the mailer's usual call: one
// prepared statement in its own transaction, so one round trip. On
// PostgreSQL the statement turns synchronous_commit off for its own
// transaction (set_config's is_local), as SET LOCAL would in a transaction
// of several statements.
//
// On PostgreSQL it runs without ctx's cancellation, bounded instead by a
// lock_timeout set the same way: for a prepared statement with a
// cancellable context, lib/pq starts a goroutine that the statement's end
// must hand over to (an unbuffered channel), a scheduling wait of about
// 50 µs per email on the mailer's sending path. What the cancellation
// bounded here was a wait for a lock (the row, the event clock); a
// cancellation could not end a wait on a dead network either.
func (s *Store) markOneSent(ctx context.Context, m SentMark) (int, error) {
	s.markOnce.Do(func() {
		q := `UPDATE outbox SET status = 'sent', sent_at = ?, lease_until = NULL, last_error = '',
			payload = CASE WHEN instr(payload, '"password"') > 0 THEN json_remove(payload, '$.password') ELSE payload END
			WHERE id = ? AND status = 'sending'`
		if s.dialect == Postgres {
			q = withSentEvents(`nosync AS (SELECT set_config('synchronous_commit', 'off', true), set_config('lock_timeout', '`+markLockTimeout+`', true))`,
				`UPDATE outbox SET status = 'sent', sent_at = ?, lease_until = NULL, last_error = '',
					payload = CASE WHEN jsonb_exists(payload, 'password') THEN payload - 'password' ELSE payload END
				FROM nosync WHERE id = ? AND status = 'sending'`, "outbox")
		}
		s.markStmt, s.markErr = s.db.PreparexContext(context.WithoutCancel(ctx), s.db.Rebind(q))
	})
	if s.markErr != nil {
		return 0, fmt.Errorf("mark email %d sent: %w", m.ID, s.markErr)
	}
	execCtx := ctx
	if s.dialect == Postgres {
		if err := ctx.Err(); err != nil {
			return 0, fmt.Errorf("mark email %d sent: %w", m.ID, err)
		}
		execCtx = context.WithoutCancel(ctx)
	}
	res, err := s.markStmt.ExecContext(execCtx, dbTime(m.SentAt), m.ID)
	if err != nil {
		return 0, fmt.Errorf("mark email %d sent: %w", m.ID, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// markLockTimeout bounds markOneSent's wait for a lock on PostgreSQL (a
// variable so that a test need not wait 30 s).
var markLockTimeout = "30s"

// RetryMark puts one row back in the queue for a later attempt.
type RetryMark struct {
	ID            int64
	NextAttemptAt time.Time
	Error         string
}

// MarkRetry returns owner's claimed rows to the queue with their next
// attempt time and the error that delayed them, in one transaction. Rows
// owner no longer holds are left to their new holder; the count says how
// many were changed.
func (s *Store) MarkRetry(ctx context.Context, owner string, marks []RetryMark) (int, error) {
	total := 0
	err := s.InTx(ctx, func(t *Tx) error {
		total = 0
		for _, m := range marks {
			res, err := t.exec(ctx, `UPDATE outbox SET status = 'queued', next_attempt_at = ?, last_error = ?, lease_until = NULL
				WHERE id = ? AND status = 'sending' AND claimed_by = ?`, dbTime(m.NextAttemptAt), truncateError(m.Error), m.ID, owner)
			if err != nil {
				return fmt.Errorf("requeue email %d: %w", m.ID, err)
			}
			n, _ := res.RowsAffected()
			total += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return total, nil
}

// ReleaseClaims returns owner's claimed rows that were never attempted (the
// mailer stopped first) to the queue as they were, uncounting the attempt.
// Rows owner no longer holds are left alone.
func (s *Store) ReleaseClaims(ctx context.Context, owner string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	return s.InTx(ctx, func(t *Tx) error {
		q, args, err := t.inList(`UPDATE outbox SET status = 'queued', lease_until = NULL,
			attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END
			WHERE status = 'sending' AND claimed_by = ? AND id IN (?)`, owner, ids)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, q, args...); err != nil {
			return fmt.Errorf("release %d claimed emails: %w", len(ids), err)
		}
		return nil
	})
}

// OutboxFailure records an email that will not be delivered.
type OutboxFailure struct {
	ID int64
	// Owner is the worker holding the row's claim: only it may fail the row.
	Owner string
	At    time.Time
	Error string
	// Alert, if set, is sent to every staff address in the same transaction,
	// keyed by the row and the address so it is enqueued once whatever
	// happens. Failures of staff emails never raise alerts: a staff address
	// that rejects mail would otherwise alert itself for ever.
	Alert *filing.Alert
}

// MarkFailed marks a claimed row failed for good, audits it, and enqueues
// the staff alert. It returns the number of alerts enqueued, and
// ErrConflict, changing nothing, when the row is not being sent under
// f.Owner's claim (another worker took it back: it decides).
func (s *Store) MarkFailed(ctx context.Context, f OutboxFailure) (int, error) {
	alerts := 0
	err := s.InTx(ctx, func(t *Tx) error {
		alerts = 0
		var row struct {
			Kind      string        `db:"kind"`
			Payload   string        `db:"payload"`
			Status    string        `db:"status"`
			ClaimedBy string        `db:"claimed_by"`
			FilingID  sql.NullInt64 `db:"filing_id"`
			AccountID sql.NullInt64 `db:"account_id"`
			InboundID sql.NullInt64 `db:"inbound_id"`
		}
		err := t.get(ctx, &row, `SELECT kind, payload, status, claimed_by, filing_id, account_id, inbound_id FROM outbox WHERE id = ?`+t.forUpdate(), f.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("email %d: %w", f.ID, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("read email %d: %w", f.ID, err)
		}
		if row.Status != OutboxSending {
			return fmt.Errorf("email %d is %s, not sending: %w", f.ID, row.Status, ErrConflict)
		}
		if row.ClaimedBy != f.Owner {
			return fmt.Errorf("email %d is claimed by %s, not %s: %w", f.ID, row.ClaimedBy, f.Owner, ErrConflict)
		}
		detail := truncateError(f.Error)
		if _, err := t.exec(ctx, `UPDATE outbox SET status = 'failed', last_error = ?, lease_until = NULL WHERE id = ?`,
			detail, f.ID); err != nil {
			return fmt.Errorf("mark email %d failed: %w", f.ID, err)
		}
		kind := filing.EmailKind(row.Kind)
		if err := t.insertEvent(ctx, event{FilingID: row.FilingID.Int64, AccountID: row.AccountID.Int64, Actor: actorMailer,
			Action: "email_failed", Details: map[string]any{"outbox_id": f.ID, "kind": kind, "error": detail},
			At: f.At}); err != nil {
			return err
		}
		if kind.ToStaff() {
			return nil
		}
		var recipient string
		if err := t.get(ctx, &recipient, `SELECT recipient FROM outbox WHERE id = ?`, f.ID); err != nil {
			return fmt.Errorf("read email %d: %w", f.ID, err)
		}
		reason, status := filing.ClassifyFailure(detail)
		if _, err := t.OpenWorkItems(ctx, []NewWorkItem{{Kind: filing.WorkEmailFailed, Cause: filing.WorkCauseOutbox(filing.WorkEmailFailed, f.ID),
			FilingID: row.FilingID.Int64, AccountID: row.AccountID.Int64, OutboxID: f.ID, At: f.At, Actor: actorMailer, ActorName: f.Owner,
			Details: map[string]any{"reason": string(reason), "status": status, "email_kind": row.Kind}}}); err != nil {
			return err
		}
		var itemID int64
		if err := t.get(ctx, &itemID, `SELECT id FROM work_items WHERE cause = ? AND closed_at IS NULL`,
			filing.WorkCauseOutbox(filing.WorkEmailFailed, f.ID)); err != nil {
			return fmt.Errorf("read the work item of email %d: %w", f.ID, err)
		}
		if f.Alert == nil {
			return nil
		}
		// One alert per recipient, reason and day: one bad address must not
		// raise an alert for every email it bounced.
		var failures int
		day := f.At.In(t.s.policy.Location).Format("2006-01-02")
		if err := t.get(ctx, &failures, `SELECT COUNT(*) FROM work_items w JOIN outbox o ON o.id = w.outbox_id
			WHERE w.kind = 'email_failed' AND w.closed_at IS NULL AND o.recipient = ?`, recipient); err != nil {
			return fmt.Errorf("count failed emails to one address: %w", err)
		}
		a := *f.Alert
		a.Recipient, a.Reason, a.Status, a.Failures, a.ItemID = filing.MaskEmail(recipient), reason, status, failures, itemID
		var base filing.Notice
		// A payload that cannot be decoded still gets its alert, without the
		// filing's details.
		_ = json.Unmarshal([]byte(row.Payload), &base)
		alert := filing.Notice{
			Kind: filing.EmailStaffAlert, Language: t.s.staffLang, At: f.At,
			Reference: base.Reference, Account: base.Account,
			SubjectType: base.SubjectType, SubjectName: base.SubjectName, WebsiteName: base.WebsiteName,
			Domains: base.Domains, Stage: base.Stage, Deadline: base.Deadline, Inbound: base.Inbound,
			Alert: &a,
		}
		for _, addr := range t.s.staff {
			alert.To = addr
			key := fmt.Sprintf("%s:email_failed:%s:%s:%s:%s", filing.EmailStaffAlert, recipient, reason, day, strings.ToLower(addr))
			ok, err := t.Enqueue(ctx, OutboxItem{Notice: alert, DedupKey: key,
				FilingID: row.FilingID.Int64, AccountID: row.AccountID.Int64, InboundID: row.InboundID.Int64})
			if err != nil {
				return err
			}
			if ok {
				alerts++
			}
		}
		return nil
	})
	return alerts, err
}

// maxErrorLen keeps a server's long reply from bloating the row.
const maxErrorLen = 1000

func truncateError(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if len(s) <= maxErrorLen {
		return s
	}
	return truncate(s, maxErrorLen) + "…"
}

// RequeueExpiredLeases returns rows whose claim expired (the mailer holding
// them died or hung) to the queue, due at once. The email may have gone out
// before the holder died: its Message-ID is fixed, so a second copy is
// recognisably the same message. ClaimDue takes such rows itself; the
// scheduler's janitor and `outbox send` call this too, so that a row
// nobody claims stays visible as queued.
func (s *Store) RequeueExpiredLeases(ctx context.Context, now time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, s.db.Rebind(`UPDATE outbox SET status = 'queued', lease_until = NULL, next_attempt_at = ?
		WHERE status = 'sending' AND lease_until <= ?`), dbTime(now), dbTime(now))
	if err != nil {
		return 0, fmt.Errorf("requeue expired outbox leases: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// EraseOldSecrets erases the filing password from rows created before
// olderThan that will not be sent (failed or bounced; sent rows lost theirs
// when marked). Until then staff can retry a failed approval email with its
// password. The scheduler's janitor calls it.
func (s *Store) EraseOldSecrets(ctx context.Context, olderThan time.Time) (int, error) {
	q := `UPDATE outbox SET payload = json_remove(payload, '$.password')
		WHERE status IN ('sent', 'failed', 'bounced') AND created_at < ? AND json_extract(payload, '$.password') IS NOT NULL`
	if s.dialect == Postgres {
		q = `UPDATE outbox SET payload = payload - 'password'
			WHERE status IN ('sent', 'failed', 'bounced') AND created_at < ? AND payload->>'password' IS NOT NULL`
	}
	res, err := s.db.ExecContext(ctx, s.db.Rebind(q), dbTime(olderThan))
	if err != nil {
		return 0, fmt.Errorf("erase old secrets: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// RetryRow puts a failed or bounced email back in the queue, due now, with
// its attempts reset and its age restarted (created_at), so a temporary
// failure during the retry is retried for a full max_age again. A queued row
// is made due now. The audit trail keeps who retried it and when it was
// first queued.
func (s *Store) RetryRow(ctx context.Context, id int64, actorName string) (OutboxRow, error) {
	var out OutboxRow
	err := s.InTx(ctx, func(t *Tx) error {
		row, err := t.outboxRowByID(ctx, id, true)
		if err != nil {
			return err
		}
		switch row.Status {
		case OutboxFailed, OutboxBounced, OutboxQueued:
		case OutboxSending:
			return fmt.Errorf("email %d is being sent right now; try again in a moment: %w", id, ErrConflict)
		default:
			return fmt.Errorf("email %d was already sent; retrying it would send it twice: %w", id, ErrConflict)
		}
		now := t.s.now()
		if _, err := t.exec(ctx, `UPDATE outbox SET status = 'queued', attempts = 0, next_attempt_at = ?, created_at = ?, lease_until = NULL
			WHERE id = ?`, dbTime(now), dbTime(now), id); err != nil {
			return fmt.Errorf("retry email %d: %w", id, err)
		}
		var owner struct {
			FilingID  sql.NullInt64 `db:"filing_id"`
			AccountID sql.NullInt64 `db:"account_id"`
		}
		if err := t.get(ctx, &owner, `SELECT filing_id, account_id FROM outbox WHERE id = ?`, id); err != nil {
			return fmt.Errorf("retry email %d: %w", id, err)
		}
		if err := t.insertEvent(ctx, event{FilingID: owner.FilingID.Int64, AccountID: owner.AccountID.Int64, Actor: filing.ActorStaff, ActorName: actorName,
			Action: "email_retried", Details: map[string]any{"outbox_id": id, "kind": row.Kind, "previous_status": row.Status,
				"previous_error": row.LastError, "first_queued_at": row.CreatedAt}, At: now}); err != nil {
			return err
		}
		t.enqueued++ // wake the mailer
		out, err = t.outboxRowByID(ctx, id, false)
		return err
	})
	return out, err
}

const outboxRowColumns = `o.id, o.kind, o.language, o.recipient, COALESCE(f.reference, '') AS reference, COALESCE(o.inbound_id, 0) AS inbound_id, o.dedup_key, o.status,
		o.attempts, o.next_attempt_at, o.last_error, o.message_id, o.created_at, o.sent_at, o.bounce_token`

func (t *Tx) outboxRowByID(ctx context.Context, id int64, lock bool) (OutboxRow, error) {
	var row OutboxRow
	q := `SELECT ` + outboxRowColumns + ` FROM outbox o LEFT JOIN filings f ON f.id = o.filing_id WHERE o.id = ?`
	if lock && t.s.dialect == Postgres {
		q += ` FOR UPDATE OF o`
	}
	err := t.get(ctx, &row, q, id)
	if errors.Is(err, sql.ErrNoRows) {
		return row, fmt.Errorf("email %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return row, fmt.Errorf("read email %d: %w", id, err)
	}
	return row, nil
}

// OutboxByID reads one outbox row as staff see it (no payload).
func (s *Store) OutboxByID(ctx context.Context, id int64) (OutboxRow, error) {
	var row OutboxRow
	err := s.readTx(ctx, func(t *Tx) (err error) {
		row, err = t.outboxRowByID(ctx, id, false)
		return err
	})
	return row, err
}

// OutboxNotice reads one row's payload. It holds the filing password until
// the row is sent (or the janitor erased it): never log or print it.
func (s *Store) OutboxNotice(ctx context.Context, id int64) (filing.Notice, error) {
	var n filing.Notice
	var payload string
	err := s.db.GetContext(ctx, &payload, s.db.Rebind(`SELECT payload FROM outbox WHERE id = ?`), id)
	if errors.Is(err, sql.ErrNoRows) {
		return n, fmt.Errorf("email %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return n, fmt.Errorf("read email %d: %w", id, err)
	}
	if err := json.Unmarshal([]byte(payload), &n); err != nil {
		return n, fmt.Errorf("email %d: payload: %w", id, err)
	}
	return n, nil
}

// NextDue returns when a row can next be claimed, if any can: the earliest
// due time of the queued rows, or the earliest end of a claim, since a claim
// that runs out is taken back.
func (s *Store) NextDue(ctx context.Context) (time.Time, bool, error) {
	var next time.Time
	for _, q := range []string{
		`SELECT next_attempt_at FROM outbox WHERE status = 'queued' ORDER BY next_attempt_at LIMIT 1`,
		`SELECT lease_until FROM outbox WHERE status = 'sending' ORDER BY lease_until LIMIT 1`,
	} {
		var t []time.Time
		if err := s.db.SelectContext(ctx, &t, q); err != nil {
			return time.Time{}, false, fmt.Errorf("next due email: %w", err)
		}
		if len(t) > 0 && (next.IsZero() || t[0].Before(next)) {
			next = t[0]
		}
	}
	return next, !next.IsZero(), nil
}

// Staff returns the addresses that receive staff emails and their language.
func (s *Store) Staff() ([]string, filing.Language) {
	return append([]string(nil), s.staff...), s.staffLang
}

// ListenOutbox returns a channel that receives a value soon after rows are
// enqueued: at once for this process's commits and, on PostgreSQL, for any
// replica's (LISTEN/NOTIFY; InTx notifies at commit). After the listener
// reconnects it also fires, since notifications may have been missed while
// it was down. It is a hint to look, not a queue: one pending value holds
// any number of enqueues. The channel stops firing when ctx ends. report,
// if not nil, hears the listener's connection problems.
func (s *Store) ListenOutbox(ctx context.Context, report func(error)) (<-chan struct{}, error) {
	out := make(chan struct{}, 1)
	poke := func() {
		select {
		case out <- struct{}{}:
		default:
		}
	}
	local := s.OutboxWatch()
	var listener *pq.Listener
	var notify <-chan *pq.Notification
	if s.dialect == Postgres {
		listener = pq.NewListener(s.dsn, 100*time.Millisecond, 10*time.Second, func(ev pq.ListenerEventType, err error) {
			if err != nil && report != nil {
				report(fmt.Errorf("outbox listener: %w", err))
			}
		})
		// Listen blocks until the listener is connected; don't wait for ever.
		done := make(chan error, 1)
		go func() { done <- listener.Listen(s.outboxChannel()) }()
		wait := time.NewTimer(10 * time.Second)
		defer wait.Stop()
		select {
		case err := <-done:
			if err != nil {
				listener.Close()
				return nil, fmt.Errorf("listen for outbox notifications on %s: %w", s.where, err)
			}
		case <-wait.C:
			listener.Close()
			return nil, fmt.Errorf("listen for outbox notifications on %s: not connected after 10s", s.where)
		case <-ctx.Done():
			listener.Close()
			return nil, ctx.Err()
		}
		notify = listener.NotificationChannel()
	}
	go func() {
		defer func() {
			if listener != nil {
				listener.Close()
			}
			if r := recover(); r != nil && report != nil {
				report(fmt.Errorf("outbox listener panicked: %v", r))
			}
		}()
		for {
			select {
			case <-ctx.Done():
				return
			case <-local:
				poke()
			case _, ok := <-notify:
				// A nil notification follows a reconnect: wake up and look.
				if !ok {
					notify = nil
					continue
				}
				poke()
			}
		}
	}()
	return out, nil
}

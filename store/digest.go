package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"example.com/icpdesk/filing"
)

// BuildDigest collects the work queue as the staff digest shows it at now:
// every open item by kind, oldest first, at most filing.DigestRows rows per
// list with true totals; failed emails grouped by recipient; filings
// resubmitted since the previous digest and deadlines within 72 hours.
// Personal data is masked. The previous digest is the last one enqueued
// before now (or 24 hours ago when there was none).
func (s *Store) BuildDigest(ctx context.Context, now time.Time) (filing.Digest, error) {
	loc := s.policy.Location
	d := filing.Digest{Date: now.In(loc).Format("2006-01-02"), GeneratedAt: now.UTC(), ConsoleURL: s.consoleURL}
	var last sql.NullTime
	// A digest sent by hand does not count: the next scheduled one still
	// lists everything since the last scheduled one.
	if err := s.db.GetContext(ctx, &last, s.db.Rebind(`SELECT MAX(created_at) FROM outbox WHERE kind = ? AND created_at < ?
		AND dedup_key NOT LIKE ?`), string(filing.EmailStaffDigest), dbTime(now), manualDigestPrefix+"%"); err != nil {
		return d, fmt.Errorf("digest: previous digest: %w", err)
	}
	since := now.Add(-24 * time.Hour)
	if last.Valid {
		since = last.Time
		d.Since = &since
	}
	err := s.readTx(ctx, func(t *Tx) error {
		var counts []struct {
			Stage string `db:"stage"`
			N     int    `db:"n"`
		}
		if err := t.selectRows(ctx, &counts, `SELECT stage, COUNT(*) AS n FROM filings GROUP BY stage`); err != nil {
			return fmt.Errorf("digest: counts: %w", err)
		}
		byStage := map[string]int{}
		for _, c := range counts {
			byStage[c.Stage] = c.N
		}
		for _, st := range filing.Stages {
			d.Stages = append(d.Stages, filing.StageCount{Stage: st, Count: byStage[string(st)]})
		}
		if err := t.digestOpen(ctx, &d); err != nil {
			return err
		}
		var err error
		resubmitted := `JOIN events e ON e.filing_id = f.id AND e.action = 'resubmit' AND e.created_at > ?`
		if d.Resubmitted, d.ResubmittedTotal, err = t.digestFilings(ctx, resubmitted, `e.created_at`, []any{dbTime(since)}, `ORDER BY e.created_at`); err != nil {
			return err
		}
		dueSoon := `WHERE f.deadline IS NOT NULL AND NOT f.overdue AND f.deadline > ? AND f.deadline <= ?`
		if d.DueSoon, d.DueSoonTotal, err = t.digestFilings(ctx, dueSoon, `NULL`, []any{dbTime(now), dbTime(now.Add(72 * time.Hour))}, `ORDER BY f.deadline`); err != nil {
			return err
		}
		return nil
	})
	return d, err
}

// digestOpen fills the open items, kind by kind.
func (t *Tx) digestOpen(ctx context.Context, d *filing.Digest) error {
	var counts []WorkCount
	if err := t.selectRows(ctx, &counts, `SELECT kind, COUNT(*) AS n, MIN(opened_at) AS oldest
		FROM work_items WHERE closed_at IS NULL GROUP BY kind`); err != nil {
		return fmt.Errorf("digest: count work items: %w", err)
	}
	total := map[filing.WorkKind]int{}
	for _, c := range counts {
		total[c.Kind] = c.Open
		d.OpenTotal += c.Open
	}
	for _, k := range filing.WorkKinds {
		if total[k] == 0 {
			continue
		}
		sec := filing.DigestSection{Kind: k, Total: total[k]}
		if k == filing.WorkEmailFailed {
			groups, err := t.digestFailedGroups(ctx)
			if err != nil {
				return err
			}
			sec.Groups = groups
		} else {
			var rows []WorkItem
			q := `SELECT ` + workItemColumns + workItemJoins + ` WHERE w.closed_at IS NULL AND w.kind = ? ORDER BY w.opened_at, w.id LIMIT ?`
			if err := t.selectRows(ctx, &rows, q, string(k), filing.DigestRows); err != nil {
				return fmt.Errorf("digest: %s items: %w", k, err)
			}
			for _, w := range rows {
				sec.Items = append(sec.Items, digestItem(w))
			}
		}
		d.Open = append(d.Open, sec)
	}
	return nil
}

// digestItem is one row of the digest, personal data masked.
func digestItem(w WorkItem) filing.DigestItem {
	it := filing.DigestItem{ID: w.ID, OpenedAt: w.OpenedAt, Filing: w.FilingRef, From: filing.MaskEmail(w.Sender),
		Subject: truncate(w.Subject, 200), Deadline: w.Deadline}
	var details struct {
		Asks       string `json:"asks"`
		Says       string `json:"says"`
		Understood string `json:"understood"`
		Reason     string `json:"reason"`
		Recipient  string `json:"recipient"`
	}
	_ = json.Unmarshal(w.Details, &details)
	it.Asks = truncate(filing.MaskIDNumbersInText(firstNonEmpty(details.Asks, details.Says, details.Understood)), 300)
	if w.Kind == filing.WorkBounce {
		it.Recipient = filing.MaskEmail(firstNonEmpty(w.Recipient, details.Recipient))
		it.Reason, it.Status = filing.ClassifyFailure(firstNonEmpty(details.Reason, w.LastError))
	}
	if w.Kind != filing.WorkOverdue {
		it.Deadline = nil
	}
	return it
}

// digestFailedGroups is the open email_failed items grouped by recipient,
// oldest group first.
func (t *Tx) digestFailedGroups(ctx context.Context) ([]filing.DigestEmailGroup, error) {
	var groups []struct {
		Recipient string    `db:"recipient"`
		N         int       `db:"n"`
		Oldest    time.Time `db:"oldest"`
	}
	if err := t.selectRows(ctx, &groups, `SELECT o.recipient, COUNT(*) AS n, MIN(w.opened_at) AS oldest
		FROM work_items w JOIN outbox o ON o.id = w.outbox_id
		WHERE w.closed_at IS NULL AND w.kind = 'email_failed'
		GROUP BY o.recipient ORDER BY MIN(w.opened_at), o.recipient LIMIT ?`, filing.DigestRows); err != nil {
		return nil, fmt.Errorf("digest: failed emails: %w", err)
	}
	out := make([]filing.DigestEmailGroup, 0, len(groups))
	for _, g := range groups {
		var items []struct {
			ID        int64  `db:"id"`
			LastError string `db:"last_error"`
			Filing    string `db:"reference"`
		}
		if err := t.selectRows(ctx, &items, `SELECT w.id, o.last_error, COALESCE(f.reference, '') AS reference
			FROM work_items w JOIN outbox o ON o.id = w.outbox_id LEFT JOIN filings f ON f.id = w.filing_id
			WHERE w.closed_at IS NULL AND w.kind = 'email_failed' AND o.recipient = ? ORDER BY w.opened_at, w.id LIMIT ?`,
			g.Recipient, filing.DigestRows); err != nil {
			return nil, fmt.Errorf("digest: failed emails to one address: %w", err)
		}
		grp := filing.DigestEmailGroup{Recipient: filing.MaskEmail(g.Recipient), Count: g.N, Oldest: g.Oldest}
		seen := map[string]bool{}
		for i, it := range items {
			if i == 0 {
				grp.Reason, grp.Status = filing.ClassifyFailure(it.LastError)
			}
			grp.ItemIDs = append(grp.ItemIDs, it.ID)
			if it.Filing != "" && !seen[it.Filing] {
				seen[it.Filing] = true
				grp.Filings = append(grp.Filings, it.Filing)
			}
		}
		out = append(out, grp)
	}
	return out, nil
}

// digestFilings returns a digest's filing list (at most filing.DigestRows)
// and its true total.
func (t *Tx) digestFilings(ctx context.Context, join, resubmittedAt string, args []any, order string) ([]filing.DigestFiling, int, error) {
	var total int
	if err := t.get(ctx, &total, `SELECT COUNT(*) FROM filings f `+join, args...); err != nil {
		return nil, 0, fmt.Errorf("digest: count filings: %w", err)
	}
	if total == 0 {
		return nil, 0, nil
	}
	var rows []struct {
		Reference     string     `db:"reference"`
		Applicant     string     `db:"applicant"`
		Account       string     `db:"account"`
		Domain        string     `db:"domain"`
		Stage         string     `db:"stage"`
		Reason        string     `db:"return_reason"`
		ReturnedAt    *time.Time `db:"returned_at"`
		Deadline      *time.Time `db:"deadline"`
		ResubmittedAt *time.Time `db:"resubmitted_at"`
		Late          bool       `db:"late"`
	}
	q := `SELECT f.reference, a.name AS applicant, a.email AS account,
		COALESCE((SELECT dm.name FROM filing_domains dm WHERE dm.filing_id = f.id ORDER BY dm.position LIMIT 1), '') AS domain,
		f.stage, f.return_reason, f.returned_at, f.deadline, ` + resubmittedAt + ` AS resubmitted_at, f.late
		FROM filings f JOIN accounts a ON a.id = f.account_id ` + join + ` ` + order + fmt.Sprintf(` LIMIT %d`, filing.DigestRows)
	if err := t.selectRows(ctx, &rows, q, args...); err != nil {
		return nil, 0, fmt.Errorf("digest: filings: %w", err)
	}
	out := make([]filing.DigestFiling, 0, len(rows))
	for _, r := range rows {
		out = append(out, filing.DigestFiling{Reference: r.Reference, Applicant: filing.MaskName(r.Applicant), Account: filing.MaskEmail(r.Account),
			Domain: r.Domain, Stage: filing.Stage(r.Stage), ReturnReason: r.Reason, ReturnedAt: r.ReturnedAt, Deadline: r.Deadline,
			ResubmittedAt: r.ResubmittedAt, Late: r.Late})
	}
	return out, total, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// manualDigestPrefix starts the dedup key of a digest sent by hand.
const manualDigestPrefix = "staff_digest:manual:"

// EnqueueManualDigest sends the digest now, by hand, to every staff
// address. It never uses up the day's scheduled digest, and the next
// scheduled one lists what this one did too.
func (s *Store) EnqueueManualDigest(ctx context.Context, now time.Time, by Actor) (DigestResult, error) {
	d, err := s.BuildDigest(ctx, now)
	if err != nil {
		return DigestResult{}, err
	}
	res := DigestResult{Date: d.Date}
	body, err := jsonMarshal(d)
	if err != nil {
		return res, err
	}
	var nonce [6]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return res, fmt.Errorf("manual digest: %w", err)
	}
	err = s.InTx(ctx, func(tx *Tx) error {
		for _, addr := range s.staff {
			n := filing.Notice{Kind: filing.EmailStaffDigest, Language: s.staffLang, To: addr, At: now.UTC(), Digest: body}
			// Each run by hand is its own: never deduplicated against another.
			key := fmt.Sprintf("%s%s:%x:%s", manualDigestPrefix, d.Date, nonce, strings.ToLower(addr))
			ok, err := tx.Enqueue(ctx, OutboxItem{Notice: n, DedupKey: key})
			if err != nil {
				return err
			}
			if ok {
				res.Enqueued++
			}
		}
		return tx.insertEvent(ctx, event{Actor: by.Role(), ActorName: by.Name, Action: "digest_sent_by_hand",
			Details: map[string]any{"date": d.Date, "recipients": res.Enqueued}, At: s.now()})
	})
	return res, err
}

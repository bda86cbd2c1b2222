package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"example.com/icpdesk/filing"
)

// Bulk statements are split so that no statement binds more parameters than
// PostgreSQL (65,535) or SQLite (32,766) accept.
const bulkRows = 500

// inList expands `… IN (?)` for ids or strings and rebinds it.
func (t *Tx) inList(q string, args ...any) (string, []any, error) {
	q, a, err := sqlx.In(q, args...)
	if err != nil {
		return "", nil, err
	}
	return t.tx.Rebind(q), a, nil
}

// outboxRow is an outbox row ready to insert.
type outboxRow struct {
	kind, lang, to   string
	filingID         int64
	accountID        int64
	inboundID        int64
	key, payload, id string
	bounceToken      string
	due              time.Time
}

// prepareOutbox validates an item and renders its row. Problems with the
// item itself (an unknown kind, a recipient that is not an address) are
// reported here, before anything is written.
func (s *Store) prepareOutbox(it OutboxItem) (outboxRow, error) {
	n := it.Notice
	if !n.Kind.Valid() {
		return outboxRow{}, fmt.Errorf("enqueue: unknown email kind %q", n.Kind)
	}
	if it.DedupKey == "" {
		return outboxRow{}, errors.New("enqueue: no dedup key")
	}
	to, err := filing.NormalizeEmail(n.To)
	if err != nil {
		return outboxRow{}, fmt.Errorf("enqueue %s: recipient: %w", n.Kind, err)
	}
	n.To = to
	if n.Language == "" {
		n.Language = filing.DefaultLanguage
	}
	payload, err := json.Marshal(n)
	if err != nil {
		return outboxRow{}, fmt.Errorf("enqueue %s: %w", n.Kind, err)
	}
	msgID, err := s.newMessageID()
	if err != nil {
		return outboxRow{}, err
	}
	token, err := newBounceToken()
	if err != nil {
		return outboxRow{}, err
	}
	return outboxRow{kind: string(n.Kind), lang: string(n.Language), to: to, filingID: it.FilingID, accountID: it.AccountID,
		inboundID: it.InboundID, key: it.DedupKey, payload: string(payload), id: msgID, bounceToken: token, due: it.NotBefore}, nil
}

// insertOutbox inserts prepared rows, skipping those whose dedup key exists,
// and returns the keys it inserted.
func (t *Tx) insertOutbox(ctx context.Context, rows []outboxRow) (map[string]bool, error) {
	inserted := make(map[string]bool, len(rows))
	now := dbTime(t.s.now())
	for start := 0; start < len(rows); start += bulkRows {
		chunk := rows[start:min(start+bulkRows, len(rows))]
		var b strings.Builder
		b.WriteString(`INSERT INTO outbox (kind, language, recipient, filing_id, account_id, inbound_id, dedup_key, payload, status, next_attempt_at, message_id, bounce_token, created_at) VALUES `)
		args := make([]any, 0, len(chunk)*12)
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(`(?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?)`)
			due := now
			if !r.due.IsZero() {
				due = dbTime(r.due)
			}
			args = append(args, r.kind, r.lang, r.to, nullID(r.filingID), nullID(r.accountID), nullID(r.inboundID), r.key, r.payload, due, r.id, r.bounceToken, now)
		}
		b.WriteString(` ON CONFLICT (dedup_key) DO NOTHING RETURNING dedup_key`)
		var keys []string
		if err := t.selectRows(ctx, &keys, b.String(), args...); err != nil {
			return nil, fmt.Errorf("enqueue %d emails: %w", len(chunk), err)
		}
		for _, k := range keys {
			inserted[k] = true
		}
	}
	t.enqueued += len(inserted)
	return inserted, nil
}

// EnqueueMany is Enqueue for many emails in one statement. It returns the
// dedup keys it inserted; items whose key exists are skipped, and an invalid
// item fails the call before anything is written.
func (t *Tx) EnqueueMany(ctx context.Context, items []OutboxItem) (map[string]bool, error) {
	rows := make([]outboxRow, len(items))
	for i, it := range items {
		row, err := t.s.prepareOutbox(it)
		if err != nil {
			return nil, err
		}
		rows[i] = row
	}
	return t.insertOutbox(ctx, rows)
}

// insertEvents writes audit events, at most one per filing, and returns their
// ids by filing id.
func (t *Tx) insertEvents(ctx context.Context, events []event) (map[int64]int64, error) {
	if t.deferEvents {
		t.later = append(t.later, events...)
		return map[int64]int64{}, nil
	}
	t.events = t.events || len(events) > 0
	return t.writeEvents(ctx, events, 0)
}

// writeEvents inserts events, stamped with commit number seq if it is
// not 0 (else stamped by stampEvents before the commit).
func (t *Tx) writeEvents(ctx context.Context, events []event, seq int64) (map[int64]int64, error) {
	ids := make(map[int64]int64, len(events))
	var stamp any
	if seq != 0 {
		stamp = seq
	}
	for start := 0; start < len(events); start += bulkRows {
		chunk := events[start:min(start+bulkRows, len(events))]
		var b strings.Builder
		b.WriteString(`INSERT INTO events (filing_id, account_id, actor, actor_name, action, from_stage, to_stage, details, created_at, commit_seq) VALUES `)
		args := make([]any, 0, len(chunk)*10)
		for i, e := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
			details, err := e.detailsJSON()
			if err != nil {
				return nil, err
			}
			args = append(args, nullID(e.FilingID), nullID(e.AccountID), string(e.Actor), e.ActorName, e.Action,
				string(e.From), string(e.To), details, dbTime(e.At), stamp)
		}
		b.WriteString(` RETURNING id, COALESCE(filing_id, 0)`)
		rows, err := t.tx.QueryxContext(ctx, t.tx.Rebind(b.String()), args...)
		if err != nil {
			return nil, fmt.Errorf("write %d events: %w", len(chunk), err)
		}
		for rows.Next() {
			var id, fid int64
			if err := rows.Scan(&id, &fid); err != nil {
				rows.Close()
				return nil, fmt.Errorf("write events: %w", err)
			}
			ids[fid] = id
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("write events: %w", err)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("write events: %w", err)
		}
	}
	return ids, nil
}

// loadForChange reads and locks the filings named by refs (in id order, so
// concurrent batches lock in the same order and cannot deadlock), with their
// persons, domains and accounts, in a fixed number of queries.
func (t *Tx) loadForChange(ctx context.Context, refs []string) (map[string]filing.Filing, map[int64]filing.Account, error) {
	filings := make(map[string]filing.Filing, len(refs))
	accounts := map[int64]filing.Account{}
	for start := 0; start < len(refs); start += bulkRows {
		chunk := refs[start:min(start+bulkRows, len(refs))]
		q, args, err := t.inList(`SELECT `+filingColumns+` FROM filings WHERE reference IN (?) ORDER BY id`+t.forUpdate(), chunk)
		if err != nil {
			return nil, nil, err
		}
		var rows []filingRow
		if err := t.tx.SelectContext(ctx, &rows, q, args...); err != nil {
			return nil, nil, fmt.Errorf("read filings: %w", err)
		}
		if len(rows) == 0 {
			continue
		}
		ids := make([]int64, len(rows))
		byID := make(map[int64]*filing.Filing, len(rows))
		acctIDs := map[int64]bool{}
		for i, r := range rows {
			f := r.filing()
			ids[i] = f.ID
			byID[f.ID] = &f
			acctIDs[f.AccountID] = true
		}
		q, args, err = t.inList(`SELECT filing_id, role, name, id_fingerprint, id_masked, phone, email FROM filing_persons WHERE filing_id IN (?)`, ids)
		if err != nil {
			return nil, nil, err
		}
		var persons []struct {
			FilingID int64 `db:"filing_id"`
			personRow
		}
		if err := t.tx.SelectContext(ctx, &persons, q, args...); err != nil {
			return nil, nil, fmt.Errorf("read persons: %w", err)
		}
		for _, p := range persons {
			setPerson(byID[p.FilingID], p.personRow)
		}
		q, args, err = t.inList(`SELECT filing_id, name, ascii, registrant FROM filing_domains WHERE filing_id IN (?) ORDER BY filing_id, position`, ids)
		if err != nil {
			return nil, nil, err
		}
		var domains []struct {
			FilingID int64 `db:"filing_id"`
			filing.Domain
		}
		if err := t.tx.SelectContext(ctx, &domains, q, args...); err != nil {
			return nil, nil, fmt.Errorf("read domains: %w", err)
		}
		for _, d := range domains {
			f := byID[d.FilingID]
			f.Website.Domains = append(f.Website.Domains, d.Domain)
		}
		aids := make([]int64, 0, len(acctIDs))
		for id := range acctIDs {
			if _, ok := accounts[id]; !ok {
				aids = append(aids, id)
			}
		}
		if len(aids) > 0 {
			q, args, err = t.inList(`SELECT `+accountColumns+` FROM accounts WHERE id IN (?)`, aids)
			if err != nil {
				return nil, nil, err
			}
			var accts []filing.Account
			if err := t.tx.SelectContext(ctx, &accts, q, args...); err != nil {
				return nil, nil, fmt.Errorf("read accounts: %w", err)
			}
			for _, a := range accts {
				accounts[a.ID] = a
			}
		}
		for _, f := range byID {
			filings[f.Reference] = *f
		}
	}
	return filings, accounts, nil
}

func setPerson(f *filing.Filing, p personRow) {
	switch filing.Role(p.Role) {
	case filing.RoleLegalRepresentative:
		lr := p.Person
		f.Subject.LegalRepresentative = &lr
	case filing.RoleSubjectResponsible:
		f.Subject.Responsible = p.Person
	case filing.RoleWebsiteResponsible:
		f.Website.Responsible = p.Person
	}
}

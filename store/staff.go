package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"example.com/icpdesk/filing"
)

// This file holds the staff actions that are not stage changes: corrected
// filing data, a changed account address, failed emails retried or
// cancelled, received mail answered, dismissed or handled. Each is one
// transaction with its audit event, its emails and the work items it
// closes; each refuses, changing nothing, when the state does not allow it.

// ErrRefused is returned when an action is not allowed in the current
// state; nothing was changed. The error says why.
var ErrRefused = errors.New("not allowed now")

// Actor is who does a staff action: a staff member, or an API token.
type Actor struct {
	Name string
	Kind filing.Actor // staff unless set
}

// Role is the kind of actor the audit trail records: staff unless set.
func (a Actor) Role() filing.Actor {
	if a.Kind == "" {
		return filing.ActorStaff
	}
	return a.Kind
}

// FilingUpdate is what an update did.
type FilingUpdate struct {
	Filing  filing.Filing
	Changes []filing.FieldChange // masked, as the audit event keeps them
	// Notified says the applicant was sent the corrected checklist.
	Notified bool
}

// UpdateFiling replaces a filing's data with a corrected import for the same
// reference: the rules are checked again (every problem is returned and
// nothing stored), what changed is audited, and with notify the applicant
// gets the corrected materials checklist when the materials changed. The
// stage and deadlines are untouched; an approved or closed filing is not
// updated.
func (s *Store) UpdateFiling(ctx context.Context, in filing.FilingInput, fp *filing.Fingerprinter, by Actor, notify bool) (FilingUpdate, filing.Problems, error) {
	var out FilingUpdate
	var probs filing.Problems
	err := s.InTx(ctx, func(t *Tx) error {
		ref, err := filing.NormalizeReference(in.Ref)
		if err != nil || strings.TrimSpace(in.Ref) == "" {
			probs = filing.Problems{{Code: "invalid_reference", Field: "ref", Message: filing.Text{
				Zh: "ref:更新需要已导入备案的编号", En: "ref: an update needs the reference of an imported filing"}}}
			return probs
		}
		refs, _, err := t.loadForChange(ctx, []string{ref})
		if err != nil {
			return err
		}
		old, ok := refs[ref]
		if !ok {
			return fmt.Errorf("filing %s: %w", ref, ErrNotFound)
		}
		if !old.Stage.Open() {
			return fmt.Errorf("filing %s is %s: %w", ref, old.Stage, ErrRefused)
		}
		now := t.s.now()
		g, ps := filing.NewFiling(in, fp, now)
		acct, err := t.accountByID(ctx, old.AccountID)
		if err != nil {
			return err
		}
		if addr, err := filing.NormalizeEmail(in.Account); err == nil && addr != acct.Email {
			ps = append(ps, filing.Problem{Code: "account_changed", Field: "account", Message: filing.Text{
				Zh: fmt.Sprintf("account:备案 %s 属于帐号 %s，更新不能更换帐号", ref, acct.Email),
				En: fmt.Sprintf("account: filing %s belongs to %s; an update cannot move it to another account", ref, acct.Email)}})
		}
		if len(ps) > 0 {
			probs = ps
			return probs
		}
		changes := filing.Diff(old, g, false)
		if len(changes) == 0 {
			out.Filing = old
			return nil
		}
		if _, err := t.exec(ctx, `UPDATE filings SET subject_type = ?, subject_name = ?, website_name = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`, string(g.Subject.Type), g.Subject.Name, g.Website.Name, dbTime(now), old.ID, old.Version); err != nil {
			return fmt.Errorf("update filing %s: %w", ref, err)
		}
		if _, err := t.exec(ctx, `DELETE FROM filing_persons WHERE filing_id = ?`, old.ID); err != nil {
			return fmt.Errorf("update persons of %s: %w", ref, err)
		}
		if _, err := t.exec(ctx, `DELETE FROM filing_domains WHERE filing_id = ?`, old.ID); err != nil {
			return fmt.Errorf("update domains of %s: %w", ref, err)
		}
		g.ID = old.ID
		if err := t.insertPersonsAndDomains(ctx, g, ref); err != nil {
			return err
		}
		updated := old
		updated.Subject, updated.Website = g.Subject, g.Website
		updated.Version, updated.UpdatedAt = old.Version+1, now
		out.Filing, out.Changes = updated, changes
		if err := t.insertEvent(ctx, event{FilingID: old.ID, AccountID: acct.ID, Actor: by.Role(), ActorName: by.Name,
			Action: "filing_updated", Details: map[string]any{"changes": changes, "notify": notify}, At: now}); err != nil {
			return err
		}
		if !notify || !filing.MaterialsChanged(old, updated) {
			return nil
		}
		n := filing.Notice{Kind: filing.EmailChecklistUpdated, Language: acct.Language, To: acct.Email, ToName: acct.Name, At: now,
			Reference: ref, Account: acct.Email, SubjectType: updated.Subject.Type, SubjectName: updated.Subject.Name,
			WebsiteName: updated.Website.Name, Stage: updated.Stage, Materials: filing.Checklist(updated),
			RuleProblems: filing.CheckRules(updated), Changes: filing.Diff(old, updated, true)}
		for _, d := range updated.Website.Domains {
			n.Domains = append(n.Domains, d.Name)
		}
		out.Notified, err = t.Enqueue(ctx, OutboxItem{Notice: n, DedupKey: fmt.Sprintf("%s:%s:v%d", filing.EmailChecklistUpdated, ref, updated.Version),
			FilingID: old.ID, AccountID: acct.ID})
		return err
	})
	if len(probs) > 0 {
		return FilingUpdate{}, probs, nil
	}
	return out, nil, err
}

// insertPersonsAndDomains writes a filing's people and domains.
func (t *Tx) insertPersonsAndDomains(ctx context.Context, f filing.Filing, ref string) error {
	for _, rp := range []struct {
		role filing.Role
		p    *filing.Person
	}{
		{filing.RoleLegalRepresentative, f.Subject.LegalRepresentative},
		{filing.RoleSubjectResponsible, &f.Subject.Responsible},
		{filing.RoleWebsiteResponsible, &f.Website.Responsible},
	} {
		if rp.p == nil {
			continue
		}
		if _, err := t.exec(ctx, `INSERT INTO filing_persons (filing_id, role, name, id_fingerprint, id_masked, phone, email) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			f.ID, string(rp.role), rp.p.Name, rp.p.IDFingerprint, rp.p.IDMasked, rp.p.Phone, rp.p.Email); err != nil {
			return fmt.Errorf("store %s of %s: %w", rp.role, ref, err)
		}
	}
	for i, d := range f.Website.Domains {
		if _, err := t.exec(ctx, `INSERT INTO filing_domains (filing_id, position, name, ascii, registrant) VALUES (?, ?, ?, ?, ?)`,
			f.ID, i, d.Name, d.ASCII, d.Registrant); err != nil {
			return fmt.Errorf("store domain %s of %s: %w", d.Name, ref, err)
		}
	}
	return nil
}

// SetAccountEmail changes an account's registered address, tells both the
// old and the new address, and audits it. Emails already queued or failed
// keep their recipient: `outbox retry --to-current-address` re-addresses a
// failed one.
func (s *Store) SetAccountEmail(ctx context.Context, oldAddr, newAddr string, by Actor) (filing.Account, error) {
	var out filing.Account
	err := s.InTx(ctx, func(t *Tx) error {
		to, err := filing.NormalizeEmail(newAddr)
		if err != nil {
			return fmt.Errorf("new address: %w", err)
		}
		a, err := accountBy(ctx, t.get, `email = ?`+t.forUpdate(), strings.ToLower(strings.TrimSpace(oldAddr)), oldAddr)
		if err != nil {
			return err
		}
		if a.Email == to {
			return fmt.Errorf("account %s already has that address: %w", a.Email, ErrRefused)
		}
		now := t.s.now()
		_, err = t.exec(ctx, `UPDATE accounts SET email = ?, updated_at = ? WHERE id = ?`, to, dbTime(now), a.ID)
		if isUniqueViolation(err) {
			return fmt.Errorf("another account already uses %s: %w", to, ErrExists)
		}
		if err != nil {
			return fmt.Errorf("change address of account %s: %w", a.Email, err)
		}
		if err := t.insertEvent(ctx, event{AccountID: a.ID, Actor: by.Role(), ActorName: by.Name, Action: "account_email_changed",
			Details: map[string]any{"old": filing.MaskEmail(a.Email), "new": filing.MaskEmail(to)}, At: now}); err != nil {
			return err
		}
		for _, addr := range []string{a.Email, to} {
			n := filing.Notice{Kind: filing.EmailAccountEmailChanged, Language: a.Language, To: addr, ToName: a.Name, At: now,
				Account: to, OldEmail: a.Email, NewEmail: to}
			if _, err := t.Enqueue(ctx, OutboxItem{Notice: n, AccountID: a.ID,
				DedupKey: fmt.Sprintf("%s:%d:%s:%s", filing.EmailAccountEmailChanged, a.ID, to, addr)}); err != nil {
				return err
			}
		}
		a.Email, a.UpdatedAt = to, now
		out = a
		return nil
	})
	return out, err
}

// RetryEmail puts a failed or bounced email back in the queue, due now,
// with its attempts reset and its age restarted. With toCurrent it goes to
// the account's current address (after `account set-email`). The email's
// open work items are closed as retried.
func (s *Store) RetryEmail(ctx context.Context, id int64, toCurrent bool, by Actor) (OutboxRow, error) {
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
		case OutboxCancelled:
			return fmt.Errorf("email %d was cancelled: %w", id, ErrRefused)
		default:
			return fmt.Errorf("email %d was already sent; retrying it would send it twice: %w", id, ErrRefused)
		}
		var own struct {
			FilingID  sql.NullInt64 `db:"filing_id"`
			AccountID sql.NullInt64 `db:"account_id"`
			Payload   string        `db:"payload"`
		}
		if err := t.get(ctx, &own, `SELECT filing_id, account_id, payload FROM outbox WHERE id = ?`, id); err != nil {
			return fmt.Errorf("retry email %d: %w", id, err)
		}
		now := t.s.now()
		recipient := row.Recipient
		if toCurrent {
			if !own.AccountID.Valid {
				return fmt.Errorf("email %d is not to an account (it goes to %s): %w", id, filing.MaskEmail(row.Recipient), ErrRefused)
			}
			a, err := t.accountByID(ctx, own.AccountID.Int64)
			if err != nil {
				return err
			}
			if filing.EmailKind(row.Kind) == filing.EmailAccountEmailChanged {
				return fmt.Errorf("email %d tells an address of a change; it keeps its recipient: %w", id, ErrRefused)
			}
			var n filing.Notice
			if err := json.Unmarshal([]byte(own.Payload), &n); err != nil {
				return fmt.Errorf("email %d: payload: %w", id, err)
			}
			recipient, n.To, n.Account = a.Email, a.Email, a.Email
			payload, err := json.Marshal(n)
			if err != nil {
				return fmt.Errorf("email %d: %w", id, err)
			}
			if _, err := t.exec(ctx, `UPDATE outbox SET recipient = ?, payload = ? WHERE id = ?`, recipient, string(payload), id); err != nil {
				return fmt.Errorf("re-address email %d: %w", id, err)
			}
		}
		if _, err := t.exec(ctx, `UPDATE outbox SET status = 'queued', attempts = 0, next_attempt_at = ?, created_at = ?, lease_until = NULL
			WHERE id = ?`, dbTime(now), dbTime(now), id); err != nil {
			return fmt.Errorf("retry email %d: %w", id, err)
		}
		details := map[string]any{"outbox_id": id, "kind": row.Kind, "previous_status": row.Status,
			"previous_error": row.LastError, "first_queued_at": row.CreatedAt}
		if recipient != row.Recipient {
			details["old_recipient"], details["recipient"] = filing.MaskEmail(row.Recipient), filing.MaskEmail(recipient)
		}
		if err := t.insertEvent(ctx, event{FilingID: own.FilingID.Int64, AccountID: own.AccountID.Int64, Actor: by.Role(), ActorName: by.Name,
			Action: "email_retried", Details: details, At: now}); err != nil {
			return err
		}
		if _, err := t.CloseWorkItems(ctx, WorkSelector{OutboxID: id}, WorkClosure{By: by.Name, Actor: by.Role(),
			Resolution: filing.ResolvedRetried, At: now}); err != nil {
			return err
		}
		t.enqueued++ // wake the mailer
		out, err = t.outboxRowByID(ctx, id, false)
		return err
	})
	return out, err
}

// CancelEmail stops a queued, failed or bounced email for good, with a
// note, and closes its work items.
func (s *Store) CancelEmail(ctx context.Context, id int64, note string, by Actor) (OutboxRow, error) {
	var out OutboxRow
	err := s.InTx(ctx, func(t *Tx) error {
		note = filing.OneLine(note)
		if note == "" {
			return fmt.Errorf("cancelling email %d needs a note: %w", id, ErrRefused)
		}
		row, err := t.outboxRowByID(ctx, id, true)
		if err != nil {
			return err
		}
		switch row.Status {
		case OutboxFailed, OutboxBounced, OutboxQueued:
		case OutboxSending:
			return fmt.Errorf("email %d is being sent right now: %w", id, ErrConflict)
		default:
			return fmt.Errorf("email %d is %s: %w", id, row.Status, ErrRefused)
		}
		now := t.s.now()
		// The payload is erased too: a cancelled approval must not keep its password.
		if _, err := t.exec(ctx, `UPDATE outbox SET status = 'cancelled', lease_until = NULL WHERE id = ?`, id); err != nil {
			return fmt.Errorf("cancel email %d: %w", id, err)
		}
		if err := t.eraseSecret(ctx, id); err != nil {
			return err
		}
		var own struct {
			FilingID  sql.NullInt64 `db:"filing_id"`
			AccountID sql.NullInt64 `db:"account_id"`
		}
		if err := t.get(ctx, &own, `SELECT filing_id, account_id FROM outbox WHERE id = ?`, id); err != nil {
			return fmt.Errorf("cancel email %d: %w", id, err)
		}
		if err := t.insertEvent(ctx, event{FilingID: own.FilingID.Int64, AccountID: own.AccountID.Int64, Actor: by.Role(), ActorName: by.Name,
			Action: "email_cancelled", Details: map[string]any{"outbox_id": id, "kind": row.Kind, "previous_status": row.Status, "note": note},
			At: now}); err != nil {
			return err
		}
		if _, err := t.CloseWorkItems(ctx, WorkSelector{OutboxID: id}, WorkClosure{By: by.Name, Actor: by.Role(),
			Resolution: filing.ResolvedCancelled, Note: note, At: now}); err != nil {
			return err
		}
		out, err = t.outboxRowByID(ctx, id, false)
		return err
	})
	return out, err
}

// eraseSecret removes the filing password from an email's payload.
func (t *Tx) eraseSecret(ctx context.Context, id int64) error {
	var payload string
	if err := t.get(ctx, &payload, `SELECT payload FROM outbox WHERE id = ?`, id); err != nil {
		return fmt.Errorf("read email %d: %w", id, err)
	}
	var n filing.Notice
	if err := json.Unmarshal([]byte(payload), &n); err != nil || !n.HasSecret() {
		return nil
	}
	n.Password = ""
	b, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("email %d: %w", id, err)
	}
	if _, err := t.exec(ctx, `UPDATE outbox SET payload = ? WHERE id = ?`, string(b), id); err != nil {
		return fmt.Errorf("erase secret of email %d: %w", id, err)
	}
	return nil
}

// CloseWorkItem closes one open item by id (a staff member handled it, or
// it needs nothing): ErrRefused when it is already closed.
func (s *Store) CloseWorkItem(ctx context.Context, id int64, res filing.Resolution, note string, by Actor) (WorkItem, error) {
	err := s.InTx(ctx, func(t *Tx) error {
		closed, err := t.CloseWorkItems(ctx, WorkSelector{ID: id}, WorkClosure{By: by.Name, Actor: by.Role(), Resolution: res, Note: note})
		if err != nil {
			return err
		}
		if len(closed) == 0 {
			var n int
			if err := t.get(ctx, &n, `SELECT COUNT(*) FROM work_items WHERE id = ?`, id); err != nil {
				return fmt.Errorf("read work item %d: %w", id, err)
			}
			if n == 0 {
				return fmt.Errorf("work item %d: %w", id, ErrNotFound)
			}
			return fmt.Errorf("work item %d is already closed: %w", id, ErrRefused)
		}
		return nil
	})
	if err != nil {
		return WorkItem{}, err
	}
	return s.WorkItemByID(ctx, id)
}

// CloseMessageItems closes a received message's open items (staff
// dismissed it, or dealt with it outside icpdesk): ErrRefused when it has
// none.
func (s *Store) CloseMessageItems(ctx context.Context, inboundID int64, res filing.Resolution, note string, by Actor) ([]ClosedWorkItem, error) {
	var closed []ClosedWorkItem
	err := s.InTx(ctx, func(t *Tx) error {
		if _, err := t.InboundForUpdate(ctx, inboundID); err != nil {
			return err
		}
		var err error
		closed, err = t.CloseWorkItems(ctx, WorkSelector{InboundID: inboundID}, WorkClosure{By: by.Name, Actor: by.Role(), Resolution: res, Note: note})
		if err != nil {
			return err
		}
		if len(closed) == 0 {
			return fmt.Errorf("message %d waits for nothing: %w", inboundID, ErrRefused)
		}
		return nil
	})
	return closed, err
}

// StaffReply is a staff member's answer to a received message.
type StaffReply struct {
	InboundID int64
	Text      string
	By        Actor
	// Language of the wrapper (greeting, signature); empty: the account's,
	// else the desk's default.
	Language filing.Language
}

// ReplyToMessage queues a staff member's answer to a received message,
// threaded to it, records it on the filing's timeline, and closes the
// message's reply_needed and misread items. It returns the queued email.
func (s *Store) ReplyToMessage(ctx context.Context, r StaffReply) (OutboxRow, error) {
	var out OutboxRow
	err := s.InTx(ctx, func(t *Tx) error {
		text := strings.TrimSpace(strings.ToValidUTF8(r.Text, ""))
		if text == "" {
			return fmt.Errorf("the reply is empty: %w", ErrRefused)
		}
		if len(text) > 64<<10 {
			return fmt.Errorf("the reply is longer than 64 KB: %w", ErrRefused)
		}
		m, err := t.InboundForUpdate(ctx, r.InboundID)
		if err != nil {
			return err
		}
		if m.Classification != "human" || m.Sender == "" {
			return fmt.Errorf("message %d is %s, not from a person: %w", m.ID, m.Classification, ErrRefused)
		}
		lang := r.Language
		var n filing.Notice
		var filingID, accountID int64
		if m.FilingID != nil {
			f, err := t.FilingByID(ctx, *m.FilingID)
			if err != nil {
				return err
			}
			a, err := t.accountByID(ctx, f.AccountID)
			if err != nil {
				return err
			}
			filingID, accountID = f.ID, a.ID
			if lang == "" {
				lang = a.Language
			}
			n = filing.Notice{Reference: f.Reference, Account: a.Email, SubjectType: f.Subject.Type, SubjectName: f.Subject.Name,
				WebsiteName: f.Website.Name, Stage: f.Stage}
			if strings.EqualFold(m.Sender, a.Email) {
				n.ToName = a.Name
			}
		}
		if lang == "" {
			lang = filing.DefaultLanguage
		}
		now := t.s.now()
		n.Kind, n.Language, n.To, n.At = filing.EmailStaffReply, lang, m.Sender, now
		n.Reply = &filing.StaffReply{Text: text, Staff: r.By.Name}
		n.Inbound = &filing.InboundRef{MessageID: m.MessageID, References: strings.Fields(m.ThreadRefs), From: m.Sender,
			Subject: m.Subject, ReceivedAt: m.ReceivedAt}
		var replies int
		if err := t.get(ctx, &replies, `SELECT COUNT(*) FROM outbox WHERE inbound_id = ? AND kind = ?`, m.ID, string(filing.EmailStaffReply)); err != nil {
			return fmt.Errorf("count replies to message %d: %w", m.ID, err)
		}
		key := fmt.Sprintf("%s:inbound%d:%d", filing.EmailStaffReply, m.ID, replies+1)
		if _, err := t.Enqueue(ctx, OutboxItem{Notice: n, DedupKey: key, FilingID: filingID, AccountID: accountID, InboundID: m.ID}); err != nil {
			return err
		}
		var id int64
		if err := t.get(ctx, &id, `SELECT id FROM outbox WHERE dedup_key = ?`, key); err != nil {
			return fmt.Errorf("read the reply to message %d: %w", m.ID, err)
		}
		if err := t.insertEvent(ctx, event{FilingID: filingID, AccountID: accountID, Actor: r.By.Role(), ActorName: r.By.Name,
			Action: "staff_reply", Details: map[string]any{"inbound_id": m.ID, "outbox_id": id, "chars": len([]rune(text))}, At: now}); err != nil {
			return err
		}
		if _, err := t.CloseWorkItems(ctx, WorkSelector{InboundID: m.ID, Kinds: []filing.WorkKind{filing.WorkReplyNeeded, filing.WorkMisread}},
			WorkClosure{By: r.By.Name, Actor: r.By.Role(), Resolution: filing.ResolvedReplied, At: now}); err != nil {
			return err
		}
		out, err = t.outboxRowByID(ctx, id, false)
		return err
	})
	return out, err
}

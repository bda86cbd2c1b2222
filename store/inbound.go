package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"example.com/icpdesk/filing"
)

// This file is the inbox's SQL: the inbound message log, the mailbox
// checkpoints, and the lookups the linker makes. The inbox records each
// message and its effects in one transaction (Tx.RecordInbound with
// Tx.ChangeStage or Tx.Enqueue), so a redelivered message is a no-op.

// Ack values of an inbound message: what became of its acknowledgement.
const (
	AckNone        = ""             // nothing to acknowledge
	AckQueued      = "queued"       // an acknowledgement was enqueued
	AckRateLimited = "rate_limited" // the sender reached the hourly limit
	AckSuppressed  = "suppressed"   // never answered: a list, or a message not read in full
)

// InboundMessage is one received message as recorded.
type InboundMessage struct {
	ID             int64     `json:"id" db:"id"`
	Mailbox        string    `json:"mailbox" db:"mailbox"`
	UIDValidity    int64     `json:"uidvalidity" db:"uidvalidity"`
	UID            int64     `json:"uid" db:"uid"`
	MessageID      string    `json:"message_id" db:"message_id"`
	Sender         string    `json:"sender" db:"sender"`
	Subject        string    `json:"subject" db:"subject"`
	ReceivedAt     time.Time `json:"received_at" db:"received_at"`
	Classification string    `json:"classification" db:"classification"`
	Decision       string    `json:"decision" db:"decision"`
	LinkedBy       string    `json:"linked_by" db:"linked_by"`
	FilingID       *int64    `json:"-" db:"filing_id"`
	FilingRef      string    `json:"filing" db:"filing_ref"`
	SenderVerified bool      `json:"sender_verified" db:"sender_verified"`
	Ack            string    `json:"ack,omitempty" db:"ack"`
	Oversize       bool      `json:"oversize,omitempty" db:"oversize"`
	Size           int64     `json:"size" db:"size"`
	Attachments    string    `json:"attachments,omitempty" db:"attachments"`
	Note           string    `json:"note,omitempty" db:"note"`
	Error          string    `json:"error,omitempty" db:"error"`
	BodyText       string    `json:"-" db:"body_text"`
	Raw            []byte    `json:"-" db:"raw"`
	// What the inbox read (schema 5): the applicant's own words and the
	// statements found in them, the sender authentication result, whether
	// a person must answer, headers and attachments for staff.
	OwnText        string     `json:"own_text,omitempty" db:"own_text"`
	Acts           string     `json:"acts,omitempty" db:"acts"`
	Authenticated  string     `json:"authenticated,omitempty" db:"authenticated"`
	AuthNote       string     `json:"auth_note,omitempty" db:"auth_note"`
	NeedsReply     bool       `json:"needs_reply" db:"needs_reply"`
	HeaderInfo     string     `json:"-" db:"header_info"`
	ThreadRefs     string     `json:"-" db:"thread_refs"`
	AttachmentInfo string     `json:"-" db:"attachment_info"`
	MovedAt        *time.Time `json:"moved_at,omitempty" db:"moved_at"`
	CreatedAt      time.Time  `json:"created_at" db:"created_at"`
}

const inboundColumns = `i.id, i.mailbox, i.uidvalidity, i.uid, i.message_id, i.sender, i.subject, i.received_at,
	i.classification, i.decision, i.linked_by, i.filing_id, COALESCE(f.reference, '') AS filing_ref, i.sender_verified,
	i.ack, i.oversize, i.size, i.attachments, i.note, i.error, mv.moved_at, i.created_at,
	` + ownTextColumn + `, i.acts, i.authenticated, i.auth_note, i.needs_reply, i.header_info, i.thread_refs, i.attachment_info`

// ownTextColumn reads a message's own words (schema 11: own_text, then
// the first own_text_chars characters of the text; substr counts
// characters on both databases).
const ownTextColumn = `CASE WHEN i.own_text_chars > 0 THEN i.own_text || substr(i.body_text, 1, i.own_text_chars) ELSE i.own_text END AS own_text`

// storedOwnText is how a message's own words are stored. They are mostly
// the start of its text, perhaps after a line of the applicant's own
// subject (as the inbox reads them): that part is stored as its length in
// characters, not copied.
func storedOwnText(m InboundMessage) (head string, chars int) {
	own := m.OwnText
	if own == "" {
		return "", 0
	}
	if strings.HasPrefix(m.BodyText, own) {
		return "", utf8.RuneCountInString(own)
	}
	if i := strings.IndexByte(own, '\n'); i >= 0 && i+1 < len(own) && strings.HasPrefix(m.BodyText, own[i+1:]) {
		return own[:i+1], utf8.RuneCountInString(own[i+1:])
	}
	return own, 0
}

// inboundFrom is the FROM clause inboundColumns are read from: the message,
// its filing, and when it was moved out of the mailbox (inbound_moves, so
// that noting the move does not rewrite the message's row).
const inboundFrom = ` FROM inbound_messages i LEFT JOIN filings f ON f.id = i.filing_id LEFT JOIN inbound_moves mv ON mv.inbound_id = i.id`

// RecordInbound records a received message in the caller's transaction. It
// returns inserted=false, and writes nothing, when the message is already
// recorded: the same mailbox, UIDVALIDITY and UID, or the same Message-ID.
// That is what makes a redelivery, a crash before the move, or a rescan after
// a UIDVALIDITY change a no-op.
func (t *Tx) RecordInbound(ctx context.Context, m InboundMessage) (id int64, inserted bool, err error) {
	ids, err := t.RecordInboundBatch(ctx, []InboundMessage{m})
	if err != nil {
		return 0, false, err
	}
	id, inserted = ids[m.MessageID]
	return id, inserted, nil
}

// RecordInboundBatch records many messages with one statement, for those
// whose recording is all they do (no stage change, no email): in a
// backlog most are, and one statement instead of one per message is what
// lets ingest keep up with FETCH. It returns the row ids of the messages
// inserted, by Message-ID; messages already recorded are left out. A
// failure leaves the transaction to be rolled back (or the savepoint it
// runs in), and the caller records the messages one by one instead.
func (t *Tx) RecordInboundBatch(ctx context.Context, ms []InboundMessage) (map[string]int64, error) {
	if t.s.dialect == Postgres && len(ms) >= copyInboundMin {
		return t.copyInbound(ctx, ms)
	}
	out := map[string]int64{}
	const cols = 30
	for len(ms) > 0 {
		// Far below PostgreSQL's and SQLite's limits on parameters.
		n := min(len(ms), 200)
		chunk := ms[:n]
		ms = ms[n:]
		var b strings.Builder
		args := make([]any, 0, n*cols)
		b.WriteString(`INSERT INTO inbound_messages (mailbox, uidvalidity, uid, message_id, sender, subject, received_at,
		classification, decision, linked_by, filing_id, error, body_text, raw, sender_verified, ack, oversize, size, attachments, note, created_at,
		own_text, own_text_chars, acts, authenticated, auth_note, needs_reply, header_info, thread_refs, attachment_info) VALUES `)
		now := t.s.now()
		for i, m := range chunk {
			if m.MessageID == "" {
				return nil, errors.New("record inbound: no Message-ID")
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?" + strings.Repeat(", ?", cols-1) + ")")
			created := m.CreatedAt
			if created.IsZero() {
				created = now
			}
			var raw any
			if m.Raw != nil {
				raw = m.Raw
			}
			own, ownChars := storedOwnText(m)
			args = append(args, m.Mailbox, m.UIDValidity, m.UID, m.MessageID, m.Sender, m.Subject, dbTime(m.ReceivedAt),
				m.Classification, m.Decision, m.LinkedBy, nullIDPtr(m.FilingID), m.Error, m.BodyText, raw,
				m.SenderVerified, m.Ack, m.Oversize, m.Size, m.Attachments, m.Note, dbTime(created),
				own, ownChars, m.Acts, m.Authenticated, m.AuthNote, m.NeedsReply, m.HeaderInfo, m.ThreadRefs, m.AttachmentInfo)
		}
		b.WriteString(` ON CONFLICT DO NOTHING RETURNING id, message_id`)
		var rows []struct {
			ID        int64  `db:"id"`
			MessageID string `db:"message_id"`
		}
		if err := t.selectRows(ctx, &rows, b.String(), args...); err != nil {
			return nil, fmt.Errorf("record %d inbound messages: %w", len(chunk), err)
		}
		for _, r := range rows {
			out[r.MessageID] = r.ID
		}
	}
	return out, nil
}

func nullIDPtr(id *int64) any {
	if id == nil || *id == 0 {
		return nil
	}
	return *id
}

// InboundDecision is what the inbox (or staff) decided about a recorded message.
type InboundDecision struct {
	FilingID       int64
	LinkedBy       string
	Decision       string
	SenderVerified bool
	Ack            string
	Note           string
	NeedsReply     bool
}

// SetInboundDecision updates a recorded message's link and decision.
func (t *Tx) SetInboundDecision(ctx context.Context, id int64, d InboundDecision) error {
	fid := d.FilingID
	_, err := t.exec(ctx, `UPDATE inbound_messages SET filing_id = ?, linked_by = ?, decision = ?, sender_verified = ?, ack = ?, note = ?,
		needs_reply = ? WHERE id = ?`,
		nullIDPtr(&fid), d.LinkedBy, d.Decision, d.SenderVerified, d.Ack, d.Note, d.NeedsReply, id)
	if err != nil {
		return fmt.Errorf("update inbound message %d: %w", id, err)
	}
	return nil
}

// InboundForUpdate reads a recorded message, with its text, and locks it
// until the transaction ends (staff linking it).
func (t *Tx) InboundForUpdate(ctx context.Context, id int64) (InboundMessage, error) {
	var m InboundMessage
	q := `SELECT ` + inboundColumns + `, i.body_text` + inboundFrom + ` WHERE i.id = ?`
	if t.s.dialect == Postgres {
		q += ` FOR UPDATE OF i`
	}
	err := t.get(ctx, &m, q, id)
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("inbound message %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return m, fmt.Errorf("read inbound message %d: %w", id, err)
	}
	return m, nil
}

// InboundIDByMessageID finds a recorded message by its Message-ID (without
// angle brackets).
func (s *Store) InboundIDByMessageID(ctx context.Context, messageID string) (int64, error) {
	var id int64
	err := s.db.GetContext(ctx, &id, s.db.Rebind(`SELECT id FROM inbound_messages WHERE message_id = ?`), messageID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("inbound message <%s>: %w", messageID, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("find inbound message: %w", err)
	}
	return id, nil
}

// InboundByID reads one recorded message with its text and raw bytes.
func (s *Store) InboundByID(ctx context.Context, id int64) (InboundMessage, error) {
	var m InboundMessage
	err := s.db.GetContext(ctx, &m, s.db.Rebind(`SELECT `+inboundColumns+`, i.body_text, i.raw`+inboundFrom+` WHERE i.id = ?`), id)
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("inbound message %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return m, fmt.Errorf("read inbound message %d: %w", id, err)
	}
	return m, nil
}

// InboundFilter selects recorded messages.
type InboundFilter struct {
	// Unlinked keeps only messages waiting for staff: no filing, decision unmatched.
	Unlinked bool
	// NeedsReply keeps only messages with an open reply_needed or misread item.
	NeedsReply bool
	Mailbox    string
	// FilingID keeps only messages linked to this filing.
	FilingID int64
	Limit    int
}

// ListInbound returns recorded messages without their text, newest first.
func (s *Store) ListInbound(ctx context.Context, f InboundFilter) ([]InboundMessage, error) {
	q := `SELECT ` + inboundColumns + inboundFrom + ` WHERE 1 = 1`
	var args []any
	if f.Unlinked {
		q += ` AND i.filing_id IS NULL AND i.decision = 'unmatched'`
	}
	if f.NeedsReply {
		q += ` AND i.id IN (SELECT w.inbound_id FROM work_items w WHERE w.closed_at IS NULL AND w.kind IN ('reply_needed', 'misread'))`
	}
	if f.Mailbox != "" {
		q += ` AND i.mailbox = ?`
		args = append(args, f.Mailbox)
	}
	if f.FilingID != 0 {
		q += ` AND i.filing_id = ?`
		args = append(args, f.FilingID)
	}
	q += ` ORDER BY i.id DESC`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	var out []InboundMessage
	if err := s.db.SelectContext(ctx, &out, s.db.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("list inbound messages: %w", err)
	}
	return out, nil
}

// InboundReadTx runs fn in a read-only transaction: the inbox's dry run
// (`inbox inspect`) links a message exactly as ingestion would, changing nothing.
func (s *Store) InboundReadTx(ctx context.Context, fn func(*Tx) error) error {
	return s.readTx(ctx, fn)
}

// RecordedUIDs returns which of uids are recorded for the mailbox at this
// UIDVALIDITY: those the inbox only has to move.
func (s *Store) RecordedUIDs(ctx context.Context, mailbox string, uidValidity uint32, uids []uint32) (map[uint32]bool, error) {
	out := map[uint32]bool{}
	for len(uids) > 0 {
		n := min(len(uids), 500)
		chunk := make([]int64, n)
		for i, u := range uids[:n] {
			chunk[i] = int64(u)
		}
		uids = uids[n:]
		q, args, err := sqlx.In(`SELECT uid FROM inbound_messages WHERE mailbox = ? AND uidvalidity = ? AND uid IN (?)`, mailbox, int64(uidValidity), chunk)
		if err != nil {
			return nil, fmt.Errorf("recorded uids: %w", err)
		}
		var got []int64
		if err := s.db.SelectContext(ctx, &got, s.db.Rebind(q), args...); err != nil {
			return nil, fmt.Errorf("recorded uids: %w", err)
		}
		for _, u := range got {
			out[uint32(u)] = true
		}
	}
	return out, nil
}

// UnmovedUIDs returns the UIDs of the messages recorded from a mailbox (as
// numbered under uidValidity) not yet noted as moved out of it.
func (s *Store) UnmovedUIDs(ctx context.Context, mailbox string, uidValidity uint32) ([]uint32, error) {
	var uids []int64
	// Only at a connection's first pass; it reads the mailbox's keys in
	// the unique index and the moves' primary key, not the rows.
	if err := s.db.SelectContext(ctx, &uids, s.db.Rebind(`SELECT i.uid FROM inbound_messages i
		WHERE i.mailbox = ? AND i.uidvalidity = ?
		AND NOT EXISTS (SELECT 1 FROM inbound_moves mv WHERE mv.inbound_id = i.id)`), mailbox, int64(uidValidity)); err != nil {
		return nil, fmt.Errorf("find messages not moved: %w", err)
	}
	out := make([]uint32, len(uids))
	for i, u := range uids {
		out[i] = uint32(u)
	}
	return out, nil
}

// MarkInboundMoved notes that messages were moved to the processed mailbox:
// by UID at this UIDVALIDITY, and by Message-ID for messages recorded under
// an earlier one.
func (s *Store) MarkInboundMoved(ctx context.Context, mailbox string, uidValidity uint32, uids []uint32, messageIDs []string, at time.Time) error {
	for len(uids) > 0 {
		n := min(len(uids), 500)
		chunk := make([]int64, n)
		for i, u := range uids[:n] {
			chunk[i] = int64(u)
		}
		uids = uids[n:]
		q, args, err := sqlx.In(`INSERT INTO inbound_moves (inbound_id, moved_at) SELECT id, ? FROM inbound_messages
			WHERE mailbox = ? AND uidvalidity = ? AND uid IN (?) ON CONFLICT DO NOTHING`,
			dbTime(at), mailbox, int64(uidValidity), chunk)
		if err != nil {
			return fmt.Errorf("mark moved: %w", err)
		}
		if _, err := s.db.ExecContext(ctx, s.db.Rebind(q), args...); err != nil {
			return fmt.Errorf("mark moved: %w", err)
		}
	}
	for len(messageIDs) > 0 {
		n := min(len(messageIDs), 500)
		chunk := messageIDs[:n]
		messageIDs = messageIDs[n:]
		q, args, err := sqlx.In(`INSERT INTO inbound_moves (inbound_id, moved_at) SELECT id, ? FROM inbound_messages
			WHERE message_id IN (?) ON CONFLICT DO NOTHING`, dbTime(at), chunk)
		if err != nil {
			return fmt.Errorf("mark moved: %w", err)
		}
		if _, err := s.db.ExecContext(ctx, s.db.Rebind(q), args...); err != nil {
			return fmt.Errorf("mark moved: %w", err)
		}
	}
	return nil
}

// MailboxCheckpoint is where the inbox stopped in a mailbox: every message
// up to LastUID at this UIDVALIDITY is recorded.
type MailboxCheckpoint struct {
	Mailbox     string    `db:"mailbox"`
	UIDValidity uint32    `db:"uidvalidity"`
	LastUID     uint32    `db:"last_uid"`
	UpdatedAt   time.Time `db:"updated_at"`
}

// MailboxCheckpoint reads a mailbox's checkpoint; ok is false when there is none.
func (s *Store) MailboxCheckpoint(ctx context.Context, mailbox string) (cp MailboxCheckpoint, ok bool, err error) {
	var row struct {
		Mailbox     string    `db:"mailbox"`
		UIDValidity int64     `db:"uidvalidity"`
		LastUID     int64     `db:"last_uid"`
		UpdatedAt   time.Time `db:"updated_at"`
	}
	err = s.db.GetContext(ctx, &row, s.db.Rebind(`SELECT mailbox, uidvalidity, last_uid, updated_at FROM mailbox_checkpoints WHERE mailbox = ?`), mailbox)
	if errors.Is(err, sql.ErrNoRows) {
		return cp, false, nil
	}
	if err != nil {
		return cp, false, fmt.Errorf("read checkpoint of %s: %w", mailbox, err)
	}
	return MailboxCheckpoint{Mailbox: row.Mailbox, UIDValidity: uint32(row.UIDValidity), LastUID: uint32(row.LastUID), UpdatedAt: row.UpdatedAt}, true, nil
}

// SaveMailboxCheckpoint stores a checkpoint in the caller's transaction. At
// the same UIDVALIDITY the last UID never goes back, so a slower replica
// cannot undo a faster one's progress; a new UIDVALIDITY replaces it.
func (t *Tx) SaveMailboxCheckpoint(ctx context.Context, cp MailboxCheckpoint) error {
	_, err := t.exec(ctx, `INSERT INTO mailbox_checkpoints (mailbox, uidvalidity, last_uid, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (mailbox) DO UPDATE SET
			last_uid = CASE WHEN mailbox_checkpoints.uidvalidity = excluded.uidvalidity AND mailbox_checkpoints.last_uid > excluded.last_uid
				THEN mailbox_checkpoints.last_uid ELSE excluded.last_uid END,
			uidvalidity = excluded.uidvalidity,
			updated_at = excluded.updated_at`,
		cp.Mailbox, int64(cp.UIDValidity), int64(cp.LastUID), dbTime(t.s.now()))
	if err != nil {
		return fmt.Errorf("save checkpoint of %s: %w", cp.Mailbox, err)
	}
	return nil
}

// SentMessage is an email icpdesk sent (or queued), found by its Message-ID.
type SentMessage struct {
	OutboxID  int64  `db:"id"`
	MessageID string `db:"message_id"`
	Kind      string `db:"kind"`
	FilingID  int64  `db:"filing_id"`
	AccountID int64  `db:"account_id"`
	Status    string `db:"status"`
	Recipient string `db:"recipient"`
}

// SentMessages finds outbox rows by their Message-IDs (without angle brackets).
func (t *Tx) SentMessages(ctx context.Context, messageIDs []string) (map[string]SentMessage, error) {
	res, err := t.LinkLookups(ctx, LinkLookup{SentMessageIDs: messageIDs})
	return res.Sent, err
}

// MarkOutboxBounced marks a sent email bounced (a delivery status
// notification came back for it). It reports false when it already was.
func (t *Tx) MarkOutboxBounced(ctx context.Context, outboxID int64, reason string) (bool, error) {
	if len(reason) > 500 {
		reason = reason[:500]
		reason = strings.ToValidUTF8(reason, "")
	}
	r, err := t.exec(ctx, `UPDATE outbox SET status = 'bounced', last_error = ? WHERE id = ? AND status <> 'bounced'`, reason, outboxID)
	if err != nil {
		return false, fmt.Errorf("mark outbox row %d bounced: %w", outboxID, err)
	}
	n, _ := r.RowsAffected()
	return n == 1, nil
}

// BounceMark is one sent email to mark bounced, with why.
type BounceMark struct {
	OutboxID int64
	Reason   string
}

// MarkOutboxBouncedMany is MarkOutboxBounced for many emails in one
// statement: the inbox applies a batch's bounces together. It returns the
// rows it marked; for an email named twice, the first mark's reason is
// written, as one call after another would.
func (t *Tx) MarkOutboxBouncedMany(ctx context.Context, marks []BounceMark) (map[int64]bool, error) {
	out := map[int64]bool{}
	seen := map[int64]bool{}
	var kept []BounceMark
	for _, m := range marks {
		if !seen[m.OutboxID] {
			seen[m.OutboxID] = true
			kept = append(kept, m)
		}
	}
	for start := 0; start < len(kept); start += bulkRows {
		chunk := kept[start:min(start+bulkRows, len(kept))]
		var b strings.Builder
		var args []any
		ids := make([]int64, len(chunk))
		b.WriteString(`UPDATE outbox SET status = 'bounced', last_error = CASE id`)
		for i, m := range chunk {
			reason := m.Reason
			if len(reason) > 500 {
				reason = strings.ToValidUTF8(reason[:500], "")
			}
			b.WriteString(` WHEN ? THEN ?`)
			args = append(args, m.OutboxID, reason)
			ids[i] = m.OutboxID
		}
		b.WriteString(` END WHERE status <> 'bounced' AND id IN (?) RETURNING id`)
		q, inArgs, err := sqlx.In(b.String(), append(args, ids)...)
		if err != nil {
			return nil, fmt.Errorf("mark %d outbox rows bounced: %w", len(chunk), err)
		}
		var got []int64
		if err := t.selectRows(ctx, &got, q, inArgs...); err != nil {
			return nil, fmt.Errorf("mark %d outbox rows bounced: %w", len(chunk), err)
		}
		for _, id := range got {
			out[id] = true
		}
	}
	return out, nil
}

// LinkFiling is what the inbox needs to know about a filing to link a
// message to it and decide what the message does.
type LinkFiling struct {
	ID              int64               `db:"id"`
	Reference       string              `db:"reference"`
	Stage           filing.Stage        `db:"stage"`
	ReturnSource    filing.ReturnSource `db:"return_source"`
	ReturnedAt      *time.Time          `db:"returned_at"`
	Deadline        *time.Time          `db:"deadline"`
	Overdue         bool                `db:"overdue"`
	AccountID       int64               `db:"account_id"`
	AccountEmail    string              `db:"account_email"`
	AccountName     string              `db:"account_name"`
	AccountLanguage string              `db:"account_language"`
}

// Awaiting reports whether the filing waits for the applicant's
// resubmission: returned by the bureau, or by the desk (a draft again),
// with its deadline running.
func (f LinkFiling) Awaiting() bool {
	return (f.Stage == filing.StageReturned || f.Stage == filing.StageDraft) && f.Deadline != nil && f.ReturnedAt != nil
}

const linkFilingColumns = `f.id, f.reference, f.stage, f.return_source, f.returned_at, f.deadline, f.overdue, f.account_id,
	a.email AS account_email, a.name AS account_name, a.language AS account_language`

// LinkFilingsByID reads filings by row id.
func (t *Tx) LinkFilingsByID(ctx context.Context, ids []int64) (map[int64]LinkFiling, error) {
	out := map[int64]LinkFiling{}
	if len(ids) == 0 {
		return out, nil
	}
	q, args, err := sqlx.In(`SELECT `+linkFilingColumns+` FROM filings f JOIN accounts a ON a.id = f.account_id WHERE f.id IN (?)`, ids)
	if err != nil {
		return nil, fmt.Errorf("find filings: %w", err)
	}
	var rows []LinkFiling
	if err := t.selectRows(ctx, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("find filings: %w", err)
	}
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

// LinkFilingsByRef reads filings by reference (upper case, as stored).
func (t *Tx) LinkFilingsByRef(ctx context.Context, refs []string) (map[string]LinkFiling, error) {
	res, err := t.LinkLookups(ctx, LinkLookup{Refs: refs})
	return res.ByRef, err
}

// LinkFilingsByICPNumber finds filings by ICP number. A subject's number
// without a site suffix (浙ICP备12345678号) finds every website filed under
// it (浙ICP备12345678号-1, -2, …).
func (t *Tx) LinkFilingsByICPNumber(ctx context.Context, numbers []string) (map[string][]LinkFiling, error) {
	res, err := t.LinkLookups(ctx, LinkLookup{ICPNumbers: numbers})
	return res.ByICPNumber, err
}

// LinkFilingsByDomain finds filings by domain, given in punycode (lower case).
func (t *Tx) LinkFilingsByDomain(ctx context.Context, asciiNames []string) (map[string][]LinkFiling, error) {
	res, err := t.LinkLookups(ctx, LinkLookup{Domains: asciiNames})
	return res.ByDomain, err
}

// OpenLinkFilingsOf returns the open (not approved) filings of the accounts
// with these addresses, keyed by address.
func (t *Tx) OpenLinkFilingsOf(ctx context.Context, emails []string) (map[string][]LinkFiling, error) {
	res, err := t.LinkLookups(ctx, LinkLookup{Senders: emails})
	return res.OpenOf, err
}

// LinkLookup names the linker's lookups for a batch of messages.
type LinkLookup struct {
	SentMessageIDs []string // SentMessages, and LinkFilingsByID of the filings those are about
	Refs           []string // LinkFilingsByRef
	ICPNumbers     []string // LinkFilingsByICPNumber
	Domains        []string // LinkFilingsByDomain
	Senders        []string // OpenLinkFilingsOf
}

// LinkLookupResult is what LinkLookups found, by kind of lookup.
type LinkLookupResult struct {
	Sent        map[string]SentMessage
	SentFilings map[int64]LinkFiling
	ByRef       map[string]LinkFiling
	ByICPNumber map[string][]LinkFiling
	ByDomain    map[string][]LinkFiling
	OpenOf      map[string][]LinkFiling
}

// lookupParams bounds the parameters of one LinkLookups statement, well
// below SQLite's limit (32,766).
const lookupParams = 10000

// LinkLookups makes all of a batch's lookups in one statement (a UNION ALL,
// more than one only for very long lists): six round trips were most of a
// batch's commit. The single-kind methods (SentMessages, LinkFilingsByRef,
// …) are this with one list, so each lookup's SQL is written once.
func (t *Tx) LinkLookups(ctx context.Context, l LinkLookup) (LinkLookupResult, error) {
	res := LinkLookupResult{Sent: map[string]SentMessage{}, SentFilings: map[int64]LinkFiling{}, ByRef: map[string]LinkFiling{},
		ByICPNumber: map[string][]LinkFiling{}, ByDomain: map[string][]LinkFiling{}, OpenOf: map[string][]LinkFiling{}}
	type part struct {
		src  string
		keys []string
	}
	var parts []part
	for _, p := range []part{{"sent", l.SentMessageIDs}, {"ref", l.Refs}, {"icp", l.ICPNumbers}, {"dom", l.Domains}, {"open", l.Senders}} {
		if len(p.keys) > 0 {
			parts = append(parts, p)
		}
	}
	for len(parts) > 0 {
		// Take parts (or pieces of one) up to the parameter budget.
		var stmt []part
		budget := lookupParams
		for len(parts) > 0 && budget > 0 {
			p := parts[0]
			per := 1
			switch p.src {
			case "sent":
				per = 2 // the messages and their filings
			case "icp":
				per = 2 // = and LIKE
			}
			n := min(len(p.keys), max(budget/per, 1))
			stmt = append(stmt, part{p.src, p.keys[:n]})
			budget -= n * per
			if n == len(p.keys) {
				parts = parts[1:]
			} else {
				parts[0].keys = p.keys[n:]
			}
		}
		var branches []string
		var args []any
		for _, p := range stmt {
			q, a, err := lookupBranch(p.src, p.keys)
			if err != nil {
				return res, err
			}
			branches = append(branches, q)
			args = append(args, a...)
		}
		var rows []lookupRow
		// Ordered so that lists of several filings come in filing order: by
		// position (src, the filing id), as SQLite reads a name there as ambiguous.
		q := strings.Join(branches, "\nUNION ALL\n") + "\nORDER BY 1, 3"
		if err := t.selectRows(ctx, &rows, q, args...); err != nil {
			return res, fmt.Errorf("find filings: %w", err)
		}
		var icpRows []lookupRow
		var icpNums []string
		for _, p := range stmt {
			if p.src == "icp" {
				icpNums = append(icpNums, p.keys...)
			}
		}
		for _, r := range rows {
			switch r.Src {
			case "sent":
				res.Sent[r.MatchKey] = SentMessage{OutboxID: r.OID, MessageID: r.MatchKey, Kind: r.OKind, FilingID: r.OFilingID,
					AccountID: r.OAccountID, Status: r.OStatus, Recipient: r.ORecipient}
			case "sentf":
				res.SentFilings[r.ID] = r.LinkFiling
			case "ref":
				res.ByRef[r.Reference] = r.LinkFiling
			case "icp":
				icpRows = append(icpRows, r)
			case "dom":
				res.ByDomain[r.MatchKey] = append(res.ByDomain[r.MatchKey], r.LinkFiling)
			case "open":
				res.OpenOf[r.AccountEmail] = append(res.OpenOf[r.AccountEmail], r.LinkFiling)
			}
		}
		// As LinkFilingsByICPNumber: a number without a site suffix finds every site under it.
		for _, n := range icpNums {
			for _, r := range icpRows {
				if r.MatchKey == n || strings.HasPrefix(r.MatchKey, n+"-") {
					res.ByICPNumber[n] = append(res.ByICPNumber[n], r.LinkFiling)
				}
			}
		}
	}
	return res, nil
}

// lookupRow is a row of LinkLookups: a filing, or (src "sent") an outbox row.
type lookupRow struct {
	Src      string `db:"src"`
	MatchKey string `db:"match_key"`
	LinkFiling
	OID        int64  `db:"o_id"`
	OKind      string `db:"o_kind"`
	OFilingID  int64  `db:"o_filing_id"`
	OAccountID int64  `db:"o_account_id"`
	OStatus    string `db:"o_status"`
	ORecipient string `db:"o_recipient"`
}

// lookupBranch is one SELECT of LinkLookups, each as the method it stands for.
func lookupBranch(src string, keys []string) (string, []any, error) {
	const noOutbox = `, 0 AS o_id, '' AS o_kind, 0 AS o_filing_id, 0 AS o_account_id, '' AS o_status, '' AS o_recipient`
	filings := func(src, key, from, where string) string {
		return `SELECT '` + src + `' AS src, ` + key + ` AS match_key, ` + linkFilingColumns + noOutbox + `
		FROM ` + from + ` WHERE ` + where
	}
	const fa = `filings f JOIN accounts a ON a.id = f.account_id`
	var q string
	switch src {
	case "sent":
		q = `SELECT 'sent' AS src, o.message_id AS match_key, 0 AS id, '' AS reference, '' AS stage, '' AS return_source, NULL AS returned_at, NULL AS deadline,
		FALSE AS overdue, 0 AS account_id, '' AS account_email, '' AS account_name, '' AS account_language,
		o.id AS o_id, o.kind AS o_kind, COALESCE(o.filing_id, 0) AS o_filing_id, COALESCE(o.account_id, 0) AS o_account_id,
		o.status AS o_status, o.recipient AS o_recipient
		FROM outbox o WHERE o.message_id IN (?)
		UNION ALL
		` + filings("sentf", `''`, fa, `f.id IN (SELECT o.filing_id FROM outbox o WHERE o.message_id IN (?))`)
		return sqlxIn(q, keys, keys)
	case "ref":
		q = filings(src, `f.reference`, fa, `f.reference IN (?)`)
	case "icp":
		var conds []string
		var args []any
		for _, n := range keys {
			conds = append(conds, `f.icp_number = ? OR f.icp_number LIKE ?`)
			// ICP numbers hold no LIKE metacharacters (filing.ParseICPNumber).
			args = append(args, n, n+"-%")
		}
		return filings(src, `f.icp_number`, fa, `f.icp_number <> '' AND (`+strings.Join(conds, " OR ")+`)`), args, nil
	case "dom":
		q = filings(src, `d.ascii`, `filing_domains d JOIN filings f ON f.id = d.filing_id JOIN accounts a ON a.id = f.account_id`, `d.ascii IN (?)`)
	case "open":
		q = filings(src, `a.email`, fa, `a.email IN (?) AND f.stage NOT IN ('approved', 'closed')`)
	}
	return sqlxIn(q, keys)
}

func sqlxIn(q string, args ...any) (string, []any, error) {
	q, a, err := sqlx.In(q, args...)
	if err != nil {
		return "", nil, fmt.Errorf("find filings: %w", err)
	}
	return q, a, nil
}

// InboundAcksSince counts, per sender, the messages acknowledged since a
// time: the per-sender acknowledgement limit.
func (t *Tx) InboundAcksSince(ctx context.Context, senders []string, since time.Time) (map[string]int, error) {
	out := map[string]int{}
	if len(senders) == 0 {
		return out, nil
	}
	q, args, err := sqlx.In(`SELECT sender, COUNT(*) AS n FROM inbound_messages
		WHERE sender IN (?) AND created_at >= ? AND ack = 'queued' GROUP BY sender`, senders, dbTime(since))
	if err != nil {
		return nil, fmt.Errorf("count acknowledgements: %w", err)
	}
	var rows []struct {
		Sender string `db:"sender"`
		N      int    `db:"n"`
	}
	if err := t.selectRows(ctx, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("count acknowledgements: %w", err)
	}
	for _, r := range rows {
		out[r.Sender] = r.N
	}
	return out, nil
}

// NoticedSince returns which of the filings had an email of kind enqueued
// at or after since: the inbox tells an account holder about mail from
// other addresses at most once a day per filing, however many arrive.
func (t *Tx) NoticedSince(ctx context.Context, kind filing.EmailKind, filingIDs []int64, since time.Time) (map[int64]bool, error) {
	out := map[int64]bool{}
	for start := 0; start < len(filingIDs); start += bulkRows {
		chunk := filingIDs[start:min(start+bulkRows, len(filingIDs))]
		q, args, err := sqlx.In(`SELECT DISTINCT filing_id FROM outbox WHERE filing_id IN (?) AND kind = ? AND created_at >= ?`,
			chunk, string(kind), dbTime(since))
		if err != nil {
			return nil, fmt.Errorf("find recent %s emails: %w", kind, err)
		}
		var ids []int64
		if err := t.selectRows(ctx, &ids, q, args...); err != nil {
			return nil, fmt.Errorf("find recent %s emails: %w", kind, err)
		}
		for _, id := range ids {
			out[id] = true
		}
	}
	return out, nil
}

// InboundEvent is an audit event about a received message that changed no
// stage: a bounce, an unverified sender, a staff link.
type InboundEvent struct {
	FilingID  int64
	AccountID int64
	Actor     filing.Actor
	ActorName string
	Action    string
	Details   map[string]any
	At        time.Time
}

// RecordInboundEvent writes an audit event in the caller's transaction.
func (t *Tx) RecordInboundEvent(ctx context.Context, e InboundEvent) error {
	at := e.At
	if at.IsZero() {
		at = t.s.now()
	}
	return t.insertEvent(ctx, event{FilingID: e.FilingID, AccountID: e.AccountID, Actor: e.Actor, ActorName: e.ActorName,
		Action: e.Action, Details: e.Details, At: at})
}

// RecordInboundEvents writes audit events in the caller's transaction, in
// one statement.
func (t *Tx) RecordInboundEvents(ctx context.Context, es []InboundEvent) error {
	if len(es) == 0 {
		return nil
	}
	events := make([]event, len(es))
	for i, e := range es {
		at := e.At
		if at.IsZero() {
			at = t.s.now()
		}
		events[i] = event{FilingID: e.FilingID, AccountID: e.AccountID, Actor: e.Actor, ActorName: e.ActorName,
			Action: e.Action, Details: e.Details, At: at}
	}
	_, err := t.insertEvents(ctx, events)
	return err
}

// SentByBounceTokens finds emails by the token their envelope sender
// carried (VERP): the only way a bounce acts on an email, since a bounce
// naming a Message-ID can be forged by anyone who saw one.
func (t *Tx) SentByBounceTokens(ctx context.Context, tokens []string) (map[string]SentMessage, error) {
	out := map[string]SentMessage{}
	var valid []string
	for _, tok := range tokens {
		if tok = strings.ToLower(strings.TrimSpace(tok)); isBounceToken(tok) {
			valid = append(valid, tok)
		}
	}
	if len(valid) == 0 {
		return out, nil
	}
	q, args, err := t.inList(`SELECT o.bounce_token, o.id, o.message_id, o.kind, COALESCE(o.filing_id, 0) AS filing_id,
		COALESCE(o.account_id, 0) AS account_id, o.status, o.recipient FROM outbox o WHERE o.bounce_token IN (?)`, valid)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		Token string `db:"bounce_token"`
		SentMessage
	}
	if err := t.tx.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("find emails by bounce token: %w", err)
	}
	for _, r := range rows {
		out[r.Token] = r.SentMessage
	}
	return out, nil
}

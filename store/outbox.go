package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"example.com/icpdesk/filing"
)

// Outbox row statuses.
const (
	OutboxQueued  = "queued"
	OutboxSending = "sending"
	OutboxSent    = "sent"
	OutboxFailed  = "failed"
	OutboxBounced = "bounced"
	// OutboxCancelled: staff stopped it for good (outbox cancel).
	OutboxCancelled = "cancelled"
)

// OutboxItem is one email to enqueue. The notice carries kind, language and
// recipient; the dedup key makes enqueueing idempotent.
type OutboxItem struct {
	Notice    filing.Notice
	DedupKey  string
	FilingID  int64
	AccountID int64
	InboundID int64
	NotBefore time.Time // zero: now
}

// Enqueue adds an email to the outbox in the caller's transaction. It returns
// false, and writes nothing, when a row with the same dedup key exists: a job
// that runs twice enqueues once.
func (t *Tx) Enqueue(ctx context.Context, it OutboxItem) (bool, error) {
	row, err := t.s.prepareOutbox(it)
	if err != nil {
		return false, err
	}
	inserted, err := t.insertOutbox(ctx, []outboxRow{row})
	if err != nil {
		return false, err
	}
	return inserted[row.key], nil
}

// MessageIDPrefix starts the local part of every Message-ID icpdesk sends, so
// the inbox can tell its own mail and replies to it.
const MessageIDPrefix = "icpdesk."

// newMessageID returns a Message-ID (without angle brackets) for a new outbox
// row. It is fixed when the row is enqueued, so every attempt sends the same
// one and a reply links back even if the process died before marking the row
// sent. It is random: it reveals nothing about the filing or the recipient.
func (s *Store) newMessageID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("message id: %w", err)
	}
	return MessageIDPrefix + hex.EncodeToString(b[:]) + "@" + s.msgIDDomain, nil
}

// newBounceToken returns the VERP token of a new outbox row: 128 random
// bits in lower-case hex (local parts may be case-folded on the way back).
// It is random so that no one can derive it from the filing, the recipient
// or the Message-ID: only a bounce of the email itself carries it.
func newBounceToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("bounce token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// OutboxByBounceToken finds the email whose envelope sender carried token
// (see config.BounceAddress), for the inbox to act on a bounce delivered to
// it. It returns false for a token no email has, including anything that is
// not a token at all.
func (s *Store) OutboxByBounceToken(ctx context.Context, token string) (OutboxRow, bool, error) {
	token = strings.ToLower(strings.TrimSpace(token))
	if !isBounceToken(token) {
		return OutboxRow{}, false, nil
	}
	var row OutboxRow
	err := s.db.GetContext(ctx, &row, s.db.Rebind(`SELECT `+outboxRowColumns+` FROM outbox o LEFT JOIN filings f ON f.id = o.filing_id
		WHERE o.bounce_token = ?`), token)
	if errors.Is(err, sql.ErrNoRows) {
		return OutboxRow{}, false, nil
	}
	if err != nil {
		return OutboxRow{}, false, fmt.Errorf("find email by bounce token: %w", err)
	}
	return row, true, nil
}

func isBounceToken(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// OutboxRow is a queued or sent email as staff see it. The payload is not
// included: it may hold the filing password until the email is sent.
type OutboxRow struct {
	ID            int64      `json:"id" db:"id"`
	Kind          string     `json:"kind" db:"kind"`
	Language      string     `json:"language" db:"language"`
	Recipient     string     `json:"recipient" db:"recipient"`
	Reference     string     `json:"reference,omitempty" db:"reference"`
	InboundID     int64      `json:"inbound_id,omitempty" db:"inbound_id"` // the message it answers
	DedupKey      string     `json:"dedup_key" db:"dedup_key"`
	Status        string     `json:"status" db:"status"`
	Attempts      int        `json:"attempts" db:"attempts"`
	NextAttemptAt time.Time  `json:"next_attempt_at" db:"next_attempt_at"`
	LastError     string     `json:"last_error,omitempty" db:"last_error"`
	MessageID     string     `json:"message_id,omitempty" db:"message_id"`
	CreatedAt     time.Time  `json:"created_at" db:"created_at"`
	SentAt        *time.Time `json:"sent_at,omitempty" db:"sent_at"`
	// BounceToken is in the envelope sender when VERP is on; never shown:
	// knowing it lets a bounce act on the email.
	BounceToken string `json:"-" db:"bounce_token"`
}

// OutboxFilter selects outbox rows.
type OutboxFilter struct {
	Status    string
	FilingRef string
	FilingID  int64 // the emails about one filing, by its row id (its index)
	InboundID int64 // the emails answering one received message
	Limit     int
}

// ListOutbox returns outbox rows, newest first.
func (s *Store) ListOutbox(ctx context.Context, f OutboxFilter) ([]OutboxRow, error) {
	q := `SELECT ` + outboxRowColumns + ` FROM outbox o LEFT JOIN filings f ON f.id = o.filing_id WHERE 1 = 1`
	var args []any
	if f.Status != "" {
		switch f.Status {
		case OutboxQueued, OutboxSending, OutboxSent, OutboxFailed, OutboxBounced, OutboxCancelled:
		default:
			return nil, fmt.Errorf("unknown outbox status %q (want queued, sending, sent, failed, bounced or cancelled)", f.Status)
		}
		q += ` AND o.status = ?`
		args = append(args, f.Status)
	}
	if f.FilingRef != "" {
		q += ` AND f.reference = ?`
		args = append(args, f.FilingRef)
	}
	if f.FilingID != 0 {
		q += ` AND o.filing_id = ?`
		args = append(args, f.FilingID)
	}
	if f.InboundID != 0 {
		q += ` AND o.inbound_id = ?`
		args = append(args, f.InboundID)
	}
	q += ` ORDER BY o.id DESC`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	var out []OutboxRow
	if err := s.db.SelectContext(ctx, &out, s.db.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	return out, nil
}

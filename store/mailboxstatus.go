package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// MailboxStatusEvery is how often the replica holding a mailbox writes its
// status (PublishMailboxStatus). A status older than a few of these means
// the holder stopped writing: it is hung, or cut off from the database.
const MailboxStatusEvery = 5 * time.Second

// MailboxKey names a watched mailbox across replicas: the key of its lease
// (TryLease) and of its status row. Every replica configured for the same
// mailbox computes the same key.
func MailboxKey(username, host string, port int, mailbox string) string {
	return "inbox:" + username + "@" + host + ":" + strconv.Itoa(port) + "/" + mailbox
}

// MailboxStatus is what the replica holding a mailbox last said about its
// IMAP session, so that standbys can report it.
type MailboxStatus struct {
	Mailbox     string     `json:"mailbox" db:"mailbox"` // MailboxKey
	Holder      string     `json:"holder" db:"holder"`   // ProcessName of the writer
	Connected   bool       `json:"connected" db:"connected"`
	Mode        string     `json:"mode,omitempty" db:"mode"` // idle, poll, disconnected
	LastPass    *time.Time `json:"last_pass,omitempty" db:"last_pass"`
	LastError   string     `json:"last_error,omitempty" db:"last_error"`
	LastErrorAt *time.Time `json:"last_error_at,omitempty" db:"last_error_at"`
	// UpdatedAt is when the holder wrote it (set by SaveMailboxStatus).
	UpdatedAt time.Time `json:"updated_at" db:"updated_at"`
}

// SaveMailboxStatus records st as the mailbox's current status, written now
// by st.Holder (this process when empty). Only the replica holding the
// mailbox's lease should call it.
func (s *Store) SaveMailboxStatus(ctx context.Context, st MailboxStatus) error {
	if st.Mailbox == "" {
		return errors.New("save mailbox status: no mailbox")
	}
	if st.Holder == "" {
		st.Holder = ProcessName()
	}
	var pass, errAt any
	if st.LastPass != nil && !st.LastPass.IsZero() {
		pass = dbTime(*st.LastPass)
	}
	if st.LastErrorAt != nil && !st.LastErrorAt.IsZero() {
		errAt = dbTime(*st.LastErrorAt)
	}
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`INSERT INTO mailbox_status (mailbox, holder, connected, mode, last_pass, last_error, last_error_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (mailbox) DO UPDATE SET holder = excluded.holder, connected = excluded.connected, mode = excluded.mode,
			last_pass = excluded.last_pass, last_error = excluded.last_error, last_error_at = excluded.last_error_at,
			updated_at = excluded.updated_at`),
		st.Mailbox, st.Holder, st.Connected, st.Mode, pass, truncateError(st.LastError), errAt, dbTime(s.now()))
	if err != nil {
		return fmt.Errorf("save the status of %s: %w", st.Mailbox, err)
	}
	return nil
}

// PublishMailboxStatus writes current() as the mailbox's status at once and
// then every `every` (MailboxStatusEvery when zero) until ctx ends. The
// replica holding the mailbox runs it for as long as it holds the lease,
// with a ctx that ends when the lease is released or lost. Failed writes are
// passed to report (if not nil) and tried again at the next tick.
func (s *Store) PublishMailboxStatus(ctx context.Context, every time.Duration, current func() MailboxStatus, report func(error)) {
	if every <= 0 {
		every = MailboxStatusEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		wctx, cancel := context.WithTimeout(ctx, every)
		err := s.SaveMailboxStatus(wctx, current())
		cancel()
		if err != nil && ctx.Err() == nil && report != nil {
			report(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// MailboxStatus returns the status the mailbox's holder last wrote, and
// false when none was ever written.
func (s *Store) MailboxStatus(ctx context.Context, mailbox string) (MailboxStatus, bool, error) {
	var st MailboxStatus
	err := s.db.GetContext(ctx, &st, s.db.Rebind(`SELECT mailbox, holder, connected, mode, last_pass, last_error, last_error_at, updated_at
		FROM mailbox_status WHERE mailbox = ?`), mailbox)
	if errors.Is(err, sql.ErrNoRows) {
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("read the status of %s: %w", mailbox, err)
	}
	return st, true, nil
}

package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Tx is one database transaction. Every state change is a Tx method, so a
// caller that must record more in the same transaction (the inbox records the
// message with its effects) composes them inside one InTx.
type Tx struct {
	s        *Store
	tx       *sqlx.Tx
	enqueued int
	spSeq    int
	// events says the transaction wrote audit events: they are stamped
	// with the next commit number just before it commits (stampEvents).
	events bool
	// deferEvents sends the events written meanwhile to later rather than
	// to the table (the inbox's per-message events, whose ids nobody
	// needs): they are written last, already stamped (finishEvents).
	deferEvents bool
	later       []event
}

// InTx runs fn in a transaction and commits it if fn returns nil. After a
// commit that enqueued email, the mailer is woken.
func (s *Store) InTx(ctx context.Context, fn func(*Tx) error) (err error) {
	sqltx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	t := &Tx{s: s, tx: sqltx}
	defer func() {
		if err != nil {
			_ = sqltx.Rollback()
		}
	}()
	if dry := dryRunFrom(ctx); dry != nil {
		m, err := t.marks(ctx)
		if err != nil {
			return err
		}
		if err := fn(t); err != nil {
			return err
		}
		if _, err := t.writeEvents(ctx, t.later, 0); err != nil {
			return err
		}
		if err := t.record(ctx, dry, m); err != nil {
			return err
		}
		_ = sqltx.Rollback()
		return nil
	}
	defer func() {
		// A panic in fn must not leave the transaction open on a pooled connection.
		if r := recover(); r != nil {
			_ = sqltx.Rollback()
			panic(r)
		}
	}()
	if err = fn(t); err != nil {
		return err
	}
	if err = t.markIdempotency(ctx); err != nil {
		return err
	}
	if err = t.finishEvents(ctx); err != nil {
		return err
	}
	if t.enqueued > 0 && s.dialect == Postgres {
		// Delivered after COMMIT only, so another replica's mailer wakes
		// when the rows are visible.
		if _, err = sqltx.ExecContext(ctx, `SELECT pg_notify($1, '')`, s.outboxChannel()); err != nil {
			return fmt.Errorf("notify outbox: %w", err)
		}
	}
	if err = sqltx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if t.enqueued > 0 {
		s.wakeOutbox()
	}
	if t.events {
		s.wakeEvents()
	}
	return nil
}

// outboxChannel is the LISTEN/NOTIFY channel for new outbox rows. It is per
// schema so isolated test schemas in one database do not wake each other.
// PostgreSQL identifiers (channel names) are at most 63 bytes: a long schema
// name is replaced by a hash of it.
func (s *Store) outboxChannel() string {
	tag := s.schemaTag
	if len(tag) > 40 {
		sum := sha256.Sum256([]byte(tag))
		tag = hex.EncodeToString(sum[:12])
	}
	return "icpdesk_outbox_" + tag
}

// Savepoint runs fn inside a savepoint: if fn fails, only its own writes are
// undone and the transaction goes on. The inbox uses it to commit a batch of
// messages in one transaction without one bad message losing the others.
func (t *Tx) Savepoint(ctx context.Context, fn func(*Tx) error) error {
	t.spSeq++
	name := fmt.Sprintf("sp_%d", t.spSeq)
	if _, err := t.tx.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	before, laterBefore := t.enqueued, len(t.later)
	if err := fn(t); err != nil {
		if _, rerr := t.tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+name); rerr != nil {
			return fmt.Errorf("%w (and rollback to savepoint failed: %v)", err, rerr)
		}
		t.enqueued = before
		t.later = t.later[:laterBefore]
		return err
	}
	if _, err := t.tx.ExecContext(ctx, "RELEASE SAVEPOINT "+name); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	return nil
}

func (t *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.tx.Rebind(q), args...)
}

func (t *Tx) get(ctx context.Context, dest any, q string, args ...any) error {
	return t.tx.GetContext(ctx, dest, t.tx.Rebind(q), args...)
}

func (t *Tx) selectRows(ctx context.Context, dest any, q string, args ...any) error {
	return t.tx.SelectContext(ctx, dest, t.tx.Rebind(q), args...)
}

// forUpdate locks the selected rows on PostgreSQL; SQLite's immediate
// transactions already hold the database's write lock.
func (t *Tx) forUpdate() string {
	if t.s.dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// Dialect reports the store's dialect.
func (t *Tx) Dialect() Dialect { return t.s.dialect }

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

package inbox

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	_ "github.com/lib/pq"

	"example.com/icpdesk/inbox/inboxtest"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// plainTable has the columns and the unique keys of inbound_messages, and
// the same indexes on the hot path as icpdesk's schema (issue 14: the limit
// is a program that stores the same rows under the same keys).
const plainTable = `CREATE TABLE plain_inbound (
    id             BIGSERIAL PRIMARY KEY,
    mailbox        TEXT NOT NULL,
    uidvalidity    BIGINT NOT NULL,
    uid            BIGINT NOT NULL,
    message_id     TEXT NOT NULL,
    sender         TEXT NOT NULL DEFAULT '',
    subject        TEXT NOT NULL DEFAULT '',
    received_at    TIMESTAMPTZ NOT NULL,
    classification TEXT NOT NULL DEFAULT '',
    decision       TEXT NOT NULL DEFAULT '',
    linked_by      TEXT NOT NULL DEFAULT '',
    filing_id      BIGINT,
    error          TEXT NOT NULL DEFAULT '',
    body_text      TEXT NOT NULL DEFAULT '',
    raw            BYTEA,
    sender_verified BOOLEAN NOT NULL DEFAULT FALSE,
    ack            TEXT NOT NULL DEFAULT '',
    oversize       BOOLEAN NOT NULL DEFAULT FALSE,
    size           BIGINT NOT NULL DEFAULT 0,
    attachments    TEXT NOT NULL DEFAULT '',
    note           TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    own_text       TEXT NOT NULL DEFAULT '',
    acts           TEXT NOT NULL DEFAULT '',
    authenticated  TEXT NOT NULL DEFAULT '',
    auth_note      TEXT NOT NULL DEFAULT '',
    needs_reply    BOOLEAN NOT NULL DEFAULT FALSE,
    header_info    TEXT NOT NULL DEFAULT '',
    thread_refs    TEXT NOT NULL DEFAULT '',
    attachment_info TEXT NOT NULL DEFAULT '',
    UNIQUE (mailbox, uidvalidity, uid),
    UNIQUE (message_id)
)`

// plainDB is an empty PostgreSQL schema with plainTable, or nil without
// PostgreSQL (the plain program is the limit stated for PostgreSQL).
func plainDB(b *testing.B) *sql.DB {
	if storeDialect() != store.Postgres {
		return nil
	}
	db, err := sql.Open("postgres", storetest.URL(b, store.Postgres))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.Exec(plainTable); err != nil {
		b.Fatalf("plain program's table: %v", err)
	}
	return db
}

// plainIngest is the plain sequential program issue 14 states the ingest
// target against: for each batch, UID FETCH the envelope, size, date and
// body; COPY the rows into a table with inbound_messages' columns and
// unique keys (the body as its text, the envelope's fields), commit; STORE
// \Seen and MOVE the batch to the processed mailbox. No MIME parsing, no
// linking, no effects: what any program must do to take a message from the
// mailbox into the database exactly once. It returns the messages stored
// and the time taken from connecting to the last MOVE.
func plainIngest(b *testing.B, srv *inboxtest.Server, db *sql.DB, batch int) (int, time.Duration) {
	ctx := context.Background()
	// From nothing, as icpdesk's pass is timed: connecting and logging in too.
	start := time.Now()
	c := srv.Dial(b, nil)
	defer c.Close()
	sel, err := c.Select(srv.Mailbox, nil).Wait()
	if err != nil {
		b.Fatal(err)
	}
	sd, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagDeleted}}, nil).Wait()
	if err != nil {
		b.Fatal(err)
	}
	set, _ := sd.All.(imap.UIDSet)
	uids, _ := set.Nums()
	section := &imap.FetchItemBodySection{Peek: true}
	n := 0
	for len(uids) > 0 {
		k := min(len(uids), batch)
		uidSet := imap.UIDSetNum(uids[:k]...)
		uids = uids[k:]
		msgs, err := c.Fetch(uidSet, &imap.FetchOptions{UID: true, Envelope: true, RFC822Size: true, InternalDate: true,
			BodySection: []*imap.FetchItemBodySection{section}}).Collect()
		if err != nil {
			b.Fatal(err)
		}
		if err := plainCopy(ctx, db, srv.Mailbox, sel.UIDValidity, msgs, section); err != nil {
			b.Fatal(err)
		}
		if err := c.Store(uidSet, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Move(uidSet, srv.Processed).Wait(); err != nil {
			b.Fatal(err)
		}
		n += len(msgs)
	}
	return n, time.Since(start)
}

// plainCopy stores one batch with COPY in one transaction.
func plainCopy(ctx context.Context, db *sql.DB, mailbox string, uidValidity uint32, msgs []*imapclient.FetchMessageBuffer, section *imap.FetchItemBodySection) error {
	if db == nil {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `COPY plain_inbound (mailbox, uidvalidity, uid, message_id, sender, subject, received_at,
		classification, decision, linked_by, filing_id, error, body_text, raw, sender_verified, ack, oversize, size, attachments, note, created_at,
		own_text, acts, authenticated, auth_note, needs_reply, header_info, thread_refs, attachment_info) FROM STDIN`)
	if err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	now := time.Now().UTC()
	for _, m := range msgs {
		env := m.Envelope
		if env == nil {
			env = &imap.Envelope{}
		}
		from := ""
		if len(env.From) > 0 {
			from = env.From[0].Addr()
		}
		body := m.FindBodySection(section)
		// The body as text, as icpdesk stores the message's text: NUL is
		// the one byte a PostgreSQL text value cannot hold.
		text := strings.ToValidUTF8(strings.ReplaceAll(string(body), "\x00", ""), "")
		if _, err := stmt.ExecContext(ctx, mailbox, int64(uidValidity), int64(m.UID), env.MessageID, from, env.Subject, m.InternalDate.UTC(),
			"human", "unmatched", "", nil, "", text, nil, false, "", false, m.RFC822Size, "", "", now,
			"", "", "", "", false, "", "", ""); err != nil {
			return fmt.Errorf("copy row: %w", err)
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return fmt.Errorf("copy end: %w", err)
	}
	if err := stmt.Close(); err != nil {
		return err
	}
	return tx.Commit()
}

// moveAllBack returns every message of the processed mailbox to the
// watched one, so the next subject reads the same messages.
func moveAllBack(b *testing.B, srv *inboxtest.Server) {
	c := srv.Dial(b, nil)
	defer c.Close()
	if _, err := c.Select(srv.Processed, nil).Wait(); err != nil {
		b.Fatal(err)
	}
	if err := c.Store(imap.UIDSet{{Start: 1, Stop: 0}}, &imap.StoreFlags{Op: imap.StoreFlagsDel, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Move(imap.UIDSet{{Start: 1, Stop: 0}}, srv.Mailbox).Wait(); err != nil {
		b.Fatal(err)
	}
}

// emptyMailbox expunges every message of a mailbox.
func emptyMailbox(b *testing.B, srv *inboxtest.Server, mailbox string) {
	c := srv.Dial(b, nil)
	defer c.Close()
	sel, err := c.Select(mailbox, nil).Wait()
	if err != nil {
		b.Fatal(err)
	}
	if sel.NumMessages == 0 {
		return
	}
	all := imap.UIDSet{{Start: 1, Stop: 0}}
	if err := c.Store(all, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		b.Fatal(err)
	}
	if err := c.Expunge().Close(); err != nil {
		b.Fatal(err)
	}
}

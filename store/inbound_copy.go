package store

import (
	"context"
	"fmt"

	"github.com/lib/pq"
)

// copyInboundMin is the smallest batch recorded with COPY: below it, the
// round trips COPY adds (the lookup of recorded keys and new ids, the
// COPY's own two) cost more than the multi-row INSERT's parameters. A single message (IDLE, the
// one-by-one fallback) always takes the INSERT.
const copyInboundMin = 8

// inboundCopyColumns are the columns COPY writes, in the order of
// copyInbound's row.
const inboundCopyColumns = `id, mailbox, uidvalidity, uid, message_id, sender, subject, received_at,
	classification, decision, linked_by, filing_id, error, body_text, raw, sender_verified, ack, oversize, size, attachments, note, created_at,
	own_text, own_text_chars, acts, authenticated, auth_note, needs_reply, header_info, thread_refs, attachment_info`

// copyInbound is RecordInboundBatch on PostgreSQL for a backlog's batch:
// it leaves out the messages already recorded (by Message-ID, or by
// mailbox, UIDVALIDITY and UID — as ON CONFLICT DO NOTHING would), takes
// the new rows' ids from the sequence, and writes the rows with COPY. A
// 200-row × 29-parameter INSERT cost icpdesk more CPU in lib/pq than the
// message's parsing did in places, and PostgreSQL a parse and plan of it
// per batch (issue 14). COPY has no ON CONFLICT: a message recorded by
// someone else between the lookup and the COPY fails the statement, and the
// caller applies the batch's messages one by one, as for any failed batch.
func (t *Tx) copyInbound(ctx context.Context, ms []InboundMessage) (map[string]int64, error) {
	ids := make([]string, len(ms))
	boxes := make([]string, len(ms))
	validities := make([]int64, len(ms))
	uids := make([]int64, len(ms))
	for i, m := range ms {
		if m.MessageID == "" {
			return nil, fmt.Errorf("record inbound: no Message-ID")
		}
		ids[i], boxes[i], validities[i], uids[i] = m.MessageID, m.Mailbox, m.UIDValidity, m.UID
	}
	// One round trip: the rows recorded under the batch's keys, and an id
	// from the sequence for each message (those of recorded ones are left
	// unused, as a rolled-back insert leaves its id).
	var found []struct {
		MessageID   string `db:"message_id"`
		Mailbox     string `db:"mailbox"`
		UIDValidity int64  `db:"uidvalidity"`
		UID         int64  `db:"uid"`
		NewID       int64  `db:"new_id"`
	}
	if err := t.tx.SelectContext(ctx, &found, `SELECT message_id, mailbox, uidvalidity, uid, 0 AS new_id FROM inbound_messages WHERE message_id = ANY($1)
		UNION ALL
		SELECT i.message_id, i.mailbox, i.uidvalidity, i.uid, 0
		FROM unnest($2::text[], $3::bigint[], $4::bigint[]) AS k (mailbox, uidvalidity, uid)
		JOIN inbound_messages i ON i.mailbox = k.mailbox AND i.uidvalidity = k.uidvalidity AND i.uid = k.uid
		UNION ALL
		SELECT '', '', 0, 0, nextval(pg_get_serial_sequence('inbound_messages', 'id')) FROM generate_series(1, $5)`,
		pq.Array(ids), pq.Array(boxes), pq.Array(validities), pq.Array(uids), len(ms)); err != nil {
		return nil, fmt.Errorf("record %d inbound messages: find those recorded: %w", len(ms), err)
	}
	type key struct {
		mailbox  string
		validity int64
		uid      int64
	}
	seenID := make(map[string]bool, 2*len(ms))
	seenKey := make(map[key]bool, 2*len(ms))
	newIDs := make([]int64, 0, len(ms))
	for _, f := range found {
		if f.NewID != 0 {
			newIDs = append(newIDs, f.NewID)
			continue
		}
		seenID[f.MessageID] = true
		seenKey[key{f.Mailbox, f.UIDValidity, f.UID}] = true
	}
	if len(newIDs) != len(ms) {
		return nil, fmt.Errorf("record %d inbound messages: %d ids from the sequence", len(ms), len(newIDs))
	}
	fresh := make([]int, 0, len(ms))
	for i, m := range ms {
		k := key{m.Mailbox, m.UIDValidity, m.UID}
		if seenID[m.MessageID] || seenKey[k] {
			continue // recorded, or a second copy in this batch: the first one's row
		}
		seenID[m.MessageID], seenKey[k] = true, true
		fresh = append(fresh, i)
	}
	out := make(map[string]int64, len(fresh))
	if len(fresh) == 0 {
		return out, nil
	}
	stmt, err := t.tx.PrepareContext(ctx, `COPY inbound_messages (`+inboundCopyColumns+`) FROM STDIN`)
	if err != nil {
		return nil, fmt.Errorf("record %d inbound messages: %w", len(fresh), err)
	}
	defer stmt.Close()
	now := t.s.now()
	for k, i := range fresh {
		m := ms[i]
		created := m.CreatedAt
		if created.IsZero() {
			created = now
		}
		var raw any
		if m.Raw != nil {
			raw = m.Raw
		}
		own, ownChars := storedOwnText(m)
		if _, err := stmt.ExecContext(ctx, newIDs[k], m.Mailbox, m.UIDValidity, m.UID, m.MessageID, m.Sender, m.Subject, dbTime(m.ReceivedAt),
			m.Classification, m.Decision, m.LinkedBy, nullIDPtr(m.FilingID), m.Error, m.BodyText, raw,
			m.SenderVerified, m.Ack, m.Oversize, m.Size, m.Attachments, m.Note, dbTime(created),
			own, ownChars, m.Acts, m.Authenticated, m.AuthNote, m.NeedsReply, m.HeaderInfo, m.ThreadRefs, m.AttachmentInfo); err != nil {
			return nil, fmt.Errorf("record inbound message <%s>: %w", m.MessageID, err)
		}
		out[m.MessageID] = newIDs[k]
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return nil, fmt.Errorf("record %d inbound messages: %w", len(fresh), err)
	}
	return out, nil
}

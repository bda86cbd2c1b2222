package inbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/mailparse"
	"example.com/icpdesk/store"
)

// Processor classifies, links and decides messages and records them with
// their effects. The Watcher uses it for what it fetches; the command line
// for `inbox inspect` (read-only) and `inbox link` (staff).
type Processor struct {
	store    *store.Store
	own      Own
	ackLimit int
	log      *slog.Logger
	linker   Linker

	// effectFault makes applying a message's effects fail (tests: one bad
	// message among others).
	effectFault func(*mailparse.Message) error
}

// NewProcessor returns a processor. ackLimitPerHour caps acknowledgements per
// sender (0: none at all).
func NewProcessor(st *store.Store, own Own, ackLimitPerHour int, log *slog.Logger) *Processor {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Processor{store: st, own: own, ackLimit: ackLimitPerHour, log: log, linker: Linker{Own: own}}
}

// Inspect says what ingesting m would do, changing nothing: how staff answer
// "why did this not link?".
func (p *Processor) Inspect(ctx context.Context, m *mailparse.Message, parseErr error, at time.Time) (Verdict, error) {
	var v Verdict
	err := p.store.InboundReadTx(ctx, func(tx *store.Tx) error {
		var err error
		v, err = p.verdict(ctx, tx, m, parseErr, at, nil)
		return err
	})
	return v, err
}

// verdict classifies, links and decides; keys are the message's lookups
// when already extracted (by the parse workers), else nil.
func (p *Processor) verdict(ctx context.Context, dir Directory, m *mailparse.Message, parseErr error, at time.Time, keys *linkKeys) (Verdict, error) {
	class, reason := Classify(m, p.own)
	var link Link
	if parseErr == nil {
		if keys == nil {
			k := extractKeys(m, p.own)
			keys = &k
		}
		var err error
		if link, err = p.linker.link(ctx, dir, *keys, class); err != nil {
			return Verdict{}, fmt.Errorf("link message: %w", err)
		}
	}
	return decide(m, parseErr, class, reason, link, at), nil
}

// item is one fetched message on its way through a batch.
type item struct {
	uid      uint32
	size     int64
	internal time.Time
	oversize bool
	sp       *mailparse.Spool // released after the commit
	msg      *mailparse.Message
	parseErr error
	keys     *linkKeys // the linker's lookups, extracted while parsing

	// Set by the commit.
	verdict   Verdict
	ack       string
	duplicate bool
	applyErr  error
	inboundID int64
}

// batch is what one transaction records.
type batch struct {
	mailbox     string
	uidValidity uint32
	lastUID     uint32 // the checkpoint after this batch; 0 keeps it
	items       []*item
	memBytes    int64 // of messages spooled in memory
}

// commit records a batch in one transaction. Messages whose recording is
// all they do (correspondence, unmatched, ignored, most bounces) go in
// with one statement, inside a savepoint; if that fails they are recorded
// one by one. Messages with effects (a stage change, an email) are
// recorded with them together (applyEffectful); if that fails, each in its
// own savepoint, so one that fails does not undo the others: it is then
// recorded alone, with the error, for staff.
func (p *Processor) commit(ctx context.Context, b *batch) error {
	now := p.store.Now()
	return p.store.InTx(ctx, func(tx *store.Tx) error {
		dir := newCachedDirectory(tx)
		keys := make([]linkKeys, 0, len(b.items))
		for _, it := range b.items {
			it.verdict, it.ack, it.duplicate, it.applyErr, it.inboundID = Verdict{}, "", false, nil, 0
			if it.parseErr == nil {
				if it.keys == nil {
					k := extractKeys(it.msg, p.own)
					it.keys = &k
				}
				keys = append(keys, *it.keys)
			}
		}
		if err := dir.prefetch(ctx, tx, keys); err != nil {
			return err
		}
		// Decide everything first: the lookups are cached, so this is no I/O.
		var plain, effectful []*item
		var senders []string
		for _, it := range b.items {
			var err error
			if it.verdict, err = p.verdict(ctx, dir, it.msg, it.parseErr, receivedAt(it.internal, now), it.keys); err != nil {
				return err
			}
			if hasEffects(it.verdict, it.msg) {
				effectful = append(effectful, it)
				if a := strings.ToLower(it.msg.From.Addr); a != "" {
					senders = append(senders, a)
				}
			} else {
				plain = append(plain, it)
			}
		}
		// Only messages with effects can be acknowledged: counting every
		// sender's recent acknowledgements made a backlog's commits slow
		// down as it went (all its messages are recent).
		acks, err := loadAckBudget(ctx, tx, senders, noticeFilings(effectful), now)
		if err != nil {
			return err
		}
		if err := p.recordPlain(ctx, tx, b, plain, now); err != nil {
			return err
		}
		if err := p.applyEffectful(ctx, tx, dir, acks, b, effectful, now); err != nil {
			return err
		}
		if b.lastUID > 0 {
			return tx.SaveMailboxCheckpoint(ctx, store.MailboxCheckpoint{Mailbox: b.mailbox, UIDValidity: b.uidValidity, LastUID: b.lastUID})
		}
		return nil
	})
}

// applyEffectful records the messages with effects and applies them, in
// rounds: a message goes in a later round than any earlier one about the
// same filing, from the same acknowledged sender, with the same mailparse.Message-ID
// or bouncing the same email, so each is decided on what those did, as if
// one by one. A round's messages are applied together, in one savepoint
// with a fixed number of statements; if that fails, they are applied one by
// one, each in its own savepoint, so one bad message never undoes the others.
func (p *Processor) applyEffectful(ctx context.Context, tx *store.Tx, dir *cachedDirectory, acks *ackBudget, b *batch, items []*item, now time.Time) error {
	for _, round := range effectRounds(items) {
		if p.applyGroup(ctx, tx, dir, acks, b, round, now) {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		for _, it := range round {
			p.applyInSavepoint(ctx, tx, dir, acks, b, it, now)
			if it.applyErr != nil && ctx.Err() != nil {
				return ctx.Err()
			}
			if it.applyErr != nil && it.inboundID == 0 && !it.duplicate {
				return fmt.Errorf("record message %d: %w", it.uid, it.applyErr)
			}
		}
	}
	return nil
}

// effectRounds splits messages with effects into rounds (see applyEffectful),
// keeping their order within each.
func effectRounds(items []*item) [][]*item {
	var rounds [][]*item
	last := map[string]int{} // key → the last round holding it
	for _, it := range items {
		v := it.verdict
		keys := []string{"m:" + it.msg.MessageID}
		if f := v.Link.Filing; f != nil {
			keys = append(keys, fmt.Sprint("f:", f.ID))
		}
		if r := v.Link.Replied; r != nil && v.Decision == DecisionBounce {
			keys = append(keys, fmt.Sprint("o:", r.OutboxID))
		}
		switch v.Decision {
		case DecisionResubmission, DecisionLateResubmission, DecisionUnverified:
			keys = append(keys, "s:"+strings.ToLower(it.msg.From.Addr))
		}
		r := 0
		for _, k := range keys {
			if n, ok := last[k]; ok {
				r = max(r, n+1)
			}
		}
		for _, k := range keys {
			last[k] = r
		}
		if r == len(rounds) {
			rounds = append(rounds, nil)
		}
		rounds[r] = append(rounds[r], it)
	}
	return rounds
}

// groupPlan is one message of a round applied together.
type groupPlan struct {
	it       *item
	v        Verdict
	ack      string
	rec      store.InboundMessage
	id       int64
	dup      bool
	decision string // the decision recorded, to update if it changed
	changed  bool   // its filing was resubmitted: newStage is the filing's stage now
	newStage filing.Stage
	bounced  bool // it marked the email it bounces
}

// applyGroup applies a round's messages together in one savepoint and
// reports whether it did; on false nothing of it was written and the
// messages, the acknowledgement counts and the directory are as before.
func (p *Processor) applyGroup(ctx context.Context, tx *store.Tx, dir *cachedDirectory, acks *ackBudget, b *batch, items []*item, now time.Time) bool {
	plans := make([]*groupPlan, len(items))
	recs := make([]store.InboundMessage, len(items))
	for i, it := range items {
		// Decided again: an earlier round may have changed a filing.
		v, err := p.verdict(ctx, dir, it.msg, it.parseErr, receivedAt(it.internal, now), it.keys)
		if err != nil {
			p.log.WarnContext(ctx, "inbox: applying messages together failed; applying one by one", "err", err)
			return false
		}
		ack := p.ackFor(v, it.msg, acks)
		rec := p.record(b, it, v, ack, now)
		if it.parseErr != nil {
			if rec.Raw, err = keptRaw(it.sp); err != nil {
				return false
			}
		}
		plans[i] = &groupPlan{it: it, v: v, ack: ack, rec: rec, decision: rec.Decision}
		recs[i] = rec
	}
	err := tx.Savepoint(ctx, func(tx *store.Tx) error {
		ids, err := tx.RecordInboundBatch(ctx, recs)
		if err != nil {
			return err
		}
		var live []*groupPlan
		for _, pl := range plans {
			// Two copies of one message: the first one's row (rounds keep them apart anyway).
			if id, ok := ids[pl.it.msg.MessageID]; ok {
				pl.id = id
				delete(ids, pl.it.msg.MessageID)
				live = append(live, pl)
			} else {
				pl.dup = true
			}
		}
		return p.applyGroupEffects(ctx, tx, live)
	})
	if err != nil {
		if ctx.Err() == nil {
			p.log.WarnContext(ctx, "inbox: applying messages together failed; applying one by one", "count", len(items), "err", err)
		}
		return false
	}
	for _, pl := range plans {
		it := pl.it
		it.verdict, it.ack, it.duplicate, it.applyErr = pl.v, pl.ack, pl.dup, nil
		if pl.dup {
			it.ack = ""
			continue
		}
		it.inboundID = pl.id
		acks.spent(pl.v, it.msg, pl.ack)
		p.logEffect(ctx, pl)
	}
	for _, pl := range plans {
		if pl.changed {
			dir.setStage(pl.v.Link.Filing.ID, pl.newStage)
		}
	}
	return true
}

// applyGroupEffects carries out the decisions of recorded messages, as
// applyEffects does for one: the stage changes in one ChangeStages, then the
// withdrawn acknowledgements, the unverified-sender notices, the bounces and
// the audit events a statement each. A refused stage change leaves its
// message correspondence; any other failure fails the group.
func (p *Processor) applyGroupEffects(ctx context.Context, tx *store.Tx, plans []*groupPlan) error {
	var reqs []store.ChangeRequest
	var resubs []*groupPlan
	var marks []store.BounceMark
	var bounces []*groupPlan
	var notices []store.OutboxItem
	var events []store.InboundEvent
	for _, pl := range plans {
		v, m, id := &pl.v, pl.it.msg, pl.id
		if p.effectFault != nil {
			if err := p.effectFault(m); err != nil {
				return err
			}
		}
		f := v.Link.Filing
		sender := strings.ToLower(m.From.Addr)
		ref := inboundRef(m, v.At)
		switch v.Decision {
		case DecisionBounce:
			if s := v.Link.Replied; s != nil && m.DSN.Failed() {
				marks = append(marks, store.BounceMark{OutboxID: s.OutboxID, Reason: "bounced: " + m.DSN.Reason()})
				bounces = append(bounces, pl)
			}
		case DecisionResubmission, DecisionLateResubmission:
			details := map[string]any{"inbound_id": id, "linked_by": string(v.Link.Rule), "intent": v.Intent, "ack": pl.ack}
			reqs = append(reqs, store.ChangeRequest{Ref: f.Reference,
				Request:   filing.Request{Action: filing.ActionResubmit, Actor: filing.ActorApplicant, At: v.At},
				ActorName: sender, Inbound: ref, InboundID: id, Details: details})
			resubs = append(resubs, pl)
		case DecisionUnverified:
			details := map[string]any{"inbound_id": id, "linked_by": string(v.Link.Rule), "sender": sender, "ack": pl.ack}
			if pl.ack == store.AckQueued {
				notices = append(notices, unverifiedNotice(f, id, ref))
			}
			events = append(events, unverifiedEvent(f, sender, v.At, details))
		}
	}
	if len(reqs) > 0 {
		res, err := tx.ChangeStages(ctx, reqs)
		if err != nil {
			return err
		}
		var withdraw []int64
		for i, pl := range resubs {
			v := &pl.v
			if err := res[i].Err; err != nil {
				if errors.Is(err, filing.ErrTransition) || errors.Is(err, store.ErrNotFound) {
					// The filing moved on since the lookup: correspondence.
					v.Decision, v.Late, pl.ack = DecisionCorrespondence, false, store.AckNone
					v.Why = "resubmission notice, but the filing cannot be resubmitted now: " + err.Error()
					continue
				}
				return err
			}
			if pl.ack != store.AckQueued {
				// ChangeStages always enqueues the acknowledgement; here it must not go.
				withdraw = append(withdraw, pl.id)
			}
			v.Late = res[i].Outcome.Late
			v.Decision = DecisionResubmission
			if v.Late {
				v.Decision = DecisionLateResubmission
			}
			pl.changed, pl.newStage = true, res[i].Filing.Stage
		}
		if len(withdraw) > 0 {
			if _, err := tx.WithdrawInboundAcks(ctx, withdraw); err != nil {
				return err
			}
		}
	}
	if len(notices) > 0 {
		if _, err := tx.EnqueueMany(ctx, notices); err != nil {
			return err
		}
	}
	if len(marks) > 0 {
		marked, err := tx.MarkOutboxBouncedMany(ctx, marks)
		if err != nil {
			return err
		}
		for _, pl := range bounces {
			v, m := pl.v, pl.it.msg
			s, f := v.Link.Replied, v.Link.Filing
			if !marked[s.OutboxID] {
				continue
			}
			delete(marked, s.OutboxID) // an email bounced twice: the first bounce marked it
			pl.bounced = true
			if f != nil {
				events = append(events, bounceEvent(f, s, pl.id, m, v.At))
			}
		}
	}
	if err := tx.RecordInboundEvents(ctx, events); err != nil {
		return err
	}
	for _, pl := range plans {
		if string(pl.v.Decision) != pl.decision || pl.ack != pl.rec.Ack {
			if err := tx.SetInboundDecision(ctx, pl.id, inboundDecision(pl.v, pl.ack, "")); err != nil {
				return err
			}
		}
	}
	return nil
}

// logEffect logs what applying a message did, as applyEffects does.
func (p *Processor) logEffect(ctx context.Context, pl *groupPlan) {
	v, m := pl.v, pl.it.msg
	sender := strings.ToLower(m.From.Addr)
	switch {
	case pl.bounced:
		s := v.Link.Replied
		p.log.InfoContext(ctx, "inbox: email bounced", "outbox_id", s.OutboxID, "kind", s.Kind, "recipient", filing.MaskEmail(s.Recipient))
	case pl.changed:
		p.log.InfoContext(ctx, "inbox: filing resubmitted by email", "filing", v.Link.Filing.Reference, "late", v.Late,
			"sender", filing.MaskEmail(sender), "ack", pl.ack)
	case v.Decision == DecisionUnverified:
		p.log.WarnContext(ctx, "inbox: message about a filing from an address not registered for it", "filing", v.Link.Filing.Reference,
			"sender", filing.MaskEmail(sender), "ack", pl.ack)
	}
}

// hasEffects reports whether applying v does more than record the message.
func hasEffects(v Verdict, m *mailparse.Message) bool {
	switch v.Decision {
	case DecisionResubmission, DecisionLateResubmission, DecisionUnverified:
		return true
	case DecisionBounce:
		return v.Link.Replied != nil && m.DSN.Failed()
	}
	return false
}

// recordPlain records messages without effects in one statement, in a
// savepoint; if it fails, one by one.
func (p *Processor) recordPlain(ctx context.Context, tx *store.Tx, b *batch, items []*item, now time.Time) error {
	if len(items) == 0 {
		return nil
	}
	recs := make([]store.InboundMessage, len(items))
	for i, it := range items {
		rec, err := p.plainRecord(b, it, now)
		if err != nil {
			return err
		}
		recs[i] = rec
	}
	var ids map[string]int64
	err := tx.Savepoint(ctx, func(tx *store.Tx) (err error) {
		ids, err = tx.RecordInboundBatch(ctx, recs)
		return err
	})
	if err == nil {
		for _, it := range items {
			// Two copies of one message in a batch: the first one's row.
			if id, ok := ids[it.msg.MessageID]; ok {
				it.inboundID = id
				delete(ids, it.msg.MessageID)
			} else {
				it.duplicate = true
			}
		}
		return nil
	}
	if ctx.Err() != nil {
		return err
	}
	p.log.WarnContext(ctx, "inbox: recording the batch in one statement failed; recording one by one", "err", err)
	for i, it := range items {
		var id int64
		var inserted bool
		err := tx.Savepoint(ctx, func(tx *store.Tx) (err error) {
			id, inserted, err = tx.RecordInbound(ctx, recs[i])
			return err
		})
		if err == nil {
			it.inboundID, it.duplicate = id, !inserted
			continue
		}
		p.log.ErrorContext(ctx, "inbox: could not record a message; recording it for staff", "uid", it.uid, "err", err)
		it.applyErr = err
		if err := tx.Savepoint(ctx, func(tx *store.Tx) error { return p.recordFailure(ctx, tx, b, it, now) }); err != nil {
			return fmt.Errorf("record message %d: %w", it.uid, err)
		}
	}
	return nil
}

func (p *Processor) plainRecord(b *batch, it *item, now time.Time) (store.InboundMessage, error) {
	rec := p.record(b, it, it.verdict, store.AckNone, now)
	if it.parseErr != nil {
		raw, err := keptRaw(it.sp)
		if err != nil {
			return rec, err
		}
		rec.Raw = raw
	}
	return rec, nil
}

// applyInSavepoint records a message with its effects in a savepoint; if
// that fails, it records the message alone with the error.
func (p *Processor) applyInSavepoint(ctx context.Context, tx *store.Tx, dir *cachedDirectory, acks *ackBudget, b *batch, it *item, now time.Time) {
	err := tx.Savepoint(ctx, func(tx *store.Tx) error {
		return p.applyOne(ctx, tx, dir, acks, b, it, now)
	})
	if err == nil || ctx.Err() != nil {
		it.applyErr = err
		return
	}
	p.log.ErrorContext(ctx, "inbox: could not apply a message; recording it for staff", "uid", it.uid, "err", err)
	it.applyErr = err
	if err := tx.Savepoint(ctx, func(tx *store.Tx) error { return p.recordFailure(ctx, tx, b, it, now) }); err != nil {
		it.applyErr = err
		it.inboundID = 0
	}
}

// receivedAt is when a message counts as received: the server's arrival
// time, never in the future.
func receivedAt(internal, now time.Time) time.Time {
	if internal.IsZero() || internal.After(now) {
		return now
	}
	return internal
}

func (p *Processor) applyOne(ctx context.Context, tx *store.Tx, dir *cachedDirectory, acks *ackBudget, b *batch, it *item, now time.Time) error {
	m := it.msg
	at := receivedAt(it.internal, now)
	v, err := p.verdict(ctx, dir, m, it.parseErr, at, it.keys)
	if err != nil {
		return err
	}
	ack := p.ackFor(v, m, acks)
	rec := p.record(b, it, v, ack, now)
	if it.parseErr != nil {
		rec.Raw, err = keptRaw(it.sp)
		if err != nil {
			return err
		}
	}
	id, inserted, err := tx.RecordInbound(ctx, rec)
	if err != nil {
		return err
	}
	if !inserted {
		it.duplicate, it.verdict = true, v
		return nil
	}
	it.inboundID = id
	want := v
	if err := p.applyEffects(ctx, tx, dir, id, m, &v, &ack, ""); err != nil {
		return err
	}
	if v.Decision != want.Decision || ack != rec.Ack {
		if err := tx.SetInboundDecision(ctx, id, inboundDecision(v, ack, "")); err != nil {
			return err
		}
	}
	acks.spent(v, m, ack)
	it.verdict, it.ack = v, ack
	return nil
}

// maxBodyKept caps the text stored per message.
const maxBodyKept = 64 << 10

func (p *Processor) record(b *batch, it *item, v Verdict, ack string, now time.Time) store.InboundMessage {
	m := it.msg
	rec := store.InboundMessage{
		Mailbox: b.mailbox, UIDValidity: int64(b.uidValidity), UID: int64(it.uid), MessageID: m.MessageID,
		Sender: mailparse.TruncateUTF8(strings.ToLower(m.From.Addr), 320), Subject: mailparse.TruncateUTF8(m.Subject, 1000),
		ReceivedAt: receivedAt(it.internal, now), Classification: string(v.Class), Decision: string(v.Decision),
		LinkedBy: string(v.Link.Rule), SenderVerified: v.SenderVerified, Ack: ack,
		// The parser cleaned the text and masked ID numbers already.
		Oversize: it.oversize, Size: it.size, BodyText: mailparse.TruncateUTF8(m.Text, maxBodyKept), Note: note(v, m), CreatedAt: now,
	}
	if v.Link.Filing != nil {
		id := v.Link.Filing.ID
		rec.FilingID = &id
	}
	var names []string
	for _, a := range m.Attachments {
		if a.Filename != "" {
			names = append(names, a.Filename)
		}
	}
	rec.Attachments = mailparse.TruncateUTF8(strings.Join(names, "\n"), 4000)
	switch {
	case it.parseErr != nil:
		rec.Error = mailparse.TruncateUTF8(filing.OneLine("unparseable: "+it.parseErr.Error()), 1000)
	case it.oversize:
		rec.Error = fmt.Sprintf("message of %d bytes is over the size limit: only its header was read; staff must look at it in the mailbox", it.size)
	}
	return rec
}

// note is what staff read about a decision: why, and what could not be read.
func note(v Verdict, m *mailparse.Message) string {
	parts := []string{v.Why}
	if v.ClassReason != "" && v.Class != ClassHuman {
		parts = append(parts, "classified by "+v.ClassReason)
	}
	if len(m.Problems) > 0 {
		parts = append(parts, "problems: "+strings.Join(m.Problems, "; "))
	}
	return mailparse.TruncateUTF8(filing.OneLine(strings.Join(parts, " | ")), 2000)
}

func inboundDecision(v Verdict, ack, extra string) store.InboundDecision {
	d := store.InboundDecision{LinkedBy: string(v.Link.Rule), Decision: string(v.Decision), SenderVerified: v.SenderVerified, Ack: ack, Note: v.Why}
	if extra != "" {
		d.Note = extra + " | " + v.Why
	}
	if v.Link.Filing != nil {
		d.FilingID = v.Link.Filing.ID
	}
	d.Note = mailparse.TruncateUTF8(filing.OneLine(d.Note), 2000)
	return d
}

// ackFor decides what becomes of a message's acknowledgement. Auto-replies,
// bounces and our own mail never get one (they are never decided into one);
// lists are never answered; a sender gets at most ackLimit an hour.
func (p *Processor) ackFor(v Verdict, m *mailparse.Message, acks *ackBudget) string {
	switch v.Decision {
	case DecisionResubmission, DecisionLateResubmission, DecisionUnverified:
	default:
		return store.AckNone
	}
	switch {
	case m.ListHeaders:
		return store.AckSuppressed
	case v.Decision == DecisionUnverified && v.Link.Filing != nil && acks.noticed[v.Link.Filing.ID]:
		return store.AckRateLimited
	case p.ackLimit <= 0 || acks.bySender[strings.ToLower(m.From.Addr)] >= p.ackLimit:
		return store.AckRateLimited
	}
	return store.AckQueued
}

// ackBudget is what may still be answered: acknowledgements per sender per
// hour (ackLimit), and one unverified-sender notice per filing per
// noticeEvery, so mail from other addresses cannot flood an account holder.
type ackBudget struct {
	bySender map[string]int // acknowledgements in the last hour
	noticed  map[int64]bool // filings whose holder was told within noticeEvery
}

// noticeEvery is how often an account holder is told at most, per filing,
// of mail about it from other addresses.
const noticeEvery = 24 * time.Hour

func loadAckBudget(ctx context.Context, tx *store.Tx, senders []string, filingIDs []int64, now time.Time) (*ackBudget, error) {
	bySender, err := tx.InboundAcksSince(ctx, senders, now.Add(-time.Hour))
	if err != nil {
		return nil, err
	}
	noticed, err := tx.NoticedSince(ctx, filing.EmailUnverifiedSender, filingIDs, now.Add(-noticeEvery))
	if err != nil {
		return nil, err
	}
	return &ackBudget{bySender: bySender, noticed: noticed}, nil
}

// spent counts an answer made for a message recorded with verdict v.
func (a *ackBudget) spent(v Verdict, m *mailparse.Message, ack string) {
	if ack != store.AckQueued {
		return
	}
	a.bySender[strings.ToLower(m.From.Addr)]++
	if v.Decision == DecisionUnverified && v.Link.Filing != nil {
		a.noticed[v.Link.Filing.ID] = true
	}
}

// noticeFilings returns the filings that messages from unverified senders
// are about.
func noticeFilings(items []*item) []int64 {
	var ids []int64
	for _, it := range items {
		if v := it.verdict; v.Decision == DecisionUnverified && v.Link.Filing != nil {
			ids = append(ids, v.Link.Filing.ID)
		}
	}
	return ids
}

// applyEffects carries out a decision for the recorded message id: the
// stage change with its acknowledgement, the unverified-sender notice, the
// bounce. It may change v (the filing moved on meanwhile) and ack.
func (p *Processor) applyEffects(ctx context.Context, tx *store.Tx, dir *cachedDirectory, id int64, m *mailparse.Message, v *Verdict, ack *string, staff string) error {
	if p.effectFault != nil {
		if err := p.effectFault(m); err != nil {
			return err
		}
	}
	f := v.Link.Filing
	sender := strings.ToLower(m.From.Addr)
	ref := inboundRef(m, v.At)
	switch v.Decision {
	case DecisionBounce:
		s := v.Link.Replied
		if s == nil || !m.DSN.Failed() {
			return nil
		}
		marked, err := tx.MarkOutboxBounced(ctx, s.OutboxID, "bounced: "+m.DSN.Reason())
		if err != nil {
			return err
		}
		if marked {
			p.log.InfoContext(ctx, "inbox: email bounced", "outbox_id", s.OutboxID, "kind", s.Kind, "recipient", filing.MaskEmail(s.Recipient))
		}
		if f == nil || !marked {
			return nil
		}
		return tx.RecordInboundEvent(ctx, bounceEvent(f, s, id, m, v.At))

	case DecisionResubmission, DecisionLateResubmission:
		details := map[string]any{"inbound_id": id, "linked_by": string(v.Link.Rule), "intent": v.Intent, "ack": *ack}
		if staff != "" {
			details["linked_by_staff"] = staff
		}
		var res store.ChangeResult
		// In its own savepoint: a refusal (the filing moved on since the
		// lookup) leaves the message recorded as correspondence.
		err := tx.Savepoint(ctx, func(tx *store.Tx) error {
			var err error
			res, err = tx.ChangeStage(ctx, store.ChangeRequest{Ref: f.Reference,
				Request:   filing.Request{Action: filing.ActionResubmit, Actor: filing.ActorApplicant, At: v.At},
				ActorName: sender, Inbound: ref, InboundID: id, Details: details})
			if err != nil {
				return err
			}
			if *ack != store.AckQueued {
				// ChangeStage always enqueues the acknowledgement; here it must not go.
				if _, err := tx.WithdrawInboundAck(ctx, id); err != nil {
					return err
				}
			}
			return nil
		})
		if errors.Is(err, filing.ErrTransition) || errors.Is(err, store.ErrNotFound) {
			v.Decision, v.Late, *ack = DecisionCorrespondence, false, store.AckNone
			v.Why = "resubmission notice, but the filing cannot be resubmitted now: " + err.Error()
			return nil
		}
		if err != nil {
			return err
		}
		v.Late = res.Outcome.Late
		v.Decision = DecisionResubmission
		if v.Late {
			v.Decision = DecisionLateResubmission
		}
		if dir != nil {
			dir.setStage(f.ID, res.Filing.Stage)
		}
		p.log.InfoContext(ctx, "inbox: filing resubmitted by email", "filing", f.Reference, "late", v.Late,
			"sender", filing.MaskEmail(sender), "ack", *ack)
		return nil

	case DecisionUnverified:
		details := map[string]any{"inbound_id": id, "linked_by": string(v.Link.Rule), "sender": sender, "ack": *ack}
		if staff != "" {
			details["linked_by_staff"] = staff
		}
		if *ack == store.AckQueued {
			if _, err := tx.Enqueue(ctx, unverifiedNotice(f, id, ref)); err != nil {
				return err
			}
		}
		p.log.WarnContext(ctx, "inbox: message about a filing from an address not registered for it", "filing", f.Reference,
			"sender", filing.MaskEmail(sender), "ack", *ack)
		return tx.RecordInboundEvent(ctx, unverifiedEvent(f, sender, v.At, details))
	}
	return nil
}

// threadRefs is the References an answer to m carries (RFC 5322 §3.6.4):
// m's references and m itself, the last ten.
func threadRefs(m *mailparse.Message) []string {
	refs := append(append([]string(nil), m.References...), m.MessageID)
	if len(refs) > 10 {
		refs = refs[len(refs)-10:]
	}
	return refs
}

// recordFailure records a message whose effects failed: no effects, the
// error and the raw bytes kept for staff.
func (p *Processor) recordFailure(ctx context.Context, tx *store.Tx, b *batch, it *item, now time.Time) error {
	v := Verdict{Class: ClassHuman, Decision: DecisionUnmatched, Why: "could not be applied: " + it.applyErr.Error()}
	if it.parseErr == nil {
		v.Class, v.ClassReason = Classify(it.msg, p.own)
	}
	rec := p.record(b, it, v, store.AckNone, now)
	rec.Error = mailparse.TruncateUTF8(filing.OneLine("could not apply: "+it.applyErr.Error()), 1000)
	raw, err := keptRaw(it.sp)
	if err != nil {
		return err
	}
	rec.Raw = raw
	id, inserted, err := tx.RecordInbound(ctx, rec)
	if err != nil {
		return err
	}
	it.verdict, it.duplicate, it.inboundID = v, !inserted, id
	return nil
}

// StaffLink is the result of a staff member linking a message.
type StaffLink struct {
	InboundID int64
	Verdict   Verdict
	Ack       string
}

// ErrNotLinkable is returned when a message cannot be linked by staff: its
// decision already had effects, or it is not from a person.
var ErrNotLinkable = errors.New("message cannot be linked")

// LinkByStaff links a recorded message to a filing and applies the
// decision that follows (a resubmission, an unverified-sender notice, or
// correspondence), in one transaction.
func (p *Processor) LinkByStaff(ctx context.Context, inboundID int64, ref, staff string) (StaffLink, error) {
	out := StaffLink{InboundID: inboundID}
	normRef, err := filing.NormalizeReference(ref)
	if err != nil {
		return out, err
	}
	now := p.store.Now()
	err = p.store.InTx(ctx, func(tx *store.Tx) error {
		rec, err := tx.InboundForUpdate(ctx, inboundID)
		if err != nil {
			return err
		}
		switch Decision(rec.Decision) {
		case DecisionUnmatched, DecisionCorrespondence, DecisionUnverified:
		default:
			return fmt.Errorf("message %d was decided %s: %w", inboundID, rec.Decision, ErrNotLinkable)
		}
		if Classification(rec.Classification) != ClassHuman {
			return fmt.Errorf("message %d is %s, not from a person: %w", inboundID, rec.Classification, ErrNotLinkable)
		}
		found, err := tx.LinkFilingsByRef(ctx, []string{normRef})
		if err != nil {
			return err
		}
		f, ok := found[normRef]
		if !ok {
			return fmt.Errorf("filing %s: %w", normRef, store.ErrNotFound)
		}
		m := &mailparse.Message{MessageID: rec.MessageID, From: mailparse.Address{Addr: rec.Sender}, Subject: rec.Subject, Text: rec.BodyText,
			Oversize: rec.Oversize}
		link := Link{Filing: &f, Rule: RuleStaff}
		v := decide(m, nil, ClassHuman, "", link, rec.ReceivedAt)
		acks, err := loadAckBudget(ctx, tx, []string{rec.Sender}, []int64{f.ID}, now)
		if err != nil {
			return err
		}
		ack := p.ackFor(v, m, acks)
		if err := p.applyEffects(ctx, tx, nil, inboundID, m, &v, &ack, staff); err != nil {
			return err
		}
		if err := tx.SetInboundDecision(ctx, inboundID, inboundDecision(v, ack, "linked by staff "+staff)); err != nil {
			return err
		}
		out.Verdict, out.Ack = v, ack
		return tx.RecordInboundEvent(ctx, store.InboundEvent{FilingID: f.ID, AccountID: f.AccountID, Actor: filing.ActorStaff,
			ActorName: staff, Action: "inbound_linked", At: now,
			Details: map[string]any{"inbound_id": inboundID, "decision": string(v.Decision), "previous": rec.Decision}})
	})
	return out, err
}

// inboundRef is what an email answering m, or an event about it, says of it.
func inboundRef(m *mailparse.Message, at time.Time) *filing.InboundRef {
	return &filing.InboundRef{MessageID: m.MessageID, References: threadRefs(m), From: strings.ToLower(m.From.Addr),
		Subject: m.Subject, ReceivedAt: at.UTC()}
}

// unverifiedNotice tells the holder of f about message id, received from
// another address. That sender's subject is not relayed, so nobody can make
// the desk's address carry their words.
func unverifiedNotice(f *store.LinkFiling, id int64, ref *filing.InboundRef) store.OutboxItem {
	in := *ref
	in.Subject = ""
	lang, _ := filing.ParseLanguage(f.AccountLanguage)
	n := filing.Notice{Kind: filing.EmailUnverifiedSender, Language: lang, To: f.AccountEmail, ToName: f.AccountName,
		At: in.ReceivedAt, Reference: f.Reference, Account: f.AccountEmail, Stage: f.Stage, Inbound: &in}
	// Keyed by message and filing: a staff relink to another filing tells its owner too.
	key := fmt.Sprintf("%s:inbound%d:%s", filing.EmailUnverifiedSender, id, f.Reference)
	return store.OutboxItem{Notice: n, DedupKey: key, FilingID: f.ID, AccountID: f.AccountID, InboundID: id}
}

// unverifiedEvent is the audit event of a message about f from sender, an
// address not registered for it.
func unverifiedEvent(f *store.LinkFiling, sender string, at time.Time, details map[string]any) store.InboundEvent {
	return store.InboundEvent{FilingID: f.ID, AccountID: f.AccountID, Actor: filing.ActorApplicant,
		ActorName: sender, Action: "email_unverified_sender", At: at, Details: details}
}

// bounceEvent is the audit event of message id, a bounce of our email s
// about f.
func bounceEvent(f *store.LinkFiling, s *store.SentMessage, id int64, m *mailparse.Message, at time.Time) store.InboundEvent {
	return store.InboundEvent{FilingID: f.ID, AccountID: f.AccountID, Actor: filing.ActorApplicant,
		ActorName: "bounce", Action: "email_bounced", At: at,
		Details: map[string]any{"inbound_id": id, "outbox_id": s.OutboxID, "kind": s.Kind, "reason": m.DSN.Reason()}}
}

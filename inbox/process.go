package inbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/mailparse"
	"example.com/icpdesk/senderauth"
	"example.com/icpdesk/store"
)

// ProcessorConfig is what deciding messages needs besides the store.
type ProcessorConfig struct {
	Own Own
	// AckLimitPerHour caps acknowledgements per sender (0: none at all).
	AckLimitPerHour int
	// Auth configures sender authentication; when it requires any, a
	// message whose sender is not authenticated changes nothing.
	Auth senderauth.Config
	Log  *slog.Logger
}

// Processor prepares, links, decides and records messages. The Watcher
// hands it what it fetches; the command line uses it for `inbox inspect`
// (read-only) and the staff actions on received mail.
//
// The data flows one way: Prepare (no I/O but DKIM lookups, in parallel with
// the fetch) → link (over the lookups the store made for the whole batch)
// → decide (pure) → plan (pure) → one store call per batch (ApplyInbound).
type Processor struct {
	store *store.Store
	cfg   ProcessorConfig
	auth  *senderauth.Checker
	log   *slog.Logger

	// recovered counts and logs a recovered panic (the watcher's).
	recovered func(where string, r any) error
	// applyFault makes applying a message fail (tests: one bad message
	// among others).
	applyFault func(plan store.InboundPlan) error
}

// NewProcessor returns a processor recording into st.
func NewProcessor(st *store.Store, cfg ProcessorConfig) *Processor {
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Processor{store: st, cfg: cfg, auth: senderauth.New(cfg.Auth), log: log}
}

// Fetched is one message as the IMAP session hands it to the processor:
// what the server said of it, its bytes, and what was read from them.
type Fetched struct {
	UID      uint32
	Size     int64
	Internal time.Time // the server's arrival time
	Oversize bool      // only its header was fetched
	// Spool holds the bytes; the session releases it after the commit.
	Spool    *mailparse.Spool
	Prepared *Prepared
}

// Batch is what one transaction records: messages of one mailbox, and the
// checkpoint to save with them.
type Batch struct {
	Mailbox     string
	UIDValidity uint32
	LastUID     uint32 // the checkpoint after this batch; 0 keeps it
	Messages    []*Fetched
}

// Outcome is what committing one message did: the session moves it, counts
// it and logs it from this.
type Outcome struct {
	UID       uint32
	MessageID string
	Verdict   Verdict
	// Duplicate: already recorded (only moved).
	Duplicate bool
	InboundID int64
	// ForStaff: it opened work for staff; it is moved without being
	// marked read, so it stands out in the processed mailbox too.
	ForStaff bool
	// Failed is why applying it failed; it was recorded for staff alone.
	Failed error
	// Unparseable and Oversize say what could not be read of it; Internal
	// is the server's arrival time.
	Unparseable, Oversize bool
	Internal              time.Time
}

// Inspect says what ingesting m would do, changing nothing: how staff
// answer "why did this not link?". dir answers the lookups; nil reads the
// database.
func (p *Processor) Inspect(ctx context.Context, pr *Prepared, at time.Time, dir Directory) (Verdict, error) {
	if dir != nil {
		link, err := p.link(ctx, dir, pr)
		if err != nil {
			return Verdict{}, err
		}
		return decide(pr, link, at, p.cfg.Auth.Required()), nil
	}
	var v Verdict
	err := p.store.InboundReadTx(ctx, func(tx *store.Tx) error {
		link, err := p.link(ctx, tx, pr)
		if err != nil {
			return err
		}
		v = decide(pr, link, at, p.cfg.Auth.Required())
		return nil
	})
	return v, err
}

func (p *Processor) link(ctx context.Context, dir Directory, pr *Prepared) (Link, error) {
	if pr.ParseErr != nil {
		return Link{}, nil
	}
	link, err := Linker{Own: p.cfg.Own}.link(ctx, dir, pr.keys, pr.Class)
	if err != nil {
		return link, fmt.Errorf("link message: %w", err)
	}
	return link, nil
}

// Commit records a batch and everything it does in one transaction, with
// the checkpoint. The batch is first applied together; if that fails, the
// transaction is rolled back and the batch decided and applied again, each
// message alone (apply). A savepoint around the first try would cost two
// round trips on every batch, for a failure that is rare (issue 14).
func (p *Processor) Commit(ctx context.Context, b *Batch) ([]Outcome, error) {
	outs, err := p.commitAs(ctx, b, false)
	var together *applyTogetherError
	if err == nil || !errors.As(err, &together) || ctx.Err() != nil {
		return outs, err
	}
	p.log.WarnContext(ctx, "inbox: recording the batch together failed; recording one by one", "count", len(b.Messages), "err", together.err)
	return p.commitAs(ctx, b, true)
}

// applyTogetherError is why a batch could not be applied together.
type applyTogetherError struct{ err error }

func (e *applyTogetherError) Error() string { return "apply the batch together: " + e.err.Error() }
func (e *applyTogetherError) Unwrap() error { return e.err }

func (p *Processor) commitAs(ctx context.Context, b *Batch, oneByOne bool) ([]Outcome, error) {
	var outs []Outcome
	err := p.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		outs, err = p.commitTx(ctx, tx, b, oneByOne)
		if err != nil {
			return err
		}
		if b.LastUID > 0 {
			return tx.SaveMailboxCheckpoint(ctx, store.MailboxCheckpoint{Mailbox: b.Mailbox, UIDValidity: b.UIDValidity, LastUID: b.LastUID})
		}
		return nil
	})
	return outs, err
}

func (p *Processor) commitTx(ctx context.Context, tx *store.Tx, b *Batch, oneByOne bool) ([]Outcome, error) {
	now := p.store.Now()
	dir := newCachedDirectory(tx)
	keys := make([]linkKeys, 0, len(b.Messages))
	for _, f := range b.Messages {
		if f.Prepared.ParseErr == nil {
			keys = append(keys, f.Prepared.keys)
		}
	}
	if err := dir.prefetch(ctx, tx, keys); err != nil {
		return nil, err
	}
	// Decide every message on the filings as the earlier messages of the
	// batch leave them (the lookups are cached: no I/O).
	verdicts := make([]Verdict, len(b.Messages))
	var senders []string
	var noticed []int64
	for i, f := range b.Messages {
		link, err := p.link(ctx, dir, f.Prepared)
		if err != nil {
			return nil, err
		}
		v := decide(f.Prepared, link, receivedAt(f.Internal, now), p.cfg.Auth.Required())
		verdicts[i] = v
		switch v.Decision {
		case DecisionResubmission, DecisionLateResubmission:
			dir.setStage(v.Link.Filing.ID, filing.StageProviderReview)
			senders = append(senders, strings.ToLower(f.Prepared.Msg.From.Addr))
		case DecisionUnverified:
			noticed = append(noticed, v.Link.Filing.ID)
		}
	}
	acks, err := loadAckBudget(ctx, tx, senders, noticed, now)
	if err != nil {
		return nil, err
	}
	plans := make([]store.InboundPlan, len(b.Messages))
	for i, f := range b.Messages {
		plans[i] = p.plan(f, verdicts[i], acks, b.Mailbox, b.UIDValidity, now)
	}
	results, failed, err := p.apply(ctx, tx, b, plans, verdicts, now, oneByOne)
	if err != nil {
		return nil, err
	}
	outs := make([]Outcome, len(b.Messages))
	for i, f := range b.Messages {
		o := Outcome{UID: f.UID, MessageID: f.Prepared.Msg.MessageID, Verdict: verdicts[i], Duplicate: results[i].Duplicate,
			InboundID: results[i].ID, Failed: failed[i], Unparseable: f.Prepared.ParseErr != nil, Oversize: f.Oversize,
			Internal: f.Internal}
		r := results[i]
		if r.Refused != nil {
			o.Verdict.Decision = DecisionCorrespondence
			o.Verdict.because("the filing cannot be resubmitted now: %v", r.Refused)
		} else if r.Change != nil && r.Change.Outcome.Late != o.Verdict.Late {
			o.Verdict.Late = r.Change.Outcome.Late
			o.Verdict.Decision = DecisionResubmission
			if o.Verdict.Late {
				o.Verdict.Decision = DecisionLateResubmission
			}
		}
		o.ForStaff = !o.Duplicate && (len(plans[i].Items) > 0 || failed[i] != nil ||
			r.Bounced && plans[i].BounceItem != nil || r.Change != nil && r.Change.Outcome.Opens != "")
		outs[i] = o
		if !o.Duplicate {
			p.logOutcome(ctx, f, o, results[i])
		}
	}
	return outs, nil
}

// apply writes the plans with one store call; its failure is an
// applyTogetherError, and Commit tries again one by one. Then each plan is
// applied alone in its own savepoint, so one bad message never undoes the
// others; one that fails alone too is recorded with the error, for staff.
// (Plans were decided in order: a failed resubmission leaves the later
// messages about its filing decided as if it had happened, which at worst
// records them as correspondence.)
func (p *Processor) apply(ctx context.Context, tx *store.Tx, b *Batch, plans []store.InboundPlan, verdicts []Verdict, now time.Time, oneByOne bool) ([]store.InboundResult, []error, error) {
	failed := make([]error, len(plans))
	if !oneByOne {
		for _, pl := range plans {
			if err := p.fault(pl); err != nil {
				return nil, nil, &applyTogetherError{err}
			}
		}
		results, err := tx.ApplyInbound(ctx, plans)
		if err != nil {
			return nil, nil, &applyTogetherError{err}
		}
		return results, failed, nil
	}
	results := make([]store.InboundResult, len(plans))
	for i := range plans {
		err := tx.Savepoint(ctx, func(tx *store.Tx) error {
			if err := p.fault(plans[i]); err != nil {
				return err
			}
			r, err := tx.ApplyInbound(ctx, plans[i:i+1])
			if err == nil {
				results[i] = r[0]
			}
			return err
		})
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return nil, nil, err
		}
		f := b.Messages[i]
		p.log.ErrorContext(ctx, "inbox: could not apply a message; recording it for staff", "uid", f.UID, "err", err)
		failed[i] = err
		alone := p.failurePlan(f, verdicts[i], err, b, now)
		if err := tx.Savepoint(ctx, func(tx *store.Tx) error {
			r, err := tx.ApplyInbound(ctx, []store.InboundPlan{alone})
			if err == nil {
				results[i] = r[0]
			}
			return err
		}); err != nil {
			return nil, nil, fmt.Errorf("record message %d: %w", f.UID, err)
		}
	}
	return results, failed, nil
}

func (p *Processor) fault(pl store.InboundPlan) error {
	if p.applyFault == nil {
		return nil
	}
	return p.applyFault(pl)
}

// failurePlan records a message whose effects failed: no effects, the error
// and the raw bytes kept, an item for staff.
func (p *Processor) failurePlan(f *Fetched, v Verdict, applyErr error, b *Batch, now time.Time) store.InboundPlan {
	fv := Verdict{Class: v.Class, ClassReason: v.ClassReason, Decision: DecisionUnmatched, At: v.At, Auth: v.Auth}
	fv.because("could not be applied: %v", applyErr)
	rec := p.record(f, fv, store.AckNone, b.Mailbox, b.UIDValidity, now)
	rec.Error = mailparse.TruncateUTF8(filing.OneLine("could not apply: "+applyErr.Error()), 1000)
	if f.Spool != nil {
		if raw, err := keptRaw(f.Spool); err == nil {
			rec.Raw = raw
		}
	}
	return store.InboundPlan{Message: rec, Items: []store.NewWorkItem{{Kind: filing.WorkUnparseable, At: v.At,
		Details: map[string]any{"error": rec.Error}, Actor: filing.ActorApplicant, ActorName: rec.Sender}}}
}

// logOutcome logs what a message did, personal data masked.
func (p *Processor) logOutcome(ctx context.Context, f *Fetched, o Outcome, r store.InboundResult) {
	v := o.Verdict
	sender := filing.MaskEmail(f.Prepared.Msg.From.Addr)
	switch {
	case r.Bounced:
		s := v.Link.Replied
		p.log.InfoContext(ctx, "inbox: email bounced", "outbox_id", s.OutboxID, "kind", s.Kind, "recipient", filing.MaskEmail(s.Recipient))
	case r.Change != nil:
		p.log.InfoContext(ctx, "inbox: filing resubmitted by email", "filing", v.Link.Filing.Reference, "late", v.Late,
			"sender", sender, "why", v.Why())
	case v.Decision == DecisionUnverified:
		p.log.WarnContext(ctx, "inbox: message about a filing from a sender not verified for it", "filing", v.Link.Filing.Reference,
			"sender", sender, "why", v.Why())
	case v.NeedsReply:
		p.log.InfoContext(ctx, "inbox: message needs a staff reply", "filing", filingRef(v), "sender", sender, "why", v.Why())
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

func filingRef(v Verdict) string {
	if v.Link.Filing != nil {
		return v.Link.Filing.Reference
	}
	return ""
}

// prepareFetched parses a fetched message from its spool and prepares it:
// the parse workers' job, off the transaction's path.
func (p *Processor) prepareFetched(ctx context.Context, f *Fetched, opts mailparse.ParseOptions) *Prepared {
	r, err := f.Spool.Reader()
	if err != nil {
		return &Prepared{Msg: &mailparse.Message{}, ParseErr: err}
	}
	var m *mailparse.Message
	var parseErr error
	if f.Oversize {
		m, parseErr = mailparse.ParseHeader(r, opts)
		m.Oversize = true
	} else {
		m, parseErr = mailparse.Parse(r, opts)
		if f.Spool.Truncated() {
			m.Problems = append(m.Problems, "the server sent more than the size limit; the rest was not read")
		}
	}
	var pe *mailparse.PanicError
	if errors.As(parseErr, &pe) && p.recovered != nil {
		p.recovered("parse", pe.Value)
	}
	if m.MessageID == "" {
		hash := f.Spool.Digest()
		if f.Oversize {
			// Only the header was read: the size keeps two large messages with
			// the same header apart.
			hash = append(append([]byte(nil), hash...), []byte(fmt.Sprint(f.Size))...)
		}
		m.EnsureMessageID(hash)
	}
	m.Size = f.Size
	var raw io.Reader
	if p.cfg.Auth.VerifyDKIM && !f.Oversize && m.DKIMSigned {
		if raw, err = f.Spool.Reader(); err != nil {
			raw = nil
		}
	}
	return p.Prepare(ctx, m, parseErr, raw)
}

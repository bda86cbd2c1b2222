package store

import (
	"context"
	"errors"
	"fmt"

	"example.com/icpdesk/filing"
)

// InboundPlan is everything one received message writes, as the inbox
// decided it: the record, the stage change, the emails, the audit events and
// the work items. ApplyInbound writes a batch of plans in a fixed number of
// statements.
type InboundPlan struct {
	Message InboundMessage
	// Resubmit moves the linked filing back into review (its InboundID is
	// filled in). If the transition table refuses it now (the filing moved
	// on since the inbox looked), the message is recorded as Refused says,
	// and nothing else of Resubmit is written.
	Resubmit *ChangeRequest
	Refused  InboundDecision
	// Notices are emails about the message (InboundID filled in).
	Notices []OutboxItem
	// Bounce marks one of our emails bounced; BounceEvent and BounceItem
	// are written only if this message is the one that marked it.
	Bounce      *BounceMark
	BounceEvent *InboundEvent
	BounceItem  *NewWorkItem
	// Events are audit events ("inbound_id" is added to their details).
	Events []InboundEvent
	// Items are work items for staff (InboundID filled in; an empty Cause
	// becomes the message's).
	Items []NewWorkItem
}

// InboundResult is what applying one plan did.
type InboundResult struct {
	ID        int64
	Duplicate bool // already recorded: nothing was written
	// Change is the resubmission's result, when it was applied.
	Change *ChangeResult
	// Refused is why the resubmission was refused; the message was recorded
	// as the plan's Refused decision.
	Refused error
	// Bounced reports that this message marked its email bounced.
	Bounced bool
}

// ApplyInbound records received messages with their effects in the caller's
// transaction. Messages already recorded (by mailbox and UID, or by
// Message-ID) are no-ops. A database error fails the call: the caller rolls
// back (or runs it in a savepoint) and may apply the plans one by one.
func (t *Tx) ApplyInbound(ctx context.Context, plans []InboundPlan) ([]InboundResult, error) {
	results := make([]InboundResult, len(plans))
	recs := make([]InboundMessage, len(plans))
	for i, p := range plans {
		recs[i] = p.Message
	}
	ids, err := t.RecordInboundBatch(ctx, recs)
	if err != nil {
		return nil, err
	}
	live := make([]int, 0, len(plans))
	for i, p := range plans {
		// Two copies of one message in a batch: the first one's row.
		id, ok := ids[p.Message.MessageID]
		if !ok {
			results[i].Duplicate = true
			continue
		}
		delete(ids, p.Message.MessageID)
		results[i].ID = id
		live = append(live, i)
	}

	if err := t.applyInboundEffects(ctx, plans, results, live); err != nil {
		return nil, err
	}
	return results, nil
}

// ReapplyInbound decides a recorded message again (staff linked it by hand,
// or reprocessed it with today's rules): the row takes the plan's decision,
// its open work items are closed with the given closure, and the plan's
// effects are applied as ApplyInbound would.
func (t *Tx) ReapplyInbound(ctx context.Context, id int64, plan InboundPlan, c WorkClosure) (InboundResult, error) {
	m := plan.Message
	fid := int64(0)
	if m.FilingID != nil {
		fid = *m.FilingID
	}
	if err := t.SetInboundDecision(ctx, id, InboundDecision{FilingID: fid, LinkedBy: m.LinkedBy, Decision: m.Decision,
		SenderVerified: m.SenderVerified, Ack: m.Ack, Note: m.Note, NeedsReply: m.NeedsReply}); err != nil {
		return InboundResult{}, err
	}
	// The stored text is the message's own; only its reading changes.
	var body string
	if err := t.get(ctx, &body, `SELECT body_text FROM inbound_messages WHERE id = ?`, id); err != nil {
		return InboundResult{}, fmt.Errorf("read inbound message %d: %w", id, err)
	}
	m.BodyText = body
	own, ownChars := storedOwnText(m)
	if _, err := t.exec(ctx, `UPDATE inbound_messages SET own_text = ?, own_text_chars = ?, acts = ?, authenticated = ?, auth_note = ?, error = ?, classification = ?
		WHERE id = ?`, own, ownChars, m.Acts, m.Authenticated, m.AuthNote, m.Error, m.Classification, id); err != nil {
		return InboundResult{}, fmt.Errorf("update inbound message %d: %w", id, err)
	}
	if _, err := t.CloseWorkItems(ctx, WorkSelector{InboundID: id}, c); err != nil {
		return InboundResult{}, err
	}
	results := []InboundResult{{ID: id}}
	if err := t.applyInboundEffects(ctx, []InboundPlan{plan}, results, []int{0}); err != nil {
		return InboundResult{}, err
	}
	return results[0], nil
}

// applyInboundEffects writes the effects of the live plans (recorded, not
// duplicates): stage changes, emails, bounces, events, work items.
func (t *Tx) applyInboundEffects(ctx context.Context, plans []InboundPlan, results []InboundResult, live []int) error {
	var reqs []ChangeRequest
	var reqOwner []int
	for _, i := range live {
		if r := plans[i].Resubmit; r != nil {
			req := *r
			req.InboundID = results[i].ID
			details := map[string]any{"inbound_id": results[i].ID}
			for k, v := range req.Details {
				details[k] = v
			}
			req.Details = details
			reqs = append(reqs, req)
			reqOwner = append(reqOwner, i)
		}
	}
	if len(reqs) > 0 {
		changed, err := t.ChangeStages(ctx, reqs)
		if err != nil {
			return err
		}
		for k, res := range changed {
			i := reqOwner[k]
			if res.Err == nil {
				res := res
				results[i].Change = &res
				continue
			}
			if !errors.Is(res.Err, filing.ErrTransition) && !errors.Is(res.Err, ErrNotFound) {
				return fmt.Errorf("resubmission by message %d: %w", results[i].ID, res.Err)
			}
			results[i].Refused = res.Err
			d := plans[i].Refused
			d.Note = filing.OneLine(d.Note + " (" + res.Err.Error() + ")")
			if err := t.SetInboundDecision(ctx, results[i].ID, d); err != nil {
				return err
			}
		}
	}

	var notices []OutboxItem
	var marks []BounceMark
	var bouncers []int
	var events []InboundEvent
	var items []NewWorkItem
	for _, i := range live {
		p, id := plans[i], results[i].ID
		for _, n := range p.Notices {
			n.InboundID = id
			notices = append(notices, n)
		}
		if p.Bounce != nil {
			marks = append(marks, *p.Bounce)
			bouncers = append(bouncers, i)
		}
		for _, e := range p.Events {
			events = append(events, withInboundID(e, id))
		}
		for _, it := range p.Items {
			it.InboundID = id
			if it.Cause == "" {
				it.Cause = filing.WorkCauseInbound(it.Kind, id)
			}
			items = append(items, it)
		}
	}
	if len(notices) > 0 {
		if _, err := t.EnqueueMany(ctx, notices); err != nil {
			return err
		}
	}
	if len(marks) > 0 {
		marked, err := t.MarkOutboxBouncedMany(ctx, marks)
		if err != nil {
			return err
		}
		for _, i := range bouncers {
			p := plans[i]
			if !marked[p.Bounce.OutboxID] {
				continue
			}
			delete(marked, p.Bounce.OutboxID) // an email bounced twice: the first bounce marked it
			results[i].Bounced = true
			if p.BounceEvent != nil {
				events = append(events, withInboundID(*p.BounceEvent, results[i].ID))
			}
			if p.BounceItem != nil {
				it := *p.BounceItem
				it.InboundID = results[i].ID
				items = append(items, it)
			}
		}
	}
	// Nobody needs these events' ids: they are written last, stamped once
	// (Tx.finishEvents).
	t.deferEvents = true
	defer func() { t.deferEvents = false }()
	if err := t.RecordInboundEvents(ctx, events); err != nil {
		return err
	}
	if len(items) > 0 {
		if _, err := t.OpenWorkItems(ctx, items); err != nil {
			return err
		}
	}
	return nil
}

func withInboundID(e InboundEvent, id int64) InboundEvent {
	details := map[string]any{"inbound_id": id}
	for k, v := range e.Details {
		details[k] = v
	}
	e.Details = details
	return e
}

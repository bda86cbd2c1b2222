package inbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/mailparse"
	"example.com/icpdesk/senderauth"
	"example.com/icpdesk/store"
)

// ErrNotLinkable is returned when a recorded message cannot be linked or
// decided again by staff: its decision already had effects (a resubmission:
// undo it instead), or it is not from a person.
var ErrNotLinkable = errors.New("message cannot be linked or decided again")

// StaffResult is what linking or reprocessing a message did.
type StaffResult struct {
	InboundID int64
	Previous  Decision
	Verdict   Verdict
	Ack       string
}

// Relink links a recorded message to a filing by hand and applies the
// decision that follows, read from the message's own words as on arrival
// (a resubmission, an unverified-sender notice, correspondence), in one
// transaction. The message's open items are closed as linked.
func (p *Processor) Relink(ctx context.Context, inboundID int64, ref string, by store.Actor) (StaffResult, error) {
	normRef, err := filing.NormalizeReference(ref)
	if err != nil {
		return StaffResult{InboundID: inboundID}, err
	}
	return p.redecide(ctx, inboundID, by, filing.ResolvedLinked, func(ctx context.Context, tx *store.Tx, pr *Prepared) (Link, error) {
		found, err := tx.LinkFilingsByRef(ctx, []string{normRef})
		if err != nil {
			return Link{}, err
		}
		f, ok := found[normRef]
		if !ok {
			return Link{}, fmt.Errorf("filing %s: %w", normRef, store.ErrNotFound)
		}
		return Link{Filing: &f, Rule: RuleStaff}, nil
	})
}

// Reprocess decides a recorded message again with today's rules and data
// (after a fix, a new account, an imported filing), in one transaction. A
// message that could not be parsed is parsed again from its kept bytes.
func (p *Processor) Reprocess(ctx context.Context, inboundID int64, by store.Actor) (StaffResult, error) {
	return p.redecide(ctx, inboundID, by, filing.ResolvedReprocessed, func(ctx context.Context, tx *store.Tx, pr *Prepared) (Link, error) {
		return p.link(ctx, tx, pr)
	})
}

func (p *Processor) redecide(ctx context.Context, inboundID int64, by store.Actor, res filing.Resolution,
	link func(context.Context, *store.Tx, *Prepared) (Link, error)) (StaffResult, error) {
	out := StaffResult{InboundID: inboundID}
	now := p.store.Now()
	err := p.store.InTx(ctx, func(tx *store.Tx) error {
		rec, err := tx.InboundForUpdate(ctx, inboundID)
		if err != nil {
			return err
		}
		out.Previous = Decision(rec.Decision)
		switch out.Previous {
		case DecisionUnmatched, DecisionCorrespondence, DecisionUnverified:
		default:
			return fmt.Errorf("message %d was decided %s: %w", inboundID, rec.Decision, ErrNotLinkable)
		}
		pr, err := p.rebuild(ctx, rec)
		if err != nil {
			return err
		}
		if pr.ParseErr == nil && pr.Class != ClassHuman {
			return fmt.Errorf("message %d is %s, not from a person: %w", inboundID, pr.Class, ErrNotLinkable)
		}
		l, err := link(ctx, tx, pr)
		if err != nil {
			return err
		}
		v := decide(pr, l, rec.ReceivedAt, p.cfg.Auth.Required())
		v.because("decided again by %s (%s)", by.Name, res)
		var senders []string
		var noticed []int64
		switch v.Decision {
		case DecisionResubmission, DecisionLateResubmission:
			senders = append(senders, rec.Sender)
		case DecisionUnverified:
			noticed = append(noticed, v.Link.Filing.ID)
		}
		acks, err := loadAckBudget(ctx, tx, senders, noticed, now)
		if err != nil {
			return err
		}
		f := &Fetched{UID: uint32(rec.UID), Size: rec.Size, Internal: rec.ReceivedAt, Oversize: rec.Oversize, Prepared: pr}
		plan := p.plan(f, v, acks, rec.Mailbox, uint32(rec.UIDValidity), now)
		if plan.Resubmit != nil {
			plan.Resubmit.Details["decided_by_staff"] = by.Name
		}
		plan.Events = append(plan.Events, store.InboundEvent{FilingID: filingID(v), AccountID: accountID(v), Actor: by.Role(),
			ActorName: by.Name, Action: "inbound_" + string(res), At: now,
			Details: map[string]any{"inbound_id": inboundID, "decision": string(v.Decision), "previous": rec.Decision}})
		r, err := tx.ReapplyInbound(ctx, inboundID, plan, store.WorkClosure{By: by.Name, Actor: by.Role(), Resolution: res, At: now})
		if err != nil {
			return err
		}
		if r.Refused != nil {
			v.Decision = DecisionCorrespondence
			v.because("the filing cannot be resubmitted now: %v", r.Refused)
		}
		out.Verdict, out.Ack = v, plan.Message.Ack
		return nil
	})
	return out, err
}

func filingID(v Verdict) int64 {
	if v.Link.Filing != nil {
		return v.Link.Filing.ID
	}
	return 0
}

func accountID(v Verdict) int64 {
	if v.Link.Filing != nil {
		return v.Link.Filing.AccountID
	}
	return 0
}

// rebuild makes a Prepared from a recorded message: from its kept raw bytes
// when there are any (it could not be parsed or applied), else from the
// stored text and headers, with the authentication result found on arrival
// (the headers it was made from are not kept).
func (p *Processor) rebuild(ctx context.Context, rec store.InboundMessage) (*Prepared, error) {
	if len(rec.Raw) > 0 {
		raw, err := DecompressRaw(rec.Raw)
		if err != nil {
			return nil, err
		}
		m, perr := mailparse.ReadMessage(bytes.NewReader(raw), int64(len(raw))+1, mailparse.ParseOptions{})
		if m.MessageID == "" || m.MessageID != rec.MessageID {
			m.MessageID = rec.MessageID // the row is keyed by it
		}
		var r io.Reader
		if p.cfg.Auth.VerifyDKIM {
			r = bytes.NewReader(raw)
		}
		return p.Prepare(ctx, m, perr, r), nil
	}
	var h headerInfo
	_ = json.Unmarshal([]byte(rec.HeaderInfo), &h)
	m := &mailparse.Message{MessageID: rec.MessageID, From: mailparse.Address{Name: h.FromName, Addr: rec.Sender},
		To: h.To, Cc: h.Cc, ReplyTo: h.ReplyTo, Mailer: h.Mailer, Subject: rec.Subject, Text: rec.BodyText,
		InReplyTo: h.InReplyTo, Oversize: rec.Oversize, Size: rec.Size}
	// The stored References end with the message itself.
	if refs := strings.Fields(rec.ThreadRefs); len(refs) > 0 && refs[len(refs)-1] == rec.MessageID {
		m.References = refs[:len(refs)-1]
	}
	_ = json.Unmarshal([]byte(rec.AttachmentInfo), &m.Attachments)
	pr := p.Prepare(ctx, m, nil, nil)
	pr.Class, pr.ClassReason = Classification(rec.Classification), "as recorded"
	pr.Auth = senderauth.Verdict{Result: senderauth.Result(rec.Authenticated), Why: rec.AuthNote}
	return pr, nil
}

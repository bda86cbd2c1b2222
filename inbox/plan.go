package inbox

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/mailparse"
	"example.com/icpdesk/store"
)

// plan turns a decision into what the store writes for the message: the
// record, the stage change with its acknowledgement, the notices, the audit
// events and the work items. It is pure but for the acknowledgement budget,
// which it spends.
func (p *Processor) plan(f *Fetched, v Verdict, acks *ackBudget, mailbox string, uidValidity uint32, now time.Time) store.InboundPlan {
	pr, m := f.Prepared, f.Prepared.Msg
	ack := p.ackFor(v, m, acks)
	acks.spent(v, m, ack)
	rec := p.record(f, v, ack, mailbox, uidValidity, now)
	plan := store.InboundPlan{Message: rec}
	fl := v.Link.Filing
	sender := strings.ToLower(m.From.Addr)
	ref := inboundRef(m, v)
	linked := map[string]any{"linked_by": string(v.Link.Rule), "decision": string(v.Decision), "why": v.Why()}

	switch v.Decision {
	case DecisionResubmission, DecisionLateResubmission:
		details := map[string]any{"linked_by": string(v.Link.Rule), "acts": actNames(v.Acts), "understood": v.Understood, "ack": ack}
		plan.Resubmit = &store.ChangeRequest{Ref: fl.Reference,
			Request:   filing.Request{Action: filing.ActionResubmit, Actor: filing.ActorApplicant, At: v.At},
			ActorName: sender, Inbound: ref, Details: details, NoApplicantEmail: ack != store.AckQueued,
			WorkDetails: map[string]any{"understood": v.Understood}}
		why := "says it was resubmitted, but the filing cannot be resubmitted now"
		plan.Refused = store.InboundDecision{FilingID: fl.ID, LinkedBy: string(v.Link.Rule), Decision: string(DecisionCorrespondence),
			SenderVerified: true, Note: v.Why() + "; " + why, NeedsReply: v.NeedsReply}
	case DecisionUnverified:
		if ack == store.AckQueued {
			plan.Notices = append(plan.Notices, unverifiedNotice(fl, ref, v))
		}
		plan.Events = append(plan.Events, store.InboundEvent{FilingID: fl.ID, AccountID: fl.AccountID, Actor: filing.ActorApplicant,
			ActorName: sender, Action: "email_unverified_sender", At: v.At,
			Details: map[string]any{"linked_by": string(v.Link.Rule), "sender": sender, "ack": ack, "authenticated": string(v.Auth.Result),
				"why": v.Why()}})
	case DecisionCorrespondence:
		plan.Events = append(plan.Events, store.InboundEvent{FilingID: fl.ID, AccountID: fl.AccountID, Actor: filing.ActorApplicant,
			ActorName: sender, Action: "email_received", At: v.At, Details: linked})
	case DecisionBounce:
		if s := v.Link.Replied; s != nil && m.DSN.Failed() {
			plan.Bounce = &store.BounceMark{OutboxID: s.OutboxID, Reason: "bounced: " + m.DSN.Reason()}
			details := map[string]any{"outbox_id": s.OutboxID, "kind": s.Kind, "reason": m.DSN.Reason(), "recipient": s.Recipient}
			item := store.NewWorkItem{Kind: filing.WorkBounce, Cause: filing.WorkCauseOutbox(filing.WorkBounce, s.OutboxID),
				OutboxID: s.OutboxID, AccountID: s.AccountID, FilingID: s.FilingID, Details: details, At: v.At,
				Actor: filing.ActorApplicant, ActorName: "bounce"}
			plan.BounceItem = &item
			if fl != nil {
				plan.BounceEvent = &store.InboundEvent{FilingID: fl.ID, AccountID: fl.AccountID, Actor: filing.ActorApplicant,
					ActorName: "bounce", Action: "email_bounced", At: v.At, Details: details}
			}
		}
	}
	plan.Items = p.workItems(pr, v, rec)
	return plan
}

// workItems are what a message puts in front of staff.
func (p *Processor) workItems(pr *Prepared, v Verdict, rec store.InboundMessage) []store.NewWorkItem {
	var fid, aid int64
	if f := v.Link.Filing; f != nil {
		fid, aid = f.ID, f.AccountID
	}
	item := func(k filing.WorkKind, details map[string]any) store.NewWorkItem {
		// The store names the cause after the message's row.
		return store.NewWorkItem{Kind: k, FilingID: fid, AccountID: aid,
			Details: details, At: v.At, Actor: filing.ActorApplicant, ActorName: rec.Sender}
	}
	var out []store.NewWorkItem
	switch {
	case pr.ParseErr != nil || rec.Error != "":
		out = append(out, item(filing.WorkUnparseable, map[string]any{"error": firstNonEmpty(rec.Error, errString(pr.ParseErr))}))
	case v.Decision == DecisionUnmatched && v.Class == ClassHuman:
		d := map[string]any{"why": v.Why()}
		if len(v.Link.Ambiguous) > 0 {
			d["candidates"] = v.Link.Ambiguous
		}
		out = append(out, item(filing.WorkUnmatched, d))
	case v.Decision == DecisionUnverified:
		out = append(out, item(filing.WorkUnverified, map[string]any{"why": v.Why(), "authenticated": string(v.Auth.Result)}))
	case v.Decision == DecisionBounce && v.Link.Replied == nil:
		// A bounce that acts on nothing (not to one of our bounce
		// addresses): staff check it. The bounce of one of our emails, to
		// its bounce address, opens its item when it marks that email.
		d := map[string]any{"reason": pr.Msg.DSN.Reason(), "why": v.Why()}
		it := item(filing.WorkBounce, d)
		if c := v.Link.Claimed; c != nil {
			d["claimed_outbox_id"], d["recipient"], d["email_kind"] = c.OutboxID, c.Recipient, c.Kind
			it.OutboxID = c.OutboxID
		}
		out = append(out, it)
	}
	if v.Misread {
		out = append(out, item(filing.WorkMisread, map[string]any{"says": v.Asks}))
	} else if v.NeedsReply {
		out = append(out, item(filing.WorkReplyNeeded, map[string]any{"asks": v.Asks}))
	}
	return out
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// maxBodyKept caps the text stored per message.
const maxBodyKept = 64 << 10

// headerInfo is what staff see of a message's header besides sender and
// subject, and what an answer needs to thread.
type headerInfo struct {
	FromName  string   `json:"from_name,omitempty"`
	To        []string `json:"to,omitempty"`
	Cc        []string `json:"cc,omitempty"`
	ReplyTo   string   `json:"reply_to,omitempty"`
	Date      string   `json:"date,omitempty"`
	Mailer    string   `json:"mailer,omitempty"`
	InReplyTo []string `json:"in_reply_to,omitempty"`
}

// record is the row kept of a message.
func (p *Processor) record(f *Fetched, v Verdict, ack, mailbox string, uidValidity uint32, now time.Time) store.InboundMessage {
	pr := f.Prepared
	m := pr.Msg
	rec := store.InboundMessage{
		Mailbox: mailbox, UIDValidity: int64(uidValidity), UID: int64(f.UID), MessageID: m.MessageID,
		Sender: mailparse.TruncateUTF8(strings.ToLower(m.From.Addr), 320), Subject: mailparse.TruncateUTF8(m.Subject, 1000),
		ReceivedAt: v.At, Classification: string(v.Class), Decision: string(v.Decision),
		LinkedBy: string(v.Link.Rule), SenderVerified: v.SenderVerified, Ack: ack,
		Oversize: f.Oversize, Size: f.Size, BodyText: mailparse.TruncateUTF8(m.Text, maxBodyKept), Note: note(v, m), CreatedAt: now,
		OwnText: mailparse.TruncateUTF8(pr.OwnText, maxOwnText), Acts: strings.Join(actNames(v.Acts), ","),
		Authenticated: string(pr.Auth.Result), AuthNote: mailparse.TruncateUTF8(filing.OneLine(pr.Auth.Why), 500),
		NeedsReply: v.NeedsReply, ThreadRefs: strings.Join(threadRefs(m), " "),
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
	if b, err := json.Marshal(m.Attachments); err == nil && len(m.Attachments) > 0 {
		rec.AttachmentInfo = mailparse.TruncateUTF8(string(b), 8000)
	}
	h := headerInfo{FromName: m.From.Name, To: m.To, Cc: m.Cc, ReplyTo: m.ReplyTo, Mailer: m.Mailer, InReplyTo: m.InReplyTo}
	if !m.Date.IsZero() {
		h.Date = m.Date.Format(time.RFC3339)
	}
	if b, err := json.Marshal(h); err == nil {
		rec.HeaderInfo = mailparse.TruncateUTF8(string(b), 4000)
	}
	switch {
	case pr.ParseErr != nil:
		rec.Error = mailparse.TruncateUTF8(filing.OneLine("unparseable: "+pr.ParseErr.Error()), 1000)
	case f.Oversize:
		rec.Error = fmt.Sprintf("message of %d bytes is over the size limit: only its header was read; staff must look at it in the mailbox", f.Size)
	}
	if pr.ParseErr != nil && f.Spool != nil {
		if raw, err := keptRaw(f.Spool); err == nil {
			rec.Raw = raw
		} else {
			p.log.Warn("inbox: could not keep the raw bytes of an unparseable message", "uid", f.UID, "err", err)
		}
	}
	return rec
}

func actNames[A ~string](acts []A) []string {
	out := make([]string, len(acts))
	for i, a := range acts {
		out[i] = string(a)
	}
	return out
}

// note is what staff read about a decision: why, and what could not be read.
func note(v Verdict, m *mailparse.Message) string {
	parts := []string{v.Why()}
	if v.ClassReason != "" && v.Class != ClassHuman {
		parts = append(parts, "classified by "+v.ClassReason)
	}
	if len(m.Problems) > 0 {
		parts = append(parts, "problems: "+strings.Join(m.Problems, "; "))
	}
	return mailparse.TruncateUTF8(filing.OneLine(strings.Join(parts, " | ")), 2000)
}

// ackFor decides what becomes of a message's acknowledgement (or, for an
// unverified sender, of the notice to the account holder). Auto-replies,
// bounces and our own mail never get one (they are never decided into
// one); lists are never answered; a sender gets at most ackLimit an hour;
// a holder hears of mail from elsewhere at most once a day per filing.
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
	case v.Decision != DecisionUnverified && (p.cfg.AckLimitPerHour <= 0 || acks.bySender[strings.ToLower(m.From.Addr)] >= p.cfg.AckLimitPerHour):
		return store.AckRateLimited
	}
	return store.AckQueued
}

// ackBudget is what may still be answered: acknowledgements per sender per
// hour, and one unverified-sender notice per filing per noticeEvery, so
// mail from other addresses cannot flood an account holder.
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

// spent counts an answer made for a message decided v.
func (a *ackBudget) spent(v Verdict, m *mailparse.Message, ack string) {
	if ack != store.AckQueued {
		return
	}
	if v.Decision == DecisionUnverified {
		if v.Link.Filing != nil {
			a.noticed[v.Link.Filing.ID] = true
		}
		return
	}
	a.bySender[strings.ToLower(m.From.Addr)]++
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

// inboundRef is what an email answering m, or an event about it, says of it.
func inboundRef(m *mailparse.Message, v Verdict) *filing.InboundRef {
	return &filing.InboundRef{MessageID: m.MessageID, References: threadRefs(m), From: strings.ToLower(m.From.Addr),
		Subject: m.Subject, ReceivedAt: v.At.UTC(), Understood: v.Understood}
}

// unverifiedNotice tells the holder of f about a message received from
// another address, or from theirs but not authenticated. That sender's
// subject is not relayed, so nobody can make the desk's address carry their
// words.
func unverifiedNotice(f *store.LinkFiling, ref *filing.InboundRef, v Verdict) store.OutboxItem {
	in := *ref
	in.Subject, in.Understood = "", ""
	in.NotAuthenticated = strings.EqualFold(in.From, f.AccountEmail)
	if in.NotAuthenticated {
		// Never call a forged message the holder's own: no sender shown.
		in.From = ""
	}
	lang, _ := filing.ParseLanguage(f.AccountLanguage)
	n := filing.Notice{Kind: filing.EmailUnverifiedSender, Language: lang, To: f.AccountEmail, ToName: f.AccountName,
		At: in.ReceivedAt, Reference: f.Reference, Account: f.AccountEmail, Stage: f.Stage, Inbound: &in}
	// Keyed by message and filing: a staff relink to another filing tells its owner too.
	key := fmt.Sprintf("%s:msg:%s:%s", filing.EmailUnverifiedSender, ref.MessageID, f.Reference)
	return store.OutboxItem{Notice: n, DedupKey: key, FilingID: f.ID, AccountID: f.AccountID}
}

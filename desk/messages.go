package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/inbox"
	"example.com/icpdesk/mailparse"
	"example.com/icpdesk/store"
)

// Message is a received message as staff read it: what it said, how it
// was read and decided, and what was done about it.
type Message struct {
	store.InboundMessage
	// Text is the full text (the stored copy, ID numbers masked).
	Text    string   `json:"text"`
	Acts    []string `json:"acts"`
	Headers struct {
		FromName  string   `json:"from_name,omitempty"`
		To        []string `json:"to,omitempty"`
		Cc        []string `json:"cc,omitempty"`
		ReplyTo   string   `json:"reply_to,omitempty"`
		Date      string   `json:"date,omitempty"`
		Mailer    string   `json:"mailer,omitempty"`
		InReplyTo []string `json:"in_reply_to,omitempty"`
	} `json:"headers"`
	AttachmentList []mailparse.Attachment `json:"attachment_list"`
	// Items are the work items the message opened, open or closed.
	Items []store.WorkItem `json:"items"`
	// Answers are our emails answering it (acknowledgements, staff replies).
	Answers []store.OutboxRow `json:"answers"`
}

// Message reads one received message with its items and answers.
func (s *Service) Message(ctx context.Context, id int64) (Message, error) {
	rec, err := s.store.InboundByID(ctx, id)
	if err != nil {
		return Message{}, err
	}
	m := Message{InboundMessage: rec, Text: rec.BodyText, Acts: []string{}}
	if rec.Acts != "" {
		m.Acts = strings.Split(rec.Acts, ",")
	}
	_ = json.Unmarshal([]byte(rec.HeaderInfo), &m.Headers)
	if rec.AttachmentInfo != "" {
		_ = json.Unmarshal([]byte(rec.AttachmentInfo), &m.AttachmentList)
	} else {
		for _, name := range strings.Split(rec.Attachments, "\n") {
			if name != "" {
				m.AttachmentList = append(m.AttachmentList, mailparse.Attachment{Filename: name})
			}
		}
	}
	if m.Items, err = s.store.ListWorkItems(ctx, store.WorkFilter{InboundID: id, All: true}); err != nil {
		return m, err
	}
	if m.Answers, err = s.store.ListOutbox(ctx, store.OutboxFilter{InboundID: id}); err != nil {
		return m, err
	}
	return m, nil
}

// Reply sends a staff member's answer to a received message, threaded to
// it, and closes its reply_needed and misread items.
func (s *Service) Reply(ctx context.Context, id int64, text string, by store.Actor) (store.OutboxRow, error) {
	return s.store.ReplyToMessage(ctx, store.StaffReply{InboundID: id, Text: text, By: by})
}

// Dismiss closes a received message's open items: it needs nothing (spam,
// a thank-you, a duplicate). A note says why.
func (s *Service) Dismiss(ctx context.Context, id int64, note string, by store.Actor) ([]store.ClosedWorkItem, error) {
	if strings.TrimSpace(note) == "" {
		return nil, inputf("dismissing a message needs a note saying why")
	}
	return s.store.CloseMessageItems(ctx, id, filing.ResolvedDismissed, note, by)
}

// Handled closes a received message's open items: staff dealt with it
// outside icpdesk (by phone, in person).
func (s *Service) Handled(ctx context.Context, id int64, note string, by store.Actor) ([]store.ClosedWorkItem, error) {
	return s.store.CloseMessageItems(ctx, id, filing.ResolvedHandled, note, by)
}

// Link links a received message to a filing by hand and applies what its
// words then mean (a resubmission, correspondence, an unverified-sender
// notice).
func (s *Service) Link(ctx context.Context, id int64, ref string, by store.Actor) (inbox.StaffResult, error) {
	if s.inbox == nil {
		return inbox.StaffResult{}, fmt.Errorf("linking needs the inbox's configuration")
	}
	if _, err := filing.NormalizeReference(ref); err != nil {
		return inbox.StaffResult{}, fmt.Errorf("%w: %w", ErrInput, err)
	}
	return s.inbox.Relink(ctx, id, ref, by)
}

// Reprocess decides a received message again with today's rules and data.
func (s *Service) Reprocess(ctx context.Context, id int64, by store.Actor) (inbox.StaffResult, error) {
	if s.inbox == nil {
		return inbox.StaffResult{}, fmt.Errorf("reprocessing needs the inbox's configuration")
	}
	return s.inbox.Reprocess(ctx, id, by)
}

// Work queue and outbox.

// Queue lists work items (open ones unless f.All), oldest first.
func (s *Service) Queue(ctx context.Context, f store.WorkFilter) ([]store.WorkItem, error) {
	return s.store.ListWorkItems(ctx, f)
}

// QueueCounts counts open items by kind: true totals.
func (s *Service) QueueCounts(ctx context.Context) ([]store.WorkCount, error) {
	return s.store.CountOpenWorkItems(ctx)
}

// Item reads one work item.
func (s *Service) Item(ctx context.Context, id int64) (store.WorkItem, error) {
	return s.store.WorkItemByID(ctx, id)
}

// CloseItem closes one work item as handled, with a note.
func (s *Service) CloseItem(ctx context.Context, id int64, note string, by store.Actor) (store.WorkItem, error) {
	return s.store.CloseWorkItem(ctx, id, filing.ResolvedHandled, note, by)
}

// RetryEmail queues a failed or bounced email again, to the account's
// current address with toCurrent.
func (s *Service) RetryEmail(ctx context.Context, id int64, toCurrent bool, by store.Actor) (store.OutboxRow, error) {
	return s.store.RetryEmail(ctx, id, toCurrent, by)
}

// CancelEmail stops an email for good, with a note.
func (s *Service) CancelEmail(ctx context.Context, id int64, note string, by store.Actor) (store.OutboxRow, error) {
	return s.store.CancelEmail(ctx, id, note, by)
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/inbox"
	"example.com/icpdesk/mailparse"
	"example.com/icpdesk/store"
)

func (a *app) inboxCommand() *cobra.Command {
	return a.group("inbox", "received mail",
		a.inboxInspectCommand(), a.inboxPollCommand(), a.inboxListCommand(), a.inboxLinkCommand())
}

// inspectView is `inbox inspect --json`: these keys exactly.
type inspectView struct {
	Subject        string `json:"subject"`
	Text           string `json:"text"`
	From           string `json:"from"`
	Classification string `json:"classification"`
	Filing         string `json:"filing"`
	LinkedBy       string `json:"linked_by"`
	SenderVerified bool   `json:"sender_verified"`
	Decision       string `json:"decision"`
}

func (a *app) inboxInspectCommand() *cobra.Command {
	var asJSON bool
	c := a.leaf("inspect FILE.eml", "parse, classify and link a message against the database and print the decision; changes nothing (- reads stdin)",
		func(ctx context.Context, args []string) error { return runInboxInspect(ctx, a, args[0], asJSON) })
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func runInboxInspect(ctx context.Context, a *app, path string, asJSON bool) error {
	cfg, err := a.config()
	if err != nil {
		return err
	}
	var r io.Reader = a.stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	m, parseErr := inbox.ReadMessage(r, int64(cfg.IMAP.MaxMessageSize), mailparse.ParseOptions{})
	var pe *mailparse.PanicError
	if errors.As(parseErr, &pe) {
		return parseErr
	}
	s, err := a.db(ctx)
	if err != nil {
		return err
	}
	proc := inbox.NewProcessor(s, inbox.OwnFromConfig(cfg), cfg.IMAP.AckLimitPerHour, nil)
	v, err := proc.Inspect(ctx, m, parseErr, s.Now())
	if err != nil {
		return err
	}
	view := inspectView{Subject: m.Subject, Text: m.Text, From: strings.ToLower(m.From.Addr), Classification: string(v.Class),
		LinkedBy: string(v.Link.Rule), SenderVerified: v.SenderVerified, Decision: string(v.Decision)}
	if v.Link.Filing != nil {
		view.Filing = v.Link.Filing.Reference
	}
	if asJSON {
		return writeJSON(a.stdout, view)
	}
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("Message-ID:      <%s>", m.MessageID)
	if m.SyntheticID {
		p(" (none in the message: made from its bytes)")
	}
	p("\nFrom:            %s", view.From)
	if m.From.Name != "" {
		p(" (%s)", m.From.Name)
	}
	p("\nSubject:         %s\n", view.Subject)
	p("Classification:  %s", view.Classification)
	if v.ClassReason != "" {
		p(" (%s)", v.ClassReason)
	}
	p("\nFiling:          %s", orDash(view.Filing))
	if view.LinkedBy != "" {
		p(" (linked by %s)", view.LinkedBy)
	}
	p("\nSender verified: %v\n", view.SenderVerified)
	p("Decision:        %s — %s\n", view.Decision, v.Why)
	if parseErr != nil {
		p("Parse error:     %v\n", parseErr)
	}
	for _, att := range m.Attachments {
		p("Attachment:      %s (%s)\n", orDash(att.Filename), att.ContentType)
	}
	for _, pr := range m.Problems {
		p("Problem:         %s\n", pr)
	}
	text := m.Text
	if lines := strings.Split(text, "\n"); len(lines) > 40 {
		text = strings.Join(lines[:40], "\n") + "\n…"
	}
	if m.TextIsHTML {
		p("\nText (from HTML):\n%s\n", text)
	} else {
		p("\nText:\n%s\n", text)
	}
	_, err = io.WriteString(a.stdout, b.String())
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (a *app) inboxPollCommand() *cobra.Command {
	return a.leaf("poll", "record the desk mailbox's waiting mail once, then exit",
		func(ctx context.Context, _ []string) error { return runInboxPoll(ctx, a) })
}

func runInboxPoll(ctx context.Context, a *app) error {
	cfg, err := a.config()
	if err != nil {
		return err
	}
	wcfg, err := inbox.FromConfig(cfg)
	if err != nil {
		return err
	}
	log, err := a.logger()
	if err != nil {
		return err
	}
	s, err := a.db(ctx)
	if err != nil {
		return err
	}
	w, err := inbox.NewWatcher(s, wcfg, inbox.WithLogger(log))
	if err != nil {
		return err
	}
	sum, err := w.PollOnce(ctx)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("%s: %d waiting, %d recorded, %d already recorded, %d moved to %s", wcfg.Mailbox,
		sum.Found, sum.Recorded, sum.Duplicates, sum.Moved, wcfg.ProcessedMailbox)
	if sum.Rescan {
		msg += " (UIDVALIDITY changed: the mailbox was rescanned)"
	}
	fmt.Fprintln(a.stdout, msg)
	for _, d := range []inbox.Decision{inbox.DecisionResubmission, inbox.DecisionLateResubmission, inbox.DecisionCorrespondence,
		inbox.DecisionUnverified, inbox.DecisionUnmatched, inbox.DecisionIgnored, inbox.DecisionBounce} {
		if n := sum.ByDecision[d]; n > 0 {
			fmt.Fprintf(a.stdout, "  %-18s %d\n", d, n)
		}
	}
	if sum.Unparseable > 0 {
		fmt.Fprintf(a.stdout, "  %d could not be parsed: kept with their raw bytes, see `icpdesk inbox list --unlinked`\n", sum.Unparseable)
	}
	return nil
}

// inboxListFlags are `inbox list`'s flags.
type inboxListFlags struct {
	asJSON, unlinked bool
	limit            int
}

func (a *app) inboxListCommand() *cobra.Command {
	var lf inboxListFlags
	c := a.leaf("list", "list received messages and what was decided", func(ctx context.Context, _ []string) error { return runInboxList(ctx, a, lf) })
	c.Flags().BoolVar(&lf.asJSON, "json", false, "print JSON")
	c.Flags().BoolVar(&lf.unlinked, "unlinked", false, "only messages waiting for staff: no filing, or several")
	c.Flags().IntVar(&lf.limit, "limit", 200, "at most `N` messages, newest first (0: all)")
	return c
}

func runInboxList(ctx context.Context, a *app, lf inboxListFlags) error {
	if lf.limit < 0 {
		return usagef("--limit must not be negative")
	}
	s, err := a.db(ctx)
	if err != nil {
		return err
	}
	rows, err := s.ListInbound(ctx, store.InboundFilter{Unlinked: lf.unlinked, Limit: lf.limit})
	if err != nil {
		return err
	}
	if lf.asJSON {
		if rows == nil {
			rows = []store.InboundMessage{}
		}
		return writeJSON(a.stdout, rows)
	}
	loc := s.Policy().Location
	var t table
	t.add("ID", "RECEIVED", "FROM", "CLASS", "DECISION", "FILING", "LINKED BY", "FLAGS", "SUBJECT")
	for _, r := range rows {
		var flags []string
		if r.Error != "" {
			flags = append(flags, "error")
		}
		if r.Oversize {
			flags = append(flags, "oversize")
		}
		if r.Ack != "" {
			flags = append(flags, "ack:"+r.Ack)
		}
		if r.MovedAt == nil {
			flags = append(flags, "not-moved")
		}
		subject := []rune(r.Subject)
		if len(subject) > 40 {
			subject = append(subject[:40], '…')
		}
		t.add(fmt.Sprint(r.ID), localTime(r.ReceivedAt, loc), r.Sender, r.Classification, r.Decision, r.FilingRef,
			r.LinkedBy, strings.Join(flags, ","), string(subject))
	}
	return t.write(a.stdout)
}

func (a *app) inboxLinkCommand() *cobra.Command {
	return a.leaf("link MESSAGE FILING-REF", "link a received message (id or Message-ID) to a filing and apply its decision",
		func(ctx context.Context, args []string) error { return runInboxLink(ctx, a, args[0], args[1]) })
}

func runInboxLink(ctx context.Context, a *app, message, filingRef string) error {
	ref, err := filing.NormalizeReference(filingRef)
	if err != nil {
		return usagef("%v", err)
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	s, err := a.db(ctx)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(message, 10, 64)
	if err != nil {
		// A Message-ID, with or without its angle brackets.
		if id, err = s.InboundIDByMessageID(ctx, strings.Trim(strings.TrimSpace(message), "<>")); err != nil {
			return err
		}
	}
	proc := inbox.NewProcessor(s, inbox.OwnFromConfig(cfg), cfg.IMAP.AckLimitPerHour, nil)
	res, err := proc.LinkByStaff(ctx, id, ref, a.staffName())
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("message %d linked to %s: %s", id, ref, res.Verdict.Decision)
	switch res.Verdict.Decision {
	case inbox.DecisionResubmission, inbox.DecisionLateResubmission:
		msg += "; the filing is back in provider review"
	case inbox.DecisionUnverified:
		msg += "; the sender is not the account's registered address"
	}
	switch res.Ack {
	case store.AckQueued:
		msg += "; 1 email queued"
	case store.AckRateLimited:
		msg += "; no email (the sender's hourly limit is reached)"
	}
	fmt.Fprintln(a.stdout, msg)
	return nil
}

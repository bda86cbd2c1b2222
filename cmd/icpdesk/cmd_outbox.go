package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"example.com/icpdesk/mailer"
	"example.com/icpdesk/store"
)

func (a *app) outboxCommand() *cobra.Command {
	return a.group("outbox", "the emails icpdesk sends", a.outboxListCommand(), a.outboxSendCommand(), a.outboxRetryCommand(),
		a.outboxCancelCommand())
}

// outboxListFlags are `outbox list`'s flags.
type outboxListFlags struct {
	asJSON         bool
	status, filing string
	limit          int
}

func (a *app) outboxListCommand() *cobra.Command {
	var lf outboxListFlags
	c := a.leaf("list", "list queued and sent emails with their dedup keys",
		func(ctx context.Context, _ []string) error { return runOutboxList(ctx, a, lf) })
	c.Flags().BoolVar(&lf.asJSON, "json", false, "print JSON")
	c.Flags().StringVar(&lf.status, "status", "", "only emails in this `STATUS`: queued, sending, sent, failed, bounced, cancelled")
	c.Flags().StringVar(&lf.filing, "filing", "", "only emails about the filing `REF`")
	c.Flags().IntVar(&lf.limit, "limit", 200, "at most `N` emails, newest first (0: all)")
	completeWords(c, "status", store.OutboxQueued, store.OutboxSending, store.OutboxSent, store.OutboxFailed, store.OutboxBounced, store.OutboxCancelled)
	return c
}

func runOutboxList(ctx context.Context, a *app, lf outboxListFlags) error {
	switch lf.status {
	case "", store.OutboxQueued, store.OutboxSending, store.OutboxSent, store.OutboxFailed, store.OutboxBounced, store.OutboxCancelled:
	default:
		return usagef("--status %q: want queued, sending, sent, failed, bounced or cancelled", lf.status)
	}
	if lf.limit < 0 {
		return usagef("--limit must not be negative")
	}
	s, err := a.db(ctx)
	if err != nil {
		return err
	}
	rows, err := s.ListOutbox(ctx, store.OutboxFilter{Status: lf.status, FilingRef: lf.filing, Limit: lf.limit})
	if err != nil {
		return err
	}
	if lf.asJSON {
		if rows == nil {
			rows = []store.OutboxRow{}
		}
		return writeJSON(a.stdout, rows)
	}
	loc := s.Policy().Location
	var t table
	t.add("ID", "STATUS", "KIND", "TO", "FILING", "ATTEMPTS", "NEXT ATTEMPT", "DEDUP KEY")
	for _, r := range rows {
		next := ""
		if r.Status == store.OutboxQueued {
			next = localTime(r.NextAttemptAt, loc)
		}
		t.add(fmt.Sprint(r.ID), r.Status, r.Kind, r.Recipient, r.Reference, fmt.Sprint(r.Attempts), next, r.DedupKey)
	}
	return t.write(a.stdout)
}

func (a *app) outboxSendCommand() *cobra.Command {
	return a.leaf("send", "send every email due now, print a summary and exit",
		func(ctx context.Context, _ []string) error { return runOutboxSend(ctx, a) })
}

func runOutboxSend(ctx context.Context, a *app) error {
	svc, s, err := a.newMailer(ctx)
	if err != nil {
		return err
	}
	// Without a daemon there is no janitor: put back claims a crashed run
	// left behind (only expired ones, so never another sender's).
	if _, err := s.RequeueExpiredLeases(ctx, time.Now()); err != nil {
		return err
	}
	sum, err := svc.DrainOnce(ctx)
	loc := s.Policy().Location
	line := fmt.Sprintf("sent %d, retried %d, failed %d", sum.Sent, sum.Retried, sum.Failed)
	if sum.Released > 0 {
		line += fmt.Sprintf(", %d left for later", sum.Released)
	}
	if !sum.NextAttempt.IsZero() {
		line += ", next attempt " + localTime(sum.NextAttempt, loc)
	}
	fmt.Fprintln(a.stdout, line)
	if errors.Is(err, mailer.ErrUnreachable) {
		// One line: what is wrong and that nothing is lost.
		msg := strings.ReplaceAll(err.Error(), "\n", "; ")
		if sum.Retried > 0 {
			msg += fmt.Sprintf("; %d email(s) stay queued, next attempt %s", sum.Retried, localTime(sum.NextAttempt, loc))
		}
		return errors.New(msg)
	}
	return err
}

func (a *app) outboxRetryCommand() *cobra.Command {
	var toCurrent bool
	c := a.leaf("retry ID [--to-current-address]", "queue a failed or bounced email again, due now; closes its work item",
		func(ctx context.Context, args []string) error { return runOutboxRetry(ctx, a, args[0], toCurrent) })
	c.Flags().BoolVar(&toCurrent, "to-current-address", false, "send it to the account's current address (after `account set-email`)")
	return c
}

func outboxID(arg string) (int64, error) {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id <= 0 {
		return 0, usagef("ID %q: want the number `icpdesk outbox list` shows", arg)
	}
	return id, nil
}

func runOutboxRetry(ctx context.Context, a *app, arg string, toCurrent bool) error {
	id, err := outboxID(arg)
	if err != nil {
		return err
	}
	d, err := a.desk(ctx)
	if err != nil {
		return err
	}
	r, err := d.RetryEmail(ctx, id, toCurrent, a.staff())
	if err != nil {
		return err
	}
	about := ""
	if r.Reference != "" {
		about = ", filing " + r.Reference
	}
	fmt.Fprintf(a.stdout, "email %d (%s to %s%s) queued again; `icpdesk outbox send` or the running daemon sends it\n",
		r.ID, r.Kind, r.Recipient, about)
	return nil
}

func (a *app) outboxCancelCommand() *cobra.Command {
	var note string
	c := a.leaf("cancel ID --note TEXT", "stop a queued, failed or bounced email for good; closes its work item",
		func(ctx context.Context, args []string) error {
			id, err := outboxID(args[0])
			if err != nil {
				return err
			}
			if strings.TrimSpace(note) == "" {
				return usagef("--note is required: say why it will not be sent")
			}
			d, err := a.desk(ctx)
			if err != nil {
				return err
			}
			r, err := d.CancelEmail(ctx, id, note, a.staff())
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "email %d (%s to %s) cancelled\n", r.ID, r.Kind, r.Recipient)
			return nil
		})
	c.Flags().StringVar(&note, "note", "", "why it will not be sent, `TEXT` (required)")
	return c
}

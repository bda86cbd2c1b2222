package main

import (
	"context"
	"fmt"

	"example.com/icpdesk/store"
)

func init() {
	register(&command{name: "outbox list", args: "[--status S] [--filing REF] [--limit N] [--json]", summary: "list queued and sent emails", run: runOutboxList})
}

func runOutboxList(ctx context.Context, a *app, args []string) error {
	fs := a.flags(commands["outbox list"])
	asJSON := fs.Bool("json", false, "print JSON")
	status := fs.String("status", "", "only rows in this status: queued, sending, sent, failed, bounced")
	ref := fs.String("filing", "", "only emails about this filing")
	limit := fs.Int("limit", 200, "at most this many rows, newest first (0: all)")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	switch *status {
	case "", store.OutboxQueued, store.OutboxSending, store.OutboxSent, store.OutboxFailed, store.OutboxBounced:
	default:
		return usagef("--status %q: want queued, sending, sent, failed or bounced", *status)
	}
	if *limit < 0 {
		return usagef("--limit must not be negative")
	}
	s, err := a.db(ctx)
	if err != nil {
		return err
	}
	rows, err := s.ListOutbox(ctx, store.OutboxFilter{Status: *status, FilingRef: *ref, Limit: *limit})
	if err != nil {
		return err
	}
	if *asJSON {
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

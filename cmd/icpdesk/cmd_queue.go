package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/store"
)

func (a *app) queueCommand() *cobra.Command {
	return a.group("queue", "the staff work queue: what icpdesk could not settle alone",
		a.queueListCommand(), a.queueShowCommand(), a.queueCloseCommand())
}

// queueListFlags are `queue list`'s flags.
type queueListFlags struct {
	kind   string
	all    bool
	asJSON bool
	limit  int
}

// queueList is `queue list --json`: the items and the true totals.
type queueList struct {
	Counts []store.WorkCount `json:"counts"`
	Items  []store.WorkItem  `json:"items"`
}

func (a *app) queueListCommand() *cobra.Command {
	var f queueListFlags
	c := a.leaf("list [--kind KIND] [--all]", "list open work items, oldest first, with their age and true totals by kind",
		func(ctx context.Context, _ []string) error { return runQueueList(ctx, a, f) })
	c.Flags().StringVar(&f.kind, "kind", "", "only items of this `KIND`: "+workKindNames())
	c.Flags().BoolVar(&f.all, "all", false, "closed items too")
	c.Flags().BoolVar(&f.asJSON, "json", false, "print JSON")
	c.Flags().IntVar(&f.limit, "limit", 200, "at most `N` items")
	kinds := make([]string, len(filing.WorkKinds))
	for i, k := range filing.WorkKinds {
		kinds[i] = string(k)
	}
	completeWords(c, "kind", kinds...)
	return c
}

func workKindNames() string {
	names := make([]string, len(filing.WorkKinds))
	for i, k := range filing.WorkKinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

func runQueueList(ctx context.Context, a *app, f queueListFlags) error {
	wf := store.WorkFilter{All: f.all, Limit: f.limit}
	if f.limit < 1 {
		return usagef("--limit must be at least 1")
	}
	if f.kind != "" {
		k, err := filing.ParseWorkKind(f.kind)
		if err != nil {
			return usagef("--kind: %v", err)
		}
		wf.Kind = k
	}
	d, err := a.desk(ctx)
	if err != nil {
		return err
	}
	items, err := d.Queue(ctx, wf)
	if err != nil {
		return err
	}
	counts, err := d.QueueCounts(ctx)
	if err != nil {
		return err
	}
	if f.asJSON {
		if items == nil {
			items = []store.WorkItem{}
		}
		if counts == nil {
			counts = []store.WorkCount{}
		}
		return writeJSON(a.stdout, queueList{Counts: counts, Items: items})
	}
	now := d.Store().Now()
	loc := d.Store().Policy().Location
	total := 0
	var parts []string
	for _, c := range counts {
		total += c.Open
		parts = append(parts, fmt.Sprintf("%s %d", c.Kind, c.Open))
	}
	fmt.Fprintf(a.stdout, "%d open: %s\n", total, orDash(strings.Join(parts, ", ")))
	if len(items) == 0 {
		return nil
	}
	var t table
	t.add("ID", "KIND", "WAITING", "FILING", "ABOUT", "STATE")
	for _, w := range items {
		state := "open"
		if !w.Open() {
			state = w.Resolution + " by " + w.ClosedBy
		}
		t.add(fmt.Sprint(w.ID), string(w.Kind), age(now.Sub(w.OpenedAt)), w.FilingRef, clip(itemAbout(w, loc, now), 60), state)
	}
	return t.write(a.stdout)
}

// itemAbout says in a few words what an item is about.
func itemAbout(w store.WorkItem, loc *time.Location, now time.Time) string {
	var details struct {
		Asks   string `json:"asks"`
		Says   string `json:"says"`
		Why    string `json:"why"`
		Reason string `json:"reason"`
		Error  string `json:"error"`
	}
	_ = json.Unmarshal(w.Details, &details)
	switch {
	case w.Kind == filing.WorkOverdue && w.Deadline != nil:
		return "deadline " + localTime(*w.Deadline, loc) + " (" + age(now.Sub(*w.Deadline)) + " ago)"
	case w.Kind == filing.WorkEmailFailed || w.Kind == filing.WorkBounce:
		reason, status := filing.ClassifyFailure(firstNonEmptyString(w.LastError, details.Reason))
		return strings.TrimSpace(fmt.Sprintf("%s %s to %s: %s %s", w.EmailKind, "email", filing.MaskEmail(w.Recipient), reason.Label(filing.LangEnglish), status))
	case details.Asks != "":
		return filing.MaskEmail(w.Sender) + ": " + details.Asks
	case details.Says != "":
		return filing.MaskEmail(w.Sender) + ": " + details.Says
	case w.Subject != "":
		return filing.MaskEmail(w.Sender) + ": " + w.Subject
	}
	return firstNonEmptyString(details.Why, details.Error)
}

func firstNonEmptyString(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// age is a duration as staff read a waiting time: 5m, 3h, 2d.
func age(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	default:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
}

func (a *app) queueShowCommand() *cobra.Command {
	var asJSON bool
	c := a.leaf("show ID", "show a work item: what it is about, the raw error of a failed email, who closed it and how",
		func(ctx context.Context, args []string) error { return runQueueShow(ctx, a, args[0], asJSON) })
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func runQueueShow(ctx context.Context, a *app, arg string, asJSON bool) error {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil {
		return usagef("work item %q: want its number", arg)
	}
	d, err := a.desk(ctx)
	if err != nil {
		return err
	}
	w, err := d.Item(ctx, id)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(a.stdout, w)
	}
	loc := d.Store().Policy().Location
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("Work item #%d: %s (%s)\n", w.ID, w.Kind, w.Kind.Label(filing.LangChinese))
	p("Opened:     %s (%s ago)\n", localTime(w.OpenedAt, loc), age(d.Store().Now().Sub(w.OpenedAt)))
	if w.FilingRef != "" {
		p("Filing:     %s (%s)", w.FilingRef, w.Stage)
		if w.Deadline != nil {
			p(", deadline %s", localTime(*w.Deadline, loc))
		}
		p("\n")
	}
	if w.InboundID != nil {
		p("Message:    %d from %s: %s  (icpdesk inbox show %d)\n", *w.InboundID, w.Sender, w.Subject, *w.InboundID)
	}
	if w.OutboxID != nil {
		p("Email:      %d %s to %s  (icpdesk outbox retry|cancel %d)\n", *w.OutboxID, w.EmailKind, w.Recipient, *w.OutboxID)
		if w.LastError != "" {
			reason, status := filing.ClassifyFailure(w.LastError)
			p("Failure:    %s %s\n", reason.Label(filing.LangEnglish), status)
			p("Server:     %s\n", w.LastError)
		}
	}
	var details map[string]any
	if json.Unmarshal(w.Details, &details) == nil && len(details) > 0 {
		p("Details:\n")
		for _, k := range slices.Sorted(maps.Keys(details)) {
			v, isText := details[k].(string)
			if !isText {
				raw, _ := json.Marshal(details[k])
				v = string(raw)
			}
			p("  %-13s %s\n", k+":", v)
		}
	}
	if w.Open() {
		p("State:      open\n")
	} else {
		p("State:      closed %s by %s: %s", localTime(*w.ClosedAt, loc), w.ClosedBy, w.Resolution)
		if w.Note != "" {
			p(" (%s)", w.Note)
		}
		p("\n")
	}
	_, err = io.WriteString(a.stdout, b.String())
	return err
}

func (a *app) queueCloseCommand() *cobra.Command {
	var note string
	c := a.leaf("close ID --note TEXT", "close a work item you dealt with outside icpdesk (the actions that resolve an item close it themselves)",
		func(ctx context.Context, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return usagef("work item %q: want its number", args[0])
			}
			if strings.TrimSpace(note) == "" {
				return usagef("--note is required: say what was done")
			}
			d, err := a.desk(ctx)
			if err != nil {
				return err
			}
			w, err := d.CloseItem(ctx, id, note, a.staff())
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "work item #%d (%s) closed\n", w.ID, w.Kind)
			return nil
		})
	c.Flags().StringVar(&note, "note", "", "what was done, `TEXT` (required)")
	return c
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"example.com/icpdesk/config"
	"example.com/icpdesk/filing"
	"example.com/icpdesk/store"
)

// result is what a run came to.
type result struct {
	kills    int
	took     time.Duration // from the last restart to settled (or to giving up)
	timedOut bool

	injected, recorded, unmoved     int // inbound messages
	inInbox, inProcessed            uint32
	missingInbound                  []string
	transitions, transitionsTwice   int
	resubmissions, filings          int
	wrongStage                      []string
	emails, sent, notSent           int
	deliveries, delivered           int // delivery lines; emails delivered at least once
	duplicates                      int
	undelivered                     []string
	badEnvelope                     int // deliveries without their email's own bounce token
	jobRuns, jobTicks, jobRunsTwice int
}

// complete reports whether everything has happened that should.
func (r *result) complete() bool {
	return r.recorded == r.injected && r.unmoved == 0 && r.inInbox == 0 && int(r.inProcessed) == r.injected &&
		r.resubmissions == r.filings && r.sent == r.emails && len(r.undelivered) == 0
}

// problems lists the checks that failed.
func (r *result) problems() []string {
	var p []string
	bad := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	if r.timedOut {
		bad("not settled %v after the last restart", settleWithin)
	}
	if r.recorded != r.injected || len(r.missingInbound) > 0 {
		bad("%d of %d inbound messages recorded (missing e.g. %v)", r.recorded, r.injected, first(r.missingInbound))
	}
	if r.unmoved > 0 || r.inInbox > 0 || int(r.inProcessed) != r.injected {
		bad("%d recorded messages not moved, %d left in INBOX, %d in %s", r.unmoved, r.inInbox, r.inProcessed, processed)
	}
	if r.transitionsTwice > 0 || r.resubmissions != r.filings || len(r.wrongStage) > 0 {
		bad("%d transitions happened twice; %d resubmissions for %d filings; wrong stage: %v", r.transitionsTwice, r.resubmissions, r.filings, first(r.wrongStage))
	}
	if r.sent != r.emails || len(r.undelivered) > 0 {
		bad("%d of %d emails sent, %d never delivered (e.g. %v)", r.sent, r.emails, len(r.undelivered), first(r.undelivered))
	}
	if r.duplicates > r.kills {
		bad("%d duplicate deliveries for %d kills", r.duplicates, r.kills)
	}
	if r.badEnvelope > 0 {
		bad("%d deliveries without their email's bounce token in MAIL FROM", r.badEnvelope)
	}
	if r.jobRunsTwice > 0 {
		bad("%d job ticks ran twice", r.jobRunsTwice)
	}
	return p
}

func first(s []string) []string { return s[:min(len(s), 3)] }

func (r *result) print() {
	fmt.Printf("chaos: kills: %d; settled %.1fs after the last restart (limit %v)%s\n", r.kills, r.took.Seconds(), settleWithin, map[bool]string{true: " — NOT SETTLED"}[r.timedOut])
	fmt.Printf("chaos: inbound: %d appended, %d recorded once (0 twice: unique), %d not moved; INBOX %d, %s %d\n",
		r.injected, r.recorded, r.unmoved, r.inInbox, processed, r.inProcessed)
	fmt.Printf("chaos: transitions: %d recorded, %d twice; %d resubmissions for %d filings answered\n",
		r.transitions, r.transitionsTwice, r.resubmissions, r.filings)
	fmt.Printf("chaos: emails: %d queued, %d sent, %d not sent; %d deliveries, %d emails delivered, %d duplicates (at most %d allowed), %d without their bounce token\n",
		r.emails, r.sent, r.notSent, r.deliveries, r.delivered, r.duplicates, r.kills, r.badEnvelope)
	fmt.Printf("chaos: claims left: %d; job runs: %d for %d ticks, %d ticks run twice\n", r.notSent, r.jobRuns, r.jobTicks, r.jobRunsTwice)
}

// measure counts what the database, the mailbox and the SMTP sink say now.
func measure(ctx context.Context, w *world, o options) (*result, error) {
	r := &result{injected: len(w.injected), filings: len(w.filings)}

	in, err := w.st.ListInbound(ctx, store.InboundFilter{})
	if err != nil {
		return r, err
	}
	byID := map[string]bool{}
	for _, m := range in {
		byID[m.MessageID] = true
		if m.MovedAt == nil {
			r.unmoved++
		}
	}
	for _, id := range w.injected {
		if byID[id] {
			r.recorded++
		} else {
			r.missingInbound = append(r.missingInbound, id)
		}
	}
	if r.inInbox, r.inProcessed, err = w.mb.counts(); err != nil {
		return r, err
	}

	for _, ref := range w.filings {
		d, err := w.st.FilingByRef(ctx, ref)
		if err != nil {
			return r, err
		}
		if d.Filing.Stage != filing.StageProviderReview {
			r.wrongStage = append(r.wrongStage, ref+" "+string(d.Filing.Stage))
		}
		events, err := w.st.FilingEvents(ctx, d.Filing.ID)
		if err != nil {
			return r, err
		}
		seen := map[string]int{}
		for _, e := range events {
			if e.To == "" || e.From == e.To {
				continue // not a stage change
			}
			r.transitions++
			if seen[e.Action]++; seen[e.Action] == 2 {
				r.transitionsTwice++
			}
			if e.Action == string(filing.ActionResubmit) {
				r.resubmissions++
			}
		}
	}

	deliveries, err := readDeliveries(o.sinkLog)
	if err != nil {
		return r, err
	}
	r.deliveries = len(deliveries)
	times := map[string]int{}
	envelope := map[string]string{}
	for _, d := range deliveries {
		times[d.MessageID]++
		envelope[d.MessageID] = d.From
	}
	rows, err := w.st.ListOutbox(ctx, store.OutboxFilter{})
	if err != nil {
		return r, err
	}
	r.emails = len(rows)
	for _, row := range rows {
		if row.Status == store.OutboxSent {
			r.sent++
		} else {
			r.notSent++
		}
		n := times[row.MessageID]
		if n == 0 {
			r.undelivered = append(r.undelivered, fmt.Sprintf("#%d %s %s", row.ID, row.Kind, row.Status))
			continue
		}
		r.delivered++
		r.duplicates += n - 1
		token, ok := config.BounceToken("bounces+{token}@example.cn", envelope[row.MessageID])
		if !ok {
			r.badEnvelope++
			continue
		}
		if got, found, err := w.st.OutboxByBounceToken(ctx, token); err != nil || !found || got.ID != row.ID {
			r.badEnvelope++
		}
	}

	for _, job := range []string{"deadline-sweep", "reminders", "digest", "outbox-janitor"} {
		runs, err := w.st.JobRuns(ctx, job, 1_000_000)
		if err != nil {
			return r, err
		}
		ticks := map[time.Time]int{}
		for _, run := range runs {
			if run.Tick == nil {
				continue
			}
			r.jobRuns++
			if ticks[run.Tick.UTC()]++; ticks[run.Tick.UTC()] == 2 {
				r.jobRunsTwice++
			}
		}
		r.jobTicks += len(ticks)
	}
	return r, nil
}

type delivery struct {
	From      string   `json:"from"`
	To        []string `json:"to"`
	MessageID string   `json:"message_id"`
}

func readDeliveries(path string) ([]delivery, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []delivery
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var d delivery
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, d)
	}
	return out, sc.Err()
}

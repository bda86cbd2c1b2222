package api

import (
	"context"
	"time"

	"example.com/icpdesk/store"
)

// eventsPage is one answer of the events feed. Next is the cursor to ask
// with next time: the last event's, or the one asked with when none came.
type eventsPage struct {
	Events []store.FeedEvent `json:"events"`
	Next   string            `json:"next"`
}

// events serves GET /events?after=CURSOR&wait=30s&limit=N: the events
// committed after the cursor, in commit order, waiting up to wait for one
// when there is none. after=end starts at the end of the feed (what happens
// from now on).
func (a *API) events(ctx context.Context, c *call) (reply, error) {
	q := c.r.URL.Query()
	var after store.FeedCursor
	var err error
	if s := q.Get("after"); s == "end" {
		if after, err = a.st.FeedEnd(ctx); err != nil {
			return reply{}, err
		}
	} else if after, err = store.ParseFeedCursor(s); err != nil {
		return reply{}, badParam("after", "after must be a cursor the feed returned (its next), 0 or end")
	}
	var wait time.Duration
	if s := q.Get("wait"); s != "" {
		if wait, err = time.ParseDuration(s); err != nil || wait < 0 || wait > a.opts.MaxWait {
			return reply{}, badParam("wait", "wait must be a duration from 0s to "+a.opts.MaxWait.String()+", like 30s")
		}
	}
	limit, err := intParam(q.Get("limit"), "limit", 100, 1, 1000)
	if err != nil {
		return reply{}, err
	}
	deadline := time.Now().Add(wait)
	for {
		// Take the wake-up channel before reading, so a commit between the
		// read and the wait is not missed.
		woke := a.st.EventsWait()
		evs, err := a.st.FeedEvents(ctx, after, limit)
		if err != nil {
			return reply{}, err
		}
		left := time.Until(deadline)
		select {
		case <-a.drain:
			left = 0
		default:
		}
		if len(evs) > 0 || left <= 0 {
			next := after.String()
			if len(evs) > 0 {
				next = evs[len(evs)-1].Cursor
			} else {
				evs = []store.FeedEvent{}
			}
			return ok(eventsPage{Events: evs, Next: next})
		}
		t := time.NewTimer(min(left, store.EventsPoll))
		select {
		case <-ctx.Done():
			t.Stop()
			return reply{}, ctx.Err()
		case <-woke:
		case <-a.drain:
		case <-t.C:
		}
		t.Stop()
	}
}

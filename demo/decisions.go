package demo

import (
	"context"
	"strings"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/store"
)

// PrintDecisions prints, until ctx ends, each message the desk records
// after the ones already there: who wrote, what icpdesk decided and why, so
// a newcomer who mails the demo sees it act without reading the log.
func (d *Demo) PrintDecisions(ctx context.Context) {
	var last int64
	if ms, err := d.Store.ListInbound(ctx, store.InboundFilter{Limit: 1}); err == nil && len(ms) > 0 {
		last = ms[0].ID
	}
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		ms, err := d.Store.ListInbound(ctx, store.InboundFilter{Limit: 50})
		if err != nil {
			continue // the next tick tries again; the log has the error
		}
		for i := len(ms) - 1; i >= 0; i-- {
			m := ms[i]
			if m.ID <= last {
				continue
			}
			last = m.ID
			on := ""
			if m.FilingRef != "" {
				on = " on " + m.FilingRef
			}
			d.say("live: mail from %s “%s”: %s%s", filing.MaskEmail(m.Sender), m.Subject, m.Decision, on)
			for _, why := range strings.Split(m.Note, "\n") {
				if why = strings.TrimSpace(why); why != "" {
					d.detail("%s", why)
				}
			}
		}
	}
}

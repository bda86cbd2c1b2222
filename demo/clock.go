package demo

import (
	"sync"
	"time"
)

// Clock is the demo's time: real time shifted by an offset, so the story
// can jump past a deadline and everything after it — the jobs, the
// mailer, the store, the mail server's arrival times, and so the inbox's
// decisions on live mail — happens on the moved clock.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is the demo's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Set moves the clock to t; it runs on from there.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = time.Until(t)
}

// Package throttle slows down repeated failures — wrong passwords, wrong API
// tokens — per key (an account, a client address), so guessing is slow
// while a person who mistypes once is not held up.
//
// The state is in memory, per process: each replica slows guessing down on
// its own, which bounds the rate at replicas × the allowed rate. It holds at
// most MaxKeys keys; the oldest are forgotten first.
package throttle

import (
	"container/list"
	"sync"
	"time"
)

// Limiter counts failures per key. The zero value is not usable; use New.
type Limiter struct {
	// Free failures pass without delay; after them each failure doubles
	// the wait, from Base up to Max. A success clears the key, and a key
	// without failures for Forget is forgotten.
	Free      int
	Base, Max time.Duration
	Forget    time.Duration
	MaxKeys   int
	now       func() time.Time

	mu    sync.Mutex
	keys  map[string]*list.Element
	order *list.List // front: most recently failed
}

type entry struct {
	key      string
	failures int
	last     time.Time
	until    time.Time
}

// New returns a limiter allowing free failures per key before it slows
// down: waits from base doubling to max; a key is forgotten after forget.
func New(free int, base, max, forget time.Duration) *Limiter {
	return &Limiter{Free: free, Base: base, Max: max, Forget: forget, MaxKeys: 100_000, now: time.Now,
		keys: map[string]*list.Element{}, order: list.New()}
}

// WithClock replaces the clock (tests).
func (l *Limiter) WithClock(now func() time.Time) *Limiter {
	l.now = now
	return l
}

// Wait says how long key must wait before its next attempt; zero: go ahead.
// Callers refuse an attempt made too early (HTTP 429 with Retry-After)
// without checking it, so a guesser learns nothing by hurrying.
func (l *Limiter) Wait(keys ...string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var longest time.Duration
	for _, k := range keys {
		el, ok := l.keys[k]
		if !ok {
			continue
		}
		e := el.Value.(*entry)
		if now.Sub(e.last) > l.Forget {
			l.remove(el)
			continue
		}
		if d := e.until.Sub(now); d > longest {
			longest = d
		}
	}
	return longest
}

// Fail records a failed attempt for each key.
func (l *Limiter) Fail(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for _, k := range keys {
		el, ok := l.keys[k]
		if ok && now.Sub(el.Value.(*entry).last) > l.Forget {
			l.remove(el)
			ok = false
		}
		if !ok {
			el = l.order.PushFront(&entry{key: k})
			l.keys[k] = el
			for len(l.keys) > l.MaxKeys {
				l.remove(l.order.Back())
			}
		}
		l.order.MoveToFront(el)
		e := el.Value.(*entry)
		e.failures++
		e.last = now
		if over := e.failures - l.Free; over > 0 {
			wait := l.Base
			for i := 1; i < over && wait < l.Max; i++ {
				wait *= 2
			}
			e.until = now.Add(min(wait, l.Max))
		}
	}
}

// Succeed clears the keys' failures.
func (l *Limiter) Succeed(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		if el, ok := l.keys[k]; ok {
			l.remove(el)
		}
	}
}

func (l *Limiter) remove(el *list.Element) {
	delete(l.keys, el.Value.(*entry).key)
	l.order.Remove(el)
}

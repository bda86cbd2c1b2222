package throttle

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestFreeFailuresThenDoublingWaits(t *testing.T) {
	c := &clock{t: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)}
	l := New(3, time.Second, 8*time.Second, time.Hour).WithClock(c.now)
	for i := 0; i < 3; i++ {
		l.Fail("ip:192.0.2.1")
		if w := l.Wait("ip:192.0.2.1"); w != 0 {
			t.Fatalf("after %d failures wait %v, want none", i+1, w)
		}
	}
	for _, want := range []time.Duration{1, 2, 4, 8, 8} {
		l.Fail("ip:192.0.2.1")
		if w := l.Wait("ip:192.0.2.1"); w != want*time.Second {
			t.Fatalf("wait %v, want %v", w, want*time.Second)
		}
	}
	// Other keys are not held up; the longest wait of several keys counts.
	if w := l.Wait("ip:192.0.2.2"); w != 0 {
		t.Errorf("another address waits %v", w)
	}
	if w := l.Wait("ip:192.0.2.2", "ip:192.0.2.1"); w != 8*time.Second {
		t.Errorf("longest of two = %v", w)
	}
	c.t = c.t.Add(3 * time.Second)
	if w := l.Wait("ip:192.0.2.1"); w != 5*time.Second {
		t.Errorf("wait 3s later = %v, want 5s", w)
	}
	l.Succeed("ip:192.0.2.1")
	if w := l.Wait("ip:192.0.2.1"); w != 0 {
		t.Errorf("after a success wait %v", w)
	}
}

func TestForgetsQuietKeysAndBoundsMemory(t *testing.T) {
	c := &clock{t: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)}
	l := New(0, time.Minute, time.Minute, time.Hour).WithClock(c.now)
	l.Fail("a")
	c.t = c.t.Add(2 * time.Hour)
	if w := l.Wait("a"); w != 0 {
		t.Errorf("a key quiet for longer than Forget still waits %v", w)
	}
	l.Fail("a")
	if w := l.Wait("a"); w != time.Minute {
		t.Errorf("failures restart from the first: wait %v", w)
	}
	l.MaxKeys = 10
	for i := 0; i < 100; i++ {
		l.Fail(fmt.Sprint("k", i))
	}
	if len(l.keys) != 10 || l.order.Len() != 10 {
		t.Errorf("%d keys kept, want 10", len(l.keys))
	}
	if l.Wait("k99") == 0 || l.Wait("k0") != 0 {
		t.Error("the newest key must be kept and the oldest forgotten")
	}
}

func TestConcurrentUse(t *testing.T) {
	l := New(2, time.Millisecond, time.Second, time.Hour)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				k := fmt.Sprint("k", j%5)
				l.Fail(k)
				l.Wait(k)
				if j%7 == 0 {
					l.Succeed(k)
				}
			}
		}()
	}
	wg.Wait()
	// Under the race detector this also fails on any unsynchronised access.
	if len(l.keys) != l.order.Len() || len(l.keys) > 5 {
		t.Errorf("map holds %d keys, list %d", len(l.keys), l.order.Len())
	}
}

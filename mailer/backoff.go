package mailer

import (
	"math"
	"time"
)

// backoff is the delay after the n-th failed attempt (n ≥ 1): base·2^(n−1),
// capped at max, spread by ±20 % (r is uniform in [0, 1)) so a queue that
// failed together does not retry together. It is computed in floating point:
// integer arithmetic on small durations (maddy's) made early retries equal.
// Below the cap the bands [0.8d, 1.2d] of consecutive attempts do not
// overlap, so every retry waits longer than the one before.
func backoff(n int, base, max time.Duration, r float64) time.Duration {
	if n < 1 {
		n = 1
	}
	if r < 0 || r >= 1 || math.IsNaN(r) {
		r = 0.5
	}
	d := float64(base) * math.Pow(2, float64(n-1))
	if d > float64(max) || math.IsInf(d, 0) {
		d = float64(max)
	}
	d *= 0.8 + 0.4*r
	if d > float64(max) {
		d = float64(max)
	}
	return time.Duration(d)
}

package benchrun

import (
	"testing"
	"time"
)

func TestSamples(t *testing.T) {
	s := Samples{Work: 1000}
	for _, ms := range []int{30, 10, 20, 50, 40} {
		s.Add(time.Duration(ms) * time.Millisecond)
	}
	if s.Min() != 10*time.Millisecond || s.Median() != 30*time.Millisecond {
		t.Errorf("min %v median %v, want 10ms 30ms", s.Min(), s.Median())
	}
	s.Add(60 * time.Millisecond)
	if s.Median() != 30*time.Millisecond {
		t.Errorf("median of six: %v, want the lower middle 30ms", s.Median())
	}
	limit := Samples{Work: 1000, D: []time.Duration{5 * time.Millisecond, 9 * time.Millisecond}}
	if r := RateRatio(s, limit); r != 0.5 {
		t.Errorf("rate ratio %v, want 0.5", r)
	}
	if r := TimeRatio(s, limit); r != 2 {
		t.Errorf("time ratio %v, want 2", r)
	}
	if (Samples{}).Min() != 0 || (Samples{}).Median() != 0 {
		t.Error("empty samples")
	}
}

func TestThousands(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 999.4: "999", 1000: "1,000", 36359.2: "36,359", 1234567: "1,234,567"} {
		if got := Thousands(v); got != want {
			t.Errorf("Thousands(%v) = %q, want %q", v, got, want)
		}
	}
}

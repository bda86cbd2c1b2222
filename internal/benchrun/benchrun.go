// Package benchrun holds the benchmarks' shared arithmetic: every subject
// and every limit is run several times in the same benchmark, and each is
// reported as the minimum and the median of its samples, with verdicts on
// the ratio of minima. On a shared machine the minimum is the sample least
// disturbed by other work; a ratio of single samples flips with the
// neighbours' load (issue 14 saw a "≤ 2×" verdict read 1.08× and 3.41×).
package benchrun

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// EnvSamples names the variable that sets how many samples each subject
// and limit takes (default and minimum: DefaultSamples).
const EnvSamples = "ICPDESK_BENCH_SAMPLES"

// DefaultSamples is the number of samples of each subject and limit.
const DefaultSamples = 5

// Runs returns how many samples to take of each subject and limit.
func Runs() int {
	n, err := strconv.Atoi(os.Getenv(EnvSamples))
	if err != nil || n < DefaultSamples {
		return DefaultSamples
	}
	return n
}

// Samples are the durations of repeated runs of the same work (Work
// items each, e.g. messages), or of a statistic such as a latency's p50.
type Samples struct {
	Name string
	Work int
	D    []time.Duration
}

// Add records one sample.
func (s *Samples) Add(d time.Duration) { s.D = append(s.D, d) }

// Min is the smallest sample (zero when there is none).
func (s Samples) Min() time.Duration {
	if len(s.D) == 0 {
		return 0
	}
	return slices.Min(s.D)
}

// Median is the middle sample (the lower middle of an even count).
func (s Samples) Median() time.Duration {
	if len(s.D) == 0 {
		return 0
	}
	d := slices.Clone(s.D)
	slices.Sort(d)
	return d[(len(d)-1)/2]
}

// Rate is Work per second over d.
func (s Samples) Rate(d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(s.Work) / d.Seconds()
}

// RateString prints the rates of the minimum and the median:
// "4,100 (median 3,900) msgs/s in 1.22–1.28 s".
func (s Samples) RateString(unit string) string {
	return fmt.Sprintf("%s (median %s) %s/s, %v–%v per pass, %d samples", Thousands(s.Rate(s.Min())), Thousands(s.Rate(s.Median())), unit,
		round(s.Min()), round(s.Median()), len(s.D))
}

// TimeString prints the minimum and the median: "6.1 ms (median 6.8 ms), 5 samples".
func (s Samples) TimeString() string {
	return fmt.Sprintf("%v (median %v), %d samples", round(s.Min()), round(s.Median()), len(s.D))
}

// RateRatio is the subject's rate over the limit's, both at their minimum
// times: limit.Min / subject.Min for the same work.
func RateRatio(subject, limit Samples) float64 {
	if subject.Min() <= 0 || limit.Work == 0 {
		return 0
	}
	rs := subject.Rate(subject.Min())
	rl := limit.Rate(limit.Min())
	if rl == 0 {
		return 0
	}
	return rs / rl
}

// TimeRatio is the subject's minimum over the limit's minimum.
func TimeRatio(subject, limit Samples) float64 {
	if limit.Min() <= 0 {
		return 0
	}
	return float64(subject.Min()) / float64(limit.Min())
}

// Verdict words a target's outcome.
func Verdict(met bool) string {
	if met {
		return "MET"
	}
	return "NOT MET"
}

// LoadAvg is the first three fields of /proc/loadavg ("0.52 0.61 0.70"), or
// "unknown" where there is none: the run's figures mean little without it.
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// Header is the line each benchmark prints before its figures: what it
// measures and the machine's load then.
func Header(what string) string {
	host, _ := os.Hostname()
	return fmt.Sprintf("== %s — %s, load average %s (1, 5, 15 min), host %s", what, time.Now().UTC().Format("2006-01-02 15:04 UTC"), LoadAvg(), host)
}

// Thousands formats a rate with thousands separators and no decimals.
func Thousands(v float64) string {
	s := strconv.FormatInt(int64(v+0.5), 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond)
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	default:
		return d.Round(time.Microsecond)
	}
}

package filing

import (
	"fmt"
	"sort"
	"time"
)

// Policy is how the desk applies the process: its time zone, the
// resubmission window and when to remind applicants.
type Policy struct {
	Location        *time.Location
	ResubmitDays    int
	ReminderOffsets []time.Duration
}

// DefaultPolicy is the seed's: 7 days in China Standard Time, reminders 72
// and 24 hours before the deadline.
func DefaultPolicy() Policy {
	return Policy{Location: shanghai(), ResubmitDays: 7, ReminderOffsets: []time.Duration{72 * time.Hour, 24 * time.Hour}}
}

func shanghai() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		// China has had one offset without DST since 1991; a fixed zone is
		// exact for any date a filing can have.
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// Validate checks a policy built from configuration.
func (p Policy) Validate() error {
	if p.Location == nil {
		return fmt.Errorf("policy: no time zone")
	}
	if p.ResubmitDays < 1 || p.ResubmitDays > 365 {
		return fmt.Errorf("policy: resubmit days %d out of range 1–365", p.ResubmitDays)
	}
	for _, o := range p.ReminderOffsets {
		if o <= 0 {
			return fmt.Errorf("policy: reminder offset %v must be positive", o)
		}
	}
	return nil
}

// Deadline returns the last moment a returned filing may be resubmitted:
// the end (23:59:59) of the resubmitDays-th calendar day after the return, in
// the desk's zone. A filing returned at 23:50 on 1 December must be
// resubmitted by 23:59:59 on 8 December.
func Deadline(returnedAt time.Time, resubmitDays int, loc *time.Location) time.Time {
	local := returnedAt.In(loc)
	y, m, d := local.Date()
	return time.Date(y, m, d+resubmitDays, 23, 59, 59, 0, loc)
}

// PastDeadline reports whether t is after the deadline. The deadline's last
// second counts as in time: 23:59:59.5 on the 7th day is not late.
func PastDeadline(t, deadline time.Time) bool {
	return !t.Before(deadline.Truncate(time.Second).Add(time.Second))
}

// Reminder is when to remind an applicant before a deadline.
type Reminder struct {
	Offset time.Duration // before the deadline
	At     time.Time
}

// Reminders returns the reminder instants for the given offsets, earliest
// first, dropping duplicates.
func Reminders(deadline time.Time, offsets []time.Duration) []Reminder {
	seen := map[time.Duration]bool{}
	var out []Reminder
	for _, o := range offsets {
		if o <= 0 || seen[o] {
			continue
		}
		seen[o] = true
		out = append(out, Reminder{Offset: o, At: deadline.Add(-o)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

package filing

import (
	"reflect"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Shanghai and America/New_York even without system zoneinfo
)

func cst(t testing.TB) *time.Location {
	t.Helper()
	loc := DefaultPolicy().Location
	if loc == nil {
		t.Fatal("DefaultPolicy has no location")
	}
	return loc
}

func TestDefaultPolicy(t *testing.T) {
	p := DefaultPolicy()
	if err := p.Validate(); err != nil {
		t.Fatalf("DefaultPolicy().Validate() = %v", err)
	}
	if p.ResubmitDays != 7 {
		t.Errorf("ResubmitDays = %d, want 7 (seed §一 step 8)", p.ResubmitDays)
	}
	if !reflect.DeepEqual(p.ReminderOffsets, []time.Duration{72 * time.Hour, 24 * time.Hour}) {
		t.Errorf("ReminderOffsets = %v, want [72h 24h]", p.ReminderOffsets)
	}
	// China Standard Time: UTC+8 all year, no DST.
	for _, m := range []time.Month{time.January, time.July} {
		_, off := time.Date(2026, m, 1, 12, 0, 0, 0, p.Location).Zone()
		if off != 8*3600 {
			t.Errorf("offset in %v = %ds, want +8h", m, off)
		}
	}
}

func TestPolicyValidate(t *testing.T) {
	loc := cst(t)
	for _, tc := range []struct {
		name string
		p    Policy
		ok   bool
	}{
		{"default", DefaultPolicy(), true},
		{"no reminders", Policy{Location: loc, ResubmitDays: 7}, true},
		{"one day", Policy{Location: loc, ResubmitDays: 1}, true},
		{"365 days", Policy{Location: loc, ResubmitDays: 365}, true},
		{"no location", Policy{ResubmitDays: 7}, false},
		{"zero days", Policy{Location: loc, ResubmitDays: 0}, false},
		{"negative days", Policy{Location: loc, ResubmitDays: -7}, false},
		{"366 days", Policy{Location: loc, ResubmitDays: 366}, false},
		{"zero offset", Policy{Location: loc, ResubmitDays: 7, ReminderOffsets: []time.Duration{24 * time.Hour, 0}}, false},
		{"negative offset", Policy{Location: loc, ResubmitDays: 7, ReminderOffsets: []time.Duration{-time.Hour}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.p.Validate(); (err == nil) != tc.ok {
				t.Errorf("Validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestDeadline(t *testing.T) {
	loc := cst(t)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatalf("load America/New_York: %v", err)
	}
	for _, tc := range []struct {
		name     string
		returned time.Time
		days     int
		loc      *time.Location
		want     string // in loc, "2006-01-02 15:04:05"
	}{
		{"late evening return", time.Date(2026, 12, 1, 23, 50, 0, 0, loc), 7, loc, "2026-12-08 23:59:59"},
		{"early morning return", time.Date(2026, 12, 1, 0, 0, 0, 0, loc), 7, loc, "2026-12-08 23:59:59"},
		{"UTC afternoon is next day in Shanghai", time.Date(2026, 12, 1, 16, 30, 0, 0, time.UTC), 7, loc, "2026-12-09 23:59:59"},
		{"last second of the day in Shanghai", time.Date(2026, 12, 1, 15, 59, 59, 0, time.UTC), 7, loc, "2026-12-08 23:59:59"},
		{"first second of the next day in Shanghai", time.Date(2026, 12, 1, 16, 0, 0, 0, time.UTC), 7, loc, "2026-12-09 23:59:59"},
		{"month rollover", time.Date(2026, 11, 25, 10, 0, 0, 0, loc), 7, loc, "2026-12-02 23:59:59"},
		{"year rollover", time.Date(2026, 12, 28, 10, 0, 0, 0, loc), 7, loc, "2027-01-04 23:59:59"},
		{"New Year's Eve in UTC is New Year's Day in Shanghai", time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC), 7, loc, "2027-01-08 23:59:59"},
		{"February of a leap year", time.Date(2028, 2, 25, 9, 0, 0, 0, loc), 7, loc, "2028-03-03 23:59:59"},
		{"February of a common year", time.Date(2027, 2, 25, 9, 0, 0, 0, loc), 7, loc, "2027-03-04 23:59:59"},
		{"one day", time.Date(2026, 12, 1, 8, 0, 0, 0, loc), 1, loc, "2026-12-02 23:59:59"},
		{"30 days", time.Date(2026, 12, 1, 8, 0, 0, 0, loc), 30, loc, "2026-12-31 23:59:59"},
		{"other zone across a DST change", time.Date(2026, 3, 5, 12, 0, 0, 0, ny), 7, ny, "2026-03-12 23:59:59"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Deadline(tc.returned, tc.days, tc.loc)
			if s := got.In(tc.loc).Format("2006-01-02 15:04:05"); s != tc.want {
				t.Errorf("Deadline(%v, %d) = %s, want %s", tc.returned, tc.days, s, tc.want)
			}
			want, _ := time.ParseInLocation("2006-01-02 15:04:05", tc.want, tc.loc)
			if !got.Equal(want) {
				t.Errorf("Deadline instant = %v, want %v", got, want)
			}
		})
	}

	t.Run("the 8 December example in UTC", func(t *testing.T) {
		got := Deadline(time.Date(2026, 12, 1, 23, 50, 0, 0, loc), 7, loc)
		if want := time.Date(2026, 12, 8, 15, 59, 59, 0, time.UTC); !got.Equal(want) {
			t.Errorf("deadline = %v, want %v", got.UTC(), want)
		}
	})
}

func TestPastDeadline(t *testing.T) {
	loc := cst(t)
	dl := Deadline(time.Date(2026, 12, 1, 23, 50, 0, 0, loc), 7, loc)
	for _, tc := range []struct {
		name string
		at   time.Time
		want bool
	}{
		{"a day before", dl.Add(-24 * time.Hour), false},
		{"one second before", dl.Add(-time.Second), false},
		{"exactly at the deadline", dl, false},
		{"exactly at the deadline, in UTC", dl.UTC(), false},
		{"one second after", dl.Add(time.Second), true},
		{"midnight after the 7th day", time.Date(2026, 12, 9, 0, 0, 0, 0, loc), true},
		{"a day after", dl.Add(24 * time.Hour), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := PastDeadline(tc.at, dl); got != tc.want {
				t.Errorf("PastDeadline(%v, %v) = %v, want %v", tc.at, dl, got, tc.want)
			}
		})
	}
}

// docs/architecture.md: a returned filing may be resubmitted "until the end of the 7th
// day after the day of return". 23:59:59.5 on 8 December is still 8 December.
func TestPastDeadlineLastSecondOfTheDay(t *testing.T) {
	loc := cst(t)
	dl := Deadline(time.Date(2026, 12, 1, 23, 50, 0, 0, loc), 7, loc)
	for _, at := range []time.Time{
		time.Date(2026, 12, 8, 23, 59, 59, 500_000_000, loc),
		time.Date(2026, 12, 8, 23, 59, 59, 999_999_999, loc),
	} {
		if PastDeadline(at, dl) {
			t.Errorf("PastDeadline(%s, %s) = true: the time is still on the 7th day after the return",
				at.Format("2006-01-02 15:04:05.999999999 MST"), dl.Format("2006-01-02 15:04:05 MST"))
		}
	}
}

func TestReminders(t *testing.T) {
	loc := cst(t)
	dl := time.Date(2026, 12, 8, 23, 59, 59, 0, loc)
	h := time.Hour
	for _, tc := range []struct {
		name    string
		offsets []time.Duration
		want    []time.Duration // offsets of the result, in order
	}{
		{"default, earliest first", []time.Duration{72 * h, 24 * h}, []time.Duration{72 * h, 24 * h}},
		{"given latest first", []time.Duration{24 * h, 72 * h}, []time.Duration{72 * h, 24 * h}},
		{"duplicates dropped", []time.Duration{24 * h, 72 * h, 24 * h, 72 * h}, []time.Duration{72 * h, 24 * h}},
		{"non-positive dropped", []time.Duration{0, 24 * h, -h, 2 * h}, []time.Duration{24 * h, 2 * h}},
		{"three, unsorted", []time.Duration{h, 48 * h, 12 * h}, []time.Duration{48 * h, 12 * h, h}},
		{"none", nil, nil},
		{"only invalid", []time.Duration{0, -24 * h}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Reminders(dl, tc.offsets)
			if len(got) != len(tc.want) {
				t.Fatalf("Reminders(%v) = %v, want offsets %v", tc.offsets, got, tc.want)
			}
			for i, r := range got {
				if r.Offset != tc.want[i] {
					t.Errorf("reminder %d offset = %v, want %v", i, r.Offset, tc.want[i])
				}
				if !r.At.Equal(dl.Add(-r.Offset)) {
					t.Errorf("reminder %d at %v, want %v", i, r.At, dl.Add(-r.Offset))
				}
				if i > 0 && !got[i-1].At.Before(r.At) {
					t.Errorf("reminders not strictly earliest first: %v then %v", got[i-1].At, r.At)
				}
			}
		})
	}
	t.Run("default offsets fall on 5 and 7 December", func(t *testing.T) {
		got := Reminders(dl, DefaultPolicy().ReminderOffsets)
		want := []string{"2026-12-05 23:59:59", "2026-12-07 23:59:59"}
		if len(got) != 2 {
			t.Fatalf("got %d reminders", len(got))
		}
		for i := range got {
			if s := got[i].At.In(loc).Format("2006-01-02 15:04:05"); s != want[i] {
				t.Errorf("reminder %d at %s, want %s", i, s, want[i])
			}
		}
	})
	t.Run("input slice untouched", func(t *testing.T) {
		in := []time.Duration{24 * h, 72 * h, 24 * h}
		Reminders(dl, in)
		if !reflect.DeepEqual(in, []time.Duration{24 * h, 72 * h, 24 * h}) {
			t.Errorf("Reminders changed its input: %v", in)
		}
	})
}

package config

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// CronParser reads the [jobs] schedules: five fields or six (leading
// seconds), @descriptors such as @daily or @every 30s, and CRON_TZ= naming
// another zone per entry. The scheduler runs the jobs with this parser, so a
// schedule the configuration accepts is one the scheduler can run.
var CronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule parses a cron specification and checks that it fires within
// the next five years in loc. A spec that parses but never fires (30
// February) is an error: robfig/cron would silently never run it, because its
// Next gives up after five years and returns the zero time.
func ParseSchedule(spec string, loc *time.Location) (cron.Schedule, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, errors.New("empty schedule")
	}
	sched, err := CronParser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", spec, err)
	}
	if sched.Next(time.Now().In(loc)).IsZero() {
		return nil, fmt.Errorf("schedule %q never fires", spec)
	}
	return sched, nil
}
